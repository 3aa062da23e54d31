/*
 * Build tool: compiles the embedded catalog into C data.  It loads
 * catalog/rules/ and catalog/profiles/ with the same YAML loader the binary
 * used to run at every start (so a bad file fails the build with its file and
 * line) and writes every rule, default, profile and profile entry as static
 * const data for src/catalog/catalog_builtin.c.  Rules and profiles keep the
 * loader's order (sorted by id); profile entries point into the rules array.
 * The STIG identifiers of catalog/stig/ are written the same way (put_stig).
 * Usage: vg_catalog_compile OUT.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "c_literal.h"

static void put_field_str(FILE *o, const char *name, const char *s)
{
    if (!s)
        return;
    fprintf(o, "        .%s = ", name);
    put_str(o, s);
    fputs(",\n", o);
}

/* A NULL-terminated list as a named static array (nothing for NULL). */
static void put_strv_array(FILE *o, const char *name, const char **v)
{
    if (!v)
        return;
    fprintf(o, "static const char *const %s[] = {", name);
    for (size_t i = 0; v[i]; i++) {
        put_str(o, v[i]);
        fputs(", ", o);
    }
    fputs("NULL};\n", o);
}

static void put_field_strv(FILE *o, const char *field, const char *name, const char **v)
{
    if (v)
        fprintf(o, "        .%s = (const char **)%s,\n", field, name);
}

static void put_rule_arrays(FILE *o, size_t i, const vg_rule *r)
{
    char name[64];
    snprintf(name, sizeof name, "r%zu_aliases", i);
    put_strv_array(o, name, r->aliases);
    snprintf(name, sizeof name, "r%zu_legacy_keys", i);
    put_strv_array(o, name, r->legacy_keys);
    snprintf(name, sizeof name, "r%zu_device_types", i);
    put_strv_array(o, name, r->device_types);
    snprintf(name, sizeof name, "r%zu_api_classes", i);
    put_strv_array(o, name, r->api_classes);
    if (!r->defaults)
        return;
    fprintf(o, "static const vg_rule_default r%zu_defaults[] = {\n", i);
    for (size_t d = 0; d < r->n_defaults; d++) {
        fputs("    {", o);
        put_str(o, r->defaults[d].since);
        fputs(", ", o);
        put_str(o, r->defaults[d].until);
        fputs(", ", o);
        put_str(o, r->defaults[d].value);
        fputs(", ", o);
        put_str(o, r->defaults[d].note);
        fputs("},\n", o);
    }
    if (!r->n_defaults) /* `defaults: []`: an empty list, not a missing one */
        fputs("    {NULL, NULL, NULL, NULL},\n", o);
    fputs("};\n", o);
}

static void put_rule(FILE *o, size_t i, const vg_rule *r)
{
    char name[64];
    fprintf(o, "    [%zu] = {\n", i);
    put_field_str(o, "id", r->id);
    put_field_str(o, "title", r->title);
    put_field_str(o, "description", r->description);
    fprintf(o, "        .kind = (vg_rule_kind)%d,\n", (int)r->kind);
    fprintf(o, "        .type = (vg_value_type)%d,\n", (int)r->type);
    put_field_str(o, "key", r->key);
    snprintf(name, sizeof name, "r%zu_aliases", i);
    put_field_strv(o, "aliases", name, r->aliases);
    put_field_str(o, "api_property", r->api_property);
    if (r->defaults)
        fprintf(o, "        .defaults = r%zu_defaults,\n        .n_defaults = %zu,\n", i,
                r->n_defaults);
    put_field_str(o, "fix", r->fix);
    put_field_str(o, "fix_key", r->fix_key);
    put_field_str(o, "fix_value", r->fix_value);
    fprintf(o, "        .needs_cold_start = %d,\n", r->needs_cold_start);
    fprintf(o, "        .needs_human = %d,\n", r->needs_human);
    put_field_str(o, "deprecated", r->deprecated);
    put_field_str(o, "honoured", r->honoured);
    snprintf(name, sizeof name, "r%zu_legacy_keys", i);
    put_field_strv(o, "legacy_keys", name, r->legacy_keys);
    snprintf(name, sizeof name, "r%zu_device_types", i);
    put_field_strv(o, "device_types", name, r->device_types);
    put_field_str(o, "instance_default", r->instance_default);
    snprintf(name, sizeof name, "r%zu_api_classes", i);
    put_field_strv(o, "api_classes", name, r->api_classes);
    put_field_str(o, "file", r->file);
    fprintf(o, "        .line = %u,\n    },\n", r->line);
}

static long rule_index(const vg_catalog *cat, const vg_rule *r)
{
    for (size_t i = 0; i < vg_catalog_rule_count(cat); i++)
        if (vg_catalog_rule_at(cat, i) == r)
            return (long)i;
    return -1;
}

static int put_profile_entries(FILE *o, const vg_catalog *cat, size_t i, const vg_profile *p)
{
    char name[64];
    for (size_t e = 0; e < p->n_rules; e++) {
        snprintf(name, sizeof name, "p%zu_e%zu_refs", i, e);
        put_strv_array(o, name, p->rules[e].refs);
        snprintf(name, sizeof name, "p%zu_e%zu_values", i, e);
        put_strv_array(o, name, p->rules[e].values);
    }
    if (!p->rules)
        return 0;
    fprintf(o, "static const vg_profile_rule p%zu_rules[] = {\n", i);
    for (size_t e = 0; e < p->n_rules; e++) {
        const vg_profile_rule *pr = &p->rules[e];
        long ri = rule_index(cat, pr->rule);
        if (ri < 0) {
            fprintf(stderr, "vg_catalog_compile: profile %s: entry %zu names no catalog rule\n",
                    p->id, e);
            return -1;
        }
        fprintf(o, "    {\n        .rule = &vg_catalog_compiled_rules[%ld], /* %s */\n", ri,
                pr->rule->id);
        put_field_str(o, "source_id", pr->source_id);
        snprintf(name, sizeof name, "p%zu_e%zu_refs", i, e);
        put_field_strv(o, "refs", name, pr->refs);
        fprintf(o, "        .cmp = (vg_comparison)%d,\n", (int)pr->cmp);
        put_field_str(o, "value", pr->value);
        snprintf(name, sizeof name, "p%zu_e%zu_values", i, e);
        put_field_strv(o, "values", name, pr->values);
        fprintf(o, "        .absent = (vg_absent)%d,\n", (int)pr->absent);
        fprintf(o, "        .severity = (vg_severity)%d,\n", (int)pr->severity);
        put_field_str(o, "severity_text", pr->severity_text);
        put_field_str(o, "title", pr->title);
        put_field_str(o, "check", pr->check);
        put_field_str(o, "note", pr->note);
        put_field_str(o, "key", pr->key);
        fprintf(o, "        .disconnected = (vg_disconnected)%d,\n", (int)pr->disconnected);
        fputs("    },\n", o);
    }
    if (!p->n_rules) /* `rules: []` */
        fputs("    {.rule = NULL},\n", o);
    fputs("};\n", o);
    return 0;
}

static void put_profile(FILE *o, size_t i, const vg_profile *p)
{
    fprintf(o, "    [%zu] = {\n", i);
    put_field_str(o, "id", p->id);
    put_field_str(o, "title", p->title);
    put_field_str(o, "source", p->source);
    put_field_str(o, "benchmark_id", p->benchmark_id);
    put_field_str(o, "version", p->version);
    put_field_str(o, "release", p->release);
    put_field_str(o, "date", p->date);
    put_field_str(o, "product", p->product);
    put_field_str(o, "description", p->description);
    if (p->rules)
        fprintf(o, "        .rules = p%zu_rules,\n        .n_rules = %zu,\n", i, p->n_rules);
    put_field_str(o, "file", p->file);
    fputs("    },\n", o);
}

/* STIG identifiers (catalog/stig/) as static data: rules, benchmarks, the
 * per-profile sets and the CCI map, read by catalog_builtin.c. */
static void put_stig_rule(FILE *o, const char *name, const vg_stig_rule *r)
{
    fputs("    {\n", o);
    put_field_str(o, "stig_id", r->stig_id);
    put_field_str(o, "group_id", r->group_id);
    put_field_str(o, "group_title", r->group_title);
    put_field_str(o, "rule_id", r->rule_id);
    put_field_str(o, "severity", r->severity);
    put_field_str(o, "weight", r->weight);
    if (r->ccis)
        fprintf(o, "        .ccis = (const char **)%s_ccis,\n", name);
    if (r->legacy_ids)
        fprintf(o, "        .legacy_ids = (const char **)%s_legacy,\n", name);
    if (r->unverified)
        fprintf(o, "        .unverified = (const char **)%s_unverified,\n", name);
    fprintf(o, "        .covered = %d,\n    },\n", r->covered);
}

static void put_stig(FILE *o, const vg_catalog *cat)
{
    const struct vg_catalog_stig *s = cat->stig;
    size_t n_sets = s ? s->n_sets : 0, n_ccis = s ? s->n_ccis : 0;
    char name[96];
    for (size_t i = 0; i < n_sets; i++) {
        const struct stig_set *set = &s->sets[i];
        for (size_t b = 0; b < set->n; b++) {
            const vg_stig_benchmark *bm = &set->benchmarks[b];
            for (size_t r = 0; r < bm->n_rules; r++) {
                snprintf(name, sizeof name, "s%zu_b%zu_r%zu_ccis", i, b, r);
                put_strv_array(o, name, bm->rules[r].ccis);
                snprintf(name, sizeof name, "s%zu_b%zu_r%zu_legacy", i, b, r);
                put_strv_array(o, name, bm->rules[r].legacy_ids);
                snprintf(name, sizeof name, "s%zu_b%zu_r%zu_unverified", i, b, r);
                put_strv_array(o, name, bm->rules[r].unverified);
            }
            snprintf(name, sizeof name, "s%zu_b%zu_unverified", i, b);
            put_strv_array(o, name, bm->unverified);
            fprintf(o, "static const vg_stig_rule s%zu_b%zu_rules[%zu] = {\n", i, b,
                    bm->n_rules ? bm->n_rules : 1);
            for (size_t r = 0; r < bm->n_rules; r++) {
                snprintf(name, sizeof name, "s%zu_b%zu_r%zu", i, b, r);
                put_stig_rule(o, name, &bm->rules[r]);
            }
            fputs(bm->n_rules ? "};\n" : "    {0},\n};\n", o);
        }
        fprintf(o, "static vg_stig_benchmark s%zu_benchmarks[%zu] = {\n", i, set->n ? set->n : 1);
        for (size_t b = 0; b < set->n; b++) {
            const vg_stig_benchmark *bm = &set->benchmarks[b];
            fputs("    {\n", o);
            put_field_str(o, "id", bm->id);
            put_field_str(o, "title", bm->title);
            put_field_str(o, "version", bm->version);
            put_field_str(o, "release", bm->release);
            put_field_str(o, "release_info", bm->release_info);
            put_field_str(o, "date", bm->date);
            put_field_str(o, "filename", bm->filename);
            put_field_str(o, "classification", bm->classification);
            put_field_str(o, "reference_identifier", bm->reference_identifier);
            if (bm->unverified)
                fprintf(o, "        .unverified = (const char **)s%zu_b%zu_unverified,\n", i, b);
            fprintf(o, "        .checklist = %d,\n        .rules = s%zu_b%zu_rules,\n"
                       "        .n_rules = %zu,\n    },\n",
                    bm->checklist, i, b, bm->n_rules);
        }
        fputs(set->n ? "};\n" : "    {0},\n};\n", o);
    }
    fprintf(o, "static struct stig_set compiled_stig_sets[%zu] = {\n", n_sets ? n_sets : 1);
    for (size_t i = 0; i < n_sets; i++) {
        fputs("    {(char *)", o);
        put_str(o, s->sets[i].profile);
        fprintf(o, ", s%zu_benchmarks, %zu},\n", i, s->sets[i].n);
    }
    fputs(n_sets ? "};\n" : "    {0},\n};\n", o);
    for (size_t i = 0; i < n_ccis; i++) {
        snprintf(name, sizeof name, "c%zu_nist", i);
        put_strv_array(o, name, s->ccis[i].nist);
    }
    fprintf(o, "static struct cci_map compiled_ccis[%zu] = {\n", n_ccis ? n_ccis : 1);
    for (size_t i = 0; i < n_ccis; i++) {
        fputs("    {(char *)", o);
        put_str(o, s->ccis[i].cci);
        fprintf(o, ", (const char **)c%zu_nist},\n", i);
    }
    fputs(n_ccis ? "};\n" : "    {0},\n};\n", o);
    fprintf(o,
            "const struct vg_catalog_stig vg_catalog_compiled_stig = {\n"
            "    compiled_stig_sets, %zu, compiled_ccis, %zu, 1, %zu, %zu,\n};\n",
            n_sets, n_ccis, n_sets, n_ccis);
}

static int write_catalog(FILE *o, const vg_catalog *cat)
{
    size_t nr = vg_catalog_rule_count(cat), np = vg_catalog_profile_count(cat);
    fputs("/* generated by vg_catalog_compile from catalog/rules and catalog/profiles */\n"
          "#include <stddef.h>\n\n#include \"catalog/catalog_compiled.h\"\n"
          "#include \"catalog/catalog_internal.h\"\n\n",
          o);
    for (size_t i = 0; i < nr; i++)
        put_rule_arrays(o, i, vg_catalog_rule_at(cat, i));
    fprintf(o, "\nconst vg_rule vg_catalog_compiled_rules[%zu] = {\n", nr ? nr : 1);
    for (size_t i = 0; i < nr; i++)
        put_rule(o, i, vg_catalog_rule_at(cat, i));
    if (!nr)
        fputs("    {0},\n", o);
    fprintf(o, "};\nconst size_t vg_catalog_compiled_n_rules = %zu;\n\n", nr);
    for (size_t i = 0; i < np; i++)
        if (put_profile_entries(o, cat, i, vg_catalog_profile_at(cat, i)))
            return -1;
    fprintf(o, "\nconst vg_profile vg_catalog_compiled_profiles[%zu] = {\n", np ? np : 1);
    for (size_t i = 0; i < np; i++)
        put_profile(o, i, vg_catalog_profile_at(cat, i));
    if (!np)
        fputs("    {0},\n", o);
    fprintf(o, "};\nconst size_t vg_catalog_compiled_n_profiles = %zu;\n\n", np);
    put_stig(o, cat);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vg_catalog_compile OUT.c\n");
        return 2;
    }
    vg_catalog *cat = NULL;
    vg_error err;
    if (vg_catalog_load_embedded_yaml(&cat, &err) != 0) {
        char msg[1100];
        fprintf(stderr, "vmxguard: %s\n", vg_error_format(&err, msg, sizeof msg));
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *o = fopen(tmp, "w");
    if (!o) {
        perror(tmp);
        vg_catalog_free(cat);
        return 1;
    }
    int rc = write_catalog(o, cat);
    vg_catalog_free(cat);
    if (fclose(o) != 0 || rc != 0 || rename(tmp, argv[1]) != 0) {
        if (rc == 0)
            perror(argv[1]);
        remove(tmp);
        return 1;
    }
    return 0;
}
