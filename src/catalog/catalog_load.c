/*
 * YAML -> catalog.  A file holds `rules:` (a list of rule definitions),
 * `profiles:` (a list) and/or `profile:` (one mapping); the format is in
 * docs/catalog-format.md.  Each mapping is read through a field table, so an
 * unknown field, a missing required field or a bad enum word is an error that
 * names file and line.  A file is all-or-nothing: its rules and profiles are
 * validated first and only then handed to the catalog.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "catalog/catalog_embedded.h"
#include "catalog/catalog_internal.h"
#include "util/buf.h"
#include "util/file_read.h"
#include "util/grow.h"
#include "util/yaml_doc.h"

#define MAX_FILE_SIZE (16u << 20)

struct loader {
    yaml_document_t doc;
    const char *name;
    vg_error *err;
    const vg_catalog *cat;
    vg_rule **rules;
    size_t n_rules, cap_rules;
    vg_profile **profiles;
    size_t n_profiles, cap_profiles;
};

enum field_type {
    F_STR,
    F_STRV,
    F_BOOL,
    F_KIND,
    F_TYPE,
    F_CMP,
    F_ABSENT,
    F_SEV,
    F_DEFAULTS,
    F_RULEREF,
    F_RULES,
};

struct field {
    const char *name;
    size_t off;
    enum field_type type;
    int required;
};

static unsigned line_of(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 0;
}

static int fail(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_error_set(ld->err, VG_EINPUT, ld->name, line_of(n), "%s", msg);
}

static yaml_node_t *node(struct loader *ld, int idx)
{
    return yaml_document_get_node(&ld->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_str(struct loader *ld, yaml_node_t *n, char **out)
{
    const char *s = scalar(n);
    if (!s)
        return fail(ld, n, "expected a text value");
    free(*out);
    *out = strdup(s);
    return *out ? 0 : vg_error_set(ld->err, VG_ENOMEM, ld->name, line_of(n), "out of memory");
}

/* A list of strings; a single scalar is taken as a one-element list. */
static int get_strv(struct loader *ld, yaml_node_t *n, const char ***out)
{
    vg_catalog_strv_free(*out);
    *out = NULL;
    size_t cnt = 1;
    yaml_node_item_t *items = NULL;
    if (n->type == YAML_SEQUENCE_NODE) {
        items = n->data.sequence.items.start;
        cnt = (size_t)(n->data.sequence.items.top - items);
    } else if (n->type != YAML_SCALAR_NODE) {
        return fail(ld, n, "expected a list of text values");
    }
    const char **v = calloc(cnt + 1, sizeof(char *));
    if (!v)
        return VG_ENOMEM;
    *out = v;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = items ? node(ld, items[i]) : n;
        char *s = NULL;
        int rc = get_str(ld, it, &s);
        if (rc)
            return rc;
        v[i] = s;
    }
    return 0;
}

static int word_index(struct loader *ld, yaml_node_t *n, const char *const *names, size_t cnt,
                      const char *what, int *out)
{
    const char *s = scalar(n);
    for (size_t i = 0; s && i < cnt; i++) {
        if (names[i] && strcasecmp(s, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return fail(ld, n, "bad %s '%s'", what, s ? s : "(not text)");
}

static const char *const bool_words[] = {"false", "true", "no", "yes"};
static const char *const sev_words[] = {"info", "low", "medium", "high"};

static int parse_defaults(struct loader *ld, yaml_node_t *n, vg_rule *r);
static int parse_profile_rules(struct loader *ld, yaml_node_t *n, vg_profile *p);

static int set_field(struct loader *ld, const struct field *f, yaml_node_t *v, void *obj)
{
    char *base = obj;
    int w = 0, rc = 0;
    switch (f->type) {
    case F_STR:
    case F_RULEREF:
        return get_str(ld, v, (char **)(base + f->off));
    case F_STRV:
        return get_strv(ld, v, (const char ***)(base + f->off));
    case F_BOOL:
        rc = word_index(ld, v, bool_words, 4, "boolean (true/false)", &w);
        *(int *)(base + f->off) = w & 1;
        return rc;
    case F_KIND:
        rc = word_index(ld, v, vg_catalog_kind_names, vg_catalog_n_kind_names, "kind", &w);
        *(vg_rule_kind *)(base + f->off) = (vg_rule_kind)w;
        return rc;
    case F_TYPE:
        rc = word_index(ld, v, vg_catalog_type_names, vg_catalog_n_type_names, "type", &w);
        *(vg_value_type *)(base + f->off) = (vg_value_type)w;
        return rc;
    case F_CMP:
        rc = word_index(ld, v, vg_catalog_cmp_names, vg_catalog_n_cmp_names, "comparison", &w);
        *(vg_comparison *)(base + f->off) = (vg_comparison)w;
        return rc;
    case F_ABSENT:
        rc = word_index(ld, v, vg_catalog_absent_names, vg_catalog_n_absent_names,
                        "absent semantics (fail/pass/na)", &w);
        *(vg_absent *)(base + f->off) = (vg_absent)w;
        return rc;
    case F_SEV:
        rc = word_index(ld, v, sev_words, 4, "severity (info/low/medium/high)", &w);
        *(vg_severity *)(base + f->off) = (vg_severity)w;
        return rc;
    case F_DEFAULTS:
        return parse_defaults(ld, v, obj);
    case F_RULES:
        return parse_profile_rules(ld, v, obj);
    }
    return VG_ERR;
}

static int is_null(const yaml_node_t *v)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (v->type != YAML_SCALAR_NODE || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp((const char *)v->data.scalar.value, nulls[i]) == 0)
            return 1;
    return 0;
}

/* Read mapping n into obj through fields; every key must be known, required ones present. */
static int parse_mapping(struct loader *ld, yaml_node_t *n, const struct field *fields, size_t nf,
                         void *obj, const char *what)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, "expected a mapping for %s", what);
    unsigned char seen[32] = {0};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
        const char *name = scalar(k);
        size_t i = 0;
        while (name && i < nf && strcmp(fields[i].name, name) != 0)
            i++;
        if (!name || i == nf) {
            return fail(ld, k, "unknown field '%s' in %s", name ? name : "(not text)", what);
        }
        if (seen[i])
            return fail(ld, k, "field '%s' given twice", name);
        seen[i] = 1;
        /* A YAML null (`fix_value:`, `~`, `null`) means "not set" for optional fields. */
        if (is_null(v)) {
            if (fields[i].required)
                return fail(ld, v, "field '%s' is empty", name);
            continue;
        }
        int rc = set_field(ld, &fields[i], v, obj);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < nf; i++) {
        if (fields[i].required && !seen[i]) {
            return fail(ld, n, "%s lacks required field '%s'", what, fields[i].name);
        }
    }
    return 0;
}

#define FR(name, type, member, req)                                                                \
    {                                                                                              \
        name, offsetof(vg_rule, member), type, req                                                 \
    }
static const struct field rule_fields[] = {
    FR("id", F_STR, id, 1),
    FR("title", F_STR, title, 1),
    FR("description", F_STR, description, 1),
    FR("kind", F_KIND, kind, 1),
    FR("type", F_TYPE, type, 0),
    FR("key", F_STR, key, 0),
    FR("aliases", F_STRV, aliases, 0),
    FR("legacy_keys", F_STRV, legacy_keys, 0),
    FR("api_property", F_STR, api_property, 0),
    FR("api_classes", F_STRV, api_classes, 0),
    FR("device_types", F_STRV, device_types, 0),
    FR("instance_default", F_STR, instance_default, 0),
    FR("defaults", F_DEFAULTS, defaults, 0),
    FR("fix", F_STR, fix, 0),
    FR("fix_key", F_STR, fix_key, 0),
    FR("fix_value", F_STR, fix_value, 0),
    FR("needs_cold_start", F_BOOL, needs_cold_start, 0),
    FR("needs_human", F_BOOL, needs_human, 0),
    FR("deprecated", F_STR, deprecated, 0),
    FR("honoured", F_STR, honoured, 0),
};

#define FD(name, member, req)                                                                      \
    {                                                                                              \
        name, offsetof(vg_rule_default, member), F_STR, req                                        \
    }
static const struct field default_fields[] = {
    FD("since", since, 0),
    FD("until", until, 0),
    FD("value", value, 1),
    FD("note", note, 0),
};

/* Profile rule entries keep the referenced rule id in `check` until resolved. */
struct entry {
    vg_profile_rule pr;
    char *rule_id;
    char *disconnected; /* "pass"/"fail" until checked against the rule's kind */
};
#define FE(name, type, member, req)                                                                \
    {                                                                                              \
        name, offsetof(struct entry, member), type, req                                            \
    }
static const struct field entry_fields[] = {
    FE("rule", F_RULEREF, rule_id, 1),
    FE("source_id", F_STR, pr.source_id, 1),
    FE("refs", F_STRV, pr.refs, 0),
    FE("cmp", F_CMP, pr.cmp, 1),
    FE("value", F_STR, pr.value, 0),
    FE("values", F_STRV, pr.values, 0),
    FE("absent", F_ABSENT, pr.absent, 0),
    FE("severity", F_SEV, pr.severity, 1),
    FE("severity_text", F_STR, pr.severity_text, 0),
    FE("title", F_STR, pr.title, 0),
    FE("check", F_STR, pr.check, 0),
    FE("note", F_STR, pr.note, 0),
    FE("key", F_STR, pr.key, 0),
    FE("disconnected", F_STR, disconnected, 0),
};

#define FP(name, type, member, req)                                                                \
    {                                                                                              \
        name, offsetof(vg_profile, member), type, req                                              \
    }
static const struct field profile_fields[] = {
    FP("id", F_STR, id, 1),
    FP("title", F_STR, title, 1),
    FP("source", F_STR, source, 1),
    FP("benchmark_id", F_STR, benchmark_id, 0),
    FP("version", F_STR, version, 1),
    FP("release", F_STR, release, 0),
    FP("date", F_STR, date, 0),
    FP("product", F_STR, product, 0),
    FP("description", F_STR, description, 0),
    FP("rules", F_RULES, rules, 1),
};

#define NF(t) (sizeof(t) / sizeof((t)[0]))

static int parse_defaults(struct loader *ld, yaml_node_t *n, vg_rule *r)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, "defaults must be a list");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    vg_rule_default *d = calloc(cnt ? cnt : 1, sizeof *d);
    if (!d)
        return VG_ENOMEM;
    r->defaults = d;
    for (size_t i = 0; i < cnt; i++) {
        int rc = parse_mapping(ld, node(ld, n->data.sequence.items.start[i]), default_fields,
                               NF(default_fields), &d[i], "a default");
        r->n_defaults = i + 1; /* so the strings parsed so far are freed on error */
        if (rc)
            return rc;
    }
    return 0;
}

static const vg_rule *find_rule(const struct loader *ld, const char *id)
{
    for (size_t i = 0; i < ld->n_rules; i++)
        if (strcmp(ld->rules[i]->id, id) == 0)
            return ld->rules[i];
    return vg_catalog_rule(ld->cat, id);
}

static int valid_int(const char *s)
{
    char *end = NULL;
    errno = 0;
    if (!s || !*s)
        return 0;
    (void)strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static int valid_value(const vg_rule *r, const char *v)
{
    if (r->type == VG_TYPE_INT)
        return valid_int(v);
    if (r->type == VG_TYPE_BOOL)
        return strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0;
    return 1;
}

/* The checks a single entry must pass once its rule is known. */
static int check_entry(struct loader *ld, yaml_node_t *n, const vg_profile_rule *pr)
{
    const vg_rule *r = pr->rule;
    int needs_value = pr->cmp == VG_CMP_EQ || pr->cmp == VG_CMP_NE || pr->cmp == VG_CMP_LE ||
                      pr->cmp == VG_CMP_GE;
    if (r->kind == VG_RULE_MANUAL && pr->cmp != VG_CMP_MANUAL)
        return fail(ld, n, "rule '%s' is manual: its entries need cmp manual", r->id);
    if (needs_value && !pr->value)
        return fail(ld, n, "comparison %s needs a value", vg_comparison_name(pr->cmp));
    if (pr->cmp == VG_CMP_IN && (!pr->values || !pr->values[0]))
        return fail(ld, n, "comparison in needs values");
    if ((pr->cmp == VG_CMP_LE || pr->cmp == VG_CMP_GE) && r->type != VG_TYPE_INT)
        return fail(ld, n, "comparison %s needs a rule of type int", vg_comparison_name(pr->cmp));
    if (needs_value && !valid_value(r, pr->value))
        return fail(ld, n, "value '%s' does not fit the rule's type", pr->value);
    for (size_t i = 0; pr->cmp == VG_CMP_IN && pr->values[i]; i++)
        if (!valid_value(r, pr->values[i]))
            return fail(ld, n, "value '%s' does not fit the rule's type", pr->values[i]);
    return 0;
}

/* Index = vg_disconnected. */
static const char *const disconnected_names[] = {"fail", "pass"};

const char *vg_disconnected_name(vg_disconnected d)
{
    return (unsigned)d < 2 ? disconnected_names[d] : "unknown";
}

/* Device rules say, per entry, what a present but not connected device gets:
 * the sources disagree (DISA fails it, CIS and the older guides pass it), so
 * the YAML must state it; other rules must not. */
static int parse_disconnected(struct loader *ld, yaml_node_t *n, const char *word,
                              vg_profile_rule *pr)
{
    int device = pr->rule->kind == VG_RULE_DEVICE && pr->cmp != VG_CMP_MANUAL;
    if (!word)
        return device ? fail(ld, n,
                             "entry for device rule '%s' lacks 'disconnected' (pass or "
                             "fail: what a present but not connected device gets)",
                             pr->rule->id)
                      : 0;
    if (!device)
        return fail(ld, n, "'disconnected' is only for device rules, not '%s'", pr->rule->id);
    for (size_t i = 0; i < 2; i++) {
        if (strcasecmp(word, disconnected_names[i]) == 0) {
            pr->disconnected = (vg_disconnected)i;
            return 0;
        }
    }
    return fail(ld, n, "bad disconnected '%s' (pass or fail)", word);
}

static int parse_entry(struct loader *ld, yaml_node_t *n, vg_profile_rule *out)
{
    struct entry e;
    memset(&e, 0, sizeof e);
    int rc = parse_mapping(ld, n, entry_fields, NF(entry_fields), &e, "a profile rule");
    if (!rc) {
        e.pr.rule = find_rule(ld, e.rule_id);
        if (!e.pr.rule)
            rc = fail(ld, n, "unknown rule id '%s'", e.rule_id);
    }
    if (!rc)
        rc = parse_disconnected(ld, n, e.disconnected, &e.pr);
    *out = e.pr; /* the caller frees the strings, also on error */
    free(e.rule_id);
    free(e.disconnected);
    return rc ? rc : check_entry(ld, n, out);
}

static int parse_profile_rules(struct loader *ld, yaml_node_t *n, vg_profile *p)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, "rules of a profile must be a list");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    vg_profile_rule *prs = calloc(cnt ? cnt : 1, sizeof *prs);
    if (!prs)
        return VG_ENOMEM;
    p->rules = prs;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = node(ld, n->data.sequence.items.start[i]);
        int rc = parse_entry(ld, it, &prs[i]);
        p->n_rules = i + 1;
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (prs[j].rule == prs[i].rule && strcmp(prs[j].source_id, prs[i].source_id) == 0)
                return fail(ld, it, "rule '%s' listed twice with the same source_id",
                            prs[i].rule->id);
        }
    }
    return 0;
}

static int check_rule(struct loader *ld, yaml_node_t *n, const vg_rule *r)
{
    int keyed = r->kind == VG_RULE_VMX_KEY || r->kind == VG_RULE_DEVICE;
    if (keyed && !r->key)
        return fail(ld, n, "rule '%s' needs a key", r->id);
    if (r->kind == VG_RULE_API_PROPERTY && !r->api_property)
        return fail(ld, n, "rule '%s' needs an api_property", r->id);
    if (find_rule(ld, r->id))
        return fail(ld, n, "duplicate rule id '%s'", r->id);
    return 0;
}

static int parse_rules(struct loader *ld, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(ld, n, "'rules' must be a list");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *rn = node(ld, *it);
        vg_rule *r = calloc(1, sizeof *r);
        if (!r || VG_GROW(ld->rules, ld->n_rules, ld->cap_rules)) {
            free(r);
            return VG_ENOMEM;
        }
        int rc = parse_mapping(ld, rn, rule_fields, NF(rule_fields), r, "a rule");
        if (!rc)
            rc = check_rule(ld, rn, r);
        r->file = strdup(ld->name);
        r->line = line_of(rn);
        if (rc || !r->file) {
            vg_catalog_rule_free(r);
            return rc ? rc : VG_ENOMEM;
        }
        ld->rules[ld->n_rules++] = r;
    }
    return 0;
}

static int parse_profile(struct loader *ld, yaml_node_t *n)
{
    vg_profile *p = calloc(1, sizeof *p);
    if (!p || VG_GROW(ld->profiles, ld->n_profiles, ld->cap_profiles)) {
        free(p);
        return VG_ENOMEM;
    }
    ld->profiles[ld->n_profiles++] = p; /* freed with the loader on error */
    int rc = parse_mapping(ld, n, profile_fields, NF(profile_fields), p, "a profile");
    if (rc)
        return rc;
    p->file = strdup(ld->name);
    if (!p->file)
        return VG_ENOMEM;
    for (size_t i = 0; i + 1 < ld->n_profiles; i++)
        if (strcmp(ld->profiles[i]->id, p->id) == 0)
            return fail(ld, n, "duplicate profile id '%s'", p->id);
    if (vg_catalog_profile(ld->cat, p->id))
        return fail(ld, n, "duplicate profile id '%s'", p->id);
    return 0;
}

static yaml_node_t *top_field(struct loader *ld, yaml_node_t *root, const char *name)
{
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(node(ld, p->key));
        if (k && strcmp(k, name) == 0)
            return node(ld, p->value);
    }
    return NULL;
}

/* Rules first, so a file's profiles may use the rules it defines. */
static int parse_root(struct loader *ld, yaml_node_t *root)
{
    static const char *const known[] = {"rules", "profiles", "profile"};
    unsigned char seen[3] = {0};
    if (!root)
        return fail(ld, NULL, "empty catalog file");
    if (root->type != YAML_MAPPING_NODE)
        return fail(ld, root, "expected a mapping with rules: and/or profiles:");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(ld, p->key);
        const char *name = scalar(k);
        size_t i = 0;
        while (name && i < 3 && strcmp(name, known[i]) != 0)
            i++;
        if (i == 3)
            return fail(ld, k, "unknown top-level field '%s' (rules, profiles, profile)",
                        name ? name : "(not text)");
        if (seen[i]++)
            return fail(ld, k, "field '%s' given twice", name);
    }
    yaml_node_t *rules = top_field(ld, root, "rules");
    yaml_node_t *profiles = top_field(ld, root, "profiles");
    yaml_node_t *profile = top_field(ld, root, "profile");
    int rc = rules ? parse_rules(ld, rules) : 0;
    if (!rc && profiles) {
        if (profiles->type != YAML_SEQUENCE_NODE)
            return fail(ld, profiles, "'profiles' must be a list");
        for (yaml_node_item_t *it = profiles->data.sequence.items.start;
             !rc && it < profiles->data.sequence.items.top; it++)
            rc = parse_profile(ld, node(ld, *it));
    }
    if (!rc && profile)
        rc = parse_profile(ld, profile);
    return rc;
}

static void loader_release(struct loader *ld)
{
    for (size_t i = 0; i < ld->n_rules; i++)
        vg_catalog_rule_free(ld->rules[i]);
    for (size_t i = 0; i < ld->n_profiles; i++)
        vg_catalog_profile_free(ld->profiles[i]);
    free(ld->rules);
    free(ld->profiles);
}

int vg_catalog_add_yaml(vg_catalog *cat, const char *text, size_t len, const char *name,
                        vg_error *err)
{
    if (!cat || (!text && len))
        return vg_error_set(err, VG_EUSAGE, name, 0, "no catalog or text given");
    struct loader ld;
    memset(&ld, 0, sizeof ld);
    ld.name = name ? name : "(catalog)";
    ld.err = err;
    ld.cat = cat;
    int rc = vg_yaml_load_any(text, len, ld.name, &ld.doc, err);
    if (rc)
        return rc;
    if (vg_catalog_stig_is_doc(&ld.doc)) { /* STIG identifiers: catalog_stig.c */
        rc = vg_catalog_stig_parse(cat, &ld.doc, ld.name, err);
        yaml_document_delete(&ld.doc);
        return rc;
    }
    rc = parse_root(&ld, yaml_document_get_root_node(&ld.doc));
    yaml_document_delete(&ld.doc);
    if (!rc)
        rc = vg_catalog_take(cat, ld.rules, ld.n_rules, ld.profiles, ld.n_profiles);
    if (rc) {
        if (rc == VG_ENOMEM)
            vg_error_set(err, VG_ENOMEM, ld.name, 0, "out of memory");
        loader_release(&ld);
        return rc;
    }
    free(ld.rules);
    free(ld.profiles);
    return 0;
}

int vg_catalog_add_file(vg_catalog *cat, const char *path, vg_error *err)
{
    char *text;
    size_t len;
    int rc = vg_file_read(path, MAX_FILE_SIZE, "a catalog file", &text, &len, err);
    if (rc)
        return rc;
    rc = vg_catalog_add_yaml(cat, text, len, path, err);
    free(text);
    return rc;
}

/* Embedded files: every rules/ file before any profile, STIG data last (it
 * names profiles); other folders are not ours. */
int vg_catalog_load_embedded_yaml(vg_catalog **out, vg_error *err)
{
    static const char *const passes[] = {"rules/", "profiles/", "stig/"};
    *out = NULL;
    vg_catalog *cat = vg_catalog_new();
    if (!cat)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    for (size_t p = 0; p < 3; p++) {
        for (const struct vg_embedded_file *f = vg_catalog_embedded; f->path; f++) {
            if (strncmp(f->path, passes[p], strlen(passes[p])) != 0)
                continue;
            char name[512];
            snprintf(name, sizeof name, "catalog/%s", f->path);
            int rc = vg_catalog_add_yaml(cat, f->data, f->len, name, err);
            if (rc) {
                vg_catalog_free(cat);
                return rc;
            }
        }
    }
    *out = cat;
    return 0;
}
