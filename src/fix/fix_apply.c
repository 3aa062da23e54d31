/*
 * Applying a plan to a .vmx file.  The safety lives in two places: the vmx
 * module's atomic save (one resolution of the path, a descriptor of the
 * real folder, temp file, extended attributes kept, flock on the original,
 * a last check of inode, size, mtime and bytes, rename, folder fsync; the
 * one place that removes stale temp files and refuses hard-linked files)
 * and here: the path is resolved once, and the lock of a running VM is
 * looked for where the real file lives (a symlinked .vmx of a running VM
 * elsewhere is refused); a real file outside every target is refused; the
 * change is reported as a unified diff.  No folder lock is taken: what a
 * concurrent writer can rely on is the flock and last check in vmx_save.c,
 * spelled out in docs/fix.md ("Concurrent writers: the exact guarantee").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix_internal.h"

void vg_fix_outcome_release(vg_fix_outcome *o)
{
    if (!o)
        return;
    free(o->diff);
    free(o->note);
    o->diff = NULL;
    o->note = NULL;
}

int vg_fix_clean_stale(const char *path, vg_error *err)
{
    return vg_vmx_clean_stale(path, err);
}

/* Names and lstat only, in the real folder: "<file>.lck" (a folder with
 * members, or a link: never followed) or NFS ".lck-*" files. */
static int locked_at(const char *real)
{
    size_t n = strlen(real);
    char *lck = malloc(n + 5);
    if (!lck)
        return 1; /* cannot tell: treat as running */
    memcpy(lck, real, n);
    memcpy(lck + n, ".lck", 5);
    int locked = 0;
    struct stat lst;
    if (lstat(lck, &lst) == 0) {
        if (!S_ISDIR(lst.st_mode)) {
            locked = 1;
        } else {
            int fd = open(lck, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
            if (fd >= 0 && !d)
                close(fd);
            for (struct dirent *e; d && (e = readdir(d)) != NULL;)
                locked |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
            if (d)
                closedir(d);
        }
    }
    char *slash = strrchr(lck, '/');
    if (slash)
        slash[slash == lck ? 1 : 0] = '\0';
    DIR *d = locked ? NULL : opendir(slash ? lck : ".");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        locked |= strncmp(e->d_name, ".lck-", 5) == 0;
    if (d)
        closedir(d);
    free(lck);
    return locked;
}

/* real lies in (or is) the real path of one of the targets. */
static int inside_targets(const char *real, const vg_fix_apply_opts *o)
{
    if (!o->n_targets)
        return 1;
    for (size_t i = 0; i < o->n_targets; i++) {
        char *t = o->targets[i] ? realpath(o->targets[i], NULL) : NULL;
        if (!t)
            continue;
        size_t n = strlen(t);
        int in = strncmp(real, t, n) == 0 &&
                 (real[n] == '\0' || real[n] == '/' || (n == 1 && t[0] == '/'));
        free(t);
        if (in)
            return 1;
    }
    return 0;
}

static int refuse_locked(const vg_fix_vm *fv, const char *real, vg_error *err)
{
    int elsewhere = strcmp(real, fv->path) != 0;
    return vg_error_set(err, VG_ELOCKED, fv->path, 0,
                        "the VM appears to be running (lock files beside %s): VMware rewrites "
                        "the .vmx of a running VM, and these settings apply only after a cold "
                        "start (power off, then power on; a guest reboot is not enough); power "
                        "it off first",
                        elsewhere ? real : "it");
}

/* The refusals of the save (read-only, not regular, hard links) before
 * anything is shown or written; a forced hard-linked file gets a note. */
static int check_save(const vg_fix_vm *fv, const char *real, const vg_fix_apply_opts *o,
                      vg_fix_outcome *out, vg_error *err)
{
    vg_vmx_save_opts so = {.check_only = 1, .break_hardlinks = o->force || o->dry_run};
    int rc = vg_vmx_doc_save(NULL, real, &so, err);
    if (rc == VG_OK && so.nlink > 1) {
        vg_buf b = VG_BUF_INIT;
        vg_buf_printf(&b, "%s: had %lu hard links; the other names keep the old content", fv->path,
                      so.nlink);
        out->note = vg_buf_detach(&b);
    }
    if (rc != VG_OK)
        snprintf(err->file, sizeof err->file, "%s", fv->path);
    return rc;
}

static int apply_edits(const vg_fix_vm *fv, vg_vmx_doc *doc, vg_fix_outcome *out, vg_error *err)
{
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        int rc;
        if (e->op == VG_FIX_SET) {
            const vg_vmx_entry *cur = vg_vmx_doc_find(doc, e->key);
            if (cur && !cur->duplicate && !strcmp(cur->value, e->value))
                continue;
            rc = vg_vmx_doc_set(doc, e->key, e->value, err);
            out->keys_set += rc >= 0;
        } else {
            rc = vg_vmx_doc_remove(doc, e->key, err);
            out->keys_removed += rc > 0;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Edit doc, diff it against its serialisation before the edit, save. */
static int edit_and_save(const vg_fix_vm *fv, const char *real, vg_vmx_doc *doc,
                         const vg_fix_apply_opts *o, vg_fix_outcome *out, vg_error *err)
{
    char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    int rc = vg_vmx_doc_serialize(doc, &before, &blen, err);
    if (!rc)
        rc = apply_edits(fv, doc, out, err);
    if (!rc)
        rc = vg_vmx_doc_serialize(doc, &after, &alen, err);
    if (!rc) {
        out->changed = blen != alen || memcmp(before, after, blen) != 0;
        out->diff = vg_fix_diff(before, blen, after, alen, fv->path, fv->path, o->color);
        if (!out->diff)
            rc = vg_error_set(err, VG_ENOMEM, fv->path, 0, "out of memory");
    }
    if (!rc && out->changed && !o->dry_run) {
        vg_vmx_save_opts so = {
            .backup = o->backup, .check_unchanged = 1, .break_hardlinks = o->force};
        rc = vg_vmx_doc_save(doc, real, &so, err);
        snprintf(out->backup_path, sizeof out->backup_path, "%s", so.backup_path);
    }
    if (!out->changed)
        out->keys_set = out->keys_removed = 0;
    free(before);
    free(after);
    return rc;
}

int vg_fix_apply_vmx(const vg_fix_vm *fv, vg_vmx_doc *doc, const vg_fix_apply_opts *opts,
                     vg_fix_outcome *out, vg_error *err)
{
    static const vg_fix_apply_opts defaults = {0};
    const vg_fix_apply_opts *o = opts ? opts : &defaults;
    memset(out, 0, sizeof *out);
    if (!fv || !fv->path || fv->origin != VG_ORIGIN_FILE)
        return vg_error_set(err, VG_EUSAGE, fv ? fv->path : NULL, 0,
                            "not a .vmx file; apply through the source that owns the VM");
    /* once: the lock, the target check and the save all see this file */
    char *real = realpath(fv->path, NULL);
    if (!real)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, fv->path, 0,
                            "cannot resolve: %s", strerror(errno));
    int rc = 0;
    if (!inside_targets(real, o))
        rc = vg_error_set(err, VG_EOUTSIDE, fv->path, 0,
                          "its real file %.300s lies outside every target; not written", real);
    else if ((fv->locked || locked_at(real)) && !o->force && !o->dry_run)
        rc = refuse_locked(fv, real, err);
    else
        rc = check_save(fv, real, o, out, err);
    if (!rc && !o->dry_run) {
        vg_error ignored; /* a folder we cannot list still gets its save attempt */
        int n = vg_vmx_clean_stale(real, &ignored);
        out->stale_removed = n > 0 ? (size_t)n : 0;
    }
    vg_vmx_doc *owned = NULL;
    if (!rc && !doc)
        rc = vg_vmx_doc_load(real, &owned, err);
    if (!rc)
        rc = edit_and_save(fv, real, doc ? doc : owned, o, out, err);
    vg_vmx_doc_free(owned);
    free(real);
    return rc;
}
