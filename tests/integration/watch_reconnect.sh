#!/usr/bin/env bash
# `vmxguard watch` losing its server, against live vcsim:
#  - the connection drops (a TCP relay between watch and vcsim is killed)
#    while the server and the session live on: the watch says
#    "disconnected", retries with backoff, and once the relay is back says
#    "resumed" and delivers the change made meanwhile - no re-baseline;
#  - vcsim itself is killed and started again on the same port (a new
#    server: the old session is gone, and so is the change made before):
#    the watch re-baselines, says so, and reports the change going back.
# Then SIGINT ends it with exit 0.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
wpid= rpid=
cleanup() {
    [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null
    [ -n "$rpid" ] && { kill -9 "$rpid"; wait "$rpid"; } 2>/dev/null
    bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  stderr: /' "$work/err"; fails=$((fails + 1)); }
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
start() { # [port]
    bash "$LAB/start.sh" -n 4 -d "$work/vc" --http -u vmxuser -w 'vmx-Pass1' ${1:+-p "$1"} \
        > "$work/start.log" 2>&1 || { cat "$work/start.log"; exit 1; }
    PORT=$(sed -n "s/^VCSIM_URL=.*:\([0-9]*\)\/sdk'$/\1/p" "$work/vc/vcsim.env")
}
govc() { GOVC_URL="http://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1 "$GOVC" "$@"; }
wait_for() { # N JQ_FILTER SECONDS
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(jq -c "select($2)" "$work/out" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
count() { jq -c "select($1)" "$work/out" | wc -l; }

# A TCP relay: listen on $1 (0 = any free port, printed), forward to $2.
cat > "$work/relay.py" <<'PY'
import socket, sys, threading
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(16)
print(srv.getsockname()[1], flush=True)
while True:
    c, _ = srv.accept()
    try:
        u = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    except OSError:
        c.close()
        continue
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
relay() { # listen-port
    python3 "$work/relay.py" "$1" "$PORT" > "$work/relay.port" &
    rpid=$!
    local i
    for ((i = 0; i < 50; i++)); do [ -s "$work/relay.port" ] && break; sleep 0.1; done
    RPORT=$(cat "$work/relay.port")
}

start
relay 0
"$VMXGUARD" watch "http://127.0.0.1:$RPORT/sdk" --timeout 6 --max-wait 1 --backoff-max 1 \
    > "$work/out" 2> "$work/err" &
wpid=$!
wait_for 1 '.type == "baseline"' 30 || fail "no baseline"

# 1. the connection drops, the session does not
{ kill -9 "$rpid"; wait "$rpid"; } 2>/dev/null
rpid=
wait_for 1 '.type == "disconnected"' 10 || fail "drop: no disconnected event"
# vcsim hands queued updates to whichever wait is running: let the one cut
# off with the relay run out (--max-wait 1) before changing anything
sleep 1.5
govc vm.change -vm DC0_C0_RP0_VM0 -e isolation.tools.copy.disable=FALSE || fail "govc change"
relay "$RPORT"
wait_for 1 '.type == "resumed"' 10 || fail "drop: no resumed event"
sel='.type == "result" and .vm.name == "DC0_C0_RP0_VM0" and .rule == "isolation-tools-copy-disable"'
wait_for 1 "$sel and .old_status == \"pass\" and .new_status == \"fail\" and .user == \"vmxuser\"" 5 ||
    fail "drop: the change made while disconnected is not reported"
[ "$(count '.type == "baseline"')" = 1 ] || fail "drop: no re-baseline expected"

# 2. the server dies and comes back empty-handed
vpid=$(cat "$work/vc/vcsim.pid")
kill -9 "$vpid"
for ((i = 0; i < 50; i++)); do kill -0 "$vpid" 2>/dev/null || break; sleep 0.1; done
n=$(count '.type == "disconnected"')
wait_for $((n + 1)) '.type == "disconnected"' 10 || fail "restart: no disconnected event"
start "$PORT"
wait_for 1 '.type == "baseline" and .rebaseline == true' 30 || fail "restart: no re-baseline"
jq -e 'select(.type == "baseline" and .rebaseline) | .message | test("re-baselined")' "$work/out" \
    > /dev/null || fail "restart: the re-baseline does not say so"
wait_for 1 "$sel and .old_status == \"fail\" and .new_status == \"pass\"" 5 ||
    fail "restart: the reverted setting is not reported"
[ "$(count '.type == "resumed"')" = 1 ] || fail "restart: must not claim to resume"

kill -INT "$wpid"
wait "$wpid"; rc=$?
wpid=
[ "$rc" = 0 ] || fail "SIGINT: exit $rc"
grep -q 'stopped by SIGINT' "$work/err" || fail "SIGINT: message"

[ $fails = 0 ] && echo "watch reconnect: all passed"
exit $((fails > 0))
