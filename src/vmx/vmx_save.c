/*
 * Writing a document back to disk so that a crash, a full disk, a planted
 * link or a concurrent change never costs the original.
 *
 * The path is resolved once (a symlinked .vmx: its real file is replaced,
 * the link stays); from then on everything goes through a descriptor of
 * the real folder (openat, fstatat, renameat), so a link swapped in later
 * is never followed.  The new bytes go to a temporary file created O_EXCL
 * and O_NOFOLLOW in that folder, get the original's owner, group, mode and
 * every extended attribute (POSIX ACLs and security labels included; if
 * one cannot be kept, nothing is written), are fsynced, and only then
 * renamed over the original; the folder is fsynced after the rename.
 *
 * Concurrent writers: the original is opened (O_NOFOLLOW) and locked with
 * flock(LOCK_EX) for the last steps, so a cooperating tool that takes the
 * same lock before writing in place cannot interleave; right before the
 * rename, the name must still be that inode, with the size, mtime and
 * bytes the document was parsed from, else nothing is replaced
 * (VG_ECHANGED).  A writer that ignores the lock can still slip in
 * between that last check and the rename: POSIX has no compare-and-rename.
 *
 * Temporary names are short (`.vmxguard-tmp-PID-XXXXXX`: a 255-byte .vmx
 * name still fits NAME_MAX) and carry the writer's pid, so a later save
 * removes leftovers of writers that no longer run (killed with SIGKILL)
 * without touching those of a live one.  This file is the one place that
 * cleans them up and the one place that refuses hard-linked files.
 */
#define _GNU_SOURCE /* getrandom, O_NOFOLLOW on older headers */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "vmx/vmx_internal.h"

#define TMP_MARK ".vmxguard-tmp-"

struct save {
    const vg_vmx_doc *doc;
    const char *path;      /* as the caller named it, for messages */
    char target[PATH_MAX]; /* the real file (symlinks resolved once) */
    char dir[PATH_MAX];
    const char *base; /* within target */
    int dirfd;
    int origfd;   /* the original, locked; -1 for a new file */
    char tmp[64]; /* name within dir */
    char backup[PATH_MAX];
    int backup_made;
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

static int split_target(struct save *s)
{
    snprintf(s->dir, sizeof s->dir, "%s", s->target);
    char *slash = strrchr(s->dir, '/');
    s->base = strrchr(s->target, '/') ? strrchr(s->target, '/') + 1 : s->target;
    if (!slash)
        snprintf(s->dir, sizeof s->dir, ".");
    else if (slash == s->dir)
        s->dir[1] = '\0';
    else
        *slash = '\0';
    if (!*s->base)
        return fail(s, VG_EUSAGE, "%s", "names a folder, not a file");
    s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->dirfd < 0)
        return fail(s, VG_EIO, "cannot open its folder: %s", strerror(errno));
    return 0;
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
        int n = snprintf(s->target, sizeof s->target, "%s", real);
        free(real);
        if (n < 0 || (size_t)n >= sizeof s->target)
            return fail(s, VG_EINPUT, "%s", "real path too long");
    }
    return split_target(s);
}

/* The original, opened without following a link and locked exclusively:
 * what was resolved must still be a regular file. */
static int open_original(struct save *s, vg_vmx_save_opts *o)
{
    s->origfd = openat(s->dirfd, s->base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (s->origfd < 0) {
        if (errno == ENOENT) {
            s->have_orig = 0;
            return 0;
        }
        if (errno == ELOOP)
            return fail(s, VG_ECHANGED, "%s",
                        "became a symbolic link since it was resolved; not written");
        return fail(s, VG_EIO, "cannot open: %s", strerror(errno));
    }
    s->have_orig = 1;
    if (fstat(s->origfd, &s->st) != 0)
        return fail(s, VG_EIO, "cannot stat: %s", strerror(errno));
    if (!S_ISREG(s->st.st_mode))
        return fail(s, VG_EINPUT, "%s; not written", "not a regular file");
    if ((s->st.st_mode & 0222) == 0 || faccessat(s->dirfd, s->base, W_OK, 0) != 0)
        return fail(s, VG_EIO, "%s; not written", "file is read-only");
    o->nlink = (unsigned long)s->st.st_nlink;
    if (s->st.st_nlink > 1 && !o->break_hardlinks)
        return fail(s, VG_EHARDLINK,
                    "file has %lu hard links; replacing it would leave the other names "
                    "with the old content, so it is not written",
                    (unsigned long)s->st.st_nlink);
    if (o->check_only)
        return 0;
    while (flock(s->origfd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return fail(s, VG_ECHANGED, "%s", "another program holds a lock on it; not written");
        break; /* no flock on this file system: the checks below still hold */
    }
    return 0;
}

/* A name of ours whose writer is gone: ".vmxguard-tmp-PID-XXXXXX", or the
 * older ".NAME.vmxguard-tmp-PID-XXXXXX" with NAME this file's name. */
static int is_stale(const char *name, const char *base)
{
    const char *p = NULL;
    size_t ml = strlen(TMP_MARK), bl = strlen(base);
    if (strncmp(name, TMP_MARK, ml) == 0)
        p = name + ml;
    else if (name[0] == '.' && strncmp(name + 1, base, bl) == 0 &&
             strncmp(name + 1 + bl, TMP_MARK, ml) == 0)
        p = name + 1 + bl + ml;
    if (!p)
        return 0;
    char *end;
    long pid = strtol(p, &end, 10);
    return pid > 0 && *end == '-' && strlen(end + 1) == 6 && kill((pid_t)pid, 0) != 0 &&
           errno == ESRCH;
}

static int clean_stale_at(int dirfd, const char *dir, const char *base, vg_error *err)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return vg_error_set(err, VG_EIO, dir, 0, "cannot list folder: %s", strerror(errno));
    }
    int removed = 0, rc = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (!is_stale(de->d_name, base))
            continue;
        if (unlinkat(dirfd, de->d_name, 0) == 0)
            removed++;
        else if (errno != ENOENT)
            rc = vg_error_set(err, VG_EIO, dir, 0, "cannot remove stale temp file %s: %s",
                              de->d_name, strerror(errno));
    }
    closedir(d);
    return rc ? rc : removed;
}

int vg_vmx_clean_stale(const char *path, vg_error *err)
{
    struct save s = {.path = path, .dirfd = -1, .origfd = -1, .err = err};
    int rc = resolve(&s);
    if (rc == 0)
        rc = clean_stale_at(s.dirfd, s.dir, s.base, err);
    if (s.dirfd >= 0)
        close(s.dirfd);
    return rc;
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

/* Every extended attribute of the original onto fd (ACLs, SELinux and
 * other security labels, user attributes).  0, or -1 with *bad naming the
 * one that could not be kept. */
static int copy_xattrs(int from, int to, char *bad, size_t badsz)
{
    ssize_t n = flistxattr(from, NULL, 0);
    if (n < 0)
        return errno == ENOTSUP || errno == ENOSYS ? 0 : -1;
    if (n == 0)
        return 0;
    char *names = malloc((size_t)n);
    if (!names || (n = flistxattr(from, names, (size_t)n)) < 0) {
        free(names);
        return -1;
    }
    int rc = 0;
    for (char *nm = names; rc == 0 && nm < names + n; nm += strlen(nm) + 1) {
        ssize_t vl = fgetxattr(from, nm, NULL, 0);
        char *v = vl >= 0 ? malloc(vl ? (size_t)vl : 1) : NULL;
        if (v && (vl = fgetxattr(from, nm, v, (size_t)vl)) >= 0 &&
            fsetxattr(to, nm, v, (size_t)vl, 0) == 0) {
            free(v);
            continue;
        }
        int e = errno;
        /* a label the new file already got the same way (SELinux) is kept */
        char same[256];
        ssize_t have =
            v && vl >= 0 && vl <= (ssize_t)sizeof same ? fgetxattr(to, nm, same, sizeof same) : -1;
        if (have == vl && v && memcmp(same, v, (size_t)vl) == 0) {
            free(v);
            continue;
        }
        free(v);
        snprintf(bad, badsz, "%s", nm);
        errno = e;
        rc = -1;
    }
    free(names);
    return rc;
}

/* Owner and group first: chown may clear set-id bits that chmod then
 * restores; the ACL (an extended attribute) last, as it holds the mask. */
static int copy_attrs(int fd, const struct save *s, const char **what, char *bad, size_t badsz)
{
    if (!s->have_orig)
        return 0; /* a new file keeps 0600 (umask() is process-wide, not ours) */
    struct stat now;
    *what = "cannot give the new version the original's owner, group and mode";
    if (fstat(fd, &now) != 0)
        return -1;
    if ((now.st_uid != s->st.st_uid || now.st_gid != s->st.st_gid) &&
        fchown(fd, s->st.st_uid, s->st.st_gid) != 0)
        return -1;
    if (fchmod(fd, s->st.st_mode & 07777) != 0)
        return -1;
    *what = "cannot keep an extended attribute (ACL or security label) of the original";
    return copy_xattrs(s->origfd, fd, bad, badsz);
}

static unsigned long long random_bits(void)
{
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r ^= (unsigned long long)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (unsigned long long)ts.tv_sec;
    }
    return r;
}

static int create_temp(struct save *s)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned long long r = random_bits();
        char suffix[7];
        for (int i = 0; i < 6; i++, r /= 62)
            suffix[i] = alnum[r % 62];
        suffix[6] = '\0';
        snprintf(s->tmp, sizeof s->tmp, TMP_MARK "%ld-%s", (long)getpid(), suffix);
        int fd =
            openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static int write_temp(struct save *s, const char *data, size_t len)
{
    int fd = create_temp(s);
    if (fd < 0) {
        int e = errno;
        s->tmp[0] = '\0';
        return fail(s, VG_EIO, "cannot create a temporary file beside it: %s", strerror(e));
    }
    const char *what = NULL;
    char bad[256] = "";
    if (write_all(fd, data, len) != 0)
        what = "cannot write the new version";
    else if (copy_attrs(fd, s, &what, bad, sizeof bad) != 0)
        ; /* what says which */
    else if ((what = NULL, fsync(fd) != 0))
        what = "cannot flush the new version to disk";
    int e = errno;
    if (close(fd) != 0 && !what) {
        e = errno;
        what = "cannot write the new version";
    }
    if (!what)
        return 0;
    if (bad[0])
        return fail(s, VG_EIO, "%s (%s): %s; original left as it was", what, bad, strerror(e));
    return fail(s, VG_EIO, "%s: %s; original left as it was", what, strerror(e));
}

static int read_fd(int fd, char **out, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (!b)
            return -1;
        if (n == cap) {
            if (cap > VG_VMX_MAX_FILE) {
                break;
            }
            char *g = realloc(b, cap * 2);
            if (!g) {
                free(b);
                return -1;
            }
            b = g;
            cap *= 2;
        }
        ssize_t r = pread(fd, b + n, cap - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = b;
    *len = n;
    return 0;
}

/* The last look before the rename: the name is still the inode we hold,
 * with the size and mtime seen when it was opened and the bytes the
 * document was parsed from. */
static int check_unchanged(struct save *s, int compare_bytes)
{
    const vg_vmx_doc *doc = s->doc;
    struct stat now, named;
    int named_ok = fstatat(s->dirfd, s->base, &named, AT_SYMLINK_NOFOLLOW) == 0;
    if (!s->have_orig) {
        if (!named_ok && errno == ENOENT && (!compare_bytes || doc->orig_len == 0))
            return 0;
        return fail(s, VG_ECHANGED, "%s; not written",
                    "file appeared or disappeared since it was read");
    }
    if (!named_ok || fstat(s->origfd, &now) != 0 || named.st_dev != now.st_dev ||
        named.st_ino != now.st_ino)
        return fail(s, VG_ECHANGED, "%s; not written", "file was replaced since it was read");
    if (now.st_size != s->st.st_size || now.st_mtim.tv_sec != s->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != s->st.st_mtim.tv_nsec)
        return fail(s, VG_ECHANGED, "%s; not written", "file changed since it was read");
    if (!compare_bytes)
        return 0;
    char *data;
    size_t len;
    if (read_fd(s->origfd, &data, &len) != 0)
        return fail(s, VG_ECHANGED, "cannot re-read before replacing it: %s", strerror(errno));
    int same = len == doc->orig_len && (len == 0 || memcmp(data, doc->orig, len) == 0);
    free(data);
    if (!same)
        return fail(s, VG_ECHANGED, "%s; not written", "file changed since it was read");
    return 0;
}

static int copy_to_backup(struct save *s, const char *name)
{
    char *data;
    size_t len;
    if (read_fd(s->origfd, &data, &len) != 0)
        return -1;
    int fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -1 : 0;
    const char *what;
    char bad[256];
    if (rc == 0 && (write_all(fd, data, len) != 0 ||
                    copy_attrs(fd, s, &what, bad, sizeof bad) != 0 || fsync(fd) != 0))
        rc = -1;
    int e = errno;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc != 0 && fd >= 0)
        unlinkat(s->dirfd, name, 0);
    free(data);
    errno = e;
    return rc;
}

/* FILE.vmxguard-YYYYmmddTHHMMSSZ (then -1, -2 ... within the same second):
 * a hard link to the old inode, or a copy where links fail. */
static int make_backup(struct save *s)
{
    char stamp[32], name[NAME_MAX + 1];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0; i < 100; i++) {
        int n = i ? snprintf(name, sizeof name, "%s.vmxguard-%s-%d", s->base, stamp, i)
                  : snprintf(name, sizeof name, "%s.vmxguard-%s", s->base, stamp);
        if (n < 0 || (size_t)n >= sizeof name) {
            errno = ENAMETOOLONG;
            break;
        }
        int m =
            snprintf(s->backup, sizeof s->backup, "%s/%s", strcmp(s->dir, "/") ? s->dir : "", name);
        if (m < 0 || (size_t)m >= sizeof s->backup) {
            errno = ENAMETOOLONG;
            break;
        }
        if (linkat(s->dirfd, s->base, s->dirfd, name, 0) == 0 ||
            (errno != EEXIST && copy_to_backup(s, name) == 0)) {
            s->backup_made = 1;
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    int e = errno;
    s->backup[0] = '\0';
    return fail(s, VG_EIO, "cannot keep a backup beside it: %s; not written", strerror(e));
}

static void drop_backup(struct save *s)
{
    if (s->backup_made) {
        const char *b = strrchr(s->backup, '/');
        unlinkat(s->dirfd, b ? b + 1 : s->backup, 0);
    }
    s->backup_made = 0;
    s->backup[0] = '\0';
}

static int replace(struct save *s, const vg_vmx_save_opts *o, const char *data, size_t len)
{
    vg_error ignored;
    clean_stale_at(s->dirfd, s->dir, s->base, &ignored);
    int rc = write_temp(s, data, len);
    if (rc == 0 && o->backup && s->have_orig)
        rc = make_backup(s);
    if (rc == 0)
        rc = check_unchanged(s, o->check_unchanged);
    if (rc == 0 && renameat(s->dirfd, s->tmp, s->dirfd, s->base) != 0)
        rc = fail(s, VG_EIO, "cannot replace it: %s; original left as it was", strerror(errno));
    if (rc != 0) {
        if (s->tmp[0])
            unlinkat(s->dirfd, s->tmp, 0);
        drop_backup(s);
        return rc;
    }
    if (fsync(s->dirfd) != 0 && errno != EINVAL)
        return fail(s, VG_EIO, "written, but flushing its folder failed: %s", strerror(errno));
    return 0;
}

int vg_vmx_doc_save(const vg_vmx_doc *doc, const char *path, vg_vmx_save_opts *opts, vg_error *err)
{
    vg_vmx_save_opts defaults = {0};
    vg_vmx_save_opts *o = opts ? opts : &defaults;
    o->backup_path[0] = '\0';
    o->nlink = 0;
    if (!path || (!doc && !o->check_only))
        return vg_error_set(err, VG_EUSAGE, path, 0, "save needs a document and a path");
    struct save *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    s->doc = doc;
    s->path = path;
    s->err = err;
    s->dirfd = s->origfd = -1;
    char *data = NULL;
    size_t len = 0;
    int rc = resolve(s);
    if (rc == 0)
        rc = open_original(s, o);
    if (rc == 0 && !o->check_only)
        rc = vg_vmx_doc_serialize(doc, &data, &len, err);
    if (rc == 0 && !o->check_only)
        rc = replace(s, o, data, len);
    size_t blen = strlen(s->backup);
    if (blen < sizeof o->backup_path) /* longer paths: see the folder, the name is fixed */
        memcpy(o->backup_path, s->backup, blen + 1);
    if (s->origfd >= 0)
        close(s->origfd); /* drops the flock */
    if (s->dirfd >= 0)
        close(s->dirfd);
    free(data);
    free(s);
    return rc;
}
