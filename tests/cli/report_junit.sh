#!/usr/bin/env bash
# JUnit against the schema Jenkins' xunit plugin validates with
# (tests/consumers/junit-10.xsd, vendored with its origin): the fixture and
# the CLI's report over the examples (with an input problem) validate, the
# .vmx location is in system-out, and classname+name is unique (GitLab
# drops duplicates).  A testcase with a file attribute is rejected, so the
# check can fail.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
xsd=$consumers/junit-10.xsd
command -v xmllint >/dev/null || fail "xmllint missing (libxml2-utils)"
for d in $(sample_dirs junit); do
    xmllint --noout --schema "$xsd" "$d/fixture.junit" 2>"$work/err" || { cat "$work/err" >&2; fail "$d/fixture.junit"; }
done
"$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1" "$work/missing.vmx" -q -f junit -o "$work/p.xml" \
    2>/dev/null || true
xmllint --noout --schema "$xsd" "$work/p.xml" 2>"$work/err" || { cat "$work/err" >&2; fail "junit with a problem"; }
grep -q 'name="vmxguard inputs"' "$work/p.xml" || fail "no inputs suite for the missing file"
grep -q '<system-out>file: .*/db01.vmx:38</system-out>' "$work/p.xml" || fail "location not in system-out"
dups=$(python3 -c '
import sys, collections, xml.etree.ElementTree as ET
c = collections.Counter((t.get("classname"), t.get("name")) for t in ET.parse(sys.argv[1]).iter("testcase"))
print(sum(1 for n in c.values() if n > 1))' "$work/p.xml")
[ "$dups" -eq 0 ] || fail "$dups duplicate classname+name pairs"
sed '0,/<testcase /s//<testcase file="x.vmx" /' "$work/p.xml" > "$work/bad.xml"
if xmllint --noout --schema "$xsd" "$work/bad.xml" 2>/dev/null; then
    fail "the schema accepted a testcase file attribute"
fi
echo "ok: junit validates against the xunit plugin's junit-10.xsd"
