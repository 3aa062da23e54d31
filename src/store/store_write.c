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

enum { ST_BY_INSTANCE, ST_BY_UUID, ST_BY_PATH, ST_UPDATE_VM, ST_INSERT_VM, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BY_INSTANCE] = "SELECT id FROM vms WHERE instance_uuid = ? "
                       "ORDER BY CASE WHEN path = ? THEN 0 ELSE 1 END, id",
    [ST_BY_UUID] = "SELECT id FROM vms WHERE uuid = ? "
                   "AND (instance_uuid IS NULL OR CAST(? AS TEXT) IS NULL) "
                   "ORDER BY CASE WHEN path = ? THEN 0 ELSE 1 END, id",
    [ST_BY_PATH] =
        "SELECT id FROM vms WHERE path = ? AND server IS NOT DISTINCT FROM CAST(? AS TEXT) "
        "AND (uuid IS NULL OR CAST(? AS TEXT) IS NULL OR uuid = ?) "
        "AND (instance_uuid IS NULL OR CAST(? AS TEXT) IS NULL OR instance_uuid = ?) "
        "ORDER BY id",
    [ST_UPDATE_VM] = "UPDATE vms SET instance_uuid = COALESCE(?, instance_uuid), "
                     "uuid = COALESCE(?, uuid), server = ?, path = ?, name = ?, last_run = ? "
                     "WHERE id = ?",
    [ST_INSERT_VM] = "INSERT INTO vms (instance_uuid, uuid, server, path, name, first_run, "
                     "last_run) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
};

struct vg_store_run {
    vg_store *s;
    int64_t id;
    size_t vms;
    size_t problems;
    db_stmt *st[ST_COUNT];
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

static void run_free(vg_store_run *w)
{
    for (int i = 0; i < ST_COUNT; i++)
        w->s->ops->finalize(w->st[i]);
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
    for (int i = 0; rc == VG_OK && i < ST_COUNT; i++)
        rc = s->ops->prepare(s, stmt_sql[i], &w->st[i], err);
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
static int first_unused(vg_store_run *w, db_stmt *st, const struct params *p, int64_t *id,
                        vg_error *err)
{
    const struct store_ops *ops = w->s->ops;
    *id = 0;
    int rc = ops->run(st, p->v, p->n, err);
    if (rc)
        return rc;
    /* read every row, so none is left pending on the connection */
    while ((rc = ops->next(st, err)) == 1) {
        int64_t v = vg_store_col_int(st, ops, 0);
        if (!*id && v > 0 && !set_has(&w->used, v))
            *id = v;
    }
    return rc < 0 ? rc : VG_OK;
}

static int resolve_vm(vg_store_run *w, const vg_vm *vm, int64_t *id, vg_error *err)
{
    struct params p = {.n = 0};
    int rc = VG_OK;
    *id = 0;
    if (vm->instance_uuid) {
        vg_store_p_str(&p, vm->instance_uuid);
        vg_store_p_str(&p, vm->path);
        rc = first_unused(w, w->st[ST_BY_INSTANCE], &p, id, err);
    }
    if (rc == VG_OK && !*id && vm->uuid) {
        p.n = 0;
        vg_store_p_str(&p, vm->uuid);
        vg_store_p_str(&p, vm->instance_uuid);
        vg_store_p_str(&p, vm->path);
        rc = first_unused(w, w->st[ST_BY_UUID], &p, id, err);
    }
    if (rc == VG_OK && !*id && vm->path) {
        p.n = 0;
        vg_store_p_str(&p, vm->path);
        vg_store_p_str(&p, vm->server);
        vg_store_p_str(&p, vm->uuid);
        vg_store_p_str(&p, vm->uuid);
        vg_store_p_str(&p, vm->instance_uuid);
        vg_store_p_str(&p, vm->instance_uuid);
        rc = first_unused(w, w->st[ST_BY_PATH], &p, id, err);
    }
    if (rc)
        return rc;
    p.n = 0;
    vg_store_p_str(&p, vm->instance_uuid);
    vg_store_p_str(&p, vm->uuid);
    vg_store_p_str(&p, vm->server);
    vg_store_p_str(&p, vm->path);
    vg_store_p_str(&p, vm->name);
    if (*id) {
        vg_store_p_int(&p, w->id);
        vg_store_p_int(&p, *id);
        rc = w->s->ops->run(w->st[ST_UPDATE_VM], p.v, p.n, err);
    } else {
        vg_store_p_int(&p, w->id);
        vg_store_p_int(&p, w->id);
        rc = first_unused(w, w->st[ST_INSERT_VM], &p, id, err);
        if (rc == VG_OK && !*id)
            rc = vg_error_set(err, VG_EIO, w->s->where, 0, "a new VM got no id");
    }
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
    db_stmt *st = NULL;
    int rc = w->s->ops->prepare(
        w->s,
        "UPDATE runs SET finished = ?, vms = ?, vms_failing = ?, results = ?, pass = ?, "
        "fail = ?, not_applicable = ?, manual = ?, error = ?, waived = ?, pending = ?, "
        "raw_pass = ?, raw_fail = ?, raw_not_applicable = ?, raw_manual = ?, raw_error = ?, "
        "raw_waived = ?, raw_pending = ?, "
        "fail_info = ?, fail_low = ?, fail_medium = ?, fail_high = ?, errors = ?, "
        "warnings = ?, score = ? WHERE id = ?",
        &st, err);
    if (rc == VG_OK)
        rc = w->s->ops->run(st, p.v, p.n, err);
    w->s->ops->finalize(st);
    return rc;
}

int vg_store_run_commit(vg_store_run *w, const vg_audit_summary *sum, int64_t *run_id,
                        vg_error *err)
{
    if (!w || !sum) {
        vg_store_run_abort(w);
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "store commit: no run or no summary");
    }
    int rc = w->s->ops->bulk_flush(w->s, err);
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
