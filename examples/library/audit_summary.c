/*
 * A program that embeds vmxguard through libvmxguard (docs/library.md):
 * audit .vmx files and folders against a baseline and print one line per
 * VM, then a total.  Build it against an installed library with
 *
 *   cc audit_summary.c $(pkg-config --cflags --libs vmxguard) -o audit_summary
 *   ./audit_summary [-p PROFILE] PATH...
 *
 * Exit codes as vmxguard's: 0 all pass, 1 failures, 2 an input problem.
 */
#include <stdio.h>
#include <string.h>

#include <vmxguard.h>

struct run {
    const vg_profile *profile;
    size_t vms, failing, problems;
};

/* Each VM in path order; we own it. */
static int on_vm(vg_vm *vm, void *ctx)
{
    struct run *run = ctx;
    vg_vm_report *rep = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (vg_audit_vm(vm, &run->profile, 1, NULL, &rep, &err) != 0) {
        char msg[512];
        fprintf(stderr, "audit_summary: %s\n", vg_error_format(&err, msg, sizeof msg));
        run->problems++;
    } else {
        printf("%-24s %3zu pass %3zu fail %3zu manual  %s\n", vm->name ? vm->name : "?",
               rep->counts[VG_PASS], rep->counts[VG_FAIL], rep->counts[VG_MANUAL],
               vm->path ? vm->path : "");
        run->vms++;
        run->failing += rep->counts[VG_FAIL] > 0;
    }
    vg_vm_report_free(rep);
    vg_vm_free(vm);
    return 0;
}

static void on_problem(const vg_error *problem, void *ctx)
{
    char msg[512];
    fprintf(stderr, "audit_summary: %s\n", vg_error_format(problem, msg, sizeof msg));
    ((struct run *)ctx)->problems++;
}

int main(int argc, char **argv)
{
    const char *profile_id = NULL;
    int first = 1;
    if (argc > 2 && !strcmp(argv[1], "-p")) {
        profile_id = argv[2];
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: audit_summary [-p PROFILE] PATH...\n");
        return 2;
    }
    vg_error err;
    vg_error_clear(&err);
    vg_catalog *cat = NULL;
    char msg[512];
    if (vg_catalog_load_embedded(&cat, &err) != 0) {
        fprintf(stderr, "audit_summary: %s\n", vg_error_format(&err, msg, sizeof msg));
        return 2;
    }
    struct run run = {0};
    run.profile = vg_catalog_profile(cat, profile_id ? profile_id : vg_catalog_default_profile());
    if (!run.profile) {
        fprintf(stderr, "audit_summary: no profile '%s'\n", profile_id);
        vg_catalog_free(cat);
        return 2;
    }
    vg_source_opts so = {0};
    so.on_problem = on_problem;
    so.problem_ctx = &run;
    int rc = vg_source_files((const char *const *)argv + first, (size_t)(argc - first), &so, on_vm,
                             &run, &err);
    if (rc != 0) {
        fprintf(stderr, "audit_summary: %s\n", vg_error_format(&err, msg, sizeof msg));
        run.problems++;
    }
    printf("vmxguard %s: %zu VM(s), %zu failing\n", vg_version(), run.vms, run.failing);
    vg_catalog_free(cat);
    return run.problems ? 2 : run.failing ? 1 : 0;
}
