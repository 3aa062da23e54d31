# Sourced by tests/cli/report_*.sh: where the consumers are, and report
# samples to feed them.  Samples come from the fixture writer
# (unit_report_test_golden --write: two VMs, every status, hostile names)
# and, once `vmxguard audit` takes --format, also from the real CLI over
# examples/datastore1.  A missing consumer fails the test: it is installed by
# scripts/setup.d/report.sh and scripts/deps/report.txt, never skipped.
set -euo pipefail
: "${VG_SOURCE_DIR:?}" "${VG_BINARY_DIR:?}"
consumers=$VG_SOURCE_DIR/tests/consumers
bin=$consumers/node_modules/.bin
work=$(mktemp -d "${TMPDIR:-/tmp}/vg-report-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

need() {
    [ -e "$1" ] || fail "$1 is missing: run bash scripts/setup.d/report.sh (and scripts/install-deps.sh)"
}

# sample_dirs FORMAT...: fills $work/fixture (every format) and $work/cli
# (when the CLI can: fixture.json plus the formats named; ckl, cklb and
# xccdf also per VM).  Prints the directories made, one a line.
sample_dirs() {
    mkdir -p "$work/fixture"
    "$VG_BINARY_DIR/unit_report_test_golden" --write "$work/fixture" || fail "fixture writer failed"
    echo "$work/fixture"
    local ex=$VG_SOURCE_DIR/examples/datastore1
    if [ -n "${VMXGUARD:-}" ] && [ -d "$ex" ] &&
        "$VMXGUARD" audit --help 2>/dev/null | grep -q -- '--format'; then
        mkdir -p "$work/cli"
        local f
        # The JSON that checklists are compared with must hold the same rules:
        # checklists answer the baseline only, never vmxguard's folder evidence.
        for f in json "$@"; do
            case $f in ckl | cklb) ;; *)
                "$VMXGUARD" audit "$ex" --no-folder-evidence --format "$f" -o "$work/cli/fixture.$f" \
                    >/dev/null 2>&1 || true ;;
            esac
            case $f in ckl | cklb | xccdf)
                mkdir -p "$work/cli/$f"
                "$VMXGUARD" audit "$ex" --format "$f" --output-dir "$work/cli/$f" >/dev/null 2>&1 || true ;;
            esac
        done
        [ -s "$work/cli/fixture.json" ] && echo "$work/cli"
    fi
    return 0
}
