#!/usr/bin/env bash
# The HTML report rendered by headless Chromium (Debian's package): no
# console output at all (errors, CSP violations), the page text holds every
# failing rule id, the script ran (the findings counter is filled and the
# page marked ready), the JSON data block cannot be ended early and holds
# no raw control character, the per-rule table is complete without
# JavaScript, and nothing outside the file is referenced.  Scale is checked
# in report_html_scale.sh.  Screenshots are kept in the build dir: report-html.png and
# report-html-nojs.png.
. "$VG_SOURCE_DIR/tests/consumers/lib.sh"
command -v chromium >/dev/null || fail "chromium missing (scripts/deps/report.txt)"

# chrome OUT ERR URL [extra flags...]: --dump-dom of URL into OUT, log in ERR
chrome() {
    local out=$1 err=$2 url=$3
    shift 3
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" --enable-logging=stderr --v=0 \
        "$@" "$url" >"$out" 2>"$err" || fail "chromium failed on $url: $(tail -3 "$err")"
}

data_block_safe() {
    # (what a browser reads as the block ends at the first "</script": it
    # must be the whole JSON document, with no < > & or control left raw)
    node -e 'const h=require("fs").readFileSync(process.argv[1],"utf8");
        const tag="<script type=\"application/json\" id=\"vg-data\">", i=h.indexOf(tag);
        if (i<0) process.exit(2);
        const rest=h.slice(i+tag.length), d=rest.slice(0,rest.search(/<\/script/i));
        if (/[<>&\x00-\x1f\x7f]/.test(d)) process.exit(3);
        JSON.parse(d);' "$1" || return 1
}

no_console() {
    if grep -q ':CONSOLE' "$1"; then
        grep ':CONSOLE' "$1" >&2
        return 1
    fi
}

# The data block check must be able to fail: a string that ends the block.
sed 's#<script type="application/json" id="vg-data">{#&"x":"</script>",#' \
    "$VG_SOURCE_DIR/tests/golden/report/fixture.html" > "$work/early-end.html"
data_block_safe "$work/early-end.html" 2>/dev/null && fail "a block ended early was not seen"

# The console check must be able to fail: a page with a script error.
printf '<!DOCTYPE html><title>t</title><script>undefinedFunction();</script>' > "$work/bad.html"
chrome "$work/bad.dom" "$work/bad.err" "file://$work/bad.html" --dump-dom
no_console "$work/bad.err" 2>/dev/null && fail "a script error was not seen on the console"

for d in $(sample_dirs html); do
    page=$d/fixture.html
    [ -s "$page" ] || fail "$page missing"
    if grep -Eiq '(src|href)="[a-z]+:' "$page"; then
        fail "$page references something outside itself"
    fi
    chrome "$work/dom.html" "$work/dom.err" "file://$page" --dump-dom
    no_console "$work/dom.err" || fail "$page: console output while rendering"
    total=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
        console.log(r.vms.reduce((n,v)=>n+v.results.filter(x=>["fail","error","waived","manual","pending"]
            .includes(x.status)).length,0))' "$d/fixture.json")
    grep -q ">$total of $total findings<" "$work/dom.html" || fail "$page: the list script did not run"
    grep -q ' data-ready="[0-9]*"' "$work/dom.html" || fail "$page: not marked ready"
    data_block_safe "$page" 2>/dev/null || fail "$page: data block missing or not safely escaped"
    node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));
        for (const v of r.vms) for (const x of v.results) if (x.status==="fail") console.log(x.rule)' \
        "$d/fixture.json" | sort -u > "$work/failing"
    [ -s "$work/failing" ] || fail "$d/fixture.json has no failing rule to look for"
    while read -r rule; do
        grep -qF "$rule" "$work/dom.html" || fail "$page: failing rule $rule not on the page"
    done < "$work/failing"
    # JavaScript off: Chromium's headless mode needs script to dump or
    # shoot a page, so render the page with its one inline script removed,
    # which is what a browser without JavaScript shows.
    perl -0pe 's{<script>.*?</script>}{}s' "$page" > "$work/nojs-page.html"
    grep -q '<script>' "$work/nojs-page.html" && fail "$page: more than one script"
    chrome "$work/nojs.html" "$work/nojs.err" "file://$work/nojs-page.html" --dump-dom
    no_console "$work/nojs.err" || fail "$page: console output without JavaScript"
    while read -r rule; do
        grep -qF "<tr data-rule=\"$rule\"" "$work/nojs.html" ||
            fail "$page: failing rule $rule has no counts row without JavaScript"
    done < "$work/failing"
    grep -q 'data-ready=' "$work/nojs.html" && fail "$page: marked ready without script"
    grep -q 'class=" js"' "$work/nojs.html" && fail "$page: marked as scripted without script"
    grep -q 'class=" js"' "$work/dom.html" || fail "$page: the script did not mark the page"
done
chrome "$work/nojs.out" "$work/nojs.err" "file://$work/nojs-page.html" \
    --window-size=1280,1800 --screenshot="$VG_BINARY_DIR/report-html-nojs.png" --hide-scrollbars
shot=$VG_BINARY_DIR/report-html.png
rm -f "$shot"
chrome "$work/shot.out" "$work/shot.err" "file://$work/fixture/fixture.html" \
    --window-size=1280,1800 --screenshot="$shot" --hide-scrollbars
[ "$(stat -c %s "$shot" 2>/dev/null || echo 0)" -gt 20000 ] || fail "no screenshot at $shot"
echo "ok: html renders cleanly; screenshot at $shot"
