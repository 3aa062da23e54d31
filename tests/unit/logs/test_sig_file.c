/*
 * Log signature files go through the careful reader and the one YAML
 * loader: a FIFO is refused at once (never waited on), an alias bomb and
 * deep nesting are refused naming file and line, a real file loads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vmxguard/logs.h"

#define SIGS VG_SOURCE_DIR "/catalog/logs/signatures.yaml"

static void fifo_is_refused_at_once(void **state)
{
    (void)state;
    char dir[64];
    vg_test_tmpdir(dir, sizeof dir, "sig-file");
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/sigs.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    vg_log_sigs *s = NULL;
    vg_error err;
    alarm(10); /* a hang fails the test instead of stalling the suite */
    assert_int_equal(vg_log_sigs_load_file(fifo, &s, &err), VG_EINPUT);
    alarm(0);
    assert_null(s);
    assert_string_equal(err.file, fifo);
    assert_non_null(strstr(err.msg, "FIFO"));
    unlink(fifo);
    rmdir(dir);
}

static void the_shipped_file_loads(void **state)
{
    (void)state;
    vg_log_sigs *s = NULL;
    vg_error err;
    if (vg_log_sigs_load_file(SIGS, &s, &err) != 0)
        fail_msg("%s:%u: %s", err.file, err.line, err.msg);
    vg_log_sigs_free(s);
}

static void bombs_and_depth_name_file_and_line(void **state)
{
    (void)state;
    char bomb[4096] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; i++) {
        char line[200];
        snprintf(line, sizeof line, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                 'a' + i, 'a' + i, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
                 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1);
        strcat(bomb, line);
    }
    vg_log_sigs *s = NULL;
    vg_error err;
    assert_int_not_equal(vg_log_sigs_parse(bomb, strlen(bomb), "bomb.yaml", &s, &err), 0);
    assert_string_equal(err.file, "bomb.yaml");
    assert_non_null(strstr(err.msg, "aliases expand"));
    assert_true(err.line > 1);
    char deep[400];
    memset(deep, '[', 300);
    deep[300] = '\0';
    assert_int_not_equal(vg_log_sigs_parse(deep, strlen(deep), "deep.yaml", &s, &err), 0);
    assert_non_null(strstr(err.msg, "nested deeper"));
    assert_int_equal(err.line, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_is_refused_at_once),
        cmocka_unit_test(the_shipped_file_loads),
        cmocka_unit_test(bombs_and_depth_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
