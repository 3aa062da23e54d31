/*
 * Writing a run into the store: one transaction from vg_store_run_begin to
 * vg_store_run_commit, so a reader sees a whole run or none of it, and a
 * process killed in between leaves the store as it was (SQLite's WAL and
 * PostgreSQL both discard an uncommitted transaction).
 *
 * VM identity across runs: a VM is the same VM when its instance UUID
 * matches, else its BIOS UUID (with no conflicting instance UUID), else
 * its path on the same server (with no conflicting UUID).  A VM found by
 * UUID at another path has moved; vms keeps the latest path and name.
 * Within one run an identity is taken once, so two clones that share a
 * BIOS UUID stay two VMs (the one at the remembered path keeps it).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store_internal.h"

struct id_set {
    int64_t *slots; /* open addressing, 0 = empty (ids start at 1) */
    size_t cap, n;
};

/* The vms table as it was when the run began, indexed in memory: the run
 * holds the store's only write lock (BEGIN IMMEDIATE, PostgreSQL's advisory
 * lock), so nothing else changes it, and resolving a VM costs no round
 * trip.  Rows this run takes are marked used and never matched again, so
 * the index needs no update while the run goes on. */
struct known_vm {
    int64_t id;
    char *instance_uuid, *uuid, *server, *path;
    uint32_t next[3]; /* chains per index, 0 = end, else entry index + 1 */
};

enum { BY_INSTANCE, BY_UUID, BY_PATH, N_INDEX };

struct vm_index {
    struct known_vm *vms;
    size_t n, cap;
    uint32_t *head[N_INDEX]; /* bucket -> first entry + 1 */
    size_t n_buckets;        /* a power of two */
};

struct vg_store_run {
    vg_store *s;
    int64_t id;
    size_t vms;
    size_t problems;
    struct vm_index known;
    int64_t next_id;  /* SQLite: the next new VM's id */
    int64_t *id_pool; /* PostgreSQL: ids from the sequence, taken from the end */
    size_t n_pool;
    size_t seen; /* known VMs met in this run */
    struct id_set used;
};

static int set_has(const struct id_set *set, int64_t id)
{
    if (!set->cap)
        return 0;
    for (size_t i = (size_t)id * 0x9E3779B97F4A7C15ull & (set->cap - 1);;
         i = (i + 1) & (set->cap - 1)) {
        if (set->slots[i] == id)
            return 1;
        if (!set->slots[i])
            return 0;
    }
}

static int set_add(struct id_set *set, int64_t id)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        int64_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return VG_ENOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            int64_t v = set->slots[i];
            if (!v)
                continue;
            size_t j = (size_t)v * 0x9E3779B97F4A7C15ull & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = v;
        }
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t j = (size_t)id * 0x9E3779B97F4A7C15ull & (set->cap - 1);
    while (set->slots[j] && set->slots[j] != id)
        j = (j + 1) & (set->cap - 1);
    if (!set->slots[j]) {
        set->slots[j] = id;
        set->n++;
    }
    return VG_OK;
}

static void index_free(struct vm_index *x)
{
    for (size_t i = 0; i < x->n; i++) {
        free(x->vms[i].instance_uuid);
        free(x->vms[i].uuid);
        free(x->vms[i].server);
        free(x->vms[i].path);
    }
    free(x->vms);
    for (int k = 0; k < N_INDEX; k++)
        free(x->head[k]);
}

static void run_free(vg_store_run *w)
{
    index_free(&w->known);
    free(w->id_pool);
    free(w->used.slots);
    w->s->in_run = 0;
    free(w);
}

void vg_store_run_abort(vg_store_run *w)
{
    if (!w)
        return;
    vg_error err;
    vg_store_exec(w->s, "ROLLBACK", &err);
    run_free(w);
}

static int add_run_rows(vg_store_run *w, const vg_report_run *run, vg_error *err)
{
    vg_store *s = w->s;
    db_stmt *st = NULL;
    int rc = s->ops->prepare(s, "INSERT INTO run_targets (run_id, seq, target) VALUES (?, ?, ?)",
                             &st, err);
    for (size_t i = 0; rc == VG_OK && i < run->n_targets; i++) {
        struct params p = {.n = 0};
        vg_store_p_int(&p, w->id);
        vg_store_p_int(&p, (long long)i);
        vg_store_p_str(&p, run->targets[i] ? run->targets[i] : "");
        rc = s->ops->run(st, p.v, p.n, err);
    }
    s->ops->finalize(st);
    st = NULL;
    if (rc == VG_OK)
        rc = s->ops->prepare(s,
                             "INSERT INTO run_profiles (run_id, seq, profile_id, version, "
                             "release, title) VALUES (?, ?, ?, ?, ?, ?)",
                             &st, err);
    for (size_t i = 0; rc == VG_OK && i < run->n_profiles; i++) {
        const vg_profile *pr = run->profiles[i];
        struct params p = {.n = 0};
        vg_store_p_int(&p, w->id);
        vg_store_p_int(&p, (long long)i);
        vg_store_p_str(&p, pr->id);
        vg_store_p_str(&p, pr->version);
        vg_store_p_str(&p, pr->release);
        vg_store_p_str(&p, pr->title);
        rc = s->ops->run(st, p.v, p.n, err);
    }
    s->ops->finalize(st);
    return rc;
}

/* The VM's identity strings as the back end stores them. */
struct vm_keys {
    char *instance_uuid, *uuid, *server, *path, *name;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int same_or_null(const char *a, const char *b)
{
    return (!a && !b) || same(a, b);
}

static const char *index_key(const struct known_vm *v, int k)
{
    return k == BY_INSTANCE ? v->instance_uuid : k == BY_UUID ? v->uuid : v->path;
}

/* Chains in ascending id order (the table is read ordered by id, and each
 * chain is built back to front). */
static int index_build(struct vm_index *x)
{
    size_t nb = 1024;
    while (nb < x->n * 2)
        nb *= 2;
    x->n_buckets = nb;
    for (int k = 0; k < N_INDEX; k++) {
        if (!(x->head[k] = calloc(nb, sizeof *x->head[k])))
            return VG_ENOMEM;
        for (size_t i = x->n; i-- > 0;) {
            const char *key = index_key(&x->vms[i], k);
            if (!key)
                continue;
            size_t b = hash_str(key) & (nb - 1);
            x->vms[i].next[k] = x->head[k][b];
            x->head[k][b] = (uint32_t)(i + 1);
        }
    }
    return VG_OK;
}

static int index_load(vg_store_run *w, vg_error *err)
{
    vg_store *s = w->s;
    struct vm_index *x = &w->known;
    db_stmt *st = NULL;
    int rc = s->ops->prepare(s, "SELECT id, instance_uuid, uuid, server, path FROM vms ORDER BY id",
                             &st, err);
    if (rc == VG_OK)
        rc = s->ops->run(st, NULL, 0, err);
    int64_t max_id = 0;
    while (rc == VG_OK && (rc = s->ops->next(st, err)) == 1) {
        rc = VG_OK;
        if (x->n == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 1024;
            struct known_vm *v = cap < UINT32_MAX ? realloc(x->vms, cap * sizeof *v) : NULL;
            if (!v) {
                rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
                break;
            }
            x->vms = v;
            x->cap = cap;
        }
        struct known_vm *v = &x->vms[x->n++];
        memset(v, 0, sizeof *v);
        v->id = vg_store_col_int(st, s->ops, 0);
        v->instance_uuid = vg_store_col_dup(st, s->ops, 1);
        v->uuid = vg_store_col_dup(st, s->ops, 2);
        v->server = vg_store_col_dup(st, s->ops, 3);
        v->path = vg_store_col_dup(st, s->ops, 4);
        if ((s->ops->col(st, 1) && !v->instance_uuid) || (s->ops->col(st, 2) && !v->uuid) ||
            (s->ops->col(st, 3) && !v->server) || (s->ops->col(st, 4) && !v->path))
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
        if (v->id > max_id)
            max_id = v->id;
    }
    s->ops->finalize(st);
    if (rc < 0)
        return rc;
    w->next_id = max_id + 1;
    return index_build(x) == VG_OK ? VG_OK
                                   : vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
}

/* The first unused entry of index k under key that accepts(v, vm), among
 * those at vm's path first when prefer_path (the SQL this replaced
 * ordered by "path = ? first, then id"). */
static const struct known_vm *pick(const vg_store_run *w, int k, const char *key,
                                   const struct vm_keys *vm, int prefer_path,
                                   int (*accepts)(const struct known_vm *, const struct vm_keys *))
{
    const struct vm_index *x = &w->known;
    if (!key || !x->n_buckets)
        return NULL;
    const struct known_vm *other = NULL;
    for (uint32_t e = x->head[k][hash_str(key) & (x->n_buckets - 1)]; e;
         e = x->vms[e - 1].next[k]) {
        const struct known_vm *v = &x->vms[e - 1];
        if (!same(index_key(v, k), key) || !accepts(v, vm) || set_has(&w->used, v->id))
            continue;
        if (!prefer_path || same(v->path, vm->path))
            return v;
        if (!other)
            other = v;
    }
    return other;
}

int vg_store_run_begin(vg_store *s, const vg_report_run *run, vg_store_run **out, vg_error *err)
{
    *out = NULL;
    if (!s || !run)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store run: no store or no run");
    if (s->readonly)
        return vg_error_set(err, VG_EUSAGE, s->where, 0, "the store was opened read-only");
    if (s->in_run)
        return vg_error_set(err, VG_EUSAGE, s->where, 0, "a run is already being written");
    vg_store_run *w = calloc(1, sizeof *w);
    if (!w)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    w->s = s;
    int rc = s->ops->begin_run(s, err);
    if (rc) {
        free(w);
        return rc;
    }
    s->in_run = 1;
    /* the known VMs' new identities, applied to vms in one statement at commit */
    if (rc == VG_OK)
        rc = vg_store_exec(s,
                           "CREATE TEMP TABLE IF NOT EXISTS vg_seen (id BIGINT PRIMARY KEY, "
                           "instance_uuid TEXT, uuid TEXT, server TEXT, path TEXT, name TEXT); "
                           "DELETE FROM vg_seen",
                           err);
    if (rc == VG_OK)
        rc = index_load(w, err);
    struct params p = {.n = 0};
    vg_store_p_int(&p, (long long)run->started);
    vg_store_p_str(&p, run->tool_version ? run->tool_version : vg_version());
    vg_store_p_str(&p, run->hostname);
    int found = 0;
    if (rc == VG_OK)
        rc = vg_store_query_int(s,
                                "INSERT INTO runs (started, tool_version, hostname) "
                                "VALUES (?, ?, ?) RETURNING id",
                                p.v, p.n, &w->id, &found, err);
    if (rc == VG_OK && !found)
        rc = vg_error_set(err, VG_EIO, s->where, 0, "the new run got no id");
    if (rc == VG_OK)
        rc = add_run_rows(w, run, err);
    if (rc) {
        vg_store_run_abort(w);
        return rc;
    }
    *out = w;
    return VG_OK;
}

/* First id a statement's rows give that this run has not taken yet. */
static void keys_release(struct vm_keys *k)
{
    free(k->instance_uuid);
    free(k->uuid);
    free(k->server);
    free(k->path);
    free(k->name);
}

static int keys_of(const vg_store *s, const vg_vm *vm, struct vm_keys *k)
{
    const char *src[5] = {vm->instance_uuid, vm->uuid, vm->server, vm->path, vm->name};
    char **dst[5] = {&k->instance_uuid, &k->uuid, &k->server, &k->path, &k->name};
    memset(k, 0, sizeof *k);
    for (int i = 0; i < 5; i++) {
        if (!src[i])
            continue;
        *dst[i] = s->ops->stored_text ? s->ops->stored_text(src[i]) : strdup(src[i]);
        if (!*dst[i])
            return VG_ENOMEM;
    }
    return VG_OK;
}

static int any_instance(const struct known_vm *v, const struct vm_keys *vm)
{
    (void)v, (void)vm;
    return 1;
}

/* by BIOS UUID: not when both sides have an instance UUID */
static int uuid_ok(const struct known_vm *v, const struct vm_keys *vm)
{
    return !v->instance_uuid || !vm->instance_uuid;
}

/* by path: same server, and no UUID that says it is another VM */
static int path_ok(const struct known_vm *v, const struct vm_keys *vm)
{
    return same_or_null(v->server, vm->server) &&
           (!v->uuid || !vm->uuid || same(v->uuid, vm->uuid)) &&
           (!v->instance_uuid || !vm->instance_uuid || same(v->instance_uuid, vm->instance_uuid));
}

static int new_vm_id(vg_store_run *w, int64_t *id, vg_error *err)
{
    vg_store *s = w->s;
    if (!s->ops->new_vm_ids) {
        *id = w->next_id++;
        return VG_OK;
    }
    if (!w->n_pool) {
        db_stmt *st = NULL;
        int rc = s->ops->prepare(s, s->ops->new_vm_ids, &st, err);
        if (rc == VG_OK)
            rc = s->ops->run(st, NULL, 0, err);
        while (rc == VG_OK && (rc = s->ops->next(st, err)) == 1) {
            rc = VG_OK;
            int64_t *pool = realloc(w->id_pool, (w->n_pool + 1) * sizeof *pool);
            if (!pool) {
                rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
                break;
            }
            w->id_pool = pool;
            /* kept in reverse, so ids are handed out in ascending order */
            memmove(pool + 1, pool, w->n_pool * sizeof *pool);
            pool[0] = vg_store_col_int(st, s->ops, 0);
            w->n_pool++;
        }
        s->ops->finalize(st);
        if (rc < 0)
            return rc;
        if (!w->n_pool)
            return vg_error_set(err, VG_EIO, s->where, 0, "the store gave no id for a new VM");
    }
    *id = w->id_pool[--w->n_pool];
    return VG_OK;
}

static int resolve_vm(vg_store_run *w, const vg_vm *vm, int64_t *id, vg_error *err)
{
    struct vm_keys k;
    *id = 0;
    if (keys_of(w->s, vm, &k) != VG_OK) {
        keys_release(&k);
        return vg_error_set(err, VG_ENOMEM, w->s->where, 0, "out of memory");
    }
    const struct known_vm *v = pick(w, BY_INSTANCE, k.instance_uuid, &k, 1, any_instance);
    if (!v)
        v = pick(w, BY_UUID, k.uuid, &k, 1, uuid_ok);
    if (!v)
        v = pick(w, BY_PATH, k.path, &k, 0, path_ok);
    struct params p = {.n = 0};
    int rc = VG_OK;
    if (v) {
        /* known: its latest identity goes to vms at commit */
        *id = v->id;
        vg_store_p_int(&p, *id);
        vg_store_p_str(&p, k.instance_uuid);
        vg_store_p_str(&p, k.uuid);
        vg_store_p_str(&p, k.server);
        vg_store_p_str(&p, k.path);
        vg_store_p_str(&p, k.name);
        rc = w->s->ops->bulk_add(w->s, BULK_VMS_SEEN, p.v, err);
        w->seen++;
    } else {
        rc = new_vm_id(w, id, err);
        vg_store_p_int(&p, *id);
        vg_store_p_str(&p, k.instance_uuid);
        vg_store_p_str(&p, k.uuid);
        vg_store_p_str(&p, k.server);
        vg_store_p_str(&p, k.path);
        vg_store_p_str(&p, k.name);
        vg_store_p_int(&p, w->id);
        vg_store_p_int(&p, w->id);
        if (rc == VG_OK)
            rc = w->s->ops->bulk_add(w->s, BULK_VMS_NEW, p.v, err);
    }
    keys_release(&k);
    if (rc == VG_OK && set_add(&w->used, *id) != VG_OK)
        rc = vg_error_set(err, VG_ENOMEM, w->s->where, 0, "out of memory");
    return rc;
}

static const char *const origin_names[] = {"file", "vsphere", "guest"};

static int add_vm_row(vg_store_run *w, const vg_vm_report *vr, int64_t vm_id, vg_error *err)
{
    const vg_vm *vm = vr->vm;
    struct params p = {.n = 0};
    vg_store_p_int(&p, w->id);
    vg_store_p_int(&p, (long long)w->vms);
    vg_store_p_int(&p, vm_id);
    vg_store_p_str(&p, vm->name);
    vg_store_p_str(&p, vm->path);
    vg_store_p_str(&p, vm->moref);
    vg_store_p_str(&p, vm->uuid);
    vg_store_p_str(&p, vm->instance_uuid);
    vg_store_p_str(&p, vm->server);
    vg_store_p_str(&p, vm->host);
    vg_store_p_str(&p, vm->hw_version);
    vg_store_p_str(&p, vm->guest_os);
    vg_store_p_str(&p, vm->managed_by);
    vg_store_p_str(&p, (unsigned)vm->origin < 3 ? origin_names[vm->origin] : "file");
    vg_store_p_str(&p, vg_power_state_name(vm->power));
    vg_store_p_int(&p, vm->locked != 0);
    vg_store_p_int(&p, vm->is_template != 0);
    struct stat st;
    if (vm->origin == VG_ORIGIN_FILE && vm->path && stat(vm->path, &st) == 0)
        vg_store_p_int(&p, (long long)st.st_mtime);
    else
        vg_store_p_str(&p, NULL);
    vg_store_p_int(&p, (long long)vr->counts[VG_FAIL]);
    return w->s->ops->bulk_add(w->s, BULK_RUN_VMS, p.v, err);
}

static int add_result_row(vg_store_run *w, size_t i, const vg_result *r, vg_error *err)
{
    const vg_profile_rule *pr = r->prule;
    struct params p = {.n = 0};
    vg_store_p_int(&p, w->id);
    vg_store_p_int(&p, (long long)w->vms);
    vg_store_p_int(&p, (long long)i);
    vg_store_p_str(&p, r->profile && r->profile->id ? r->profile->id : "");
    vg_store_p_str(&p, pr && pr->rule && pr->rule->id ? pr->rule->id : "");
    vg_store_p_str(&p, vg_result_status_name(r->status));
    vg_store_p_str(&p, vg_result_status_name(r->raw_status));
    vg_store_p_str(&p, vg_severity_name(pr ? pr->severity : VG_SEV_INFO));
    vg_store_p_str(&p, r->key);
    vg_store_p_str(&p, r->actual);
    vg_store_p_str(&p, r->expected);
    vg_store_p_str(&p, r->evidence);
    vg_store_p_str(&p, r->fix);
    vg_store_p_str(&p, r->file);
    if (r->line)
        vg_store_p_int(&p, r->line);
    else
        vg_store_p_str(&p, NULL);
    vg_store_p_str(&p, r->waiver_reason);
    vg_store_p_str(&p, r->waiver_approver);
    vg_store_p_str(&p, r->waiver_expires);
    vg_store_p_int(&p, r->waiver_expired != 0);
    return w->s->ops->bulk_add(w->s, BULK_RESULTS, p.v, err);
}

static int add_lint_row(vg_store_run *w, size_t i, const vg_lint *l, vg_error *err)
{
    struct params p = {.n = 0};
    vg_store_p_int(&p, w->id);
    vg_store_p_int(&p, (long long)w->vms);
    vg_store_p_int(&p, (long long)i);
    vg_store_p_str(&p, l->key);
    if (l->line)
        vg_store_p_int(&p, l->line);
    else
        vg_store_p_str(&p, NULL);
    vg_store_p_str(&p, l->message);
    vg_store_p_str(&p, l->suggest);
    return w->s->ops->bulk_add(w->s, BULK_LINTS, p.v, err);
}

int vg_store_run_vm(vg_store_run *w, const vg_vm_report *vr, vg_error *err)
{
    if (!w || !vr || !vr->vm)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store run vm: no run or no vm");
    int64_t vm_id = 0;
    int rc = resolve_vm(w, vr->vm, &vm_id, err);
    if (rc == VG_OK)
        rc = add_vm_row(w, vr, vm_id, err);
    for (size_t i = 0; rc == VG_OK && i < vr->n_results; i++)
        rc = add_result_row(w, i, &vr->results[i], err);
    for (size_t i = 0; rc == VG_OK && i < vr->n_lints; i++)
        rc = add_lint_row(w, i, &vr->lints[i], err);
    if (rc == VG_OK)
        w->vms++;
    return rc;
}

int vg_store_run_problem(vg_store_run *w, const vg_error *problem, vg_error *err)
{
    if (!w || !problem)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store run problem: no run or no problem");
    struct params p = {.n = 0};
    vg_store_p_int(&p, w->id);
    vg_store_p_int(&p, (long long)w->problems);
    vg_store_p_int(&p, (long long)w->vms);
    vg_store_p_int(&p, problem->code);
    vg_store_p_str(&p, problem->file[0] ? problem->file : NULL);
    if (problem->line)
        vg_store_p_int(&p, problem->line);
    else
        vg_store_p_str(&p, NULL);
    vg_store_p_str(&p, problem->msg);
    int rc = w->s->ops->bulk_add(w->s, BULK_PROBLEMS, p.v, err);
    if (rc == VG_OK)
        w->problems++;
    return rc;
}

static int update_totals(vg_store_run *w, const vg_audit_summary *sum, vg_error *err)
{
    struct params p = {.n = 0};
    vg_store_p_int(&p, (long long)time(NULL));
    vg_store_p_int(&p, (long long)sum->vms);
    vg_store_p_int(&p, (long long)sum->vms_failing);
    vg_store_p_int(&p, (long long)sum->results);
    for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
        vg_store_p_int(&p, (long long)sum->counts[i]);
    for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
        vg_store_p_int(&p, (long long)sum->raw_counts[i]);
    for (int i = 0; i < 4; i++)
        vg_store_p_int(&p, (long long)sum->fail_by_severity[i]);
    vg_store_p_int(&p, (long long)sum->errors);
    vg_store_p_int(&p, (long long)sum->warnings);
    vg_store_p_real(&p, vg_audit_summary_score(sum, 1));
    vg_store_p_int(&p, w->id);
    return vg_store_run_once(
        w->s,
        "UPDATE runs SET finished = ?, vms = ?, vms_failing = ?, results = ?, pass = ?, "
        "fail = ?, not_applicable = ?, manual = ?, error = ?, waived = ?, pending = ?, "
        "raw_pass = ?, raw_fail = ?, raw_not_applicable = ?, raw_manual = ?, raw_error = ?, "
        "raw_waived = ?, raw_pending = ?, "
        "fail_info = ?, fail_low = ?, fail_medium = ?, fail_high = ?, errors = ?, "
        "warnings = ?, score = ? WHERE id = ?",
        p.v, p.n, err);
}

/* Known VMs keep their latest path and name (and an identity they lacked). */
static int apply_seen(vg_store_run *w, vg_error *err)
{
    struct params p = {.n = 0};
    vg_store_p_int(&p, w->id);
    return vg_store_run_once(
        w->s,
        "UPDATE vms SET instance_uuid = COALESCE(s.instance_uuid, vms.instance_uuid), "
        "uuid = COALESCE(s.uuid, vms.uuid), server = s.server, path = s.path, name = s.name, "
        "last_run = ? FROM vg_seen s WHERE vms.id = s.id",
        p.v, p.n, err);
}

int vg_store_run_commit(vg_store_run *w, const vg_audit_summary *sum, int64_t *run_id,
                        vg_error *err)
{
    if (!w || !sum) {
        vg_store_run_abort(w);
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store commit: no run or no summary");
    }
    int rc = w->s->ops->bulk_flush(w->s, err);
    if (rc == VG_OK && w->seen)
        rc = apply_seen(w, err);
    if (rc == VG_OK)
        rc = update_totals(w, sum, err);
    if (rc == VG_OK)
        rc = vg_store_exec(w->s, "COMMIT", err);
    if (rc) {
        vg_store_run_abort(w);
        return rc;
    }
    if (run_id)
        *run_id = w->id;
    run_free(w);
    return VG_OK;
}

/* The VM an event is about, by the same identity rules; 0 when new. */
static int event_vm(vg_store *s, const vg_store_event *ev, int64_t *id, vg_error *err)
{
    int found = 0;
    int rc = VG_OK;
    *id = 0;
    if (ev->instance_uuid) {
        const char *p[1] = {ev->instance_uuid};
        rc = vg_store_query_int(s, "SELECT id FROM vms WHERE instance_uuid = ? ORDER BY id", p, 1,
                                id, &found, err);
    }
    if (rc == VG_OK && !found && ev->uuid) {
        const char *p[1] = {ev->uuid};
        rc = vg_store_query_int(s, "SELECT id FROM vms WHERE uuid = ? ORDER BY id", p, 1, id,
                                &found, err);
    }
    if (rc == VG_OK && !found && ev->vm_path) {
        const char *p[2] = {ev->vm_path, ev->server};
        rc = vg_store_query_int(s,
                                "SELECT id FROM vms WHERE path = ? AND server IS NOT DISTINCT "
                                "FROM CAST(? AS TEXT) ORDER BY id",
                                p, 2, id, &found, err);
    }
    if (!found)
        *id = 0;
    return rc;
}

int vg_store_append_event(vg_store *s, const vg_store_event *ev, int64_t *event_id, vg_error *err)
{
    if (!s || !ev)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store event: no store or no event");
    if (s->readonly || s->in_run)
        return vg_error_set(err, VG_EUSAGE, s->where, 0,
                            s->readonly ? "the store was opened read-only"
                                        : "an event cannot be added while a run is written");
    int64_t vm_id = 0;
    int rc = event_vm(s, ev, &vm_id, err);
    if (rc)
        return rc;
    struct params p = {.n = 0};
    vg_store_p_int(&p, (long long)(ev->at ? ev->at : time(NULL)));
    if (vm_id)
        vg_store_p_int(&p, vm_id);
    else
        vg_store_p_str(&p, NULL);
    const char *strs[] = {ev->server,     ev->vm_name,       ev->vm_path, ev->moref,
                          ev->uuid,       ev->instance_uuid, ev->profile, ev->rule,
                          ev->old_status, ev->new_status,    ev->user,    ev->detail};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        vg_store_p_str(&p, strs[i]);
    int64_t id = 0;
    int found = 0;
    rc = vg_store_query_int(s,
                            "INSERT INTO events (at, vm_id, server, vm_name, vm_path, moref, "
                            "uuid, instance_uuid, profile_id, rule_id, old_status, new_status, "
                            "user_name, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "RETURNING id",
                            p.v, p.n, &id, &found, err);
    if (rc == VG_OK && event_id)
        *event_id = id;
    return rc;
}
