/*
 * The terminal report: per VM what fails first (by severity), then the
 * other statuses that need a look, each with its evidence and fix; lint
 * warnings; a run summary with the score before and after waivers.  Values
 * come from .vmx files, so control characters are shown escaped and never
 * reach the terminal raw.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"

static const char *const status_color[VG_RESULT_STATUS_COUNT] = {
    [VG_PASS] = "\033[32m",   [VG_FAIL] = "\033[1;31m", [VG_NOT_APPLICABLE] = "\033[2m",
    [VG_MANUAL] = "\033[33m", [VG_ERROR] = "\033[35m",  [VG_WAIVED] = "\033[36m",
};
static const char *const severity_color[4] = {"\033[2m", "", "\033[33m", "\033[31m"};

struct text_state {
    vg_buf line; /* reused for every output line */
};

/* Copy s into b with control characters escaped and bad UTF-8 replaced. */
static void add_printable(vg_buf *b, const char *s)
{
    static const char *const named[32] = {['\n'] = "\\n", ['\t'] = "\\t", ['\r'] = "\\r"};
    char *clean = vg_report_utf8(s);
    for (const unsigned char *p = (const unsigned char *)(clean ? clean : ""); *p; p++) {
        if (*p < 0x20 && named[*p])
            vg_buf_adds(b, named[*p]);
        else if (*p < 0x20 || *p == 0x7F)
            vg_buf_printf(b, "\\x%02X", *p);
        else
            vg_buf_addc(b, (char)*p);
    }
    free(clean);
}

/* Columns taken by s: one per code point (wide glyphs are rare in .vmx values). */
static size_t columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte length of the longest prefix of s that fits cols columns. */
static size_t fit(const char *s, size_t cols)
{
    size_t i = 0, n = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == cols)
                break;
            n++;
        }
        i++;
    }
    return i;
}

/*
 * Print label+text in at most max_lines lines of width columns, the
 * continuation indented under the text; breaks at a space where it can and
 * ends with "..." when the text does not fit.  label may hold colour codes,
 * so its width is given as label_cols.
 */
static void put_label_wrapped(FILE *f, size_t indent, const char *label, size_t label_cols,
                              const char *text, int width, int max_lines)
{
    vg_buf t = VG_BUF_INIT;
    add_printable(&t, text);
    const char *p = t.data ? t.data : "";
    size_t room =
        (size_t)width > indent + label_cols + 10 ? (size_t)width - indent - label_cols : 10;
    for (int line = 0; line < max_lines; line++) {
        size_t n = fit(p, room);
        int last = line == max_lines - 1;
        if (p[n] && last && n > 3)
            n = fit(p, room - 3);
        else if (p[n] && !last) {
            size_t sp = n;
            while (sp > n / 2 && p[sp] != ' ')
                sp--;
            if (p[sp] == ' ')
                n = sp;
        }
        fprintf(f, "%*s%s%.*s%s\n", (int)(line ? indent + label_cols : indent), "",
                line ? "" : label, (int)n, p, p[n] && last ? "..." : "");
        p += n;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
    }
    vg_buf_release(&t);
}

static void put_wrapped(FILE *f, size_t indent, const char *label, const char *text, int width,
                        int max_lines)
{
    put_label_wrapped(f, indent, label, columns(label, strlen(label)), text, width, max_lines);
}

/* "FAIL    high    " with colours when asked; 16 columns. */
static void status_label(const vg_report *r, vg_buf *b, vg_result_status st, vg_severity sev)
{
    int known = (unsigned)st < VG_RESULT_STATUS_COUNT;
    const char *on = r->opts.color && known ? status_color[st] : "";
    const char *off = r->opts.color ? ANSI_RESET : "";
    vg_buf_printf(b, "%s%-6s%s  ", on, vg_report_status_label(st), off);
    on = r->opts.color ? severity_color[sev] : "";
    vg_buf_printf(b, "%s%-6s%s  ", on, vg_severity_name(sev), off);
}

static void put_result_head(vg_report *r, FILE *f, const vg_result *res)
{
    struct text_state *s = r->state;
    vg_buf label = VG_BUF_INIT;
    status_label(r, &label, res->status, vg_report_severity(res));
    vg_buf_reset(&s->line);
    vg_buf_adds(&s->line, vg_report_rule_id(res));
    if (strcmp(vg_report_source_id(res), vg_report_rule_id(res)) != 0)
        vg_buf_printf(&s->line, " [%s]", vg_report_source_id(res));
    vg_buf_adds(&s->line, " ");
    vg_buf_adds(&s->line, vg_report_rule_title(res));
    put_label_wrapped(f, 2, label.data ? label.data : "", 16, s->line.data, r->opts.width, 2);
    vg_buf_release(&label);
}

static void put_waiver(FILE *f, const vg_result *res, int width)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s%s", res->waiver_expired ? "EXPIRED " : "",
                  res->waiver_reason ? res->waiver_reason : "");
    if (res->waiver_approver)
        vg_buf_printf(&b, " (approved by %s)", res->waiver_approver);
    if (res->waiver_expires)
        vg_buf_printf(&b, ", expires %s", res->waiver_expires);
    put_wrapped(f, 10, "waiver: ", b.data ? b.data : "", width, 2);
    vg_buf_release(&b);
}

static void put_result(vg_report *r, FILE *f, const vg_result *res)
{
    put_result_head(r, f, res);
    int detail = res->status == VG_FAIL || res->status == VG_ERROR || res->status == VG_WAIVED ||
                 r->opts.verbose;
    if (detail && res->evidence)
        put_wrapped(f, 10, "evidence: ", res->evidence, r->opts.width, 2);
    if (detail && res->status != VG_PASS && res->fix && res->status != VG_NOT_APPLICABLE)
        put_wrapped(f, 10, "fix: ", res->fix, r->opts.width, 2);
    if (res->waiver_reason)
        put_waiver(f, res, r->opts.width);
}

/* The power/lock note: fixes to a running VM only apply after a power cycle. */
static const char *vm_note(const vg_vm *vm)
{
    if (vm->locked)
        return "locked (appears powered on): fixes apply after a power cycle";
    if (vm->power == VG_POWER_ON)
        return "powered on: fixes apply after a power cycle";
    if (vm->power == VG_POWER_SUSPENDED)
        return "suspended";
    if (vm->is_template)
        return "template";
    return NULL;
}

static void put_vm_header(vg_report *r, FILE *f, const vg_vm *vm)
{
    struct text_state *s = r->state;
    vg_buf_reset(&s->line);
    if (r->opts.color)
        fputs(ANSI_BOLD, f);
    put_wrapped(f, 0, "", vg_report_vm_name(vm), r->opts.width, 3);
    if (r->opts.color)
        fputs(ANSI_RESET, f);
    if (vm->path)
        vg_buf_adds(&s->line, vm->path);
    else if (vm->moref)
        vg_buf_printf(&s->line, "%s on %s", vm->moref, vm->server ? vm->server : "?");
    if (s->line.len)
        put_wrapped(f, 2, "", s->line.data, r->opts.width, 2);
    if (vm->uuid) /* a line of its own: a bios uuid has spaces and would wrap mid-way */
        put_wrapped(f, 2, "uuid ", vm->uuid, r->opts.width, 2);
    const char *note = vm_note(vm);
    if (note)
        put_wrapped(f, 2, "note: ", note, r->opts.width, 2);
}

static void put_lints(vg_report *r, FILE *f, const vg_vm_report *vr)
{
    struct text_state *s = r->state;
    for (size_t i = 0; i < vr->n_lints; i++) {
        const vg_lint *l = &vr->lints[i];
        vg_buf_reset(&s->line);
        if (vr->vm->path && l->line)
            vg_buf_printf(&s->line, "%s:%u: ", vr->vm->path, l->line);
        vg_buf_printf(&s->line, "%s: %s", l->key ? l->key : "?", l->message ? l->message : "");
        if (l->suggest)
            vg_buf_printf(&s->line, " (use %s)", l->suggest);
        put_wrapped(f, 2, "warning: ", s->line.data, r->opts.width, 2);
    }
}

static void add_counts(vg_buf *b, const size_t *counts)
{
    static const vg_result_status order[] = {VG_PASS,   VG_FAIL,           VG_WAIVED,
                                             VG_MANUAL, VG_NOT_APPLICABLE, VG_ERROR};
    static const char *const words[VG_RESULT_STATUS_COUNT] = {"pass",   "fail",  "n.a.",
                                                              "manual", "error", "waived"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        vg_buf_printf(b, "%s%zu %s", i ? ", " : "", counts[order[i]], words[order[i]]);
}

static int text_begin(vg_report *r, vg_error *err)
{
    r->state = calloc(1, sizeof(struct text_state));
    if (!r->state)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return VG_OK;
}

static int text_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    size_t *idx = vg_report_sorted(vr);
    if (vr->n_results && !idx)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    put_vm_header(r, f, vr->vm);
    for (size_t k = 0; k < vr->n_results; k++) {
        const vg_result *res = &vr->results[idx[k]];
        if (res->status != VG_PASS || r->opts.verbose)
            put_result(r, f, res);
    }
    free(idx);
    put_lints(r, f, vr);
    struct text_state *s = r->state;
    vg_buf_reset(&s->line);
    add_counts(&s->line, vr->counts);
    put_wrapped(f, 2, "", s->line.data, r->opts.width, 2);
    fputc('\n', f);
    return vg_report_flush(r, err);
}

static int text_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    char msg[1100];
    vg_error_format(problem, msg, sizeof msg);
    put_wrapped(vg_report_stream(r), 0, problem->code ? "error: " : "warning: ", msg, r->opts.width,
                4);
    return vg_report_flush(r, err);
}

static void put_profiles(const vg_report *r, FILE *f, vg_buf *b)
{
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        vg_buf_reset(b);
        vg_buf_printf(b, "%s%s%s (%zu rules, %zu automated)", p->id, p->version ? " " : "",
                      p->version ? p->version : "", p->n_rules, vg_profile_automated_count(p));
        put_wrapped(f, 0, "Profile:  ", b->data, r->opts.width, 2);
    }
}

static int text_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    vg_buf b = VG_BUF_INIT;
    fprintf(f, "%sSummary%s\n", r->opts.color ? ANSI_BOLD : "", r->opts.color ? ANSI_RESET : "");
    put_profiles(r, f, &b);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu audited, %zu failing, %zu input errors, %zu warnings", sum->vms,
                  sum->vms_failing, sum->errors, sum->warnings);
    put_wrapped(f, 0, "VMs:      ", b.data, r->opts.width, 2);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu results: ", sum->results);
    add_counts(&b, sum->counts);
    put_wrapped(f, 0, "Rules:    ", b.data, r->opts.width, 3);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu high, %zu medium, %zu low, %zu info", sum->fail_by_severity[VG_SEV_HIGH],
                  sum->fail_by_severity[VG_SEV_MEDIUM], sum->fail_by_severity[VG_SEV_LOW],
                  sum->fail_by_severity[VG_SEV_INFO]);
    put_wrapped(f, 0, "Failures: ", b.data, r->opts.width, 2);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%.1f%% before waivers, %.1f%% after waivers", vg_audit_summary_score(sum, 0),
                  vg_audit_summary_score(sum, 1));
    put_wrapped(f, 0, "Score:    ", b.data, r->opts.width, 2);
    int oom = b.oom;
    vg_buf_release(&b);
    if (oom)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return vg_report_flush(r, err);
}

static void text_free(vg_report *r)
{
    struct text_state *s = r->state;
    if (!s)
        return;
    vg_buf_release(&s->line);
    free(s);
}

const struct report_ops vg_report_text_ops = {
    "text",       "human-readable terminal report (default)",
    text_begin,   text_vm,
    text_problem, text_end,
    text_free,
};
