/*
 * The XML plumbing of the XML formats (junit, xccdf, ckl, html): libxml2's
 * xmlTextWriter does the escaping; this file adds the text clean-up that
 * keeps output well-formed whatever bytes a .vmx held, and sticky errors so
 * writers stay readable.  Also small lookups the STIG formats share.
 */
#include <fcntl.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "util/term.h"

static int xw_setup(xw *x, xmlOutputBufferPtr out)
{
    x->w = out ? xmlNewTextWriter(out) : NULL;
    if (!x->w) {
        if (out)
            xmlOutputBufferClose(out);
        x->failed = 1;
        return -1;
    }
    xmlTextWriterSetIndent(x->w, 1);
    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ");
    if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0)
        x->failed = 1;
    return x->failed ? -1 : 0;
}

int vg_xw_open_file(xw *x, FILE *f)
{
    x->fragment = 0;
    x->owned = NULL;
    x->failed = 0;
    return xw_setup(x, xmlOutputBufferCreateFile(f, NULL));
}

/* No XML declaration and no indentation: an HTML page or a part of one. */
int vg_xw_open_fragment(xw *x, FILE *f)
{
    x->owned = NULL;
    x->failed = 0;
    x->fragment = 1;
    x->w = xmlNewTextWriter(xmlOutputBufferCreateFile(f, NULL));
    if (!x->w)
        x->failed = 1;
    return x->failed ? -1 : 0;
}

int vg_xw_open_path(xw *x, const char *path)
{
    x->failed = 0;
    x->fragment = 0;
    /* 0600 on create whatever the umask: checklists name VMs and settings */
    vg_error ignored; /* the writer reports "cannot write" with the path */
    int fd = vg_output_create(path, 0, &ignored);
    x->owned = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !x->owned)
        close(fd);
    if (!x->owned) {
        x->w = NULL;
        x->failed = 1;
        return -1;
    }
    return xw_setup(x, xmlOutputBufferCreateFile(x->owned, NULL));
}

int vg_xw_close(xw *x)
{
    if (!x->w) {
        if (x->owned)
            fclose(x->owned);
        x->owned = NULL;
        return -1;
    }
    if (!x->fragment && xmlTextWriterEndDocument(x->w) < 0)
        x->failed = 1;
    if (xmlTextWriterFlush(x->w) < 0)
        x->failed = 1;
    xmlFreeTextWriter(x->w); /* closes the output buffer, not the FILE under it */
    x->w = NULL;
    if (x->owned && fclose(x->owned) != 0)
        x->failed = 1;
    x->owned = NULL;
    return x->failed ? -1 : 0;
}

void vg_xw_start(xw *x, const char *name)
{
    if (!x->failed && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
        x->failed = 1;
}

void vg_xw_end(xw *x)
{
    if (!x->failed && xmlTextWriterEndElement(x->w) < 0)
        x->failed = 1;
}

/* Where the next character a terminal acts on starts in the UTF-8 text s
 * (vg_term_active_len: DEL, C1 controls, bidi marks and overrides, line
 * and paragraph separators), with its code point and length; NULL if none. */
static const char *next_active(const char *s, uint32_t *cp, size_t *len)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* the NUL ends any sequence: decoding stops at it */
        if ((*p == 0x7F || *p >= 0xC2) && (*len = vg_term_active_len(p, (size_t)-1, cp)))
            return (const char *)p;
    }
    return NULL;
}

/* Text (or an attribute value) with every active character written as a
 * character reference: XML allows them, but raw they drive the terminal of
 * whoever reads the file, and a reference is the same character to every
 * XML reader.  Clean text, the common case, is one libxml2 call. */
static int write_text(xw *x, const char *clean)
{
    uint32_t cp;
    size_t len;
    const char *at = next_active(clean, &cp, &len);
    if (!at)
        return xmlTextWriterWriteString(x->w, BAD_CAST clean) < 0 ? -1 : 0;
    vg_buf seg = VG_BUF_INIT;
    int rc = 0;
    for (const char *s = clean; rc == 0 && *s; at = next_active(s, &cp, &len)) {
        const char *stop = at ? at : s + strlen(s);
        vg_buf_reset(&seg);
        vg_buf_add(&seg, s, (size_t)(stop - s));
        if (seg.oom || (seg.len && xmlTextWriterWriteString(x->w, BAD_CAST seg.data) < 0))
            rc = -1;
        if (!at)
            break;
        char ref[16];
        int n = snprintf(ref, sizeof ref, "&#x%X;", (unsigned)cp);
        if (rc == 0 && xmlTextWriterWriteRawLen(x->w, BAD_CAST ref, n) < 0)
            rc = -1;
        s = at + len;
    }
    vg_buf_release(&seg);
    return rc;
}

void vg_xw_attr(xw *x, const char *name, const char *value)
{
    if (x->failed || !value)
        return;
    char *clean = vg_report_xml_text(value);
    if (!clean || xmlTextWriterStartAttribute(x->w, BAD_CAST name) < 0 ||
        write_text(x, clean) < 0 || xmlTextWriterEndAttribute(x->w) < 0)
        x->failed = 1;
    free(clean);
}

void vg_xw_attrf(xw *x, const char *name, const char *fmt, ...)
{
    vg_buf b = VG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom)
        x->failed = 1;
    else
        vg_xw_attr(x, name, b.data);
    vg_buf_release(&b);
}

void vg_xw_text(xw *x, const char *text)
{
    if (x->failed || !text || !*text)
        return;
    char *clean = vg_report_xml_text(text);
    if (!clean || write_text(x, clean) < 0)
        x->failed = 1;
    free(clean);
}

/* Always <X></X>, never <X/>: what STIG Viewer writes and some readers expect. */
void vg_xw_elem(xw *x, const char *name, const char *text)
{
    vg_xw_start(x, name);
    vg_xw_text(x, text);
    if (!x->failed && xmlTextWriterFullEndElement(x->w) < 0)
        x->failed = 1;
}

void vg_xw_end_full(xw *x)
{
    if (!x->failed && xmlTextWriterFullEndElement(x->w) < 0)
        x->failed = 1;
}

void vg_xw_raw(xw *x, const char *text, size_t len)
{
    if (!x->failed && len && xmlTextWriterWriteRawLen(x->w, BAD_CAST text, (int)len) < 0)
        x->failed = 1;
}

void vg_xw_comment(xw *x, const char *text)
{
    /* "--" may not appear in a comment: callers pass fixed text only. */
    if (!x->failed && xmlTextWriterWriteComment(x->w, BAD_CAST text) < 0)
        x->failed = 1;
}

const char *vg_report_ref_matching(const vg_profile_rule *pr, const char *prefix,
                                   const char *suffix)
{
    size_t pl = strlen(prefix), sl = suffix ? strlen(suffix) : 0;
    for (size_t i = 0; pr && pr->refs && pr->refs[i]; i++) {
        const char *r = pr->refs[i];
        size_t n = strlen(r);
        if (n > pl + sl && strncmp(r, prefix, pl) == 0 &&
            (!suffix || strcmp(r + n - sl, suffix) == 0))
            return r;
    }
    return NULL;
}

char *vg_report_path(const char *dir, const char *name)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, dir);
    if (b.len && b.data[b.len - 1] != '/')
        vg_buf_addc(&b, '/');
    vg_buf_adds(&b, name);
    return vg_buf_detach(&b);
}
