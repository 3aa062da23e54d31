/*
 * SARIF 2.1.0 for code-scanning style consumers (ecosystem.md 2.4): the
 * run's rules in tool.driver.rules with help text and references, one
 * result per finding located at the .vmx file and line, waived findings as
 * suppressions with their justification.  Passing, not applicable and
 * manual results are not findings and are left out (the json format has
 * everything).  Written as it goes: rules at begin, results per VM,
 * diagnostics and the summary at the end.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"

#define S(x) vg_report_json_str(x)

struct sarif_state {
    json_t *rule_index; /* rule id -> index in driver.rules */
    json_t *notifications;
    size_t results;
};

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
    return json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:o, s:{s:s}, s:{s:o, s:s, s:s, s:o}}", "id",
                     S(pr->rule->id), "name", pascal_name(pr->rule->id), "shortDescription", "text",
                     S(pr->title ? pr->title : pr->rule->title), "fullDescription", "text",
                     S(pr->rule->description ? pr->rule->description : pr->rule->title), "help",
                     rule_help(pr), "defaultConfiguration", "level", sarif_level[sev], "properties",
                     "tags", tags, "security-severity", security_severity[sev], "precision",
                     "very-high", "profile", S(p->id));
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

static int sarif_begin(vg_report *r, vg_error *err)
{
    struct sarif_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    s->rule_index = json_object();
    s->notifications = json_array();
    json_t *rules = s->rule_index ? driver_rules(r, s->rule_index) : NULL;
    if (!rules || !s->notifications)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    /* informationUri: the project's homepage as debian/control declares it */
    json_t *tool =
        json_pack("{s:{s:s, s:o, s:o, s:s, s:o}}", "driver", "name", "vmxguard", "version",
                  S(r->run.tool_version ? r->run.tool_version : vg_version()), "semanticVersion",
                  S(r->run.tool_version ? r->run.tool_version : vg_version()), "informationUri",
                  "https://vmxguard.invalid/", "rules", rules);
    FILE *f = vg_report_stream(r);
    fputs(
        "{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"version\": \"2.1.0\", "
        "\"runs\": [{\"tool\": ",
        f);
    int rc = vg_report_json_put(r, tool, JSON_COMPACT, err);
    if (rc == 0)
        fputs(", \"automationDetails\": {\"id\": \"vmxguard/audit/\"}, \"results\": [\n", f);
    return rc;
}

/* A .vmx path as a URI reference: relative stays relative, absolute becomes
 * file://, a datastore path "[ds1] vm/vm.vmx" becomes "ds1/vm/vm.vmx". */
static char *artifact_uri(const char *path)
{
    vg_buf b = VG_BUF_INIT;
    const char *p = path;
    if (p[0] == '[') {
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
        vg_buf_adds(&b, "file://");
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

static json_t *location(const vg_vm *vm, const vg_result *res)
{
    const char *file = res->file ? res->file : vm->path;
    char *uri = NULL;
    vg_buf pseudo = VG_BUF_INIT;
    if (!file) {
        vg_buf_printf(&pseudo, "vsphere/%s/%s", vm->server ? vm->server : "unknown",
                      vm->moref ? vm->moref : vg_report_vm_name(vm));
        file = pseudo.data;
    }
    uri = artifact_uri(file);
    vg_buf_release(&pseudo);
    const char *fq = vm->path ? vm->path : (vm->moref ? vm->moref : vg_report_vm_name(vm));
    json_t *j =
        json_pack("{s:{s:{s:o}, s:{s:i}}, s:[{s:o, s:o, s:s}]}", "physicalLocation",
                  "artifactLocation", "uri", S(uri), "region", "startLine",
                  res->file && res->line ? (int)res->line : 1, "logicalLocations", "name",
                  S(vg_report_vm_name(vm)), "fullyQualifiedName", S(fq), "kind", "resource");
    free(uri);
    return j;
}

static json_t *message(const vg_vm *vm, const vg_result *res)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s: %s%s", vg_report_vm_name(vm),
                  res->status == VG_ERROR ? "could not evaluate: " : "",
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
        json_pack("{s:o, s:o, s:s, s:s, s:o, s:[o], s:{s:o}, s:{s:o, s:o, s:s, s:s}}", "ruleId",
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
    return st == VG_FAIL || st == VG_WAIVED || st == VG_ERROR;
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
        if (s->results++)
            fputs(",\n", vg_report_stream(r));
        int rc = vg_report_json_put(r, result_json(s, vr->vm, res), JSON_COMPACT, err);
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
    json_t *inv = json_pack("[{s:b, s:s, s:O}]", "executionSuccessful", sum->errors == 0,
                            "startTimeUtc", when, "toolExecutionNotifications", s->notifications);
    FILE *f = vg_report_stream(r);
    fputs("], \"invocations\": ", f);
    int rc = vg_report_json_put(r, inv, JSON_COMPACT, err);
    if (rc == 0) {
        fputs(", \"properties\": {\"summary\": ", f);
        rc = vg_report_json_put(r, vg_report_json_summary(sum), JSON_COMPACT, err);
    }
    if (rc == 0)
        fputs("}}]}\n", f);
    return rc ? rc : vg_report_flush(r, err);
}

static void sarif_free(vg_report *r)
{
    struct sarif_state *s = r->state;
    if (!s)
        return;
    json_decref(s->rule_index);
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
