#!/usr/bin/env bash
# The man page: lint-clean under mandoc and groff, renders with man -l (as
# `man ./man/vmxguard.1` does from the repo), and names every subcommand and
# every profile id the binary knows, so it cannot fall behind the catalog.
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
page=$VG_SOURCE_DIR/man/vmxguard.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in mandoc groff man col; do
    command -v $tool >/dev/null || fail "$tool missing (scripts/deps/ux.txt installs it)"
done

# mandoc: warnings and above (STYLE notes such as "govc(1) not installed here" are not errors)
mandoc -Tlint -W warning "$page" >"$tmp/lint" 2>&1 || true
[ ! -s "$tmp/lint" ] || { cat "$tmp/lint" >&2; fail "mandoc -Tlint warnings"; }
# groff with all warnings on; -z discards output, so anything printed is a warning
groff -mdoc -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1
[ ! -s "$tmp/groff" ] || { cat "$tmp/groff" >&2; fail "groff warnings"; }

# man -l renders it (what `man ./man/vmxguard.1` runs)
MANPAGER=cat MANWIDTH=100 man -l "$page" 2>"$tmp/man.err" | col -b >"$tmp/man.txt"
[ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err" >&2; fail "man -l printed errors"; }
for section in NAME SYNOPSIS DESCRIPTION COMMANDS PROFILES FILES ENVIRONMENT "EXIT STATUS" EXAMPLES; do
    grep -q "^$section" "$tmp/man.txt" || fail "man -l output lacks section $section"
done

# Every subcommand has an entry; every profile id is listed.
mandoc -Tascii -Owidth=1000 "$page" | col -b >"$tmp/wide.txt"
cmds=$("$VMXGUARD" --list-commands)
[ -n "$cmds" ] || fail "--list-commands printed nothing"
for c in $cmds; do
    grep -qE "^ +$c( |\$)" "$tmp/wide.txt" || fail "no entry for command '$c' in COMMANDS"
done
profiles=$("$VMXGUARD" --list-profiles)
[ "$(echo "$profiles" | wc -l)" -ge 5 ] || fail "--list-profiles printed too little"
for p in $profiles; do
    grep -qE -- "(^|[ ,(])$p([ ,.)]|\$)" "$tmp/wide.txt" || fail "profile '$p' not in the man page"
done
echo "ok: man page lint-clean; $(echo $cmds | wc -w) commands, $(echo "$profiles" | wc -l) profiles named"
