#!/usr/bin/env bash
# libvmxguard as a program outside this tree gets it: `make install-files`
# into a DESTDIR, then examples/library/audit_summary.c compiled against the
# installed headers and library through pkg-config, once shared and once
# static.  Both must audit the sample datastore exactly as the CLI does (the
# same fail count per VM, the same exit code), and the shared library must
# export nothing but vg_ symbols (and the static archive defines nothing else).
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}" "${VG_BINARY_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
dest=$tmp/root
prefix=$dest/usr/local
make -s --no-print-directory -C "$VG_SOURCE_DIR" install-files DESTDIR="$dest" PREFIX=/usr/local \
    BUILD="$VG_BINARY_DIR" >"$tmp/log" 2>&1 || fail "install-files: $(cat "$tmp/log")"
for f in include/vmxguard.h include/vmxguard/audit.h lib/libvmxguard.a lib/libvmxguard.so \
         lib/libvmxguard.so.0 lib/pkgconfig/vmxguard.pc; do
    [ -e "$prefix/$f" ] || fail "not installed: /usr/local/$f"
done
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pc() { pkg-config --define-variable=prefix="$prefix" --define-variable=libdir="$prefix/lib" "$@" vmxguard; }
[ "$(pc --modversion)" = "$("$VMXGUARD" --version | cut -d' ' -f2)" ] || fail "pkg-config version"

# a sanitizer build's library needs the sanitizer runtime in the program too
san=
grep -q '^VG_SANITIZE:BOOL=ON' "$VG_BINARY_DIR/CMakeCache.txt" && san="-fsanitize=address,undefined"
src=$VG_SOURCE_DIR/examples/library/audit_summary.c
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $san "$src" $(pc --cflags --libs) -o "$tmp/shared" \
    2>"$tmp/cc1" || fail "compile against libvmxguard.so: $(cat "$tmp/cc1")"
static_libs=$(pc --static --libs-only-l | sed 's/-lvmxguard//')
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Werror $san "$src" $(pc --cflags) "$prefix/lib/libvmxguard.a" \
    $static_libs -o "$tmp/static" 2>"$tmp/cc2" || fail "compile against libvmxguard.a: $(cat "$tmp/cc2")"
# the store and the template readers link SQLite, libpq, libarchive and
# nettle: pkg-config --static must name them, or a program that uses them
# cannot link libvmxguard.a at all
if nm -g --defined-only "$prefix/lib/libvmxguard.a" 2>/dev/null | grep -q ' T vg_store_open$'; then
    cat >"$tmp/store.c" <<'C'
#include <stdio.h>
#include <vmxguard.h>
int main(int argc, char **argv)
{
    vg_store *s = NULL;
    vg_error err;
    if (argc < 2 || vg_store_open(argv[1], VG_STORE_CREATE, &s, &err) != VG_OK)
        return 1;
    printf("%s %d\n", vg_store_backend(s), vg_template_detect(argv[0]) >= 0);
    vg_store_close(s);
    return 0;
}
C
    # shellcheck disable=SC2046,SC2086
    cc -std=c11 -Wall -Wextra -Werror $san "$tmp/store.c" $(pc --cflags) "$prefix/lib/libvmxguard.a" \
        $static_libs -o "$tmp/store" 2>"$tmp/cc3" ||
        fail "a static program using the store cannot link with pkg-config --static: $(head -5 "$tmp/cc3")"
    "$tmp/store" "$tmp/runs.db" | grep -q '^sqlite ' || fail "the static store program did not open a store"
fi
libs=$(LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/shared")
grep -qF "libvmxguard.so.0 => $prefix/lib/" <<<"$libs" ||
    fail "the shared build does not load the installed libvmxguard.so.0: $libs"
libs=$(ldd "$tmp/static")
! grep -q libvmxguard <<<"$libs" || fail "the static build loads libvmxguard.so"

ds=$VG_SOURCE_DIR/examples/datastore1
rc_cli=0; "$VMXGUARD" audit -q --format csv "$ds" >"$tmp/cli.csv" 2>/dev/null || rc_cli=$?
python3 - "$tmp/cli.csv" >"$tmp/want" <<'PY'
import csv, sys
fails = {}
for row in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    if row["profile"] != "disa-vsphere8-vm":
        continue
    fails.setdefault(row["vm_path"], 0)
    fails[row["vm_path"]] += row["status"] == "fail"
for p in sorted(fails):
    print(p, fails[p])
PY
for kind in shared static; do
    rc=0; LD_LIBRARY_PATH=$prefix/lib "$tmp/$kind" "$ds" >"$tmp/$kind.out" 2>"$tmp/$kind.err" || rc=$?
    [ "$rc" = "$rc_cli" ] || fail "$kind: exit $rc, the CLI's $rc_cli ($(cat "$tmp/$kind.err"))"
    awk '/ pass .* fail / { for (i = 1; i < NF; i++) if ($(i + 1) == "fail") f = $i; print $NF, f }' \
        "$tmp/$kind.out" | sort >"$tmp/$kind.got"
    diff -u "$tmp/want" "$tmp/$kind.got" || fail "$kind: fail counts differ from vmxguard audit's"
done
# the shared library's interface is include/vmxguard.h: vg_ symbols only
others=$(nm -D --defined-only "$prefix/lib/libvmxguard.so" | awk 'NF == 3 && $3 !~ /^vg_/ {print $3}')
[ -z "$others" ] || fail "libvmxguard.so exports non-vg_ symbols: $others"
# the static archive has no hidden visibility to hide behind: every global
# it defines must carry the prefix too, or it can collide with the program
# that links it (a libcurl user, a program with its own xw_start...)
# (a sanitizer build adds its own __odr_asan markers, which are not ours)
others=$(nm -g --defined-only "$prefix/lib/libvmxguard.a" 2>/dev/null | awk 'NF == 3 && $3 !~ /^(vg_|__odr_asan|__asan_|__ubsan_)/ {print $3}' | sort -u)
[ -z "$others" ] || fail "libvmxguard.a defines non-vg_ globals: $(echo $others)"
echo "ok: $(wc -l <"$tmp/want") VMs audited alike by the CLI and the shared and static example"
