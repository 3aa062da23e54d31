/*
 * The file source on a temporary datastore tree: path order whatever the
 * threads do, symlink loops, lock folders, templates, excludes, FIFOs,
 * unreadable inputs as problems in order, a bounded window of VMs in
 * flight, and stopping early without leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree.h"
#include "vmxguard/source.h"


static int make_tree(void **state)
{
    (void)state;
    vg_test_tmpdir(root, sizeof root, "source-test");
    put("b-vm/b-vm.vmx", "displayName = \"b-vm\"\n");
    put("a-vm/a-vm.vmx", "displayName = \"a-vm\"\n");
    put("a-vm/a-vm.vmx.lck/M12345.lck", "lock");
    put("c-dir/nested/z.vmx", "displayName = \"z\"\n");
    put("c-dir/tmpl/tmpl.vmtx", "displayName = \"tmpl\"\n");
    put("c-dir/notes.txt", "not a vm\n");
    put("test-skip/skip.vmx", "displayName = \"skip\"\n");
    /* NUL bytes: no .vmx holds them, so this one cannot be read */
    char path[512];
    snprintf(path, sizeof path, "%s/b-vm/broken.vmx", root);
    vg_test_write(path, "a = \"1\"\n\0\0\0", 11);
    snprintf(path, sizeof path, "%s/c-dir/loop", root);
    assert_int_equal(symlink("..", path), 0);
    snprintf(path, sizeof path, "%s/c-dir/fifo.vmx", root);
    assert_int_equal(mkfifo(path, 0644), 0);
    snprintf(path, sizeof path, "%s/c-dir/dangling.vmx", root);
    assert_int_equal(symlink("/nonexistent/x.vmx", path), 0);
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    return vg_test_rmtree(root);
}

/* What reached the sinks, as "vm:<rel path>" / "problem:<rel path>" lines. */
struct seen {
    char log[8192];
    int locked_a;
    int stop_after;
    size_t vms;
};

static void log_line(struct seen *s, const char *kind, const char *path)
{
    const char *rel = strncmp(path, root, strlen(root)) == 0 ? path + strlen(root) + 1 : path;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "%s:%s\n", kind, rel);
}

static int sink(vg_vm *vm, void *ctx)
{
    struct seen *s = ctx;
    log_line(s, "vm", vm->path);
    if (strstr(vm->path, "a-vm.vmx") && vm->locked && vm->n_evidence)
        s->locked_a = 1;
    vg_vm_free(vm);
    s->vms++;
    return s->stop_after && s->vms >= (size_t)s->stop_after;
}

static void problem(const vg_error *e, void *ctx)
{
    log_line(ctx, "problem", e->file);
}

static void walk(struct seen *s, int jobs, int templates, const char *const *excl, size_t n_excl)
{
    memset(s->log, 0, sizeof s->log);
    const char *paths[] = {root};
    vg_source_opts o = {.include_templates = templates,
                        .exclude = excl,
                        .n_exclude = n_excl,
                        .jobs = jobs,
                        .on_problem = problem,
                        .problem_ctx = s};
    vg_error err;
    assert_int_equal(vg_source_files(paths, 1, &o, sink, s, &err), VG_OK);
}

static void vms_arrive_in_path_order_with_problems_in_place(void **state)
{
    (void)state;
    struct seen s = {0};
    walk(&s, 4, 0, NULL, 0);
    assert_string_equal(s.log, "vm:a-vm/a-vm.vmx\n"
                               "vm:b-vm/b-vm.vmx\n"
                               "problem:b-vm/broken.vmx\n"
                               "problem:c-dir/dangling.vmx\n"
                               "problem:c-dir/fifo.vmx\n"
                               "vm:c-dir/nested/z.vmx\n"
                               "vm:test-skip/skip.vmx\n");
    assert_true(s.locked_a);
    char first[8192];
    memcpy(first, s.log, sizeof first);
    for (int jobs = 1; jobs <= 8; jobs *= 2) {
        walk(&s, jobs, 0, NULL, 0);
        assert_string_equal(s.log, first);
    }
}

static void templates_and_excludes(void **state)
{
    (void)state;
    struct seen s = {0};
    /* a glob's '*' also crosses '/', so the last one takes nested/z.vmx */
    const char *excl[] = {"test-*", "broken", "*/c-dir/*.vmx"};
    walk(&s, 2, 1, excl, 3);
    assert_string_equal(s.log, "vm:a-vm/a-vm.vmx\n"
                               "vm:b-vm/b-vm.vmx\n"
                               "vm:c-dir/tmpl/tmpl.vmtx\n");
}

static void a_named_file_and_a_missing_target(void **state)
{
    (void)state;
    struct seen s = {0};
    char vmx[512], missing[512];
    snprintf(vmx, sizeof vmx, "%s/b-vm/b-vm.vmx", root);
    snprintf(missing, sizeof missing, "%s/nope", root);
    const char *paths[] = {missing, vmx};
    vg_source_opts o = {.on_problem = problem, .problem_ctx = &s};
    vg_error err;
    assert_int_equal(vg_source_files(paths, 2, &o, sink, &s, &err), VG_OK);
    assert_string_equal(s.log, "problem:nope\nvm:b-vm/b-vm.vmx\n");
    /* nothing readable at all: an error naming the first problem */
    const char *only[] = {missing};
    vg_error_clear(&err);
    assert_int_not_equal(vg_source_files(only, 1, &o, sink, &s, &err), VG_OK);
    assert_non_null(strstr(err.file, "nope"));
}

static void stopping_early_frees_what_is_in_flight(void **state)
{
    (void)state;
    struct seen s = {.stop_after = 1};
    const char *paths[] = {root};
    vg_source_opts o = {.jobs = 3, .on_problem = problem, .problem_ctx = &s};
    vg_error err;
    assert_int_equal(vg_source_files(paths, 1, &o, sink, &s, &err), VG_OK);
    assert_int_equal(s.vms, 1);
}

/* prepare/deliver: payload travels with its VM; in-flight count bounded. */
struct flight {
    int prepared, delivered, max_in_flight;
    size_t n;
    char last[512];
    int ordered;
};

static void *prep(vg_vm *vm, void *ctx)
{
    struct flight *f = ctx;
    int now = __atomic_add_fetch(&f->prepared, 1, __ATOMIC_SEQ_CST) -
              __atomic_load_n(&f->delivered, __ATOMIC_SEQ_CST);
    int m = __atomic_load_n(&f->max_in_flight, __ATOMIC_SEQ_CST);
    while (now > m && !__atomic_compare_exchange_n(&f->max_in_flight, &m, now, 0, __ATOMIC_SEQ_CST,
                                                   __ATOMIC_SEQ_CST)) {
    }
    return strdup(vm->path);
}

static int psink(vg_vm *vm, void *payload, void *ctx)
{
    struct flight *f = ctx;
    assert_string_equal(payload, vm->path);
    if (f->n && strcmp(f->last, vm->path) >= 0)
        f->ordered = 0;
    snprintf(f->last, sizeof f->last, "%s", vm->path);
    f->n++;
    __atomic_add_fetch(&f->delivered, 1, __ATOMIC_SEQ_CST);
    free(payload);
    vg_vm_free(vm);
    return 0;
}

static void discard(void *payload, void *ctx)
{
    (void)ctx;
    free(payload);
}

static void window_of_vms_in_flight_is_bounded(void **state)
{
    (void)state;
    char rel[64];
    for (int i = 0; i < 300; i++) {
        snprintf(rel, sizeof rel, "many/vm%03d/vm%03d.vmx", i, i);
        put(rel, "displayName = \"x\"\n");
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/many", root);
    const char *paths[] = {dir};
    struct flight f = {.ordered = 1};
    vg_source_opts o = {.jobs = 4};
    vg_vm_pipeline pl = {prep, psink, discard, &f};
    vg_error err;
    assert_int_equal(vg_source_files_pipeline(paths, 1, &o, &pl, &err), VG_OK);
    assert_int_equal(f.n, 300);
    assert_true(f.ordered);
    /* the ring holds 16 per job; one more may be in the writer's hands */
    if (f.max_in_flight > 65)
        fail_msg("%d VMs in flight, window is 64 + 1 being written", f.max_in_flight);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vms_arrive_in_path_order_with_problems_in_place),
        cmocka_unit_test(templates_and_excludes),
        cmocka_unit_test(a_named_file_and_a_missing_target),
        cmocka_unit_test(stopping_early_frees_what_is_in_flight),
        cmocka_unit_test(window_of_vms_in_flight_is_bounded),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
