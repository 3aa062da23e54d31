/*
 * Shared by the template readers: a VM under construction (settings with
 * the template's lines, diagnostics about the template), turned into a
 * vg_vm by vg_tmpl_finish; and what the fixer needs to know about where
 * each VM's settings live in the template's bytes.
 */
#ifndef VG_TEMPLATE_INTERNAL_H
#define VG_TEMPLATE_INTERNAL_H

#include <stddef.h>

#include "template/template_hcl.h"
#include "vmxguard/template.h"

typedef struct tmpl_setting {
    char *key;
    char *value; /* the literal; for unknown values the expression's text */
    unsigned line;
    int unknown;
} tmpl_setting;

typedef struct tmpl_diag {
    vg_diag_level level;
    unsigned line;
    const char *code; /* static string */
    char *msg;
} tmpl_diag;

typedef struct tmpl_vm {
    vg_vm *vm; /* identity and properties are filled directly */
    tmpl_setting *s;
    size_t n, cap;
    size_t *index; /* open addressing over s by lower-cased key: slot = i + 1 */
    size_t index_size;
    tmpl_diag *d;
    size_t nd, capd;
    int oom;
    int go_templates; /* legacy Packer JSON: "{{user `x`}}" is computed */
} tmpl_vm;

tmpl_vm *vg_tmpl_vm_new(const char *name, const char *path);
void vg_tmpl_vm_free(tmpl_vm *tv);
/* Set key (a later set of the same key, ignoring case, replaces it:
 * vmx_data_post over vmx_data). */
void vg_tmpl_set(tmpl_vm *tv, const char *key, const char *value, unsigned line, int unknown);
void vg_tmpl_diag(tmpl_vm *tv, vg_diag_level level, unsigned line, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Build the settings document named docname (template lines kept) and hand
 * the VM to *out; tv is freed either way. */
int vg_tmpl_finish(tmpl_vm *tv, const char *docname, vg_vm **out, vg_error *err);

/* Settings from an HCL/JSON object value (vmx_data, extra_config ...). */
void vg_tmpl_set_object(tmpl_vm *tv, const hcl_value *obj, const char *what);
/* A scalar value as .vmx text ("TRUE" for true, as written for numbers);
 * NULL for lists, objects and unknown values. */
const char *vg_tmpl_scalar(const hcl_value *v);

/* Terraform cdrom block number index (client_device, path) as .vmx keys. */
void vg_tmpl_tf_cdrom(tmpl_vm *tv, size_t index, const hcl_value *client, const hcl_value *path,
                      unsigned line);

/* Reads a regular file of at most VG_TEMPLATE_MAX_FILE bytes. */
int vg_tmpl_read_file(const char *path, char **out, size_t *len, vg_error *err);

/* The readers; each calls sink per VM.  name is the file's name for
 * evidence and messages. */
int vg_tmpl_read_packer_hcl(const char *data, size_t len, const char *name, vg_vm_sink sink,
                            void *ctx, vg_error *err);
int vg_tmpl_read_packer_json(const char *data, size_t len, const char *name, vg_vm_sink sink,
                             void *ctx, vg_error *err);
int vg_tmpl_read_tf(const char *data, size_t len, const char *name, vg_vm_sink sink, void *ctx,
                    vg_error *err);
int vg_tmpl_read_tf_json(const char *data, size_t len, const char *name, vg_vm_sink sink, void *ctx,
                         vg_error *err);
/* docname: what evidence names (the .ovf, or "x.ova/member.ovf"). */
int vg_tmpl_read_ovf(const char *data, size_t len, const char *docname, vg_vm_sink sink, void *ctx,
                     vg_error *err);
int vg_tmpl_read_ova(const char *path, vg_vm_sink sink, void *ctx, vg_error *err);

/* Check JSON with jansson (strict grammar, duplicate keys refused). */
int vg_tmpl_json_check(const char *data, size_t len, const char *name, vg_error *err);

/*
 * Where a VM's settings live, for `vmxguard fix`: the object value holding
 * them (NULL when the template has none yet) and the block or object to
 * add it to.  Found again from the bytes at fix time, so the reader and the
 * fixer cannot disagree.
 */
typedef struct tmpl_map_site {
    const char *vm_name; /* as vg_vm.name */
    /* the object attributes holding settings, in the order they apply
     * (Packer: vmx_data, then vmx_data_post); item NULL when absent */
    const hcl_item *item[2];
    const char *attr[2]; /* their names */
    size_t n_maps;
    /* where a missing attribute goes: the block (HCL) or the builder
     * object (JSON) */
    const hcl_block *block;
    const hcl_value *owner;
} tmpl_map_site;

/* The map sites of a Packer template or .tf file, in VM order.  *out is
 * malloc'd (free it); the pointers point into f. */
int vg_tmpl_sites(const hcl_file *f, vg_template_kind kind, tmpl_map_site **out, size_t *n,
                  const char *name, vg_error *err);

/* The VM name the reader gives a site's VM (malloc'd). */
char *vg_tmpl_site_name(const tmpl_map_site *s, vg_template_kind kind);
/* Whether a builder writes a .vmx (vmware-iso/vmx: device keys in
 * vmx_data work) or talks to vSphere (configuration_parameters, Terraform:
 * devices are changed through the API, not by keys). */
int vg_tmpl_site_writes_vmx(const tmpl_map_site *s, vg_template_kind kind);

#endif
