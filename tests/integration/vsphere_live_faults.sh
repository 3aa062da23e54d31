#!/usr/bin/env bash
# Live failure cases against vcsim: a session that expires between pages
# (-session-idle-timeout with a delayed ContinueRetrievePropertiesEx), and a
# server killed while the client waits for a page.  Each must end in a
# clear message and exit 2 - no hang, no crash, no leak (ASan builds exit
# differently on a leak, which fails the exit-code checks).  Last, a
# standalone ESXi (-esx), whose morefs differ from vCenter's, must work.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
if [ ! -x "${VCSIM_PREFIX:-/opt/vcsim}/bin/vcsim" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() {
    for d in "$work"/vc*; do [ -d "$d" ] && bash "$LAB/stop.sh" -d "$d" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  stderr: /' "$work/err"; fails=$((fails + 1)); }
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
start() { # dir, vcsim flags...
    local d=$1; shift
    bash "$LAB/start.sh" -n 6 -d "$d" --http -u vmxuser -w 'vmx-Pass1' -- "$@" > "$work/start.log" 2>&1 ||
        { cat "$work/start.log"; exit 1; }
    local port
    port=$(sed -n "s/^VCSIM_URL=.*:\([0-9]*\)\/sdk'$/\1/p" "$d/vcsim.env")
    URL="http://127.0.0.1:$port/sdk"
    PID=$(sed -n 's/^VCSIM_PID=//p' "$d/vcsim.env")
}

# session expires while the client pages (pages of 2, 2.5 s between pages)
start "$work/vc1" -session-idle-timeout 1s -pc-max-objects 2 \
    -method-delay 'ContinueRetrievePropertiesEx:2500'
timeout 60 "$VMXGUARD" vsphere ls "$URL" > "$work/out" 2> "$work/err"; rc=$?
[ "$rc" = 2 ] || fail "expired session: exit $rc"
grep -q 'ContinueRetrievePropertiesEx: the session is not logged in or has expired' "$work/err" ||
    fail "expired session: message"
timeout 60 "$VMXGUARD" audit "$URL" > "$work/out" 2> "$work/err"; rc=$?
[ "$rc" = 2 ] || fail "expired session (audit): exit $rc"

# server killed mid-request (curl retries a dead reused connection once,
# so the message is either "connection lost" or "cannot connect")
start "$work/vc2" -method-delay 'RetrievePropertiesEx:3000'
timeout 60 "$VMXGUARD" vsphere ls "$URL" > "$work/out" 2> "$work/err" &
cpid=$!
sleep 1
kill -9 "$PID"
wait "$cpid"; rc=$?
[ "$rc" = 2 ] || fail "server killed: exit $rc"
grep -q 'RetrievePropertiesEx: \(connection lost\|the server closed the connection\|cannot connect\)' "$work/err" ||
    fail "server killed: message"

# standalone ESXi (HostAgent): other morefs (ha-folder-root, ha-sessionmgr)
bash "$LAB/start.sh" -n 3 -d "$work/vc3" --esx --http -u vmxuser -w 'vmx-Pass1' > "$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
port=$(sed -n "s/^VCSIM_URL=.*:\([0-9]*\)\/sdk'$/\1/p" "$work/vc3/vcsim.env")
timeout 60 "$VMXGUARD" vsphere ping "http://127.0.0.1:$port/sdk" > "$work/out" 2> "$work/err"; rc=$?
[ "$rc" = 0 ] && grep -q 'HostAgent' "$work/out" || fail "esx ping: exit $rc"
timeout 60 "$VMXGUARD" vsphere ls "http://127.0.0.1:$port/sdk" > "$work/out" 2> "$work/err"; rc=$?
[ "$rc" = 0 ] && [ "$(tail -n +2 "$work/out" | wc -l)" = 3 ] || fail "esx ls: exit $rc"

[ $fails = 0 ] && echo "vsphere live faults: all passed"
exit $((fails > 0))
