#!/usr/bin/env bash
# Build the Debian package from the working tree and check it with lintian.
#
#   bash scripts/build-deb.sh         (make deb)
#
# The tree is copied to a temporary folder first (without build folders,
# node_modules and .git) so dpkg-buildpackage's debian/ scratch files and
# obj-* folder never land in the repository.  Any lintian error (E:) fails
# the build; warnings are shown.  The .debs (vmxguard, libvmxguard0,
# libvmxguard-dev) end up in build-deb/.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${VG_DEB_OUT:-$src/build-deb}
for tool in dpkg-buildpackage dh lintian fakeroot; do
    command -v $tool >/dev/null ||
        { echo "build-deb: $tool missing; run 'make deps' (scripts/deps/ux.txt)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(cd "$src" && dpkg-parsechangelog -S Version)
tree=$work/vmxguard-$version
mkdir "$tree"
# Unit tests read the shared corpus beside the source tree, as in the repo.
[ -d "$src/../shared" ] && ln -s "$(cd "$src/../shared" && pwd)" "$work/shared"
tar -C "$src" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude='./obj-*' \
    --exclude=node_modules --exclude=./debian/vmxguard --exclude=./debian/.debhelper \
    --exclude='./debian/*.substvars' --exclude=./debian/files --exclude='./debian/*debhelper*' \
    -cf - . | tar -C "$tree" -xf -

jobs=$(nproc 2>/dev/null || echo 2)
echo "build-deb: building vmxguard $version in $tree"
(cd "$tree" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -n 60 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (last 60 lines above)" >&2
    exit 1
}
changes=$(ls "$work"/vmxguard_"$version"_*.changes)
echo "build-deb: lintian $(basename "$changes")"
lintian --fail-on error --display-info "$changes" | tee "$work/lintian.log" || {
    echo "build-deb: lintian reports errors" >&2
    exit 1
}
if grep -q '^E: ' "$work/lintian.log"; then
    echo "build-deb: lintian reports errors" >&2
    exit 1
fi
mkdir -p "$out"
cp "$work"/*_"$version"_*.deb "$out"/
cp "$work/build.log" "$out/build.log"
ls -l "$out"/*_"$version"_*.deb
