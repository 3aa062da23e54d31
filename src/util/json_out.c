/*
 * JSON for files a person may `cat`: jansson escapes only what JSON must
 * (quote, backslash, C0 controls), so DEL, C1 controls, bidi overrides and
 * the line and paragraph separators from a hostile .vmx value or server reply
 * reach the file raw and drive the terminal that shows it.  These wrappers
 * dump through a filter that writes each of those characters as a \u
 * escape instead: still the same JSON value for every parser, and the
 * same set vg_term_escape makes visible.  Outside strings JSON is ASCII, so
 * rewriting the bytes of the dump is always safe.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/term.h"
#include "vmxguard/common.h"

struct sink {
    FILE *f; /* or */
    vg_buf *b;
    unsigned char carry[3]; /* a sequence the last chunk ended inside */
    size_t ncarry, need;
    int failed;
};

static void put(struct sink *s, const void *p, size_t n)
{
    if (!n || s->failed)
        return;
    if (s->f)
        s->failed = fwrite(p, 1, n, s->f) != n;
    else
        vg_buf_add(s->b, p, n);
}

/* Bytes a UTF-8 sequence starting with c has, when it may encode an active
 * code point (all lie below U+2070: two or three bytes; DEL is one), else 0. */
static size_t candidate_len(unsigned char c)
{
    if (c == 0x7F)
        return 1;
    if (c == 0xC2 || c == 0xD8)
        return 2;
    if (c == 0xE2)
        return 3;
    return 0;
}

/* One complete candidate sequence: its \u escape or its bytes. */
static void put_seq(struct sink *s, const unsigned char *p, size_t n)
{
    uint32_t cp =
        n == 1   ? p[0]
        : n == 2 ? (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F)
                 : (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    if (cp == 0x7F || vg_term_active_cp(cp)) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp); /* jansson's own spelling */
        put(s, esc, 6);
    } else {
        put(s, p, n);
    }
}

static int filter(const char *buffer, size_t size, void *data)
{
    struct sink *s = data;
    const unsigned char *p = (const unsigned char *)buffer, *end = p + size;
    while (s->ncarry && p < end) {
        s->carry[s->ncarry++] = *p++;
        if (s->ncarry == s->need) {
            put_seq(s, s->carry, s->ncarry);
            s->ncarry = 0;
        }
    }
    const unsigned char *run = p;
    while (p < end) {
        size_t n = candidate_len(*p);
        if (!n) {
            p++;
            continue;
        }
        put(s, run, (size_t)(p - run));
        if ((size_t)(end - p) < n) { /* jansson cut the sequence: finish it next time */
            s->ncarry = (size_t)(end - p);
            s->need = n;
            for (size_t i = 0; i < s->ncarry; i++)
                s->carry[i] = p[i];
            return s->failed ? -1 : 0;
        }
        put_seq(s, p, n);
        p += n;
        run = p;
    }
    put(s, run, (size_t)(p - run));
    return s->failed ? -1 : 0;
}

static int dump(const json_t *json, struct sink *s, size_t flags)
{
    int rc = json_dump_callback(json, filter, s, flags);
    put(s, s->carry, s->ncarry); /* only a truncated dump leaves one */
    return rc || s->failed ? -1 : 0;
}

int vg_json_dumpf(const json_t *json, FILE *f, size_t flags)
{
    struct sink s = {.f = f};
    return dump(json, &s, flags);
}

char *vg_json_dumps(const json_t *json, size_t flags)
{
    vg_buf b = VG_BUF_INIT;
    struct sink s = {.b = &b};
    if (dump(json, &s, flags) || b.oom) {
        vg_buf_release(&b);
        return NULL;
    }
    return vg_buf_detach(&b);
}
