#!/usr/bin/env bash
# vmxguard audit over a vSphere target: recorded vcsim replies served on
# loopback by the vSphere tests' replay server.  API VMs are audited like
# files, mixed targets in one run, and a dead target exits 2 while the
# others are still audited.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
SERVER=$VG_SOURCE_DIR/tests/fixtures/vsphere/replay_server.py
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
python3 "$SERVER" --scenario basic --port-file "$work/port" --log "$work/log" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "FAIL replay server did not start"; exit 1; }
URL="http://127.0.0.1:$(cat "$work/port")/sdk"

timeout 60 "$VMXGUARD" audit "$URL" --color=never >"$work/out" 2>"$work/err"; rc=$?
check "vSphere audit exits 1 (findings)" [ "$rc" -eq 1 ]
check "three API VMs audited" grep -qE 'VMs: +3 audited' "$work/out"
check "API VM named" grep -q "DC0_C0_RP0_VM0" "$work/out"
check "logged out" sh -c "tail -n1 '$work/log' | grep -q '^Logout'"
check "password never shown" sh -c "! grep -q vmx-Pass1 '$work/out' '$work/err'"

# a file and the API in one run
timeout 60 "$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1/web01" "$URL" \
    >"$work/mix" 2>&1; rc=$?
check "mixed targets exit 1" [ "$rc" -eq 1 ]
check "mixed targets: 4 VMs" grep -qE 'VMs: +4 audited' "$work/mix"

# a target nobody answers: exit 2, the file is still audited
kill "$pid"; wait "$pid" 2>/dev/null; pid=
timeout 60 "$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1/web01" "$URL" \
    >"$work/dead" 2>"$work/deaderr"; rc=$?
check "dead vSphere target exits 2" [ "$rc" -eq 2 ]
check "dead target named" grep -q "127.0.0.1" "$work/deaderr"
check "file still audited" grep -qE 'VMs: +1 audited' "$work/dead"
if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
