#!/usr/bin/env bash
# watch_bench.sh - `vmxguard watch` on a large vcsim estate (not a test).
#
# Starts vcsim with N VMs (plain HTTP on loopback: TLS is not what is
# measured), gives each VM ~K hardening extraConfig keys with the lab's
# populate_extraconfig.py, starts one `vmxguard watch` and measures:
#   - the plain audit of the estate (audit -f json), then the watch's
#     baseline: wall time (as the watch reports it), RSS and CPU after it;
#   - C VMs changed one after the other with govc
#     (RemoteDisplay.maxConnections=1, a key the population leaves unset, so
#     every change turns a failing result into a passing one), waiting for
#     the event each time: the watch's and vcsim's CPU per change, and the
#     latency from vcsim's VmReconfiguredEvent to the watch's event (median
#     and 95th percentile);
#   - RSS after a quarter, half and all of the changes, and after IDLE
#     seconds with nothing happening (WaitForUpdatesEx cycles only): memory
#     must stay flat, whatever the number of changes or the time watched.
# Prints a markdown table to stdout; progress and the load average go to
# stderr (vcsim shares the CPUs and does most of the work per change).
#
# usage: bench/watch_bench.sh [-n VMS] [-k KEYS] [-c CHANGES] [-i IDLE] [-b VMXGUARD]
# env:   VG_SHARED_DIR (default: ../shared beside the repo), VCSIM_PREFIX
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
LAB=${VG_SHARED_DIR:-$here/../shared}/lab/vcsim
PREFIX=${VCSIM_PREFIX:-/opt/vcsim}
VMS=10000 KEYS=20 CHANGES=20 IDLE=60 BIN=$here/build/vmxguard
while [ $# -gt 0 ]; do
    case "$1" in
    -n) VMS=$2; shift 2 ;;
    -k) KEYS=$2; shift 2 ;;
    -c) CHANGES=$2; shift 2 ;;
    -i) IDLE=$2; shift 2 ;;
    -b) BIN=$2; shift 2 ;;
    *) sed -n '2,23p' "$0" >&2; exit 2 ;;
    esac
done
[ "$KEYS" -le 21 ] || { echo "-k: at most 21 (the 22nd key is the one changed)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "build vmxguard first (make build) or pass -b PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed (scripts/deps/watch.txt)" >&2; exit 1; }
bash "$here/scripts/setup.d/vsphere.sh"
work=$(mktemp -d)
wpid=
trap '[ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null; bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "# watch benchmark: $VMS VMs, $(nproc) CPUs, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bash "$LAB/start.sh" -n "$VMS" -d "$work/vc" --http --timeout 1800 >/dev/null
. "$work/vc/vcsim.env"
echo "vcsim ready in ${VCSIM_READY_SECS}s; populating $KEYS keys per VM" >&2
/usr/bin/python3 "$LAB/populate_extraconfig.py" --url "$VCSIM_URL" --keys "$KEYS" --threads 4 >&2
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
export VMXGUARD_USER=user VMXGUARD_PASSWORD=pass GOVC_URL=$VCSIM_URL GOVC_INSECURE=1
tck=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$wpid/status"; }
cpu_s() { # pid
    awk -v t="$tck" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"
}
events() { jq -c 'select(.type == "result")' "$work/out" | wc -l; }
wait_events() { # count, seconds
    local end=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(events)" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "no event after ${2}s (have $(events), want $1)" >&2
    return 1
}

# the plain audit of the same estate, for comparison with the baseline
t0=$(date +%s.%N)
"$BIN" audit "http://127.0.0.1:$PORT/sdk" -f json -o /dev/null -q 2> "$work/audit.err" || [ $? = 1 ] ||
    { cat "$work/audit.err" >&2; exit 1; }
audit_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "plain audit: ${audit_s}s" >&2
"$BIN" watch "http://127.0.0.1:$PORT/sdk" --timeout 300 -q > "$work/out" 2> "$work/err" &
wpid=$!
for ((i = 0; i < 3000; i++)); do grep -q '"type":"baseline"' "$work/out" 2>/dev/null && break; sleep 0.2; done
grep -q '"type":"baseline"' "$work/out" || { cat "$work/err" >&2; exit 1; }
base_s=$(jq -r 'select(.type == "baseline") | .seconds' "$work/out" | head -1)
base_vms=$(jq -r 'select(.type == "baseline") | .vms' "$work/out" | head -1)
rss0=$(rss_kb) cpu0=$(cpu_s "$wpid") vc0=$(cpu_s "$VCSIM_PID")
echo "baseline: $base_vms VMs in ${base_s}s, RSS ${rss0} KiB, CPU ${cpu0}s" >&2

clusters=$(( VMS > 1000 ? (VMS + 999) / 1000 : 1 ))
per=$(( VMS / clusters ))
: > "$work/lat"
rss_q= rss_h=
for ((c = 1; c <= CHANGES; c++)); do
    v=$(( (c * 7919) % VMS ))
    vm="/DC0/vm/DC0_C$(( v / per ))_RP0_VM$(( v % per ))"
    before=$(events)
    "$PREFIX/bin/govc" vm.change -vm.ipath "$vm" -e RemoteDisplay.maxConnections=1
    wait_events $((before + 1)) 120
    jq -r 'select(.type == "result") | [.time, .changed_at] | @tsv' "$work/out" | tail -1 |
        python3 -c 'import sys, datetime as d
t, c = sys.stdin.read().split()
f = lambda s: d.datetime.fromisoformat(s.rstrip("Z")[:26])
print((f(t) - f(c)).total_seconds())' >> "$work/lat"
    [ "$c" = $((CHANGES / 4)) ] && rss_q=$(rss_kb)
    [ "$c" = $((CHANGES / 2)) ] && rss_h=$(rss_kb)
done
rss_all=$(rss_kb) cpu1=$(cpu_s "$wpid") vc1=$(cpu_s "$VCSIM_PID")
echo "changes done; idle for ${IDLE}s" >&2
sleep "$IDLE"
rss_idle=$(rss_kb) cpu2=$(cpu_s "$wpid")
kill -TERM "$wpid"
wait "$wpid" && rc=0 || rc=$?
wpid=
[ "$rc" = 0 ] || { echo "watch exited $rc after SIGTERM" >&2; exit 1; }
read -r lat_med lat_p95 < <(sort -n "$work/lat" | awk '{ a[NR] = $1 } END {
    printf "%.3f %.3f\n", a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.999)] }')
cpu_per=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$CHANGES" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }')
vc_per=$(awk -v a="$vc0" -v b="$vc1" -v n="$CHANGES" 'BEGIN { printf "%.0f", (b - a) * 1000 / n }')
idle_cpu=$(awk -v a="$cpu1" -v b="$cpu2" -v s="$IDLE" 'BEGIN { printf "%.2f", (b - a) * 1000 / s }')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "| VMs | plain audit (s) | watch baseline (s) | RSS after baseline | after $((CHANGES / 4)) / $((CHANGES / 2)) / $CHANGES VMs changed | after ${IDLE} s idle | watch CPU per change | vcsim CPU per change | idle CPU | event latency median / p95 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| $base_vms | $audit_s | $(printf '%.2f' "$base_s") | $(mib "$rss0") MiB | $(mib "$rss_q") / $(mib "$rss_h") / $(mib "$rss_all") MiB | $(mib "$rss_idle") MiB | $cpu_per ms | $vc_per ms | $idle_cpu ms/s | $lat_med / $lat_p95 s |"
