/*
 * Rules and profiles, loaded from YAML (embedded at build time, or a user's
 * file).  A rule is defined once: what it protects, the key it reads, its
 * aliases, VMware's default and the fix.  A profile selects rules for one
 * baseline version and sets what differs per baseline: expected value,
 * comparison, absent semantics, severity and the source's own ids.
 */
#ifndef VMXGUARD_CATALOG_H
#define VMXGUARD_CATALOG_H

#include <stddef.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_rule_kind {
    VG_RULE_VMX_KEY = 0,    /* a .vmx line / config.extraConfig */
    VG_RULE_DEVICE,         /* device presence/connection, key pattern such as serial*.present */
    VG_RULE_API_PROPERTY,   /* typed VM property, with a .vmx spelling where one exists */
    VG_RULE_MANUAL,         /* procedural: reported as manual (Not Reviewed) */
    VG_RULE_GUEST,          /* checked inside the guest (tools.conf, backdoor, drivers) */
    VG_RULE_EVIDENCE,       /* decided from folder/log evidence gathered by a source */
} vg_rule_kind;

typedef enum vg_value_type { VG_TYPE_BOOL = 0, VG_TYPE_INT, VG_TYPE_STRING } vg_value_type;

typedef enum vg_comparison {
    VG_CMP_EQ = 0,   /* equal (bool/int/case-insensitive string by rule type) */
    VG_CMP_NE,       /* anything but value */
    VG_CMP_LE,       /* numeric <= */
    VG_CMP_GE,       /* numeric >= */
    VG_CMP_IN,       /* one of values[] */
    VG_CMP_ABSENT,   /* key must not be present (any matching key fails) */
    VG_CMP_PRESENT,  /* key must be present, any value */
    VG_CMP_MANUAL,   /* not automatable */
} vg_comparison;

typedef enum vg_absent {
    VG_ABSENT_FAIL = 0, /* the key must be set explicitly */
    VG_ABSENT_PASS,     /* a missing key passes (VMware default is compliant) */
    VG_ABSENT_NA,       /* missing means not applicable (e.g. device not present) */
} vg_absent;

/* VMware's default for a range of product versions. */
typedef struct vg_rule_default {
    const char *since;   /* "4.1", "7.0", NULL = always */
    const char *until;   /* last version with this default, NULL = still */
    const char *value;   /* "TRUE", "FALSE", "absent", "1048576" */
    const char *note;
} vg_rule_default;

typedef struct vg_rule {
    const char *id;          /* stable catalog id: "isolation-tools-copy-disable" */
    const char *title;
    const char *description; /* what it protects against, one or two sentences */
    vg_rule_kind kind;
    vg_value_type type;
    const char *key;         /* canonical spelling or glob: "serial*.present" */
    const char **aliases;    /* other spellings VMware honours, NULL-terminated */
    const char *api_property;/* "config.flags.enableLogging" or NULL */
    const vg_rule_default *defaults; size_t n_defaults;
    const char *fix;         /* human text */
    const char *fix_key;     /* key to set when fixing (defaults to key) */
    const char *fix_value;   /* value to set; NULL = take the profile's expected value;
                                "<remove>" = remove the key */
    int needs_cold_start;    /* applies only after power off + power on */
    int needs_human;         /* device removal, disk mode: listed, fixed only with --devices */
    const char *deprecated;  /* no-op / legacy note, NULL if honoured */
    const char *honoured;    /* versions that honour it: "ESX 3.5 - vSphere 6.7" */
} vg_rule;

typedef struct vg_profile_rule {
    const vg_rule *rule;
    const char *source_id;   /* the source's own id: "VMCH-80-000189", "CIS 7.2", "vm-8.isolation-copy-disable" */
    const char **refs;       /* further ids: "V-258703", "SV-258703r933245_rule"; NULL-terminated */
    vg_comparison cmp;
    const char *value;       /* expected value, NULL for absent/present/manual */
    const char **values;     /* for VG_CMP_IN, NULL-terminated */
    vg_absent absent;
    vg_severity severity;
    const char *severity_text; /* as the source says: "CAT II", "L1; Automated", "P0" */
    const char *title;       /* the source's own title where it differs (NULL: rule title) */
    const char *check;       /* check text in own words, optional */
    const char *note;        /* baseline-specific note, e.g. the seed correction */
} vg_profile_rule;

typedef struct vg_profile {
    const char *id;          /* public interface: "disa-vsphere8-vm" */
    const char *title;
    const char *source;      /* "DISA VMware vSphere 8.0 Virtual Machine STIG" */
    const char *benchmark_id;/* "VMW_vSphere_8-0_Virtual_Machine_STIG" */
    const char *version;     /* "V2R1" / "1.0.0" */
    const char *release;     /* "Release: 1 Benchmark Date: 30 Jan 2025" */
    const char *date;        /* ISO date */
    const char *product;     /* "vSphere 8" */
    const char *description;
    const vg_profile_rule *rules; size_t n_rules;
} vg_profile;

typedef struct vg_catalog vg_catalog;

/* The catalog compiled into the binary. */
VG_EXPORT int vg_catalog_load_embedded(vg_catalog **out, vg_error *err);
/* Add rules and/or profiles from a user's YAML file to cat (same format). */
VG_EXPORT int vg_catalog_add_file(vg_catalog *cat, const char *path, vg_error *err);
/* Parse YAML text into cat (name is used in messages). */
VG_EXPORT int vg_catalog_add_yaml(vg_catalog *cat, const char *text, size_t len,
                                  const char *name, vg_error *err);
VG_EXPORT vg_catalog *vg_catalog_new(void);
VG_EXPORT void vg_catalog_free(vg_catalog *cat);

VG_EXPORT const char *vg_catalog_default_profile(void); /* "disa-vsphere8-vm" */
VG_EXPORT size_t vg_catalog_profile_count(const vg_catalog *cat);
VG_EXPORT const vg_profile *vg_catalog_profile_at(const vg_catalog *cat, size_t i);
VG_EXPORT const vg_profile *vg_catalog_profile(const vg_catalog *cat, const char *id);
VG_EXPORT size_t vg_catalog_rule_count(const vg_catalog *cat);
VG_EXPORT const vg_rule *vg_catalog_rule_at(const vg_catalog *cat, size_t i);
VG_EXPORT const vg_rule *vg_catalog_rule(const vg_catalog *cat, const char *id);

VG_EXPORT const char *vg_rule_kind_name(vg_rule_kind k);   /* "vmx-key", "device", ... */
VG_EXPORT const char *vg_comparison_name(vg_comparison c); /* "eq", "le", ... */

#ifdef __cplusplus
}
#endif
#endif
