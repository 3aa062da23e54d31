/*
 * XCCDF 1.2 results: a Benchmark (its Rules, so every rule-result idref
 * resolves) holding one TestResult per VM with target facts, a rule-result
 * for every rule of the profiles, waivers as <override> (old-result fail,
 * new-result pass, the reason as remark) and the score after waivers.
 * Rule ids follow DISA SCC's shape (xccdf_mil.disa.stig_rule_SV-..._rule)
 * when the profile carries SV ids, so STIG Viewer and STIG Manager map them
 * to the STIG; the layout is ecosystem.md 2.1, validated against
 * openscap-common's xccdf_1.2.xsd in the tests.  With an output directory
 * each VM gets its own file (STIG Manager reads one TestResult per file).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define XCCDF_NS "http://checklists.nist.gov/xccdf/1.2"

struct xccdf_state {
    struct per_vm_files files;
    xw stream; /* the one document when writing to a stream */
    int stream_open;
    size_t vms;
};

/* [A-Za-z0-9._-] kept, others '_': ids must be NCNames. */
static void add_id_part(vg_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_';
        vg_buf_addc(b, ok ? c : '_');
    }
}

/* SCC's id for a DISA rule; else ours from the short rule key, with the
 * profile when several profiles share the Benchmark (ids must be unique). */
static char *rule_xid(const vg_report *r, const vg_profile *p, const struct stig_row *row)
{
    vg_buf b = VG_BUF_INIT;
    const vg_profile_rule *pr = row->entries[0];
    const char *sv = row->srule ? row->srule->rule_id : vg_report_ref_matching(pr, "SV-", "_rule");
    if (sv) {
        vg_buf_adds(&b, "xccdf_mil.disa.stig_rule_");
        add_id_part(&b, sv);
    } else {
        vg_buf_adds(&b, "xccdf_org.vmxguard_rule_");
        if (r->run.n_profiles > 1) {
            add_id_part(&b, p->id);
            vg_buf_addc(&b, '.');
        }
        add_id_part(&b, vg_stig_rule_key(p, pr));
    }
    return vg_buf_detach(&b);
}

static char *benchmark_xid(const vg_report *r)
{
    vg_buf b = VG_BUF_INIT;
    const vg_profile *p = r->run.n_profiles == 1 ? r->run.profiles[0] : NULL;
    if (p && p->benchmark_id) {
        vg_buf_adds(&b, "xccdf_mil.disa.stig_benchmark_");
        add_id_part(&b, vg_stig_bench_id(r, p));
    } else {
        vg_buf_adds(&b, "xccdf_org.vmxguard_benchmark_");
        add_id_part(&b, p ? p->id : "run");
    }
    return vg_buf_detach(&b);
}

static void put_ident(xw *x, const char *system, const char *id)
{
    vg_xw_start(x, "ident");
    vg_xw_attr(x, "system", system);
    vg_xw_text(x, id);
    vg_xw_end(x);
}

/* CCIs and legacy ids: the STIG data's, else those in the entry's refs. */
static void put_idents(xw *x, const struct stig_row *row)
{
    if (row->srule) {
        for (size_t i = 0; row->srule->ccis && row->srule->ccis[i]; i++)
            put_ident(x, "http://cyber.mil/cci", row->srule->ccis[i]);
        for (size_t i = 0; row->srule->legacy_ids && row->srule->legacy_ids[i]; i++)
            put_ident(x, "http://cyber.mil/legacy", row->srule->legacy_ids[i]);
        return;
    }
    static const struct {
        const char *prefix, *system;
    } systems[] = {{"CCI-", "http://cyber.mil/cci"},
                   {"V-", "http://cyber.mil/legacy"},
                   {"SV-", "http://cyber.mil/legacy"}};
    const vg_profile_rule *pr = row->entries[0];
    for (size_t i = 0; pr->refs && pr->refs[i]; i++) {
        for (size_t k = 0; k < sizeof systems / sizeof systems[0]; k++) {
            if (strncmp(pr->refs[i], systems[k].prefix, strlen(systems[k].prefix)) == 0) {
                put_ident(x, systems[k].system, pr->refs[i]);
                break;
            }
        }
    }
}

static void put_rule(const vg_report *r, xw *x, const vg_profile *p, const struct stig_row *row)
{
    char *id = rule_xid(r, p, row);
    char *title = vg_stig_row_title(row);
    const vg_profile_rule *pr = row->n_entries ? row->entries[0] : NULL;
    vg_xw_start(x, "Rule");
    vg_xw_attr(x, "id", id);
    vg_xw_attr(x, "severity", vg_stig_row_severity(row));
    vg_xw_attr(x, "selected", "true");
    vg_xw_attr(x, "weight", row->srule ? row->srule->weight : "10.0");
    vg_xw_elem(x, "version", vg_stig_row_version(row));
    vg_xw_elem(x, "title", title);
    vg_xw_elem(x, "description", pr ? pr->rule->description : NULL);
    put_idents(x, row);
    if (pr && pr->rule->fix)
        vg_xw_elem(x, "fixtext", pr->rule->fix);
    vg_xw_end(x);
    if (!id || !title)
        x->failed = 1;
    free(id);
    free(title);
}

/* Every profile's rows for vr (vr NULL: no results, for the Benchmark's Rules). */
static void put_rows(vg_report *r, xw *x, const vg_vm_report *vr, const char *when,
                     void (*each)(vg_report *, xw *, const vg_profile *, const struct stig_row *,
                                  const char *))
{
    static const vg_vm_report none;
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        struct stig_row *rows;
        size_t n = vg_stig_rows(r, p, vr ? vr : &none, &rows);
        if (!rows)
            x->failed = 1;
        for (size_t k = 0; k < n; k++)
            each(r, x, p, &rows[k], when);
        free(rows);
    }
}

static void rule_each(vg_report *r, xw *x, const vg_profile *p, const struct stig_row *row,
                      const char *when)
{
    (void)when;
    put_rule(r, x, p, row);
}

static void put_benchmark_head(vg_report *r, xw *x)
{
    const vg_profile *p0 = r->run.n_profiles ? r->run.profiles[0] : NULL;
    char *id = benchmark_xid(r);
    vg_xw_start(x, "Benchmark");
    vg_xw_attr(x, "xmlns", XCCDF_NS);
    vg_xw_attr(x, "id", id);
    vg_xw_attr(x, "resolved", "1");
    vg_xw_attr(x, "xml:lang", "en");
    vg_xw_start(x, "status");
    if (p0 && p0->date)
        vg_xw_attr(x, "date", p0->date);
    vg_xw_text(x, "accepted");
    vg_xw_end(x);
    vg_xw_elem(x, "title",
            p0 && r->run.n_profiles == 1 ? (p0->title ? p0->title : p0->id) : "vmxguard audit");
    if (p0 && r->run.n_profiles == 1 && p0->description)
        vg_xw_elem(x, "description", p0->description);
    if (p0 && p0->release && r->run.n_profiles == 1) {
        vg_xw_start(x, "plain-text");
        vg_xw_attr(x, "id", "release-info");
        vg_xw_text(x, p0->release);
        vg_xw_end(x);
    }
    vg_xw_elem(x, "version", p0 && r->run.n_profiles == 1 && p0->version ? p0->version : "1");
    put_rows(r, x, NULL, NULL, rule_each);
    if (!id)
        x->failed = 1;
    free(id);
}

static void put_fact(xw *x, const char *name, const char *value)
{
    if (!value)
        return;
    vg_xw_start(x, "fact");
    vg_xw_attr(x, "name", name);
    vg_xw_attr(x, "type", "string");
    vg_xw_text(x, value);
    vg_xw_end(x);
}

static void put_target(xw *x, const vg_vm *vm)
{
    vg_xw_elem(x, "target", vg_report_vm_name(vm));
    const char *ip = vg_vm_prop(vm, "guest.ipAddress");
    if (ip)
        vg_xw_elem(x, "target-address", ip);
    vg_xw_start(x, "target-facts");
    put_fact(x, "urn:xccdf:fact:asset:identifier:host_name", vg_report_vm_name(vm));
    put_fact(x, "urn:xccdf:fact:asset:identifier:fqdn", vg_vm_prop(vm, "guest.hostName"));
    put_fact(x, "urn:xccdf:fact:asset:identifier:mac", vg_vm_prop(vm, "guest.macAddress"));
    put_fact(x, "urn:xccdf:fact:asset:identifier:ipv4", ip);
    put_fact(x, "urn:vmxguard:fact:vm:path", vm->path);
    put_fact(x, "urn:vmxguard:fact:vm:moref", vm->moref);
    put_fact(x, "urn:vmxguard:fact:vm:uuid", vm->uuid);
    put_fact(x, "urn:vmxguard:fact:vm:instance_uuid", vm->instance_uuid);
    put_fact(x, "urn:vmxguard:fact:vm:server", vm->server);
    put_fact(x, "urn:vmxguard:fact:vm:power", vg_power_state_name(vm->power));
    put_fact(x, "urn:vmxguard:fact:vm:hw_version", vm->hw_version);
    vg_xw_end(x);
}

static void put_override(xw *x, const vg_result *res, const char *when)
{
    vg_buf authority = VG_BUF_INIT;
    vg_buf_printf(&authority, "%s%s%s", res->waiver_approver ? res->waiver_approver : "waiver",
                  res->waiver_expires ? ", expires " : "",
                  res->waiver_expires ? res->waiver_expires : "");
    vg_xw_start(x, "override");
    vg_xw_attr(x, "time", when);
    vg_xw_attr(x, "authority", authority.data);
    vg_xw_elem(x, "old-result", vg_stig_status(STIG_XCCDF, res->raw_status));
    vg_xw_elem(x, "new-result", vg_stig_status(STIG_XCCDF, res->status));
    vg_xw_elem(x, "remark", res->waiver_reason);
    vg_xw_end(x);
    vg_buf_release(&authority);
}

/* The review as STIG Manager's own XCCDF carries it: detail and comment in
 * the check's content (elements of another namespace, which XCCDF allows
 * there), so an Open finding imports with its comment and is submitted. */
static void put_review(xw *x, const struct stig_row *row, const char *details)
{
    char *comment = vg_stig_row_comments(row);
    if (!comment)
        x->failed = 1;
    if (comment && *comment) {
        vg_xw_start(x, "check");
        vg_xw_attr(x, "system", "urn:vmxguard:review");
        vg_xw_start(x, "check-content");
        vg_xw_start(x, "vg:detail");
        vg_xw_attr(x, "xmlns:vg", "urn:vmxguard:review");
        vg_xw_text(x, details);
        vg_xw_end(x);
        vg_xw_start(x, "vg:comment");
        vg_xw_attr(x, "xmlns:vg", "urn:vmxguard:review");
        vg_xw_text(x, comment);
        vg_xw_end(x);
        vg_xw_end(x);
        vg_xw_end(x);
    }
    free(comment);
}

static void put_rule_result(vg_report *r, xw *x, const vg_profile *p, const struct stig_row *row,
                            const char *when)
{
    char *id = rule_xid(r, p, row);
    char *details = vg_stig_row_details(row);
    vg_xw_start(x, "rule-result");
    vg_xw_attr(x, "idref", id);
    vg_xw_attr(x, "role", "full");
    vg_xw_attr(x, "severity", vg_stig_row_severity(row));
    vg_xw_attr(x, "time", when);
    vg_xw_attr(x, "weight", row->srule ? row->srule->weight : "10.0");
    vg_xw_elem(x, "result", vg_stig_status(STIG_XCCDF, row->status));
    for (size_t i = 0; i < row->n_entries; i++) {
        const vg_result *res = row->results[i];
        if (res && res->status == VG_WAIVED && row->status == VG_WAIVED)
            put_override(x, res, when);
    }
    put_idents(x, row);
    vg_xw_start(x, "message");
    vg_xw_attr(x, "severity",
               row->status == VG_ERROR     ? "error"
               : row->status == VG_PENDING ? "warning"
                                           : "info");
    vg_xw_text(x, details);
    vg_xw_end(x);
    for (size_t i = 0; i < row->n_entries; i++) {
        const vg_result *res = row->results[i];
        if (res && res->key) {
            vg_xw_start(x, "instance");
            vg_xw_attr(x, "context", "vmx-key");
            vg_xw_text(x, res->key);
            vg_xw_end(x);
        }
    }
    for (size_t i = 0; i < row->n_entries; i++) {
        const vg_result *res = row->results[i];
        if (res && res->fix &&
            (res->status == VG_FAIL || res->status == VG_WAIVED || res->status == VG_PENDING))
            vg_xw_elem(x, "fix", res->fix);
    }
    put_review(x, row, details);
    vg_xw_end(x);
    if (!id || !details)
        x->failed = 1;
    free(id);
    free(details);
}

static void put_test_result(vg_report *r, xw *x, const vg_vm_report *vr, size_t n)
{
    char when[32];
    vg_report_iso_time(r->run.started, when, sizeof when);
    vg_buf id = VG_BUF_INIT;
    vg_buf_adds(&id, "xccdf_org.vmxguard_testresult_");
    add_id_part(&id, vg_report_vm_name(vr->vm));
    vg_buf_printf(&id, ".%zu", n);
    vg_xw_start(x, "TestResult");
    vg_xw_attr(x, "id", id.data);
    vg_xw_attr(x, "start-time", when);
    vg_xw_attr(x, "end-time", when);
    vg_xw_attrf(x, "test-system", "cpe:/a:vmxguard:vmxguard:%s",
             r->run.tool_version ? r->run.tool_version : vg_version());
    vg_xw_attr(x, "version", r->run.tool_version ? r->run.tool_version : vg_version());
    vg_buf_reset(&id);
    vg_buf_printf(&id, "vmxguard audit of %s", vg_report_vm_name(vr->vm));
    vg_xw_elem(x, "title", id.data);
    put_target(x, vr->vm);
    /* the default model scores error results 0, as it does failures */
    size_t pass = vr->counts[VG_PASS] + vr->counts[VG_WAIVED],
           fail = vr->counts[VG_FAIL] + vr->counts[VG_ERROR] + vr->counts[VG_PENDING];
    put_rows(r, x, vr, when, put_rule_result);
    vg_xw_start(x, "score");
    vg_xw_attr(x, "system", "urn:xccdf:scoring:default");
    vg_xw_attr(x, "maximum", "100");
    vg_buf_reset(&id);
    vg_buf_printf(&id, "%.2f", (pass + fail) ? 100.0 * (double)pass / (double)(pass + fail) : 0.0);
    vg_xw_text(x, id.data);
    vg_xw_end(x);
    vg_xw_end(x);
    vg_buf_release(&id);
}

static int xccdf_begin(vg_report *r, vg_error *err)
{
    struct xccdf_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    if (r->opts.output_dir)
        return VG_OK;
    s->stream_open = 1;
    vg_xw_open_file(&s->stream, vg_report_stream(r));
    put_benchmark_head(r, &s->stream);
    if (s->stream.failed)
        return vg_error_set(err, VG_EIO, "", 0, "writing the xccdf report failed");
    return VG_OK;
}

/* One complete Benchmark per VM file. */
static int xccdf_vm_file(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct xccdf_state *s = r->state;
    char *path = NULL;
    int prc = vg_per_vm_path(r, &s->files, vr->vm, ".xccdf.xml", &path, err);
    if (prc)
        return prc;
    xw x;
    vg_xw_open_path(&x, path);
    put_benchmark_head(r, &x);
    put_test_result(r, &x, vr, 1);
    vg_xw_end(&x);
    int rc =
        vg_xw_close(&x) ? vg_error_set(err, VG_EIO, path, 0, "cannot write the xccdf results") : VG_OK;
    free(path);
    return rc;
}

static int xccdf_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct xccdf_state *s = r->state;
    s->vms++;
    if (r->opts.output_dir)
        return xccdf_vm_file(r, vr, err);
    if (s->vms == 2)
        vg_xw_comment(&s->stream,
                   " More than one TestResult: STIG Manager imports one TestResult per file "
                   "and rejects this document. Write one file per VM (the output-dir option) "
                   "to import them. ");
    put_test_result(r, &s->stream, vr, s->vms);
    if (s->stream.failed)
        return vg_error_set(err, VG_EIO, "", 0, "writing the xccdf report failed");
    return VG_OK;
}

/* XCCDF has no place for run diagnostics; the caller prints them. */
static int xccdf_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    (void)r, (void)problem, (void)err;
    return VG_OK;
}

static int xccdf_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct xccdf_state *s = r->state;
    (void)sum;
    if (s->vms == 0)
        return vg_error_set(err, VG_ENOTFOUND, "", 0, "no VM to write xccdf results for");
    if (!s->stream_open)
        return VG_OK;
    s->stream_open = 0;
    vg_xw_end(&s->stream); /* Benchmark */
    if (vg_xw_close(&s->stream))
        return vg_error_set(err, VG_EIO, "", 0, "writing the xccdf report failed");
    return vg_report_flush(r, err);
}

static void xccdf_free(vg_report *r)
{
    struct xccdf_state *s = r->state;
    if (!s)
        return;
    if (s->stream_open)
        vg_xw_close(&s->stream);
    vg_per_vm_release(&s->files);
    free(s);
}

const struct report_ops vg_report_xccdf_ops = {
    .name = "xccdf",
    .summary = "XCCDF 1.2 results: Benchmark with a TestResult per VM (per-VM files with "
               "--output-dir)",
    .begin = xccdf_begin,
    .vm = xccdf_vm,
    .problem = xccdf_problem,
    .end = xccdf_end,
    .free = xccdf_free,
    /* no render op: each VM goes through the whole document's writer */
};
