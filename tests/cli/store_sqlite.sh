#!/usr/bin/env bash
# The results store on SQLite (issue 17 parts 1-3): `report` from a stored
# run is byte-identical to the audit's own report in every format, and from
# a saved JSON report too; `diff` of two runs shows exactly the changes made
# between them (newly failing, fixed, waived, waiver expired, VMs appeared,
# disappeared, moved) and exits 1 for new failures; `history` lists the
# runs; a store from a newer schema, a file that is not SQLite, a damaged
# file and a foreign database are refused and left untouched.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
cd "$t"
vg() { "$VMXGUARD" "$@" --color=never 2>>"$t/stderr"; }

cp -r "$VG_SOURCE_DIR/examples/datastore1" ds
db=$t/runs.db

# ---- report: every format, byte for byte, from the stored run
for f in text json jsonl csv junit sarif xccdf html; do
    vg audit ds --store "$db" -f "$f" -o "orig.$f" -q
    vg report --store "$db" -f "$f" -o "rep.$f"
    check "report --format $f equals the audit's $f report" 'cmp -s "orig.$f" "rep.$f"'
done
for f in ckl cklb; do
    vg audit ds --store "$db" -f "$f" --output-dir "orig-$f" -q
    vg report --store "$db" --run latest -f "$f" --output-dir "rep-$f"
    check "report --format $f (one file per VM) equals the audit's" \
        '[ -n "$(ls "orig-$f")" ] && diff -r "orig-$f" "rep-$f" >/dev/null'
done
vg audit ds --store "$db" -f text -v -o orig-v.txt -q
vg report --store "$db" -f text -v -o rep-v.txt
check "report -v lists passing rules as audit -v does" 'cmp -s orig-v.txt rep-v.txt'

# ---- report from a saved JSON report: same bytes as from the store
vg audit ds --store "$db" -f json -o saved.json -q
for f in text json csv sarif xccdf html; do
    vg report saved.json -f "$f" -o "json.$f"
    vg report --store "$db" -f "$f" -o "store.$f"
    check "report saved.json --format $f equals the stored run's" 'cmp -s "json.$f" "store.$f"'
done
check "report saved.json --format json gives the JSON back" 'cmp -s saved.json json.json'
echo '{"format": "vmxguard-report", "schema_version": 1, "run": {}, "vms": [{"vm": 3}]}' >bad.json
vg report bad.json -f text -o /dev/null; rc=$?
check "a malformed JSON report is refused, exit 2" '[ $rc = 2 ] && grep -q "bad.json" stderr'
runs_before=$(vg history --store "$db" -f json | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))')
check "history lists every run (12)" '[ "$runs_before" = 12 ]'

# ---- diff: exactly the changes made between two runs
rm -f "$db"
cat >w1.yaml <<'W'
waivers:
  - rules: [isolation-tools-paste-disable]
    vm: {name: jump01}
    reason: console paste for the jump host
    approver: ISSO
    expires: 2099-01-01
  - rules: [serial-present]
    vm: {name: db01}
    reason: out-of-band console
    approver: ISSO
    expires: 2099-01-01
W
vg audit ds --store "$db" --waivers w1.yaml -q -o /dev/null
# what changes: web01 copy -> FALSE (newly failing); legacy01 gets a
# failing key fixed and another failing rule waived;
# db01's waiver expires; db01 moves; win-app01 disappears; new01 appears
sed -i 's/^isolation.tools.copy.disable = "TRUE"/isolation.tools.copy.disable = "FALSE"/' ds/web01/web01.vmx
fixed_rule=$(vg report --store "$db" -f json | "$py" -c '
import json,sys
d=json.load(sys.stdin)
for v in d["vms"]:
    if v["vm"]["name"]=="legacy01":
        for r in v["results"]:
            if r["status"]=="fail" and r["key"] and r["actual"] is not None and r["profile"]=="disa-vsphere8-vm":
                print(r["rule"], r["key"], r["expected"]); break
')
read -r frule fkey fexp <<<"$fixed_rule"
wrule=usb-present
check "db01 fails $wrule (to be waived)" 'vg report --store "$db" -f csv | grep -q "db01.*usb-present.*,fail,"'

check "legacy01 has a failing key to fix" '[ -n "$fkey" ]'
"$py" - ds/legacy01/legacy01.vmx "$fkey" "$fexp" <<'PY'
import sys,re
p,k,v=sys.argv[1:4]
s=open(p).read().split("\n")
s=[l for l in s if not re.match(r'\s*'+re.escape(k)+r'\s*=', l, re.I)]
s.insert(1,'%s = "%s"'%(k,v))
open(p,"w").write("\n".join(s))
PY
cat >w2.yaml <<'W'
waivers:
  - rules: [isolation-tools-paste-disable]
    vm: {name: jump01}
    reason: console paste for the jump host
    approver: ISSO
    expires: 2099-01-01
  - rules: [serial-present]
    vm: {name: db01}
    reason: out-of-band console
    approver: ISSO
    expires: 2020-01-01
W
printf '  - rules: [%s]\n    vm: {name: db01}\n    reason: accepted\n    approver: ISSO\n    expires: 2099-01-01\n' "$wrule" >>w2.yaml
mv ds/db01 ds/db01-new
rm -rf ds/win-app01
mkdir ds/new01
printf '.encoding = "UTF-8"\ndisplayName = "new01"\nuuid.bios = "42 00 00 00 00 00 00 00-00 00 00 00 00 00 00 01"\nvc.uuid = "50 00 00 00 00 00 00 00-00 00 00 00 00 00 00 01"\n' >ds/new01/new01.vmx
vg audit ds --store "$db" --waivers w2.yaml -q -o /dev/null
vg diff --store "$db" -f json -o diff.json; rc=$?
check "diff exits 1: something newly fails" '[ $rc = 1 ]'
summary=$("$py" - diff.json "$frule" "$wrule" <<'PY'
import json,sys
d=json.load(open(sys.argv[1])); frule=sys.argv[2]; wrule=sys.argv[3]
c=[(x["kind"], x["vm"]["name"], x["rule"]) for x in d["changes"]]
out=[]
out.append("counts %s" % ",".join("%s=%d" % (k, d["counts"][k]) for k in sorted(d["counts"]) if d["counts"][k]))
for k,vm,rule in sorted(c, key=lambda x: (x[0], x[1] or "", x[2] or "")):
    out.append("%s %s %s" % (k, vm, {frule: "FIXED_RULE", wrule: "WAIVED_RULE"}.get(rule, rule)))
print("\n".join(out))
PY
)
expected="counts fixed=1,newly_failing=1,vm_appeared=1,vm_disappeared=1,vm_moved=1,waived=1,waiver_expired=1
fixed legacy01 FIXED_RULE
newly_failing web01 isolation-tools-copy-disable
vm_appeared new01 None
vm_disappeared Büro-Dateiserver None
vm_moved db01 None
waived db01 WAIVED_RULE
waiver_expired db01 serial-present"
check "diff names exactly the changes made" '[ "$summary" = "$expected" ] || { echo "$summary"; false; }'
check "diff JSON carries the trend of both runs" \
    '"$py" -c "import json; d=json.load(open(\"diff.json\")); assert [r[\"id\"] for r in d[\"trend\"]]==[1,2] and \"score\" in d[\"trend\"][0]"'
check "a moved VM keeps its identity and says where it was" \
    '"$py" -c "import json; d=json.load(open(\"diff.json\")); m=[x for x in d[\"changes\"] if x[\"kind\"]==\"vm_moved\"][0]; assert m[\"vm\"][\"old_path\"].startswith(\"ds/db01/\") and m[\"vm\"][\"path\"].startswith(\"ds/db01-new/\")"'
check "a changed file VM names the .vmx mtime as origin" \
    '"$py" -c "import json; d=json.load(open(\"diff.json\")); f=[x for x in d[\"changes\"] if x[\"kind\"]==\"fixed\"][0]; assert f[\"origin\"][\"source\"]==\"vmx_mtime\""'
vg diff --store "$db" -o diff.txt
check "text diff lists the expired waiver" 'grep -q "^WAIVER EXPIRED *db01  serial-present" diff.txt'
vg diff --store "$db" -f html -o diff.html
check "HTML diff has the changes and a trend chart" 'grep -q "<svg class=\"trend\"" diff.html && grep -q "vm_moved" diff.html'
vg diff latest latest --store "$db" -o same.txt; rc=$?
check "a run against itself: no change, exit 0" '[ $rc = 0 ] && grep -q "^0 newly failing, 0 fixed" same.txt'
vg diff 1 9 --store "$db" -o /dev/null; rc=$?
check "an unknown run is exit 2" '[ $rc = 2 ] && grep -q "no run 9" stderr'

# ---- refusals: the file is never changed
cp "$db" newer.db
"$py" -c "import sqlite3; c=sqlite3.connect('newer.db'); c.execute(\"UPDATE vg_meta SET value='99' WHERE key='schema_version'\"); c.commit()"
sum=$(sha256sum newer.db)
vg audit ds --store newer.db -q -o /dev/null; rc=$?
check "a store from a newer schema is refused, exit 2" '[ $rc = 2 ] && grep -q "schema version 99, newer than this vmxguard" stderr'
check "... and left untouched" '[ "$(sha256sum newer.db)" = "$sum" ]'
head -c 9000 /dev/urandom >garbage.db
sum=$(sha256sum garbage.db)
vg audit ds --store garbage.db -q -o /dev/null; rc=$?
check "a file that is not SQLite is refused, exit 2" '[ $rc = 2 ] && grep -q "garbage.db: not an SQLite database" stderr'
check "... and left untouched" '[ "$(sha256sum garbage.db)" = "$sum" ]'
cp "$db" damaged.db
size=$(stat -c %s damaged.db)
"$py" - damaged.db <<'PY'
import sys
p=sys.argv[1]; d=bytearray(open(p,"rb").read())
for off in range(4096, len(d), 4096):   # every page but the first
    d[off+8:off+40] = b"\xff" * 32
open(p,"wb").write(d)
PY
sum=$(sha256sum damaged.db)
: >stderr
vg report --store damaged.db -f json -o /dev/null; rc=$?
check "a damaged store is reported (exit 2), not a crash" '[ $rc = 2 ] && grep -q "damaged.db" stderr'
vg audit ds --store damaged.db -q -o /dev/null
check "... and never overwritten" '[ "$(sha256sum damaged.db)" = "$sum" ]'
"$py" -c "import sqlite3; c=sqlite3.connect('other.db'); c.execute('CREATE TABLE t (x)'); c.commit()"
vg audit ds --store other.db -q -o /dev/null; rc=$?
check "a foreign SQLite database is refused" '[ $rc = 2 ] && grep -q "not a vmxguard store" stderr'
vg report --store missing.db -o /dev/null; rc=$?
check "report on a missing store: exit 2, nothing created" '[ $rc = 2 ] && [ ! -e missing.db ]'
check "the store file is private (0600)" '[ "$(stat -c %a "$db")" = 600 ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
