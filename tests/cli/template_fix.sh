#!/usr/bin/env bash
# vmxguard fix on templates (issue 18): on copies of the fixtures in
# tests/fixtures/templates, --dry-run shows a diff and writes nothing; the
# fix keeps every byte it has no reason to touch (each changed line is a
# hardening key's line, comments and formatting stay); the fixed templates
# audit clean under the default profile; an OVF's manifest follows its new
# digest; an OVA is never changed in place: NAME.vmxguard.ova appears beside
# it (and a second run refuses to overwrite it); a plan JSON is refused.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
cp -r "$VG_SOURCE_DIR/tests/fixtures/templates" "$tmp/t"
rm -rf "$tmp/t/golden"
cd "$tmp/t"
head -c 4096 /dev/zero >appliance-disk1.vmdk
tar cf appliance.ova appliance.ovf appliance.mf appliance-disk1.vmdk
cp -r "$tmp/t" "$tmp/orig"
files="packer-hardened-copy.pkr.hcl packer-legacy.json vsphere-builds.pkr.hcl main.tf appliance.ovf vapp-collection.ovf"

"$VMXGUARD" fix --dry-run $files appliance.ova >"$tmp/dry.out" 2>"$tmp/dry.err"
check "dry run: exit 0 (all fixable), got $?" test $? -eq 0
check "dry run: a diff per file" test "$(grep -c '^+++ ' "$tmp/dry.out")" -ge 8
check "dry run: nothing written" diff -r "$tmp/orig" "$tmp/t"

"$VMXGUARD" fix --yes $files appliance.ova >"$tmp/fix.out" 2>"$tmp/fix.err"
check "fix: exit 0, got $?" test $? -eq 0
for f in $files; do
    # every removed or added line names a key the profile governs
    diff "$tmp/orig/$f" "$f" | grep '^[<>]' >"$tmp/$f.lines"
    check "$f: changed" test -s "$tmp/$f.lines"
    check "$f: only hardening lines changed" \
        bash -c "! grep -viE 'RemoteDisplay|log\\.|logging|pshare|enableHostInfo|copy\\.disable|configuration_parameters|extra_config|^> *[}]' '$tmp/$f.lines'"
    "$VMXGUARD" audit --no-folder-evidence "$f" >"$tmp/$f.audit" 2>&1
    rc=$?
    check "$f: audits clean after the fix (exit $rc)" test "$rc" -eq 0
done
check "comments survive" grep -q '# logging (these three undo the defaults the STIG asks for)' packer-hardened-copy.pkr.hcl
check "alignment kept" grep -q '^    "log.keepold"    = "10"$' packer-hardened-copy.pkr.hcl
check "heredoc untouched" grep -q '^    Do not edit by hand.$' vsphere-builds.pkr.hcl
check "a new map gets the block's indentation" grep -q '^  configuration_parameters = {$' vsphere-builds.pkr.hcl
check "the unknown expression is kept" grep -qF 'base64encode(file("${path.module}/cloud-init.yaml"))' main.tf
check "the manifest follows the descriptor" \
    grep -q "^SHA256(appliance.ovf)= $(sha256sum appliance.ovf | cut -d' ' -f1)$" appliance.mf
check "the manifest's disk line is kept" grep -q '^SHA256(appliance-disk1.vmdk)= ad7f' appliance.mf
check "the OVA is unchanged" cmp -s "$tmp/orig/appliance.ova" appliance.ova
check "a fixed OVA beside it" test -f appliance.vmxguard.ova
"$VMXGUARD" audit --no-folder-evidence appliance.vmxguard.ova >"$tmp/ova.audit" 2>&1
check "the fixed OVA audits clean (manifest checked)" test $? -eq 0
check "the fixed OVA keeps the members in order" \
    test "$(tar tf appliance.vmxguard.ova | tr '\n' ' ')" = "appliance.ovf appliance.mf appliance-disk1.vmdk "
check "the disk is copied as it was" \
    cmp -s <(tar xOf appliance.vmxguard.ova appliance-disk1.vmdk) appliance-disk1.vmdk
"$VMXGUARD" fix --yes appliance.ova >"$tmp/again.out" 2>"$tmp/again.err"
check "a second OVA fix refuses to overwrite" grep -q 'appliance.vmxguard.ova: exists already' "$tmp/again.err"
"$VMXGUARD" fix --yes plan.json >/dev/null 2>"$tmp/plan.err"
check "a plan is refused with a pointer to the .tf" grep -q 'fix the .tf files it was made from' "$tmp/plan.err"
check "the plan is unchanged" cmp -s "$tmp/orig/plan.json" plan.json
# a second fix finds nothing to do
"$VMXGUARD" fix --yes $files >"$tmp/idem.out" 2>&1
check "fixing twice changes nothing" test "$(grep -c ': nothing to change' "$tmp/idem.out")" -eq 6
# a read-only template is left as it was (root may write anything: skipped)
cp "$tmp/orig/main.tf" ro.tf && chmod 0444 ro.tf
if [ "$(id -u)" != 0 ]; then
    "$VMXGUARD" fix --yes ro.tf >/dev/null 2>&1
    check "a read-only .tf is not written" cmp -s "$tmp/orig/main.tf" ro.tf
fi
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all template fix checks passed"
