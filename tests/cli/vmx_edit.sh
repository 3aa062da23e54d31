#!/bin/bash
# vmxguard vmx set / rm: format-preserving edits through the atomic writer,
# refusing running VMs unless --force, keeping links, owners and every
# other byte.
set -u
: "${VMXGUARD:?set VMXGUARD to the vmxguard binary}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_rc() { [ "$1" = "$2" ] || fail "$3: exit $2, expected $1"; }
expect_file() { # file printf-format what
    printf "$2" | cmp -s - "$1" || { fail "$3: content differs"; od -c "$1" | head -10; }
}
contains() { grep -qF -- "$2" "$1" || { fail "$3: '$2' not in output"; head -5 "$1"; }; }
only_files() { # dir expected-count what
    local n; n=$(find "$1" -mindepth 1 -maxdepth 1 | wc -l)
    [ "$n" = "$2" ] || { fail "$3: $n entries in $1, expected $2"; ls -la "$1"; }
}

# set in place keeps CRLF, spelling, spacing and comment; new key appended with CRLF
mkdir "$tmp/vm1"; f="$tmp/vm1/a.vmx"
printf '.encoding = "UTF-8"\r\n# note\r\nIsolation.Tools.Copy.Disable =   "FALSE"  # x\r\n' >"$f"
chmod 640 "$f"
"$VMXGUARD" vmx set "$f" isolation.tools.copy.disable TRUE; expect_rc 0 $? "set existing"
"$VMXGUARD" vmx set "$f" isolation.tools.paste.disable TRUE; expect_rc 0 $? "set new"
expect_file "$f" '.encoding = "UTF-8"\r\n# note\r\nIsolation.Tools.Copy.Disable =   "TRUE"  # x\r\nisolation.tools.paste.disable = "TRUE"\r\n' "set keeps CRLF"
[ "$(stat -c %a "$f")" = 640 ] || fail "mode not kept: $(stat -c %a "$f")"
only_files "$tmp/vm1" 1 "no temporary files after set"

# same value again: nothing written, exit 0, says so
"$VMXGUARD" vmx set "$f" ISOLATION.TOOLS.PASTE.DISABLE TRUE 2>"$tmp/err"; expect_rc 0 $? "set same value"
contains "$tmp/err" "nothing changed" "set same value message"

# rm removes every case variant; missing key -> 1
"$VMXGUARD" vmx rm "$f" ISOLATION.tools.paste.DISABLE; expect_rc 0 $? "rm"
expect_file "$f" '.encoding = "UTF-8"\r\n# note\r\nIsolation.Tools.Copy.Disable =   "TRUE"  # x\r\n' "rm"
"$VMXGUARD" vmx rm "$f" no.such.key 2>"$tmp/err"; expect_rc 1 $? "rm missing key"
contains "$tmp/err" "key 'no.such.key' not found" "rm missing message"

# --backup keeps the previous bytes beside the file
"$VMXGUARD" vmx set "$f" a.b "x|y\"z" --backup 2>"$tmp/err"; expect_rc 0 $? "set --backup"
b=$(ls "$tmp/vm1" | grep -E '^a\.vmx\.vmxguard-[0-9]{8}T[0-9]{6}Z$')
[ -n "$b" ] || fail "no backup named a.vmx.vmxguard-YYYYmmddTHHMMSSZ: $(ls "$tmp/vm1")"
[ -n "$b" ] && expect_file "$tmp/vm1/$b" '.encoding = "UTF-8"\r\n# note\r\nIsolation.Tools.Copy.Disable =   "TRUE"  # x\r\n' "backup content"
contains "$tmp/err" "previous version kept as" "backup message"
tail -n 1 "$f" | cmp -s - <(printf 'a.b = "x|7Cy|22z"\r\n') || fail "escaped value: $(tail -1 "$f")"

# values starting with '-' after --
"$VMXGUARD" vmx set "$f" sched.cpu.min -- -1; expect_rc 0 $? "set -- -1"
[ "$("$VMXGUARD" vmx get "$f" sched.cpu.min)" = "-1" ] || fail "value -1 not stored"

# file without final newline stays so
printf 'a = "1"\nb = "2"' >"$tmp/nofinal.vmx"
"$VMXGUARD" vmx set "$tmp/nofinal.vmx" c 3 && expect_file "$tmp/nofinal.vmx" 'a = "1"\nb = "2"\nc = "3"' "append without final newline"

# running VM: non-empty FILE.lck/ or NFS .lck-* files -> refused (1) unless --force
mkdir "$tmp/vm2"; g="$tmp/vm2/r.vmx"; printf 'a = "1"\n' >"$g"
mkdir "$g.lck"; : >"$g.lck/M12345.lck"
"$VMXGUARD" vmx set "$g" a 2 2>"$tmp/err"; expect_rc 1 $? "set on running VM"
contains "$tmp/err" "appears to be running" "running message"
contains "$tmp/err" "cold start" "running message explains cold start"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "running refusal is not one line on stderr"
expect_file "$g" 'a = "1"\n' "running VM untouched"
"$VMXGUARD" vmx rm "$g" a 2>/dev/null; expect_rc 1 $? "rm on running VM"
"$VMXGUARD" vmx set "$g" a 2 --force 2>"$tmp/err"; expect_rc 0 $? "set --force"
expect_file "$g" 'a = "2"\n' "--force writes"
rm -r "$g.lck"; mkdir "$g.lck"   # empty lock folder: not running
"$VMXGUARD" vmx set "$g" a 3; expect_rc 0 $? "empty .lck folder is not a lock"
: >"$tmp/vm2/.lck-0a1b2c3d00000000"
"$VMXGUARD" vmx set "$g" a 4 2>"$tmp/err"; expect_rc 1 $? "NFS .lck- file"
contains "$tmp/err" ".lck-0a1b2c3d00000000" "NFS lock named"

# symlink: the target is edited, the link stays
mkdir "$tmp/vm3"; printf 'a = "1"\n' >"$tmp/vm3/real.vmx"; ln -s real.vmx "$tmp/vm3/link.vmx"
"$VMXGUARD" vmx set "$tmp/vm3/link.vmx" a 2; expect_rc 0 $? "set through symlink"
[ -L "$tmp/vm3/link.vmx" ] || fail "symlink replaced by a file"
expect_file "$tmp/vm3/real.vmx" 'a = "2"\n' "symlink target edited"

# hard links: refused (2) unless --break-hardlinks
printf 'a = "1"\n' >"$tmp/vm3/h.vmx"; ln "$tmp/vm3/h.vmx" "$tmp/vm3/h2.vmx"
"$VMXGUARD" vmx set "$tmp/vm3/h.vmx" a 2 2>"$tmp/err"; expect_rc 2 $? "hard link refused"
contains "$tmp/err" "hard links" "hard link message"
"$VMXGUARD" vmx set "$tmp/vm3/h.vmx" a 2 --break-hardlinks; expect_rc 0 $? "--break-hardlinks"
expect_file "$tmp/vm3/h2.vmx" 'a = "1"\n' "other link keeps old content"

# read-only file: refused, untouched
printf 'a = "1"\n' >"$tmp/vm3/ro.vmx"; chmod 444 "$tmp/vm3/ro.vmx"
"$VMXGUARD" vmx set "$tmp/vm3/ro.vmx" a 2 2>"$tmp/err"; expect_rc 2 $? "read-only refused"
contains "$tmp/err" "read-only" "read-only message"

# UTF-8 value written in the file's charset (windows-1252), never transcoding the rest
printf '.encoding = "windows-1252"\r\nannotation = "caf\xe9"\r\n' >"$tmp/w.vmx"
"$VMXGUARD" vmx set "$tmp/w.vmx" displayName "Café €"; expect_rc 0 $? "set non-ASCII in windows-1252"
expect_file "$tmp/w.vmx" '.encoding = "windows-1252"\r\nannotation = "caf\xe9"\r\ndisplayName = "Caf\xe9 \x80"\r\n' "windows-1252 bytes"
"$VMXGUARD" vmx set "$tmp/w.vmx" displayName "位" 2>"$tmp/err"; expect_rc 2 $? "unrepresentable value"
contains "$tmp/err" "cannot be written in the file's encoding windows-1252" "unrepresentable message"

# usage errors
"$VMXGUARD" vmx set "$f" onlykey 2>/dev/null; expect_rc 2 $? "set without value"
"$VMXGUARD" vmx set "$f" "bad key" v 2>"$tmp/err"; expect_rc 2 $? "set invalid key"
contains "$tmp/err" "invalid key" "invalid key message"
"$VMXGUARD" vmx set "$tmp/missing.vmx" a 1 2>/dev/null; expect_rc 2 $? "set on missing file"
[ -e "$tmp/missing.vmx" ] && fail "set created a missing file"

[ "$fails" = 0 ] && echo "ok: vmx set/rm" || echo "$fails failure(s)"
[ "$fails" = 0 ]
