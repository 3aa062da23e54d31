#!/usr/bin/env bash
# Fix copies of every corpus .vmx against disa-vsphere8-vm, re-audit: every
# rule the fix did not list as unfixable passes, a second run changes
# nothing, and `git diff --no-index` of each file shows only key lines whose
# keys the plan named (no comment, blank or other line touched).
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
corpus="$VG_SOURCE_DIR/../shared/corpus/vmx"
if [ ! -d "$corpus" ]; then
    echo "FAIL corpus not found at $corpus (shared/ must sit beside the repo)"
    exit 1
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
profile=disa-vsphere8-vm

mkdir "$tmp/orig" "$tmp/ds"
find "$corpus" -maxdepth 1 -name '*.vmx' -type f -exec cp {} "$tmp/orig/" \;
cp "$tmp/orig/"*.vmx "$tmp/ds/"
chmod u+w "$tmp/ds/"*.vmx
n=$(ls "$tmp/ds" | wc -l)
check "corpus copied ($n files)" [ "$n" -gt 100 ]

# the plan, as govc lines: one 'key=value' argument of vg_change per edit
"$VMXGUARD" fix --profile $profile --emit govc -o "$tmp/plan.sh" "$tmp/ds" 2>"$tmp/emit.err" >/dev/null
"$VMXGUARD" fix --profile $profile --yes --color=never "$tmp/ds" >"$tmp/fix.out" 2>"$tmp/fix.err"; rc=$?
check "fix ends with 0 or 1 (rc=$rc)" [ "$rc" -le 1 ]
check "no errors reported" bash -c "! grep -q 'error\|skipped' '$tmp/fix.err'"
"$VMXGUARD" fix --profile $profile --yes --color=never "$tmp/ds" >"$tmp/fix2.out" 2>&1
check "second run changes nothing" grep -q '^summary: 0 file(s) changed' "$tmp/fix2.out"
"$VMXGUARD" audit --profile $profile -f jsonl "$tmp/ds" >"$tmp/audit.jsonl" 2>/dev/null

"$py" - "$tmp" "$profile" <<'PY'
import json, os, re, subprocess, sys
tmp, profile = sys.argv[1], sys.argv[2]
# rules the fix said it could not fix, per file
unfixed, cur = {}, None
for line in open(os.path.join(tmp, "fix.out"), encoding="utf-8", errors="replace"):
    m = re.match(r"^(/.*\.vmx):$", line.rstrip("\n"))
    if m:
        cur = m.group(1); continue
    m = re.match(r"^  not fixed: (\S+) \(", line)
    if m and cur:
        unfixed.setdefault(cur, set()).add(m.group(1))
bad = 0
for line in open(os.path.join(tmp, "audit.jsonl"), encoding="utf-8"):
    rec = json.loads(line)
    if rec.get("type") != "vm":
        continue
    path = rec["vm"]["path"]
    for r in rec["results"]:
        if r["status"] == "fail" and r["rule"] not in unfixed.get(path, set()):
            print("FAIL still failing after fix: %s %s" % (os.path.basename(path), r["rule"]))
            bad += 1
# keys the plan named, per VM comment block in the govc script
plan_keys = set()
for line in open(os.path.join(tmp, "plan.sh"), encoding="utf-8", errors="replace"):
    m = re.match(r"^    '([^=]+)=", line)
    if m:
        plan_keys.add(m.group(1).lower())
changed_files = 0
for name in sorted(os.listdir(os.path.join(tmp, "ds"))):
    a, b = os.path.join(tmp, "orig", name), os.path.join(tmp, "ds", name)
    d = subprocess.run(["git", "diff", "--no-index", "--no-color", "-U0", a, b],
                       capture_output=True).stdout.decode("utf-8", "replace")
    if d:
        changed_files += 1
    lines = d.splitlines()
    for i, l in enumerate(lines):
        if l.startswith(("---", "+++", "@@", "diff ", "index ", "\\")) or not l[:1] in "+-":
            continue
        # a last line without a line end gets one when a key is appended after it
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if l[0] == "-" and nxt.startswith("\\ No newline") and lines[i + 2:i + 3] == ["+" + l[1:]]:
            continue
        if l[0] == "+" and i >= 2 and lines[i - 1].startswith("\\ No newline") and lines[i - 2] == "-" + l[1:]:
            continue
        m = re.match(r'^[+-]\s*([^=\s]+)\s*=', l)
        if not m or m.group(1).lower() not in plan_keys:
            print("FAIL unintended line in %s: %r" % (name, l[:120])); bad += 1
print("ok   %d files changed, %d keys in plan, %d problems" % (changed_files, len(plan_keys), bad))
sys.exit(1 if bad else 0)
PY
check "re-audit passes every fixed rule and diffs hold only planned key lines" [ $? -eq 0 ]

[ "$fails" -eq 0 ] && echo "all fix corpus checks passed" || echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
