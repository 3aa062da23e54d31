#!/usr/bin/env bash
# HTML report at estate scale (not part of make check):
#   bench/html_bench.sh [N] [BUILD_DIR]      N defaults to 100000
# Generates N VMs with gen_datastore.py (25,000 generated, hard-linked to
# N), audits them into one HTML page, and opens it in headless Chromium;
# prints the page size, the audit+write time, the page's own time to ready
# (data-ready: ms since navigation when the lists are drawn) and the wall
# time of the whole Chromium run.
set -euo pipefail
N=${1:-100000}
build=${2:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
vmx=$build/vmxguard
[ -x "$vmx" ] || { echo "no $vmx: build first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vg-html-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
part=$((N < 25000 ? N : 25000))
python3 "$src/bench/gen_datastore.py" "$work/gen" "$part" >/dev/null
i=0
while [ $((i * part)) -lt "$N" ]; do cp -al "$work/gen" "$work/ds/p$i" 2>/dev/null ||
    { mkdir -p "$work/ds"; cp -al "$work/gen" "$work/ds/p$i"; }; i=$((i + 1)); done
t0=$(date +%s.%N)
"$vmx" audit "$work/ds" --format html -o "$work/report.html" >/dev/null 2>&1 || [ $? -le 1 ]
t1=$(date +%s.%N)
timeout 300 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1280,900 --dump-dom \
    "file://$work/report.html" >"$work/dom.html" 2>/dev/null
t2=$(date +%s.%N)
ready=$(grep -o ' data-ready="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || echo none)
shown=$(grep -o 'id="findings-shown"[^>]*>[^<]*' "$work/dom.html" | sed 's/.*>//')
printf 'VMs %d (%s)\npage %d bytes\naudit+write %.1f s\nready %s ms after navigation\nchromium wall %.1f s\n' \
    "$((i * part))" "$shown" "$(stat -c %s "$work/report.html")" \
    "$(echo "$t1 - $t0" | bc)" "$ready" "$(echo "$t2 - $t1" | bc)"
