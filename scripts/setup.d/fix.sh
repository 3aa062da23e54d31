#!/usr/bin/env bash
# Installs the parsers the fix emit test reads the emitted scripts back with,
# into build-npm-fix/ at the top of the tree:
#  - @cdktf/hcl2json: a WebAssembly build of HashiCorp's hcl2 parser, for the
#    Terraform output;
#  - tree-sitter-powershell with web-tree-sitter: a PowerShell grammar (its
#    WebAssembly build; install scripts skipped, no native compile), for the
#    PowerCLI output, since Microsoft's PowerShell is not packaged in Debian.
# Idempotent: a no-op when those versions are already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$here/build-npm-fix
pkgs=("@cdktf/hcl2json@0.21.0" "tree-sitter-powershell@0.26.4" "web-tree-sitter@0.27.2")
have() {
    local name=${1%@*} version=${1##*@}
    local pkg=$dir/node_modules/$name/package.json
    [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"
}
missing=0
for p in "${pkgs[@]}"; do have "$p" || missing=1; done
[ "$missing" = 0 ] && exit 0
command -v npm >/dev/null || { echo "fix setup: npm is missing (nodejs package)" >&2; exit 1; }
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error "${pkgs[@]}"
