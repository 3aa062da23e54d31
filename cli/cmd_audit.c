/*
 * vmxguard audit: read VMs from files/folders (or a vCenter), evaluate the
 * chosen baselines and write a report.  The audit runs on the file
 * source's worker threads; the report writer gets VMs in path order on
 * this thread.  Exit: 0 clean, 1 findings at or above --fail-on, 2 usage
 * or input errors (the other inputs are still audited).  Formats that can
 * render a VM on its own (text, csv, json, jsonl) are rendered on the
 * workers too, so the writer thread only copies bytes out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_progress.h"

#define MAX_LIST 64

extern const struct cli_command cli_cmd_audit;

struct audit_args {
    const char *profiles[MAX_LIST];
    size_t n_profiles;
    const char *profile_file;
    const char *format;
    const char *output;
    const char *output_dir;
    const char *fail_on;
    const char *exclude[MAX_LIST];
    size_t n_exclude;
    int include_templates;
    const char *waivers;
    int show_secrets;
    const char *color;
    int jobs;
    const char *cacert;
    const char *credentials;
    int insecure;
    int no_folder_evidence;
    int sessions;    /* vSphere: parallel sessions per target, 0 = the library's default */
    int allow_empty; /* a target that yields no VM is fine */
};

/* Everything the run shares between the worker threads and the writer. */
struct audit_run {
    const vg_profile *profiles[MAX_LIST];
    size_t n_profiles;
    vg_audit_opts aopts;
    vg_report *report;
    int render; /* workers render each VM (vg_report_render_vm) */
    vg_audit_summary sum;
    vg_severity fail_on;
    size_t findings; /* results failing at or above fail_on */
    int write_failed;
    struct cli_progress *progress; /* drawn on a terminal only */
    /* File targets, VMs seen below each and whether a problem named it:
     * a target that yields nothing is an input error (empty_targets). */
    const char **file_targets;
    size_t n_file_targets, *target_vms;
    unsigned char *target_named;
};

/* What a worker hands to the writer with each VM. */
struct audited {
    vg_vm_report *rep;
    char *rendered; /* the VM's report output, when the workers render */
    size_t n_rendered;
    vg_error err;
};

static const struct option long_opts[] = {
    {"profile", required_argument, NULL, 'p'},
    {"profile-file", required_argument, NULL, 'P'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"output-dir", required_argument, NULL, 'D'},
    {"fail-on", required_argument, NULL, 'F'},
    {"exclude", required_argument, NULL, 'x'},
    {"include-templates", no_argument, NULL, 'T'},
    {"waivers", required_argument, NULL, 'w'},
    {"show-secrets", no_argument, NULL, 'S'},
    {"color", required_argument, NULL, 'c'},
    {"colour", required_argument, NULL, 'c'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"jobs", required_argument, NULL, 'j'},
    {"cacert", required_argument, NULL, 'C'},
    {"credentials", required_argument, NULL, 'R'},
    {"insecure", no_argument, NULL, 'k'},
    {"no-folder-evidence", no_argument, NULL, 'E'},
    {"sessions", required_argument, NULL, 'N'},
    {"allow-empty", no_argument, NULL, 'Z'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int add_to(const char **list, size_t *n, const char *v, const char *what)
{
    if (*n >= MAX_LIST) {
        cli_error("too many %s options (at most %d)", what, MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

static int parse_jobs(const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 256) {
        cli_error("--jobs wants a number from 0 (all cores) to 256, not '%s'", s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct audit_args *a)
{
    int c;
    const char *v;
    /* Defaults from /etc/vmxguard/config and the user's file; options win. */
    a->format = cli_config_get("format");
    a->fail_on = cli_config_get("fail-on");
    a->cacert = cli_config_get("cacert");
    a->waivers = cli_config_get("waivers");
    a->color = cli_config_get("color");
    if ((v = cli_config_get("jobs")) && parse_jobs(v, &a->jobs))
        return -1;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "p:f:o:j:qvh", long_opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'p':
            bad = add_to(a->profiles, &a->n_profiles, optarg, "--profile");
            break;
        case 'P':
            a->profile_file = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'D':
            a->output_dir = optarg;
            break;
        case 'F':
            a->fail_on = optarg;
            break;
        case 'x':
            bad = add_to(a->exclude, &a->n_exclude, optarg, "--exclude");
            break;
        case 'T':
            a->include_templates = 1;
            break;
        case 'w':
            a->waivers = optarg;
            break;
        case 'S':
            a->show_secrets = 1;
            break;
        case 'c':
            a->color = optarg;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'v':
            cli_verbose = 1;
            break;
        case 'j':
            bad = parse_jobs(optarg, &a->jobs);
            break;
        case 'C':
            a->cacert = optarg;
            break;
        case 'R':
            a->credentials = optarg;
            break;
        case 'k':
            a->insecure = 1;
            break;
        case 'E':
            a->no_folder_evidence = 1;
            break;
        case 'Z':
            a->allow_empty = 1;
            break;
        case 'N': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 8) {
                cli_error("--sessions wants a number from 1 to 8, not '%s'", optarg);
                return -1;
            }
            a->sessions = (int)n;
            break;
        }
        case 'h':
            return 1;
        default:
            return -1;
        }
        if (bad)
            return -1;
    }
    if (!a->n_profiles && !a->profile_file && (v = cli_config_get("profile")))
        add_to(a->profiles, &a->n_profiles, v, "--profile");
    return 0;
}

/* --profile IDs, or the profiles of --profile-file, or the default. */
/* Was profile id in the catalog before the user's file was added? */
static int had_before(const char *const *before, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(before[i], id) == 0)
            return 1;
    }
    return 0;
}

static int pick_profiles(vg_catalog *cat, const struct audit_args *a, const char *const *before,
                         size_t n_before, struct audit_run *run)
{
    for (size_t i = 0; i < a->n_profiles; i++) {
        const vg_profile *p = vg_catalog_profile(cat, a->profiles[i]);
        if (!p) {
            const char *ids[512];
            size_t n = vg_catalog_profile_count(cat);
            for (size_t k = 0; k < n && k < 511; k++)
                ids[k] = vg_catalog_profile_at(cat, k)->id;
            ids[n < 511 ? n : 511] = NULL;
            const char *near = cli_did_you_mean(a->profiles[i], ids);
            cli_error("unknown profile '%s'%s%s%s (see 'vmxguard profiles')", a->profiles[i],
                      near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            return -1;
        }
        run->profiles[run->n_profiles++] = p;
    }
    for (size_t i = 0; a->profile_file && !a->n_profiles && i < vg_catalog_profile_count(cat);
         i++) {
        const vg_profile *p = vg_catalog_profile_at(cat, i);
        if (run->n_profiles < MAX_LIST && !had_before(before, n_before, p->id))
            run->profiles[run->n_profiles++] = p;
    }
    if (!run->n_profiles) {
        const vg_profile *p = vg_catalog_profile(cat, vg_catalog_default_profile());
        if (!p) {
            cli_error("default profile '%s' is not in the catalog", vg_catalog_default_profile());
            return -1;
        }
        run->profiles[run->n_profiles++] = p;
    }
    return 0;
}

/* Folder evidence (logs, locks) is decided by the rules of this profile;
 * it joins the chosen baselines so every file VM gets those results too. */
#define FOLDER_EVIDENCE_PROFILE "vm-folder-evidence"

/* A STIG checklist (ckl, cklb, xccdf) answers one benchmark's rules; the
 * folder evidence is vmxguard's own and stays out of it. */
static int is_checklist_format(const char *format)
{
    return format &&
           (!strcmp(format, "ckl") || !strcmp(format, "cklb") || !strcmp(format, "xccdf"));
}

static int add_evidence_profile(vg_catalog *cat, struct audit_run *run)
{
    const vg_profile *p = vg_catalog_profile(cat, FOLDER_EVIDENCE_PROFILE);
    if (!p) {
        cli_error("profile '%s' is not in the catalog", FOLDER_EVIDENCE_PROFILE);
        return -1;
    }
    for (size_t i = 0; i < run->n_profiles; i++) {
        if (run->profiles[i] == p)
            return 0;
    }
    if (run->n_profiles >= MAX_LIST) {
        cli_error("too many profiles (at most %d with folder evidence)", MAX_LIST);
        return -1;
    }
    run->profiles[run->n_profiles++] = p;
    return 0;
}

static void *audit_prepare(vg_vm *vm, void *ctx)
{
    struct audit_run *run = ctx;
    struct audited *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    vg_error_clear(&a->err);
    if (vg_audit_vm(vm, run->profiles, run->n_profiles, &run->aopts, &a->rep, &a->err) != VG_OK)
        a->rep = NULL;
    /* on failure write_vm renders on its own thread, and reports the error there */
    vg_error rerr;
    if (a->rep && run->render &&
        vg_report_render_vm(run->report, a->rep, &a->rendered, &a->n_rendered, &rerr) != VG_OK)
        a->rendered = NULL;
    return a;
}

static void audit_discard(void *payload, void *ctx)
{
    (void)ctx;
    struct audited *a = payload;
    vg_vm_report_free(a->rep);
    free(a->rendered);
    free(a);
}

/* Is path target itself or below it? */
static int below(const char *path, const char *target)
{
    size_t n = strlen(target);
    while (n > 1 && target[n - 1] == '/')
        n--;
    return path && strncmp(path, target, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void on_problem(const vg_error *problem, void *ctx)
{
    struct audit_run *run = ctx;
    for (size_t i = 0; i < run->n_file_targets; i++)
        run->target_named[i] |= below(problem->file, run->file_targets[i]);
    run->sum.errors++;
    cli_print_error(problem);
    vg_error err;
    if (vg_report_problem(run->report, problem, &err) != VG_OK)
        run->write_failed = 1;
}

/* The file's own oddities (duplicate keys, unparsed lines) go to stderr
 * as warnings: the audit goes on, but the admin should know. */
static void show_diagnostics(const vg_vm *vm)
{
    const vg_vmx_doc *doc = vm->settings;
    size_t n = doc ? vg_vmx_doc_diag_count(doc) : 0;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_diag *d = vg_vmx_doc_diag(doc, i);
        if (d->line)
            cli_warn("%s:%u: %s", vm->path, d->line, d->msg);
        else
            cli_warn("%s: %s", vm->path, d->msg);
    }
    if (vm->locked && cli_verbose)
        cli_warn("%s: VM appears powered on (lock found); settings may change on power off",
                 vm->path);
}

static void count_findings(struct audit_run *run, const vg_vm_report *rep)
{
    for (size_t i = 0; i < rep->n_results; i++) {
        const vg_result *r = &rep->results[i];
        if ((r->status == VG_FAIL || r->status == VG_ERROR) && r->prule &&
            r->prule->severity >= run->fail_on)
            run->findings++;
    }
}

static int write_vm(vg_vm *vm, void *payload, void *ctx)
{
    struct audit_run *run = ctx;
    struct audited *a = payload;
    if (!a || !a->rep) {
        vg_error e;
        if (a)
            e = a->err;
        else
            vg_error_set(&e, VG_ENOMEM, vm->path, 0, "out of memory");
        on_problem(&e, run);
    } else {
        show_diagnostics(vm);
        vg_error err;
        int rc = a->rendered
                     ? vg_report_vm_rendered(run->report, a->rep, a->rendered, a->n_rendered, &err)
                     : vg_report_vm(run->report, a->rep, &err);
        if (rc != VG_OK) {
            cli_print_error(&err);
            run->write_failed = 1;
        }
        vg_audit_summary_add(&run->sum, a->rep);
        count_findings(run, a->rep);
        for (size_t i = 0; vm->origin == VG_ORIGIN_FILE && i < run->n_file_targets; i++)
            run->target_vms[i] += below(vm->path, run->file_targets[i]);
        vg_vm_report_free(a->rep);
    }
    if (a)
        free(a->rendered);
    free(a);
    vg_vm_free(vm);
    cli_progress_tick(run->progress, 1);
    return run->write_failed;
}

static int is_vsphere_target(const char *t)
{
    /* http:// is for loopback test servers; the vSphere source decides */
    return strncmp(t, "vsphere://", 10) == 0 || strncmp(t, "https://", 8) == 0 ||
           strncmp(t, "http://", 7) == 0;
}

#ifdef VMXGUARD_VSPHERE_H
/* API VMs arrive one at a time on this thread: audit and write at once. */
static int vsphere_vm(vg_vm *vm, void *ctx)
{
    return write_vm(vm, audit_prepare(vm, ctx), ctx);
}

/* Every vsphere:// target in one call: the library queries them
 * concurrently (one thread and connection each) and hands VMs back on this
 * thread in target order.  Credentials are resolved once, from the first
 * target's user part. */
static int audit_vsphere(const char **urls, size_t n, const struct audit_args *a,
                         struct audit_run *run)
{
    if (!n)
        return 0;
    vg_vsphere_target t;
    vg_error err;
    for (size_t i = 0; i < n; i++) {
        if (vg_vsphere_parse_url(urls[i], &t, &err) != VG_OK) {
            on_problem(&err, run);
            return -1;
        }
    }
    vg_vsphere_parse_url(urls[0], &t, &err);
    char *user = NULL, *password = NULL;
    if (vg_vsphere_credentials(t.user[0] ? t.user : NULL, a->credentials, 1, &user, &password,
                               &err) != VG_OK) {
        on_problem(&err, run);
        return -1;
    }
    if (a->insecure)
        cli_warn("--insecure: the servers' certificates are not checked");
    vg_vsphere_opts vo = {.user = user,
                          .password = password,
                          .cacert = a->cacert,
                          .insecure = a->insecure,
                          .include_templates = a->include_templates,
                          .exclude = a->exclude,
                          .n_exclude = a->n_exclude,
                          .sessions = a->sessions};
    vg_error_clear(&err);
    int rc = n == 1 ? vg_vsphere_fetch(urls[0], &vo, vsphere_vm, run, &err)
                    : vg_vsphere_fetch_many(urls, n, &vo, vsphere_vm, run, on_problem, run, &err);
    vg_vsphere_credentials_free(user, password);
    if (rc != VG_OK && (n == 1 || err.msg[0]))
        on_problem(&err, run);
    return rc;
}
#else
static int audit_vsphere(const char **urls, size_t n, const struct audit_args *a,
                         struct audit_run *run)
{
    (void)a;
    for (size_t i = 0; i < n; i++) {
        vg_error err;
        vg_error_set(&err, VG_EUSAGE, urls[i], 0, "this build has no vSphere source");
        on_problem(&err, run);
    }
    return n ? -1 : 0;
}
#endif

static int audit_files(const char **paths, size_t n, const struct audit_args *a,
                       struct audit_run *run)
{
    if (!n)
        return 0;
    vg_source_opts so = {.include_templates = a->include_templates,
                         .exclude = a->exclude,
                         .n_exclude = a->n_exclude,
                         .jobs = a->jobs,
                         .folder_evidence = !a->no_folder_evidence,
                         .on_problem = on_problem,
                         .problem_ctx = run};
    vg_vm_pipeline pl = {audit_prepare, write_vm, audit_discard, run};
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_source_files_pipeline(paths, n, &so, &pl, &err);
    if (rc != VG_OK && run->sum.errors == 0)
        on_problem(&err, run);
    return rc;
}

static FILE *open_output(const struct audit_args *a)
{
    if (!a->output || strcmp(a->output, "-") == 0)
        return stdout;
    FILE *f = cli_open_output(a->output);
    if (!f)
        cli_error("%s: cannot write: %s", a->output, strerror(errno));
    return f;
}

static int start_report(const struct audit_args *a, vg_catalog *cat, struct audit_run *run,
                        FILE *out, char **targets, size_t n_targets)
{
    vg_report_opts ro = {.out = out,
                         .output_dir = a->output_dir,
                         .color = 0,
                         .width = 0,
                         .verbose = cli_verbose,
                         .show_secrets = a->show_secrets};
    if (out == stdout && cli_color > 0)
        ro.color = 1;
    else if (a->color && strcmp(a->color, "always") == 0)
        ro.color = 1;
    vg_error err;
    const char *fmt = a->format ? a->format : "text";
    if (vg_report_new(fmt, &ro, &run->report, &err) != VG_OK) {
        cli_print_error(&err);
        fprintf(stderr, "formats:");
        for (const char *const *f = vg_report_formats(); f && *f; f++)
            fprintf(stderr, " %s", *f);
        fputc('\n', stderr);
        return -1;
    }
    static char host[256];
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    vg_report_run rr = {.tool_version = vg_version(),
                        .started = time(NULL),
                        .catalog = cat,
                        .profiles = run->profiles,
                        .n_profiles = run->n_profiles,
                        .targets = (const char *const *)targets,
                        .n_targets = n_targets,
                        .hostname = host};
    if (vg_report_begin(run->report, &rr, &err) != VG_OK) {
        cli_print_error(&err);
        return -1;
    }
    run->render = !a->output_dir && vg_report_can_render(run->report);
    return 0;
}

static void report_unused_waivers(const vg_waivers *w, struct audit_run *run)
{
    const char *descr[64];
    size_t n = vg_waivers_unused(w, descr, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        vg_error e;
        vg_error_set(&e, VG_ENOTFOUND, NULL, 0, "unused waiver (matched no failing rule): %s",
                     descr[i]);
        cli_warn("%s", e.msg);
        vg_error err;
        vg_report_problem(run->report, &e, &err);
        run->sum.warnings++;
    }
}

/* Catalog, profiles and waivers: everything fixed before the first VM. */
static int setup(const struct audit_args *a, int file_targets, vg_catalog **cat, vg_waivers **w,
                 struct audit_run *run)
{
    vg_error err;
    if (vg_catalog_load_embedded(cat, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_INTERNAL;
    }
    /* ids shipped in the binary: the user's file adds the others */
    size_t n_before = vg_catalog_profile_count(*cat);
    const char **before = calloc(n_before ? n_before : 1, sizeof *before);
    if (!before) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n_before; i++)
        before[i] = vg_catalog_profile_at(*cat, i)->id;
    int bad = a->profile_file && vg_catalog_add_file(*cat, a->profile_file, &err) != VG_OK;
    if (bad)
        cli_print_error(&err);
    else
        bad = pick_profiles(*cat, a, before, n_before, run) != 0;
    if (!bad && file_targets && !a->no_folder_evidence && !is_checklist_format(a->format))
        bad = add_evidence_profile(*cat, run) != 0;
    free(before);
    if (bad)
        return EXIT_USAGE;
    if (a->fail_on && vg_severity_parse(a->fail_on, &run->fail_on) != VG_OK) {
        cli_error("--fail-on wants any, info, low, medium or high (or cat1..cat3), not '%s'",
                  a->fail_on);
        return EXIT_USAGE;
    }
    if (a->waivers && vg_waivers_load_file(a->waivers, w, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    if (a->color && cli_set_color(a->color) != 0) {
        cli_error("--color wants auto, always or never, not '%s'", a->color);
        return EXIT_USAGE;
    }
    if (a->output && a->output_dir) {
        cli_error("-o and --output-dir exclude each other");
        return EXIT_USAGE;
    }
    run->aopts.waivers = *w;
    run->aopts.show_secrets = a->show_secrets;
    run->aopts.now = time(NULL);
    return EXIT_OK;
}

/* A target that yields no VM (a datastore that failed to mount, a typo'd
 * folder) is an input error unless --allow-empty; so is a run that audited
 * nothing at all: nothing audited is not compliant. */
static void empty_targets(const struct audit_args *a, struct audit_run *run)
{
    if (a->allow_empty)
        return;
    vg_error e;
    for (size_t i = 0; i < run->n_file_targets; i++) {
        if (run->target_vms[i] || run->target_named[i])
            continue;
        vg_error_set(&e, VG_ENOTFOUND, run->file_targets[i], 0,
                     "no VM found (no .vmx below it, or every one excluded or a template); "
                     "--allow-empty accepts an empty target");
        on_problem(&e, run);
    }
    if (!run->sum.vms && !run->sum.errors) {
        vg_error_set(&e, VG_ENOTFOUND, NULL, 0,
                     "nothing was audited (no VM from any target); --allow-empty accepts that");
        on_problem(&e, run);
    }
}

static int audit_targets(char **targets, size_t n, const struct audit_args *a,
                         struct audit_run *run)
{
    const char **files = calloc(n ? n : 1, sizeof *files);
    if (!files) {
        cli_error("out of memory");
        return -1;
    }
    const char **urls = calloc(n ? n : 1, sizeof *urls);
    if (!urls) {
        free(files);
        cli_error("out of memory");
        return -1;
    }
    size_t nf = 0, nu = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_vsphere_target(targets[i]))
            urls[nu++] = targets[i];
        else
            files[nf++] = targets[i];
    }
    run->target_vms = calloc(nf ? nf : 1, sizeof *run->target_vms);
    run->target_named = calloc(nf ? nf : 1, 1);
    if (run->target_vms && run->target_named) {
        run->file_targets = files;
        run->n_file_targets = nf;
    }
    audit_files(files, nf, a, run);
    if (!run->write_failed)
        audit_vsphere(urls, nu, a, run);
    empty_targets(a, run);
    run->n_file_targets = 0;
    run->file_targets = NULL;
    free(run->target_vms);
    free(run->target_named);
    free(files);
    free(urls);
    return 0;
}

static int run_audit(int argc, char **argv)
{
    struct audit_args a = {0};
    int pr = parse_args(argc, argv, &a);
    if (pr != 0) {
        if (pr > 0)
            return cli_help(&cli_cmd_audit);
        fprintf(stderr, "usage: vmxguard audit TARGET... [options]; see 'vmxguard audit --help'\n");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("audit: name at least one .vmx file, folder or vsphere:// target");
        return EXIT_USAGE;
    }
    struct audit_run *run = calloc(1, sizeof *run);
    vg_catalog *cat = NULL;
    vg_waivers *w = NULL;
    int file_targets = 0;
    for (int i = optind; i < argc; i++)
        file_targets |= !is_vsphere_target(argv[i]);
    int rc = run ? setup(&a, file_targets, &cat, &w, run) : EXIT_INTERNAL;
    FILE *out = NULL;
    if (rc == EXIT_OK && !(out = open_output(&a)))
        rc = EXIT_USAGE;
    if (rc == EXIT_OK &&
        start_report(&a, cat, run, out, argv + optind, (size_t)(argc - optind)) != 0)
        rc = EXIT_USAGE;
    if (rc == EXIT_OK) {
        run->progress = cli_progress_start_output("auditing", 0, out);
        audit_targets(argv + optind, (size_t)(argc - optind), &a, run);
        cli_progress_done(run->progress);
        report_unused_waivers(w, run);
        vg_error err;
        if (vg_report_end(run->report, &run->sum, &err) != VG_OK) {
            cli_print_error(&err);
            run->write_failed = 1;
        }
        rc = run->write_failed ? EXIT_INTERNAL
             : run->sum.errors ? EXIT_USAGE
             : run->findings   ? EXIT_FINDINGS
                               : EXIT_OK;
    }
    if (run)
        vg_report_free(run->report);
    if (out && out != stdout && fclose(out) != 0 && rc != EXIT_INTERNAL) {
        cli_error("%s: write failed", a.output);
        rc = EXIT_INTERNAL;
    }
    vg_waivers_free(w);
    vg_catalog_free(cat);
    free(run);
    return rc;
}

const struct cli_command cli_cmd_audit = {
    "audit",
    "check VMs against hardening baselines (DISA STIG, VMware SCG, CIS)",
    run_audit,
    "usage: vmxguard audit TARGET... [options]\n"
    "\n"
    "Audit .vmx files, folders (searched recursively for *.vmx) or vCenter/ESXi\n"
    "targets (vsphere://[user@]host or https://host/sdk) against one or more\n"
    "baselines.  Each VM gets one result per rule: pass, fail, not_applicable,\n"
    "manual, error or waived, with the value, file:line, expected value and fix.\n"
    "Keys that look like hardening but do nothing are reported as warnings.\n"
    "For file targets the VM's folder is read too (vmware*.log, .vmx.lck): the\n"
    "profile vm-folder-evidence (log rotation, backdoor floods, rejected device\n"
    "commands, VMX failures, running lock) is added to the chosen baselines and\n"
    "listed in the summary (not in ckl, cklb and xccdf checklists, which answer one\n"
    "benchmark); --no-folder-evidence skips it.\n"
    "On a terminal a progress line (VMs audited, rate) is drawn on standard error;\n"
    "never in pipes or files.  Defaults for profile, format, color, fail-on, jobs,\n"
    "cacert and waivers may come from /etc/vmxguard/config or\n"
    "~/.config/vmxguard/config; options win.\n"
    "\n"
    "options:\n"
    "  -p, --profile ID        baseline to check (repeatable); default: disa-vsphere8-vm.\n"
    "                          'vmxguard profiles' lists them\n"
    "      --profile-file FILE add rules/profiles from a YAML file (docs/catalog-format.md);\n"
    "                          its profiles are used unless --profile says otherwise\n"
    "  -f, --format F          text (default), json, jsonl, csv, junit, sarif, xccdf,\n"
    "                          ckl, cklb, html\n"
    "  -o, --output FILE       write the report to FILE instead of standard output\n"
    "      --output-dir DIR    one file per VM (ckl, cklb, xccdf); created if missing\n"
    "      --fail-on SEVERITY  exit 1 only for failures at or above: any (default), low,\n"
    "                          medium, high (cat3, cat2, cat1 also accepted)\n"
    "      --exclude GLOB      skip VMs or folders whose name or path matches (repeatable)\n"
    "      --include-templates also audit templates (*.vmtx)\n"
    "      --waivers FILE      accepted exceptions (YAML: rules, vm, reason, approver,\n"
    "                          expires); see docs/audit.md\n"
    "      --no-folder-evidence  read only the .vmx: no logs, no lock, and no\n"
    "                          vm-folder-evidence results\n"
    "      --allow-empty       a target that yields no VM (or a run that audits none) is\n"
    "                          not an error; without it: named on stderr, exit 2\n"
    "      --show-secrets      show values of secret-bearing keys (VNC password,\n"
    "                          guestinfo tokens) instead of <redacted>\n"
    "      --color WHEN        auto (default: only on a terminal, never with NO_COLOR),\n"
    "                          always or never\n"
    "  -q, --quiet             no warnings or progress line on standard error\n"
    "  -v, --verbose           also list passing rules and file warnings\n"
    "  -j, --jobs N            worker threads for files (0 = all cores)\n"
    "      --sessions N        vSphere: parallel sessions per target, 1 to 8 (default 4)\n"
    "      --credentials FILE  vSphere: user=/password= file (else VMXGUARD_USER and\n"
    "                          VMXGUARD_PASSWORD, else a prompt)\n"
    "      --cacert FILE       vSphere: trust this PEM bundle\n"
    "      --insecure          vSphere: do not check the server certificate\n"
    "\n"
    "exit codes: 0 nothing failed, 1 failures at or above --fail-on,\n"
    "2 usage error or an input could not be read (the others are still audited).\n"
    "\n"
    "examples:\n"
    "  vmxguard audit examples/datastore1\n"
    "  vmxguard audit /vmfs/volumes/ds1 --profile disa-vsphere8-vm --profile cis-esxi-8\n"
    "  vmxguard audit web01.vmx --format sarif -o web01.sarif --fail-on medium\n"
    "  vmxguard audit ds1/ --exclude 'test-*' --waivers waivers.yaml --jobs 4\n"
    "  vmxguard audit ds1/ --format ckl --output-dir ckl/ --include-templates\n"
    "  vmxguard audit ds1/ --no-folder-evidence --format csv -o ds1.csv\n"
    "  vmxguard audit vsphere://admin@vcenter.example.org --credentials ~/.vmxguard-cred\n"
    "  vmxguard audit my.vmx --profile-file site.yaml --show-secrets --color=never -q\n",
};
