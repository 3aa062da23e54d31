#!/usr/bin/env bash
# `vmxguard watch --store`: each result change is appended to the results
# store (include/vmxguard/store.h, table events in docs/store.md) as well as
# printed - VM, rule, old and new status, user, evidence.  Skipped (77) in
# a build without the store, where --store is refused with a clear message.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
work=$(mktemp -d)
wpid=
cleanup() {
    [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null
    bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
probe=$(env -u VMXGUARD_USER -u VMXGUARD_PASSWORD timeout 10 "$VMXGUARD" watch --store "$work/probe.db" http://127.0.0.1:9/sdk 2>&1 </dev/null)
if grep -q 'this build has no results store' <<< "$probe"; then
    echo "SKIP: this build has no results store"; exit 77
fi
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 to read the store"; exit 77; }
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  stderr: /' "$work/err"; fails=$((fails + 1)); }
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
bash "$LAB/start.sh" -n 4 -d "$work/vc" --http -u vmxuser -w 'vmx-Pass1' > "$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
PORT=$(sed -n "s/^VCSIM_URL=.*:\([0-9]*\)\/sdk'$/\1/p" "$work/vc/vcsim.env")
"$VMXGUARD" watch "http://127.0.0.1:$PORT/sdk" --timeout 10 --store "$work/runs.db" \
    > "$work/out" 2> "$work/err" &
wpid=$!
for ((i = 0; i < 300; i++)); do grep -q '"type":"baseline"' "$work/out" 2>/dev/null && break; sleep 0.1; done
GOVC_URL="http://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1 \
    "$GOVC" vm.change -vm DC0_C0_RP0_VM1 -e log.keepOld=3 || fail "govc change"
for ((i = 0; i < 50; i++)); do grep -q '"type":"result"' "$work/out" && break; sleep 0.1; done
kill -TERM "$wpid"
wait "$wpid"; rc=$?
wpid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
row=$(sqlite3 -separator '|' "$work/runs.db" \
    "SELECT server, vm_name, rule_id, old_status, new_status, user_name, detail FROM events")
[ "$row" = "127.0.0.1:$PORT|DC0_C0_RP0_VM1|log-keepold|pass|fail|vmxuser|log.keepOld = 3" ] ||
    fail "stored event: '$row'"
[ "$(grep -c '"type":"result"' "$work/out")" = 1 ] || fail "one event on stdout too"

[ $fails = 0 ] && echo "watch store: all passed"
exit $((fails > 0))
