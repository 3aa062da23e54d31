/*
 * One literal per target language for arbitrary text (VM names, keys,
 * values).  Each function is the only way the emitters put data into a
 * script, and tests/unit/fix/test_quote.c plus the emit CLI test throw a
 * list of hostile names at them.
 */
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"

/* POSIX sh: inside single quotes nothing is special but the quote itself. */
char *vg_fix_quote_sh(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_addc(&b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            vg_buf_adds(&b, "'\\''");
        else
            vg_buf_addc(&b, *s);
    }
    vg_buf_addc(&b, '\'');
    return b.oom ? (vg_buf_release(&b), NULL) : vg_buf_detach(&b);
}

/* PowerShell treats U+2018..U+201B like ' and closes a single-quoted string
 * on any of them; doubling the very character keeps it literal. */
static size_t ps_quote_len(const unsigned char *s)
{
    if (*s == '\'')
        return 1;
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x98 && s[2] <= 0x9B)
        return 3;
    return 0;
}

char *vg_fix_quote_ps(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_addc(&b, '\'');
    while (*s) {
        size_t q = ps_quote_len((const unsigned char *)s);
        if (q) {
            vg_buf_add(&b, s, q);
            vg_buf_add(&b, s, q);
            s += q;
        } else {
            vg_buf_addc(&b, *s++);
        }
    }
    vg_buf_addc(&b, '\'');
    return b.oom ? (vg_buf_release(&b), NULL) : vg_buf_detach(&b);
}

/* Length of a valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (s[0] >= 0xF5)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return n;
}

/* YAML double-quoted scalar: escapes for '"', '\', controls and the line
 * separators YAML would fold (NEL, LS, PS); invalid UTF-8 bytes become \xNN. */
char *vg_fix_quote_yaml(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    vg_buf_addc(&b, '"');
    while (*p) {
        size_t n = utf8_len(p);
        if (*p == '"' || *p == '\\') {
            vg_buf_addc(&b, '\\');
            vg_buf_addc(&b, (char)*p);
        } else if (*p < 0x20 || *p == 0x7F || n == 0) {
            vg_buf_printf(&b, "\\x%02X", *p);
            n = 1;
        } else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            vg_buf_printf(&b, "\\u%04X", p[1]); /* NEL and C1 controls */
        } else if (n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            vg_buf_adds(&b, p[2] == 0xA8 ? "\\L" : "\\P");
        } else if (n == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
            vg_buf_adds(&b, "\\uFEFF");
        } else {
            vg_buf_add(&b, p, n);
        }
        p += n ? n : 1;
    }
    vg_buf_addc(&b, '"');
    return b.oom ? (vg_buf_release(&b), NULL) : vg_buf_detach(&b);
}

/* HCL quoted template: backslash escapes, and ${ / %{ doubled so that no
 * interpolation or directive starts inside a name. */
char *vg_fix_quote_hcl(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    vg_buf_addc(&b, '"');
    for (; *p; p++) {
        if (*p == '"' || *p == '\\') {
            vg_buf_addc(&b, '\\');
            vg_buf_addc(&b, (char)*p);
        } else if (*p == '\n') {
            vg_buf_adds(&b, "\\n");
        } else if (*p == '\r') {
            vg_buf_adds(&b, "\\r");
        } else if (*p == '\t') {
            vg_buf_adds(&b, "\\t");
        } else if (*p < 0x20 || *p == 0x7F) {
            vg_buf_printf(&b, "\\u%04X", *p);
        } else if ((*p == '$' || *p == '%') && p[1] == '{') {
            vg_buf_addc(&b, (char)*p);
            vg_buf_addc(&b, (char)*p);
        } else {
            vg_buf_addc(&b, (char)*p);
        }
    }
    vg_buf_addc(&b, '"');
    return b.oom ? (vg_buf_release(&b), NULL) : vg_buf_detach(&b);
}

/* Comments end at any line break a reader knows: C0 controls, and for YAML
 * also NEL, LS and PS, so those become '?' too. */
void vg_fix_add_comment_text(vg_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F) {
            vg_buf_addc(b, '?');
            p++;
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) {
            vg_buf_addc(b, '?');
            p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            vg_buf_addc(b, '?');
            p += 3;
        } else {
            vg_buf_addc(b, (char)*p++);
        }
    }
}
