/*
 * Every format read back by a real parser (libxml2, jansson, an RFC 4180
 * reader): hostile names and values come out intact, the XML is well-formed
 * whatever bytes the input held, and the checklist formats refuse two VMs
 * without an output directory.
 */
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#include "capture.h"
#include "report/report_internal.h"

static const char *const vm_a_name = "web \"01\" & <prod> |22 Müller ☃";

static char *out_of(const char *format)
{
    vg_report_opts o = {.width = 100};
    int rc = -1;
    char *s = capture(format, o, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

/* The string value of an XPath expression over an XML document text. */
static char *xpath_string(const char *xml, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "report.xml", NULL, XML_PARSE_NONET);
    if (!doc)
        fail_msg("output is not well-formed XML");
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "x", BAD_CAST "http://checklists.nist.gov/xccdf/1.2");
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    assert_non_null(obj);
    xmlChar *v = xmlXPathCastToString(obj);
    char *s = strdup((const char *)v);
    xmlFree(v);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return s;
}

static void expect_xpath(const char *xml, const char *expr, const char *want)
{
    char *got = xpath_string(xml, expr);
    if (strcmp(got, want) != 0)
        fail_msg("%s: want \"%s\", got \"%s\"", expr, want, got);
    free(got);
}

static void junit_keeps_names_and_counts(void **state)
{
    (void)state;
    char *s = out_of("junit");
    expect_xpath(s, "string(/testsuites/testsuite[1]/@name)", vm_a_name);
    expect_xpath(s, "string(count(//testcase/failure))", "4"); /* 3 fail, 1 pending */
    expect_xpath(s, "string(count(//testcase/failure[@type='pending']))", "1");
    expect_xpath(s, "string(/testsuites/testsuite[2]/@failures)", "2");
    expect_xpath(s, "string(count(//testcase/error))", "2"); /* one rule, one input error */
    expect_xpath(s, "string(count(//testcase/skipped))", "4");
    expect_xpath(s, "string(/testsuites/testsuite[1]/testcase[2]/failure/@type)", "high");
    free(s);
}

static void xccdf_keeps_names_statuses_and_waiver(void **state)
{
    (void)state;
    char *s = out_of("xccdf");
    expect_xpath(s, "string(//x:TestResult[1]/x:target)", vm_a_name);
    expect_xpath(s, "string(//x:TestResult[1]/x:rule-result[7]/x:result)", "pass");
    expect_xpath(s, "string(//x:TestResult[1]/x:rule-result[7]/x:override/x:old-result)", "fail");
    expect_xpath(s, "string(//x:TestResult[1]/x:rule-result[7]/x:override/x:remark)",
                 "Vendor appliance needs 2 MiB \"setinfo\" & more");
    expect_xpath(s, "string(//x:TestResult[1]/x:rule-result[6]/x:result)", "error");
    expect_xpath(s, "string(//x:TestResult[2]/x:rule-result[3]/x:result)", "fail");
    /* 1 pass + 1 waived against 2 fail + 1 error: an error counts as not passed */
    expect_xpath(s, "string(//x:TestResult[1]/x:score)", "40.00");
    free(s);
}

static void xml_replaces_control_bytes_and_repairs_utf8(void **state)
{
    (void)state;
    char *s = out_of("junit");
    /* \x01 and ESC are illegal in XML 1.0, even as references: each becomes
     * U+FFFD (visible, never silently lost), as does the byte 0xFF */
    expect_xpath(s, "string(//testcase[2]/failure/@message)",
                 "serial0.present = TRUE (web01.vmx:31); fileName = "
                 "\"/tmp/a\xEF\xBF\xBD\xEF\xBF\xBD[31m|22b\"");
    char *msg = xpath_string(s, "string(//testcase[6]/error/@message)");
    assert_non_null(strstr(msg, "bogus\xEF\xBF\xBD\" is not a known mode\nline two"));
    free(msg);
    free(s);
}

static void ckl_has_every_rule_with_statuses(void **state)
{
    (void)state;
    vg_report *r = NULL;
    vg_error err;
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    vg_report_opts o = {.out = f};
    fixture_init();
    assert_int_equal(vg_report_new("ckl", &o, &r, &err), 0);
    assert_int_equal(vg_report_begin(r, &fix_run, &err), 0);
    assert_int_equal(vg_report_vm(r, &fix_reports[0], &err), 0);
    /* a second VM cannot share the single checklist */
    assert_int_equal(vg_report_vm(r, &fix_reports[1], &err), VG_EUSAGE);
    /* what is wrong, in the library's words: the CLI adds the option */
    assert_non_null(strstr(err.msg, "give an output directory"));
    assert_null(strstr(err.msg, "--output-dir"));
    vg_report_free(r);
    fclose(f);
    expect_xpath(data, "string(/CHECKLIST/ASSET/HOST_NAME)", vm_a_name);
    expect_xpath(data, "string(count(//VULN))", "7");
    static const char *const want[] = {"Open",         "Open",           "NotAFinding",
                                       "Not_Reviewed", "Not_Applicable", "Not_Reviewed",
                                       "NotAFinding"};
    char expr[128];
    for (int i = 0; i < 7; i++) {
        snprintf(expr, sizeof expr, "string(//VULN[%d]/STATUS)", i + 1);
        expect_xpath(data, expr, want[i]);
    }
    expect_xpath(data, "string(//VULN[1]/STIG_DATA[VULN_ATTRIBUTE='Rule_ID']/ATTRIBUTE_DATA)",
                 "SV-258703r933245_rule");
    expect_xpath(data, "string(//VULN[1]/STIG_DATA[VULN_ATTRIBUTE='Vuln_Num']/ATTRIBUTE_DATA)",
                 "V-258703");
    char *comment = xpath_string(data, "string(//VULN[7]/COMMENTS)");
    assert_non_null(strstr(comment, "Waived: Vendor appliance needs 2 MiB \"setinfo\" & more"));
    free(comment);
    free(data);
}

static void json_round_trips_every_string(void **state)
{
    (void)state;
    char *s = out_of("json");
    json_error_t jerr;
    json_t *doc = json_loads(s, 0, &jerr);
    if (!doc)
        fail_msg("json does not parse: %s at line %d", jerr.text, jerr.line);
    json_t *res = json_array_get(
        json_object_get(json_array_get(json_object_get(doc, "vms"), 0), "results"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "vm"), "name")),
                        vm_a_name);
    assert_string_equal(
        json_string_value(json_object_get(res, "evidence")),
        "serial0.present = TRUE (web01.vmx:31); fileName = \"/tmp/a\x01\x1b[31m|22b\"");
    assert_string_equal(json_string_value(json_object_get(res, "status")), "fail");
    assert_string_equal(json_string_value(json_array_get(json_object_get(res, "refs"), 0)),
                        "V-258704");
    json_t *sum = json_object_get(doc, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "vms")), 2);
    /* 6 pass (waived included) against 3 fail + 1 error + 1 pending */
    assert_true(fabs(json_real_value(json_object_get(sum, "score_after_waivers")) - 54.55) < 0.01);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "counts"), "pending")),
                     1);
    json_decref(doc);
    free(s);
}

/* Minimal RFC 4180 reader: fields of record `row` (0 = header) into out. */
static size_t csv_record(const char *s, size_t row, char out[][256], size_t max)
{
    size_t r = 0, n = 0, k = 0;
    int quoted = 0;
    for (const char *p = s; *p; p++) {
        if (quoted) {
            if (*p == '"' && p[1] == '"')
                p++;
            else if (*p == '"') {
                quoted = 0;
                continue;
            }
        } else if (*p == '"') {
            quoted = 1;
            continue;
        } else if (*p == ',' || (*p == '\r' && p[1] == '\n')) {
            if (r == row && n < max)
                out[n][k] = '\0';
            n++, k = 0;
            if (*p == '\r') {
                p++;
                if (r++ == row)
                    return n;
                n = 0;
            }
            continue;
        }
        if (r == row && n < max && k < 255)
            out[n][k++] = *p;
    }
    return 0;
}

static void csv_quotes_per_rfc4180(void **state)
{
    (void)state;
    char *s = out_of("csv");
    static char f[32][256];
    assert_int_equal(csv_record(s, 0, f, 32), 22);
    assert_string_equal(f[0], "vm_name");
    assert_int_equal(csv_record(s, 2, f, 32), 22);
    assert_string_equal(f[0], vm_a_name);
    assert_string_equal(f[5], "serial-port-absent");
    assert_string_equal(f[10], "fail");
    assert_int_equal(csv_record(s, 6, f, 32), 22);
    assert_string_equal(
        f[15], "migrate.encryptionMode = \"bogus\xEF\xBF\xBD\" is not a known mode\nline two");
    assert_int_equal(csv_record(s, 14, f, 32), 22); /* 14 results + header */
    assert_int_equal(csv_record(s, 15, f, 32), 0);
    free(s);
}

static void sarif_locates_findings_and_suppresses_waivers(void **state)
{
    (void)state;
    char *s = out_of("sarif");
    json_error_t jerr;
    json_t *doc = json_loads(s, 0, &jerr);
    assert_non_null(doc);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 6); /* 3 fail, 1 error, 1 waived, 1 pending */
    json_t *first = json_array_get(results, 0);
    json_t *loc =
        json_object_get(json_array_get(json_object_get(first, "locations"), 0), "physicalLocation");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")),
        "examples/datastore1/web%20%2201%22%20%26%20%3Cprod%3E/web01.vmx");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(loc, "region"), "startLine")), 14);
    json_t *waived = json_array_get(results, 3);
    assert_string_equal(json_string_value(json_object_get(waived, "ruleId")),
                        "tools-setinfo-sizelimit");
    assert_non_null(json_object_get(waived, "suppressions"));
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(run, "tool"), "driver"), "rules")),
                     7);
    json_decref(doc);
    free(s);
}

static void per_vm_file_names_are_safe_and_unique(void **state)
{
    (void)state;
    struct vg_name_set used = {0};
    static const struct {
        const char *vm, *want;
    } cases[] = {
        {"web01", "web01.ckl"},   {"web01", "web01-2.ckl"},
        {"web/01", "web_01.ckl"}, {"../../etc/passwd", "_._.._etc_passwd.ckl"},
        {"", "vm.ckl"},           {"Büro Server", "B_ro_Server.ckl"},
        {"web01", "web01-3.ckl"}, {"web01-4", "web01-4.ckl"},
        {"web01", "web01-5.ckl"}, {"web01-2", "web01-2-2.ckl"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = vg_report_file_name(cases[i].vm, ".ckl", &used);
        assert_non_null(name);
        assert_string_equal(name, cases[i].want);
        assert_null(strchr(name, '/'));
        free(name);
    }
    vg_name_set_release(&used);
}

static double naming_seconds(size_t n)
{
    struct vg_name_set used = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        char *name = vg_report_file_name("same name", ".ckl", &used);
        assert_non_null(name);
        if (i == n - 1) {
            char want[64];
            snprintf(want, sizeof want, "same_name-%zu.ckl", n);
            assert_string_equal(name, want);
        }
        free(name);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vg_name_set_release(&used);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* Many VMs of one display name: 4x the names, about 4x the time (the old
 * list search took N^3/3 string compares, 27 s at 4,000). */
static void one_name_many_times_is_linear(void **state)
{
    (void)state;
    /* the best of three runs each: a loaded machine only ever adds time */
    double t1 = 1e9, t4 = 1e9;
    for (int r = 0; r < 3; r++) {
        double a = naming_seconds(10000), b = naming_seconds(40000);
        t1 = a < t1 ? a : t1;
        t4 = b < t4 ? b : t4;
    }
    if (t4 > 10 * t1 && t4 > 0.1)
        fail_msg("40,000 names took %.3f s, 10,000 took %.3f s (%.1fx)", t4, t1, t4 / t1);
}

static void checklists_need_a_vm(void **state)
{
    (void)state;
    static const char *const formats[] = {"ckl", "cklb", "xccdf"};
    for (size_t i = 0; i < 3; i++) {
        vg_report *r = NULL;
        vg_error err;
        char *data = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&data, &len);
        vg_report_opts o = {.out = f};
        vg_audit_summary sum;
        memset(&sum, 0, sizeof sum);
        assert_int_equal(vg_report_new(formats[i], &o, &r, &err), 0);
        assert_int_equal(vg_report_begin(r, &fix_run, &err), 0);
        assert_int_equal(vg_report_end(r, &sum, &err), VG_ENOTFOUND);
        vg_report_free(r);
        fclose(f);
        free(data);
    }
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(junit_keeps_names_and_counts),
        cmocka_unit_test(xccdf_keeps_names_statuses_and_waiver),
        cmocka_unit_test(xml_replaces_control_bytes_and_repairs_utf8),
        cmocka_unit_test(ckl_has_every_rule_with_statuses),
        cmocka_unit_test(json_round_trips_every_string),
        cmocka_unit_test(csv_quotes_per_rfc4180),
        cmocka_unit_test(sarif_locates_findings_and_suppresses_waivers),
        cmocka_unit_test(per_vm_file_names_are_safe_and_unique),
        cmocka_unit_test(one_name_many_times_is_linear),
        cmocka_unit_test(checklists_need_a_vm),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
