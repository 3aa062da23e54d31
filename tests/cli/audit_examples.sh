#!/usr/bin/env bash
# vmxguard audit on examples/datastore1: exit codes, order, templates,
# profiles, lint warnings, locks, waivers, colour and output files.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
ds="$VG_SOURCE_DIR/examples/datastore1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }

"$VMXGUARD" audit "$ds" --color=never >"$tmp/out" 2>"$tmp/err"; rc=$?
check "findings exit 1" [ "$rc" -eq 1 ]
for vm in db01 jump01 legacy01 web01 "Büro-Dateiserver"; do
    check "audits $vm" has "$tmp/out" "$vm"
done
check "template skipped by default" hasnt "$tmp/out" "tmpl-ubuntu"
# the lock member is named as evidence (vm-not-running-lock), never audited
check "lock folder not audited as a VM" bash -c '! grep -qE "^  [^ ]*M35731" "$1"' _ "$tmp/out"
check "lock is evidence" has "$tmp/out" "lock M35731.lck present"
check "lock noted" grep -qiE "appears powered on|locked" "$tmp/out"
check "wrong polarity named" has "$tmp/out" "isolation.tools.copy.enable"
check "misspelling named" has "$tmp/out" "isolation.tools.copy.disabel"
check "wrong prefix named" has "$tmp/out" "vmx.log.rotateSize"
check "unexpected bool value" has "$tmp/out" "unexpected value"
check "evidence has file:line" has "$tmp/out" "db01.vmx:"
check "absent evidence" has "$tmp/out" "absent -> VMware default"
check "fix is concrete" has "$tmp/out" 'set RemoteDisplay.maxConnections = "1"'
check "no colour when not a tty" hasnt "$tmp/out" $'\033['
check "no secret shown" hasnt "$tmp/out" "tok-4f1d9a7e2b"

# the hardened VM alone passes
"$VMXGUARD" audit "$ds/web01/web01.vmx" >"$tmp/web" 2>&1; rc=$?
check "hardened web01 exits 0" [ "$rc" -eq 0 ]

# deterministic order whatever the thread count
"$VMXGUARD" audit "$ds" --color=never --jobs 1 >"$tmp/j1" 2>/dev/null
"$VMXGUARD" audit "$ds" --color=never --jobs 4 >"$tmp/j4" 2>/dev/null
check "same report with 1 and 4 jobs" cmp -s "$tmp/j1" "$tmp/j4"

"$VMXGUARD" audit "$ds" --include-templates >"$tmp/tmpl" 2>/dev/null
check "--include-templates audits the .vmtx" has "$tmp/tmpl" "tmpl-ubuntu"
"$VMXGUARD" audit "$ds" --exclude 'db*' --exclude legacy01 >"$tmp/ex" 2>/dev/null
check "--exclude by name" hasnt "$tmp/ex" "db01.vmx"
check "--exclude keeps others" has "$tmp/ex" "web01"
"$VMXGUARD" audit "$ds" --exclude 'Büro-*' >"$tmp/ex2" 2>/dev/null
check "--exclude by displayName" hasnt "$tmp/ex2" "win-app01.vmx"

# --fail-on: DISA 8 has no CAT I rule failing here
"$VMXGUARD" audit "$ds" --fail-on high >/dev/null 2>&1; rc=$?
check "--fail-on high exits 0" [ "$rc" -eq 0 ]
"$VMXGUARD" audit "$ds" --fail-on medium >/dev/null 2>&1; rc=$?
check "--fail-on medium exits 1" [ "$rc" -eq 1 ]
"$VMXGUARD" audit "$ds" --fail-on severe >/dev/null 2>"$tmp/err"; rc=$?
check "bad --fail-on exits 2" [ "$rc" -eq 2 ]

# profiles: several in one pass, unknown ones get a suggestion
"$VMXGUARD" audit "$ds/web01/web01.vmx" --profile disa-vsphere7-vm --profile cis-esxi-8 \
    >"$tmp/two" 2>&1; rc=$?
check "DISA 7 fails the DISA 8 hardened VM" [ "$rc" -eq 1 ]
check "both profiles reported" grep -q "cis-esxi-8" "$tmp/two"
"$VMXGUARD" audit "$ds" --profile disa-vsphere8 >/dev/null 2>"$tmp/err"; rc=$?
check "unknown profile exits 2" [ "$rc" -eq 2 ]
check "did you mean" has "$tmp/err" "did you mean 'disa-vsphere8-vm'"

# a site's own profile: its profiles are audited unless --profile says otherwise
cat >"$tmp/site.yaml" <<'P'
profile:
  id: my-site
  title: Site baseline
  source: Site security policy
  version: "2025.1"
  rules:
    - {rule: log-keepold, source_id: SITE-1, cmp: ge, value: "20", absent: fail, severity: high}
P
"$VMXGUARD" audit "$ds/web01/web01.vmx" --profile-file "$tmp/site.yaml" --color=never \
    >"$tmp/site" 2>&1; rc=$?
check "--profile-file audits its profile" has "$tmp/site" "SITE-1"
check "site rule fails web01 (keepOld 10 < 20)" [ "$rc" -eq 1 ]
check "embedded default not used with --profile-file" hasnt "$tmp/site" "VMCH-80-000189"
printf 'profile:\n  id: [\n' >"$tmp/broken.yaml"
"$VMXGUARD" audit "$ds" --profile-file "$tmp/broken.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "broken profile file exits 2" [ "$rc" -eq 2 ]
check "broken profile file named" has "$tmp/err" "broken.yaml:"

# unreadable input: exit 2, the others still audited
"$VMXGUARD" audit "$tmp/missing.vmx" "$ds/web01/web01.vmx" >"$tmp/mix" 2>"$tmp/err"; rc=$?
check "missing input exits 2" [ "$rc" -eq 2 ]
check "missing input named" has "$tmp/err" "missing.vmx"
check "other input still audited" has "$tmp/mix" "web01"

# waivers: active, expired, unused, and a bad file
cat >"$tmp/w.yaml" <<'W'
waivers:
  - rules: [VMCH-80-000212]
    vm: {name: db01}
    reason: console server on serial0
    approver: ops lead
    expires: 2099-12-31
  - rules: [remotedisplay-maxconnections]
    vm: {path: "*/db01/*"}
    reason: old exception
    approver: ops lead
    expires: 2001-01-01
  - rules: [VMCH-80-000189]
    vm: {uuid: "no such uuid"}
    reason: nothing matches
    approver: nobody
    expires: 2099-12-31
W
"$VMXGUARD" audit "$ds/db01" --waivers "$tmp/w.yaml" --color=never >"$tmp/wout" 2>"$tmp/werr"
check "waived result shown" grep -qi "waived" "$tmp/wout"
check "unused waiver warned" has "$tmp/werr" "w.yaml:12"
printf 'waivers:\n  - rules: [a]\n    vm: {name: x}\n    expires: 31/12/2099\n' >"$tmp/bad.yaml"
"$VMXGUARD" audit "$ds" --waivers "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; rc=$?
check "bad waiver file exits 2" [ "$rc" -eq 2 ]
check "bad waiver names file:line" has "$tmp/err" "bad.yaml:2"

# colour only when asked (or on a terminal without NO_COLOR)
"$VMXGUARD" audit "$ds/db01" --color=always >"$tmp/col" 2>/dev/null
check "--color=always colours" has "$tmp/col" $'\033['
NO_COLOR=1 "$VMXGUARD" audit "$ds/db01" --color=auto >"$tmp/nc" 2>/dev/null
check "NO_COLOR respected" hasnt "$tmp/nc" $'\033['

# -o FILE
"$VMXGUARD" audit "$ds/web01" -o "$tmp/report.txt" >"$tmp/stdout" 2>&1
check "-o writes the file" has "$tmp/report.txt" "web01"
check "-o leaves stdout empty" [ ! -s "$tmp/stdout" ]

# help mentions every option
"$VMXGUARD" audit --help >"$tmp/help"
for o in --profile --profile-file --format --output --output-dir --fail-on --exclude \
         --include-templates --waivers --show-secrets --color --quiet --verbose --jobs; do
    check "help mentions $o" has "$tmp/help" "$o"
done
check "help has examples" has "$tmp/help" "examples:"

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
