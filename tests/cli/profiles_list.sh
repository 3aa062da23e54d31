#!/usr/bin/env bash
# vmxguard profiles: lists every public profile id with its rule counts, and
# show/diff print the expected values and the baseline's own ids.
set -u
V=${VMXGUARD:?VMXGUARD not set}
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$V" profiles) || fail "profiles exited $?"
for id in disa-vsphere8-vm disa-vsphere7-vm disa-vsphere6.7-vm disa-vsphere6.5-vm disa-vsphere6-vm \
          disa-esxi5-vm disa-esx3 vcf9-stig-readiness vmware-scg-8 vmware-scg-7 vmware-scg-6.7 \
          vmware-scg-6.5 vmware-hg-6.0 vmware-hg-5.5 vmware-hg-5.1 vmware-hg-5.0 vmware-hg-4.1 \
          vmware-hg-4.0 vmware-vi3.5 vcf-scg-9.0 vcf-scg-9.1 cis-esxi-8 cis-esxi-7 cis-esxi-6.7 \
          cis-esxi-6.5 cis-esxi-5.5 cis-esxi-5.1 seed-2009; do
    grep -q "^$id " <<<"$out" || fail "profile $id not listed"
done
# disa-vsphere8-vm: 27 entries, 25 automated, 2 manual (the ESXi host rules)
grep -Eq '^disa-vsphere8-vm +V2R1 +2024-08-01 +27 +25 +2 +0 ' <<<"$out" || fail "disa-vsphere8-vm counts: $(grep disa-vsphere8 <<<"$out")"
grep -q 'Default profile: disa-vsphere8-vm' <<<"$out" || fail "default profile not named"

out=$("$V" profiles show disa-vsphere8-vm) || fail "show exited $?"
grep -Eq '^VMCH-80-000189 +isolation-tools-copy-disable +eq true +absent passes +low \(CAT III \(low\)\)' <<<"$out" \
    || fail "show: copy rule line wrong"
grep -Eq '^VMCH-80-000195 +remotedisplay-maxconnections +eq 1 +absent fails' <<<"$out" || fail "show: maxConnections"
grep -q 'key: tools.setinfo.sizeLimit' <<<"$out" || fail "show: DISA spelling of the setinfo key"

out=$("$V" profiles show seed-2009) || fail "show seed exited $?"
grep -q 'isolation.tools.copy.enable = false, a key VMware never had' <<<"$out" || fail "seed correction note missing"

out=$("$V" profiles diff cis-esxi-8 disa-vsphere8-vm) || fail "diff exited $?"
grep -Eq '^~ log-rotatesize +eq 1024000, absent fails' <<<"$out" || fail "diff: rotateSize A side"
grep -Eq '^ +eq 2048000, absent passes' <<<"$out" || fail "diff: rotateSize B side"
grep -Eq '^- isolation-device-edit-disable ' <<<"$out" || fail "diff: rule only in CIS"
grep -Eq '^\+ host-settings-file-empty ' <<<"$out" || fail "diff: rule only in DISA"

"$V" profiles diff disa-vsphere8-vm disa-vsphere8-vm | grep -q '0 only in disa-vsphere8-vm, 0 only in disa-vsphere8-vm, 0 differ' \
    || fail "a profile must not differ from itself"
exit 0
