#!/usr/bin/env bash
# The Debian packages end to end: build them from the tree (scripts/build-deb.sh,
# lintian clean of errors), install them with dpkg, run the installed program,
# find its man page and completions, build examples/library/audit_summary.c
# against libvmxguard-dev through pkg-config and run it, then remove them and
# check that nothing is left.  Needs root (dpkg -i); `make check-package` runs it.
set -euo pipefail
src=${VG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root for dpkg -i (run as root, e.g. in CI)"
start=$(date +%s)
tmp=$(mktemp -d)
installed=0
cleanup() {
    [ $installed -eq 1 ] && dpkg -r vmxguard libvmxguard-dev libvmxguard0 >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Never overwrite a vmxguard that dpkg does not know about.
for f in /usr/bin/vmxguard /usr/include/vmxguard.h; do
    if [ -e "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1; then
        fail "$f exists and belongs to no package; not overwriting it"
    fi
done

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

arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
lib=$tmp/out/libvmxguard0_"$version"_"$arch".deb
dev=$tmp/out/libvmxguard-dev_"$version"_"$arch".deb
[ -f "$lib" ] && [ -f "$dev" ] || fail "libvmxguard0 / libvmxguard-dev not built"
dpkg-deb -c "$lib" >"$tmp/lib-contents"
grep -q " ./usr/lib/$multiarch/libvmxguard.so.0.1.0\$" "$tmp/lib-contents" || fail "libvmxguard0 lacks the library"
dpkg-deb -c "$dev" >"$tmp/dev-contents"
for f in ./usr/include/vmxguard.h ./usr/include/vmxguard/audit.h ./usr/lib/$multiarch/libvmxguard.a \
         ./usr/lib/$multiarch/pkgconfig/vmxguard.pc; do
    grep -q " $f" "$tmp/dev-contents" || fail "libvmxguard-dev lacks $f"
done
dpkg -i "$deb" "$lib" "$dev" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
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

# a program built against the installed library, as a user would
cc -std=c11 -Wall -Wextra -Werror "$src/examples/library/audit_summary.c" \
    $(pkg-config --cflags --libs vmxguard) -o "$tmp/audit_summary" 2>"$tmp/cc.log" ||
    fail "cannot build against libvmxguard-dev: $(cat "$tmp/cc.log")"
rc=0; "$tmp/audit_summary" "$src/examples/datastore1" >"$tmp/embed.txt" 2>&1 || rc=$?
[ $rc -le 1 ] && grep -q "VM(s)" "$tmp/embed.txt" || fail "the example program failed (exit $rc)"
ldd "$tmp/audit_summary" >"$tmp/ldd.txt"
grep -qE "libvmxguard.so.0 => (/usr)?/lib/$multiarch/" "$tmp/ldd.txt" || fail "example does not load libvmxguard0"

dpkg -r vmxguard libvmxguard-dev libvmxguard0 >"$tmp/dpkg.log" 2>&1 ||
    { cat "$tmp/dpkg.log" >&2; fail "dpkg -r failed"; }
installed=0
[ ! -e /usr/bin/vmxguard ] || fail "/usr/bin/vmxguard is still there after dpkg -r"
[ ! -e /usr/share/man/man1/vmxguard.1.gz ] || fail "man page still there after dpkg -r"
[ ! -e /usr/share/doc/vmxguard ] || fail "docs still there after dpkg -r"
[ ! -e /usr/include/vmxguard.h ] && [ ! -e "/usr/lib/$multiarch/libvmxguard.so.0" ] ||
    fail "library files still there after dpkg -r"
! dpkg-query -W -f='${Status}' vmxguard 2>/dev/null | grep -q 'ok installed' || fail "still installed"
end=$(date +%s)
echo "ok: vmxguard $version built in $((built - start)) s, installed, ran, removed; $((end - start)) s in all"
