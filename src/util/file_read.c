/*
 * vg_file_read: see file_read.h.  The read loop copes with short reads and
 * EINTR, and reads at most limit+1 bytes so "too large" is seen without
 * reading it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_read.h"

static const char *file_kind(mode_t m)
{
    static const struct {
        mode_t type;
        const char *name;
    } kinds[] = {
        {S_IFDIR, "a directory"},    {S_IFIFO, "a FIFO"},    {S_IFCHR, "a character device"},
        {S_IFBLK, "a block device"}, {S_IFSOCK, "a socket"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if ((m & S_IFMT) == kinds[i].type)
            return kinds[i].name;
    return "not a regular file";
}

static int read_all(int fd, size_t hint, size_t limit, char **out, size_t *len)
{
    size_t cap = (hint < limit ? hint : limit) + 2, n = 0; /* +1 to see growth, +1 for NUL */
    char *buf = malloc(cap);
    if (!buf)
        return VG_ENOMEM;
    for (;;) {
        if (n + 1 == cap) {
            if (n > limit)
                break;
            size_t ncap = cap * 2 > limit + 2 ? limit + 2 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return VG_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return VG_EIO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int vg_file_read(const char *path, size_t limit, const char *what, char **out, size_t *len,
                 vg_error *err)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; reads of the
     * regular files we go on with ignore it, so it need not be cleared */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path, 0,
                            "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = vg_error_set(err, VG_EIO, path, 0, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = vg_error_set(err, VG_EINPUT, path, 0, "%s, not a regular file; not read",
                          file_kind(st.st_mode));
    else if ((unsigned long long)st.st_size > limit)
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "file of %lld bytes is beyond the %zu-byte limit for %s",
                          (long long)st.st_size, limit, what);
    if (rc == 0) {
        rc = read_all(fd, (size_t)st.st_size, limit, out, len);
        if (rc == VG_EIO)
            vg_error_set(err, rc, path, 0, "cannot read: %s", strerror(errno));
        else if (rc == VG_ENOMEM)
            vg_error_set(err, rc, path, 0, "out of memory");
        else if (*len > limit) {
            free(*out);
            *out = NULL;
            *len = 0;
            rc = vg_error_set(err, VG_EINPUT, path, 0,
                              "file grew beyond the %zu-byte limit for %s while being read",
                              limit, what);
        }
    }
    close(fd);
    return rc;
}
