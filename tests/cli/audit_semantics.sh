#!/usr/bin/env bash
# Verdicts an assessor relies on, end to end through .vmx files on disk:
# a present but disconnected serial port under DISA (a finding) and CIS 7
# (compliant), SCSI CD-ROMs, the mode of a removed disk, the ESX 2/3 mode
# "nonpersistent", and explain showing the device semantics per baseline.
set -u
V=${VMXGUARD:?VMXGUARD not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

vm() { # name, extra lines
    mkdir -p "$tmp/ds/$1"
    printf '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "21"\ndisplayName = "%s"\n%s' \
        "$1" "$2" > "$tmp/ds/$1/$1.vmx"
}
# vmx, profile, rule [field] -> that result's status (or field) from the JSON report
result() {
    "$V" audit --profile "$2" --format json "$1" 2>/dev/null | python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        if o.get("rule") == sys.argv[1] and "status" in o:
            yield o
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
r = list(walk(json.load(sys.stdin)))
print(r[0][sys.argv[2]] if r else "none")' "$3" "${4:-status}"
}

vm serialoff 'serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "/tmp/s"
serial0.startConnected = "FALSE"
'
f=$tmp/ds/serialoff/serialoff.vmx
[ "$(result "$f" disa-vsphere8-vm serial-present)" = fail ] || fail "DISA 8: disconnected serial port passed"
[ "$(result "$f" disa-vsphere7-vm serial-present)" = fail ] || fail "DISA 7: disconnected serial port passed"
[ "$(result "$f" vmware-scg-8 serial-present)" = fail ] || fail "SCG 8: disconnected serial port passed"
[ "$(result "$f" cis-esxi-7 serial-present)" = pass ] || fail "CIS 7: disconnected serial port failed"
"$V" audit --profile disa-vsphere8-vm "$f" >/dev/null
[ $? -eq 1 ] || fail "DISA 8 audit of a disconnected serial port did not exit 1"
ev=$(result "$f" disa-vsphere8-vm serial-present evidence)
grep -q 'serial0.present = TRUE.*not connected at power on, yet present' <<<"$ev" ||
    fail "evidence does not say why a disconnected device fails: $ev"

vm scsicd 'scsi0.present = "TRUE"
scsi0:1.present = "TRUE"
scsi0:1.deviceType = "cdrom-image"
scsi0:1.fileName = "/vmfs/volumes/ds/iso/x.iso"
'
f=$tmp/ds/scsicd/scsicd.vmx
[ "$(result "$f" cis-esxi-8 cdrom-present)" = fail ] || fail "CIS 8: SCSI CD-ROM not seen by cdrom-present"
[ "$(result "$f" disa-vsphere8-vm cdrom-connected)" = fail ] || fail "DISA 8: SCSI CD-ROM not seen by cdrom-connected"

vm gonedisk 'scsi0:1.present = "FALSE"
scsi0:1.mode = "independent-nonpersistent"
'
f=$tmp/ds/gonedisk/gonedisk.vmx
[ "$(result "$f" disa-vsphere8-vm disk-mode-not-nonpersistent)" = pass ] || fail "mode of a removed disk judged"
result "$f" disa-vsphere8-vm disk-mode-not-nonpersistent evidence | grep -q 'is moot' ||
    fail "moot disk mode not explained"

vm esx3disk 'scsi0:0.present = "TRUE"
scsi0:0.fileName = "esx3disk.vmdk"
scsi0:0.mode = "nonpersistent"
'
f=$tmp/ds/esx3disk/esx3disk.vmx
for p in disa-vsphere8-vm cis-esxi-7 vmware-hg-5.5 disa-esx3; do
    [ "$(result "$f" $p disk-mode-not-nonpersistent)" = fail ] || fail "$p: ESX 3 nonpersistent disk passed"
done

# ---- could not look is never absent: broken files
mkdir -p "$tmp/broken/junk" "$tmp/broken/oneline" "$tmp/broken/empty" "$tmp/broken/bin"
printf 'this is not\na vmx file {\n' > "$tmp/broken/junk/junk.vmx"
printf 'config.version = "8"\nisolation.tools.copy.disable "FALSE"\nRemoteDisplay.maxConnections = "1"\n' \
    > "$tmp/broken/oneline/oneline.vmx"
: > "$tmp/broken/empty/empty.vmx"
printf 'config.version = "8"\n\0\0\0binary' > "$tmp/broken/bin/bin.vmx"
for f in junk empty; do
    v=$tmp/broken/$f/$f.vmx
    "$V" audit --no-folder-evidence --format json "$v" > "$tmp/$f.json" 2>/dev/null
    [ $? -eq 1 ] || fail "$f.vmx: audit did not exit 1"
    python3 - "$tmp/$f.json" "$f" <<'PY' || fail "$f.vmx judged from defaults"
import json, sys
d = json.load(open(sys.argv[1]))
res = []
def walk(o):
    if isinstance(o, dict):
        if "rule" in o and "status" in o:
            res.append(o)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
# only what a .vmx never shows (FT encryption) may stay not applicable
bad = [r["rule"] for r in res if r["status"] not in ("error", "manual") and
       not (r["status"] == "not_applicable" and "not visible in a .vmx file" in r["evidence"])]
if not res or bad or any("absent" in r["evidence"] for r in res):
    sys.exit("%s: not error: %s" % (sys.argv[2], bad))
PY
done
f=$tmp/broken/oneline/oneline.vmx
[ "$(result "$f" disa-vsphere8-vm isolation-tools-copy-disable)" = error ] ||
    fail "a key that may sit on an unreadable line was judged absent"
result "$f" disa-vsphere8-vm isolation-tools-copy-disable evidence | grep -q 'could not look: line 2 of the file' ||
    fail "the unreadable line is not named"
[ "$(result "$f" disa-vsphere8-vm remotedisplay-maxconnections)" = pass ] ||
    fail "a key that was read is not judged"
"$V" audit "$tmp/broken/bin/bin.vmx" > "$tmp/bin.out" 2> "$tmp/bin.err"
[ $? -eq 2 ] || fail "binary .vmx: not exit 2"
grep -q 'bin.vmx' "$tmp/bin.err" || fail "binary .vmx not named on stderr"
grep -q 'PASS\|absent' "$tmp/bin.out" && fail "binary .vmx got verdicts"

out=$("$V" explain VMCH-80-000212) || fail "explain VMCH-80-000212"
grep -Eq 'disa-vsphere8-vm +VMCH-80-000212' <<<"$out" || fail "DISA 8 entry missing"
grep -A3 -E 'disa-vsphere8-vm +VMCH-80-000212' <<<"$out" |
    grep -q 'devices: absent pass, present+connected fail, present+disconnected fail, present=FALSE pass' ||
    fail "explain does not show DISA 8's device semantics"
grep -A3 -E 'cis-esxi-7 +CIS 8.2.4' <<<"$out" | grep -q 'present+disconnected pass' ||
    fail "explain does not show CIS 7's device semantics"
out=$("$V" explain disk-mode-not-nonpersistent)
grep -A3 -E 'disa-vsphere8-vm +VMCH-80-000208' <<<"$out" | grep -q 'also not (the same mode by another name): nonpersistent' ||
    fail "explain does not name the legacy disk mode"
echo ok
