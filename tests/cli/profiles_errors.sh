#!/usr/bin/env bash
# vmxguard profiles/explain: unknown names give a suggestion and exit 2;
# a broken --profile-file is reported with file and line, exit 2.
set -u
V=${VMXGUARD:?VMXGUARD not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

err=$("$V" profiles show disa-vsphere8 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "unknown profile: exit $rc"
grep -q "unknown profile 'disa-vsphere8'" <<<"$err" || fail "unknown profile message: $err"
grep -q "did you mean 'disa-vsphere8-vm'" <<<"$err" || fail "no suggestion: $err"

err=$("$V" explain isolation-tools-copy-disabel 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "unknown rule: exit $rc"
grep -q "did you mean 'vmxguard explain isolation-tools-copy-disable'" <<<"$err" || fail "no rule suggestion: $err"

err=$("$V" explain VMCH-80-00189 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "unknown source id: exit $rc"
grep -q "did you mean 'vmxguard explain VMCH-80-000189'" <<<"$err" || fail "no source id suggestion: $err"

"$V" profiles frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown action must exit 2"
"$V" profiles show >/dev/null 2>&1; [ $? -eq 2 ] || fail "show without id must exit 2"
"$V" explain >/dev/null 2>&1; [ $? -eq 2 ] || fail "explain without rule must exit 2"

printf 'profile:\n  id: x\n  title: t\n  source: s\n  version: "1"\n  rules:\n    - {rule: nope, source_id: A, cmp: eq, value: "1", severity: low}\n' > "$tmp/bad.yaml"
err=$("$V" profiles --profile-file "$tmp/bad.yaml" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "bad profile file: exit $rc"
grep -q "$tmp/bad.yaml:7: unknown rule id 'nope'" <<<"$err" || fail "bad file message: $err"

err=$("$V" explain --profile-file "$tmp/missing.yaml" logging 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "missing profile file: exit $rc"
grep -q "missing.yaml: cannot open" <<<"$err" || fail "missing file message: $err"

"$V" profiles --help | grep -q -- '--profile-file FILE' || fail "help lacks --profile-file"
"$V" explain --help | grep -q 'examples:' || fail "explain help lacks examples"
exit 0
