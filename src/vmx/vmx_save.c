/*
 * Writing a document back to disk so that a crash, a full disk or a
 * concurrent change never costs the original: the new bytes go to a
 * temporary file (O_EXCL, mode 0600) in the same folder, get the
 * original's owner, group and mode, are fsynced, and only then renamed
 * over the original; the folder is fsynced after the rename.  Until the
 * rename the original is untouched, and every error path removes the
 * temporary file (and a backup made for this save).
 *
 * Temporary names carry the writer's pid (`.NAME.vmxguard-tmp-PID-XXXXXX`),
 * so a later save removes leftovers of writers that no longer run (e.g.
 * killed with SIGKILL) without touching those of a live one.
 *
 * A symlink is resolved and its target replaced, so the link stays.  A file
 * with several hard links is refused unless break_hardlinks is set: the
 * rename would give this name a new inode and leave the other names with
 * the old content.  A read-only file (no write bit) is refused: someone
 * protected it on purpose.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmx/vmx_internal.h"

struct save {
    const vg_vmx_doc *doc;
    const char *path;      /* as the caller named it, for messages */
    char target[PATH_MAX]; /* the real file (symlinks resolved) */
    char dir[PATH_MAX];
    const char *base; /* within target */
    char tmp[PATH_MAX];
    char backup[PATH_MAX];
    int have_orig;
    struct stat st;
    vg_error *err;
};

static int fail(struct save *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct save *s, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_error_set(s->err, code, s->path, 0, "%s", msg);
}

static int resolve(struct save *s)
{
    char *real = realpath(s->path, NULL);
    if (!real) {
        struct stat lst;
        if (errno != ENOENT || lstat(s->path, &lst) == 0)
            return fail(s, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, "cannot resolve: %s",
                        errno == ENOENT ? "dangling symlink" : strerror(errno));
        snprintf(s->target, sizeof s->target, "%s", s->path); /* a new file */
    } else {
        snprintf(s->target, sizeof s->target, "%s", real);
        free(real);
    }
    snprintf(s->dir, sizeof s->dir, "%s", s->target);
    char *slash = strrchr(s->dir, '/');
    s->base = strrchr(s->target, '/') ? strrchr(s->target, '/') + 1 : s->target;
    if (!slash)
        snprintf(s->dir, sizeof s->dir, ".");
    else if (slash == s->dir)
        s->dir[1] = '\0';
    else
        *slash = '\0';
    return 0;
}

static int check_target(struct save *s, const vg_vmx_save_opts *o)
{
    if (stat(s->target, &s->st) != 0) {
        if (errno != ENOENT)
            return fail(s, VG_EIO, "cannot stat: %s", strerror(errno));
        s->have_orig = 0;
        return 0;
    }
    s->have_orig = 1;
    if (!S_ISREG(s->st.st_mode))
        return fail(s, VG_EINPUT, "%s; not written", "not a regular file");
    if ((s->st.st_mode & 0222) == 0 || access(s->target, W_OK) != 0)
        return fail(s, VG_EIO, "%s; not written", "file is read-only");
    if (s->st.st_nlink > 1 && !o->break_hardlinks)
        return fail(s, VG_EINPUT,
                    "file has %lu hard links; replacing it would leave the other names "
                    "with the old content, so it is not written",
                    (unsigned long)s->st.st_nlink);
    return 0;
}

/* Remove temporaries of this file left by writers that are gone. */
static void remove_stale_temps(const struct save *s)
{
    DIR *d = opendir(s->dir);
    if (!d)
        return;
    char prefix[PATH_MAX];
    int plen = snprintf(prefix, sizeof prefix, ".%s.vmxguard-tmp-", s->base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (plen <= 0 || strncmp(e->d_name, prefix, (size_t)plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (pid <= 0 || *end != '-' || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", s->dir, e->d_name) < (int)sizeof p)
            unlink(p);
    }
    closedir(d);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Owner and group first: chown may clear set-id bits that chmod then restores. */
static int copy_attrs(int fd, const struct save *s)
{
    if (!s->have_orig)
        return 0; /* a new file keeps mkstemp's 0600 (umask() is process-wide, not ours) */
    struct stat now;
    if (fstat(fd, &now) != 0)
        return -1;
    if ((now.st_uid != s->st.st_uid || now.st_gid != s->st.st_gid) &&
        fchown(fd, s->st.st_uid, s->st.st_gid) != 0)
        return -1;
    return fchmod(fd, s->st.st_mode & 07777);
}

static int write_temp(struct save *s, const char *data, size_t len)
{
    int n = snprintf(s->tmp, sizeof s->tmp, "%s/.%s.vmxguard-tmp-%ld-XXXXXX", s->dir, s->base,
                     (long)getpid());
    if (n < 0 || (size_t)n >= sizeof s->tmp)
        return fail(s, VG_EINPUT, "%s", "path too long for a temporary file");
    int fd = mkstemp(s->tmp); /* O_CREAT | O_EXCL, mode 0600 */
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        s->tmp[0] = '\0';
        return fail(s, VG_EIO, "cannot create a temporary file beside it: %s", strerror(e));
    }
    const char *what = NULL;
    if (write_all(fd, data, len) != 0)
        what = "cannot write the new version";
    else if (copy_attrs(fd, s) != 0)
        what = "cannot give the new version the original's owner, group and mode";
    else if (fsync(fd) != 0)
        what = "cannot flush the new version to disk";
    int e = errno;
    if (close(fd) != 0 && !what) {
        e = errno;
        what = "cannot write the new version";
    }
    if (!what)
        return 0;
    return fail(s, VG_EIO, "%s: %s; original left as it was", what, strerror(e));
}

static int check_unchanged(struct save *s)
{
    const vg_vmx_doc *doc = s->doc;
    if (!s->have_orig) {
        if (doc->orig_len == 0 && access(s->target, F_OK) != 0)
            return 0;
        return fail(s, VG_ECHANGED, "%s; not written",
                    "file appeared or disappeared since it was read");
    }
    char *now;
    size_t len;
    vg_error e2;
    if (vmx_read_file(s->target, &now, &len, &e2) != 0)
        return fail(s, VG_ECHANGED, "cannot re-read before replacing it: %s", e2.msg);
    int same = len == doc->orig_len && (len == 0 || memcmp(now, doc->orig, len) == 0);
    free(now);
    if (!same)
        return fail(s, VG_ECHANGED, "%s; not written", "file changed since it was read");
    return 0;
}

static int copy_file(const struct save *s, const char *to)
{
    char *data;
    size_t len;
    vg_error e2;
    if (vmx_read_file(s->target, &data, &len, &e2) != 0)
        return -1;
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && (write_all(fd, data, len) != 0 || copy_attrs(fd, s) != 0 || fsync(fd) != 0))
        rc = -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc != 0 && fd >= 0)
        unlink(to);
    free(data);
    return rc;
}

/* FILE.vmxguard-YYYYmmddTHHMMSSZ (then -1, -2 ... within the same second). */
static int make_backup(struct save *s)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0; i < 100; i++) {
        int n = i ? snprintf(s->backup, sizeof s->backup, "%s.vmxguard-%s-%d", s->target, stamp, i)
                  : snprintf(s->backup, sizeof s->backup, "%s.vmxguard-%s", s->target, stamp);
        if (n < 0 || (size_t)n >= sizeof s->backup)
            break;
        if (link(s->target, s->backup) == 0)
            return 0;
        if (errno == EEXIST)
            continue;
        if (copy_file(s, s->backup) == 0)
            return 0;
        if (errno == EEXIST)
            continue;
        break;
    }
    int e = errno;
    s->backup[0] = '\0';
    return fail(s, VG_EIO, "cannot keep a backup beside it: %s; not written", strerror(e));
}

static int sync_dir(struct save *s)
{
    int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(s, VG_EIO, "written, but cannot open its folder to flush it: %s",
                    strerror(errno));
    int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
    int e = errno;
    close(fd);
    if (rc)
        return fail(s, VG_EIO, "written, but flushing its folder failed: %s", strerror(e));
    return 0;
}

static int replace(struct save *s, const vg_vmx_save_opts *o, const char *data, size_t len)
{
    remove_stale_temps(s);
    int rc = write_temp(s, data, len);
    if (rc == 0 && o->check_unchanged)
        rc = check_unchanged(s);
    if (rc == 0 && o->backup && s->have_orig)
        rc = make_backup(s);
    if (rc == 0 && rename(s->tmp, s->target) != 0)
        rc = fail(s, VG_EIO, "cannot replace it: %s; original left as it was", strerror(errno));
    if (rc != 0) {
        if (s->tmp[0])
            unlink(s->tmp);
        if (s->backup[0])
            unlink(s->backup);
        s->backup[0] = '\0';
        return rc;
    }
    return sync_dir(s);
}

int vg_vmx_doc_save(const vg_vmx_doc *doc, const char *path, vg_vmx_save_opts *opts, vg_error *err)
{
    vg_vmx_save_opts defaults = {0};
    vg_vmx_save_opts *o = opts ? opts : &defaults;
    o->backup_path[0] = '\0';
    struct save *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    s->doc = doc;
    s->path = path;
    s->err = err;
    char *data = NULL;
    size_t len = 0;
    int rc = resolve(s);
    if (rc == 0)
        rc = check_target(s, o);
    if (rc == 0)
        rc = vg_vmx_doc_serialize(doc, &data, &len, err);
    if (rc == 0)
        rc = replace(s, o, data, len);
    size_t blen = strlen(s->backup);
    if (blen < sizeof o->backup_path) /* longer paths: see the folder, the name is fixed */
        memcpy(o->backup_path, s->backup, blen + 1);
    free(data);
    free(s);
    return rc;
}
