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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_progress.h"

#define MAX_LIST 64
#define MAX_OUTPUTS 16

/* One (format, destination) pair: a stream (path, or stdout for NULL and
 * "-") or a folder of per-VM files.  Every output is fed from the same
 * pass over the sources. */
struct audit_output {
    const char *format;
    const char *path; /* NULL: standard output */
    const char *dir;  /* per-VM files (ckl, cklb, xccdf) */
    FILE *out;
    vg_report *report;
    int render; /* workers render each VM for this output */
    int failed; /* a write failed: fed no more, exit 2 (3 for internal errors) */
};

extern const struct cli_command cli_cmd_audit;

struct audit_args {
    const char *profiles[MAX_LIST];
    size_t n_profiles;
    const char *profile_file;
    const char *format;               /* the last plain -f (config default) */
    const char *formats[MAX_OUTPUTS]; /* every plain -f, in order */
    size_t n_formats;
    const char *paths[MAX_OUTPUTS]; /* every plain -o FILE, in order */
    size_t n_paths;
    const char *output_dir;
    struct audit_output outputs[MAX_OUTPUTS]; /* --output FORMAT:PATH, then the -f/-o pairs */
    size_t n_outputs;
    const char *fail_on;
    const char *exclude[MAX_LIST];
    size_t n_exclude;
    int include_templates;
    const char *waivers;
    int show_secrets;
    int csv_raw;
    size_t sarif_run_size;
    const char *color;
    int jobs;
    const char *cacert;
    const char *credentials;
    int insecure;
    int insecure_from_govc;
    int no_folder_evidence;
    int sessions;      /* vSphere: parallel sessions per target, 0 = the library's default */
    int allow_empty;   /* a target that yields no VM is fine */
    int follow_links;  /* follow symlinks leading out of every target */
    const char *store; /* results store: SQLite path or postgresql:// URI; "" = none */
    int pending_ok;    /* pending results (vSphere, not yet in effect) do not make exit 1 */
};

/* Everything the run shares between the worker threads and the writer. */
struct audit_run {
    const vg_profile *profiles[MAX_LIST];
    size_t n_profiles;
    vg_audit_opts aopts;
    struct audit_output *outputs; /* the args' outputs, opened */
    size_t n_outputs;
    vg_audit_summary sum;
    vg_severity fail_on;
    size_t findings;               /* results failing at or above fail_on */
    int write_failed;              /* every output failed: stop reading */
    struct cli_progress *progress; /* drawn on a terminal only */
    /* File targets, VMs seen below each and whether a problem named it:
     * a target that yields nothing is an input error (empty_targets). */
    const char **file_targets;
    size_t n_file_targets, *target_vms;
    unsigned char *target_named;
    vg_report_run rr; /* what the report and the store record of the run */
    vg_store *store;  /* --store: the run is recorded there too */
    vg_store_run *store_run;
    int store_failed; /* the run could not be stored: exit 2 */
    int pending_ok;
#ifdef VMXGUARD_VSPHERE_H
    vg_vsphere_pending *pending[MAX_LIST]; /* one per vSphere target */
    size_t n_pending;
    /* API VMs are audited on the fetching threads; a pending look-up uses
     * its target's one session, so they take turns (most VMs need none) */
    pthread_mutex_t pending_lock;
#endif
};

/* What a worker hands to the writer with each VM. */
struct audited {
    vg_vm_report *rep;
    char *rendered[MAX_OUTPUTS]; /* each output's text for the VM, when the workers render */
    size_t n_rendered[MAX_OUTPUTS];
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
    {"follow-links", no_argument, NULL, 'L'},
    {"sessions", required_argument, NULL, 'N'},
    {"store", required_argument, NULL, 's'},
    {"csv-raw", no_argument, NULL, 'W'},
    {"sarif-run-size", required_argument, NULL, 'Z'},
    {"allow-empty", no_argument, NULL, 'Y'},
    {"pending-ok", no_argument, NULL, 'G'},
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

static int known_format(const char *f, size_t n)
{
    for (const char *const *k = vg_report_formats(); k && *k; k++) {
        if (strlen(*k) == n && strncmp(*k, f, n) == 0)
            return 1;
    }
    return 0;
}

/* -o FILE, or --output FORMAT:PATH when the part before the first ':' is a
 * format name (a file really called "json:x" is written as ./json:x). */
static int add_output(struct audit_args *a, const char *v)
{
    const char *colon = strchr(v, ':');
    if (!colon || !known_format(v, (size_t)(colon - v))) {
        if (a->n_paths >= MAX_OUTPUTS) {
            cli_error("too many -o options (at most %d)", MAX_OUTPUTS);
            return -1;
        }
        a->paths[a->n_paths++] = v;
        return 0;
    }
    if (a->n_outputs >= MAX_OUTPUTS) {
        cli_error("too many --output options (at most %d)", MAX_OUTPUTS);
        return -1;
    }
    size_t n = (size_t)(colon - v);
    struct audit_output *o = &a->outputs[a->n_outputs++];
    for (const char *const *k = vg_report_formats(); k && *k; k++) {
        if (strlen(*k) == n && strncmp(*k, v, n) == 0)
            o->format = *k;
    }
    if (!colon[1]) {
        cli_error("--output %s: wants a file after the ':' (- for standard output)", v);
        return -1;
    }
    o->path = colon + 1;
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
    a->store = cli_config_get("store");
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
            if (a->n_formats >= MAX_OUTPUTS) {
                cli_error("too many -f options (at most %d)", MAX_OUTPUTS);
                return -1;
            }
            a->formats[a->n_formats++] = optarg;
            break;
        case 'o':
            bad = add_output(a, optarg);
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
        case 'W':
            a->csv_raw = 1;
            break;
        case 'Z': {
            long n;
            if (cli_parse_range(optarg, 1, 25000, "--sarif-run-size", &n) != 0)
                return -1;
            a->sarif_run_size = (size_t)n;
            break;
        }
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
        case 'Y':
            a->allow_empty = 1;
            break;
        case 'G':
            a->pending_ok = 1;
            break;
        case 'L':
            a->follow_links = 1;
            break;
        case 'N': {
            long n;
            if (cli_parse_range(optarg, 1, 8, "--sessions", &n) != 0)
                return -1;
            a->sessions = (int)n;
            break;
        }
        case 's':
            a->store = optarg;
            break;
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

/* Folder evidence (logs, locks) is decided by the rules of this profile;
 * it joins the chosen baselines so every file VM gets those results too. */
#define FOLDER_EVIDENCE_PROFILE "vm-folder-evidence"

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
#ifdef VMXGUARD_VSPHERE_H
    /* what changed since the VM's power-on is looked up before the audit,
     * so a setting not yet in effect shows as pending */
    if (run->n_pending && vm->origin == VG_ORIGIN_VSPHERE) {
        int rc = VG_OK;
        pthread_mutex_lock(&run->pending_lock);
        for (size_t i = 0; rc == VG_OK && i < run->n_pending; i++)
            rc = vg_vsphere_pending_vm(run->pending[i], vm, &a->err);
        pthread_mutex_unlock(&run->pending_lock);
        if (rc != VG_OK)
            return a; /* no report: write_vm reports the error */
    }
#endif
    if (vg_audit_vm(vm, run->profiles, run->n_profiles, &run->aopts, &a->rep, &a->err) != VG_OK)
        a->rep = NULL;
    /* on failure write_vm renders on its own thread, and reports the error there */
    for (size_t i = 0; a->rep && i < run->n_outputs; i++) {
        vg_error rerr;
        struct audit_output *o = &run->outputs[i];
        if (o->render && vg_report_render_vm(o->report, a->rep, &a->rendered[i], &a->n_rendered[i],
                                             &rerr) != VG_OK)
            a->rendered[i] = NULL;
    }
    return a;
}

static void audit_discard(void *payload, void *ctx)
{
    (void)ctx;
    struct audited *a = payload;
    vg_vm_report_free(a->rep);
    for (size_t i = 0; i < MAX_OUTPUTS; i++)
        free(a->rendered[i]);
    free(a);
}

static const char *output_name(const struct audit_output *o)
{
    return o->dir ? o->dir : o->path && strcmp(o->path, "-") ? o->path : "standard output";
}

/* A write to one output failed: say so once, naming the output, and feed
 * it no more; the run stops when no output is left.  Disk full, a
 * read-only or vanished folder are I/O errors (exit 2); only a failure of
 * vmxguard itself (out of memory, a broken state) is internal (exit 3). */
static void output_failed(struct audit_run *run, struct audit_output *o, const vg_error *err,
                          int saved_errno)
{
    if (o->failed)
        return;
    o->failed = err->code == VG_ENOMEM || err->code == VG_ERR ? EXIT_INTERNAL : EXIT_USAGE;
    if (err->file[0])
        cli_print_error(err);
    else if (saved_errno && o->out && ferror(o->out))
        cli_error("%s: %s: %s", output_name(o), err->msg, strerror(saved_errno));
    else
        cli_error("%s: %s", output_name(o), err->msg);
    if (!err->file[0])
        cli_error_hint(err);
    size_t left = 0;
    for (size_t i = 0; i < run->n_outputs; i++)
        left += !run->outputs[i].failed;
    if (!left)
        run->write_failed = 1;
}

/* The text report on standard output would show a problem the terminal
 * already has on stderr: it goes to stderr only.  Files keep it. */
static int shows_problems_on_stderr(const struct audit_output *o)
{
    return !o->path && !o->dir && strcmp(o->format, "text") == 0;
}

/* Is path target itself or below it? */
static int below(const char *path, const char *target)
{
    size_t n = strlen(target);
    while (n > 1 && target[n - 1] == '/')
        n--;
    return path && strncmp(path, target, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* --store: a failed store write stops the run (a half-recorded run is
 * worse than none) and is rolled back at the end. */
static void store_failed(struct audit_run *run, const vg_error *err)
{
    cli_print_error(err);
    vg_store_run_abort(run->store_run);
    run->store_run = NULL;
    run->store_failed = 1;
    run->write_failed = 1;
}

static void store_problem(struct audit_run *run, const vg_error *problem)
{
    vg_error err;
    if (run->store_run && vg_store_run_problem(run->store_run, problem, &err) != VG_OK)
        store_failed(run, &err);
}

static void on_problem(const vg_error *problem, void *ctx)
{
    struct audit_run *run = ctx;
    for (size_t i = 0; i < run->n_file_targets; i++)
        run->target_named[i] |= below(problem->file, run->file_targets[i]);
    run->sum.errors++;
    cli_print_error(problem);
    for (size_t i = 0; i < run->n_outputs; i++) {
        struct audit_output *o = &run->outputs[i];
        vg_error err;
        if (o->failed || shows_problems_on_stderr(o))
            continue;
        errno = 0;
        if (vg_report_problem(o->report, problem, &err) != VG_OK)
            output_failed(run, o, &err, errno);
    }
    store_problem(run, problem);
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
        int finding = r->status == VG_FAIL || r->status == VG_ERROR ||
                      (r->status == VG_PENDING && !run->pending_ok);
        if (finding && r->prule && r->prule->severity >= run->fail_on)
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
        for (size_t i = 0; i < run->n_outputs; i++) {
            struct audit_output *o = &run->outputs[i];
            vg_error err;
            if (o->failed)
                continue;
            errno = 0;
            int rc = a->rendered[i] ? vg_report_vm_rendered(o->report, a->rep, a->rendered[i],
                                                            a->n_rendered[i], &err)
                                    : vg_report_vm(o->report, a->rep, &err);
            if (rc != VG_OK)
                output_failed(run, o, &err, errno);
        }
        vg_error serr;
        if (run->store_run && vg_store_run_vm(run->store_run, a->rep, &serr) != VG_OK)
            store_failed(run, &serr);
        vg_audit_summary_add(&run->sum, a->rep);
        count_findings(run, a->rep);
        for (size_t i = 0; vm->origin == VG_ORIGIN_FILE && i < run->n_file_targets; i++)
            run->target_vms[i] += below(vm->path, run->file_targets[i]);
        vg_vm_report_free(a->rep);
    }
    for (size_t i = 0; a && i < MAX_OUTPUTS; i++)
        free(a->rendered[i]);
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
/* Content-library VMs arrive one at a time on this thread: audit and write at once. */
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
        if (cli_vsphere_url(urls[i], &t, &err) != VG_OK) {
            on_problem(&err, run);
            return -1;
        }
    }
    vg_vsphere_parse_url(urls[0], &t, &err);
    char *user = NULL, *password = NULL;
    if (cli_vsphere_credentials(t.user, a->credentials, &user, &password, &err) != 0) {
        on_problem(&err, run);
        return -1;
    }
    if (a->insecure)
        cli_warn("%s: the servers' certificates are not checked",
                 a->insecure_from_govc ? "GOVC_INSECURE" : "--insecure");
    vg_vsphere_opts vo = {.user = user,
                          .password = password,
                          .cacert = a->cacert,
                          .insecure = a->insecure,
                          .include_templates = a->include_templates,
                          .exclude = a->exclude,
                          .n_exclude = a->n_exclude,
                          .sessions = cli_vsphere_sessions(a->sessions)};
    for (size_t i = 0; i < n && run->n_pending < MAX_LIST; i++)
        if (vg_vsphere_pending_open(urls[i], &vo, &run->pending[run->n_pending], &err) == VG_OK)
            run->n_pending++;
    vg_error_clear(&err);
    /* audited on the fetching threads, written here in order, as files are */
    vg_vm_pipeline pl = {audit_prepare, write_vm, audit_discard, run};
    int rc = n == 1 ? vg_vsphere_fetch_pipeline(urls[0], &vo, &pl, &err)
                    : vg_vsphere_fetch_many_pipeline(urls, n, &vo, &pl, on_problem, run, &err);
    if (rc != VG_OK && (n == 1 || err.msg[0]))
        on_problem(&err, run);
    /* with --include-templates: the content libraries' OVF templates too */
    for (size_t i = 0; a->include_templates && i < n && !run->write_failed; i++) {
        vg_error_clear(&err);
        if (vg_vsphere_library_fetch(urls[i], &vo, vsphere_vm, run, on_problem, run, &err) != VG_OK)
            on_problem(&err, run);
    }
    for (size_t i = 0; i < run->n_pending; i++)
        vg_vsphere_pending_close(run->pending[i]);
    run->n_pending = 0;
    vg_vsphere_credentials_free(user, password);
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

/* A symlink out of every target, skipped or followed: a warning, and a
 * line in the report (its problems), so the report says which. */
static void on_link_note(const vg_error *note, void *ctx)
{
    struct audit_run *run = ctx;
    run->sum.warnings++;
    int skipped = strstr(note->msg, "not followed") != NULL;
    cli_warn("%s: %s%s", note->file, note->msg, skipped ? " (--follow-links follows it)" : "");
    for (size_t i = 0; i < run->n_outputs; i++) {
        struct audit_output *o = &run->outputs[i];
        vg_error err;
        if (o->failed || shows_problems_on_stderr(o))
            continue;
        errno = 0;
        if (vg_report_problem(o->report, note, &err) != VG_OK)
            output_failed(run, o, &err, errno);
    }
}

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
                         .problem_ctx = run,
                         .follow_outside_links = a->follow_links,
                         .on_note = on_link_note};
    vg_vm_pipeline pl = {audit_prepare, write_vm, audit_discard, run};
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_source_files_pipeline(paths, n, &so, &pl, &err);
    if (rc != VG_OK && run->sum.errors == 0)
        on_problem(&err, run);
    return rc;
}

#ifdef VMXGUARD_TEMPLATE_H
/* Templates (OVF/OVA, Packer, Terraform) named on the command line: each
 * VM they describe is audited and written on this thread, in order. */
static int is_template_target(const char *t)
{
    return vg_template_detect(t) != VG_TEMPLATE_NONE;
}

static int template_vm(vg_vm *vm, void *ctx)
{
    return write_vm(vm, audit_prepare(vm, ctx), ctx);
}

static int audit_templates(const char **paths, size_t n, struct audit_run *run)
{
    for (size_t i = 0; i < n && !run->write_failed; i++) {
        vg_error err;
        vg_error_clear(&err);
        if (vg_template_read(paths[i], VG_TEMPLATE_NONE, template_vm, run, &err) != VG_OK &&
            !run->write_failed)
            on_problem(&err, run);
    }
    return 0;
}
#else
static int is_template_target(const char *t)
{
    (void)t;
    return 0;
}

static int audit_templates(const char **paths, size_t n, struct audit_run *run)
{
    (void)paths;
    (void)n;
    (void)run;
    return 0;
}
#endif

static int uses_output_dir(const char *format)
{
    return (vg_report_format_props(format) & VG_REPORT_PER_VM_FILES) != 0;
}

static int is_dir_path(const char *p)
{
    size_t n = strlen(p);
    struct stat st;
    return (n && p[n - 1] == '/') || (stat(p, &st) == 0 && S_ISDIR(st.st_mode));
}

static int push_output(struct audit_args *a, const char *format, const char *path, const char *dir)
{
    if (a->n_outputs >= MAX_OUTPUTS) {
        cli_error("too many outputs (at most %d)", MAX_OUTPUTS);
        return -1;
    }
    struct audit_output *o = &a->outputs[a->n_outputs++];
    o->format = format;
    o->path = path;
    o->dir = dir;
    return 0;
}

/* The plain -f/-o/--output-dir options as (format, destination) pairs,
 * after the --output FORMAT:PATH ones.  One -f and one -o (or either, or
 * none) is the classic single report; several pair up in order, the last
 * -f without an -o going to standard output. */
static int plain_outputs(struct audit_args *a)
{
    size_t nf = a->n_formats, np = a->n_paths;
    const char *single = a->format ? a->format : "text"; /* -f, else config, else text */
    if (a->output_dir) {
        if (np) {
            cli_error("-o and --output-dir exclude each other");
            return -1;
        }
        if (nf > 1) {
            cli_error("--output-dir takes one -f; for several use --output FORMAT:DIR/");
            return -1;
        }
        if (!uses_output_dir(single)) {
            cli_error("--output-dir: the %s format writes one file, not one per VM (ckl, cklb "
                      "and xccdf do); use -o FILE",
                      single);
            return -1;
        }
        return push_output(a, single, NULL, a->output_dir);
    }
    if (nf <= 1 && np <= 1) {
        if (nf || np || !a->n_outputs)
            return push_output(a, single, np ? a->paths[0] : NULL, NULL);
        return 0;
    }
    if (nf != np && nf != np + 1) {
        cli_error("-f and -o pair up in order: %zu -f for %zu -o (or use --output FORMAT:PATH)", nf,
                  np);
        return -1;
    }
    for (size_t i = 0; i < nf; i++) {
        if (push_output(a, a->formats[i], i < np ? a->paths[i] : NULL, NULL))
            return -1;
    }
    return 0;
}

/* Every output, checked: a folder where the format writes per-VM files,
 * one standard output at most, no destination twice. */
static int resolve_outputs(struct audit_args *a)
{
    for (size_t i = 0; i < a->n_outputs; i++) {
        struct audit_output *o = &a->outputs[i];
        if (strcmp(o->path, "-") == 0) {
            o->path = NULL;
        } else if (is_dir_path(o->path)) {
            if (!uses_output_dir(o->format)) {
                cli_error("--output %s:%s: the %s format writes one file, not a folder", o->format,
                          o->path, o->format);
                return -1;
            }
            o->dir = o->path;
            o->path = NULL;
        }
    }
    if (plain_outputs(a))
        return -1;
    int on_stdout = 0;
    for (size_t i = 0; i < a->n_outputs; i++) {
        const struct audit_output *o = &a->outputs[i];
        if (!o->path && !o->dir && on_stdout++) {
            cli_error("two reports to standard output; give the %s report a file", o->format);
            return -1;
        }
        for (size_t k = 0; k < i; k++) {
            const char *x = o->path ? o->path : o->dir;
            const struct audit_output *p = &a->outputs[k];
            const char *y = p->path ? p->path : p->dir;
            if (x && y && strcmp(x, y) == 0) {
                cli_error("%s: named as the destination of two reports (%s and %s)", x, p->format,
                          o->format);
                return -1;
            }
        }
    }
    return 0;
}

/* mkdir -p, 0700 for what it creates (reports name VMs and settings). */
static int make_dirs(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        struct stat st;
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        if (stat(tmp, &st) != 0)
            return -1;
        if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
        tmp[i] = c;
    }
    return 0;
}

static int open_outputs(struct audit_args *a)
{
    for (size_t i = 0; i < a->n_outputs; i++) {
        struct audit_output *o = &a->outputs[i];
        if (o->dir) {
            if (make_dirs(o->dir) != 0) {
                cli_error("%s: cannot create the folder: %s", o->dir, strerror(errno));
                return -1;
            }
            continue;
        }
        if (!o->path) {
            o->out = stdout;
            continue;
        }
        o->out = cli_open_output(o->path);
        if (!o->out) {
            cli_error("%s: cannot write: %s", o->path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Closes every file; a failure there (the last block to a full disk) is
 * still the output's failure. */
static void close_outputs(struct audit_run *run)
{
    for (size_t i = 0; i < run->n_outputs; i++) {
        struct audit_output *o = &run->outputs[i];
        if (!o->out || o->out == stdout)
            continue;
        errno = 0;
        int bad = ferror(o->out);
        if (fclose(o->out) != 0 || bad) {
            vg_error e;
            vg_error_set(&e, VG_EIO, "", 0, "write failed");
            output_failed(run, o, &e, errno ? errno : EIO);
        }
        o->out = NULL;
    }
}

static int start_report(const struct audit_args *a, vg_catalog *cat, struct audit_run *run,
                        struct audit_output *o, char **targets, size_t n_targets)
{
    vg_report_opts ro = {.out = o->out,
                         .output_dir = o->dir,
                         .color = 0,
                         .width = 0,
                         .verbose = cli_verbose,
                         .show_secrets = a->show_secrets,
                         .raw_cells = a->csv_raw,
                         .sarif_run_size = a->sarif_run_size,
                         .flush_each_vm = o->out && isatty(fileno(o->out))};
    if (o->out == stdout && cli_color > 0)
        ro.color = 1;
    else if (o->out && a->color && strcmp(a->color, "always") == 0)
        ro.color = 1;
    vg_error err;
    if (vg_report_new(o->format, &ro, &o->report, &err) != VG_OK) {
        cli_print_error(&err);
        fprintf(stderr, "formats:");
        for (const char *const *f = vg_report_formats(); f && *f; f++)
            fprintf(stderr, " %s", *f);
        fputc('\n', stderr);
        return -1;
    }
    static char host[256];
    if (!host[0] && gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    vg_report_run rr = run->rr = (vg_report_run){.tool_version = vg_version(),
                                                 .started = run->aopts.now,
                                                 .catalog = cat,
                                                 .profiles = run->profiles,
                                                 .n_profiles = run->n_profiles,
                                                 .targets = (const char *const *)targets,
                                                 .n_targets = n_targets,
                                                 .hostname = host};
    errno = 0;
    if (vg_report_begin(o->report, &rr, &err) != VG_OK) {
        output_failed(run, o, &err, errno);
        return -1;
    }
    o->render = !o->dir && vg_report_can_render(o->report);
    return 0;
}

/* --store: open (creating a SQLite file) before the first VM, so a store
 * that cannot be written stops the run before any work. */
static int open_store(const struct audit_args *a, struct audit_run *run)
{
    if (!a->store || !*a->store)
        return EXIT_OK;
    vg_error err;
    if (vg_store_open(a->store, VG_STORE_CREATE, &run->store, &err) != VG_OK ||
        vg_store_run_begin(run->store, &run->rr, &run->store_run, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void commit_store(const struct audit_args *a, struct audit_run *run)
{
    if (!run->store_run)
        return;
    vg_error err;
    int64_t id = 0;
    if (run->write_failed) {
        vg_store_run_abort(run->store_run);
        run->store_run = NULL;
        run->store_failed = 1;
        cli_warn("%s: the run was not stored (writing its reports failed)", a->store);
        return;
    }
    int rc = vg_store_run_commit(run->store_run, &run->sum, &id, &err);
    run->store_run = NULL;
    if (rc != VG_OK) {
        cli_print_error(&err);
        run->store_failed = 1;
    } else if (cli_verbose) {
        cli_warn("stored as run %lld in %s", (long long)id, vg_store_backend(run->store));
    }
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
        for (size_t k = 0; k < run->n_outputs; k++) {
            vg_error err;
            struct audit_output *o = &run->outputs[k];
            if (!o->failed && !shows_problems_on_stderr(o))
                vg_report_problem(o->report, &e, &err);
        }
        store_problem(run, &e);
        run->sum.warnings++;
    }
}

/* Every report written to files and a terminal watching: one line on
 * stderr says what happened and where it went. */
static void terminal_summary(const struct audit_run *run)
{
    if (cli_quiet || !isatty(STDERR_FILENO))
        return;
    for (size_t i = 0; i < run->n_outputs; i++) {
        if (run->outputs[i].out == stdout)
            return;
    }
    char where[1024] = "";
    size_t at = 0;
    for (size_t i = 0; i < run->n_outputs && at < sizeof where; i++) {
        const struct audit_output *o = &run->outputs[i];
        int n = snprintf(where + at, sizeof where - at, "%s%s (%s%s)", i ? ", " : "",
                         output_name(o), o->format, o->failed ? ", failed" : "");
        if (n > 0)
            at += (size_t)n;
    }
    fprintf(stderr,
            "vmxguard: %zu VMs audited, %zu failing, %zu failures, %zu input errors -> %s\n",
            run->sum.vms, run->sum.vms_failing, run->sum.counts[VG_FAIL], run->sum.errors, where);
}

/* Catalog, profiles and waivers: everything fixed before the first VM. */
static int setup(const struct audit_args *a, int file_targets, vg_catalog **cat, vg_waivers **w,
                 struct audit_run *run)
{
    vg_error err;
    int rc = EXIT_OK;
    *cat = cli_open_catalog(&a->profile_file, a->profile_file ? 1 : 0, &rc);
    if (!*cat)
        return rc;
    int bad = cli_pick_profiles(*cat, a->profiles, a->n_profiles, run->profiles, MAX_LIST,
                                &run->n_profiles, NULL) != 0;
    int checklist = 0; /* any checklist output keeps the folder evidence out of the run */
    for (size_t i = 0; i < a->n_outputs; i++)
        checklist |= (vg_report_format_props(a->outputs[i].format) & VG_REPORT_CHECKLIST) != 0;
    if (!bad && file_targets && !a->no_folder_evidence && !checklist)
        bad = add_evidence_profile(*cat, run) != 0;
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
    run->aopts.waivers = *w;
    run->aopts.show_secrets = a->show_secrets;
    run->pending_ok = a->pending_ok;
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
    const char **templates = calloc(n ? n : 1, sizeof *templates);
    if (!templates) {
        free(files);
        free(urls);
        cli_error("out of memory");
        return -1;
    }
    size_t nf = 0, nu = 0, nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_vsphere_target(targets[i]))
            urls[nu++] = targets[i];
        else if (is_template_target(targets[i]))
            templates[nt++] = targets[i];
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
        audit_templates(templates, nt, run);
    free(templates);
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

/* SARIF findings beyond one run (GitHub code scanning's 25,000) are split
 * into runs, beyond 20 runs left out: the admin hears of it here. */
static void warn_sarif_limits(const struct audit_args *a, const struct audit_run *run,
                              const struct audit_output *o)
{
    if (o->failed || strcmp(o->format, "sarif") != 0)
        return;
    size_t per_run = a->sarif_run_size ? a->sarif_run_size : 25000;
    size_t n = run->sum.counts[VG_FAIL] + run->sum.counts[VG_WAIVED] + run->sum.counts[VG_ERROR] +
               run->sum.counts[VG_PENDING];
    if (n <= per_run)
        return;
    size_t runs = (n + per_run - 1) / per_run;
    if (runs <= 20)
        cli_warn("%s: %zu findings split into %zu SARIF runs of at most %zu (GitHub code "
                 "scanning's limit per run)",
                 output_name(o), n, runs, per_run);
    else
        cli_warn("%s: %zu findings: 20 SARIF runs of %zu written, about %zu left out (GitHub "
                 "code scanning takes no more); the json format has them all",
                 output_name(o), n, per_run, n - 20 * per_run);
}

/* An xccdf document with several TestResults is one STIG Manager rejects
 * ("No Benchmark.TestResult.target element"): said when it is written, not
 * found out at import (docs/formats.md, xccdf). */
static void warn_xccdf_stream(const struct audit_run *run, const struct audit_output *o)
{
    if (o->failed || o->dir || strcmp(o->format, "xccdf") != 0 || run->sum.vms < 2)
        return;
    cli_warn("%s: %zu VMs in one xccdf document; STIG Manager imports one TestResult per "
             "file and rejects this one: use --output-dir for one file per VM",
             output_name(o), run->sum.vms);
}

/* After a fatal error (no VM read at all) the text report's summary of
 * nothing is noise on the terminal; files still get their closing. */
static int skip_end(const struct audit_run *run, const struct audit_output *o)
{
    return run->sum.vms == 0 && run->sum.errors > 0 && shows_problems_on_stderr(o);
}

static int run_audit(int argc, char **argv)
{
    struct audit_args a = {0};
    int pr = parse_args(argc, argv, &a);
    if (pr == 0 && resolve_outputs(&a) != 0)
        pr = -1;
    if ((pr = cli_parsed(pr, &cli_cmd_audit, "audit TARGET... [options]")) >= 0)
        return pr;
    struct cli_govc govc;
    if (cli_govc_load(&govc, optind >= argc) != 0)
        return EXIT_USAGE;
    char *govc_target[1] = {govc.target};
    if (optind >= argc && !govc.has_url) {
        cli_error("audit: name at least one .vmx file, folder or vsphere:// target (or set "
                  "GOVC_URL)");
        cli_govc_release(&govc);
        return EXIT_USAGE;
    }
    if (optind >= argc) { /* the vCenter govc is pointed at */
        argv = govc_target;
        argc = 1;
        optind = 0;
    }
    if (!a.cacert && !a.insecure) {
        a.cacert = govc.cacert;
        a.insecure = a.insecure_from_govc = govc.insecure;
    }
    if (govc.datacenter && cli_verbose)
        cli_warn("GOVC_DATACENTER is set: vmxguard audits every datacenter of the target");
    struct audit_run *run = calloc(1, sizeof *run);
#ifdef VMXGUARD_VSPHERE_H
    if (run)
        pthread_mutex_init(&run->pending_lock, NULL);
#endif
    vg_catalog *cat = NULL;
    vg_waivers *w = NULL;
    int file_targets = 0;
    for (int i = optind; i < argc; i++)
        file_targets |= !is_vsphere_target(argv[i]);
    int rc = run ? setup(&a, file_targets, &cat, &w, run) : EXIT_INTERNAL;
    if (rc == EXIT_OK) {
        run->outputs = a.outputs;
        run->n_outputs = a.n_outputs;
        if (open_outputs(&a) != 0)
            rc = EXIT_USAGE;
    }
    FILE *watched = NULL; /* the progress line stays off a terminal a report is drawn on */
    for (size_t i = 0; rc == EXIT_OK && i < a.n_outputs; i++) {
        if (start_report(&a, cat, run, &a.outputs[i], argv + optind, (size_t)(argc - optind)))
            rc = a.outputs[i].failed ? a.outputs[i].failed : EXIT_USAGE;
        if (!watched || a.outputs[i].out == stdout)
            watched = a.outputs[i].out;
    }
    if (rc == EXIT_OK)
        rc = open_store(&a, run);
    if (rc == EXIT_OK) {
        run->progress = cli_progress_start_output("auditing", 0, watched);
        audit_targets(argv + optind, (size_t)(argc - optind), &a, run);
        cli_progress_done(run->progress);
        report_unused_waivers(w, run);
        for (size_t i = 0; i < a.n_outputs; i++) {
            struct audit_output *o = &a.outputs[i];
            vg_error err;
            errno = 0;
            if (!o->failed && !skip_end(run, o) &&
                vg_report_end(o->report, &run->sum, &err) != VG_OK)
                output_failed(run, o, &err, errno);
        }
        commit_store(&a, run);
    }
    if (run) {
        vg_store_run_abort(run->store_run);
        vg_store_close(run->store);
        for (size_t i = 0; i < run->n_outputs; i++)
            vg_report_free(run->outputs[i].report);
        close_outputs(run);
        int out_rc = EXIT_OK;
        for (size_t i = 0; i < run->n_outputs; i++) {
            if (run->outputs[i].failed > out_rc)
                out_rc = run->outputs[i].failed;
        }
        for (size_t i = 0; rc == EXIT_OK && i < run->n_outputs; i++) {
            warn_sarif_limits(&a, run, &run->outputs[i]);
            warn_xccdf_stream(run, &run->outputs[i]);
        }
        if (rc == EXIT_OK) {
            rc = out_rc              ? out_rc
                 : run->store_failed ? EXIT_USAGE
                 : run->sum.errors   ? EXIT_USAGE
                 : run->findings     ? EXIT_FINDINGS
                                     : EXIT_OK;
            terminal_summary(run);
        }
    }
    vg_waivers_free(w);
    vg_catalog_free(cat);
#ifdef VMXGUARD_VSPHERE_H
    if (run)
        pthread_mutex_destroy(&run->pending_lock);
#endif
    free(run);
    cli_govc_release(&govc);
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
    "manual, error, waived or (vSphere) pending, with the value, file:line,\n"
    "expected value and fix.\n"
    "Keys that look like hardening but do nothing are reported as warnings.\n"
    "For file targets the VM's folder is read too (vmware*.log, .vmx.lck): the\n"
    "profile vm-folder-evidence (log rotation, backdoor floods, rejected device\n"
    "commands, VMX failures, running lock) is added to the chosen baselines and\n"
    "listed in the summary (not in ckl, cklb and xccdf checklists, which answer one\n"
    "benchmark); --no-folder-evidence skips it.\n"
    "Templates named as targets are audited as the VMs they make: Packer\n"
    "(*.pkr.hcl, legacy JSON), Terraform (*.tf, `terraform show -json` plans and\n"
    "states), OVF (*.ovf, checked against NAME.mf) and OVA archives; see\n"
    "docs/templates.md.\n"
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
    "                          ckl, cklb, html, hdf\n"
    "  -o, --output FILE       write the report to FILE instead of standard output\n"
    "      --output FORMAT:PATH  one more report from the same pass (repeatable):\n"
    "                          json:a.json, html:report.html, sarif:-, ckl:DIR/ (a\n"
    "                          folder for the per-VM formats); several -f/-o pairs also\n"
    "                          work, in order, a last -f without -o to standard output\n"
    "      --output-dir DIR    one file per VM (ckl, cklb, xccdf, hdf); created, with its\n"
    "                          parents, if missing; other formats refuse it\n"
    "      --follow-links      follow symlinks that lead out of every target (each VM\n"
    "                          reached so says which link); skipped by default\n"
    "      --fail-on SEVERITY  exit 1 only for failures at or above: any (default), low,\n"
    "                          medium, high (cat3, cat2, cat1 also accepted)\n"
    "      --exclude GLOB      skip VMs or folders whose name or path matches (repeatable)\n"
    "      --include-templates also audit templates (*.vmtx; on vCenter, VM templates\n"
    "                          and content-library OVF templates)\n"
    "      --waivers FILE      accepted exceptions (YAML: rules, vm, reason, approver,\n"
    "                          expires); see docs/audit.md\n"
    "      --no-folder-evidence  read only the .vmx: no logs, no lock, and no\n"
    "                          vm-folder-evidence results\n"
    "      --csv-raw           csv: cells exactly as found; by default a cell starting\n"
    "                          with = + - @ tab or CR gets a leading ' so spreadsheets\n"
    "                          show it as text instead of running it as a formula\n"
    "      --sarif-run-size N  sarif: results per run, at most 25000 (GitHub code\n"
    "                          scanning's limit, the default); more go to further runs,\n"
    "                          up to 20, and the rest are counted with a warning\n"
    "      --allow-empty       a target that yields no VM (or a run that audits none) is\n"
    "                          not an error; without it: named on stderr, exit 2\n"
    "      --pending-ok        vSphere: results pending a power cycle (set while the VM\n"
    "                          runs, not in effect yet) do not make the exit status 1;\n"
    "                          they still count against the score (docs/vsphere.md)\n"
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
    "      --store STORE       also record the run (targets, profiles, VMs, results) in a\n"
    "                          results store: a SQLite file (created if missing) or\n"
    "                          postgresql://...; see 'vmxguard history', 'report', 'diff'\n"
    "                          and docs/store.md.  Default from the config key store\n"
    "\n"
    "exit codes: 0 nothing failed, 1 failures at or above --fail-on,\n"
    "2 usage error, an input could not be read (the others are still audited) or\n"
    "an output could not be written (the message names it), 3 internal error.\n"
    "When every report goes to a file and standard error is a terminal, one line\n"
    "there sums up the run.\n"
    "\n"
    "examples:\n"
    "  vmxguard audit examples/datastore1\n"
    "  vmxguard audit /vmfs/volumes/ds1 --profile disa-vsphere8-vm --profile cis-esxi-8\n"
    "  vmxguard audit web01.vmx --format sarif -o web01.sarif --fail-on medium\n"
    "  vmxguard audit ds1/ --output json:ds1.json --output html:ds1.html --output ckl:ckl/\n"
    "  vmxguard audit ds1/ --exclude 'test-*' --waivers waivers.yaml --jobs 4\n"
    "  vmxguard audit ds1/ --format ckl --output-dir ckl/ --include-templates\n"
    "  vmxguard audit ds1/ --no-folder-evidence --format csv -o ds1.csv\n"
    "  vmxguard audit vsphere://admin@vcenter.example.org --credentials ~/.vmxguard-cred\n"
    "  vmxguard audit ds1/ --store ~/vmxguard.db -q -o /dev/null\n"
    "  vmxguard audit my.vmx --profile-file site.yaml --show-secrets --color=never -q\n",
};
