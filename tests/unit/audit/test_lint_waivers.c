/*
 * Lint of ineffective hardening keys, and waivers: parsing with clear
 * errors, matching by rule id / source id and VM selector, expiry, unused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "audit/audit_internal.h"
#include "vmxguard/audit.h"

static vg_vmx_doc *doc_from(const char *text)
{
    vg_vmx_doc *d = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_parse(text, strlen(text), "l.vmx", &d, &err), VG_OK);
    return d;
}

/* The lint for one line; NULL when the line is fine. */
static const vg_lint *lint_one(const char *text, vg_lint **all, size_t *n)
{
    vg_vmx_doc *d = doc_from(text);
    vg_error err;
    assert_int_equal(vg_audit_lint(d, all, n, &err), VG_OK);
    vg_vmx_doc_free(d);
    return *n ? &(*all)[0] : NULL;
}

static void free_lints(vg_lint *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].key);
        free(l[i].message);
        free(l[i].suggest);
    }
    free(l);
}

static void expect_lint(const char *text, const char *suggest, const char *word)
{
    vg_lint *all;
    size_t n;
    const vg_lint *l = lint_one(text, &all, &n);
    if (!l)
        fail_msg("no lint for %s", text);
    if (suggest)
        assert_string_equal(l->suggest, suggest);
    if (!strstr(l->message, word))
        fail_msg("lint for %s: '%s' lacks '%s'", text, l->message, word);
    assert_int_equal(l->line, 1);
    free_lints(all, n);
}

static void lint_names_the_key_that_works(void **state)
{
    (void)state;
    expect_lint("isolation.tools.copy.enable = \"FALSE\"\n", "isolation.tools.copy.disable",
                "polarity");
    expect_lint("isolation.tools.paste.enable = \"false\"\n", "isolation.tools.paste.disable",
                "polarity");
    expect_lint("vmx.log.rotateSize = \"2048000\"\n", "log.rotateSize", "prefix");
    expect_lint("tools.log.rotateSize = \"2048000\"\n", "log.rotateSize", "prefix");
    expect_lint("isolation.tools.unity.disable = \"TRUE\"\n", NULL, "vSphere 7");
    expect_lint("svga.vgaOnly = \"TRUE\"\n", NULL, "remove");
    expect_lint("isolation.tools.connectable.disable = \"TRUE\"\n",
                "isolation.device.connectable.disable", "superseded");
}

static void lint_leaves_ordinary_keys_alone(void **state)
{
    (void)state;
    const char *fine = "displayName = \"web01\"\nethernet0.present = \"TRUE\"\n"
                       "scsi0:0.fileName = \"web01.vmdk\"\nmemSize = \"4096\"\n"
                       "guestOS = \"ubuntu-64\"\nvirtualHW.version = \"19\"\n";
    vg_lint *all;
    size_t n;
    assert_null(lint_one(fine, &all, &n));
    free_lints(all, n);
}

static void misspelt_and_odd_bools_need_the_catalog(void **state)
{
    (void)state;
    /* Near misses of catalog keys are named; odd booleans need the
     * catalog's types, so the embedded catalog must hold the copy rule. */
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), VG_OK);
    int has_rule = vg_catalog_rule(cat, "isolation-tools-copy-disable") != NULL;
    vg_catalog_free(cat);
    assert_true(has_rule);
    expect_lint("isolation.tools.copy.disabel = \"TRUE\"\n", "isolation.tools.copy.disable",
                "did you mean");
    expect_lint("isolation.tools.copy.disable = \"yes\"\n", "isolation.tools.copy.disable",
                "neither TRUE nor FALSE");
}

static const char *waiver_text = "waivers:\n"
                                 "  - rules: [T-2]\n"
                                 "    vm: {name: \"web*\"}\n"
                                 "    reason: console vendor needs two sessions\n"
                                 "    approver: J. Smith\n"
                                 "    expires: 2030-01-31\n"
                                 "  - rules: [isolation-tools-copy-disable]\n"
                                 "    vm: {path: \"/ds/old/*\"}\n"
                                 "    reason: legacy\n"
                                 "    approver: A. Admin\n"
                                 "    expires: 2020-01-01\n"
                                 "  - rules: [never-matches]\n"
                                 "    vm: {uuid: \"42 0a\"}\n"
                                 "    reason: stale\n"
                                 "    approver: nobody\n"
                                 "    expires: 2030-01-01\n";

static const vg_rule r_copy = {.id = "isolation-tools-copy-disable",
                               .title = "copy",
                               .kind = VG_RULE_VMX_KEY,
                               .type = VG_TYPE_BOOL,
                               .key = "isolation.tools.copy.disable"};
static const vg_rule r_max = {.id = "remotedisplay-maxconnections",
                              .title = "max",
                              .kind = VG_RULE_VMX_KEY,
                              .type = VG_TYPE_INT,
                              .key = "RemoteDisplay.maxConnections"};
static const vg_profile_rule w_rules[] = {
    {.rule = &r_copy, .source_id = "T-1", .cmp = VG_CMP_EQ, .value = "TRUE"},
    {.rule = &r_max, .source_id = "T-2", .cmp = VG_CMP_EQ, .value = "1"},
};
static const vg_profile w_profile = {.id = "w", .rules = w_rules, .n_rules = 2};

static vg_vm_report *audit_named(const char *name, const char *path, const vg_waivers *w,
                                 vg_vm **vm_out)
{
    vg_vm *vm = vg_vm_new(VG_ORIGIN_FILE);
    vg_error err;
    const char *text = "isolation.tools.copy.disable = \"FALSE\"\n";
    assert_int_equal(vg_vmx_doc_parse(text, strlen(text), path, &vm->settings, &err), VG_OK);
    vg_vm_set_str(&vm->name, name);
    vg_vm_set_str(&vm->path, path);
    const vg_profile *ps[] = {&w_profile};
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 27, .tm_hour = 12};
    vg_audit_opts o = {.waivers = w, .now = timegm(&tm)};
    vg_vm_report *rep;
    assert_int_equal(vg_audit_vm(vm, ps, 1, &o, &rep, &err), VG_OK);
    *vm_out = vm;
    return rep;
}

static void waivers_waive_expire_and_report_unused(void **state)
{
    (void)state;
    vg_waivers *w;
    vg_error err;
    assert_int_equal(vg_waivers_parse(waiver_text, strlen(waiver_text), "w.yaml", &w, &err), VG_OK);
    vg_vm *vm;
    vg_vm_report *rep = audit_named("web01", "/ds/web01/web01.vmx", w, &vm);
    assert_int_equal(rep->results[1].raw_status, VG_FAIL);
    assert_int_equal(rep->results[1].status, VG_WAIVED);
    assert_string_equal(rep->results[1].waiver_approver, "J. Smith");
    assert_int_equal(rep->results[0].status, VG_FAIL);
    assert_null(rep->results[0].waiver_reason);
    vg_audit_summary s = {0};
    vg_audit_summary_add(&s, rep);
    assert_int_equal(s.counts[VG_WAIVED], 1);
    assert_int_equal(s.raw_counts[VG_FAIL], 2);
    assert_true(vg_audit_summary_score(&s, 1) > vg_audit_summary_score(&s, 0));
    vg_vm_report_free(rep);
    vg_vm_free(vm);

    rep = audit_named("db01", "/ds/old/db01.vmx", w, &vm);
    assert_int_equal(rep->results[0].status, VG_FAIL);
    assert_int_equal(rep->results[0].waiver_expired, 1);
    assert_string_equal(rep->results[0].waiver_expires, "2020-01-01");
    assert_int_equal(rep->results[1].status, VG_FAIL); /* name db01 is not web* */
    vg_vm_report_free(rep);
    vg_vm_free(vm);

    const char *descr[4];
    assert_int_equal(vg_waivers_unused(w, descr, 4), 1);
    assert_non_null(strstr(descr[0], "w.yaml:12"));
    assert_non_null(strstr(descr[0], "never-matches"));
    vg_waivers_free(w);
}

static void expect_waiver_error(const char *text, unsigned line, const char *word)
{
    vg_waivers *w = NULL;
    vg_error err;
    vg_error_clear(&err);
    assert_int_not_equal(vg_waivers_parse(text, strlen(text), "bad.yaml", &w, &err), VG_OK);
    assert_null(w);
    assert_string_equal(err.file, "bad.yaml");
    if (err.line != line || !strstr(err.msg, word))
        fail_msg("for %s: got line %u '%s', want line %u '%s'", text, err.line, err.msg, line,
                 word);
}

static void bad_waiver_files_name_file_and_line(void **state)
{
    (void)state;
    const char *head = "waivers:\n  - rules: [a]\n    vm: {name: x}\n    reason: r\n"
                       "    approver: p\n";
    char buf[512];
    snprintf(buf, sizeof buf, "%s    expires: 2026-02-30\n", head);
    expect_waiver_error(buf, 6, "YYYY-MM-DD");
    snprintf(buf, sizeof buf, "%s", head);
    expect_waiver_error(buf, 2, "expires");
    expect_waiver_error("waivers:\n  - rules: [a]\n    vm: {name: x, uuid: y}\n", 3, "exactly one");
    expect_waiver_error("waivers:\n  - vm: {name: x}\n", 2, "rules");
    expect_waiver_error("waivers: [\n", 2, "invalid YAML");
    expect_waiver_error("other: 1\n", 1, "waivers");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lint_names_the_key_that_works),
        cmocka_unit_test(lint_leaves_ordinary_keys_alone),
        cmocka_unit_test(misspelt_and_odd_bools_need_the_catalog),
        cmocka_unit_test(waivers_waive_expire_and_report_unused),
        cmocka_unit_test(bad_waiver_files_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
