/*
 * Helpers every writer shares: the display order of statuses, fallbacks for
 * missing fields, UTF-8 clean-up (XML 1.0 forbids most control characters,
 * and a .vmx may hold any bytes), times and per-VM file names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "util/term.h"

FILE *vg_report_stream(const vg_report *r)
{
    return r->opts.out ? r->opts.out : stdout;
}

int vg_report_flush(vg_report *r, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    if (fflush(f) != 0 || ferror(f))
        return vg_error_set(err, VG_EIO, "", 0, "writing the %s report failed", r->ops->name);
    return VG_OK;
}

int vg_report_flush_vm(vg_report *r, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    /* the caller knows whether a person watches the stream; the library
     * does not ask the terminal */
    if (r->opts.flush_each_vm)
        return vg_report_flush(r, err);
    if (ferror(f))
        return vg_error_set(err, VG_EIO, "", 0, "writing the %s report failed", r->ops->name);
    return VG_OK;
}

int vg_report_write(vg_report *r, const void *bytes, size_t n, vg_error *err)
{
    if (n && fwrite(bytes, 1, n, vg_report_stream(r)) != n)
        return vg_error_set(err, VG_EIO, "", 0, "writing the %s report failed", r->ops->name);
    return VG_OK;
}

int vg_report_vm_via(vg_report *r, const vg_vm_report *vr, vg_buf *scratch, vg_error *err)
{
    vg_buf_reset(scratch);
    int rc = r->ops->render(r, vr, scratch, err);
    if (rc == VG_OK && scratch->oom) {
        vg_buf_release(scratch); /* clears oom for the next VM */
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory writing the %s report",
                            r->ops->name);
    }
    if (rc == VG_OK)
        rc = r->ops->rendered(r, vr, scratch->data, scratch->len, err);
    return rc;
}

static const struct {
    int rank;
    const char *label;
} status_table[VG_RESULT_STATUS_COUNT] = {
    [VG_PASS] = {6, "PASS"},       [VG_FAIL] = {0, "FAIL"},   [VG_NOT_APPLICABLE] = {5, "N/A"},
    [VG_MANUAL] = {4, "MANUAL"},   [VG_ERROR] = {1, "ERROR"}, [VG_WAIVED] = {3, "WAIVED"},
    [VG_PENDING] = {2, "PENDING"},
};

int vg_report_status_rank(vg_result_status s)
{
    return (unsigned)s < VG_RESULT_STATUS_COUNT ? status_table[s].rank : 9;
}

const char *vg_report_status_label(vg_result_status s)
{
    return (unsigned)s < VG_RESULT_STATUS_COUNT ? status_table[s].label : "?";
}

/* Sort keys copied out, so the comparison needs no global (qsort has no
 * context argument in C11) and writers stay safe to use from threads. */
struct sort_key {
    int rank, sev;
    size_t idx;
};

static int cmp_keys(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->sev != y->sev)
        return y->sev - x->sev;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t *vg_report_sorted(const vg_vm_report *vr)
{
    if (!vr->n_results)
        return NULL;
    struct sort_key *keys = malloc(vr->n_results * sizeof *keys);
    size_t *idx = malloc(vr->n_results * sizeof *idx);
    if (!keys || !idx) {
        free(keys);
        free(idx);
        return NULL;
    }
    for (size_t i = 0; i < vr->n_results; i++) {
        keys[i].rank = vg_report_status_rank(vr->results[i].status);
        keys[i].sev = (int)vg_report_severity(&vr->results[i]);
        keys[i].idx = i;
    }
    qsort(keys, vr->n_results, sizeof *keys, cmp_keys);
    for (size_t i = 0; i < vr->n_results; i++)
        idx[i] = keys[i].idx;
    free(keys);
    return idx;
}

const char *vg_report_rule_id(const vg_result *res)
{
    if (res->prule && res->prule->rule && res->prule->rule->id)
        return res->prule->rule->id;
    return "unknown-rule";
}

const char *vg_report_rule_title(const vg_result *res)
{
    if (!res->prule)
        return "";
    if (res->prule->title)
        return res->prule->title;
    return res->prule->rule && res->prule->rule->title ? res->prule->rule->title : "";
}

const char *vg_report_source_id(const vg_result *res)
{
    if (res->prule && res->prule->source_id)
        return res->prule->source_id;
    return vg_report_rule_id(res);
}

vg_severity vg_report_severity(const vg_result *res)
{
    if (!res->prule || (unsigned)res->prule->severity > VG_SEV_HIGH)
        return VG_SEV_INFO;
    return res->prule->severity;
}

const char *vg_report_vm_name(const vg_vm *vm)
{
    if (vm && vm->name && vm->name[0])
        return vm->name;
    if (vm && vm->moref)
        return vm->moref;
    return "unnamed-vm";
}

/* Decode one UTF-8 sequence at s (n bytes left); returns its length, or 0
 * if invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const struct {
        unsigned char mask, lead;
        size_t len;
        uint32_t min;
    } forms[] = {{0x80, 0x00, 1, 0},
                 {0xE0, 0xC0, 2, 0x80},
                 {0xF0, 0xE0, 3, 0x800},
                 {0xF8, 0xF0, 4, 0x10000}};
    for (size_t f = 0; f < 4; f++) {
        if ((s[0] & forms[f].mask) != forms[f].lead)
            continue;
        size_t len = forms[f].len;
        if (len > n)
            return 0;
        uint32_t c = len == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> len));
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i] & 0x3F);
        }
        if (c < forms[f].min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        *cp = c;
        return len;
    }
    return 0;
}

static char *clean_utf8(const char *s, int for_xml)
{
    vg_buf b = VG_BUF_INIT;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    vg_buf_grow(&b, n);
    while (n) {
        /* Plain printable ASCII is most of every report: copy a run at once. */
        size_t run = 0;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7F)
            run++;
        if (run) {
            vg_buf_add(&b, p, run);
            p += run, n -= run;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (!len) {
            vg_buf_adds(&b, "\xEF\xBF\xBD"); /* U+FFFD for a byte that is not UTF-8 */
            p++, n--;
            continue;
        }
        int illegal = for_xml && ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                                  cp == 0xFFFE || cp == 0xFFFF);
        /* XML 1.0 cannot hold these even as references: replaced by U+FFFD,
         * so the reader sees that something was there */
        if (illegal)
            vg_buf_adds(&b, "\xEF\xBF\xBD");
        else
            vg_buf_add(&b, p, len);
        p += len, n -= len;
    }
    return vg_buf_detach(&b);
}

void vg_report_add_uint(vg_buf *b, unsigned long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    do
        digits[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    vg_report_add(b, digits + i, sizeof digits - i);
}

void vg_report_add_clean(vg_buf *b, const char *s, const struct vg_escapes *esc)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p; /* bytes copied as they are, not yet added */
    for (;;) {
        while (!esc->stop[*p])
            p++;
        unsigned char c = *p;
        if (c >= 0x80) {
            uint32_t cp;
            /* the NUL ends any sequence: decoding stops at the first bad byte */
            size_t len = utf8_decode(p, (size_t)-1, &cp);
            if (len && esc->escape_active && vg_term_active_cp(cp)) {
                if (p > run)
                    vg_report_add(b, run, (size_t)(p - run));
                char u[16];
                int n = snprintf(u, sizeof u, esc->escape_active == 2 ? "\\\\u%04X" : "\\u%04X",
                                 (unsigned)cp);
                vg_report_add(b, u, (size_t)n);
                p += len;
                run = p;
                continue;
            }
            if (len) {
                p += len;
                continue;
            }
        }
        if (p > run)
            vg_report_add(b, run, (size_t)(p - run));
        if (!c)
            return;
        if (c >= 0x80)
            vg_report_add(b, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
        else if (esc->sub[c])
            vg_report_adds(b, esc->sub[c]);
        else
            vg_report_addc(b, (char)c); /* a stop byte the format keeps */
        run = ++p;
    }
}

char *vg_report_xml_text(const char *s)
{
    return clean_utf8(s, 1);
}

char *vg_report_utf8(const char *s)
{
    return clean_utf8(s, 0);
}

void vg_report_iso_time(time_t t, char *out, size_t outsz)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, outsz, "1970-01-01T00:00:00Z");
}

static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    /* FNV's low bits mix poorly for names that differ only in a few
     * digits before a common ending: fold the high bits in */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (size_t)h;
}

/* The slot of name: where it is, or the free one where it would go. */
static size_t name_slot(const struct vg_name_set *s, const char *name)
{
    size_t i = name_hash(name) & (s->cap - 1);
    while (s->name[i] && strcmp(s->name[i], name) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int name_set_grow(struct vg_name_set *s)
{
    if ((s->n + 1) * 2 <= s->cap)
        return 0;
    struct vg_name_set g = {NULL, NULL, s->cap ? s->cap * 2 : 64, s->n};
    g.name = calloc(g.cap, sizeof *g.name);
    g.next = calloc(g.cap, sizeof *g.next);
    if (!g.name || !g.next) {
        free(g.name);
        free(g.next);
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->name[i]) {
            size_t j = name_slot(&g, s->name[i]);
            g.name[j] = s->name[i];
            g.next[j] = s->next[i];
        }
    }
    free(s->name);
    free(s->next);
    *s = g;
    return 0;
}

void vg_name_set_release(struct vg_name_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->name[i]);
    free(s->name);
    free(s->next);
    memset(s, 0, sizeof *s);
}

char *vg_report_file_name(const char *vm_name, const char *ext, struct vg_name_set *used)
{
    vg_buf base = VG_BUF_INIT;
    for (const char *p = vm_name ? vm_name : ""; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (c == '.' && base.len > 0);
        if (ok)
            vg_buf_addc(&base, c);
        else if (base.len == 0 || base.data[base.len - 1] != '_')
            vg_buf_addc(&base, '_'); /* one '_' for a run of unsafe bytes */
    }
    if (base.len == 0)
        vg_buf_adds(&base, "vm");
    vg_buf name = VG_BUF_INIT;
    vg_buf_add(&name, base.data, base.len);
    vg_buf_adds(&name, ext);
    if (name.oom || name_set_grow(used) != 0) {
        vg_buf_release(&base);
        vg_buf_release(&name);
        return NULL;
    }
    /* The plain name's entry remembers the next suffix to try, so a name
     * used N times costs N tries in all, not N^2. */
    size_t first = name_slot(used, name.data);
    unsigned k = 1;
    if (used->name[first]) {
        for (k = used->next[first] > 2 ? used->next[first] : 2;; k++) {
            vg_buf_reset(&name);
            vg_buf_add(&name, base.data, base.len);
            vg_buf_printf(&name, "-%u", k);
            vg_buf_adds(&name, ext);
            if (name.oom || !used->name[name_slot(used, name.data)])
                break;
        }
        used->next[first] = k + 1;
    }
    vg_buf_release(&base);
    char *s = vg_buf_detach(&name);
    char *copy = s ? strdup(s) : NULL;
    if (!copy) {
        free(s);
        return NULL;
    }
    size_t at = name_slot(used, s);
    used->name[at] = s;
    used->next[at] = k == 1 ? 2 : 0;
    used->n++;
    return copy;
}

void vg_report_join(vg_buf *b, const char *const *list, const char *sep)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (i)
            vg_buf_adds(b, sep);
        vg_buf_adds(b, list[i]);
    }
}
