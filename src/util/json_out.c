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
#include <string.h>

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

/* Bytes a sequence starting with c needs before it can be judged: an
 * active character is DEL or lies below U+2070 (two or three bytes). */
static size_t needed(unsigned char c)
{
    return c == 0x7F ? 1 : c == 0xC2 || c == 0xD8 ? 2 : c == 0xE2 ? 3 : 0;
}

/* The n bytes at p, with an active character at their start written as
 * jansson's own \u spelling; returns the bytes consumed. */
static size_t put_one(struct sink *s, const unsigned char *p, size_t n)
{
    uint32_t cp;
    size_t len = vg_term_active_len(p, n, &cp);
    if (!len) {
        put(s, p, 1);
        return 1;
    }
    char esc[8];
    snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
    put(s, esc, 6);
    return len;
}

static int filter(const char *buffer, size_t size, void *data)
{
    struct sink *s = data;
    const unsigned char *p = (const unsigned char *)buffer, *end = p + size;
    while (s->ncarry && p < end) {
        s->carry[s->ncarry++] = *p++;
        if (s->ncarry == s->need) {
            for (size_t i = 0; i < s->ncarry;)
                i += put_one(s, s->carry + i, s->ncarry - i);
            s->ncarry = 0;
        }
    }
    const unsigned char *run = p;
    while (p < end) {
        size_t n = needed(*p);
        if (!n) {
            p++;
            continue;
        }
        put(s, run, (size_t)(p - run));
        if ((size_t)(end - p) < n) { /* jansson cut the sequence: finish it next time */
            s->ncarry = (size_t)(end - p);
            s->need = n;
            memcpy(s->carry, p, s->ncarry);
            return s->failed ? -1 : 0;
        }
        p += put_one(s, p, n);
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
