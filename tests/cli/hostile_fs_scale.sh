#!/usr/bin/env bash
# No input is quadratic (issue 22), file side: fix over a .vmx holding one
# key N and 4N times, and an audit of N and 4N VMs in one folder (more than
# one listing chunk of 4,096 names, where each VM used to re-list the
# folder).  Each pair runs in this one process, on this machine, and only
# the ratio is checked: linear work gives about 4, quadratic about 16; the
# limit is 9.  The best of two runs of each size damps a loaded machine.
set -u
: "${VMXGUARD:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
LIMIT=${SCALE_LIMIT:-9}

# best_ms CMD...: the faster of two runs, in milliseconds (prep runs before each)
best_ms() {
    local best=
    for _ in 1 2; do
        "$prep"
        local s e
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1
        e=$(date +%s%N)
        local ms=$(( (e - s) / 1000000 ))
        [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "${best:-1}"
}
ratio_ok() { # small big: big < LIMIT * small (small at least 1 ms)
    local a=$1 b=$2
    [ "$a" -lt 1 ] && a=1
    [ "$b" -lt $((LIMIT * a)) ]
}

# --- 1. one key N and 4N times: fix removes the copies in one pass ------------
N=${SCALE_KEYS:-25000}
for n in $N $((4 * N)); do
    mkdir -p "$t/k$n"
    awk -v n="$n" 'BEGIN { print "displayName = \"k\""; for (i = 0; i < n; i++) print "isolation.tools.copy.disable = \"FALSE\"" }' >"$t/k$n.src"
done
for n in $N $((4 * N)); do
    eval "prep_k$n() { cp '$t/k$n.src' '$t/k$n/k.vmx'; }"
done
prep=prep_k$N; small=$(best_ms "$VMXGUARD" fix --yes --rule isolation-tools-copy-disable "$t/k$N")
prep=prep_k$((4 * N)); big=$(best_ms "$VMXGUARD" fix --yes --rule isolation-tools-copy-disable "$t/k$((4 * N))")
echo "fix, one key $N times: $small ms; $((4 * N)) times: $big ms"
check "fix over 4N copies of a key: ${big} ms < ${LIMIT} x ${small} ms" ratio_ok "$small" "$big"
check "fix left one copy, set" [ "$(grep -c '^isolation.tools.copy.disable = "TRUE"' "$t/k$((4 * N))/k.vmx")" = 1 ]

# --- 2. N and 4N VMs in one folder -------------------------------------------------
M=${SCALE_VMS:-4200}
for n in $M $((4 * M)); do
    mkdir -p "$t/f$n"
    python3 -c 'import sys
for i in range(int(sys.argv[2])):
    open("%s/v%06d.vmx" % (sys.argv[1], i), "w").write("displayName = \"v\"\n")' "$t/f$n" "$n"
done
: >"$t/f$((4 * M))/.lck-00000001" # an NFS lock in the big folder: no per-VM listing either
prep=true
small=$(best_ms "$VMXGUARD" audit --format jsonl "$t/f$M")
big=$(best_ms "$VMXGUARD" audit --format jsonl "$t/f$((4 * M))")
echo "audit, $M VMs in one folder: $small ms; $((4 * M)): $big ms"
check "audit of 4N VMs in one folder: ${big} ms < ${LIMIT} x ${small} ms" ratio_ok "$small" "$big"
"$VMXGUARD" audit --format jsonl "$t/f$((4 * M))" 2>/dev/null >"$t/big.jsonl"
check "every VM of the big folder audited, the NFS lock seen for each" \
    [ "$(grep -c '"locked":true' "$t/big.jsonl")" = $((4 * M)) ]

echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
