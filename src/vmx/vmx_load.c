/*
 * Reading a .vmx from disk without surprises: the file is opened
 * non-blocking (so a FIFO or device never hangs the caller) and checked
 * with fstat on the opened descriptor (no race between check and use);
 * only regular files are read.  A symlink is followed: a linked .vmx is
 * a normal sight on datastores, and what is read is what fstat checked.
 * The read loop copes with short reads, EINTR and a file that shrinks or
 * grows while it is read, and stops past the size limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmx/vmx_internal.h"

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

/* Read at most limit+1 bytes so "too large" is detected without reading it all. */
static int read_all(int fd, size_t hint, size_t limit, char **out, size_t *len)
{
    size_t cap = (hint < limit ? hint : limit) + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return VG_ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > limit) {
                break;
            }
            size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return VG_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return VG_EIO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Opens path read-only for vg_vmx_doc_load and the save-time re-check. */
int vmx_read_file(const char *path, char **out, size_t *len, vg_error *err)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO named *.vmx must not hang; reads of the
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
    else if ((unsigned long long)st.st_size > VG_VMX_MAX_FILE)
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "file of %lld bytes is beyond the %u-byte limit for a .vmx",
                          (long long)st.st_size, VG_VMX_MAX_FILE);
    if (rc == 0) {
        rc = read_all(fd, (size_t)st.st_size, VG_VMX_MAX_FILE, out, len);
        if (rc == VG_EIO)
            vg_error_set(err, rc, path, 0, "cannot read: %s", strerror(errno));
        else if (rc == VG_ENOMEM)
            vg_error_set(err, rc, path, 0, "out of memory");
    }
    close(fd);
    return rc;
}

int vg_vmx_doc_load(const char *path, vg_vmx_doc **out, vg_error *err)
{
    *out = NULL;
    char *data;
    size_t len;
    int rc = vmx_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    if (len > VG_VMX_MAX_FILE)
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "file grew beyond the %u-byte limit for a .vmx while being read",
                          VG_VMX_MAX_FILE);
    else
        rc = vg_vmx_doc_parse(data, len, path, out, err);
    free(data);
    return rc;
}
