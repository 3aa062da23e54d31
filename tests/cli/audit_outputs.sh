#!/usr/bin/env bash
# vmxguard audit with several outputs: --output FORMAT:PATH (repeatable) and
# -f/-o pairs write every report from one pass over the sources (each .vmx
# opened once, strace counts), byte for byte what a single-format run
# writes; folders for the per-VM formats (nested ones created); every
# output problem exits 2 with a message naming the path; errors are shown
# once; a terminal gets a one-line summary when the reports go to files.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
V=$VMXGUARD
E=$VG_SOURCE_DIR/examples/datastore1
tmp=$(mktemp -d)
mnt=$tmp/mnt
cleanup() {
    mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then :; else echo "FAIL: $name" >&2; fails=$((fails + 1)); fi
}
cd "$tmp"
# the run's start time is the only thing allowed to differ between runs
norm() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/TIME/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}( UTC)?/TIME/g' "$1"; }

# --- one pass, several formats: the same bytes as single runs ---------------
"$V" audit "$E" -q --output json:m.json --output csv:m.csv -f junit -o m.xml --output html:m.html >out 2>err
rc=$?
check "multi: exit 1 for findings (rc=$rc)" [ "$rc" -eq 1 ]
check "multi: nothing on stdout" [ ! -s out ]
for f in json:json csv:csv junit:xml html:html; do
    fmt=${f%%:*} ext=${f#*:}
    "$V" audit "$E" -q -f "$fmt" -o "s.$ext" 2>/dev/null
    check "multi: $fmt equals a single $fmt run" cmp -s <(norm "m.$ext") <(norm "s.$ext")
done
python3 -c 'import json,sys; json.load(open("m.json"))' || { echo "FAIL: m.json is not JSON" >&2; fails=$((fails+1)); }

# -f/-o pairs in order, the last -f to standard output
"$V" audit "$E" -q -f json -o p.json -f csv -o p.csv -f text >p.txt 2>/dev/null
check "pairs: json" cmp -s <(norm p.json) <(norm s.json)
check "pairs: csv" cmp -s p.csv s.csv
check "pairs: text on stdout" grep -q '^Summary' p.txt
"$V" audit "$E" -q -f json -f csv >/dev/null 2>err; rc=$?
check "pairs: two -f without -o is a usage error (rc=$rc)" [ "$rc" -eq 2 ]
check "pairs: the message says how they pair" grep -q 'pair up in order' err

# --- the sources are read once for all outputs ------------------------------
if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
    strace -f -qq -e trace=open,openat -o trace "$V" audit "$E" -q \
        --output json:t.json --output csv:t.csv --output html:t.html --output sarif:t.sarif >/dev/null 2>&1
    n_vmx=$(find "$E" -name '*.vmx' | wc -l)
    opens=$(grep -c '\.vmx", O_RDONLY' trace)
    check "one pass: $opens opens of .vmx files for $n_vmx files and 4 outputs" [ "$opens" -eq "$n_vmx" ]
else
    echo "note: strace cannot trace here; the one-pass count is not checked" >&2
fi

# --- folders: ckl:DIR/ and --output-dir, nested ones created ----------------
"$V" audit "$E" -q --output ckl:ck/a/b/ --output json:d.json >/dev/null 2>err; rc=$?
check "ckl:DIR/: exit 1 (rc=$rc)" [ "$rc" -eq 1 ]
check "ckl:DIR/: nested folder created with checklists" bash -c "ls ck/a/b/*.ckl >/dev/null"
check "ckl:DIR/: json beside it" test -s d.json
"$V" audit "$E" -q -f cklb --output-dir x/y/z >/dev/null 2>err; rc=$?
check "--output-dir x/y/z: created (rc=$rc)" bash -c "[ $rc -eq 1 ] && ls x/y/z/*.cklb >/dev/null"

# --- output problems: exit 2, the path named, never 3 -----------------------
expect2() { # name, path-in-message, command...
    local name=$1 path=$2; shift 2
    "$@" >out 2>err; local rc=$?
    check "$name: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
    check "$name: message names $path" grep -qF -- "$path" err
}
expect2 "ckl without a folder" "--output-dir" "$V" audit "$E" -q -f ckl
expect2 "json with --output-dir" "--output-dir" "$V" audit "$E" -q -f json --output-dir jd
check "json with --output-dir: no folder made" [ ! -e jd ]
expect2 "json into a folder" "jdir/" "$V" audit "$E" -q --output json:jdir/
echo x > plainfile
expect2 "unwritable output" "plainfile/r.json" "$V" audit "$E" -q -o plainfile/r.json -f json
expect2 "folder under a file" "plainfile/ck" "$V" audit "$E" -q -f ckl --output-dir plainfile/ck
expect2 "full device" "/dev/full" "$V" audit "$E" -q --output json:/dev/full --output csv:ok.csv
check "full device: the other output is complete" cmp -s ok.csv s.csv
check "full device: said once" [ "$(grep -c /dev/full err)" -eq 1 ]
expect2 "two to standard output" "standard output" "$V" audit "$E" -q --output json:- -f text
expect2 "one file twice" "same.json" "$V" audit "$E" -q --output json:same.json --output sarif:same.json
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    expect2 "full disk (64k tmpfs)" "$mnt/big.json" "$V" audit "$E" -q --output "json:$mnt/big.json"
    check "full disk: said once" [ "$(grep -c "$mnt/big.json" err)" -eq 1 ]
    umount "$mnt"
else
    echo "note: no tmpfs mount here (not root); /dev/full stands for the full disk" >&2
fi

# --- errors once; no summary of nothing -------------------------------------
"$V" audit "$tmp/missing.vmx" >out 2>err; rc=$?
check "missing input: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
check "missing input: one message on stderr" [ "$(grep -c missing.vmx err)" -eq 1 ]
check "missing input: not repeated on stdout" bash -c "! grep -q missing.vmx out"
check "missing input: no empty summary" bash -c "! grep -q '^Summary' out"
"$V" audit "$tmp/missing.vmx" -f json -o miss.json 2>/dev/null
check "missing input: the json report still records it" grep -q missing.vmx miss.json
"$V" audit "$tmp/missing.vmx" "$E" >out 2>err
check "missing input beside good ones: summary kept" grep -q '^Summary' out

# --- a terminal watching file outputs gets one line --------------------------
if command -v script >/dev/null; then
    script -qec "'$V' audit '$E' --output json:tty.json --output csv:tty.csv" /dev/null >tty.out 2>&1
    check "terminal: one-line summary names the files" \
        grep -qE 'vmxguard: 5 VMs audited, 4 failing, 13 failures, 0 input errors -> tty.json \(json\), tty.csv \(csv\)' tty.out
    "$V" audit "$E" --output json:pipe.json 2>pipe.err
    check "no terminal: no summary line" bash -c "! grep -q 'VMs audited' pipe.err"
fi
[ "$fails" -eq 0 ] || { echo "$fails checks failed" >&2; exit 1; }
exit 0
