/*
 * Inside the catalog module: the catalog object and the helpers the YAML
 * loader and the lookups share.  Everything a caller sees is const; the
 * catalog owns every string, rule and profile and frees them together,
 * except the built-in ones, which are static data compiled from the
 * embedded YAML at build time (cmake/catalog_compile.c) and never freed.
 */
#ifndef VG_CATALOG_INTERNAL_H
#define VG_CATALOG_INTERNAL_H

#include "vmxguard/catalog.h"

struct vg_catalog {
    vg_rule **rules; /* sorted by id, each allocated alone so pointers stay put */
    size_t n_rules, cap_rules;
    vg_profile **profiles; /* sorted by id */
    size_t n_profiles, cap_profiles;
    /* Static rules/profiles (the precompiled catalog) among the above: not freed. */
    const vg_rule *static_rules;
    size_t n_static_rules;
    const vg_profile *static_profiles;
    size_t n_static_profiles;
    struct vg_catalog_stig *stig; /* STIG identifiers and CCI map (catalog_stig.c), NULL = none */
};

void vg_catalog_rule_free(vg_rule *r);
/* 1 when p was added on top of the compiled-in catalog (a user's file). */
int vg_catalog_profile_added(const vg_catalog *cat, const vg_profile *p);
void vg_catalog_profile_free(vg_profile *p);
void vg_catalog_strv_free(const char **v);

/* Append already validated rules/profiles (ownership passes to cat); keeps order. */
int vg_catalog_take(vg_catalog *cat, vg_rule **rules, size_t n_rules, vg_profile **profiles,
                    size_t n_profiles);

/* Fill an empty cat with static, already sorted and validated rules and
 * profiles (they stay owned by the caller and outlive cat). */
int vg_catalog_adopt_static(vg_catalog *cat, const vg_rule *rules, size_t n_rules,
                            const vg_profile *profiles, size_t n_profiles);

/* The old way: parse every embedded rules/ file, then every profiles/ file.
 * Used by the build-time compiler (cmake/catalog_compile.c). */
int vg_catalog_load_embedded_yaml(vg_catalog **out, vg_error *err);

/* STIG data of one profile, and one CCI's NIST controls (catalog_stig.c). */
struct stig_set {
    char *profile;
    vg_stig_benchmark *benchmarks;
    size_t n;
};

struct cci_map {
    char *cci;
    const char **nist;
};

struct vg_catalog_stig {
    struct stig_set *sets;
    size_t n_sets;
    struct cci_map *ccis;
    size_t n_ccis;
    int is_static;       /* the compiled data itself: never freed */
    size_t n_static_sets; /* leading entries pointing into the compiled data */
    size_t n_static_ccis;
};

/* STIG data (catalog_stig.c): a YAML document whose top field is stig: or
 * cci: is STIG data, not rules/profiles; parse it into cat (its profile must
 * be loaded already). */
struct yaml_document_s;
int vg_catalog_stig_is_doc(struct yaml_document_s *doc);
int vg_catalog_stig_parse(vg_catalog *cat, struct yaml_document_s *doc, const char *name,
                          vg_error *err);
void vg_catalog_stig_free(struct vg_catalog_stig *s);
/* The compiled STIG data (cmake/catalog_compile.c writes it; NULL-free). */
extern const struct vg_catalog_stig vg_catalog_compiled_stig;

/* Name tables shared by the loader and the name functions: index = enum value. */
extern const char *const vg_catalog_kind_names[];
extern const size_t vg_catalog_n_kind_names;
extern const char *const vg_catalog_cmp_names[];
extern const size_t vg_catalog_n_cmp_names;
extern const char *const vg_catalog_type_names[];
extern const size_t vg_catalog_n_type_names;
extern const char *const vg_catalog_absent_names[];
extern const size_t vg_catalog_n_absent_names;

#endif
