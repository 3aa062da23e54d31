#!/usr/bin/env bash
# The playbook of `vmxguard fix --emit ansible`, run live with Debian's
# ansible (community.vmware vmware_guest advanced_settings) against vcsim
# (the lab in ../shared/lab/vcsim):
#  - --check reports the changes (changed=N) and govc shows nothing changed;
#  - a real run makes `vmxguard audit` of that vcsim pass every rule the
#    playbook fixes (the salt key removed by its empty value);
#  - a second run reports changed=0 (idempotent), and so does --check.
# Debian 12's python3-pyvmomi 6.7.1 lacks VmomiJSONEncoder, which the
# collection's vmware_guest calls; tests/fixtures/ansible/pyvmomi-compat
# (a sitecustomize.py on PYTHONPATH) adds it for this test only: the
# playbook is the one users get, and pyvmomi >= 7 needs no shim.  A control
# run without the shim shows that the shim is what makes the module work.
# Bounded: every step has a timeout; the whole test takes ~1.5 min on 2 cores.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
SHIM=$VG_SOURCE_DIR/tests/fixtures/ansible/pyvmomi-compat
AP=/usr/bin/ansible-playbook
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "FAIL vcsim/govc not installable"; exit 1; }
fi
[ -x "$AP" ] || { echo "FAIL ansible-playbook missing (scripts/deps/fix.txt lists ansible)"; exit 1; }
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
VMS=$(timeout 60 "$GOVC" find / -type m | sed 's|.*/||' | sort)
NVMS=$(echo $VMS | wc -w)

# the playbook reads its connection from the environment (see its header)
export VMWARE_HOST=127.0.0.1 VMWARE_PORT=$PORT VMWARE_USER=vmxuser VMWARE_PASSWORD=vmx-Pass1 \
    VMWARE_VALIDATE_CERTS=false VMWARE_DATACENTER=DC0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ANSIBLE_LOCAL_TEMP="$work/ansible-local" ANSIBLE_REMOTE_TEMP="$work/ansible-remote" \
    ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
# modules run in a child python3 that inherits PYTHONPATH, so the shim loads there
play() { PYTHONPATH="$SHIM${PYTHONPATH:+:$PYTHONPATH}" timeout 180 "$AP" -i localhost, -c local "$@"; }
recap() { grep -qE "ok=$2 +changed=$3 +unreachable=0 +failed=0" "$1"; }
# vcsim's own certificate: not what this test is about (vsphere_live.sh is)
audit_csv() {
    timeout 120 "$VMXGUARD" audit --insecure -q --format csv "$URL" >"$1" 2>"$1.err" </dev/null
    [ $? -le 1 ]
}
extra_config() {
    for vm in $VMS; do timeout 60 "$GOVC" vm.info -e "$vm" || return 1; done
}

harden_badly() {
    for vm in $VMS; do
        timeout 60 "$GOVC" vm.change -vm "$vm" -e isolation.tools.copy.disable=FALSE \
            -e RemoteDisplay.maxConnections=5 -e sched.mem.pshare.salt=abc || return 1
    done
}
check "bad settings set with govc" harden_badly
timeout 120 "$VMXGUARD" fix --insecure -q --emit ansible -o "$work/play.yml" "$URL" \
    </dev/null >"$work/emit.out" 2>&1; rc=$?
check "emit ansible (rc=$rc)" [ "$rc" -le 1 ]
# the rules the playbook fixes, from its header ("set KEY = V  [rule-id]")
sed -n 's/^#  *\(set\|remove\) .*\[\(.*\)\]$/\2/p' "$work/play.yml" | tr -d ' ' | tr ',' '\n' |
    sort -u >"$work/rules"
check "the playbook fixes the three rules broken with govc" \
    [ "$(grep -cxE 'isolation-tools-copy-disable|remotedisplay-maxconnections|sched-mem-pshare-salt' \
        "$work/rules")" -eq 3 ]
syntax_ok() { play --syntax-check "$work/play.yml" >"$work/syntax" 2>&1; }
check "playbook passes --syntax-check" syntax_ok

# --- the shim's encoder writes what pyvmomi 7's writes -------------------------
encoder_ok() {
    PYTHONPATH="$SHIM" /usr/bin/python3 - <<'EOF'
import datetime, json
from pyVmomi import vim, VmomiSupport as V
E = V.VmomiJSONEncoder
got = json.loads(json.dumps(vim.option.OptionValue(key="k", value="v"), cls=E, strip_dynamic=True))
assert got == {"_vimtype": "vim.option.OptionValue", "key": "k", "value": "v"}, got
got = json.loads(json.dumps(vim.option.OptionValue(key="k"), cls=E))
assert got["dynamicProperty"] == [] and got["dynamicType"] is None, got
got = json.loads(json.dumps([datetime.datetime(2024, 1, 2, 3, 4, 5), V.binary(b"\0\1"),
                             vim.VirtualMachine("vm-42")], cls=E))
assert got == ["2024-01-02T03:04:05", "AAE=", "vim.VirtualMachine:vm-42"], got
assert json.dumps(None, cls=E, sort_keys=True, strip_dynamic=True) == "null"
EOF
}
check "the shim's VmomiJSONEncoder (data object, reference, datetime, binary)" encoder_ok

# --- control: Debian's pyvmomi alone cannot run vmware_guest -------------------
if /usr/bin/python3 -c 'from pyVmomi import VmomiSupport as V; exit(hasattr(V, "VmomiJSONEncoder"))'; then
    timeout 180 "$AP" -i localhost, -c local --check "$work/play.yml" >"$work/noshim" 2>&1
    check "without the shim vmware_guest fails on VmomiJSONEncoder" grep -q VmomiJSONEncoder "$work/noshim"
else
    echo "note this pyvmomi has VmomiJSONEncoder: the shim is inactive, no control run"
fi

# --- --check: reports the changes, makes none ----------------------------------
extra_config >"$work/ec0" || echo "FAIL govc vm.info"
audit_csv "$work/audit0.csv"
play --check "$work/play.yml" >"$work/check1" 2>&1; rc=$?
check "--check runs (rc=$rc)" [ "$rc" -eq 0 ]
check "--check reports a change per VM" recap "$work/check1" $((2 * NVMS)) "$NVMS"
extra_config >"$work/ec1"
check "--check changed nothing (govc vm.info -e)" cmp -s "$work/ec0" "$work/ec1"

# --- the real run ---------------------------------------------------------------
play "$work/play.yml" >"$work/run1" 2>&1; rc=$?
check "playbook runs (rc=$rc)" [ "$rc" -eq 0 ]
check "it changed every VM" recap "$work/run1" $((2 * NVMS)) "$NVMS"
extra_config >"$work/ec2"
check "salt removed (an empty value deletes the key)" bash -c "! grep -q pshare.salt '$work/ec2'"
audit_csv "$work/audit1.csv"
# per rule the playbook fixes: failing on every VM before, passing on every VM after
statuses() {
    /usr/bin/python3 - "$1" "$work/rules" <<'EOF'
import csv, sys
want = set(open(sys.argv[2]).read().split())
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["rule"] in want:
        print(row["vm_name"], row["rule"], row["status"])
EOF
}
statuses "$work/audit0.csv" >"$work/st0"
statuses "$work/audit1.csv" >"$work/st1"
check "before: every fixed rule failed on every VM" \
    [ "$(grep -c ' fail$' "$work/st0")" -eq $((3 * NVMS)) ]
# the VMs run: what the play set is "pending" until a power cycle
# (docs/vsphere.md); pass or pending both mean the play configured it
check "after: audit passes (or has pending) every rule the playbook fixed" \
    bash -c "[ \$(grep -cE ' (pass|pending)$' '$work/st1') -eq $((3 * NVMS)) ] && ! grep -qvE ' (pass|pending)$' '$work/st1'"

# --- a VM that is not there stops the play (vmware_guest would create it) ------
sed 's/uuid: !unsafe "/uuid: !unsafe "0/' "$work/play.yml" >"$work/play-bad.yml"
play "$work/play-bad.yml" >"$work/bad" 2>&1; rc=$?
check "a VM that is not there stops the play (rc=$rc)" \
    bash -c "[ $rc -ne 0 ] && grep -qE 'ok=0 +changed=0 +unreachable=0 +failed=1' '$work/bad'"

# --- idempotence ----------------------------------------------------------------
play "$work/play.yml" >"$work/run2" 2>&1; rc=$?
check "second run: changed=0 (rc=$rc)" recap "$work/run2" $((2 * NVMS)) 0
play --check "$work/play.yml" >"$work/check2" 2>&1; rc=$?
check "--check after the run: changed=0 (rc=$rc)" recap "$work/check2" $((2 * NVMS)) 0

if [ "$fails" -eq 0 ]; then
    echo "all fix Ansible checks passed"
else
    echo "$fails check(s) failed"
    tail -30 "$work/check1" "$work/run1" "$work/run2" 2>/dev/null
fi
[ "$fails" -eq 0 ]
