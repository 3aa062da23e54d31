/*
 * Creating an output file (a report, a checklist in --output-dir, a
 * script) without writing through a planted link or into a file someone
 * else made.  The file is created O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600.
 * A name that exists is never followed or truncated: a symlink is refused;
 * an earlier regular file is unlinked and a fresh one created in its place
 * (again O_EXCL, so a link slipped in between is refused too), which leaves
 * the old inode and any other name of it untouched; anything else is
 * refused, except a character device when the caller allows it (the
 * operator's own "-o /dev/null").
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmxguard/common.h"

/* The error, with errno left as the cause for callers that print strerror. */
static int refuse(vg_error *err, int e, const char *path, const char *why)
{
    vg_error_set(err, VG_EIO, path, 0, "%s", why);
    errno = e;
    return VG_EIO;
}

int vg_output_create(const char *path, int allow_device, vg_error *err)
{
    if (!path || !*path)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "output: no file name");
    for (int attempt = 0; attempt < 3; attempt++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return refuse(err, errno, path, strerror(errno));
        struct stat st;
        if (lstat(path, &st) != 0) {
            if (errno == ENOENT)
                continue; /* gone again: try once more */
            return refuse(err, errno, path, strerror(errno));
        }
        if (S_ISLNK(st.st_mode))
            return refuse(err, ELOOP, path, "is a symbolic link; not written");
        if (S_ISCHR(st.st_mode) && allow_device) {
            fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
            if (fd < 0)
                return refuse(err, errno, path, strerror(errno));
            return fd;
        }
        if (!S_ISREG(st.st_mode))
            return refuse(err, EEXIST, path, "exists and is not a regular file; not written");
        if (unlink(path) != 0 && errno != ENOENT)
            return refuse(err, errno, path, strerror(errno));
    }
    return refuse(err, EEXIST, path, "keeps reappearing while being created; not written");
}
