#!/usr/bin/env bash
# vmxguard audit over the shared corpus of real-world .vmx files: no crash,
# every file audited, and (on a copy with broken files added) clear errors
# naming each broken file while the rest is still audited.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
corpus="$VG_SOURCE_DIR/../shared/corpus/vmx"
if [ ! -d "$corpus" ]; then
    echo "FAIL corpus not found at $corpus (shared/ must sit beside the repo)"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

total=$(find "$corpus" -name '*.vmx' -type f | wc -l)
"$VMXGUARD" audit "$corpus" --color=never >"$tmp/out" 2>"$tmp/err"; rc=$?
check "corpus audit ends with 0 or 1 (rc=$rc)" [ "$rc" -le 1 ]
audited=$(grep -oE 'VMs: +[0-9]+ audited' "$tmp/out" | grep -oE '[0-9]+')
check "every file audited ($audited of $total)" [ "${audited:-0}" -eq "$total" ]
grep -E '^(Summary|Profile:|VMs:|Rules:|Failures:|Score:)' "$tmp/out"

# a copy with broken inputs beside the good ones
cp -r "$corpus" "$tmp/ds"
printf 'config.version = "8"\n\0\0binary\0' >"$tmp/ds/zz-binary.vmx"
printf 'displayName = "dup"\nisolation.tools.copy.disable = "TRUE"\nIsolation.Tools.Copy.Disable = "FALSE"\n' \
    >"$tmp/ds/zz-duplicate.vmx"
printf 'displayName = "unterminated\nmemSize = 4096\n' >"$tmp/ds/zz-quote.vmx"
mkfifo "$tmp/ds/zz-fifo.vmx"
"$VMXGUARD" audit "$tmp/ds" --color=never >"$tmp/out2" 2>"$tmp/err2"; rc=$?
check "broken inputs exit 2" [ "$rc" -eq 2 ]
check "binary file named" grep -q "zz-binary.vmx" "$tmp/err2"
check "fifo named, not blocked on" grep -q "zz-fifo.vmx" "$tmp/err2"
audited=$(grep -oE 'VMs: +[0-9]+ audited' "$tmp/out2" | grep -oE '[0-9]+')
check "good files and readable broken ones audited ($audited)" [ "${audited:-0}" -eq $((total + 2)) ]
check "unparsed line warned with file:line" grep -q "zz-quote.vmx:1: " "$tmp/err2"
check "duplicate key is an error with both lines" grep -q "lines 2 and 3" "$tmp/out2"
if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
