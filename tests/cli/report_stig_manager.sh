#!/usr/bin/env bash
# ckl, cklb and xccdf read back by STIG Manager's own import parser
# (@nuwcdivnpt/stig-manager-client-modules): for every rule the status read
# back equals vmxguard's (from the JSON report of the same run), the asset
# name is the VM name intact, reviews are submitted under comment-required
# settings, and a tampered checklist is caught; a multi-VM xccdf is refused
# by the parser and vmxguard warns when writing one.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
need "$consumers/node_modules/@nuwcdivnpt/stig-manager-client-modules"
n=0
for d in $(sample_dirs ckl cklb xccdf); do
    for fmt in ckl cklb xccdf; do
        for f in "$d/$fmt"/*; do
            [ -e "$f" ] || continue
            node "$consumers/stig_readback.mjs" "$fmt" "$f" "$d/fixture.json" || fail "$f"
            n=$((n + 1))
        done
    done
done
[ "$n" -ge 6 ] || fail "only $n checklists were produced"
f=$(ls "$work/fixture/ckl/"db02*.ckl)
sed '0,/<STATUS>NotAFinding</s//<STATUS>Open</' "$f" > "$work/tampered.ckl"
if node "$consumers/stig_readback.mjs" ckl "$work/tampered.ckl" "$work/fixture/fixture.json" 2>/dev/null; then
    fail "the read-back check accepted a tampered checklist"
fi
# A multi-VM xccdf stream is one STIG Manager cannot import: vmxguard says so
# when it writes it (stderr and in the document), and the parser refuses it.
if [ -n "${VMXGUARD:-}" ]; then
    "$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1" --format xccdf -o "$work/multi.xml" \
        >/dev/null 2>"$work/multi.err" || true
    grep -q '[0-9]* VMs in one xccdf document; STIG Manager imports one TestResult per file' \
        "$work/multi.err" || fail "no warning for a multi-VM xccdf: $(cat "$work/multi.err")"
    grep -q 'STIG Manager imports one TestResult per file' "$work/multi.xml" ||
        fail "the multi-VM xccdf does not say so"
    if node "$consumers/stig_readback.mjs" xccdf "$work/multi.xml" "$work/cli/fixture.json" \
        >/dev/null 2>&1; then
        fail "STIG Manager's parser took a multi-VM xccdf: the warning is wrong"
    fi
    "$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1/db01" --format xccdf -o "$work/one.xml" \
        >/dev/null 2>"$work/one.err" || true
    if grep -q 'VMs in one xccdf document' "$work/one.err"; then fail "warned for a one-VM xccdf"; fi
fi
echo "ok: $n checklists read back with equal statuses"
