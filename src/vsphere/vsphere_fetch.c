/*
 * The vSphere source's public entry points: fetch one estate, fetch several
 * at once and merge them, ping.  Every path through here ends with
 * DestroyView and Logout (vg_vs_conn_close), also after errors and Ctrl-C.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/grow.h"
#include "vsphere_internal.h"

/* ------------------------------------------------------------ Ctrl-C */

volatile sig_atomic_t vg_vs_interrupted;
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_users;
static struct sigaction sig_old;

void vg_vsphere_interrupt(void)
{
    vg_vs_interrupted = 1;
}

static void on_sigint(int sig)
{
    (void)sig;
    vg_vs_interrupted = 1;
}

void vg_vs_sigint_catch(void)
{
    pthread_mutex_lock(&sig_lock);
    if (sig_users++ == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        vg_vs_interrupted = 0;
        sigaction(SIGINT, &sa, &sig_old);
    }
    pthread_mutex_unlock(&sig_lock);
}

void vg_vs_sigint_release(void)
{
    pthread_mutex_lock(&sig_lock);
    if (--sig_users == 0)
        sigaction(SIGINT, &sig_old, NULL);
    pthread_mutex_unlock(&sig_lock);
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
    if (!opts->keep_sigint)
        vg_vs_sigint_catch();
    double t0 = now_seconds();
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0) {
        *out = c.about;
        out->login_seconds = now_seconds() - t0;
    }
    vg_vs_conn_close(&c);
    if (!opts->keep_sigint)
        vg_vs_sigint_release();
    return rc;
}

/* ------------------------------------------------------------ fetch */

typedef struct fetch_ctx {
    const vg_vsphere_opts *opts;
    const char *server;
    vg_vm_sink sink;
    void *ctx;
    int sink_stopped;
} fetch_ctx;

static int excluded(const vg_vsphere_opts *o, const vg_vm *vm)
{
    for (size_t i = 0; i < o->n_exclude; i++) {
        if ((vm->name && fnmatch(o->exclude[i], vm->name, 0) == 0) ||
            (vm->path && fnmatch(o->exclude[i], vm->path, 0) == 0))
            return 1;
    }
    return 0;
}

static int on_vm(vg_vm *vm, const char *obj_type, void *ctx)
{
    fetch_ctx *f = ctx;
    if (strcmp(obj_type, "VirtualMachine") != 0 || (vm->is_template && !f->opts->include_templates) ||
        excluded(f->opts, vm)) {
        vg_vm_free(vm);
        return 0;
    }
    if (vg_vm_set_str(&vm->server, f->server)) {
        vg_vm_free(vm);
        return 1;
    }
    if (f->sink(vm, f->ctx)) {
        f->sink_stopped = 1;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------ parallel shares */

/* A server such as vcsim spends most of a full fetch serialising the
 * device lists, one request at a time per session.  Splitting the estate
 * into chunks of explicit morefs lets several sessions keep the server and
 * the client parsers busy at once.  Chunks are handed out in the listing's
 * order and delivered in that order, at most `window` chunks ahead of the
 * sink, so output is deterministic and memory bounded. */
#define PAR_CHUNK 200 /* most VMs per request: bounds the buffered VMs */
#define PAR_MAX_SESSIONS 8 /* each session costs ~2 MiB (TLS, parser, chunks) */
#define PAR_DEFAULT_SESSIONS 4 /* measured in docs/vsphere.md: 2 to 4 beat 1 and 8 */

typedef struct par_run {
    const char *url;
    vg_vsphere_opts opts;      /* keep_sigint set: the fetching thread owns it */
    char **morefs;             /* listing order */
    size_t n_morefs, n_alloc;
    vg_vm **slots;             /* one per moref, filled by whichever worker */
    unsigned char *chunk_done;
    size_t chunk, n_chunks, next_chunk, delivered, window;
    int stop, rc;
    vg_error err;
    pthread_mutex_t lock;
    pthread_cond_t cond;
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

static void par_fail(par_run *p, int rc, const vg_error *err)
{
    pthread_mutex_lock(&p->lock);
    if (!p->rc) {
        p->rc = rc;
        p->err = *err;
    }
    p->stop = 1;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* Next chunk this worker may fetch, or (size_t)-1 when done or stopped. */
static size_t par_take(par_run *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->stop && p->next_chunk < p->n_chunks && p->next_chunk >= p->delivered + p->window)
        pthread_cond_wait(&p->cond, &p->lock);
    size_t i = p->stop || p->next_chunk >= p->n_chunks ? (size_t)-1 : p->next_chunk++;
    pthread_mutex_unlock(&p->lock);
    return i;
}

static void *par_worker(void *arg)
{
    par_run *p = arg;
    vs_conn c;
    vg_error err;
    int rc = vg_vs_session_open(&c, p->url, &p->opts, &err);
    for (size_t i; rc == 0 && (i = par_take(p)) != (size_t)-1;) {
        par_chunk_ctx cc = {p, i * p->chunk, p->chunk, 0};
        if (cc.first + cc.n > p->n_morefs)
            cc.n = p->n_morefs - cc.first;
        rc = vg_vs_retrieve_vm_list(&c, (const char *const *)p->morefs + cc.first, cc.n,
                                 par_store_vm, &cc, &err);
        if (rc)
            break;
        pthread_mutex_lock(&p->lock);
        p->chunk_done[i] = 1;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
    if (rc)
        par_fail(p, rc, &err);
    vg_vs_conn_close(&c);
    return NULL;
}

/* Hand the chunks to f in listing order as they complete. */
static void par_deliver(par_run *p, fetch_ctx *f)
{
    for (size_t i = 0; i < p->n_chunks; i++) {
        pthread_mutex_lock(&p->lock);
        while (!p->chunk_done[i] && !p->stop)
            pthread_cond_wait(&p->cond, &p->lock);
        int go = p->chunk_done[i] && !p->stop;
        pthread_mutex_unlock(&p->lock);
        if (!go)
            return;
        size_t end = (i + 1) * p->chunk < p->n_morefs ? (i + 1) * p->chunk : p->n_morefs;
        int stop = 0;
        for (size_t j = i * p->chunk; j < end && !stop; j++) {
            vg_vm *vm = p->slots[j];
            p->slots[j] = NULL;
            stop = vm && on_vm(vm, "VirtualMachine", f);
        }
        pthread_mutex_lock(&p->lock);
        p->delivered = i + 1;
        p->stop |= stop;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
}

/* List the view on c, then fetch the full properties over `sessions`
 * parallel sessions and deliver through f. */
static int fetch_parallel(vs_conn *c, const char *url, const vg_vsphere_opts *opts,
                          int sessions, fetch_ctx *f, vg_error *err)
{
    par_run p;
    memset(&p, 0, sizeof p);
    p.url = url;
    p.opts = *opts;
    p.opts.keep_sigint = 1;
    int rc = vg_vs_list_vms(c, par_list_vm, &p, err);
    /* Every session gets work even in a small estate (so tests with a few
     * VMs take the same path as 10,000), yet no request exceeds PAR_CHUNK. */
    p.chunk = (p.n_morefs + (size_t)sessions - 1) / (size_t)sessions;
    p.chunk = p.chunk < 1 ? 1 : p.chunk > PAR_CHUNK ? PAR_CHUNK : p.chunk;
    p.n_chunks = (p.n_morefs + p.chunk - 1) / p.chunk;
    size_t workers = (size_t)sessions < p.n_chunks ? (size_t)sessions : p.n_chunks;
    p.window = workers + 2;
    p.slots = calloc(p.n_morefs + 1, sizeof *p.slots);
    p.chunk_done = calloc(p.n_chunks + 1, 1);
    if (rc == 0 && (!p.slots || !p.chunk_done))
        rc = vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    pthread_t th[PAR_MAX_SESSIONS];
    size_t started = 0;
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    if (rc == 0 && p.n_chunks == 1) { /* small estate: no extra session */
        par_chunk_ctx cc = {&p, 0, p.n_morefs, 0};
        rc = vg_vs_retrieve_vm_list(c, (const char *const *)p.morefs, p.n_morefs, par_store_vm,
                                 &cc, err);
        p.chunk_done[0] = rc == 0;
        workers = 0;
    }
    while (rc == 0 && started < workers &&
           pthread_create(&th[started], NULL, par_worker, &p) == 0)
        started++;
    if (rc == 0 && workers > 0 && started == 0)
        rc = vg_error_set(err, VG_ERR, c->target.server, 0, "cannot start a thread");
    if (rc == 0)
        par_deliver(&p, f);
    pthread_mutex_lock(&p.lock);
    p.stop = 1;
    pthread_cond_broadcast(&p.cond);
    pthread_mutex_unlock(&p.lock);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (rc == 0 && p.rc && !f->sink_stopped) {
        rc = p.rc;
        *err = p.err;
    }
    for (size_t i = 0; i < p.n_morefs; i++) {
        vg_vm_free(p.slots ? p.slots[i] : NULL);
        free(p.morefs[i]);
    }
    free(p.morefs);
    free(p.slots);
    free(p.chunk_done);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.lock);
    return rc;
}

/* opts->sessions, else the environment's, else the default, clamped;
 * listings stay single (they are cheap). */
static int sessions_for(const vg_vsphere_opts *opts)
{
    long n = opts->sessions;
    const char *env = getenv("VMXGUARD_VSPHERE_SESSIONS");
    if (n <= 0 && env && *env) {
        char *end;
        n = strtol(env, &end, 10);
        if (*end)
            n = PAR_DEFAULT_SESSIONS;
    }
    if (n <= 0)
        n = PAR_DEFAULT_SESSIONS;
    if (opts->summary_only || n <= 1)
        return 1;
    return n > PAR_MAX_SESSIONS ? PAR_MAX_SESSIONS : (int)n;
}

/* The session on this thread; sink is called from curl's write callback. */
static int fetch_here(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                      vg_error *err)
{
    vs_conn c;
    if (!opts->keep_sigint)
        vg_vs_sigint_catch();
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0)
        rc = vg_vs_create_view(&c, err);
    fetch_ctx f = {opts, c.target.server, sink, ctx, 0};
    int sessions = sessions_for(opts);
    if (rc == 0 && sessions > 1)
        rc = fetch_parallel(&c, url, opts, sessions, &f, err);
    else if (rc == 0)
        rc = vg_vs_retrieve_vms(&c, opts->summary_only, on_vm, &f, err);
    if (f.sink_stopped) /* the caller asked to stop: not an error */
        rc = VG_OK;
    int interrupted = vg_vs_interrupted;
    vg_vs_conn_close(&c);
    if (!opts->keep_sigint)
        vg_vs_sigint_release();
    if (interrupted && rc == 0)
        rc = vg_error_set(err, VG_ERR, c.target.server, 0, "interrupted");
    return rc;
}

/* ------------------------------------------------------ several targets */

typedef struct queued {
    vg_vm *vm;
    struct queued *next;
} queued;

/* VMs a target may have parsed ahead of the sink: enough to keep the
 * network busy while the caller audits, small enough to keep memory flat. */
#define QUEUE_MAX 256

typedef struct target_run {
    const char *url;
    vg_vsphere_opts opts;
    pthread_t thread;
    int started;
    queued *head, *tail;
    size_t n_queued;
    int done;
    int rc;
    vg_error err;
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
    const int *stop;
} target_run;

static int queue_vm(vg_vm *vm, void *ctx)
{
    target_run *t = ctx;
    queued *q = malloc(sizeof *q);
    if (!q) {
        vg_vm_free(vm);
        return 1;
    }
    q->vm = vm;
    q->next = NULL;
    pthread_mutex_lock(t->lock);
    while (t->n_queued >= QUEUE_MAX && !*t->stop)
        pthread_cond_wait(t->cond, t->lock);
    int stop = *t->stop;
    if (t->tail)
        t->tail->next = q;
    else
        t->head = q;
    t->tail = q;
    t->n_queued++;
    pthread_cond_broadcast(t->cond);
    pthread_mutex_unlock(t->lock);
    return stop;
}

static void *run_target(void *arg)
{
    target_run *t = arg;
    t->rc = fetch_here(t->url, &t->opts, queue_vm, t, &t->err);
    pthread_mutex_lock(t->lock);
    t->done = 1;
    pthread_cond_broadcast(t->cond);
    pthread_mutex_unlock(t->lock);
    return NULL;
}

/* Hand target t's VMs to sink as they arrive; after a stop, just free them. */
static void drain(target_run *t, vg_vm_sink sink, void *ctx, int *stop)
{
    for (;;) {
        pthread_mutex_lock(t->lock);
        while (!t->head && !t->done)
            pthread_cond_wait(t->cond, t->lock);
        queued *q = t->head;
        if (q) {
            t->head = q->next;
            if (!t->head)
                t->tail = NULL;
            t->n_queued--;
            pthread_cond_broadcast(t->cond);
        }
        pthread_mutex_unlock(t->lock);
        if (!q)
            return;
        if (*stop) {
            vg_vm_free(q->vm);
        } else if (sink(q->vm, ctx)) {
            pthread_mutex_lock(t->lock);
            *stop = 1;
            pthread_cond_broadcast(t->cond);
            pthread_mutex_unlock(t->lock);
        }
        free(q);
    }
}

int vg_vsphere_fetch_many(const char *const *urls, size_t n_urls, const vg_vsphere_opts *opts,
                          vg_vm_sink sink, void *ctx, vg_problem_sink on_problem,
                          void *problem_ctx, vg_error *err)
{
    pthread_once(&curl_once, curl_init);
    target_run *runs = calloc(n_urls ? n_urls : 1, sizeof *runs);
    if (!runs)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    int stop = 0;
    if (!opts->keep_sigint)
        vg_vs_sigint_catch();
    for (size_t i = 0; i < n_urls; i++) {
        target_run *t = &runs[i];
        t->url = urls[i];
        t->opts = *opts;
        t->opts.keep_sigint = 1; /* this thread owns the handler */
        t->lock = &lock;
        t->cond = &cond;
        t->stop = &stop;
        t->started = pthread_create(&t->thread, NULL, run_target, t) == 0;
        if (!t->started) {
            t->done = 1;
            t->rc = vg_error_set(&t->err, VG_ERR, urls[i], 0, "cannot start a thread");
        }
    }
    for (size_t i = 0; i < n_urls; i++)
        drain(&runs[i], sink, ctx, &stop);
    int rc = VG_OK;
    for (size_t i = 0; i < n_urls; i++) {
        if (runs[i].started)
            pthread_join(runs[i].thread, NULL);
        drain(&runs[i], sink, ctx, &stop); /* nothing left unless a thread raced */
        if (runs[i].rc && on_problem)
            on_problem(&runs[i].err, problem_ctx);
        if (runs[i].rc && rc == VG_OK) {
            rc = runs[i].rc;
            if (err)
                *err = runs[i].err;
        }
    }
    if (!opts->keep_sigint)
        vg_vs_sigint_release();
    free(runs);
    return rc;
}

/* One target, fetched on a worker thread so that parsing and the network
 * overlap with whatever the caller's sink does (the audit); the sink still
 * runs on the caller's thread. */
int vg_vsphere_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                     vg_error *err)
{
    return vg_vsphere_fetch_many(&url, 1, opts, sink, ctx, NULL, NULL, err);
}
