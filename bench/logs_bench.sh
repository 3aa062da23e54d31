#!/bin/bash
# Benchmark (not a test): `vmxguard logs` on a generated vmware.log of
# SIZE_MB (default 2048 = 2 GiB), built by repeating the corpus logs (real
# line mix: all four prefixes but 25H2, DICT dumps, device and guest
# messages).  Prints throughput and peak RSS (/usr/bin/time -v); the
# numbers go to docs/logs.md.
#   bench/logs_bench.sh [SIZE_MB]      VMXGUARD=path/to/vmxguard to pick a build
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=${1:-2048}
bin=${VMXGUARD:-$here/build/vmxguard}
corpus="$here/../shared/corpus/vmware-log"
[ -x "$bin" ] || { echo "no $bin: run 'make build' or set VMXGUARD" >&2; exit 2; }
[ -d "$corpus" ] || { echo "corpus missing: $corpus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (Debian package 'time')" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vg_logs_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$work/vmware.log"

# one ~9 MB block of every corpus log, then doubled until big enough
cat "$corpus"/*.log >"$work/block"
want=$((size_mb * 1024 * 1024))
cp "$work/block" "$log"
while [ "$(stat -c %s "$log")" -lt "$want" ]; do
    cat "$log" "$log" >"$work/next" && mv "$work/next" "$log"
done
truncate -s "$want" "$log"
bytes=$(stat -c %s "$log")
echo "input: $bytes bytes, $(wc -l <"$log") lines; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$log" >/dev/null # warm the page cache: measure parsing, not the disk

for fmt in text json; do
    /usr/bin/time -v "$bin" logs --format "$fmt" "$log" >"$work/out" 2>"$work/time" || true
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time")
    user=$(awk -F': ' '/User time/ {print $2}' "$work/time")
    sys=$(awk -F': ' '/System time/ {print $2}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    # CPU time is what one core spends; wall time also counts waiting for a
    # busy machine (CI runners, parallel builds), so both are printed
    mbps=$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.0f", b / 1048576 / (s > 0 ? s : 1e-9)}')
    cpu=$(awk -v b="$bytes" -v u="$user" -v s="$sys" 'BEGIN {t = u + s; printf "%.0f", b / 1048576 / (t > 0 ? t : 1e-9)}')
    echo "format $fmt: ${secs}s wall (${mbps} MiB/s), ${user}s user + ${sys}s sys (${cpu} MiB/s of one core), peak RSS ${rss} KiB"
done
grep -E '^  (findings|log )' "$work/out" 2>/dev/null | head -3 || true
