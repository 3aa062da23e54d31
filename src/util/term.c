/*
 * Escaping for the terminal (term.h says what and why).  UTF-8 is decoded
 * strictly (no overlong forms, no surrogates, nothing past U+10FFFF), so a
 * C1 control cannot hide in an overlong sequence and reach a terminal that
 * decodes leniently.
 */
#include <stdint.h>
#include <string.h>

#include "util/term.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 when p does not start one. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        *cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    *cp = (*cp << 6) | (p[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    return len;
}

/* Code points a terminal or a bidi-aware renderer acts on. */
int vg_term_active_cp(uint32_t cp)
{
    static const struct {
        uint32_t lo, hi;
    } ranges[] = {
        {0x0080, 0x009F}, /* C1 controls (CSI, OSC, NEL ...) */
        {0x061C, 0x061C}, /* arabic letter mark */
        {0x200E, 0x200F}, /* left-to-right / right-to-left mark */
        {0x2028, 0x2029}, /* line and paragraph separators */
        {0x202A, 0x202E}, /* bidi embeddings and overrides */
        {0x2066, 0x2069}, /* bidi isolates */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (cp >= ranges[i].lo && cp <= ranges[i].hi)
            return 1;
    }
    return 0;
}

size_t vg_term_active_len(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (!n)
        return 0;
    if (p[0] == 0x7F) {
        *cp = 0x7F;
        return 1;
    }
    size_t len = p[0] >= 0x80 ? utf8_seq(p, n, cp) : 0;
    return len && vg_term_active_cp(*cp) ? len : 0;
}

static int byte_kept(unsigned char c, unsigned flags)
{
    if (c == '\n')
        return flags & VG_TERM_KEEP_NL;
    if (c == '\t')
        return flags & VG_TERM_KEEP_TAB;
    return c >= 0x20 && c != 0x7F;
}

static const char hex[] = "0123456789ABCDEF";

static void add_byte_escape(vg_buf *out, unsigned char c)
{
    static const struct {
        unsigned char c;
        const char *esc;
    } named[] = {{'\t', "\\t"}, {'\n', "\\n"}, {'\r', "\\r"}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (named[i].c == c) {
            vg_buf_adds(out, named[i].esc);
            return;
        }
    }
    char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    vg_buf_add(out, e, 4);
}

static void add_cp_escape(vg_buf *out, uint32_t cp)
{
    char e[6] = {'\\',        'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                 hex[cp & 15]};
    vg_buf_add(out, e, 6);
}

/* Bytes from p that need no escape. */
static size_t clean_run(const unsigned char *p, size_t n, unsigned flags)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (!byte_kept(c, flags))
                break;
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_seq(p + i, n - i, &cp);
        if (!len || vg_term_active_cp(cp))
            break;
        i += len;
    }
    return i;
}

void vg_term_escape(vg_buf *out, const char *s, size_t len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    size_t i = 0;
    while (i < len) {
        size_t run = clean_run(p + i, len - i, flags);
        vg_buf_add(out, p + i, run);
        i += run;
        if (i >= len)
            break;
        uint32_t cp;
        size_t n = p[i] >= 0x80 ? utf8_seq(p + i, len - i, &cp) : 0;
        if (n) {
            add_cp_escape(out, cp);
            i += n;
        } else {
            add_byte_escape(out, p[i]);
            i++;
        }
    }
}

int vg_term_is_clean(const char *s, size_t len, unsigned flags)
{
    return !s || clean_run((const unsigned char *)s, len, flags) == len;
}

char *vg_term_escape_dup(const char *s, size_t len, unsigned flags)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_grow(&b, len);
    vg_term_escape(&b, s, len, flags);
    return vg_buf_detach(&b);
}

const char *vg_term_str(vg_buf *scratch, const char *s, unsigned flags)
{
    if (!s)
        return "";
    size_t len = strlen(s);
    if (vg_term_is_clean(s, len, flags))
        return s;
    vg_buf_reset(scratch);
    vg_term_escape(scratch, s, len, flags);
    return scratch->data;
}
