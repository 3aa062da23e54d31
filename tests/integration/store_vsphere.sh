#!/usr/bin/env bash
# Drift with attribution against vcsim (issue 17 part 3): audit a vCenter
# into a store, change one VM's extraConfig with govc, audit again; diff
# names exactly that change, and with --events its origin: the
# VmReconfiguredEvent's user, time and the changed extraConfig key.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "FAIL vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

bash "$LAB/start.sh" -n 3 -d "$work/vc" -u vmxuser -w 'vmx-Pass1' >"$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<<"$VCSIM_URL")
export GOVC_URL="https://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
URL="https://127.0.0.1:$PORT/sdk"
db=$work/runs.db
vg() { timeout 120 "$VMXGUARD" "$@" --color=never 2>>"$work/stderr"; }
VM=$("$GOVC" find / -type m | sed 's|.*/||' | sort | head -1)

"$GOVC" vm.change -vm "$VM" -e isolation.tools.copy.disable=TRUE
vg audit "$URL" --insecure --store "$db" -q -o /dev/null
sleep 1   # the event's time falls after the first run's start
"$GOVC" vm.change -vm "$VM" -e isolation.tools.copy.disable=FALSE
vg audit "$URL" --insecure --store "$db" -q -o /dev/null
vg diff --store "$db" -f json -o "$work/plain.json"; rc=$?
check "diff of two vCenter runs: exit 1, exactly one change, on $VM" \
    '[ $rc = 1 ] && "$py" -c "import json; d=json.load(open(\"$work/plain.json\")); c=d[\"changes\"]; assert len(c)==1 and c[0][\"vm\"][\"name\"]==\"$VM\" and c[0][\"rule\"]==\"isolation-tools-copy-disable\" and c[0][\"kind\"]==\"newly_failing\" and c[0][\"origin\"] is None, c"'
vg diff --store "$db" --events --insecure -f json -o "$work/events.json"
check "with --events the change names its VmReconfiguredEvent: user, time, key" \
    '"$py" -c "import json; o=json.load(open(\"$work/events.json\"))[\"changes\"][0][\"origin\"]; assert o[\"source\"]==\"VmReconfiguredEvent\" and o[\"user\"]==\"vmxuser\" and \"isolation.tools.copy.disable\" in o[\"detail\"] and o[\"time\"].startswith(\"20\"), o"'
vg diff --store "$db" --events --insecure -o "$work/events.txt"
check "text diff says who reconfigured it" 'grep -q "origin: reconfigured by vmxuser at .*extraConfig: .*isolation.tools.copy.disable" "$work/events.txt"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
