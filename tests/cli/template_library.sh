#!/usr/bin/env bash
# Content-library OVF templates (issue 18), live on vcsim (../shared/lab):
# two OVF items imported with govc; `vmxguard audit --include-templates
# vsphere://...` audits them beside the VMs, named LIBRARY/ITEM (a vApp's
# VMs LIBRARY/ITEM/VM), with evidence in "[content library LIB] ITEM/FILE.ovf"
# at the descriptor's line, and the same rule results as the .ovf file read
# locally; without --include-templates they are left out.  Bounded: every
# step has a timeout.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "FAIL vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
bash "$LAB/start.sh" -n 1 -d "$work/vc" -u vmxuser -w 'vmx-Pass1' --gen-cert >"$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<<"$VCSIM_URL")
export GOVC_URL="https://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
URL="vsphere://127.0.0.1:$PORT/sdk"
fx=$VG_SOURCE_DIR/tests/fixtures/templates
mkdir "$work/items"
cp "$fx/appliance.ovf" "$fx/vapp-collection.ovf" "$work/items/"
head -c 4096 /dev/zero >"$work/items/appliance-disk1.vmdk"
(cd "$work/items" && timeout 60 "$GOVC" library.create golden >/dev/null &&
    timeout 60 "$GOVC" library.import -m=false golden appliance.ovf >/dev/null 2>&1 &&
    timeout 60 "$GOVC" library.import -m=false golden vapp-collection.ovf >/dev/null 2>&1) ||
    { echo "FAIL govc library.import"; exit 1; }

timeout 120 "$VMXGUARD" audit --include-templates --no-folder-evidence --cacert "$VCSIM_CA_FILE" \
    --format json -o "$work/lib.json" "$URL" 2>"$work/lib.err"
rc=$?
check "audit with libraries exits 1 (findings), got $rc" test "$rc" -eq 1
python3 - "$work/lib.json" >"$work/names" <<'PY'
import json, sys
for vm in json.load(open(sys.argv[1]))["vms"]:
    print(vm["vm"]["name"], "|", vm["vm"]["path"])
PY
check "the OVF item is audited as LIBRARY/ITEM" \
    grep -qx 'golden/appliance | \[content library golden\] appliance/appliance.ovf' "$work/names"
check "a vApp item gives its VMs" grep -q '^golden/vapp-collection/frontend |' "$work/names"
check "the VMs are still audited" grep -q '^DC0_C0_RP0_VM0 |' "$work/names"
python3 - "$work/lib.json" golden/appliance >"$work/lib.txt" <<'PY'
import json, sys
for vm in json.load(open(sys.argv[1]))["vms"]:
    if vm["vm"]["name"] == sys.argv[2]:
        for r in sorted(vm["results"], key=lambda r: r["rule"]):
            print(r["rule"], r["status"], r["actual"], r["line"])
PY
"$VMXGUARD" audit --no-folder-evidence --format json -o "$work/file.json" "$work/items/appliance.ovf"
python3 - "$work/file.json" appliance >"$work/file.txt" <<'PY'
import json, sys
for vm in json.load(open(sys.argv[1]))["vms"]:
    if vm["vm"]["name"] == sys.argv[2]:
        for r in sorted(vm["results"], key=lambda r: r["rule"]):
            print(r["rule"], r["status"], r["actual"], r["line"])
PY
check "the library item audits as the .ovf file does (status, value, line)" diff "$work/file.txt" "$work/lib.txt"
check "the comparison is not vacuous" grep -q '^remotedisplay-maxconnections fail 4 [0-9]' "$work/lib.txt"

timeout 120 "$VMXGUARD" audit --no-folder-evidence --cacert "$VCSIM_CA_FILE" --format json \
    -o "$work/plain.json" "$URL" 2>/dev/null
check "without --include-templates the library is left out" \
    bash -c "! grep -q 'content library' '$work/plain.json'"
check "the password is never shown" bash -c "! grep -q vmx-Pass1 '$work/lib.json' '$work/lib.err'"
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all content-library checks passed"
