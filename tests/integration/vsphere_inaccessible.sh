#!/usr/bin/env bash
# "Could not look" is never "absent", live against vcsim: a VM whose
# configuration vSphere does not return (orphaned / inaccessible: the
# property collector has no config.* for it) gets an error verdict on every
# rule that reads settings, devices or config properties, never "absent ->
# VMware default"; the readable VM beside it is audited as usual.
# vcsim cannot orphan a VM through the API, so its inventory is saved with
# govc object.save, the VM's config property set is cut out of the saved
# object (runtime.connectionState set to inaccessible), and a second vcsim
# loads the result (-load).
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() {
    bash "$LAB/stop.sh" -d "$work/vc1" >/dev/null 2>&1
    bash "$LAB/stop.sh" -d "$work/vc2" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

bash "$LAB/start.sh" -n 2 -d "$work/vc1" --http > "$work/start1.log" 2>&1 ||
    { cat "$work/start1.log"; exit 1; }
( . "$work/vc1/vcsim.env"; "$GOVC" object.save -d "$work/save" ) > "$work/save.log" 2>&1 ||
    { cat "$work/save.log"; fail "govc object.save"; }
bash "$LAB/stop.sh" -d "$work/vc1" >/dev/null 2>&1
obj=$(grep -l '<name>DC0_C0_RP0_VM1</name>' "$work"/save/*-VirtualMachine-vm-*.xml | head -1)
[ -n "$obj" ] || fail "saved inventory has no DC0_C0_RP0_VM1"
python3 - "$obj" <<'PY' || fail "could not cut config out of $obj"
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
parts = re.split(r"(<propSet>.*?</propSet>)", s, flags=re.S)
kept = [x for x in parts if not re.match(r"<propSet>\s*<name>config</name>", x)]
if len(kept) != len(parts) - 1:
    sys.exit("config property set not found once")
s = "".join(kept).replace("<connectionState>connected</connectionState>",
                          "<connectionState>inaccessible</connectionState>")
open(p, "w", encoding="utf-8").write(s)
PY
bash "$LAB/start.sh" -n 2 -d "$work/vc2" --http -- -load "$work/save" > "$work/start2.log" 2>&1 ||
    { cat "$work/start2.log"; exit 1; }
. "$work/vc2/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
export VMXGUARD_USER=user VMXGUARD_PASSWORD=pass

timeout 120 "$VMXGUARD" audit --format json "http://127.0.0.1:$PORT/sdk" > "$work/out.json" 2> "$work/err"
rc=$?
[ "$rc" = 1 ] || { cat "$work/err"; fail "audit exit $rc, want 1 (error results)"; }
python3 - "$work/out.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
vms = {}
def walk(o):
    if isinstance(o, dict):
        if "rule" in o and "status" in o and isinstance(o.get("vm"), dict):
            vms.setdefault(o["vm"].get("name"), []).append(o)
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
bad = vms.get("DC0_C0_RP0_VM1", [])
good = vms.get("DC0_C0_RP0_VM0", [])
if not bad or not good:
    sys.exit("FAIL: results for both VMs expected, got %s" % sorted(vms))
for r in bad:
    if r["status"] == "manual":
        continue
    if r["status"] != "error" or not r["evidence"].startswith("could not look: vSphere returned no configuration"):
        sys.exit("FAIL: inaccessible VM, %s: %s (%s)" % (r["rule"], r["status"], r["evidence"]))
    if "absent" in r["evidence"] or "default" in r["evidence"]:
        sys.exit("FAIL: inaccessible VM judged from defaults: %s" % r["rule"])
errors = [r for r in good if r["status"] == "error"]
absent = [r for r in good if r["evidence"].startswith("absent")]
if errors or not absent:
    sys.exit("FAIL: the readable VM: %d errors, %d absent-key verdicts" % (len(errors), len(absent)))
print("ok: %d error verdicts on the inaccessible VM, readable VM audited as usual" %
      sum(r["status"] == "error" for r in bad))
PY
