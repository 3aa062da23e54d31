/*
 * Replay: a stored run (or a saved JSON report, store_json.c) handed to a
 * report writer as if the audit were running again, so every format can
 * be had from one audit without reading a file or asking vCenter.  The
 * results only name their profile and rule; the catalog gives the rule
 * text the writers print, so the replay looks both up in the catalog the
 * caller passes (a profile whose version changed since is still used, and
 * named in *changed).  VMs come back in the stored order, problems at the
 * place among the VMs where they were reported, totals as stored.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/grow.h"

char *vg_store_dup(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

int vg_store_status_parse(const char *name, vg_result_status *out)
{
    for (int i = 0; name && i < VG_RESULT_STATUS_COUNT; i++) {
        if (strcmp(vg_result_status_name(i), name) == 0) {
            *out = i;
            return VG_OK;
        }
    }
    return VG_ENOTFOUND;
}

vg_power_state vg_store_power_parse(const char *name)
{
    for (int i = VG_POWER_UNKNOWN; name && i <= VG_POWER_SUSPENDED; i++) {
        if (strcmp(vg_power_state_name(i), name) == 0)
            return i;
    }
    return VG_POWER_UNKNOWN;
}

vg_vm_origin vg_store_origin_parse(const char *name)
{
    static const char *const names[] = {"file", "vsphere", "guest"};
    for (int i = 0; name && i < 3; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return VG_ORIGIN_FILE;
}

void vg_store_recount(vg_vm_report *vr)
{
    memset(vr->counts, 0, sizeof vr->counts);
    for (size_t i = 0; i < vr->n_results; i++) {
        if ((unsigned)vr->results[i].status < VG_RESULT_STATUS_COUNT)
            vr->counts[vr->results[i].status]++;
    }
}

static int skipped(const struct replay_profiles *rp, const char *id)
{
    for (size_t i = 0; rp->opts && id && i < rp->opts->n_skip_profiles; i++) {
        if (rp->opts->skip_profiles[i] && strcmp(rp->opts->skip_profiles[i], id) == 0)
            return 1;
    }
    return 0;
}

static void result_free_strs(vg_result *res)
{
    char **strs[] = {&res->key,           &res->actual,          &res->file,
                     &res->expected,      &res->evidence,        &res->fix,
                     &res->waiver_reason, &res->waiver_approver, &res->waiver_expires};
    for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++) {
        free(*strs[j]);
        *strs[j] = NULL;
    }
}

void vg_store_replay_filter(struct replay_profiles *rp, vg_vm_report *rep)
{
    if (rp->skipping) {
        size_t k = 0;
        for (size_t i = 0; i < rep->n_results; i++) {
            vg_result *res = &rep->results[i];
            if (res->profile && skipped(rp, res->profile->id))
                result_free_strs(res);
            else
                rep->results[k++] = *res;
        }
        rep->n_results = k;
    }
    vg_store_recount(rep);
    /* warnings are taken as stored: lints and file diagnostics */
    size_t warnings = rp->sum.warnings;
    vg_audit_summary_add(&rp->sum, rep);
    rp->sum.warnings = warnings;
}

void vg_store_replay_summary(const struct replay_profiles *rp, vg_audit_summary *stored)
{
    if (!rp->skipping)
        return;
    size_t errors = stored->errors, warnings = stored->warnings;
    *stored = rp->sum;
    stored->errors = errors;
    stored->warnings = warnings;
}

int vg_store_replay_profile(struct replay_profiles *rp, const char *id, const char *version,
                            const char *where, vg_error *err)
{
    if (!id)
        return vg_error_set(err, VG_EINPUT, where, 0, "a profile of the run has no id");
    if (skipped(rp, id)) {
        rp->skipping = 1;
        return VG_OK;
    }
    const vg_profile *p = vg_catalog_profile(rp->cat, id);
    if (!p)
        return vg_error_set(err, VG_ENOTFOUND, where, 0,
                            "the run used profile '%s', which is not in this catalog "
                            "(a profile file of the caller's adds it)",
                            id);
    if (rp->n >= REPLAY_MAX_PROFILES)
        return vg_error_set(err, VG_EINPUT, where, 0, "more than %d profiles in one run",
                            REPLAY_MAX_PROFILES);
    int same = (!version && !p->version) || (version && p->version && !strcmp(version, p->version));
    if (!same)
        vg_buf_printf(&rp->changed, "%s%s (run: %s, catalog: %s)", rp->changed.len ? ", " : "", id,
                      version ? version : "none", p->version ? p->version : "none");
    rp->p[rp->n] = p;
    rp->hint[rp->n] = 0;
    rp->n++;
    return VG_OK;
}

int vg_store_replay_rule(struct replay_profiles *rp, const char *profile_id, const char *rule_id,
                         vg_result *res, const char *where, vg_error *err)
{
    size_t k = 0;
    while (k < rp->n && !(profile_id && strcmp(rp->p[k]->id, profile_id) == 0))
        k++;
    if (k == rp->n && skipped(rp, profile_id)) {
        /* left out: only its profile is needed, to drop it */
        res->profile = vg_catalog_profile(rp->cat, profile_id);
        return res->profile ? VG_OK
                            : vg_error_set(err, VG_ENOTFOUND, where, 0,
                                           "profile '%s' is not in this catalog", profile_id);
    }
    if (k == rp->n)
        return vg_error_set(err, VG_EINPUT, where, 0,
                            "a result names profile '%s', not one of the run's",
                            profile_id ? profile_id : "");
    const vg_profile *p = rp->p[k];
    /* results come in profile order: try where the last one was found first */
    for (size_t step = 0; rule_id && step < p->n_rules; step++) {
        size_t i = (rp->hint[k] + step) % p->n_rules;
        const vg_profile_rule *pr = &p->rules[i];
        if (pr->rule && pr->rule->id && strcmp(pr->rule->id, rule_id) == 0) {
            rp->hint[k] = i + 1;
            res->profile = p;
            res->prule = pr;
            return VG_OK;
        }
    }
    return vg_error_set(err, VG_ENOTFOUND, where, 0,
                        "rule '%s' of profile '%s' is not in this catalog's version of it",
                        rule_id ? rule_id : "", p->id);
}

/* ---- a stored run ---- */

struct stored_vm {
    vg_vm *vm;
    vg_lint *lints;
    size_t n_lints, cap_lints;
};

struct stored_run {
    vg_report_run run;
    char *tool_version, *hostname;
    char **targets;
    size_t n_targets;
    vg_audit_summary sum;
    struct stored_vm *vms;
    size_t n_vms;
    vg_error *problems;
    size_t *problem_at;
    size_t n_problems;
    struct replay_profiles rp;
};

static void stored_free(struct stored_run *sr)
{
    free(sr->tool_version);
    free(sr->hostname);
    for (size_t i = 0; i < sr->n_targets; i++)
        free(sr->targets[i]);
    free(sr->targets);
    for (size_t i = 0; i < sr->n_vms; i++) {
        vg_vm_free(sr->vms[i].vm);
        for (size_t j = 0; j < sr->vms[i].n_lints; j++) {
            free(sr->vms[i].lints[j].key);
            free(sr->vms[i].lints[j].message);
            free(sr->vms[i].lints[j].suggest);
        }
        free(sr->vms[i].lints);
    }
    free(sr->vms);
    free(sr->problems);
    free(sr->problem_at);
    vg_buf_release(&sr->rp.changed);
}

/* Run a query with the run id as its one parameter. */
static int query_run(vg_store *s, const char *sql, int64_t run_id, db_stmt **st, vg_error *err)
{
    struct params p = {.n = 0};
    vg_store_p_int(&p, run_id);
    int rc = s->ops->prepare(s, sql, st, err);
    if (rc == VG_OK)
        rc = s->ops->run(*st, p.v, p.n, err);
    return rc;
}

static int load_header(vg_store *s, int64_t run_id, struct stored_run *sr, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    int rc = query_run(s,
                       "SELECT started, tool_version, hostname, vms, vms_failing, results, pass, "
                       "fail, not_applicable, manual, error, waived, pending, raw_pass, "
                       "raw_fail, raw_not_applicable, raw_manual, raw_error, raw_waived, "
                       "raw_pending, fail_info, "
                       "fail_low, fail_medium, fail_high, errors, warnings FROM runs WHERE id = ?",
                       run_id, &st, err);
    int oom = 0;
    if (rc == VG_OK) {
        rc = o->next(st, err);
        if (rc == 0)
            rc = vg_error_set(err, VG_ENOTFOUND, s->where, 0, "no run %lld in the store",
                              (long long)run_id);
    }
    if (rc == 1) {
        int c = 0;
        sr->run.started = (time_t)vg_store_col_int(st, o, c++);
        sr->tool_version = vg_store_dup(o->col(st, c++), &oom);
        sr->hostname = vg_store_dup(o->col(st, c++), &oom);
        sr->sum.vms = (size_t)vg_store_col_int(st, o, c++);
        sr->sum.vms_failing = (size_t)vg_store_col_int(st, o, c++);
        sr->sum.results = (size_t)vg_store_col_int(st, o, c++);
        for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
            sr->sum.counts[i] = (size_t)vg_store_col_int(st, o, c++);
        for (int i = 0; i < VG_RESULT_STATUS_COUNT; i++)
            sr->sum.raw_counts[i] = (size_t)vg_store_col_int(st, o, c++);
        for (int i = 0; i < 4; i++)
            sr->sum.fail_by_severity[i] = (size_t)vg_store_col_int(st, o, c++);
        sr->sum.errors = (size_t)vg_store_col_int(st, o, c++);
        sr->sum.warnings = (size_t)vg_store_col_int(st, o, c++);
        while (o->next(st, err) == 1)
            ;
        rc = VG_OK;
    }
    o->finalize(st);
    if (rc == VG_OK && oom)
        rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    return rc;
}

static int load_targets_profiles(vg_store *s, int64_t run_id, struct stored_run *sr, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    int rc = query_run(s, "SELECT target FROM run_targets WHERE run_id = ? ORDER BY seq", run_id,
                       &st, err);
    size_t cap = 0;
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        /* NULL-terminated, as argv is: writers join the list */
        if (VG_GROW_N(sr->targets, sr->n_targets, cap, 2) != 0) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        int oom = 0;
        sr->targets[sr->n_targets] = vg_store_dup(o->col(st, 0) ? o->col(st, 0) : "", &oom);
        if (oom)
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
        else
            sr->targets[++sr->n_targets] = NULL;
    }
    o->finalize(st);
    st = NULL;
    if (rc < 0)
        return rc;
    rc = query_run(s, "SELECT profile_id, version FROM run_profiles WHERE run_id = ? ORDER BY seq",
                   run_id, &st, err);
    while (rc == VG_OK && (rc = o->next(st, err)) == 1)
        rc = vg_store_replay_profile(&sr->rp, o->col(st, 0), o->col(st, 1), s->where, err);
    o->finalize(st);
    return rc < 0 ? rc : VG_OK;
}

static int load_vms(vg_store *s, int64_t run_id, struct stored_run *sr, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    size_t cap = 0;
    int rc = query_run(s,
                       "SELECT name, path, moref, uuid, instance_uuid, server, host, hw_version, "
                       "guest_os, managed_by, origin, power, locked, template FROM run_vms "
                       "WHERE run_id = ? ORDER BY seq",
                       run_id, &st, err);
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        if (VG_GROW(sr->vms, sr->n_vms, cap) != 0) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        vg_vm *vm = vg_vm_new(vg_store_origin_parse(o->col(st, 10)));
        if (!vm) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        sr->vms[sr->n_vms++] = (struct stored_vm){vm, NULL, 0, 0};
        char **fields[] = {&vm->name,          &vm->path,      &vm->moref, &vm->uuid,
                           &vm->instance_uuid, &vm->server,    &vm->host,  &vm->hw_version,
                           &vm->guest_os,      &vm->managed_by};
        for (int i = 0; i < 10; i++) {
            if (vg_vm_set_str(fields[i], o->col(st, i)) != VG_OK)
                rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
        }
        vm->power = vg_store_power_parse(o->col(st, 11));
        vm->locked = vg_store_col_int(st, o, 12) != 0;
        vm->is_template = vg_store_col_int(st, o, 13) != 0;
    }
    o->finalize(st);
    return rc < 0 ? rc : VG_OK;
}

static int load_lints(vg_store *s, int64_t run_id, struct stored_run *sr, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    int rc = query_run(s,
                       "SELECT vm_seq, key, line, message, suggest FROM lints WHERE run_id = ? "
                       "ORDER BY vm_seq, seq",
                       run_id, &st, err);
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        long long k = vg_store_col_int(st, o, 0);
        if (k < 0 || (size_t)k >= sr->n_vms)
            continue;
        struct stored_vm *v = &sr->vms[k];
        if (VG_GROW(v->lints, v->n_lints, v->cap_lints) != 0) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        int oom = 0;
        vg_lint *l = &v->lints[v->n_lints++];
        l->key = vg_store_dup(o->col(st, 1), &oom);
        l->line = (unsigned)vg_store_col_int(st, o, 2);
        l->message = vg_store_dup(o->col(st, 3), &oom);
        l->suggest = vg_store_dup(o->col(st, 4), &oom);
        if (oom)
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    }
    o->finalize(st);
    return rc < 0 ? rc : VG_OK;
}

static int load_problems(vg_store *s, int64_t run_id, struct stored_run *sr, vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    size_t cap = 0, cap_at = 0;
    int rc = query_run(s,
                       "SELECT after_vm, code, file, line, message FROM problems WHERE run_id = ? "
                       "ORDER BY seq",
                       run_id, &st, err);
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        if (VG_GROW(sr->problems, sr->n_problems, cap) != 0 ||
            VG_GROW(sr->problem_at, sr->n_problems, cap_at) != 0) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        vg_error *p = &sr->problems[sr->n_problems];
        sr->problem_at[sr->n_problems++] = (size_t)vg_store_col_int(st, o, 0);
        const char *file = o->col(st, 2);
        const char *msg = o->col(st, 4);
        vg_error_set(p, (int)vg_store_col_int(st, o, 1), file ? file : "",
                     (unsigned)vg_store_col_int(st, o, 3), "%s", msg ? msg : "");
    }
    o->finalize(st);
    return rc < 0 ? rc : VG_OK;
}

/* One result row (columns from 1 on) into res. */
static int row_result(vg_store *s, db_stmt *st, struct replay_profiles *rp, vg_result *res,
                      vg_error *err)
{
    const struct store_ops *o = s->ops;
    memset(res, 0, sizeof *res);
    int rc = vg_store_replay_rule(rp, o->col(st, 1), o->col(st, 2), res, s->where, err);
    if (rc)
        return rc;
    if (vg_store_status_parse(o->col(st, 3), &res->status) ||
        vg_store_status_parse(o->col(st, 4), &res->raw_status))
        return vg_error_set(err, VG_EINPUT, s->where, 0, "a result has an unknown status '%s'",
                            o->col(st, 3) ? o->col(st, 3) : "");
    int oom = 0;
    res->key = vg_store_dup(o->col(st, 5), &oom);
    res->actual = vg_store_dup(o->col(st, 6), &oom);
    res->expected = vg_store_dup(o->col(st, 7), &oom);
    res->evidence = vg_store_dup(o->col(st, 8), &oom);
    res->fix = vg_store_dup(o->col(st, 9), &oom);
    res->file = vg_store_dup(o->col(st, 10), &oom);
    res->line = (unsigned)vg_store_col_int(st, o, 11);
    res->waiver_reason = vg_store_dup(o->col(st, 12), &oom);
    res->waiver_approver = vg_store_dup(o->col(st, 13), &oom);
    res->waiver_expires = vg_store_dup(o->col(st, 14), &oom);
    res->waiver_expired = vg_store_col_int(st, o, 15) != 0;
    return oom ? vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory") : VG_OK;
}

/* Free the strings of rep's results; the array is kept for the next VM. */
static void release_results(vg_vm_report *rep)
{
    for (size_t i = 0; i < rep->n_results; i++)
        result_free_strs(&rep->results[i]);
    rep->n_results = 0;
}

/* Hand VM k (its results in rep) and the problems reported before it. */
static int emit_vm(struct stored_run *sr, size_t k, vg_vm_report *rep, size_t *next_problem,
                   vg_report *r, vg_error *err)
{
    while (*next_problem < sr->n_problems && sr->problem_at[*next_problem] <= k) {
        int rc = vg_report_problem(r, &sr->problems[(*next_problem)++], err);
        if (rc)
            return rc;
    }
    rep->vm = sr->vms[k].vm;
    rep->lints = sr->vms[k].lints;
    rep->n_lints = sr->vms[k].n_lints;
    vg_store_replay_filter(&sr->rp, rep);
    int rc = vg_report_vm(r, rep, err);
    release_results(rep);
    return rc;
}

static int stream_results(vg_store *s, int64_t run_id, struct stored_run *sr, vg_report *r,
                          vg_error *err)
{
    const struct store_ops *o = s->ops;
    db_stmt *st = NULL;
    int rc = query_run(s,
                       "SELECT vm_seq, profile_id, rule_id, status, raw_status, key, actual, "
                       "expected, evidence, fix, file, line, waiver_reason, waiver_approver, "
                       "waiver_expires, waiver_expired FROM results WHERE run_id = ? "
                       "ORDER BY vm_seq, seq",
                       run_id, &st, err);
    vg_vm_report rep = {0};
    size_t cap = 0, k = 0, next_problem = 0;
    while (rc == VG_OK && (rc = o->next(st, err)) == 1) {
        rc = VG_OK;
        long long seq = vg_store_col_int(st, o, 0);
        if (seq < (long long)k || (size_t)seq >= sr->n_vms) {
            rc = vg_error_set(err, VG_EINPUT, s->where, 0, "a result of run %lld names no VM",
                              (long long)run_id);
            break;
        }
        while (rc == VG_OK && k < (size_t)seq)
            rc = emit_vm(sr, k++, &rep, &next_problem, r, err);
        if (rc)
            break;
        if (VG_GROW(rep.results, rep.n_results, cap) != 0) {
            rc = vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
            break;
        }
        rc = row_result(s, st, &sr->rp, &rep.results[rep.n_results++], err);
    }
    o->finalize(st);
    while (rc == VG_OK && k < sr->n_vms)
        rc = emit_vm(sr, k++, &rep, &next_problem, r, err);
    release_results(&rep);
    free(rep.results);
    while (rc == VG_OK && next_problem < sr->n_problems)
        rc = vg_report_problem(r, &sr->problems[next_problem++], err);
    return rc < 0 ? rc : VG_OK;
}

int vg_store_replay(vg_store *s, int64_t run_id, const vg_catalog *cat, const vg_replay_opts *opts,
                    vg_report *r, char **changed, vg_error *err)
{
    if (changed)
        *changed = NULL;
    if (!s || !cat || !r)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "replay: no store, catalog or report");
    struct stored_run sr;
    memset(&sr, 0, sizeof sr);
    vg_buf_init(&sr.rp.changed);
    sr.rp.cat = cat;
    sr.rp.opts = opts;
    int rc = load_header(s, run_id, &sr, err);
    if (rc == VG_OK)
        rc = load_targets_profiles(s, run_id, &sr, err);
    if (rc == VG_OK)
        rc = load_vms(s, run_id, &sr, err);
    if (rc == VG_OK)
        rc = load_lints(s, run_id, &sr, err);
    if (rc == VG_OK)
        rc = load_problems(s, run_id, &sr, err);
    if (rc == VG_OK) {
        sr.run.tool_version = sr.tool_version;
        sr.run.hostname = sr.hostname;
        sr.run.catalog = cat;
        sr.run.profiles = sr.rp.p;
        sr.run.n_profiles = sr.rp.n;
        sr.run.targets = (const char *const *)sr.targets;
        sr.run.n_targets = sr.n_targets;
        rc = vg_report_begin(r, &sr.run, err);
    }
    if (rc == VG_OK)
        rc = stream_results(s, run_id, &sr, r, err);
    if (rc == VG_OK) {
        vg_store_replay_summary(&sr.rp, &sr.sum);
        rc = vg_report_end(r, &sr.sum, err);
    }
    if (rc == VG_OK && changed && sr.rp.changed.len)
        *changed = vg_buf_detach(&sr.rp.changed);
    /* the writer is done with the run once ended; only its free is left,
     * which reads nothing of the run */
    stored_free(&sr);
    return rc;
}
