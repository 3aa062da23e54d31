/*
 * Analysing a path: one log, a folder of them, or a .vmx (its folder's
 * logs); and the .vmx settings the rotation arithmetic is judged against.
 * This sits on top of the analysis (logs_analyze.c) and the listing of
 * rotated sets (logs_rotation.c); neither calls back here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "logs/logs_internal.h"

static long long int_setting(const vg_vmx_doc *doc, const char *key)
{
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, key);
    if (!e || !e->value)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(e->value, &end, 10);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    return end == e->value || !end || *end || errno || v < 0 ? -1 : v;
}

int vg_logs_use_settings(vg_log_analysis *a, const vg_vmx_doc *doc, const char *vmx_path)
{
    free(a->vmx);
    a->vmx = vmx_path ? strdup(vmx_path) : NULL;
    a->rotate_size = int_setting(doc, "log.rotateSize");
    a->keep_old = int_setting(doc, "log.keepOld");
    /* VMware does not log .encoding in its configuration dump: take it from the file. */
    const char *enc = vg_vmx_doc_encoding(doc);
    if (enc && !a->facts.vm_encoding)
        a->facts.vm_encoding = strdup(enc);
    return vmx_path && !a->vmx ? VG_ENOMEM : VG_OK;
}

int vg_log_analysis_set_vmx(vg_log_analysis *a, const char *vmx_path, vg_error *err)
{
    vg_vmx_doc *doc = NULL;
    int rc = vg_vmx_doc_load(vmx_path, &doc, err);
    if (rc != VG_OK)
        return rc;
    rc = vg_logs_use_settings(a, doc, vmx_path);
    vg_vmx_doc_free(doc);
    return rc == VG_OK ? VG_OK : vg_error_set(err, rc, vmx_path, 0, "out of memory");
}

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

static int add_folder(vg_log_analysis *a, const char *folder, vg_error *err)
{
    char **logs = NULL;
    int rc = vg_logs_list_folder(folder, &logs, err);
    if (rc != VG_OK)
        return rc;
    if (!logs[0])
        rc = vg_error_set(err, VG_ENOTFOUND, folder, 0, "no vmware.log or vmware-N.log here");
    for (size_t i = 0; rc == VG_OK && logs[i]; i++)
        rc = vg_log_analysis_add_file(a, logs[i], err);
    vg_logs_list_free(logs);
    return rc;
}

/* A file with lines but not one known prefix is not a vmware.log (a .vmx,
 * a hostd log...): say so instead of reporting "nothing found". */
static int check_is_log(const vg_log_analysis *a, vg_error *err)
{
    for (size_t i = 0; i < a->n_files; i++) {
        const vg_log_file *f = &a->files[i];
        size_t known = 0;
        for (int k = 1; k < VG_LOG_FMT_COUNT; k++)
            known += f->by_format[k];
        if (f->lines && !known)
            return vg_error_set(err, VG_EINPUT, f->path, 1,
                                "not a vmware.log: no line has a known prefix");
    }
    return VG_OK;
}

static int is_vmx_path(const char *path)
{
    const char *s = strrchr(path, '/');
    const char *name = s ? s + 1 : path;
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".vmx") == 0;
}

/* What to read for path: the folder (a folder, or a .vmx's folder) or the one log. */
static int read_path(vg_log_analysis *a, const char *path, int is_dir, vg_error *err)
{
    if (is_dir)
        return add_folder(a, path, err);
    if (!is_vmx_path(path))
        return vg_log_analysis_add_file(a, path, err);
    char *folder = dir_of(path);
    int rc = folder ? add_folder(a, folder, err)
                    : vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    free(folder);
    return rc;
}

int vg_logs_analyze_path(const char *path, const vg_log_sigs *sigs, const vg_log_opts *opts,
                         vg_log_analysis **out, vg_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return vg_error_set(err, VG_EIO, path, 0, "cannot read: %s", strerror(errno));
    vg_log_analysis *a = vg_log_analysis_new(sigs, opts);
    if (!a)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    int is_dir = S_ISDIR(st.st_mode);
    char *folder = is_dir ? strdup(path) : dir_of(path);
    /* a .vmx named on the command line is the one to use */
    char *vmx = !folder ? NULL : is_vmx_path(path) ? strdup(path) : vg_logs_folder_vmx(folder);
    int rc = folder ? VG_OK : vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    if (rc == VG_OK)
        rc = read_path(a, path, is_dir, err);
    if (rc == VG_OK)
        rc = check_is_log(a, err);
    if (rc == VG_OK && vmx) {
        /* A damaged .vmx must not hide the logs: rotation then uses defaults. */
        vg_error ignored;
        if (vg_log_analysis_set_vmx(a, vmx, &ignored) != VG_OK)
            a->rotate_size = a->keep_old = -1;
    }
    if (rc == VG_OK)
        rc = vg_log_analysis_finish(a, err);
    free(folder);
    free(vmx);
    if (rc != VG_OK) {
        vg_log_analysis_free(a);
        return rc;
    }
    *out = a;
    return VG_OK;
}
