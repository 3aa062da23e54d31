#!/usr/bin/env bash
# make install-files / uninstall into a DESTDIR: the already built binary
# (never a rebuild), man page, bash and zsh completions and docs land where
# man, bash-completion and zsh look; uninstall removes them all again.
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}" "${VG_BINARY_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
dest=$tmp/root
mk() { make -s --no-print-directory -C "$VG_SOURCE_DIR" "$@"; }

before=$(stat -c %Y "$VG_BINARY_DIR/vmxguard")
mk install-files DESTDIR="$dest" PREFIX=/usr BUILD="$VG_BINARY_DIR" >"$tmp/log" 2>&1 ||
    fail "install-files: $(cat "$tmp/log")"
[ "$(stat -c %Y "$VG_BINARY_DIR/vmxguard")" = "$before" ] || fail "install-files rebuilt the binary"

want=(usr/bin/vmxguard usr/share/man/man1/vmxguard.1
      usr/share/bash-completion/completions/vmxguard usr/share/zsh/vendor-completions/_vmxguard
      usr/share/doc/vmxguard/README.md)
for d in "$VG_SOURCE_DIR"/docs/*.md; do want+=("usr/share/doc/vmxguard/$(basename "$d")"); done
for f in "${want[@]}"; do
    [ -f "$dest/$f" ] || fail "not installed: /$f"
done
[ -x "$dest/usr/bin/vmxguard" ] || fail "binary not executable"
[ "$(stat -c %a "$dest/usr/share/man/man1/vmxguard.1")" = 644 ] || fail "man page mode"
cmp -s "$VMXGUARD" "$dest/usr/bin/vmxguard" || fail "installed binary is not the built one"
"$dest/usr/bin/vmxguard" --version | grep -q '^vmxguard ' || fail "installed binary does not run"
# man finds the page through the installed tree
MANPATH=$dest/usr/share/man man -w vmxguard | grep -qx "$dest/usr/share/man/man1/vmxguard.1" ||
    fail "man -w does not find the installed page"
# nothing outside the prefix
extra=$(cd "$dest" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$extra" ] || fail "installed outside /usr: $extra"

mk uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/log" 2>&1 || fail "uninstall: $(cat "$tmp/log")"
left=$(cd "$dest" && find . -type f)
[ -z "$left" ] || fail "uninstall left files: $left"
[ ! -e "$dest/usr/share/doc/vmxguard" ] || fail "uninstall left the doc folder"

# A local prefix puts zsh's file where zsh's default fpath looks.
mk install-files DESTDIR="$dest" PREFIX=/usr/local BUILD="$VG_BINARY_DIR" >"$tmp/log" 2>&1 ||
    fail "install-files /usr/local: $(cat "$tmp/log")"
[ -f "$dest/usr/local/share/zsh/site-functions/_vmxguard" ] || fail "zsh file not in site-functions"
mk uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1
[ -z "$(cd "$dest" && find . -type f)" ] || fail "uninstall /usr/local left files"

# A missing build is a clear error, not a half install.
rc=0; mk install-files DESTDIR="$tmp/none" PREFIX=/usr BUILD="$tmp/nobuild" >"$tmp/log" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "is not built" "$tmp/log" || fail "install without a build: rc $rc, $(cat "$tmp/log")"
[ ! -e "$tmp/none" ] || fail "install without a build created files"
echo "ok: ${#want[@]} files installed and removed"
