#!/usr/bin/env bash
# README and 'vmxguard profiles' agree on how many baselines ship, and a
# mistyped profile id is answered with the same family's nearest version
# (disa-vsphere9-vm -> disa-vsphere8-vm, not disa-vsphere6-vm).
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
foot=$("$VMXGUARD" profiles | tail -n 1)
n_list=$("$VMXGUARD" profiles | sed -n '2,/^$/p' | grep -c '^[a-z]')
n_prof=$(sed -nE 's/^([0-9]+) profiles \(([0-9]+) baselines, ([0-9]+) vmxguard checks\).*/\1 \2 \3/p' <<<"$foot")
[ -n "$n_prof" ] || fail "footer: $foot"
read -r total baselines own <<<"$n_prof"
[ "$total" -eq "$n_list" ] || fail "footer says $total profiles, the table lists $n_list"
[ $((baselines + own)) -eq "$total" ] || fail "footer does not add up: $foot"
readme=$(grep -oE 'the [0-9]+ shipped baselines' "$VG_SOURCE_DIR/README.md" | grep -oE '[0-9]+' | sort -u)
[ -n "$readme" ] || fail "README names no 'the N shipped baselines'"
[ "$(wc -l <<<"$readme")" -eq 1 ] || fail "README gives several counts: $readme"
[ "$readme" -eq "$baselines" ] || fail "README says $readme baselines, 'vmxguard profiles' $baselines"

suggest() { "$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1/web01" -q -p "$1" 2>&1 >/dev/null |
    sed -nE "s/.*did you mean '([^']+)'.*/\1/p"; }
for pair in disa-vsphere9-vm=disa-vsphere8-vm vmware-scg-9=vmware-scg-8 cis-esxi-9=cis-esxi-8 \
            disa-vsphere6.6-vm=disa-vsphere6.7-vm vcf-scg-9.2=vcf-scg-9.1 cis-esxi8=cis-esxi-8 \
            disa-vsphere5-vm=disa-vsphere6-vm; do
    got=$(suggest "${pair%%=*}")
    [ "$got" = "${pair#*=}" ] || fail "${pair%%=*}: suggested '$got', want '${pair#*=}'"
done
got=$("$VMXGUARD" profiles show disa-vsphere9-vm 2>&1 | sed -nE "s/.*did you mean '([^']+)'.*/\1/p")
[ "$got" = disa-vsphere8-vm ] || fail "profiles show disa-vsphere9-vm suggested '$got'"
exit 0
