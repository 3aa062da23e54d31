/*
 * STIG identifiers: catalog/stig/<profile>.yaml (`stig:`, the benchmarks a
 * profile's rules come from, each rule's published ids) and
 * catalog/stig/cci.yaml (`cci:`, CCI -> NIST SP 800-53 controls).  The
 * embedded files are parsed at build time and compiled into static data
 * (cmake/catalog_compile.c); a user's file is parsed here through
 * vg_catalog_add_yaml; the checklist and hdf writers and `explain`
 * read them through the three lookups below.  Every field is checked by a
 * table like the rule loader's: unknown or missing fields name file and line.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "catalog/catalog_internal.h"


struct sp {
    yaml_document_t *doc;
    const char *name;
    vg_error *err;
};

static unsigned line_of(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 0;
}

static int bad(struct sp *p, const yaml_node_t *n, const char *what)
{
    return vg_error_set(p->err, VG_EINPUT, p->name, line_of(n), "%s", what);
}

static yaml_node_t *at(struct sp *p, int i)
{
    return yaml_document_get_node(p->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void strv_free(const char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free((char *)v[i]);
    free(v);
}

static int get_strv(struct sp *p, yaml_node_t *n, const char ***out)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return bad(p, n, "expected a list of text values");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    const char **v = calloc(cnt + 1, sizeof *v);
    if (!v)
        return vg_error_set(p->err, VG_ENOMEM, p->name, line_of(n), "out of memory");
    *out = v;
    for (size_t i = 0; i < cnt; i++) {
        const char *s = scalar(at(p, n->data.sequence.items.start[i]));
        if (!s)
            return bad(p, n, "expected a list of text values");
        if (!(v[i] = strdup(s)))
            return vg_error_set(p->err, VG_ENOMEM, p->name, line_of(n), "out of memory");
    }
    return 0;
}

/* One mapping read through a field table: F_S text, F_V list, F_B bool. */
enum ftype { F_S, F_V, F_B };
struct sfield {
    const char *name;
    enum ftype type;
    size_t off;
    int required;
};

/* skip: a field read by the caller (NULL for none). */
static int read_map(struct sp *p, yaml_node_t *n, const struct sfield *fields, size_t nf,
                    void *obj, const char *what, const char *skip)
{
    char msg[160];
    if (!n || n->type != YAML_MAPPING_NODE) {
        snprintf(msg, sizeof msg, "%s: expected a mapping", what);
        return bad(p, n, msg);
    }
    unsigned char seen[16] = {0};
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = at(p, pr->key), *v = at(p, pr->value);
        const char *key = scalar(k);
        if (key && skip && strcmp(key, skip) == 0)
            continue;
        size_t i = 0;
        while (key && i < nf && strcmp(key, fields[i].name) != 0)
            i++;
        if (!key || i == nf) {
            snprintf(msg, sizeof msg, "%s: unknown field '%s'", what, key ? key : "(not text)");
            return bad(p, k, msg);
        }
        if (seen[i]++) {
            snprintf(msg, sizeof msg, "%s: field '%s' given twice", what, key);
            return bad(p, k, msg);
        }
        char *slot = (char *)obj + fields[i].off;
        if (fields[i].type == F_V) {
            int rc = get_strv(p, v, (const char ***)slot);
            if (rc)
                return rc;
            continue;
        }
        const char *s = scalar(v);
        if (!s) {
            snprintf(msg, sizeof msg, "%s: field '%s' must be text", what, key);
            return bad(p, v, msg);
        }
        if (fields[i].type == F_B) {
            if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0) {
                snprintf(msg, sizeof msg, "%s: field '%s' must be true or false", what, key);
                return bad(p, v, msg);
            }
            *(int *)slot = strcasecmp(s, "true") == 0;
        } else if (!(*(char **)slot = strdup(s))) {
            return vg_error_set(p->err, VG_ENOMEM, p->name, line_of(v), "out of memory");
        }
    }
    for (size_t i = 0; i < nf; i++) {
        if (fields[i].required && !seen[i]) {
            snprintf(msg, sizeof msg, "%s: missing field '%s'", what, fields[i].name);
            return bad(p, n, msg);
        }
    }
    return 0;
}

#define RF(n, t, f, r) {n, t, offsetof(vg_stig_rule, f), r}
static const struct sfield rule_fields[] = {
    RF("stig_id", F_S, stig_id, 1),     RF("group_id", F_S, group_id, 1),
    RF("group_title", F_S, group_title, 1), RF("rule_id", F_S, rule_id, 1),
    RF("severity", F_S, severity, 1),   RF("weight", F_S, weight, 1),
    RF("ccis", F_V, ccis, 0),           RF("legacy_ids", F_V, legacy_ids, 0),
    RF("covered", F_B, covered, 0),     RF("unverified", F_V, unverified, 0),
};
#define BF(n, t, f, r) {n, t, offsetof(vg_stig_benchmark, f), r}
static const struct sfield bench_fields[] = {
    BF("id", F_S, id, 1),
    BF("checklist", F_B, checklist, 1),
    BF("title", F_S, title, 1),
    BF("version", F_S, version, 1),
    BF("release", F_S, release, 1),
    BF("release_info", F_S, release_info, 1),
    BF("date", F_S, date, 0),
    BF("filename", F_S, filename, 0),
    BF("classification", F_S, classification, 1),
    BF("reference_identifier", F_S, reference_identifier, 0),
    BF("unverified", F_V, unverified, 0),
};

/* An unverified list names fields of its own table (a typo would leave a
 * fact looking verified). */
static int check_unverified(struct sp *p, yaml_node_t *n, const char **names,
                            const struct sfield *fields, size_t nf, const char *what)
{
    for (size_t i = 0; names && names[i]; i++) {
        size_t k = 0;
        while (k < nf && (strcmp(names[i], fields[k].name) != 0 || fields[k].type == F_B ||
                          strcmp(names[i], "unverified") == 0))
            k++;
        if (k == nf) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s: 'unverified' names '%s', not one of its fields", what,
                     names[i]);
            return bad(p, n, msg);
        }
    }
    return 0;
}

static void bench_release(vg_stig_benchmark *b)
{
    for (size_t i = 0; b->rules && i < b->n_rules; i++) {
        vg_stig_rule *r = (vg_stig_rule *)&b->rules[i];
        free((char *)r->stig_id), free((char *)r->group_id), free((char *)r->group_title);
        free((char *)r->rule_id), free((char *)r->severity), free((char *)r->weight);
        strv_free(r->ccis), strv_free(r->legacy_ids), strv_free(r->unverified);
    }
    free((void *)b->rules);
    free((char *)b->id), free((char *)b->title), free((char *)b->version);
    free((char *)b->release), free((char *)b->release_info), free((char *)b->date);
    free((char *)b->filename), free((char *)b->classification);
    free((char *)b->reference_identifier), strv_free(b->unverified);
}

static yaml_node_t *field(struct sp *p, yaml_node_t *map, const char *name)
{
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        const char *k = scalar(at(p, pr->key));
        if (k && strcmp(k, name) == 0)
            return at(p, pr->value);
    }
    return NULL;
}

/* A benchmark's fields through the table, then its rules. */
static int parse_bench(struct sp *p, yaml_node_t *n, vg_stig_benchmark *b)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return bad(p, n, "benchmark: expected a mapping");
    yaml_node_t *rules = field(p, n, "rules");
    if (!rules || rules->type != YAML_SEQUENCE_NODE)
        return bad(p, n, "benchmark: 'rules' must be a list");
    const size_t nbf = sizeof bench_fields / sizeof bench_fields[0];
    int rc = read_map(p, n, bench_fields, nbf, b, "benchmark", "rules");
    if (!rc)
        rc = check_unverified(p, n, b->unverified, bench_fields, nbf, "benchmark");
    if (rc)
        return rc;
    size_t cnt = (size_t)(rules->data.sequence.items.top - rules->data.sequence.items.start);
    vg_stig_rule *rv = calloc(cnt ? cnt : 1, sizeof *rv);
    if (!rv)
        return vg_error_set(p->err, VG_ENOMEM, p->name, line_of(n), "out of memory");
    b->rules = rv;
    for (size_t i = 0; i < cnt; i++) {
        const size_t nrf = sizeof rule_fields / sizeof rule_fields[0];
        yaml_node_t *rn = at(p, rules->data.sequence.items.start[i]);
        rv[i].covered = 1;
        rc = read_map(p, rn, rule_fields, nrf, &rv[i], "stig rule", NULL);
        if (!rc)
            rc = check_unverified(p, rn, rv[i].unverified, rule_fields, nrf, "stig rule");
        b->n_rules = i + 1;
        if (rc)
            return rc;
    }
    return 0;
}

/* The catalog's own, growable store; the compiled data is copied into it
 * (pointers only: the static strings and rules stay where they are, and
 * bench_release is never run on them) when a user's file adds to it. */
static struct vg_catalog_stig *store(vg_catalog *cat)
{
    const struct vg_catalog_stig *old = cat->stig;
    if (old && !old->is_static)
        return cat->stig;
    struct vg_catalog_stig *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (old) {
        s->sets = malloc((old->n_sets + 1) * sizeof *s->sets);
        s->ccis = malloc((old->n_ccis + 1) * sizeof *s->ccis);
        if (!s->sets || !s->ccis) {
            free(s->sets);
            free(s->ccis);
            free(s);
            return NULL;
        }
        memcpy(s->sets, old->sets, old->n_sets * sizeof *s->sets);
        memcpy(s->ccis, old->ccis, old->n_ccis * sizeof *s->ccis);
        s->n_sets = s->n_static_sets = old->n_sets;
        s->n_ccis = s->n_static_ccis = old->n_ccis;
    }
    cat->stig = s;
    return s;
}

static int parse_stig(struct sp *p, vg_catalog *cat, yaml_node_t *n)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return bad(p, n, "stig: expected a mapping with profile and benchmarks");
    const char *profile = scalar(field(p, n, "profile"));
    yaml_node_t *list = field(p, n, "benchmarks");
    if (!profile || !list || list->type != YAML_SEQUENCE_NODE ||
        n->data.mapping.pairs.top - n->data.mapping.pairs.start != 2)
        return bad(p, n, "stig: expected exactly 'profile' and a 'benchmarks' list");
    if (!vg_catalog_profile(cat, profile))
        return bad(p, n, "stig: no such profile in the catalog");
    if (vg_catalog_stig_checklist(cat, profile))
        return bad(p, n, "stig: the profile already has STIG data");
    struct vg_catalog_stig *s = store(cat);
    struct stig_set *grown = s ? realloc(s->sets, (s->n_sets + 1) * sizeof *grown) : NULL;
    if (!grown)
        return vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
    s->sets = grown;
    size_t cnt = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    struct stig_set set = {strdup(profile), calloc(cnt ? cnt : 1, sizeof(vg_stig_benchmark)), 0};
    int rc = set.profile && set.benchmarks ? 0 : VG_ENOMEM, checklists = 0;
    for (size_t i = 0; !rc && i < cnt; i++) {
        set.n = i + 1;
        rc = parse_bench(p, at(p, list->data.sequence.items.start[i]), &set.benchmarks[i]);
        checklists += !rc && set.benchmarks[i].checklist;
    }
    if (!rc && checklists != 1)
        rc = bad(p, list, "stig: exactly one benchmark must be the checklist");
    if (rc) {
        for (size_t i = 0; i < set.n; i++)
            bench_release(&set.benchmarks[i]);
        free(set.benchmarks);
        free(set.profile);
        return rc == VG_ENOMEM ? vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory") : rc;
    }
    s->sets[s->n_sets++] = set;
    return 0;
}

static int parse_cci(struct sp *p, vg_catalog *cat, yaml_node_t *n)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return bad(p, n, "cci: expected a mapping of CCI id to NIST controls");
    struct vg_catalog_stig *s = store(cat);
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    struct cci_map *grown = s ? realloc(s->ccis, (s->n_ccis + cnt + 1) * sizeof *grown) : NULL;
    if (!grown)
        return vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
    s->ccis = grown;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        const char *id = scalar(at(p, pr->key));
        if (!id || strncmp(id, "CCI-", 4) != 0)
            return bad(p, at(p, pr->key), "cci: keys are CCI ids (CCI-000366)");
        if (vg_catalog_cci_nist(cat, id))
            return bad(p, at(p, pr->key), "cci: CCI given twice");
        struct cci_map m = {strdup(id), NULL};
        if (!m.cci)
            return vg_error_set(p->err, VG_ENOMEM, p->name, 0, "out of memory");
        int rc = get_strv(p, at(p, pr->value), &m.nist);
        if (rc) {
            free(m.cci);
            strv_free(m.nist);
            return rc;
        }
        s->ccis[s->n_ccis++] = m;
    }
    return 0;
}

int vg_catalog_stig_is_doc(struct yaml_document_s *doc)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root || root->type != YAML_MAPPING_NODE || root->data.mapping.pairs.top ==
                                                         root->data.mapping.pairs.start)
        return 0;
    const char *k = scalar(yaml_document_get_node(doc, root->data.mapping.pairs.start->key));
    return k && (strcmp(k, "stig") == 0 || strcmp(k, "cci") == 0);
}

int vg_catalog_stig_parse(vg_catalog *cat, struct yaml_document_s *doc, const char *name,
                          vg_error *err)
{
    struct sp p = {doc, name, err};
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root->data.mapping.pairs.top - root->data.mapping.pairs.start != 1)
        return bad(&p, root, "a stig file holds one top-level field: stig or cci");
    const char *k = scalar(at(&p, root->data.mapping.pairs.start->key));
    yaml_node_t *v = at(&p, root->data.mapping.pairs.start->value);
    return strcmp(k, "stig") == 0 ? parse_stig(&p, cat, v) : parse_cci(&p, cat, v);
}

void vg_catalog_stig_free(struct vg_catalog_stig *s)
{
    if (!s || s->is_static)
        return;
    for (size_t i = s->n_static_sets; i < s->n_sets; i++) {
        for (size_t k = 0; k < s->sets[i].n; k++)
            bench_release(&s->sets[i].benchmarks[k]);
        free(s->sets[i].benchmarks);
        free(s->sets[i].profile);
    }
    for (size_t i = s->n_static_ccis; i < s->n_ccis; i++) {
        free(s->ccis[i].cci);
        strv_free(s->ccis[i].nist);
    }
    free(s->sets);
    free(s->ccis);
    free(s);
}

static const struct stig_set *set_of(const vg_catalog *cat, const char *profile_id)
{
    for (size_t i = 0; cat && cat->stig && profile_id && i < cat->stig->n_sets; i++) {
        if (strcmp(cat->stig->sets[i].profile, profile_id) == 0)
            return &cat->stig->sets[i];
    }
    return NULL;
}

const vg_stig_benchmark *vg_catalog_stig_checklist(const vg_catalog *cat, const char *profile_id)
{
    const struct stig_set *s = set_of(cat, profile_id);
    for (size_t i = 0; s && i < s->n; i++) {
        if (s->benchmarks[i].checklist)
            return &s->benchmarks[i];
    }
    return NULL;
}

const vg_stig_rule *vg_catalog_stig_rule(const vg_catalog *cat, const char *profile_id,
                                         const char *source_id, const vg_stig_benchmark **bench)
{
    const struct stig_set *s = set_of(cat, profile_id);
    for (size_t i = 0; s && source_id && i < s->n; i++) {
        for (size_t k = 0; k < s->benchmarks[i].n_rules; k++) {
            if (strcmp(s->benchmarks[i].rules[k].stig_id, source_id) == 0) {
                if (bench)
                    *bench = &s->benchmarks[i];
                return &s->benchmarks[i].rules[k];
            }
        }
    }
    if (bench)
        *bench = NULL;
    return NULL;
}

const char *const *vg_catalog_cci_nist(const vg_catalog *cat, const char *cci)
{
    for (size_t i = 0; cat && cat->stig && cci && i < cat->stig->n_ccis; i++) {
        if (strcmp(cat->stig->ccis[i].cci, cci) == 0)
            return cat->stig->ccis[i].nist;
    }
    return NULL;
}
