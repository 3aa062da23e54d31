/*
 * Every vmware.log of the shared corpus (shared/ beside the source tree)
 * parses with no unknown-format line: each line has one of the four known
 * prefixes, or continues an entry.  A missing corpus is a failure, not a
 * skip.  Also pins the corpus shape the docs quote (43 logs, formats per
 * product generation) so a changed corpus is noticed.
 */
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>

#include "logs_test.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus/vmware-log"

/* The value of the last "DICT <key> = <value>" line (key in any case) inside
 * a "DICT --- CONFIGURATION" dump, read here without the signatures; NULL
 * when the log has none.  Caller frees. */
static char *logged_config_value(const char *path, const char *key)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    char line[8192], *val = NULL;
    int in_config = 0;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        const char *d = strstr(line, "DICT ");
        if (!d)
            continue;
        const char *p = d + 5;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "--- ", 4) == 0) {
            in_config = strncmp(p + 4, "CONFIGURATION", 13) == 0;
            continue;
        }
        if (!in_config || strncasecmp(p, key, klen) != 0)
            continue;
        p += klen;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, "\r\n");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            p++;
            n -= 2;
        }
        free(val);
        val = strndup(p, n);
    }
    fclose(f);
    return val;
}

/* The fact, when the log has the line; how many logs had it. */
static void fact_matches(const char *name, const char *path, const char *key, const char *fact,
                         size_t *with)
{
    char *want = logged_config_value(path, key);
    if (want) {
        (*with)++;
        if (!fact || strcmp(fact, want) != 0)
            fail_msg("%s: %s logged as '%s', facts say '%s'", name, key, want,
                     fact ? fact : "(none)");
    }
    free(want);
}

static void every_corpus_log_parses_without_unknown_lines(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS);
    if (!d)
        fail_msg("corpus missing: %s: %s (shared/ must sit beside the source tree)", CORPUS,
                 strerror(errno));
    vg_log_sigs *s = sigs_ok();
    size_t logs = 0, by_format[VG_LOG_FMT_COUNT] = {0}, lines = 0, with_hw = 0, with_guest = 0;
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
        /* the logged configuration, whatever case its keys are in */
        fact_matches(e->d_name, path, "virtualHW.version", a->facts.hw_version, &with_hw);
        fact_matches(e->d_name, path, "guestOS", a->facts.guest_os, &with_guest);
        /* boot-time probing is never above info in a healthy log: device
         * findings do not make `logs` exit 1 */
        for (size_t k = 0; k < a->n_findings; k++) {
            const vg_log_finding *x = &a->findings[k];
            if (x->category == VG_LOG_CAT_DEVICE && x->severity > VG_SEV_INFO)
                fail_msg("%s: %s %s is %s", e->d_name, x->id, x->opcode ? x->opcode : "",
                         vg_severity_name(x->severity));
        }
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
    /* 5 logs spell them virtualhw.version / guestos */
    assert_true(with_hw >= 40);
    assert_true(with_guest >= 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_corpus_log_parses_without_unknown_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
