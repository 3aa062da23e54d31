/*
 * What a format is, from the format table: the STIG checklists keep the
 * folder-evidence profile out of a run, and the per-VM formats are the
 * ones that write into an output folder.  Every listed format answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard/report.h"

static void checklists_are_ckl_cklb_xccdf(void **state)
{
    (void)state;
    const char *const *f = vg_report_formats();
    size_t n = 0;
    for (size_t i = 0; f[i]; i++) {
        int want = !strcmp(f[i], "ckl") || !strcmp(f[i], "cklb") || !strcmp(f[i], "xccdf");
        unsigned p = vg_report_format_props(f[i]);
        assert_int_equal((p & VG_REPORT_CHECKLIST) != 0, want);
        n += want;
    }
    assert_int_equal(n, 3);
}

static void per_vm_files_are_the_checklists_and_hdf(void **state)
{
    (void)state;
    const char *const *f = vg_report_formats();
    for (size_t i = 0; f[i]; i++) {
        unsigned p = vg_report_format_props(f[i]);
        int want = !strcmp(f[i], "hdf") || (p & VG_REPORT_CHECKLIST);
        assert_int_equal((p & VG_REPORT_PER_VM_FILES) != 0, want);
    }
    assert_int_equal(vg_report_format_props("text"), 0);
    assert_int_equal(vg_report_format_props("json"), 0);
}

static void unknown_formats_have_none(void **state)
{
    (void)state;
    assert_int_equal(vg_report_format_props(NULL), 0);
    assert_int_equal(vg_report_format_props(""), 0);
    assert_int_equal(vg_report_format_props("CKL"), 0);
    assert_int_equal(vg_report_format_props("ckl "), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checklists_are_ckl_cklb_xccdf),
        cmocka_unit_test(per_vm_files_are_the_checklists_and_hdf),
        cmocka_unit_test(unknown_formats_have_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
