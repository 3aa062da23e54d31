#!/usr/bin/env bash
# ctest entry for the Debian package test (tests/package/check_package.sh):
# build with dpkg-buildpackage, lintian, dpkg -i, run, dpkg -r.  About 1.5
# minutes on 2 cores.  The package's own unit-test step is skipped here
# (nocheck) because the same unit tests run in this ctest under ASan;
# `make check-package` runs the package build with them.
set -euo pipefail
: "${VG_SOURCE_DIR:?}"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: dpkg -i needs root; run 'sudo make check-package' (CI runs as root)"
    exit 77
fi
DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" exec bash "$VG_SOURCE_DIR/tests/package/check_package.sh"
