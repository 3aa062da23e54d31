/*
 * The planner: from one VM's audit results to the smallest set of edits
 * that makes every failing, automated, fixable rule pass.
 *
 * Each failing rule turns into demands on concrete keys (an existing key
 * keeps its spelling; a missing one gets the profile's or rule's canonical
 * spelling).  Demands on the same key from several profiles are merged: one
 * value that satisfies them all (the strictest), or a reported conflict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fix_internal.h"
#include "util/grow.h"

struct demand {
    const vg_result *res;
    char *key;         /* spelling to write */
    const char *value; /* NULL = remove */
    struct fix_want want;
    size_t order; /* entry index of an existing key, else large + demand number */
};

struct planner {
    const vg_vm *vm;
    const vg_vmx_doc *doc;
    const vg_fix_opts *opts;
    vg_fix_vm *fv;
    struct demand *d;
    size_t n, cap;
};

static const char *const reason_names[VG_FIX_REASON_COUNT] = {
    [VG_FIX_NEEDS_HUMAN] = "needs-human", [VG_FIX_API_ONLY] = "api-only",
    [VG_FIX_MANUAL] = "manual",           [VG_FIX_NO_VALUE] = "no-value",
    [VG_FIX_CONFLICT] = "conflict",
};

const char *vg_fix_reason_name(vg_fix_reason r)
{
    return (unsigned)r < VG_FIX_REASON_COUNT ? reason_names[r] : "unknown";
}

/* The typed ConfigSpec properties (fix.h): in VirtualMachineConfigSpec's
 * element order, which the vSphere applier keeps. */
static const vg_fix_typed_prop typed_props[] = {
    {"config.flags.enableLogging", "flags.enableLogging", 1, 1},
    {"config.migrateEncryption", "migrateEncryption", 0, 0},
    {"config.ftEncryptionMode", "ftEncryptionMode", 0, 0},
};
#define N_TYPED (sizeof typed_props / sizeof typed_props[0])

const vg_fix_typed_prop *vg_fix_typed_props(size_t *n)
{
    *n = N_TYPED;
    return typed_props;
}

const vg_fix_typed_prop *vg_fix_typed_prop_find(const char *key)
{
    for (size_t i = 0; key && i < N_TYPED; i++) {
        if (!strcmp(key, typed_props[i].key))
            return &typed_props[i];
    }
    return NULL;
}

int vg_fix_typed_key(const char *key)
{
    return vg_fix_typed_prop_find(key) != NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int add_unfixed(struct planner *pl, const vg_result *res, const char *key, vg_fix_reason why,
                       const char *msg)
{
    vg_fix_vm *fv = pl->fv;
    vg_fix_unfixed *u = realloc(fv->unfixed, (fv->n_unfixed + 1) * sizeof *u);
    if (!u)
        return VG_ENOMEM;
    fv->unfixed = u;
    u += fv->n_unfixed++;
    memset(u, 0, sizeof *u);
    u->rule_id = strdup(res->prule->rule->id);
    u->profile_id = dup_or_null(res->profile ? res->profile->id : NULL);
    u->key = dup_or_null(key);
    u->reason = why;
    u->message = strdup(msg);
    return (!u->rule_id || !u->message) ? VG_ENOMEM : 0;
}

static int add_demand(struct planner *pl, const vg_result *res, const char *key, const char *value,
                      const struct fix_want *w, size_t order)
{
    if (VG_GROW(pl->d, pl->n, pl->cap) != 0)
        return VG_ENOMEM;
    struct demand *d = &pl->d[pl->n];
    d->res = res;
    d->key = strdup(key);
    d->value = value;
    d->want = *w;
    d->order = order;
    if (!d->key)
        return VG_ENOMEM;
    pl->n++;
    return 0;
}

/* Does key match the rule's canonical key, fix key, profile key or an alias? */
static int rule_matches(const vg_result *res, const char *key)
{
    const vg_rule *r = res->prule->rule;
    if (vg_catalog_key_match(r->key, key) || vg_catalog_key_match(r->fix_key, key) ||
        vg_catalog_key_match(res->prule->key, key))
        return 1;
    for (size_t i = 0; r->aliases && r->aliases[i]; i++) {
        if (vg_catalog_key_match(r->aliases[i], key))
            return 1;
    }
    return 0;
}

static const char *canonical_key(const vg_result *res)
{
    const vg_rule *r = res->prule->rule;
    if (res->prule->key && !strchr(res->prule->key, '*'))
        return res->prule->key;
    return r->fix_key ? r->fix_key : r->key;
}

#define ORDER_NEW ((size_t)1 << 40)

/* Must-be-absent: remove every matching key. */
static int plan_remove(struct planner *pl, const vg_result *res, const struct fix_want *w)
{
    size_t n = pl->doc ? vg_vmx_doc_count(pl->doc) : 0;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(pl->doc, i);
        if (rule_matches(res, e->key)) {
            int rc = add_demand(pl, res, e->key, NULL, w, i);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Device instance named by prefix (serial0, ide1:0): does it exist and is it
 * of a type the rule covers? */
static int instance_counts(const vg_vmx_doc *doc, const vg_rule *r, const char *prefix)
{
    char k[512];
    snprintf(k, sizeof k, "%s.present", prefix);
    const vg_vmx_entry *p = vg_vmx_doc_find(doc, k);
    if (p && !strcasecmp(p->value, "FALSE"))
        return 0; /* no such device; a present = FALSE rule passes already */
    if (!r->device_types)
        return 1;
    snprintf(k, sizeof k, "%s.deviceType", prefix);
    const vg_vmx_entry *t = vg_vmx_doc_find(doc, k);
    for (size_t i = 0; t && r->device_types[i]; i++) {
        if (!strcasecmp(t->value, r->device_types[i]))
            return 1;
    }
    return 0;
}

/* Device rules: existing instances whose key is missing take instance_default;
 * when that fails, the key is written for that instance. */
static int plan_device_defaults(struct planner *pl, const vg_result *res, const char *value,
                                const struct fix_want *w)
{
    const vg_rule *r = res->prule->rule;
    const char *dot = strrchr(r->key, '.');
    if (!dot || !r->instance_default || vg_fix_value_ok(r->instance_default, w))
        return 0;
    char ppat[256];
    if (snprintf(ppat, sizeof ppat, "%.*s.present", (int)(dot - r->key), r->key) >=
        (int)sizeof ppat)
        return 0;
    size_t n = vg_vmx_doc_count(pl->doc);
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(pl->doc, i);
        char prefix[256], key[512];
        if (strlen(e->key) >= sizeof prefix || !vg_catalog_key_match(ppat, e->key))
            continue; /* device keys are short; a longer one is no instance */
        snprintf(prefix, sizeof prefix, "%.*s", (int)(strrchr(e->key, '.') - e->key), e->key);
        snprintf(key, sizeof key, "%s%s", prefix, dot);
        if (vg_vmx_doc_find(pl->doc, key) || !instance_counts(pl->doc, r, prefix))
            continue;
        int rc = add_demand(pl, res, key, value, w, ORDER_NEW + pl->n);
        if (rc)
            return rc;
    }
    return 0;
}

/* eq/ge/le/in: set every matching key that fails; a missing key is added. */
static int plan_set(struct planner *pl, const vg_result *res, const char *value,
                    const struct fix_want *w)
{
    const vg_rule *r = res->prule->rule;
    int device = r->key && strchr(r->key, '*');
    size_t n = pl->doc ? vg_vmx_doc_count(pl->doc) : 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(pl->doc, i);
        if (!rule_matches(res, e->key))
            continue;
        if (device) {
            char prefix[256];
            if (strlen(e->key) >= sizeof prefix)
                continue;
            const char *dot = strrchr(e->key, '.');
            snprintf(prefix, sizeof prefix, "%.*s", dot ? (int)(dot - e->key) : 0, e->key);
            if (!instance_counts(pl->doc, r, prefix))
                continue;
        }
        seen++;
        if (!vg_fix_value_ok(e->value, w) || e->duplicate) { /* set keeps one copy */
            int rc = add_demand(pl, res, e->key, value, w, i);
            if (rc)
                return rc;
        }
    }
    if (device)
        return pl->doc ? plan_device_defaults(pl, res, value, w) : 0;
    if (!seen)
        return add_demand(pl, res, canonical_key(res), value, w, ORDER_NEW + pl->n);
    return 0;
}

/* Why a failing rule cannot be fixed in settings, or -1 when it can. */
static int unfixable(const vg_result *res, const vg_fix_opts *o, vg_vm_origin origin)
{
    const vg_rule *r = res->prule->rule;
    /* an API VM's device and typed-property keys are synthesised, not extraConfig */
    if (origin != VG_ORIGIN_FILE && r->kind == VG_RULE_API_PROPERTY)
        return VG_FIX_API_ONLY;
    /* ... unless the consumer changes the devices themselves (govc) */
    if (origin != VG_ORIGIN_FILE && r->kind == VG_RULE_DEVICE && !(o && o->devices && o->api_devices))
        return VG_FIX_NEEDS_HUMAN;
    if (r->kind == VG_RULE_MANUAL || r->kind == VG_RULE_GUEST || r->kind == VG_RULE_EVIDENCE ||
        res->prule->cmp == VG_CMP_MANUAL)
        return VG_FIX_MANUAL;
    if (!r->key)
        return VG_FIX_API_ONLY;
    if (r->needs_human && !(o && o->devices))
        return VG_FIX_NEEDS_HUMAN;
    return -1;
}

static const char *const unfixed_text[VG_FIX_REASON_COUNT] = {
    [VG_FIX_NEEDS_HUMAN] = "needs a human decision (device or disk mode)",
    [VG_FIX_API_ONLY] = "a vSphere API property with no .vmx setting; fix it through vCenter",
    [VG_FIX_MANUAL] = "procedural or in-guest check; not fixable in VM settings",
    [VG_FIX_NO_VALUE] = "the profile names no value to set",
};

static int wanted_rule(const vg_result *res, const vg_fix_opts *o)
{
    if (!o || !o->n_rule_ids)
        return 1;
    for (size_t i = 0; i < o->n_rule_ids; i++) {
        const char *id = o->rule_ids[i];
        if (!strcasecmp(id, res->prule->rule->id) ||
            (res->prule->source_id && !strcasecmp(id, res->prule->source_id)))
            return 1;
    }
    return 0;
}

static int wanted(const vg_result *res, const vg_fix_opts *o)
{
    return res->status == VG_FAIL && res->prule && res->prule->rule && wanted_rule(res, o);
}

/* The audit reports a rule whose key is duplicated as an error (VMware
 * refuses such files); writing the wanted value keeps one copy, so that is
 * fixable too. */
static int duplicated(const struct planner *pl, const vg_result *res)
{
    if (res->status != VG_ERROR || !res->prule || !res->prule->rule || !pl->doc)
        return 0;
    size_t n = vg_vmx_doc_count(pl->doc);
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(pl->doc, i);
        if (e->duplicate && rule_matches(res, e->key))
            return 1;
    }
    return 0;
}

/* The value a set-type rule writes, or NULL when it names none. */
static const char *wanted_value(const vg_result *res, const struct fix_want *w)
{
    const vg_profile_rule *pr = res->prule;
    const vg_rule *r = pr->rule;
    const char *value = r->fix_value;
    if (!value)
        value = pr->cmp == VG_CMP_IN && pr->values ? pr->values[0] : pr->value;
    /* booleans are written as VMware writes them */
    if (value && r->type == VG_TYPE_BOOL && !strcasecmp(value, "true"))
        value = "TRUE";
    else if (value && r->type == VG_TYPE_BOOL && !strcasecmp(value, "false"))
        value = "FALSE";
    if (!value || pr->cmp == VG_CMP_PRESENT || (pr->cmp == VG_CMP_NE && !r->fix_value)) {
        if (!value || !vg_fix_value_ok(value, w))
            return NULL;
    }
    return value;
}

/* An API VM's typed property (config.flags.enableLogging, ...): one edit
 * under the property's name, which the vSphere applier sends as the
 * ConfigSpec field. */
static int is_typed_rule(const struct planner *pl, const vg_result *res)
{
    const vg_rule *r = res->prule->rule;
    return pl->fv->origin != VG_ORIGIN_FILE && r->kind == VG_RULE_API_PROPERTY &&
           vg_fix_typed_key(r->api_property) && res->prule->cmp != VG_CMP_MANUAL &&
           !(r->needs_human && !(pl->opts && pl->opts->devices));
}

static int plan_typed(struct planner *pl, const vg_result *res)
{
    const vg_profile_rule *pr = res->prule;
    struct fix_want w = {pr->rule->type, pr->cmp, pr->value, pr->values};
    const char *value = pr->cmp == VG_CMP_ABSENT ? NULL : wanted_value(res, &w);
    if (!value)
        return add_unfixed(pl, res, pr->rule->api_property, VG_FIX_NO_VALUE,
                           unfixed_text[VG_FIX_NO_VALUE]);
    return add_demand(pl, res, pr->rule->api_property, value, &w, ORDER_NEW + pl->n);
}

static int plan_result(struct planner *pl, const vg_result *res)
{
    const vg_profile_rule *pr = res->prule;
    const vg_rule *r = pr->rule;
    if (is_typed_rule(pl, res))
        return plan_typed(pl, res);
    int why = unfixable(res, pl->opts, pl->fv->origin);
    if (why >= 0 && pl->fv->origin != VG_ORIGIN_FILE && r->kind == VG_RULE_DEVICE &&
        !(pl->opts && pl->opts->api_devices))
        return add_unfixed(
            pl, res, r->key, (vg_fix_reason)why,
            "a device: change or remove it through vCenter (not an extraConfig key)");
    if (why >= 0) {
        int rc = add_unfixed(pl, res, r->key, (vg_fix_reason)why, unfixed_text[why]);
        if (rc == 0 && why == VG_FIX_NEEDS_HUMAN) /* the device opt-in decides it */
            pl->fv->unfixed[pl->fv->n_unfixed - 1].with_devices = 1;
        return rc;
    }
    struct fix_want w = {r->type, pr->cmp, pr->value, pr->values};
    if (pr->cmp == VG_CMP_ABSENT || (r->fix_value && !strcmp(r->fix_value, "<remove>")))
        return plan_remove(pl, res, &w);
    const char *value = wanted_value(res, &w);
    if (!value)
        return add_unfixed(pl, res, r->key, VG_FIX_NO_VALUE, unfixed_text[VG_FIX_NO_VALUE]);
    return plan_set(pl, res, value, &w);
}

static int cmp_demand(const void *a, const void *b)
{
    const struct demand *x = a, *y = b;
    int c = strcasecmp(x->key, y->key);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The first candidate value (each demand's own, in order) that satisfies
 * every demand of the group: for le/ge that is the strictest bound. */
static const char *merged_value(const struct demand *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *cand = g[i].value;
        size_t ok = 0;
        for (size_t j = 0; j < n && cand; j++)
            ok += vg_fix_value_ok(cand, &g[j].want) ? 1 : 0;
        if (cand && ok == n)
            return cand;
    }
    return NULL;
}

static int add_rule_id(vg_fix_edit *e, const char *id)
{
    for (size_t i = 0; i < e->n_rule_ids; i++) {
        if (!strcmp(e->rule_ids[i], id))
            return 0;
    }
    char **v = realloc(e->rule_ids, (e->n_rule_ids + 1) * sizeof *v);
    if (!v)
        return VG_ENOMEM;
    e->rule_ids = v;
    return (v[e->n_rule_ids++] = strdup(id)) ? 0 : VG_ENOMEM;
}

static int conflict(struct planner *pl, const struct demand *g, size_t n)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "conflict on %s: ", g[0].key);
    for (size_t i = 0; i < n; i++) {
        vg_buf_printf(&b, "%s%s wants %s (%s)", i ? ", " : "", g[i].res->prule->rule->id,
                      g[i].value ? g[i].value : "it removed",
                      g[i].res->profile ? g[i].res->profile->id : "?");
    }
    int rc = b.oom ? VG_ENOMEM : 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_unfixed(pl, g[i].res, g[i].key, VG_FIX_CONFLICT, b.data);
    vg_buf_release(&b);
    return rc;
}

/* One group of demands on the same key becomes one edit (or a conflict). */
static int merge_group(struct planner *pl, const struct demand *g, size_t n, size_t *orders)
{
    size_t removes = 0;
    for (size_t i = 0; i < n; i++)
        removes += g[i].value == NULL;
    const char *value = NULL;
    if (removes && removes != n)
        return conflict(pl, g, n);
    if (!removes && !(value = merged_value(g, n)))
        return conflict(pl, g, n);
    vg_fix_vm *fv = pl->fv;
    vg_fix_edit *e = &fv->edits[fv->n_edits];
    memset(e, 0, sizeof *e);
    e->op = removes ? VG_FIX_REMOVE : VG_FIX_SET;
    e->key = strdup(g[0].key);
    e->value = dup_or_null(value);
    const vg_vmx_entry *old = pl->doc ? vg_vmx_doc_find(pl->doc, g[0].key) : NULL;
    const char *was = old ? old->value : NULL;
    if (!old && vg_fix_typed_key(g[0].key))
        was = vg_vm_prop(pl->vm, g[0].key); /* the API's value, not a setting */
    e->old_value = dup_or_null(was);
    orders[fv->n_edits++] = g[0].order;
    if (!e->key || (value && !e->value) || (was && !e->old_value))
        return VG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = add_rule_id(e, g[i].res->prule->rule->id);
        if (rc)
            return rc;
        e->cold_start |= g[i].res->prule->rule->needs_cold_start;
        e->device |= g[i].res->prule->rule->kind == VG_RULE_DEVICE;
    }
    fv->cold_start |= e->cold_start;
    return 0;
}

/* Edits in file order of the keys they touch, new keys last (as appended). */
static void sort_edits(vg_fix_vm *fv, size_t *orders)
{
    for (size_t i = 1; i < fv->n_edits; i++) {
        for (size_t j = i; j > 0 && orders[j - 1] > orders[j]; j--) {
            vg_fix_edit t = fv->edits[j];
            fv->edits[j] = fv->edits[j - 1];
            fv->edits[j - 1] = t;
            size_t o = orders[j];
            orders[j] = orders[j - 1];
            orders[j - 1] = o;
        }
    }
}

static int merge_all(struct planner *pl)
{
    if (!pl->n)
        return 0;
    qsort(pl->d, pl->n, sizeof *pl->d, cmp_demand);
    pl->fv->edits = calloc(pl->n, sizeof *pl->fv->edits);
    size_t *orders = calloc(pl->n, sizeof *orders);
    int rc = (!pl->fv->edits || !orders) ? VG_ENOMEM : 0;
    for (size_t i = 0; i < pl->n && !rc;) {
        size_t j = i + 1;
        while (j < pl->n && !strcasecmp(pl->d[i].key, pl->d[j].key))
            j++;
        rc = merge_group(pl, pl->d + i, j - i, orders);
        i = j;
    }
    if (!rc)
        sort_edits(pl->fv, orders);
    free(orders);
    return rc;
}

static int copy_identity(vg_fix_vm *fv, const vg_vm *vm)
{
    fv->origin = vm->origin;
    fv->locked = vm->locked;
    fv->power = vm->power;
    fv->name = dup_or_null(vm->name);
    fv->path = dup_or_null(vm->path);
    fv->moref = dup_or_null(vm->moref);
    fv->uuid = dup_or_null(vm->uuid);
    fv->instance_uuid = dup_or_null(vm->instance_uuid);
    if ((vm->name && !fv->name) || (vm->path && !fv->path) || (vm->moref && !fv->moref) ||
        (vm->uuid && !fv->uuid) || (vm->instance_uuid && !fv->instance_uuid))
        return VG_ENOMEM;
    return 0;
}

int vg_fix_plan_vm(const vg_vm_report *r, const vg_fix_opts *opts, vg_fix_vm **out, vg_error *err)
{
    *out = NULL;
    if (!r || !r->vm)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "fix plan: no audited vm given");
    struct planner pl = {r->vm, r->vm->settings, opts, calloc(1, sizeof(vg_fix_vm)), NULL, 0, 0};
    int rc = pl.fv ? copy_identity(pl.fv, r->vm) : VG_ENOMEM;
    for (size_t i = 0; i < r->n_results && !rc; i++) {
        const vg_result *res = &r->results[i];
        if (wanted(res, opts) || (duplicated(&pl, res) && wanted_rule(res, opts)))
            rc = plan_result(&pl, res);
    }
    if (!rc)
        rc = merge_all(&pl);
    for (size_t i = 0; i < pl.n; i++)
        free(pl.d[i].key);
    free(pl.d);
    if (rc) {
        vg_fix_vm_free(pl.fv);
        return vg_error_set(err, rc, r->vm->path, 0, "out of memory while planning fixes");
    }
    *out = pl.fv;
    return 0;
}

void vg_fix_vm_free(vg_fix_vm *fv)
{
    if (!fv)
        return;
    for (size_t i = 0; i < fv->n_edits; i++) {
        vg_fix_edit *e = &fv->edits[i];
        free(e->key);
        free(e->value);
        free(e->old_value);
        for (size_t j = 0; j < e->n_rule_ids; j++)
            free(e->rule_ids[j]);
        free(e->rule_ids);
    }
    for (size_t i = 0; i < fv->n_unfixed; i++) {
        free(fv->unfixed[i].rule_id);
        free(fv->unfixed[i].profile_id);
        free(fv->unfixed[i].key);
        free(fv->unfixed[i].message);
    }
    free(fv->edits);
    free(fv->unfixed);
    free(fv->name);
    free(fv->path);
    free(fv->moref);
    free(fv->uuid);
    free(fv->instance_uuid);
    free(fv);
}

vg_fix_plan *vg_fix_plan_new(const char *profiles)
{
    vg_fix_plan *p = calloc(1, sizeof *p);
    if (p && !(p->profiles = strdup(profiles ? profiles : ""))) {
        free(p);
        return NULL;
    }
    return p;
}

int vg_fix_plan_add(vg_fix_plan *p, vg_fix_vm *fv, vg_error *err)
{
    if (VG_GROW(p->vms, p->n_vms, p->cap_vms) != 0) {
        vg_fix_vm_free(fv);
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    p->vms[p->n_vms++] = fv;
    return 0;
}

void vg_fix_plan_free(vg_fix_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_vms; i++)
        vg_fix_vm_free(p->vms[i]);
    free(p->vms);
    free(p->profiles);
    free(p);
}
