#!/bin/bash
# vmxguard vmx dump / get: what the library sees, in UTF-8, with diagnostics.
# Uses corpus files from $VG_SOURCE_DIR/../shared (fails loudly if absent).
set -u
: "${VMXGUARD:?set VMXGUARD to the vmxguard binary}"
corpus="$VG_SOURCE_DIR/../shared/corpus/vmx"
[ -d "$corpus" ] || { echo "FAIL: corpus folder $corpus is missing (shared/ must sit beside the source)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { # want got what
    [ "$1" = "$2" ] || fail "$3: exit $2, expected $1"
}
contains() { # haystack-file needle what
    grep -qF -- "$2" "$1" || { fail "$3: '$2' not in output"; sed 's/^/    /' "$1" | head -20; }
}

# GBK corpus file: bytes CE BB are 位 (and also valid UTF-8 for λ: .encoding decides)
"$VMXGUARD" vmx dump "$corpus/Vinci230__VMconfig__CentOS 7 64 位.vmx" >"$tmp/out" 2>"$tmp/err"
expect_rc 0 $? "dump GBK"
contains "$tmp/out" 'nvram = "CentOS 7 64 位.nvram"' "dump GBK"
contains "$tmp/out" 'encoding GBK' "dump GBK header"

# windows-949-2000 corpus file (CP949)
"$VMXGUARD" vmx get "$corpus/jahyung__ansible__CentOS 7 64-bit.vmx" displayName >"$tmp/out"
expect_rc 0 $? "get CP949"
[ "$(cat "$tmp/out")" = "CentOS 7 ansible 실행" ] || fail "get CP949: got '$(cat "$tmp/out")'"

# windows-1252 corpus file, as is and with a non-ASCII value in windows-1252 bytes
w1252="$corpus/AlexusLee90__VMs__Windows 10.vmx"
"$VMXGUARD" vmx dump "$w1252" >"$tmp/out"
expect_rc 0 $? "dump windows-1252"
contains "$tmp/out" '.encoding = "windows-1252"' "dump windows-1252"
cp "$w1252" "$tmp/w.vmx"
printf 'annotation = "Caf\xe9 \x80 10|0D|0Aline2 |22q|22"\r\n' >>"$tmp/w.vmx"
"$VMXGUARD" vmx dump "$tmp/w.vmx" --json >"$tmp/out.json"
expect_rc 0 $? "dump --json windows-1252"
python3 - "$tmp/out.json" <<'PY' || fail "dump --json windows-1252 content"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
a = [e for e in d["entries"] if e["key"] == "annotation"][0]
assert a["value"] == 'Café € 10\r\nline2 "q"', a
assert a["raw"] == 'Café € 10|0D|0Aline2 |22q|22', a
assert a["quoted"] is True and a["duplicate"] is False
assert d["encoding"] == "windows-1252"
assert d["file"].endswith("w.vmx")
assert d["diagnostics"] == []
assert [e["line"] for e in d["entries"]] == sorted(e["line"] for e in d["entries"])
PY

# Shift_JIS corpus file with a Japanese value in CP932 bytes (0x5C stays a backslash)
sjis="$corpus/katuragiyasuraka__kadai2__kasou.vmx"
cp "$sjis" "$tmp/s.vmx"
printf 'annotation = "\x89\xbc\x91\x7a\x83\x7d\x83\x56\x83\x93 C:\\VMs"\n' >>"$tmp/s.vmx"
"$VMXGUARD" vmx get "$tmp/s.vmx" annotation .encoding >"$tmp/out"
expect_rc 0 $? "get Shift_JIS"
printf '仮想マシン C:\\VMs\nShift_JIS\n' | cmp -s - "$tmp/out" || fail "get Shift_JIS: got '$(cat "$tmp/out")'"

# diagnostics: unparsed line (warning), duplicate (error -> exit 1), BOM
printf '\xef\xbb\xbfa = "1"\nthis is not a setting\nA = "2"\n' >"$tmp/d.vmx"
"$VMXGUARD" vmx dump "$tmp/d.vmx" >"$tmp/out"
expect_rc 1 $? "dump with duplicate"
contains "$tmp/out" "warning: $tmp/d.vmx:2: line not understood" "unparsed line"
contains "$tmp/out" "error: $tmp/d.vmx:3: duplicate key 'A' (also on line 1)" "duplicate"
contains "$tmp/out" "[bom]" "bom"
"$VMXGUARD" vmx get "$tmp/d.vmx" a >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = "1" ] || fail "get with duplicates returns the first: '$(cat "$tmp/out")'"
contains "$tmp/err" "duplicate key" "get warns about duplicates"

# get: several keys, any case; a missing key -> 1 with one line on stderr
"$VMXGUARD" vmx get "$w1252" CONFIG.VERSION virtualhw.version >"$tmp/out"
expect_rc 0 $? "get two keys"
[ "$(head -1 "$tmp/out")" = "8" ] || fail "get config.version: $(head -1 "$tmp/out")"
"$VMXGUARD" vmx get "$w1252" no.such.key >"$tmp/out" 2>"$tmp/err"
expect_rc 1 $? "get missing key"
[ "$(wc -l <"$tmp/err")" = 1 ] && contains "$tmp/err" "vmxguard: $w1252: key 'no.such.key' not found" "missing key message"

# input errors -> 2 with one line "vmxguard: file: msg"
"$VMXGUARD" vmx dump "$tmp/nope.vmx" 2>"$tmp/err"; expect_rc 2 $? "dump missing file"
contains "$tmp/err" "vmxguard: $tmp/nope.vmx: cannot open" "missing file message"
printf 'a = 1\nb = "x\0y"\n' >"$tmp/bin.vmx"
"$VMXGUARD" vmx dump "$tmp/bin.vmx" 2>"$tmp/err"; expect_rc 2 $? "dump binary"
contains "$tmp/err" "vmxguard: $tmp/bin.vmx:2: binary content (NUL byte at offset 12)" "binary message"
mkfifo "$tmp/fifo.vmx"
timeout 10 "$VMXGUARD" vmx dump "$tmp/fifo.vmx" 2>"$tmp/err"; expect_rc 2 $? "dump FIFO (must not block)"
contains "$tmp/err" "a FIFO, not a regular file" "FIFO message"
"$VMXGUARD" vmx dump "$tmp" 2>"$tmp/err"; expect_rc 2 $? "dump directory"
"$VMXGUARD" vmx 2>/dev/null; expect_rc 2 $? "vmx without action"
"$VMXGUARD" vmx frob x 2>"$tmp/err"; expect_rc 2 $? "unknown action"
"$VMXGUARD" vmx dump a b 2>/dev/null; expect_rc 2 $? "dump with two files"
"$VMXGUARD" vmx dump "$w1252" --bogus 2>/dev/null; expect_rc 2 $? "unknown option"
"$VMXGUARD" vmx --help >"$tmp/out"; expect_rc 0 $? "help"
for word in get dump set rm --json --backup --force --break-hardlinks Examples; do
    contains "$tmp/out" "$word" "help mentions $word"
done

[ "$fails" = 0 ] && echo "ok: vmx dump/get" || echo "$fails failure(s)"
[ "$fails" = 0 ]
