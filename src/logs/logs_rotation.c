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

char *vg_logs_folder_vmx(const char *folder)
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

/* ---- the arithmetic ------------------------------------------------------- */

static const vg_log_file *largest(const vg_log_analysis *a)
{
    const vg_log_file *big = &a->files[0];
    for (size_t i = 1; i < a->n_files; i++) {
        if (a->files[i].bytes > big->bytes)
            big = &a->files[i];
    }
    return big;
}

static vg_logs_rotation_verdict *verdict(vg_logs_rotation_verdict *v, const char *check,
                                         size_t count, const vg_log_file *first,
                                         const vg_log_file *last, vg_buf *b)
{
    *v = (vg_logs_rotation_verdict){check, count, first, last, vg_buf_detach(b)};
    return v + 1;
}

static vg_logs_rotation_verdict *budget(const vg_log_analysis *a, long long keep,
                                        vg_logs_rotation_verdict *v)
{
    const vg_log_sigs *S = a->sigs;
    const vg_log_file *first = &a->files[0], *last = &a->files[a->n_files - 1];
    unsigned long long rs = (unsigned long long)a->rotate_size;
    unsigned long long total_budget =
        rs * (unsigned long long)(keep + 1) + (unsigned long long)S->slack_bytes * a->n_files;
    vg_buf b = VG_BUF_INIT;
    if (a->total_bytes > total_budget) {
        vg_buf_printf(&b, "%llu bytes in %zu log(s) > log.rotateSize %llu x (log.keepOld %lld + 1)",
                      a->total_bytes, a->n_files, rs, keep);
        v = verdict(v, "log-total-over-budget", a->n_files, first, last, &b);
    }
    size_t over = 0;
    double limit = (double)rs * S->far_factor + (double)S->slack_bytes;
    for (size_t i = 0; i < a->n_files; i++)
        over += (double)a->files[i].bytes > limit;
    if (over) {
        const vg_log_file *big = largest(a);
        vg_buf_printf(&b, "%zu log(s) above %.0f x log.rotateSize %llu; largest %s: %llu bytes",
                      over, S->far_factor, rs, base_name(big->path), big->bytes);
        v = verdict(v, "log-file-over-rotate-size", over, big, big, &b);
    }
    return v;
}

size_t vg_logs_rotation_judge(vg_log_analysis *a, vg_logs_rotation_verdict *out)
{
    if (!a->n_files)
        return 0;
    const vg_log_sigs *S = a->sigs;
    a->rotated = 0;
    for (size_t i = 0; i < a->n_files; i++)
        a->rotated += rotation_index(base_name(a->files[i].path)) >= 0;
    long long keep = a->keep_old >= 0 ? a->keep_old : S->default_keep_old;
    vg_logs_rotation_verdict *v = out;
    vg_buf b = VG_BUF_INIT;
    if (a->rotate_size > 0) {
        v = budget(a, keep, v);
    } else {
        const vg_log_file *big = largest(a);
        if (big->bytes > (unsigned long long)S->unset_max_bytes) {
            vg_buf_printf(&b, "log.rotateSize not set; %s is %llu bytes", base_name(big->path),
                          big->bytes);
            v = verdict(v, "log-rotate-size-unset", 1, big, big, &b);
        }
    }
    if ((long long)a->rotated > keep) {
        vg_buf_printf(&b, "%zu rotated log(s) > log.keepOld %lld%s", a->rotated, keep,
                      a->keep_old >= 0 ? "" : " (not set; largest VMware default)");
        v = verdict(v, "log-rotated-over-keepold", a->rotated, &a->files[0],
                    &a->files[a->n_files - 1], &b);
    }
    return (size_t)(v - out);
}
