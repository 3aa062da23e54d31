/*
 * The catalog object: owns rules and profiles loaded from YAML, keeps both
 * sorted by id so lookups are binary searches and listings are stable, and
 * answers the questions the audit and the CLI ask (by id, by key).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog_internal.h"
#include "util/grow.h"

const char *const vg_catalog_kind_names[] = {"vmx-key", "device", "api-property",
                                             "manual",  "guest",  "evidence"};
const size_t vg_catalog_n_kind_names = sizeof vg_catalog_kind_names / sizeof(char *);
const char *const vg_catalog_cmp_names[] = {"eq", "ne",     "le",      "ge",
                                            "in", "absent", "present", "manual"};
const size_t vg_catalog_n_cmp_names = sizeof vg_catalog_cmp_names / sizeof(char *);
const char *const vg_catalog_type_names[] = {"bool", "int", "string"};
const size_t vg_catalog_n_type_names = sizeof vg_catalog_type_names / sizeof(char *);
const char *const vg_catalog_absent_names[] = {"fail", "pass", "na"};
const size_t vg_catalog_n_absent_names = sizeof vg_catalog_absent_names / sizeof(char *);

static const char *name_of(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : "unknown";
}

const char *vg_rule_kind_name(vg_rule_kind k)
{
    return name_of(vg_catalog_kind_names, vg_catalog_n_kind_names, (unsigned)k);
}

const char *vg_comparison_name(vg_comparison c)
{
    return name_of(vg_catalog_cmp_names, vg_catalog_n_cmp_names, (unsigned)c);
}

const char *vg_value_type_name(vg_value_type t)
{
    return name_of(vg_catalog_type_names, vg_catalog_n_type_names, (unsigned)t);
}

const char *vg_absent_name(vg_absent a)
{
    return name_of(vg_catalog_absent_names, vg_catalog_n_absent_names, (unsigned)a);
}

const char *vg_catalog_default_profile(void)
{
    return "disa-vsphere8-vm";
}

vg_catalog *vg_catalog_new(void)
{
    return calloc(1, sizeof(vg_catalog));
}

void vg_catalog_strv_free(const char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free((char *)v[i]);
    free(v);
}

void vg_catalog_rule_free(vg_rule *r)
{
    if (!r)
        return;
    const char *strs[] = {r->id,           r->title,    r->description,      r->key,
                          r->api_property, r->fix,      r->fix_key,          r->fix_value,
                          r->deprecated,   r->honoured, r->instance_default, r->file};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free((char *)strs[i]);
    vg_catalog_strv_free(r->aliases);
    vg_catalog_strv_free(r->legacy_keys);
    vg_catalog_strv_free(r->device_types);
    vg_catalog_strv_free(r->api_classes);
    for (size_t i = 0; i < r->n_defaults; i++) {
        free((char *)r->defaults[i].since);
        free((char *)r->defaults[i].until);
        free((char *)r->defaults[i].value);
        free((char *)r->defaults[i].note);
    }
    free((void *)r->defaults);
    free(r);
}

static void profile_rule_release(vg_profile_rule *pr)
{
    const char *strs[] = {pr->source_id, pr->value, pr->severity_text, pr->title, pr->check,
                          pr->note,      pr->key};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free((char *)strs[i]);
    vg_catalog_strv_free(pr->refs);
    vg_catalog_strv_free(pr->values);
}

void vg_catalog_profile_free(vg_profile *p)
{
    if (!p)
        return;
    const char *strs[] = {p->id,      p->title, p->source,  p->benchmark_id, p->version,
                          p->release, p->date,  p->product, p->description,  p->file};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free((char *)strs[i]);
    for (size_t i = 0; i < p->n_rules; i++)
        profile_rule_release((vg_profile_rule *)&p->rules[i]);
    free((void *)p->rules);
    free(p);
}

/* Whether p points into the static array base[0..n) of elements of size sz. */
static int in_static(const void *p, const void *base, size_t n, size_t sz)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return base && a >= b && a - b < n * sz;
}

int vg_catalog_profile_added(const vg_catalog *cat, const vg_profile *p)
{
    return !in_static(p, cat->static_profiles, cat->n_static_profiles, sizeof(vg_profile));
}

void vg_catalog_free(vg_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_rules; i++)
        if (!in_static(cat->rules[i], cat->static_rules, cat->n_static_rules, sizeof(vg_rule)))
            vg_catalog_rule_free(cat->rules[i]);
    for (size_t i = 0; i < cat->n_profiles; i++)
        if (!in_static(cat->profiles[i], cat->static_profiles, cat->n_static_profiles,
                       sizeof(vg_profile)))
            vg_catalog_profile_free(cat->profiles[i]);
    free(cat->rules);
    free(cat->profiles);
    vg_catalog_stig_free(cat->stig);
    free(cat);
}

static int cmp_rule_ptr(const void *a, const void *b)
{
    return strcmp((*(vg_rule *const *)a)->id, (*(vg_rule *const *)b)->id);
}

static int cmp_profile_ptr(const void *a, const void *b)
{
    return strcmp((*(vg_profile *const *)a)->id, (*(vg_profile *const *)b)->id);
}

int vg_catalog_take(vg_catalog *cat, vg_rule **rules, size_t n_rules, vg_profile **profiles,
                    size_t n_profiles)
{
    if (VG_GROW_N(cat->rules, cat->n_rules, cat->cap_rules, n_rules) ||
        VG_GROW_N(cat->profiles, cat->n_profiles, cat->cap_profiles, n_profiles))
        return VG_ENOMEM;
    for (size_t i = 0; i < n_rules; i++)
        cat->rules[cat->n_rules++] = rules[i];
    for (size_t i = 0; i < n_profiles; i++)
        cat->profiles[cat->n_profiles++] = profiles[i];
    if (cat->n_rules)
        qsort(cat->rules, cat->n_rules, sizeof(vg_rule *), cmp_rule_ptr);
    if (cat->n_profiles)
        qsort(cat->profiles, cat->n_profiles, sizeof(vg_profile *), cmp_profile_ptr);
    return 0;
}

int vg_catalog_adopt_static(vg_catalog *cat, const vg_rule *rules, size_t n_rules,
                            const vg_profile *profiles, size_t n_profiles)
{
    if (cat->n_rules || cat->n_profiles)
        return VG_EUSAGE;
    if (VG_GROW_N(cat->rules, 0, cat->cap_rules, n_rules) ||
        VG_GROW_N(cat->profiles, 0, cat->cap_profiles, n_profiles))
        return VG_ENOMEM;
    /* The catalog hands out const pointers only; the casts never lead to a write. */
    for (size_t i = 0; i < n_rules; i++)
        cat->rules[i] = (vg_rule *)&rules[i];
    for (size_t i = 0; i < n_profiles; i++)
        cat->profiles[i] = (vg_profile *)&profiles[i];
    cat->n_rules = n_rules;
    cat->n_profiles = n_profiles;
    cat->static_rules = rules;
    cat->n_static_rules = n_rules;
    cat->static_profiles = profiles;
    cat->n_static_profiles = n_profiles;
    return 0;
}

size_t vg_catalog_profile_count(const vg_catalog *cat)
{
    return cat ? cat->n_profiles : 0;
}

const vg_profile *vg_catalog_profile_at(const vg_catalog *cat, size_t i)
{
    return cat && i < cat->n_profiles ? cat->profiles[i] : NULL;
}

size_t vg_catalog_rule_count(const vg_catalog *cat)
{
    return cat ? cat->n_rules : 0;
}

const vg_rule *vg_catalog_rule_at(const vg_catalog *cat, size_t i)
{
    return cat && i < cat->n_rules ? cat->rules[i] : NULL;
}

const vg_profile *vg_catalog_profile(const vg_catalog *cat, const char *id)
{
    if (!cat || !id || !cat->n_profiles)
        return NULL;
    vg_profile key = {.id = id};
    vg_profile *kp = &key;
    vg_profile **hit =
        bsearch(&kp, cat->profiles, cat->n_profiles, sizeof(vg_profile *), cmp_profile_ptr);
    return hit ? *hit : NULL;
}

const vg_rule *vg_catalog_rule(const vg_catalog *cat, const char *id)
{
    if (!cat || !id || !cat->n_rules)
        return NULL;
    vg_rule key = {.id = id};
    vg_rule *kp = &key;
    vg_rule **hit = bsearch(&kp, cat->rules, cat->n_rules, sizeof(vg_rule *), cmp_rule_ptr);
    return hit ? *hit : NULL;
}

int vg_catalog_key_match(const char *pattern, const char *key)
{
    if (!pattern || !key)
        return 0;
    while (*pattern) {
        if (*pattern == '*') {
            /* '*' stands for a device or controller number: one or more digits. */
            if (!isdigit((unsigned char)*key))
                return 0;
            while (isdigit((unsigned char)*key))
                key++;
            pattern++;
            continue;
        }
        if (tolower((unsigned char)*pattern) != tolower((unsigned char)*key))
            return 0;
        pattern++;
        key++;
    }
    return *key == '\0';
}

static int strv_match(const char **v, const char *key)
{
    for (size_t i = 0; v && v[i]; i++)
        if (vg_catalog_key_match(v[i], key))
            return 1;
    return 0;
}

size_t vg_catalog_rules_for_key(const vg_catalog *cat, const char *key, const vg_rule **out,
                                size_t max)
{
    size_t n = 0;
    for (size_t i = 0; cat && key && i < cat->n_rules; i++) {
        const vg_rule *r = cat->rules[i];
        if (vg_catalog_key_match(r->key, key) || strv_match(r->aliases, key) ||
            strv_match(r->legacy_keys, key)) {
            if (n < max)
                out[n] = r;
            n++;
        }
    }
    return n < max ? n : max;
}

size_t vg_profile_automated_count(const vg_profile *p)
{
    size_t n = 0;
    for (size_t i = 0; p && i < p->n_rules; i++) {
        const vg_profile_rule *pr = &p->rules[i];
        if (pr->cmp != VG_CMP_MANUAL && pr->rule->kind != VG_RULE_MANUAL &&
            pr->rule->kind != VG_RULE_GUEST)
            n++;
    }
    return n;
}
