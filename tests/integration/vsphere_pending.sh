#!/usr/bin/env bash
# Pending results against vcsim (the lab in ../shared/lab/vcsim): a setting
# that `fix --force` changes on a powered-on VM is configured but not in
# effect, so the next audit shows it "pending" until the VM is power-cycled
# (bootTime after the VmReconfiguredEvent), then "pass".
#  - a VM is made non-compliant and power-cycled, so the bad value is in
#    effect and nothing is pending: the audit has no pending result;
#  - fix --force on the running VMs: the audit shows the fixed rules
#    pending, with who and when in the evidence, exit 1; --pending-ok
#    exits 0 when nothing else fails at that level;
#  - the VM power-cycled with govc: those rules pass; the VM that was not
#    cycled stays pending;
#  - every format says so: json (validated against docs/report-schema.json),
#    csv, junit, sarif, xccdf, ckl, hdf, html;
#  - the run stored and rendered back from the store keeps pending.
# vcsim records VmReconfiguredEvent.configSpec with its extraConfig (it
# posts the request's spec as is), but fills bootTime only under
# summary.runtime, which is what vmxguard reads.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "FAIL vcsim/govc not installable"; exit 1; }
fi
py=$(command -v python3) || { echo "FAIL python3 missing"; exit 1; }
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
vg() { timeout 120 "$VMXGUARD" "$@" --insecure </dev/null 2> >(grep -v -- '--insecure' >&2); }

bash "$LAB/start.sh" -n 2 -d "$work/vc" -u vmxuser -w 'vmx-Pass1' >"$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<<"$VCSIM_URL")
export GOVC_URL="https://vmxuser:vmx-Pass1@127.0.0.1:$PORT/sdk" GOVC_INSECURE=1
export VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1
URL="https://127.0.0.1:$PORT/sdk"
VM0=/DC0/vm/DC0_C0_RP0_VM0
VM1=/DC0/vm/DC0_C0_RP0_VM1
cycle() { "$GOVC" vm.power -off "$1" >/dev/null && "$GOVC" vm.power -on "$1" >/dev/null; }

# status of RULE on VM NAME in a json report
status_of() {
    "$py" - "$1" "$2" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["vms"]:
    if v["vm"]["name"] == sys.argv[2]:
        for r in v["results"]:
            if r["rule"] == sys.argv[3]:
                print(r["status"])
EOF
}
pending_count() {
    "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["counts"].get("pending", 0))' "$1"
}
rule=isolation-tools-copy-disable

# --- the bad value is in effect: nothing pending ----------------------------
for vm in $VM0 $VM1; do
    "$GOVC" vm.change -vm "$vm" -e isolation.tools.copy.disable=FALSE || exit 1
    cycle "$vm" || exit 1
done
vg audit -q "$URL" -f json -o "$work/a0.json"
check "before the fix the rule fails" [ "$(status_of "$work/a0.json" DC0_C0_RP0_VM0 $rule)" = fail ]
check "a VM cycled after its last change has nothing pending" [ "$(pending_count "$work/a0.json")" = 0 ]
check "a run without pending writes no pending count (reports stay as they were)" \
    bash -c "! grep -q '\"pending\"' '$work/a0.json'"

# --- fix --force on running VMs: pending -------------------------------------
vg fix --force --yes "$URL" >"$work/fix.out" 2>&1
check "fix says applied, pending cold start" grep -q 'applied, pending cold start' "$work/fix.out"
vg audit -q "$URL" -f json -o "$work/a1.json"; rc=$?
check "after fix --force the rule is pending on both VMs" \
    [ "$(status_of "$work/a1.json" DC0_C0_RP0_VM0 $rule)/$(status_of "$work/a1.json" DC0_C0_RP0_VM1 $rule)" = pending/pending ]
check "pending results make exit 1 (rc=$rc)" [ "$rc" = 1 ]
check "the evidence names the change: user, time, not in effect" \
    "$py" -c "
import json,sys
d=json.load(open('$work/a1.json'))
ev=[r['evidence'] for v in d['vms'] for r in v['results'] if r['status']=='pending']
assert ev and all('by vmxuser' in e and 'not in effect until it is power-cycled' in e and ' set at 20' in e for e in ev), ev"
check "pending counts against the score" \
    "$py" -c "
import json
s=json.load(open('$work/a1.json'))['summary']; c=s['counts']
want=round(100.0*(c['pass']+c['waived'])/(c['pass']+c['waived']+c['fail']+c['pending']),2)
assert abs(s['score_after_waivers']-want) < 0.01, (s, want)"
schema=$VG_SOURCE_DIR/docs/report-schema.json
ajv=$VG_SOURCE_DIR/tests/consumers/node_modules/.bin/ajv
if [ -x "$ajv" ]; then
    check "the json report with pending validates against the schema" \
        "$ajv" validate --spec=draft2020 -c ajv-formats -s "$schema" -d "$work/a1.json"
fi
# only pending (and low rules) left at medium: --pending-ok decides the exit status
vg audit -q "$URL" --fail-on medium -o /dev/null; rc=$?
vg audit -q "$URL" --fail-on medium --pending-ok -o /dev/null; rc_ok=$?
check "--pending-ok: pending alone does not make exit 1 (rc $rc -> $rc_ok)" [ "$rc" = 1 ] && [ "$rc_ok" = 0 ]

# --- every format --------------------------------------------------------------
vg audit -q "$URL" --output text:"$work/r.txt" --output csv:"$work/r.csv" \
    --output junit:"$work/r.junit" --output sarif:"$work/r.sarif" --output html:"$work/r.html" \
    --output hdf:"$work/r.hdf" --output xccdf:"$work/xccdf/" --output ckl:"$work/ckl/" \
    --store "$work/s.db" >/dev/null 2>&1
check "text: PENDING with the power cycle as fix" \
    bash -c "grep -q 'PENDING' '$work/r.txt' && grep -q 'fix: power the VM off and on' '$work/r.txt'"
check "csv: status column pending" grep -q ',pending,pending,' "$work/r.csv"
check "junit: a failure of type pending" grep -q '<failure type="pending"' "$work/r.junit"
check "sarif: an open result with status pending" \
    "$py" -c "
import json
d=json.load(open('$work/r.sarif'))
rs=[r for run in d['runs'] for r in run['results'] if r['properties']['status']=='pending']
assert rs and all(r['kind']=='fail' and 'pending a power cycle' in r['message']['text'] for r in rs)"
check "xccdf: fail with a warning message" \
    bash -c "grep -h -A3 '<result>fail</result>' '$work'/xccdf/*.xml | grep -q 'severity=\"warning\">.*power-cycled'"
check "ckl: Open with the pending comment" grep -qh 'Pending power cycle' "$work"/ckl/*.ckl
check "hdf: failed with the pending message" grep -q 'Pending power cycle' "$work/r.hdf"
check "html: pending in the data and a card" \
    bash -c "grep -q '\"pending\"' '$work/r.html' && grep -q 'pending power cycle</span>' '$work/r.html'"
timeout 60 "$VMXGUARD" report --store "$work/s.db" --run latest -f json -o "$work/replay.json" \
    </dev/null >/dev/null 2>"$work/replay.err" || cat "$work/replay.err"
check "the stored run renders back with its pending results" \
    [ "$(status_of "$work/replay.json" DC0_C0_RP0_VM0 $rule)" = pending ]
check "the store keeps the pending total" \
    "$py" -c "import sqlite3; c=sqlite3.connect('$work/s.db'); assert c.execute('select pending from runs').fetchone()[0] > 0"

# --- power cycle: in effect --------------------------------------------------
check "VM0 power-cycled with govc" cycle $VM0
vg audit -q "$URL" -f json -o "$work/a2.json"
check "after the power cycle the rule passes on VM0" [ "$(status_of "$work/a2.json" DC0_C0_RP0_VM0 $rule)" = pass ]
check "VM1, not cycled, is still pending" [ "$(status_of "$work/a2.json" DC0_C0_RP0_VM1 $rule)" = pending ]
check "VM0 has no pending result left" \
    "$py" -c "
import json
d=json.load(open('$work/a2.json'))
assert not [r for v in d['vms'] if v['vm']['name']=='DC0_C0_RP0_VM0' for r in v['results'] if r['status']=='pending']"

# --- a powered-off VM applies it at the next power-on: never pending --------
"$GOVC" vm.power -off $VM1 >/dev/null
vg audit -q "$URL" -f json -o "$work/a3.json"
check "a powered-off VM has no pending result" [ "$(status_of "$work/a3.json" DC0_C0_RP0_VM1 $rule)" = pass ]

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "ok: pending until the power cycle, pass after it"
