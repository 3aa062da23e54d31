#!/usr/bin/env bash
# Builds vcsim (vSphere API simulator) and govc for the live vSphere tests,
# offline from Debian 12 packages: the lab's install.sh in shared/ beside
# the repo fetches Debian's govmomi source package and builds in GOPATH
# mode (about 2 minutes once; well under a second when up to date).
# The Debian packages it needs are listed in scripts/deps/vsphere.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
lab=${VG_SHARED_DIR:-$here/../shared}/lab/vcsim
prefix=${VCSIM_PREFIX:-/opt/vcsim}
if [ -x "$prefix/bin/vcsim" ] && [ -x "$prefix/bin/govc" ] && [ -f "$prefix/.build-stamp" ]; then
    exit 0
fi
[ -f "$lab/install.sh" ] || { echo "vsphere setup: $lab/install.sh not found (shared/ must sit beside the repo)" >&2; exit 1; }
echo "vsphere setup: building vcsim and govc into $prefix (once, ~2 min)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
bash "$lab/install.sh" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
[ -x "$prefix/bin/vcsim" ] && [ -x "$prefix/bin/govc" ] || { cat "$work/install.log" >&2; echo "vsphere setup: vcsim/govc missing after install" >&2; exit 1; }
