#!/usr/bin/env bash
# vmxguard fix on a terminal without --yes: shows the coloured diff, asks per
# file (y / n / a / q), and does only what was answered.  script(1) from
# util-linux provides the terminal.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
if ! command -v script >/dev/null; then
    echo "FAIL script(1) missing (util-linux)"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
mk() {
    rm -rf "$tmp/ds"; mkdir -p "$tmp/ds"
    for v in a b c; do
        printf 'displayName = "%s"\nisolation.tools.copy.disable = "FALSE"\n' "$v" >"$tmp/ds/$v.vmx"
    done
    cp "$tmp/ds/a.vmx" "$tmp/orig"
}
on_tty() { # answers on stdin, command line as arguments
    script -qec "$(printf '%q ' "$@")" /dev/null >"$tmp/out" 2>&1
}

mk
printf 'n\ny\nq\n' | on_tty env -u NO_COLOR TERM=xterm "$VMXGUARD" fix "$tmp/ds"
check "asks per file" grep -q 'apply to .*a.vmx? \[y,n,a,q\]' "$tmp/out"
check "diff coloured on a terminal" grep -q $'\033\\[32m+isolation.tools.copy.disable = "TRUE"' "$tmp/out"
check "answer n leaves a.vmx" cmp -s "$tmp/ds/a.vmx" "$tmp/orig"
check "answer y fixes b.vmx" grep -q '"TRUE"' "$tmp/ds/b.vmx"
check "answer q stops before c.vmx" grep -q '"FALSE"' "$tmp/ds/c.vmx"
check "declined file reported" grep -q 'a.vmx: skipped (declined)' "$tmp/out"
check "declined rules count as left unfixed" grep -qE ' [1-9][0-9]* rule\(s\) left unfixed' "$tmp/out"

mk
printf 'a\n' | on_tty "$VMXGUARD" fix "$tmp/ds"
check "answer a fixes all remaining" bash -c "grep -q TRUE '$tmp/ds/a.vmx' && grep -q TRUE '$tmp/ds/b.vmx' && grep -q TRUE '$tmp/ds/c.vmx'"
check "asked only once" [ "$(grep -c 'apply to' "$tmp/out")" -eq 1 ]

mk
printf '' | on_tty env NO_COLOR=1 "$VMXGUARD" fix --dry-run "$tmp/ds"
check "NO_COLOR: no colour on a terminal" bash -c "! grep -q $'\033\\[3' '$tmp/out'"
check "dry run does not ask" bash -c "! grep -q 'apply to' '$tmp/out'"

[ "$fails" -eq 0 ] && echo "all fix tty checks passed" || { echo "$fails check(s) failed"; cat -v "$tmp/out" | head -30; }
[ "$fails" -eq 0 ]
