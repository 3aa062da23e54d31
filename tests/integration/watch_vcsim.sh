#!/usr/bin/env bash
# `vmxguard watch` against two live vcsim servers in one process:
#  - after the baseline, `govc vm.change -e` on a VM gives exactly one
#    result event, within a second of vcsim's VmReconfiguredEvent, naming
#    the VM, the rule, the old and new status and the user who changed it;
#  - the same on the second vCenter, reported with that server's name;
#  - a VM created and destroyed gives vm_added (its results with no old
#    status) and vm_removed;
#  - SIGTERM ends the watch with exit 0 (an ASan build exits otherwise on
#    a leak, which fails that check) and no output after the signal.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
wpid=
cleanup() {
    [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null
    for d in "$work"/vc*; do [ -d "$d" ] && bash "$LAB/stop.sh" -d "$d" >/dev/null 2>&1; done
    [ -n "${KEEP:-}" ] && cp "$work/out" /tmp/watch_vcsim.out; rm -rf "$work"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  stderr: /' "$work/err"; fails=$((fails + 1)); }
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
start() { # dir -> sets PORT
    bash "$LAB/start.sh" -n 4 -d "$1" --http -u vmxuser -w 'vmx-Pass1' > "$work/start.log" 2>&1 ||
        { cat "$work/start.log"; exit 1; }
    PORT=$(sed -n "s/^VCSIM_URL=.*:\([0-9]*\)\/sdk'$/\1/p" "$1/vcsim.env")
}
govc() { GOVC_URL="http://vmxuser:vmx-Pass1@127.0.0.1:$1/sdk" GOVC_INSECURE=1 "$GOVC" "${@:2}"; }
# wait_for N JQ_FILTER SECONDS: until N lines of the watch output match
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(jq -c "select($2)" "$work/out" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
count() { jq -c "select($1)" "$work/out" | wc -l; }

start "$work/vc1"; P1=$PORT
start "$work/vc2"; P2=$PORT
S1=127.0.0.1:$P1 S2=127.0.0.1:$P2
"$VMXGUARD" watch "http://127.0.0.1:$P1/sdk" "http://127.0.0.1:$P2/sdk" --timeout 10 \
    > "$work/out" 2> "$work/err" &
wpid=$!
wait_for 2 '.type == "baseline" and .rebaseline == false' 30 || fail "no baselines"
[ "$(count ".type == \"baseline\" and .vms == 4 and .server == \"$S1\"")" = 1 ] &&
    [ "$(count ".type == \"baseline\" and .vms == 4 and .server == \"$S2\"")" = 1 ] ||
    fail "one baseline of 4 VMs per server"
[ "$(count '.type == "result"')" = 0 ] || fail "the baseline itself reports no changes"

# one change on vCenter 1: exactly one event, in time, with the user
govc "$P1" vm.change -vm DC0_C0_RP0_VM0 -e isolation.tools.copy.disable=FALSE || fail "govc change"
sel='.type == "result" and .rule == "isolation-tools-copy-disable"'
wait_for 1 "$sel" 5 || fail "no result event for the change"
sleep 1 # anything else this change would wrongly cause has arrived by now
[ "$(count '.type == "result"')" = 1 ] || fail "exactly one result event, got $(count '.type == "result"')"
ev=$(jq -c "select($sel)" "$work/out" | head -1)
jq -e --arg s "$S1" '.server == $s and .vm.name == "DC0_C0_RP0_VM0" and (.vm.moref | length > 0)
    and .old_status == "pass" and .new_status == "fail" and .user == "vmxuser"
    and .evidence == "isolation.tools.copy.disable = FALSE" and .profile == "disa-vsphere8-vm"' \
    <<< "$ev" > /dev/null || fail "event content: $ev"
# latency: vcsim stamps the reconfigure event, the watch stamps its own
lat=$(jq -r '((.time | sub("\\.[0-9]+Z$"; "Z") | fromdate) + (.time | capture("\\.(?<f>[0-9]+)Z$").f | "0." + . | tonumber))
    - ((.changed_at | sub("\\.[0-9]+Z$"; "Z") | fromdate) + (.changed_at | capture("\\.(?<f>[0-9]+)Z$").f | "0." + . | tonumber))' <<< "$ev")
awk -v l="$lat" 'BEGIN { exit !(l >= -0.05 && l < 1.0) }' || fail "event came $lat s after the change"

# back to compliant: fail -> pass
govc "$P1" vm.change -vm DC0_C0_RP0_VM0 -e isolation.tools.copy.disable=TRUE || fail "govc change back"
wait_for 1 "$sel and .old_status == \"fail\" and .new_status == \"pass\"" 5 || fail "no fail -> pass event"

# vCenter 2, another rule, same process
govc "$P2" vm.change -vm DC0_C0_RP0_VM1 -e tools.setinfo.sizeLimit=2097152 || fail "govc change vc2"
wait_for 1 ".type == \"result\" and .server == \"$S2\" and .rule == \"tools-setinfo-sizelimit\"
    and .vm.name == \"DC0_C0_RP0_VM1\" and .new_status == \"fail\"" 5 || fail "no event from vCenter 2"
[ "$(count ".type == \"result\" and .server == \"$S2\"")" = 1 ] || fail "vCenter 2: one event"

# a VM comes and goes
govc "$P2" vm.create -on=false -net 'VM Network' watchvm >/dev/null || fail "govc vm.create"
wait_for 1 '.type == "vm_added" and .vm.name == "watchvm"' 5 || fail "no vm_added"
n_rules=$(count '.type == "result" and .vm.name == "watchvm" and .old_status == null')
[ "$n_rules" -gt 10 ] || fail "the new VM's results come with it (got $n_rules)"
govc "$P2" vm.destroy watchvm || fail "govc vm.destroy"
wait_for 1 '.type == "vm_removed" and .vm.name == "watchvm"' 5 || fail "no vm_removed"
# changed and destroyed at once: the update names a VM that is gone by the
# time it would be read - still just a removal, no lost connection
govc "$P2" vm.create -on=false -net 'VM Network' shortvm >/dev/null || fail "govc vm.create 2"
wait_for 1 '.type == "vm_added" and .vm.name == "shortvm"' 5 || fail "no vm_added (2)"
govc "$P2" vm.change -vm shortvm -e isolation.tools.paste.disable=FALSE &&
    govc "$P2" vm.destroy shortvm || fail "govc change + destroy"
wait_for 1 '.type == "vm_removed" and .vm.name == "shortvm"' 5 || fail "no vm_removed (2)"
[ "$(count '.type == "disconnected" or .type == "problem"')" = 0 ] || fail "no connection trouble"

# SIGTERM: clean exit, nothing printed after it
kill -TERM "$wpid"
wait "$wpid"; rc=$?
wpid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
grep -q 'stopped by SIGTERM' "$work/err" || fail "SIGTERM: message"
jq -e . "$work/out" > /dev/null || fail "every line is JSON"

# a refused login is final: a problem line, then exit 2 when no target is left
VMXGUARD_PASSWORD=wrong timeout 30 "$VMXGUARD" watch "http://127.0.0.1:$P1/sdk" \
    > "$work/out" 2> "$work/err"; rc=$?
[ "$rc" = 2 ] || fail "wrong password: exit $rc"
jq -e 'select(.type == "problem") | .message | test("login failed")' "$work/out" > /dev/null ||
    fail "wrong password: no problem line"

[ $fails = 0 ] && echo "watch vcsim: all passed"
exit $((fails > 0))
