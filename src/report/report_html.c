/*
 * The HTML report: one self-contained page (inline CSS, script and SVG; a
 * Content-Security-Policy that forbids any fetch) with the run summary and
 * charts first, then a sortable, filterable table of every result, then a
 * collapsible section per VM with evidence and fix.  The summary comes
 * first but is known last, so table rows and VM sections are written to
 * temporary files while VMs stream past and copied in at the end; memory
 * holds only the chart totals.  Everything goes through xmlTextWriter, so
 * names and values are escaped; markup written raw is this file's constants.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_html.h"

struct html_state {
    FILE *rows_file, *vms_file; /* tmpfile()s, copied into the page at end */
    xw rows, vms;
    struct html_totals t;
    vg_buf problems; /* problem lines, NUL-separated, written at end */
    size_t n_problems;
};

static const char *const status_words[VG_RESULT_STATUS_COUNT] = {"pass",   "fail",  "n/a",
                                                                 "manual", "error", "waived"};

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

static void put_pill(xw *x, vg_result_status st)
{
    xw_start(x, "span");
    xw_attrf(x, "class", "pill s-%s", vg_result_status_name(st));
    xw_text(x, (unsigned)st < VG_RESULT_STATUS_COUNT ? status_words[st] : "?");
    xw_end_full(x);
}

static void put_cell(xw *x, const char *text, const char *cls, const char *sort)
{
    xw_start(x, "td");
    xw_attr(x, "class", cls);
    xw_attr(x, "data-sort", sort);
    xw_text(x, text);
    xw_end_full(x);
}

static void put_code_cell(xw *x, const char *text)
{
    xw_start(x, "td");
    if (text) {
        xw_start(x, "code");
        xw_text(x, text);
        xw_end_full(x);
    }
    xw_end_full(x);
}

static void put_row(xw *x, const vg_vm *vm, const vg_result *res)
{
    vg_severity sev = vg_report_severity(res);
    char rank[16], sevrank[16]; /* room for any int: gcc checks the bound */
    snprintf(rank, sizeof rank, "%d", vg_report_status_rank(res->status));
    snprintf(sevrank, sizeof sevrank, "%d", 3 - (int)sev);
    xw_start(x, "tr");
    xw_attr(x, "data-status", vg_result_status_name(res->status));
    put_cell(x, vg_report_vm_name(vm), NULL, NULL);
    put_cell(x, vg_report_rule_id(res), NULL, NULL);
    put_cell(x, vg_report_source_id(res), NULL, NULL);
    xw_start(x, "td");
    xw_attrf(x, "class", "sev-%s", vg_severity_name(sev));
    xw_attr(x, "data-sort", sevrank);
    xw_text(x, vg_severity_name(sev));
    xw_end_full(x);
    xw_start(x, "td");
    xw_attr(x, "data-sort", rank);
    put_pill(x, res->status);
    xw_end_full(x);
    put_code_cell(x, res->evidence);
    put_code_cell(x, res->status == VG_PASS || res->status == VG_NOT_APPLICABLE ? NULL : res->fix);
    xw_end_full(x);
}

static void put_finding(xw *x, const vg_result *res)
{
    xw_start(x, "li");
    put_pill(x, res->status);
    xw_text(x, " ");
    xw_start(x, "b");
    xw_text(x, vg_report_rule_id(res));
    xw_end_full(x);
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, " [%s, %s] %s", vg_report_source_id(res),
                  vg_severity_name(vg_report_severity(res)), vg_report_rule_title(res));
    xw_text(x, b.data);
    static const char *const labels[] = {"evidence: ", "expected: ", "fix: ", "waiver: "};
    const char *values[] = {res->evidence, res->expected,
                            res->status == VG_NOT_APPLICABLE ? NULL : res->fix, res->waiver_reason};
    for (size_t i = 0; i < 4; i++) {
        if (!values[i])
            continue;
        xw_start(x, "div");
        xw_start(x, "span");
        xw_attr(x, "class", "muted");
        xw_text(x, labels[i]);
        xw_end_full(x);
        xw_start(x, "code");
        xw_text(x, values[i]);
        xw_end_full(x);
        xw_end_full(x);
    }
    vg_buf_release(&b);
    xw_end_full(x);
}

static void put_vm_summary(xw *x, const vg_vm_report *vr)
{
    const vg_vm *vm = vr->vm;
    xw_start(x, "summary");
    xw_text(x, vg_report_vm_name(vm));
    xw_start(x, "small");
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%zu fail, %zu error, %zu waived, %zu manual, %zu n/a, %zu pass",
                  vr->counts[VG_FAIL], vr->counts[VG_ERROR], vr->counts[VG_WAIVED],
                  vr->counts[VG_MANUAL], vr->counts[VG_NOT_APPLICABLE], vr->counts[VG_PASS]);
    xw_text(x, b.data);
    xw_end_full(x);
    xw_end_full(x);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%s%s%s%s%s", vm->path ? vm->path : "", vm->moref ? " \xC2\xB7 " : "",
                  vm->moref ? vm->moref : "", vm->uuid ? " \xC2\xB7 uuid " : "",
                  vm->uuid ? vm->uuid : "");
    xw_start(x, "div");
    xw_attr(x, "class", "muted");
    xw_text(x, b.data);
    xw_end_full(x);
    if (vm->locked || vm->power == VG_POWER_ON) {
        xw_start(x, "div");
        xw_attr(x, "class", "note");
        xw_text(x, vm->locked ? "Locked (appears powered on): fixes apply after a power cycle."
                              : "Powered on: fixes apply after a power cycle.");
        xw_end_full(x);
    }
    vg_buf_release(&b);
}

static void put_vm_section(xw *x, const vg_vm_report *vr, const size_t *order)
{
    xw_start(x, "details");
    xw_attr(x, "class", "vm");
    if (vr->counts[VG_FAIL] || vr->counts[VG_ERROR])
        xw_attr(x, "open", "open");
    put_vm_summary(x, vr);
    xw_start(x, "ul");
    for (size_t k = 0; k < vr->n_results; k++) {
        if (vr->results[order[k]].status != VG_PASS)
            put_finding(x, &vr->results[order[k]]);
    }
    for (size_t i = 0; i < vr->n_lints; i++) {
        const vg_lint *l = &vr->lints[i];
        vg_buf b = VG_BUF_INIT;
        vg_buf_printf(&b, "line %u: %s: %s%s%s", l->line, l->key ? l->key : "",
                      l->message ? l->message : "", l->suggest ? " (use " : "",
                      l->suggest ? l->suggest : "");
        if (l->suggest)
            vg_buf_addc(&b, ')');
        xw_start(x, "li");
        xw_attr(x, "class", "note");
        xw_text(x, "lint warning: ");
        xw_text(x, b.data);
        xw_end_full(x);
        vg_buf_release(&b);
    }
    xw_end_full(x);
    xw_end_full(x);
}

static int totals_add(struct html_totals *t, const vg_vm_report *vr)
{
    int rc = 0;
    for (size_t i = 0; i < vr->n_results; i++) {
        const vg_result *res = &vr->results[i];
        if ((unsigned)res->status < VG_RESULT_STATUS_COUNT)
            t->by_severity[vg_report_severity(res)][res->status]++;
        rc |= bar_add(&t->rules, &t->n_rules, vg_report_rule_id(res), vg_report_rule_title(res),
                      res->status == VG_FAIL, 1, 1);
    }
    const vg_vm *vm = vr->vm;
    rc |= bar_add(&t->vms, &t->n_vms, vg_report_vm_name(vm), vm->path ? vm->path : vm->moref,
                  vr->counts[VG_FAIL], vr->n_results, 0);
    return rc;
}

static int html_begin(vg_report *r, vg_error *err)
{
    struct html_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    s->rows_file = tmpfile();
    s->vms_file = tmpfile();
    if (!s->rows_file || !s->vms_file || xw_open_fragment(&s->rows, s->rows_file) ||
        xw_open_fragment(&s->vms, s->vms_file))
        return vg_error_set(err, VG_EIO, "", 0,
                            "cannot create temporary files for the html report");
    return VG_OK;
}

static int html_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct html_state *s = r->state;
    size_t *order = vg_report_sorted(vr);
    if (vr->n_results && !order)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    for (size_t k = 0; k < vr->n_results; k++)
        put_row(&s->rows, vr->vm, &vr->results[order[k]]);
    put_vm_section(&s->vms, vr, order);
    free(order);
    if (totals_add(&s->t, vr) != 0)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    if (s->rows.failed || s->vms.failed)
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

/* Close a temporary part and copy it into the page. */
static void copy_part(xw *page, xw *part, FILE *f)
{
    if (xw_close(part) || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        page->failed = 1;
        return;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        xw_raw(page, chunk, n);
    if (ferror(f))
        page->failed = 1;
}

static void put_head(xw *x)
{
    xw_start(x, "head");
    xw_start(x, "meta");
    xw_attr(x, "charset", "utf-8");
    xw_end(x);
    xw_start(x, "meta");
    xw_attr(x, "http-equiv", "Content-Security-Policy");
    xw_attr(x, "content",
            "default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:");
    xw_end(x);
    xw_start(x, "meta");
    xw_attr(x, "name", "viewport");
    xw_attr(x, "content", "width=device-width, initial-scale=1");
    xw_end(x);
    xw_elem(x, "title", "vmxguard audit report");
    xw_start(x, "style");
    xw_raw(x, vg_html_css, strlen(vg_html_css));
    xw_end_full(x);
    xw_end_full(x);
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
    xw_start(x, "header");
    xw_elem(x, "h1", "vmxguard audit report");
    xw_elem(x, "p", b.data);
    xw_end_full(x);
    vg_buf_release(&b);
}

static void put_card(xw *x, const char *label, const char *value)
{
    xw_start(x, "div");
    xw_attr(x, "class", "card");
    xw_elem(x, "b", value);
    xw_elem(x, "span", label);
    xw_end_full(x);
}

static void put_summary(xw *x, struct html_state *s, const vg_audit_summary *sum)
{
    char v[64];
    xw_start(x, "section");
    xw_elem(x, "h2", "Summary");
    xw_start(x, "div");
    xw_attr(x, "class", "cards");
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
        xw_elem(x, "p", vg_audit_summary_no_score(sum));
    static const vg_result_status order[] = {VG_FAIL,   VG_ERROR,          VG_WAIVED,
                                             VG_MANUAL, VG_NOT_APPLICABLE, VG_PASS};
    for (size_t i = 0; i < 6; i++) {
        snprintf(v, sizeof v, "%zu", sum->counts[order[i]]);
        put_card(x, status_words[order[i]], v);
    }
    xw_end_full(x);
    xw_end_full(x);
    xw_start(x, "section");
    xw_elem(x, "h2", "Charts");
    xw_start(x, "div");
    xw_attr(x, "class", "charts");
    static const char *const captions[] = {"Pass / fail by severity", "Worst VMs", "Worst rules"};
    for (int c = 0; c < 3; c++) {
        xw_start(x, "figure");
        xw_elem(x, "figcaption", captions[c]);
        if (c == 0)
            vg_html_chart_severity(x, &s->t);
        else if (c == 1)
            vg_html_chart_bars(x, captions[c], s->t.vms, s->t.n_vms, 10);
        else
            vg_html_chart_bars(x, captions[c], s->t.rules, s->t.n_rules, 10);
        xw_end_full(x);
    }
    xw_end_full(x);
    xw_end_full(x);
}

static void put_controls(xw *x)
{
    xw_start(x, "div");
    xw_attr(x, "class", "controls");
    xw_start(x, "input");
    xw_attr(x, "id", "filter");
    xw_attr(x, "type", "search");
    xw_attr(x, "placeholder", "Filter by VM, rule, evidence...");
    xw_attr(x, "aria-label", "filter results");
    xw_end(x);
    xw_start(x, "select");
    xw_attr(x, "id", "status");
    xw_attr(x, "aria-label", "status");
    xw_start(x, "option");
    xw_attr(x, "value", "");
    xw_text(x, "all statuses");
    xw_end_full(x);
    for (int st = 0; st < VG_RESULT_STATUS_COUNT; st++) {
        xw_start(x, "option");
        xw_attr(x, "value", vg_result_status_name(st));
        xw_text(x, status_words[st]);
        xw_end_full(x);
    }
    xw_end_full(x);
    xw_start(x, "span");
    xw_attr(x, "id", "shown");
    xw_attr(x, "class", "muted");
    xw_end_full(x);
    xw_end_full(x);
}

static void put_table(xw *x, struct html_state *s)
{
    static const char *const heads[] = {"VM",     "Rule",     "Source id", "Severity",
                                        "Status", "Evidence", "Fix"};
    xw_start(x, "section");
    xw_elem(x, "h2", "Results");
    put_controls(x);
    xw_start(x, "div");
    xw_attr(x, "class", "table-wrap");
    xw_start(x, "table");
    xw_attr(x, "id", "findings");
    xw_start(x, "thead");
    xw_start(x, "tr");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        xw_elem(x, "th", heads[i]);
    xw_end_full(x);
    xw_end_full(x);
    xw_start(x, "tbody");
    copy_part(x, &s->rows, s->rows_file);
    xw_end_full(x);
    xw_end_full(x);
    xw_end_full(x);
    xw_end_full(x);
}

static void put_problems(xw *x, struct html_state *s)
{
    if (!s->n_problems)
        return;
    xw_start(x, "section");
    xw_elem(x, "h2", "Problems");
    xw_start(x, "ul");
    const char *p = s->problems.data;
    for (size_t i = 0; i < s->n_problems; i++, p += strlen(p) + 1)
        xw_elem(x, "li", p);
    xw_end_full(x);
    xw_end_full(x);
}

static int html_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct html_state *s = r->state;
    xw x;
    FILE *f = vg_report_stream(r);
    fputs("<!DOCTYPE html>\n", f);
    xw_open_fragment(&x, f);
    xw_start(&x, "html");
    xw_attr(&x, "lang", "en");
    put_head(&x);
    xw_start(&x, "body");
    put_header(&x, r);
    xw_start(&x, "main");
    put_summary(&x, s, sum);
    put_problems(&x, s);
    put_table(&x, s);
    xw_start(&x, "section");
    xw_elem(&x, "h2", "Virtual machines");
    copy_part(&x, &s->vms, s->vms_file);
    xw_end_full(&x);
    xw_end_full(&x);
    xw_start(&x, "footer");
    xw_text(&x, "Generated by vmxguard ");
    xw_text(&x, r->run.tool_version ? r->run.tool_version : vg_version());
    xw_end_full(&x);
    xw_start(&x, "script");
    xw_raw(&x, vg_html_script, strlen(vg_html_script));
    xw_end_full(&x);
    xw_end_full(&x);
    xw_end_full(&x);
    xw_raw(&x, "\n", 1);
    if (xw_close(&x))
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
    if (s->rows.w)
        xw_close(&s->rows);
    if (s->vms.w)
        xw_close(&s->vms);
    if (s->rows_file)
        fclose(s->rows_file);
    if (s->vms_file)
        fclose(s->vms_file);
    free_bars(s->t.vms, s->t.n_vms);
    free_bars(s->t.rules, s->t.n_rules);
    vg_buf_release(&s->problems);
    free(s);
}

const struct report_ops vg_report_html_ops = {
    .name = "html",
    .summary = "one self-contained HTML page: summary, charts, sortable table, per-VM detail",
    .begin = html_begin,
    .vm = html_vm,
    .problem = html_problem,
    .end = html_end,
    .free = html_free,
    /* no render op: each VM goes through the whole document's writer */
};
