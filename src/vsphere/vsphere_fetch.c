/*
 * The vSphere source's public entry points: fetch one estate, fetch several
 * at once and merge them, ping.  Every path through here ends with
 * DestroyView and Logout (vs_conn_close), also after errors and Ctrl-C.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vsphere_internal.h"

/* ------------------------------------------------------------ Ctrl-C */

volatile sig_atomic_t vs_interrupted;
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_users;
static struct sigaction sig_old;

void vg_vsphere_interrupt(void)
{
    vs_interrupted = 1;
}

static void on_sigint(int sig)
{
    (void)sig;
    vs_interrupted = 1;
}

void vs_sigint_catch(void)
{
    pthread_mutex_lock(&sig_lock);
    if (sig_users++ == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        vs_interrupted = 0;
        sigaction(SIGINT, &sa, &sig_old);
    }
    pthread_mutex_unlock(&sig_lock);
}

void vs_sigint_release(void)
{
    pthread_mutex_lock(&sig_lock);
    if (--sig_users == 0)
        sigaction(SIGINT, &sig_old, NULL);
    pthread_mutex_unlock(&sig_lock);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
}

/* ------------------------------------------------------------ session */

/* Open, read the service content and log in. */
int vs_session_open(vs_conn *c, const char *url, const vg_vsphere_opts *opts, vg_error *err)
{
    pthread_once(&curl_once, curl_init);
    int rc = vs_conn_open(c, url, opts, err);
    if (rc == 0)
        rc = vs_service_content(c, err);
    if (rc == 0) {
        const char *user = opts->user && *opts->user ? opts->user : c->target.user;
        rc = vs_login(c, user, opts->password, err);
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
        vs_sigint_catch();
    double t0 = now_seconds();
    int rc = vs_session_open(&c, url, opts, err);
    if (rc == 0) {
        *out = c.about;
        out->login_seconds = now_seconds() - t0;
    }
    vs_conn_close(&c);
    if (!opts->keep_sigint)
        vs_sigint_release();
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

/* The session on this thread; sink is called from curl's write callback. */
static int fetch_here(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                      vg_error *err)
{
    vs_conn c;
    if (!opts->keep_sigint)
        vs_sigint_catch();
    int rc = vs_session_open(&c, url, opts, err);
    if (rc == 0)
        rc = vs_create_view(&c, err);
    fetch_ctx f = {opts, c.target.server, sink, ctx, 0};
    if (rc == 0)
        rc = vs_retrieve_vms(&c, opts->summary_only, on_vm, &f, err);
    if (f.sink_stopped) /* the caller asked to stop: not an error */
        rc = VG_OK;
    int interrupted = vs_interrupted;
    vs_conn_close(&c);
    if (!opts->keep_sigint)
        vs_sigint_release();
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
        vs_sigint_catch();
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
        vs_sigint_release();
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
