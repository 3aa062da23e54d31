/*
 * OVA archives and OVF manifests.
 *
 * An OVA is a tar archive: libarchive reads it as a stream, nothing is
 * unpacked and nothing is written.  Members are checked before anything is
 * read: only regular files (no links, devices or sparse members), names
 * without absolute paths or ".." (path traversal), no duplicate names,
 * at most VG_TEMPLATE_MAX_MEMBERS members (tar bomb), no member declaring
 * more bytes than the archive holds, the descriptor first and within
 * VG_TEMPLATE_MAX_FILE.  Only the descriptor and the manifest are read;
 * disks are skipped.  The manifest's digest of the descriptor (SHA-1,
 * SHA-256 or SHA-512, through nettle) must match its bytes, as vCenter
 * requires on import.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/template_internal.h"
#include "template/template_ova.h"

#define MAX_MANIFEST (1u << 20)

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int vg_tmpl_digest(const char *alg, const char *data, size_t len, char *out, size_t outsz)
{
    unsigned char d[SHA512_DIGEST_SIZE];
    size_t n;
    if (strcasecmp(alg, "SHA1") == 0) {
        struct sha1_ctx c;
        sha1_init(&c);
        sha1_update(&c, len, (const uint8_t *)data);
        sha1_digest(&c, n = SHA1_DIGEST_SIZE, d);
    } else if (strcasecmp(alg, "SHA256") == 0) {
        struct sha256_ctx c;
        sha256_init(&c);
        sha256_update(&c, len, (const uint8_t *)data);
        sha256_digest(&c, n = SHA256_DIGEST_SIZE, d);
    } else if (strcasecmp(alg, "SHA512") == 0) {
        struct sha512_ctx c;
        sha512_init(&c);
        sha512_update(&c, len, (const uint8_t *)data);
        sha512_digest(&c, n = SHA512_DIGEST_SIZE, d);
    } else {
        return -1;
    }
    if (outsz < 2 * n + 1)
        return -1;
    hex(d, n, out);
    return 0;
}

/* One "ALG(name)= hex" line; 0 and the parts, or -1. */
int vg_tmpl_manifest_line(const char *s, size_t n, tmpl_mf_line *out)
{
    memset(out, 0, sizeof *out);
    const char *open = memchr(s, '(', n);
    if (!open || open == s || (size_t)(open - s) >= sizeof out->alg)
        return -1;
    memcpy(out->alg, s, (size_t)(open - s));
    const char *close = NULL;
    for (const char *p = s + n; p > open + 1; p--) {
        if (p[-1] == ')' && p < s + n && *p == '=') {
            close = p - 1;
            break;
        }
    }
    if (!close || (size_t)(close - open - 1) >= sizeof out->name)
        return -1;
    memcpy(out->name, open + 1, (size_t)(close - open - 1));
    const char *h = close + 2;
    while (h < s + n && (*h == ' ' || *h == '\t'))
        h++;
    const char *e = s + n;
    while (e > h && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (e == h || (size_t)(e - h) >= sizeof out->digest)
        return -1;
    memcpy(out->digest, h, (size_t)(e - h));
    out->digest_off = (size_t)(h - s);
    out->digest_len = (size_t)(e - h);
    return 0;
}

int vg_tmpl_manifest_check(const char *mf, size_t mflen, const char *mfname, const char *member,
                           const char *data, size_t len, vg_error *err)
{
    unsigned line = 0;
    for (size_t ls = 0; ls < mflen;) {
        const char *nl = memchr(mf + ls, '\n', mflen - ls);
        size_t le = nl ? (size_t)(nl - mf) : mflen;
        line++;
        tmpl_mf_line m;
        if (le > ls && vg_tmpl_manifest_line(mf + ls, le - ls, &m) == 0 &&
            strcmp(m.name, member) == 0) {
            char got[2 * SHA512_DIGEST_SIZE + 1];
            if (vg_tmpl_digest(m.alg, data, len, got, sizeof got) != 0)
                return vg_error_set(err, VG_EINPUT, mfname, line,
                                    "digest algorithm %s is not SHA1, SHA256 or SHA512", m.alg);
            if (strcasecmp(got, m.digest) != 0)
                return vg_error_set(err, VG_EINPUT, mfname, line,
                                    "checksum mismatch: %s(%s) is %s, the manifest says %s", m.alg,
                                    member, got, m.digest);
            return VG_OK;
        }
        ls = le + 1;
    }
    return vg_error_set(err, VG_EINPUT, mfname, 0, "the manifest lists no digest of %s", member);
}

/* A member name that stays inside the archive's folder. */
static int safe_name(const char *name)
{
    if (!name || !*name || name[0] == '/' || strlen(name) > 255)
        return 0;
    for (const char *p = name; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == '\\')
            return 0;
    }
    for (const char *seg = name; seg;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return 0;
        seg = slash ? slash + 1 : NULL;
    }
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* Read the current member whole (its size is already checked). */
static int read_member(struct archive *a, size_t size, const char *path, const char *member,
                       char **out, size_t *len, vg_error *err)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    size_t n = 0;
    for (;;) {
        la_ssize_t r = archive_read_data(a, buf + n, size + 1 - n);
        if (r < 0) {
            free(buf);
            return vg_error_set(err, VG_EINPUT, path, 0, "member %s: %s", member,
                                archive_error_string(a));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > size) {
            free(buf);
            return vg_error_set(err, VG_EINPUT, path, 0, "member %s holds more than it declares",
                                member);
        }
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return VG_OK;
}

static void ova_release(tmpl_ova *o)
{
    free(o->ovf);
    free(o->mf);
    free(o->ovf_name);
    free(o->mf_name);
    for (size_t i = 0; i < o->n_names; i++)
        free(o->names[i]);
    free(o->names);
    memset(o, 0, sizeof *o);
}

void vg_tmpl_ova_release(tmpl_ova *o)
{
    ova_release(o);
}

static int check_entry(tmpl_ova *o, struct archive_entry *e, const char *path, off_t archive_size,
                       vg_error *err)
{
    const char *name = archive_entry_pathname(e);
    if (!safe_name(name))
        return vg_error_set(err, VG_EINPUT, path, 0,
                            "member \"%.200s\" has an absolute or escaping path (refused)",
                            name ? name : "(unreadable name)");
    if (archive_entry_hardlink(e) || archive_entry_symlink(e))
        return vg_error_set(err, VG_EINPUT, path, 0, "member %s is a link (refused)", name);
    mode_t t = archive_entry_filetype(e);
    if (t == AE_IFDIR)
        return 1; /* folders hold nothing to read */
    if (t != AE_IFREG)
        return vg_error_set(err, VG_EINPUT, path, 0, "member %s is not a regular file (refused)",
                            name);
    if (archive_entry_sparse_count(e) > 0)
        return vg_error_set(err, VG_EINPUT, path, 0, "member %s is sparse (refused)", name);
    la_int64_t size = archive_entry_size(e);
    if (!archive_entry_size_is_set(e) || size < 0 || size > (la_int64_t)archive_size)
        return vg_error_set(err, VG_EINPUT, path, 0,
                            "member %s declares %lld bytes, more than the archive holds "
                            "(refused)",
                            name, (long long)size);
    for (size_t i = 0; i < o->n_names; i++) {
        if (strcmp(o->names[i], name) == 0)
            return vg_error_set(err, VG_EINPUT, path, 0, "member %s appears twice (refused)", name);
    }
    if (o->n_names >= VG_TEMPLATE_MAX_MEMBERS)
        return vg_error_set(err, VG_EINPUT, path, 0, "more than %u members (refused)",
                            VG_TEMPLATE_MAX_MEMBERS);
    char **nn = realloc(o->names, (o->n_names + 1) * sizeof *nn);
    if (!nn || !(nn[o->n_names] = strdup(name))) {
        if (nn)
            o->names = nn;
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    o->names = nn;
    o->n_names++;
    return 0;
}

int vg_tmpl_ova_open(const char *path, tmpl_ova *o, vg_error *err)
{
    memset(o, 0, sizeof *o);
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path, 0, "%s",
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_EINPUT, path, 0, "not a regular file");
    }
    struct archive *a = archive_read_new();
    if (!a) {
        close(fd);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    /* an OVA is an uncompressed tar; nothing else is accepted (no
     * decompression bombs) */
    archive_read_support_format_tar(a);
    archive_read_support_filter_none(a);
    int rc = VG_OK;
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
        rc = vg_error_set(err, VG_EINPUT, path, 0, "not an OVA (uncompressed tar): %s",
                          archive_error_string(a));
    struct archive_entry *e;
    size_t regular = 0;
    while (rc == VG_OK) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            rc = vg_error_set(err, VG_EINPUT, path, 0, "not a valid OVA (tar): %s",
                              archive_error_string(a));
            break;
        }
        int c = check_entry(o, e, path, st.st_size, err);
        if (c < 0) {
            rc = c;
            break;
        }
        if (c > 0)
            continue;
        const char *name = archive_entry_pathname(e);
        size_t size = (size_t)archive_entry_size(e);
        regular++;
        if (ends_with(name, ".ovf")) {
            if (regular != 1) {
                rc = vg_error_set(err, VG_EINPUT, path, 0,
                                  "the descriptor %s is not the first member (an OVA must start "
                                  "with it)",
                                  name);
            } else if (size > VG_TEMPLATE_MAX_FILE) {
                rc = vg_error_set(err, VG_EINPUT, path, 0,
                                  "descriptor %s is %zu bytes, more than the %u MiB limit "
                                  "(refused)",
                                  name, size, VG_TEMPLATE_MAX_FILE >> 20);
            } else if ((rc = read_member(a, size, path, name, &o->ovf, &o->ovf_len, err)) ==
                       VG_OK) {
                o->ovf_name = strdup(name);
                if (!o->ovf_name)
                    rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
            }
            continue;
        }
        if (regular == 1) {
            rc = vg_error_set(err, VG_EINPUT, path, 0,
                              "the first member is %s, not an OVF descriptor", name);
            break;
        }
        if (ends_with(name, ".mf")) {
            if (o->mf)
                rc = vg_error_set(err, VG_EINPUT, path, 0, "more than one manifest (%s)", name);
            else if (size > MAX_MANIFEST)
                rc =
                    vg_error_set(err, VG_EINPUT, path, 0, "manifest %s is larger than 1 MiB", name);
            else if ((rc = read_member(a, size, path, name, &o->mf, &o->mf_len, err)) == VG_OK &&
                     !(o->mf_name = strdup(name)))
                rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
            continue;
        }
        if (archive_read_data_skip(a) != ARCHIVE_OK)
            rc = vg_error_set(err, VG_EINPUT, path, 0, "member %s: %s", name,
                              archive_error_string(a));
    }
    archive_read_free(a);
    close(fd);
    if (rc == VG_OK && !o->ovf)
        rc = vg_error_set(err, VG_EINPUT, path, 0, "no OVF descriptor in the archive");
    if (rc != VG_OK)
        ova_release(o);
    return rc;
}

int vg_tmpl_read_ova(const char *path, vg_vm_sink sink, void *ctx, vg_error *err)
{
    tmpl_ova o;
    int rc = vg_tmpl_ova_open(path, &o, err);
    if (rc != VG_OK)
        return rc;
    size_t n = strlen(path) + strlen(o.ovf_name) + 2;
    char *docname = malloc(n);
    if (!docname) {
        ova_release(&o);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    snprintf(docname, n, "%s/%s", path, o.ovf_name);
    if (o.mf) {
        size_t mn = strlen(path) + strlen(o.mf_name) + 2;
        char *mfname = malloc(mn);
        if (!mfname) {
            rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
        } else {
            snprintf(mfname, mn, "%s/%s", path, o.mf_name);
            rc = vg_tmpl_manifest_check(o.mf, o.mf_len, mfname, o.ovf_name, o.ovf, o.ovf_len, err);
            free(mfname);
        }
    }
    if (rc == VG_OK)
        rc = vg_tmpl_read_ovf(o.ovf, o.ovf_len, docname, sink, ctx, err);
    free(docname);
    ova_release(&o);
    return rc;
}

int vg_tmpl_ovf_manifest(const char *path, const char *data, size_t len, vg_error *err)
{
    size_t n = strlen(path);
    if (n < 4)
        return VG_OK;
    char *mf = malloc(n + 1);
    if (!mf)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    memcpy(mf, path, n - 4);
    memcpy(mf + n - 4, ".mf", 4);
    char *text;
    size_t tlen;
    vg_error e2;
    int rc = VG_OK;
    struct stat st;
    if (lstat(mf, &st) == 0 && vg_tmpl_read_file(mf, &text, &tlen, &e2) == VG_OK) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        rc = vg_tmpl_manifest_check(text, tlen, mf, base, data, len, err);
        free(text);
    } else if (lstat(mf, &st) == 0) {
        rc = vg_error_set(err, VG_EIO, mf, 0, "%s", e2.msg);
    }
    free(mf);
    return rc;
}
