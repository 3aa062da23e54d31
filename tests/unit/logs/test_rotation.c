/*
 * Rotated sets: the order logs are read in (oldest first), and the
 * rotation arithmetic against log.rotateSize / log.keepOld of the .vmx
 * beside them.  Folders are built in a temp dir per test.
 */
#include <sys/stat.h>

#include "logs_test.h"

static char *mkdir_tmp(void)
{
    char *dir = malloc(64);
    assert_non_null(dir);
    vg_test_tmpdir(dir, 64, "logs-rot");
    return dir;
}

/* A log of about `bytes` bytes of plain level-format lines. */
static void write_log(const char *dir, const char *name, size_t bytes)
{
    static const char line[] = "2022-11-24T17:46:40.654Z In(05) vmx padding padding padding pad\n";
    size_t n = sizeof line - 1, k = (bytes + n - 1) / n;
    char *text = malloc(k * n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < k; i++)
        memcpy(text + i * n, line, n);
    write_file(dir, name, text, k * n);
    free(text);
}

static void write_vmx(const char *dir, const char *settings)
{
    char text[512];
    snprintf(text, sizeof text, ".encoding = \"UTF-8\"\nconfig.version = \"8\"\n%s", settings);
    write_file(dir, "vm.vmx", text, strlen(text));
}

static vg_log_analysis *analyse_dir(const vg_log_sigs *s, const char *dir)
{
    vg_log_analysis *a = NULL;
    vg_error err;
    if (vg_logs_analyze_path(dir, s, NULL, &a, &err) != 0)
        fail_msg("%s: %s", err.file, err.msg);
    return a;
}

static void folder_logs_are_listed_oldest_first(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    const char *names[] = {"vmware.log",    "vmware-0.log", "vmware-1.log", "vmware-2.log",
                           "vmware-10.log", "other.log",    "vmware-x.log", "vmware-1.log.bak"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        write_file(dir, names[i], "", 0);
    char **list = NULL;
    vg_error err;
    assert_int_equal(vg_logs_list_folder(dir, &list, &err), 0);
    const char *want[] = {"vmware-10.log", "vmware-2.log", "vmware-1.log",
                          "vmware-0.log",  "vmware.log",   NULL};
    for (size_t i = 0; want[i]; i++) {
        assert_non_null(list[i]);
        const char *base = strrchr(list[i], '/') + 1;
        if (strcmp(base, want[i]) != 0)
            fail_msg("position %zu: expected %s, got %s", i, want[i], base);
    }
    assert_null(list[5]);
    vg_logs_list_free(list);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

static void logs_within_rotation_give_no_rotation_finding(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    write_vmx(dir, "log.rotateSize = \"100000\"\nlog.keepOld = \"10\"\n");
    write_log(dir, "vmware-0.log", 100000);
    write_log(dir, "vmware.log", 50000);
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_dir(s, dir);
    assert_int_equal(a->rotate_size, 100000);
    assert_int_equal(a->keep_old, 10);
    assert_int_equal(a->rotated, 1);
    assert_string_equal(a->facts.vm_encoding, "UTF-8");
    for (size_t i = 0; i < a->n_findings; i++)
        assert_int_not_equal(a->findings[i].category, VG_LOG_CAT_ROTATION);
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

/* rotateSize 100000, keepOld 1: budget 100000 x 2 + 4096 slack per log. */
static void oversized_logs_break_every_rotation_rule(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    write_vmx(dir, "log.rotateSize = \"100000\"\nlog.keepOld = \"1\"\n");
    write_log(dir, "vmware-1.log", 1000);
    write_log(dir, "vmware-0.log", 1000);
    write_log(dir, "vmware.log", 300000);
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_dir(s, dir);
    const vg_log_finding *f = must_find(a, "log-total-over-budget");
    assert_int_equal(f->count, 3);
    assert_non_null(strstr(f->detail, "log.rotateSize 100000 x (log.keepOld 1 + 1)"));
    f = must_find(a, "log-file-over-rotate-size");
    assert_int_equal(f->count, 1);
    assert_non_null(strstr(f->first.file, "/vmware.log"));
    f = must_find(a, "log-rotated-over-keepold");
    assert_int_equal(f->count, 2);
    assert_string_equal(f->rule_id, "log-size-within-rotation");
    assert_null(finding(a, "log-rotate-size-unset"));
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

static void budget_edge_is_inclusive(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    /* exactly rotateSize x (keepOld + 1) + slack: still within */
    write_vmx(dir, "log.rotateSize = \"64000\"\nlog.keepOld = \"0\"\n");
    write_log(dir, "vmware.log", 64000); /* rounded up to whole lines: < 64000 + 4096 */
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_dir(s, dir);
    assert_null(finding(a, "log-total-over-budget"));
    assert_null(finding(a, "log-file-over-rotate-size"));
    vg_log_analysis_free(a);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
    dir = mkdir_tmp();
    write_vmx(dir, "log.rotateSize = \"64000\"\nlog.keepOld = \"0\"\n");
    write_log(dir, "vmware.log", 64000 + 4096 + 100);
    a = analyse_dir(s, dir);
    must_find(a, "log-total-over-budget");
    assert_null(finding(a, "log-file-over-rotate-size")); /* not "far" above: < 2x */
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

static void unset_keepold_uses_the_largest_default(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    write_vmx(dir, "displayName = \"x\"\n");
    char name[32];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "vmware-%d.log", i);
        write_log(dir, name, 100);
    }
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_dir(s, dir);
    assert_int_equal(a->keep_old, -1);
    const vg_log_finding *f = must_find(a, "log-rotated-over-keepold");
    assert_non_null(strstr(f->detail, "7 rotated log(s) > log.keepOld 6 (not set"));
    vg_log_analysis_free(a);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
    dir = mkdir_tmp(); /* three old logs: the hosted default, fine */
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "vmware-%d.log", i);
        write_log(dir, name, 100);
    }
    a = analyse_dir(s, dir);
    assert_null(finding(a, "log-rotated-over-keepold"));
    assert_null(a->vmx);
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

/* A rotated log is a finished session; without "VMX exit (N)." the process died. */
static void rotated_log_without_exit_line_is_an_unexpected_exit(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    const char *crashed = "2022-11-24T14:02:09.430Z In(05) vmx Log for VMware Workstation\n"
                          "2022-11-24T14:05:00.000Z In(05) vcpu-0 something\n";
    const char *clean = "2022-11-24T15:00:00.000Z In(05) vmx start\n"
                        "2022-11-24T15:10:00.000Z In(05) vmx VMX exit (0).\n";
    const char *bad = "2022-11-24T16:00:00.000Z In(05) vmx start\n"
                      "2022-11-24T16:10:00.000Z In(05) vmx VMX exit (1).\n";
    write_file(dir, "vmware-2.log", crashed, strlen(crashed));
    write_file(dir, "vmware-1.log", clean, strlen(clean));
    write_file(dir, "vmware-0.log", bad, strlen(bad));
    write_file(dir, "vmware.log", crashed, strlen(crashed)); /* may be running: not judged */
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_dir(s, dir);
    const vg_log_finding *f = must_find(a, "session-ended-abruptly");
    assert_int_equal(f->count, 1);
    assert_non_null(strstr(f->first.file, "/vmware-2.log"));
    assert_int_equal(f->first.line, 2);
    assert_string_equal(f->rule_id, "log-no-vmx-failures");
    assert_int_equal(a->files[0].session_end, 0);
    assert_int_equal(a->files[1].session_end, 1);
    assert_int_equal(a->files[2].session_end, 1); /* non-zero, but an end */
    must_find(a, "vmx-exit-nonzero");
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

static void folder_without_logs_is_an_error(void **state)
{
    (void)state;
    char *dir = mkdir_tmp();
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = NULL;
    vg_error err;
    assert_int_equal(vg_logs_analyze_path(dir, s, NULL, &a, &err), VG_ENOTFOUND);
    assert_null(a);
    assert_non_null(strstr(err.msg, "no vmware.log"));
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.log", dir);
    assert_int_equal(vg_logs_analyze_path(missing, s, NULL, &a, &err), VG_EIO);
    assert_string_equal(err.file, missing);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folder_logs_are_listed_oldest_first),
        cmocka_unit_test(logs_within_rotation_give_no_rotation_finding),
        cmocka_unit_test(oversized_logs_break_every_rotation_rule),
        cmocka_unit_test(budget_edge_is_inclusive),
        cmocka_unit_test(unset_keepold_uses_the_largest_default),
        cmocka_unit_test(rotated_log_without_exit_line_is_an_unexpected_exit),
        cmocka_unit_test(folder_without_logs_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
