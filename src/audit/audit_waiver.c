/*
 * Waivers: accepted exceptions, each with a reason, an approver and an
 * expiry, so a known deviation stops failing the run without being hidden.
 * A matching unexpired waiver turns a fail into `waived` (raw_status stays
 * fail); an expired one leaves the fail and says so.  Waivers that matched
 * nothing are reported after the run: stale exceptions are findings too.
 *
 *   waivers:
 *     - rules: [VMCH-80-000195, isolation-tools-copy-disable]
 *       vm: {name: "web*"}        # or {path: "/vmfs/volumes/dmz-ds/..."}  or {uuid: "..."}
 *       reason: vendor appliance needs two console sessions
 *       approver: J. Smith
 *       expires: 2026-12-31
 */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit/audit_internal.h"
#include "util/file_read.h"

typedef struct waiver {
    char **rules;
    size_t n_rules;
    char *name_glob, *path_glob, *uuid;
    char *reason, *approver, *expires;
    int exp_ymd; /* yyyymmdd: waiver holds through that day (UTC) */
    unsigned line;
    char *descr;        /* "waivers.yaml:4: VMCH-80-000195 for name web*" */
    unsigned long used; /* matched results; updated from worker threads */
} waiver;

struct vg_waivers {
    waiver *items;
    size_t n;
};

void vg_waivers_free(vg_waivers *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        waiver *v = &w->items[i];
        for (size_t r = 0; r < v->n_rules; r++)
            free(v->rules[r]);
        free(v->rules);
        char *strs[] = {v->name_glob, v->path_glob, v->uuid, v->reason,
                        v->approver,  v->expires,   v->descr};
        for (size_t s = 0; s < sizeof strs / sizeof strs[0]; s++)
            free(strs[s]);
    }
    free(w->items);
    free(w);
}

/* YYYY-MM-DD, a real calendar date. */
static int parse_date(const char *s, int *ymd)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    *ymd = y * 10000 + m * 100 + d;
    return 0;
}

static char *dup_scalar(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    const char *s = vg_yaml_scalar(vg_yaml_get(d, map, key));
    return s ? strdup(s) : NULL;
}

static int parse_rules(yaml_document_t *d, yaml_node_t *n, const char *name, waiver *v,
                       vg_error *err)
{
    if (vg_yaml_scalar(n)) { /* a single id */
        v->rules = calloc(1, sizeof *v->rules);
        if (!v->rules || !(v->rules[0] = strdup(vg_yaml_scalar(n))))
            return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
        v->n_rules = 1;
        return VG_OK;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top == n->data.sequence.items.start)
        return vg_error_set(err, VG_EINPUT, name, n ? vg_yaml_line(n) : v->line,
                            "waiver needs 'rules': a list of rule ids or source ids");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!(v->rules = calloc(cnt, sizeof *v->rules)))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = yaml_document_get_node(d, n->data.sequence.items.start[i]);
        const char *s = vg_yaml_scalar(it);
        if (!s || !*s)
            return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(it), "rule id must be a string");
        if (!(v->rules[v->n_rules] = strdup(s)))
            return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
        v->n_rules++;
    }
    return VG_OK;
}

static int parse_vm(yaml_document_t *d, yaml_node_t *n, const char *name, waiver *v, vg_error *err)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return vg_error_set(err, VG_EINPUT, name, n ? vg_yaml_line(n) : v->line,
                            "waiver needs 'vm' with one of name, path or uuid");
    v->name_glob = dup_scalar(d, n, "name");
    v->path_glob = dup_scalar(d, n, "path");
    v->uuid = dup_scalar(d, n, "uuid");
    int given = !!v->name_glob + !!v->path_glob + !!v->uuid;
    if (given != 1)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(n),
                            "waiver 'vm' takes exactly one of name, path or uuid");
    return VG_OK;
}

static int describe(waiver *v, const char *name)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s:%u: ", name, v->line);
    for (size_t i = 0; i < v->n_rules; i++)
        vg_buf_printf(&b, "%s%s", i ? "," : "", v->rules[i]);
    vg_buf_printf(&b, " for %s %s",
                  v->name_glob   ? "name"
                  : v->path_glob ? "path"
                                 : "uuid",
                  v->name_glob   ? v->name_glob
                  : v->path_glob ? v->path_glob
                                 : v->uuid);
    v->descr = vg_buf_detach(&b);
    return v->descr ? VG_OK : VG_ENOMEM;
}

static int parse_waiver(yaml_document_t *d, yaml_node_t *n, const char *name, waiver *v,
                        vg_error *err)
{
    v->line = vg_yaml_line(n);
    if (n->type != YAML_MAPPING_NODE)
        return vg_error_set(err, VG_EINPUT, name, v->line, "a waiver must be a mapping");
    int rc = parse_rules(d, vg_yaml_get(d, n, "rules"), name, v, err);
    if (rc == VG_OK)
        rc = parse_vm(d, vg_yaml_get(d, n, "vm"), name, v, err);
    if (rc != VG_OK)
        return rc;
    v->reason = dup_scalar(d, n, "reason");
    v->approver = dup_scalar(d, n, "approver");
    v->expires = dup_scalar(d, n, "expires");
    static const char *const need[] = {"reason", "approver", "expires"};
    char *have[] = {v->reason, v->approver, v->expires};
    for (size_t i = 0; i < 3; i++) {
        if (!have[i] || !*have[i])
            return vg_error_set(err, VG_EINPUT, name, v->line, "waiver needs '%s'", need[i]);
    }
    if (parse_date(v->expires, &v->exp_ymd) != 0)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(vg_yaml_get(d, n, "expires")),
                            "expires must be a date YYYY-MM-DD, not '%s'", v->expires);
    return describe(v, name) == VG_OK ? VG_OK
                                      : vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
}

static int parse_all(yaml_document_t *d, const char *name, vg_waivers *w, vg_error *err)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    yaml_node_t *list = root->type == YAML_SEQUENCE_NODE ? root : vg_yaml_get(d, root, "waivers");
    if (!list || list->type != YAML_SEQUENCE_NODE)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(root), "expected a 'waivers' list");
    size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (n && !(w->items = calloc(n, sizeof *w->items)))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        w->n++;
        int rc = parse_waiver(d, yaml_document_get_node(d, list->data.sequence.items.start[i]),
                              name, &w->items[i], err);
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

int vg_waivers_parse(const char *text, size_t len, const char *name, vg_waivers **out,
                     vg_error *err)
{
    *out = NULL;
    if (!name)
        name = "<waivers>";
    yaml_document_t d;
    int rc = vg_yaml_load(text, len, name, &d, err);
    if (rc != VG_OK)
        return rc;
    vg_waivers *w = calloc(1, sizeof *w);
    rc = w ? parse_all(&d, name, w, err) : vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    yaml_document_delete(&d);
    if (rc != VG_OK) {
        vg_waivers_free(w);
        return rc;
    }
    *out = w;
    return VG_OK;
}

int vg_waivers_load_file(const char *path, vg_waivers **out, vg_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = vg_file_read(path, 16u << 20, "a waiver file", &text, &len, err);
    if (rc)
        return rc;
    rc = vg_waivers_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static int rule_matches(const waiver *v, const vg_result *r)
{
    const vg_profile_rule *pr = r->prule;
    for (size_t i = 0; i < v->n_rules; i++) {
        const char *id = v->rules[i];
        if ((pr->rule && strcasecmp(pr->rule->id, id) == 0) ||
            (pr->source_id && strcasecmp(pr->source_id, id) == 0))
            return 1;
        for (size_t k = 0; pr->refs && pr->refs[k]; k++) {
            if (strcasecmp(pr->refs[k], id) == 0)
                return 1;
        }
    }
    return 0;
}

static int vm_matches(const waiver *v, const vg_vm *vm)
{
    if (v->name_glob)
        return vm->name && fnmatch(v->name_glob, vm->name, FNM_CASEFOLD) == 0;
    if (v->path_glob)
        return vm->path && fnmatch(v->path_glob, vm->path, 0) == 0;
    return (vm->uuid && strcasecmp(vm->uuid, v->uuid) == 0) ||
           (vm->instance_uuid && strcasecmp(vm->instance_uuid, v->uuid) == 0);
}

static int today_ymd(time_t now)
{
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int vg_waivers_apply(const vg_waivers *w, const vg_vm *vm, vg_result *r, time_t now)
{
    if (!w || r->raw_status != VG_FAIL || !r->prule)
        return VG_OK;
    int today = today_ymd(now);
    const waiver *expired = NULL;
    for (size_t i = 0; i < w->n; i++) {
        waiver *v = &w->items[i];
        if (!rule_matches(v, r) || !vm_matches(v, vm))
            continue;
        __atomic_add_fetch(&v->used, 1, __ATOMIC_RELAXED);
        if (v->exp_ymd < today) {
            expired = expired ? expired : v;
            continue;
        }
        expired = NULL;
        r->status = VG_WAIVED;
        r->waiver_expired = 0;
        r->waiver_reason = strdup(v->reason);
        r->waiver_approver = strdup(v->approver);
        r->waiver_expires = strdup(v->expires);
        return r->waiver_reason && r->waiver_approver && r->waiver_expires ? VG_OK : VG_ENOMEM;
    }
    if (expired) {
        r->waiver_expired = 1;
        r->waiver_reason = strdup(expired->reason);
        r->waiver_approver = strdup(expired->approver);
        r->waiver_expires = strdup(expired->expires);
        return r->waiver_reason && r->waiver_approver && r->waiver_expires ? VG_OK : VG_ENOMEM;
    }
    return VG_OK;
}

size_t vg_waivers_unused(const vg_waivers *w, const char **descr, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; w && i < w->n; i++) {
        if (__atomic_load_n(&w->items[i].used, __ATOMIC_RELAXED))
            continue;
        if (descr && n < max)
            descr[n] = w->items[i].descr;
        n++;
    }
    return n;
}
