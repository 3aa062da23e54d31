#!/usr/bin/env bash
# hdf read by the tools that consume it, all installed by
# scripts/setup.d/report.sh from tests/consumers/package-lock.json:
#  - inspecjs (Heimdall's parser) types it and its results equal vmxguard's
#    JSON report (tests/consumers/hdf_check.mjs), for the fixture (every
#    status, waivers) and the CLI over examples/datastore1;
#  - saf view summary counts the same failed and passed controls;
#  - saf validate threshold passes at the compliance vmxguard reached and
#    fails one point above it;
#  - saf convert hdf2ckl and hdf2xccdf read it (one VULN / rule-result per
#    control, Open for each failed control);
#  - Heimdall Lite, served on 127.0.0.1 and opened in headless Chromium with
#    the file loaded, shows the failed controls and the status counts, with
#    nothing on the console.  Screenshot: build dir, report-hdf-heimdall.png.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
need "$bin/saf"
need "$consumers/node_modules/@mitre/heimdall-lite/dist/index.html"
command -v chromium >/dev/null || fail "chromium missing (scripts/deps/report.txt)"
command -v openssl >/dev/null || fail "openssl missing (scripts/deps/report.txt)"
command -v xmllint >/dev/null || fail "xmllint missing (libxml2-utils)"
export NO_COLOR=1 SAF_CLI_NO_UPDATE_NOTIFIER=1

n=0
for d in $(sample_dirs hdf); do
    f=$d/fixture.hdf
    [ -s "$f" ] || fail "$f missing"
    cp "$f" "$work/run.hdf.json"
    counts=$(node "$consumers/hdf_check.mjs" "$work/run.hdf.json" "$d/fixture.json") || fail "$f"
    failed=${counts#failed=}
    failed=${failed%% *}
    passed=${counts##*passed=}
    # saf's summary: failed and passed controls over all profiles
    timeout 120 "$bin/saf" view summary -i "$work/run.hdf.json" -f json -o "$work/summary.json" \
        >/dev/null 2>&1 || fail "$f: saf view summary failed"
    node -e '
        const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
        const list = Array.isArray(s) ? s : [s]
        const sum = k => list.reduce((n, p) => n + (p[k]?.total ?? 0), 0)
        if (sum("failed") !== +process.argv[2] || sum("passed") !== +process.argv[3]) {
            console.error(`saf counts failed=${sum("failed")} passed=${sum("passed")}, want ${process.argv[2]} ${process.argv[3]}`)
            process.exit(1)
        }' "$work/summary.json" "$failed" "$passed" || fail "$f: saf view summary disagrees"
    # threshold (a template file; saf ignores -I here): the compliance saf computes, then one above
    comp=$(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
        console.log(Math.floor((Array.isArray(s)?s:[s])[0].compliance))' "$work/summary.json")
    # (once: the CLI's document; saf takes seconds to start)
    if [ "$d" = "$work/cli" ]; then
        printf 'compliance:\n  min: %s\n' "$comp" >"$work/thr-ok.yml"
        printf 'compliance:\n  min: %s\n' "$((comp + 1))" >"$work/thr-high.yml"
        timeout 120 "$bin/saf" validate threshold -i "$work/run.hdf.json" -T "$work/thr-ok.yml" \
            >"$work/thr.out" 2>&1 || fail "$f: threshold $comp rejected: $(tail -3 "$work/thr.out")"
        if timeout 120 "$bin/saf" validate threshold -i "$work/run.hdf.json" -T "$work/thr-high.yml" \
            >/dev/null 2>&1; then
            fail "$f: saf validate threshold accepted compliance.min $((comp + 1)) (vmxguard: $comp)"
        fi
    fi
    # conversions
    timeout 120 "$bin/saf" convert hdf2ckl -i "$work/run.hdf.json" -o "$work/saf.ckl" >/dev/null 2>&1 ||
        fail "$f: saf convert hdf2ckl failed"
    controls=$(node -e 'const h=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
        console.log(h.profiles.reduce((n,p)=>n+p.controls.length,0))' "$work/run.hdf.json")
    vulns=$(grep -c '<VULN>' "$work/saf.ckl" || true)
    [ "$vulns" -eq "$controls" ] || fail "$f: hdf2ckl wrote $vulns VULNs for $controls controls"
    open=$(grep -c '<STATUS>Open</STATUS>' "$work/saf.ckl" || true)
    [ "$open" -eq "$failed" ] || fail "$f: hdf2ckl wrote $open Open for $failed failed controls"
    timeout 120 "$bin/saf" convert hdf2xccdf -i "$work/run.hdf.json" -o "$work/saf.xml" >/dev/null 2>&1 ||
        fail "$f: saf convert hdf2xccdf failed"
    xmllint --noout "$work/saf.xml" || fail "$f: hdf2xccdf output is not XML"
    rr=$(grep -o "<rule-result" "$work/saf.xml" | wc -l)
    [ "$rr" -eq "$controls" ] || fail "$f: hdf2xccdf wrote $rr rule-results for $controls controls"
    n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "only $n hdf documents were checked (fixture and CLI expected)"

# per-VM documents with an output directory, each complete on its own
"$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1" --format hdf --output-dir "$work/per-vm" \
    >/dev/null 2>&1 || true
"$VMXGUARD" audit "$VG_SOURCE_DIR/examples/datastore1" --format json -o "$work/all.json" \
    >/dev/null 2>&1 || true
m=0
for f in "$work/per-vm"/*.hdf.json; do
    name=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).platform.target_id)' "$f")
    node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
        r.vms=r.vms.filter(v=>v.vm.name===process.argv[2]); require("fs").writeFileSync(process.argv[3],JSON.stringify(r))' \
        "$work/all.json" "$name" "$work/one.json"
    node "$consumers/hdf_check.mjs" "$f" "$work/one.json" >/dev/null || fail "$f"
    m=$((m + 1))
done
[ "$m" -ge 5 ] || fail "only $m per-VM hdf files"

# Heimdall Lite in Chromium, the CLI's document (the loop's last) loaded
hdf=$work/run.hdf.json
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/gh.key" -out "$work/gh.crt" -days 1 \
    -subj /CN=api.github.com -addext subjectAltName=DNS:api.github.com >/dev/null 2>&1 ||
    fail "openssl could not make the test certificate"
node "$consumers/heimdall_serve.mjs" "$work/ports" "$hdf" "$work/gh.crt" "$work/gh.key" \
    >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r port tport <"$work/ports" || fail "heimdall server did not start: $(cat "$work/serve.log")"
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" --enable-logging=stderr --v=0 \
        --host-resolver-rules="MAP api.github.com 127.0.0.1:$tport, EXCLUDE 127.0.0.1" \
        --ignore-certificate-errors --window-size=1600,2400 --virtual-time-budget=30000 \
        "$@" "http://127.0.0.1:$port/?predefinedLoad=true"
}
chrome --dump-dom >"$work/heimdall.html" 2>"$work/heimdall.err" || fail "chromium failed: $(tail -3 "$work/heimdall.err")"
if grep -q ':CONSOLE' "$work/heimdall.err"; then
    grep ':CONSOLE' "$work/heimdall.err" >&2
    fail "Heimdall wrote to the console while showing the hdf"
fi
shot=$VG_BINARY_DIR/report-hdf-heimdall.png
chrome --screenshot="$shot" >/dev/null 2>&1 || fail "chromium could not take the screenshot"
[ -s "$shot" ] || fail "no screenshot"
counts=$(node "$consumers/hdf_check.mjs" "$hdf" "$work/cli/fixture.json") || fail "$hdf"
failed=${counts#failed=}
failed=${failed%% *}
grep -q "Failed: $failed<" "$work/heimdall.html" || fail "Heimdall does not show 'Failed: $failed'"
node -e 'const h=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
    for (const p of h.profiles) for (const c of p.controls) if (c.results.some(r=>r.status==="failed")) console.log(c.id)' \
    "$hdf" | head -5 >"$work/failing"
[ -s "$work/failing" ] || fail "the hdf has no failed control to look for"
while read -r id; do
    grep -qF "$id" "$work/heimdall.html" || fail "Heimdall does not list failed control $id"
done <"$work/failing"
echo "ok: $n hdf documents and $m per-VM files read by inspecjs and saf; Heimdall shows them ($shot)"
