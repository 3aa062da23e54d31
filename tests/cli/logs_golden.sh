#!/bin/bash
# Golden tests of `vmxguard logs` over hand-checked corpus logs.  Each
# tests/golden/logs/*.golden holds '#' directives and comments (why each
# finding is right) and then the expected text output, minus the "fix:"
# lines (advice text that is edited freely in signatures.yaml).
#   # file: NAME          copy corpus log NAME into a temp dir, run on it
#   # folder: DEST=NAME   copy corpus log NAME to vm/DEST (repeatable), run on vm
#   # vmx: TEXT           add a line to vm/vm.vmx (the .vmx beside the logs)
#   # args: ...           extra options
#   # exit: N             expected exit code
# VG_GOLDEN_UPDATE=1 rewrites the expected part (review the diff like code).
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
corpus="$VG_SOURCE_DIR/../shared/corpus/vmware-log"
[ -d "$corpus" ] || { echo "corpus missing: $corpus" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
for g in "$VG_SOURCE_DIR"/tests/golden/logs/*.golden; do
    n=$((n + 1))
    run="$tmp/run$n"
    mkdir -p "$run"
    target="" args="" want_exit=""
    while IFS= read -r line; do
        case "$line" in
        "# file: "*) f=${line#\# file: }; cp "$corpus/$f" "$run/" || exit 1; target=$f ;;
        "# folder: "*) spec=${line#\# folder: }; mkdir -p "$run/vm"
            cp "$corpus/${spec#*=}" "$run/vm/${spec%%=*}" || exit 1; target=vm ;;
        "# vmx: "*) mkdir -p "$run/vm"; printf '%s\n' "${line#\# vmx: }" >>"$run/vm/vm.vmx" ;;
        "# args: "*) args=${line#\# args: } ;;
        "# exit: "*) want_exit=${line#\# exit: } ;;
        esac
    done < <(grep '^#' "$g")
    # shellcheck disable=SC2086
    actual=$(cd "$run" && "$VMXGUARD" logs $args "$target" 2>&1)
    rc=$?
    actual=$(printf '%s\n' "$actual" | grep -v '^      fix: ')
    if [ "${VG_GOLDEN_UPDATE:-0}" = 1 ]; then
        { grep '^#' "$g"; printf '%s\n' "$actual"; } >"$g.new" && mv "$g.new" "$g"
        continue
    fi
    expected=$(grep -v '^#' "$g")
    if [ "$actual" != "$expected" ]; then
        echo "FAIL $(basename "$g"): output differs"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | head -40
        fails=$((fails + 1))
    elif [ -n "$want_exit" ] && [ "$rc" != "$want_exit" ]; then
        echo "FAIL $(basename "$g"): exit $rc, expected $want_exit"
        fails=$((fails + 1))
    else
        echo "ok   $(basename "$g")"
    fi
done
[ "$n" -ge 10 ] || { echo "expected at least 10 golden files, found $n"; exit 1; }
exit $((fails > 0))
