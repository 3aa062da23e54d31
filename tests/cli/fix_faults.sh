#!/usr/bin/env bash
# vmxguard fix when the world misbehaves: a full disk (a 64k tmpfs; also a
# file size limit, which needs no root), a read-only file system, read-only
# files and folders, symlinked and hard-linked .vmx files.  Each time: the
# original stays byte-identical, the error names the file, the other files
# are still fixed, and no temp file is left behind.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
tmp=$(mktemp -d)
mnt="$tmp/mnt"
cleanup() {
    mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
fix() { "$VMXGUARD" fix --color=never --yes "$@" </dev/null; }
no_temps() { ! find "$1" -name '*vmxguard-tmp*' | grep -q .; }

# small.vmx files need one edit each; big.vmx needs more room than is free
small() { printf 'displayName = "%s"\nisolation.tools.copy.disable = "FALSE"\n' "$1" >"$2"; }
big() {
    { printf 'displayName = "big"\nisolation.tools.copy.disable = "FALSE"\n'
      for i in $(seq 1 900); do printf 'guestinfo.filler%04d = "%s"\n' "$i" "xxxxxxxxxxxxxxxxxx"; done
    } >"$1"
}

# --- full disk: a 64k tmpfs -------------------------------------------------
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    big "$mnt/a-big.vmx"; small b "$mnt/b.vmx"; small c "$mnt/c.vmx"
    cp "$mnt/a-big.vmx" "$tmp/a-big.orig"
    dd if=/dev/zero of="$mnt/fill" bs=4096 2>/dev/null
    truncate -s -8192 "$mnt/fill"   # two free pages: enough for a small file, not the big one
    fix "$mnt" >"$tmp/out" 2>"$tmp/err"; rc=$?
    check "disk full: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
    check "disk full: error names the file" grep -q "a-big.vmx" "$tmp/err"
    check "disk full: original untouched" cmp -s "$mnt/a-big.vmx" "$tmp/a-big.orig"
    check "disk full: other files still fixed" grep -q '"TRUE"' "$mnt/b.vmx"
    check "disk full: third file fixed" grep -q '"TRUE"' "$mnt/c.vmx"
    check "disk full: no temp file left" no_temps "$mnt"

    # --- read-only file system: every write fails ---------------------------
    small d "$mnt/d.vmx" 2>/dev/null || { rm -f "$mnt/fill"; small d "$mnt/d.vmx"; }
    rm -f "$mnt/fill"
    cp "$mnt/d.vmx" "$tmp/d.orig"
    mount -o remount,ro "$mnt"
    fix "$mnt" >"$tmp/out" 2>"$tmp/err"; rc=$?
    check "read-only fs: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
    check "read-only fs: error names each file" bash -c "grep -q a-big.vmx '$tmp/err' && grep -q d.vmx '$tmp/err'"
    check "read-only fs: files untouched" cmp -s "$mnt/d.vmx" "$tmp/d.orig"
    umount "$mnt"
else
    echo "note: mount not permitted here; the disk-full case runs with RLIMIT_FSIZE only"
fi

# --- file size limit (RLIMIT_FSIZE): writes fail with EFBIG ------------------
mkdir "$tmp/lim"
big "$tmp/lim/a-big.vmx"; small b "$tmp/lim/b.vmx"
cp "$tmp/lim/a-big.vmx" "$tmp/lim-a.orig"
( trap '' XFSZ; ulimit -f 16; fix "$tmp/lim" ) >"$tmp/out" 2>"$tmp/err"; rc=$?
check "size limit: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
check "size limit: error names the file" grep -q "a-big.vmx" "$tmp/err"
check "size limit: original untouched" cmp -s "$tmp/lim/a-big.vmx" "$tmp/lim-a.orig"
check "size limit: small file fixed" grep -q '"TRUE"' "$tmp/lim/b.vmx"
check "size limit: no temp file left" no_temps "$tmp/lim"

# --- read-only file: someone protected it on purpose ------------------------
mkdir "$tmp/ro"
small a "$tmp/ro/a.vmx"; small b "$tmp/ro/b.vmx"
chmod 444 "$tmp/ro/a.vmx"; cp "$tmp/ro/a.vmx" "$tmp/ro-a.orig"
fix "$tmp/ro" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "read-only file: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
check "read-only file: error names it" grep -q "ro/a.vmx.*read-only" "$tmp/err"
check "read-only file: untouched" cmp -s "$tmp/ro/a.vmx" "$tmp/ro-a.orig"
check "read-only file: the other one fixed" grep -q '"TRUE"' "$tmp/ro/b.vmx"

# --- read-only folder (as an unprivileged user; root ignores the mode) ------
if command -v runuser >/dev/null && [ "$(id -u)" -eq 0 ] &&
    runuser -u nobody -- test -x "$VMXGUARD"; then
    mkdir -p "$tmp/rod/vm"
    small a "$tmp/rod/vm/a.vmx"; cp "$tmp/rod/vm/a.vmx" "$tmp/rod-a.orig"
    chown -R nobody "$tmp/rod"; chmod 555 "$tmp/rod/vm"; chmod 755 "$tmp" "$tmp/rod"
    runuser -u nobody -- "$VMXGUARD" fix --yes --color=never "$tmp/rod" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
    check "read-only folder: exit 2 (rc=$rc)" [ "$rc" -eq 2 ]
    check "read-only folder: error names the file" grep -q "rod/vm/a.vmx" "$tmp/err"
    check "read-only folder: untouched" cmp -s "$tmp/rod/vm/a.vmx" "$tmp/rod-a.orig"
    chmod 755 "$tmp/rod/vm"
else
    echo "note: read-only folder case needs root and a binary 'nobody' can run (the read-only"
    echo "      file system case above covers the same write failure)"
fi

# --- symlinked .vmx: the target is edited, the link stays -------------------
mkdir -p "$tmp/real" "$tmp/links"
small s "$tmp/real/s.vmx"
ln -s ../real/s.vmx "$tmp/links/s.vmx"
fix "$tmp/links/s.vmx" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "symlink: fixed (rc=$rc)" [ "$rc" -le 1 ]
check "symlink: still a link" [ -L "$tmp/links/s.vmx" ]
check "symlink: target edited" grep -q '"TRUE"' "$tmp/real/s.vmx"

# --- hard links: refused without --force, then the other name keeps the old -
mkdir "$tmp/hl"
small h "$tmp/hl/h.vmx"; ln "$tmp/hl/h.vmx" "$tmp/hl-other"; cp "$tmp/hl/h.vmx" "$tmp/hl.orig"
fix "$tmp/hl" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "hard link: refused (rc=$rc)" [ "$rc" -eq 2 ]
check "hard link: says why" grep -q "hard links" "$tmp/err"
check "hard link: untouched" cmp -s "$tmp/hl/h.vmx" "$tmp/hl.orig"
fix --force "$tmp/hl" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "hard link --force: fixed (rc=$rc)" grep -q '"TRUE"' "$tmp/hl/h.vmx"
check "hard link --force: warns the other name keeps the old content" grep -q "other names keep the old content" "$tmp/err"
check "hard link --force: other name unchanged" cmp -s "$tmp/hl-other" "$tmp/hl.orig"

[ "$fails" -eq 0 ] && echo "all fix fault checks passed" || echo "$fails check(s) failed"
[ "$fails" -eq 0 ]
