#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind), stable on a noisy machine:
# start-up, cost per VM by output format, linearity in N, and growth with
# the number of rules.  Prints Markdown tables for docs/performance.md.
#
#   bash bench/callgrind.sh [VMXGUARD]   (default: build-bench/vmxguard)
#
# Datastores: bench/gen_datastore.py --seed 7 with 1, 200 and 2,000 VMs in
# $BENCH_DIR (default /tmp/vmxguard-bench).  Per VM = (Ir(N) - Ir(1)) / (N - 1),
# so the one-time start-up drops out.  --jobs 1: the same work on any machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vg=${1:-$top/build-bench/vmxguard}
BENCH_DIR=${BENCH_DIR:-/tmp/vmxguard-bench}
command -v valgrind >/dev/null || { echo "valgrind missing (apt-get install valgrind)" >&2; exit 1; }
[ -x "$vg" ] || { echo "no vmxguard at $vg (bash bench/run.sh builds one)" >&2; exit 1; }
for n in 1 200 2000; do
    d=$BENCH_DIR/cg$n
    [ -f "$d/.complete" ] || { rm -rf "$d"; python3 "$top/bench/gen_datastore.py" "$d" "$n" --seed 7 >/dev/null; touch "$d/.complete"; }
done
# ir ARGS...: instructions of one run of vmxguard (exit 1 = findings, fine)
ir() {
    { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$vg" "$@" 2>&1 >/dev/null || true; } |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_vm() { echo $(( ($2 - $1) / ($3 - 1) )); }
fmt() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

echo "| run (--jobs 1) | 1 VM | 200 VMs | 2,000 VMs | per VM (200) | per VM (2,000) |"
echo "|---|---:|---:|---:|---:|---:|"
for args in "--format text" "--format csv" "--format json" "--format text --no-folder-evidence"; do
    # shellcheck disable=SC2086
    a=$(ir audit --jobs 1 $args "$BENCH_DIR/cg1") b=$(ir audit --jobs 1 $args "$BENCH_DIR/cg200") \
        c=$(ir audit --jobs 1 $args "$BENCH_DIR/cg2000")
    echo "| \`audit $args\` | $(fmt "$a") | $(fmt "$b") | $(fmt "$c") | $(fmt "$(per_vm "$a" "$b" 200)") | $(fmt "$(per_vm "$a" "$c" 2000)") |"
done
echo
echo "| rules (\`--format csv\`, 200 VMs) | results per VM | per VM | per result |"
echo "|---|---:|---:|---:|"
for profiles in "disa-vsphere8-vm" "disa-vsphere8-vm disa-vsphere7-vm vmware-scg-8 cis-esxi-8 vcf-scg-9.1"; do
    p=()
    for x in $profiles; do p+=(-p "$x"); done
    a=$(ir audit --jobs 1 --format csv "${p[@]}" "$BENCH_DIR/cg1")
    b=$(ir audit --jobs 1 --format csv "${p[@]}" "$BENCH_DIR/cg200")
    rows=$("$vg" audit --format csv "${p[@]}" "$BENCH_DIR/cg1" 2>/dev/null | tail -n +2 | wc -l || true)
    v=$(per_vm "$a" "$b" 200)
    echo "| ${profiles// / + } (+ vm-folder-evidence) | $rows | $(fmt "$v") | $(fmt $(( v / rows ))) |"
done
echo
echo "Start-up (one VM, \`audit --format text\`): $(fmt "$(ir audit "$BENCH_DIR/cg1")") instructions;" \
     "\`--version\`: $(fmt "$(ir --version)")."
echo
# Per VM by estate shape (gen_datastore.py --shape, --seed 7): 20 and 200 VMs.
echo "| shape (\`audit --format text\`) | per VM |"
echo "|---|---:|"
for shape in default wide deep biglogs fewkeys manykeys; do
    for n in 20 200; do
        d=$BENCH_DIR/cgshape-$shape-$n
        [ -f "$d/.complete" ] || { rm -rf "$d"; python3 "$top/bench/gen_datastore.py" "$d" "$n" --seed 7 --shape "$shape" >/dev/null; touch "$d/.complete"; }
    done
    a=$(ir audit --jobs 1 "$BENCH_DIR/cgshape-$shape-20") b=$(ir audit --jobs 1 "$BENCH_DIR/cgshape-$shape-200")
    echo "| $shape | $(fmt $(( (b - a) / 180 ))) |"
done
