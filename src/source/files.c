/*
 * The file source: walk datastore-like trees, read each *.vmx on worker
 * threads, and hand the VMs to the sink in path order whatever the thread
 * timing.  Three roles share one small ring of slots:
 *   walker  (one thread)  lists folders depth-first, names sorted, and
 *                         queues each VM path (or a problem) with a number;
 *   workers (jobs threads) read, parse and `prepare` the next queued path;
 *   caller  (this thread) delivers slot N only after N-1, then frees it.
 * The walker waits when the ring is full, so memory is bounded by the ring
 * (a few VMs per job) and the folder being listed, not by the VM count.
 */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmxguard/logs.h"
#include "vmxguard/source.h"

#define MAX_DEPTH 256
#define MAX_JOBS 256

enum slot_state { SLOT_EMPTY = 0, SLOT_PENDING, SLOT_TAKEN, SLOT_DONE };

typedef struct slot {
    enum slot_state state;
    char *path;
    vg_vm *vm;
    int lock_hint; /* what the folder listing says of a lock: 0 none, 1 some, -1 unknown */
    char **log_names; /* the folder's vmware*.log names (one block), NULL = not listed */
    void *payload;
    int problem; /* err holds a problem to report instead of a VM */
    vg_error err;
    int evidence_problem; /* evidence_err: folder evidence failed, the VM goes on */
    vg_error evidence_err;
} slot;

/* Folders and files seen, by (dev, ino): no symlink loop, no VM twice. */
typedef struct seen_set {
    uint64_t *keys; /* pairs dev, ino; 0,0 = empty */
    size_t cap, n;
} seen_set;

typedef struct walk {
    const vg_source_opts *opts;
    const vg_vm_pipeline *pl;
    pthread_mutex_t mu;
    pthread_cond_t work, done, space;
    slot *ring;
    size_t window;
    size_t next_seq, take_seq, deliver_seq;
    int walk_done, stop;
    /* who sleeps, so that a hand-off wakes only someone who waits: with
     * 100,000 VMs a wake-up per VM per thread costs more than the parse */
    int walker_waits, workers_waiting, deliverer_waits;
    seen_set seen; /* walker thread only */
    /* folder evidence: log signatures compiled once per run, shared read-only
     * by the workers (loading them per VM cost 3 million instructions each) */
    vg_log_sigs *sigs;
    int sigs_failed;
    vg_error sigs_err;
} walk;

static int seen_add(seen_set *s, dev_t dev, ino_t ino)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        uint64_t *nk = calloc(ncap * 2, sizeof *nk);
        if (!nk)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->keys[2 * i] && !s->keys[2 * i + 1])
                continue;
            size_t h = (size_t)(s->keys[2 * i] * 31 + s->keys[2 * i + 1]) & (ncap - 1);
            while (nk[2 * h] || nk[2 * h + 1])
                h = (h + 1) & (ncap - 1);
            nk[2 * h] = s->keys[2 * i];
            nk[2 * h + 1] = s->keys[2 * i + 1];
        }
        free(s->keys);
        s->keys = nk;
        s->cap = ncap;
    }
    uint64_t a = (uint64_t)dev + 1, b = (uint64_t)ino; /* +1: dev 0 is real */
    size_t h = (size_t)(a * 31 + b) & (s->cap - 1);
    while (s->keys[2 * h] || s->keys[2 * h + 1]) {
        if (s->keys[2 * h] == a && s->keys[2 * h + 1] == b)
            return 1;
        h = (h + 1) & (s->cap - 1);
    }
    s->keys[2 * h] = a;
    s->keys[2 * h + 1] = b;
    s->n++;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* --exclude globs match the file or folder name, the VM name (no
 * extension) or the whole path. */
static int excluded(const vg_source_opts *o, const char *name, const char *path)
{
    char stem[512];
    const char *dot = strrchr(name, '.');
    if (snprintf(stem, sizeof stem, "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name) >=
        (int)sizeof stem)
        stem[0] = '\0';
    for (size_t i = 0; i < o->n_exclude; i++) {
        const char *g = o->exclude[i];
        if (fnmatch(g, name, 0) == 0 || fnmatch(g, stem, 0) == 0 || fnmatch(g, path, 0) == 0)
            return 1;
    }
    return 0;
}

/* Queue one item in order; waits while the ring is full.  -1 = stop. */
static int enqueue(walk *w, const char *path, int lock_hint, char **log_names,
                   const vg_error *problem)
{
    char *copy = path ? strdup(path) : NULL;
    pthread_mutex_lock(&w->mu);
    while (w->next_seq - w->deliver_seq >= w->window && !w->stop) {
        w->walker_waits = 1;
        pthread_cond_wait(&w->space, &w->mu);
    }
    w->walker_waits = 0;
    if (w->stop) {
        pthread_mutex_unlock(&w->mu);
        free(copy);
        free(log_names);
        return -1;
    }
    slot *s = &w->ring[w->next_seq % w->window];
    memset(s, 0, sizeof *s);
    s->path = copy;
    s->lock_hint = lock_hint;
    s->log_names = log_names;
    if (problem || !copy) {
        s->problem = 1;
        if (problem)
            s->err = *problem;
        else
            vg_error_set(&s->err, VG_ENOMEM, path, 0, "out of memory");
        s->state = SLOT_DONE;
        if (w->deliverer_waits)
            pthread_cond_signal(&w->done);
    } else {
        s->state = SLOT_PENDING;
        if (w->workers_waiting)
            pthread_cond_signal(&w->work);
    }
    w->next_seq++;
    pthread_mutex_unlock(&w->mu);
    return 0;
}

static int enqueue_problem(walk *w, const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int enqueue_problem(walk *w, const char *path, int code, const char *fmt, ...)
{
    vg_error e;
    char msg[sizeof e.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vg_error_set(&e, code, path, 0, "%s", msg);
    return enqueue(w, NULL, -1, NULL, &e);
}

static int walk_dir(walk *w, const char *dir, int depth);

/* A folder entry as readdir gave it: the type usually spares a stat(). */
typedef struct dir_item {
    char *name;
    unsigned char type; /* DT_REG, DT_DIR, DT_LNK, DT_UNKNOWN... */
    ino_t ino;
} dir_item;

/* A listed folder as visit() sees it: its device and sorted entries. */
typedef struct dir_view {
    dev_t dev;
    const dir_item *items;
    size_t n;
    int nfs_lock; /* a ".lck-*" entry: NFS lock files beside the .vmx */
    /* the vmware*.log names, gathered at the first VM file of the folder
     * and copied to each of its VMs, so folder evidence need not list it */
    int logs_known;
    const char **logs;
    size_t n_logs;
} dir_view;

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const dir_item *)a)->name, ((const dir_item *)b)->name);
}

/* What the listing says of a lock for VM file name (see vg_vm_from_vmx_file_hint):
 * "<name>.lck" present, or NFS lock files, or neither. */
static int lock_hint(const dir_view *dv, const char *name)
{
    char lck[NAME_MAX + 8];
    if (dv->nfs_lock)
        return 1;
    if (snprintf(lck, sizeof lck, "%s.lck", name) >= (int)sizeof lck)
        return -1;
    dir_item key = {.name = lck};
    const dir_item *hit = bsearch(&key, dv->items, dv->n, sizeof *dv->items, cmp_items);
    return hit ? 1 : 0;
}

/* The folder's log names as one block (pointers, then the strings), for a
 * slot to own; NULL when unknown or out of memory (evidence then lists). */
static char **log_names_copy(dir_view *dv)
{
    if (!dv->logs_known) {
        dv->logs_known = 1;
        for (size_t i = 0; i < dv->n; i++) {
            if (!vg_logs_is_log_name(dv->items[i].name))
                continue;
            const char **g = realloc(dv->logs, (dv->n_logs + 1) * sizeof *g);
            if (!g) {
                dv->logs_known = -1;
                break;
            }
            dv->logs = g;
            dv->logs[dv->n_logs++] = dv->items[i].name;
        }
    }
    if (dv->logs_known < 0)
        return NULL;
    size_t bytes = (dv->n_logs + 1) * sizeof(char *);
    for (size_t i = 0; i < dv->n_logs; i++)
        bytes += strlen(dv->logs[i]) + 1;
    char **out = malloc(bytes);
    if (!out)
        return NULL;
    char *str = (char *)(out + dv->n_logs + 1);
    for (size_t i = 0; i < dv->n_logs; i++) {
        size_t len = strlen(dv->logs[i]) + 1;
        memcpy(str, dv->logs[i], len);
        out[i] = str;
        str += len;
    }
    out[dv->n_logs] = NULL;
    return out;
}

static int wanted_file(const vg_source_opts *o, const char *name)
{
    return ends_with(name, ".vmx") || (o->include_templates && ends_with(name, ".vmtx"));
}

/* Symlinks and file systems without d_type: ask stat() what it is. */
static int visit_by_stat(walk *w, const char *path, const char *name, int depth)
{
    int vm_name = ends_with(name, ".vmx") || ends_with(name, ".vmtx");
    struct stat st;
    if (stat(path, &st) != 0) {
        if (vm_name) /* a dangling link to a VM is worth saying */
            return enqueue_problem(w, path, VG_EIO, "cannot read: %s", strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return ends_with(name, ".lck") ? 0 : walk_dir(w, path, depth + 1);
    if (!wanted_file(w->opts, name))
        return 0;
    if (!S_ISREG(st.st_mode))
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file, skipped");
    if (seen_add(&w->seen, st.st_dev, st.st_ino) == 1)
        return 0;
    return enqueue(w, path, -1, NULL, NULL);
}

/* One folder entry: a VM file, a folder to enter, or something to skip. */
static int visit(walk *w, const char *path, const dir_item *it, dir_view *dv, int depth)
{
    if (excluded(w->opts, it->name, path))
        return 0;
    switch (it->type) {
    case DT_DIR:
        /* a running VM's lock folder holds no settings; vm.c notes the lock */
        return ends_with(it->name, ".lck") ? 0 : walk_dir(w, path, depth + 1);
    case DT_REG:
        if (!wanted_file(w->opts, it->name) || seen_add(&w->seen, dv->dev, it->ino) == 1)
            return 0;
        return enqueue(w, path, lock_hint(dv, it->name), log_names_copy(dv), NULL);
    case DT_FIFO:
    case DT_CHR:
    case DT_BLK:
    case DT_SOCK:
        if (!ends_with(it->name, ".vmx") && !ends_with(it->name, ".vmtx"))
            return 0;
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file, skipped");
    default:
        return visit_by_stat(w, path, it->name, depth);
    }
}

/* Entries of an open folder, sorted (deterministic whatever readdir says). */
static dir_item *list_dir(DIR *d, size_t *n)
{
    dir_item *items = NULL;
    size_t cap = 0;
    struct dirent *e;
    *n = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (*n == cap) {
            dir_item *ni = realloc(items, (cap = cap ? cap * 2 : 32) * sizeof *ni);
            if (!ni)
                break;
            items = ni;
        }
        if (!(items[*n].name = strdup(e->d_name)))
            break;
        items[*n].type = e->d_type;
        items[(*n)++].ino = e->d_ino;
    }
    if (*n)
        qsort(items, *n, sizeof *items, cmp_items);
    return items;
}

/* Open a folder once: its (dev, ino) guards against symlink loops. */
static DIR *open_dir(walk *w, const char *dir, dev_t *dev, int *rc)
{
    *rc = 0;
    DIR *d = opendir(dir);
    struct stat st;
    if (!d) {
        *rc = enqueue_problem(w, dir, VG_EIO, "cannot list folder: %s", strerror(errno));
        return NULL;
    }
    if (fstat(dirfd(d), &st) != 0) {
        *rc = enqueue_problem(w, dir, VG_EIO, "cannot list folder: %s", strerror(errno));
    } else {
        int r = seen_add(&w->seen, st.st_dev, st.st_ino);
        if (r == 0) {
            *dev = st.st_dev;
            return d;
        }
        if (r < 0)
            *rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
    }
    closedir(d);
    return NULL;
}

static int walk_dir(walk *w, const char *dir, int depth)
{
    if (depth > MAX_DEPTH)
        return enqueue_problem(w, dir, VG_EINPUT, "%s", "folders nested too deep, skipped");
    dev_t dev = 0;
    int rc;
    DIR *d = open_dir(w, dir, &dev, &rc);
    if (!d)
        return rc;
    size_t n;
    dir_item *items = list_dir(d, &n);
    closedir(d);
    size_t dlen = strlen(dir);
    int slash = dlen && dir[dlen - 1] == '/';
    dir_view dv = {dev, items, n, 0, 0, NULL, 0};
    for (size_t i = 0; i < n; i++)
        dv.nfs_lock |= strncmp(items[i].name, ".lck-", 5) == 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            size_t len = dlen + strlen(items[i].name) + 2;
            char *path = malloc(len);
            if (!path) {
                rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
            } else {
                if (snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", items[i].name) < (int)len)
                    rc = visit(w, path, &items[i], &dv, depth);
                free(path);
            }
        }
    }
    for (size_t i = 0; i < n; i++) /* after the loop: lock_hint searches them all */
        free(items[i].name);
    free(items);
    free(dv.logs);
    return rc;
}

/* A target named by the user: a folder to walk or a file taken as a VM. */
static int walk_target(walk *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return enqueue_problem(w, path, VG_EIO, "cannot read: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, 0);
    if (!S_ISREG(st.st_mode))
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file or folder");
    if (seen_add(&w->seen, st.st_dev, st.st_ino) == 1)
        return 0;
    return enqueue(w, path, -1, NULL, NULL);
}

typedef struct walker_args {
    walk *w;
    const char *const *paths;
    size_t n_paths;
} walker_args;

static void *walker_main(void *arg)
{
    walker_args *a = arg;
    for (size_t i = 0; i < a->n_paths; i++) {
        if (walk_target(a->w, a->paths[i]) != 0)
            break;
    }
    pthread_mutex_lock(&a->w->mu);
    a->w->walk_done = 1;
    pthread_cond_broadcast(&a->w->work);
    pthread_cond_broadcast(&a->w->done);
    pthread_mutex_unlock(&a->w->mu);
    return NULL;
}

/* Read one VM (worker thread).  The lock is noted as plain evidence; with
 * folder_evidence the logs and lock also become evidence for the rules of
 * catalog/rules/logs.yaml (a failure there is reported, the VM still goes on). */
static void process(walk *w, slot *s, int stopping)
{
    if (stopping)
        return;
    vg_vm *vm = NULL;
    if (vg_vm_from_vmx_file_hint(s->path, s->lock_hint, &vm, &s->err) != VG_OK) {
        s->problem = 1;
        return;
    }
    /* --exclude also names VMs by what admins call them: the displayName */
    for (size_t i = 0; vm->name && i < w->opts->n_exclude; i++) {
        if (fnmatch(w->opts->exclude[i], vm->name, 0) == 0) {
            vg_vm_free(vm);
            return;
        }
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
}

static void *worker_main(void *arg)
{
    walk *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->take_seq == w->next_seq && !w->walk_done) {
            w->workers_waiting++;
            pthread_cond_wait(&w->work, &w->mu);
            w->workers_waiting--;
        }
        if (w->take_seq == w->next_seq)
            break;
        slot *s = &w->ring[w->take_seq++ % w->window];
        if (s->state != SLOT_PENDING)
            continue;
        s->state = SLOT_TAKEN;
        int stopping = w->stop;
        pthread_mutex_unlock(&w->mu);
        process(w, s, stopping);
        pthread_mutex_lock(&w->mu);
        s->state = SLOT_DONE;
        if (w->deliverer_waits)
            pthread_cond_signal(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

typedef struct deliver_stats {
    size_t vms, problems;
    vg_error first_problem;
} deliver_stats;

/* Hand one finished slot over (caller thread, in order). */
static void deliver(walk *w, slot *s, deliver_stats *st, int stopped)
{
    if (s->problem) {
        st->problems++;
        if (st->problems == 1)
            st->first_problem = s->err;
        if (!stopped && w->opts->on_problem)
            w->opts->on_problem(&s->err, w->opts->problem_ctx);
    } else if (s->vm && !stopped) {
        st->vms++;
        if (s->evidence_problem && w->opts->on_problem)
            w->opts->on_problem(&s->evidence_err, w->opts->problem_ctx);
        if (w->pl->sink(s->vm, s->payload, w->pl->ctx) != 0) {
            pthread_mutex_lock(&w->mu);
            w->stop = 1;
            pthread_cond_broadcast(&w->space);
            pthread_mutex_unlock(&w->mu);
        }
        s->vm = NULL;
    } else if (s->vm) { /* stopped: nobody takes it */
        if (s->payload && w->pl->discard)
            w->pl->discard(s->payload, w->pl->ctx);
        vg_vm_free(s->vm);
    }
    free(s->path);
    free(s->log_names);
}

static void deliver_loop(walk *w, deliver_stats *st)
{
    pthread_mutex_lock(&w->mu);
    for (;;) {
        w->deliverer_waits = 1;
        while (w->deliver_seq == w->next_seq && !w->walk_done)
            pthread_cond_wait(&w->done, &w->mu);
        if (w->deliver_seq == w->next_seq)
            break;
        slot *s = &w->ring[w->deliver_seq % w->window];
        while (s->state != SLOT_DONE)
            pthread_cond_wait(&w->done, &w->mu);
        w->deliverer_waits = 0;
        slot item = *s;
        s->state = SLOT_EMPTY;
        w->deliver_seq++;
        int stopped = w->stop;
        /* wake the walker only once half the ring is free again */
        if (w->walker_waits && w->next_seq - w->deliver_seq <= w->window / 2)
            pthread_cond_signal(&w->space);
        pthread_mutex_unlock(&w->mu);
        deliver(w, &item, st, stopped);
        pthread_mutex_lock(&w->mu);
    }
    w->deliverer_waits = 0;
    pthread_mutex_unlock(&w->mu);
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
    walk w = {.opts = opts ? opts : &defaults, .pl = pl};
    if (w.opts->folder_evidence && vg_log_sigs_load_embedded(&w.sigs, &w.sigs_err) != VG_OK)
        w.sigs_failed = 1;
    w.window = (size_t)jobs * 16 < 32 ? 32 : (size_t)jobs * 16;
    if (!(w.ring = calloc(w.window, sizeof *w.ring))) {
        vg_log_sigs_free(w.sigs);
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.work, NULL);
    pthread_cond_init(&w.done, NULL);
    pthread_cond_init(&w.space, NULL);
    walker_args wa = {&w, paths, n_paths};
    pthread_t walker, workers[MAX_JOBS];
    int started = 0, walker_ok = pthread_create(&walker, NULL, walker_main, &wa) == 0;
    for (int i = 0; walker_ok && i < jobs; i++)
        started += pthread_create(&workers[started], NULL, worker_main, &w) == 0;
    deliver_stats st = {0};
    if (!walker_ok || !started) {
        if (walker_ok) { /* no worker: stop the walker and drain what it queued */
            pthread_mutex_lock(&w.mu);
            w.stop = 1;
            pthread_cond_broadcast(&w.space);
            pthread_mutex_unlock(&w.mu);
            pthread_join(walker, NULL);
            for (size_t i = w.deliver_seq; i < w.next_seq; i++)
                free(w.ring[i % w.window].path);
        }
        free(w.ring);
        vg_log_sigs_free(w.sigs);
        return vg_error_set(err, VG_ERR, NULL, 0, "cannot start threads");
    }
    deliver_loop(&w, &st);
    pthread_join(walker, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.work);
    pthread_cond_destroy(&w.done);
    pthread_cond_destroy(&w.space);
    free(w.ring);
    free(w.seen.keys);
    vg_log_sigs_free(w.sigs);
    if (st.vms == 0 && st.problems) {
        if (err)
            *err = st.first_problem;
        return st.first_problem.code ? st.first_problem.code : VG_EIO;
    }
    return VG_OK;
}

typedef struct plain_sink {
    vg_vm_sink sink;
    void *ctx;
} plain_sink;

static int call_plain(vg_vm *vm, void *payload, void *ctx)
{
    (void)payload;
    plain_sink *p = ctx;
    return p->sink(vm, p->ctx);
}

int vg_source_files(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                    vg_vm_sink sink, void *ctx, vg_error *err)
{
    if (!sink)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "files source: no sink");
    plain_sink p = {sink, ctx};
    vg_vm_pipeline pl = {NULL, call_plain, NULL, &p};
    return vg_source_files_pipeline(paths, n_paths, opts, &pl, err);
}
