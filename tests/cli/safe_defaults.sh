#!/usr/bin/env bash
# Safe defaults (issue 11, part 6): with umask 000, every file vmxguard
# writes (fix, vmx set/rm, --backup copies, reports via -o and --output-dir,
# emitted scripts) keeps the original's mode or is 0600 — never group- or
# world-writable; temporary files are opened with O_EXCL in the target
# folder; and no program is ever executed besides vmxguard itself (strace
# over audit, fix, vmx, logs and --emit runs whose inputs carry shell
# metacharacters).
set -uo pipefail
: "${VMXGUARD:?}"
command -v strace >/dev/null || { echo "strace missing (scripts/deps/security.txt)"; exit 1; }
# a container may forbid ptrace: then the mode checks still run and the
# strace-based ones say loudly that they were not done
can_trace=1
strace -f -qq -o /dev/null true 2>/dev/null || {
    can_trace=0; echo "NOTE: strace cannot trace here (ptrace denied): execve and O_EXCL checks NOT done"; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fails=0 known=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Files the CLI opens with fopen(path, "w") come out 0666 under umask 000:
# a bug in cli/ and src/report/ (see docs/security.md, "Known bugs").  Those
# checks are reported as KNOWN BUG and make the script exit 77 (ctest:
# skipped, never silently); VG_STRICT=1 makes them plain failures.
KNOWN=0
known_or_fail() {
    if [ "$KNOWN" = 1 ] && [ "${VG_STRICT:-0}" != 1 ]; then
        echo "KNOWN BUG (fopen \"w\" ignores the 0600 default): $*"; known=$((known + 1))
    else
        fail "$*"
    fi
}
umask 000

# A VM whose name, path and values try shell injection.
evil='x$(touch PWNED)`touch PWNED2`;touch PWNED3|'
mkdir -p "$w/ds/vm \$(id)"
vm="$w/ds/vm \$(id)/web;rm -rf x.vmx"
cat > "$vm" <<VMX
.encoding = "UTF-8"
displayName = "$evil"
guestinfo.note = "\$(touch PWNED4) && reboot"
isolation.tools.copy.disable = "FALSE"
RemoteDisplay.maxConnections = "5"
VMX
chmod 640 "$vm"
printf '2024-01-01T00:00:00.000Z In(05) vmx - %s\n' "$evil" > "$w/ds/vm \$(id)/vmware.log"

# mode_ok FILE WANT: octal mode is WANT, and never group/other-writable
mode_ok() {
    local m
    m=$(stat -c %a "$1" 2>/dev/null) || { fail "$1: not created"; return; }
    if [ "$m" != "$2" ]; then
        known_or_fail "$(basename "$1"): mode $m, want $2"
        return
    fi
    [ "$KNOWN" = 1 ] && echo "NOTE: $(basename "$1") is $m now: drop it from the known bugs"
    return 0
}

# traced NAME ARGS...: run vmxguard under strace; keep the trace in $w/NAME.trace
traced() {
    local name=$1; shift
    if [ $can_trace = 0 ]; then
        (cd "$w" && "$VMXGUARD" "$@" > "$w/$name.out" 2> "$w/$name.err"); rc=$?
        : > "$w/$name.trace"  # nothing traced (see the NOTE above)
        return
    fi
    (cd "$w" && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o "$w/$name.trace" \
        -e trace=execve,open,openat,creat "$VMXGUARD" "$@" > "$w/$name.out" 2> "$w/$name.err")
    rc=$?
    local n
    n=$(grep -c 'execve(' "$w/$name.trace")
    [ "$n" = 1 ] || fail "$name: $n execve calls: $(grep 'execve(' "$w/$name.trace" | head -3)"
    grep -q 'AddressSanitizer\|runtime error:' "$w/$name.err" && fail "$name: sanitizer report"
}

# 1. reports: -o and --output-dir, every format
for f in text json csv sarif html; do
    traced "audit-$f" audit --format $f -o "$w/report.$f" "$w/ds"
    [ $rc -le 1 ] || fail "audit $f: exit $rc: $(head -c 300 "$w/audit-$f.err")"
    mode_ok "$w/report.$f" 600
done
mkdir -p "$w/ckl"; chmod 755 "$w/ckl"
traced audit-dir audit --format ckl --output-dir "$w/ckl" "$w/ds"
[ $rc -le 1 ] || fail "audit --output-dir: exit $rc"
for f in "$w"/ckl/*; do mode_ok "$f" 600; done
[ -n "$(ls "$w/ckl")" ] || fail "--output-dir wrote nothing"

# 2. fix with --backup: the .vmx keeps 0640, the backup too, temp with O_EXCL
traced fix fix --yes --backup "$w/ds"
[ $rc -le 1 ] || fail "fix: exit $rc: $(head -c 300 "$w/fix.err")"
mode_ok "$vm" 640
grep -q 'isolation.tools.copy.disable = "TRUE"' "$vm" || fail "fix: file not changed (test proves nothing)"
b=$(ls "$w/ds/vm \$(id)/"*.vmxguard-* 2>/dev/null | head -1)
[ -n "$b" ] && mode_ok "$b" 640 || fail "fix --backup: no backup"
# the save creates its temp file relative to a descriptor of the VM folder
grep -F -e "$w/ds/vm \$(id)/" -e '".vmxguard-tmp-' "$w/fix.trace" | grep O_CREAT > "$w/creates"
[ -s "$w/creates" ] || [ $can_trace = 0 ] || fail "fix: no file created in the VM folder (trace)"
grep -v O_EXCL "$w/creates" | grep -v '\.vmxguard-' > "$w/noexcl"
[ -s "$w/noexcl" ] && fail "fix: files created without O_EXCL: $(head -2 "$w/noexcl")"

# 3. vmx set / rm on a 0600 file and a 0644 file
for mode in 600 644; do
    f=$w/m$mode.vmx
    printf 'displayName = "m"\n' > "$f"; chmod $mode "$f"
    traced vmxset-$mode vmx set "$f" guestinfo.x "$evil" --backup
    [ $rc = 0 ] || fail "vmx set $mode: exit $rc: $(head -c 300 "$w/vmxset-$mode.err")"
    mode_ok "$f" $mode
    for bk in "$f".vmxguard-*; do mode_ok "$bk" $mode; done
    grep 'O_CREAT' "$w/vmxset-$mode.trace" | grep -v O_EXCL | grep -v '\.vmxguard-' | grep -q "$w" &&
        fail "vmx set: temp file without O_EXCL: $(grep O_CREAT "$w/vmxset-$mode.trace" | head -2)"
    traced vmxrm-$mode vmx rm "$f" guestinfo.x
    mode_ok "$f" $mode
done

# 4. emitted scripts and logs: data from inputs is quoted, never executed
for e in govc esxi-shell powercli ansible terraform; do
    traced emit-$e fix --emit $e -o "$w/emit.$e" "$w/ds"
    [ $rc -le 1 ] || fail "emit $e: exit $rc: $(head -c 300 "$w/emit-$e.err")"
    mode_ok "$w/emit.$e" 600
done
traced logs logs "$w/ds/vm \$(id)"
[ $rc -le 2 ] || fail "logs: exit $rc: $(head -c 300 "$w/logs.err")"
# a script that only sets variables: sourcing it must not run the payload
( cd "$w" && bash -n emit.govc && bash -n emit.esxi-shell ) || fail "emitted shell scripts do not parse"
ls "$w"/PWNED* 2>/dev/null && fail "a payload ran"

[ $fails -gt 0 ] && exit 1
[ $known -gt 0 ] && { echo "safe defaults: passed except $known KNOWN BUG check(s)"; exit 77; }
echo "safe defaults: all passed"
