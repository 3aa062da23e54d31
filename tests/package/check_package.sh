#!/usr/bin/env bash
# The Debian package end to end: build it from the tree (scripts/build-deb.sh,
# lintian clean of errors), install it with dpkg, run the installed program,
# find its man page and completions, then remove it and check that nothing is
# left.  Needs root (dpkg -i); `make check-package` runs it.
set -euo pipefail
src=${VG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root for dpkg -i (run as root, e.g. in CI)"
start=$(date +%s)
tmp=$(mktemp -d)
installed=0
cleanup() {
    [ $installed -eq 1 ] && dpkg -r vmxguard >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Never overwrite a vmxguard that dpkg does not know about.
if [ -e /usr/bin/vmxguard ] && ! dpkg -S /usr/bin/vmxguard >/dev/null 2>&1; then
    fail "/usr/bin/vmxguard exists and belongs to no package; not overwriting it"
fi

VG_DEB_OUT=$tmp/out bash "$src/scripts/build-deb.sh" >"$tmp/build.log" 2>&1 ||
    { tail -n 40 "$tmp/build.log" >&2; fail "scripts/build-deb.sh failed"; }
built=$(date +%s)
version=$(cd "$src" && dpkg-parsechangelog -S Version)
deb=$(ls "$tmp"/out/vmxguard_"$version"_*.deb)
dpkg-deb -c "$deb" >"$tmp/contents"
for f in ./usr/bin/vmxguard ./usr/share/man/man1/vmxguard.1.gz \
         ./usr/share/bash-completion/completions/vmxguard ./usr/share/zsh/vendor-completions/_vmxguard \
         ./usr/share/doc/vmxguard/copyright ./usr/share/doc/vmxguard/README.md.gz; do
    grep -q " $f\$" "$tmp/contents" || fail "package lacks $f"
done

dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
installed=1
dpkg-query -W -f='${Status}' vmxguard | grep -qx 'install ok installed' || fail "dpkg does not list it"
out=$(/usr/bin/vmxguard --version) || fail "vmxguard --version exited $?"
[ "$out" = "vmxguard $version" ] || fail "--version says '$out', the package is $version"
man -aw vmxguard | grep -qx /usr/share/man/man1/vmxguard.1.gz || fail "man -w vmxguard: $(man -aw vmxguard 2>&1)"
MANPAGER=cat man vmxguard 2>/dev/null | grep -q 'EXIT STATUS' || fail "man vmxguard does not render"
rc=0; /usr/bin/vmxguard audit "$src/examples/datastore1" >"$tmp/audit.txt" 2>&1 || rc=$?
[ $rc -le 1 ] && [ -s "$tmp/audit.txt" ] || fail "installed vmxguard cannot audit the example (exit $rc)"
bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/vmxguard && complete -p vmxguard' \
    >/dev/null || fail "installed bash completion does not load"

dpkg -r vmxguard >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -r failed"; }
installed=0
[ ! -e /usr/bin/vmxguard ] || fail "/usr/bin/vmxguard is still there after dpkg -r"
[ ! -e /usr/share/man/man1/vmxguard.1.gz ] || fail "man page still there after dpkg -r"
[ ! -e /usr/share/doc/vmxguard ] || fail "docs still there after dpkg -r"
! dpkg-query -W -f='${Status}' vmxguard 2>/dev/null | grep -q 'ok installed' || fail "still installed"
end=$(date +%s)
echo "ok: vmxguard $version built in $((built - start)) s, installed, ran, removed; $((end - start)) s in all"
