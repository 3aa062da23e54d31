#!/usr/bin/env bash
# Live vSphere tests against vcsim (built by scripts/setup.d/vsphere.sh from
# Debian's govmomi source; started with the lab's start.sh from shared/):
#  - an estate whose extraConfig was set with govc audits the same, rule by
#    rule, as .vmx files holding the same settings and hardware;
#  - vcsim forced to pages of 2 (-pc-max-objects) yields every VM once;
#  - `vsphere set` reconfigures (set + remove) and govc sees the result;
#  - TLS: right CA, no CA, wrong host name, --insecure; wrong password;
#    unknown host - each a clear error and exit 2.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"; fails=$((fails + 1)); }
# vmxguard reads govc's GOVC_ variables when its own are unset; the TLS cases
# here need them out of the way (tests/cli/govc_env.sh covers them)
run() { timeout 120 env -u GOVC_URL -u GOVC_INSECURE "$VMXGUARD" "$@" > "$work/out" 2> "$work/err"; rc=$?; }

# A test CA and a server certificate for "localhost" only (not 127.0.0.1),
# so one simulator serves the right-CA, no-CA and wrong-name cases.
t=$work/vc/tls
mkdir -p "$t"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vmxguard test CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$t/server.key" \
    -out "$t/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$t/ext.cnf"
openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -extfile "$t/ext.cnf" -out "$t/server.crt" 2>/dev/null || { echo "openssl failed"; exit 1; }

bash "$LAB/start.sh" -n 6 -d "$work/vc" --gen-cert -u vmxuser -w 'vmx-Pass1' \
    -- -pc-max-objects 2 > "$work/start.log" 2>&1 || { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
export GOVC_URL="https://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1
unset GOVC_TLS_CA_CERTS
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
URL="vsphere://localhost:$PORT"
CA=(--cacert "$t/ca.crt")

# ------------------------------------------------ settings through govc
"$GOVC" vm.change -vm DC0_C0_RP0_VM0 -e isolation.tools.copy.disable=FALSE \
    -e isolation.tools.paste.disable=TRUE -e RemoteDisplay.maxConnections=1 \
    -e tools.setinfo.sizeLimit=2097152 -e log.keepOld=10 -e mks.enable3d=TRUE \
    -e 'ethernet0.filter1.name=dvfilter-x' || fail "govc vm.change VM0"
"$GOVC" vm.change -vm DC0_C0_RP0_VM1 -e isolation.tools.dnd.disable=false \
    -e isolation.device.connectable.disable=TRUE -e tools.guestlib.enableHostInfo=FALSE \
    -e log.rotateSize=2048000 || fail "govc vm.change VM1"
# power-cycled, so the settings are in effect (else they are pending, see
# vsphere_pending.sh) and API and .vmx results compare as they are
for vm in DC0_C0_RP0_VM0 DC0_C0_RP0_VM1; do
    "$GOVC" vm.power -off "$vm" >/dev/null && "$GOVC" vm.power -on "$vm" >/dev/null ||
        fail "govc power cycle $vm"
done
"$GOVC" vm.power -off DC0_C0_RP0_VM2 >/dev/null && "$GOVC" device.serial.add -vm DC0_C0_RP0_VM2 >/dev/null &&
    "$GOVC" device.floppy.add -vm DC0_C0_RP0_VM2 >/dev/null || fail "govc devices VM2"

# The same VMs as .vmx files: the extraConfig set above plus the hardware
# vcsim gives every VM (pvscsi with a CD-ROM on scsi0:0, one NIC, VMCI).
mkdir -p "$work/ds"
hw='virtualHW.version = "13"
govcsim = "TRUE"
vmci0.present = "TRUE"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "atapi-cdrom"
scsi0:0.startConnected = "TRUE"
ethernet0.present = "TRUE"
ethernet0.startConnected = "TRUE"'
vmx() { mkdir -p "$work/ds/$1"; { echo '.encoding = "UTF-8"'; echo "displayName = \"$1\""; echo "$hw"; cat; } > "$work/ds/$1/$1.vmx"; }
vmx DC0_C0_RP0_VM0 <<'EOF'
isolation.tools.copy.disable = "FALSE"
isolation.tools.paste.disable = "TRUE"
RemoteDisplay.maxConnections = "1"
tools.setinfo.sizeLimit = "2097152"
log.keepOld = "10"
mks.enable3d = "TRUE"
ethernet0.filter1.name = "dvfilter-x"
EOF
vmx DC0_C0_RP0_VM1 <<'EOF'
isolation.tools.dnd.disable = "false"
isolation.device.connectable.disable = "TRUE"
tools.guestlib.enableHostInfo = "FALSE"
log.rotateSize = "2048000"
EOF
vmx DC0_C0_RP0_VM2 <<'EOF'
serial0.present = "TRUE"
floppy0.present = "TRUE"
floppy0.startConnected = "TRUE"
EOF

run audit -f jsonl "${CA[@]}" "$URL"
[ "$rc" = 1 ] || fail "audit vsphere: exit $rc (expected 1: findings)"
cp "$work/out" "$work/api.jsonl"
# Folder evidence (vmware.log, .vmx.lck) has no API counterpart: compare settings only.
run audit -f jsonl --no-folder-evidence "$work/ds"
[ "$rc" = 1 ] || fail "audit files: exit $rc"
cp "$work/out" "$work/file.jsonl"
python3 - "$work/api.jsonl" "$work/file.jsonl" <<'EOF' || fail "audit: API and .vmx results differ"
import json, sys
def load(path):
    vms = {}
    for line in open(path):
        d = json.loads(line)
        if d.get("type") == "vm":
            vms[d["vm"]["name"]] = [(r["rule"], r["status"], (r["actual"] or "").lower())
                                    for r in d["results"]]
    return vms
api, files = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for name in ("DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_C0_RP0_VM2"):
    a, f = api.get(name), files.get(name)
    if not a or not f:
        print("missing", name, bool(a), bool(f)); bad += 1; continue
    for x, y in zip(a, f):
        if x != y:
            print(name, "api", x, "file", y); bad += 1
    if len(a) != len(f):
        print(name, "result counts differ", len(a), len(f)); bad += 1
st = {r[0]: r[1] for r in api["DC0_C0_RP0_VM0"]}
for rule, want in (("isolation-tools-copy-disable", "fail"), ("tools-setinfo-sizelimit", "fail"),
                   ("remotedisplay-maxconnections", "pass"), ("mks-enable3d", "fail")):
    if st.get(rule) != want:
        print("VM0", rule, st.get(rule), "expected", want); bad += 1
st2 = {r[0]: r[1] for r in api["DC0_C0_RP0_VM2"]}
if st2.get("serial-present") != "fail" or st2.get("floppy-connected") != "fail":
    print("VM2 device rules", st2.get("serial-present"), st2.get("floppy-connected")); bad += 1
print("compared", len(api), "API VMs with", len(files), ".vmx VMs:", "differences" if bad else "identical")
sys.exit(1 if bad else 0)
EOF

# ------------------------------------------------ paging (server pages of 2)
run vsphere ls "${CA[@]}" --page-size 1000 "$URL"
[ "$rc" = 0 ] || fail "ls: exit $rc"
tail -n +2 "$work/out" | cut -f1 | sort > "$work/ours"
"$GOVC" find / -type m | sed 's,.*/,,' | sort > "$work/theirs"
cmp -s "$work/ours" "$work/theirs" || fail "paging: VM list differs from govc find"
[ -z "$(uniq -d "$work/ours")" ] && [ "$(wc -l < "$work/ours")" = 6 ] || fail "paging: not 6 distinct VMs"
run vsphere ls "${CA[@]}" --exclude 'DC0_C0_RP0_VM[01]' "$URL"
[ "$(tail -n +2 "$work/out" | wc -l)" = 4 ] || fail "--exclude"

# ------------------------------------------------ reconfig: set and remove
run vsphere set "${CA[@]}" --vm DC0_C0_RP0_VM1 "$URL" isolation.tools.dnd.disable=TRUE \
    log.rotateSize= 'guestinfo.note=a <b> & "c"'
[ "$rc" = 0 ] || fail "set: exit $rc"
grep -q 'takes effect after a cold start' "$work/out" || fail "set: powered-on note"
"$GOVC" vm.info -e -json DC0_C0_RP0_VM1 > "$work/info.json"
python3 - "$work/info.json" <<'EOF' || fail "set: govc does not see the change"
import json, sys
vm = json.load(open(sys.argv[1]))["VirtualMachines"][0]
ec = {o["Key"]: o["Value"] for o in vm["Config"]["ExtraConfig"]}
ok = ec.get("isolation.tools.dnd.disable") == "TRUE" and "log.rotateSize" not in ec \
     and ec.get("guestinfo.note") == 'a <b> & "c"'
sys.exit(0 if ok else 1)
EOF
# a typed ConfigSpec field instead of extraConfig, read back as a property
run vsphere set "${CA[@]}" --vm DC0_C0_RP0_VM3 "$URL" config.flags.enableLogging=FALSE
[ "$rc" = 0 ] || fail "set enableLogging: exit $rc"
run vsphere show "${CA[@]}" "$URL"
grep -A8 '^# DC0_C0_RP0_VM3 ' "$work/out" | grep -q 'config.flags.enableLogging = false' ||
    fail "set enableLogging: not read back"
run vsphere set "${CA[@]}" --vm no-such-vm "$URL" a=b
[ "$rc" = 2 ] && grep -q 'no such VM' "$work/err" || fail "set unknown VM: exit $rc"

# ------------------------------------------------ TLS and login failures
run vsphere ping "${CA[@]}" "$URL"
[ "$rc" = 0 ] || fail "tls right CA: exit $rc"
run vsphere ping "$URL"
[ "$rc" = 2 ] && grep -q 'TLS certificate not accepted' "$work/err" || fail "tls no CA: exit $rc"
run vsphere ping "${CA[@]}" "vsphere://127.0.0.1:$PORT"
[ "$rc" = 2 ] && grep -qi 'certificate.*127.0.0.1\|subject name' "$work/err" || fail "tls wrong name: exit $rc"
run vsphere ping --insecure "vsphere://127.0.0.1:$PORT"
[ "$rc" = 0 ] && grep -q 'not verified' "$work/err" || fail "--insecure: exit $rc or no warning"
VMXGUARD_PASSWORD=wrong run vsphere ping "${CA[@]}" "$URL"
[ "$rc" = 2 ] && grep -q 'InvalidLogin' "$work/err" || fail "wrong password: exit $rc"
grep -q 'wrong\b' "$work/out" && fail "wrong password echoed"
run audit "${CA[@]}" vsphere://no-such-host.invalid
[ "$rc" = 2 ] && grep -q 'unknown host' "$work/err" || fail "unknown host: exit $rc"
run vsphere ping --timeout 2 "${CA[@]}" "vsphere://localhost:1"
[ "$rc" = 2 ] && grep -q 'cannot connect' "$work/err" || fail "closed port: exit $rc"

[ $fails = 0 ] && echo "vsphere live: all passed"
exit $((fails > 0))
