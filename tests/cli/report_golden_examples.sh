#!/usr/bin/env bash
# Golden files of every format for the real CLI over examples/datastore1
# with examples/waivers.yaml (waived and expired waivers).  Normalised: the
# start time becomes @TIME@ and the auditing host @HOST@ (the only parts that
# change between runs; ids are derived from content).  After an intended
# change to the examples, catalog or writers, regenerate and review:
#   VG_UPDATE_GOLDEN=1 VMXGUARD=build/vmxguard VG_SOURCE_DIR=. VG_BINARY_DIR=build \
#     bash tests/cli/report_golden_examples.sh && git diff tests/golden/report/examples
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
golden=$VG_SOURCE_DIR/tests/golden/report/examples
ex=$VG_SOURCE_DIR/examples
work=$(mktemp -d "${TMPDIR:-/tmp}/vg-golden.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$VG_SOURCE_DIR" # paths in the reports are relative to the source tree

normalise() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.000)?Z/@TIME@/g' \
        -e 's/"hostname": ?"[^"]*"/"hostname":"@HOST@"/g' \
        -e 's/ hostname="[^"]*"/ hostname="@HOST@"/g' \
        -e 's/(Started @TIME@ on )[^ <]*/\1@HOST@/g' "$1"
}

audit() {
    local rc=0
    "$VMXGUARD" audit examples/datastore1 --waivers examples/waivers.yaml --color=never "$@" \
        >/dev/null 2>"$work/stderr" || rc=$?
    # 0 = clean, 1 = findings; anything else is a failure of the run
    [ "$rc" -le 1 ] || { cat "$work/stderr" >&2; echo "FAIL: audit $* exited $rc" >&2; exit 1; }
}

mkdir -p "$work/out"
for f in text json jsonl csv junit sarif xccdf html hdf; do
    audit --format "$f" -o "$work/out/examples.$f"
done
for f in ckl cklb; do
    mkdir -p "$work/out/$f"
    audit --format "$f" --output-dir "$work/out/$f"
done
(cd "$work/out" && find . -type f | sort) > "$work/files"
[ "$(wc -l < "$work/files")" -ge 10 ] || { echo "FAIL: too few outputs" >&2; exit 1; }

if [ -n "${VG_UPDATE_GOLDEN:-}" ]; then
    rm -rf "$golden"
    while read -r f; do
        mkdir -p "$(dirname "$golden/$f")"
        normalise "$work/out/$f" > "$golden/$f"
    done < "$work/files"
    echo "golden files written to $golden"
    exit 0
fi
bad=0
(cd "$golden" && find . -type f | sort) > "$work/want" || true
diff -u "$work/want" "$work/files" || { echo "FAIL: the set of output files differs" >&2; bad=1; }
while read -r f; do
    [ -f "$golden/$f" ] || continue
    if ! normalise "$work/out/$f" | diff -u "$golden/$f" - > "$work/diff"; then
        echo "FAIL: $f differs from $golden/$f:" >&2
        head -40 "$work/diff" >&2
        bad=1
    fi
done < "$work/files"
[ "$bad" -eq 0 ] || { echo "(see the header of this script to regenerate)" >&2; exit 1; }

# a run of exactly one VM, in every whole-run format: the writers that keep
# something of the first VM past its report (HDF's target id) must copy it
# (under ASan a use-after-free aborts here)
mkdir -p "$work/one"
cp -r "$VG_SOURCE_DIR/examples/datastore1/db01" "$work/one/"
for f in text json jsonl csv junit sarif xccdf hdf html; do
    rc=0
    "$VMXGUARD" audit -f "$f" -o "$work/one.$f" "$work/one" >/dev/null 2>"$work/one.err" || rc=$?
    [ "$rc" -le 1 ] || { echo "FAIL: one VM, -f $f: exit $rc: $(head -5 "$work/one.err")" >&2; exit 1; }
done
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["platform"]["target_id"] == "db01"' \
    "$work/one.hdf" || { echo "FAIL: one VM: HDF target_id is not the VM's name" >&2; exit 1; }
echo "ok: $(wc -l < "$work/files") outputs equal their golden files"
