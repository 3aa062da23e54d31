/*
 * Streaming line reader for vmware.log: one fixed buffer per reader, filled
 * with large read(2) calls, lines handed out as pointers into it.  Memory is
 * the buffer whatever the file size; no allocation per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/logs_internal.h"

#define BLOCK (4u * 1024u * 1024u)

struct vg_log_reader {
    int fd;            /* -1 for memory */
    char *buf;         /* owned for files; the caller's bytes for memory */
    size_t start, end; /* unread bytes are buf[start, end) */
    size_t cap;
    int eof;
    int skipping; /* inside an over-long line: drop until the next LF */
    unsigned lineno;
    unsigned truncated;
    unsigned long long bytes; /* read so far */
    char name[512];
};

int vg_log_reader_open(const char *path, vg_log_reader **out, vg_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vg_error_set(err, VG_EIO, path, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_EIO, path, 0, "not a regular file");
    }
#ifdef POSIX_FADV_SEQUENTIAL
    /* read-ahead for big logs; for the usual few KB it is a wasted call */
    if (st.st_size > (off_t)BLOCK)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    /* A buffer for the whole of a small log (most are a few KB): a 4 MiB
     * one per VM was an mmap and munmap each.  A log that grows while read
     * gets the full block (fill). */
    size_t cap = BLOCK;
    if (st.st_size >= 0 && (unsigned long long)st.st_size < BLOCK / 2)
        cap = (size_t)st.st_size + 4096;
    vg_log_reader *r = calloc(1, sizeof *r);
    char *buf = malloc(cap);
    if (!r || !buf) {
        free(r);
        free(buf);
        close(fd);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    r->fd = fd;
    r->buf = buf;
    r->cap = cap;
    size_t n = strlen(path);
    if (n >= sizeof r->name)
        n = sizeof r->name - 1;
    memcpy(r->name, path, n); /* calloc'd: terminated */
    *out = r;
    return VG_OK;
}

int vg_log_reader_mem(const char *data, size_t len, const char *name, vg_log_reader **out,
                      vg_error *err)
{
    vg_log_reader *r = calloc(1, sizeof *r);
    if (!r)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    r->fd = -1;
    r->buf = (char *)data;
    r->end = r->cap = len;
    r->eof = 1;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "<memory>");
    *out = r;
    return VG_OK;
}

void vg_log_reader_free(vg_log_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0) {
        close(r->fd);
        free(r->buf);
    }
    free(r);
}

/* Move the unread tail to the front and read more behind it. */
static int fill(vg_log_reader *r, vg_error *err)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap && r->cap < BLOCK) { /* a small log grew: full block */
        char *grown = realloc(r->buf, BLOCK);
        if (!grown)
            return vg_error_set(err, VG_ENOMEM, r->name, r->lineno, "out of memory");
        r->buf = grown;
        r->cap = BLOCK;
    }
    while (r->end < r->cap) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vg_error_set(err, VG_EIO, r->name, r->lineno, "read failed: %s",
                                strerror(errno));
        if (n == 0) {
            r->eof = 1;
            break;
        }
        r->end += (size_t)n;
        r->bytes += (unsigned long long)n;
        break; /* hand out what we have; the next fill reads on */
    }
    return VG_OK;
}

static void emit(vg_log_reader *r, size_t len, vg_log_line *line, unsigned *lineno)
{
    const char *p = r->buf + r->start;
    size_t n = len;
    if (n > VG_LOG_MAX_LINE) {
        n = VG_LOG_MAX_LINE;
        r->truncated++;
    }
    while (n > 0 && p[n - 1] == '\r')
        n--;
    vg_log_parse_line(p, n, line);
    r->lineno++;
    if (lineno)
        *lineno = r->lineno;
}

int vg_log_reader_next(vg_log_reader *r, vg_log_line *line, unsigned *lineno, vg_error *err)
{
    for (;;) {
        const char *p = r->buf + r->start;
        size_t avail = r->end - r->start;
        const char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (r->skipping) {
            if (nl) {
                r->skipping = 0;
                r->start += (size_t)(nl - p) + 1;
                continue;
            }
            r->start = r->end; /* drop it all, keep looking */
        } else if (nl) {
            emit(r, (size_t)(nl - p), line, lineno);
            r->start += (size_t)(nl - p) + 1;
            return 1;
        } else if (avail >= VG_LOG_MAX_LINE) {
            emit(r, VG_LOG_MAX_LINE + 1, line, lineno); /* cut; skip the rest */
            r->start += VG_LOG_MAX_LINE;
            r->skipping = 1;
            return 1;
        } else if (r->eof) {
            if (!avail)
                return 0;
            emit(r, avail, line, lineno);
            r->start = r->end;
            return 1;
        }
        if (r->eof)
            return 0;
        int rc = fill(r, err);
        if (rc != VG_OK)
            return rc;
    }
}

unsigned vg_log_reader_truncated(const vg_log_reader *r)
{
    return r->truncated;
}

unsigned long long vg_log_reader_bytes(const vg_log_reader *r)
{
    return r->fd >= 0 ? r->bytes : r->cap;
}
