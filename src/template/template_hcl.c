/*
 * HCL2 native syntax (and JSON) into hcl_value trees with byte spans.
 *
 * Recursive descent straight over the bytes: a body is attributes
 * (`name = expr` up to the line end) and blocks (`type "label" { body }`);
 * an expression is parsed for its syntax (operands, traversals, calls,
 * operators, conditionals, templates, heredocs, for expressions) but only
 * literals, lists and objects keep a value.  All allocations come from one
 * arena freed with the file, so an error anywhere just unwinds.  Nesting is
 * bounded (VG_TEMPLATE_MAX_DEPTH) so hostile input cannot exhaust the stack.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template_hcl.h"
#include "util/buf.h"
#include "util/grow.h"
#include "vmxguard/template.h"

struct hcl_arena {
    struct hcl_arena *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
};

typedef struct hp {
    const char *s;
    size_t n, i;
    int json;
    unsigned depth;
    const char *name;
    hcl_file *f;
    vg_error *err;
    int failed;
} hp;

static void *aalloc(hp *p, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    struct hcl_arena *a = p->f->arena;
    if (!a || a->cap - a->used < size) {
        size_t cap = size > 65536 ? size : 65536;
        struct hcl_arena *na = malloc(sizeof *na + cap);
        if (!na) {
            p->failed = 1;
            vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
            return NULL;
        }
        na->next = a;
        na->used = 0;
        na->cap = cap;
        p->f->arena = a = na;
    }
    void *r = a->data + a->used;
    a->used += size;
    memset(r, 0, size);
    return r;
}

static char *astrndup(hp *p, const char *s, size_t n)
{
    char *r = aalloc(p, n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

unsigned vg_hcl_line_of(const hcl_file *f, size_t off)
{
    size_t lo = 0, hi = f->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return (unsigned)lo + 1;
}

static unsigned col_of(const hp *p, size_t off)
{
    unsigned line = vg_hcl_line_of(p->f, off);
    return (unsigned)(off - p->f->line_starts[line - 1]) + 1;
}

__attribute__((format(printf, 3, 4))) static int fail_at(hp *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = 1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (off > p->n)
        off = p->n;
    vg_error_set(p->err, VG_EINPUT, p->name, vg_hcl_line_of(p->f, off), "column %u: %s",
                 col_of(p, off), msg);
    return -1;
}

/* What is at off, for messages: "'}'", "end of file", "a line end". */
static const char *what_at(const hp *p, size_t off, char *buf, size_t size)
{
    if (off >= p->n)
        return "end of file";
    unsigned char c = (unsigned char)p->s[off];
    if (c == '\n' || c == '\r')
        return "a line end";
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, size, "'%c'", c);
    else
        snprintf(buf, size, "byte 0x%02x", c);
    return buf;
}

static int peek(const hp *p, size_t k)
{
    return p->i + k < p->n ? (unsigned char)p->s[p->i + k] : -1;
}

/* Spaces, tabs, comments; line ends too when nl is set.  A CR is only
 * whitespace before an LF. */
static int skip_ws(hp *p, int nl)
{
    while (p->i < p->n) {
        int c = peek(p, 0);
        if (c == ' ' || c == '\t') {
            p->i++;
        } else if (c == '\r' && peek(p, 1) == '\n') {
            if (!nl)
                return 0;
            p->i += 2;
        } else if (c == '\n') {
            if (!nl)
                return 0;
            p->i++;
        } else if (!p->json && (c == '#' || (c == '/' && peek(p, 1) == '/'))) {
            while (p->i < p->n && p->s[p->i] != '\n')
                p->i++;
            if (p->i > 0 && p->s[p->i - 1] == '\r' && p->i < p->n)
                p->i--; /* leave the CR LF for the caller */
        } else if (!p->json && c == '/' && peek(p, 1) == '*') {
            size_t start = p->i;
            const char *end = NULL;
            for (size_t k = p->i + 2; k + 1 < p->n; k++) {
                if (p->s[k] == '*' && p->s[k + 1] == '/') {
                    end = p->s + k;
                    break;
                }
            }
            if (!end)
                return fail_at(p, start, "unterminated /* comment");
            p->i = (size_t)(end - p->s) + 2;
        } else {
            return 0;
        }
    }
    return 0;
}

static int at_line_end(const hp *p)
{
    int c = peek(p, 0);
    return c == '\n' || (c == '\r' && peek(p, 1) == '\n') || c < 0;
}

static int is_id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_id_char(int c)
{
    return is_id_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* An identifier at p->i: its length (0 if none). */
static size_t ident_len(const hp *p)
{
    if (!is_id_start(peek(p, 0)))
        return 0;
    size_t k = 1;
    while (p->i + k < p->n && is_id_char((unsigned char)p->s[p->i + k]))
        k++;
    return k;
}

static hcl_value *new_value(hp *p, enum hcl_kind kind, size_t off)
{
    hcl_value *v = aalloc(p, sizeof *v);
    if (!v)
        return NULL;
    v->kind = kind;
    v->off = off;
    v->line = vg_hcl_line_of(p->f, off);
    v->col = col_of(p, off);
    return v;
}

/* Turn v into an unknown spanning [off, p->i). */
static hcl_value *make_unknown(hp *p, hcl_value *v, size_t off)
{
    if (!v && !(v = new_value(p, HCL_UNKNOWN, off)))
        return NULL;
    size_t n = p->i - off;
    v->kind = HCL_UNKNOWN;
    v->off = off;
    v->line = vg_hcl_line_of(p->f, off);
    v->col = col_of(p, off);
    v->end = p->i;
    v->items = NULL;
    v->n_items = 0;
    v->text = astrndup(p, p->s + off, n > 200 ? 200 : n);
    return v->text ? v : NULL;
}

/* A growable item list, copied into the arena when complete. */
typedef struct items {
    hcl_item *v;
    size_t n, cap;
} items;

static hcl_item *items_push(hp *p, items *l)
{
    if (VG_GROW(l->v, l->n, l->cap) != 0) {
        p->failed = 1;
        vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
        return NULL;
    }
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    return &l->v[l->n++];
}

static hcl_item *items_keep(hp *p, items *l)
{
    hcl_item *r = NULL;
    if (l->n && (r = aalloc(p, l->n * sizeof *r)))
        memcpy(r, l->v, l->n * sizeof *r);
    free(l->v);
    l->v = NULL;
    return r;
}

static hcl_value *parse_expr(hp *p, int nl);

static int enter(hp *p)
{
    if (++p->depth > VG_TEMPLATE_MAX_DEPTH)
        return fail_at(p, p->i, "nesting deeper than %u levels", VG_TEMPLATE_MAX_DEPTH);
    return 0;
}

static void put_utf8(vg_buf *b, uint32_t cp)
{
    if (cp < 0x80) {
        vg_buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        vg_buf_addc(b, (char)(0xC0 | (cp >> 6)));
        vg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        vg_buf_addc(b, (char)(0xE0 | (cp >> 12)));
        vg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        vg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        vg_buf_addc(b, (char)(0xF0 | (cp >> 18)));
        vg_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        vg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        vg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

static int read_hex(hp *p, size_t at, unsigned digits, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned k = 0; k < digits; k++) {
        int c = at + k < p->n ? (unsigned char)p->s[at + k] : -1;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* One backslash escape at p->i (the backslash). */
static int escape(hp *p, vg_buf *b)
{
    size_t at = p->i;
    int c = peek(p, 1);
    static const char simple[] = "n\nr\rt\t\"\"\\\\";
    for (size_t k = 0; simple[k]; k += 2) {
        if (c == simple[k]) {
            vg_buf_addc(b, simple[k + 1]);
            p->i += 2;
            return 0;
        }
    }
    if (p->json && (c == '/' || c == 'b' || c == 'f')) {
        vg_buf_addc(b, c == '/' ? '/' : c == 'b' ? '\b' : '\f');
        p->i += 2;
        return 0;
    }
    unsigned digits = c == 'u' ? 4 : c == 'U' && !p->json ? 8 : 0;
    uint32_t cp;
    if (!digits || read_hex(p, at + 2, digits, &cp) != 0)
        return fail_at(p, at, "invalid escape sequence in a string");
    p->i += 2 + digits;
    if (p->json && cp >= 0xD800 && cp <= 0xDBFF && peek(p, 0) == '\\' && peek(p, 1) == 'u') {
        uint32_t lo;
        if (read_hex(p, p->i + 2, 4, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p->i += 6;
        }
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    put_utf8(b, cp);
    return 0;
}

/* Skip an interpolation or directive body after "${" / "%{": balanced
 * braces, quoted strings inside skipped whole.  p->i ends after the '}'. */
static int skip_template_seq(hp *p, size_t start)
{
    unsigned depth = 1;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '"') {
            p->i++;
            while (p->i < p->n && p->s[p->i] != '"' && p->s[p->i] != '\n')
                p->i += p->s[p->i] == '\\' ? 2 : 1;
            if (p->i >= p->n || p->s[p->i] == '\n')
                return fail_at(p, start, "unterminated string inside an interpolation");
            p->i++;
            continue;
        }
        p->i++;
        if (c == '{' && ++depth > VG_TEMPLATE_MAX_DEPTH)
            return fail_at(p, start, "nesting deeper than %u levels", VG_TEMPLATE_MAX_DEPTH);
        if (c == '}' && --depth == 0)
            return 0;
    }
    return fail_at(p, start, "unterminated interpolation");
}

/* Template text [p->i, stop): decode into b; sets *dynamic on ${ } / %{ }.
 * quoted: a "..." string (escapes, ends at '"'); else heredoc content. */
static int template_text(hp *p, size_t stop, int quoted, vg_buf *b, int *dynamic)
{
    while (p->i < stop) {
        char c = p->s[p->i];
        if (quoted && c == '"')
            return 0;
        if (quoted && c == '\n')
            return fail_at(p, p->i, "unterminated string (a line end inside quotes)");
        if (quoted && c == '\\') {
            if (escape(p, b) != 0)
                return -1;
            continue;
        }
        if (!p->json && (c == '$' || c == '%') && p->i + 1 < stop && p->s[p->i + 1] == '{') {
            size_t start = p->i;
            p->i += 2;
            if (skip_template_seq(p, start) != 0)
                return -1;
            *dynamic = 1;
            continue;
        }
        if (!p->json && (c == '$' || c == '%') && p->i + 2 < stop && p->s[p->i + 1] == c &&
            p->s[p->i + 2] == '{') {
            vg_buf_addc(b, c);
            vg_buf_addc(b, '{');
            p->i += 3;
            continue;
        }
        if (quoted && (unsigned char)c < 0x20 && c != '\t')
            return fail_at(p, p->i, "control character 0x%02x in a string", (unsigned char)c);
        vg_buf_addc(b, c);
        p->i++;
    }
    return quoted ? fail_at(p, p->i, "unterminated string") : 0;
}

static hcl_value *finish_string(hp *p, size_t off, vg_buf *b, int dynamic)
{
    hcl_value *v = NULL;
    if (b->oom) {
        p->failed = 1;
        vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
    } else if (dynamic) {
        v = make_unknown(p, NULL, off);
    } else if ((v = new_value(p, HCL_STRING, off))) {
        v->end = p->i;
        if (!(v->text = astrndup(p, b->data, b->len)))
            v = NULL;
    }
    vg_buf_release(b);
    return v;
}

static hcl_value *parse_quoted(hp *p)
{
    size_t off = p->i++;
    vg_buf b = VG_BUF_INIT;
    int dynamic = 0;
    if (template_text(p, p->n, 1, &b, &dynamic) != 0) {
        vg_buf_release(&b);
        return NULL;
    }
    p->i++; /* the closing quote */
    return finish_string(p, off, &b, dynamic);
}

/* <<EOF / <<-EOF heredoc.  Content lines up to a line holding only the
 * marker (blanks around it allowed); <<- strips the common indentation. */
static hcl_value *parse_heredoc(hp *p)
{
    size_t off = p->i;
    p->i += 2;
    int indent = peek(p, 0) == '-';
    if (indent)
        p->i++;
    size_t mlen = ident_len(p);
    if (!mlen) {
        fail_at(p, p->i, "a heredoc needs a marker name after <<");
        return NULL;
    }
    const char *marker = p->s + p->i;
    p->i += mlen;
    if (p->i < p->n && p->s[p->i] == '\r')
        p->i++;
    if (p->i >= p->n || p->s[p->i] != '\n') {
        fail_at(p, p->i, "a heredoc marker must end its line");
        return NULL;
    }
    p->i++;
    size_t body = p->i, body_end = 0, after = 0;
    for (size_t ls = body; ls < p->n;) {
        const char *nl = memchr(p->s + ls, '\n', p->n - ls);
        size_t le = nl ? (size_t)(nl - p->s) : p->n;
        size_t a = ls, z = le;
        while (a < z && (p->s[a] == ' ' || p->s[a] == '\t'))
            a++;
        while (z > a && (p->s[z - 1] == ' ' || p->s[z - 1] == '\t' || p->s[z - 1] == '\r'))
            z--;
        if (z - a == mlen && memcmp(p->s + a, marker, mlen) == 0) {
            body_end = ls;
            after = z;
            break;
        }
        if (!nl)
            break;
        ls = le + 1;
    }
    if (!after) {
        fail_at(p, off, "heredoc <<%.*s has no closing %.*s line", (int)(mlen > 60 ? 60 : mlen),
                marker, (int)(mlen > 60 ? 60 : mlen), marker);
        return NULL;
    }
    /* the smallest indentation of non-blank lines, for <<- */
    size_t strip = SIZE_MAX;
    for (size_t ls = body; indent && ls < body_end;) {
        const char *nl = memchr(p->s + ls, '\n', body_end - ls);
        size_t le = nl ? (size_t)(nl - p->s) : body_end, k = ls;
        while (k < le && (p->s[k] == ' ' || p->s[k] == '\t'))
            k++;
        if (k < le && p->s[k] != '\r' && k - ls < strip)
            strip = k - ls;
        ls = le + 1;
    }
    vg_buf b = VG_BUF_INIT;
    int dynamic = 0;
    for (size_t ls = body; ls < body_end;) {
        const char *nl = memchr(p->s + ls, '\n', body_end - ls);
        size_t le = nl ? (size_t)(nl - p->s) + 1 : body_end;
        size_t skip = 0;
        while (indent && strip != SIZE_MAX && skip < strip && ls + skip < le &&
               (p->s[ls + skip] == ' ' || p->s[ls + skip] == '\t'))
            skip++;
        p->i = ls + skip;
        if (template_text(p, le, 0, &b, &dynamic) != 0) {
            vg_buf_release(&b);
            return NULL;
        }
        ls = le;
    }
    p->i = after;
    return finish_string(p, off, &b, dynamic);
}

static hcl_value *parse_number(hp *p)
{
    size_t off = p->i;
    if (peek(p, 0) == '-')
        p->i++;
    size_t digits = p->i;
    while (peek(p, 0) >= '0' && peek(p, 0) <= '9')
        p->i++;
    if (p->i == digits) {
        fail_at(p, off, "a number needs digits");
        return NULL;
    }
    if (peek(p, 0) == '.' && peek(p, 1) >= '0' && peek(p, 1) <= '9') {
        p->i++;
        while (peek(p, 0) >= '0' && peek(p, 0) <= '9')
            p->i++;
    }
    if (peek(p, 0) == 'e' || peek(p, 0) == 'E') {
        size_t e = p->i++;
        if (peek(p, 0) == '+' || peek(p, 0) == '-')
            p->i++;
        size_t ed = p->i;
        while (peek(p, 0) >= '0' && peek(p, 0) <= '9')
            p->i++;
        if (p->i == ed) {
            fail_at(p, e, "a number's exponent needs digits");
            return NULL;
        }
    }
    hcl_value *v = new_value(p, HCL_NUMBER, off);
    if (v) {
        v->end = p->i;
        v->text = astrndup(p, p->s + off, p->i - off);
    }
    return v && v->text ? v : NULL;
}

/* "for" right after an opening bracket: a for expression. */
static int at_for(const hp *p)
{
    return !p->json && ident_len(p) == 3 && memcmp(p->s + p->i, "for", 3) == 0;
}

/* A for expression inside [ ] or { } (p->i after the opening bracket):
 * skipped by bracket balance, strings skipped whole. */
static hcl_value *skip_for(hp *p, size_t off, char close)
{
    char stack[VG_TEMPLATE_MAX_DEPTH];
    size_t sp = 0;
    stack[sp++] = close;
    while (p->i < p->n) {
        int c = peek(p, 0);
        if (c == '"') {
            vg_buf b = VG_BUF_INIT;
            int dyn = 0;
            p->i++;
            int rc = template_text(p, p->n, 1, &b, &dyn);
            vg_buf_release(&b);
            if (rc != 0)
                return NULL;
            p->i++;
            continue;
        }
        p->i++;
        if (c == '(' || c == '[' || c == '{') {
            if (sp == sizeof stack) {
                fail_at(p, p->i - 1, "nesting deeper than %u levels", VG_TEMPLATE_MAX_DEPTH);
                return NULL;
            }
            stack[sp++] = c == '(' ? ')' : c == '[' ? ']' : '}';
        } else if (c == ')' || c == ']' || c == '}') {
            if (c != stack[sp - 1]) {
                fail_at(p, p->i - 1, "'%c' does not close '%c'", c,
                        stack[sp - 1] == ')'   ? '('
                        : stack[sp - 1] == ']' ? '['
                                               : '{');
                return NULL;
            }
            if (--sp == 0)
                return make_unknown(p, NULL, off);
        }
    }
    fail_at(p, off, "unterminated for expression");
    return NULL;
}

static hcl_value *parse_list(hp *p)
{
    size_t off = p->i++;
    if (skip_ws(p, 1) != 0)
        return NULL;
    if (at_for(p))
        return skip_for(p, off, ']');
    hcl_value *v = new_value(p, HCL_LIST, off);
    items l = {0};
    unsigned first_line = v ? v->line : 0;
    while (v && !p->failed) {
        if (skip_ws(p, 1) != 0)
            break;
        if (p->i >= p->n) {
            fail_at(p, off, "'[' is not closed (no matching ']')");
            break;
        }
        if (peek(p, 0) == ']') {
            p->i++;
            v->end = p->i;
            v->n_items = l.n;
            v->items = items_keep(p, &l);
            return p->failed ? NULL : v;
        }
        hcl_item *it = items_push(p, &l);
        if (!it)
            break;
        it->off = p->i;
        it->line = vg_hcl_line_of(p->f, p->i);
        it->col = col_of(p, p->i);
        if (it->line != first_line)
            v->multiline = 1;
        if (!(it->value = parse_expr(p, 1)))
            break;
        it->key_end = it->off;
        if (skip_ws(p, 1) != 0)
            break;
        if (peek(p, 0) == ',') {
            p->i++;
        } else if (peek(p, 0) != ']') {
            char wb[16];
            fail_at(p, p->i, "expected ',' or ']' in a list, found %s", what_at(p, p->i, wb, 16));
        }
    }
    free(l.v);
    return NULL;
}

/* An object key: a bare identifier is its own name; anything else is an
 * expression (a quoted literal string is known). */
static int parse_key(hp *p, hcl_item *it)
{
    it->off = p->i;
    it->line = vg_hcl_line_of(p->f, p->i);
    it->col = col_of(p, p->i);
    size_t id = p->json ? 0 : ident_len(p);
    if (id) {
        size_t save = p->i;
        p->i += id;
        if (skip_ws(p, 0) != 0)
            return -1;
        if (peek(p, 0) == '=' || peek(p, 0) == ':') {
            it->key = astrndup(p, p->s + save, id);
            it->key_end = save + id;
            return it->key ? 0 : -1;
        }
        p->i = save;
    }
    if (p->json && peek(p, 0) != '"') {
        char wb[16];
        return fail_at(p, p->i, "an object key must be a string, found %s",
                       what_at(p, p->i, wb, 16));
    }
    hcl_value *k = parse_expr(p, 0);
    if (!k)
        return -1;
    it->key_end = k->end;
    if (k->kind == HCL_STRING || k->kind == HCL_NUMBER || k->kind == HCL_BOOL) {
        it->key = k->text;
    } else {
        it->key = k->text ? k->text : astrndup(p, "", 0);
        it->key_unknown = 1;
    }
    return it->key ? 0 : -1;
}

/* Keys of one object seen so far: open addressing over item indices + 1. */
typedef struct keyset {
    size_t *slot;
    size_t size;
} keyset;

static size_t str_hash(const char *k)
{
    size_t h = 5381;
    for (; *k; k++)
        h = h * 33 + (unsigned char)*k;
    return h;
}

/* Add item i's key: the index of an earlier item with that key, or
 * SIZE_MAX (also on allocation failure, which is then reported). */
static size_t key_seen(hp *p, keyset *ks, const items *l, size_t i)
{
    if ((i + 1) * 2 > ks->size) {
        size_t size = ks->size ? ks->size * 2 : 32;
        size_t *ns = calloc(size, sizeof *ns);
        if (!ns) {
            fail_at(p, 0, "out of memory");
            return SIZE_MAX;
        }
        free(ks->slot);
        ks->slot = ns;
        ks->size = size;
        for (size_t k = 0; k < i; k++) {
            if (l->v[k].key_unknown)
                continue;
            size_t h = str_hash(l->v[k].key) & (size - 1);
            while (ks->slot[h])
                h = (h + 1) & (size - 1);
            ks->slot[h] = k + 1;
        }
    }
    size_t mask = ks->size - 1;
    for (size_t h = str_hash(l->v[i].key) & mask;; h = (h + 1) & mask) {
        size_t v = ks->slot[h];
        if (!v) {
            ks->slot[h] = i + 1;
            return SIZE_MAX;
        }
        if (strcmp(l->v[v - 1].key, l->v[i].key) == 0)
            return v - 1;
    }
}

static hcl_value *parse_object(hp *p)
{
    size_t off = p->i++;
    if (skip_ws(p, 1) != 0)
        return NULL;
    if (at_for(p))
        return skip_for(p, off, '}');
    hcl_value *v = new_value(p, HCL_OBJECT, off);
    items l = {0};
    keyset seen = {0};
    while (v && !p->failed) {
        if (skip_ws(p, 1) != 0)
            break;
        if (p->i >= p->n) {
            fail_at(p, off, "'{' is not closed (no matching '}')");
            break;
        }
        if (peek(p, 0) == '}') {
            p->i++;
            v->end = p->i;
            v->n_items = l.n;
            v->items = items_keep(p, &l);
            free(seen.slot);
            return p->failed ? NULL : v;
        }
        if (l.n >= VG_TEMPLATE_MAX_ITEMS) {
            fail_at(p, p->i, "more than %u items in one map", VG_TEMPLATE_MAX_ITEMS);
            break;
        }
        hcl_item *it = items_push(p, &l);
        if (!it || parse_key(p, it) != 0)
            break;
        if (it->line != v->line)
            v->multiline = 1;
        if (skip_ws(p, 0) != 0)
            break;
        int sep = peek(p, 0);
        if ((p->json && sep != ':') || (!p->json && sep != '=' && sep != ':')) {
            char wb[16];
            fail_at(p, p->i, "expected '%s' after an object key, found %s", p->json ? ":" : "=",
                    what_at(p, p->i, wb, 16));
            break;
        }
        p->i++;
        if (skip_ws(p, p->json) != 0)
            break;
        if (!(it->value = parse_expr(p, p->json)))
            break;
        size_t first = it->key_unknown ? SIZE_MAX : key_seen(p, &seen, &l, l.n - 1);
        if (first != SIZE_MAX)
            fail_at(p, it->off, "duplicate object key \"%.100s\" (first on line %u)", it->key,
                    l.v[first].line);
        if (p->failed || skip_ws(p, p->json) != 0)
            break;
        int c = peek(p, 0);
        if (c == ',') {
            p->i++;
        } else if (c != '}' && (p->json || !at_line_end(p))) {
            char wb[16];
            fail_at(p, p->i, "expected ',', %s'}' after an object item, found %s",
                    p->json ? "" : "a line end or ", what_at(p, p->i, wb, 16));
        }
    }
    free(seen.slot);
    free(l.v);
    return NULL;
}

/* name(args...) with p->i at '('. */
static int skip_call_args(hp *p)
{
    size_t open = p->i++;
    for (;;) {
        if (skip_ws(p, 1) != 0)
            return -1;
        if (peek(p, 0) == ')') {
            p->i++;
            return 0;
        }
        if (!parse_expr(p, 1) || skip_ws(p, 1) != 0)
            return -1;
        if (peek(p, 0) == '.' && peek(p, 1) == '.' && peek(p, 2) == '.') {
            p->i += 3;
            if (skip_ws(p, 1) != 0)
                return -1;
        }
        if (peek(p, 0) == ',') {
            p->i++;
        } else if (peek(p, 0) != ')') {
            char wb[16];
            if (p->i >= p->n)
                return fail_at(p, open, "unterminated function call");
            return fail_at(p, p->i, "expected ',' or ')' in a function call, found %s",
                           what_at(p, p->i, wb, 16));
        }
    }
}

/* Attribute and index access after an operand: a.b, a[0], a.*, a[*]. */
static int skip_traversal(hp *p, int *any)
{
    for (;;) {
        if (peek(p, 0) == '.' && peek(p, 1) == '*') {
            p->i += 2;
        } else if (peek(p, 0) == '.' && is_id_start(peek(p, 1))) {
            p->i++;
            p->i += ident_len(p);
        } else if (peek(p, 0) == '.' && peek(p, 1) >= '0' && peek(p, 1) <= '9') {
            p->i++;
            while (peek(p, 0) >= '0' && peek(p, 0) <= '9')
                p->i++;
        } else if (peek(p, 0) == '[' && peek(p, 1) == '*' && peek(p, 2) == ']') {
            p->i += 3;
        } else if (peek(p, 0) == '[') {
            p->i++;
            if (!parse_expr(p, 1) || skip_ws(p, 1) != 0)
                return -1;
            if (peek(p, 0) != ']') {
                char wb[16];
                return fail_at(p, p->i, "expected ']' after an index, found %s",
                               what_at(p, p->i, wb, 16));
            }
            p->i++;
        } else {
            return 0;
        }
        *any = 1;
    }
}

static hcl_value *parse_operand(hp *p)
{
    int c = peek(p, 0);
    size_t off = p->i;
    char wb[16];
    if (c == '"')
        return parse_quoted(p);
    if (c == '[')
        return parse_list(p);
    if (c == '{')
        return parse_object(p);
    if ((c >= '0' && c <= '9') || (p->json && c == '-'))
        return parse_number(p);
    if (!p->json && c == '<' && peek(p, 1) == '<')
        return parse_heredoc(p);
    if (!p->json && c == '(') {
        p->i++;
        hcl_value *v = parse_expr(p, 1);
        if (!v || skip_ws(p, 1) != 0)
            return NULL;
        if (peek(p, 0) != ')') {
            fail_at(p, p->i, "expected ')', found %s", what_at(p, p->i, wb, 16));
            return NULL;
        }
        p->i++;
        return v;
    }
    size_t id = ident_len(p);
    if (id) {
        static const struct {
            const char *word;
            enum hcl_kind kind;
        } words[] = {{"true", HCL_BOOL}, {"false", HCL_BOOL}, {"null", HCL_NULL}};
        for (size_t k = 0; k < 3; k++) {
            if (id == strlen(words[k].word) && memcmp(p->s + off, words[k].word, id) == 0) {
                hcl_value *v = new_value(p, words[k].kind, off);
                p->i += id;
                if (v) {
                    v->end = p->i;
                    v->text = astrndup(p, p->s + off, id);
                }
                return v && v->text ? v : NULL;
            }
        }
        if (!p->json) {
            p->i += id;
            /* a call: name( or provider::ns::name( */
            while (peek(p, 0) == ':' && peek(p, 1) == ':' && is_id_start(peek(p, 2))) {
                p->i += 2;
                p->i += ident_len(p);
            }
            if (peek(p, 0) == '(' && skip_call_args(p) != 0)
                return NULL;
            return make_unknown(p, NULL, off);
        }
    }
    if (c < 0)
        fail_at(p, off, "expected a value, found end of file");
    else
        fail_at(p, off, "expected a value, found %s", what_at(p, off, wb, 16));
    return NULL;
}

static hcl_value *parse_unary(hp *p)
{
    size_t off = p->i;
    int c = peek(p, 0);
    if (!p->json && (c == '-' || c == '!')) {
        p->i++;
        if (skip_ws(p, 0) != 0)
            return NULL;
        if (enter(p) != 0)
            return NULL;
        hcl_value *v = parse_unary(p);
        p->depth--;
        if (!v)
            return NULL;
        if (c == '-' && v->kind == HCL_NUMBER && v->off == off + 1) {
            v->off = off;
            v->col--;
            v->text = astrndup(p, p->s + off, v->end - off);
            return v->text ? v : NULL;
        }
        return make_unknown(p, v, off);
    }
    hcl_value *v = parse_operand(p);
    if (!v || p->json)
        return v;
    int any = 0;
    if (skip_traversal(p, &any) != 0)
        return NULL;
    return any ? make_unknown(p, v, off) : v;
}

/* Length of a binary operator at p->i, 0 if none. */
static size_t binary_op(const hp *p)
{
    static const char *const ops[] = {"==", "!=", "<=", ">=", "&&", "||", "<",
                                      ">",  "+",  "-",  "*",  "/",  "%"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k]);
        if (p->i + n <= p->n && memcmp(p->s + p->i, ops[k], n) == 0)
            return n;
    }
    return 0;
}

static hcl_value *parse_expr(hp *p, int nl)
{
    if (enter(p) != 0)
        return NULL;
    size_t off = p->i;
    hcl_value *v = parse_unary(p);
    int computed = 0;
    while (v && !p->json) {
        size_t save = p->i;
        if (skip_ws(p, nl) != 0)
            return NULL;
        size_t op = binary_op(p);
        if (op && !(op == 1 && p->s[p->i] == '<' && peek(p, 1) == '<')) {
            p->i += op;
            if (skip_ws(p, 1) != 0 || !(v = parse_unary(p)))
                return NULL;
            computed = 1;
            continue;
        }
        if (peek(p, 0) == '?') {
            p->i++;
            if (skip_ws(p, 1) != 0 || !parse_expr(p, 1) || skip_ws(p, 1) != 0)
                return NULL;
            if (peek(p, 0) != ':') {
                char wb[16];
                fail_at(p, p->i, "expected ':' in a conditional, found %s",
                        what_at(p, p->i, wb, 16));
                return NULL;
            }
            p->i++;
            if (skip_ws(p, 1) != 0 || !(v = parse_expr(p, nl)))
                return NULL;
            computed = 1;
            continue;
        }
        p->i = save;
        break;
    }
    p->depth--;
    if (v && computed)
        v = make_unknown(p, NULL, off);
    return v;
}

static int parse_body(hp *p, hcl_body *body, size_t open);

static int parse_block(hp *p, hcl_block *b, size_t type_len)
{
    b->off = p->i;
    b->line = vg_hcl_line_of(p->f, p->i);
    if (!(b->type = astrndup(p, p->s + p->i, type_len)))
        return -1;
    p->i += type_len;
    char *labels[16];
    size_t nl = 0;
    for (;;) {
        if (skip_ws(p, 0) != 0)
            return -1;
        int c = peek(p, 0);
        if (c == '{')
            break;
        char *label = NULL;
        if (c == '"') {
            size_t at = p->i;
            hcl_value *v = parse_quoted(p);
            if (!v)
                return -1;
            if (v->kind != HCL_STRING)
                return fail_at(p, at, "a block label cannot hold an interpolation");
            label = v->text;
        } else if (ident_len(p)) {
            size_t n = ident_len(p);
            label = astrndup(p, p->s + p->i, n);
            p->i += n;
        } else {
            char wb[16];
            return fail_at(p, p->i, "expected a block label or '{', found %s",
                           what_at(p, p->i, wb, 16));
        }
        if (!label)
            return -1;
        if (nl == sizeof labels / sizeof labels[0])
            return fail_at(p, p->i, "more than %zu block labels", nl);
        labels[nl++] = label;
    }
    b->open = p->i++;
    if (nl && (b->labels = aalloc(p, nl * sizeof *b->labels)))
        memcpy(b->labels, labels, nl * sizeof *labels);
    b->n_labels = nl;
    if (nl && !b->labels)
        return -1;
    if (enter(p) != 0 || parse_body(p, &b->body, b->open) != 0)
        return -1;
    p->depth--;
    b->close = p->i++;
    return 0;
}

typedef struct blocks {
    hcl_block *v;
    size_t n, cap;
} blocks;

/* A body up to its '}' (open is the block's '{') or the end of the file
 * (open == SIZE_MAX).  p->i ends at the '}'. */
static int parse_body(hp *p, hcl_body *body, size_t open)
{
    items attrs = {0};
    blocks bl = {0};
    while (!p->failed) {
        if (skip_ws(p, 1) != 0)
            break;
        int c = peek(p, 0);
        if (c < 0) {
            if (open != SIZE_MAX)
                fail_at(p, open, "block is not closed (no matching '}')");
            break;
        }
        if (c == '}') {
            if (open == SIZE_MAX)
                fail_at(p, p->i, "'}' closes no block");
            break;
        }
        size_t id = ident_len(p);
        if (!id) {
            char wb[16];
            fail_at(p, p->i, "expected an attribute or block name, found %s",
                    what_at(p, p->i, wb, 16));
            break;
        }
        size_t start = p->i;
        p->i += id;
        if (skip_ws(p, 0) != 0)
            break;
        if (peek(p, 0) == '=' && peek(p, 1) != '=') {
            hcl_item *it = items_push(p, &attrs);
            if (!it || !(it->key = astrndup(p, p->s + start, id)))
                break;
            it->off = start;
            it->key_end = start + id;
            it->line = vg_hcl_line_of(p->f, start);
            it->col = col_of(p, start);
            for (size_t k = 0; k + 1 < attrs.n; k++) {
                if (strcmp(attrs.v[k].key, it->key) == 0) {
                    fail_at(p, start, "attribute \"%.100s\" redefined (first on line %u)", it->key,
                            attrs.v[k].line);
                    break;
                }
            }
            p->i++;
            if (p->failed || skip_ws(p, 0) != 0 || !(it->value = parse_expr(p, 0)) ||
                skip_ws(p, 0) != 0)
                break;
            if (!at_line_end(p) && !(peek(p, 0) == '}' && open != SIZE_MAX)) {
                char wb[16];
                fail_at(p, p->i, "expected a line end after the attribute, found %s",
                        what_at(p, p->i, wb, 16));
            }
            continue;
        }
        p->i = start;
        if (VG_GROW(bl.v, bl.n, bl.cap) != 0) {
            p->failed = 1;
            vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
            break;
        }
        hcl_block *b = &bl.v[bl.n++];
        memset(b, 0, sizeof *b);
        if (parse_block(p, b, id) != 0)
            break;
    }
    body->n_attrs = attrs.n;
    body->attrs = items_keep(p, &attrs);
    if (bl.n && (body->blocks = aalloc(p, bl.n * sizeof *bl.v)))
        memcpy(body->blocks, bl.v, bl.n * sizeof *bl.v);
    body->n_blocks = bl.n;
    free(bl.v);
    return p->failed ? -1 : 0;
}

void vg_hcl_free(hcl_file *f)
{
    if (!f)
        return;
    for (struct hcl_arena *a = f->arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    free(f->line_starts);
    free(f);
}

static int index_lines(hcl_file *f)
{
    size_t n = 1;
    for (size_t i = 0; i < f->len; i++)
        n += f->src[i] == '\n';
    if (!(f->line_starts = malloc(n * sizeof *f->line_starts)))
        return -1;
    f->line_starts[0] = 0;
    size_t k = 1;
    for (size_t i = 0; i < f->len; i++) {
        if (f->src[i] == '\n')
            f->line_starts[k++] = i + 1;
    }
    f->n_lines = n;
    return 0;
}

int vg_hcl_parse(const char *src, size_t len, const char *name, int json, hcl_file **out,
                 vg_error *err)
{
    *out = NULL;
    if (len > VG_TEMPLATE_MAX_FILE)
        return vg_error_set(err, VG_EINPUT, name, 0, "larger than %u MiB",
                            VG_TEMPLATE_MAX_FILE >> 20);
    if (memchr(src, '\0', len))
        return vg_error_set(err, VG_EINPUT, name, 0, "holds NUL bytes: not a text file");
    hcl_file *f = calloc(1, sizeof *f);
    if (!f || (f->src = src, f->len = len, index_lines(f) != 0)) {
        vg_hcl_free(f);
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    }
    hp p = {src, len, 0, json, 0, name, f, err, 0};
    /* a UTF-8 byte order mark is allowed before the content */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        p.i = 3;
    if (json) {
        if (skip_ws(&p, 1) == 0 && (f->value = parse_expr(&p, 1)) && skip_ws(&p, 1) == 0 &&
            p.i < len)
            fail_at(&p, p.i, "text after the JSON value");
    } else {
        parse_body(&p, &f->body, SIZE_MAX);
    }
    if (p.failed) {
        vg_hcl_free(f);
        return err ? err->code : VG_EINPUT;
    }
    *out = f;
    return VG_OK;
}

const hcl_item *vg_hcl_attr(const hcl_body *b, const char *name)
{
    for (size_t i = 0; b && i < b->n_attrs; i++) {
        if (strcmp(b->attrs[i].key, name) == 0)
            return &b->attrs[i];
    }
    return NULL;
}

const hcl_item *vg_hcl_item(const hcl_value *obj, const char *key)
{
    if (!obj || obj->kind != HCL_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n_items; i++) {
        if (!obj->items[i].key_unknown && obj->items[i].key && strcmp(obj->items[i].key, key) == 0)
            return &obj->items[i];
    }
    return NULL;
}
