#!/usr/bin/env bash
# docs/rules.md is where the SARIF helpUri (docs/rules.md#<rule-id>) points:
# every catalog rule has its heading there and no heading names a rule that
# is gone.  Regenerate with: bash scripts/gen-rules-doc.sh build/vmxguard > docs/rules.md
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
doc=$VG_SOURCE_DIR/docs/rules.md
ids=$(sed -nE 's/^[[:space:]]*- id: "?([a-z0-9][a-z0-9.-]*)"?[[:space:]]*$/\1/p' \
    "$VG_SOURCE_DIR"/catalog/rules/*.yaml | sort)
heads=$(sed -n 's/^## //p' "$doc" | sort)
if [ "$ids" != "$heads" ]; then
    diff <(echo "$heads") <(echo "$ids") | head
    echo "FAIL: docs/rules.md and the catalog's rules differ (< doc only, > catalog only)"
    exit 1
fi
n=$(wc -l <<<"$ids")
want=$("$VMXGUARD" profiles | tail -n1 | sed -nE 's/.*, ([0-9]+) rules\..*/\1/p')
[ "$n" -eq "$want" ] || { echo "FAIL: $n rule ids in catalog/rules, the binary has $want"; exit 1; }
"$VMXGUARD" explain "$(head -n1 <<<"$ids")" >/dev/null || { echo "FAIL: explain"; exit 1; }
exit 0
