#!/usr/bin/env bash
# Every profile that stands for a STIG writes checklists holding exactly that
# STIG's rules, read back by STIG Manager's parser (comment-required
# settings, statuses equal to the JSON report's, reviews submitted), with
# DISA's identifiers: every rule a CCI, a group id, a rule id with its
# revision.  The counts are the number of Groups in DISA's XCCDF (readiness
# guides: VMware's control count), not read from vmxguard's own data.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
need "$consumers/node_modules/@nuwcdivnpt/stig-manager-client-modules"
: "${VMXGUARD:?}"
# one VM with findings keeps the test short (30 checklists, one node each)
ex=$VG_SOURCE_DIR/examples/datastore1/db01
# profile  rules in its STIG  rule id shape
table="disa-vsphere8-vm 25 ^SV-[0-9]+r[0-9]+_rule$
disa-vsphere7-vm 28 ^SV-[0-9]+r[0-9]+_rule$
disa-vsphere6.7-vm 25 ^SV-[0-9]+r[0-9]+_rule$
disa-vsphere6.5-vm 40 ^SV-[0-9]+r[0-9]+_rule$
disa-vsphere6-vm 43 ^SV-[0-9]+r[0-9]+_rule$
disa-esxi5-vm 52 ^SV-[0-9]+r[0-9]+_rule$
disa-esx3 7 ^SV-[0-9]+r[0-9]+_rule$
vcf9-stig-readiness 25 ^SV-VCFV-9X-[0-9]{6}$
vcf9-stig-readiness-y26m05 25 ^SV-VCFV-9X-[0-9]{6}$
vcf9-stig-readiness-y26m09 25 ^SV-VCFV-9X-[0-9]{6}$"
n=0
while read -r prof count shape; do
    d=$work/$prof
    mkdir -p "$d"
    "$VMXGUARD" audit "$ex" -p "$prof" --no-folder-evidence --format json -o "$d/run.json" \
        >/dev/null 2>&1 || [ -s "$d/run.json" ] || fail "$prof: no json report"
    for fmt in ckl cklb xccdf; do
        "$VMXGUARD" audit "$ex" -p "$prof" --format "$fmt" --output-dir "$d/$fmt" >/dev/null 2>&1 ||
            ls "$d/$fmt"/* >/dev/null 2>&1 || fail "$prof: no $fmt written"
        for f in "$d/$fmt"/*; do
            node "$consumers/stig_readback.mjs" "$fmt" "$f" "$d/run.json" "$count" >/dev/null ||
                fail "$prof: $f"
            n=$((n + 1))
        done
    done
    f=$(ls "$d"/ckl/*.ckl | head -1)
    # no rule of another benchmark (the ESXi host rules of disa-vsphere8-vm)
    if grep -q '<ATTRIBUTE_DATA>ESXI-' "$f"; then fail "$prof: an ESXi rule is in the VM checklist"; fi
    vulns=$(grep -c '<VULN>' "$f")
    ccis=$(grep -c '<VULN_ATTRIBUTE>CCI_REF</VULN_ATTRIBUTE>' "$f" || true)
    [ "$vulns" -eq "$count" ] || fail "$prof: $vulns VULNs, the STIG has $count rules"
    # ESX 3's STIG predates CCIs (IA controls only); every later rule cites one
    if [ "$prof" != disa-esx3 ] && [ "$ccis" -ne "$count" ]; then
        fail "$prof: $ccis CCI_REF for $count rules"
    fi
    if [ "$prof" != disa-esx3 ]; then
        g=$(ls "$d"/cklb/*.cklb | head -1)
        node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
            const r=c.stigs[0].rules; if (r.length!==+process.argv[2] || r.some(x=>!x.ccis.length||!/^CCI-/.test(x.ccis[0])))
            { console.error(`${r.length} rules, some without ccis`); process.exit(1) }' "$g" "$count" ||
            fail "$prof: $g lacks ccis"
    fi
    bad=$(grep -A1 '<VULN_ATTRIBUTE>Rule_ID</VULN_ATTRIBUTE>' "$f" | sed -n 's/.*<ATTRIBUTE_DATA>\(.*\)<\/ATTRIBUTE_DATA>.*/\1/p' |
        grep -Evc "$shape" || true)
    [ "$bad" -eq 0 ] || fail "$prof: $bad Rule_IDs without the published shape $shape"
done <<<"$table"
# the ESXi host rules still appear in the other formats' results
grep -q '"ESXI-80-000236"' "$work/disa-vsphere8-vm/run.json" ||
    fail "ESXI-80-000236 missing from the json report"
echo "ok: $n checklists of $(wc -l <<<"$table") STIG profiles hold exactly their STIG's rules"
