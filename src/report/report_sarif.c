/*
 * SARIF 2.1.0 for code-scanning style consumers (ecosystem.md 2.4): the
 * run's rules in tool.driver.rules with help text and references, one
 * result per finding located at the .vmx file and line, waived findings as
 * suppressions with their justification.  Passing, not applicable and
 * manual results are not findings and are left out (the json format has
 * everything).  Written as it goes: rules at begin, results per VM,
 * diagnostics and the summary at the end.
 *
 * Made for GitHub code scanning's limits: artifact URIs are relative, to
 * SRCROOT (the folder vmxguard ran in) or ROOT (file:///), declared in
 * originalUriBaseIds; a VM from the vSphere API is a logical location
 * (vCenter, VM), never a made-up file and line.
 * A run holds at most 25,000 results (opts.sarif_run_size lowers it); the
 * next results start a new run with its own automationDetails id, up to 20
 * runs and about 100 MB before compression (GitHub takes 10 MB gzipped);
 * beyond that results are counted, not written, and a notification and
 * properties.omittedResults say so.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"

#define S(x) vg_report_json_str(x)

#define RUN_RESULTS_MAX 25000
#define RUNS_MAX 20
#define BYTES_MAX ((size_t)100 * 1000 * 1000)

struct sarif_state {
    json_t *rule_index; /* rule id -> index in driver.rules */
    json_t *tool;       /* written again at the head of every run */
    json_t *notifications;
    size_t results;     /* in the current run */
    size_t run_size;    /* results a run may hold */
    size_t runs;        /* runs opened */
    size_t written;     /* bytes so far */
    size_t omitted;     /* findings over the limits, counted only */
};

static const char help_base[] = "https://vmxguard.invalid/docs/rules.md#";

static const char *const sarif_level[4] = {"note", "note", "warning", "error"};
static const char *const security_severity[4] = {"1.0", "3.0", "5.5", "8.0"};

static json_t *rule_help(const vg_profile_rule *pr)
{
    vg_buf b = VG_BUF_INIT;
    const vg_rule *rule = pr->rule;
    if (rule->fix)
        vg_buf_printf(&b, "Fix: %s", rule->fix);
    if (pr->check)
        vg_buf_printf(&b, "%sCheck: %s", b.len ? "\n" : "", pr->check);
    if (rule->key)
        vg_buf_printf(&b, "%sSetting: %s", b.len ? "\n" : "", rule->key);
    if (pr->source_id || (pr->refs && pr->refs[0])) {
        vg_buf_printf(&b, "%sReferences: %s", b.len ? "\n" : "",
                      pr->source_id ? pr->source_id : "");
        for (size_t i = 0; pr->refs && pr->refs[i]; i++)
            vg_buf_printf(&b, ", %s", pr->refs[i]);
    }
    json_t *j = json_pack("{s:o}", "text", S(b.len ? b.data : rule->title));
    vg_buf_release(&b);
    return j;
}

/* "isolation-tools-copy-disable" -> "IsolationToolsCopyDisable" (SARIF's friendly name). */
static json_t *pascal_name(const char *id)
{
    vg_buf b = VG_BUF_INIT;
    int up = 1;
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            up = 1;
            continue;
        }
        vg_buf_addc(&b, up && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
        up = 0;
    }
    /* SARIF1001: a name equal to the id (ignoring case) is not a friendly name */
    if (!b.len || strcasecmp(b.data, id) == 0)
        vg_buf_adds(&b, "Check");
    json_t *j = S(b.data);
    vg_buf_release(&b);
    return j;
}

static json_t *rule_json(const vg_profile *p, const vg_profile_rule *pr)
{
    json_t *tags = json_pack("[s, s]", "security", "vmware");
    if (tags && pr->source_id)
        json_array_append_new(tags, S(pr->source_id));
    for (size_t i = 0; tags && pr->refs && pr->refs[i]; i++)
        json_array_append_new(tags, S(pr->refs[i]));
    vg_severity sev = (unsigned)pr->severity < 4 ? pr->severity : VG_SEV_INFO;
    vg_buf uri = VG_BUF_INIT; /* the rule's section of the rules page, `vmxguard explain` offline */
    vg_buf_printf(&uri, "%s%s", help_base, pr->rule->id);
    json_t *j = json_pack(
        "{s:o, s:o, s:{s:o}, s:{s:o}, s:o, s:o, s:{s:s}, s:{s:o, s:s, s:s, s:o}}", "id",
        S(pr->rule->id), "name", pascal_name(pr->rule->id), "shortDescription", "text",
        S(pr->title ? pr->title : pr->rule->title), "fullDescription", "text",
        S(pr->rule->description ? pr->rule->description : pr->rule->title), "help", rule_help(pr),
        "helpUri", S(uri.data), "defaultConfiguration", "level", sarif_level[sev], "properties",
        "tags", tags, "security-severity", security_severity[sev], "precision", "very-high",
        "profile", S(p->id));
    vg_buf_release(&uri);
    return j;
}

/* driver.rules: each catalog rule once, from the first profile naming it. */
static json_t *driver_rules(vg_report *r, json_t *index)
{
    json_t *rules = json_array();
    for (size_t i = 0; rules && i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        for (size_t k = 0; k < p->n_rules; k++) {
            const char *id = p->rules[k].rule->id;
            if (json_object_get(index, id))
                continue;
            json_object_set_new(index, id, json_integer((json_int_t)json_array_size(rules)));
            json_array_append_new(rules, rule_json(p, &p->rules[k]));
        }
    }
    return rules;
}

/* Bytes out, counted against the file budget. */
static int put(vg_report *r, struct sarif_state *s, const char *text, vg_error *err)
{
    size_t n = strlen(text);
    s->written += n;
    return vg_report_write(r, text, n, err);
}

static int put_json(vg_report *r, struct sarif_state *s, json_t *j, vg_error *err)
{
    if (!j)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory building JSON");
    char *text = vg_json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
    json_decref(j);
    if (!text)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory building JSON");
    int rc = put(r, s, text, err);
    free(text);
    return rc ? rc : put(r, s, "\n", err);
}

/* A run's head: the tool with every rule, its id, the URI bases. */
static int open_run(vg_report *r, struct sarif_state *s, vg_error *err)
{
    char id[64];
    if (s->runs++ == 0)
        snprintf(id, sizeof id, "vmxguard/audit/");
    else /* GitHub wants a category of its own for each run of one tool */
        snprintf(id, sizeof id, "vmxguard/audit-part%zu/", s->runs);
    s->results = 0;
    int rc = put(r, s, s->runs == 1 ? "{\"tool\": " : ", {\"tool\": ", err);
    if (rc == 0)
        rc = put_json(r, s, json_incref(s->tool), err);
    json_t *tail = json_pack(
        "{s:{s:s}, s:{s:{s:{s:s}}, s:{s:s, s:{s:s}}}}", "automationDetails", "id", id,
        "originalUriBaseIds", "SRCROOT", "description", "text",
        "the folder vmxguard ran in: relative targets are relative to it", "ROOT", "uri",
        "file:///", "description", "text", "the file system root, for absolute targets");
    if (tail)
        json_object_set_new(json_object_get(tail, "originalUriBaseIds"), "DATASTORES",
                            json_pack("{s:{s:s}}", "description", "text",
                                      "the datastores of the VM's server: ds1/vm/vm.vmx is "
                                      "[ds1] vm/vm.vmx"));
    char *text = tail ? vg_json_dumps(tail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(tail);
    if (!text)
        return rc ? rc : vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    /* the object's members, without its braces, continue the run object */
    text[strlen(text) - 1] = '\0';
    if (rc == 0)
        rc = put(r, s, ", ", err);
    if (rc == 0)
        rc = put(r, s, text + 1, err);
    free(text);
    return rc ? rc : put(r, s, ", \"results\": [\n", err);
}

/* A run the next one continues: no diagnostics, they close the last run. */
static int close_part(vg_report *r, struct sarif_state *s, vg_error *err)
{
    char tail[160];
    snprintf(tail, sizeof tail,
             "], \"properties\": {\"part\": %zu, \"continuedIn\": \"vmxguard/audit-part%zu/\"}}",
             s->runs, s->runs + 1);
    return put(r, s, tail, err);
}

static int sarif_begin(vg_report *r, vg_error *err)
{
    struct sarif_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    s->run_size = r->opts.sarif_run_size && r->opts.sarif_run_size < RUN_RESULTS_MAX
                      ? r->opts.sarif_run_size
                      : RUN_RESULTS_MAX;
    s->rule_index = json_object();
    s->notifications = json_array();
    json_t *rules = s->rule_index ? driver_rules(r, s->rule_index) : NULL;
    if (!rules || !s->notifications)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    /* informationUri: the project's homepage as debian/control declares it */
    s->tool =
        json_pack("{s:{s:s, s:o, s:o, s:s, s:o}}", "driver", "name", "vmxguard", "version",
                  S(r->run.tool_version ? r->run.tool_version : vg_version()), "semanticVersion",
                  S(r->run.tool_version ? r->run.tool_version : vg_version()), "informationUri",
                  "https://vmxguard.invalid/", "rules", rules);
    if (!s->tool)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    int rc = put(r, s,
                 "{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", "
                 "\"version\": \"2.1.0\", \"runs\": [",
                 err);
    return rc ? rc : open_run(r, s, err);
}

/* A .vmx path as a relative URI reference and the base it is relative to:
 * a relative path to SRCROOT, an absolute one to ROOT (file:///), a
 * datastore path "[ds1] vm/vm.vmx" to DATASTORES as "ds1/vm/vm.vmx". */
static char *artifact_uri(const char *path, const char **base)
{
    vg_buf b = VG_BUF_INIT;
    const char *p = path;
    *base = "SRCROOT";
    if (p[0] == '[') {
        *base = "DATASTORES";
        const char *close = strchr(p, ']');
        if (close) {
            vg_buf_add(&b, "", 0);
            for (const char *q = p + 1; q < close; q++)
                vg_buf_printf(&b, (*q == '/' || *q == ' ') ? "%%%02X" : "%c", (unsigned char)*q);
            vg_buf_addc(&b, '/');
            p = close + 1;
            while (*p == ' ')
                p++;
        }
    } else if (p[0] == '/') {
        *base = "ROOT";
        while (*p == '/')
            p++;
    }
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   strchr("-._~/", c);
        if (keep && c)
            vg_buf_addc(&b, (char)c);
        else
            vg_buf_printf(&b, "%%%02X", c);
    }
    return vg_buf_detach(&b);
}

/* Where a finding is.  A file: the .vmx, at the line, or at its first line
 * for a key that is absent (the finding is about the whole file).  A VM
 * from the API has no file anyone can open: a logical location, the
 * vCenter and then the VM by MoRef (its datastore path in properties). */
static json_t *location(const vg_vm *vm, const vg_result *res)
{
    const char *file = res->file ? res->file : vm->path;
    json_t *loc = json_object();
    if (file && loc && !vm->server) {
        const char *base;
        char *uri = artifact_uri(file, &base);
        json_t *phys = json_pack("{s:{s:o, s:s}}", "artifactLocation", "uri", S(uri), "uriBaseId",
                                 base);
        free(uri);
        if (phys)
            json_object_set_new(phys, "region",
                                json_pack("{s:i}", "startLine",
                                          res->file && res->line ? (int)res->line : 1));
        json_object_set_new(loc, "physicalLocation", phys);
    }
    json_t *logical = json_array();
    if (vm->server && logical) {
        vg_buf fq = VG_BUF_INIT;
        vg_buf_printf(&fq, "%s/%s", vm->server, vm->moref ? vm->moref : vg_report_vm_name(vm));
        json_array_append_new(logical, json_pack("{s:o, s:o, s:s}", "name", S(vm->server),
                                                 "fullyQualifiedName", S(vm->server), "kind",
                                                 "namespace"));
        json_t *v = json_pack("{s:o, s:o, s:s}", "name", S(vg_report_vm_name(vm)),
                              "fullyQualifiedName", S(fq.data), "kind", "resource");
        if (v && vm->path)
            json_object_set_new(v, "properties", json_pack("{s:o}", "datastorePath", S(vm->path)));
        json_array_append_new(logical, v);
        vg_buf_release(&fq);
    } else if (logical) {
        const char *fq = vm->path ? vm->path : vg_report_vm_name(vm);
        json_array_append_new(logical, json_pack("{s:o, s:o, s:s}", "name",
                                                 S(vg_report_vm_name(vm)), "fullyQualifiedName",
                                                 S(fq), "kind", "resource"));
    }
    json_object_set_new(loc, "logicalLocations", logical);
    return json_pack("[o]", loc);
}

static json_t *message(const vg_vm *vm, const vg_result *res)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s: %s%s", vg_report_vm_name(vm),
                  res->status == VG_ERROR     ? "could not evaluate: "
                  : res->status == VG_PENDING ? "pending a power cycle: "
                                              : "",
                  res->evidence ? res->evidence : vg_report_rule_title(res));
    if (res->expected)
        vg_buf_printf(&b, " (expected %s)", res->expected);
    if (res->fix)
        vg_buf_printf(&b, ". Fix: %s", res->fix);
    json_t *j = json_pack("{s:o}", "text", S(b.data));
    vg_buf_release(&b);
    return j;
}

static json_t *suppressions(const vg_result *res)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, res->waiver_reason);
    if (res->waiver_approver)
        vg_buf_printf(&b, " (approved by %s)", res->waiver_approver);
    if (res->waiver_expires)
        vg_buf_printf(&b, ", expires %s", res->waiver_expires);
    json_t *j = json_pack("[{s:s, s:s, s:o}]", "kind", "external", "status", "accepted",
                          "justification", S(b.data));
    vg_buf_release(&b);
    return j;
}

/* Stable across runs: which VM, which rule (GitHub dedupes alerts on it). */
static char *fingerprint(const vg_vm *vm, const vg_result *res)
{
    char id[37];
    vg_report_uuid(id, vm->instance_uuid ? vm->instance_uuid : (vm->uuid ? vm->uuid : vm->path),
                   vg_report_vm_name(vm), vg_report_rule_id(res));
    return strdup(id);
}

static json_t *result_json(struct sarif_state *s, const vg_vm *vm, const vg_result *res)
{
    vg_severity sev = vg_report_severity(res);
    int review = res->status == VG_ERROR;
    char *fp = fingerprint(vm, res);
    json_t *o =
        json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:{s:o}, s:{s:o, s:o, s:s, s:s}}", "ruleId",
                  S(vg_report_rule_id(res)), "ruleIndex",
                  json_incref(json_object_get(s->rule_index, vg_report_rule_id(res))), "kind",
                  review ? "review" : "fail", "level", review ? "none" : sarif_level[sev],
                  "message", message(vm, res), "locations", location(vm, res),
                  "partialFingerprints", "vmxguard/v1", S(fp), "properties", "vm",
                  S(vg_report_vm_name(vm)), "sourceId", S(vg_report_source_id(res)), "status",
                  vg_result_status_name(res->status), "severity", vg_severity_name(sev));
    free(fp);
    if (o && res->status == VG_WAIVED)
        json_object_set_new(o, "suppressions", suppressions(res));
    return o;
}

static int is_finding(vg_result_status st)
{
    /* pending: configured but not in effect, so still an open alert */
    return st == VG_FAIL || st == VG_WAIVED || st == VG_ERROR || st == VG_PENDING;
}

static int sarif_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct sarif_state *s = r->state;
    for (size_t i = 0; i < vr->n_results; i++) {
        const vg_result *res = &vr->results[i];
        if (!is_finding(res->status))
            continue;
        if (!json_object_get(s->rule_index, vg_report_rule_id(res)))
            continue; /* a rule of no listed profile: cannot be indexed */
        int rc = VG_OK;
        if (s->results >= s->run_size || s->written >= BYTES_MAX) {
            if (s->runs >= RUNS_MAX || s->written >= BYTES_MAX) {
                s->omitted++;
                continue;
            }
            rc = close_part(r, s, err);
            if (rc == VG_OK)
                rc = open_run(r, s, err);
        }
        if (rc == VG_OK && s->results++)
            rc = put(r, s, ",\n", err);
        if (rc == VG_OK)
            rc = put_json(r, s, result_json(s, vr->vm, res), err);
        if (rc)
            return rc;
    }
    return vg_report_flush(r, err);
}

static int sarif_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    struct sarif_state *s = r->state;
    char msg[1100];
    vg_error_format(problem, msg, sizeof msg);
    json_t *n = json_pack("{s:s, s:{s:o}}", "level", problem->code ? "error" : "warning", "message",
                          "text", S(msg));
    if (!n || json_array_append_new(s->notifications, n) != 0)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return VG_OK;
}

static int sarif_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct sarif_state *s = r->state;
    char when[32];
    vg_report_iso_time(r->run.started, when, sizeof when);
    if (s->omitted) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "%zu findings not written: GitHub code scanning takes at most %d runs of %zu "
                 "results and 10 MB compressed; the json format has them all",
                 s->omitted, RUNS_MAX, s->run_size);
        json_array_append_new(s->notifications, json_pack("{s:s, s:{s:s}}", "level", "warning",
                                                          "message", "text", msg));
    }
    json_t *inv = json_pack("[{s:b, s:s, s:O}]", "executionSuccessful", sum->errors == 0,
                            "startTimeUtc", when, "toolExecutionNotifications", s->notifications);
    int rc = put(r, s, "], \"invocations\": ", err);
    if (rc == 0)
        rc = put_json(r, s, inv, err);
    else
        json_decref(inv);
    char omitted[64];
    snprintf(omitted, sizeof omitted, ", \"omittedResults\": %zu", s->omitted);
    if (rc == 0)
        rc = put(r, s, ", \"properties\": {\"summary\": ", err);
    if (rc == 0)
        rc = put_json(r, s, vg_report_json_summary(sum), err);
    if (rc == 0 && s->omitted)
        rc = put(r, s, omitted, err);
    if (rc == 0)
        rc = put(r, s, "}}]}\n", err);
    return rc ? rc : vg_report_flush(r, err);
}

static void sarif_free(vg_report *r)
{
    struct sarif_state *s = r->state;
    if (!s)
        return;
    json_decref(s->rule_index);
    json_decref(s->tool);
    json_decref(s->notifications);
    free(s);
}

const struct report_ops vg_report_sarif_ops = {
    .name = "sarif",
    .summary = "SARIF 2.1.0 findings located at the .vmx line (code scanning)",
    .begin = sarif_begin,
    .vm = sarif_vm,
    .problem = sarif_problem,
    .end = sarif_end,
    .free = sarif_free,
    /* no render op: each VM goes through the whole document's writer */
};
