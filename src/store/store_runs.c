/*
 * Listing runs (history, trend) and naming one: "latest", "latest~N" or an
 * id.  Only committed runs exist for readers: a run being written is in an
 * open transaction, invisible here.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

#define RUN_COLUMNS                                                                                \
    "r.id, r.started, r.finished, r.tool_version, r.hostname, r.vms, r.vms_failing, "              \
    "r.results, r.pass, r.fail, r.not_applicable, r.manual, r.error, r.waived, r.pending, "        \
    "r.errors, r.warnings, r.score"

static void join_into(vg_store *s, const char *sql, int64_t run_id, char **out, int *oom)
{
    vg_error err;
    db_stmt *st = NULL;
    vg_buf b = VG_BUF_INIT;
    struct params p = {.n = 0};
    vg_store_p_int(&p, run_id);
    if (s->ops->prepare(s, sql, &st, &err) == VG_OK && s->ops->run(st, p.v, p.n, &err) == VG_OK) {
        while (s->ops->next(st, &err) == 1) {
            const char *a = s->ops->col(st, 0), *v = s->ops->col(st, 1);
            vg_buf_printf(&b, "%s%s%s%s", b.len ? ", " : "", a ? a : "", v ? "@" : "", v ? v : "");
        }
    }
    s->ops->finalize(st);
    if (b.oom)
        *oom = 1;
    *out = b.len ? vg_buf_detach(&b) : strdup("");
    if (!*out)
        *oom = 1;
    vg_buf_release(&b);
}

static void row_info(vg_store *s, db_stmt *st, vg_store_run_info *ri, int *oom)
{
    const struct store_ops *o = s->ops;
    int c = 0;
    memset(ri, 0, sizeof *ri);
    ri->id = vg_store_col_int(st, o, c++);
    ri->started = (time_t)vg_store_col_int(st, o, c++);
    ri->finished = (time_t)vg_store_col_int(st, o, c++);
    ri->tool_version = vg_store_dup(o->col(st, c++), oom);
    ri->hostname = vg_store_dup(o->col(st, c++), oom);
    ri->vms = (size_t)vg_store_col_int(st, o, c++);
    ri->vms_failing = (size_t)vg_store_col_int(st, o, c++);
    ri->results = (size_t)vg_store_col_int(st, o, c++);
    for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
        ri->counts[i] = (size_t)vg_store_col_int(st, o, c++);
    ri->errors = (size_t)vg_store_col_int(st, o, c++);
    ri->warnings = (size_t)vg_store_col_int(st, o, c++);
    const char *score = o->col(st, c++);
    ri->score = score ? strtod(score, NULL) : 100.0;
}

static void info_release(vg_store_run_info *ri)
{
    free(ri->tool_version);
    free(ri->hostname);
    free(ri->targets);
    free(ri->profiles);
}

void vg_store_runs_free(vg_store_run_info *runs, size_t n)
{
    for (size_t i = 0; runs && i < n; i++)
        info_release(&runs[i]);
    free(runs);
}

static void add_lists(vg_store *s, vg_store_run_info *ri, int *oom)
{
    join_into(s, "SELECT target, NULL FROM run_targets WHERE run_id = ? ORDER BY seq", ri->id,
              &ri->targets, oom);
    join_into(s, "SELECT profile_id, version FROM run_profiles WHERE run_id = ? ORDER BY seq",
              ri->id, &ri->profiles, oom);
}

int vg_store_runs(vg_store *s, vg_store_run_info **out, size_t *n, vg_error *err)
{
    *out = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc = s->ops->prepare(s, "SELECT " RUN_COLUMNS " FROM runs r ORDER BY r.id", &st, err);
    if (rc == VG_OK)
        rc = s->ops->run(st, NULL, 0, err);
    size_t cap = 0;
    int oom = 0;
    vg_store_run_info *runs = NULL;
    while (rc == VG_OK && (rc = s->ops->next(st, err)) == 1) {
        rc = VG_OK;
        if (VG_GROW(runs, *n, cap) != 0) {
            oom = 1;
            break;
        }
        row_info(s, st, &runs[(*n)++], &oom);
    }
    s->ops->finalize(st);
    for (size_t i = 0; rc >= 0 && i < *n; i++)
        add_lists(s, &runs[i], &oom);
    if (rc >= 0 && oom)
        rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    if (rc < 0) {
        vg_store_runs_free(runs, *n);
        *n = 0;
        return rc;
    }
    *out = runs;
    return VG_OK;
}

/* One run's info (diff headers). */
int vg_store_run_info_get(vg_store *s, int64_t id, vg_store_run_info *ri, vg_error *err)
{
    db_stmt *st = NULL;
    struct params p = {.n = 0};
    vg_store_p_int(&p, id);
    int rc = s->ops->prepare(s, "SELECT " RUN_COLUMNS " FROM runs r WHERE r.id = ?", &st, err);
    if (rc == VG_OK)
        rc = s->ops->run(st, p.v, p.n, err);
    int oom = 0;
    if (rc == VG_OK) {
        rc = s->ops->next(st, err);
        if (rc == 1) {
            row_info(s, st, ri, &oom);
            while (s->ops->next(st, err) == 1)
                ;
            rc = VG_OK;
        } else if (rc == 0) {
            rc = vg_error_set(err, VG_ENOTFOUND, s->where, 0, "no run %lld in the store",
                              (long long)id);
        }
    }
    s->ops->finalize(st);
    if (rc == VG_OK)
        add_lists(s, ri, &oom);
    if (rc == VG_OK && oom) {
        info_release(ri);
        rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    }
    return rc;
}

void vg_store_run_info_release(vg_store_run_info *ri)
{
    info_release(ri);
    memset(ri, 0, sizeof *ri);
}

int vg_store_resolve_run(vg_store *s, const char *spec, int64_t *run_id, vg_error *err)
{
    *run_id = 0;
    if (!spec || !*spec)
        spec = "latest";
    long long back = -1;
    char *end = NULL;
    if (strcmp(spec, "latest") == 0) {
        back = 0;
    } else if (strncmp(spec, "latest~", 7) == 0) {
        back = strtoll(spec + 7, &end, 10);
        if (!spec[7] || *end || back < 0)
            return vg_error_set(err, VG_EUSAGE, s->where, 0,
                                "'%s': a run is latest, latest~N or a run id", spec);
    } else {
        long long id = strtoll(spec, &end, 10);
        if (!*spec || *end || id < 1)
            return vg_error_set(err, VG_EUSAGE, s->where, 0,
                                "'%s': a run is latest, latest~N or a run id", spec);
        int found = 0;
        int64_t v = 0;
        struct params p = {.n = 0};
        vg_store_p_int(&p, id);
        int rc =
            vg_store_query_int(s, "SELECT id FROM runs WHERE id = ?", p.v, p.n, &v, &found, err);
        if (rc)
            return rc;
        if (!found)
            return vg_error_set(err, VG_ENOTFOUND, s->where, 0, "no run %lld in the store", id);
        *run_id = v;
        return VG_OK;
    }
    struct params p = {.n = 0};
    vg_store_p_int(&p, back);
    int found = 0;
    int rc = vg_store_query_int(s, "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", p.v,
                                p.n, run_id, &found, err);
    if (rc == VG_OK && !found)
        rc = back ? vg_error_set(err, VG_ENOTFOUND, s->where, 0,
                                 "the store has fewer than %lld runs", back + 1)
                  : vg_error_set(err, VG_ENOTFOUND, s->where, 0, "the store has no run");
    return rc;
}
