#!/usr/bin/env bash
# Installs the HCL parser the fix emit test checks Terraform output with
# (@cdktf/hcl2json: a WebAssembly build of HashiCorp's hcl2 parser) into
# build-npm-fix/ at the top of the tree.  Idempotent: a no-op when that
# version is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$here/build-npm-fix
version=0.21.0
pkg=$dir/node_modules/@cdktf/hcl2json/package.json
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
    exit 0
fi
command -v npm >/dev/null || { echo "fix setup: npm is missing (nodejs package)" >&2; exit 1; }
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@cdktf/hcl2json@$version"
