/*
 * Any bytes in names and values (what a hostile .vmx can hold) give
 * well-formed XML and parseable JSON in every machine-read format: random
 * strings, seeded so a failure repeats, go through every writer and back
 * through libxml2 and jansson.
 */
#include <jansson.h>
#include <libxml/parser.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#include "capture.h"

#define ROUNDS 150

static uint32_t rng = 12345;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Mostly nasty bytes: controls, quotes, markup, |22, broken and valid UTF-8. */
static void random_text(char *out, size_t max)
{
    static const char *const pieces[] = {"\"",
                                         "&",
                                         "<",
                                         ">",
                                         "'",
                                         "|22",
                                         "\n",
                                         "\r",
                                         "\t",
                                         "\x01",
                                         "\x1b[31m",
                                         "\x7f",
                                         "\xff",
                                         "\xc3",
                                         "\xc3\xbc",
                                         "\xe2\x98\x83",
                                         "\xef\xbf\xbe",
                                         "\xed\xa0\x80",
                                         "]]>",
                                         "--",
                                         "a",
                                         " ",
                                         "\\",
                                         "%",
                                         "\xf0\x9f\x98\x80"};
    size_t len = 0, n = next() % 12;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[next() % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        if (len + l + 1 > max)
            break;
        memcpy(out + len, p, l);
        len += l;
    }
    out[len] = '\0';
}

static char bufs[10][128];

static void randomise_fixture(void)
{
    fixture_init();
    for (int i = 0; i < 10; i++)
        random_text(bufs[i], sizeof bufs[i]);
    fix_vm_a.name = bufs[0];
    fix_vm_a.path = bufs[1];
    fix_vm_b.name = bufs[2];
    fix_results_a[0].evidence = bufs[3];
    fix_results_a[0].fix = bufs[4];
    fix_results_a[0].actual = bufs[5];
    fix_results_a[6].waiver_reason = bufs[6];
    fix_results_a[6].waiver_approver = bufs[7];
    fix_results_b[2].evidence = bufs[8];
    fix_lints_a[0].message = bufs[9];
}

static void restore_fixture(void)
{
    fix_vm_a.name = "web \"01\" & <prod> |22 Müller ☃";
    fix_vm_a.path = FIX_VMX_A;
    fix_vm_b.name = "db02";
}

static void check_xml(const char *format, const char *data)
{
    xmlDocPtr doc = xmlReadMemory(data, (int)strlen(data), "r.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        fail_msg("%s: not well-formed XML (seed state %u)", format, rng);
    xmlFreeDoc(doc);
}

static void check_json(const char *format, const char *data, size_t flags)
{
    json_error_t err;
    json_t *j = json_loads(data, flags, &err);
    if (!j)
        fail_msg("%s: not JSON: %s (seed state %u)", format, err.text, rng);
    json_decref(j);
}

static void any_bytes_give_wellformed_xml_and_json(void **state)
{
    (void)state;
    static const struct {
        const char *format;
        int xml;
    } formats[] = {{"junit", 1}, {"xccdf", 1}, {"json", 0}, {"sarif", 0}};
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            randomise_fixture();
            vg_report_opts o = {.width = 80};
            int rc = -1;
            char *data = capture(formats[f].format, o, &rc);
            assert_int_equal(rc, 0);
            if (formats[f].xml)
                check_xml(formats[f].format, data);
            else
                check_json(formats[f].format, data, 0);
            free(data);
        }
        /* jsonl: every line on its own */
        randomise_fixture();
        vg_report_opts o = {.width = 80};
        char *data = capture("jsonl", o, NULL);
        size_t lines = 0;
        for (char *line = data; *line; lines++) {
            char *end = strchr(line, '\n');
            assert_non_null(end);
            *end = '\0';
            check_json("jsonl", line, 0);
            line = end + 1;
        }
        assert_int_equal(lines, 6); /* run, vm, 2 problems, vm, summary */
        free(data);
    }
    restore_fixture();
}

/* ckl and cklb, one VM each (no output directory). */
static void any_bytes_give_wellformed_checklists(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        for (int cklb = 0; cklb < 2; cklb++) {
            randomise_fixture();
            char *data = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&data, &len);
            vg_report_opts o = {.out = f};
            vg_report *r = NULL;
            vg_error err;
            vg_audit_summary sum;
            memset(&sum, 0, sizeof sum);
            assert_int_equal(vg_report_new(cklb ? "cklb" : "ckl", &o, &r, &err), 0);
            assert_int_equal(vg_report_begin(r, &fix_run, &err), 0);
            assert_int_equal(vg_report_vm(r, &fix_reports[0], &err), 0);
            assert_int_equal(vg_report_end(r, &sum, &err), 0);
            vg_report_free(r);
            fclose(f);
            if (cklb)
                check_json("cklb", data, 0);
            else
                check_xml("ckl", data);
            free(data);
        }
    }
    restore_fixture();
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(any_bytes_give_wellformed_xml_and_json),
        cmocka_unit_test(any_bytes_give_wellformed_checklists),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
