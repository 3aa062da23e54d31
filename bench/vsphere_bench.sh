#!/usr/bin/env bash
# vsphere_bench.sh - end-to-end vSphere fetch benchmark (not a test).
#
# Starts vcsim with N VMs (HTTPS with a generated CA, verified by every
# client), gives each VM ~20 hardening extraConfig keys with the lab's
# populate_extraconfig.py, then measures in the same run, R times each:
#   vmxguard audit (fetch + audit + JSON report) with the default 4
#   parallel sessions and with 1, vmxguard vsphere show (fetch only) with
#   1, 2, 4 and 8 sessions, govc object.collect with 3 properties and with
#   vmxguard's 16, govc vm.info -e -json, and the lab's pyvmomi script -
#   wall time, client CPU (user+sys), vcsim CPU during the run, peak RSS.
# Prints a markdown table (median and best of R runs) to stdout; the load
# average goes to stderr, since vcsim shares the CPUs with the clients.
# -e ENVFILE reuses a running, populated vcsim (its vcsim.env) instead of
# starting one; -q skips govc vm.info (about 100 s and 2 GiB per run).
#
# usage: bench/vsphere_bench.sh [-n VMS] [-k KEYS] [-r RUNS] [-b VMXGUARD] [-e ENV] [-q]
# env:   VG_SHARED_DIR (default: ../shared beside the repo), VCSIM_PREFIX
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
LAB=${VG_SHARED_DIR:-$here/../shared}/lab/vcsim
PREFIX=${VCSIM_PREFIX:-/opt/vcsim}
VMS=10000 KEYS=25 RUNS=3 BIN=$here/build/vmxguard ENVFILE= QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
    -n) VMS=$2; shift 2 ;;
    -k) KEYS=$2; shift 2 ;;
    -r) RUNS=$2; shift 2 ;;
    -b) BIN=$2; shift 2 ;;
    -e) ENVFILE=$2; shift 2 ;;
    -q) QUICK=1; shift ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
done
[ -x "$BIN" ] || { echo "build vmxguard first (make build) or pass -b PATH" >&2; exit 1; }
work=$(mktemp -d)
if [ -n "$ENVFILE" ]; then
    trap 'rm -rf "$work"' EXIT
    . "$ENVFILE"
    echo "# vSphere fetch benchmark: running vcsim $VCSIM_URL, $(nproc) CPUs," \
         "$(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
else
    bash "$here/scripts/setup.d/vsphere.sh"
    trap 'bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    echo "# vSphere fetch benchmark: $VMS VMs, $(nproc) CPUs, $(date -u +%FT%TZ)," \
         "load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    bash "$LAB/start.sh" -n "$VMS" -d "$work/vc" --gen-cert --timeout 1800 >/dev/null
    . "$work/vc/vcsim.env"
    echo "vcsim ready in ${VCSIM_READY_SECS}s; populating $KEYS keys per VM" >&2
    /usr/bin/python3 "$LAB/populate_extraconfig.py" --url "$VCSIM_URL" --insecure \
        --keys "$KEYS" --threads 4 >&2
fi
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
export VMXGUARD_USER=user VMXGUARD_PASSWORD=pass GOVC_TLS_CA_CERTS=$VCSIM_CA_FILE GOVC_INSECURE=0
VMXGUARD_VSPHERE_SESSIONS=1 "$BIN" vsphere show --cacert "$VCSIM_CA_FILE" \
    "vsphere://127.0.0.1:$PORT" > "$work/one"
VMXGUARD_VSPHERE_SESSIONS=4 "$BIN" vsphere show --cacert "$VCSIM_CA_FILE" \
    "vsphere://127.0.0.1:$PORT" > "$work/four"
cmp -s "$work/one" "$work/four" || { echo "1 and 4 sessions give different output" >&2; exit 1; }
entries=$(grep -c -v '^#' "$work/one")
echo "settings seen by vmxguard: $entries (extraConfig + synthesised device keys)," \
     "identical with 1 and 4 sessions" >&2

vcsim_cpu() { awk '{print $14 + $15}' "/proc/$VCSIM_PID/stat"; } # clock ticks

measure() { # label, command... -> "label|median wall|best wall|cpu|vcsim cpu|rss|load"
    local label=$1; shift
    local hz; hz=$(getconf CLK_TCK)
    for _ in $(seq "$RUNS"); do
        local before; before=$(vcsim_cpu)
        # exit 1 = audit findings, which is the expected outcome here
        /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > /dev/null 2> "$work/err" ||
            [ $? = 1 ] || { echo "$label failed:" >&2; cat "$work/err" >&2; }
        local after; after=$(vcsim_cpu)
        read -r wall usr sys rss < <(tail -n1 "$work/t")
        echo "$wall $(awk -v u="$usr" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" \
             "$(awk -v a="$before" -v b="$after" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')" \
             "$((rss / 1024)) $(cut -d' ' -f1 /proc/loadavg)"
    done | sort -n | awk -v n="$RUNS" -v l="$label" 'NR == 1 {best = $1}
        NR == int((n + 1) / 2) {printf "%s|%s|%s|%s|%s|%s|%s\n", l, $1, best, $2, $3, $4, $5}'
}

VG=("$BIN")
CA=(--cacert "$VCSIM_CA_FILE" "vsphere://127.0.0.1:$PORT")
PROPS16=(name config.extraConfig config.version config.uuid config.instanceUuid
         config.files.vmPathName config.template config.managedBy config.guestId
         runtime.powerState runtime.host config.hardware.device config.flags.enableLogging
         config.migrateEncryption config.ftEncryptionMode config.bootOptions.efiSecureBootEnabled)
{
measure "vmxguard audit -f json, 4 sessions (default)" "${VG[@]}" audit -f json -o /dev/null "${CA[@]}"
measure "vmxguard audit -f json, 1 session" env VMXGUARD_VSPHERE_SESSIONS=1 \
    "${VG[@]}" audit -f json -o /dev/null "${CA[@]}"
for s in 1 2 4 8; do
    measure "vmxguard vsphere show (fetch only, 16 properties), $s session(s)" \
        env VMXGUARD_VSPHERE_SESSIONS=$s "${VG[@]}" vsphere show "${CA[@]}"
done
measure "govc object.collect, the same 16 properties" \
    "$PREFIX/bin/govc" object.collect -json -type m / "${PROPS16[@]}"
measure "govc object.collect, 3 properties (name runtime.powerState config.extraConfig)" \
    "$PREFIX/bin/govc" object.collect -json -type m / name runtime.powerState config.extraConfig
[ "$QUICK" = 1 ] ||
    RUNS=1 measure "govc vm.info -e -json (all VMs, 1 run)" "$PREFIX/bin/govc" vm.info -e -json '/DC0/vm/*'
measure "pyvmomi 6.7.1 (lab script, maxObjects=1000)" /usr/bin/python3 \
    "$LAB/pyvmomi_extraconfig.py" --url "$VCSIM_URL" --cafile "$VCSIM_CA_FILE" --page 1000 --summary
} > "$work/rows"

echo "| client | wall s (median) | wall s (best) | client CPU s | vcsim CPU s | peak RSS MiB | load |"
echo "|---|---:|---:|---:|---:|---:|---:|"
tr '|' '\t' < "$work/rows" |
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
