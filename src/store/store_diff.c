/*
 * Comparing two runs, per VM (by the store's VM identity, so a moved or
 * renamed VM is compared with itself) and per rule.  Both comparisons are
 * one SQL full outer join each, so only what changed leaves the database;
 * the kinds are then decided here from the two statuses.  Changes are
 * sorted in C (byte order), so SQLite and PostgreSQL give the same order
 * whatever the server's collation.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

static const char *const kind_names[VG_CHANGE_KIND_COUNT] = {
    [VG_CHANGE_NEW_FAIL] = "newly_failing",
    [VG_CHANGE_FIXED] = "fixed",
    [VG_CHANGE_WAIVED] = "waived",
    [VG_CHANGE_WAIVER_EXPIRED] = "waiver_expired",
    [VG_CHANGE_STATUS] = "changed",
    [VG_CHANGE_VM_APPEARED] = "vm_appeared",
    [VG_CHANGE_VM_DISAPPEARED] = "vm_disappeared",
    [VG_CHANGE_VM_MOVED] = "vm_moved",
};

const char *vg_store_change_kind_name(vg_store_change_kind k)
{
    return (unsigned)k < VG_CHANGE_KIND_COUNT ? kind_names[k] : "unknown";
}

/* VMs in one run only, or in both at another path or name.  Each part is
 * an indexed look-up per VM (run_vms_by_vm), never a join of whole runs.
 * Parameters: A, B, B, A, A, B. */
static const char vm_sql[] =
    "SELECT b.vm_id, NULL, NULL, b.name, b.path, b.moref, b.server, b.uuid, b.instance_uuid, "
    "b.vmx_mtime, 1 FROM run_vms b WHERE b.run_id = ? AND NOT EXISTS "
    "(SELECT 1 FROM run_vms a WHERE a.vm_id = b.vm_id AND a.run_id = ?) "
    "UNION ALL "
    "SELECT a.vm_id, a.name, a.path, NULL, NULL, a.moref, a.server, a.uuid, a.instance_uuid, "
    "NULL, 2 FROM run_vms a WHERE a.run_id = ? AND NOT EXISTS "
    "(SELECT 1 FROM run_vms b WHERE b.vm_id = a.vm_id AND b.run_id = ?) "
    "UNION ALL "
    "SELECT b.vm_id, a.name, a.path, b.name, b.path, b.moref, b.server, b.uuid, "
    "b.instance_uuid, b.vmx_mtime, 3 FROM run_vms a JOIN run_vms b "
    "ON b.vm_id = a.vm_id AND b.run_id = ? WHERE a.run_id = ? "
    "AND (a.path IS DISTINCT FROM b.path OR a.name IS DISTINCT FROM b.name)";

/* Results of VMs in both runs whose status differs, or that one run has
 * and the other not: each result of B looks up its twin in A among that
 * VM's results (the primary key's prefix), and the results of A without a
 * twin in B are added.  Parameters: A, B (first part), B, A (second). */
#define RESULT_COLUMNS                                                                             \
    "vb.vm_id, %s.profile_id, %s.rule_id, ra.status, rb.status, ra.actual, rb.actual, "            \
    "ra.evidence, rb.evidence, COALESCE(rb.key, ra.key), COALESCE(rb.severity, ra.severity), "     \
    "rb.waiver_expired, vb.name, vb.path, vb.moref, vb.server, vb.uuid, vb.instance_uuid, "        \
    "vb.vmx_mtime "
static const char result_sql_fmt[] =
    "SELECT " RESULT_COLUMNS
    "FROM run_vms vb JOIN results rb ON rb.run_id = vb.run_id AND rb.vm_seq = vb.seq "
    "JOIN run_vms va ON va.vm_id = vb.vm_id AND va.run_id = ? "
    "LEFT JOIN results ra ON ra.run_id = va.run_id AND ra.vm_seq = va.seq "
    "AND ra.profile_id = rb.profile_id AND ra.rule_id = rb.rule_id "
    "WHERE vb.run_id = ? AND ra.status IS DISTINCT FROM rb.status "
    "UNION ALL "
    "SELECT " RESULT_COLUMNS
    "FROM run_vms vb JOIN run_vms va ON va.vm_id = vb.vm_id AND va.run_id = ? "
    "JOIN results ra ON ra.run_id = va.run_id AND ra.vm_seq = va.seq "
    "LEFT JOIN results rb ON rb.run_id = vb.run_id AND rb.vm_seq = vb.seq "
    "AND rb.profile_id = ra.profile_id AND rb.rule_id = ra.rule_id "
    "WHERE vb.run_id = ? AND rb.status IS NULL";

/* The same on SQLite, which has no hash join: it walked each VM's 32
 * results for every result's twin (6x the audit's time at 100,000 VMs).
 * Here the run's VMs drive (CROSS JOIN fixes SQLite's join order), and a
 * twin is found through the primary key at the same seq when both runs
 * listed the same rules (the usual case), else by a scan of that VM's
 * results.  Parameters: B, A (first part), B, A (second). */
#define TWIN(x, v, o)                                                                              \
    "COALESCE((SELECT " x ".seq FROM results " x " WHERE " x ".run_id = " v ".run_id AND " x       \
    ".vm_seq = " v ".seq AND " x ".seq = " o ".seq AND " x ".profile_id = " o ".profile_id AND " x \
    ".rule_id = " o ".rule_id), (SELECT " x ".seq FROM results " x " WHERE " x ".run_id = " v      \
    ".run_id AND " x ".vm_seq = " v ".seq AND " x ".profile_id = " o ".profile_id AND " x          \
    ".rule_id = " o ".rule_id ORDER BY " x ".seq LIMIT 1))"
static const char result_sql_sqlite_fmt[] =
    "SELECT " RESULT_COLUMNS
    "FROM run_vms vb CROSS JOIN run_vms va CROSS JOIN results rb "
    "LEFT JOIN results ra ON ra.run_id = va.run_id AND ra.vm_seq = va.seq "
    "AND ra.seq = " TWIN("xa", "va", "rb") " "
    "WHERE vb.run_id = ? AND va.vm_id = vb.vm_id AND va.run_id = ? "
    "AND rb.run_id = vb.run_id AND rb.vm_seq = vb.seq AND ra.status IS DISTINCT FROM rb.status "
    "UNION ALL "
    "SELECT " RESULT_COLUMNS
    "FROM run_vms vb CROSS JOIN run_vms va CROSS JOIN results ra "
    "LEFT JOIN results rb ON rb.run_id = vb.run_id AND rb.vm_seq = vb.seq "
    "AND rb.seq = " TWIN("xb", "vb", "ra") " "
    "WHERE vb.run_id = ? AND va.vm_id = vb.vm_id AND va.run_id = ? "
    "AND ra.run_id = va.run_id AND ra.vm_seq = va.seq AND rb.status IS NULL";

static vg_store_change_kind classify(const char *old_s, const char *new_s, int expired)
{
    int old_fail = old_s && !strcmp(old_s, "fail");
    int new_fail = new_s && !strcmp(new_s, "fail");
    int old_waived = old_s && !strcmp(old_s, "waived");
    if (new_fail && old_waived && expired)
        return VG_CHANGE_WAIVER_EXPIRED;
    if (new_fail && !old_fail)
        return VG_CHANGE_NEW_FAIL;
    if (old_fail && new_s && !strcmp(new_s, "waived"))
        return VG_CHANGE_WAIVED;
    if (old_fail && new_s && (!strcmp(new_s, "pass") || !strcmp(new_s, "not_applicable")))
        return VG_CHANGE_FIXED;
    return VG_CHANGE_STATUS;
}

static void change_release(vg_store_change *c)
{
    char **strs[] = {&c->vm_name,      &c->vm_path,      &c->old_name,   &c->old_path,
                     &c->moref,        &c->server,       &c->uuid,       &c->instance_uuid,
                     &c->profile,      &c->rule,         &c->title,      &c->severity,
                     &c->old_status,   &c->new_status,   &c->old_actual, &c->new_actual,
                     &c->old_evidence, &c->new_evidence, &c->key,        &c->changed_by,
                     &c->change_detail};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
}

void vg_store_diff_free(vg_store_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_changes; i++)
        change_release(&d->changes[i]);
    free(d->changes);
    vg_store_run_info_release(&d->a);
    vg_store_run_info_release(&d->b);
    free(d);
}

static vg_store_change *new_change(vg_store_diff *d, size_t *cap)
{
    if (VG_GROW(d->changes, d->n_changes, *cap) != 0)
        return NULL;
    vg_store_change *c = &d->changes[d->n_changes++];
    memset(c, 0, sizeof *c);
    return c;
}

static int vm_changes(vg_store *s, vg_store_diff *d, size_t *cap, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    struct params p = {.n = 0};
    int64_t ids[6] = {d->b.id, d->a.id, d->a.id, d->b.id, d->b.id, d->a.id};
    for (int i = 0; i < 6; i++)
        vg_store_p_int(&p, ids[i]);
    int rc = o->prepare(s, vm_sql, &st, err);
    if (rc == VG_OK)
        rc = o->run(st, p.v, p.n, err);
    int oom = 0;
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        vg_store_change *c = new_change(d, cap);
        if (!c) {
            oom = 1;
            break;
        }
        long long side = vg_store_col_int(st, o, 10);
        c->kind = side == 1   ? VG_CHANGE_VM_APPEARED
                  : side == 2 ? VG_CHANGE_VM_DISAPPEARED
                              : VG_CHANGE_VM_MOVED;
        c->vm_id = vg_store_col_int(st, o, 0);
        int from_a = side == 2;
        c->vm_name = vg_store_dup(o->col(st, from_a ? 1 : 3), &oom);
        c->vm_path = vg_store_dup(o->col(st, from_a ? 2 : 4), &oom);
        if (side == 3) {
            c->old_name = vg_store_dup(o->col(st, 1), &oom);
            c->old_path = vg_store_dup(o->col(st, 2), &oom);
        }
        c->moref = vg_store_dup(o->col(st, 5), &oom);
        c->server = vg_store_dup(o->col(st, 6), &oom);
        c->uuid = vg_store_dup(o->col(st, 7), &oom);
        c->instance_uuid = vg_store_dup(o->col(st, 8), &oom);
        c->vmx_mtime = (time_t)vg_store_col_int(st, o, 9);
    }
    o->finalize(st);
    if (rc >= 0 && oom)
        rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    return rc < 0 ? rc : VG_OK;
}

static int result_changes(vg_store *s, vg_store_diff *d, size_t *cap, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    struct params p = {.n = 0};
    int sqlite = strcmp(o->name, "sqlite") == 0;
    int64_t ids[4] = {d->a.id, d->b.id, d->a.id, d->b.id};
    for (int i = 0; i < 4; i++)
        vg_store_p_int(&p, ids[sqlite ? i ^ 1 : i]);
    char sql[sizeof result_sql_sqlite_fmt + 64];
    snprintf(sql, sizeof sql, sqlite ? result_sql_sqlite_fmt : result_sql_fmt, "rb", "rb", "ra",
             "ra");
    int rc = o->prepare(s, sql, &st, err);
    if (rc == VG_OK)
        rc = o->run(st, p.v, p.n, err);
    int oom = 0;
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        vg_store_change *c = new_change(d, cap);
        if (!c) {
            oom = 1;
            break;
        }
        int k = 0;
        c->vm_id = vg_store_col_int(st, o, k++);
        char **strs[] = {&c->profile,    &c->rule,       &c->old_status,   &c->new_status,
                         &c->old_actual, &c->new_actual, &c->old_evidence, &c->new_evidence,
                         &c->key,        &c->severity};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
            *strs[i] = vg_store_dup(o->col(st, k++), &oom);
        int expired = vg_store_col_int(st, o, k++) != 0;
        char **vm[] = {&c->vm_name, &c->vm_path, &c->moref,
                       &c->server,  &c->uuid,    &c->instance_uuid};
        for (size_t i = 0; i < sizeof vm / sizeof vm[0]; i++)
            *vm[i] = vg_store_dup(o->col(st, k++), &oom);
        c->vmx_mtime = (time_t)vg_store_col_int(st, o, k++);
        c->kind = classify(c->old_status, c->new_status, expired);
    }
    o->finalize(st);
    if (rc >= 0 && oom)
        rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    return rc < 0 ? rc : VG_OK;
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* VM changes first, then by VM name, path, profile, rule. */
static int cmp_change(const void *pa, const void *pb)
{
    const vg_store_change *a = pa, *b = pb;
    int va = a->kind >= VG_CHANGE_VM_APPEARED, vb = b->kind >= VG_CHANGE_VM_APPEARED;
    int c;
    if (va != vb)
        return vb - va;
    if ((c = cmp_str(a->vm_name, b->vm_name)) || (c = cmp_str(a->vm_path, b->vm_path)) ||
        (c = cmp_str(a->profile, b->profile)) || (c = cmp_str(a->rule, b->rule)))
        return c;
    return (a->vm_id > b->vm_id) - (a->vm_id < b->vm_id);
}

int vg_store_diff_runs(vg_store *s, int64_t run_a, int64_t run_b, vg_store_diff **out,
                       vg_error *err)
{
    *out = NULL;
    if (!s)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "diff: no store");
    vg_store_diff *d = calloc(1, sizeof *d);
    if (!d)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    size_t cap = 0;
    int rc = vg_store_run_info_get(s, run_a, &d->a, err);
    if (rc == VG_OK)
        rc = vg_store_run_info_get(s, run_b, &d->b, err);
    if (rc == VG_OK)
        rc = vm_changes(s, d, &cap, err);
    if (rc == VG_OK)
        rc = result_changes(s, d, &cap, err);
    if (rc) {
        vg_store_diff_free(d);
        return rc;
    }
    if (d->n_changes > 1)
        qsort(d->changes, d->n_changes, sizeof *d->changes, cmp_change);
    for (size_t i = 0; i < d->n_changes; i++)
        d->counts[d->changes[i].kind]++;
    *out = d;
    return VG_OK;
}
