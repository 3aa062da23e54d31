#!/usr/bin/env bash
# vmxguard explain: by catalog id, by a baseline's id or ref, by .vmx key,
# and a user's own profile (--profile-file) shows up among the baselines.
set -u
V=${VMXGUARD:?VMXGUARD not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for q in isolation-tools-copy-disable VMCH-80-000189 V-258703 'CIS 7.18' isolation.tools.copy.disable \
         ISOLATION.TOOLS.COPY.DISABLE isolation.tools.copy.enable; do
    out=$("$V" explain "$q") || fail "explain '$q' exited $?"
    head -1 <<<"$out" | grep -q '^isolation-tools-copy-disable: ' || fail "explain '$q' resolved to: $(head -1 <<<"$out")"
done
out=$("$V" explain isolation-tools-copy-disable)
grep -q 'legacy: *isolation.tools.copy.enable' <<<"$out" || fail "legacy spelling missing"
grep -Eq '4\.1 - now +TRUE' <<<"$out" || fail "default per version missing"
grep -q 'needs a power off and power on' <<<"$out" || fail "cold start note missing"
grep -Eq 'disa-vsphere8-vm +VMCH-80-000189 +eq true +absent passes +low' <<<"$out" || fail "DISA 8 line"
grep -Eq 'disa-vsphere7-vm +VMCH-70-000001 +eq true +absent fails +low' <<<"$out" || fail "DISA 7 line"

out=$("$V" explain serial3.present) || fail "explain serial3.present"
head -1 <<<"$out" | grep -q '^serial-present: ' || fail "device key pattern not resolved"

out=$("$V" explain ft-encryption)
grep -q 'none known: not applicable to a .vmx file' <<<"$out" || fail "FT encryption .vmx note"

out=$("$V" explain svga.vgaOnly)
grep -q 'deprecated:' <<<"$out" || fail "deprecation note missing"

# vm-8.remove-unnecessary-devices names seven device rules
n=$("$V" explain vm-8.remove-unnecessary-devices | grep -c '^[a-z0-9-]*: ')
[ "$n" -eq 7 ] || fail "remove-unnecessary-devices resolved to $n rules"

cat > "$tmp/site.yaml" <<'YAML'
profile:
  id: my-site
  title: Site baseline
  source: Site security policy
  version: "2025.1"
  rules:
    - rule: log-rotatesize
      source_id: SITE-7
      cmp: eq
      value: "4096000"
      absent: fail
      severity: high
YAML
out=$("$V" explain --profile-file "$tmp/site.yaml" log-rotatesize) || fail "explain with profile file"
grep -Eq 'my-site +SITE-7 +eq 4096000 +absent fails +high' <<<"$out" || fail "user profile not shown"
out=$("$V" profiles --profile-file "$tmp/site.yaml") || fail "profiles with profile file"
grep -Eq '^my-site +2025.1 ' <<<"$out" || fail "user profile not listed"
# what no source of a release confirmed is said, in explain and in HDF
out=$("$V" explain VCFV-9X-000200) || fail "explain VCFV-9X-000200"
grep -A6 '^    vcf9-stig-readiness-y26m05 ' <<<"$out" | grep -q 'unverified: stig_id, group_id' ||
    fail "explain does not say what Y26M05 left unverified"
grep -A6 '^    vcf9-stig-readiness-y26m09 ' <<<"$out" | grep -q 'unverified: stig_id' &&
    fail "explain calls Y26M09's verified ids unverified"
"$V" audit --profile vcf9-stig-readiness-y26m05 --format hdf -o "$tmp/a.hdf" \
    "$VG_SOURCE_DIR/examples/datastore1" >/dev/null 2>&1
python3 - "$tmp/a.hdf" <<'PY' || fail "HDF lacks the unverified tags"
import json, sys
d = json.load(open(sys.argv[1]))
tags = [c['tags'] for p in d['profiles'] if p['name'] == 'vcf9-stig-readiness-y26m05'
        for c in p['controls']]
assert tags and all('rid' in t for t in tags), 'no STIG tags'
assert sum(1 for t in tags if 'stig_id' in t.get('unverified', [])) >= 20, 'unverified missing'
PY
exit 0
