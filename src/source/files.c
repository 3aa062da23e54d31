/*
 * The file source: the folder walk (walk.c) finds each *.vmx on one
 * thread, workers of the ordered pipeline (pipeline.c) read, parse and
 * `prepare` them, and the caller's thread gets the VMs in path order
 * whatever the thread timing.  Memory is bounded by the pipeline's ring (a
 * few VMs per job) and a chunk of the folder being listed, not by the VM
 * count.
 */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/pipeline.h"
#include "source/walk.h"
#include "util/buf.h"
#include "vmxguard/logs.h"
#include "vmxguard/source.h"

#define MAX_JOBS 256

/* One VM file (or a problem at its place) on its way through the pipeline. */
typedef struct slot {
    char *path;
    vg_vm *vm;
    int lock_hint;    /* what the folder listing says of a lock: 0 none, 1 some, -1 unknown */
    char **log_names; /* the folder's vmware*.log names (one block), NULL = not listed */
    void *payload;
    char *via;   /* "LINK -> REAL": the link out of the targets it was reached through */
    int problem; /* err holds a problem (1) or a note (2) to report instead of a VM */
    vg_error err;
    int evidence_problem; /* evidence_err: folder evidence failed, the VM goes on */
    vg_error evidence_err;
} slot;

typedef struct deliver_stats {
    size_t vms, problems;
    vg_error first_problem;
} deliver_stats;

typedef struct files_run {
    const vg_source_opts *opts;
    const vg_vm_pipeline *pl;
    const char *const *paths;
    size_t n_paths;
    deliver_stats st;
    /* folder evidence: log signatures compiled once per run, shared read-only
     * by the workers (loading them per VM cost 3 million instructions each) */
    vg_log_sigs *sigs;
    int sigs_failed;
    vg_error sigs_err;
} files_run;

/* A find of the walk into the pipeline, in order (walker thread). */
static int submit_found(const vg_walk_found *f, void *ctx)
{
    vg_pipe *p = ctx;
    slot s;
    memset(&s, 0, sizeof s);
    s.path = f->path ? strdup(f->path) : NULL;
    s.via = f->path && f->via ? strdup(f->via) : NULL;
    s.lock_hint = f->lock_hint;
    s.log_names = f->log_names;
    int ready = 0;
    if (f->problem || !s.path || (f->via && !s.via)) {
        s.problem = f->problem && f->note ? 2 : 1;
        if (f->problem)
            s.err = *f->problem;
        else
            vg_error_set(&s.err, VG_ENOMEM, f->path, 0, "out of memory");
        ready = 1;
    }
    if (vg_pipe_submit(p, &s, !ready) != 0) {
        free(s.path);
        free(s.via);
        free(s.log_names);
        return -1;
    }
    return 0;
}

static void produce(vg_pipe *p, void *ctx)
{
    files_run *r = ctx;
    vg_walk_targets(r->paths, r->n_paths, r->opts, submit_found, p);
}

/* Read one VM (worker thread).  The lock is noted as plain evidence; with
 * folder_evidence the logs and lock also become evidence for the rules of
 * catalog/rules/logs.yaml (a failure there is reported, the VM still goes on). */
static int process(void *item, void *state, void *ctx, vg_error *err)
{
    (void)state;
    (void)err;
    files_run *w = ctx;
    slot *s = item;
    vg_vm *vm = NULL;
    if (vg_vm_from_vmx_file_hint(s->path, s->lock_hint, &vm, &s->err) != VG_OK) {
        s->problem = 1;
        return 0;
    }
    /* --exclude also names VMs by what admins call them: the displayName */
    for (size_t i = 0; vm->name && i < w->opts->n_exclude; i++) {
        if (fnmatch(w->opts->exclude[i], vm->name, 0) == 0) {
            vg_vm_free(vm);
            return 0;
        }
    }
    if (s->via) {
        vg_buf msg = VG_BUF_INIT;
        vg_buf_printf(&msg,
                      "reached through the symbolic link %s, which leads outside every "
                      "target (followed on request)",
                      s->via);
        if (!msg.oom)
            vg_vm_add_evidence(vm, NULL, NULL, s->path, 0, msg.data);
        vg_buf_release(&msg);
    }
    if (vm->locked)
        vg_vm_add_evidence(vm, NULL, NULL, s->path, 0,
                           "VM appears powered on: its folder holds a lock (.vmx.lck or .lck-*)");
    if (w->opts->folder_evidence) {
        if (w->sigs_failed) {
            s->evidence_err = w->sigs_err;
            s->evidence_problem = 1;
        } else if (vg_logs_collect_evidence_listed(vm, w->sigs, NULL, s->lock_hint,
                                                   (const char *const *)s->log_names,
                                                   &s->evidence_err) != VG_OK) {
            s->evidence_problem = 1;
        }
    }
    s->vm = vm;
    s->payload = w->pl->prepare ? w->pl->prepare(vm, w->pl->ctx) : NULL;
    return 0;
}

/* Hand one finished slot over (caller thread, in order). */
static int deliver(void *item, int stopped, void *ctx)
{
    files_run *w = ctx;
    slot *s = item;
    deliver_stats *st = &w->st;
    int stop = 0;
    if (s->problem == 2) {
        if (!stopped && w->opts->on_note)
            w->opts->on_note(&s->err, w->opts->problem_ctx);
    } else if (s->problem) {
        st->problems++;
        if (st->problems == 1)
            st->first_problem = s->err;
        if (!stopped && w->opts->on_problem)
            w->opts->on_problem(&s->err, w->opts->problem_ctx);
    } else if (s->vm && !stopped) {
        st->vms++;
        if (s->evidence_problem && w->opts->on_problem)
            w->opts->on_problem(&s->evidence_err, w->opts->problem_ctx);
        stop = w->pl->sink(s->vm, s->payload, w->pl->ctx) != 0;
        s->vm = NULL;
    } else if (s->vm) { /* stopped: nobody takes it */
        if (s->payload && w->pl->discard)
            w->pl->discard(s->payload, w->pl->ctx);
        vg_vm_free(s->vm);
    }
    free(s->path);
    free(s->via);
    free(s->log_names);
    return stop;
}

static int job_count(const vg_source_opts *o)
{
    long n = o && o->jobs > 0 ? o->jobs : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

int vg_source_files_pipeline(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                             const vg_vm_pipeline *pl, vg_error *err)
{
    static const vg_source_opts defaults;
    if (!pl || !pl->sink || (n_paths && !paths))
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "files source: no sink or no paths");
    int jobs = job_count(opts);
    files_run r = {.opts = opts ? opts : &defaults, .pl = pl, .paths = paths, .n_paths = n_paths};
    if (r.opts->folder_evidence && vg_log_sigs_load_embedded(&r.sigs, &r.sigs_err) != VG_OK)
        r.sigs_failed = 1;
    vg_pipe_ops ops = {.item_size = sizeof(slot), .work = process, .deliver = deliver, .ctx = &r};
    size_t window = (size_t)jobs * 16 < 32 ? 32 : (size_t)jobs * 16;
    vg_pipe *p;
    vg_error perr;
    int rc = vg_pipe_new(&p, &ops, jobs, window, &perr);
    if (rc == VG_OK)
        rc = vg_pipe_run(p, produce, &r, &perr);
    vg_pipe_free(p);
    vg_log_sigs_free(r.sigs);
    if (rc != VG_OK)
        return vg_error_set(err, rc == VG_ENOMEM ? VG_ENOMEM : VG_ERR, NULL, 0, "%s",
                            rc == VG_ENOMEM ? "out of memory" : "cannot start threads");
    if (r.st.vms == 0 && r.st.problems) {
        if (err)
            *err = r.st.first_problem;
        return r.st.first_problem.code ? r.st.first_problem.code : VG_EIO;
    }
    return VG_OK;
}

int vg_source_files(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                    vg_vm_sink sink, void *ctx, vg_error *err)
{
    if (!sink)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "files source: no sink");
    vg_plain_sink p = {sink, ctx};
    vg_vm_pipeline pl = {NULL, vg_plain_sink_deliver, NULL, &p};
    return vg_source_files_pipeline(paths, n_paths, opts, &pl, err);
}
