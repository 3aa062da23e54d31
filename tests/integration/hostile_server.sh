#!/usr/bin/env bash
# Hostile vSphere endpoints (issue 11, part 4; issue 22), beyond what
# vsphere_replay.sh covers: entity expansion, XXE, external DTDs, gigantic,
# endless, compressed, trickled and dripping replies, endless paging, wrong
# content types, POST redirects to another port, TLS downgrade / wrong name
# / self-signed, fault strings that echo the password or carry terminal
# controls.
# The fake server (tests/fixtures/hostile/hostile_server.py) speaks HTTPS
# with a throwaway CA made here with openssl.  Every case: exit 2, a clear
# error naming the server, no crash or sanitizer report, bounded time and
# memory, and nothing leaked (local file, password, a second connection).
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
SERVER=$VG_SOURCE_DIR/tests/fixtures/hostile/hostile_server.py
for tool in openssl python3 strace; do
    command -v $tool >/dev/null || { echo "missing $tool (scripts/deps/security.txt)"; exit 1; }
done
w=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fails=0 known=0
# Cases that fail because of a bug the vSphere owner must fix (see
# docs/security.md, "Known bugs").  They are reported, never hidden: the
# script exits 77 (ctest: skipped) while any remains, and VG_STRICT=1 makes
# them plain failures.  A case listed here that passes is reported too.
KNOWN_BUGS=" "
case_name=
fail() {
    if [[ "$KNOWN_BUGS" == *" $case_name "* && "${VG_STRICT:-0}" != 1 ]]; then
        echo "KNOWN BUG (reply size not limited in src/vsphere): $*"
        known=$((known + 1))
        return
    fi
    echo "FAIL: $*"
    echo "--- stderr"; head -c 2000 "$w/err"; echo "--- server log"; cat "$w/log" 2>/dev/null
    fails=$((fails + 1))
}
export VMXGUARD_USER=hostile VMXGUARD_PASSWORD=Hostile-Pw-7q2z
MARKER_TEXT=marker-content-3b9d1e
printf '%s\n' "$MARKER_TEXT" > "$w/marker"
# Memory is bounded two ways: peak RSS below 512 MiB always, and for a plain
# build also an address-space cap (ulimit -v 1 GiB), which ASan's terabyte
# shadow reservation cannot run under.
vlimit=1048576
grep -aq __asan_init "$VMXGUARD" 2>/dev/null && vlimit=unlimited

# --- throwaway PKI: a CA, a server cert for 127.0.0.1, one for another
# name, and a self-signed one
pki() {
    local d=$w/pki
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vmxguard-test-ca \
        -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
    for n in good:IP:127.0.0.1 wrongname:DNS:wrong.example.org; do
        local name=${n%%:*} san=${n#*:}
        openssl req -newkey rsa:2048 -nodes -subj "/CN=${san#*:}" \
            -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null || return 1
        printf 'subjectAltName=%s\n' "$san" > "$d/$name.ext"
        openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
            -CAcreateserial -days 2 -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null ||
            return 1
    done
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$d/self.key" -out "$d/self.pem" 2>/dev/null
}
pki || { echo "cannot make test certificates with openssl"; exit 1; }
CA=$w/pki/ca.pem

# start SCENARIO [CERTNAME [TLSMAX]]: sets PORT, URL (https), URLV (vsphere://)
start() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$w/port"; : > "$w/log"; : > "$w/spy"
    local cert=${2:-good} tls=()
    [ -n "${3:-}" ] && tls=(--tls-max "$3")
    python3 "$SERVER" --scenario "$1" --port-file "$w/port" --log "$w/log" \
        --cert "$w/pki/$cert.pem" --key "$w/pki/$cert.key" "${tls[@]}" \
        --marker "$w/marker" --spy-log "$w/spy" &
    pid=$!
    for _ in $(seq 200); do [ -s "$w/port" ] && break; sleep 0.05; done
    [ -s "$w/port" ] || { echo "hostile server did not start"; exit 1; }
    PORT=$(cat "$w/port")
    URL=https://127.0.0.1:$PORT/sdk
    URLV=vsphere://hostile@127.0.0.1:$PORT
}

# run LIMIT ARGS...: vmxguard with a wall-clock LIMIT; its peak RSS (KiB) in
# $rss; sets rc, took.  With TRACE=1, under strace (files opened, programs
# run, connections) and without LeakSanitizer, which cannot run under ptrace.
run() {
    local limit=$1; shift
    local t0=$SECONDS pre=()
    : > "$w/trace"
    [ "${TRACE:-0}" = 1 ] && pre=(strace -f -qq -o "$w/trace" -e trace=openat,open,execve,connect)
    local asan=${ASAN_OPTIONS:-}
    # last flag wins: make check sets detect_leaks=1
    [ "${TRACE:-0}" = 1 ] && asan=${asan:+$asan:}detect_leaks=0
    (ulimit -v $vlimit; ASAN_OPTIONS=$asan exec python3 - "$w/rss" \
        timeout -s KILL "$limit" "${pre[@]}" "$VMXGUARD" "$@" > "$w/out" 2> "$w/err" <<'EOF2'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
rc = 137 if rc < 0 else rc  # timeout -s KILL also kills itself
with open(sys.argv[1], 'w') as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)
EOF2
    )
    rc=$?
    took=$((SECONDS - t0))
    rss=$(cat "$w/rss" 2>/dev/null || echo 0)
}

# common checks after every hostile case; NAME PATTERN-in-stderr
expect_refused() {
    local name=$1 pat=$2
    case_name=$name
    [ "$rc" = 137 ] && { fail "$name: killed at the time limit (${took}s) — no limit of its own"; return; }
    [ "$rc" = 2 ] || { fail "$name: exit $rc, want 2"; return; }
    grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$w/err" && { fail "$name: sanitizer report"; return; }
    grep -q "127.0.0.1" "$w/err" || { fail "$name: error does not name the server"; return; }
    grep -Eiq -- "$pat" "$w/err" || { fail "$name: stderr lacks /$pat/"; return; }
    grep -q "$MARKER_TEXT" "$w/out" "$w/err" && { fail "$name: local file content in the output"; return; }
    grep -q "$w/marker" "$w/trace" && { fail "$name: opened the marker file"; return; }
    grep -q Hostile-Pw-7q2z "$w/out" "$w/err" && { fail "$name: password printed"; return; }
    [ -s "$w/spy" ] && { fail "$name: a request reached the other port: $(head -3 "$w/spy")"; return; }
    # one process only: no shell, no helper (traced runs)
    [ "$(grep -c 'execve(' "$w/trace")" -le 1 ] || { fail "$name: ran another program"; return; }
    # bounded memory: 512 MiB peak RSS (ASan's shadow and quarantine included)
    [ "$rss" -lt 524288 ] || { fail "$name: peak RSS ${rss} KiB"; return; }
    echo "ok $name (${took}s, ${rss} KiB)"
    [[ "$KNOWN_BUGS" == *" $name "* ]] && echo "NOTE: $name passes now: take it off KNOWN_BUGS"
}

# 0. positive control: the honest server with our CA works, so every refusal
# below is the client's doing, not a broken test set-up
start ok
run 60 vsphere ping --cacert "$CA" "$URL"
if [ "$rc" = 0 ] && grep -q 'VirtualCenter' "$w/out"; then echo "ok control"; else fail "control: exit $rc"; fi

# 1. XML in the reply: entity expansion, XXE, external DTD / parameter entity
for sc in laughs xxe extdtd pentity; do
    start $sc
    run 60 vsphere ping --cacert "$CA" "$URL"
    expect_refused "$sc/ping" 'DOCTYPE|entity'
    [ "$(grep -c . "$w/log")" -le 1 ] || fail "$sc: went on talking after a refused reply"
    # again under strace: the local file is never opened, nothing fetched
    case $sc in laughs|pentity) continue ;; esac
    if ! strace -f -qq -o /dev/null true 2>/dev/null; then
        echo "NOTE: strace cannot trace here (ptrace denied): $sc file-open check NOT done"; continue
    fi
    TRACE=1 run 60 vsphere ping --cacert "$CA" "$URL"
    expect_refused "$sc/ping-traced" 'DOCTYPE|entity'
    grep -q "connect(.*htons($PORT)" "$w/trace" || fail "$sc: strace saw no connection (trace broken?)"
done
start xxe
run 60 audit --cacert "$CA" "$URLV"
expect_refused xxe/audit 'DOCTYPE|entity'

# 2. size: a 2 GiB reply, an endless one, an endless error page, a gzip bomb
for sc in gigantic endless bigerror gzipbomb; do
    start $sc
    run 20 vsphere ping --cacert "$CA" "$URL"
    expect_refused "$sc/ping" 'too (large|big|long)|limit|exceed'
done

# 3. one byte a second: --timeout 3 bounds the whole call, not only stalls
start trickle
run 30 vsphere ls --timeout 3 --cacert "$CA" "$URL"
expect_refused trickle/ls 'time'
[ "$took" -le 15 ] || fail "trickle: took ${took}s with --timeout 3"

# 4. wrong content type
start wrongtype
run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused wrongtype/ping 'content.type|application/json|not XML|malformed'

# 5. Login answered with a 307 to another port: the POST (with the password)
# must not be repeated there
start redirect
run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused redirect/ping 'redirect'
start redirect
run 60 audit --cacert "$CA" "$URLV"
expect_refused redirect/audit 'redirect'

# 6. TLS: only TLS 1.0 / 1.1 offered, a certificate for another name, a
# self-signed certificate without --cacert
for v in 1.0 1.1; do
    start ok good $v
    # the server really offers the old version (else this case proves little)
    flag=-tls1; [ "$v" = 1.1 ] && flag=-tls1_1
    openssl s_client -connect 127.0.0.1:$PORT $flag -cipher 'DEFAULT:@SECLEVEL=0' \
        </dev/null >/dev/null 2>&1 || echo "note: openssl s_client cannot speak TLS $v to the server either"
    run 60 vsphere ping --cacert "$CA" "$URL"
    expect_refused "tls$v/ping" 'TLS|SSL|protocol|version|handshake'
    [ -s "$w/log" ] && fail "tls$v: a request was sent over TLS $v"
done
start ok wrongname
run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused wrongname/ping 'certificate|name|host|SSL|TLS'
[ -s "$w/log" ] && fail "wrongname: a request was sent"
start ok self
run 60 vsphere ping "$URL"
expect_refused selfsigned/ping 'certificate|self.signed|verify|SSL|TLS'
[ -s "$w/log" ] && fail "selfsigned: a request was sent"
run 60 audit "$URLV"
expect_refused selfsigned/audit 'certificate|self.signed|verify|SSL|TLS'

# 7. a page that drips 200 bytes every half second (400 bytes/s, never a
# stall): the per-request deadline (4 x --timeout) cuts it
start drip
run 30 vsphere ls --timeout 3 --cacert "$CA" "$URL"
expect_refused drip/ls 'time'
# a loaded machine adds seconds to any run; uncut, the drip lasts minutes
[ "$took" -le 24 ] || fail "drip: took ${took}s with --timeout 3 (deadline 12 s)"
grep -q 'per request' "$w/err" || fail "drip: the error does not say which deadline: $(head -c 300 "$w/err")"

# 8. endless paging: empty pages with a fresh token forever, and a token
# that comes back; both stop with an error naming the server
start endlesspages
run 60 audit --cacert "$CA" "$URLV"
expect_refused endlesspages/audit 'paging stopped.*empty pages'
[ "$(grep -c ContinueRetrievePropertiesEx "$w/log")" -le 40 ] ||
    fail "endlesspages: $(grep -c ContinueRetrievePropertiesEx "$w/log") pages asked for"
start repeattoken
run 60 audit --cacert "$CA" "$URLV"
expect_refused repeattoken/audit 'paging stopped.*already given'

# 9. a fault string that echoes the password (raw, XML-escaped and
# URL-encoded): never printed in any of those forms
SPECIAL_PW='Pw<&"Echo> 7q2z%!'
start echopw
VMXGUARD_PASSWORD=$SPECIAL_PW run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused echopw/ping 'login|InvalidLogin'
for form in "$SPECIAL_PW" 'Pw&lt;&amp;' 'Pw%3C%26%22Echo%3E%207q2z%25%21' 'Echo'; do
    grep -qF -- "$form" "$w/out" "$w/err" && fail "echopw: the password shows as '$form'"
done
grep -q '\*\*\*' "$w/err" || fail "echopw: no redaction mark in $(head -c 300 "$w/err")"

# 9b. a reconfigure task whose error echoes the password: fix reports the
# task failed, in every form of the password redacted, exit 2 (an error)
start taskpw
VMXGUARD_PASSWORD=$SPECIAL_PW run 60 fix --force --yes --cacert "$CA" "$URLV"
grep -q ReconfigVM_Task "$w/log" || fail "taskpw: fix sent no ReconfigVM_Task: $(head -c 300 "$w/err")"
grep -q 'task-35 failed' "$w/out" "$w/err" || fail "taskpw: the task failure is not reported: $(head -c 300 "$w/out" "$w/err")"
for form in "$SPECIAL_PW" 'Pw&lt;&amp;' 'Pw%3C%26%22Echo%3E%207q2z%25%21' 'Echo'; do
    grep -qF -- "$form" "$w/out" "$w/err" && fail "taskpw: the password shows as '$form'"
done
grep -q '\*\*\*' "$w/out" "$w/err" || fail "taskpw: no redaction mark"
[ "$rc" = 2 ] || fail "taskpw: exit $rc, want 2 (a change failed)"
echo "ok taskpw (${took}s)"

# 10. server text that would drive the terminal: a fault string with C1
# controls, bidi overrides and a forged line; a redirect with ESC
start ctlfault
run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused ctlfault/ping 'login'
python3 - "$w/err" <<'EOF2' || fail "ctlfault: raw control characters reached stderr"
import re, sys
t = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
bad = re.findall('[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u2028\u2029'
                 '\u202a-\u202e\u2066-\u2069]', t)
sys.exit(1 if bad else 0)
EOF2
grep -q '^vmxguard: forged line' "$w/err" && fail "ctlfault: a forged line reached stderr"
grep -qF '\u202E' "$w/err" || fail "ctlfault: the override is not shown escaped"
start ctlredirect
run 60 vsphere ping --cacert "$CA" "$URL"
expect_refused ctlredirect/ping 'redirect'
grep -q "$(printf '\033')" "$w/err" && fail "ctlredirect: ESC reached stderr"
grep -qF '\x1B[2J' "$w/err" || fail "ctlredirect: the location is not shown escaped"

[ $fails -gt 0 ] && exit 1
[ $known -gt 0 ] && { echo "hostile server: passed except $known KNOWN BUG case(s)"; exit 77; }
echo "hostile server: all passed"
