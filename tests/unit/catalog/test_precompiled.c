/*
 * The precompiled catalog (cmake/catalog_compile.c, loaded by
 * vg_catalog_load_embedded) must be the catalog the YAML loader builds from
 * the embedded files, field by field: every string, list, default, profile
 * entry and its rule, enum, file and line.  A user's files still go on top of
 * it, its duplicate-id checks still see the built-in ids, and freeing a
 * catalog never frees the static data (ASan builds check that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/catalog_embedded.h"
#include "vmxguard/catalog.h"

/* A new field in these structs must be written by cmake/catalog_compile.c
 * and compared below; these sizes fail the build until both are done. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(vg_rule) == 168, "vg_rule changed: update the compiler and this test");
_Static_assert(sizeof(vg_rule_default) == 32, "vg_rule_default changed");
_Static_assert(sizeof(vg_profile_rule) == 104, "vg_profile_rule changed");
_Static_assert(sizeof(vg_profile) == 96, "vg_profile changed");
#endif

/* The catalog as vg_catalog_load_embedded built it before it was compiled:
 * every rules/ file, then every profiles/ file, in embedding order. */
static vg_catalog *load_from_yaml(void)
{
    static const char *const passes[] = {"rules/", "profiles/"};
    vg_catalog *cat = vg_catalog_new();
    assert_non_null(cat);
    for (size_t p = 0; p < 2; p++) {
        for (const struct vg_embedded_file *f = vg_catalog_embedded; f->path; f++) {
            if (strncmp(f->path, passes[p], strlen(passes[p])) != 0)
                continue;
            char name[512];
            snprintf(name, sizeof name, "catalog/%s", f->path);
            vg_error err;
            if (vg_catalog_add_yaml(cat, f->data, f->len, name, &err) != 0)
                fail_msg("%s:%u: %s", err.file, err.line, err.msg);
        }
    }
    return cat;
}

static size_t mismatches;
static int quiet; /* for the test of the comparison itself */

static void differ(const char *where, const char *field, const char *want, const char *got)
{
    if (mismatches++ < 20 && !quiet)
        print_error("%s: %s: yaml '%s', precompiled '%s'\n", where, field, want ? want : "(null)",
                    got ? got : "(null)");
}

static void same_str(const char *where, const char *field, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
        differ(where, field, a, b);
}

static void same_num(const char *where, const char *field, long long a, long long b)
{
    if (a != b) {
        char sa[32], sb[32];
        snprintf(sa, sizeof sa, "%lld", a);
        snprintf(sb, sizeof sb, "%lld", b);
        differ(where, field, sa, sb);
    }
}

/* NULL (field not given) and an empty list (`[]`) are different. */
static void same_strv(const char *where, const char *field, const char **a, const char **b)
{
    if ((a == NULL) != (b == NULL)) {
        differ(where, field, a ? "a list" : "(no list)", b ? "a list" : "(no list)");
        return;
    }
    size_t i = 0;
    for (; a && a[i] && b[i]; i++) {
        char f[64];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        same_str(where, f, a[i], b[i]);
    }
    if (a && (a[i] || b[i]))
        differ(where, field, a[i] ? a[i] : "(end)", b[i] ? b[i] : "(end)");
}

static void same_rule(const vg_rule *a, const vg_rule *b)
{
    const char *w = a->id;
    same_str(w, "id", a->id, b->id);
    same_str(w, "title", a->title, b->title);
    same_str(w, "description", a->description, b->description);
    same_num(w, "kind", a->kind, b->kind);
    same_num(w, "type", a->type, b->type);
    same_str(w, "key", a->key, b->key);
    same_strv(w, "aliases", a->aliases, b->aliases);
    same_str(w, "api_property", a->api_property, b->api_property);
    same_num(w, "defaults given", a->defaults != NULL, b->defaults != NULL);
    same_num(w, "n_defaults", (long long)a->n_defaults, (long long)b->n_defaults);
    for (size_t i = 0; i < a->n_defaults && i < b->n_defaults; i++) {
        same_str(w, "defaults.since", a->defaults[i].since, b->defaults[i].since);
        same_str(w, "defaults.until", a->defaults[i].until, b->defaults[i].until);
        same_str(w, "defaults.value", a->defaults[i].value, b->defaults[i].value);
        same_str(w, "defaults.note", a->defaults[i].note, b->defaults[i].note);
    }
    same_str(w, "fix", a->fix, b->fix);
    same_str(w, "fix_key", a->fix_key, b->fix_key);
    same_str(w, "fix_value", a->fix_value, b->fix_value);
    same_num(w, "needs_cold_start", a->needs_cold_start, b->needs_cold_start);
    same_num(w, "needs_human", a->needs_human, b->needs_human);
    same_str(w, "deprecated", a->deprecated, b->deprecated);
    same_str(w, "honoured", a->honoured, b->honoured);
    same_strv(w, "legacy_keys", a->legacy_keys, b->legacy_keys);
    same_strv(w, "device_types", a->device_types, b->device_types);
    same_str(w, "instance_default", a->instance_default, b->instance_default);
    same_strv(w, "api_classes", a->api_classes, b->api_classes);
    same_str(w, "file", a->file, b->file);
    same_num(w, "line", a->line, b->line);
}

static void same_entry(const char *w, const vg_catalog *bcat, const vg_profile_rule *a,
                       const vg_profile_rule *b)
{
    same_str(w, "rule", a->rule->id, b->rule ? b->rule->id : NULL);
    /* The entry must point at the catalog's own rule, not a copy. */
    if (b->rule && vg_catalog_rule(bcat, b->rule->id) != b->rule)
        differ(w, "rule pointer", "the catalog's rule", "another object");
    same_str(w, "source_id", a->source_id, b->source_id);
    same_strv(w, "refs", a->refs, b->refs);
    same_num(w, "cmp", a->cmp, b->cmp);
    same_str(w, "value", a->value, b->value);
    same_strv(w, "values", a->values, b->values);
    same_num(w, "absent", a->absent, b->absent);
    same_num(w, "disconnected", a->disconnected, b->disconnected);
    same_num(w, "severity", a->severity, b->severity);
    same_str(w, "severity_text", a->severity_text, b->severity_text);
    same_str(w, "title", a->title, b->title);
    same_str(w, "check", a->check, b->check);
    same_str(w, "note", a->note, b->note);
    same_str(w, "key", a->key, b->key);
}

static void same_profile(const vg_catalog *bcat, const vg_profile *a, const vg_profile *b)
{
    const char *w = a->id;
    same_str(w, "id", a->id, b->id);
    same_str(w, "title", a->title, b->title);
    same_str(w, "source", a->source, b->source);
    same_str(w, "benchmark_id", a->benchmark_id, b->benchmark_id);
    same_str(w, "version", a->version, b->version);
    same_str(w, "release", a->release, b->release);
    same_str(w, "date", a->date, b->date);
    same_str(w, "product", a->product, b->product);
    same_str(w, "description", a->description, b->description);
    same_str(w, "file", a->file, b->file);
    same_num(w, "n_rules", (long long)a->n_rules, (long long)b->n_rules);
    for (size_t i = 0; i < a->n_rules && i < b->n_rules; i++) {
        char where[160];
        snprintf(where, sizeof where, "%s rules[%zu] (%s)", a->id, i, a->rules[i].source_id);
        same_entry(where, bcat, &a->rules[i], &b->rules[i]);
    }
}

static void precompiled_catalog_equals_the_yaml_one(void **state)
{
    (void)state;
    vg_catalog *yaml = load_from_yaml(), *pre = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&pre, &err), 0);
    assert_int_equal(vg_catalog_rule_count(pre), vg_catalog_rule_count(yaml));
    assert_int_equal(vg_catalog_profile_count(pre), vg_catalog_profile_count(yaml));
    assert_true(vg_catalog_rule_count(pre) > 50);
    assert_true(vg_catalog_profile_count(pre) > 20);
    mismatches = 0;
    for (size_t i = 0; i < vg_catalog_rule_count(yaml); i++)
        same_rule(vg_catalog_rule_at(yaml, i), vg_catalog_rule_at(pre, i));
    for (size_t i = 0; i < vg_catalog_profile_count(yaml); i++)
        same_profile(pre, vg_catalog_profile_at(yaml, i), vg_catalog_profile_at(pre, i));
    assert_int_equal(mismatches, 0);
    vg_catalog_free(yaml);
    vg_catalog_free(pre);
}

/* Catches a comparison that silently compares nothing. */
static void comparison_notices_a_changed_field(void **state)
{
    (void)state;
    vg_catalog *pre = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&pre, &err), 0);
    const vg_rule *r = vg_catalog_rule_at(pre, 0);
    vg_rule copy = *r;
    copy.line++;
    const vg_profile *p = vg_catalog_profile_at(pre, 0);
    vg_profile_rule entry = p->rules[0];
    entry.severity_text = "changed";
    mismatches = 0;
    quiet = 1;
    same_rule(r, &copy);
    same_entry("entry", pre, &p->rules[0], &entry);
    quiet = 0;
    assert_int_equal(mismatches, 2);
    mismatches = 0;
    vg_catalog_free(pre);
}

static const char user_yaml[] = "rules:\n"
                                "  - id: aaa-site-rule\n"
                                "    title: Site rule\n"
                                "    description: Sorted in front of the built-in rules.\n"
                                "    kind: vmx-key\n"
                                "    key: site.setting\n"
                                "profile:\n"
                                "  id: zzz-site\n"
                                "  title: Site\n"
                                "  source: Site policy\n"
                                "  version: '1'\n"
                                "  rules:\n"
                                "    - {rule: aaa-site-rule, source_id: S-1, cmp: present,"
                                " severity: low}\n"
                                "    - {rule: isolation-tools-copy-disable, source_id: S-2,"
                                " cmp: eq, value: 'TRUE', severity: high}\n";

static void user_rules_go_on_top_and_are_freed_alone(void **state)
{
    (void)state;
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    size_t nr = vg_catalog_rule_count(cat), np = vg_catalog_profile_count(cat);
    const vg_rule *copy = vg_catalog_rule(cat, "isolation-tools-copy-disable");
    assert_non_null(copy);
    assert_int_equal(vg_catalog_add_yaml(cat, user_yaml, sizeof user_yaml - 1, "site.yaml", &err),
                     0);
    assert_int_equal(vg_catalog_rule_count(cat), nr + 1);
    assert_int_equal(vg_catalog_profile_count(cat), np + 1);
    assert_string_equal(vg_catalog_rule_at(cat, 0)->id, "aaa-site-rule");
    assert_ptr_equal(vg_catalog_rule(cat, "isolation-tools-copy-disable"), copy);
    const vg_profile *p = vg_catalog_profile(cat, "zzz-site");
    assert_non_null(p);
    assert_ptr_equal(p->rules[1].rule, copy);
    vg_catalog_free(cat); /* frees the site's objects only */
}

static void user_file_cannot_redefine_a_built_in_rule(void **state)
{
    (void)state;
    static const char dup[] = "rules:\n"
                              "  - id: isolation-tools-copy-disable\n"
                              "    title: Mine\n"
                              "    description: Again.\n"
                              "    kind: manual\n";
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    size_t nr = vg_catalog_rule_count(cat);
    assert_int_equal(vg_catalog_add_yaml(cat, dup, sizeof dup - 1, "mine.yaml", &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "duplicate rule id 'isolation-tools-copy-disable'"));
    assert_string_equal(err.file, "mine.yaml");
    assert_int_equal(err.line, 2);
    assert_int_equal(vg_catalog_rule_count(cat), nr);
    vg_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precompiled_catalog_equals_the_yaml_one),
        cmocka_unit_test(comparison_notices_a_changed_field),
        cmocka_unit_test(user_rules_go_on_top_and_are_freed_alone),
        cmocka_unit_test(user_file_cannot_redefine_a_built_in_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
