#!/usr/bin/env bash
# The config file (issue 12 part 8) as commands see it: defaults from
# $XDG_CONFIG_HOME/vmxguard/config apply to audit and fix, options win, a
# password-like key is refused with file:line, and an absent file is fine.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
vm=$VG_SOURCE_DIR/examples/datastore1/web01
mkdir -p "$t/cfg/vmxguard"
export XDG_CONFIG_HOME=$t/cfg

out=$("$VMXGUARD" audit --color=never "$vm" 2>&1)
check "no config file: default profile" 'grep -q "Profile:  disa-vsphere8-vm" <<<"$out"'

printf '# site defaults\nprofile = cis-esxi-8\nformat = csv\n' >"$t/cfg/vmxguard/config"
out=$("$VMXGUARD" audit "$vm" 2>/dev/null)
check "config profile and format apply" 'head -1 <<<"$out" | grep -q , && grep -q "cis-esxi-8" <<<"$out"'
out=$("$VMXGUARD" audit --profile disa-vsphere7-vm --format text --color=never "$vm" 2>&1)
check "options win over the config" 'grep -q "Profile:  disa-vsphere7-vm" <<<"$out" && ! grep -q "cis-esxi-8" <<<"$out"'
out=$("$VMXGUARD" fix --dry-run "$vm" 2>&1)
check "fix takes the config profile" 'grep -q "isolation.device.edit.disable" <<<"$out"'

printf 'profile = cis-esxi-8\npassword = hunter2\n' >"$t/cfg/vmxguard/config"
out=$("$VMXGUARD" audit "$vm" 2>&1); rc=$?
check "password key refused, exit 2" '[ $rc = 2 ] && grep -q "config:2: .password. refused" <<<"$out"'
check "the refused value is not echoed" '! grep -q hunter2 <<<"$out"'

printf 'fail-on = severe\n' >"$t/cfg/vmxguard/config"
out=$("$VMXGUARD" audit "$vm" 2>&1); rc=$?
check "bad value named with file:line, exit 2" '[ $rc = 2 ] && grep -q "config:1" <<<"$out"'

echo "$pass passed, $fail failed"
[ $fail = 0 ]
