#!/usr/bin/env bash
# scripts/install-deps.sh: "build" lists only scripts/deps/build-*.txt (what
# make demo installs), "check" every list; a new area's files are picked up
# by their names alone; the real build lists hold no test tool.
set -u
S=${VG_SOURCE_DIR:?VG_SOURCE_DIR not set}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# a copy of the script over made-up lists
mkdir -p "$tmp/s/deps"
cp "$S/scripts/install-deps.sh" "$tmp/s/"
printf 'cc-pkg\n# comment\nlib-a-dev  # why\n' > "$tmp/s/deps/build-core.txt"
printf 'lib-new-dev\n' > "$tmp/s/deps/build-newarea.txt"
printf 'test-tool\ncc-pkg\n' > "$tmp/s/deps/newarea.txt"
b=$(bash "$tmp/s/install-deps.sh" --list build | tr '\n' ' ') || fail "--list build exited $?"
[ "$b" = "cc-pkg lib-a-dev lib-new-dev " ] || fail "build list: '$b'"
c=$(bash "$tmp/s/install-deps.sh" --list check | tr '\n' ' ') || fail "--list check exited $?"
[ "$c" = "cc-pkg lib-a-dev lib-new-dev test-tool " ] || fail "check list: '$c'"
bash "$tmp/s/install-deps.sh" --list bogus 2>/dev/null && fail "an unknown mode must fail"

# the real lists: what CMake needs is in build, test tools only in check
real_b=$(bash "$S/scripts/install-deps.sh" --list build)
real_c=$(bash "$S/scripts/install-deps.sh" --list check)
for p in build-essential cmake ninja-build pkg-config libxml2-dev libyaml-dev libjansson-dev \
         libcurl4-openssl-dev; do
    grep -qx "$p" <<<"$real_b" || fail "$p missing from the build lists"
done
for p in libcmocka-dev clang chromium qemu-system-x86 golang-go ansible lintian; do
    grep -qx "$p" <<<"$real_b" && fail "$p is a test tool, yet in the build lists"
    grep -qx "$p" <<<"$real_c" || fail "$p missing from the check lists"
done
for p in $real_b; do grep -qx "$p" <<<"$real_c" || fail "check misses build package $p"; done

# make demo installs the build lists only, make check all and runs setup.d
mk=$(make -n -C "$S" demo 2>/dev/null | grep install-deps) || fail "make demo runs no install-deps"
grep -q 'install-deps.sh build' <<<"$mk" || fail "make demo: $mk"
mk=$(make -n -C "$S" check 2>/dev/null) || fail "make -n check failed"
grep -q 'install-deps.sh check' <<<"$mk" || fail "make check does not install the test lists"
grep -q 'setup.d' <<<"$mk" || fail "make check runs no setup.d"
make -n -C "$S" demo 2>/dev/null | grep -q 'setup.d' && fail "make demo runs setup.d"
exit 0
