/*
 * Applying a plan to a .vmx file.  The safety lives in two places: the vmx
 * module's atomic save (temp file, fsync, rename, folder fsync, re-check of
 * the bytes loaded) and here: refuse running VMs and hard-linked files
 * unless forced, hold an exclusive lock on the folder while writing so that
 * temp files a killed run left behind can be told from a live writer's and
 * removed, and report what changed as a unified diff.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix_internal.h"

/* vg_vmx_doc_save names its temp files ".NAME.vmxguard-tmp-PID-XXXXXX". */
#define TMP_MARK ".vmxguard-tmp-"

void vg_fix_outcome_release(vg_fix_outcome *o)
{
    if (!o)
        return;
    free(o->diff);
    free(o->note);
    o->diff = NULL;
    o->note = NULL;
}

/* Folder and basename of the real file behind path (a symlink's target). */
static int real_parts(const char *path, char *dir, size_t dsz, char *base, size_t bsz)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return -1;
    char *slash = strrchr(real, '/');
    snprintf(base, bsz, "%s", slash + 1);
    *slash = '\0';
    snprintf(dir, dsz, "%s", real[0] ? real : "/");
    return 0;
}

/* A temp file of base whose writer is gone (the pid in its name is dead):
 * only a killed run leaves one, and a live writer's is never touched. */
static int is_stale(const char *name, const char *base)
{
    size_t bl = strlen(base), ml = strlen(TMP_MARK);
    if (name[0] != '.' || strncmp(name + 1, base, bl) || strncmp(name + 1 + bl, TMP_MARK, ml))
        return 0;
    char *end;
    long pid = strtol(name + 1 + bl + ml, &end, 10);
    return pid > 0 && *end == '-' && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int vg_fix_clean_stale(const char *path, vg_error *err)
{
    char dir[PATH_MAX], base[NAME_MAX + 1];
    if (real_parts(path, dir, sizeof dir, base, sizeof base) != 0)
        return vg_error_set(err, VG_EIO, path, 0, "cannot resolve path: %s", strerror(errno));
    DIR *d = opendir(dir);
    if (!d)
        return vg_error_set(err, VG_EIO, dir, 0, "cannot list folder: %s", strerror(errno));
    int removed = 0, rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_stale(de->d_name, base))
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
            removed++;
        else if (errno != ENOENT)
            rc = vg_error_set(err, VG_EIO, dir, 0, "cannot remove stale temp file %s: %s",
                              de->d_name, strerror(errno));
    }
    closedir(d);
    return rc ? rc : removed;
}

static int refuse_locked(const vg_fix_vm *fv, vg_error *err)
{
    return vg_error_set(err, VG_ELOCKED, fv->path, 0,
                        "the VM appears to be running (lock files beside it): VMware rewrites "
                        "the .vmx of a running VM, and these settings apply only after a cold "
                        "start (power off, then power on; a guest reboot is not enough); power "
                        "it off first, or use --force");
}

/* A file with other hard links: rename would leave the other names on the
 * old content, so that needs --force and a note. */
static int check_links(const vg_fix_vm *fv, const vg_fix_apply_opts *o, vg_fix_outcome *out,
                       vg_error *err)
{
    struct stat st;
    if (stat(fv->path, &st) != 0)
        return vg_error_set(err, VG_EIO, fv->path, 0, "cannot stat: %s", strerror(errno));
    if (st.st_nlink <= 1)
        return 0;
    if (!o->force && !o->dry_run)
        return vg_error_set(err, VG_EUSAGE, fv->path, 0,
                            "has %lu hard links; the atomic rewrite would give this name a new "
                            "file and leave the other links on the old content; use --force to "
                            "do that",
                            (unsigned long)st.st_nlink);
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s: had %lu hard links; the other names keep the old content", fv->path,
                  (unsigned long)st.st_nlink);
    out->note = vg_buf_detach(&b);
    return 0;
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
static int edit_and_save(const vg_fix_vm *fv, vg_vmx_doc *doc, const vg_fix_apply_opts *o,
                         vg_fix_outcome *out, vg_error *err)
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
        rc = vg_vmx_doc_save(doc, fv->path, &so, err);
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
    if (fv->locked && !o->force && !o->dry_run)
        return refuse_locked(fv, err);
    int rc = check_links(fv, o, out, err);
    if (rc)
        return rc;
    if (!o->dry_run) {
        vg_error ignored; /* a folder we cannot list still gets its save attempt */
        rc = vg_fix_clean_stale(fv->path, &ignored);
        out->stale_removed = rc > 0 ? (size_t)rc : 0;
    }
    vg_vmx_doc *owned = NULL;
    rc = doc ? 0 : vg_vmx_doc_load(fv->path, &owned, err);
    if (!rc)
        rc = edit_and_save(fv, doc ? doc : owned, o, out, err);
    vg_vmx_doc_free(owned);
    return rc;
}
