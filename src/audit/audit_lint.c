/*
 * Lint for ineffective hardening: keys an admin set believing they harden
 * the VM while VMware ignores them (misspellings, wrong polarity, wrong
 * prefixes, no-ops since vSphere 7, booleans VMware may not read).  The
 * tables are data (catalog/lint.yaml); the known-good keys come from the
 * embedded catalog, so a new rule there sharpens the misspelling check.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"
#include "catalog/catalog_embedded.h"

static char *xdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int add_str(char ***list, size_t *n, const char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return VG_ENOMEM;
    *list = l;
    if (!(l[*n] = strdup(s)))
        return VG_ENOMEM;
    (*n)++;
    return VG_OK;
}

void vg_lint_tables_free(vg_lint_tables *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_entries; i++) {
        free(t->entries[i].key);
        free(t->entries[i].kind);
        free(t->entries[i].works);
        free(t->entries[i].message);
    }
    free(t->entries);
    for (size_t i = 0; i < t->n_secrets; i++)
        free(t->secrets[i]);
    free(t->secrets);
    for (size_t i = 0; i < t->n_secret_words; i++)
        free(t->secret_words[i]);
    free(t->secret_words);
    free(t);
}

static int parse_entry(yaml_document_t *d, yaml_node_t *n, const char *name, vg_lint_entry *e,
                       vg_error *err)
{
    const char *key = vg_yaml_scalar(vg_yaml_get(d, n, "key"));
    const char *kind = vg_yaml_scalar(vg_yaml_get(d, n, "kind"));
    const char *msg = vg_yaml_scalar(vg_yaml_get(d, n, "message"));
    if (!key || !kind || !msg)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(n),
                            "lint entry needs key, kind and message");
    e->key = xdup(key);
    e->kind = xdup(kind);
    e->works = xdup(vg_yaml_scalar(vg_yaml_get(d, n, "works")));
    e->message = xdup(msg);
    return e->key && e->kind && e->message ? VG_OK : VG_ENOMEM;
}

static int parse_strings(yaml_document_t *d, yaml_node_t *seq, const char *name, char ***out,
                         size_t *n, vg_error *err)
{
    if (!seq)
        return VG_OK;
    if (seq->type != YAML_SEQUENCE_NODE)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(seq), "expected a list");
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(d, *it);
        const char *s = vg_yaml_scalar(item);
        if (!s)
            return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(item), "expected a string");
        if (add_str(out, n, s) != VG_OK)
            return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    }
    return VG_OK;
}

static int parse_tables(yaml_document_t *d, const char *name, vg_lint_tables *t, vg_error *err)
{
    yaml_node_t *root = yaml_document_get_root_node(d);
    yaml_node_t *lint = vg_yaml_get(d, root, "lint");
    if (!lint || lint->type != YAML_SEQUENCE_NODE)
        return vg_error_set(err, VG_EINPUT, name, vg_yaml_line(root), "expected a 'lint' list");
    size_t n = (size_t)(lint->data.sequence.items.top - lint->data.sequence.items.start);
    if (n && !(t->entries = calloc(n, sizeof *t->entries)))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(d, lint->data.sequence.items.start[i]);
        t->n_entries++;
        int rc = parse_entry(d, item, name, &t->entries[i], err);
        if (rc != VG_OK)
            return rc == VG_ENOMEM ? vg_error_set(err, rc, name, 0, "out of memory") : rc;
    }
    yaml_node_t *sec = vg_yaml_get(d, root, "secrets");
    int rc = parse_strings(d, vg_yaml_get(d, sec, "keys"), name, &t->secrets, &t->n_secrets, err);
    if (rc == VG_OK)
        rc = parse_strings(d, vg_yaml_get(d, sec, "guestinfo_words"), name, &t->secret_words,
                           &t->n_secret_words, err);
    return rc;
}

int vg_lint_tables_parse(const char *text, size_t len, const char *name, vg_lint_tables **out,
                         vg_error *err)
{
    *out = NULL;
    yaml_document_t d;
    int rc = vg_yaml_load(text, len, name, &d, err);
    if (rc != VG_OK)
        return rc;
    vg_lint_tables *t = calloc(1, sizeof *t);
    rc =
        t ? parse_tables(&d, name, t, err) : vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    yaml_document_delete(&d);
    if (rc != VG_OK) {
        vg_lint_tables_free(t);
        return rc;
    }
    *out = t;
    return VG_OK;
}

/* Loaded once per process from the embedded catalog/lint.yaml. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static vg_lint_tables *tables;
static vg_error tables_err;

/* Keys VMware honours (catalog keys and aliases without globs), and which
 * of them are booleans: the reference for misspellings and odd values. */
typedef struct known_key {
    const char *key;
    int is_bool;
    char norm[128]; /* without device numbers, for the misspelling check */
    size_t norm_len;
    unsigned parts; /* dotted components */
} known_key;
static known_key *known;
static size_t n_known;
static vg_catalog *known_cat;

static void add_known(const char *k, int is_bool)
{
    if (!k || strpbrk(k, "*?"))
        return;
    for (size_t i = 0; i < n_known; i++) {
        if (strcasecmp(known[i].key, k) == 0) { /* once per key; bool if any rule says so */
            known[i].is_bool |= is_bool;
            return;
        }
    }
    known_key *nk = realloc(known, (n_known + 1) * sizeof *nk);
    if (!nk)
        return;
    known = nk;
    memset(&known[n_known], 0, sizeof known[n_known]);
    known[n_known].key = k;
    known[n_known++].is_bool = is_bool;
}

static void without_numbers(const char *key, char *out, size_t n);
static void index_secrets(const vg_lint_tables *t);

static unsigned count_parts(const char *s)
{
    unsigned n = 1;
    for (; *s; s++)
        n += *s == '.';
    return n;
}

static int cmp_known(const void *a, const void *b)
{
    return strcasecmp(((const known_key *)a)->key, ((const known_key *)b)->key);
}

/* Sorted for lookups; normalised forms computed once, not per VM. */
static void index_known(void)
{
    for (size_t i = 0; i < n_known; i++) {
        without_numbers(known[i].key, known[i].norm, sizeof known[i].norm);
        known[i].norm_len = strlen(known[i].norm);
        known[i].parts = count_parts(known[i].norm);
    }
    if (n_known)
        qsort(known, n_known, sizeof *known, cmp_known);
}

/* Lint needs the rules only (keys, fix keys, aliases).  The embedded catalog
 * is compiled at build time, so loading it is only pointing at static data;
 * the profiles come along for free. */
static int load_embedded_rules(vg_catalog **out, vg_error *err)
{
    return vg_catalog_load_embedded(out, err);
}

static void load_tables(void)
{
    for (const struct vg_embedded_file *f = vg_catalog_embedded; f->path; f++) {
        if (strcmp(f->path, "lint.yaml") == 0)
            vg_lint_tables_parse(f->data, f->len, "catalog/lint.yaml", &tables, &tables_err);
    }
    if (!tables && !tables_err.code)
        vg_error_set(&tables_err, VG_ENOTFOUND, "catalog/lint.yaml", 0, "not embedded");
    vg_error e;
    if (load_embedded_rules(&known_cat, &e) == VG_OK) {
        for (size_t i = 0; i < vg_catalog_rule_count(known_cat); i++) {
            const vg_rule *r = vg_catalog_rule_at(known_cat, i);
            int b = r->type == VG_TYPE_BOOL;
            add_known(r->key, b);
            add_known(r->fix_key, b);
            for (size_t a = 0; r->aliases && r->aliases[a]; a++)
                add_known(r->aliases[a], b);
        }
    }
    for (size_t i = 0; tables && i < tables->n_entries; i++)
        add_known(tables->entries[i].works, 0);
    index_known();
    index_secrets(tables);
}

const vg_lint_tables *vg_audit_lint_tables(vg_error *err)
{
    pthread_once(&tables_once, load_tables);
    if (!tables && err)
        *err = tables_err;
    return tables;
}

/* Whether a key can be a secret at all, by its first letter: the secret
 * globs and "guestinfo." start with few letters, so most keys are ruled
 * out by one table look-up (values are checked once per shown setting). */
static unsigned char secret_first[256]; /* 1: some secret glob starts so */
static int secret_any_first;             /* a glob starts with a wildcard */

static void index_secrets(const vg_lint_tables *t)
{
    secret_first['g'] = secret_first['G'] = 1; /* guestinfo.* words */
    for (size_t i = 0; t && i < t->n_secrets; i++) {
        unsigned char c = (unsigned char)t->secrets[i][0];
        if (c == '*' || c == '?' || c == '[' || c == '\\')
            secret_any_first = 1;
        secret_first[(unsigned char)tolower(c)] = secret_first[(unsigned char)toupper(c)] = 1;
    }
}

int vg_audit_key_is_secret(const char *key)
{
    const vg_lint_tables *t = vg_audit_lint_tables(NULL);
    if (!t || !key)
        return 1; /* without the table, show nothing that might be a secret */
    if (!secret_any_first && !secret_first[(unsigned char)key[0]])
        return 0;
    for (size_t i = 0; i < t->n_secrets; i++) {
        if (vg_vmx_glob_match(t->secrets[i], key))
            return 1;
    }
    if (strncasecmp(key, "guestinfo.", 10) != 0)
        return 0;
    for (size_t i = 0; i < t->n_secret_words; i++) {
        if (strcasestr(key + 10, t->secret_words[i]))
            return 1;
    }
    return 0;
}

/* Edit distance counting a swap of neighbours as one edit ("disabel"). */
static size_t distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127 || lb > 127 || (la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    size_t rows[3][128];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ai != bj);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

typedef struct lint_list {
    vg_lint *items;
    size_t n;
    int oom;
} lint_list;

static void add_lint(lint_list *l, const vg_vmx_entry *e, const char *msg, const char *suggest)
{
    vg_lint *it = realloc(l->items, (l->n + 1) * sizeof *it);
    if (!it) {
        l->oom = 1;
        return;
    }
    l->items = it;
    it += l->n++;
    it->key = xdup(e->key);
    it->line = e->line;
    it->message = xdup(msg);
    it->suggest = xdup(suggest);
    l->oom |= !it->key || !it->message || (suggest && !it->suggest);
}

static const known_key *find_known(const char *key)
{
    known_key probe = {.key = key};
    return n_known ? bsearch(&probe, known, n_known, sizeof *known, cmp_known) : NULL;
}

/* Device numbers are not spelling: usb:1.present is an instance of
 * usb.present, not a typo of it. */
static void without_numbers(const char *key, char *out, size_t n)
{
    size_t j = 0;
    for (; *key && j + 1 < n; key++) {
        if (!isdigit((unsigned char)*key) && *key != ':')
            out[j++] = *key;
    }
    out[j] = '\0';
}

/* Misspelt by one component: same dotted shape, exactly one component
 * differs, by 1 edit (2 for components of 8+ characters).  Short first
 * components are device names (vmci vs ehci), never reported. */
static size_t component_miss(const char *a, const char *b)
{
    const char *pa = a, *pb = b;
    size_t diffs = 0, d = 0, idx = 0;
    for (;; idx++) {
        size_t la = strcspn(pa, "."), lb = strcspn(pb, ".");
        if (la != lb || strncasecmp(pa, pb, la) != 0) {
            char ca[128], cb[128];
            if (la >= sizeof ca || lb >= sizeof cb || ++diffs > 1)
                return 0;
            memcpy(ca, pa, la);
            ca[la] = '\0';
            memcpy(cb, pb, lb);
            cb[lb] = '\0';
            size_t cap = (la < lb ? la : lb) >= 8 ? 2 : 1;
            if (idx == 0 && (la < 6 || lb < 6))
                return 0;
            d = distance(ca, cb, cap);
            if (d > cap)
                return 0;
        }
        if (!pa[la] || !pb[lb])
            return pa[la] == pb[lb] ? d : 0;
        pa += la + 1;
        pb += lb + 1;
    }
}

/* A near miss of a known key, or NULL. */
static const char *near_miss(const char *key)
{
    char k[128];
    without_numbers(key, k, sizeof k);
    size_t klen = strlen(k);
    unsigned parts = count_parts(k);
    int k0 = tolower((unsigned char)k[0]);
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n_known; i++) {
        const known_key *c = &known[i];
        /* typos in the very first letter are rare; skipping those keeps
         * this check cheap for the ~150 ordinary keys of every VM */
        if (c->parts != parts || tolower((unsigned char)c->norm[0]) != k0 ||
            (klen > c->norm_len ? klen - c->norm_len : c->norm_len - klen) > 2)
            continue;
        if (klen == c->norm_len && strcasecmp(k, c->norm) == 0)
            return NULL; /* a device instance of a known key */
        size_t d = component_miss(k, c->norm);
        if (d >= 1 && d < best_d) {
            best_d = d;
            best = c->key;
        }
    }
    return best;
}

/* What the lint says about a key name, whatever its value. */
typedef struct key_verdict {
    const vg_lint_entry *entry; /* a lint table entry matched */
    const known_key *known;     /* a catalog key: only its value is checked */
    const char *near;           /* an unknown key close to this known one */
} key_verdict;

static key_verdict judge_key(const vg_lint_tables *t, const char *key)
{
    key_verdict v = {NULL, NULL, NULL};
    int first = tolower((unsigned char)key[0]);
    for (size_t i = 0; t && i < t->n_entries; i++) {
        const char *k = t->entries[i].key;
        /* most keys differ at the first letter: skip the glob match then */
        if (k[0] != '*' && k[0] != '?' && tolower((unsigned char)k[0]) != first)
            continue;
        if (vg_vmx_glob_match(k, key)) {
            v.entry = &t->entries[i];
            return v;
        }
    }
    if (!(v.known = find_known(key)))
        v.near = near_miss(key);
    return v;
}

/*
 * The same few hundred key names recur in every VM of a datastore, so the
 * verdict is remembered per name (lower-cased), in a table per thread: the
 * workers audit VMs side by side, and a shared table needed a lock taken
 * for every key of every VM.  The table is bounded: once half full,
 * further names are judged without remembering.
 */
#define VERDICT_SLOTS 4096
typedef struct verdict_slot {
    char *name; /* lower-cased key, NULL = empty */
    size_t len;
    unsigned hash;
    char *spelled; /* the key as first seen: datastores spell a key the same way */
    key_verdict v;
} verdict_slot;
typedef struct verdict_cache {
    verdict_slot slots[VERDICT_SLOTS];
    size_t used;
} verdict_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_free(void *p)
{
    verdict_cache *c = p;
    for (size_t i = 0; c && i < VERDICT_SLOTS; i++)
        free(c->slots[i].name);
    free(c);
}

static void cache_key_make(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

/* This thread's table, NULL when there is no memory (judged uncached). */
static verdict_cache *thread_cache(void)
{
    pthread_once(&cache_once, cache_key_make);
    if (!cache_key_ok)
        return NULL;
    verdict_cache *c = pthread_getspecific(cache_key);
    if (!c && (c = calloc(1, sizeof *c)) != NULL && pthread_setspecific(cache_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

/* key equals the lower-cased name (ASCII case folded), without copying it. */
static int same_name(const char *name, size_t len, const char *key)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : (char)c) != name[i])
            return 0;
    }
    return key[len] == '\0';
}

/* h: the key's case-folded hash from the document's index. */
/* c: this thread's table (thread_cache(), looked up once per document). */
static key_verdict judge_key_cached(verdict_cache *c, const vg_lint_tables *t, const char *key,
                                    unsigned h)
{
    if (!c)
        return judge_key(t, key);
    for (size_t i = 0; i < VERDICT_SLOTS; i++) {
        verdict_slot *m = &c->slots[(h + i) & (VERDICT_SLOTS - 1)];
        if (m->name && m->hash == h &&
            (strcmp(m->spelled, key) == 0 || same_name(m->name, m->len, key)))
            return m->v;
        if (!m->name) {
            key_verdict v = judge_key(t, key);
            size_t n = strlen(key);
            if (c->used < VERDICT_SLOTS / 2 && (m->name = malloc(2 * (n + 1))) != NULL) {
                m->spelled = m->name + n + 1;
                memcpy(m->spelled, key, n + 1);
                for (size_t k = 0; k <= n; k++) {
                    unsigned char ch = (unsigned char)key[k];
                    m->name[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : (char)ch;
                }
                m->len = n;
                m->hash = h;
                m->v = v;
                c->used++;
            }
            return v;
        }
    }
    return judge_key(t, key);
}

static void lint_value(lint_list *l, const vg_vmx_entry *e, const known_key *k)
{
    if (!k->is_bool)
        return;
    int b;
    if (vg_audit_parse_bool(e->value, &b) != 0) {
        vg_buf m = VG_BUF_INIT;
        vg_buf_printf(&m,
                      "value \"%s\" is neither TRUE nor FALSE, VMware may not read it as "
                      "intended",
                      e->value);
        char *s = vg_buf_detach(&m);
        add_lint(l, e, s ? s : "value is neither TRUE nor FALSE", k->key);
        free(s);
    } else if (strcasecmp(e->value, b ? "TRUE" : "FALSE") != 0) {
        add_lint(l, e, "value has surrounding spaces; write it as \"TRUE\" or \"FALSE\"", k->key);
    }
}

static void lint_entry(lint_list *l, verdict_cache *c, const vg_lint_tables *t,
                       const vg_vmx_entry *e, unsigned h)
{
    key_verdict v = judge_key_cached(c, t, e->key, h);
    if (v.entry) {
        add_lint(l, e, v.entry->message, v.entry->works);
    } else if (v.known) {
        lint_value(l, e, v.known);
    } else if (v.near) {
        vg_buf m = VG_BUF_INIT;
        vg_buf_printf(&m, "unknown key, VMware ignores it; did you mean %s?", v.near);
        char *s = vg_buf_detach(&m);
        add_lint(l, e, s ? s : "unknown key", v.near);
        free(s);
    }
}

int vg_audit_lint(const vg_vmx_doc *doc, vg_lint **out, size_t *n_out, vg_error *err)
{
    *out = NULL;
    *n_out = 0;
    const vg_lint_tables *t = vg_audit_lint_tables(err);
    lint_list l = {NULL, 0, 0};
    size_t n = doc ? vg_vmx_doc_count(doc) : 0;
    verdict_cache *c = n ? thread_cache() : NULL;
    for (size_t i = 0; i < n && !l.oom; i++)
        lint_entry(&l, c, t, vg_vmx_doc_entry(doc, i), vg_vmx_doc_key_hash(doc, i));
    if (l.oom) {
        for (size_t i = 0; i < l.n; i++) {
            free(l.items[i].key);
            free(l.items[i].message);
            free(l.items[i].suggest);
        }
        free(l.items);
        return vg_error_set(err, VG_ENOMEM, vg_vmx_doc_name(doc), 0, "out of memory");
    }
    *out = l.items;
    *n_out = l.n;
    return t ? VG_OK : VG_ENOTFOUND;
}
