/*
 * JUnit XML for CI systems (ecosystem.md 2.5): a testsuite per VM, a
 * testcase per rule.  GitLab keys results on classname+name and drops
 * duplicates, so the classname carries the VM and the name the rule; it
 * often hides failure@message, so evidence and fix go in the element body.
 * Manual, not applicable and waived results are <skipped> (with why), an
 * error is <error>.  Problems of the run form a last suite of their own.
 * The output validates against the junit-10.xsd of Jenkins' xunit plugin
 * (tests/consumers/junit-10.xsd): a testcase has no file or line
 * attribute there, so the .vmx location is a "file: path:line" line of
 * the testcase's system-out, which GitLab shows beside the result too.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

struct junit_state {
    xw x;
    int open;
    size_t problems, problem_errors;
    vg_buf problem_text; /* problems kept for the last suite */
};

static void put_case_body(xw *x, const vg_result *res)
{
    vg_buf body = VG_BUF_INIT;
    static const char *const skipped_why[VG_RESULT_STATUS_COUNT] = {
        [VG_NOT_APPLICABLE] = "not applicable",
        [VG_MANUAL] = "manual check (not reviewed)",
        [VG_WAIVED] = "waived"};
    switch (res->status) {
    case VG_PENDING: /* configured but not in effect: a failure CI should see */
    case VG_FAIL:
    case VG_ERROR:
        vg_buf_printf(&body, "%s", res->evidence ? res->evidence : "");
        if (res->expected)
            vg_buf_printf(&body, "\nexpected: %s", res->expected);
        if (res->fix)
            vg_buf_printf(&body, "\nfix: %s", res->fix);
        if (res->waiver_reason)
            vg_buf_printf(&body, "\nwaiver expired %s: %s",
                          res->waiver_expires ? res->waiver_expires : "", res->waiver_reason);
        vg_xw_start(x, res->status == VG_ERROR ? "error" : "failure");
        vg_xw_attr(x, "type",
                   res->status == VG_FAIL      ? vg_severity_name(vg_report_severity(res))
                   : res->status == VG_PENDING ? "pending"
                                               : "error");
        vg_xw_attr(x, "message", res->evidence ? res->evidence : vg_report_rule_title(res));
        vg_xw_text(x, body.data);
        vg_xw_end(x);
        break;
    case VG_NOT_APPLICABLE:
    case VG_MANUAL:
    case VG_WAIVED:
        vg_buf_adds(&body, skipped_why[res->status]);
        if (res->waiver_reason)
            vg_buf_printf(&body, ": %s", res->waiver_reason);
        else if (res->evidence)
            vg_buf_printf(&body, ": %s", res->evidence);
        vg_xw_start(x, "skipped");
        vg_xw_attr(x, "message", body.data);
        vg_xw_end(x);
        break;
    default:
        break;
    }
    /* what a pass rests on, and where any result was found */
    vg_buf_reset(&body);
    if (res->status == VG_PASS && res->evidence)
        vg_buf_adds(&body, res->evidence);
    if (res->file) {
        vg_buf_printf(&body, "%sfile: %s", body.len ? "\n" : "", res->file);
        if (res->line)
            vg_buf_printf(&body, ":%u", res->line);
    }
    if (body.len)
        vg_xw_elem(x, "system-out", body.data);
    vg_buf_release(&body);
}

static int junit_begin(vg_report *r, vg_error *err)
{
    struct junit_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    vg_buf_init(&s->problem_text);
    r->state = s;
    s->open = vg_xw_open_file(&s->x, vg_report_stream(r)) == 0;
    vg_xw_start(&s->x, "testsuites");
    vg_xw_attr(&s->x, "name", "vmxguard");
    return s->x.failed ? vg_error_set(err, VG_EIO, "", 0, "writing the junit report failed")
                       : VG_OK;
}

static int junit_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct junit_state *s = r->state;
    xw *x = &s->x;
    char when[32];
    vg_report_iso_time(r->run.started, when, sizeof when);
    const char *name = vg_report_vm_name(vr->vm);
    vg_xw_start(x, "testsuite");
    vg_xw_attr(x, "name", name);
    vg_xw_attrf(x, "tests", "%zu", vr->n_results);
    vg_xw_attrf(x, "failures", "%zu", vr->counts[VG_FAIL] + vr->counts[VG_PENDING]);
    vg_xw_attrf(x, "errors", "%zu", vr->counts[VG_ERROR]);
    vg_xw_attrf(x, "skipped", "%zu",
             vr->counts[VG_NOT_APPLICABLE] + vr->counts[VG_MANUAL] + vr->counts[VG_WAIVED]);
    vg_xw_attr(x, "time", "0");
    vg_xw_attr(x, "timestamp", when);
    vg_xw_attr(x, "hostname", r->run.hostname);
    vg_xw_start(x, "properties");
    static const char *const keys[] = {"path", "moref", "uuid", "server"};
    const char *values[] = {vr->vm->path, vr->vm->moref, vr->vm->uuid, vr->vm->server};
    for (size_t i = 0; i < 4; i++) {
        if (!values[i])
            continue;
        vg_xw_start(x, "property");
        vg_xw_attr(x, "name", keys[i]);
        vg_xw_attr(x, "value", values[i]);
        vg_xw_end(x);
    }
    vg_xw_end(x);
    for (size_t i = 0; i < vr->n_results; i++) {
        const vg_result *res = &vr->results[i];
        vg_xw_start(x, "testcase");
        vg_xw_attrf(x, "classname", "vmxguard.%s", name);
        vg_xw_attrf(x, "name", "%s %s", vg_report_source_id(res), vg_report_rule_id(res));
        vg_xw_attr(x, "time", "0");
        put_case_body(x, res);
        vg_xw_end(x);
    }
    vg_xw_end(x);
    return x->failed ? vg_error_set(err, VG_EIO, "", 0, "writing the junit report failed") : VG_OK;
}

static int junit_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    struct junit_state *s = r->state;
    char msg[1100];
    vg_error_format(problem, msg, sizeof msg);
    vg_buf_printf(&s->problem_text, "%s: %s\n", problem->code ? "error" : "warning", msg);
    s->problems++;
    s->problem_errors += problem->code != 0;
    return s->problem_text.oom ? vg_error_set(err, VG_ENOMEM, "", 0, "out of memory") : VG_OK;
}

/* Input errors fail the build like a failing rule would; warnings are output. */
static void put_problem_suite(struct junit_state *s)
{
    xw *x = &s->x;
    vg_xw_start(x, "testsuite");
    vg_xw_attr(x, "name", "vmxguard inputs");
    vg_xw_attr(x, "tests", "1");
    vg_xw_attr(x, "failures", "0");
    vg_xw_attrf(x, "errors", "%d", s->problem_errors ? 1 : 0);
    vg_xw_attr(x, "skipped", "0");
    vg_xw_attr(x, "time", "0");
    vg_xw_start(x, "testcase");
    vg_xw_attr(x, "classname", "vmxguard.inputs");
    vg_xw_attr(x, "name", "inputs readable");
    vg_xw_attr(x, "time", "0");
    if (s->problem_errors) {
        vg_xw_start(x, "error");
        vg_xw_attrf(x, "message", "%zu input errors", s->problem_errors);
        vg_xw_text(x, s->problem_text.data);
        vg_xw_end(x);
    } else {
        vg_xw_elem(x, "system-out", s->problem_text.data);
    }
    vg_xw_end(x);
    vg_xw_end(x);
}

static int junit_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct junit_state *s = r->state;
    (void)sum;
    if (s->problems)
        put_problem_suite(s);
    vg_xw_end(&s->x);
    s->open = 0;
    if (vg_xw_close(&s->x))
        return vg_error_set(err, VG_EIO, "", 0, "writing the junit report failed");
    return vg_report_flush(r, err);
}

static void junit_free(vg_report *r)
{
    struct junit_state *s = r->state;
    if (!s)
        return;
    if (s->open)
        vg_xw_close(&s->x);
    vg_buf_release(&s->problem_text);
    free(s);
}

const struct report_ops vg_report_junit_ops = {
    .name = "junit",
    .summary = "JUnit XML: a testsuite per VM, a testcase per rule (for CI)",
    .begin = junit_begin,
    .vm = junit_vm,
    .problem = junit_problem,
    .end = junit_end,
    .free = junit_free,
    /* no render op: each VM goes through the whole document's writer */
};
