#!/usr/bin/env bash
# Writing must not follow a planted link or drop protections (issue 22):
# -o and --output-dir names that are links (to a file, dangling, to a FIFO),
# an earlier output with another name (hard link) that must not be
# truncated, fix through a symlinked .vmx whose real folder holds the lock,
# a .vmx linked out of the targets, xattrs and an ACL across fix, a
# 244-byte .vmx name, a cooperating writer that must never lose an update,
# and hard links refused with the hint in the CLI, not the library.
set -u
: "${VMXGUARD:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
vg() { timeout 120 "$VMXGUARD" "$@" </dev/null; }
weak() { mkdir -p "$(dirname "$1")"; printf 'displayName = "%s"\nisolation.tools.copy.disable = "FALSE"\n' "$2" >"$1"; }

weak "$t/ds/web/web.vmx" web
printf 'precious\n' >"$t/precious"

# --- 1. -o through a planted link -------------------------------------------
ln -s "$t/precious" "$t/out.json"
vg audit --format json -o "$t/out.json" "$t/ds" >/dev/null 2>"$t/err"; rc=$?
check "-o onto a symlink: refused (rc=$rc)" [ $rc = 2 ]
check "-o onto a symlink: the link's target untouched" grep -qx precious "$t/precious"
check "-o onto a symlink: still a link" [ -L "$t/out.json" ]
ln -s "$t/nowhere" "$t/dangling.json"
vg audit --format json -o "$t/dangling.json" "$t/ds" >/dev/null 2>&1
check "-o onto a dangling link: nothing created behind it" [ ! -e "$t/nowhere" ]
mkfifo "$t/fifo.json"
vg audit --format json -o "$t/fifo.json" "$t/ds" >/dev/null 2>&1; rc=$?
check "-o onto a FIFO: refused, no hang (rc=$rc)" [ $rc = 2 ]
# an earlier report with a second name: replaced by a new file, never truncated
printf 'old report\n' >"$t/r.json"; ln "$t/r.json" "$t/r-other.json"
vg audit --format json -o "$t/r.json" "$t/ds" >/dev/null 2>&1
check "-o over an existing file: new content" grep -q '"vms"' "$t/r.json"
check "-o over an existing file: its other name keeps the old bytes" grep -qx 'old report' "$t/r-other.json"
check "-o: new file is 0600" [ "$(stat -c %a "$t/r.json")" = 600 ]
vg audit --format json -o /dev/null "$t/ds" >/dev/null 2>&1; rc=$?
check "-o /dev/null still works (rc=$rc)" [ $rc -le 1 ]
check "/dev/null is still a device" [ -c /dev/null ]
vg fix --emit govc -o "$t/out.json" "$t/ds" >/dev/null 2>&1; rc=$?
check "fix --emit -o onto a symlink: refused (rc=$rc)" [ $rc = 2 ] && grep -qx precious "$t/precious"

# --- 2. --output-dir with a planted link at a checklist name ----------------
mkdir -p "$t/ckl"
vg audit --format ckl --output-dir "$t/ckl" "$t/ds" >/dev/null 2>&1
name=$(ls "$t/ckl" | head -1)
check "--output-dir wrote a checklist ($name)" [ -n "$name" ]
rm -f "$t/ckl/$name"; ln -s "$t/precious" "$t/ckl/$name"
vg audit --format ckl --output-dir "$t/ckl" "$t/ds" >/dev/null 2>"$t/err"; rc=$?
check "--output-dir: a planted link is refused (rc=$rc)" [ $rc -ge 2 ]
check "--output-dir: the link's target untouched" grep -qx precious "$t/precious"
check "--output-dir: the refusal names the checklist" grep -q "$name" "$t/err"
for fmt in cklb xccdf; do
    mkdir -p "$t/$fmt"
    vg audit --format $fmt --output-dir "$t/$fmt" "$t/ds" >/dev/null 2>&1
    n=$(ls "$t/$fmt" | head -1); rm -f "$t/$fmt/$n"; ln -s "$t/precious" "$t/$fmt/$n"
    vg audit --format $fmt --output-dir "$t/$fmt" "$t/ds" >/dev/null 2>&1
    check "--output-dir $fmt: the link's target untouched" grep -qx precious "$t/precious"
done

# --- 3. fix through a symlinked .vmx --------------------------------------------
mkdir -p "$t/fx/links"
weak "$t/fx/real/run/run.vmx" run
mkdir "$t/fx/real/run/run.vmx.lck"; echo lock >"$t/fx/real/run/run.vmx.lck/M1.lck"
ln -s ../real/run/run.vmx "$t/fx/links/run.vmx"   # the lock lives beside the real file
cp "$t/fx/real/run/run.vmx" "$t/run.orig"
vg fix --yes "$t/fx/links/run.vmx" >"$t/out" 2>"$t/err"; rc=$?
check "symlinked .vmx of a running VM: refused (rc=$rc)" grep -q "appears to be running" "$t/err"
check "symlinked .vmx of a running VM: untouched" cmp -s "$t/fx/real/run/run.vmx" "$t/run.orig"
check "the CLI, not the library, names --force" grep -q "^hint: --force" "$t/err"
weak "$t/outside/o.vmx" o; cp "$t/outside/o.vmx" "$t/o.orig"
mkdir -p "$t/fx2"; ln -s "$t/outside/o.vmx" "$t/fx2/o.vmx"
vg fix --yes "$t/fx2" >"$t/out" 2>"$t/err"
check "a .vmx linked out of the targets is not fixed" cmp -s "$t/outside/o.vmx" "$t/o.orig"
check "... and the skipped link is named" grep -q "leads outside every target; not followed" "$t/err"

# --- 4. extended attributes and ACL kept by fix ---------------------------------
weak "$t/xa/x/x.vmx" x
if setfattr -n user.vmxguard -v kept "$t/xa/x/x.vmx" 2>/dev/null && setfacl -m u:65534:r "$t/xa/x/x.vmx" 2>/dev/null; then
    acl_before=$(getfacl -c "$t/xa/x/x.vmx" 2>/dev/null)
    vg fix --yes "$t/xa" >/dev/null 2>&1
    check "fix: the file was fixed" grep -q 'isolation.tools.copy.disable = "TRUE"' "$t/xa/x/x.vmx"
    check "fix: the user xattr survived" [ "$(getfattr --only-values -n user.vmxguard "$t/xa/x/x.vmx" 2>/dev/null)" = kept ]
    check "fix: the ACL survived" [ "$(getfacl -c "$t/xa/x/x.vmx" 2>/dev/null)" = "$acl_before" ]
else
    echo "NOTE: no user xattrs or ACLs here: xattr checks not done"
fi

# --- 5. a 244-byte .vmx name ----------------------------------------------------
long=$(printf 'n%.0s' $(seq 1 240)).vmx
weak "$t/ln/d/$long" long
vg fix --yes "$t/ln" >/dev/null 2>"$t/err"; rc=$?
check "244-byte name fixed (rc=$rc)" grep -q 'isolation.tools.copy.disable = "TRUE"' "$t/ln/d/$long"

# --- 6. hard links: refused, hint from the CLI ----------------------------------
weak "$t/hl/h/h.vmx" h; ln "$t/hl/h/h.vmx" "$t/hl-other.vmx"
vg fix --yes "$t/hl" >/dev/null 2>"$t/err"; rc=$?
check "hard link: refused (rc=$rc)" [ $rc = 2 ]
check "hard link: the library's message names no flag" bash -c "grep 'hard links' '$t/err' | grep -vq -- '--'"
check "hard link: the summary counts it" bash -c "'$VMXGUARD' fix --yes '$t/hl' </dev/null 2>/dev/null | grep -q 'hard-linked'"

# --- 7. a cooperating writer never loses an update ------------------------------
# The writer follows the rule of docs/fix.md: flock the .vmx, check that the
# name still is the file it locked (else open again), then rewrite it in
# place (here: switch copy.disable back to FALSE and append a numbered
# line).  fix runs again and again meanwhile; at the end every numbered
# line must be in the file, whoever won each race.
cat >"$t/writer.py" <<'EOF'
import fcntl, os, sys, time, random
path, n = sys.argv[1], int(sys.argv[2])
for k in range(1, n + 1):
    while True:
        fd = os.open(path, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_ino == os.stat(path).st_ino:
            break
        os.close(fd)
    data = os.pread(fd, 1 << 20, 0).decode()
    data = data.replace('copy.disable = "TRUE"', 'copy.disable = "FALSE"')
    data += 'guestinfo.w%d = "%d"\n' % (k, k)
    os.ftruncate(fd, 0)
    os.pwrite(fd, data.encode(), 0)
    os.close(fd)
    time.sleep(random.random() * 0.02)
EOF
n=${HOSTILE_WRITES:-150}
weak "$t/cw/v/v.vmx" v
python3 "$t/writer.py" "$t/cw/v/v.vmx" "$n" & wp=$!
runs=0 applied=0 refused=0
while kill -0 $wp 2>/dev/null; do
    vg fix --yes "$t/cw" >"$t/cw.out" 2>&1
    runs=$((runs + 1))
    grep -q 'set 1' "$t/cw.out" && applied=$((applied + 1))
    grep -q 'not written' "$t/cw.out" && refused=$((refused + 1))
done
wait $wp
have=$(grep -c '^guestinfo.w[0-9]* = ' "$t/cw/v/v.vmx")
echo "cooperating writer: $n writes, fix ran $runs times ($applied applied, $refused refused as changed); $have of $n writes in the file"
check "cooperating writer: no update lost ($have of $n)" [ "$have" = "$n" ]
check "cooperating writer: fix did apply meanwhile (else the test proves nothing)" [ "$applied" -ge 1 ]

echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
