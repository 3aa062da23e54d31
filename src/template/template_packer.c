/*
 * Packer templates and Terraform configurations (.pkr.hcl, legacy Packer
 * JSON, .tf) into VM records.
 *
 * Packer: each vmware-iso / vmware-vmx source gives a VM whose settings are
 * what the builder writes into the .vmx: a few builder options with a .vmx
 * spelling (version, guest_os_type, usb, sound, serial, parallel, floppy
 * files), then vmx_data, then vmx_data_post (applied last, so it wins).
 * vsphere-iso / vsphere-clone sources give their configuration_parameters
 * (extraConfig) with vm_version, guest_os_type and usb_controller.
 * Terraform: each vsphere_virtual_machine resource gives extra_config,
 * hardware_version, guest_id and its cdrom blocks.  The base .vmx a
 * builder starts from is not modelled: only what the template says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template_internal.h"
#include "util/grow.h"

/* A builder and the attributes holding its settings, in the order they apply. */
static const struct builder {
    const char *type;
    const char *maps[2];
    int vsphere; /* vsphere-iso/clone (API builders) */
} builders[] = {
    {"vmware-iso", {"vmx_data", "vmx_data_post"}, 0},
    {"vmware-vmx", {"vmx_data", "vmx_data_post"}, 0},
    {"vsphere-iso", {"configuration_parameters", NULL}, 1},
    {"vsphere-clone", {"configuration_parameters", NULL}, 1},
};

static const struct builder *builder_of(const char *type)
{
    for (size_t i = 0; type && i < sizeof builders / sizeof builders[0]; i++) {
        if (strcmp(builders[i].type, type) == 0)
            return &builders[i];
    }
    return NULL;
}

/* Attribute lookup over an HCL body or a JSON object, so both syntaxes
 * share the mapping below. */
typedef struct attrs {
    const hcl_body *body;
    const hcl_value *obj;
} attrs;

static const hcl_item *attr_item(const attrs *a, const char *name)
{
    return a->body ? vg_hcl_attr(a->body, name) : vg_hcl_item(a->obj, name);
}

static const hcl_value *attr(const attrs *a, const char *name)
{
    const hcl_item *it = attr_item(a, name);
    return it ? it->value : NULL;
}

static unsigned attr_line(const attrs *a, const char *name)
{
    const hcl_item *it = attr_item(a, name);
    return it ? it->line : 0;
}

/* A builder option with a .vmx spelling: key = value of the option. */
static void option_key(tmpl_vm *tv, const attrs *a, const char *name, const char *key)
{
    const hcl_value *v = attr(a, name);
    const char *s = vg_tmpl_scalar(v);
    if (s)
        vg_tmpl_set(tv, key, s, attr_line(a, name), 0);
    else if (v && v->kind == HCL_UNKNOWN)
        vg_tmpl_set(tv, key, v->text, attr_line(a, name), 1);
}

/* A device option: present when true / a non-empty string or list. */
static void option_device(tmpl_vm *tv, const attrs *a, const char *name, const char *key)
{
    const hcl_value *v = attr(a, name);
    if (!v)
        return;
    int on = v->kind == HCL_BOOL     ? strcmp(v->text, "true") == 0
             : v->kind == HCL_STRING ? v->text[0] != '\0'
             : v->kind == HCL_LIST   ? v->n_items > 0
             : v->kind == HCL_OBJECT ? v->n_items > 0
                                     : -1;
    if (on < 0 && v->kind == HCL_UNKNOWN)
        vg_tmpl_set(tv, key, v->text, attr_line(a, name), 1);
    else if (on > 0)
        vg_tmpl_set(tv, key, "TRUE", attr_line(a, name), 0);
}

static void vsphere_usb(tmpl_vm *tv, const attrs *a)
{
    const hcl_value *v = attr(a, "usb_controller");
    if (!v || v->kind != HCL_LIST)
        return;
    for (size_t i = 0; i < v->n_items; i++) {
        const hcl_value *e = v->items[i].value;
        if (e->kind != HCL_STRING)
            continue;
        if (strcmp(e->text, "usb") == 0)
            vg_tmpl_set(tv, "usb.present", "TRUE", e->line, 0);
        else if (strcmp(e->text, "xhci") == 0)
            vg_tmpl_set(tv, "usb_xhci.present", "TRUE", e->line, 0);
    }
}

static int packer_vm(const struct builder *b, const attrs *a, const char *vm_name, const char *name,
                     vg_vm_sink sink, void *ctx, vg_error *err)
{
    tmpl_vm *tv = vg_tmpl_vm_new(vm_name, name);
    if (!tv)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    tv->go_templates = a->obj != NULL;
    if (b->vsphere) {
        option_key(tv, a, "vm_version", "virtualHW.version");
        option_key(tv, a, "guest_os_type", "guestOS");
        vsphere_usb(tv, a);
    } else {
        option_key(tv, a, "version", "virtualHW.version");
        option_key(tv, a, "guest_os_type", "guestOS");
        option_device(tv, a, "usb", "usb.present");
        option_device(tv, a, "sound", "sound.present");
        option_device(tv, a, "serial", "serial0.present");
        option_device(tv, a, "parallel", "parallel0.present");
        option_device(tv, a, "floppy_files", "floppy0.present");
        option_device(tv, a, "floppy_dirs", "floppy0.present");
        option_device(tv, a, "floppy_content", "floppy0.present");
    }
    for (size_t m = 0; m < 2 && b->maps[m]; m++)
        vg_tmpl_set_object(tv, attr(a, b->maps[m]), b->maps[m]);
    vg_vm *vm = NULL;
    int rc = vg_tmpl_finish(tv, name, &vm, err);
    if (rc != VG_OK)
        return rc;
    return sink(vm, ctx) ? VG_ERR : VG_OK;
}

/* "source.vmware-iso.ubuntu" for HCL, the builder's name (or type) for JSON. */
static char *hcl_vm_name(const hcl_block *blk)
{
    size_t n = strlen(blk->labels[0]) + strlen(blk->labels[1]) + 9;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "source.%s.%s", blk->labels[0], blk->labels[1]);
    return s;
}

static char *tf_vm_name(const hcl_block *blk)
{
    size_t n = strlen(blk->labels[0]) + strlen(blk->labels[1]) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s.%s", blk->labels[0], blk->labels[1]);
    return s;
}

char *vg_tmpl_site_name(const tmpl_map_site *s, vg_template_kind kind)
{
    if (kind == VG_TEMPLATE_PACKER_JSON)
        return strdup(s->vm_name);
    return kind == VG_TEMPLATE_TERRAFORM ? tf_vm_name(s->block) : hcl_vm_name(s->block);
}

static const char *json_str(const hcl_value *obj, const char *key);

int vg_tmpl_site_writes_vmx(const tmpl_map_site *s, vg_template_kind kind)
{
    const struct builder *b = NULL;
    if (kind == VG_TEMPLATE_PACKER_JSON)
        b = builder_of(json_str(s->owner, "type"));
    else if (kind == VG_TEMPLATE_PACKER_HCL)
        b = builder_of(s->block->labels[0]);
    return b && !b->vsphere;
}

static const char *json_str(const hcl_value *obj, const char *key)
{
    const hcl_item *it = vg_hcl_item(obj, key);
    return it && it->value->kind == HCL_STRING ? it->value->text : NULL;
}

int vg_tmpl_sites(const hcl_file *f, vg_template_kind kind, tmpl_map_site **out, size_t *n,
                  const char *name, vg_error *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    tmpl_map_site *v = NULL;
    const hcl_value *list = NULL;
    size_t count = 0;
    if (kind == VG_TEMPLATE_PACKER_JSON) {
        const hcl_item *bi = vg_hcl_item(f->value, "builders");
        if (!bi || bi->value->kind != HCL_LIST)
            return vg_error_set(err, VG_EINPUT, name, bi ? bi->line : 1,
                                "a Packer JSON template needs a \"builders\" list");
        list = bi->value;
        count = list->n_items;
    } else {
        count = f->body.n_blocks;
    }
    for (size_t i = 0; i < count; i++) {
        tmpl_map_site s = {0};
        const struct builder *b = NULL;
        if (kind == VG_TEMPLATE_PACKER_JSON) {
            const hcl_value *o = list->items[i].value;
            if (o->kind != HCL_OBJECT || !(b = builder_of(json_str(o, "type"))))
                continue;
            s.owner = o;
            s.vm_name = json_str(o, "name") ? json_str(o, "name") : b->type;
            for (size_t m = 0; m < 2 && b->maps[m]; m++) {
                s.item[m] = vg_hcl_item(o, b->maps[m]);
                s.attr[m] = b->maps[m];
                s.n_maps = m + 1;
            }
        } else {
            const hcl_block *blk = &f->body.blocks[i];
            if (blk->n_labels != 2)
                continue;
            if (kind == VG_TEMPLATE_PACKER_HCL) {
                if (strcmp(blk->type, "source") != 0 || !(b = builder_of(blk->labels[0])))
                    continue;
                for (size_t m = 0; m < 2 && b->maps[m]; m++) {
                    s.item[m] = vg_hcl_attr(&blk->body, b->maps[m]);
                    s.attr[m] = b->maps[m];
                    s.n_maps = m + 1;
                }
            } else {
                if (strcmp(blk->type, "resource") != 0 ||
                    strcmp(blk->labels[0], "vsphere_virtual_machine") != 0)
                    continue;
                s.item[0] = vg_hcl_attr(&blk->body, "extra_config");
                s.attr[0] = "extra_config";
                s.n_maps = 1;
            }
            s.block = blk;
        }
        if (VG_GROW(v, *n, cap) != 0) {
            free(v);
            return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
        }
        v[(*n)++] = s;
    }
    *out = v;
    return VG_OK;
}

static int no_vms(const char *name, vg_template_kind kind, vg_error *err)
{
    return vg_error_set(err, VG_ENOTFOUND, name, 0, "%s",
                        kind == VG_TEMPLATE_TERRAFORM
                            ? "no vsphere_virtual_machine resource in this file"
                            : "no vmware-iso, vmware-vmx, vsphere-iso or vsphere-clone builder "
                              "in this template");
}

static int read_packer(const hcl_file *f, vg_template_kind kind, const char *name, vg_vm_sink sink,
                       void *ctx, vg_error *err)
{
    tmpl_map_site *sites;
    size_t n;
    int rc = vg_tmpl_sites(f, kind, &sites, &n, name, err);
    if (rc != VG_OK)
        return rc;
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        attrs a = {0};
        const struct builder *b;
        char *vm_name;
        if (kind == VG_TEMPLATE_PACKER_JSON) {
            a.obj = sites[i].owner;
            b = builder_of(json_str(a.obj, "type"));
            vm_name = strdup(sites[i].vm_name);
        } else {
            a.body = &sites[i].block->body;
            b = builder_of(sites[i].block->labels[0]);
            vm_name = hcl_vm_name(sites[i].block);
        }
        rc = vm_name ? packer_vm(b, &a, vm_name, name, sink, ctx, err)
                     : vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
        free(vm_name);
    }
    if (rc == VG_OK && n == 0)
        rc = no_vms(name, kind, err);
    free(sites);
    return rc;
}

int vg_tmpl_read_packer_hcl(const char *data, size_t len, const char *name, vg_vm_sink sink,
                            void *ctx, vg_error *err)
{
    hcl_file *f;
    int rc = vg_hcl_parse(data, len, name, 0, &f, err);
    if (rc != VG_OK)
        return rc;
    rc = read_packer(f, VG_TEMPLATE_PACKER_HCL, name, sink, ctx, err);
    vg_hcl_free(f);
    return rc;
}

int vg_tmpl_read_packer_json(const char *data, size_t len, const char *name, vg_vm_sink sink,
                             void *ctx, vg_error *err)
{
    hcl_file *f;
    int rc = vg_tmpl_json_check(data, len, name, err);
    if (rc == VG_OK)
        rc = vg_hcl_parse(data, len, name, 1, &f, err);
    if (rc != VG_OK)
        return rc;
    rc = read_packer(f, VG_TEMPLATE_PACKER_JSON, name, sink, ctx, err);
    vg_hcl_free(f);
    return rc;
}

/* Terraform's vSphere provider attaches CD-ROMs to the IDE controllers in
 * order: ide0:0, ide0:1, ide1:0, ide1:1.  A client device is the remote
 * ATAPI drive; a datastore path is an ISO image. */
void vg_tmpl_tf_cdrom(tmpl_vm *tv, size_t index, const hcl_value *client, const hcl_value *path,
                      unsigned line)
{
    if (index >= 4) {
        vg_tmpl_diag(tv, VG_DIAG_WARNING, line, "too-many-cdroms",
                     "more CD-ROMs than IDE slots; the fifth and later are not audited");
        return;
    }
    char key[40];
    unsigned bus = (unsigned)index / 2, unit = (unsigned)index % 2;
    int remote = client && client->kind == HCL_BOOL && strcmp(client->text, "true") == 0;
    int unknown = (client && client->kind == HCL_UNKNOWN) || (path && path->kind == HCL_UNKNOWN);
    snprintf(key, sizeof key, "ide%u:%u.present", bus, unit);
    vg_tmpl_set(tv, key, "TRUE", line, 0);
    snprintf(key, sizeof key, "ide%u:%u.deviceType", bus, unit);
    if (unknown)
        vg_tmpl_set(tv, key, "(known after apply)", line, 1);
    else
        vg_tmpl_set(tv, key, remote ? "atapi-cdrom" : "cdrom-image", line, 0);
    snprintf(key, sizeof key, "ide%u:%u.startConnected", bus, unit);
    vg_tmpl_set(tv, key, "TRUE", line, 0);
}

static int tf_vm(const hcl_block *blk, const char *name, vg_vm_sink sink, void *ctx, vg_error *err)
{
    char *vm_name = tf_vm_name(blk);
    tmpl_vm *tv = vm_name ? vg_tmpl_vm_new(vm_name, name) : NULL;
    free(vm_name);
    if (!tv)
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    attrs a = {&blk->body, NULL};
    option_key(tv, &a, "hardware_version", "virtualHW.version");
    option_key(tv, &a, "guest_id", "guestOS");
    size_t cd = 0;
    for (size_t i = 0; i < blk->body.n_blocks; i++) {
        const hcl_block *sub = &blk->body.blocks[i];
        if (strcmp(sub->type, "cdrom") != 0)
            continue;
        const hcl_item *client = vg_hcl_attr(&sub->body, "client_device");
        const hcl_item *path = vg_hcl_attr(&sub->body, "path");
        vg_tmpl_tf_cdrom(tv, cd++, client ? client->value : NULL, path ? path->value : NULL,
                         sub->line);
    }
    const hcl_item *ec = vg_hcl_attr(&blk->body, "extra_config");
    if (ec)
        vg_tmpl_set_object(tv, ec->value, "extra_config");
    vg_vm *vm = NULL;
    int rc = vg_tmpl_finish(tv, name, &vm, err);
    if (rc != VG_OK)
        return rc;
    return sink(vm, ctx) ? VG_ERR : VG_OK;
}

int vg_tmpl_read_tf(const char *data, size_t len, const char *name, vg_vm_sink sink, void *ctx,
                    vg_error *err)
{
    hcl_file *f;
    int rc = vg_hcl_parse(data, len, name, 0, &f, err);
    if (rc != VG_OK)
        return rc;
    tmpl_map_site *sites;
    size_t n;
    rc = vg_tmpl_sites(f, VG_TEMPLATE_TERRAFORM, &sites, &n, name, err);
    for (size_t i = 0; rc == VG_OK && i < n; i++)
        rc = tf_vm(sites[i].block, name, sink, ctx, err);
    if (rc == VG_OK && n == 0)
        rc = no_vms(name, VG_TEMPLATE_TERRAFORM, err);
    free(sites);
    vg_hcl_free(f);
    return rc;
}
