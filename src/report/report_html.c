/*
 * The HTML report: one self-contained page (inline CSS, script and SVG; a
 * Content-Security-Policy that forbids any fetch) that opens quickly at
 * estate scale.  Written as markup: the run summary, per-profile scores,
 * charts, problems and a table of every rule with its counts per status
 * (all bounded by the number of rules, and readable without JavaScript).
 * Written as data: one compact JSON document in a
 * <script type="application/json"> block holding every VM with its counts
 * and every result that is not a pass or n/a (fail, error, waived, manual)
 * in full, evidence and fix included; passes are only counted, per rule and
 * per VM.  The page script parses it and draws windowed tables that create
 * DOM rows only for what is on screen.  VMs and findings are written to
 * temporary files while VMs stream past and copied in at the end; memory
 * holds the per-rule and per-profile totals, one chart bar per VM, and the
 * distinct fix / expected / waiver texts (shared through a string table).
 * Markup goes through xmlTextWriter; the JSON escaper below turns '<', '>'
 * and '&' into \u escapes, so no "</script" or "<!--" can end the block,
 * and every control character is escaped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html.h"

/* A rule as seen in this run (keyed by its profile rule). */
struct html_rule {
    const vg_profile_rule *key;
    char *id, *source, *title;
    vg_severity sev;
    size_t counts[VG_RESULT_STATUS_COUNT];
};

struct html_profile {
    const vg_profile *p;
    size_t counts[VG_RESULT_STATUS_COUNT], raw[VG_RESULT_STATUS_COUNT];
};

/* Distinct strings, open addressing on an FNV-1a hash. */
struct html_strings {
    char **s;        /* by index, in order of first use */
    size_t n;
    size_t *slot;    /* index + 1, 0 = empty */
    size_t cap;      /* slots, a power of two */
};

struct html_state {
    FILE *rows_file, *vms_file; /* tmpfile()s of JSON array members */
    size_t n_rows, n_vms;
    struct html_totals t;
    struct html_rule *rules;
    size_t n_rules, rules_cap;
    size_t *rule_slot; /* rule index + 1 by pointer hash */
    size_t rule_slots;
    struct html_profile *profiles;
    size_t n_profiles;
    struct html_strings strs;
    vg_buf line; /* one VM's JSON, reused */
    vg_buf problems; /* problem lines, NUL-separated, written at end */
    size_t n_problems;
};

static const char *const status_words[VG_RESULT_STATUS_COUNT] = {
    "pass", "fail", "n/a", "manual", "error", "waived", "pending"};

/* JSON string escapes that are also safe inside an HTML script element:
 * quote, backslash, every C0 control and DEL, and '<', '>', '&'; C1
 * controls, bidi overrides and separators become visible text. */
static const struct vg_escapes html_json_escapes = {
    .stop = {VG_ESC_STOP_C0, ['"'] = 1, ['\\'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1,
             [0x7F] = 1, VG_ESC_STOP_HIGH},
    .sub =
        {
            [0x00] = "\\u0000", [0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003",
            [0x04] = "\\u0004", [0x05] = "\\u0005", [0x06] = "\\u0006", [0x07] = "\\u0007",
            [0x08] = "\\b",     [0x09] = "\\t",     [0x0A] = "\\n",     [0x0B] = "\\u000B",
            [0x0C] = "\\f",     [0x0D] = "\\r",     [0x0E] = "\\u000E", [0x0F] = "\\u000F",
            [0x10] = "\\u0010", [0x11] = "\\u0011", [0x12] = "\\u0012", [0x13] = "\\u0013",
            [0x14] = "\\u0014", [0x15] = "\\u0015", [0x16] = "\\u0016", [0x17] = "\\u0017",
            [0x18] = "\\u0018", [0x19] = "\\u0019", [0x1A] = "\\u001A", [0x1B] = "\\u001B",
            [0x1C] = "\\u001C", [0x1D] = "\\u001D", [0x1E] = "\\u001E", [0x1F] = "\\u001F",
            ['"'] = "\\\"",     ['\\'] = "\\\\",    ['<'] = "\\u003C",  ['>'] = "\\u003E",
            ['&'] = "\\u0026",  [0x7F] = "\\u007F",
        },
    .escape_active = 2,
};

static void json_str(vg_buf *b, const char *s)
{
    if (!s) {
        VG_REPORT_LIT(b, "null");
        return;
    }
    vg_report_addc(b, '"');
    vg_report_add_clean(b, s, &html_json_escapes);
    vg_report_addc(b, '"');
}

static void json_counts(vg_buf *b, const size_t *counts)
{
    for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++) {
        vg_report_addc(b, ',');
        vg_report_add_uint(b, counts[st]);
    }
}

static uint64_t fnv(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* Index of s in the string table (added when new); -1 for NULL; -2 on oom. */
static long long str_index(struct html_strings *t, const char *s)
{
    if (!s)
        return -1;
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        size_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -2;
        for (size_t i = 0; i < t->n; i++) {
            size_t h = (size_t)fnv(t->s[i], strlen(t->s[i])) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = i + 1;
        }
        char **grown = realloc(t->s, cap / 2 * sizeof *grown);
        if (!grown) {
            free(slot);
            return -2;
        }
        t->s = grown;
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
    }
    size_t h = (size_t)fnv(s, strlen(s)) & (t->cap - 1);
    for (; t->slot[h]; h = (h + 1) & (t->cap - 1)) {
        if (strcmp(t->s[t->slot[h] - 1], s) == 0)
            return (long long)(t->slot[h] - 1);
    }
    char *copy = strdup(s);
    if (!copy)
        return -2;
    t->s[t->n] = copy;
    t->slot[h] = ++t->n;
    return (long long)(t->n - 1);
}

/* Index of the rule res belongs to (added when new), or -1 on oom. */
static long long rule_index(struct html_state *s, const vg_result *res)
{
    const vg_profile_rule *key = res->prule;
    if (2 * (s->n_rules + 1) > s->rule_slots) {
        size_t cap = s->rule_slots ? 2 * s->rule_slots : 64;
        size_t *slot = calloc(cap, sizeof *slot);
        struct html_rule *grown = realloc(s->rules, cap / 2 * sizeof *grown);
        if (!slot || !grown) {
            free(slot);
            if (grown)
                s->rules = grown;
            return -1;
        }
        s->rules = grown;
        for (size_t i = 0; i < s->n_rules; i++) {
            size_t h = (size_t)fnv(&s->rules[i].key, sizeof key) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = i + 1;
        }
        free(s->rule_slot);
        s->rule_slot = slot;
        s->rule_slots = cap;
    }
    size_t h = (size_t)fnv(&key, sizeof key) & (s->rule_slots - 1);
    for (; s->rule_slot[h]; h = (h + 1) & (s->rule_slots - 1)) {
        if (s->rules[s->rule_slot[h] - 1].key == key)
            return (long long)(s->rule_slot[h] - 1);
    }
    struct html_rule *r = &s->rules[s->n_rules];
    memset(r, 0, sizeof *r);
    r->key = key;
    r->id = strdup(vg_report_rule_id(res));
    r->source = strdup(vg_report_source_id(res));
    r->title = strdup(vg_report_rule_title(res));
    r->sev = vg_report_severity(res);
    if (!r->id || !r->source || !r->title) {
        free(r->id);
        free(r->source);
        free(r->title);
        return -1;
    }
    s->rule_slot[h] = ++s->n_rules;
    return (long long)(s->n_rules - 1);
}

static struct html_profile *profile_of(struct html_state *s, const vg_profile *p)
{
    for (size_t i = 0; i < s->n_profiles; i++) {
        if (s->profiles[i].p == p)
            return &s->profiles[i];
    }
    struct html_profile *grown = realloc(s->profiles, (s->n_profiles + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->profiles = grown;
    memset(&grown[s->n_profiles], 0, sizeof *grown);
    grown[s->n_profiles].p = p;
    return &grown[s->n_profiles++];
}

/* Add to the bar labelled label (rules: few, looked up) or append a new one
 * (VMs: one bar each, no lookup, so a large estate stays linear). */
static int bar_add(struct html_bar **bars, size_t *n, const char *label, const char *title,
                   size_t fails, size_t total, int lookup)
{
    for (size_t i = 0; lookup && i < *n; i++) {
        if (strcmp((*bars)[i].label, label) == 0) {
            (*bars)[i].fails += fails;
            (*bars)[i].total += total;
            return 0;
        }
    }
    if (*n >= 8 && (*n & (*n - 1)) == 0) { /* capacity doubles at powers of two */
        struct html_bar *grown = realloc(*bars, 2 * *n * sizeof **bars);
        if (!grown)
            return -1;
        *bars = grown;
    } else if (*n == 0) {
        *bars = malloc(8 * sizeof **bars);
        if (!*bars)
            return -1;
    }
    struct html_bar *b = &(*bars)[*n];
    b->label = strdup(label);
    b->title = strdup(title ? title : label);
    b->fails = fails;
    b->total = total;
    if (!b->label || !b->title) {
        free(b->label);
        free(b->title);
        return -1;
    }
    (*n)++;
    return 0;
}

/* Whether a result is listed in full (else only counted). */
static int in_full(vg_result_status st)
{
    return st == VG_FAIL || st == VG_ERROR || st == VG_WAIVED || st == VG_MANUAL ||
           st == VG_PENDING;
}

static int status_index(vg_result_status st)
{
    return (unsigned)st < VG_RESULT_STATUS_COUNT ? (int)st : VG_ERROR;
}

/* One VM: [name, "path · moref · uuid", note, [lint...], counts...] */
static void json_vm(vg_buf *b, const vg_vm_report *vr)
{
    const vg_vm *vm = vr->vm;
    vg_buf d = VG_BUF_INIT;
    vg_buf_printf(&d, "%s%s%s%s%s", vm->path ? vm->path : "", vm->moref ? " \xC2\xB7 " : "",
                  vm->moref ? vm->moref : "", vm->uuid ? " \xC2\xB7 uuid " : "",
                  vm->uuid ? vm->uuid : "");
    vg_report_addc(b, '[');
    json_str(b, vg_report_vm_name(vm));
    vg_report_addc(b, ',');
    json_str(b, d.data);
    vg_report_addc(b, ',');
    vg_report_add_uint(b, vm->locked ? 2 : vm->power == VG_POWER_ON ? 1 : 0);
    VG_REPORT_LIT(b, ",[");
    for (size_t i = 0; i < vr->n_lints; i++) {
        const vg_lint *l = &vr->lints[i];
        vg_buf_reset(&d);
        vg_buf_printf(&d, "line %u: %s: %s%s%s%s", l->line, l->key ? l->key : "",
                      l->message ? l->message : "", l->suggest ? " (use " : "",
                      l->suggest ? l->suggest : "", l->suggest ? ")" : "");
        if (i)
            vg_report_addc(b, ',');
        json_str(b, d.data);
    }
    vg_report_addc(b, ']');
    json_counts(b, vr->counts);
    vg_report_addc(b, ']');
    vg_buf_release(&d);
}

static int totals_add(struct html_state *s, const vg_vm_report *vr, const size_t *order)
{
    vg_buf *b = &s->line;
    int rc = 0;
    for (size_t k = 0; k < vr->n_results; k++) {
        const vg_result *res = &vr->results[order[k]];
        int st = status_index(res->status);
        s->t.by_severity[vg_report_severity(res)][st]++;
        long long ri = rule_index(s, res);
        struct html_profile *p = profile_of(s, res->profile);
        if (ri < 0 || !p)
            return -1;
        s->rules[ri].counts[st]++;
        p->counts[st]++;
        p->raw[status_index(res->raw_status)]++;
        if (!in_full(res->status))
            continue;
        /* [vm, rule, status, evidence, expected, fix, waiver] */
        long long ex = str_index(&s->strs, res->expected);
        long long fx = str_index(&s->strs, res->fix);
        vg_buf w = VG_BUF_INIT;
        if (res->waiver_reason)
            vg_buf_printf(&w, "%s%s%s%s%s%s", res->waiver_reason,
                          res->waiver_approver ? " (approved by " : "",
                          res->waiver_approver ? res->waiver_approver : "",
                          res->waiver_approver ? ")" : "",
                          res->waiver_expires ? res->waiver_expired ? ", expired " : ", expires "
                                              : "",
                          res->waiver_expires ? res->waiver_expires : "");
        long long wv = str_index(&s->strs, res->waiver_reason ? w.data : NULL);
        rc |= w.oom;
        vg_buf_release(&w);
        if (ex < -1 || fx < -1 || wv < -1)
            return -1;
        if (s->n_rows++)
            vg_report_addc(b, ',');
        vg_report_addc(b, '[');
        vg_report_add_uint(b, s->n_vms);
        vg_report_addc(b, ',');
        vg_report_add_uint(b, (unsigned long long)ri);
        vg_report_addc(b, ',');
        vg_report_add_uint(b, (unsigned long long)st);
        vg_report_addc(b, ',');
        json_str(b, res->evidence);
        long long refs[3] = {ex, fx, wv};
        for (int i = 0; i < 3; i++) {
            vg_report_addc(b, ',');
            if (refs[i] < 0)
                VG_REPORT_LIT(b, "-1");
            else
                vg_report_add_uint(b, (unsigned long long)refs[i]);
        }
        vg_report_addc(b, ']');
    }
    const vg_vm *vm = vr->vm;
    rc |= bar_add(&s->t.vms, &s->t.n_vms, vg_report_vm_name(vm), vm->path ? vm->path : vm->moref,
                  vr->counts[VG_FAIL], vr->n_results, 0);
    return (rc != 0 || b->oom) ? -1 : 0;
}

static int html_begin(vg_report *r, vg_error *err)
{
    struct html_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    vg_buf_init(&s->line);
    vg_buf_init(&s->problems);
    r->state = s;
    s->rows_file = tmpfile();
    s->vms_file = tmpfile();
    if (!s->rows_file || !s->vms_file)
        return vg_error_set(err, VG_EIO, "", 0,
                            "cannot create temporary files for the html report");
    return VG_OK;
}

static int put_line(vg_buf *b, FILE *f)
{
    int rc = b->oom || (b->len && fwrite(b->data, 1, b->len, f) != b->len) ? -1 : 0;
    vg_buf_reset(b);
    return rc;
}

static int html_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct html_state *s = r->state;
    size_t *order = vg_report_sorted(vr);
    if (vr->n_results && !order)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    int rc = totals_add(s, vr, order);
    free(order);
    if (rc != 0)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    if (put_line(&s->line, s->rows_file) != 0)
        return vg_error_set(err, VG_EIO, "", 0, "writing the html report failed");
    if (s->n_vms++)
        vg_report_addc(&s->line, ',');
    json_vm(&s->line, vr);
    if (put_line(&s->line, s->vms_file) != 0)
        return vg_error_set(err, VG_EIO, "", 0, "writing the html report failed");
    return VG_OK;
}

static int html_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    struct html_state *s = r->state;
    char msg[1100];
    vg_error_format(problem, msg, sizeof msg);
    vg_buf_printf(&s->problems, "%s: %s", problem->code ? "error" : "warning", msg);
    vg_buf_add(&s->problems, "", 1); /* keep the NUL as separator */
    s->n_problems++;
    return s->problems.oom ? vg_error_set(err, VG_ENOMEM, "", 0, "out of memory") : VG_OK;
}

/* Copy a temporary part into the page. */
static void copy_part(xw *page, FILE *f)
{
    if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        page->failed = 1;
        return;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        vg_xw_raw(page, chunk, n);
    if (ferror(f))
        page->failed = 1;
}

static void put_head(xw *x)
{
    vg_xw_start(x, "head");
    vg_xw_start(x, "meta");
    vg_xw_attr(x, "charset", "utf-8");
    vg_xw_end(x);
    vg_xw_start(x, "meta");
    vg_xw_attr(x, "http-equiv", "Content-Security-Policy");
    vg_xw_attr(x, "content",
            "default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:");
    vg_xw_end(x);
    vg_xw_start(x, "meta");
    vg_xw_attr(x, "name", "viewport");
    vg_xw_attr(x, "content", "width=device-width, initial-scale=1");
    vg_xw_end(x);
    vg_xw_elem(x, "title", "vmxguard audit report");
    vg_xw_start(x, "style");
    vg_xw_raw(x, vg_html_css, strlen(vg_html_css));
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static void put_header(xw *x, const vg_report *r)
{
    char when[32];
    vg_report_iso_time(r->run.started, when, sizeof when);
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "Started %s", when);
    if (r->run.hostname)
        vg_buf_printf(&b, " on %s", r->run.hostname);
    if (r->run.n_targets) {
        vg_buf_adds(&b, " \xC2\xB7 targets: ");
        vg_report_join(&b, r->run.targets, ", ");
    }
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        vg_buf_printf(&b, "%s%s %s", i ? ", " : " \xC2\xB7 profile: ", p->id,
                      p->version ? p->version : "");
    }
    vg_xw_start(x, "header");
    vg_xw_elem(x, "h1", "vmxguard audit report");
    vg_xw_elem(x, "p", b.data);
    vg_xw_end_full(x);
    vg_buf_release(&b);
}

static void put_card(xw *x, const char *label, const char *value)
{
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "card");
    vg_xw_elem(x, "b", value);
    vg_xw_elem(x, "span", label);
    vg_xw_end_full(x);
}

static const vg_result_status card_order[] = {VG_FAIL,   VG_ERROR,          VG_WAIVED,
                                              VG_MANUAL, VG_NOT_APPLICABLE, VG_PASS};
#define N_CARDS (sizeof card_order / sizeof card_order[0])

static void put_summary(xw *x, const vg_audit_summary *sum)
{
    char v[64];
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", "Summary");
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "cards");
    snprintf(v, sizeof v, "%zu", sum->vms);
    put_card(x, "VMs audited", v);
    snprintf(v, sizeof v, "%zu", sum->vms_failing);
    put_card(x, "VMs failing", v);
    int scored = vg_audit_summary_scored(sum); /* no score: say why, never 100% */
    snprintf(v, sizeof v, "%.1f%%", vg_audit_summary_score(sum, 0));
    put_card(x, "score before waivers", scored ? v : "none");
    snprintf(v, sizeof v, "%.1f%%", vg_audit_summary_score(sum, 1));
    put_card(x, "score after waivers", scored ? v : "none");
    if (!scored)
        vg_xw_elem(x, "p", vg_audit_summary_no_score(sum));
    for (size_t i = 0; i < N_CARDS; i++) {
        snprintf(v, sizeof v, "%zu", sum->counts[card_order[i]]);
        put_card(x, status_words[card_order[i]], v);
    }
    if (sum->counts[VG_PENDING]) { /* vSphere VMs reconfigured while running */
        snprintf(v, sizeof v, "%zu", sum->counts[VG_PENDING]);
        put_card(x, "pending power cycle", v);
    }
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static void put_th_row(xw *x, const char *const *heads, size_t n)
{
    vg_xw_start(x, "thead");
    vg_xw_start(x, "tr");
    for (size_t i = 0; i < n; i++)
        vg_xw_elem(x, "th", heads[i]);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static void put_num_cell(xw *x, size_t n)
{
    char v[32];
    snprintf(v, sizeof v, "%zu", n);
    vg_xw_start(x, "td");
    vg_xw_attr(x, "class", "num");
    vg_xw_text(x, v);
    vg_xw_end_full(x);
}

static void put_pct_cell(xw *x, size_t pass, size_t fail)
{
    char v[32];
    snprintf(v, sizeof v, "%.1f%%", pass + fail ? 100.0 * (double)pass / (double)(pass + fail)
                                                : 100.0);
    vg_xw_start(x, "td");
    vg_xw_attr(x, "class", "num");
    vg_xw_text(x, v);
    vg_xw_end_full(x);
}

/* Scores per profile, the same formula as the run's (vg_audit_summary_score). */
static void put_profiles(xw *x, const struct html_state *s)
{
    static const char *const heads[] = {"Profile", "Version", "Results", "Fail",
                                        "Waived",  "Pass",    "Score before waivers",
                                        "Score after waivers"};
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", "Scores per profile");
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "table-wrap");
    vg_xw_start(x, "table");
    vg_xw_attr(x, "id", "profiles");
    put_th_row(x, heads, sizeof heads / sizeof heads[0]);
    vg_xw_start(x, "tbody");
    for (size_t i = 0; i < s->n_profiles; i++) {
        const struct html_profile *p = &s->profiles[i];
        size_t total = 0;
        for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++)
            total += p->counts[st];
        vg_xw_start(x, "tr");
        vg_xw_elem(x, "td", p->p && p->p->id ? p->p->id : "?");
        vg_xw_elem(x, "td", p->p && p->p->version ? p->p->version : "");
        put_num_cell(x, total);
        put_num_cell(x, p->counts[VG_FAIL]);
        put_num_cell(x, p->counts[VG_WAIVED]);
        put_num_cell(x, p->counts[VG_PASS]);
        /* an error is not known to pass: it counts as a failure does */
        put_pct_cell(x, p->raw[VG_PASS], p->raw[VG_FAIL] + p->raw[VG_ERROR] + p->raw[VG_PENDING]);
        put_pct_cell(x, p->counts[VG_PASS] + p->counts[VG_WAIVED],
                     p->counts[VG_FAIL] + p->counts[VG_ERROR] + p->counts[VG_PENDING]);
        vg_xw_end_full(x);
    }
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static void put_charts(xw *x, struct html_state *s)
{
    /* the worst-rules chart reads bars built from the rule totals */
    for (size_t i = 0; i < s->n_rules; i++) {
        size_t total = 0;
        for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++)
            total += s->rules[i].counts[st];
        if (bar_add(&s->t.rules, &s->t.n_rules, s->rules[i].id, s->rules[i].title,
                    s->rules[i].counts[VG_FAIL], total, 0) != 0)
            x->failed = 1;
    }
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", "Charts");
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "charts");
    static const char *const captions[] = {"Pass / fail by severity", "Worst VMs", "Worst rules"};
    for (int c = 0; c < 3; c++) {
        vg_xw_start(x, "figure");
        vg_xw_elem(x, "figcaption", captions[c]);
        if (c == 0)
            vg_html_chart_severity(x, &s->t);
        else if (c == 1)
            vg_html_chart_bars(x, captions[c], s->t.vms, s->t.n_vms, 10);
        else
            vg_html_chart_bars(x, captions[c], s->t.rules, s->t.n_rules, 10);
        vg_xw_end_full(x);
    }
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static int by_rule_fails(const void *a, const void *b)
{
    const struct html_rule *x = *(const struct html_rule *const *)a,
                           *y = *(const struct html_rule *const *)b;
    if (x->counts[VG_FAIL] != y->counts[VG_FAIL])
        return x->counts[VG_FAIL] < y->counts[VG_FAIL] ? 1 : -1;
    int c = strcmp(x->id, y->id);
    return c ? c : strcmp(x->source, y->source);
}

/* Every rule with its counts: passes summarised, readable without script. */
static void put_rules(xw *x, const struct html_state *s)
{
    static const char *const heads[] = {"Rule",   "Source id", "Severity", "Title",
                                        "fail",   "error",     "waived",   "manual",
                                        "n/a",    "pass",      "pending"};
    const struct html_rule **sorted = malloc((s->n_rules ? s->n_rules : 1) * sizeof *sorted);
    if (!sorted) {
        x->failed = 1;
        return;
    }
    for (size_t i = 0; i < s->n_rules; i++)
        sorted[i] = &s->rules[i];
    qsort(sorted, s->n_rules, sizeof *sorted, by_rule_fails);
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", "Rules");
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "table-wrap");
    vg_xw_start(x, "table");
    vg_xw_attr(x, "id", "rules");
    put_th_row(x, heads, sizeof heads / sizeof heads[0]);
    vg_xw_start(x, "tbody");
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct html_rule *r = sorted[i];
        vg_xw_start(x, "tr");
        vg_xw_attr(x, "data-rule", r->id);
        vg_xw_elem(x, "td", r->id);
        vg_xw_elem(x, "td", r->source);
        vg_xw_start(x, "td");
        vg_xw_attrf(x, "class", "sev-%s", vg_severity_name(r->sev));
        vg_xw_text(x, vg_severity_name(r->sev));
        vg_xw_end_full(x);
        vg_xw_elem(x, "td", r->title);
        for (size_t k = 0; k < N_CARDS; k++)
            put_num_cell(x, r->counts[card_order[k]]);
        put_num_cell(x, r->counts[VG_PENDING]);
        vg_xw_end_full(x);
    }
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    free(sorted);
}

/* A windowed list: the page script fills the viewport from the data. */
static void put_list(xw *x, const char *id, const char *title, const char *placeholder,
                     int with_selects)
{
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", title);
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "controls");
    vg_xw_start(x, "input");
    vg_xw_attrf(x, "id", "%s-q", id);
    vg_xw_attr(x, "type", "search");
    vg_xw_attr(x, "placeholder", placeholder);
    vg_xw_attr(x, "aria-label", placeholder);
    vg_xw_end(x);
    if (with_selects) {
        static const char *const sel[] = {"status", "severity", "rule"};
        for (size_t i = 0; i < 3; i++) {
            vg_xw_start(x, "select");
            vg_xw_attrf(x, "id", "%s-%s", id, sel[i]);
            vg_xw_attr(x, "aria-label", sel[i]);
            vg_xw_end_full(x);
        }
    }
    vg_xw_start(x, "select");
    vg_xw_attrf(x, "id", "%s-sort", id);
    vg_xw_attr(x, "aria-label", "sort by");
    vg_xw_end_full(x);
    vg_xw_start(x, "span");
    vg_xw_attrf(x, "id", "%s-shown", id);
    vg_xw_attr(x, "class", "muted shown");
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_start(x, "div");
    vg_xw_attrf(x, "id", "%s-view", id);
    vg_xw_attr(x, "class", "view");
    vg_xw_attr(x, "tabindex", "0");
    vg_xw_start(x, "div");
    vg_xw_attr(x, "class", "spacer");
    vg_xw_end_full(x);
    vg_xw_end_full(x);
    vg_xw_start(x, "div");
    vg_xw_attrf(x, "id", "%s-detail", id);
    vg_xw_attr(x, "class", "detail");
    vg_xw_end_full(x);
    vg_xw_start(x, "noscript");
    vg_xw_text(x, "This list needs JavaScript; the counts per rule are in the table above.");
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

static void put_problems(xw *x, struct html_state *s)
{
    if (!s->n_problems)
        return;
    vg_xw_start(x, "section");
    vg_xw_elem(x, "h2", "Problems");
    vg_xw_start(x, "ul");
    const char *p = s->problems.data;
    for (size_t i = 0; i < s->n_problems; i++, p += strlen(p) + 1)
        vg_xw_elem(x, "li", p);
    vg_xw_end_full(x);
    vg_xw_end_full(x);
}

/* The data block: {"status":[...],"words":[...],"vms":[...],"rows":[...],
 * "rules":[...],"strings":[...]} in one line of escaped JSON. */
static void put_data(xw *x, struct html_state *s)
{
    vg_buf *b = &s->line;
    vg_buf_reset(b);
    vg_xw_start(x, "script");
    vg_xw_attr(x, "type", "application/json");
    vg_xw_attr(x, "id", "vg-data");
    VG_REPORT_LIT(b, "{\"status\":[");
    for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++) {
        if (st)
            vg_report_addc(b, ',');
        json_str(b, vg_result_status_name(st));
    }
    VG_REPORT_LIT(b, "],\"words\":[");
    for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++) {
        if (st)
            vg_report_addc(b, ',');
        json_str(b, status_words[st]);
    }
    VG_REPORT_LIT(b, "],\"vms\":[");
    vg_xw_raw(x, b->data, b->len);
    vg_buf_reset(b);
    copy_part(x, s->vms_file);
    vg_xw_raw(x, "],\"rows\":[", 10);
    copy_part(x, s->rows_file);
    VG_REPORT_LIT(b, "],\"rules\":[");
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct html_rule *r = &s->rules[i];
        if (i)
            vg_report_addc(b, ',');
        vg_report_addc(b, '[');
        json_str(b, r->id);
        vg_report_addc(b, ',');
        json_str(b, r->source);
        vg_report_addc(b, ',');
        json_str(b, vg_severity_name(r->sev));
        vg_report_addc(b, ',');
        json_str(b, r->title);
        json_counts(b, r->counts);
        vg_report_addc(b, ']');
    }
    VG_REPORT_LIT(b, "],\"strings\":[");
    for (size_t i = 0; i < s->strs.n; i++) {
        if (i)
            vg_report_addc(b, ',');
        json_str(b, s->strs.s[i]);
        if (b->len > 65536) {
            vg_xw_raw(x, b->data, b->len);
            vg_buf_reset(b);
        }
    }
    VG_REPORT_LIT(b, "]}");
    if (b->oom)
        x->failed = 1;
    vg_xw_raw(x, b->data, b->len);
    vg_buf_reset(b);
    vg_xw_end_full(x);
}

static int html_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct html_state *s = r->state;
    xw x;
    FILE *f = vg_report_stream(r);
    fputs("<!DOCTYPE html>\n", f);
    vg_xw_open_fragment(&x, f);
    vg_xw_start(&x, "html");
    vg_xw_attr(&x, "lang", "en");
    put_head(&x);
    vg_xw_start(&x, "body");
    put_header(&x, r);
    vg_xw_start(&x, "main");
    put_summary(&x, sum);
    put_profiles(&x, s);
    put_charts(&x, s);
    put_problems(&x, s);
    put_rules(&x, s);
    put_list(&x, "findings", "Findings (fail, pending, error, waived, manual)",
             "Search VM, rule, evidence...", 1);
    put_list(&x, "vms", "Virtual machines", "Search VM name or path...", 0);
    vg_xw_end_full(&x);
    vg_xw_start(&x, "footer");
    vg_xw_text(&x, "Generated by vmxguard ");
    vg_xw_text(&x, r->run.tool_version ? r->run.tool_version : vg_version());
    vg_xw_end_full(&x);
    put_data(&x, s);
    vg_xw_start(&x, "script");
    vg_xw_raw(&x, vg_html_script, strlen(vg_html_script));
    vg_xw_end_full(&x);
    vg_xw_end_full(&x);
    vg_xw_end_full(&x);
    vg_xw_raw(&x, "\n", 1);
    if (vg_xw_close(&x))
        return vg_error_set(err, VG_EIO, "", 0, "writing the html report failed");
    return vg_report_flush(r, err);
}

static void free_bars(struct html_bar *bars, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(bars[i].label);
        free(bars[i].title);
    }
    free(bars);
}

static void html_free(vg_report *r)
{
    struct html_state *s = r->state;
    if (!s)
        return;
    if (s->rows_file)
        fclose(s->rows_file);
    if (s->vms_file)
        fclose(s->vms_file);
    free_bars(s->t.vms, s->t.n_vms);
    free_bars(s->t.rules, s->t.n_rules);
    for (size_t i = 0; i < s->n_rules; i++) {
        free(s->rules[i].id);
        free(s->rules[i].source);
        free(s->rules[i].title);
    }
    free(s->rules);
    free(s->rule_slot);
    free(s->profiles);
    for (size_t i = 0; i < s->strs.n; i++)
        free(s->strs.s[i]);
    free(s->strs.s);
    free(s->strs.slot);
    vg_buf_release(&s->line);
    vg_buf_release(&s->problems);
    free(s);
}

const struct report_ops vg_report_html_ops = {
    .name = "html",
    .summary = "one self-contained HTML page: summary, scores, charts, rule counts, windowed "
               "findings and VM lists filtered on embedded JSON",
    .begin = html_begin,
    .vm = html_vm,
    .problem = html_problem,
    .end = html_end,
    .free = html_free,
    /* no render op: each VM goes through the whole document's writer */
};
