#!/usr/bin/env bash
# vsphere_bench.sh - end-to-end vSphere fetch benchmark (not a test).
#
# Starts vcsim with N VMs (HTTPS with a generated CA, verified by every
# client), gives each VM ~20 hardening extraConfig keys with the lab's
# populate_extraconfig.py, then measures in the same run, R times each:
#   vmxguard audit (fetch + audit + JSON report), vmxguard vsphere show
#   (fetch only), govc object.collect and govc vm.info -e -json, and the
#   lab's pyvmomi script - wall time, client CPU (user+sys), peak RSS.
# Prints a markdown table (median and best of R runs) to stdout; the load
# average goes to stderr, since vcsim shares the CPUs with the clients.
#
# usage: bench/vsphere_bench.sh [-n VMS] [-k KEYS] [-r RUNS] [-b VMXGUARD]
# env:   VG_SHARED_DIR (default: ../shared beside the repo), VCSIM_PREFIX
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
LAB=${VG_SHARED_DIR:-$here/../shared}/lab/vcsim
PREFIX=${VCSIM_PREFIX:-/opt/vcsim}
VMS=10000 KEYS=25 RUNS=3 BIN=$here/build/vmxguard
while [ $# -gt 0 ]; do
    case "$1" in
    -n) VMS=$2; shift 2 ;;
    -k) KEYS=$2; shift 2 ;;
    -r) RUNS=$2; shift 2 ;;
    -b) BIN=$2; shift 2 ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
    esac
done
[ -x "$BIN" ] || { echo "build vmxguard first (make build) or pass -b PATH" >&2; exit 1; }
bash "$here/scripts/setup.d/vsphere.sh"
work=$(mktemp -d)
trap 'bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "# vSphere fetch benchmark: $VMS VMs, $(nproc) CPUs, $(date -u +%FT%TZ)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bash "$LAB/start.sh" -n "$VMS" -d "$work/vc" --gen-cert --timeout 1800 >/dev/null
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
echo "vcsim ready in ${VCSIM_READY_SECS}s; populating $KEYS keys per VM" >&2
/usr/bin/python3 "$LAB/populate_extraconfig.py" --url "$VCSIM_URL" --insecure --keys "$KEYS" \
    --threads 4 >&2
export VMXGUARD_USER=user VMXGUARD_PASSWORD=pass GOVC_TLS_CA_CERTS=$VCSIM_CA_FILE GOVC_INSECURE=0
entries=$("$BIN" vsphere show --cacert "$VCSIM_CA_FILE" "vsphere://127.0.0.1:$PORT" | grep -c -v '^#')
echo "settings seen by vmxguard: $entries (extraConfig + synthesised device keys)" >&2

measure() { # label, command... -> "label|median wall|best wall|cpu|rss" (median run by wall)
    local label=$1; shift
    for _ in $(seq "$RUNS"); do
        # exit 1 = audit findings, which is the expected outcome here
        /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > /dev/null 2> "$work/err" ||
            [ $? = 1 ] || { echo "$label failed:" >&2; cat "$work/err" >&2; }
        read -r wall usr sys rss < <(tail -n1 "$work/t")
        echo "$wall $(awk -v u="$usr" -v s="$sys" 'BEGIN{printf "%.2f", u+s}') $((rss / 1024))"
    done | sort -n | awk -v n="$RUNS" -v l="$label" 'NR == 1 {best = $1}
        NR == int((n + 1) / 2) {printf "%s|%s|%s|%s|%s\n", l, $1, best, $2, $3}'
}

{
measure "vmxguard audit -f json (fetch+audit+report)" "$BIN" audit -f json -o /dev/null \
    --cacert "$VCSIM_CA_FILE" "vsphere://127.0.0.1:$PORT"
measure "vmxguard vsphere show (fetch only, all audit properties)" "$BIN" vsphere show \
    --cacert "$VCSIM_CA_FILE" "vsphere://127.0.0.1:$PORT"
measure "govc object.collect -type m name runtime.powerState config.extraConfig" \
    "$PREFIX/bin/govc" object.collect -json -type m / name runtime.powerState config.extraConfig
RUNS=1 measure "govc vm.info -e -json (all VMs, 1 run)" "$PREFIX/bin/govc" vm.info -e -json '/DC0/vm/*'
measure "pyvmomi 6.7.1 (lab script, maxObjects=1000)" /usr/bin/python3 \
    "$LAB/pyvmomi_extraconfig.py" --url "$VCSIM_URL" --cafile "$VCSIM_CA_FILE" --page 1000 --summary
} > "$work/rows"

echo "| client | wall s (median) | wall s (best) | client CPU s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
tr '|' '\t' < "$work/rows" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}'
