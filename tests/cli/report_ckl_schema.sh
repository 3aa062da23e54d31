#!/usr/bin/env bash
# ckl validates against DISA's checklist schema (U_Checklist_Schema_V2.xsd,
# the one STIG Viewer 2 ships; vendored in tests/fixtures/stig/ with its
# origin) and cklb against the STIG Viewer 3 shape: vmxguard's own schema
# of the values, and the key set and field links of a real STIG Viewer 3
# file (tests/fixtures/stig/sv3-sample.cklb, origin in its README), for the
# fixture (every status, hostile names) and the CLI's per-VM checklists; a
# checklist broken on purpose is rejected by each, so the checks can fail.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
xsd=$VG_SOURCE_DIR/tests/fixtures/stig/U_Checklist_Schema_V2.xsd
shape=$VG_SOURCE_DIR/tests/fixtures/stig/cklb-shape.schema.json
sv3=$VG_SOURCE_DIR/tests/fixtures/stig/sv3-sample.cklb
need "$xsd"
need "$sv3"
need "$bin/ajv"
command -v xmllint >/dev/null || fail "xmllint missing (libxml2-utils)"
nckl=0
ncklb=0
mkdir -p "$work/cklb-json"
for d in $(sample_dirs ckl cklb); do
    for f in "$d"/ckl/*.ckl; do
        [ -e "$f" ] || continue
        xmllint --noout --schema "$xsd" "$f" 2>"$work/xsd.err" || fail "$f: $(cat "$work/xsd.err")"
        nckl=$((nckl + 1))
    done
    for f in "$d"/cklb/*.cklb; do
        [ -e "$f" ] || continue
        # ajv-cli picks the parser by file name
        g=$work/cklb-json/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f").json
        cp "$f" "$g"
        ncklb=$((ncklb + 1))
    done
done
[ "$nckl" -ge 7 ] || fail "only $nckl ckl files validated"
[ "$ncklb" -ge 7 ] || fail "only $ncklb cklb files checked"
"$bin/ajv" validate --spec=draft7 -s "$shape" -d "$work/cklb-json/*.json" >"$work/ajv.out" 2>&1 ||
    fail "cklb shape: $(grep -v ' valid$' "$work/ajv.out" | head -20)"
node "$consumers/cklb_shape.mjs" "$sv3" "$work"/cklb-json/*.json >"$work/sv3.out" 2>&1 ||
    fail "cklb differs from STIG Viewer 3's: $(head -20 "$work/sv3.out")"
# the checks can fail
f=$(ls "$work"/fixture/ckl/*.ckl | head -1)
sed '0,/<VULN_ATTRIBUTE>Weight</s//<VULN_ATTRIBUTE>Heaviness</' "$f" >"$work/bad.ckl"
if xmllint --noout --schema "$xsd" "$work/bad.ckl" 2>/dev/null; then
    fail "the checklist schema accepted an unknown VULN_ATTRIBUTE"
fi
g=$(ls "$work"/cklb-json/*.json | head -1)
sed '0,/"status": "not_a_finding"/s//"status": "passed"/' "$g" >"$work/bad.json"
cmp -s "$g" "$work/bad.json" && fail "could not break $g"
if "$bin/ajv" validate --spec=draft7 -s "$shape" -d "$work/bad.json" >/dev/null 2>&1; then
    fail "the cklb shape accepted a status STIG Viewer 3 does not write"
fi
# a key of the 2023 files, which STIG Viewer 3 no longer writes, is caught
sed '0,/"overrides": {}/s//"overrides": {}, "createdAt": "2026-01-01T00:00:00.000Z"/' "$g" >"$work/old.json"
cmp -s "$g" "$work/old.json" && fail "could not add a key to $g"
if node "$consumers/cklb_shape.mjs" "$sv3" "$work/old.json" >/dev/null 2>&1; then
    fail "the STIG Viewer 3 comparison accepted a rule key the sample does not have"
fi
echo "ok: $nckl ckl files valid against DISA's schema, $ncklb cklb files have STIG Viewer 3's shape and keys"
