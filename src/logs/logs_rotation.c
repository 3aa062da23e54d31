/*
 * Rotated log sets and the rotation arithmetic.  VMware keeps vmware.log
 * plus vmware-N.log (hosted: 0 newest .. 2 oldest; ESXi: 1 newest ..), so
 * the oldest-first order is "highest N first, vmware.log last".  Whether
 * rotation works is judged against log.rotateSize and log.keepOld of the
 * .vmx beside the logs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "logs/logs_internal.h"
#include "util/grow.h"

/* -1 for vmware.log, N for vmware-N.log, -2 for anything else. */
static long rotation_index(const char *name)
{
    if (strcmp(name, "vmware.log") == 0)
        return -1;
    if (strncmp(name, "vmware-", 7) != 0)
        return -2;
    const char *p = name + 7;
    long n = 0;
    if (*p < '0' || *p > '9')
        return -2;
    while (*p >= '0' && *p <= '9') {
        if (n > 100000)
            return -2;
        n = n * 10 + (*p++ - '0');
    }
    return strcmp(p, ".log") == 0 ? n : -2;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int vg_logs_is_rotated(const char *path)
{
    return rotation_index(base_name(path)) >= 0;
}

static int cmp_oldest_first(const void *x, const void *y)
{
    const char *nx = base_name(*(char *const *)x), *ny = base_name(*(char *const *)y);
    long a = rotation_index(nx), b = rotation_index(ny);
    if (a == b) /* vmware-1.log and vmware-01.log: by name, whatever readdir says */
        return strcmp(nx, ny);
    return a > b ? -1 : 1; /* vmware.log (-1) sorts last */
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

/* Names in folder accepted by keep(), as joined paths, sorted by cmp. */
static int list_dir(const char *folder, int (*keep)(const char *), char ***out, vg_error *err)
{
    *out = NULL;
    DIR *d = opendir(folder);
    if (!d)
        return vg_error_set(err, VG_EIO, folder, 0, "cannot open folder: %s", strerror(errno));
    size_t n = 0, cap = 9; /* slots, the NULL after the last name included */
    char **list = calloc(cap, sizeof *list);
    struct dirent *e;
    while (list && (e = readdir(d)) != NULL) {
        if (!keep(e->d_name))
            continue;
        if (VG_GROW_N(list, n, cap, 2) != 0) {
            vg_logs_list_free(list);
            list = NULL;
            break;
        }
        list[n] = join(folder, e->d_name);
        list[++n] = NULL;
        if (!list[n - 1]) {
            vg_logs_list_free(list);
            list = NULL;
        }
    }
    closedir(d);
    if (!list)
        return vg_error_set(err, VG_ENOMEM, folder, 0, "out of memory");
    *out = list;
    return (int)n;
}

static int is_log(const char *name)
{
    return rotation_index(name) != -2;
}

int vg_logs_is_log_name(const char *name)
{
    return name && is_log(name);
}

int vg_logs_list_names(const char *folder, const char *const *names, char ***out, vg_error *err)
{
    size_t n = 0;
    while (names[n])
        n++;
    char **list = calloc(n + 1, sizeof *list);
    for (size_t i = 0; list && i < n; i++) {
        if (!(list[i] = join(folder, names[i]))) {
            vg_logs_list_free(list);
            list = NULL;
        }
    }
    if (!list)
        return vg_error_set(err, VG_ENOMEM, folder, 0, "out of memory");
    qsort(list, n, sizeof *list, cmp_oldest_first);
    *out = list;
    return VG_OK;
}

int vg_logs_list_folder(const char *folder, char ***out, vg_error *err)
{
    int n = list_dir(folder, is_log, out, err);
    if (n < 0 || !*out)
        return n < 0 ? n : VG_ENOMEM;
    qsort(*out, (size_t)n, sizeof **out, cmp_oldest_first);
    return VG_OK;
}

void vg_logs_list_free(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

static int is_vmx(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".vmx") == 0;
}

static int cmp_path(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The .vmx beside the logs; with several, the first by name (said in docs). */
static char *find_vmx(const char *folder)
{
    char **list = NULL;
    int n = list_dir(folder, is_vmx, &list, NULL);
    if (n <= 0 || !list) {
        vg_logs_list_free(list);
        return NULL;
    }
    qsort(list, (size_t)n, sizeof *list, cmp_path);
    char *p = strdup(list[0]);
    vg_logs_list_free(list);
    return p;
}

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

/* ---- the checks ------------------------------------------------------------ */

static int add(vg_log_analysis *a, const char *id, size_t count, const vg_log_file *first,
               const vg_log_file *last, char *detail, vg_error *err)
{
    if (!detail)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    vg_log_finding *f = vg_logs_add_check(a, vg_logs_check(a->sigs, id), err);
    if (!f) {
        free(detail);
        return err ? err->code : VG_ENOMEM;
    }
    f->count = count;
    f->detail = detail;
    vg_logs_where_set(&f->first, first->path, 0, NULL, 0);
    vg_logs_where_set(&f->last, last->path, 0, NULL, 0);
    return VG_OK;
}

static const vg_log_file *largest(const vg_log_analysis *a)
{
    const vg_log_file *big = &a->files[0];
    for (size_t i = 1; i < a->n_files; i++) {
        if (a->files[i].bytes > big->bytes)
            big = &a->files[i];
    }
    return big;
}

static int budget_checks(vg_log_analysis *a, long long keep, vg_error *err)
{
    const vg_log_sigs *S = a->sigs;
    const vg_log_file *first = &a->files[0], *last = &a->files[a->n_files - 1];
    unsigned long long rs = (unsigned long long)a->rotate_size;
    unsigned long long budget =
        rs * (unsigned long long)(keep + 1) + (unsigned long long)S->slack_bytes * a->n_files;
    int rc = VG_OK;
    vg_buf b = VG_BUF_INIT;
    if (a->total_bytes > budget) {
        vg_buf_printf(&b, "%llu bytes in %zu log(s) > log.rotateSize %llu x (log.keepOld %lld + 1)",
                      a->total_bytes, a->n_files, rs, keep);
        rc = add(a, "log-total-over-budget", a->n_files, first, last, vg_buf_detach(&b), err);
    }
    size_t over = 0;
    double limit = (double)rs * S->far_factor + (double)S->slack_bytes;
    for (size_t i = 0; i < a->n_files; i++)
        over += (double)a->files[i].bytes > limit;
    if (rc == VG_OK && over) {
        const vg_log_file *big = largest(a);
        vg_buf_printf(&b, "%zu log(s) above %.0f x log.rotateSize %llu; largest %s: %llu bytes",
                      over, S->far_factor, rs, base_name(big->path), big->bytes);
        rc = add(a, "log-file-over-rotate-size", over, big, big, vg_buf_detach(&b), err);
    }
    return rc;
}

int vg_logs_rotation_checks(vg_log_analysis *a, vg_error *err)
{
    if (!a->n_files)
        return VG_OK;
    const vg_log_sigs *S = a->sigs;
    a->rotated = 0;
    for (size_t i = 0; i < a->n_files; i++)
        a->rotated += rotation_index(base_name(a->files[i].path)) >= 0;
    long long keep = a->keep_old >= 0 ? a->keep_old : S->default_keep_old;
    int rc = VG_OK;
    vg_buf b = VG_BUF_INIT;
    if (a->rotate_size > 0) {
        rc = budget_checks(a, keep, err);
    } else {
        const vg_log_file *big = largest(a);
        if (big->bytes > (unsigned long long)S->unset_max_bytes) {
            vg_buf_printf(&b, "log.rotateSize not set; %s is %llu bytes", base_name(big->path),
                          big->bytes);
            rc = add(a, "log-rotate-size-unset", 1, big, big, vg_buf_detach(&b), err);
        }
    }
    if (rc == VG_OK && (long long)a->rotated > keep) {
        vg_buf_printf(&b, "%zu rotated log(s) > log.keepOld %lld%s", a->rotated, keep,
                      a->keep_old >= 0 ? "" : " (not set; largest VMware default)");
        rc = add(a, "log-rotated-over-keepold", a->rotated, &a->files[0], &a->files[a->n_files - 1],
                 vg_buf_detach(&b), err);
    }
    return rc;
}

/* ---- a path: file or folder ------------------------------------------------ */

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
    return is_vmx(base_name(path));
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
    char *vmx = !folder ? NULL : is_vmx_path(path) ? strdup(path) : find_vmx(folder);
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
