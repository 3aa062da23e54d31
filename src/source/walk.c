/*
 * The folder walk (walk.h): depth-first, names sorted, every find handed
 * to the caller's callback in path order.  Nothing is kept per folder or
 * VM once walked but a chunk of the folder being listed and, for what links
 * lead to, a (dev, ino) set (see visit_by_stat for the symlink rules): a
 * folder is listed in sorted chunks of at most LIST_CHUNK names.
 *
 * A folder bigger than one chunk is read once more per chunk, never once
 * per VM: the first pass over it also notes what every VM of the folder
 * needs from the listing (NFS lock files, the vmware*.log names), and a
 * VM whose "<name>.lck" may sit in another chunk asks lstat, not readdir.
 */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/walk.h"
#include "util/grow.h"
#include "vmxguard/logs.h"

#define MAX_DEPTH 256
#define LIST_CHUNK 4096 /* names of one folder held at once */

/* Folders and files seen, by (dev, ino): no symlink loop, no VM twice. */
typedef struct seen_set {
    uint64_t *keys; /* pairs dev, ino; 0,0 = empty */
    size_t cap, n;
} seen_set;

typedef struct walk {
    const vg_source_opts *opts;
    vg_walk_fn fn;
    void *ctx;
    seen_set seen; /* (dev, ino) of what was reached through a symlink
                      leading outside every target folder (see visit_by_stat) */
    char *via;     /* the outside link being walked through, "LINK -> REAL" */
    char **roots;  /* real path of each target that is a folder, else NULL */
    size_t n_roots;
    struct {
        dev_t dev;
        ino_t ino;
    } anc[MAX_DEPTH + 2]; /* folders being listed, outermost first: a folder
                             that is its own ancestor is a loop */
    int n_anc;
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

/* Report one find in order; non-zero = stop. */
static int enqueue(walk *w, const char *path, int lock_hint, char **log_names,
                   const vg_error *problem, int note)
{
    vg_walk_found f = {path, lock_hint, log_names, path ? w->via : NULL, problem, note};
    return w->fn(&f, w->ctx);
}

static int enqueue_report(walk *w, int note, const char *path, int code, const char *fmt,
                          va_list ap)
{
    vg_error e;
    char msg[sizeof e.msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    vg_error_set(&e, code, path, 0, "%s", msg);
    return enqueue(w, NULL, -1, NULL, &e, note);
}

static int enqueue_problem(walk *w, const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int enqueue_problem(walk *w, const char *path, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = enqueue_report(w, 0, path, code, fmt, ap);
    va_end(ap);
    return rc;
}

/* Something the user should know that is no input error (a link skipped). */
static int enqueue_note(walk *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int enqueue_note(walk *w, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = enqueue_report(w, 1, path, VG_OK, fmt, ap);
    va_end(ap);
    return rc;
}

static int walk_dir(walk *w, const char *dir, int depth, int outside);

/* A folder entry as readdir gave it: the type usually spares a stat(). */
typedef struct dir_item {
    const char *name; /* in the chunk's name block */
    unsigned char type; /* DT_REG, DT_DIR, DT_LNK, DT_UNKNOWN... */
    ino_t ino;
} dir_item;

/* What the first pass over a folder noted for all of its VMs, whatever
 * chunk they come in. */
typedef struct folder_facts {
    int nfs_lock; /* a ".lck-*" entry: NFS lock files beside the .vmx */
    char **logs;  /* the vmware*.log names (each malloc'd), for folder evidence */
    size_t n_logs, cap_logs;
    int logs_failed; /* out of memory while noting them: evidence lists itself */
} folder_facts;

/* A listed chunk of a folder as visit() sees it: its device, sorted
 * entries and the folder's facts.  whole: the chunk is the whole folder. */
typedef struct dir_view {
    dev_t dev;
    const dir_item *items;
    size_t n;
    int whole;
    int outside; /* reached through a symlink leading out of every target */
    const folder_facts *facts;
} dir_view;

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const dir_item *)a)->name, ((const dir_item *)b)->name);
}

/* What the listing says of a lock for VM file name (see vg_vm_from_vmx_file_hint):
 * 2 NFS lock files, 1 "<name>.lck" present, 0 neither.  "<name>.lck" sorts
 * after name, so it is in this chunk unless the chunk ends before it; then
 * one lstat answers (never a listing per VM). */
static int lock_hint(const dir_view *dv, const char *path, const char *name)
{
    char lck[NAME_MAX + 8];
    if (dv->facts->nfs_lock)
        return 2;
    if (snprintf(lck, sizeof lck, "%s.lck", name) >= (int)sizeof lck)
        return -1;
    dir_item key = {.name = lck};
    if (bsearch(&key, dv->items, dv->n, sizeof *dv->items, cmp_items))
        return 1;
    if (dv->whole || (dv->n && strcmp(lck, dv->items[dv->n - 1].name) <= 0))
        return 0;
    size_t len = strlen(path);
    char *p = malloc(len + 5);
    if (!p)
        return -1;
    memcpy(p, path, len);
    memcpy(p + len, ".lck", 5);
    struct stat st;
    int there = lstat(p, &st) == 0;
    free(p);
    return there;
}

/* The folder's log names as one block (pointers, then the strings), for a
 * slot to own; NULL when unknown or out of memory (evidence then lists). */
static char **log_names_copy(const dir_view *dv)
{
    const folder_facts *f = dv->facts;
    if (f->logs_failed)
        return NULL;
    size_t bytes = (f->n_logs + 1) * sizeof(char *);
    for (size_t i = 0; i < f->n_logs; i++)
        bytes += strlen(f->logs[i]) + 1;
    char **out = malloc(bytes);
    if (!out)
        return NULL;
    char *str = (char *)(out + f->n_logs + 1);
    for (size_t i = 0; i < f->n_logs; i++) {
        size_t len = strlen(f->logs[i]) + 1;
        memcpy(str, f->logs[i], len);
        out[i] = str;
        str += len;
    }
    out[f->n_logs] = NULL;
    return out;
}

static void note_name(folder_facts *f, const char *name)
{
    if (strncmp(name, ".lck-", 5) == 0)
        f->nfs_lock = 1;
    if (f->logs_failed || !vg_logs_is_log_name(name))
        return;
    if (VG_GROW(f->logs, f->n_logs, f->cap_logs) != 0) {
        f->logs_failed = 1;
        return;
    }
    if (!(f->logs[f->n_logs] = strdup(name)))
        f->logs_failed = 1;
    else
        f->n_logs++;
}

static void facts_release(folder_facts *f)
{
    for (size_t i = 0; i < f->n_logs; i++)
        free(f->logs[i]);
    free(f->logs);
}

static int wanted_file(const vg_source_opts *o, const char *name)
{
    return ends_with(name, ".vmx") || (o->include_templates && ends_with(name, ".vmtx"));
}

/* real lies in a folder target (or is one): the walk of that target
 * reaches it without following any link. */
static int covered(const walk *w, const char *real)
{
    for (size_t i = 0; i < w->n_roots; i++) {
        if (!w->roots[i])
            continue;
        size_t n = strlen(w->roots[i]);
        if (strncmp(real, w->roots[i], n) == 0 &&
            (real[n] == '\0' || real[n] == '/' || (n == 1 && w->roots[i][0] == '/')))
            return 1;
    }
    return 0;
}

/* A file to queue: reached outside the targets' own trees, the same file
 * may come again by another link, so it is remembered. */
static int visit_file(walk *w, const char *path, dev_t dev, ino_t ino, int outside, int hint,
                      char **logs)
{
    if (outside) {
        int r = seen_add(&w->seen, dev, ino);
        if (r != 0) {
            free(logs);
            return r == 1 ? 0 : enqueue_problem(w, path, VG_ENOMEM, "%s", "out of memory");
        }
    }
    return enqueue(w, path, hint, logs, NULL, 0);
}

/*
 * Symlinks, and file systems without d_type: ask stat() what it is.  A
 * link into a target folder is never followed (the walk reaches the same
 * file or folder without it, so following would audit a VM twice or
 * loop).  A link leading out of every target is a tenant's way to make a
 * root audit read the rest of the host (a link to "/"): it is skipped with
 * a note unless the caller asked for follow_outside_links; then what is
 * reached that way is remembered by (dev, ino), so two links to one place
 * count once, and each VM found there says which link led to it.
 * Everything else needs no memory: a tree walked without links cannot
 * meet the same folder twice, and a folder that is its own ancestor (a bind
 * mount loop) is caught by the ancestor check in walk_dir.
 */
static int visit_by_stat(walk *w, const char *path, const char *name, int depth, int outside,
                         int is_link)
{
    int vm_name = ends_with(name, ".vmx") || ends_with(name, ".vmtx");
    struct stat st;
    if (stat(path, &st) != 0) {
        if (vm_name) /* a dangling link to a VM is worth saying */
            return enqueue_problem(w, path, VG_EIO, "cannot read: %s", strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode) && !wanted_file(w->opts, name))
        return 0;
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file, skipped");
    if (S_ISDIR(st.st_mode) && ends_with(name, ".lck"))
        return 0;
    if (!is_link) {
        if (S_ISDIR(st.st_mode))
            return walk_dir(w, path, depth + 1, outside);
        return visit_file(w, path, st.st_dev, st.st_ino, outside, -1, NULL);
    }
    char *real = realpath(path, NULL);
    if (!real)
        return 0; /* vanished between stat and now */
    int rc = 0;
    if (covered(w, real)) {
        free(real);
        return 0;
    }
    if (!w->opts->follow_outside_links) {
        rc = enqueue_note(w, path,
                          "symbolic link to %.300s leads outside every target; not followed", real);
        free(real);
        return rc;
    }
    char *saved = w->via, *via = NULL;
    rc = enqueue_note(
        w, path, "symbolic link to %.300s leads outside every target; followed on request", real);
    if (rc != 0) {
        free(real);
        return rc;
    }
    if (!saved) { /* the outermost link names the way in */
        size_t n = strlen(path) + strlen(real) + 5;
        if (!(via = malloc(n))) {
            free(real);
            return enqueue_problem(w, path, VG_ENOMEM, "%s", "out of memory");
        }
        snprintf(via, n, "%s -> %s", path, real);
        w->via = via;
    }
    free(real);
    if (S_ISDIR(st.st_mode))
        rc = walk_dir(w, path, depth + 1, 1);
    else
        rc = visit_file(w, path, st.st_dev, st.st_ino, 1, -1, NULL);
    w->via = saved;
    free(via);
    return rc;
}

/* One folder entry: a VM file, a folder to enter, or something to skip. */
static int visit(walk *w, const char *path, const dir_item *it, dir_view *dv, int depth)
{
    if (excluded(w->opts, it->name, path))
        return 0;
    switch (it->type) {
    case DT_DIR:
        /* a running VM's lock folder holds no settings; vm.c notes the lock */
        return ends_with(it->name, ".lck") ? 0 : walk_dir(w, path, depth + 1, dv->outside);
    case DT_REG:
        if (!wanted_file(w->opts, it->name))
            return 0;
        return visit_file(w, path, dv->dev, it->ino, dv->outside, lock_hint(dv, path, it->name),
                          log_names_copy(dv));
    case DT_FIFO:
    case DT_CHR:
    case DT_BLK:
    case DT_SOCK:
        if (!ends_with(it->name, ".vmx") && !ends_with(it->name, ".vmtx"))
            return 0;
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file, skipped");
    case DT_LNK:
        return visit_by_stat(w, path, it->name, depth, dv->outside, 1);
    default: { /* DT_UNKNOWN: lstat says whether it is a link */
        struct stat st;
        int link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
        return visit_by_stat(w, path, it->name, depth, dv->outside, link);
    }
    }
}

/* One sorted chunk of a folder: the (at most LIST_CHUNK) smallest names
 * greater than after (NULL: from the start), read in one pass over the
 * folder.  A folder with more names takes one pass per chunk, so a folder
 * of 100,000 VM folders costs 25 passes of readdir instead of holding every
 * name at once.  *more says whether names are left; *names holds the
 * strings (one block).  Returns the count, or (size_t)-1 out of memory. */
typedef struct chunk {
    dir_item *items;
    size_t n, cap;
    char *names;
    size_t names_len, names_cap;
    int more;
} chunk;

static void heap_down(dir_item *h, size_t n, size_t i)
{
    for (;;) { /* max-heap by name: the root is the largest name kept */
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && strcmp(h[l].name, h[m].name) > 0)
            m = l;
        if (r < n && strcmp(h[r].name, h[m].name) > 0)
            m = r;
        if (m == i)
            return;
        dir_item t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(dir_item *h, size_t i)
{
    while (i && strcmp(h[(i - 1) / 2].name, h[i].name) < 0) {
        dir_item t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* Names are kept in separately allocated strings while the heap evicts
 * the largest, then packed into one block once the chunk is final. */
static int list_chunk(DIR *d, const char *after, chunk *c, folder_facts *facts)
{
    c->n = 0;
    c->more = 0;
    if (after) /* the first chunk reads a freshly opened folder */
        rewinddir(d);
    struct dirent *e;
    int oom = 0;
    while (!oom && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, ".."))
            continue;
        if (!after)
            note_name(facts, nm);
        if (after && strcmp(nm, after) <= 0)
            continue;
        if (c->n == LIST_CHUNK) {
            c->more = 1;
            if (strcmp(nm, c->items[0].name) >= 0)
                continue;
            char *copy = strdup(nm);
            if (!copy) {
                oom = 1;
                break;
            }
            free((char *)c->items[0].name);
            c->items[0] = (dir_item){copy, e->d_type, e->d_ino};
            heap_down(c->items, c->n, 0);
            continue;
        }
        if (VG_GROW(c->items, c->n, c->cap) != 0) {
            oom = 1;
            break;
        }
        char *copy = strdup(nm);
        if (!copy) {
            oom = 1;
            break;
        }
        c->items[c->n] = (dir_item){copy, e->d_type, e->d_ino};
        heap_up(c->items, c->n++);
    }
    size_t bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        bytes += strlen(c->items[i].name) + 1;
    char *block = oom ? NULL : malloc(bytes ? bytes : 1);
    size_t at = 0;
    for (size_t i = 0; i < c->n; i++) {
        char *nm = (char *)c->items[i].name;
        if (block) {
            size_t len = strlen(nm) + 1;
            memcpy(block + at, nm, len);
            c->items[i].name = block + at;
            at += len;
        }
        free(nm);
    }
    free(c->names);
    c->names = block;
    if (!block) {
        c->n = 0;
        return -1;
    }
    if (c->n) /* an empty folder has no items array at all */
        qsort(c->items, c->n, sizeof *c->items, cmp_items);
    return 0;
}

/* Open a folder: a folder that is its own ancestor is a loop (skipped,
 * as before: the loop's first turn was walked); one reached through a
 * link from outside the targets is remembered so it is walked once. */
static DIR *open_dir(walk *w, const char *dir, int outside, dev_t *dev, ino_t *ino, int *rc)
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
        closedir(d);
        return NULL;
    }
    for (int i = 0; i < w->n_anc; i++) {
        if (w->anc[i].dev == st.st_dev && w->anc[i].ino == st.st_ino) {
            closedir(d);
            return NULL;
        }
    }
    int r = outside ? seen_add(&w->seen, st.st_dev, st.st_ino) : 0;
    if (r != 0) {
        if (r < 0)
            *rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
        closedir(d);
        return NULL;
    }
    *dev = st.st_dev;
    *ino = st.st_ino;
    return d;
}

static int walk_chunk(walk *w, const char *dir, const chunk *c, dir_view *dv, int depth)
{
    size_t dlen = strlen(dir);
    int slash = dlen && dir[dlen - 1] == '/', rc = 0;
    dv->items = c->items;
    dv->n = c->n;
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        size_t len = dlen + strlen(c->items[i].name) + 2;
        char *path = malloc(len);
        if (!path) {
            rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
        } else {
            if (snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", c->items[i].name) < (int)len)
                rc = visit(w, path, &c->items[i], dv, depth);
            free(path);
        }
    }
    return rc;
}

static int walk_dir(walk *w, const char *dir, int depth, int outside)
{
    if (depth > MAX_DEPTH)
        return enqueue_problem(w, dir, VG_EINPUT, "%s", "folders nested too deep, skipped");
    dev_t dev = 0;
    ino_t ino = 0;
    int rc;
    DIR *d = open_dir(w, dir, outside, &dev, &ino, &rc);
    if (!d)
        return rc;
    w->anc[w->n_anc].dev = dev;
    w->anc[w->n_anc++].ino = ino;
    chunk c = {0};
    folder_facts facts = {0};
    char *after = NULL;
    int first = 1;
    do {
        if (list_chunk(d, after, &c, &facts) != 0) {
            rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
            break;
        }
        dir_view dv = {dev, NULL, 0, first && !c.more, outside, &facts};
        rc = walk_chunk(w, dir, &c, &dv, depth);
        free(after);
        after = c.more && c.n ? strdup(c.items[c.n - 1].name) : NULL;
        if (c.more && c.n && !after && rc == 0)
            rc = enqueue_problem(w, dir, VG_ENOMEM, "%s", "out of memory");
        first = 0;
    } while (rc == 0 && after);
    free(after);
    facts_release(&facts);
    free(c.items);
    free(c.names);
    closedir(d);
    w->n_anc--;
    return rc;
}

/* A target named by the user: a folder to walk or a file taken as a VM.
 * A target inside another folder target is walked as part of that one. */
static int walk_target(walk *w, const char *path, size_t idx, const char *real)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return enqueue_problem(w, path, VG_EIO, "cannot read: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        for (size_t i = 0; real && i < w->n_roots; i++) {
            if (!w->roots[i])
                continue;
            size_t n = strlen(w->roots[i]);
            int same = strcmp(real, w->roots[i]) == 0;
            /* an earlier equal target, or a strictly enclosing one */
            if ((same && i < idx) ||
                (!same && strncmp(real, w->roots[i], n) == 0 &&
                 (real[n] == '/' || (n == 1 && w->roots[i][0] == '/'))))
                return 0;
        }
        return walk_dir(w, path, 0, 0);
    }
    if (!S_ISREG(st.st_mode))
        return enqueue_problem(w, path, VG_EINPUT, "%s", "not a regular file or folder");
    if (real && covered(w, real))
        return 0;
    return visit_file(w, path, st.st_dev, st.st_ino, 1, -1, NULL);
}

int vg_walk_targets(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                    vg_walk_fn fn, void *ctx)
{
    walk *w = calloc(1, sizeof *w); /* the ancestor stack is big for a thread's stack */
    if (!w) {
        vg_error e;
        vg_error_set(&e, VG_ENOMEM, NULL, 0, "out of memory");
        vg_walk_found f = {NULL, -1, NULL, NULL, &e, 0};
        return fn(&f, ctx);
    }
    w->opts = opts;
    w->fn = fn;
    w->ctx = ctx;
    char **real = calloc(n_paths ? n_paths : 1, sizeof *real);
    for (size_t i = 0; real && i < n_paths; i++)
        real[i] = realpath(paths[i], NULL);
    /* without memory for the real paths, links are followed and
     * remembered, as if every target were outside the others */
    char **dirs = calloc(n_paths ? n_paths : 1, sizeof *dirs);
    for (size_t i = 0; real && dirs && i < n_paths; i++) {
        struct stat st;
        if (real[i] && stat(real[i], &st) == 0 && S_ISDIR(st.st_mode))
            dirs[i] = real[i];
    }
    w->roots = real && dirs ? dirs : NULL;
    w->n_roots = w->roots ? n_paths : 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n_paths; i++)
        rc = walk_target(w, paths[i], i, real ? real[i] : NULL);
    for (size_t i = 0; real && i < n_paths; i++)
        free(real[i]);
    free(real);
    free(dirs);
    free(w->seen.keys);
    free(w);
    return rc;
}
