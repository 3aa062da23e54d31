/*
 * One test per line format, the continuation markers, and the timestamp
 * arithmetic the per-minute rates depend on.
 */
#include "logs_test.h"

static void parse(const char *s, vg_log_line *l, int want_known)
{
    int rc = vg_log_parse_line(s, strlen(s), l);
    if (rc != want_known)
        fail_msg("'%s': known=%d, expected %d", s, rc, want_known);
}

static void assert_span(const char *p, size_t n, const char *want)
{
    if (n != strlen(want) || memcmp(p, want, n) != 0)
        fail_msg("expected '%s', got '%.*s'", want, (int)n, p);
}

static void ws7_line_splits_thread_and_message(void **state)
{
    (void)state;
    vg_log_line l;
    parse("Apr 18 00:25:37.105: vmx| Log for VMware Workstation pid=5144", &l, 1);
    assert_int_equal(l.format, VG_LOG_FMT_WS7);
    assert_span(l.ts, l.ts_len, "Apr 18 00:25:37.105");
    assert_span(l.thread, l.thread_len, "vmx");
    assert_span(l.msg, l.msg_len, "Log for VMware Workstation pid=5144");
    assert_int_equal(l.level_len, 0);
    parse("Jan  3 09:00:00.000: vcpu-0| x", &l, 1); /* day padded with a blank */
    assert_span(l.thread, l.thread_len, "vcpu-0");
}

static void pipe_line_with_zone_and_level(void **state)
{
    (void)state;
    vg_log_line l;
    parse("2015-01-13T11:10:25.641+01:00| vmx| I120: Host codepage=windows-1252", &l, 1);
    assert_int_equal(l.format, VG_LOG_FMT_PIPE);
    assert_span(l.ts, l.ts_len, "2015-01-13T11:10:25.641+01:00");
    assert_span(l.level, l.level_len, "I120");
    assert_span(l.thread, l.thread_len, "vmx");
    assert_span(l.msg, l.msg_len, "Host codepage=windows-1252");
    assert_int_equal(l.continuation, 0);
    parse("2016-10-31T22:23:08.325Z| mks| W115: x", &l, 1);
    assert_span(l.level, l.level_len, "W115");
    assert_span(l.thread, l.thread_len, "mks");
}

static void pipe_plus_marks_a_continuation(void **state)
{
    (void)state;
    vg_log_line l;
    parse("2014-06-22T23:29:33.700+05:30| vmx| I120+ MonPmc:   gen counters num: 4", &l, 1);
    assert_int_equal(l.continuation, 1);
    assert_span(l.msg, l.msg_len, "MonPmc:   gen counters num: 4");
}

static void level_line_and_its_continuation(void **state)
{
    (void)state;
    vg_log_line l;
    parse("2022-11-24T17:46:40.654Z In(05) vmx Log for VMware Workstation", &l, 1);
    assert_int_equal(l.format, VG_LOG_FMT_LEVEL);
    assert_span(l.level, l.level_len, "In(05)");
    assert_span(l.thread, l.thread_len, "vmx");
    assert_span(l.msg, l.msg_len, "Log for VMware Workstation");
    parse("2024-01-29T15:56:49.446Z In(05)+ vmx ", &l, 1);
    assert_int_equal(l.continuation, 1);
    assert_int_equal(l.msg_len, 0);
    parse("2022-11-24T14:04:28.533Z Wa(03) vcpu-1 CDROM ide1:0: CMD 0x52", &l, 1);
    assert_span(l.thread, l.thread_len, "vcpu-1");
    assert_span(l.msg, l.msg_len, "CDROM ide1:0: CMD 0x52");
}

static void syslog_line_of_ws25h2(void **state)
{
    (void)state;
    vg_log_line l;
    parse("2026-01-09T08:08:29.880Z -INFO vmware-vmx.exe 15108 [ws@4413 threadName=\"vmx\"] "
          "Log for VMware Workstation pid=15108 version=25.0.0",
          &l, 1);
    assert_int_equal(l.format, VG_LOG_FMT_SYSLOG);
    assert_span(l.level, l.level_len, "-INFO");
    assert_span(l.thread, l.thread_len, "vmx");
    assert_span(l.msg, l.msg_len, "Log for VMware Workstation pid=15108 version=25.0.0");
    parse("2026-01-09T08:08:29.880Z -NOTICE vmware-vmx 1 - plain", &l, 1);
    assert_span(l.msg, l.msg_len, "plain");
}

static void garbage_is_unknown_with_whole_line_as_message(void **state)
{
    (void)state;
    vg_log_line l;
    const char *bad[] = {"",
                         "hello",
                         "2022-11-24 17:46:40 vmx x",
                         "Foo 18 00:25:37.105: vmx| x",
                         "2022-11-24T17:46:40.654Z",
                         "2022-11-24T17:46:40.654Z in(05) vmx x",
                         "Apr 18 00:25:37.105: no bar here"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(bad[i], &l, 0);
        assert_int_equal(l.format, VG_LOG_FMT_UNKNOWN);
        assert_int_equal(l.msg_len, strlen(bad[i]));
    }
}

static void timestamps_become_utc_milliseconds(void **state)
{
    (void)state;
    vg_log_line a, b, c;
    parse("2015-01-13T11:10:25.641+01:00| vmx| I120: x", &a, 1);
    parse("2015-01-13T10:10:25.641Z| vmx| I120: x", &b, 1);
    assert_true(vg_log_line_ms(&a) == vg_log_line_ms(&b)); /* +01:00 is one hour ahead of UTC */
    parse("1970-01-01T00:01:00.500Z In(05) vmx x", &c, 1);
    assert_true(vg_log_line_ms(&c) == 60500);
    parse("2024-02-29T00:00:00.000Z In(05) vmx x", &a, 1); /* leap day */
    parse("2024-03-01T00:00:00.000Z In(05) vmx x", &b, 1);
    assert_true(vg_log_line_ms(&b) - vg_log_line_ms(&a) == 86400000LL);
    parse("Jan  2 00:00:00.000: vmx| x", &a, 1); /* ws7: no year */
    parse("Jan  1 23:59:00.000: vmx| x", &b, 1);
    assert_true(vg_log_line_ms(&a) - vg_log_line_ms(&b) == 60000);
    parse("no prefix", &c, 0);
    assert_true(vg_log_line_ms(&c) == -1);
}

static void raw_line_inside_an_entry_is_a_continuation_not_unknown(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_text(s,
                                      "2022-11-24T17:46:40.654Z In(05) vmx first\r\n"
                                      "second line of the same message\r\n"
                                      "VMX exit (1).\r\n" /* forged: must not count */
                                      "2022-11-24T17:46:40.655Z In(05)+ vmx marked\r\n",
                                      0);
    assert_int_equal(a->n_files, 1);
    assert_int_equal(a->files[0].lines, 4);
    assert_int_equal(a->files[0].unknown, 0);
    assert_int_equal(a->files[0].continuations, 3);
    assert_null(finding(a, "vmx-exit-nonzero"));
    vg_log_analysis_free(a);
    a = analyse_text(s, "junk before any entry\n2022-11-24T17:46:40.654Z In(05) vmx x\n", 0);
    assert_int_equal(a->files[0].unknown, 1);
    assert_int_equal(a->files[0].first_unknown, 1);
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
}

static void overlong_line_is_cut_and_counted(void **state)
{
    (void)state;
    size_t n = VG_LOG_MAX_LINE * 3;
    char *text = malloc(n + 64);
    assert_non_null(text);
    int k = snprintf(text, 64, "2022-11-24T17:46:40.654Z In(05) vmx ");
    memset(text + k, 'x', n - (size_t)k);
    memcpy(text + n, "\nAlso\n", 7);
    char dir[64];
    vg_test_tmpdir(dir, sizeof dir, "logs-long");
    write_file(dir, "vmware.log", text, strlen(text));
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = vg_log_analysis_new(s, NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/vmware.log", dir);
    vg_error err;
    assert_int_equal(vg_log_analysis_add_file(a, path, &err), 0);
    assert_int_equal(a->files[0].lines, 2);
    assert_int_equal(a->files[0].truncated, 1);
    assert_int_equal(a->files[0].unknown, 0);
    assert_int_equal(a->files[0].continuations, 1); /* "Also" continues the long entry */
    assert_true(a->files[0].bytes == strlen(text));
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
    assert_int_equal(vg_test_rmtree(dir), 0);
    free(text);
}

/* The reader sizes its buffer to a small file at open; a live vmware.log
 * can grow past that before it is read (one long line here) and is still
 * read whole. */
static void log_growing_after_open_is_read_whole(void **state)
{
    (void)state;
    char dir[64];
    vg_test_tmpdir(dir, sizeof dir, "logs-grow");
    const char *first = "2022-11-24T17:46:40.654Z In(05) vmx first\n";
    write_file(dir, "vmware.log", first, strlen(first));
    char path[256];
    snprintf(path, sizeof path, "%s/vmware.log", dir);
    vg_log_reader *r = NULL;
    vg_error err;
    assert_int_equal(vg_log_reader_open(path, &r, &err), 0);
    size_t n = 40000;
    char *more = malloc(n + 1);
    assert_non_null(more);
    int k = snprintf(more, 64, "2022-11-24T17:46:41.000Z In(05) vmx ");
    memset(more + k, 'y', n - (size_t)k - 1);
    more[n - 1] = '\n';
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    assert_int_equal(fwrite(more, 1, n, f), n);
    fclose(f);
    vg_log_line l;
    unsigned lineno = 0;
    assert_int_equal(vg_log_reader_next(r, &l, &lineno, &err), 1);
    assert_span(l.msg, l.msg_len, "first");
    assert_int_equal(vg_log_reader_next(r, &l, &lineno, &err), 1);
    assert_int_equal(lineno, 2);
    assert_int_equal(l.msg_len, n - (size_t)k - 1);
    assert_int_equal(vg_log_reader_next(r, &l, &lineno, &err), 0);
    vg_log_reader_free(r);
    free(more);
    assert_int_equal(vg_test_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ws7_line_splits_thread_and_message),
        cmocka_unit_test(pipe_line_with_zone_and_level),
        cmocka_unit_test(pipe_plus_marks_a_continuation),
        cmocka_unit_test(level_line_and_its_continuation),
        cmocka_unit_test(syslog_line_of_ws25h2),
        cmocka_unit_test(garbage_is_unknown_with_whole_line_as_message),
        cmocka_unit_test(timestamps_become_utc_milliseconds),
        cmocka_unit_test(raw_line_inside_an_entry_is_a_continuation_not_unknown),
        cmocka_unit_test(overlong_line_is_cut_and_counted),
        cmocka_unit_test(log_growing_after_open_is_read_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
