/*
 * The template source's front door: what kind of template a path is, and
 * the reader for each kind.  Readers build vg_vm records exactly as the
 * file source does, so nothing after this point knows a VM came from a
 * template (other than by its settings document's name).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "template/template_internal.h"
#include "template/template_ova.h"

static const char *const kind_names[VG_TEMPLATE_KIND_COUNT] = {
    [VG_TEMPLATE_NONE] = "none",
    [VG_TEMPLATE_OVF] = "ovf",
    [VG_TEMPLATE_OVA] = "ova",
    [VG_TEMPLATE_PACKER_HCL] = "packer-hcl",
    [VG_TEMPLATE_PACKER_JSON] = "packer-json",
    [VG_TEMPLATE_TERRAFORM] = "terraform",
    [VG_TEMPLATE_TF_JSON] = "terraform-json",
};

const char *vg_template_kind_name(vg_template_kind k)
{
    return (unsigned)k < VG_TEMPLATE_KIND_COUNT ? kind_names[k] : "none";
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* Name suffixes that decide by themselves. */
static const struct {
    const char *suffix;
    vg_template_kind kind;
} suffixes[] = {
    {".pkr.hcl", VG_TEMPLATE_PACKER_HCL},
    {".pkr.json", VG_TEMPLATE_PACKER_JSON},
    {".ovf", VG_TEMPLATE_OVF},
    {".ova", VG_TEMPLATE_OVA},
    {".tf", VG_TEMPLATE_TERRAFORM},
    {".tfstate", VG_TEMPLATE_TF_JSON},
};

/* A .json file: Packer's has "builders", Terraform's "format_version",
 * "terraform_version" or (raw state) "resources". */
static vg_template_kind json_kind(const char *path)
{
    char *data;
    size_t len;
    vg_error err;
    if (vg_tmpl_read_file(path, &data, &len, &err) != VG_OK)
        return VG_TEMPLATE_NONE;
    json_error_t je;
    json_t *j = json_loadb(data, len, 0, &je);
    free(data);
    vg_template_kind k = VG_TEMPLATE_NONE;
    if (json_is_object(j)) {
        if (json_object_get(j, "builders"))
            k = VG_TEMPLATE_PACKER_JSON;
        else if (json_object_get(j, "format_version") || json_object_get(j, "terraform_version"))
            k = VG_TEMPLATE_TF_JSON;
    }
    json_decref(j);
    return k;
}

vg_template_kind vg_template_detect(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return VG_TEMPLATE_NONE;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (ends_with(path, suffixes[i].suffix))
            return suffixes[i].kind;
    }
    if (ends_with(path, ".json"))
        return json_kind(path);
    return VG_TEMPLATE_NONE;
}

int vg_template_read_mem(const char *data, size_t len, const char *name, vg_template_kind kind,
                         vg_vm_sink sink, void *ctx, vg_error *err)
{
    switch (kind) {
    case VG_TEMPLATE_OVF:
        return vg_tmpl_read_ovf(data, len, name, sink, ctx, err);
    case VG_TEMPLATE_PACKER_HCL:
        return vg_tmpl_read_packer_hcl(data, len, name, sink, ctx, err);
    case VG_TEMPLATE_PACKER_JSON:
        return vg_tmpl_read_packer_json(data, len, name, sink, ctx, err);
    case VG_TEMPLATE_TERRAFORM:
        return vg_tmpl_read_tf(data, len, name, sink, ctx, err);
    case VG_TEMPLATE_TF_JSON:
        return vg_tmpl_read_tf_json(data, len, name, sink, ctx, err);
    default:
        return vg_error_set(err, VG_EUSAGE, name, 0, "%s",
                            kind == VG_TEMPLATE_OVA ? "an OVA is read from a file"
                                                    : "not a template this reader knows");
    }
}

int vg_template_read(const char *path, vg_template_kind kind, vg_vm_sink sink, void *ctx,
                     vg_error *err)
{
    if (kind == VG_TEMPLATE_NONE)
        kind = vg_template_detect(path);
    if (kind == VG_TEMPLATE_OVA)
        return vg_tmpl_read_ova(path, sink, ctx, err);
    if (kind == VG_TEMPLATE_NONE)
        return vg_error_set(err, VG_EINPUT, path, 0,
                            "not an OVF, OVA, Packer or Terraform file (or not readable)");
    char *data;
    size_t len;
    int rc = vg_tmpl_read_file(path, &data, &len, err);
    if (rc != VG_OK)
        return rc;
    if (kind == VG_TEMPLATE_OVF)
        rc = vg_tmpl_ovf_manifest(path, data, len, err);
    if (rc == VG_OK)
        rc = vg_template_read_mem(data, len, path, kind, sink, ctx, err);
    free(data);
    return rc;
}
