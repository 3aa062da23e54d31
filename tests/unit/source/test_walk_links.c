/*
 * The walker without a set of everything seen: symlinks into a target are
 * not followed (the walk reaches the same VM by its real path), symlinks out
 * of every target are skipped with a note by default and, when asked for,
 * followed once however many point to the same place (each VM says which
 * link led to it),
 * link loops end, overlapping targets give each VM once, and a folder
 * bigger than one listing chunk (4,096 names) still yields every VM once,
 * in name order, with its lock seen.
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

#include "tree.h"
#include "vmxguard/source.h"


static void link_at(const char *target, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

#define BIG 4100 /* VM files in one folder: more than one listing chunk */

static int make_tree(void **state)
{
    (void)state;
    vg_test_tmpdir(root, sizeof root, "walk-links");
    put("in/a/a.vmx", "displayName = \"a\"\n");
    put("in/b/b.vmx", "displayName = \"b\"\n");
    put("out/x/x.vmx", "displayName = \"x\"\n");
    link_at("../in/a", "in/c-link-in");        /* into the target: not followed */
    link_at("../out/x", "in/d-link-out");      /* out of it: followed */
    link_at("../out/x", "in/e-link-out-again"); /* the same place: once */
    link_at("../../in", "out/x/loop-back");    /* back into the target */
    link_at("..", "out/x/loop-up");            /* a loop outside */
    char name[64];
    for (int i = 0; i < BIG; i++) {
        snprintf(name, sizeof name, "big/v%05d.vmx", i);
        put(name, "displayName = \"v\"\n");
    }
    put("big/v00042.vmx.lck/M1.lck", "lock");
    put("big/v04099.vmx.lck/M2.lck", "lock");
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    return vg_test_rmtree(root);
}

typedef struct got {
    char **paths;
    size_t n;
    size_t locked;
    size_t notes, via;
} got;

static void note(const vg_error *e, void *ctx)
{
    got *g = ctx;
    assert_non_null(strstr(e->msg, "leads outside every target"));
    g->notes++;
}

static int sink(vg_vm *vm, void *ctx)
{
    got *g = ctx;
    g->paths = realloc(g->paths, (g->n + 1) * sizeof *g->paths);
    assert_non_null(g->paths);
    const char *rel = strncmp(vm->path, root, strlen(root)) == 0 ? vm->path + strlen(root) + 1
                                                                : vm->path;
    g->paths[g->n++] = strdup(rel);
    g->locked += vm->locked != 0;
    for (size_t i = 0; i < vm->n_evidence; i++)
        g->via += vm->evidence[i].message && strstr(vm->evidence[i].message, "symbolic link") &&
                  strstr(vm->evidence[i].message, "-> ");
    vg_vm_free(vm);
    return 0;
}

static int follow;

static void run(got *g, const char *const *rel, size_t n)
{
    memset(g, 0, sizeof *g);
    char abs[8][512];
    const char *paths[8];
    for (size_t i = 0; i < n; i++) {
        snprintf(abs[i], sizeof abs[i], "%s/%s", root, rel[i]);
        paths[i] = abs[i];
    }
    vg_source_opts o = {
        .jobs = 3, .follow_outside_links = follow, .on_note = note, .problem_ctx = g};
    vg_error err;
    assert_int_equal(vg_source_files(paths, n, &o, sink, g, &err), VG_OK);
}

static void release(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->paths[i]);
    free(g->paths);
}

static void links_out_of_the_targets_are_skipped_by_default(void **state)
{
    (void)state;
    got g;
    const char *t[] = {"in"};
    follow = 0;
    run(&g, t, 1);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.paths[0], "in/a/a.vmx");
    assert_string_equal(g.paths[1], "in/b/b.vmx");
    assert_int_equal(g.notes, 2); /* d-link-out, e-link-out-again */
    assert_int_equal(g.via, 0);
    release(&g);
}

static void links_into_the_target_are_not_followed_links_out_once(void **state)
{
    (void)state;
    got g;
    const char *t[] = {"in"};
    follow = 1;
    run(&g, t, 1);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.paths[0], "in/a/a.vmx");
    assert_string_equal(g.paths[1], "in/b/b.vmx");
    assert_string_equal(g.paths[2], "in/d-link-out/x.vmx");
    assert_true(g.notes >= 2); /* each link followed is said: d, e (and out/x/loop-up) */
    assert_int_equal(g.via, 1); /* x says it came through d-link-out */
    release(&g);
}

static void overlapping_targets_give_each_vm_once(void **state)
{
    (void)state;
    got g;
    follow = 1;
    const char *t[] = {"in/a", "in", "in/a/a.vmx", "in"};
    run(&g, t, 4);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.paths[0], "in/a/a.vmx");
    assert_string_equal(g.paths[1], "in/b/b.vmx");
    assert_string_equal(g.paths[2], "in/d-link-out/x.vmx");
    release(&g);

    const char *u[] = {"out", "in"}; /* now x is inside a target */
    run(&g, u, 2);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.paths[0], "out/x/x.vmx");
    assert_string_equal(g.paths[1], "in/a/a.vmx");
    assert_string_equal(g.paths[2], "in/b/b.vmx");
    release(&g);
}

static void a_folder_bigger_than_a_chunk_yields_every_vm_in_order(void **state)
{
    (void)state;
    got g;
    const char *t[] = {"big"};
    run(&g, t, 1);
    assert_int_equal(g.n, BIG);
    char want[64];
    for (size_t i = 0; i < g.n; i++) {
        snprintf(want, sizeof want, "big/v%05zu.vmx", i);
        assert_string_equal(g.paths[i], want);
    }
    assert_int_equal(g.locked, 2);
    release(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(links_out_of_the_targets_are_skipped_by_default),
        cmocka_unit_test(links_into_the_target_are_not_followed_links_out_once),
        cmocka_unit_test(overlapping_targets_give_each_vm_once),
        cmocka_unit_test(a_folder_bigger_than_a_chunk_yields_every_vm_in_order),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
