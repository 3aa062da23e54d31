#!/usr/bin/env bash
# SIGKILL at random moments while `audit --store` writes a run of 1,500 VMs
# to SQLite: after every kill the store passes SQLite's integrity check, it
# holds exactly the runs that finished, each of them whole (as many VM and
# result rows as its totals say), and the first run still renders the
# report it rendered before.  A run after the kills completes normally.
# Rounds: STORE_KILL_ROUNDS (5 in `make check`).
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
rounds=${STORE_KILL_ROUNDS:-5}
vms=${STORE_KILL_VMS:-1500}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
t=$(mktemp -d -p "$base")
trap 'rm -rf "$t"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

"$py" - "$t/ds" "$vms" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.makedirs(os.path.join(d, "vm%04d" % i))
    lines = ['.encoding = "UTF-8"', 'displayName = "vm%04d"' % i,
             'uuid.bios = "42 00 00 00 00 00 00 00-00 00 00 00 00 00 %02x %02x"' % (i >> 8, i & 255),
             'isolation.tools.copy.disable = "%s"' % ("FALSE" if i % 3 else "TRUE")]
    with open(os.path.join(d, "vm%04d" % i, "vm%04d.vmx" % i), "w") as f:
        f.write("\n".join(lines) + "\n")
PY
db=$t/runs.db
audit() { "$VMXGUARD" audit "$t/ds" --store "$db" -q --no-folder-evidence -o /dev/null </dev/null 2>>"$t/errors"; }

start=$(date +%s%N)
audit
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$VMXGUARD" report --store "$db" --run 1 -f json -o "$t/run1.json" 2>>"$t/errors"
check "a full run is stored ($vms VMs in ${full_ms} ms)" '[ -s "$t/run1.json" ]'

# integrity, and every run whole; prints the number of runs
verify() {
    "$py" - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ok = c.execute("PRAGMA integrity_check").fetchone()[0]
if ok != "ok":
    print("integrity:", ok); sys.exit(1)
bad = 0
for rid, vms, results in c.execute("SELECT id, vms, results FROM runs").fetchall():
    nv = c.execute("SELECT count(*) FROM run_vms WHERE run_id = ?", (rid,)).fetchone()[0]
    nr = c.execute("SELECT count(*) FROM results WHERE run_id = ?", (rid,)).fetchone()[0]
    fin = c.execute("SELECT finished FROM runs WHERE id = ?", (rid,)).fetchone()[0]
    if nv != vms or nr != results or fin is None:
        print("run %d is torn: %d/%d VMs, %d/%d results" % (rid, nv, vms, nr, results)); bad += 1
orphans = c.execute("SELECT count(*) FROM results WHERE run_id NOT IN (SELECT id FROM runs)").fetchone()[0]
if orphans:
    print("%d results of no run" % orphans); bad += 1
print(c.execute("SELECT count(*) FROM runs").fetchone()[0])
sys.exit(1 if bad else 0)
PY
}

# A kill lands before the commit (the run is not there) or after it (the
# run is there whole, even if the process had not exited yet).
stored=1 torn=0 killed=0
for r in $(seq 1 "$rounds"); do
    delay_ms=$(( RANDOM % (full_ms * 5 / 4 + 1) ))
    # the program itself, not a function (a subshell's child outlives its kill)
    "$VMXGUARD" audit "$t/ds" --store "$db" -q --no-folder-evidence -o /dev/null </dev/null 2>/dev/null &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    out=$(verify) || torn=$((torn + 1))
    n=$(tail -1 <<<"$out")
    if [ "$rc" = 137 ]; then
        killed=$((killed + 1))
        [ "$n" = "$stored" ] || [ "$n" = $((stored + 1)) ] || { echo "round $r: $n runs, had $stored"; torn=$((torn + 1)); }
    else
        [ "$n" = $((stored + 1)) ] || { echo "round $r: finished, but $n runs, had $stored"; torn=$((torn + 1)); }
    fi
    stored=$n
done
echo "$killed of $rounds runs killed"
check "after $rounds kills: no torn or half run, only whole runs" '[ $torn = 0 ]'
"$VMXGUARD" report --store "$db" --run 1 -f json -o "$t/run1-after.json" 2>>"$t/errors"
check "the first run renders the same report after the kills" 'cmp -s "$t/run1.json" "$t/run1-after.json"'
audit; rc=$?
n=$(verify | tail -1)
check "a run after the kills completes (exit 1: findings) and is stored" '[ $rc = 1 ] && [ "$n" = $((stored + 1)) ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
