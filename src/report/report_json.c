/*
 * JSON report: one document for the whole run, written as it goes so that
 * memory does not grow with the number of VMs (the "vms" array is opened at
 * begin and each VM object is dumped by jansson when it arrives).  The
 * object builders here are shared with jsonl.  docs/report-schema.json is
 * the schema; every string passes through UTF-8 clean-up because jansson
 * refuses invalid UTF-8 and a .vmx may hold any bytes.
 */
#include <jansson.h>
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

static json_t *str_list(const char *const *list)
{
    json_t *a = json_array();
    for (size_t i = 0; a && list && list[i]; i++)
        json_array_append_new(a, vg_report_json_str(list[i]));
    return a;
}

static json_t *counts_object(const size_t *counts)
{
    json_t *o = json_object();
    for (int s = 0; o && s < VG_RESULT_STATUS_COUNT; s++)
        json_object_set_new(o, vg_result_status_name(s), json_integer((json_int_t)counts[s]));
    return o;
}

static const char *const origin_names[] = {"file", "vsphere", "guest"};

json_t *vg_report_json_vm(const vg_vm *vm)
{
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b, s:b}", "name",
        vg_report_json_str(vg_report_vm_name(vm)), "path", vg_report_json_str(vm->path), "moref",
        vg_report_json_str(vm->moref), "uuid", vg_report_json_str(vm->uuid), "instance_uuid",
        vg_report_json_str(vm->instance_uuid), "server", vg_report_json_str(vm->server), "host",
        vg_report_json_str(vm->host), "hw_version", vg_report_json_str(vm->hw_version), "guest_os",
        vg_report_json_str(vm->guest_os), "managed_by", vg_report_json_str(vm->managed_by),
        "origin", (unsigned)vm->origin < 3 ? origin_names[vm->origin] : "file", "power",
        vg_power_state_name(vm->power), "locked", vm->locked != 0, "template",
        vm->is_template != 0);
}

static json_t *waiver_json(const vg_result *res)
{
    if (!res->waiver_reason)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:b}", "reason", vg_report_json_str(res->waiver_reason),
                     "approver", vg_report_json_str(res->waiver_approver), "expires",
                     vg_report_json_str(res->waiver_expires), "expired", res->waiver_expired != 0);
}

/* The short VM identity every result carries, so a result stands alone. */
static json_t *vm_ref(const vg_vm *vm)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "name", vg_report_json_str(vg_report_vm_name(vm)),
                     "path", vg_report_json_str(vm->path), "moref", vg_report_json_str(vm->moref),
                     "uuid", vg_report_json_str(vm->uuid));
}

static json_t *result_json(const vg_vm *vm, const vg_result *res)
{
    const vg_profile_rule *pr = res->prule;
    json_t *o =
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:o}", "vm", vm_ref(vm), "rule",
                  vg_report_json_str(vg_report_rule_id(res)), "title",
                  vg_report_json_str(vg_report_rule_title(res)), "profile",
                  vg_report_json_str(res->profile ? res->profile->id : NULL), "source_id",
                  vg_report_json_str(pr ? pr->source_id : NULL), "refs",
                  str_list(pr ? pr->refs : NULL), "status", vg_result_status_name(res->status),
                  "raw_status", vg_result_status_name(res->raw_status), "severity",
                  vg_severity_name(vg_report_severity(res)), "severity_text",
                  vg_report_json_str(pr ? pr->severity_text : NULL));
    if (!o)
        return NULL;
    json_object_set_new(o, "key", vg_report_json_str(res->key));
    json_object_set_new(o, "actual", vg_report_json_str(res->actual));
    json_object_set_new(o, "expected", vg_report_json_str(res->expected));
    json_object_set_new(o, "evidence", vg_report_json_str(res->evidence));
    json_object_set_new(o, "fix", vg_report_json_str(res->fix));
    json_object_set_new(o, "file", vg_report_json_str(res->file));
    json_object_set_new(o, "line", res->line ? json_integer(res->line) : json_null());
    json_object_set_new(o, "waiver", waiver_json(res));
    return o;
}

static json_t *lint_json(const vg_lint *l)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "key", vg_report_json_str(l->key), "line",
                     l->line ? json_integer(l->line) : json_null(), "message",
                     vg_report_json_str(l->message), "suggest", vg_report_json_str(l->suggest));
}

json_t *vg_report_json_vm_report(const vg_vm_report *vr)
{
    json_t *results = json_array(), *lints = json_array();
    for (size_t i = 0; results && i < vr->n_results; i++) {
        json_t *j = result_json(vr->vm, &vr->results[i]);
        if (!j || json_array_append_new(results, j) != 0) {
            json_decref(results);
            results = NULL;
        }
    }
    for (size_t i = 0; lints && i < vr->n_lints; i++)
        json_array_append_new(lints, lint_json(&vr->lints[i]));
    return json_pack("{s:o, s:o, s:o, s:o}", "vm", vg_report_json_vm(vr->vm), "counts",
                     counts_object(vr->counts), "lints", lints, "results", results);
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
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:f, s:f}", "vms",
                     (json_int_t)sum->vms, "vms_failing", (json_int_t)sum->vms_failing, "results",
                     (json_int_t)sum->results, "counts", counts_object(sum->counts), "raw_counts",
                     counts_object(sum->raw_counts), "fail_by_severity", sev, "errors",
                     (json_int_t)sum->errors, "warnings", (json_int_t)sum->warnings,
                     "score_before_waivers", vg_audit_summary_score(sum, 0), "score_after_waivers",
                     vg_audit_summary_score(sum, 1));
}

int vg_report_json_put(vg_report *r, json_t *j, size_t flags, vg_error *err)
{
    if (!j)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory building JSON");
    FILE *f = vg_report_stream(r);
    int rc = json_dumpf(j, f, flags | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
    json_decref(j);
    if (rc != 0 || fputc('\n', f) == EOF)
        return vg_error_set(err, VG_EIO, "", 0, "writing the %s report failed", r->ops->name);
    return VG_OK;
}

/* The document: header fields, then "vms":[ one object per VM ], then the rest. */
struct json_state {
    size_t vms;
    json_t *problems;
};

static int json_begin(vg_report *r, vg_error *err)
{
    struct json_state *s = calloc(1, sizeof *s);
    if (!s || !(s->problems = json_array())) {
        free(s);
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    }
    r->state = s;
    FILE *f = vg_report_stream(r);
    fprintf(f,
            "{\"format\": \"vmxguard-report\", \"schema_version\": %d, \"run\": ", SCHEMA_VERSION);
    int rc = vg_report_json_put(r, vg_report_json_run(&r->run), JSON_COMPACT, err);
    if (rc == 0)
        fputs(", \"vms\": [\n", f);
    return rc;
}

static int json_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct json_state *s = r->state;
    if (s->vms++)
        fputs(",\n", vg_report_stream(r));
    int rc = vg_report_json_put(r, vg_report_json_vm_report(vr), JSON_COMPACT, err);
    return rc ? rc : vg_report_flush(r, err);
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
    free(s);
}

const struct report_ops vg_report_json_ops = {
    "json",       "one JSON document (schema: docs/report-schema.json)",
    json_begin,   json_vm,
    json_problem, json_end,
    json_free,
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

static int jsonl_begin(vg_report *r, vg_error *err)
{
    return put_typed(r, "run", vg_report_json_run(&r->run), err);
}

static int jsonl_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    return put_typed(r, "vm", vg_report_json_vm_report(vr), err);
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
    "jsonl",       "JSON lines: a run record, one record per VM (streamed), problems, summary",
    jsonl_begin,   jsonl_vm,
    jsonl_problem, jsonl_end,
    NULL,
};
