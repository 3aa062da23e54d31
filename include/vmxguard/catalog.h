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

/* Device rules: what a device that exists but is not connected gets (the
 * source's own check decides: DISA's "a present device is a finding" fails
 * it, CIS's and the older guides' "disconnect the device" pass it). */
typedef enum vg_disconnected {
    VG_DISCONNECTED_FAIL = 0, /* present is present, connected or not */
    VG_DISCONNECTED_PASS,     /* present but not connected passes */
} vg_disconnected;

/* VMware's default for a range of product versions. */
typedef struct vg_rule_default {
    const char *since;   /* "4.1", "7.0", NULL = always */
    const char *until;   /* last version with this default, NULL = still */
    const char *value;   /* "TRUE", "FALSE", "absent", "1048576" */
    const char *note;
} vg_rule_default;

/*
 * How a rule's keys are meant to be evaluated (docs/catalog-format.md has the
 * long form):
 *  - key and aliases are spellings VMware honours; matching is case-insensitive
 *    and '*' in them stands for one or more digits (device numbers), so
 *    "serial*.present" matches serial0.present, "ide*:*.present" ide1:0.present.
 *  - Every setting matching key or an alias is checked; the rule passes only if
 *    each one satisfies cmp/value.  "Absent" means no setting matches at all, and
 *    the profile entry's absent field decides then.
 *  - kind device: an instance is the prefix before the last '.' (serial0,
 *    ide1:0).  An instance whose <prefix>.present is FALSE does not exist and is
 *    skipped; device_types restricts instances by <prefix>.deviceType;
 *    instance_default is the value an existing instance has when it lacks key
 *    (a CD-ROM without startConnected starts connected).
 *  - kind api-property: key is the .vmx spelling (NULL if there is none: then
 *    not applicable to a .vmx file); api_property names the vSphere property.
 *  - kind manual / guest, or cmp manual: never evaluated from .vmx settings.
 */
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
    /* Added after the first cut (additive; zero/NULL when unused). */
    const char **legacy_keys;   /* spellings old guides printed that VMware does not honour
                                   (e.g. "isolation.tools.copy.enable"); for lint/explain only,
                                   never evaluated; NULL-terminated or NULL */
    const char **device_types;  /* device rules: only instances whose <prefix>.deviceType is
                                   one of these (case-insensitive), e.g. "cdrom-image";
                                   NULL = every instance */
    const char *instance_default; /* device rules: value an existing device instance has when
                                   the key is missing (startConnected -> "TRUE"); NULL = none */
    const char **api_classes;   /* vSphere device classes the rule stands for
                                   ("VirtualSerialPort"); NULL-terminated or NULL */
    const char *file;        /* catalog file that defined the rule ("rules/isolation.yaml") */
    unsigned line;           /* line of its "id:" in that file */
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
    /* Added after the first cut (additive). */
    const char *key;         /* the key as this source spells it ("tools.setinfo.sizeLimit"),
                                used when writing a fix for this baseline; NULL = rule key */
    vg_disconnected disconnected; /* device rules: a present, not connected device (required
                                     in the YAML of every device-rule entry) */
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
    const char *file;        /* catalog file that defined it ("profiles/disa-vsphere8-vm.yaml") */
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
/* The profiles a run audits, chosen as `vmxguard audit` and `fix` choose
 * them: the n_ids ids given, in that order; with none, every profile added
 * on top of the compiled-in catalog (a user's file, vg_catalog_add_file);
 * with none of those either, vg_catalog_default_profile().  out receives
 * at most cap profiles (borrowed from cat), *n their count.  An unknown id
 * is VG_ENOTFOUND, err naming it and the profile probably meant ("unknown
 * profile 'disa-vsphere8'; did you mean 'disa-vsphere8-vm'?"); more than
 * cap is VG_EUSAGE. */
VG_EXPORT int vg_catalog_select_profiles(const vg_catalog *cat, const char *const *ids,
                                         size_t n_ids, const vg_profile **out, size_t cap,
                                         size_t *n, vg_error *err);
/* The profile id meant by a mistyped word: one of the same family at the
 * nearest version (disa-vsphere9-vm -> disa-vsphere8-vm; between two as
 * near, the newer), else the closest id (vg_closest_name).  NULL when
 * nothing is close; the string belongs to cat. */
VG_EXPORT const char *vg_catalog_suggest_profile(const vg_catalog *cat, const char *word);
/* The entry of list (NULL-terminated) nearest to word by edit distance,
 * when at most a third of word's length (plus one) away; else NULL.  For
 * any "did you mean": options, keys, format names. */
VG_EXPORT const char *vg_closest_name(const char *word, const char *const *list);
VG_EXPORT size_t vg_catalog_rule_count(const vg_catalog *cat);
VG_EXPORT const vg_rule *vg_catalog_rule_at(const vg_catalog *cat, size_t i);
VG_EXPORT const vg_rule *vg_catalog_rule(const vg_catalog *cat, const char *id);

VG_EXPORT const char *vg_rule_kind_name(vg_rule_kind k);   /* "vmx-key", "device", ... */
VG_EXPORT const char *vg_comparison_name(vg_comparison c); /* "eq", "le", ... */
/* Additive: reverse lookups and helpers used by the CLI and tests. */
VG_EXPORT const char *vg_value_type_name(vg_value_type t); /* "bool", "int", "string" */
VG_EXPORT const char *vg_absent_name(vg_absent a);         /* "fail", "pass", "na" */
VG_EXPORT const char *vg_disconnected_name(vg_disconnected d); /* "fail", "pass" */
/* Rules whose key, alias or legacy spelling matches key (case-insensitive; a rule key
 * with '*' matches any run of digits there).  Fills up to max rules, returns the count. */
VG_EXPORT size_t vg_catalog_rules_for_key(const vg_catalog *cat, const char *key,
                                          const vg_rule **out, size_t max);
/* Case-insensitive key match as above: pattern may hold '*' = one or more digits. */
VG_EXPORT int vg_catalog_key_match(const char *pattern, const char *key);
/* Number of profile entries that are automated (cmp != manual and kind not manual/guest). */
VG_EXPORT size_t vg_profile_automated_count(const vg_profile *p);

/*
 * STIG identifiers (additive): what DISA publishes for the STIG rules a
 * profile answers, loaded from the catalog/stig/ files (data, not code; the
 * format is in docs/catalog-format.md).  A profile may draw on several
 * benchmarks (disa-vsphere8-vm lists two ESXi host rules); only the one
 * marked checklist is the STIG the profile's ckl/cklb/xccdf checklists
 * stand for, listed whole, so a checklist holds exactly that STIG's rules.
 */
typedef struct vg_stig_rule {
    const char *stig_id;      /* Rule_Ver: "VMCH-80-000189", matches a profile entry's source_id */
    const char *group_id;     /* Vuln_Num: "V-258703" */
    const char *group_title;  /* "SRG-OS-000480-VMM-002000" (older STIGs: a short title) */
    const char *rule_id;      /* with revision: "SV-258703r959010_rule" */
    const char *severity;     /* "high", "medium", "low" as published */
    const char *weight;       /* "10.0" */
    const char **ccis;        /* "CCI-000366"; NULL-terminated or NULL */
    const char **legacy_ids;  /* "V-94563", "SV-104393"; NULL-terminated or NULL */
    int covered;              /* 0: in the STIG, but no profile entry checks it */
    /* Fields whose value no published source of this release confirmed
     * (carried over from another release): "rule_id", "ccis", ...;
     * NULL-terminated, NULL when every field was read from the source. */
    const char **unverified;
} vg_stig_rule;

typedef struct vg_stig_benchmark {
    const char *id;           /* XCCDF Benchmark id: "VMW_vSphere_8.0_Virtual_Machine_STIG" */
    const char *title;
    const char *version;      /* "2" */
    const char *release;      /* "1" */
    const char *release_info; /* "Release: 1 Benchmark Date: 01 Aug 2024" */
    const char *date;         /* ISO date of the benchmark's status */
    const char *filename;     /* "U_VMW_vSphere_8-0_Virtual_Machine_STIG_V2R1_Manual-xccdf.xml" */
    const char *classification; /* "UNCLASSIFIED" */
    int checklist;            /* the STIG the profile's checklists are */
    const vg_stig_rule *rules; size_t n_rules;
    const char *reference_identifier; /* DPMS target id of the rules' <reference>: "5563"; NULL if none */
    const char **unverified;  /* like vg_stig_rule's, for the benchmark's own fields */
} vg_stig_benchmark;

/* The benchmark the profile's checklists stand for, NULL when the catalog
 * has no STIG data for it (the checklist then lists the profile's entries). */
VG_EXPORT const vg_stig_benchmark *vg_catalog_stig_checklist(const vg_catalog *cat,
                                                             const char *profile_id);
/* The STIG facts of a profile entry (by its source_id) from any benchmark
 * of the profile; *bench (may be NULL) receives the benchmark.  NULL if none. */
VG_EXPORT const vg_stig_rule *vg_catalog_stig_rule(const vg_catalog *cat, const char *profile_id,
                                                   const char *source_id,
                                                   const vg_stig_benchmark **bench);
/* NIST SP 800-53 controls a CCI maps to ("CM-6 b"), NULL-terminated; NULL if unknown. */
VG_EXPORT const char *const *vg_catalog_cci_nist(const vg_catalog *cat, const char *cci);

#ifdef __cplusplus
}
#endif
#endif
