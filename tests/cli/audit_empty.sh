#!/usr/bin/env bash
# Nothing audited is not compliant: an empty target (a datastore that failed
# to mount, a typo'd folder) is an input error named on stderr (exit 2)
# unless --allow-empty; a run that audited no VM gives no score in any
# format (never "100%"), and the other targets are still audited.
set -u
V=${VMXGUARD:?VMXGUARD not set}
: "${VG_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/empty" "$tmp/tmplonly/t"
printf 'config.version = "8"\nvirtualHW.version = "21"\n' > "$tmp/tmplonly/t/t.vmtx"

"$V" audit "$tmp/empty" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "empty folder: exit $rc, want 2"
grep -q "$tmp/empty: no VM found" "$tmp/err" || fail "empty folder not named on stderr: $(cat "$tmp/err")"
# after an input error and no VM there is no summary at all (stderr said
# why); a summary, when there is one, gives no score
[ ! -s "$tmp/out" ] || grep -q 'Score: *none: nothing was audited' "$tmp/out" ||
    fail "text: no 'nothing was audited'"
grep -q '100\.0%' "$tmp/out" && fail "text claims 100%"

"$V" audit "$tmp/tmplonly" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'no VM found' "$tmp/err" || fail "templates only: exit $rc"

# every format: no 100 for nothing
for f in json jsonl csv html junit sarif; do
    "$V" audit --format "$f" "$tmp/empty" > "$tmp/out.$f" 2>/dev/null; rc=$?
    [ $rc -eq 2 ] || fail "$f: exit $rc"
    grep -Eq '100\.[0-9]+ *%|"score_(before|after)_waivers": *100|<score[^>]*>100' "$tmp/out.$f" && fail "$f claims 100"
done
grep -q '"score_before_waivers": *null' "$tmp/out.json" || fail "json: score is not null"
grep -q '"score_after_waivers": *null' "$tmp/out.json" || fail "json: score after waivers is not null"
grep -q 'nothing was audited' "$tmp/out.html" || fail "html does not say nothing was audited"
ajv=$VG_SOURCE_DIR/tests/consumers/node_modules/.bin/ajv
if [ -x "$ajv" ]; then # installed by scripts/setup.d/report.sh (report_json_schema.sh needs it too)
    cp "$tmp/out.json" "$tmp/empty-run.json"
    "$ajv" validate --spec=draft2020 -c ajv-formats -s "$VG_SOURCE_DIR/docs/report-schema.json" \
        -d "$tmp/empty-run.json" > "$tmp/ajv.log" 2>&1 ||
        fail "json of an empty run does not match docs/report-schema.json: $(cat "$tmp/ajv.log")"
fi

# --allow-empty: not an error, still no score
"$V" audit --allow-empty "$tmp/empty" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 0 ] || fail "--allow-empty: exit $rc"
[ -s "$tmp/err" ] && fail "--allow-empty: stderr not empty: $(cat "$tmp/err")"
grep -q 'Score: *none: nothing was audited' "$tmp/out" || fail "--allow-empty still needs 'none'"

# an empty target beside a real one: the real one is audited, exit 2
"$V" audit --format json "$VG_SOURCE_DIR/examples/datastore1" "$tmp/empty" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "datastore + empty: exit $rc"
grep -q '"vms": *5' "$tmp/out" || fail "datastore + empty: the datastore was not audited"
[ "$(grep -c 'no VM found' "$tmp/err")" -eq 1 ] || fail "datastore + empty: the empty target is not named once"
# the datastore alone is unaffected
"$V" audit "$VG_SOURCE_DIR/examples/datastore1" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "datastore alone: exit $rc"
grep -q 'no VM found' "$tmp/err" && fail "datastore alone named as empty"

# a missing path and an unreachable vCenter: named once, no score
"$V" audit "$tmp/nope" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "missing path: exit $rc"
[ "$(grep -c "$tmp/nope" "$tmp/err")" -eq 1 ] || fail "missing path not named once: $(cat "$tmp/err")"
grep -q '100\.0%' "$tmp/out" && fail "missing path claims 100%"
VMXGUARD_PASSWORD=x timeout 60 "$V" audit "vsphere://u@127.0.0.1:1" > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "unreachable vCenter: exit $rc"
grep -q '100\.0%' "$tmp/out" && fail "unreachable vCenter claims 100%"
[ ! -s "$tmp/out" ] || grep -q 'Score: *none: nothing was audited' "$tmp/out" ||
    fail "unreachable vCenter: no 'nothing was audited'"
echo ok
