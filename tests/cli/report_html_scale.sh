#!/usr/bin/env bash
# The HTML report at estate scale, opened by headless Chromium: 5,000 VMs
# from bench/gen_datastore.py, hard-linked four times into 20,000, audited
# into one page each.  The 20,000-VM page renders with no console output,
# marks itself ready with windowed lists (rows on screen, far fewer than
# the findings), counts that match the JSON report, and no horizontal
# overflow at a phone's 390 px; its size grows with the estate (ratio of
# the 4N and N pages, not an absolute size or time).  Screenshots at 390
# and 1280 px are kept in the build dir: report-html-390.png and
# report-html-1280.png.  Times to ready are for bench/html_bench.sh.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
: "${VMXGUARD:?}"
command -v chromium >/dev/null || fail "chromium missing (scripts/deps/report.txt)"

chrome() {
    local out=$1 err=$2 url=$3
    shift 3
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" --enable-logging=stderr --v=0 \
        "$@" "$url" >"$out" 2>"$err" || fail "chromium failed on $url: $(tail -3 "$err")"
}

N=5000
python3 "$VG_SOURCE_DIR/bench/gen_datastore.py" "$work/ds/a" $N >/dev/null
mkdir -p "$work/ds4"
for p in a b c d; do cp -al "$work/ds/a" "$work/ds4/$p"; done
audit() { # DIR OUT FORMAT
    local rc=0
    # no folder evidence: ds4 hard-links every vmware.log, and the audit
    # rightly refuses to read a hard-linked log as evidence
    "$VMXGUARD" audit --no-folder-evidence "$1" --format "$3" -o "$2" >/dev/null 2>&1 || rc=$?
    [ "$rc" -le 1 ] || fail "audit of $1 to $3 exited $rc"
}
audit "$work/ds" "$work/n.html" html
audit "$work/ds4" "$work/4n.html" html
audit "$work/ds4" "$work/4n.json" json
small=$(stat -c %s "$work/n.html") big=$(stat -c %s "$work/4n.html")
# 4x the VMs: about 4x the bytes (the constant part makes it a bit less)
awk -v a="$small" -v b="$big" 'BEGIN { r = b / a; exit !(r > 3.2 && r < 4.4) }' ||
    fail "page size does not scale with the estate: $small bytes for $N VMs, $big for $((4 * N))"

want=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
    let f=0; for (const v of r.vms) for (const x of v.results)
        if (["fail","error","waived","manual"].includes(x.status)) f++;
    console.log(f+" "+r.vms.length)' "$work/4n.json")
read -r findings vms <<<"$want"
[ "$vms" -eq $((4 * N)) ] || fail "the JSON report has $vms VMs, not $((4 * N))"

# A probe appended after the page's own script reads the layout once drawn.
probe='<script>(function(){var d=document.documentElement,s=document.scrollingElement;
d.setAttribute("data-probe",[document.querySelectorAll("#findings-view .row").length,
document.querySelectorAll("#vms-view .row").length,s.scrollWidth,innerWidth].join(" "));})();</script>'
perl -0pe 's{</body>}{'"${probe//$'\n'/ }"'</body>}' "$work/4n.html" > "$work/probe.html"
for w in 1280 390; do
    chrome "$work/dom$w.html" "$work/err$w" "file://$work/probe.html" --dump-dom \
        --window-size=$w,900
    if grep -q ':CONSOLE' "$work/err$w"; then
        grep ':CONSOLE' "$work/err$w" | head -5 >&2
        fail "console output rendering $((4 * N)) VMs at $w px"
    fi
    ready=$(grep -o ' data-ready="[0-9]*"' "$work/dom$w.html" | grep -o '[0-9]*') ||
        fail "$w px: the page never marked itself ready"
    grep -q ">$findings of $findings findings<" "$work/dom$w.html" ||
        fail "$w px: findings counter is not $findings of $findings"
    grep -q ">$vms of $vms VMs<" "$work/dom$w.html" || fail "$w px: VM counter is not $vms of $vms"
    read -r frows vrows sw iw <<<"$(grep -o ' data-probe="[0-9 ]*"' "$work/dom$w.html" | grep -o '[0-9][0-9 ]*')"
    [ "${frows:-0}" -gt 0 ] && [ "$frows" -lt 100 ] && [ "$frows" -lt "$findings" ] ||
        fail "$w px: $frows findings rows in the DOM (want a window: some, not all $findings)"
    [ "${vrows:-0}" -gt 0 ] && [ "$vrows" -lt 100 ] || fail "$w px: $vrows VM rows in the DOM"
    [ "$sw" -le "$iw" ] || fail "$w px: horizontal overflow, scrollWidth $sw > innerWidth $iw"
    echo "$w px: ready after $ready ms, $frows of $findings findings rows and $vrows VM rows drawn"
    shot=$VG_BINARY_DIR/report-html-$w.png
    rm -f "$shot"
    chrome "$work/shot$w.out" "$work/shot$w.err" "file://$work/4n.html" \
        --window-size=$w,1600 --screenshot="$shot" --hide-scrollbars
    [ "$(stat -c %s "$shot" 2>/dev/null || echo 0)" -gt 10000 ] || fail "no screenshot at $shot"
done
echo "ok: $((4 * N)) VMs in $big bytes ($small for $N); screenshots in $VG_BINARY_DIR"
