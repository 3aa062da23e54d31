#!/usr/bin/env bash
# `vmxguard explain` shows each STIG entry's published ids, its CCIs and the
# NIST SP 800-53 controls they map to, and says when a rule belongs to
# another benchmark than the profile's checklist (the ESXi host rules).
set -euo pipefail
: "${VMXGUARD:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$VMXGUARD" explain VMCH-80-000189)
grep -q 'STIG: V-258703 SV-258703r959010_rule, SRG-OS-000480-VMM-002000, V2R1 of VMW_vSphere_8.0_Virtual_Machine_STIG$' <<<"$out" ||
    fail "explain VMCH-80-000189 lacks the STIG ids: $out"
grep -q 'CCI: CCI-000366 -> NIST SP 800-53: CM-6 b$' <<<"$out" || fail "explain lacks CCI and NIST"
# legacy ids of an older STIG
"$VMXGUARD" explain VMCH-65-000001 | grep -q 'legacy ids: SV-104393 V-94563' ||
    fail "explain VMCH-65-000001 lacks its legacy ids"
out=$("$VMXGUARD" explain ESXI-80-000236)
grep -q 'SV-258791r959010_rule.*not in this profile.s checklists' <<<"$out" ||
    fail "explain ESXI-80-000236 does not say it is outside the VM checklist: $out"
# the readiness guides' pseudo ids, without a revision
"$VMXGUARD" explain VCFV-9X-000181 | grep -q 'STIG: V-VCFV-9X-000181 SV-VCFV-9X-000181, .*V1R3 of' ||
    fail "explain VCFV-9X-000181 lacks the Y26M09 release"
echo "ok: explain shows STIG ids, CCIs and NIST controls"
