#!/usr/bin/env bash
# Replay tests of the vSphere client: recorded vcsim replies served by a
# loopback python3 server (tests/fixtures/vsphere/replay_server.py), one
# scenario per transport or protocol trap.  Checks output, exit codes, the
# calls the client made (Logout always), and that the password never shows.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
SERVER=$VG_SOURCE_DIR/tests/fixtures/vsphere/replay_server.py
work=$(mktemp -d)
pid=
extra=()
cleanup() { for p in $pid "${extra[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fails=0
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
# The call sequences below are those of one session (one paged query);
# the parallel fetch (several sessions) has its own scenario further down.
export VMXGUARD_VSPHERE_SESSIONS=1

start() { # scenario
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$work/port" "$work/log"; : > "$work/log"
    python3 "$SERVER" --scenario "$1" --port-file "$work/port" --log "$work/log" &
    pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    [ -s "$work/port" ] || { echo "replay server did not start"; exit 1; }
    URL="http://127.0.0.1:$(cat "$work/port")/sdk"
}
run() { # args...: runs vmxguard, sets rc, out, err
    timeout 60 "$VMXGUARD" "$@" > "$work/out" 2> "$work/err"; rc=$?
    out=$(cat "$work/out"); err=$(cat "$work/err")
}
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$work/out"; echo "--- stderr"; cat "$work/err";
         echo "--- calls"; cat "$work/log"; fails=$((fails + 1)); }
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit $rc, expected $1"; }
expect_err() { grep -q -- "$1" "$work/err" || fail "$2: stderr lacks '$1'"; }
expect_logout() { tail -n1 "$work/log" | grep -q '^Logout cookie-ok' || fail "$1: no Logout at the end"; }
no_secret() { ! grep -q 'vmx-Pass1' "$work/out" "$work/err" || fail "$1: password printed"; }

# basic: recorded pages (chunked), quoted cookie echoed verbatim
start basic
run vsphere ls "$URL"
expect_rc 0 basic
[ "$(tail -n +2 "$work/out" | cut -f1 | tr '\n' ' ')" = "DC0_C0_RP0_VM0 DC0_C0_RP0_VM1 DC0_C0_RP0_VM2 " ] ||
    fail "basic: wrong VM list"
grep -q bad-cookie "$work/log" && fail "basic: cookie not echoed verbatim"
[ "$(cut -d' ' -f1 "$work/log" | tr '\n' ' ')" = "RetrieveServiceContent Login CreateContainerView RetrievePropertiesEx ContinueRetrievePropertiesEx DestroyView Logout " ] ||
    fail "basic: call sequence"
no_secret basic
run vsphere show "$URL"
expect_rc 0 show
grep -q '^govcsim = "TRUE"' "$work/out" || fail "show: extraConfig missing"
[ "$(grep -c '^# DC0_' "$work/out")" = 3 ] || fail "show: not 3 VMs"
run vsphere ping "$URL"
expect_rc 0 ping
grep -q 'VirtualCenter 6.5' "$work/out" || fail "ping: api"
expect_logout ping

# paged: 25 VMs over 7 pages in three prefix styles, each exactly once
start paged
run vsphere ls --page-size 4 "$URL"
expect_rc 0 paged
want=$(for i in $(seq 0 24); do printf 'vm%03d\n' "$i"; done)
[ "$(tail -n +2 "$work/out" | cut -f1)" = "$want" ] || fail "paged: every VM exactly once, in order"
[ "$(grep -c ContinueRetrievePropertiesEx "$work/log")" = 6 ] || fail "paged: 6 continuations"
run vsphere show "$URL"
[ "$(grep -c '^isolation.tools.copy.disable = "TRUE"' "$work/out")" = 12 ] || fail "paged: values"

# parallel: the morefs are listed (name only), then 4 more sessions fetch
# 7 VMs each; output is the same, in the listing's order; every session
# logs out and the listing session's Logout comes last.
start paged
VMXGUARD_VSPHERE_SESSIONS=4 run vsphere ls --page-size 4 "$URL"
expect_rc 0 parallel
[ "$(tail -n +2 "$work/out" | cut -f1)" = "$want" ] || fail "parallel: every VM exactly once, in order"
grep '^RetrievePropertiesEx' "$work/log" > /dev/null || fail "parallel: no query"
[ "$(grep -c '^Login' "$work/log")" = 5 ] || fail "parallel: 5 sessions expected"
[ "$(grep -c '^Logout' "$work/log")" = 5 ] || fail "parallel: every session logs out"
[ "$(grep -c '^RetrievePropertiesEx' "$work/log")" = 5 ] || fail "parallel: 1 listing + 4 shares"
expect_logout parallel
VMXGUARD_VSPHERE_SESSIONS=4 run vsphere show "$URL"
[ "$(grep -c '^isolation.tools.copy.disable = "TRUE"' "$work/out")" = 12 ] || fail "parallel: values"
VMXGUARD_VSPHERE_SESSIONS=1 run vsphere show "$URL"
cp "$work/out" "$work/one"
VMXGUARD_VSPHERE_SESSIONS=3 run vsphere show "$URL"
cmp -s "$work/one" "$work/out" || fail "parallel: 3 sessions differ from 1"
start paged
run vsphere ls --sessions 2 "$URL"
[ "$(tail -n +2 "$work/out" | cut -f1)" = "$want" ] || fail "--sessions 2: every VM, in order"
[ "$(grep -c '^Login' "$work/log")" = 3 ] || fail "--sessions 2: 3 sessions expected"
run vsphere ls --sessions 0 "$URL"
expect_rc 2 "--sessions 0"
expect_err 'sessions' "--sessions 0"
start expired
VMXGUARD_VSPHERE_SESSIONS=4 run vsphere ls "$URL"
[ "$rc" != 0 ] || fail "parallel expired: exit 0"
expect_logout "parallel expired"
start sharefail
VMXGUARD_VSPHERE_SESSIONS=4 run vsphere ls "$URL"
[ "$rc" != 0 ] || fail "parallel share fails: exit 0"
[ -n "$err" ] || fail "parallel share fails: no message"
[ "$(grep -c '^Logout' "$work/log")" = 5 ] || fail "parallel share fails: every session logs out"
expect_logout "parallel share fails"

# wrong password: clear message, exit 2, no logout needed, password not shown
start basic
VMXGUARD_PASSWORD=wrong-Pass run vsphere ls "$URL"
expect_rc 2 badpassword
expect_err 'wrong user name or password' badpassword
expect_err 'InvalidLogin' badpassword
start badlogin
run vsphere ping "$URL"
expect_rc 2 badlogin
no_secret badlogin

# session gone mid-run: fault and missingSet flavours, then Logout anyway
for sc in expired missingset; do
    start $sc
    run vsphere ls "$URL"
    expect_rc 2 $sc
    case $sc in
    expired) expect_err 'ManagedObjectNotFound' $sc ;;
    missingset) expect_err 'NotAuthenticated' $sc ;;
    esac
    expect_logout $sc
done

# server closes the socket mid-reply
start truncate
run vsphere ls "$URL"
expect_rc 2 truncate
expect_err 'RetrievePropertiesEx: connection lost in the middle of the reply' truncate
expect_logout truncate

# redirects are not followed; non-SOAP replies named by status
start redirect
run vsphere ping "$URL"
expect_rc 2 redirect
expect_err 'redirect to http://198.51.100.7/sdk not followed' redirect
[ "$(wc -l < "$work/log")" = 1 ] || fail "redirect: followed"
start html
run vsphere ping "$URL"
expect_rc 2 html
expect_err 'HTTP 404' html

# an older server that does not know a property: dropped and asked again
start invalidprop
run vsphere show "$URL"
expect_rc 0 invalidprop
[ "$(grep -c '^# DC0_' "$work/out")" = 3 ] || fail "invalidprop: VMs after retry"

# stalled reply hits --timeout; DOCTYPE in a reply is refused
start slow
run vsphere ls --timeout 1 "$URL"
expect_rc 2 slow
expect_err 'RetrievePropertiesEx: timed out' slow
expect_logout slow
start doctype
run vsphere ls "$URL"
expect_rc 2 doctype
expect_err 'DOCTYPE' doctype

# credentials: password in the URL refused; credentials file mode checked
run vsphere ping "http://u:secret@127.0.0.1:1/sdk"
expect_rc 2 url-password
expect_err 'password in the target URL is refused' url-password
grep -q secret "$work/err" && fail "url-password: echoed"
printf 'user=vmxuser\npassword=vmx-Pass1\n' > "$work/cred"; chmod 644 "$work/cred"
start basic
VMXGUARD_PASSWORD= VMXGUARD_USER= run vsphere ping --credentials "$work/cred" "$URL"
expect_rc 2 cred-mode
expect_err 'chmod 600' cred-mode
chmod 600 "$work/cred"
VMXGUARD_PASSWORD= VMXGUARD_USER= run vsphere ping --credentials "$work/cred" "$URL"
expect_rc 0 cred-file
VMXGUARD_PASSWORD= VMXGUARD_USER= run vsphere ping "$URL" < /dev/null
[ "$rc" = 2 ] || fail "no credentials: exit $rc"

# Ctrl-C during a slow page: stops, logs out, non-zero
start slow
"$VMXGUARD" vsphere ls "$URL" > "$work/out" 2> "$work/err" &
cpid=$!
for _ in $(seq 100); do grep -q RetrievePropertiesEx "$work/log" && break; sleep 0.05; done
kill -INT $cpid; wait $cpid; rc=$?
[ "$rc" != 0 ] || fail "sigint: exit 0"
expect_err 'interrupted' sigint
grep -q '^Logout cookie-ok' "$work/log" || fail "sigint: no Logout"

# several targets at once: merged in target order, a failing one reported
# while the others are still listed
start_extra() { # scenario -> URL_X
    local d=$work/x$1
    mkdir -p "$d"
    python3 "$SERVER" --scenario "$1" --port-file "$d/port" --log "$d/log" &
    extra+=($!)
    for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
    URL_X="http://127.0.0.1:$(cat "$d/port")/sdk"
}
start_extra paged; u1=$URL_X
start_extra badlogin; u2=$URL_X
start_extra basic; u3=$URL_X
run vsphere ls "$u1" "$u2" "$u3"
expect_rc 2 many
[ "$(tail -n +2 "$work/out" | wc -l)" = 28 ] || fail "many: 25 + 3 VMs"
[ "$(sed -n 2p "$work/out" | cut -f1)" = vm000 ] && [ "$(tail -n1 "$work/out" | cut -f1)" = DC0_C0_RP0_VM2 ] ||
    fail "many: not in target order"
expect_err 'InvalidLogin' many
grep -q '^Logout cookie-ok' "$work/xpaged/log" && grep -q '^Logout cookie-ok' "$work/xbasic/log" ||
    fail "many: a target did not log out"

# TLS 1.0/1.1 only server: it works for an old client (positive control),
# vmxguard refuses it even with the right CA
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext subjectAltName=DNS:localhost -keyout "$work/old.key" -out "$work/old.crt" 2>/dev/null
python3 "$VG_SOURCE_DIR/tests/fixtures/vsphere/tls_old_server.py" "$work/old.crt" "$work/old.key" \
    "$work/oldport" &
extra+=($!)
for _ in $(seq 100); do [ -s "$work/oldport" ] && break; sleep 0.05; done
if python3 "$VG_SOURCE_DIR/tests/fixtures/vsphere/tls_old_server.py" --check "$work/old.crt" \
    "$(cat "$work/oldport")"; then
    run vsphere ping --cacert "$work/old.crt" "vsphere://localhost:$(cat "$work/oldport")"
    expect_rc 2 tls-old
    expect_err 'TLS handshake failed' tls-old
else
    fail "tls-old: positive control (a TLS 1.1 client) could not connect"
fi

[ $fails = 0 ] && echo "vsphere replay: all passed"
exit $((fails > 0))
