/*
 * The terminal report: per VM what fails first (by severity), then the
 * other statuses that need a look, each with its evidence and fix; lint
 * warnings; a run summary with the score before and after waivers.  Values
 * come from .vmx files and servers, so control characters, bidi controls
 * and bad bytes are shown escaped (util/term.h) and never reach the
 * terminal raw; long text is wrapped, never cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "util/term.h"

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"

static const char *const status_color[VG_RESULT_STATUS_COUNT] = {
    [VG_PASS] = "\033[32m",   [VG_FAIL] = "\033[1;31m", [VG_NOT_APPLICABLE] = "\033[2m",
    [VG_MANUAL] = "\033[33m", [VG_ERROR] = "\033[35m",  [VG_WAIVED] = "\033[36m",
    [VG_PENDING] = "\033[1;33m",
};
static const char *const severity_color[4] = {"\033[2m", "", "\033[33m", "\033[31m"};

/* Where one piece of the report is composed: out receives the text, the
 * buffers are scratch.  The writer keeps one for the whole run;
 * rendering from a worker thread uses one of its own. */
struct text_out {
    const vg_report_opts *opts;
    vg_buf *out;
    vg_buf field; /* escaped text of the field being wrapped */
    vg_buf line;  /* one logical line before wrapping */
    vg_buf label; /* a result's status and severity columns */
};

struct text_state {
    vg_buf out;
    struct text_out o;
};

static void add_spaces(vg_buf *b, size_t n)
{
    static const char spaces[] = "                                ";
    while (n) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        vg_report_add(b, spaces, k);
        n -= k;
    }
}

/* s, then spaces up to width columns (printf's %-*s for ASCII words). */
static void add_padded(vg_buf *b, const char *s, size_t width)
{
    size_t n = strlen(s);
    vg_report_add(b, s, n);
    if (n < width)
        add_spaces(b, width - n);
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
 * Label+text wrapped to width columns, the continuation indented under the
 * text; breaks at a space where it can.  Nothing is ever cut: a warning's
 * last words are often the key it suggests.  label may hold colour codes,
 * so its width is given as label_cols.  The text is made terminal-safe
 * first (util/term.h): values, names and messages come from tenants.
 */
static void put_label_wrapped(struct text_out *o, size_t indent, const char *label,
                              size_t label_cols, const char *text)
{
    vg_buf *b = o->out;
    const char *p = text ? text : "";
    size_t left = 0; /* bytes of p still to place, when every byte is one column */
    int plain = 1;   /* printable ASCII only: no escape, a column per byte */
    while (p[left]) {
        unsigned char c = (unsigned char)p[left];
        if (c < 0x20 || c > 0x7E) {
            plain = 0;
            break;
        }
        left++;
    }
#ifdef VG_REFERENCE_PATHS /* the differential test's general path: always escape */
    plain = 0;
#endif
    if (!plain) {
        vg_buf_reset(&o->field);
        vg_term_escape(&o->field, p, strlen(p), 0);
        p = o->field.data;
    }
    size_t width = (size_t)o->opts->width;
    size_t room = width > indent + label_cols + 10 ? width - indent - label_cols : 10;
    for (int line = 0;; line++) {
        size_t n = plain ? (left < room ? left : room) : fit(p, room);
        if (p[n]) {
            size_t sp = n;
            while (sp > n / 2 && p[sp] != ' ')
                sp--;
            if (p[sp] == ' ')
                n = sp;
        }
        add_spaces(b, line ? indent + label_cols : indent);
        if (!line)
            vg_report_adds(b, label);
        vg_report_add(b, p, n);
        vg_report_addc(b, '\n');
        size_t skip = n;
        while (p[skip] == ' ')
            skip++;
        p += skip;
        if (plain)
            left -= skip;
        if (!*p)
            break;
    }
}

static void put_wrapped(struct text_out *o, size_t indent, const char *label, const char *text)
{
    put_label_wrapped(o, indent, label, columns(label, strlen(label)), text);
}

/* "FAIL    high    " with colours when asked; 16 columns. */
static void status_label(const vg_report_opts *opts, vg_buf *b, vg_result_status st,
                         vg_severity sev)
{
    int known = (unsigned)st < VG_RESULT_STATUS_COUNT;
    const char *off = opts->color ? ANSI_RESET : "";
    vg_report_adds(b, opts->color && known ? status_color[st] : "");
    const char *label = vg_report_status_label(st);
    add_padded(b, label, 6);
    vg_report_adds(b, off);
    /* "PENDING" takes one column of the gap: the label stays 16 wide */
    vg_report_adds(b, strlen(label) > 6 ? " " : "  ");
    vg_report_adds(b, opts->color ? severity_color[sev] : "");
    add_padded(b, vg_severity_name(sev), 6);
    vg_report_adds(b, off);
    VG_REPORT_LIT(b, "  ");
}

static void put_result_head(struct text_out *o, const vg_result *res)
{
    vg_buf_reset(&o->label);
    status_label(o->opts, &o->label, res->status, vg_report_severity(res));
    const char *id = vg_report_rule_id(res), *source = vg_report_source_id(res);
    vg_buf_reset(&o->line);
    vg_report_adds(&o->line, id);
    if (strcmp(source, id) != 0) {
        VG_REPORT_LIT(&o->line, " [");
        vg_report_adds(&o->line, source);
        vg_report_addc(&o->line, ']');
    }
    vg_report_addc(&o->line, ' ');
    vg_report_adds(&o->line, vg_report_rule_title(res));
    put_label_wrapped(o, 2, o->label.data, 16, o->line.data);
}

static void put_waiver(struct text_out *o, const vg_result *res)
{
    vg_buf *b = &o->line;
    vg_buf_reset(b);
    if (res->waiver_expired)
        VG_REPORT_LIT(b, "EXPIRED ");
    vg_report_adds(b, res->waiver_reason ? res->waiver_reason : "");
    if (res->waiver_approver) {
        VG_REPORT_LIT(b, " (approved by ");
        vg_report_adds(b, res->waiver_approver);
        vg_report_addc(b, ')');
    }
    if (res->waiver_expires) {
        VG_REPORT_LIT(b, ", expires ");
        vg_report_adds(b, res->waiver_expires);
    }
    put_wrapped(o, 10, "waiver: ", b->data);
}

static void put_result(struct text_out *o, const vg_result *res)
{
    put_result_head(o, res);
    int detail = res->status == VG_FAIL || res->status == VG_ERROR || res->status == VG_WAIVED ||
                 res->status == VG_PENDING || o->opts->verbose;
    if (detail && res->evidence)
        put_wrapped(o, 10, "evidence: ", res->evidence);
    if (detail && res->status != VG_PASS && res->fix && res->status != VG_NOT_APPLICABLE)
        put_wrapped(o, 10, "fix: ", res->fix);
    if (res->waiver_reason)
        put_waiver(o, res);
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

static void put_vm_header(struct text_out *o, const vg_vm *vm)
{
    if (o->opts->color)
        VG_REPORT_LIT(o->out, ANSI_BOLD);
    put_wrapped(o, 0, "", vg_report_vm_name(vm));
    if (o->opts->color)
        VG_REPORT_LIT(o->out, ANSI_RESET);
    vg_buf *l = &o->line;
    vg_buf_reset(l);
    if (vm->path) {
        vg_report_adds(l, vm->path);
    } else if (vm->moref) {
        vg_report_adds(l, vm->moref);
        VG_REPORT_LIT(l, " on ");
        vg_report_adds(l, vm->server ? vm->server : "?");
    }
    if (l->len)
        put_wrapped(o, 2, "", l->data);
    if (vm->uuid) /* a line of its own: a bios uuid has spaces and would wrap mid-way */
        put_wrapped(o, 2, "uuid ", vm->uuid);
    const char *note = vm_note(vm);
    if (note)
        put_wrapped(o, 2, "note: ", note);
}

static void put_lints(struct text_out *o, const vg_vm_report *vr)
{
    vg_buf *l = &o->line;
    for (size_t i = 0; i < vr->n_lints; i++) {
        const vg_lint *lint = &vr->lints[i];
        vg_buf_reset(l);
        if (vr->vm->path && lint->line) {
            vg_report_adds(l, vr->vm->path);
            vg_report_addc(l, ':');
            vg_report_add_uint(l, lint->line);
            VG_REPORT_LIT(l, ": ");
        }
        vg_report_adds(l, lint->key ? lint->key : "?");
        VG_REPORT_LIT(l, ": ");
        vg_report_adds(l, lint->message ? lint->message : "");
        if (lint->suggest) {
            VG_REPORT_LIT(l, " (use ");
            vg_report_adds(l, lint->suggest);
            vg_report_addc(l, ')');
        }
        put_wrapped(o, 2, "warning: ", l->data);
    }
}

static void add_counts(vg_buf *b, const size_t *counts)
{
    static const vg_result_status order[] = {VG_PASS,   VG_FAIL,           VG_WAIVED,
                                             VG_MANUAL, VG_NOT_APPLICABLE, VG_ERROR};
    static const char *const words[VG_RESULT_STATUS_COUNT] = {
        "pass", "fail", "n.a.", "manual", "error", "waived", "pending"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (i)
            VG_REPORT_LIT(b, ", ");
        vg_report_add_uint(b, counts[order[i]]);
        vg_report_addc(b, ' ');
        vg_report_adds(b, words[order[i]]);
    }
    /* only vSphere VMs reconfigured while running have it: said only then */
    if (counts[VG_PENDING]) {
        VG_REPORT_LIT(b, ", ");
        vg_report_add_uint(b, counts[VG_PENDING]);
        VG_REPORT_LIT(b, " pending (in effect after a power cycle)");
    }
}

static void text_out_init(struct text_out *o, const vg_report_opts *opts, vg_buf *out)
{
    o->opts = opts;
    o->out = out;
    vg_buf_init(&o->field);
    vg_buf_init(&o->line);
    vg_buf_init(&o->label);
}

/* Scratch memory of o (not out) back to the heap; its oom goes to out. */
static void text_out_release(struct text_out *o)
{
    if (o->field.oom || o->line.oom || o->label.oom)
        o->out->oom = 1;
    vg_buf_release(&o->field);
    vg_buf_release(&o->line);
    vg_buf_release(&o->label);
}

static int text_begin(vg_report *r, vg_error *err)
{
    struct text_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    vg_buf_init(&s->out);
    text_out_init(&s->o, &r->opts, &s->out);
    r->state = s;
    return VG_OK;
}

static int text_vm_into(struct text_out *o, const vg_vm_report *vr, vg_error *err)
{
    size_t *idx = vg_report_sorted(vr);
    if (vr->n_results && !idx)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    put_vm_header(o, vr->vm);
    for (size_t k = 0; k < vr->n_results; k++) {
        const vg_result *res = &vr->results[idx[k]];
        if (res->status != VG_PASS || o->opts->verbose)
            put_result(o, res);
    }
    free(idx);
    put_lints(o, vr);
    vg_buf_reset(&o->line);
    add_counts(&o->line, vr->counts);
    put_wrapped(o, 2, "", o->line.data);
    vg_report_addc(o->out, '\n');
    if (o->field.oom || o->line.oom || o->label.oom)
        o->out->oom = 1;
    return VG_OK;
}

static int text_render(const vg_report *r, const vg_vm_report *vr, vg_buf *out, vg_error *err)
{
    struct text_out o;
    text_out_init(&o, &r->opts, out);
    int rc = text_vm_into(&o, vr, err);
    text_out_release(&o);
    return rc;
}

static int text_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t n,
                         vg_error *err)
{
    (void)vr;
    int rc = vg_report_write(r, bytes, n, err);
    return rc ? rc : vg_report_flush_vm(r, err);
}

/* Streaming: the writer's own buffers, kept from VM to VM. */
static int text_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct text_state *s = r->state;
    vg_buf_reset(&s->out);
    int rc = text_vm_into(&s->o, vr, err);
    if (rc == VG_OK && s->out.oom) {
        text_out_release(&s->o);
        vg_buf_release(&s->out);
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    }
    return rc ? rc : text_rendered(r, vr, s->out.data, s->out.len, err);
}

/* Problems and the summary: composed in a buffer of their own, written at once. */
static int text_put(vg_report *r, vg_buf *b, vg_error *err)
{
    int rc = b->oom ? vg_error_set(err, VG_ENOMEM, "", 0, "out of memory")
                    : vg_report_write(r, b->data, b->len, err);
    vg_buf_release(b);
    return rc ? rc : vg_report_flush(r, err);
}

static int text_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    char msg[1100];
    vg_error_format(problem, msg, sizeof msg);
    vg_buf b = VG_BUF_INIT;
    struct text_out o;
    text_out_init(&o, &r->opts, &b);
    put_wrapped(&o, 0, problem->code ? "error: " : "warning: ", msg);
    text_out_release(&o);
    return text_put(r, &b, err);
}

static void put_profiles(const vg_report *r, struct text_out *o, vg_buf *b)
{
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        vg_buf_reset(b);
        vg_buf_printf(b, "%s%s%s (%zu rules, %zu automated)", p->id, p->version ? " " : "",
                      p->version ? p->version : "", p->n_rules, vg_profile_automated_count(p));
        put_wrapped(o, 0, "Profile:  ", b->data);
    }
}

static int text_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    vg_buf out = VG_BUF_INIT, b = VG_BUF_INIT;
    struct text_out o;
    text_out_init(&o, &r->opts, &out);
    vg_buf_printf(&out, "%sSummary%s\n", r->opts.color ? ANSI_BOLD : "",
                  r->opts.color ? ANSI_RESET : "");
    put_profiles(r, &o, &b);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu audited, %zu failing, %zu input errors, %zu warnings", sum->vms,
                  sum->vms_failing, sum->errors, sum->warnings);
    put_wrapped(&o, 0, "VMs:      ", b.data);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu results: ", sum->results);
    add_counts(&b, sum->counts);
    put_wrapped(&o, 0, "Rules:    ", b.data);
    vg_buf_reset(&b);
    vg_buf_printf(&b, "%zu high, %zu medium, %zu low, %zu info", sum->fail_by_severity[VG_SEV_HIGH],
                  sum->fail_by_severity[VG_SEV_MEDIUM], sum->fail_by_severity[VG_SEV_LOW],
                  sum->fail_by_severity[VG_SEV_INFO]);
    put_wrapped(&o, 0, "Failures: ", b.data);
    vg_buf_reset(&b);
    if (vg_audit_summary_no_score(sum)) /* never 100% for nothing */
        vg_buf_printf(&b, "none: %s", vg_audit_summary_no_score(sum));
    else
        vg_buf_printf(&b, "%.1f%% before waivers, %.1f%% after waivers",
                      vg_audit_summary_score(sum, 0), vg_audit_summary_score(sum, 1));
    put_wrapped(&o, 0, "Score:    ", b.data);
    if (b.oom)
        out.oom = 1;
    vg_buf_release(&b);
    text_out_release(&o);
    return text_put(r, &out, err);
}

static void text_free(vg_report *r)
{
    struct text_state *s = r->state;
    if (!s)
        return;
    text_out_release(&s->o);
    vg_buf_release(&s->out);
    free(s);
}

const struct report_ops vg_report_text_ops = {
    .name = "text",
    .summary = "human-readable terminal report (default)",
    .begin = text_begin,
    .vm = text_vm,
    .problem = text_problem,
    .end = text_end,
    .free = text_free,
    .render = text_render,
    .rendered = text_rendered,
};
