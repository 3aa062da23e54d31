/*
 * Fixing templates, shared by fix_template.c (Packer, Terraform) and
 * fix_template_ovf.c (OVF, OVA): byte splices over the template's text and
 * the atomic write.
 */
#ifndef VG_FIX_TEMPLATE_H
#define VG_FIX_TEMPLATE_H

#include <stddef.h>

#include "vmxguard/fix.h"
#include "vmxguard/template.h"

/* Replace [off, end) with text; insertions have off == end.  Splices at
 * the same offset keep the order they were added in. */
typedef struct fix_splice {
    size_t off, end;
    char *text;
    size_t seq;
} fix_splice;

typedef struct fix_splices {
    fix_splice *v;
    size_t n, cap;
} fix_splices;

int vg_fix_splices_add(fix_splices *s, size_t off, size_t end, const char *text);
/* New text; VG_ERR when splices overlap. */
int vg_fix_splices_apply(fix_splices *s, const char *src, size_t len, char **out, size_t *outlen);
void vg_fix_splices_release(fix_splices *s);

/* Packer / Terraform text with the plans applied and read back. */
int vg_fix_template_text(const char *src, size_t len, const char *name, vg_template_kind kind,
                         vg_fix_vm *const *fvs, size_t n, char **out, size_t *outlen,
                         vg_fix_outcome *o, vg_error *err);
/* Re-read edited bytes: every SET of the plans must show. */
int vg_fix_verify_template(const char *data, size_t len, const char *name, vg_template_kind kind,
                           vg_fix_vm *const *fvs, size_t n, int skip_devices, vg_error *err);
/* Atomic write of data over path, refused (VG_ECHANGED) if path no longer
 * holds old. */
int vg_fix_write_bytes(const char *path, const char *old, size_t oldlen, const char *data,
                       size_t len, const vg_fix_apply_opts *opts, vg_fix_outcome *o, vg_error *err);
int vg_fix_apply_ovf(const char *path, vg_template_kind kind, vg_fix_vm *const *fvs, size_t n,
                     const vg_fix_apply_opts *opts, vg_fix_outcome *out, vg_error *err);

#endif
