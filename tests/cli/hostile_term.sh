#!/usr/bin/env bash
# Nothing vmxguard prints for a human can drive the terminal (issue 22):
# file names, .vmx values, values decoded from a lying .encoding, log
# lines, fix diffs (--dry-run and before the y/n prompt), errors about
# hostile file names, waiver and profile file names.  Every class is fed:
# C0 controls (ESC sequences, BEL, BS, CR, a forged line), DEL, C1 controls
# as UTF-8 (CSI, NEL), bidi overrides, isolates and marks, the line and
# paragraph separators, and bytes that are not UTF-8.  No such raw byte or
# character may reach stdout or stderr of a text output; the escaped form
# must be there instead.  The XML writers must stay well-formed (xmllint)
# on the same input, and JSON must escape C0 controls.
set -u
: "${VMXGUARD:?}"
command -v python3 >/dev/null || { echo "FAIL python3 missing"; exit 1; }
command -v xmllint >/dev/null || { echo "FAIL xmllint missing (libxml2-utils)"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# raw_free NAME FILE...: no byte or character a terminal acts on, except
# line feed and tab, and valid UTF-8 throughout
cat >"$t/check.py" <<'PY'
import re, sys
active = re.compile('[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u2028\u2029'
                    '\u202a-\u202e\u2066-\u2069]')
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        print('%s: not UTF-8 at byte %d: %r' % (path, e.start, data[max(0, e.start - 20):e.start + 5]))
        sys.exit(1)
    m = active.search(text)
    if m:
        print('%s: raw U+%04X at %d: %r' % (path, ord(m.group()), m.start(),
                                            text[max(0, m.start() - 30):m.start() + 10]))
        sys.exit(1)
PY
raw_free() {
    local name=$1; shift
    if out=$(python3 "$t/check.py" "$@" 2>&1); then ok "$name: nothing raw"; else bad "$name: $out"; fi
}
has() { # name, fixed string, file...
    local name=$1 s=$2; shift 2
    if grep -qF -- "$s" "$@"; then ok "$name"; else bad "$name: '$s' not shown"; head -c 600 "$@"; fi
}

# Every class, as it appears raw in a name, a value or a log line.  NUL
# cannot be in a name or a value (refused by the parser), so it is not here.
ESC=$'\033'
CLASSES=(
    "esc${ESC}[2J${ESC}]0;owned"$'\007'"x"   # CSI, OSC title, BEL
    $'bs\010cr\rtab\tvt\013ff\014del\177'    # other C0, DEL
    $'c1\xc2\x9b31m\xc2\x85nel'              # C1 CSI and NEL as UTF-8
    $'rlo\xe2\x80\xaeexe.fdp'                # bidi override
    $'iso\xe2\x81\xa6x\xe2\x81\xa9lrm\xe2\x80\x8e\xd8\x9c'  # isolates, marks
    $'ls\xe2\x80\xa8ps\xe2\x80\xa9'          # line / paragraph separators
    $'bad\xff\xfe\xc0\x9b'                   # not UTF-8 (and an overlong C1)
)
# escaped forms that must be visible for the classes above
SHOWN=('\x1B[2J' '\x08' '\u009B' '\u202E' '\u2066' '\u2028' '\xFF')

# --- a datastore whose folder names, file names and values carry them all
ds=$t/ds
mkdir -p "$ds"
i=0
for c in "${CLASSES[@]}"; do
    name=${c//\//_}
    d="$ds/vm$i-$name"
    mkdir -p "$d"
    # the value fails a rule, so it shows up in the evidence
    printf 'displayName = "%s"\nisolation.tools.copy.disable = "%s"\nRemoteDisplay.maxConnections = "1"\n' \
        "$name" "$name" >"$d/vm$i-$name.vmx"
    i=$((i + 1))
done
# a forged line in a name: a newline inside the folder name
mkdir -p "$ds/nl"$'\n'"vmxguard: forged"
printf 'displayName = "nl"\n' >"$ds/nl"$'\n'"vmxguard: forged/nl.vmx"
# a lying .encoding: ISO-8859-1 makes 0x9B a C1 CSI and 0x85 a NEL
mkdir -p "$ds/enc"
printf '.encoding = "ISO-8859-1"\ndisplayName = "enc\x9b2J\x85x"\nisolation.tools.copy.disable = "\x9b31m"\n' \
    >"$ds/enc/enc.vmx"
# a .vmx that cannot be read, under a hostile name: the error names it
mkdir -p "$ds/broken"
printf 'a = "1"\nb = "x\0y"\n' >"$ds/broken/bro${ESC}[31mken"$'\xe2\x80\xae'".vmx"

"$VMXGUARD" audit --color=never "$ds" >"$t/audit.out" 2>"$t/audit.err"
rc=$?
[ "$rc" -le 2 ] && ok "audit ran (exit $rc)" || bad "audit exit $rc"
raw_free "audit text" "$t/audit.out" "$t/audit.err"
for s in "${SHOWN[@]}"; do has "audit text shows $s" "$s" "$t/audit.out"; done
has "lying .encoding decoded C1 shown escaped" 'enc\u009B2J\u0085x' "$t/audit.out"
has "error names the broken file, escaped" 'bro\x1B[31mken\u202E.vmx' "$t/audit.err"
grep -q '^vmxguard: forged' "$t/audit.out" "$t/audit.err" && bad "a forged line reached the output"
"$VMXGUARD" audit --verbose --color=never "$ds" >"$t/audit-v.out" 2>&1
raw_free "audit --verbose" "$t/audit-v.out"

# machine formats: JSON escapes C0 controls; XML stays well-formed
"$VMXGUARD" audit --format json "$ds" >"$t/a.json" 2>/dev/null
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$t/a.json" 2>/dev/null; then
    ok "json parses"
else
    bad "json does not parse"
fi
grep -q "$ESC" "$t/a.json" && bad "json holds a raw ESC" || ok "json escapes ESC"
for f in junit xccdf; do
    "$VMXGUARD" audit --format $f "$ds" >"$t/a.$f" 2>/dev/null
    if xmllint --noout "$t/a.$f" 2>"$t/xmllint.err"; then ok "$f well-formed"; else
        bad "$f not well-formed: $(head -3 "$t/xmllint.err")"; fi
done
for f in ckl xccdf; do
    rm -rf "$t/cl-$f"
    "$VMXGUARD" audit --format $f --profile disa-vsphere8-vm --output-dir "$t/cl-$f" "$ds" \
        >/dev/null 2>&1
    n=0
    for x in "$t/cl-$f"/*; do
        [ -f "$x" ] || continue
        n=$((n + 1))
        xmllint --noout "$x" 2>"$t/xmllint.err" || { bad "$f $x: $(head -3 "$t/xmllint.err")"; n=-999; }
    done
    [ "$n" -gt 5 ] && ok "$f: $n checklists well-formed" || bad "$f: $n checklists checked"
done

# machine formats hold no raw active character either: JSON writes them as
# \u escapes, XML as character references, CSV (no escapes of its own) in
# the visible form; so `cat` or `less -r` of any report cannot drive the
# terminal, and JSON and XML consumers still read the same value back (the
# json parse and xmllint above; here: the escapes)
for f in json jsonl sarif hdf junit xccdf html csv; do
    "$VMXGUARD" audit --format $f "$ds" >"$t/m.$f" 2>/dev/null
    # CSV records end in CR LF (RFC 4180): only a CR inside a cell counts
    [ $f = csv ] && sed -i 's/\r$//' "$t/m.$f"
    raw_free "audit --format $f" "$t/m.$f"
done
has "csv shows ESC in the visible form" '\x1B[2J' "$t/m.csv"
has "json writes C1 as a \\u escape" '\u009B' "$t/m.json"
has "json writes a bidi override as a \\u escape" '\u202E' "$t/m.json"
has "xccdf writes a bidi override as a reference" '&#x202E;' "$t/m.xccdf"
for f in ckl cklb; do
    rm -rf "$t/mo-$f"
    "$VMXGUARD" audit --format $f --profile disa-vsphere8-vm --output-dir "$t/mo-$f" "$ds" \
        >/dev/null 2>&1
    raw_free "audit --format $f" "$t/mo-$f"/*
done
for f in "$ds"/vm*/*.vmx; do "$VMXGUARD" vmx dump --json "$f" >>"$t/dump.json" 2>/dev/null; done
[ -s "$t/dump.json" ] || bad "vmx dump --json wrote nothing"
raw_free "vmx dump --json" "$t/dump.json"

# --- vmx dump and vmx get
for d in "$ds"/vm*/ "$ds/enc/"; do
    f=$(ls "$d"*.vmx)
    "$VMXGUARD" vmx dump "$f" >>"$t/dump.out" 2>>"$t/dump.err"
    "$VMXGUARD" vmx get "$f" displayName isolation.tools.copy.disable >>"$t/get.out" 2>>"$t/get.err"
done
raw_free "vmx dump" "$t/dump.out" "$t/dump.err"
raw_free "vmx get" "$t/get.out" "$t/get.err"
for s in "${SHOWN[@]}"; do has "vmx dump shows $s" "$s" "$t/dump.out"; done
has "vmx get decodes the lying .encoding, escaped" 'enc\u009B2J\u0085x' "$t/get.out"
"$VMXGUARD" vmx get "$ds/enc/enc.vmx" "no${ESC}[2Jsuch" >"$t/get2.out" 2>"$t/get2.err"
raw_free "vmx get: missing hostile key" "$t/get2.out" "$t/get2.err"

# --- logs: guest-written lines with every class, in a hostile folder
lg="$t/logs/vm${ESC}]0;x"$'\007\xe2\x80\xae'
mkdir -p "$lg"
{
    for c in "${CLASSES[@]}"; do
        printf '2024-08-09T22:36:03.981Z In(05) vmx Guest: %s\n' "$c"
        printf '2024-08-09T22:36:04.981Z In(05) vmx GuestRpc: %s\n' "$c"
    done
    printf '2024-08-09T22:36:05.981Z In(05) vmx DICT  virtualHW.version = "20%s"\n' "$ESC[2J"
} >"$lg/vmware.log"
"$VMXGUARD" logs "$lg" >"$t/logs.out" 2>"$t/logs.err"
raw_free "logs text" "$t/logs.out" "$t/logs.err"
"$VMXGUARD" logs --format json "$lg" >"$t/logs.json" 2>/dev/null
[ -s "$t/logs.json" ] || bad "logs --format json wrote nothing"
raw_free "logs --format json" "$t/logs.json"
has "logs text shows the folder escaped" 'vm\x1B]0;x\x07\u202E' "$t/logs.out"
has "logs text shows a guest line escaped" '\x1B[2J' "$t/logs.out"

# --- fix: the --dry-run diff and the diff before the y/n prompt
fx=$t/fix
mkdir -p "$fx"
# the lines around the edit (diff context) and the file name are hostile
printf 'displayName = "%s"\nannotation = "%s"\nisolation.tools.copy.disable = "FALSE"\nz = "%s"\n' \
    "${CLASSES[0]}" "${CLASSES[3]}" "${CLASSES[5]}" >"$fx/f${ESC}[1A.vmx"
cp "$fx/f${ESC}[1A.vmx" "$t/fix.orig"
"$VMXGUARD" fix --dry-run "$fx" >"$t/fix.out" 2>"$t/fix.err"
raw_free "fix --dry-run" "$t/fix.out" "$t/fix.err"
has "dry-run diff shows context escaped" '\x1B[2J' "$t/fix.out"
has "dry-run diff shows the name escaped" 'f\x1B[1A.vmx' "$t/fix.out"
if command -v script >/dev/null; then
    printf 'n\n' | script -qec "$(printf '%q ' env TERM=xterm "$VMXGUARD" fix --color=never "$fx")" \
        /dev/null >"$t/tty.out" 2>&1
    # script(1) turns LF into CR LF; drop those CRs and the echoed answer
    tr -d '\r' <"$t/tty.out" >"$t/tty.clean"
    raw_free "fix prompt on a terminal" "$t/tty.clean"
    has "prompt names the file escaped" 'apply to' "$t/tty.clean"
    has "prompt's diff escaped" '\u202E' "$t/tty.clean"
    cmp -s "$fx/f${ESC}[1A.vmx" "$t/fix.orig" && ok "answer n left the file" || bad "file changed"
else
    bad "script(1) missing (util-linux): prompt case not run"
fi

# --- errors about hostile waiver and profile file names
w="$t/w${ESC}[31m"$'\xc2\x9b\xe2\x80\xae'".yaml"
printf 'waivers: [\n' >"$w"
"$VMXGUARD" audit --waivers "$w" "$ds/enc" >"$t/w.out" 2>"$t/w.err"
raw_free "bad waiver file error" "$t/w.out" "$t/w.err"
has "waiver error names the file escaped" 'w\x1B[31m\u009B\u202E.yaml' "$t/w.err"
"$VMXGUARD" audit --profile-file "$w" "$ds/enc" >"$t/p.out" 2>"$t/p.err"
raw_free "bad profile file error" "$t/p.out" "$t/p.err"
"$VMXGUARD" audit --color=never "$t/missing${ESC}[2J"$'\xe2\x80\xa8' >"$t/m.out" 2>"$t/m.err"
raw_free "missing target error" "$t/m.out" "$t/m.err"

# --- a profile file's own text: ids, titles, notes, versions are anyone's
# words, and profiles list/show/diff and explain show them all
pf=$t/prof.yaml
{
    printf 'profile:\n  id: "evil\\e[2Jsite\\u202E"\n  title: "T\\e]0;owned\\a\\u009B31m"\n'
    printf '  source: "S\\u2028forged"\n  version: "1\\u2066x"\n  description: "D\\e[1A"\n'
    printf '  rules:\n    - rule: log-rotatesize\n      source_id: "SITE\\e[31m-7"\n'
    printf '      cmp: eq\n      value: "4096000"\n      absent: fail\n      severity: high\n'
    printf '      note: "N\\u202Eote\\e[2J"\n'
} >"$pf"
"$VMXGUARD" profiles --profile-file "$pf" >"$t/pl.out" 2>"$t/pl.err"
id=$(python3 -c 'print("evil\x1b[2Jsite\u202e", end="")')
"$VMXGUARD" profiles show "$id" --profile-file "$pf" >"$t/ps.out" 2>"$t/ps.err"
"$VMXGUARD" profiles diff "$id" disa-vsphere8-vm --profile-file "$pf" >"$t/pd.out" 2>"$t/pd.err"
"$VMXGUARD" explain --profile-file "$pf" log-rotatesize >"$t/pe.out" 2>"$t/pe.err"
"$VMXGUARD" explain --profile-file "$pf" "$id-x" >"$t/px.out" 2>"$t/px.err"
for o in pl ps pd pe px; do raw_free "profile text: $o" "$t/$o.out" "$t/$o.err"; done
has "profiles list shows the id escaped" 'evil\x1B[2Jsite\u202E' "$t/pl.out"
has "profiles show shows the note escaped" 'N\u202Eote\x1B[2J' "$t/ps.out"
has "explain shows the source id escaped" 'SITE\x1B[31m-7' "$t/pe.out"

[ $fails -eq 0 ] && echo "hostile terminal: all passed" || exit 1
