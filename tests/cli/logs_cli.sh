#!/bin/bash
# vmxguard logs: exit codes, options, formats and errors (synthetic inputs
# in a temp dir; the corpus is covered by logs_golden.sh).
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # name, expected exit, actual exit
    if [ "$2" != "$3" ]; then echo "FAIL $1: exit $3, expected $2"; fails=$((fails + 1));
    else echo "ok   $1"; fi
}
expect_in() { # name, needle, file
    if grep -qF -- "$2" "$3"; then echo "ok   $1"; else
        echo "FAIL $1: '$2' not in output:"; head -20 "$3"; fails=$((fails + 1)); fi
}

mkdir -p "$tmp/clean" "$tmp/bad" "$tmp/flood"
printf '%s\n' '2024-08-09T22:36:03.981Z In(05) vmx Log for VMware Workstation pid=1 version=17.0.0 build=build-1 option=Release' \
    '2024-08-09T22:38:40.992Z In(05) vmx VMX exit (0).' >"$tmp/clean/vmware.log"
printf '%s\n' '2024-08-09T22:36:03.981Z In(05) vmx Log for VMware Workstation pid=1 version=17.0.0 build=build-1 option=Release' \
    '2024-08-09T22:37:00.000Z In(05) vcpu-0 MONITOR PANIC: vcpu-0:VMM fault 14' \
    '2024-08-09T22:38:40.992Z In(05) vmx VMX exit (1).' >"$tmp/bad/vmware.log"
for i in $(seq 1 30); do
    printf '2024-08-09T22:36:%02d.000Z In(05) vmx Guest: hello %d\n' "$i" "$i"
done >"$tmp/flood/vmware.log"

"$VMXGUARD" logs "$tmp/clean" >"$tmp/out" 2>&1; check "clean log exits 0" 0 $?
expect_in "text names the product" "product: VMware Workstation 17.0.0 build-1" "$tmp/out"
"$VMXGUARD" logs "$tmp/bad/vmware.log" >"$tmp/out" 2>&1; check "failures exit 1" 1 $?
expect_in "monitor panic listed" "[high] failure monitor-panic" "$tmp/out"
expect_in "non-zero exit listed with status" "vmx-exit-nonzero opcode status 1 x1" "$tmp/out"
expect_in "first occurrence with file:line" "2024-08-09T22:37:00.000Z $tmp/bad/vmware.log:2" "$tmp/out"

"$VMXGUARD" logs "$tmp/flood" >"$tmp/out" 2>&1; check "30 guest lines/min below default rate" 0 $?
"$VMXGUARD" logs --flood-rate 20 "$tmp/flood" >"$tmp/out" 2>&1; check "--flood-rate 20 floods" 1 $?
expect_in "flood finding" "[high] flood backdoor-flood x30" "$tmp/out"
"$VMXGUARD" logs --flood-rate 0 "$tmp/flood" >"$tmp/out" 2>&1; check "--flood-rate 0 is a usage error" 2 $?
expect_in "rate error message" "--flood-rate: '0'" "$tmp/out"
"$VMXGUARD" logs --fail-on high "$tmp/flood" --flood-rate 20 >/dev/null 2>&1; check "--fail-on high still fails a flood" 1 $?
"$VMXGUARD" logs --fail-on high "$tmp/bad" >/dev/null 2>&1; check "--fail-on high fails a panic" 1 $?
"$VMXGUARD" logs --fail-on bogus "$tmp/bad" >/dev/null 2>&1; check "--fail-on bogus" 2 $?

"$VMXGUARD" logs "$tmp/clean" "$tmp/nope" >"$tmp/out" 2>"$tmp/err"; check "missing input exits 2" 2 $?
expect_in "missing input named" "$tmp/nope: cannot read" "$tmp/err"
expect_in "other input still read" "product: VMware Workstation" "$tmp/out"
mkdir -p "$tmp/empty"
"$VMXGUARD" logs "$tmp/empty" >/dev/null 2>"$tmp/err"; check "folder without logs exits 2" 2 $?
expect_in "folder error says why" "no vmware.log or vmware-N.log here" "$tmp/err"
"$VMXGUARD" logs >/dev/null 2>&1; check "no path is a usage error" 2 $?
printf 'displayName = "x"\nlog.rotateSize = "10"\n' >"$tmp/bad/web.vmx"
"$VMXGUARD" logs "$tmp/bad/web.vmx" >"$tmp/out" 2>"$tmp/err"; check "a .vmx reads its folder's logs" 1 $?
expect_in "the named .vmx gives rotateSize" "log.rotateSize 10," "$tmp/out"
cp "$tmp/bad/web.vmx" "$tmp/notalog.log"
"$VMXGUARD" logs "$tmp/notalog.log" >/dev/null 2>"$tmp/err"; check "a file that is no log exits 2" 2 $?
expect_in "says it is not a log" "$tmp/notalog.log:1: not a vmware.log" "$tmp/err"
"$VMXGUARD" logs --format yaml "$tmp/clean" >/dev/null 2>"$tmp/err"; check "unknown format" 2 $?

"$VMXGUARD" logs --format json -o "$tmp/o.json" "$tmp/bad" "$tmp/clean"; check "json to a file" 1 $?
expect_in "json has both inputs" "\"path\": \"$tmp/clean\"" "$tmp/o.json"
expect_in "json finding" '"id": "vmx-exit-nonzero"' "$tmp/o.json"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==2' "$tmp/o.json"
    check "json parses as a list of 2" 0 $?
fi
"$VMXGUARD" logs --format jsonl "$tmp/bad" "$tmp/clean" >"$tmp/o.jsonl"; check "jsonl" 1 $?
[ "$(wc -l <"$tmp/o.jsonl")" = 2 ]; check "jsonl has one line per path" 0 $?
expect_in "jsonl line starts with path" "{\"path\":\"$tmp/bad\"," "$tmp/o.jsonl"

# sarif and html come from the report writers, with the evidence rules as results
"$VMXGUARD" logs --format sarif "$tmp/bad" >"$tmp/o.sarif" 2>"$tmp/err"; check "sarif" 1 $?
expect_in "sarif result for the failing rule" '"ruleId":"log-no-vmx-failures"' "$tmp/o.sarif"
expect_in "sarif points at the log line" '"region":{"startLine":2}' "$tmp/o.sarif"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/o.sarif"
    check "sarif parses as json" 0 $?
fi
"$VMXGUARD" logs --format html "$tmp/bad" >"$tmp/o.html" 2>"$tmp/err"; rc=$?
if grep -q "unknown report format 'html'" "$tmp/err"; then
    # the html writer belongs to the report module; until it lands the CLI
    # must say so and exit 2, which is what is checked here
    echo "NOTE html: report writer not in this build yet"; check "html missing exits 2" 2 $rc
else
    check "html" 1 $rc
    expect_in "html names the rule" "log-no-vmx-failures" "$tmp/o.html"
fi

# guest-written text must not reach the terminal as control sequences
mkdir -p "$tmp/esc"
printf '2024-08-09T22:36:03.981Z In(05) vmx Guest: \033[2J\033]0;owned\007 hi\n' >"$tmp/esc/vmware.log"
"$VMXGUARD" logs "$tmp/esc" >"$tmp/out" 2>&1; check "escape log reads" 0 $?
if grep -q "$(printf '\033')" "$tmp/out"; then echo "FAIL escape reached the output"; fails=$((fails + 1));
else echo "ok   escape sequences neutralised"; fi
expect_in "escapes shown visibly" 'example: Guest: \x1B[2J\x1B]0;owned\x07 hi' "$tmp/out"
mkdir -p "$tmp/new
line"
cp "$tmp/clean/vmware.log" "$tmp/new
line/"
"$VMXGUARD" logs --format jsonl "$tmp/new
line" >"$tmp/o.jsonl"; check "jsonl with a newline in the path" 0 $?
expect_in "newline escaped in json" 'new\nline' "$tmp/o.jsonl"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/o.jsonl"; check "jsonl with a newline in the path parses" 0 $?

"$VMXGUARD" logs --help >"$tmp/out"; check "help" 0 $?
for opt in --format --output --flood-rate --fail-on --quiet examples:; do
    expect_in "help mentions $opt" "$opt" "$tmp/out"
done
exit $((fails > 0))
