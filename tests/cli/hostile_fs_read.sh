#!/usr/bin/env bash
# Reading a tenant's datastore must not leak or wander (issue 22).  A root
# audit over folders whose contents a tenant controls: lock members, lock
# folders and logs that are symlinks (to a secret file, to a FIFO, to a
# device, dangling, looping), symlinks out of the targets (to /, relative
# and absolute escapes, link loops), and a huge sparse log.  Each time: no
# byte of the secret in any report format, no hang, the audit finishes in
# bounded time, the good VM is audited, and what was skipped is said.
set -u
: "${VMXGUARD:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
audit() { timeout 60 "$VMXGUARD" audit --color=never "$@" </dev/null; }
vmx() { mkdir -p "$(dirname "$1")"; printf 'displayName = "%s"\nRemoteDisplay.maxConnections = "1"\n' "$2" >"$1"; }

secret=$t/secret/shadow
mkdir -p "$t/secret" && printf 'uuid=TOPSECRET-4c1e9 root:$6$hash\n' >"$secret" && chmod 600 "$secret"
mkfifo "$t/secret/fifo"

# --- 1. lock members and lock folders that are links -----------------------
ds=$t/ds1
vmx "$ds/a/a.vmx" a; mkdir "$ds/a/a.vmx.lck"; ln -s "$secret" "$ds/a/a.vmx.lck/M1.lck"
vmx "$ds/b/b.vmx" b; ln -s "$t/secret" "$ds/b/b.vmx.lck"            # lock folder is a link
vmx "$ds/c/c.vmx" c; ln -s "$secret" "$ds/c/.lck-0001"               # NFS lock file is a link
vmx "$ds/d/d.vmx" d; mkdir "$ds/d/d.vmx.lck"; ln -s "$t/secret/fifo" "$ds/d/d.vmx.lck/M2.lck"
vmx "$ds/e/e.vmx" e; mkdir "$ds/e/e.vmx.lck"; ln -s /dev/zero "$ds/e/e.vmx.lck/M3.lck"
vmx "$ds/f/f.vmx" f; mkdir "$ds/f/f.vmx.lck"; ln -s "$t/nowhere" "$ds/f/f.vmx.lck/M4.lck"
vmx "$ds/g/g.vmx" g; mkdir "$ds/g/g.vmx.lck"; ln -s M5.lck "$ds/g/g.vmx.lck/M5.lck"  # loop
vmx "$ds/h/h.vmx" h; ln "$secret" "$ds/h/.lck-0002" 2>/dev/null || true  # hard link, where allowed
# logs that are links
vmx "$ds/i/i.vmx" i; ln -s "$secret" "$ds/i/vmware.log"
vmx "$ds/j/j.vmx" j; ln -s "$t/secret/fifo" "$ds/j/vmware.log"
vmx "$ds/k/k.vmx" k; ln -s /dev/urandom "$ds/k/vmware-1.log"
for fmt in text json jsonl csv junit sarif xccdf ckl cklb html; do
    case $fmt in
    xccdf | ckl | cklb) audit --format "$fmt" --output-dir "$t/dir.$fmt" "$ds" >"$t/out.$fmt" 2>"$t/err.$fmt" ;;
    *) audit --format "$fmt" "$ds" >"$t/out.$fmt" 2>"$t/err.$fmt" ;;
    esac
    echo "rc=$?" >>"$t/rcs"
done
leak=0
for f in "$t"/out.* "$t"/err.* "$t"/dir.*/*; do grep -q TOPSECRET "$f" && { echo "  leaked into $f"; leak=1; }; done
check "no byte of a linked secret in any format or on stderr" [ $leak = 0 ]
check "every format finished (no hang on the FIFO or device)" [ "$(grep -c 'rc=[0-2]$' "$t/rcs")" = 10 ]
check "all 11 VMs audited" [ "$(grep -o '"name": *"[a-k]"' "$t/out.json" | sort -u | wc -l)" = 11 ]
check "a linked lock member still marks the VM running" grep -q 'lock M1.lck present (a symbolic link, not read)' "$t/out.text"
check "a lock folder that is a link counts as a lock, not followed" grep -q 'b.vmx.lck is a symbolic link (not followed)' "$t/out.text"
check "NFS lock link: the VM is running, nothing read" grep -q 'NFS lock files (.lck-\*) beside it' "$t/out.text"
check "a linked log is named on stderr and not read" grep -q 'i/vmware.log: a log that is a symbolic link' "$t/err.text"
check "a log linked to a FIFO or device is not read either" \
    [ "$(grep -c 'a log that is a symbolic link' "$t/err.text")" = 3 ]

# --- 2. symlinks out of every target ----------------------------------------
ds=$t/ds2
vmx "$ds/in/in.vmx" in
vmx "$t/elsewhere/x/x.vmx" outside
ln -s / "$ds/root-link"                      # the whole host
ln -s ../../elsewhere "$ds/in/relative-escape"
ln -s "$t/elsewhere" "$ds/absolute-escape"
ln -s "$t/elsewhere/x/x.vmx" "$ds/one.vmx"   # a .vmx link out
ln -s loop-a "$ds/loop-b"; ln -s loop-b "$ds/loop-a"
ln -s "$t/gone" "$ds/dangling"
ln -s in "$ds/inner"                         # into the target: never followed
audit --format json "$ds" >"$t/l.json" 2>"$t/l.err"; rc=$?
check "default: only the VM inside the target (rc=$rc)" [ "$(grep -c '"name":' "$t/l.json")" -ge 1 ]
check "default: nothing outside audited" bash -c "! grep -q '\"outside\"' '$t/l.json'"
check "default: each skipped link is named on stderr" \
    [ "$(grep -c 'leads outside every target; not followed' "$t/l.err")" = 4 ]
check "default: the run did not walk / (fast, no /proc or /etc)" bash -c "! grep -q '/etc/\\|/proc/' '$t/l.err'"
audit --format json --follow-links --exclude 'root-link' "$ds" >"$t/f.json" 2>"$t/f.err"; rc=$?
check "--follow-links: the outside VM once, by one of three links (rc=$rc)" \
    [ "$(grep -o '"path": *"[^"]*x\.vmx"' "$t/f.json" | sort -u | wc -l)" = 1 ]
check "--follow-links: the report says which link was followed" grep -q 'leads outside every target; followed on request' "$t/f.json"
check "--follow-links: and stderr too" grep -q 'absolute-escape: symbolic link to .* followed on request' "$t/f.err"
check "--follow-links: the link loops end" [ $rc -le 2 ]

# --- 3. a 16 GiB sparse vmware.log ----------------------------------------------
ds=$t/ds3
vmx "$ds/s/s.vmx" s
printf '2024-01-01T00:00:00.000Z In(05) vmx - Log for VMware ESX pid=1 version=8.0.2\n' >"$ds/s/vmware.log"
truncate -s 16G "$ds/s/vmware.log"
printf '2024-01-01T00:00:01.000Z In(05) vmx - last line\n' >>"$ds/s/vmware.log"
start=$(date +%s%N)
audit --format json "$ds" >"$t/s.json" 2>"$t/s.err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "sparse 16 GiB log: audited (rc=$rc)" grep -q '"name": *"s"' "$t/s.json"
check "sparse log: evidence says the read was bounded" grep -q 'only its first and last 2 MiB read' "$t/s.json"
check "sparse log: its size comes from stat (rotation sees 16 GiB)" grep -q '17179869' "$t/s.json"
check "sparse log: bounded time (${ms} ms < 30 s)" [ "$ms" -lt 30000 ]
# `logs` still reads a log in full: a line in the middle of a 64 MiB log,
# beyond both bounded parts, is counted
mkdir -p "$t/lg" && printf 'displayName = "lg"\n' >"$t/lg/lg.vmx"
printf '2024-01-01T00:00:00.000Z In(05) vmx - first\n' >"$t/lg/vmware.log"
truncate -s 32M "$t/lg/vmware.log"; printf 'middle\n' >>"$t/lg/vmware.log"
truncate -s 64M "$t/lg/vmware.log"; printf 'last\n' >>"$t/lg/vmware.log"
timeout 60 "$VMXGUARD" logs "$t/lg" >"$t/lg.out" 2>&1
check "logs keeps its full read (3 lines of 64 MiB)" grep -q 'bytes, 3 lines' "$t/lg.out"

# --- 4. an empty folder is sanitizer-clean (UBSan: qsort with NULL) ------------
mkdir -p "$t/empty/sub"
audit "$t/empty" >/dev/null 2>"$t/e.err"
check "empty folder: no sanitizer report" bash -c "! grep -q 'runtime error\|AddressSanitizer' '$t/e.err'"

echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
