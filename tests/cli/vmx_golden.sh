#!/bin/bash
# Golden edit tests: tests/golden/vmx/<case>/{input.vmx,edits,expected.vmx}.
# The edits are applied with `vmxguard vmx set/rm` to a copy of input.vmx;
# the result must equal expected.vmx byte for byte.  VG_GOLDEN_UPDATE=1
# rewrites expected.vmx (then review the diff like code).
set -u
: "${VMXGUARD:?set VMXGUARD to the vmxguard binary}"
golden="$VG_SOURCE_DIR/tests/golden/vmx"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
for case in "$golden"/*/; do
    name=$(basename "$case")
    [ -f "$case/input.vmx" ] || continue
    n=$((n + 1))
    cp "$case/input.vmx" "$tmp/$name.vmx"
    while IFS=$'\t' read -r action key value; do
        case "$action" in
        set) "$VMXGUARD" vmx set "$tmp/$name.vmx" "$key" -- "$value" ;;
        setb) "$VMXGUARD" vmx set "$tmp/$name.vmx" "$key" -- "$(printf '%b' "$value")" ;;
        rm) "$VMXGUARD" vmx rm "$tmp/$name.vmx" "$key" ;;
        *) echo "FAIL: $name: bad edit line '$action'"; fails=$((fails + 1)); continue ;;
        esac
        rc=$?
        [ $rc = 0 ] || { echo "FAIL: $name: $action $key exited $rc"; fails=$((fails + 1)); }
    done <"$case/edits"
    if [ "${VG_GOLDEN_UPDATE:-0}" = 1 ]; then
        cp "$tmp/$name.vmx" "$case/expected.vmx"
    elif ! cmp -s "$tmp/$name.vmx" "$case/expected.vmx"; then
        echo "FAIL: $name: result differs from expected.vmx"
        diff <(od -c "$case/expected.vmx") <(od -c "$tmp/$name.vmx") | head -20
        fails=$((fails + 1))
    fi
done
[ "$n" -ge 8 ] || { echo "FAIL: only $n golden cases found in $golden"; fails=$((fails + 1)); }
[ "$fails" = 0 ] && echo "ok: $n golden vmx edit cases" || echo "$fails failure(s)"
[ "$fails" = 0 ]
