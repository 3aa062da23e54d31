#!/usr/bin/env bash
# Golden audits of the template fixtures (issue 18): for each template in
# tests/fixtures/templates, the text report of `vmxguard audit` and the diff
# of `vmxguard fix --dry-run` must equal golden/NAME.audit and
# golden/NAME.fix (run from the fixture folder, so paths are relative).
# VG_GOLDEN_UPDATE=1 rewrites them (then review the diff like code).  Also:
# SARIF results point at the template file and line.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
src="$VG_SOURCE_DIR/tests/fixtures/templates"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
cp -r "$src" "$tmp/t"
cd "$tmp/t"
for f in packer-hardened-copy.pkr.hcl packer-legacy.json vsphere-builds.pkr.hcl main.tf plan.json \
    appliance.ovf vapp-collection.ovf; do
    n=$((n + 1))
    "$VMXGUARD" audit --no-folder-evidence "$f" >"$tmp/$f.audit" 2>&1
    echo "exit $?" >>"$tmp/$f.audit"
    "$VMXGUARD" fix --dry-run "$f" >"$tmp/$f.fix" 2>&1
    echo "exit $?" >>"$tmp/$f.fix"
    for kind in audit fix; do
        want="$src/golden/$f.$kind"
        if [ "${VG_GOLDEN_UPDATE:-0}" = 1 ]; then
            mkdir -p "$src/golden"
            cp "$tmp/$f.$kind" "$want"
        elif ! diff -u "$want" "$tmp/$f.$kind"; then
            echo "FAIL $f: $kind output differs from golden/$f.$kind"
            fails=$((fails + 1))
        else
            echo "ok   $f: $kind"
        fi
    done
done
# SARIF: the failing RemoteDisplay.maxConnections of the copied Packer template
"$VMXGUARD" audit --no-folder-evidence --format sarif -o "$tmp/p.sarif" packer-hardened-copy.pkr.hcl
loc=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"][0]["results"]:
    if r["ruleId"].startswith("remotedisplay-maxconnections") or "VMCH-80-000195" in r["ruleId"]:
        l = r["locations"][0]["physicalLocation"]
        print(l["artifactLocation"]["uri"], l["region"]["startLine"])
        break' "$tmp/p.sarif")
line=$(grep -n '"RemoteDisplay.maxConnections" = "2"' packer-hardened-copy.pkr.hcl | cut -d: -f1)
if [ "$loc" = "packer-hardened-copy.pkr.hcl $line" ]; then
    echo "ok   sarif location is the template's line ($loc)"
else
    echo "FAIL sarif location '$loc', expected 'packer-hardened-copy.pkr.hcl $line'"
    fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] || { echo "$fails golden check(s) failed"; exit 1; }
echo "ok: $n template goldens"
