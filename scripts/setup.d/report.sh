#!/usr/bin/env bash
# Installs the npm consumers the report tests feed vmxguard's output to (STIG
# Manager's parser, SARIF multitool, ajv, MITRE SAF CLI, inspecjs, Heimdall
# Lite; tests/consumers/package.json, pinned by its lockfile) into
# tests/consumers/node_modules (about 550 MB, two minutes the first time).
# Debian packages (chromium, xmllint, the XCCDF schema, openssl) come from
# scripts/deps/report.txt.  Idempotent: a no-op when
# node_modules already matches the lockfile.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$here/tests/consumers
stamp=$dir/node_modules/.vmxguard-lock.sha256
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "report setup: npm is missing (nodejs package)" >&2; exit 1; }
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
# sarif-multitool's postinstall only marks its .NET binary executable; npm may
# skip install scripts, so do it here.
chmod u+x "$dir"/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
echo "$want" > "$stamp"
