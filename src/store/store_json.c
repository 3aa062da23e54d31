/*
 * Reading a saved JSON report (`vmxguard audit --format json`) back into
 * the records the writers take, so `vmxguard report audit.json --format
 * html` renders any format from it without touching a file or vCenter.
 * The document is hostile input like any other: every member is checked
 * for its type, and a missing or mistyped one is an error naming it.
 * Problems come after the VMs (the JSON keeps no position for them).
 */
#define _XOPEN_SOURCE 700
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_internal.h"

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static size_t jsize(json_t *o, const char *key)
{
    long long v = jint(o, key);
    return v > 0 ? (size_t)v : 0;
}

static time_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s)
        return 0;
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && !*end ? timegm(&tm) : 0;
}

static void counts_from(json_t *o, size_t *counts)
{
    for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
        counts[i] = jsize(o, vg_result_status_name(i));
}

static void summary_from(json_t *j, vg_audit_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    sum->vms = jsize(j, "vms");
    sum->vms_failing = jsize(j, "vms_failing");
    sum->results = jsize(j, "results");
    counts_from(json_object_get(j, "counts"), sum->counts);
    counts_from(json_object_get(j, "raw_counts"), sum->raw_counts);
    json_t *sev = json_object_get(j, "fail_by_severity");
    for (int i = 0; i < 4; i++)
        sum->fail_by_severity[i] = jsize(sev, vg_severity_name(i));
    sum->errors = jsize(j, "errors");
    sum->warnings = jsize(j, "warnings");
}

static int vm_from(json_t *j, vg_vm **out, const char *where, vg_error *err)
{
    if (!json_is_object(j))
        return vg_error_set(err, VG_EINPUT, where, 0, "a VM entry has no \"vm\" object");
    vg_vm *vm = vg_vm_new(vg_store_origin_parse(jstr(j, "origin")));
    if (!vm)
        return vg_error_set(err, VG_ENOMEM, where, 0, "out of memory");
    struct {
        char **field;
        const char *key;
    } f[] = {{&vm->name, "name"},
             {&vm->path, "path"},
             {&vm->moref, "moref"},
             {&vm->uuid, "uuid"},
             {&vm->instance_uuid, "instance_uuid"},
             {&vm->server, "server"},
             {&vm->host, "host"},
             {&vm->hw_version, "hw_version"},
             {&vm->guest_os, "guest_os"},
             {&vm->managed_by, "managed_by"}};
    int rc = VG_OK;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (vg_vm_set_str(f[i].field, jstr(j, f[i].key)) != VG_OK)
            rc = vg_error_set(err, VG_ENOMEM, where, 0, "out of memory");
    }
    vm->power = vg_store_power_parse(jstr(j, "power"));
    vm->locked = json_is_true(json_object_get(j, "locked"));
    vm->is_template = json_is_true(json_object_get(j, "template"));
    if (rc) {
        vg_vm_free(vm);
        return rc;
    }
    *out = vm;
    return VG_OK;
}

static int result_from(json_t *j, struct replay_profiles *rp, vg_result *res, const char *where,
                       vg_error *err)
{
    memset(res, 0, sizeof *res);
    if (!json_is_object(j))
        return vg_error_set(err, VG_EINPUT, where, 0, "a result is not an object");
    int rc = vg_store_replay_rule(rp, jstr(j, "profile"), jstr(j, "rule"), res, where, err);
    if (rc)
        return rc;
    if (vg_store_status_parse(jstr(j, "status"), &res->status) ||
        vg_store_status_parse(jstr(j, "raw_status"), &res->raw_status))
        return vg_error_set(err, VG_EINPUT, where, 0, "result of rule '%s' has an unknown status",
                            jstr(j, "rule"));
    int oom = 0;
    res->key = vg_store_dup(jstr(j, "key"), &oom);
    res->actual = vg_store_dup(jstr(j, "actual"), &oom);
    res->expected = vg_store_dup(jstr(j, "expected"), &oom);
    res->evidence = vg_store_dup(jstr(j, "evidence"), &oom);
    res->fix = vg_store_dup(jstr(j, "fix"), &oom);
    res->file = vg_store_dup(jstr(j, "file"), &oom);
    long long line = jint(j, "line");
    res->line = line > 0 && line < 0xffffffffLL ? (unsigned)line : 0;
    json_t *w = json_object_get(j, "waiver");
    if (json_is_object(w)) {
        res->waiver_reason = vg_store_dup(jstr(w, "reason"), &oom);
        res->waiver_approver = vg_store_dup(jstr(w, "approver"), &oom);
        res->waiver_expires = vg_store_dup(jstr(w, "expires"), &oom);
        res->waiver_expired = json_is_true(json_object_get(w, "expired"));
    }
    return oom ? vg_error_set(err, VG_ENOMEM, where, 0, "out of memory") : VG_OK;
}

static int lints_from(json_t *a, vg_vm_report *rep, const char *where, vg_error *err)
{
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    if (!n)
        return VG_OK;
    rep->lints = calloc(n, sizeof *rep->lints);
    if (!rep->lints)
        return vg_error_set(err, VG_ENOMEM, where, 0, "out of memory");
    int oom = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(a, i);
        vg_lint *d = &rep->lints[rep->n_lints++];
        d->key = vg_store_dup(jstr(l, "key"), &oom);
        long long line = jint(l, "line");
        d->line = line > 0 && line < 0xffffffffLL ? (unsigned)line : 0;
        d->message = vg_store_dup(jstr(l, "message"), &oom);
        d->suggest = vg_store_dup(jstr(l, "suggest"), &oom);
    }
    return oom ? vg_error_set(err, VG_ENOMEM, where, 0, "out of memory") : VG_OK;
}

static int one_vm(json_t *entry, struct replay_profiles *rp, vg_report *r, const char *where,
                  vg_error *err)
{
    vg_vm *vm = NULL;
    int rc = vm_from(json_object_get(entry, "vm"), &vm, where, err);
    if (rc)
        return rc;
    vg_vm_report *rep = calloc(1, sizeof *rep);
    json_t *results = json_object_get(entry, "results");
    size_t n = json_is_array(results) ? json_array_size(results) : 0;
    if (rep && n)
        rep->results = calloc(n, sizeof *rep->results);
    if (!rep || (n && !rep->results)) {
        free(rep);
        vg_vm_free(vm);
        return vg_error_set(err, VG_ENOMEM, where, 0, "out of memory");
    }
    rep->vm = vm;
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        rc = result_from(json_array_get(results, i), rp, &rep->results[i], where, err);
        rep->n_results = i + 1;
    }
    if (rc == VG_OK)
        rc = lints_from(json_object_get(entry, "lints"), rep, where, err);
    if (rc == VG_OK) {
        vg_store_replay_filter(rp, rep);
        rc = vg_report_vm(r, rep, err);
    }
    vg_vm_report_free(rep);
    vg_vm_free(vm);
    return rc;
}

static int problems_from(json_t *a, vg_report *r, vg_error *err)
{
    for (size_t i = 0; json_is_array(a) && i < json_array_size(a); i++) {
        json_t *p = json_array_get(a, i);
        const char *sev = jstr(p, "severity");
        const char *file = jstr(p, "file");
        const char *msg = jstr(p, "message");
        long long line = jint(p, "line");
        vg_error e;
        vg_error_set(&e, sev && !strcmp(sev, "warning") ? VG_OK : VG_ERR, file ? file : "",
                     line > 0 && line < 0xffffffffLL ? (unsigned)line : 0, "%s", msg ? msg : "");
        int rc = vg_report_problem(r, &e, err);
        if (rc)
            return rc;
    }
    return VG_OK;
}

int vg_report_replay_json(const char *path, const vg_catalog *cat, const vg_replay_opts *opts,
                          vg_report *r, char **changed, vg_error *err)
{
    if (changed)
        *changed = NULL;
    if (!path || !cat || !r)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "replay: no file, catalog or report");
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return vg_error_set(err, VG_EINPUT, path, (unsigned)(je.line > 0 ? je.line : 0),
                            "not a JSON report: %s", je.text);
    const char *format = jstr(doc, "format");
    json_t *run = json_object_get(doc, "run");
    json_t *vms = json_object_get(doc, "vms");
    int rc = VG_OK;
    if (!format || strcmp(format, "vmxguard-report") != 0 || !json_is_object(run) ||
        !json_is_array(vms))
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "not a vmxguard JSON report (no format, run or vms)");
    else if (jint(doc, "schema_version") != 1)
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "JSON report schema version %lld; this vmxguard reads version 1",
                          jint(doc, "schema_version"));
    struct replay_profiles rp;
    memset(&rp, 0, sizeof rp);
    vg_buf_init(&rp.changed);
    rp.cat = cat;
    rp.opts = opts;
    json_t *profiles = json_object_get(run, "profiles");
    for (size_t i = 0; rc == VG_OK && json_is_array(profiles) && i < json_array_size(profiles);
         i++) {
        json_t *p = json_array_get(profiles, i);
        rc = vg_store_replay_profile(&rp, jstr(p, "id"), jstr(p, "version"), path, err);
    }
    json_t *targets = json_object_get(run, "targets");
    size_t n_targets = json_is_array(targets) ? json_array_size(targets) : 0;
    const char **tl = calloc(n_targets + 1, sizeof *tl); /* NULL-terminated, as argv */
    if (rc == VG_OK && !tl)
        rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    for (size_t i = 0; rc == VG_OK && i < n_targets; i++) {
        json_t *t = json_array_get(targets, i);
        tl[i] = json_is_string(t) ? json_string_value(t) : "";
    }
    if (rc == VG_OK) {
        vg_report_run rr = {.tool_version = jstr(json_object_get(run, "tool"), "version"),
                            .started = parse_iso(jstr(run, "started")),
                            .catalog = cat,
                            .profiles = rp.p,
                            .n_profiles = rp.n,
                            .targets = tl,
                            .n_targets = n_targets,
                            .hostname = jstr(run, "hostname")};
        rc = vg_report_begin(r, &rr, err);
    }
    for (size_t i = 0; rc == VG_OK && i < json_array_size(vms); i++)
        rc = one_vm(json_array_get(vms, i), &rp, r, path, err);
    if (rc == VG_OK)
        rc = problems_from(json_object_get(doc, "problems"), r, err);
    if (rc == VG_OK) {
        vg_audit_summary sum;
        summary_from(json_object_get(doc, "summary"), &sum);
        vg_store_replay_summary(&rp, &sum);
        rc = vg_report_end(r, &sum, err);
    }
    if (rc == VG_OK && changed && rp.changed.len)
        *changed = vg_buf_detach(&rp.changed);
    vg_buf_release(&rp.changed);
    free(tl);
    json_decref(doc);
    return rc;
}
