#!/usr/bin/env bash
# vmxguard fix --emit govc --devices against vcsim, run with the real govc:
#  - devices the audit flags (serial, parallel and floppy ports, CD-ROMs) are
#    removed or disconnected, found by their vSphere type when the script runs
#    (device keys differ per VM), together with the extraConfig fixes;
#  - afterwards the audit passes those rules on every VM;
#  - a second run makes no change at all: no vm.change, device.remove or
#    device.disconnect call (govc wrapped to record what it is asked);
#  - without --devices the script touches no device;
#  - PowerCLI and Ansible (vmware.vmware) scripts of the same API VMs select
#    each VM by MoRef (+ instance UUID for PowerCLI), as govc reports them.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
REAL_GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$REAL_GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "FAIL vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

bash "$LAB/start.sh" -n 2 -d "$work/vc" -u vmxuser -w 'vmx-Pass1' --timeout 120 >"$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<<"$VCSIM_URL")
export GOVC_URL="https://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
URL="https://127.0.0.1:$PORT/sdk"
VMS=$(timeout 60 "$REAL_GOVC" find / -type m | sed 's|.*/||' | sort)
NVMS=$(echo $VMS | wc -w)

# govc as the script calls it: the real one, each call's verb recorded
mkdir "$work/bin"
cat >"$work/bin/govc" <<SH
#!/bin/sh
echo "\$1" >>"\$GOVC_CALLS"
exec "$REAL_GOVC" "\$@"
SH
chmod +x "$work/bin/govc"
export PATH="$work/bin:$PATH"

setup_bad() {
    for vm in $VMS; do
        timeout 60 "$REAL_GOVC" device.serial.add -vm "$vm" >/dev/null &&
            timeout 60 "$REAL_GOVC" device.floppy.add -vm "$vm" >/dev/null &&
            timeout 60 "$REAL_GOVC" vm.change -vm "$vm" -e isolation.tools.copy.disable=FALSE \
                -e sched.mem.pshare.salt=abc || return 1
    done
}
check "serial port, floppy and bad settings added with govc" setup_bad
devices() { timeout 60 "$REAL_GOVC" device.ls -vm "$1" | awk '{print $2}' | sort | tr '\n' ' '; }
before=$(devices "$(echo $VMS | cut -d' ' -f1)")

audit_csv() {
    timeout 120 "$VMXGUARD" audit --insecure -q --format csv "$URL" >"$1" 2>"$1.err" </dev/null
    [ $? -le 1 ]
}
statuses() {
    /usr/bin/python3 - "$1" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["rule"] in ("serial-present", "floppy-connected", "cdrom-connected",
                       "isolation-tools-copy-disable", "sched-mem-pshare-salt"):
        print(row["vm_name"], row["rule"], row["status"])
PY
}
audit_csv "$work/a0.csv"
statuses "$work/a0.csv" >"$work/s0"
check "before: the device and setting rules fail on every VM" \
    [ "$(grep -c ' fail$' "$work/s0")" -eq $((5 * NVMS)) ]

emit() { timeout 120 "$VMXGUARD" fix --insecure -q --emit govc "$@" "$URL" </dev/null 2>>"$work/emit.err"; }
emit -o "$work/plain.sh"
check "without --devices: no device call in the script" \
    bash -c "! grep -qE '^vg_(remove|disconnect) ' '$work/plain.sh'"
emit --devices -o "$work/dev.sh"
check "with --devices: device removals and disconnections planned" \
    bash -c "grep -q '^vg_remove .* VirtualSerialPort' '$work/dev.sh' &&
             grep -q '^vg_disconnect .* VirtualCdrom' '$work/dev.sh'"
check "the script passes sh -n" sh -n "$work/dev.sh"

GOVC_CALLS=$work/calls1 timeout 300 sh "$work/dev.sh" >"$work/run1" 2>&1; rc=$?
check "first run (rc=$rc)" [ "$rc" -eq 0 ]
check "first run changed settings and devices" \
    bash -c "grep -qx vm.change '$work/calls1' && grep -qx device.remove '$work/calls1' &&
             grep -qx device.disconnect '$work/calls1'"
audit_csv "$work/a1.csv"
statuses "$work/a1.csv" >"$work/s1"
# the VMs run: a setting changed now is configured but "pending" until a
# power cycle (docs/vsphere.md); pass or pending both mean the script did it
check "after: every one of those rules passes (or is pending) on every VM" \
    bash -c "[ \$(grep -cE ' (pass|pending)$' '$work/s1') -eq $((5 * NVMS)) ]"
[ "$(grep -cE ' (pass|pending)$' "$work/s1")" -eq $((5 * NVMS)) ] || cat "$work/s1"
after=$(devices "$(echo $VMS | cut -d' ' -f1)")
check "the serial port is gone, the floppy and CD-ROM stay (disconnected)" \
    bash -c "! grep -q VirtualSerialPort <<<'$after' && grep -q VirtualFloppy <<<'$after' &&
             grep -q VirtualSerialPort <<<'$before'"

GOVC_CALLS=$work/calls2 timeout 300 sh "$work/dev.sh" >"$work/run2" 2>&1; rc=$?
check "second run (rc=$rc)" [ "$rc" -eq 0 ]
check "second run changes nothing (no vm.change, device.remove, device.disconnect)" \
    bash -c "! grep -qxE 'vm.change|device.remove|device.disconnect' '$work/calls2'"

# --- PowerCLI / Ansible: API VMs by MoRef, as vCenter knows them ----------
for vm in $VMS; do
    timeout 60 "$REAL_GOVC" vm.info -json "$vm" | /usr/bin/python3 -c '
import json, sys
vm = json.load(sys.stdin)["virtualMachines"][0]
print(vm["self"]["value"], vm["config"]["instanceUuid"], vm["config"]["name"])'
done | sort >"$work/ids"
emit -o "$work/fix.ps1" --emit powercli
emit -o "$work/vmware.yml" --emit ansible --ansible-collection vmware.vmware
NPM=$VG_SOURCE_DIR/build-npm-fix/node_modules
if [ -d "$NPM/tree-sitter-powershell" ]; then
    node "$VG_SOURCE_DIR/tests/fixtures/powershell/parse.mjs" "$NPM" "$work/fix.ps1" >"$work/ps.json" \
        2>"$work/ps.err"
    check "powercli: parses without error" [ $? -eq 0 ]
    /usr/bin/python3 - "$work/ps.json" >"$work/ps.ids" <<'PY'
import json, sys
for name, args in json.load(open(sys.argv[1]))["calls"]:
    assert name == "Get-VgVMById" and all(k == "literal" for k, _ in args), (name, args)
    print(" ".join(v for _, v in args))
PY
    check "powercli: every VM by MoRef and instance UUID, as govc reports them" \
        bash -c "sort '$work/ps.ids' | cmp -s - '$work/ids'"
else
    echo "FAIL PowerShell grammar missing at $NPM (run scripts/setup.d/fix.sh)"; fails=$((fails + 1))
fi
check "ansible vmware.vmware: every VM by moid" \
    bash -c "[ \"\$(grep -o 'moid: !unsafe \"[^\"]*\"' '$work/vmware.yml' | sed 's/.*\"\(.*\)\"/\\1/' | sort -u)\" = \
              \"\$(cut -d' ' -f1 '$work/ids' | sort -u)\" ]"

if [ "$fails" -eq 0 ]; then
    echo "all govc device checks passed"
else
    echo "$fails check(s) failed"
    tail -20 "$work/run1" "$work/run2" "$work/emit.err" 2>/dev/null
fi
[ "$fails" -eq 0 ]
