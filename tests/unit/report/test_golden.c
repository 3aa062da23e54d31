/*
 * Golden files: every format over the fixed fixture must equal the file in
 * tests/golden/report/ byte for byte.  The fixture has a fixed start time
 * and hostname and the writers derive ids (cklb uuids) from content, so no
 * normalisation is needed.  Regenerate after an intended change with
 *   VG_UPDATE_GOLDEN=1 build/unit_report_test_golden
 * and review the diff like code.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#include "capture.h"
#include "vg_test.h"

#define GOLDEN_DIR VG_SOURCE_DIR "/tests/golden/report"

/* Compare got with the golden file, or rewrite it when asked. */
static void check_golden(const char *golden, const char *got, size_t got_len)
{
    if (getenv("VG_UPDATE_GOLDEN")) {
        vg_test_write(golden, got, got_len);
        return;
    }
    size_t want_len = 0;
    char *want = vg_test_slurp(golden, &want_len);
    if (!want)
        fail_msg("missing golden file %s (VG_UPDATE_GOLDEN=1 writes it)", golden);
    size_t i = 0;
    while (i < want_len && i < got_len && want[i] == got[i])
        i++;
    if (i != want_len || i != got_len) {
        size_t from = i > 60 ? i - 60 : 0;
        fail_msg("%s differs at byte %zu:\nwant: %.120s\ngot:  %.120s", golden, i, want + from,
                 got + from);
    }
    free(want);
}

static int is_dir_format(const char *format)
{
    return strcmp(format, "ckl") == 0 || strcmp(format, "cklb") == 0;
}

static void golden_stream(const char *format)
{
    vg_report_opts o = {.width = 100, .verbose = 1};
    int rc = -1;
    char *got = capture(format, o, &rc);
    assert_int_equal(rc, 0);
    char golden[512];
    snprintf(golden, sizeof golden, "%s/fixture.%s", GOLDEN_DIR, format);
    check_golden(golden, got, strlen(got));
    free(got);
}

/* ckl/cklb: one file per VM in a directory; each file is a golden file. */
static void golden_dir(const char *format)
{
    char tmp[64];
    vg_test_tmpdir(tmp, sizeof tmp, "golden");
    vg_report_opts o = {.output_dir = tmp};
    vg_error err;
    fixture_init();
    assert_int_equal(fixture_write(format, &o, &err), 0);
    DIR *d = opendir(tmp);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    char path[1024], golden[1024];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
        snprintf(golden, sizeof golden, "%s/%s/%s", GOLDEN_DIR, format, e->d_name);
        if (getenv("VG_UPDATE_GOLDEN")) {
            char dir[600];
            snprintf(dir, sizeof dir, "%s/%s", GOLDEN_DIR, format);
            mkdir(dir, 0755);
        }
        size_t len = 0;
        char *got = vg_test_slurp(path, &len);
        assert_non_null(got);
        check_golden(golden, got, len);
        free(got);
        unlink(path);
        files++;
    }
    closedir(d);
    rmdir(tmp);
    assert_int_equal(files, 2);
}

static void every_format_matches_its_golden_file(void **state)
{
    (void)state;
    const char *const *formats = vg_report_formats();
    for (size_t i = 0; formats[i]; i++) {
        if (is_dir_format(formats[i]))
            golden_dir(formats[i]);
        else
            golden_stream(formats[i]);
    }
}

/*
 * `unit_report_test_golden --write DIR` writes the fixture in every format
 * into DIR (fixture.<format>, and <format>/ per-VM files for ckl, cklb and
 * xccdf) for the consumer checks in tests/cli/report_consumers.sh.
 */
static int write_samples(const char *dir)
{
    const char *const *formats = vg_report_formats();
    char path[1024];
    vg_error err;
    for (size_t i = 0; formats[i]; i++) {
        fixture_init();
        vg_report_opts o = {.width = 100};
        int per_vm = is_dir_format(formats[i]) || strcmp(formats[i], "xccdf") == 0;
        if (!is_dir_format(formats[i])) {
            snprintf(path, sizeof path, "%s/fixture.%s", dir, formats[i]);
            if (!(o.out = fopen(path, "wb")) || fixture_write(formats[i], &o, &err) != 0 ||
                fclose(o.out) != 0) {
                fprintf(stderr, "%s: %s\n", path, err.msg);
                return 1;
            }
        }
        if (per_vm) {
            snprintf(path, sizeof path, "%s/%s", dir, formats[i]);
            mkdir(path, 0755);
            vg_report_opts d = {.output_dir = path};
            if (fixture_write(formats[i], &d, &err) != 0) {
                fprintf(stderr, "%s: %s\n", path, err.msg);
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_samples(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_format_matches_its_golden_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
