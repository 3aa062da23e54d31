#!/usr/bin/env bash
# YAML given by users (waivers, profile files) cannot hang or blow up the
# tool (issue 22, issue 21): a FIFO is refused at once, an alias bomb (a
# 63 KiB waiver file once expanded to 540 MiB) and deep nesting are
# refused with a clear error naming file and line, in bounded time and
# memory; a device and a directory are refused like the FIFO.
set -u
: "${VMXGUARD:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
mkdir -p "$t/ds/vm"
printf 'displayName = "vm"\n' >"$t/ds/vm/vm.vmx"

# run NAME PATTERN ARGS...: exit 2 within 20 s, stderr matches PATTERN,
# peak RSS under 256 MiB
run() {
    local name=$1 pat=$2; shift 2
    local t0=$SECONDS
    /usr/bin/time -o "$t/rss" -f '%M' timeout -s KILL 20 "$VMXGUARD" "$@" \
        >"$t/out" 2>"$t/err" </dev/null
    local rc=$? took=$((SECONDS - t0)) rss
    rss=$(tail -n 1 "$t/rss")
    if [ "$rc" -ne 2 ]; then bad "$name: exit $rc after ${took}s, want 2: $(head -c 300 "$t/err")"
    elif ! grep -Eq -- "$pat" "$t/err"; then bad "$name: stderr lacks /$pat/: $(head -c 300 "$t/err")"
    elif [ "${rss:-0}" -gt 262144 ]; then bad "$name: peak RSS $rss KiB"
    else ok "$name (${took}s, ${rss} KiB)"; fi
}

mkfifo "$t/fifo.yaml"
run "FIFO as waivers" 'fifo\.yaml.*FIFO' audit --waivers "$t/fifo.yaml" "$t/ds"
run "FIFO as profile file" 'fifo\.yaml.*FIFO' audit --profile-file "$t/fifo.yaml" "$t/ds"
run "FIFO to profiles" 'fifo\.yaml.*FIFO' profiles --profile-file "$t/fifo.yaml"
run "device as waivers" '/dev/zero.*device' audit --waivers /dev/zero "$t/ds"
run "directory as profile file" 'directory' audit --profile-file "$t/ds" "$t/ds"

# the billion laughs in a waiver file: nine levels of ten aliases each
{
    echo 'lol0: &l0 ["lollollollollollollollollollollollollollollollollollollol"]'
    for i in 1 2 3 4 5 6 7 8 9; do
        printf 'lol%d: &l%d [' $i $i
        for k in 1 2 3 4 5 6 7 8 9 10; do printf '*l%d, ' $((i - 1)); done
        echo ']'
    done
    echo 'waivers: []'
} >"$t/bomb.yaml"
run "alias bomb in waivers" 'bomb\.yaml:[0-9]+: .*aliases expand' audit --waivers "$t/bomb.yaml" "$t/ds"
run "alias bomb in a profile file" 'bomb\.yaml:[0-9]+: .*aliases expand' \
    audit --profile-file "$t/bomb.yaml" "$t/ds"
# a recursive alias
printf 'waivers: &w\n  - *w\n' >"$t/rec.yaml"
run "recursive alias" 'rec\.yaml:2: .*contains it' audit --waivers "$t/rec.yaml" "$t/ds"

# 120 KB of nesting, flow and block
head -c 120000 /dev/zero | tr '\0' '[' >"$t/deep.yaml"
run "deep flow nesting in waivers" 'deep\.yaml:1: .*nested deeper than' \
    audit --waivers "$t/deep.yaml" "$t/ds"
python3 -c '
import sys
for i in range(2000):
    sys.stdout.write(" " * i + "k%d:\n" % i)' >"$t/deepb.yaml"
run "deep block nesting in a profile file" 'deepb\.yaml:65: .*nested deeper than' \
    audit --profile-file "$t/deepb.yaml" "$t/ds"

[ $fails -eq 0 ] && echo "hostile yaml: all passed" || exit 1
