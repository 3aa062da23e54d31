/*
 * JSON report: one document for the whole run, written as it goes so that
 * memory does not grow with the number of VMs (the "vms" array is opened at
 * begin and each VM object is written when it arrives).  The object
 * builders here are shared with jsonl.  docs/report-schema.json is the
 * schema; every string passes through UTF-8 clean-up because JSON must be
 * valid UTF-8 and a .vmx may hold any bytes.  The small parts (run,
 * problems, summary) are jansson trees; a VM's object, the bulk of the
 * output, is written straight into a buffer with the same bytes jansson's
 * compact dump would give (test_escape holds the escaper to that), which
 * also lets it be rendered on a worker thread.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define SCHEMA_VERSION 1

json_t *vg_report_json_str(const char *s)
{
    if (!s)
        return json_null();
    char *clean = vg_report_utf8(s);
    json_t *j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}

/* What jansson escapes in a string (dump.c): quote, backslash, the C0
 * controls (short forms where JSON has one, else \u with upper-case hex);
 * not '/'.  Plus what vg_json_dumps adds: DEL, and (escape_active) the C1
 * controls, bidi marks and overrides, U+2028/2029. */
static const struct vg_escapes json_escapes = {
    .stop = {VG_ESC_STOP_C0, ['"'] = 1, ['\\'] = 1, [0x7F] = 1, VG_ESC_STOP_HIGH},
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
            ['"'] = "\\\"",     ['\\'] = "\\\\",    [0x7F] = "\\u007F",
        },
    .escape_active = 1,
};

void vg_report_json_add_str(vg_buf *b, const char *s)
{
    if (!s) {
        VG_REPORT_LIT(b, "null");
        return;
    }
    vg_report_addc(b, '"');
    vg_report_add_clean(b, s, &json_escapes);
    vg_report_addc(b, '"');
}

/* ,"key": then the string: keys are constants that need no escaping. */
static void add_member(vg_buf *b, const char *key_lit, const char *value)
{
    vg_report_adds(b, key_lit);
    vg_report_json_add_str(b, value);
}

static void add_line(vg_buf *b, unsigned line)
{
    if (line)
        vg_report_add_uint(b, line);
    else
        VG_REPORT_LIT(b, "null");
}

static void add_bool(vg_buf *b, int v)
{
    if (v)
        VG_REPORT_LIT(b, "true");
    else
        VG_REPORT_LIT(b, "false");
}

static void add_str_list(vg_buf *b, const char *const *list)
{
    vg_report_addc(b, '[');
    for (size_t i = 0; list && list[i]; i++) {
        if (i)
            vg_report_addc(b, ',');
        vg_report_json_add_str(b, list[i]);
    }
    vg_report_addc(b, ']');
}

/* "pending" only when there is one: file targets never have it, and their
 * reports stay as they were (docs/report-schema.json: absent means 0). */
static int count_shown(const size_t *counts, int s)
{
    return s != VG_PENDING || counts[s];
}

static void add_counts(vg_buf *b, const size_t *counts)
{
    for (int s = 0; s < VG_RESULT_STATUS_COUNT; s++) {
        if (!count_shown(counts, s))
            continue;
        vg_report_addc(b, s ? ',' : '{');
        vg_report_json_add_str(b, vg_result_status_name(s));
        vg_report_addc(b, ':');
        vg_report_add_uint(b, counts[s]);
    }
    vg_report_addc(b, '}');
}

static json_t *counts_object(const size_t *counts)
{
    json_t *o = json_object();
    for (int s = 0; o && s < VG_RESULT_STATUS_COUNT; s++)
        if (count_shown(counts, s))
            json_object_set_new(o, vg_result_status_name(s),
                                json_integer((json_int_t)counts[s]));
    return o;
}

static const char *const origin_names[] = {"file", "vsphere", "guest"};

static void add_vm(vg_buf *b, const vg_vm *vm)
{
    add_member(b, "{\"name\":", vg_report_vm_name(vm));
    add_member(b, ",\"path\":", vm->path);
    add_member(b, ",\"moref\":", vm->moref);
    add_member(b, ",\"uuid\":", vm->uuid);
    add_member(b, ",\"instance_uuid\":", vm->instance_uuid);
    add_member(b, ",\"server\":", vm->server);
    add_member(b, ",\"host\":", vm->host);
    add_member(b, ",\"hw_version\":", vm->hw_version);
    add_member(b, ",\"guest_os\":", vm->guest_os);
    add_member(b, ",\"managed_by\":", vm->managed_by);
    add_member(b, ",\"origin\":", (unsigned)vm->origin < 3 ? origin_names[vm->origin] : "file");
    add_member(b, ",\"power\":", vg_power_state_name(vm->power));
    VG_REPORT_LIT(b, ",\"locked\":");
    add_bool(b, vm->locked != 0);
    VG_REPORT_LIT(b, ",\"template\":");
    add_bool(b, vm->is_template != 0);
    vg_report_addc(b, '}');
}

static void add_waiver(vg_buf *b, const vg_result *res)
{
    if (!res->waiver_reason) {
        VG_REPORT_LIT(b, "null");
        return;
    }
    add_member(b, "{\"reason\":", res->waiver_reason);
    add_member(b, ",\"approver\":", res->waiver_approver);
    add_member(b, ",\"expires\":", res->waiver_expires);
    VG_REPORT_LIT(b, ",\"expired\":");
    add_bool(b, res->waiver_expired != 0);
    vg_report_addc(b, '}');
}

/* The short VM identity every result carries, so a result stands alone:
 * the same for all results of a VM, so written once and copied. */
static void add_vm_ref(vg_buf *b, const vg_vm *vm)
{
    add_member(b, "{\"name\":", vg_report_vm_name(vm));
    add_member(b, ",\"path\":", vm->path);
    add_member(b, ",\"moref\":", vm->moref);
    add_member(b, ",\"uuid\":", vm->uuid);
    vg_report_addc(b, '}');
}

/*
 * The members of a result that depend only on its profile and profile rule
 * (rule, title, profile, source_id, refs; severity, severity_text) are
 * escaped once per run, at begin, instead of once per result of every VM:
 * they are most of a result's bytes.  The run's profiles outlive the writer
 * (report.h), so the table may point at them; it is read-only once built,
 * so worker threads render with it side by side.
 */
typedef struct rule_frag {
    const vg_profile *profile; /* NULL: empty slot */
    const vg_profile_rule *prule;
    char *text; /* head, then the severity members */
    size_t head_len, sev_len;
} rule_frag;

typedef struct rule_frags {
    rule_frag *slots; /* NULL: none (render every member) */
    size_t mask;
} rule_frags;

static size_t frag_slot(const rule_frags *f, const vg_profile *p, const vg_profile_rule *pr)
{
    uint64_t h = (uint64_t)(uintptr_t)pr * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)p;
    return (size_t)(h ^ (h >> 29)) & f->mask;
}

static const rule_frag *frag_find(const rule_frags *f, const vg_profile *p,
                                  const vg_profile_rule *pr)
{
    if (!f || !f->slots || !p || !pr)
        return NULL;
    for (size_t i = frag_slot(f, p, pr);; i = (i + 1) & f->mask) {
        const rule_frag *x = &f->slots[i];
        if (!x->profile)
            return NULL;
        if (x->profile == p && x->prule == pr)
            return x;
    }
}

static void add_rule_head(vg_buf *b, const vg_profile *profile, const vg_profile_rule *pr,
                          const vg_result *res)
{
    add_member(b, ",\"rule\":", vg_report_rule_id(res));
    add_member(b, ",\"title\":", vg_report_rule_title(res));
    add_member(b, ",\"profile\":", profile ? profile->id : NULL);
    add_member(b, ",\"source_id\":", pr ? pr->source_id : NULL);
    VG_REPORT_LIT(b, ",\"refs\":");
    add_str_list(b, pr ? pr->refs : NULL);
}

static void add_rule_severity(vg_buf *b, const vg_profile_rule *pr, const vg_result *res)
{
    add_member(b, ",\"severity\":", vg_severity_name(vg_report_severity(res)));
    add_member(b, ",\"severity_text\":", pr ? pr->severity_text : NULL);
}

static void frags_free(rule_frags *f)
{
    for (size_t i = 0; f->slots && i <= f->mask; i++)
        free(f->slots[i].text);
    free(f->slots);
    f->slots = NULL;
}

/* Without memory the table stays empty: every member is then rendered. */
static void frags_build(rule_frags *f, const vg_report_run *run)
{
    f->slots = NULL;
    f->mask = 0;
#ifndef VG_REFERENCE_PATHS /* the differential test renders every member */
    size_t total = 0;
    for (size_t p = 0; p < run->n_profiles; p++)
        total += run->profiles[p] ? run->profiles[p]->n_rules : 0;
    if (!total)
        return;
    size_t size = 16;
    while (size < 2 * total)
        size *= 2;
    if (!(f->slots = calloc(size, sizeof *f->slots)))
        return;
    f->mask = size - 1;
    for (size_t p = 0; p < run->n_profiles; p++) {
        const vg_profile *prof = run->profiles[p];
        for (size_t i = 0; prof && i < prof->n_rules; i++) {
            const vg_profile_rule *pr = &prof->rules[i];
            if (frag_find(f, prof, pr))
                continue;
            vg_result res = {.profile = prof, .prule = pr};
            vg_buf b = VG_BUF_INIT;
            add_rule_head(&b, prof, pr, &res);
            size_t head = b.len;
            add_rule_severity(&b, pr, &res);
            if (b.oom) {
                vg_buf_release(&b);
                frags_free(f);
                return;
            }
            size_t slot = frag_slot(f, prof, pr);
            while (f->slots[slot].profile)
                slot = (slot + 1) & f->mask;
            rule_frag *x = &f->slots[slot];
            x->profile = prof;
            x->prule = pr;
            x->head_len = head;
            x->sev_len = b.len - head;
            x->text = vg_buf_detach(&b);
        }
    }
#else
    (void)run;
#endif
}

static void add_result(vg_buf *b, const char *vm_ref, size_t vm_ref_len, const vg_result *res,
                       const rule_frags *frags)
{
    const vg_profile_rule *pr = res->prule;
    const rule_frag *f = frag_find(frags, res->profile, pr);
    VG_REPORT_LIT(b, "{\"vm\":");
    vg_report_add(b, vm_ref, vm_ref_len);
    if (f)
        vg_report_add(b, f->text, f->head_len);
    else
        add_rule_head(b, res->profile, pr, res);
    add_member(b, ",\"status\":", vg_result_status_name(res->status));
    add_member(b, ",\"raw_status\":", vg_result_status_name(res->raw_status));
    if (f)
        vg_report_add(b, f->text + f->head_len, f->sev_len);
    else
        add_rule_severity(b, pr, res);
    add_member(b, ",\"key\":", res->key);
    add_member(b, ",\"actual\":", res->actual);
    add_member(b, ",\"expected\":", res->expected);
    add_member(b, ",\"evidence\":", res->evidence);
    add_member(b, ",\"fix\":", res->fix);
    add_member(b, ",\"file\":", res->file);
    VG_REPORT_LIT(b, ",\"line\":");
    add_line(b, res->line);
    VG_REPORT_LIT(b, ",\"waiver\":");
    add_waiver(b, res);
    vg_report_addc(b, '}');
}

static void add_lint(vg_buf *b, const vg_lint *l)
{
    add_member(b, "{\"key\":", l->key);
    VG_REPORT_LIT(b, ",\"line\":");
    add_line(b, l->line);
    add_member(b, ",\"message\":", l->message);
    add_member(b, ",\"suggest\":", l->suggest);
    vg_report_addc(b, '}');
}

/* "vm":...,"results":[...] without the braces, so jsonl can put "type" first. */
static void add_vm_report_members(vg_buf *b, const vg_vm_report *vr, const rule_frags *frags)
{
    VG_REPORT_LIT(b, "\"vm\":");
    add_vm(b, vr->vm);
    VG_REPORT_LIT(b, ",\"counts\":");
    add_counts(b, vr->counts);
    VG_REPORT_LIT(b, ",\"lints\":[");
    for (size_t i = 0; i < vr->n_lints; i++) {
        if (i)
            vg_report_addc(b, ',');
        add_lint(b, &vr->lints[i]);
    }
    VG_REPORT_LIT(b, "],\"results\":[");
    vg_buf ref = VG_BUF_INIT;
    add_vm_ref(&ref, vr->vm);
    for (size_t i = 0; i < vr->n_results; i++) {
        if (i)
            vg_report_addc(b, ',');
        add_result(b, ref.data, ref.len, &vr->results[i], frags);
    }
    if (ref.oom)
        b->oom = 1;
    vg_buf_release(&ref);
    vg_report_addc(b, ']');
}

void vg_report_json_add_vm_report(vg_buf *b, const vg_vm_report *vr)
{
    vg_report_addc(b, '{');
    add_vm_report_members(b, vr, NULL);
    vg_report_addc(b, '}');
}

static json_t *profile_json(const vg_profile *p)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id", vg_report_json_str(p->id),
                     "title", vg_report_json_str(p->title), "source", vg_report_json_str(p->source),
                     "benchmark_id", vg_report_json_str(p->benchmark_id), "version",
                     vg_report_json_str(p->version), "release", vg_report_json_str(p->release),
                     "date", vg_report_json_str(p->date), "rules", (json_int_t)p->n_rules);
}

json_t *vg_report_json_run(const vg_report_run *run)
{
    char when[32];
    vg_report_iso_time(run->started, when, sizeof when);
    json_t *profiles = json_array();
    for (size_t i = 0; profiles && i < run->n_profiles; i++)
        json_array_append_new(profiles, profile_json(run->profiles[i]));
    json_t *targets = json_array();
    for (size_t i = 0; targets && i < run->n_targets; i++)
        json_array_append_new(targets, vg_report_json_str(run->targets[i]));
    return json_pack("{s:{s:s, s:o}, s:s, s:o, s:o, s:o}", "tool", "name", "vmxguard", "version",
                     vg_report_json_str(run->tool_version ? run->tool_version : vg_version()),
                     "started", when, "hostname", vg_report_json_str(run->hostname), "targets",
                     targets, "profiles", profiles);
}

json_t *vg_report_json_problem(const vg_error *p)
{
    return json_pack("{s:s, s:o, s:o, s:o}", "severity", p->code ? "error" : "warning", "file",
                     vg_report_json_str(p->file[0] ? p->file : NULL), "line",
                     p->line ? json_integer(p->line) : json_null(), "message",
                     vg_report_json_str(p->msg));
}

json_t *vg_report_json_summary(const vg_audit_summary *sum)
{
    json_t *sev = json_object();
    for (int s = 0; sev && s < 4; s++)
        json_object_set_new(sev, vg_severity_name(s),
                            json_integer((json_int_t)sum->fail_by_severity[s]));
    int scored = vg_audit_summary_scored(sum); /* no score: null, never 100 */
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "vms", (json_int_t)sum->vms,
        "vms_failing", (json_int_t)sum->vms_failing, "results", (json_int_t)sum->results, "counts",
        counts_object(sum->counts), "raw_counts", counts_object(sum->raw_counts),
        "fail_by_severity", sev, "errors", (json_int_t)sum->errors, "warnings",
        (json_int_t)sum->warnings, "score_before_waivers",
        scored ? json_real(vg_audit_summary_score(sum, 0)) : json_null(), "score_after_waivers",
        scored ? json_real(vg_audit_summary_score(sum, 1)) : json_null());
}

int vg_report_json_put(vg_report *r, json_t *j, size_t flags, vg_error *err)
{
    if (!j)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory building JSON");
    FILE *f = vg_report_stream(r);
    int rc = vg_json_dumpf(j, f, flags | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
    json_decref(j);
    if (rc != 0 || fputc('\n', f) == EOF)
        return vg_error_set(err, VG_EIO, "", 0, "writing the %s report failed", r->ops->name);
    return VG_OK;
}

/* The document: header fields, then "vms":[ one object per VM ], then the rest. */
struct json_state {
    size_t vms;
    json_t *problems;
    vg_buf vm; /* one VM's object, reused */
    rule_frags frags;
};

static int json_begin(vg_report *r, vg_error *err)
{
    struct json_state *s = calloc(1, sizeof *s);
    if (!s || !(s->problems = json_array())) {
        free(s);
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    }
    vg_buf_init(&s->vm);
    r->state = s;
    frags_build(&s->frags, &r->run);
    FILE *f = vg_report_stream(r);
    fprintf(f,
            "{\"format\": \"vmxguard-report\", \"schema_version\": %d, \"run\": ", SCHEMA_VERSION);
    int rc = vg_report_json_put(r, vg_report_json_run(&r->run), JSON_COMPACT, err);
    if (rc == 0)
        fputs(", \"vms\": [\n", f);
    return rc;
}

/* One VM's object and its newline: the same bytes json_dumpf wrote. */
static int json_render(const vg_report *r, const vg_vm_report *vr, vg_buf *out, vg_error *err)
{
    (void)err;
    const struct json_state *s = r->state;
    vg_report_addc(out, '{');
    add_vm_report_members(out, vr, s ? &s->frags : NULL);
    vg_report_addc(out, '}');
    vg_report_addc(out, '\n');
    return VG_OK;
}

static int json_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t n,
                         vg_error *err)
{
    (void)vr;
    struct json_state *s = r->state;
    int rc = s->vms++ ? vg_report_write(r, ",\n", 2, err) : VG_OK;
    if (rc == VG_OK)
        rc = vg_report_write(r, bytes, n, err);
    return rc ? rc : vg_report_flush_vm(r, err);
}

static int json_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct json_state *s = r->state;
    return vg_report_vm_via(r, vr, &s->vm, err);
}

static int json_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    struct json_state *s = r->state;
    if (json_array_append_new(s->problems, vg_report_json_problem(problem)) != 0)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return VG_OK;
}

static int json_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct json_state *s = r->state;
    FILE *f = vg_report_stream(r);
    fputs("], \"problems\": ", f);
    int rc = vg_report_json_put(r, json_incref(s->problems), JSON_COMPACT, err);
    if (rc == 0) {
        fputs(", \"summary\": ", f);
        rc = vg_report_json_put(r, vg_report_json_summary(sum), JSON_COMPACT, err);
    }
    if (rc == 0)
        fputs("}\n", f);
    return rc ? rc : vg_report_flush(r, err);
}

static void json_free(vg_report *r)
{
    struct json_state *s = r->state;
    if (!s)
        return;
    json_decref(s->problems);
    vg_buf_release(&s->vm);
    frags_free(&s->frags);
    free(s);
}

const struct report_ops vg_report_json_ops = {
    .name = "json",
    .summary = "one JSON document (schema: docs/report-schema.json)",
    .begin = json_begin,
    .vm = json_vm,
    .problem = json_problem,
    .end = json_end,
    .free = json_free,
    .render = json_render,
    .rendered = json_rendered,
};

/*
 * jsonl: one line per record, flushed as it is written so a consumer can
 * follow a long run: {"type":"run"}, then {"type":"vm"} per VM, then
 * {"type":"problem"} lines, then {"type":"summary"} last.
 */
static int put_typed(vg_report *r, const char *type, json_t *j, vg_error *err)
{
    json_t *o = j ? json_pack("{s:s}", "type", type) : NULL; /* "type" first for readers */
    if (o && json_object_update(o, j) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(j);
    int rc = vg_report_json_put(r, o, JSON_COMPACT, err);
    return rc ? rc : vg_report_flush(r, err);
}

/* {"type":"vm", then the members of the VM's object: "type" first for readers. */
struct jsonl_state {
    vg_buf vm; /* one VM's line, reused */
    rule_frags frags;
};

static int jsonl_render(const vg_report *r, const vg_vm_report *vr, vg_buf *out, vg_error *err)
{
    (void)err;
    const struct jsonl_state *s = r->state;
    VG_REPORT_LIT(out, "{\"type\":\"vm\",");
    add_vm_report_members(out, vr, s ? &s->frags : NULL);
    VG_REPORT_LIT(out, "}\n");
    return VG_OK;
}

static int jsonl_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t n,
                          vg_error *err)
{
    (void)vr;
    int rc = vg_report_write(r, bytes, n, err);
    return rc ? rc : vg_report_flush_vm(r, err);
}

static int jsonl_begin(vg_report *r, vg_error *err)
{
    struct jsonl_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    vg_buf_init(&s->vm);
    r->state = s;
    frags_build(&s->frags, &r->run);
    return put_typed(r, "run", vg_report_json_run(&r->run), err);
}

static int jsonl_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct jsonl_state *s = r->state;
    return vg_report_vm_via(r, vr, &s->vm, err);
}

static void jsonl_free(vg_report *r)
{
    struct jsonl_state *s = r->state;
    if (s) {
        vg_buf_release(&s->vm);
        frags_free(&s->frags);
    }
    free(s);
}

static int jsonl_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    return put_typed(r, "problem", vg_report_json_problem(problem), err);
}

static int jsonl_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    return put_typed(r, "summary", vg_report_json_summary(sum), err);
}

const struct report_ops vg_report_jsonl_ops = {
    .name = "jsonl",
    .summary = "JSON lines: a run record, one record per VM (streamed), problems, summary",
    .begin = jsonl_begin,
    .vm = jsonl_vm,
    .problem = jsonl_problem,
    .end = jsonl_end,
    .free = jsonl_free,
    .render = jsonl_render,
    .rendered = jsonl_rendered,
};
