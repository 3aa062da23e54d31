/*
 * Terraform's JSON: `terraform show -json` of a plan (resource_changes with
 * after / after_unknown) or of a state (values.root_module and its
 * child_modules), and a raw terraform.tfstate (resources[].instances[]).
 * Each vsphere_virtual_machine becomes a VM named by its address; a value
 * the plan only knows after apply is kept as "(known after apply)" and
 * flagged, never guessed.  The file is checked with jansson first; the
 * values are read from the positional tree so evidence has lines.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template_internal.h"

#define TF_TYPE "vsphere_virtual_machine"
#define AFTER_APPLY "(known after apply)"

int vg_tmpl_json_check(const char *data, size_t len, const char *name, vg_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return vg_error_set(err, VG_EINPUT, name, (unsigned)(je.line > 0 ? je.line : 0),
                            "column %d: %s", je.column, je.text);
    json_decref(j);
    return VG_OK;
}

static const hcl_value *get(const hcl_value *obj, const char *key)
{
    const hcl_item *it = vg_hcl_item(obj, key);
    return it ? it->value : NULL;
}

static const char *str(const hcl_value *obj, const char *key)
{
    const hcl_value *v = get(obj, key);
    return v && v->kind == HCL_STRING ? v->text : NULL;
}

static int is_true(const hcl_value *v)
{
    return v && v->kind == HCL_BOOL && strcmp(v->text, "true") == 0;
}

/* One value of values/after, or its unknown marker. */
static void option(tmpl_vm *tv, const hcl_value *vals, const hcl_value *unknown, const char *name,
                   const char *key)
{
    const hcl_item *it = vg_hcl_item(vals, name);
    const char *s = it ? vg_tmpl_scalar(it->value) : NULL;
    if (s)
        vg_tmpl_set(tv, key, s, it->line, 0);
    else if (is_true(get(unknown, name)))
        vg_tmpl_set(tv, key, AFTER_APPLY, unknown ? unknown->line : 0, 1);
}

static void extra_config(tmpl_vm *tv, const hcl_value *vals, const hcl_value *unknown)
{
    const hcl_value *uk = get(unknown, "extra_config");
    if (is_true(uk)) {
        vg_tmpl_diag(tv, VG_DIAG_WARNING, uk->line, "value-unknown",
                     "extra_config: known only after apply; its keys cannot be audited");
        return;
    }
    vg_tmpl_set_object(tv, get(vals, "extra_config"), "extra_config");
    for (size_t i = 0; uk && uk->kind == HCL_OBJECT && i < uk->n_items; i++) {
        if (is_true(uk->items[i].value))
            vg_tmpl_set(tv, uk->items[i].key, AFTER_APPLY, uk->items[i].line, 1);
    }
}

static void cdroms(tmpl_vm *tv, const hcl_value *vals, const hcl_value *unknown)
{
    const hcl_value *cd = get(vals, "cdrom");
    const hcl_value *ucd = get(unknown, "cdrom");
    for (size_t i = 0; cd && cd->kind == HCL_LIST && i < cd->n_items; i++) {
        const hcl_value *o = cd->items[i].value;
        const hcl_value *u =
            ucd && ucd->kind == HCL_LIST && i < ucd->n_items ? ucd->items[i].value : NULL;
        const hcl_value *client = get(o, "client_device");
        const hcl_value *path = get(o, "path");
        /* an unknown path stays unknown: pass the marker as an unknown value */
        hcl_value unk = {.kind = HCL_UNKNOWN, .text = (char *)AFTER_APPLY};
        if (is_true(get(u, "path")))
            path = &unk;
        if (is_true(get(u, "client_device")))
            client = &unk;
        vg_tmpl_tf_cdrom(tv, i, client, path, o->line);
    }
}

static int resource_vm(const char *address, const hcl_value *vals, const hcl_value *unknown,
                       const char *name, vg_vm_sink sink, void *ctx, vg_error *err)
{
    tmpl_vm *tv = vg_tmpl_vm_new(address, name);
    if (!tv)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    option(tv, vals, unknown, "hardware_version", "virtualHW.version");
    option(tv, vals, unknown, "guest_id", "guestOS");
    option(tv, vals, NULL, "uuid", "uuid.bios"); /* an id, audited by no rule */
    cdroms(tv, vals, unknown);
    extra_config(tv, vals, unknown);
    vg_vm *vm = NULL;
    int rc = vg_tmpl_finish(tv, name, &vm, err);
    if (rc != VG_OK)
        return rc;
    return sink(vm, ctx) ? VG_ERR : VG_OK;
}

typedef struct walk {
    const char *name;
    vg_vm_sink sink;
    void *ctx;
    vg_error *err;
    size_t vms;
} walk;

/* values.root_module and child_modules (state, planned_values). */
static int module_resources(walk *w, const hcl_value *mod, unsigned depth)
{
    if (!mod || mod->kind != HCL_OBJECT || depth > 32)
        return VG_OK;
    const hcl_value *rs = get(mod, "resources");
    for (size_t i = 0; rs && rs->kind == HCL_LIST && i < rs->n_items; i++) {
        const hcl_value *r = rs->items[i].value;
        const char *type = str(r, "type"), *mode = str(r, "mode");
        if (!type || strcmp(type, TF_TYPE) != 0 || (mode && strcmp(mode, "managed") != 0))
            continue;
        const char *addr = str(r, "address");
        int rc = resource_vm(addr ? addr : TF_TYPE, get(r, "values"), NULL, w->name, w->sink,
                             w->ctx, w->err);
        if (rc != VG_OK)
            return rc;
        w->vms++;
    }
    const hcl_value *kids = get(mod, "child_modules");
    for (size_t i = 0; kids && kids->kind == HCL_LIST && i < kids->n_items; i++) {
        int rc = module_resources(w, kids->items[i].value, depth + 1);
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* A plan: resource_changes whose result is a VM (not deleted). */
static int plan_resources(walk *w, const hcl_value *changes)
{
    for (size_t i = 0; changes->kind == HCL_LIST && i < changes->n_items; i++) {
        const hcl_value *rc_ = changes->items[i].value;
        const char *type = str(rc_, "type"), *mode = str(rc_, "mode");
        if (!type || strcmp(type, TF_TYPE) != 0 || (mode && strcmp(mode, "managed") != 0))
            continue;
        const hcl_value *change = get(rc_, "change");
        const hcl_value *after = get(change, "after");
        if (!after || after->kind != HCL_OBJECT)
            continue; /* deleted, or no planned value */
        const char *addr = str(rc_, "address");
        int rc = resource_vm(addr ? addr : TF_TYPE, after, get(change, "after_unknown"), w->name,
                             w->sink, w->ctx, w->err);
        if (rc != VG_OK)
            return rc;
        w->vms++;
    }
    return VG_OK;
}

/* terraform.tfstate (format 4): resources[].instances[].attributes. */
static int raw_state(walk *w, const hcl_value *rs)
{
    for (size_t i = 0; rs->kind == HCL_LIST && i < rs->n_items; i++) {
        const hcl_value *r = rs->items[i].value;
        const char *type = str(r, "type"), *rname = str(r, "name"), *mode = str(r, "mode");
        const char *module = str(r, "module");
        if (!type || strcmp(type, TF_TYPE) != 0 || (mode && strcmp(mode, "managed") != 0))
            continue;
        const hcl_value *inst = get(r, "instances");
        for (size_t k = 0; inst && inst->kind == HCL_LIST && k < inst->n_items; k++) {
            const hcl_value *in = inst->items[k].value;
            const hcl_value *ik = get(in, "index_key");
            char addr[600];
            int n = snprintf(addr, sizeof addr, "%s%s%s.%s", module ? module : "",
                             module ? "." : "", type, rname ? rname : "");
            if (ik && n > 0 && (size_t)n < sizeof addr)
                snprintf(addr + n, sizeof addr - (size_t)n,
                         ik->kind == HCL_STRING ? "[\"%.200s\"]" : "[%.200s]", ik->text);
            int rc =
                resource_vm(addr, get(in, "attributes"), NULL, w->name, w->sink, w->ctx, w->err);
            if (rc != VG_OK)
                return rc;
            w->vms++;
        }
    }
    return VG_OK;
}

int vg_tmpl_read_tf_json(const char *data, size_t len, const char *name, vg_vm_sink sink, void *ctx,
                         vg_error *err)
{
    int rc = vg_tmpl_json_check(data, len, name, err);
    hcl_file *f = NULL;
    if (rc == VG_OK)
        rc = vg_hcl_parse(data, len, name, 1, &f, err);
    if (rc != VG_OK)
        return rc;
    walk w = {name, sink, ctx, err, 0};
    const hcl_value *top = f->value;
    const hcl_value *changes = get(top, "resource_changes");
    const hcl_value *values = get(top, "values");
    const hcl_value *resources = get(top, "resources");
    if (changes)
        rc = plan_resources(&w, changes);
    else if (values)
        rc = module_resources(&w, get(values, "root_module"), 0);
    else if (resources)
        rc = raw_state(&w, resources);
    else
        rc = vg_error_set(err, VG_EINPUT, name, 1,
                          "neither a plan (resource_changes), a state (values) nor a "
                          "terraform.tfstate (resources)");
    if (rc == VG_OK && w.vms == 0)
        rc = vg_error_set(err, VG_ENOTFOUND, name, 0, "no %s resource in this %s", TF_TYPE,
                          changes ? "plan" : "state");
    vg_hcl_free(f);
    return rc;
}
