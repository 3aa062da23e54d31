#!/usr/bin/env bash
# vmxguard guest from the command line, on a fake guest tree (--root) with
# the backdoor untouched (--no-backdoor): report formats, exit codes and
# error messages.  The probes themselves are unit-tested in tests/unit/guest.
set -euo pipefail
vg=${VMXGUARD:?}
t=$(mktemp -d "${TMPDIR:-/tmp}/vg-guest-cli.XXXXXX")
trap 'rm -rf "$t"' EXIT
fails=0
check() { if eval "$2"; then :; else echo "FAIL: $1"; fails=$((fails + 1)); fi; }

root=$t/root
mkdir -p "$root"/etc/vmware-tools "$root"/usr/bin "$root"/proc/sys/kernel \
         "$root"/sys/fs/selinux "$root"/sys/module/vmxnet3
printf 'root:x:%s:%s::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' "$(id -u)" "$(id -g)" \
    >"$root/etc/passwd"
printf 'root:x:%s:\n' "$(id -g)" >"$root/etc/group"
printf 'web01\n' >"$root/proc/sys/kernel/hostname"
printf '0\n' >"$root/proc/sys/kernel/tainted"
printf '1\n' >"$root/sys/fs/selinux/enforce"
printf 'live\n' >"$root/sys/module/vmxnet3/initstate"
: >"$root/sys/module/vmxnet3/taint"
printf '#!/bin/sh\n' >"$root/usr/bin/vmtoolsd"
chmod 0750 "$root/usr/bin/vmtoolsd"
cp "$VG_SOURCE_DIR/tests/fixtures/guest/tools.conf.hardened" "$root/etc/vmware-tools/tools.conf"

# A hardened tree: nothing fails (vmtoolsd is not running and SELinux
# enforces, so its confinement is not applicable), exit 0.
rc=0
"$vg" guest --root "$root" --no-backdoor --format json -o "$t/ok.json" || rc=$?
check "hardened tree exits 0 (got $rc)" '[ $rc -eq 0 ]'
check "hardened tree: json names the host and the rules" \
    "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d[\"vms\"][0]; \
assert v[\"vm\"][\"name\"]==\"web01\" and v[\"vm\"][\"origin\"]==\"guest\"; \
r={x[\"rule\"]:x[\"status\"] for x in v[\"results\"]}; \
assert r[\"guest-mac-enforcing\"]==\"pass\" and r[\"guest-tools-admin-only\"]==\"pass\"; \
assert r[\"guest-driver-provenance\"]==\"pass\" and r[\"toolsconf-appinfo-disabled\"]==\"pass\"; \
assert r[\"guest-backdoor-unprivileged\"]==\"not_applicable\"' '$t/ok.json'"

# World-executable Tools and an unsigned driver: findings, exit 1.
chmod 0755 "$root/usr/bin/vmtoolsd"
printf 'E\n' >"$root/sys/module/vmxnet3/taint"
rc=0
"$vg" guest --root "$root" --no-backdoor -v >"$t/bad.txt" || rc=$?
check "findings exit 1 (got $rc)" '[ $rc -eq 1 ]'
check "text lists the failing rules" 'grep -q "guest-tools-admin-only" "$t/bad.txt"'
"$vg" guest --root "$root" --no-backdoor --format json -o "$t/bad.json" || true
check "json names the world-executable program" 'grep -q "vmtoolsd executable by every user" "$t/bad.json"'
check "json names the unsigned module" 'grep -q "vmxnet3 (module, E)" "$t/bad.json"'

# Every report writer renders guest results (same model as audit).
for f in text json csv sarif junit html; do
    rc=0
    "$vg" guest --root "$root" --no-backdoor --format "$f" -o "$t/all.$f" || rc=$?
    check "format $f: exit 1 and output (got $rc)" \
        "[ $rc -eq 1 ] && grep -q guest-tools-admin-only '$t/all.$f'"
done

# Unreadable facts: a result of error, exit 2.
printf 'garbage\n' >"$root/proc/sys/kernel/tainted"
rc=0
"$vg" guest --root "$root" --no-backdoor --format csv >"$t/err.csv" || rc=$?
check "unreadable facts exit 2 (got $rc)" '[ $rc -eq 2 ]'

# Usage errors: exit 2 with a message naming the problem.
rc=0
"$vg" guest --root "$t/missing" --no-backdoor 2>"$t/e1" >/dev/null || rc=$?
check "missing root exits 2 (got $rc)" '[ $rc -eq 2 ]'
check "missing root is named" 'grep -q "$t/missing" "$t/e1"'
rc=0
"$vg" guest --bogus 2>/dev/null >/dev/null || rc=$?
check "unknown option exits 2 (got $rc)" '[ $rc -eq 2 ]'
rc=0
"$vg" guest --root "$root" --no-backdoor --format nope 2>"$t/e2" >/dev/null || rc=$?
check "unknown format exits 2 (got $rc)" '[ $rc -eq 2 ]'

# Help mentions every option and has examples; explain knows the rules.
"$vg" guest --help >"$t/help"
for o in --format --output --root --no-backdoor --user --verbose examples:; do
    check "help mentions $o" "grep -q -- '$o' '$t/help'"
done
check "explain describes a guest rule" \
    '"$vg" explain guest-backdoor-unprivileged | grep -q "ring-3"'

# the library owns no process state: the fault guard for CPUID and the
# backdoor instructions lives only in throwaway children, never in the
# process that called the probe (strace: no SIGSEGV/SIGILL/SIGBUS handler
# installed by the first pid)
if command -v strace >/dev/null; then
    # a sanitizer build's runtime installs its own SIGSEGV/SIGBUS handlers
    # at start-up: switched off here, so only vmxguard's would show (and no
    # LeakSanitizer, which cannot run under ptrace)
    san="handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$san:detect_leaks=0" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$san" \
        strace -f -qq -e trace=rt_sigaction -o "$t/sig.trace" "$vg" guest >/dev/null 2>&1 || true
    first=$(head -1 "$t/sig.trace" | awk '{print $1}')
    check "the calling process installs no fault handler" \
        '! grep -E "^$first +rt_sigaction\((SIGSEGV|SIGILL|SIGBUS), \{sa_handler=0x" "$t/sig.trace"'
    check "the probe children do guard their instructions" \
        'grep -Ev "^$first " "$t/sig.trace" | grep -q "rt_sigaction(SIGSEGV"'
else
    echo "FAIL strace missing: the process-state check was not run"; fails=$((fails + 1))
fi

[ $fails -eq 0 ] && echo "guest cli: all checks passed" || { echo "$fails failed"; exit 1; }
