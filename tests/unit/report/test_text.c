/* The text writer: order, escaping, width, colour and the summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#include "capture.h"

static char *text(int color, int width, int verbose)
{
    vg_report_opts o = {.color = color, .width = width, .verbose = verbose};
    int rc = -1;
    char *s = capture("text", o, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

static void failures_come_first_highest_severity_first(void **state)
{
    (void)state;
    char *s = text(0, 100, 0);
    char *high = strstr(s, "serial-port-absent");
    char *medium = strstr(s, "isolation-tools-copy-disable");
    char *error = strstr(s, "migrate-encryption");
    char *waived = strstr(s, "tools-setinfo-sizelimit");
    char *manual = strstr(s, "guest-os-patched");
    assert_non_null(high);
    assert_true(high < medium && medium < error && error < waived && waived < manual);
    free(s);
}

static void passes_only_listed_when_verbose(void **state)
{
    (void)state;
    char *s = text(0, 100, 0);
    assert_null(strstr(s, "PASS    low     logging-enable [VMCH-80-000191]"));
    free(s);
    s = text(0, 100, 1);
    assert_non_null(strstr(s, "PASS    low     logging-enable [VMCH-80-000191]"));
    free(s);
}

static void evidence_fix_waiver_lint_and_problems_shown(void **state)
{
    (void)state;
    char *s = text(0, 120, 0);
    assert_non_null(strstr(s, "evidence: isolation.tools.copy.disable = FALSE (web01.vmx:14)"));
    assert_non_null(strstr(s, "fix: set isolation.tools.copy.disable = \"TRUE\""));
    assert_non_null(strstr(s, "waiver: Vendor appliance"));
    assert_non_null(strstr(s, "EXPIRED Logging off"));
    assert_non_null(strstr(s, "warning: " FIX_VMX_A ":22: isolation.tools.copy.enable"));
    assert_non_null(strstr(s, "warning: waivers.yaml:7: waiver for 'ghost*' matches no VM"));
    assert_non_null(strstr(s, "error: examples/bad/bad.vmx:3: unterminated quote"));
    assert_non_null(strstr(s, "note: locked (appears powered on)"));
    free(s);
}

static void control_characters_never_reach_the_terminal(void **state)
{
    (void)state;
    char *s = text(0, 200, 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        assert_false(c < 0x20 && c != '\n');
    }
    assert_non_null(strstr(s, "\\x01\\x1B[31m|22b"));
    assert_non_null(strstr(s, "web \"01\" & <prod> |22 Müller ☃"));
    assert_non_null(strstr(s, "not a known mode\\nline two"));
    free(s);
}

static void lines_fit_the_width(void **state)
{
    (void)state;
    for (int width = 40; width <= 120; width += 40) {
        char *s = text(0, width, 1);
        size_t cols = 0;
        for (const char *p = s; *p; p++) {
            if (*p == '\n') {
                cols = 0;
                continue;
            }
            cols += ((unsigned char)*p & 0xC0) != 0x80;
            if (cols > (size_t)width)
                fail_msg("line longer than %d columns near: %.60s", width, p - cols);
        }
        free(s);
    }
}

static void colour_only_when_asked(void **state)
{
    (void)state;
    char *s = text(0, 80, 0);
    assert_null(strchr(s, '\033'));
    free(s);
    s = text(1, 80, 0);
    assert_non_null(strstr(s, "\033[1;31mFAIL"));
    free(s);
}

static void summary_has_counts_and_both_scores(void **state)
{
    (void)state;
    char *s = text(0, 100, 0);
    assert_non_null(strstr(s, "VMs:      2 audited, 2 failing, 1 input errors"));
    assert_non_null(strstr(s, "14 results: 5 pass, 3 fail, 1 waived, 2 manual, 1 n.a., 1 error, "
                              "1 pending (in effect"));
    assert_non_null(strstr(s, "  PENDING medium  tools-setinfo-sizelimit"));
    assert_non_null(strstr(s, "Failures: 1 high, 1 medium, 1 low, 0 info"));
    assert_non_null(strstr(s, "Score:    45.5% before waivers, 54.5% after waivers"));
    assert_non_null(strstr(s, "Profile:  disa-vsphere8-vm V2R1 (7 rules, 6 automated)"));
    free(s);
}

static void unknown_format_is_a_usage_error(void **state)
{
    (void)state;
    vg_report *r = (vg_report *)1;
    vg_error err;
    assert_int_equal(vg_report_new("yaml", NULL, &r, &err), VG_EUSAGE);
    assert_null(r);
    assert_non_null(strstr(err.msg, "unknown report format 'yaml'"));
}

static void vm_before_begin_is_refused(void **state)
{
    (void)state;
    vg_report *r = NULL;
    vg_error err;
    fixture_init();
    assert_int_equal(vg_report_new("text", NULL, &r, &err), 0);
    assert_int_equal(vg_report_vm(r, &fix_reports[0], &err), VG_EUSAGE);
    vg_report_free(r);
    vg_report_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failures_come_first_highest_severity_first),
        cmocka_unit_test(passes_only_listed_when_verbose),
        cmocka_unit_test(evidence_fix_waiver_lint_and_problems_shown),
        cmocka_unit_test(control_characters_never_reach_the_terminal),
        cmocka_unit_test(lines_fit_the_width),
        cmocka_unit_test(colour_only_when_asked),
        cmocka_unit_test(summary_has_counts_and_both_scores),
        cmocka_unit_test(unknown_format_is_a_usage_error),
        cmocka_unit_test(vm_before_begin_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
