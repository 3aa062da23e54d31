/*
 * Every vmware.log of the shared corpus (shared/ beside the source tree)
 * parses with no unknown-format line: each line has one of the four known
 * prefixes, or continues an entry.  A missing corpus is a failure, not a
 * skip.  Also pins the corpus shape the docs quote (43 logs, formats per
 * product generation) so a changed corpus is noticed.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "logs_test.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/vmware-log"

static void every_corpus_log_parses_without_unknown_lines(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS);
    if (!d)
        fail_msg("corpus missing: %s: %s (shared/ must sit beside the source tree)", CORPUS,
                 strerror(errno));
    vg_log_sigs *s = sigs_ok();
    size_t logs = 0, by_format[VG_LOG_FMT_COUNT] = {0}, lines = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".log") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", CORPUS, e->d_name);
        vg_log_analysis *a = vg_log_analysis_new(s, NULL);
        vg_error err;
        if (vg_log_analysis_add_file(a, path, &err) != 0 || vg_log_analysis_finish(a, &err) != 0)
            fail_msg("%s: %s", e->d_name, err.msg);
        const vg_log_file *f = &a->files[0];
        if (f->unknown)
            fail_msg("%s: %u unknown-format line(s), first at line %u", e->d_name, f->unknown,
                     f->first_unknown);
        if (f->truncated)
            fail_msg("%s: %u line(s) cut", e->d_name, f->truncated);
        if (!a->facts.product || !a->facts.version || !a->facts.build || !a->facts.encoding)
            fail_msg("%s: header facts missing (product/version/build/encoding)", e->d_name);
        size_t formats = 0;
        for (int k = 1; k < VG_LOG_FMT_COUNT; k++) {
            by_format[k] += f->by_format[k] != 0;
            formats += f->by_format[k] != 0;
        }
        if (formats != 1)
            fail_msg("%s: %zu line formats in one file", e->d_name, formats);
        lines += f->lines;
        logs++;
        vg_log_analysis_free(a);
    }
    closedir(d);
    vg_log_sigs_free(s);
    if (logs != 43)
        fail_msg("expected the 43 corpus logs, found %zu", logs);
    /* Workstation 7 (1), 8-16.1 (19), 16.2-17.x (23); no 25H2 log in the corpus. */
    assert_int_equal(by_format[VG_LOG_FMT_WS7], 1);
    assert_int_equal(by_format[VG_LOG_FMT_PIPE], 19);
    assert_int_equal(by_format[VG_LOG_FMT_LEVEL], 23);
    assert_int_equal(by_format[VG_LOG_FMT_SYSLOG], 0);
    assert_true(lines > 90000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_corpus_log_parses_without_unknown_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
