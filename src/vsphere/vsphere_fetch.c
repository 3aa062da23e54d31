/*
 * The vSphere source's public entry points: fetch one estate, fetch several
 * at once and merge them, ping.  Every path through here ends with
 * DestroyView and Logout (vg_vs_conn_close), also after errors and Ctrl-C.
 * Both of its parallel patterns run on the file source's ordered pipeline
 * (source/pipeline.h): chunks of one estate over several sessions, and each
 * target's VMs queued for the caller; the caller's `prepare` (the audit)
 * runs on each target's thread, its sink on the calling thread, in order.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source/pipeline.h"
#include "util/grow.h"
#include "vsphere_internal.h"

/* ------------------------------------------------------------ Ctrl-C */

/* The caller's signal handler stops every running call (source.h). */
void vg_vsphere_interrupt(void)
{
    (void)vg_interrupt();
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    vg_curl()->global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
}

/* ------------------------------------------------------------ session */

/* Open, read the service content and log in. */
int vg_vs_session_open(vs_conn *c, const char *url, const vg_vsphere_opts *opts, vg_error *err)
{
    pthread_once(&curl_once, curl_init);
    int rc = vg_vs_conn_open(c, url, opts, err);
    if (rc == 0)
        rc = vg_vs_service_content(c, err);
    if (rc == 0) {
        const char *user = opts->user && *opts->user ? opts->user : c->target.user;
        rc = vg_vs_login(c, user, opts->password, err);
    }
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vg_vsphere_ping(const char *url, const vg_vsphere_opts *opts, vg_vsphere_about *out,
                    vg_error *err)
{
    vs_conn c;
    vg_interruptible_begin(!opts->keep_sigint);
    double t0 = now_seconds();
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0) {
        *out = c.about;
        out->login_seconds = now_seconds() - t0;
    }
    vg_vs_conn_close(&c);
    vg_interruptible_end();
    return rc;
}

/* ------------------------------------------------------------ fetch */

/* A fetched VM with what prepare made of it, on its way to the sink. */
typedef struct fetched {
    vg_vm *vm;
    void *payload;
} fetched;

/* One target's fetch: its VMs go, prepared, into out (the caller's queue). */
typedef struct fetch_ctx {
    const vg_vsphere_opts *opts;
    const char *server;
    const vg_vm_pipeline *pl;
    vg_pipe *out;
    int sink_stopped;
} fetch_ctx;

static void drop(const vg_vm_pipeline *pl, vg_vm *vm, void *payload)
{
    if (payload && pl->discard)
        pl->discard(payload, pl->ctx);
    vg_vm_free(vm);
}

static int excluded(const vg_vsphere_opts *o, const vg_vm *vm)
{
    for (size_t i = 0; i < o->n_exclude; i++) {
        if ((vm->name && fnmatch(o->exclude[i], vm->name, 0) == 0) ||
            (vm->path && fnmatch(o->exclude[i], vm->path, 0) == 0))
            return 1;
    }
    return 0;
}

/* Keep vm (0) and prepare it (*payload), or free it: 1 not wanted, -1 out
 * of memory.  The target's thread. */
static int accept_vm(fetch_ctx *f, vg_vm *vm, const char *obj_type, void **payload)
{
    *payload = NULL;
    if (strcmp(obj_type, "VirtualMachine") != 0 ||
        (vm->is_template && !f->opts->include_templates) || excluded(f->opts, vm)) {
        vg_vm_free(vm);
        return 1;
    }
    if (vg_vm_set_str(&vm->server, f->server)) {
        vg_vm_free(vm);
        return -1;
    }
    *payload = f->pl->prepare ? f->pl->prepare(vm, f->pl->ctx) : NULL;
    return 0;
}

/* Queue a prepared VM for the caller; non-zero once the caller stopped. */
static int emit(fetch_ctx *f, vg_vm *vm, void *payload)
{
    fetched it = {vm, payload};
    if (vg_pipe_submit(f->out, &it, 0) != 0) {
        drop(f->pl, vm, payload);
        f->sink_stopped = 1;
        return 1;
    }
    return 0;
}

static int on_vm(vg_vm *vm, const char *obj_type, void *ctx)
{
    fetch_ctx *f = ctx;
    void *payload;
    int r = accept_vm(f, vm, obj_type, &payload);
    return r > 0 ? 0 : r < 0 ? 1 : emit(f, vm, payload);
}

/* ------------------------------------------------------ parallel shares */

/* A server such as vcsim spends most of a full fetch serialising the
 * device lists, one request at a time per session.  Splitting the estate
 * into chunks of explicit morefs lets several sessions keep the server and
 * the client parsers busy at once.  Chunks go through the ordered pipeline,
 * one session per worker, and are delivered in the listing's order, at
 * most `window` chunks ahead of the sink, so output is deterministic and
 * memory bounded. */
#define PAR_CHUNK 200          /* most VMs per request: bounds the buffered VMs */
#define PAR_MAX_SESSIONS 8     /* each session costs ~2 MiB (TLS, parser, chunks) */
#define PAR_DEFAULT_SESSIONS 4 /* measured in docs/vsphere.md: 2 to 4 beat 1 and 8 */

typedef struct par_run {
    const char *url;
    vg_vsphere_opts opts; /* for the workers' sessions */
    fetch_ctx *f;
    char **morefs; /* listing order */
    size_t n_morefs, n_alloc;
    vg_vm **slots; /* one per moref, filled by whichever worker */
    size_t chunk, n_chunks;
} par_run;

typedef struct par_chunk_ctx {
    par_run *p;
    size_t first, n;
    size_t next; /* where the next VM is expected: replies keep the asked order */
} par_chunk_ctx;

static int par_list_vm(vg_vm *vm, const char *obj_type, void *ctx)
{
    par_run *p = ctx;
    int ok = strcmp(obj_type, "VirtualMachine") == 0 && vm->moref;
    if (ok && VG_GROW(p->morefs, p->n_morefs, p->n_alloc) != 0) {
        vg_vm_free(vm);
        return 1;
    }
    if (ok && !(p->morefs[p->n_morefs++] = strdup(vm->moref))) {
        p->n_morefs--;
        vg_vm_free(vm);
        return 1;
    }
    vg_vm_free(vm);
    return 0;
}

/* A worker's VM goes to its moref's slot; unknown or repeated ones are dropped. */
static int par_store_vm(vg_vm *vm, const char *obj_type, void *ctx)
{
    par_chunk_ctx *cc = ctx;
    if (!vm->moref || strcmp(obj_type, "VirtualMachine") != 0) {
        vg_vm_free(vm);
        return 0;
    }
    /* the expected slot first, then the whole chunk (a server may reorder) */
    for (size_t k = 0; k < cc->n; k++) {
        size_t i = cc->first + (cc->next + k) % cc->n;
        if (!cc->p->slots[i] && strcmp(cc->p->morefs[i], vm->moref) == 0) {
            cc->p->slots[i] = vm;
            cc->next = (i - cc->first + 1) % cc->n;
            return 0;
        }
    }
    vg_vm_free(vm);
    return 0;
}

static void par_bounds(const par_run *p, size_t chunk, size_t *first, size_t *end)
{
    *first = chunk * p->chunk;
    *end = *first + p->chunk < p->n_morefs ? *first + p->chunk : p->n_morefs;
}

/* Fetch chunk i over c (any session's thread). */
static int par_fetch_chunk(par_run *p, vs_conn *c, size_t i, vg_error *err)
{
    size_t first, end;
    par_bounds(p, i, &first, &end);
    par_chunk_ctx cc = {p, first, end - first, 0};
    return vg_vs_retrieve_vm_list(c, (const char *const *)p->morefs + first, end - first,
                                  par_store_vm, &cc, err);
}

static int par_session_begin(void **state, void *ctx, vg_error *err)
{
    par_run *p = ctx;
    vs_conn *c = malloc(sizeof *c);
    if (!c)
        return vg_error_set(err, VG_ENOMEM, p->url, 0, "out of memory");
    int rc = vg_vs_session_open(c, p->url, &p->opts, err);
    if (rc) {
        vg_vs_conn_close(c);
        free(c);
        return rc;
    }
    *state = c;
    return 0;
}

static void par_session_end(void *state, void *ctx)
{
    (void)ctx;
    if (state) {
        vg_vs_conn_close(state);
        free(state);
    }
}

static int par_work(void *item, void *state, void *ctx, vg_error *err)
{
    return par_fetch_chunk(ctx, state, *(size_t *)item, err);
}

/* Chunk i's VMs, prepared, to the caller's queue in listing order (this
 * target's thread).  Preparing here rather than on the sessions' threads
 * keeps what is buffered small: chunks in flight hold bare VMs, and only
 * the queue holds prepared ones (an audited VM with its rendered report is
 * several times the VM). */
static int par_deliver(void *item, int stopped, void *ctx)
{
    par_run *p = ctx;
    size_t first, end;
    par_bounds(p, *(size_t *)item, &first, &end);
    int stop = stopped;
    for (size_t j = first; j < end; j++) {
        vg_vm *vm = p->slots[j];
        p->slots[j] = NULL;
        if (stop)
            vg_vm_free(vm);
        else if (vm)
            stop = on_vm(vm, "VirtualMachine", p->f);
    }
    return stop;
}

static void par_produce(vg_pipe *pipe, void *ctx)
{
    par_run *p = ctx;
    for (size_t i = 0; i < p->n_chunks && vg_pipe_submit(pipe, &i, 1) == 0; i++)
        ;
}

/* List the view on c, then fetch the full properties over `sessions`
 * parallel sessions and deliver through f. */
static int fetch_parallel(vs_conn *c, const char *url, const vg_vsphere_opts *opts, int sessions,
                          fetch_ctx *f, vg_error *err)
{
    par_run p;
    memset(&p, 0, sizeof p);
    p.url = url;
    p.opts = *opts;
    p.opts.keep_sigint = 1;
    p.f = f;
    int rc = vg_vs_list_vms(c, par_list_vm, &p, err);
    /* Every session gets work even in a small estate (so tests with a few
     * VMs take the same path as 10,000), yet no request exceeds PAR_CHUNK. */
    p.chunk = (p.n_morefs + (size_t)sessions - 1) / (size_t)sessions;
    p.chunk = p.chunk < 1 ? 1 : p.chunk > PAR_CHUNK ? PAR_CHUNK : p.chunk;
    p.n_chunks = (p.n_morefs + p.chunk - 1) / p.chunk;
    size_t workers = (size_t)sessions < p.n_chunks ? (size_t)sessions : p.n_chunks;
    p.slots = calloc(p.n_morefs + 1, sizeof *p.slots);
    if (rc == 0 && !p.slots)
        rc = vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    if (rc == 0 && p.n_chunks == 1) { /* small estate: no extra session */
        size_t first = 0;
        rc = par_fetch_chunk(&p, c, 0, err);
        par_deliver(&first, rc != 0, &p);
    } else if (rc == 0 && p.n_chunks > 1) {
        vg_pipe_ops ops = {.item_size = sizeof(size_t),
                           .worker_begin = par_session_begin,
                           .worker_end = par_session_end,
                           .work = par_work,
                           .deliver = par_deliver,
                           .ctx = &p};
        vg_pipe *pipe;
        vg_error perr;
        if (vg_pipe_new(&pipe, &ops, (int)workers, workers + 2, &perr) != VG_OK) {
            rc = vg_error_set(err, perr.code == VG_ENOMEM ? VG_ENOMEM : VG_ERR, c->target.server, 0,
                              "%s",
                              perr.code == VG_ENOMEM ? "out of memory" : "cannot start a thread");
        } else {
            int prc = vg_pipe_run(pipe, par_produce, &p, &perr);
            if (prc && !f->sink_stopped) {
                rc = prc;
                *err = perr;
            }
        }
        vg_pipe_free(pipe);
    }
    for (size_t i = 0; i < p.n_morefs; i++) {
        vg_vm_free(p.slots ? p.slots[i] : NULL);
        free(p.morefs[i]);
    }
    free(p.morefs);
    free(p.slots);
    return rc;
}

/* opts->sessions, else the default, clamped; listings stay single (they
 * are cheap). */
static int sessions_for(const vg_vsphere_opts *opts)
{
    int n = opts->sessions > 0 ? opts->sessions : PAR_DEFAULT_SESSIONS;
    if (opts->summary_only || n <= 1)
        return 1;
    return n > PAR_MAX_SESSIONS ? PAR_MAX_SESSIONS : n;
}

/* One target's session on this thread; its VMs go to f->out. */
static int fetch_here(const char *url, const vg_vsphere_opts *opts, fetch_ctx *f, vg_error *err)
{
    vs_conn c;
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0)
        rc = vg_vs_create_view(&c, err);
    f->server = c.target.server;
    int sessions = sessions_for(opts);
    if (rc == 0 && sessions > 1)
        rc = fetch_parallel(&c, url, opts, sessions, f, err);
    else if (rc == 0)
        rc = vg_vs_retrieve_vms(&c, opts->summary_only, on_vm, f, err);
    if (f->sink_stopped) /* the caller asked to stop: not an error */
        rc = VG_OK;
    int interrupted = vg_vs_interrupted;
    vg_vs_conn_close(&c);
    if (interrupted && rc == 0)
        rc = vg_error_set(err, VG_ERR, c.target.server, 0, "interrupted");
    return rc;
}

/* ------------------------------------------------------ several targets */

/* VMs a target may have parsed ahead of the sink: enough to keep the
 * network busy while the caller audits, small enough to keep memory flat. */
#define QUEUE_MAX 256

typedef struct many_run many_run;

typedef struct target_run {
    const char *url;
    vg_vsphere_opts opts;
    many_run *m;
    pthread_t thread;
    int started;
    vg_pipe *queue; /* this target's VMs, for the caller's thread */
    int rc;
    vg_error err;
} target_run;

struct many_run {
    const vg_vm_pipeline *pl;
    target_run *runs;
    size_t n;
};

/* A target's VM reaches the sink (the caller's thread, target by target);
 * a sink's stop stops every target. */
static int deliver_fetched(void *item, int stopped, void *ctx)
{
    many_run *m = ctx;
    fetched *it = item;
    if (stopped) {
        drop(m->pl, it->vm, it->payload);
        return 0;
    }
    if (m->pl->sink(it->vm, it->payload, m->pl->ctx) == 0)
        return 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->runs[i].queue)
            vg_pipe_stop(m->runs[i].queue);
    }
    return 1;
}

static void *run_target(void *arg)
{
    target_run *t = arg;
    fetch_ctx f = {&t->opts, NULL, t->m->pl, t->queue, 0};
    t->rc = fetch_here(t->url, &t->opts, &f, &t->err);
    vg_pipe_close(t->queue);
    return NULL;
}

int vg_vsphere_fetch_many_pipeline(const char *const *urls, size_t n_urls,
                                   const vg_vsphere_opts *opts, const vg_vm_pipeline *pl,
                                   vg_problem_sink on_problem, void *problem_ctx, vg_error *err)
{
    if (!pl || !pl->sink || (n_urls && !urls))
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "vsphere source: no sink or no targets");
    pthread_once(&curl_once, curl_init);
    target_run *runs = calloc(n_urls ? n_urls : 1, sizeof *runs);
    if (!runs)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    many_run m = {pl, runs, n_urls};
    vg_pipe_ops ops = {.item_size = sizeof(fetched), .deliver = deliver_fetched, .ctx = &m};
    vg_interruptible_begin(!opts->keep_sigint);
    for (size_t i = 0; i < n_urls; i++) {
        target_run *t = &runs[i];
        vg_error perr;
        t->url = urls[i];
        t->opts = *opts;
        t->opts.keep_sigint = 1; /* the interrupt was cleared for the whole call */
        t->m = &m;
        if (vg_pipe_new(&t->queue, &ops, 0, QUEUE_MAX, &perr) != VG_OK) {
            t->rc = vg_error_set(&t->err, VG_ENOMEM, urls[i], 0, "out of memory");
            continue;
        }
        t->started = pthread_create(&t->thread, NULL, run_target, t) == 0;
        if (!t->started) {
            vg_pipe_close(t->queue);
            t->rc = vg_error_set(&t->err, VG_ERR, urls[i], 0, "cannot start a thread");
        }
    }
    for (size_t i = 0; i < n_urls; i++) {
        if (runs[i].queue)
            vg_pipe_run(runs[i].queue, NULL, NULL, NULL);
    }
    int rc = VG_OK;
    for (size_t i = 0; i < n_urls; i++) {
        if (runs[i].started)
            pthread_join(runs[i].thread, NULL);
        if (runs[i].rc && on_problem)
            on_problem(&runs[i].err, problem_ctx);
        if (runs[i].rc && rc == VG_OK) {
            rc = runs[i].rc;
            if (err)
                *err = runs[i].err;
        }
    }
    for (size_t i = 0; i < n_urls; i++)
        vg_pipe_free(runs[i].queue);
    vg_interruptible_end();
    free(runs);
    return rc;
}

int vg_vsphere_fetch_pipeline(const char *url, const vg_vsphere_opts *opts,
                              const vg_vm_pipeline *pl, vg_error *err)
{
    return vg_vsphere_fetch_many_pipeline(&url, 1, opts, pl, NULL, NULL, err);
}

int vg_vsphere_fetch_many(const char *const *urls, size_t n_urls, const vg_vsphere_opts *opts,
                          vg_vm_sink sink, void *ctx, vg_problem_sink on_problem, void *problem_ctx,
                          vg_error *err)
{
    if (!sink)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "vsphere source: no sink");
    vg_plain_sink p = {sink, ctx};
    vg_vm_pipeline pl = {NULL, vg_plain_sink_deliver, NULL, &p};
    return vg_vsphere_fetch_many_pipeline(urls, n_urls, opts, &pl, on_problem, problem_ctx, err);
}

/* One target, fetched on a worker thread so that parsing and the network
 * overlap with whatever the caller's sink does (the audit); the sink still
 * runs on the caller's thread. */
int vg_vsphere_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                     vg_error *err)
{
    return vg_vsphere_fetch_many(&url, 1, opts, sink, ctx, NULL, NULL, err);
}
