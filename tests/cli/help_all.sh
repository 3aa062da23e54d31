#!/usr/bin/env bash
# Help for every subcommand: `CMD --help` and `help CMD` agree, exit 0, carry
# examples, and every long option they mention is in the man page.  Mistakes
# get one error line on stderr, exit 2 and, where the CLI knows better, a
# did-you-mean hint (commands, profile ids, rule ids).
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mandoc >/dev/null || fail "mandoc missing (scripts/deps/ux.txt installs it)"
mandoc -Tascii -Owidth=1000 "$VG_SOURCE_DIR/man/vmxguard.1" | col -b >"$tmp/man.txt"

# Top level: help, --help and no arguments (usage on stderr, exit 2)
"$VMXGUARD" help >"$tmp/top" || fail "vmxguard help exited $?"
"$VMXGUARD" --help | cmp -s - "$tmp/top" || fail "vmxguard --help differs from vmxguard help"
rc=0; "$VMXGUARD" >/dev/null 2>"$tmp/err" || rc=$?
[ $rc -eq 2 ] && [ -s "$tmp/err" ] || fail "no arguments: want usage on stderr and exit 2, got $rc"
"$VMXGUARD" --version | grep -qE '^vmxguard [0-9A-Za-z.]+' || fail "--version"

cmds=$("$VMXGUARD" --list-commands)
[ "$(echo "$cmds" | wc -l)" -ge 3 ] || fail "--list-commands lists too little: $cmds"
checked=0
for c in $cmds; do
    grep -qE "^  $c " "$tmp/top" || fail "'vmxguard help' does not list $c"
    rc=0; "$VMXGUARD" "$c" --help >"$tmp/h1" 2>"$tmp/e1" || rc=$?
    [ $rc -eq 0 ] || fail "$c --help exited $rc"
    [ -s "$tmp/h1" ] || fail "$c --help printed nothing"
    [ ! -s "$tmp/e1" ] || fail "$c --help wrote to stderr: $(head -1 "$tmp/e1")"
    "$VMXGUARD" help "$c" >"$tmp/h2" || fail "help $c exited $?"
    cmp -s "$tmp/h1" "$tmp/h2" || fail "help $c differs from $c --help"
    "$VMXGUARD" "$c" -h | cmp -s - "$tmp/h1" || fail "$c -h differs from $c --help"
    grep -qi 'example' "$tmp/h1" || fail "$c --help has no examples"
    grep -qE "^ *\\\$? *vmxguard $c( |\$)" "$tmp/h1" || fail "$c --help shows no example command line"
    for o in $(grep -oE -- '--[a-z][a-z0-9-]*' "$tmp/h1" | sort -u); do
        grep -qE -- "$o([^a-z0-9-]|\$)" "$tmp/man.txt" ||
            fail "$c --help mentions $o but the man page does not"
        checked=$((checked + 1))
    done

    # A mistyped option: exit 2, stderr; if a hint is given it must be the right one.
    rc=0; "$VMXGUARD" "$c" --verbsoe >"$tmp/o" 2>"$tmp/e" || rc=$?
    [ $rc -eq 2 ] || fail "$c --verbsoe: want exit 2, got $rc"
    [ -s "$tmp/e" ] || fail "$c --verbsoe: nothing on stderr"
    if grep -qi 'did you mean' "$tmp/e"; then
        grep -q -- '--verbose' "$tmp/e" || fail "$c --verbsoe: wrong hint: $(cat "$tmp/e")"
    fi
done

# Unknown command: one error line, a hint, exit 2, nothing on stdout.
rc=0; "$VMXGUARD" audti x >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc -eq 2 ] || fail "audti: want exit 2, got $rc"
[ ! -s "$tmp/o" ] || fail "audti: wrote to stdout"
head -1 "$tmp/e" | grep -qx "vmxguard: unknown command 'audti'" || fail "audti: $(head -1 "$tmp/e")"
grep -q "did you mean 'vmxguard audit'" "$tmp/e" || fail "audti: no hint: $(cat "$tmp/e")"
rc=0; "$VMXGUARD" help audti >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'audti'" "$tmp/e" || fail "help audti: rc $rc $(cat "$tmp/e")"

# Mistyped profile and rule ids get the closest id.
mkdir "$tmp/ds"
rc=0; "$VMXGUARD" audit --profile disa-vsphere8 "$tmp/ds" >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -eq 2 ] || fail "audit --profile disa-vsphere8: want exit 2, got $rc"
grep -q "did you mean 'disa-vsphere8-vm'" "$tmp/e" || fail "no profile hint: $(cat "$tmp/e")"
rc=0; "$VMXGUARD" explain isolation-tools-copy-disabel >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -eq 2 ] || fail "explain with a typo: want exit 2, got $rc"
grep -q "isolation-tools-copy-disable" "$tmp/e" || fail "no rule hint: $(cat "$tmp/e")"
rc=0; "$VMXGUARD" profiles show cis-esxi8 >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -eq 2 ] || fail "profiles show with a typo: want exit 2, got $rc"
grep -q "cis-esxi-8" "$tmp/e" || fail "no profile hint from profiles show: $(cat "$tmp/e")"
echo "ok: $(echo $cmds | wc -w) commands, $checked option mentions found in the man page"
