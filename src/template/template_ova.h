/*
 * OVA archives and OVF manifests, shared by the reader (template_ova.c)
 * and the fixer (src/fix/fix_template_ovf.c).
 */
#ifndef VG_TEMPLATE_OVA_H
#define VG_TEMPLATE_OVA_H

#include <stddef.h>

#include "vmxguard/common.h"

/* What vg_tmpl_ova_open keeps of an archive: the descriptor and the
 * manifest, and every member's name. */
typedef struct tmpl_ova {
    char *ovf, *mf;
    size_t ovf_len, mf_len;
    char *ovf_name, *mf_name;
    char **names;
    size_t n_names;
} tmpl_ova;

/* Check and read an OVA (see template_ova.c for what is refused). */
int vg_tmpl_ova_open(const char *path, tmpl_ova *o, vg_error *err);
void vg_tmpl_ova_release(tmpl_ova *o);

typedef struct tmpl_mf_line {
    char alg[16];
    char name[256];
    char digest[140];
    size_t digest_off, digest_len; /* the hex digits inside the line */
} tmpl_mf_line;

int vg_tmpl_manifest_line(const char *s, size_t n, tmpl_mf_line *out);
/* Hex digest of data with "SHA1", "SHA256" or "SHA512"; -1 for others. */
int vg_tmpl_digest(const char *alg, const char *data, size_t len, char *out, size_t outsz);
/* The manifest's digest of member must match data (VG_EINPUT otherwise). */
int vg_tmpl_manifest_check(const char *mf, size_t mflen, const char *mfname, const char *member,
                           const char *data, size_t len, vg_error *err);
/* A descriptor on disk: check it against <name>.mf beside it, if any. */
int vg_tmpl_ovf_manifest(const char *path, const char *data, size_t len, vg_error *err);

#endif
