#!/usr/bin/env bash
# CSV against a real spreadsheet engine: VMs whose folder names, file names,
# display names and .vmx values start with = + - @ tab or CR are audited to
# CSV, and LibreOffice Calc (headless, formulas evaluated on import) converts
# the file.  By default no cell becomes a formula; with --csv-raw the same
# input does (so the check can fail); plain numbers stay numbers.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
SOFFICE=$(command -v soffice || command -v libreoffice) ||
    fail "LibreOffice is missing (libreoffice-calc-nogui, scripts/deps/report.txt)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ds"
cd "$tmp/ds"
vmx() { # path, display name, copy.disable value, keepOld value
    mkdir -p -- "$(dirname -- "$1")"
    printf '%s\n' 'config.version = "8"' 'virtualHW.version = "21"' "displayName = \"$2\"" \
        "isolation.tools.copy.disable = \"$3\"" "log.keepOld = \"$4\"" \
        'RemoteDisplay.maxConnections = "-1"' 'tools.setinfo.sizeLimit = "1048576"' > "$1"
}
vmx '=1+1/a.vmx' '=HYPERLINK(1;2)' '=2+3' '-2+3'
vmx '+SUM(1;2)/b.vmx' '@SUM(1;2)' '+4+4' '@A1'
vmx '-7+7.vmx' "$(printf '\t=9+9')" '=7*7' '=A1'
vmx '@top.vmx' "$(printf '\r=8+8')" '-3+3' '=1'
targets=('=1+1' '+SUM(1;2)' '@top.vmx' '-7+7.vmx')
"$VMXGUARD" audit -q --no-folder-evidence -f csv -o ../safe.csv -- "${targets[@]}"
rc=$?; [ $rc -le 1 ] || fail "audit exited $rc"
"$VMXGUARD" audit -q --no-folder-evidence -f csv --csv-raw -o ../raw.csv -- "${targets[@]}"
rc=$?; [ $rc -le 1 ] || fail "audit --csv-raw exited $rc"
cd "$tmp"
[ "$(grep -c '' safe.csv)" -gt 100 ] || fail "too few rows: $(grep -c '' safe.csv)"

# Calc's CSV import: comma, double quote, UTF-8, from line 1, "evaluate
# formulas" on (token 13), so a cell that is a formula to Calc becomes one
calc() {
    "$SOFFICE" -env:UserInstallation="file://$tmp/profile" --headless \
        --infilter='CSV:44,34,76,1,,1033,false,false,false,false,false,false,true' \
        --convert-to fods --outdir "$tmp/out" "$1" >"$tmp/soffice.log" 2>&1 ||
        { cat "$tmp/soffice.log" >&2; fail "soffice could not convert $1"; }
    [ -s "$tmp/out/$(basename "${1%.csv}").fods" ] || fail "no fods for $1"
}
calc raw.csv
calc safe.csv
n_raw=$(grep -o 'table:formula=' out/raw.fods | wc -l)
n_safe=$(grep -o 'table:formula=' out/safe.fods | wc -l)
echo "formula cells: --csv-raw $n_raw, default $n_safe"
[ "$n_raw" -ge 8 ] || fail "--csv-raw: Calc made only $n_raw formula cells (the test would prove nothing)"
[ "$n_safe" -eq 0 ] || fail "defused CSV: Calc made $n_safe formula cells: $(grep -o 'table:formula="[^"]*"' out/safe.fods | sort -u | head)"
# every hostile text is still there, as text, after the '
for t in "'=1+1/a.vmx" "'+SUM(1;2)/b.vmx" "'@top.vmx" "'-7+7.vmx" "'=HYPERLINK" "'@SUM(1;2)" "'=2+3" \
         "'+4+4" "'-3+3" "'=7*7"; do
    grep -qF -- "$(sed "s/'/\&apos;/" <<<"$t")" out/safe.fods || fail "text $t missing from Calc's sheet"
done
# plain numbers are left alone: -1 is still the number -1
grep -q 'office:value-type="float" office:value="-1"' out/safe.fods || fail "-1 is no longer a number"
grep -q '^vm_name,vm_path,' safe.csv || fail "header changed"
exit 0
