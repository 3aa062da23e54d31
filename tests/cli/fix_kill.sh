#!/usr/bin/env bash
# SIGKILL at random moments while fixing 1,000 files: after every kill each
# file is byte-identical to its original or to its fully fixed version, and
# once a later run completes every file is fixed and no temp file is left.
# Rounds: FIX_KILL_ROUNDS (5 in `make check`; `make stress` runs 200).
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
rounds=${FIX_KILL_ROUNDS:-5}
files=${FIX_KILL_FILES:-1000}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
# tmpfs when there is one: fsync costs nothing there, so a round is short and
# kills land in every phase of a save; what a kill can tear does not depend
# on the file system (power loss is another matter, covered by fsync).
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d -p "$base")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
fix() { "$VMXGUARD" fix --color=never --yes "$@" </dev/null >/dev/null 2>>"$tmp/errors"; }

mkdir "$tmp/orig"
"$py" - "$tmp/orig" "$files" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    eol = "\r\n" if i % 7 == 0 else "\n"
    lines = ['.encoding = "UTF-8"', '# vm %d' % i, 'displayName = "vm%04d"' % i,
             'isolation.tools.copy.disable = "FALSE"', 'memSize = "%d"' % (1024 + i)]
    if i % 3 == 0:
        lines.append('isolation.tools.paste.disable = "false"')
    if i % 5 == 0:
        lines += ['guestinfo.pad%02d = "%s"' % (j, "x" * 60) for j in range(40)]
    with open(os.path.join(d, "vm%04d.vmx" % i), "w", newline="") as f:
        f.write(eol.join(lines) + eol)
PY
cp -r "$tmp/orig" "$tmp/fixed"
start=$(date +%s%N)
fix "$tmp/fixed"
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a full run fixes every file ($files files in ${full_ms} ms)" \
    bash -c "[ \$(grep -l 'isolation.tools.copy.disable = \"TRUE\"' '$tmp/fixed'/*.vmx | wc -l) -eq $files ]"

# compare each file with its original and its fixed version; list temp files
verify() {
    "$py" - "$tmp" <<'PY'
import os, sys
t = sys.argv[1]
bad, n_orig, n_fixed, temps = 0, 0, 0, []
for name in sorted(os.listdir(os.path.join(t, "ds"))):
    p = os.path.join(t, "ds", name)
    if "vmxguard-tmp" in name:
        temps.append(name); continue
    data = open(p, "rb").read()
    if data == open(os.path.join(t, "orig", name), "rb").read():
        n_orig += 1
    elif data == open(os.path.join(t, "fixed", name), "rb").read():
        n_fixed += 1
    else:
        bad += 1; print("FAIL %s is neither original nor fixed" % name)
print("%d original, %d fixed, %d torn, %d temp" % (n_orig, n_fixed, bad, len(temps)))
open(os.path.join(t, "temps"), "w").write("\n".join(temps))
sys.exit(1 if bad else 0)
PY
}

cp -r "$tmp/orig" "$tmp/ds"
torn=0
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then rm -rf "$tmp/ds"; cp -r "$tmp/orig" "$tmp/ds"; fi
    delay_ms=$(( RANDOM % (full_ms + 1) ))
    "$VMXGUARD" fix --color=never --yes "$tmp/ds" </dev/null >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo -n "round $r (kill after ${delay_ms} ms): "
    verify || torn=$((torn + 1))
done
check "after $rounds kills every file is original or fully fixed" [ "$torn" -eq 0 ]

fix "$tmp/ds"
echo -n "after a completing run: "
verify >/dev/null
check "a completing run fixes every file" bash -c "cmp -s <(cd '$tmp/ds' && cat *.vmx) <(cd '$tmp/fixed' && cat *.vmx)"
check "no temp files left" [ ! -s "$tmp/temps" ]
check "no errors from the completing runs" [ ! -s "$tmp/errors" ]

[ "$fails" -eq 0 ] && echo "all fix kill checks passed" || echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
