#!/usr/bin/env bash
# The results store at scale (issue 17): on one generated estate of N VMs
# (bench/gen_datastore.py, default 100,000), in one invocation, times
#   1. the plain audit (text report to /dev/null)            - the baseline
#   2. the same audit with --store runs.db (SQLite)
#   3. the same audit with --store postgresql://... (a private server)
#   4. a second stored run after 1% of the VMs changed, then `diff` of the
#      two runs, on SQLite and on PostgreSQL
#   5. `report --format json` from the stored run
# and prints a Markdown table (wall seconds, ratio to the plain audit, peak
# RSS).  Not part of `make check`.
#
#   bash bench/store_bench.sh [N]
# Environment: BENCH_DIR (default /tmp/vmxguard-bench), VMXGUARD (default:
# build/vmxguard of this tree, built if missing).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}
BENCH_DIR=${BENCH_DIR:-/tmp/vmxguard-bench}
V=${VMXGUARD:-$top/build/vmxguard}
[ -x "$V" ] || { cmake -S "$top" -B "$top/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build "$top/build" >/dev/null; }
[ -x /usr/bin/time ] || { echo "store_bench: needs GNU time (apt-get install time)" >&2; exit 2; }
ds=$BENCH_DIR/store-ds-$n
if [ ! -d "$ds" ]; then
    python3 "$top/bench/gen_datastore.py" "$ds.tmp" "$n" >/dev/null
    mv "$ds.tmp" "$ds"
fi
work=$(mktemp -d -p "$BENCH_DIR")
srv=$top/tests/fixtures/store/pg_server.sh
trap 'bash "$srv" stop "$work/pg" >/dev/null 2>&1; rm -rf "$work"' EXIT
bash "$srv" start "$work/pg" >/dev/null
. "$work/pg/pg.env"

rows=()
base=
# time_it LABEL CMD...: wall seconds and peak RSS of one run
time_it() {
    local label=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>>"$work/stderr" || [ $? -le 1 ]
    read -r wall usr sys rss < <(tail -1 "$work/time")
    [ -n "$base" ] || base=$wall
    rows+=("| $label | $wall | $(echo "$usr + $sys" | bc) | $(echo "scale=2; $wall / $base" | bc) | $((rss / 1024)) |")
    echo "$label: $wall s" >&2
}
audit=("$V" audit "$ds" -q --color=never -o /dev/null)

cat "$ds"/vm0000*/vm0000*.vmx >/dev/null   # warm the page cache
time_it "audit (plain, text to /dev/null)" "${audit[@]}"
time_it "audit --store runs.db (SQLite)" "${audit[@]}" --store "$work/runs.db"
time_it "audit --store postgresql:// (local server)" "${audit[@]}" --store "$VG_PG_URI"
# 1% of the VMs drift: copy disabled no more (appended, so the last
# spelling wins); the originals are put back when the bench ends
mkdir -p "$work/orig"
for ((i = 0; i < n; i += 100)); do
    f=$(printf '%s/vm%05d/vm%05d.vmx' "$ds" "$i" "$i")
    cp -p "$f" "$work/orig/$i.vmx"
    printf 'isolation.tools.copy.disable = "FALSE"\n' >>"$f"
done
restore() {
    for ((i = 0; i < n; i += 100)); do
        cp -p "$work/orig/$i.vmx" "$(printf '%s/vm%05d/vm%05d.vmx' "$ds" "$i" "$i")"
    done
}
trap 'restore; bash "$srv" stop "$work/pg" >/dev/null 2>&1; rm -rf "$work"' EXIT
"${audit[@]}" --store "$work/runs.db" 2>/dev/null || true
"${audit[@]}" --store "$VG_PG_URI" 2>/dev/null || true
time_it "diff of the two runs (SQLite)" "$V" diff --store "$work/runs.db" -f json -o "$work/d1.json"
time_it "diff of the two runs (PostgreSQL)" "$V" diff --store "$VG_PG_URI" -f json -o "$work/d2.json"
time_it "report -f json from the stored run (SQLite)" "$V" report --store "$work/runs.db" -f json -o /dev/null
changes=$(python3 -c "import json; print(len(json.load(open('$work/d1.json'))['changes']))")
size=$(du -m "$work/runs.db" | cut -f1)

echo
echo "$n VMs ($(nproc) cores); SQLite store after two runs: ${size} MB; diff found $changes changes"
echo
echo "| step | wall s | CPU s | wall x plain audit | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
