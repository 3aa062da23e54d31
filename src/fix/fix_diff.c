/*
 * Unified diff of a .vmx before and after a fix, for --dry-run and the
 * confirmation prompt.  Fix edits are few and mostly appended, so the common
 * head and tail are trimmed first and a plain LCS table runs over the small
 * middle; an oversized middle is shown as one replacement, which is still a
 * correct diff.  No external program is run.  The diff is for a human: file
 * names and lines are shown terminal-safe (util/term.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"
#include "util/term.h"

struct line {
    const char *s;
    size_t n; /* including its line end */
};

struct lines {
    struct line *v;
    size_t n;
};

/* Edit script entry: ' ' keep, '-' delete a line of a, '+' insert one of b. */
struct op {
    char kind;
    size_t a, b;
};

#define CONTEXT 3
#define LCS_MAX_CELLS ((size_t)4 << 20)

static int split(const char *s, size_t len, struct lines *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    out->v = malloc((n + 1) * sizeof *out->v);
    if (!out->v)
        return -1;
    out->n = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            out->v[out->n++] = (struct line){s + start, i + 1 - start};
            start = i + 1;
        }
    }
    if (start < len)
        out->v[out->n++] = (struct line){s + start, len - start};
    return 0;
}

static int same(const struct line *x, const struct line *y)
{
    return x->n == y->n && memcmp(x->s, y->s, x->n) == 0;
}

/* LCS over a[a0..a1) x b[b0..b1); appends ops.  Falls back to delete-all,
 * insert-all when the table would be too big. */
static size_t middle(const struct lines *a, size_t a0, size_t a1, const struct lines *b, size_t b0,
                     size_t b1, struct op *ops, size_t k)
{
    size_t n = a1 - a0, m = b1 - b0;
    unsigned *t = NULL;
    if (n && m && (n + 1) * (m + 1) <= LCS_MAX_CELLS)
        t = calloc((n + 1) * (m + 1), sizeof *t);
    if (!t) {
        for (size_t i = a0; i < a1; i++)
            ops[k++] = (struct op){'-', i, b0};
        for (size_t j = b0; j < b1; j++)
            ops[k++] = (struct op){'+', a1, j};
        return k;
    }
#define T(i, j) t[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;) {
        for (size_t j = m; j-- > 0;) {
            if (same(&a->v[a0 + i], &b->v[b0 + j]))
                T(i, j) = T(i + 1, j + 1) + 1;
            else
                T(i, j) = T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
        }
    }
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && same(&a->v[a0 + i], &b->v[b0 + j])) {
            ops[k++] = (struct op){' ', a0 + i++, b0 + j++};
        } else if (i < n && (j == m || T(i + 1, j) >= T(i, j + 1))) {
            ops[k++] = (struct op){'-', a0 + i++, b0 + j};
        } else {
            ops[k++] = (struct op){'+', a0 + i, b0 + j++};
        }
    }
#undef T
    free(t);
    return k;
}

static size_t edit_script(const struct lines *a, const struct lines *b, struct op *ops)
{
    size_t head = 0, tail = 0, k = 0;
    while (head < a->n && head < b->n && same(&a->v[head], &b->v[head]))
        head++;
    while (tail < a->n - head && tail < b->n - head &&
           same(&a->v[a->n - 1 - tail], &b->v[b->n - 1 - tail]))
        tail++;
    for (size_t i = 0; i < head; i++)
        ops[k++] = (struct op){' ', i, i};
    k = middle(a, head, a->n - tail, b, head, b->n - tail, ops, k);
    for (size_t i = tail; i > 0; i--)
        ops[k++] = (struct op){' ', a->n - i, b->n - i};
    return k;
}

static const char *const colours[] = {"\033[1m", "\033[36m", "\033[31m", "\033[32m", "\033[0m"};
enum { C_HEAD, C_HUNK, C_DEL, C_ADD, C_OFF };

static void add_line(vg_buf *out, char kind, const struct line *l, int color)
{
    int c = kind == '-' ? C_DEL : kind == '+' ? C_ADD : -1;
    if (color && c >= 0)
        vg_buf_adds(out, colours[c]);
    vg_buf_addc(out, kind);
    size_t n = l->n;
    int eol = n && l->s[n - 1] == '\n';
    size_t body = eol ? n - 1 : n;
    /* A CR right before the LF moves nothing that matters (CRLF files);
     * every other control, bidi override or bad byte in the .vmx is shown
     * escaped, so a hostile line cannot redraw the diff being approved. */
    int crlf = eol && body && l->s[body - 1] == '\r';
    vg_term_escape(out, l->s, crlf ? body - 1 : body, VG_TERM_KEEP_TAB);
    if (crlf)
        vg_buf_addc(out, '\r');
    if (color && c >= 0)
        vg_buf_adds(out, colours[C_OFF]);
    vg_buf_adds(out, eol ? "\n" : "\n\\ No newline at end of file\n");
}

/* One hunk: ops[s..e) plus context already included by the caller. */
static void hunk(vg_buf *out, const struct op *ops, size_t s, size_t e, const struct lines *a,
                 const struct lines *b, int color)
{
    size_t na = 0, nb = 0;
    for (size_t i = s; i < e; i++) {
        na += ops[i].kind != '+';
        nb += ops[i].kind != '-';
    }
    size_t sa = na ? ops[s].a + 1 : ops[s].a, sb = nb ? ops[s].b + 1 : ops[s].b;
    if (color)
        vg_buf_adds(out, colours[C_HUNK]);
    vg_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@", sa, na, sb, nb);
    vg_buf_adds(out, color ? colours[C_OFF] : "");
    vg_buf_addc(out, '\n');
    for (size_t i = s; i < e; i++) {
        const struct op *o = &ops[i];
        add_line(out, o->kind, o->kind == '+' ? &b->v[o->b] : &a->v[o->a], color);
    }
}

static void hunks(vg_buf *out, const struct op *ops, size_t k, const struct lines *a,
                  const struct lines *b, int color)
{
    size_t i = 0;
    while (i < k) {
        while (i < k && ops[i].kind == ' ')
            i++;
        if (i == k)
            break;
        size_t s = i >= CONTEXT ? i - CONTEXT : 0, e = i;
        /* extend while the next change is within 2*CONTEXT unchanged lines */
        for (;;) {
            while (e < k && ops[e].kind != ' ')
                e++;
            size_t run = e;
            while (run < k && ops[run].kind == ' ' && run - e < 2 * CONTEXT)
                run++;
            if (run < k && ops[run].kind != ' ') {
                e = run;
                continue;
            }
            e = e + CONTEXT < k ? e + CONTEXT : k;
            break;
        }
        hunk(out, ops, s, e, a, b, color);
        i = e;
    }
}

char *vg_fix_diff(const char *a, size_t alen, const char *b, size_t blen, const char *name_a,
                  const char *name_b, int color)
{
    struct lines la = {0}, lb = {0};
    vg_buf out = VG_BUF_INIT;
    struct op *ops = NULL;
    if (split(a, alen, &la) != 0 || split(b, blen, &lb) != 0)
        goto done;
    ops = malloc((la.n + lb.n + 1) * sizeof *ops);
    if (!ops)
        goto done;
    if (alen == blen && memcmp(a, b, alen) == 0)
        goto done;
    size_t k = edit_script(&la, &lb, ops);
    vg_buf_printf(&out, "%s--- ", color ? colours[C_HEAD] : "");
    vg_term_escape(&out, name_a, strlen(name_a), 0);
    vg_buf_adds(&out, "\n+++ ");
    vg_term_escape(&out, name_b, strlen(name_b), 0);
    vg_buf_printf(&out, "%s\n", color ? colours[C_OFF] : "");
    hunks(&out, ops, k, &la, &lb, color);
done:
    free(la.v);
    free(lb.v);
    free(ops);
    if (out.oom) {
        vg_buf_release(&out);
        return NULL;
    }
    return vg_buf_detach(&out);
}
