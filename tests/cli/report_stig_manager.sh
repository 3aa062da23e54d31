#!/usr/bin/env bash
# ckl, cklb and xccdf read back by STIG Manager's own import parser
# (@nuwcdivnpt/stig-manager-client-modules): for every rule the status read
# back equals vmxguard's (from the JSON report of the same run), the asset
# name is the VM name intact, and a tampered checklist is caught.
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
echo "ok: $n checklists read back with equal statuses"
