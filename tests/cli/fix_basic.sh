#!/usr/bin/env bash
# vmxguard fix, the everyday paths: dry run changes nothing, no --yes off a
# terminal is refused, --yes applies, a second run has nothing to change,
# backups, running VMs refused (and --force), --devices, --rule, exit codes.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
fix() { "$VMXGUARD" fix --color=never "$@" </dev/null; }

mkdir -p "$tmp/ds/web01" "$tmp/ds/run01/run01.vmx.lck"
cat >"$tmp/ds/web01/web01.vmx" <<'VMX'
.encoding = "UTF-8"
# keep this comment
displayName = "web01"
isolation.tools.copy.disable = "FALSE"
Isolation.Tools.Paste.Disable = "false"
serial0.present = "TRUE"
serial0.fileType = "file"
VMX
cp "$tmp/ds/web01/web01.vmx" "$tmp/web01.orig"
cp "$tmp/ds/web01/web01.vmx" "$tmp/ds/run01/run01.vmx"
touch "$tmp/ds/run01/run01.vmx.lck/M12345.lck"
cp "$tmp/ds/run01/run01.vmx" "$tmp/run01.orig"

fix --dry-run "$tmp/ds" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "dry run exits 1 (rules stay unfixed: rc=$rc)" [ "$rc" -eq 1 ]
check "dry run changes nothing" cmp -s "$tmp/ds/web01/web01.vmx" "$tmp/web01.orig"
check "dry run prints a unified diff" grep -q '^+isolation.tools.copy.disable = "TRUE"' "$tmp/out"
check "diff keeps the existing spelling" grep -q '^+Isolation.Tools.Paste.Disable = "TRUE"' "$tmp/out"
check "diff shows the old line" grep -q '^-isolation.tools.copy.disable = "FALSE"' "$tmp/out"
check "no colour when not asked" bash -c "! grep -q $'\033' '$tmp/out'"
check "device rule only listed" grep -q 'not fixed: serial-port.*needs-human\|not fixed: serial.*needs-human' "$tmp/out"

fix "$tmp/ds" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "no --yes off a terminal: usage error (rc=$rc)" [ "$rc" -eq 2 ]
check "refusal gives a hint" grep -q -- '--dry-run' "$tmp/err"
check "refusal changes nothing" cmp -s "$tmp/ds/web01/web01.vmx" "$tmp/web01.orig"

fix --yes --backup "$tmp/ds" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "apply exits 1 with a device rule left (rc=$rc)" [ "$rc" -eq 1 ]
check "running VM refused with the cold start explanation" grep -q 'run01.vmx: the VM appears to be running.*cold start' "$tmp/err"
check "running VM untouched" cmp -s "$tmp/ds/run01/run01.vmx" "$tmp/run01.orig"
check "summary names counts" grep -q '^summary: 1 file(s) changed' "$tmp/out"
check "summary says why files were skipped" grep -q '^  skipped: 1 running (power off, or --force)' "$tmp/out"
check "comment kept" grep -q '^# keep this comment$' "$tmp/ds/web01/web01.vmx"
check "value fixed in place" grep -q '^isolation.tools.copy.disable = "TRUE"$' "$tmp/ds/web01/web01.vmx"
backup=$(ls "$tmp/ds/web01/" | grep 'web01.vmx.vmxguard-' | head -1)
check "backup kept beside it ($backup)" cmp -s "$tmp/ds/web01/$backup" "$tmp/web01.orig"
rm -f "$tmp/ds/web01/$backup"
"$VMXGUARD" audit -f jsonl "$tmp/ds/web01" >"$tmp/audit.jsonl" 2>/dev/null
check "after the fix only the device rule fails" bash -c "grep -o '\"rule\":\"[^\"]*\",[^}]*\"status\":\"fail\"' '$tmp/audit.jsonl' | grep -v serial | grep -q . && exit 1 || exit 0"

cp "$tmp/ds/web01/web01.vmx" "$tmp/web01.fixed"
fix --yes "$tmp/ds/web01" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "second run: nothing to change" grep -q 'web01.vmx: nothing to change' "$tmp/out"
check "second run leaves the file byte-identical" cmp -s "$tmp/ds/web01/web01.vmx" "$tmp/web01.fixed"

# device lines belong in a .vmx: govc removes the device itself, the other
# API scripts leave them out and say so
cp "$tmp/ds/web01/web01.vmx" "$tmp/dev.vmx"
fix --devices --emit govc "$tmp/dev.vmx" >"$tmp/govc.sh" 2>/dev/null
check "govc script sets no device line as a key" bash -c "! grep -q -- \"'serial0.present=\" '$tmp/govc.sh'"
check "govc script removes the serial ports" grep -q "^vg_remove -vm='web01' VirtualSerialPort" "$tmp/govc.sh"
check "govc header says how" grep -q 'serial0.present = FALSE.*govc device.remove of every VirtualSerialPort' "$tmp/govc.sh"
fix --devices --emit powercli "$tmp/dev.vmx" >"$tmp/ps.ps1" 2>/dev/null
check "powercli header says the device line is .vmx only" grep -q 'serial0.present = FALSE.*device line' "$tmp/ps.ps1"
fix --devices --emit esxi-shell "$tmp/dev.vmx" >"$tmp/esxi.sh" 2>/dev/null
check "esxi-shell script edits the device line" grep -q "vg_edit \"\$vmx\" 'serial0.present' 'FALSE'" "$tmp/esxi.sh"

fix --yes --devices "$tmp/ds/web01" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--devices fixes the device rule (rc=$rc)" [ "$rc" -eq 0 ]
check "--devices sets serial0.present FALSE" grep -q '^serial0.present = "FALSE"' "$tmp/ds/web01/web01.vmx"

fix --yes --force "$tmp/ds/run01" --rule isolation-tools-copy-disable >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--force edits a running VM (rc=$rc)" grep -q '^isolation.tools.copy.disable = "TRUE"' "$tmp/ds/run01/run01.vmx"
check "--rule limits the edits" grep -q '^Isolation.Tools.Paste.Disable = "false"' "$tmp/ds/run01/run01.vmx"

fix --yes --exclude 'run*' "$tmp/ds" >"$tmp/out" 2>"$tmp/err"
check "--exclude skips the VM" bash -c "! grep -q run01 '$tmp/out'"

fix --emit nope "$tmp/ds" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "unknown emit format is a usage error (rc=$rc)" [ "$rc" -eq 2 ]
fix --profile no-such-profile --dry-run "$tmp/ds" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "unknown profile is a usage error (rc=$rc)" [ "$rc" -eq 2 ]
fix --dry-run >"$tmp/out" 2>"$tmp/err"; rc=$?
check "no target is a usage error (rc=$rc)" [ "$rc" -eq 2 ]
"$VMXGUARD" fix --help >"$tmp/out"
for opt in --profile --profile-file --rule --dry-run --backup --yes --force --devices --exclude --emit --output --color; do
    check "help mentions $opt" grep -q -- "$opt" "$tmp/out"
done

[ "$fails" -eq 0 ] && echo "all fix basic checks passed" || echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
