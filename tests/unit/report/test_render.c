/*
 * vg_report_render_vm + vg_report_vm_rendered (what the audit's worker
 * threads use) give the same bytes as vg_report_vm for every format that
 * offers them, with problems between VMs and under each option the writers
 * look at; renders from several threads at once agree with one thread; the
 * formats that need the whole run say they cannot.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>

#include "capture.h"

static const char *const renderable[] = {"text", "csv", "json", "jsonl"};
#define N_RENDERABLE (sizeof renderable / sizeof renderable[0])

/* One VM rendered first, then handed over (what the CLI's workers do). */
static int render_then_hand_over(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    char *bytes = NULL;
    size_t n = 0;
    int rc = vg_report_render_vm(r, vr, &bytes, &n, err);
    if (rc == 0) {
        assert_non_null(bytes);
        assert_int_equal(strlen(bytes), n); /* NUL-terminated, no NUL inside */
        rc = vg_report_vm_rendered(r, vr, bytes, n, err);
    }
    free(bytes);
    return rc;
}

static char *capture_rendered(const char *format, vg_report_opts opts)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    opts.out = f;
    vg_error err;
    vg_error_clear(&err);
    fixture_init();
    int rc = fixture_write_with(format, &opts, render_then_hand_over, &err);
    fclose(f);
    if (rc != 0)
        fail_msg("%s: rendered path failed: %s", format, err.msg);
    return data;
}

static void rendered_output_is_the_streamed_output(void **state)
{
    (void)state;
    const vg_report_opts variants[] = {
        {.width = 100},
        {.width = 40, .color = 1, .verbose = 1},
        {.width = 0, .show_secrets = 1},
    };
    for (size_t f = 0; f < N_RENDERABLE; f++) {
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            int rc = -1;
            char *streamed = capture(renderable[f], variants[v], &rc);
            assert_int_equal(rc, 0);
            char *rendered = capture_rendered(renderable[f], variants[v]);
            if (strcmp(streamed, rendered) != 0)
                fail_msg("%s (options %zu): rendered output differs:\n--- streamed\n%s\n"
                         "--- rendered\n%s",
                         renderable[f], v, streamed, rendered);
            free(streamed);
            free(rendered);
        }
    }
}

static void formats_that_need_the_whole_run_cannot_render(void **state)
{
    (void)state;
    fixture_init();
    for (const char *const *f = vg_report_formats(); *f; f++) {
        int want = 0;
        for (size_t i = 0; i < N_RENDERABLE; i++)
            want |= strcmp(*f, renderable[i]) == 0;
        vg_report *r = NULL;
        vg_error err;
        vg_report_opts o = {.out = stderr};
        assert_int_equal(vg_report_new(*f, &o, &r, &err), 0);
        assert_int_equal(vg_report_can_render(r), want);
        char *bytes = (char *)"untouched";
        size_t n = 1;
        /* before begin: refused whatever the format */
        assert_int_equal(vg_report_render_vm(r, &fix_reports[0], &bytes, &n, &err), VG_EUSAGE);
        assert_null(bytes);
        assert_int_equal(n, 0);
        if (!want) {
            FILE *null = fopen("/dev/null", "w");
            o.out = null;
            vg_report_free(r);
            assert_int_equal(vg_report_new(*f, &o, &r, &err), 0);
            assert_int_equal(vg_report_begin(r, &fix_run, &err), 0);
            assert_int_equal(vg_report_render_vm(r, &fix_reports[0], &bytes, &n, &err), VG_EUSAGE);
            assert_null(bytes);
            assert_int_equal(vg_report_vm_rendered(r, &fix_reports[0], "x", 1, &err), VG_EUSAGE);
            vg_report_free(r);
            fclose(null);
            continue;
        }
        vg_report_free(r);
    }
    assert_int_equal(vg_report_can_render(NULL), 0);
}

/* Several threads render the same VMs from one report at once. */
struct render_job {
    const vg_report *r;
    const char *want[2];
    int failures;
};

static void *render_many(void *arg)
{
    struct render_job *job = arg;
    for (int round = 0; round < 200; round++) {
        for (int v = 0; v < 2; v++) {
            char *bytes = NULL;
            size_t n = 0;
            vg_error err;
            if (vg_report_render_vm(job->r, &fix_reports[v], &bytes, &n, &err) != 0 ||
                strcmp(bytes, job->want[v]) != 0)
                job->failures++;
            free(bytes);
        }
    }
    return NULL;
}

static void renders_from_several_threads_agree(void **state)
{
    (void)state;
    fixture_init();
    for (size_t f = 0; f < N_RENDERABLE; f++) {
        FILE *null = fopen("/dev/null", "w");
        assert_non_null(null);
        vg_report_opts o = {.out = null, .width = 60, .verbose = 1};
        vg_report *r = NULL;
        vg_error err;
        assert_int_equal(vg_report_new(renderable[f], &o, &r, &err), 0);
        assert_int_equal(vg_report_begin(r, &fix_run, &err), 0);
        char *want[2];
        size_t n;
        for (int v = 0; v < 2; v++)
            assert_int_equal(vg_report_render_vm(r, &fix_reports[v], &want[v], &n, &err), 0);
        struct render_job jobs[4];
        pthread_t threads[4];
        for (int t = 0; t < 4; t++) {
            jobs[t] = (struct render_job){.r = r, .want = {want[0], want[1]}};
            assert_int_equal(pthread_create(&threads[t], NULL, render_many, &jobs[t]), 0);
        }
        for (int t = 0; t < 4; t++) {
            pthread_join(threads[t], NULL);
            assert_int_equal(jobs[t].failures, 0);
        }
        free(want[0]);
        free(want[1]);
        vg_report_free(r);
        fclose(null);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rendered_output_is_the_streamed_output),
        cmocka_unit_test(formats_that_need_the_whole_run_cannot_render),
        cmocka_unit_test(renders_from_several_threads_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
