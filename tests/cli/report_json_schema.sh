#!/usr/bin/env bash
# The json report validates against docs/report-schema.json with ajv-cli,
# each jsonl record against the same schema's definitions, and a report
# with a bad status is rejected.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
need "$bin/ajv"
schema=$VG_SOURCE_DIR/docs/report-schema.json
for d in $(sample_dirs jsonl); do
    "$bin/ajv" validate --spec=draft2020 -c ajv-formats -s "$schema" -d "$d/fixture.json" ||
        fail "$d/fixture.json"
    node "$consumers/jsonl_validate.mjs" "$schema" "$d/fixture.jsonl" || fail "$d/fixture.jsonl"
done
sed 's/"status":"fail"/"status":"failed"/' "$work/fixture/fixture.json" > "$work/bad.json"
if "$bin/ajv" validate --spec=draft2020 -c ajv-formats -s "$schema" -d "$work/bad.json" >/dev/null 2>&1; then
    fail "the schema accepted an unknown status"
fi
# every jsonl record as written, the run record and a problem included
"$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1" "$work/missing.vmx" -q -f jsonl \
    -o "$work/p.jsonl" 2>/dev/null || true
grep -q '"type":"problem"' "$work/p.jsonl" || fail "no problem record in $work/p.jsonl"
node "$consumers/jsonl_validate.mjs" "$schema" "$work/p.jsonl" || fail "jsonl with a problem"
sed '1s/"hostname":/"hostnme":/' "$work/p.jsonl" > "$work/badrun.jsonl"
if node "$consumers/jsonl_validate.mjs" "$schema" "$work/badrun.jsonl" >/dev/null 2>&1; then
    fail "the schema accepted a run record with a misspelt field"
fi
sed '1s/"type":"run"/"type":"vm"/' "$work/p.jsonl" > "$work/badtype.jsonl"
if node "$consumers/jsonl_validate.mjs" "$schema" "$work/badtype.jsonl" >/dev/null 2>&1; then
    fail "the schema accepted a run record typed vm"
fi
echo "ok: json and jsonl validate against $schema"
