/*
 * File access for the guest probes.  Every path is taken relative to the
 * root directory (--root), so the same probe reads the live /proc and /sys
 * or a fake tree in a unit test.  Account names come from the root's own
 * /etc/passwd and /etc/group, never from NSS: a static binary in a minimal
 * guest has no NSS modules, and a fake tree must not see the host's users.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_internal.h"

void vg_groot_path(const struct gprobe *p, const char *rel, vg_buf *out)
{
    vg_buf_reset(out);
    vg_buf_adds(out, p->root);
    if (rel[0] != '/')
        vg_buf_addc(out, '/');
    vg_buf_adds(out, rel);
}

int vg_groot_read(const struct gprobe *p, const char *rel, vg_buf *out, size_t max)
{
    vg_buf path = VG_BUF_INIT;
    vg_groot_path(p, rel, &path);
    if (path.oom)
        return -ENOMEM;
    int fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int rc = fd < 0 ? -errno : 0;
    vg_buf_release(&path);
    vg_buf_reset(out);
    char chunk[4096];
    while (!rc && out->len < max) {
        size_t want = max - out->len < sizeof chunk ? max - out->len : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -errno;
        if (n <= 0)
            break;
        vg_buf_add(out, chunk, (size_t)n);
    }
    if (fd >= 0)
        close(fd);
    if (!rc && out->oom)
        rc = -ENOMEM;
    return rc;
}

int vg_groot_line(const struct gprobe *p, const char *rel, char *out, size_t sz)
{
    vg_buf b = VG_BUF_INIT;
    int rc = vg_groot_read(p, rel, &b, 4096);
    out[0] = '\0';
    if (!rc) {
        const char *s = b.data;
        size_t n = strcspn(s, "\n");
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        if (n >= sz)
            n = sz - 1;
        memcpy(out, s, n);
        out[n] = '\0';
    }
    vg_buf_release(&b);
    return rc;
}

int vg_groot_stat(const struct gprobe *p, const char *rel, struct stat *st)
{
    vg_buf path = VG_BUF_INIT;
    vg_groot_path(p, rel, &path);
    int rc = path.oom ? -ENOMEM : stat(path.data, st) == 0 ? 0 : -errno;
    vg_buf_release(&path);
    return rc;
}

int vg_groot_exists(const struct gprobe *p, const char *rel)
{
    struct stat st;
    return vg_groot_stat(p, rel, &st) == 0;
}

int vg_groot_link_base(const struct gprobe *p, const char *rel, char *out, size_t sz)
{
    vg_buf path = VG_BUF_INIT;
    vg_groot_path(p, rel, &path);
    char target[1024];
    ssize_t n = path.oom ? -1 : readlink(path.data, target, sizeof target - 1);
    int rc = n < 0 ? -errno : 0;
    vg_buf_release(&path);
    if (rc)
        return rc;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    snprintf(out, sz, "%s", base ? base + 1 : target);
    return 0;
}

DIR *vg_groot_opendir(const struct gprobe *p, const char *rel)
{
    vg_buf path = VG_BUF_INIT;
    vg_groot_path(p, rel, &path);
    DIR *d = path.oom ? NULL : opendir(path.data);
    vg_buf_release(&path);
    return d;
}

/* Field i (0-based) of a colon-separated line into out; 0 if present. */
static int field(const char *line, size_t len, unsigned i, char *out, size_t sz)
{
    const char *s = line, *end = line + len;
    for (; i > 0 && s < end; i--) {
        const char *c = memchr(s, ':', (size_t)(end - s));
        if (!c)
            return -1;
        s = c + 1;
    }
    const char *c = memchr(s, ':', (size_t)(end - s));
    size_t n = (size_t)((c ? c : end) - s);
    if (i > 0 || n >= sz)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static int parse_id(const char *s, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > 0xFFFFFFFFul)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/*
 * Scan a passwd-style file for a line whose field match_f equals match;
 * copy field want_f of that line to out.
 */
static int account_lookup(const struct gprobe *p, const char *file, unsigned match_f,
                          const char *match, unsigned want_f, char *out, size_t sz)
{
    vg_buf b = VG_BUF_INIT;
    int rc = VG_ENOTFOUND;
    if (vg_groot_read(p, file, &b, 1u << 20) != 0)
        vg_buf_reset(&b); /* unreadable: no accounts, not an error */
    const char *s = b.data;
    while (*s) {
        size_t len = strcspn(s, "\n");
        char f[256];
        if (field(s, len, match_f, f, sizeof f) == 0 && strcmp(f, match) == 0 &&
            field(s, len, want_f, out, sz) == 0) {
            rc = VG_OK;
            break;
        }
        s += len + (s[len] ? 1 : 0);
    }
    vg_buf_release(&b);
    return rc;
}

int vg_groot_user_name(const struct gprobe *p, unsigned uid, char *out, size_t sz)
{
    char id[16];
    snprintf(id, sizeof id, "%u", uid);
    return account_lookup(p, "/etc/passwd", 2, id, 0, out, sz);
}

int vg_groot_group_name(const struct gprobe *p, unsigned gid, char *out, size_t sz)
{
    char id[16];
    snprintf(id, sizeof id, "%u", gid);
    return account_lookup(p, "/etc/group", 2, id, 0, out, sz);
}

int vg_groot_user_ids(const struct gprobe *p, const char *name, unsigned *uid, unsigned *gid)
{
    char u[16], g[16];
    if (account_lookup(p, "/etc/passwd", 0, name, 2, u, sizeof u) != VG_OK ||
        account_lookup(p, "/etc/passwd", 0, name, 3, g, sizeof g) != VG_OK)
        return VG_ENOTFOUND;
    return parse_id(u, uid) || parse_id(g, gid) ? VG_ENOTFOUND : VG_OK;
}
