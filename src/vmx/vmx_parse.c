/*
 * One pass over a .vmx buffer: split lines (LF, CRLF, lone CR), classify
 * each by the grammar of VMware's dictll.c, and record entries pointing into
 * a single working copy.  Nothing here allocates per line; every byte of the
 * input stays reachable so the document can be written back unchanged.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/grow.h"
#include "vmx/vmx_internal.h"

/* Zero bytes kept after a parsed document's text, so that the scanners below
 * may load whole 16-byte blocks near its end.  Scanning 16 bytes per step
 * instead of one halves the parser's instructions per byte. */
#define VMX_PAD 16

/* Bytes that end a key (dictll.c: names are anything but NUL, blanks, '#', '='). */
static const unsigned char key_stop[256] = {
    [0] = 1, [' '] = 1, ['\t'] = 1, ['#'] = 1, ['='] = 1, ['\r'] = 1, ['\n'] = 1,
};

static size_t skip_blanks(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

#ifdef __SSE2__
static __m128i load16(const char *s)
{
    return _mm_loadu_si128((const __m128i *)(const void *)s);
}

static unsigned eq16(__m128i v, char c)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* Bits of a 16-byte block that lie before n (the block starts at i < n). */
static unsigned in_line(size_t i, size_t n)
{
    return n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1;
}
#endif

/* End of the key starting at i: the first key_stop byte, or n.  avail: bytes
 * readable from s (>= n); whole blocks are read only within it. */
static size_t scan_key(const char *s, size_t i, size_t n, size_t avail)
{
#ifdef __SSE2__
    const __m128i blank = _mm_set1_epi8(0x20);
    for (; i < n && i + 16 <= avail; i += 16) {
        __m128i v = load16(s + i);
        /* every key_stop byte is '#', '=' or <= 0x20: a candidate, then the table */
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, blank), v));
        bits = (bits | eq16(v, '#') | eq16(v, '=')) & in_line(i, n);
        for (; bits; bits &= bits - 1) {
            size_t j = i + (size_t)__builtin_ctz(bits);
            if (key_stop[(unsigned char)s[j]])
                return j;
        }
    }
    if (i > n)
        return n;
#else
    (void)avail;
#endif
    while (i < n && !key_stop[(unsigned char)s[i]])
        i++;
    return i;
}

/* First '"' at or after i, or n; *bar is set when a '|' comes before it. */
static size_t scan_quote(const char *s, size_t i, size_t n, size_t avail, int *bar)
{
#ifdef __SSE2__
    for (; i < n && i + 16 <= avail; i += 16) {
        __m128i v = load16(s + i);
        unsigned keep = in_line(i, n), q = eq16(v, '"') & keep, b = eq16(v, '|') & keep;
        if (q) {
            *bar |= (b & ((q & (0u - q)) - 1)) != 0;
            return i + (size_t)__builtin_ctz(q);
        }
        *bar |= b != 0;
    }
    if (i > n)
        return n;
#else
    (void)avail;
#endif
    while (i < n && s[i] != '"')
        *bar |= s[i++] == '|';
    return i;
}

/* End of a bare value: the first blank or '#', or n; *bar as above. */
static size_t scan_bare(const char *s, size_t i, size_t n, size_t avail, int *bar)
{
#ifdef __SSE2__
    for (; i < n && i + 16 <= avail; i += 16) {
        __m128i v = load16(s + i);
        unsigned keep = in_line(i, n), b = eq16(v, '|') & keep;
        unsigned stop = (eq16(v, ' ') | eq16(v, '\t') | eq16(v, '#')) & keep;
        if (stop) {
            *bar |= (b & ((stop & (0u - stop)) - 1)) != 0;
            return i + (size_t)__builtin_ctz(stop);
        }
        *bar |= b != 0;
    }
    if (i > n)
        return n;
#else
    (void)avail;
#endif
    while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '#')
        *bar |= s[i++] == '|';
    return i;
}

/* The value after '=': quoted, bare token or empty; then only blanks and a comment. */
static int parse_value(const char *s, size_t i, size_t n, size_t avail, struct vmx_parsed *p)
{
    int bar = 0;
    if (i < n && s[i] == '"') {
        size_t j = scan_quote(s, i + 1, n, avail, &bar);
        if (j == n) {
            p->why = "unterminated quote";
            return VMX_WEIRD;
        }
        p->quoted = 1;
        p->val_off = i + 1;
        p->val_len = j - p->val_off;
        i = j + 1;
    } else {
        p->val_off = i;
        i = scan_bare(s, i, n, avail, &bar);
        p->val_len = i - p->val_off;
    }
    p->has_bar = bar;
    i = skip_blanks(s, i, n);
    if (i < n && s[i] != '#') {
        p->why = p->quoted ? "text after the closing quote" : "text after the value";
        return VMX_WEIRD;
    }
    return VMX_ENTRY;
}

static int parse_line(const char *s, size_t n, size_t avail, struct vmx_parsed *p)
{
    memset(p, 0, sizeof *p);
    size_t i = skip_blanks(s, 0, n);
    if (i == n)
        return VMX_BLANK;
    if (s[i] == '#')
        return VMX_COMMENT;
    p->key_off = i;
    i = scan_key(s, i, n, avail);
    p->key_len = i - p->key_off;
    if (p->key_len == 0) {
        p->why = "'=' without a key";
        return VMX_WEIRD;
    }
    i = skip_blanks(s, i, n);
    if (i == n || s[i] != '=') {
        p->why = "no '=' after the key";
        return VMX_WEIRD;
    }
    return parse_value(s, skip_blanks(s, i + 1, n), n, avail, p);
}

int vg_vmx_parse_line(const char *s, size_t n, struct vmx_parsed *p)
{
    return parse_line(s, n, n, p);
}

struct parse_state {
    vg_vmx_doc *doc;
    vg_buf values;
    vg_buf diag_text;
};

static int add_entry(struct parse_state *st, struct vmx_line *ln, const struct vmx_parsed *p,
                     size_t text_off, unsigned lineno)
{
    vg_vmx_doc *doc = st->doc;
    if (VG_GROW(doc->entries, doc->nentries, doc->cap_entries))
        return VG_ENOMEM;
    char *w = doc->work + text_off;
    struct vmx_entry *e = &doc->entries[doc->nentries];
    e->pub.key = w + p->key_off;
    w[p->key_off + p->key_len] = '\0';
    e->key_len = p->key_len;
    e->hash = vg_vmx_hash_key(e->pub.key, p->key_len);
    e->pub.raw = p->val_len ? w + p->val_off : "";
    if (p->val_len)
        w[p->val_off + p->val_len] = '\0';
    e->value_off = VMX_NO_VALUE_OFF;
    if (p->has_bar) {
        e->value_off = (uint32_t)st->values.len;
        if (vg_buf_grow(&st->values, p->val_len + 1))
            return VG_ENOMEM;
        size_t outlen;
        vg_vmx_unescape_into(e->pub.raw, p->val_len, st->values.data + st->values.len, &outlen);
        st->values.len += outlen + 1;
    }
    e->pub.value = e->pub.raw;
    e->pub.line = lineno;
    e->pub.quoted = (unsigned char)p->quoted;
    e->pub.duplicate = 0;
    e->line = doc->nlines;
    ln->entry = doc->nentries++;
    ln->val_off = p->val_off;
    ln->val_len = p->val_len;
    return 0;
}

/* Length of the line content at s and its line end.  has_cr: the document
 * holds a CR somewhere; most do not, and then one memchr per line is enough. */
static size_t line_end(const char *s, size_t rest, int has_cr, unsigned char *eol, size_t *eol_len)
{
    const char *nl = memchr(s, '\n', rest);
    size_t lim = nl ? (size_t)(nl - s) : rest;
    const char *cr = has_cr ? memchr(s, '\r', lim) : NULL;
    if (cr) {
        size_t n = (size_t)(cr - s);
        int crlf = n + 1 < rest && cr[1] == '\n';
        *eol = crlf ? VMX_EOL_CRLF : VMX_EOL_CR;
        *eol_len = crlf ? 2 : 1;
        return n;
    }
    *eol = nl ? VMX_EOL_LF : VMX_EOL_NONE;
    *eol_len = nl ? 1 : 0;
    return lim;
}

static int parse_lines(struct parse_state *st, vg_error *err)
{
    vg_vmx_doc *doc = st->doc;
    size_t len = doc->orig_len, pos = doc->bom ? 3 : 0;
    unsigned lineno = 0;
    int has_cr = memchr(doc->orig, '\r', len) != NULL;
    size_t guess = len / 40 + 16; /* typical .vmx lines are 30-50 bytes */
    if (VG_GROW_N(doc->lines, 0, doc->cap_lines, guess) ||
        VG_GROW_N(doc->entries, 0, doc->cap_entries, guess))
        return VG_ENOMEM;
    while (pos < len) {
        unsigned char eol;
        size_t eol_len, n = line_end(doc->orig + pos, len - pos, has_cr, &eol, &eol_len);
        lineno++;
        if (n > VG_VMX_MAX_LINE)
            return vg_error_set(err, VG_EINPUT, doc->name, lineno,
                                "line of %zu bytes is beyond the %u-byte line limit", n,
                                VG_VMX_MAX_LINE);
        if (VG_GROW(doc->lines, doc->nlines, doc->cap_lines))
            return VG_ENOMEM;
        struct vmx_line *ln = &doc->lines[doc->nlines];
        struct vmx_parsed p;
        ln->text = doc->orig + pos;
        ln->len = n;
        ln->eol = eol;
        ln->kind = (unsigned char)parse_line(ln->text, n, len + 1 + VMX_PAD - pos, &p);
        ln->entry = ln->val_off = ln->val_len = 0;
        if (ln->kind == VMX_ENTRY && add_entry(st, ln, &p, pos, lineno))
            return VG_ENOMEM;
        if (ln->kind == VMX_WEIRD)
            vg_vmx_diag_add(doc, &st->diag_text, VG_DIAG_WARNING, lineno, "unparsed-line",
                         "line not understood (%s); kept as it is", p.why);
        if (eol != VMX_EOL_NONE && doc->eol == VMX_EOL_NONE)
            doc->eol = eol;
        doc->final_eol_missing = eol == VMX_EOL_NONE;
        doc->nlines++;
        pos += n + eol_len;
    }
    return 0;
}

/* Values with |XX escapes were decoded into one arena; point entries at it. */
static void fix_values(struct parse_state *st)
{
    vg_vmx_doc *doc = st->doc;
    doc->values = vg_buf_detach(&st->values);
    for (size_t i = 0; i < doc->nentries; i++)
        if (doc->entries[i].value_off != VMX_NO_VALUE_OFF)
            doc->entries[i].pub.value = doc->values + doc->entries[i].value_off;
}

static unsigned line_of_offset(const char *data, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= off || data[i + 1] != '\n')))
            line++;
    return line;
}

static int check_input(const char *data, size_t len, const char *name, vg_error *err)
{
    if (!data && len)
        return vg_error_set(err, VG_EUSAGE, name, 0, "no data");
    if (len > VG_VMX_MAX_FILE)
        return vg_error_set(err, VG_EINPUT, name, 0,
                            "file of %zu bytes is beyond the %u-byte limit for a .vmx", len,
                            VG_VMX_MAX_FILE);
    const char *nul = len ? memchr(data, '\0', len) : NULL;
    if (nul) {
        size_t off = (size_t)(nul - data);
        return vg_error_set(err, VG_EINPUT, name, line_of_offset(data, off),
                            "binary content (NUL byte at offset %zu)", off);
    }
    return 0;
}

static int parse_into(vg_vmx_doc *doc, const char *data, size_t len, vg_error *err)
{
    doc->orig = malloc(len + 1 + VMX_PAD);
    doc->work = malloc(len + 1);
    if (!doc->orig || !doc->work)
        return vg_error_set(err, VG_ENOMEM, doc->name, 0, "out of memory");
    if (len) {
        memcpy(doc->orig, data, len);
        memcpy(doc->work, data, len);
    }
    doc->orig[len] = doc->work[len] = '\0';
    memset(doc->orig + len + 1, 0, VMX_PAD);
    doc->orig_len = len;
    doc->bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
    struct parse_state st = {doc, VG_BUF_INIT, VG_BUF_INIT};
    if (doc->bom)
        vg_vmx_diag_add(doc, &st.diag_text, VG_DIAG_WARNING, 1, "bom",
                     "UTF-8 byte order mark at the start; kept, but some VMware products "
                     "reject such files");
    int rc = parse_lines(&st, err);
    if (rc == 0) {
        fix_values(&st);
        rc = vg_vmx_index(doc, &st.diag_text, 1);
    }
    if (rc == 0)
        vg_vmx_check_encoding(doc, &st.diag_text);
    if (rc == 0 && (st.values.oom || st.diag_text.oom || !doc->values))
        rc = VG_ENOMEM;
    vg_vmx_diag_fix(doc, &st.diag_text);
    vg_buf_release(&st.values);
    if (rc == VG_ENOMEM)
        return vg_error_set(err, VG_ENOMEM, doc->name, 0, "out of memory");
    return rc;
}

int vg_vmx_doc_parse(const char *data, size_t len, const char *name, vg_vmx_doc **out,
                     vg_error *err)
{
    *out = NULL;
    if (!name)
        name = "<memory>";
    int rc = check_input(data, len, name, err);
    if (rc)
        return rc;
    vg_vmx_doc *doc = vg_vmx_doc_new(name);
    if (!doc)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    rc = parse_into(doc, data, len, err);
    if (rc) {
        vg_vmx_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}
