#!/usr/bin/env bash
# SARIF output passes `sarif-multitool validate` (Microsoft's validator, the
# .NET tool shipped in npm) with no errors or warnings; a broken log is
# caught, so the check can fail.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
tool=$bin/sarif-multitool
need "$tool"
validate() {
    local log=$work/validate-$RANDOM.sarif
    rm -f "$log"
    "$tool" validate --level Error Warning -o "$log" "$1" >/dev/null 2>&1 || fail "sarif-multitool did not run on $1"
    node "$consumers/sarif_check.mjs" "$1" "$log"
}
for d in $(sample_dirs sarif); do
    validate "$d/fixture.sarif" || fail "$d/fixture.sarif"
done
node -e '
const fs = require("fs"); const d = JSON.parse(fs.readFileSync(process.argv[1]));
delete d.runs[0].results[0].message; d.runs[0].results[1].level = "fatal";
fs.writeFileSync(process.argv[2], JSON.stringify(d))' "$work/fixture/fixture.sarif" "$work/bad.sarif"
if validate "$work/bad.sarif" 2>/dev/null; then
    fail "the validator accepted a broken SARIF log"
fi

# GitHub code scanning's shape: relative URIs on declared bases, helpUri per
# rule, at most --sarif-run-size (default 25,000) results a run, 20 runs.
ex=$VG_SOURCE_DIR/examples/datastore1
mkdir -p "$work/two"
cp -r "$ex" "$work/two/a"; cp -r "$ex" "$work/two/b"
"$VMXGUARD" audit "$work/two" -q -f json -o "$work/two.json" 2>/dev/null || true
n=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
  const c=d.summary.counts; console.log(c.fail + c.waived + c.error)' "$work/two.json")
shape() { # file, results per run, expected runs, expected omitted
    node -e '
const [file, per, runs, omitted] = process.argv.slice(1); const fs = require("fs")
const d = JSON.parse(fs.readFileSync(file)); const bad = m => { console.error(file + ": " + m); process.exit(1) }
if (d.runs.length !== +runs) bad(`${d.runs.length} runs, want ${runs}`)
const ids = new Set(d.runs.map(r => r.automationDetails.id))
if (ids.size !== d.runs.length) bad("runs share an automationDetails id")
for (const r of d.runs) {
  if (r.results.length > +per) bad(`a run holds ${r.results.length} results`)
  for (const rule of r.tool.driver.rules) if (!/^https:\/\//.test(rule.helpUri || "")) bad(`rule ${rule.id} without helpUri`)
  for (const res of r.results) for (const l of res.locations) {
    const a = l.physicalLocation && l.physicalLocation.artifactLocation
    if (!a) continue
    if (/^[a-z]+:|^\//.test(a.uri)) bad(`absolute uri ${a.uri}`)
    if (!r.originalUriBaseIds[a.uriBaseId]) bad(`undeclared uriBaseId ${a.uriBaseId}`)
  }
}
const last = d.runs[d.runs.length - 1]
if ((last.properties.omittedResults || 0) !== +omitted) bad(`omittedResults ${last.properties.omittedResults}, want ${omitted}`)
const notes = last.invocations[0].toolExecutionNotifications.filter(x => /not written/.test(x.message.text))
if ((+omitted > 0) !== (notes.length === 1)) bad("omitted results without a notification, or the reverse")
' "$@" || fail "sarif shape of $1"
}
"$VMXGUARD" audit "$work/two" -q -f sarif -o "$work/one.sarif" 2>/dev/null || true
shape "$work/one.sarif" 25000 1 0
"$VMXGUARD" audit "$work/two" -f sarif --sarif-run-size 5 -o "$work/split.sarif" 2>"$work/split.err" || true
shape "$work/split.sarif" 5 $(((n + 4) / 5)) 0
grep -q "$n findings split into $(((n + 4) / 5)) SARIF runs" "$work/split.err" || fail "no split warning: $(cat "$work/split.err")"
validate "$work/split.sarif" || fail "split sarif"
"$VMXGUARD" audit "$work/two" -f sarif --sarif-run-size 1 -o "$work/cap.sarif" 2>"$work/cap.err" || true
shape "$work/cap.sarif" 1 20 $((n - 20))
grep -q "left out" "$work/cap.err" || fail "no warning for left-out results: $(cat "$work/cap.err")"
validate "$work/cap.sarif" || fail "capped sarif"

# vSphere VMs: a logical location (server, VM), no physical file or line
SERVER=$VG_SOURCE_DIR/tests/fixtures/vsphere/replay_server.py
python3 "$SERVER" --scenario basic --port-file "$work/port" --log "$work/replay.log" &
rpid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { kill $rpid; fail "replay server did not start"; }
VMXGUARD_USER=vmxuser VMXGUARD_PASSWORD=vmx-Pass1 timeout 60 "$VMXGUARD" audit -q -f sarif \
    -o "$work/vs.sarif" "http://127.0.0.1:$(cat "$work/port")/sdk" 2>/dev/null || true
kill $rpid 2>/dev/null; wait $rpid 2>/dev/null || true
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1])); const rs = d.runs[0].results
if (!rs.length) { console.error("no vSphere results"); process.exit(1) }
for (const r of rs) for (const l of r.locations) {
  if (l.physicalLocation) { console.error("a vSphere result with a file location"); process.exit(1) }
  const names = l.logicalLocations.map(x => x.kind)
  if (names.join() !== "namespace,resource" || !/^127\.0\.0\.1:\d+\/vm-/.test(l.logicalLocations[1].fullyQualifiedName)) {
    console.error("logical location: " + JSON.stringify(l.logicalLocations)); process.exit(1) }
}' "$work/vs.sarif" || fail "vSphere logical locations"
validate "$work/vs.sarif" || fail "vSphere sarif"
echo "ok: sarif validates"
