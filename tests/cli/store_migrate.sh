#!/usr/bin/env bash
# Schema v1 -> v2 (the pending totals): a store written before the pending
# status is refused read-only with the "write a run to it once" message,
# migrated by the next audit in place (its runs kept, read back with
# pending 0), and then read like any other.  The v1 store is made from a
# v2 one by dropping the two columns, which is exactly what v2 adds.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
cd "$t"
vg() { "$VMXGUARD" "$@" --color=never 2>>"$t/stderr"; }
cp -r "$VG_SOURCE_DIR/examples/datastore1" ds
db=$t/v1.db

vg audit ds --store "$db" -q -o /dev/null
"$py" - "$db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("ALTER TABLE runs DROP COLUMN pending")
c.execute("ALTER TABLE runs DROP COLUMN raw_pending")
c.execute("UPDATE vg_meta SET value = '1' WHERE key = 'schema_version'")
c.commit()
EOF
vg history --store "$db" >/dev/null; rc=$?
check "a v1 store is refused read-only (rc=$rc)" '[ $rc = 2 ] && grep -q "older schema version 1: write a run to it once" stderr'
vg audit ds --store "$db" -q -o /dev/null
check "the next audit migrates it to v2" \
    '[ "$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select value from vg_meta where key=\x27schema_version\x27\").fetchone()[0])" "$db")" = 2 ]'
check "the v1 run is kept, with pending 0" \
    '[ "$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*), sum(pending), sum(raw_pending) from runs\").fetchone())" "$db")" = "(2, 0, 0)" ]'
vg history --store "$db" -f json -o h.json
check "history reads both runs after the migration" \
    '"$py" -c "import json; r=json.load(open(\"h.json\")); r=r.get(\"runs\", r); assert len(r)==2 and all(x[\"counts\"][\"pending\"]==0 for x in r), r"'
vg report --store "$db" --run latest~1 -f json -o old.json
check "the migrated v1 run renders" '[ -s old.json ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
