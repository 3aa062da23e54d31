/*
 * The one YAML loader: limits on nesting and alias expansion with errors
 * naming file and line, recursive aliases refused, ordinary anchors kept;
 * and the one file reader: FIFOs, directories and oversized files refused
 * at once, a regular file read whole.  Plus a scaling check: a document
 * of many anchors and aliases loads in time linear in its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/file_read.h"
#include "util/yaml_doc.h"
#include "vg_test.h"

static int load(const char *text, vg_error *err)
{
    yaml_document_t doc;
    vg_error_clear(err);
    int rc = vg_yaml_load(text, strlen(text), "t.yaml", &doc, err);
    if (rc == 0)
        yaml_document_delete(&doc);
    return rc;
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
    vg_error err;
    int rc = load(text, &err);
    if (rc == 0 || err.line != line || !strstr(err.msg, msg) || strcmp(err.file, "t.yaml") != 0)
        fail_msg("want t.yaml:%u '%s', got rc %d %s:%u '%s'", line, msg, rc, err.file, err.line,
                 err.msg);
}

static void deep_nesting_is_refused_with_its_line(void **state)
{
    (void)state;
    vg_buf b = VG_BUF_INIT;
    for (int i = 0; i < 70; i++) { /* block mappings, one level per line */
        for (int k = 0; k < i; k++)
            vg_buf_addc(&b, ' ');
        vg_buf_printf(&b, "k%d:\n", i);
    }
    expect_error(b.data, 1 + VG_YAML_MAX_DEPTH, "nested deeper than 64");
    vg_buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        vg_buf_addc(&b, '[');
    expect_error(b.data, 1, "nested deeper");
    vg_buf_reset(&b); /* 64 levels are fine */
    for (int i = 0; i < VG_YAML_MAX_DEPTH; i++)
        vg_buf_addc(&b, '[');
    for (int i = 0; i < VG_YAML_MAX_DEPTH; i++)
        vg_buf_addc(&b, ']');
    vg_error err;
    assert_int_equal(load(b.data, &err), 0);
    vg_buf_release(&b);
}

static void alias_bomb_is_refused(void **state)
{
    (void)state;
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for (int i = 1; i < 10; i++) {
        vg_buf_printf(&b, "%c: &%c [", 'a' + i, 'a' + i);
        for (int k = 0; k < 9; k++)
            vg_buf_printf(&b, "%s*%c", k ? ", " : "", 'a' + i - 1);
        vg_buf_adds(&b, "]\n");
    }
    vg_error err;
    assert_int_not_equal(load(b.data, &err), 0);
    assert_non_null(strstr(err.msg, "aliases expand to more than"));
    assert_true(err.line >= 2 && err.line <= 10);
    vg_buf_release(&b);
}

static void recursive_alias_is_refused(void **state)
{
    (void)state;
    expect_error("x: &r\n  - a\n  - *r\n", 3, "refers to the node that contains it");
}

static void ordinary_anchors_still_work(void **state)
{
    (void)state;
    const char *text = "base: &b {key: k, value: v}\nlist: [*b, *b, *b]\n";
    yaml_document_t doc;
    vg_error err;
    assert_int_equal(vg_yaml_load(text, strlen(text), "t.yaml", &doc, &err), 0);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *list = vg_yaml_get(&doc, root, "list");
    assert_non_null(list);
    assert_int_equal(list->data.sequence.items.top - list->data.sequence.items.start, 3);
    yaml_document_delete(&doc);
    expect_error("", 1, "empty document");
    yaml_document_t any;
    assert_int_equal(vg_yaml_load_any("", 0, "t.yaml", &any, &err), 0);
    assert_null(yaml_document_get_root_node(&any));
    yaml_document_delete(&any);
}

/* 500 anchors, then n aliases spread over them */
static double load_seconds(size_t n)
{
    vg_buf b = VG_BUF_INIT;
    for (size_t i = 0; i < 500; i++)
        vg_buf_printf(&b, "- &a%zu {k: v%zu}\n", i, i);
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(&b, "- *a%zu\n", (i * 7) % 500);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    vg_error err;
    assert_int_equal(load(b.data, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vg_buf_release(&b);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void aliases_load_in_linear_time(void **state)
{
    (void)state;
    double t1 = 1e9, t4 = 1e9; /* best of three: load only adds time */
    for (int r = 0; r < 3; r++) {
        double a = load_seconds(2500), b = load_seconds(10000);
        t1 = a < t1 ? a : t1;
        t4 = b < t4 ? b : t4;
    }
    /* linear gives 4x; quadratic 16x.  10x leaves room for noise. */
    if (t4 > 10 * t1 && t4 > 0.1)
        fail_msg("4x the anchors took %.3f s vs %.3f s (%.1fx)", t4, t1, t4 / t1);
}

static void anchor_and_alias_counts_are_bounded(void **state)
{
    (void)state;
    vg_buf b = VG_BUF_INIT;
    for (int i = 0; i <= VG_YAML_MAX_ANCHORS; i++)
        vg_buf_printf(&b, "- &a%d x\n", i);
    expect_error(b.data, VG_YAML_MAX_ANCHORS + 1, "more than 1000 YAML anchors");
    vg_buf_reset(&b);
    vg_buf_adds(&b, "- &a x\n");
    for (int i = 0; i <= VG_YAML_MAX_ALIASES; i++)
        vg_buf_adds(&b, "- *a\n");
    expect_error(b.data, VG_YAML_MAX_ALIASES + 2, "more than 10000 YAML aliases");
    vg_buf_release(&b);
}

static void fifo_and_directory_are_refused_at_once(void **state)
{
    (void)state;
    char dir[64];
    vg_test_tmpdir(dir, sizeof dir, "file-read");
    char fifo[600], big[600], good[600];
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    snprintf(big, sizeof big, "%s/big.yaml", dir);
    snprintf(good, sizeof good, "%s/good.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *data;
    size_t len;
    vg_error err;
    assert_int_equal(vg_file_read(fifo, 1000, "a test file", &data, &len, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "a FIFO"));
    assert_int_equal(vg_file_read(dir, 1000, "a test file", &data, &len, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "a directory"));
    assert_int_equal(vg_file_read("/dev/zero", 1000, "a test file", &data, &len, &err),
                     VG_EINPUT);
    char x[2000];
    memset(x, 'x', sizeof x);
    vg_test_write(big, x, sizeof x);
    assert_int_equal(vg_file_read(big, 1000, "a test file", &data, &len, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "limit for a test file"));
    vg_test_write_str(good, "k: v\n");
    assert_int_equal(vg_file_read(good, 1000, "a test file", &data, &len, &err), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "k: v\n");
    free(data);
    assert_int_equal(vg_file_read("/nonexistent/x", 10, "x", &data, &len, &err), VG_ENOTFOUND);
    assert_int_equal(vg_test_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deep_nesting_is_refused_with_its_line),
        cmocka_unit_test(alias_bomb_is_refused),
        cmocka_unit_test(recursive_alias_is_refused),
        cmocka_unit_test(ordinary_anchors_still_work),
        cmocka_unit_test(aliases_load_in_linear_time),
        cmocka_unit_test(anchor_and_alias_counts_are_bounded),
        cmocka_unit_test(fifo_and_directory_are_refused_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
