#!/usr/bin/env bash
# Hostile files where .vmx files are expected (issue 11, part 3).  Each case:
# a clear error naming the file (and line where there is one), the good VM
# beside it still audited, bounded memory, exit code 2 — never a crash, a
# hang or a silent pass.
set -u
VMXGUARD=${VMXGUARD:?}
t=$(mktemp -d)
trap 'chmod -R u+rwx "$t" 2>/dev/null; rm -rf "$t"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

good_vmx() {
    mkdir -p "$1"
    printf 'displayName = "good"\nRemoteDisplay.maxConnections = "1"\n' >"$1/good.vmx"
}

# run CASE DIR: audit DIR with a time limit; peak RSS must stay bounded
# (measured, not capped with ulimit -v: ASan builds reserve terabytes of
# address space for their shadow memory).
MAX_RSS_KB=${MAX_RSS_KB:-786432}
run() {
    local name=$1 dir=$2
    out=$(/usr/bin/time -o "$t/rss.$name" -f '%M' timeout 60 "$VMXGUARD" audit --format json "$dir" 2>"$t/err.$name")
    rc=$?
    err=$(cat "$t/err.$name")
    local rss
    rss=$(tail -n 1 "$t/rss.$name")
    if [ "${rss:-0}" -gt "$MAX_RSS_KB" ] 2>/dev/null; then
        bad "$name: peak RSS ${rss} KiB above ${MAX_RSS_KB} KiB"
    fi
}

# expect NAME PATTERN: exit 2, stderr names the file and matches PATTERN,
# and the good VM was still audited.  GNU time prints "Command exited with
# non-zero status" into its -o file; only its last line is the RSS.
expect() {
    local name=$1 pat=$2
    if [ "$rc" -ne 2 ]; then bad "$name: exit $rc, want 2 (stderr: ${err:0:300})"; return; fi
    if ! grep -Eq -- "$pat" <<<"$err"; then bad "$name: stderr lacks /$pat/: ${err:0:300}"; return; fi
    if ! grep -q '"good"' <<<"$out"; then bad "$name: the good VM was not audited"; return; fi
    ok
}

case_dir() { d=$t/$1; good_vmx "$d/good"; mkdir -p "$d/bad"; }

case_dir nul; printf 'a = "1"\nb = "x\0y"\n' >"$d/bad/nul.vmx"
run nul "$d"; expect nul 'nul\.vmx.*(NUL|binary)'

case_dir longline; head -c 100000000 /dev/zero | tr '\0' 'a' >"$d/bad/long.vmx"
run longline "$d"; expect longline 'long\.vmx.*(line|limit|too long|large)'

case_dir huge; truncate -s 1G "$d/bad/huge.vmx"
run huge "$d"; expect huge 'huge\.vmx.*(limit|too large|large|size)'

case_dir manykeys
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "guestinfo.k%d = \"v\"\n", i }' >"$d/bad/many.vmx"
printf 'x.y = "1"\nX.Y = "2"\n' >>"$d/bad/many.vmx"
run manykeys "$d"
# a million keys is a valid (if odd) file: it must be audited in bounded
# memory; the duplicate at its end makes the run report an input problem.
if [ "$rc" -le 2 ] && grep -q '"good"' <<<"$out" && grep -q 'many' <<<"$out$err"; then ok; else bad "manykeys: rc=$rc ${err:0:300}"; fi

case_dir badutf8
printf '.encoding = "UTF-8"\ndisplayName = "caf\xe9 \xff\xfe"\n' >"$d/bad/u8.vmx"
printf '.encoding = "Shift_JIS"\ndisplayName = "\x82\xa0\xff\xff"\n' >"$d/bad/lies.vmx"
run badutf8 "$d"
if [ "$rc" -le 1 ] && grep -q '"good"' <<<"$out" && python3 -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$out"; then ok; else bad "badutf8: rc=$rc or invalid JSON: ${err:0:300}"; fi

case_dir lonecr; printf 'a = "1"\rb = "2"\rRemoteDisplay.maxConnections = "1"' >"$d/bad/cr.vmx"
run lonecr "$d"
if [ "$rc" -le 1 ] && grep -q '"good"' <<<"$out"; then ok; else bad "lonecr: rc=$rc ${err:0:300}"; fi

case_dir unterminated; printf 'a = "1"\nb = "open\nc = "3"\n' >"$d/bad/q.vmx"
run unterminated "$d"
if [ "$rc" -le 2 ] && grep -q '"good"' <<<"$out" && grep -Eq 'q\.vmx:2' <<<"$err$out"; then ok; else bad "unterminated: rc=$rc want a warning at q.vmx:2: ${err:0:300}"; fi

case_dir pipeend; printf 'a = "1"\nb = "x|' >"$d/bad/p.vmx"
run pipeend "$d"
if [ "$rc" -le 2 ] && grep -q '"good"' <<<"$out"; then ok; else bad "pipeend: rc=$rc ${err:0:300}"; fi

case_dir deep; p="$d/bad"; for i in $(seq 1000); do p="$p/d"; done
mkdir -p "$p" 2>/dev/null || python3 -c "
import os,sys
p=sys.argv[1]
for i in range(1000):
    p=os.path.join(p,'d'); os.mkdir(p)" "$d/bad"
run deep "$d"
if [ "$rc" -le 2 ] && grep -q '"good"' <<<"$out"; then ok; else bad "deep: rc=$rc ${err:0:300}"; fi

case_dir loop; ln -s .. "$d/bad/up"; ln -s "$d/bad" "$d/bad/self"; ln -s "$d/bad/x" "$d/bad/x"
run loop "$d"
if [ "$rc" -le 2 ] && grep -q '"good"' <<<"$out"; then ok; else bad "loop: rc=$rc ${err:0:300}"; fi

case_dir fifo; mkfifo "$d/bad/f.vmx"
run fifo "$d"
if [ "$rc" -eq 124 ]; then bad "fifo: hung"; elif grep -q '"good"' <<<"$out"; then ok; else bad "fifo: rc=$rc ${err:0:300}"; fi

case_dir dev; mknod "$d/bad/zero.vmx" c 1 5 2>/dev/null || ln -s /dev/zero "$d/bad/zero.vmx"
run dev "$d"
if [ "$rc" -eq 124 ]; then bad "dev: hung"; elif grep -q '"good"' <<<"$out"; then ok; else bad "dev: rc=$rc ${err:0:300}"; fi

case_dir unreadable; printf 'a = "1"\n' >"$d/bad/secret.vmx"; chmod 000 "$d/bad/secret.vmx"
chmod 755 "$t" "$d" "$d/good" "$d/bad"; chmod 644 "$d/good/good.vmx"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups timeout 60 "$VMXGUARD" audit --format json "$d" 2>"$t/err.unreadable"); rc=$?
    err=$(cat "$t/err.unreadable")
else
    run unreadable "$d"
fi
expect unreadable 'secret\.vmx.*(denied|permission|cannot|read)'

# Truncated while being read: another process shrinks the file repeatedly
# while audits run; every run must end cleanly (0, 1 or 2), never crash.
case_dir trunc
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "guestinfo.k%d = \"v\"\n", i }' >"$t/big.vmx"
( for i in $(seq 40); do cp "$t/big.vmx" "$d/bad/t.vmx"; : >"$d/bad/t.vmx"; done ) &
tp=$!
crashed=0
for i in $(seq 10); do
    timeout 60 "$VMXGUARD" audit --format json "$d" >/dev/null 2>&1; r=$?
    [ $r -gt 2 ] && crashed=$r
done
wait $tp
if [ $crashed = 0 ]; then ok; else bad "trunc: exit $crashed"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
