#!/usr/bin/env bash
# SARIF output passes `sarif-multitool validate` (Microsoft's validator, the
# .NET tool shipped in npm) with no errors or warnings; a broken log is
# caught, so the check can fail.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
tool=$bin/sarif-multitool
need "$tool"
validate() {
    local log=$work/validate-$RANDOM.sarif
    rm -f "$log"
    "$tool" validate --level Error Warning -o "$log" "$1" >/dev/null 2>&1 || fail "sarif-multitool did not run on $1"
    node "$consumers/sarif_check.mjs" "$1" "$log"
}
for d in $(sample_dirs sarif); do
    validate "$d/fixture.sarif" || fail "$d/fixture.sarif"
done
node -e '
const fs = require("fs"); const d = JSON.parse(fs.readFileSync(process.argv[1]));
delete d.runs[0].results[0].message; d.runs[0].results[1].level = "fatal";
fs.writeFileSync(process.argv[2], JSON.stringify(d))' "$work/fixture/fixture.sarif" "$work/bad.sarif"
if validate "$work/bad.sarif" 2>/dev/null; then
    fail "the validator accepted a broken SARIF log"
fi
echo "ok: sarif validates"
