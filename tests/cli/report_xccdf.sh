#!/usr/bin/env bash
# XCCDF results validate against the XCCDF 1.2 schema Debian's openscap
# packages ship, and a broken document is rejected (the check can fail).
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
xsd=/usr/share/openscap/schemas/xccdf/1.2/xccdf_1.2.xsd
need "$xsd"
command -v xmllint >/dev/null || fail "xmllint missing (libxml2-utils)"
n=0
for d in $(sample_dirs xccdf); do
    for f in "$d/fixture.xccdf" "$d"/xccdf/*.xml; do
        [ -e "$f" ] || continue
        xmllint --noout --schema "$xsd" "$f" || fail "$f does not validate"
        n=$((n + 1))
    done
done
[ "$n" -ge 3 ] || fail "only $n xccdf documents were produced"
# A rule-result without its result element must not validate.
sed '0,/<result>[a-z]*<\/result>/s///' "$work/fixture/fixture.xccdf" > "$work/broken.xml"
if xmllint --noout --schema "$xsd" "$work/broken.xml" 2>/dev/null; then
    fail "the schema check accepted a broken document"
fi
echo "ok: $n xccdf documents validate against $xsd"
