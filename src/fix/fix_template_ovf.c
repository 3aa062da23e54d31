/*
 * Fixes in OVF descriptors and OVA archives.
 *
 * The descriptor is edited as text: libxml2 finds each VirtualSystem's
 * vmw:ExtraConfig elements and their lines, the edit replaces only the
 * vmw:value attribute's bytes (XML-escaped), removes an element's line, or
 * adds an element before </VirtualHardwareSection> in the section's own
 * prefix and indentation.  The manifest line of the descriptor gets the
 * new digest in the same algorithm.  A standalone .ovf and its .mf are
 * each replaced atomically (descriptor first).  An OVA is never changed:
 * a new archive NAME.vmxguard.ova is written beside it, member by member
 * in the same order (disks copied as they are), through a temporary file
 * linked into place only when complete, so an existing file of that name
 * is never overwritten.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix/fix_template.h"
#include "template/template_internal.h"
#include "template/template_ova.h"
#include "util/buf.h"

#define VMW_NS "http://www.vmware.com/schema/ovf"
#define OVF_NS "http://schemas.dmtf.org/ovf/envelope/1"

typedef struct ofix {
    const char *src;
    size_t len;
    size_t *lines; /* line starts */
    size_t n_lines;
    fix_splices sp;
    int rc;
    size_t skipped;
    const char *eol; /* the descriptor's line end */
} ofix;

static int is_el(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

static void add(ofix *t, size_t off, size_t end, const char *text)
{
    if (t->rc == VG_OK && (!text || vg_fix_splices_add(&t->sp, off, end, text) != VG_OK))
        t->rc = VG_ENOMEM;
}

static char *xml_escape(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            vg_buf_adds(&b, "&amp;");
            break;
        case '<':
            vg_buf_adds(&b, "&lt;");
            break;
        case '>':
            vg_buf_adds(&b, "&gt;");
            break;
        case '"':
            vg_buf_adds(&b, "&quot;");
            break;
        case '\'':
            vg_buf_adds(&b, "&apos;");
            break;
        case '\n':
            vg_buf_adds(&b, "&#10;");
            break;
        case '\r':
            vg_buf_adds(&b, "&#13;");
            break;
        case '\t':
            vg_buf_adds(&b, "&#9;");
            break;
        default:
            vg_buf_addc(&b, *p);
        }
    }
    return vg_buf_detach(&b);
}

static void qname(const xmlNode *n, char *out, size_t size)
{
    if (n->ns && n->ns->prefix)
        snprintf(out, size, "%s:%s", (const char *)n->ns->prefix, (const char *)n->name);
    else
        snprintf(out, size, "%s", (const char *)n->name);
}

static size_t line_off(const ofix *t, const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && (size_t)l <= t->n_lines ? t->lines[l - 1] : 0;
}

/* Where element n's text starts and ends: the k-th "<qname" from its
 * line's start, k = same-named siblings on that line before it. */
static int element_span(const ofix *t, const xmlNode *n, size_t *start, size_t *end)
{
    char q[200];
    qname(n, q, sizeof q);
    size_t ql = strlen(q);
    long line = xmlGetLineNo(n);
    size_t k = 0;
    for (const xmlNode *p = n->prev; p; p = p->prev) {
        if (p->type == XML_ELEMENT_NODE && xmlGetLineNo(p) == line && p->name == n->name)
            k++;
    }
    size_t at = line_off(t, n);
    for (;;) {
        const char *hit = NULL;
        for (size_t i = at; i + ql + 1 < t->len; i++) {
            if (t->src[i] == '<' && memcmp(t->src + i + 1, q, ql) == 0 &&
                (t->src[i + 1 + ql] == ' ' || t->src[i + 1 + ql] == '/' ||
                 t->src[i + 1 + ql] == '>' || t->src[i + 1 + ql] == '\t' ||
                 t->src[i + 1 + ql] == '\n' || t->src[i + 1 + ql] == '\r')) {
                hit = t->src + i;
                break;
            }
        }
        if (!hit)
            return -1;
        at = (size_t)(hit - t->src);
        if (k == 0)
            break;
        k--;
        at++;
    }
    *start = at;
    char quote = 0;
    for (size_t i = at; i < t->len; i++) {
        char c = t->src[i];
        if (quote) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            if (t->src[i - 1] == '/') {
                *end = i + 1;
                return 0;
            }
            char close[210];
            snprintf(close, sizeof close, "</%s>", q);
            const char *c2 = NULL;
            for (size_t j = i; j + strlen(close) <= t->len; j++) {
                if (memcmp(t->src + j, close, strlen(close)) == 0) {
                    c2 = t->src + j;
                    break;
                }
            }
            if (!c2)
                return -1;
            *end = (size_t)(c2 - t->src) + strlen(close);
            return 0;
        }
    }
    return -1;
}

/* The span of attribute aname's value (inside its quotes) in [start, end). */
static int attr_value_span(const ofix *t, size_t start, size_t end, const char *aname, size_t *vs,
                           size_t *ve)
{
    size_t al = strlen(aname);
    char quote = 0;
    for (size_t i = start; i + al < end; i++) {
        char c = t->src[i];
        if (quote) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            continue;
        }
        if ((c == ' ' || c == '\t' || c == '\n' || c == '\r') &&
            memcmp(t->src + i + 1, aname, al) == 0) {
            size_t k = i + 1 + al;
            while (k < end && (t->src[k] == ' ' || t->src[k] == '\t'))
                k++;
            if (k >= end || t->src[k] != '=')
                continue;
            k++;
            while (k < end && (t->src[k] == ' ' || t->src[k] == '\t'))
                k++;
            if (k >= end || (t->src[k] != '"' && t->src[k] != '\''))
                return -1;
            char q = t->src[k];
            const char *close = memchr(t->src + k + 1, q, end - k - 1);
            if (!close)
                return -1;
            *vs = k + 1;
            *ve = (size_t)(close - t->src);
            return 0;
        }
    }
    return -1;
}

static char *attr_text(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)VMW_NS);
    if (!v)
        v = xmlGetNoNsProp(n, (const xmlChar *)name);
    return (char *)v;
}

static const char *prefix_of(const xmlNode *n, const char *name)
{
    xmlAttr *a = xmlHasNsProp(n, (const xmlChar *)name, (const xmlChar *)VMW_NS);
    return a && a->ns && a->ns->prefix ? (const char *)a->ns->prefix : NULL;
}

static int blank_before(const ofix *t, size_t off)
{
    for (size_t k = off; k > 0 && t->src[k - 1] != '\n'; k--) {
        if (t->src[k - 1] != ' ' && t->src[k - 1] != '\t')
            return 0;
    }
    return 1;
}

static size_t line_begin(const ofix *t, size_t off)
{
    while (off > 0 && t->src[off - 1] != '\n')
        off--;
    return off;
}

static void set_attr(ofix *t, const xmlNode *el, const char *value)
{
    size_t s, e, vs, ve;
    char aname[120];
    const char *p = prefix_of(el, "value");
    snprintf(aname, sizeof aname, "%s%s%s", p ? p : "", p ? ":" : "", "value");
    char *esc = xml_escape(value);
    if (element_span(t, el, &s, &e) != 0 || attr_value_span(t, s, e, aname, &vs, &ve) != 0 ||
        !esc) {
        t->skipped++;
    } else {
        add(t, vs, ve, esc);
    }
    free(esc);
}

static void remove_el(ofix *t, const xmlNode *el)
{
    size_t s, e;
    if (element_span(t, el, &s, &e) != 0) {
        t->skipped++;
        return;
    }
    size_t k = e;
    while (k < t->len && (t->src[k] == ' ' || t->src[k] == '\t' || t->src[k] == '\r'))
        k++;
    if (blank_before(t, s) && (k >= t->len || t->src[k] == '\n'))
        add(t, line_begin(t, s), k < t->len ? k + 1 : k, "");
    else
        add(t, s, e, "");
}

/* A prefix bound to href where n is (the default namespace does not count:
 * attributes need a prefix), or NULL. */
static const char *prefix_for(const xmlNode *n, const char *href)
{
    xmlNsPtr *all = xmlGetNsList(n->doc, n);
    const char *p = NULL;
    for (size_t i = 0; all && all[i] && !p; i++) {
        if (all[i]->prefix && all[i]->href && strcmp((const char *)all[i]->href, href) == 0)
            p = (const char *)all[i]->prefix;
    }
    xmlFree(all);
    return p;
}

/* New ExtraConfig lines before the section's closing tag. */
static void insert_extra(ofix *t, const xmlNode *vhs, const char *const *keys,
                         const char *const *values, size_t n)
{
    const xmlNode *last = NULL, *model = NULL;
    for (const xmlNode *c = vhs->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            last = c;
            if (is_el(c, "ExtraConfig"))
                model = c;
        }
    }
    char close[220], q[200];
    qname(vhs, q, sizeof q);
    snprintf(close, sizeof close, "</%s>", q);
    size_t from = last ? line_off(t, last) : line_off(t, vhs);
    const char *hit = NULL;
    for (size_t i = from; i + strlen(close) <= t->len; i++) {
        if (memcmp(t->src + i, close, strlen(close)) == 0) {
            hit = t->src + i;
            break;
        }
    }
    if (!hit) {
        t->skipped += n;
        return;
    }
    size_t at = (size_t)(hit - t->src);
    /* prefixes in scope: reuse them, else declare them on the element */
    const char *vp = prefix_for(vhs, VMW_NS), *op = prefix_for(vhs, OVF_NS);
    char indent[64] = "";
    const xmlNode *ind = model ? model : last;
    if (ind) {
        size_t ls = line_off(t, ind), k = 0;
        while (ls + k < t->len && (t->src[ls + k] == ' ' || t->src[ls + k] == '\t') &&
               k + 1 < sizeof indent)
            k++;
        memcpy(indent, t->src + ls, k);
        indent[k] = '\0';
    }
    int own_line = blank_before(t, at);
    vg_buf b = VG_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char *k = xml_escape(keys[i]), *v = xml_escape(values[i]);
        if (!k || !v) {
            t->rc = VG_ENOMEM;
        } else {
            const char *p = vp ? vp : "vmw";
            vg_buf_printf(&b, "%s%s<%s:ExtraConfig", own_line ? "" : t->eol, indent, p);
            if (!vp)
                vg_buf_printf(&b, " xmlns:vmw=\"%s\"", VMW_NS);
            if (!op)
                vg_buf_printf(&b, " xmlns:ovf=\"%s\"", OVF_NS);
            vg_buf_printf(&b, " %s:required=\"false\" %s:key=\"%s\" %s:value=\"%s\"/>%s",
                          op ? op : "ovf", p, k, p, v, own_line ? t->eol : "");
        }
        free(k);
        free(v);
    }
    if (!own_line)
        vg_buf_adds(&b, t->eol);
    if (b.oom)
        t->rc = VG_ENOMEM;
    add(t, own_line ? line_begin(t, at) : at, own_line ? line_begin(t, at) : at, b.data);
    vg_buf_release(&b);
}

static char *vs_name(const xmlNode *vs)
{
    for (const xmlNode *c = vs->children; c; c = c->next) {
        if (is_el(c, "Name")) {
            char *s = (char *)xmlNodeGetContent(c);
            if (s && *s)
                return s;
            xmlFree(s);
        }
    }
    char *id = (char *)xmlGetNsProp(vs, (const xmlChar *)"id", (const xmlChar *)OVF_NS);
    if (!id)
        id = (char *)xmlGetNoNsProp(vs, (const xmlChar *)"id");
    return id ? id : (char *)xmlStrdup((const xmlChar *)"VirtualSystem");
}

static void fix_vs(ofix *t, const xmlNode *vs, const vg_fix_vm *fv, vg_fix_outcome *o)
{
    const xmlNode *vhs = NULL;
    for (const xmlNode *c = vs->children; c && !vhs; c = c->next) {
        if (is_el(c, "VirtualHardwareSection"))
            vhs = c;
    }
    if (!vhs) {
        t->skipped += fv->n_edits;
        return;
    }
    const char **keys = calloc(fv->n_edits + 1, sizeof *keys);
    const char **values = calloc(fv->n_edits + 1, sizeof *values);
    size_t n_new = 0;
    if (!keys || !values)
        t->rc = VG_ENOMEM;
    for (size_t i = 0; t->rc == VG_OK && i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (e->device) {
            t->skipped++;
            continue;
        }
        const xmlNode *found = NULL;
        int removed = 0;
        for (const xmlNode *c = vhs->children; c; c = c->next) {
            if (!is_el(c, "ExtraConfig"))
                continue;
            char *k = attr_text(c, "key");
            int match = k && strcasecmp(k, e->key) == 0;
            xmlFree(k);
            if (!match)
                continue;
            if (e->op == VG_FIX_REMOVE) {
                remove_el(t, c);
                removed = 1;
            } else {
                found = c; /* the last copy is the one the reader keeps */
            }
        }
        if (e->op == VG_FIX_REMOVE) {
            if (removed)
                o->keys_removed++;
            else
                t->skipped++;
        } else if (found) {
            set_attr(t, found, e->value);
            o->keys_set++;
        } else {
            keys[n_new] = e->key;
            values[n_new++] = e->value;
            o->keys_set++;
        }
    }
    if (t->rc == VG_OK && n_new)
        insert_extra(t, vhs, keys, values, n_new);
    free(keys);
    free(values);
}

static void walk(ofix *t, const xmlNode *parent, vg_fix_vm *const *fvs, size_t n, vg_fix_outcome *o,
                 unsigned depth)
{
    for (const xmlNode *c = parent->children; c && depth < VG_TEMPLATE_MAX_DEPTH; c = c->next) {
        if (is_el(c, "VirtualSystemCollection")) {
            walk(t, c, fvs, n, o, depth + 1);
        } else if (is_el(c, "VirtualSystem")) {
            char *name = vs_name(c);
            for (size_t i = 0; name && i < n; i++) {
                if (fvs[i]->name && strcmp(fvs[i]->name, name) == 0)
                    fix_vs(t, c, fvs[i], o);
            }
            xmlFree(name);
        }
    }
}

static int ovf_text(const char *src, size_t len, const char *docname, vg_fix_vm *const *fvs,
                    size_t n, char **out, size_t *outlen, vg_fix_outcome *o, vg_error *err)
{
    *out = NULL;
    xmlDocPtr doc = xmlReadMemory(src, (int)len, docname, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                      XML_PARSE_BIG_LINES);
    if (!doc)
        return vg_error_set(err, VG_EINPUT, docname, 0, "not well-formed XML");
    const char *first_nl = memchr(src, '\n', len);
    ofix t = {src, len,   NULL, 0,
              {0}, VG_OK, 0,    first_nl && first_nl > src && first_nl[-1] == '\r' ? "\r\n" : "\n"};
    size_t nl = 1;
    for (size_t i = 0; i < len; i++)
        nl += src[i] == '\n';
    t.lines = malloc(nl * sizeof *t.lines);
    int rc = VG_OK;
    if (!t.lines) {
        rc = vg_error_set(err, VG_ENOMEM, docname, 0, "out of memory");
    } else {
        t.lines[t.n_lines++] = 0;
        for (size_t i = 0; i < len; i++) {
            if (src[i] == '\n')
                t.lines[t.n_lines++] = i + 1;
        }
        walk(&t, xmlDocGetRootElement(doc), fvs, n, o, 0);
        if (t.rc != VG_OK)
            rc = vg_error_set(err, VG_ENOMEM, docname, 0, "out of memory");
        else if (vg_fix_splices_apply(&t.sp, src, len, out, outlen) != VG_OK)
            rc = vg_error_set(err, VG_ERR, docname, 0, "edits overlap; nothing written");
    }
    if (rc == VG_OK && t.skipped) {
        char note[1400];
        snprintf(note, sizeof note,
                 "%s: %zu edit(s) not made in the descriptor (devices are hardware items: "
                 "change them by hand)",
                 docname, t.skipped);
        free(o->note);
        o->note = strdup(note);
    }
    free(t.lines);
    vg_fix_splices_release(&t.sp);
    xmlFreeDoc(doc);
    if (rc == VG_OK)
        rc = vg_fix_verify_template(*out, *outlen, docname, VG_TEMPLATE_OVF, fvs, n, 1, err);
    if (rc != VG_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* The manifest with member's digest recomputed over data (same algorithm). */
static int manifest_text(const char *mf, size_t mflen, const char *mfname, const char *member,
                         const char *data, size_t len, char **out, size_t *outlen, vg_error *err)
{
    unsigned line = 0;
    for (size_t ls = 0; ls < mflen;) {
        const char *nl = memchr(mf + ls, '\n', mflen - ls);
        size_t le = nl ? (size_t)(nl - mf) : mflen;
        line++;
        tmpl_mf_line m;
        if (le > ls && vg_tmpl_manifest_line(mf + ls, le - ls, &m) == 0 &&
            strcmp(m.name, member) == 0) {
            char digest[160];
            if (vg_tmpl_digest(m.alg, data, len, digest, sizeof digest) != 0)
                return vg_error_set(err, VG_EINPUT, mfname, line, "digest algorithm %s unknown",
                                    m.alg);
            fix_splices sp = {0};
            int rc = vg_fix_splices_add(&sp, ls + m.digest_off, ls + m.digest_off + m.digest_len,
                                        digest);
            if (rc == VG_OK)
                rc = vg_fix_splices_apply(&sp, mf, mflen, out, outlen);
            vg_fix_splices_release(&sp);
            return rc == VG_OK ? VG_OK : vg_error_set(err, VG_ENOMEM, mfname, 0, "out of memory");
        }
        ls = le + 1;
    }
    return vg_error_set(err, VG_EINPUT, mfname, 0, "the manifest lists no digest of %s", member);
}

static int fsync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[1024];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copy the OVA at path to newpath member by member, the descriptor and
 * manifest replaced.  The members must be those o listed (else the archive
 * changed since it was read). */
static int write_ova(const char *path, const char *newpath, const tmpl_ova *o, const char *ovf,
                     size_t ovf_len, const char *mf, size_t mf_len, vg_error *err)
{
    char tmp[1100];
    const char *slash = strrchr(newpath, '/');
    snprintf(tmp, sizeof tmp, "%.*s.%s.vmxguard-tmp-XXXXXX", slash ? (int)(slash - newpath + 1) : 0,
             newpath, slash ? slash + 1 : newpath);
    int out = mkstemp(tmp);
    if (out < 0)
        return vg_error_set(err, VG_EIO, newpath, 0, "cannot create a temporary file: %s",
                            strerror(errno));
    int in = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    struct archive *a = archive_read_new(), *w = archive_write_new();
    int rc = VG_OK;
    if (in < 0 || !a || !w) {
        rc = vg_error_set(err, VG_EIO, path, 0, "cannot read the archive again");
        goto done;
    }
    archive_read_support_format_tar(a);
    archive_read_support_filter_none(a);
    archive_write_set_format_pax_restricted(w);
    if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK ||
        archive_write_open_fd(w, out) != ARCHIVE_OK) {
        rc = vg_error_set(err, VG_EIO, path, 0, "cannot copy the archive: %s",
                          archive_error_string(a));
        goto done;
    }
    struct archive_entry *e;
    size_t idx = 0;
    char *buf = malloc(65536);
    if (!buf) {
        rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
        goto done;
    }
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            rc = vg_error_set(err, VG_ECHANGED, path, 0, "changed since it was read: %s",
                              archive_error_string(a));
            break;
        }
        const char *name = archive_entry_pathname(e);
        if (archive_entry_filetype(e) == AE_IFDIR) {
            if (archive_write_header(w, e) != ARCHIVE_OK)
                rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", archive_error_string(w));
            if (rc != VG_OK)
                break;
            continue;
        }
        if (!name || idx >= o->n_names || strcmp(name, o->names[idx]) != 0 ||
            archive_entry_filetype(e) != AE_IFREG) {
            rc = vg_error_set(err, VG_ECHANGED, path, 0, "changed since it was read; not copied");
            break;
        }
        idx++;
        const char *repl = NULL;
        size_t repl_len = 0;
        if (strcmp(name, o->ovf_name) == 0) {
            repl = ovf;
            repl_len = ovf_len;
        } else if (o->mf_name && strcmp(name, o->mf_name) == 0) {
            repl = mf;
            repl_len = mf_len;
        }
        if (repl)
            archive_entry_set_size(e, (la_int64_t)repl_len);
        if (archive_write_header(w, e) != ARCHIVE_OK) {
            rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", archive_error_string(w));
            break;
        }
        if (repl) {
            if (archive_write_data(w, repl, repl_len) != (la_ssize_t)repl_len)
                rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", archive_error_string(w));
            if (rc != VG_OK)
                break;
            continue;
        }
        for (;;) {
            la_ssize_t got = archive_read_data(a, buf, 65536);
            if (got < 0) {
                rc = vg_error_set(err, VG_EIO, path, 0, "member %s: %s", name,
                                  archive_error_string(a));
                break;
            }
            if (got == 0)
                break;
            if (archive_write_data(w, buf, (size_t)got) != got) {
                rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", archive_error_string(w));
                break;
            }
        }
        if (rc != VG_OK)
            break;
    }
    free(buf);
    if (rc == VG_OK && idx != o->n_names)
        rc = vg_error_set(err, VG_ECHANGED, path, 0, "changed since it was read; not copied");
    if (rc == VG_OK && archive_write_close(w) != ARCHIVE_OK)
        rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", archive_error_string(w));
done:
    if (a)
        archive_read_free(a);
    if (w)
        archive_write_free(w);
    if (in >= 0)
        close(in);
    if (rc == VG_OK && (fchmod(out, 0644) != 0 || fsync(out) != 0))
        rc = vg_error_set(err, VG_EIO, newpath, 0, "%s", strerror(errno));
    close(out);
    if (rc == VG_OK && link(tmp, newpath) != 0)
        rc = vg_error_set(err, errno == EEXIST ? VG_EUSAGE : VG_EIO, newpath, 0, "%s",
                          errno == EEXIST ? "exists already; move it away to write a new one"
                                          : strerror(errno));
    unlink(tmp);
    if (rc == VG_OK)
        fsync_dir_of(newpath);
    return rc;
}

/* "dir/x.ova" -> "dir/x.vmxguard.ova". */
static char *new_ova_name(const char *path)
{
    size_t n = strlen(path);
    char *s = malloc(n + 16);
    if (s)
        snprintf(s, n + 16, "%.*s.vmxguard.ova", (int)(n - 4), path);
    return s;
}

static char *append_diff(char *a, char *b)
{
    if (!a || !b) {
        free(a);
        free(b);
        return NULL;
    }
    size_t la = strlen(a), lb = strlen(b);
    char *r = realloc(a, la + lb + 1);
    if (!r) {
        free(a);
        free(b);
        return NULL;
    }
    memcpy(r + la, b, lb + 1);
    free(b);
    return r;
}

int vg_fix_apply_ovf(const char *path, vg_template_kind kind, vg_fix_vm *const *fvs, size_t n,
                     const vg_fix_apply_opts *opts, vg_fix_outcome *out, vg_error *err)
{
    tmpl_ova o = {0};
    int rc;
    char docname[1100], mfname[1100];
    if (kind == VG_TEMPLATE_OVA) {
        rc = vg_tmpl_ova_open(path, &o, err);
        if (rc != VG_OK)
            return rc;
        snprintf(docname, sizeof docname, "%s/%s", path, o.ovf_name);
        snprintf(mfname, sizeof mfname, "%s/%s", path, o.mf_name ? o.mf_name : "");
    } else {
        rc = vg_tmpl_read_file(path, &o.ovf, &o.ovf_len, err);
        if (rc != VG_OK)
            return rc;
        snprintf(docname, sizeof docname, "%s", path);
        size_t pl = strlen(path);
        snprintf(mfname, sizeof mfname, "%.*s.mf", (int)(pl > 4 ? pl - 4 : pl), path);
        struct stat st;
        if (lstat(mfname, &st) == 0) {
            rc = vg_tmpl_read_file(mfname, &o.mf, &o.mf_len, err);
            const char *base = strrchr(path, '/');
            if (rc == VG_OK && !(o.ovf_name = strdup(base ? base + 1 : path)))
                rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
        } else if (!(o.ovf_name = strdup(strrchr(path, '/') ? strrchr(path, '/') + 1 : path))) {
            rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
        }
        if (rc != VG_OK) {
            vg_tmpl_ova_release(&o);
            return rc;
        }
    }
    char *ovf = NULL, *mf = NULL;
    size_t ovf_len = 0, mf_len = 0;
    rc = ovf_text(o.ovf, o.ovf_len, docname, fvs, n, &ovf, &ovf_len, out, err);
    if (rc == VG_OK && o.mf)
        rc = manifest_text(o.mf, o.mf_len, mfname, o.ovf_name, ovf, ovf_len, &mf, &mf_len, err);
    if (rc == VG_OK) {
        int color = opts && opts->color;
        out->changed = ovf_len != o.ovf_len || memcmp(ovf, o.ovf, ovf_len) != 0;
        out->diff = vg_fix_diff(o.ovf, o.ovf_len, ovf, ovf_len, docname, docname, color);
        if (mf && out->diff)
            out->diff = append_diff(out->diff,
                                    vg_fix_diff(o.mf, o.mf_len, mf, mf_len, mfname, mfname, color));
        if (!out->diff)
            rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    if (rc == VG_OK && out->changed && !(opts && opts->dry_run)) {
        if (kind == VG_TEMPLATE_OVA) {
            char *np = new_ova_name(path);
            rc = np ? write_ova(path, np, &o, ovf, ovf_len, mf, mf_len, err)
                    : vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
            if (rc == VG_OK) {
                char note[2400];
                snprintf(note, sizeof note,
                         "%s: the fixed appliance is %s (the original is left "
                         "as it was)",
                         path, np);
                free(out->note);
                out->note = strdup(note);
            }
            free(np);
        } else {
            rc = vg_fix_write_bytes(path, o.ovf, o.ovf_len, ovf, ovf_len, opts, out, err);
            if (rc == VG_OK && mf) {
                vg_fix_outcome mo = {0};
                rc = vg_fix_write_bytes(mfname, o.mf, o.mf_len, mf, mf_len, opts, &mo, err);
            }
        }
    }
    free(ovf);
    free(mf);
    vg_tmpl_ova_release(&o);
    return rc;
}
