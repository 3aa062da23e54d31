#!/usr/bin/env bash
# The results store on a real PostgreSQL server (issue 17 part 1), started
# by tests/fixtures/store/pg_server.sh on a private port and stopped after:
#  - report from a stored run is byte-identical to the audit's own report;
#  - two runs then diff: exactly the changes made, the same ones the SQLite
#    store finds for the same two runs;
#  - two processes writing runs at once to one store: every run whole, no
#    VM identity created twice;
#  - a run killed mid-write leaves no trace; a newer schema is refused.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
t=$(mktemp -d)
srv="$VG_SOURCE_DIR/tests/fixtures/store/pg_server.sh"
trap 'bash "$srv" stop "$t/pg"; rm -rf "$t"' EXIT
bash "$srv" start "$t/pg"
rc=$?
[ $rc = 77 ] && { echo "SKIP: no PostgreSQL server binaries (scripts/deps/store.txt)"; exit 77; }
[ $rc = 0 ] || { echo "FAIL: PostgreSQL did not start"; exit 1; }
. "$t/pg/pg.env"
PG=$VG_PG_URI
psql() { "$VG_PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$VG_PG_PORT" -U vmxguard vmxguard "$@"; }
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
cd "$t"
vg() { "$VMXGUARD" "$@" 2>>"$t/stderr"; }
cp -r "$VG_SOURCE_DIR/examples/datastore1" ds

for f in text json csv sarif xccdf html; do
    vg audit ds --store "$PG" -f "$f" -o "orig.$f" -q --color=never
    vg report --store "$PG" -f "$f" -o "rep.$f" --color=never
    check "postgresql: report --format $f equals the audit's" 'cmp -s "orig.$f" "rep.$f"'
done

# ---- two runs, into PostgreSQL and SQLite alike, then diff
psql -c "DROP TABLE events, problems, lints, results, run_vms, vms, run_profiles, run_targets, runs, vg_meta"
both() { vg audit ds --store "$PG" -q -o /dev/null; vg audit ds --store "$t/runs.db" -q -o /dev/null; }
both
sed -i 's/^isolation.tools.copy.disable = "TRUE"/isolation.tools.copy.disable = "FALSE"/' ds/web01/web01.vmx
mv ds/db01 ds/db01-new
rm -rf ds/jump01
mkdir ds/new01
printf 'displayName = "new01"\nuuid.bios = "42 00 00 00 00 00 00 00-00 00 00 00 00 00 00 07"\n' >ds/new01/new01.vmx
both
vg diff --store "$PG" -f json -o pg.json; rc=$?
vg diff --store "$t/runs.db" -f json -o sq.json
changes() {
    "$py" - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["changes"]:
    print(c["kind"], c["vm"]["name"], c["rule"], c["old_status"], c["new_status"], c["vm"]["old_path"])
PY
}
expected="vm_moved db01 None None None ds/db01/db01.vmx
vm_disappeared jump01 None None None None
vm_appeared new01 None None None None
newly_failing web01 isolation-tools-copy-disable pass fail None"
check "postgresql: diff shows exactly the changes made, exit 1" \
    '[ $rc = 1 ] && [ "$(changes pg.json)" = "$expected" ] || { changes pg.json; false; }'
check "postgresql and SQLite find the same changes" '[ "$(changes pg.json)" = "$(changes sq.json)" ]'

# ---- two writers at once
"$py" - "$t/big" <<'PY'
import os, sys
for i in range(400):
    d = os.path.join(sys.argv[1], "vm%03d" % i); os.makedirs(d)
    open(os.path.join(d, "vm%03d.vmx" % i), "w").write(
        'displayName = "vm%03d"\nuuid.bios = "42 00 00 00 00 00 00 00-00 00 00 00 00 00 %02x %02x"\n' % (i, i >> 8, i & 255))
PY
before=$(psql -c "SELECT count(*) FROM runs")
writer() { for i in 1 2 3; do "$VMXGUARD" audit "$t/big" --store "$PG" -q --no-folder-evidence -o /dev/null 2>>"$t/w$1.err"; [ $? -le 1 ] || echo bad >>"$t/w$1.err"; done; }
writer 1 & p1=$!
writer 2 & p2=$!
wait $p1 $p2
after=$(psql -c "SELECT count(*) FROM runs")
check "two concurrent writers: all 6 runs stored, no error" '[ $((after - before)) = 6 ] && ! grep -q . w1.err w2.err'
torn=$(psql -c "SELECT count(*) FROM runs r WHERE r.vms <> (SELECT count(*) FROM run_vms v WHERE v.run_id = r.id) OR r.results <> (SELECT count(*) FROM results x WHERE x.run_id = r.id)")
check "... every run whole" '[ "$torn" = 0 ]'
dups=$(psql -c "SELECT count(*) FROM (SELECT uuid FROM vms WHERE path LIKE '%/big/%' GROUP BY uuid HAVING count(*) > 1) d")
check "... each of the 400 VMs has one identity" '[ "$dups" = 0 ] && [ "$(psql -c "SELECT count(*) FROM vms WHERE path LIKE '"'"'%/big/%'"'"'")" = 400 ]'

# ---- a killed writer leaves nothing
before=$(psql -c "SELECT count(*) FROM runs")
"$VMXGUARD" audit "$t/big" --store "$PG" -q --no-folder-evidence -o /dev/null 2>/dev/null &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; krc=$?
sleep 0.5   # the server notices the closed connection and rolls back
after=$(psql -c "SELECT count(*) FROM runs")
orph=$(psql -c "SELECT count(*) FROM results WHERE run_id NOT IN (SELECT id FROM runs)")
check "a killed run (rc $krc) is not visible, no stray rows" '{ [ $krc = 137 ] && [ "$after" = "$before" ] || [ $krc != 137 ]; } && [ "$orph" = 0 ]'

# ---- newer schema
psql -c "UPDATE vg_meta SET value = '42' WHERE key = 'schema_version'"
: >stderr
vg audit ds --store "$PG" -q -o /dev/null; rc=$?
check "postgresql: a newer schema is refused, exit 2" '[ $rc = 2 ] && grep -q "schema version 42, newer" stderr'
check "... and left as it was" '[ "$(psql -c "SELECT value FROM vg_meta")" = 42 ]'
vg history --store "postgresql://vmxguard@127.0.0.1:1/none" >/dev/null; rc=$?
check "an unreachable server is exit 2 with a message" '[ $rc = 2 ] && grep -q "127.0.0.1" stderr'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
