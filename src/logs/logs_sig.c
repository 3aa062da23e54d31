/*
 * Log signatures as data: catalog/logs/signatures.yaml (embedded) says what a
 * vmware.log message means, which setting addresses it and which catalog
 * rule it feeds.  This file loads that YAML (libyaml), compiles each
 * pattern into literal runs and captures, and matches messages against
 * them.  Adding a signature never needs a C change.  The embedded file is
 * loaded at build time (cmake/logs_sigs_compile.c runs this loader), so a
 * run starts with it as static data (logs_sig_builtin.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "logs/logs_internal.h"
#include "util/file_read.h"
#include "util/yaml_doc.h"

const char *const vg_logs_fact_names[] = {"product",  "version",     "build",
                                          "host_os",  "hw_version",  "guest_os",
                                          "encoding", "vm_encoding", "config"};
const size_t vg_logs_n_fact_names = sizeof vg_logs_fact_names / sizeof vg_logs_fact_names[0];

static const size_t fact_offsets[] = {
    offsetof(vg_log_facts, product),    offsetof(vg_log_facts, version),
    offsetof(vg_log_facts, build),      offsetof(vg_log_facts, host_os),
    offsetof(vg_log_facts, hw_version), offsetof(vg_log_facts, guest_os),
    offsetof(vg_log_facts, encoding),   offsetof(vg_log_facts, vm_encoding),
    offsetof(vg_log_facts, config)};

int vg_logs_fact_index(const char *name)
{
    for (size_t i = 0; i < vg_logs_n_fact_names; i++) {
        if (strcmp(name, vg_logs_fact_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

char **vg_logs_fact_slot(vg_log_facts *f, int index)
{
    return (char **)((char *)f + fact_offsets[index]);
}

static const char *const category_names[VG_LOG_CAT_COUNT] = {"guest", "flood", "device", "failure",
                                                             "rotation"};

const char *vg_log_category_name(vg_log_category c)
{
    return (unsigned)c < VG_LOG_CAT_COUNT ? category_names[c] : "unknown";
}

/* ---- matching ---------------------------------------------------------- */

/* Literal match at m; a space in the pattern matches a run of blanks.
 * Returns bytes consumed or (size_t)-1. */
static int fold(char c)
{
    return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static size_t lit_match(const char *m, size_t mlen, const char *lit, size_t llen, int nocase)
{
    size_t i = 0;
    for (size_t j = 0; j < llen; j++) {
        if (lit[j] == ' ') {
            if (i >= mlen || (m[i] != ' ' && m[i] != '\t'))
                return (size_t)-1;
            while (i < mlen && (m[i] == ' ' || m[i] == '\t'))
                i++;
        } else if (i < mlen && (m[i] == lit[j] || (nocase && fold(m[i]) == fold(lit[j])))) {
            i++;
        } else {
            return (size_t)-1;
        }
    }
    return i;
}

static void set_cap(sig_caps *caps, int slot, const char *p, size_t n)
{
    if (slot < 0)
        return;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p++;
        n -= 2;
    }
    caps->p[slot] = p;
    caps->n[slot] = n;
}

int vg_logs_sig_match(const log_sig *s, const char *msg, size_t len, sig_caps *caps)
{
    size_t pos = 0;
    for (size_t t = 0; t < s->n_toks; t++) {
        const sig_tok *k = &s->toks[t];
        if (k->lit) {
            size_t used = lit_match(msg + pos, len - pos, k->lit, k->len, s->ignore_case);
            if (used == (size_t)-1)
                return 0;
            pos += used;
            continue;
        }
        if (t + 1 == s->n_toks) { /* last capture takes the rest */
            set_cap(caps, k->cap, msg + pos, len - pos);
            pos = len;
            continue;
        }
        const sig_tok *next = &s->toks[t + 1]; /* always a literal (checked at load) */
        size_t at = pos;
        for (;;) {
            const char *hit = s->ignore_case ? msg + at : memchr(msg + at, next->lit[0], len - at);
            if (!hit)
                return 0;
            at = (size_t)(hit - msg);
            if ((sig_word(hit, len - at) & next->head_mask) == next->head &&
                lit_match(hit, len - at, next->lit, next->len, s->ignore_case) != (size_t)-1)
                break;
            if (++at >= len)
                return 0;
        }
        set_cap(caps, k->cap, msg + pos, at - pos);
        pos = at;
    }
    for (size_t i = 0; i < s->n_except; i++) {
        int c = s->except[i].cap;
        size_t n = strlen(s->except[i].value);
        if (caps->n[c] == n && memcmp(caps->p[c], s->except[i].value, n) == 0)
            return 0;
    }
    unsigned want = 0, have = 0; /* captures named by `only`, and those that matched */
    for (size_t i = 0; i < s->n_only; i++) {
        int c = s->only[i].cap;
        size_t n = strlen(s->only[i].value);
        want |= 1u << c;
        if (caps->n[c] == n && memcmp(caps->p[c], s->only[i].value, n) == 0)
            have |= 1u << c;
    }
    return want == have;
}

static int cap_slot(const log_sig *s, const char *name, size_t n)
{
    for (size_t i = 0; i < s->n_caps; i++) {
        if (strlen(s->cap_names[i]) == n && memcmp(s->cap_names[i], name, n) == 0)
            return (int)i;
    }
    return -1;
}

size_t vg_logs_sig_expand(const log_sig *s, const char *tpl, const sig_caps *caps, char *out,
                          size_t cap)
{
    size_t n = 0;
    for (const char *p = tpl; *p && n + 1 < cap;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        int slot = close ? cap_slot(s, p + 1, (size_t)(close - p - 1)) : -1;
        if (slot >= 0) {
            size_t k = caps->n[slot] < cap - 1 - n ? caps->n[slot] : cap - 1 - n;
            memcpy(out + n, caps->p[slot], k);
            n += k;
            p = close + 1;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return n;
}

const log_check *vg_logs_check(const vg_log_sigs *sigs, const char *id)
{
    for (size_t i = 0; i < sigs->n_checks; i++) {
        if (strcmp(sigs->checks[i].id, id) == 0)
            return &sigs->checks[i];
    }
    return NULL;
}

/* ---- loading ----------------------------------------------------------- */

typedef struct loader {
    yaml_document_t doc;
    const char *name;
    vg_error *err;
    vg_log_sigs *sigs;
} loader;

static int fail(loader *ld, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_error_set(ld->err, VG_EINPUT, ld->name, n ? (unsigned)n->start_mark.line + 1 : 0,
                        "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *field(loader *ld, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(yaml_document_get_node(&ld->doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(&ld->doc, p->value);
    }
    return NULL;
}

/* Every key of map must be in known (typos in data are errors, not silence). */
static int check_keys(loader *ld, const yaml_node_t *map, const char *const *known,
                      const char *what)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return fail(ld, map, "%s must be a mapping", what);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(&ld->doc, p->key);
        const char *k = scalar(kn);
        size_t i = 0;
        while (k && known[i] && strcmp(known[i], k) != 0)
            i++;
        if (!k || !known[i])
            return fail(ld, kn, "unknown field '%s' in %s", k ? k : "?", what);
    }
    return VG_OK;
}

static int str_field(loader *ld, const yaml_node_t *map, const char *key, int required, char **out,
                     const char *what)
{
    yaml_node_t *n = field(ld, map, key);
    if (!n) {
        return required ? fail(ld, map, "%s lacks required field '%s'", what, key) : VG_OK;
    }
    const char *v = scalar(n);
    if (!v)
        return fail(ld, n, "field '%s' of %s must be text", key, what);
    *out = strdup(v);
    return *out ? VG_OK : vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
}

static int num_field(loader *ld, const yaml_node_t *map, const char *key, double *out)
{
    yaml_node_t *n = field(ld, map, key);
    if (!n)
        return VG_OK;
    const char *v = scalar(n);
    char *end = NULL;
    double d = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || d < 0)
        return fail(ld, n, "field '%s' must be a non-negative number", key);
    *out = d;
    return VG_OK;
}

static int bool_field(loader *ld, const yaml_node_t *map, const char *key, int *out)
{
    yaml_node_t *n = field(ld, map, key);
    const char *v = scalar(n);
    if (!n)
        return VG_OK;
    if (v && (!strcmp(v, "true") || !strcmp(v, "false"))) {
        *out = !strcmp(v, "true");
        return VG_OK;
    }
    return fail(ld, n, "field '%s' must be true or false", key);
}

static int category_field(loader *ld, const yaml_node_t *map, vg_log_category *out)
{
    yaml_node_t *n = field(ld, map, "category");
    const char *v = scalar(n);
    for (int i = 0; v && i < VG_LOG_CAT_COUNT; i++) {
        if (strcmp(v, category_names[i]) == 0) {
            *out = (vg_log_category)i;
            return VG_OK;
        }
    }
    return fail(ld, n ? n : map, "category must be guest, flood, device, failure or rotation");
}

static int severity_field(loader *ld, const yaml_node_t *map, vg_severity *out)
{
    yaml_node_t *n = field(ld, map, "severity");
    *out = VG_SEV_MEDIUM;
    if (!n)
        return VG_OK;
    const char *v = scalar(n);
    if (!v || vg_severity_parse(v, out) != VG_OK)
        return fail(ld, n, "severity must be info, low, medium or high");
    return VG_OK;
}

/* The literal's bytes before its first blank, at most 8: every message the
 * literal matches at a position has them there (a blank in a pattern is the
 * only byte that matches something other than itself). */
static void set_head(sig_tok *t)
{
    static const char ones[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    size_t k = 0;
    while (t->lit && k < t->len && k < 8 && t->lit[k] != ' ')
        k++;
    t->head = sig_word(t->lit ? t->lit : "", k);
    t->head_mask = sig_word(ones, k);
}

/* "text {name} more {}" -> tokens; literal runs point into s->pattern. */
static int compile(loader *ld, const yaml_node_t *n, log_sig *s)
{
    size_t plen = strlen(s->pattern);
    s->toks = calloc(plen + 1, sizeof *s->toks);
    if (!s->toks)
        return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    for (const char *p = s->pattern; *p;) {
        sig_tok *t = &s->toks[s->n_toks];
        if (*p != '{') {
            const char *b = strchr(p, '{');
            t->lit = p;
            t->len = b ? (size_t)(b - p) : strlen(p);
            p += t->len;
        } else {
            const char *close = strchr(p, '}');
            if (!close)
                return fail(ld, n, "pattern '%s': '{' without '}'", s->pattern);
            if (s->n_toks && !s->toks[s->n_toks - 1].lit)
                return fail(ld, n, "pattern '%s': two captures in a row", s->pattern);
            t->cap = -1;
            if (close > p + 1) {
                if (s->n_caps == SIG_MAX_CAPS)
                    return fail(ld, n, "pattern '%s': more than %d captures", s->pattern,
                                SIG_MAX_CAPS);
                s->cap_names[s->n_caps] = strndup(p + 1, (size_t)(close - p - 1));
                if (!s->cap_names[s->n_caps])
                    return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
                t->cap = (int)s->n_caps++;
            }
            p = close + 1;
        }
        s->n_toks++;
    }
    if (!s->n_toks || s->pattern[0] == ' ')
        return fail(ld, n, "pattern '%s' is empty or starts with a blank", s->pattern);
    for (size_t i = 0; i < s->n_toks; i++) {
        set_head(&s->toks[i]);
        if (s->ignore_case) /* the heads compare raw bytes */
            s->toks[i].head = s->toks[i].head_mask = 0;
    }
    s->head = s->toks[0].head;
    s->head_mask = s->toks[0].head_mask;
    const sig_tok *t0 = &s->toks[0];
    for (size_t k = 0; t0->lit && k < t0->len && k <= 8; k++) {
        if (t0->lit[k] == ' ') {
            s->blank_at = k; /* never 0: a pattern does not start with a blank */
            break;
        }
    }
    return VG_OK;
}

static int load_except(loader *ld, const yaml_node_t *map, log_sig *s)
{
    yaml_node_t *n = field(ld, map, "except");
    if (!n)
        return VG_OK;
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, "except must map capture names to values");
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    s->except = calloc(cnt ? cnt : 1, sizeof *s->except);
    if (!s->except)
        return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(&ld->doc, p->key));
        const char *v = scalar(yaml_document_get_node(&ld->doc, p->value));
        int slot = k ? cap_slot(s, k, strlen(k)) : -1;
        if (slot < 0 || !v)
            return fail(ld, n, "except: '%s' is not a capture of the pattern", k ? k : "?");
        s->except[s->n_except].cap = slot;
        s->except[s->n_except].value = strdup(v);
        if (!s->except[s->n_except++].value)
            return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    }
    return VG_OK;
}

static int add_only(loader *ld, const yaml_node_t *n, log_sig *s, int slot, const char *v)
{
    if (!v)
        return fail(ld, n, "only: values must be text");
    sig_except *grown = realloc(s->only, (s->n_only + 1) * sizeof *s->only);
    if (!grown)
        return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    s->only = grown;
    s->only[s->n_only].cap = slot;
    s->only[s->n_only].value = strdup(v);
    if (!s->only[s->n_only++].value)
        return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    return VG_OK;
}

/* only: {capture: value or [values]}: the line matches only with one of them. */
static int load_only(loader *ld, const yaml_node_t *map, log_sig *s)
{
    yaml_node_t *n = field(ld, map, "only");
    if (!n)
        return VG_OK;
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, "only must map capture names to values");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(&ld->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        int slot = k ? cap_slot(s, k, strlen(k)) : -1;
        if (slot < 0 || !v)
            return fail(ld, n, "only: '%s' is not a capture of the pattern", k ? k : "?");
        int rc = VG_OK;
        if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 !rc && it < v->data.sequence.items.top; it++)
                rc = add_only(ld, v, s, slot, scalar(yaml_document_get_node(&ld->doc, *it)));
        } else {
            rc = add_only(ld, v, s, slot, scalar(v));
        }
        if (rc)
            return rc;
    }
    return VG_OK;
}

/* escalate: {count: N, peak_per_min: R, severity: S}: above N occurrences in
 * the run, or R in one clock minute, the finding has severity S. */
static int load_escalate(loader *ld, const yaml_node_t *map, log_sig *s)
{
    static const char *const known[] = {"count", "peak_per_min", "severity", NULL};
    yaml_node_t *n = field(ld, map, "escalate");
    if (!n)
        return VG_OK;
    if (n->type != YAML_MAPPING_NODE)
        return fail(ld, n, "escalate must be a mapping (count, peak_per_min, severity)");
    double count = 0, peak = 0;
    int rc = check_keys(ld, n, known, "escalate");
    if (!rc)
        rc = num_field(ld, n, "count", &count);
    if (!rc)
        rc = num_field(ld, n, "peak_per_min", &peak);
    if (!rc)
        rc = severity_field(ld, n, &s->esc_severity);
    if (rc)
        return rc;
    if (count < 1 || peak < 1 || count != (double)(size_t)count || peak != (double)(size_t)peak)
        return fail(ld, n, "escalate: count and peak_per_min must be whole numbers above 0");
    if (s->esc_severity <= s->severity)
        return fail(ld, n, "escalate: severity must be above the signature's own");
    s->escalates = 1;
    s->esc_count = (size_t)count;
    s->esc_peak_per_min = (size_t)peak;
    return VG_OK;
}

static int template_ok(loader *ld, const yaml_node_t *n, const log_sig *s, const char *tpl)
{
    for (const char *p = tpl ? strchr(tpl, '{') : NULL; p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close || cap_slot(s, p + 1, (size_t)(close - p - 1)) < 0)
            return fail(ld, n, "template '%s' names no capture of the pattern", tpl);
    }
    return VG_OK;
}

static int load_signature(loader *ld, const yaml_node_t *n, log_sig *s)
{
    static const char *const known[] = {
        "id",     "category", "match", "title", "fix",         "rule", "severity", "device",
        "opcode", "except",   "note",  "seen",  "session_end", "only", "escalate", NULL};
    s->line = (unsigned)n->start_mark.line + 1;
    s->kind = SIG_FINDING;
    int rc = check_keys(ld, n, known, "signature");
    if (!rc)
        rc = str_field(ld, n, "id", 1, &s->id, "signature");
    if (!rc)
        rc = str_field(ld, n, "match", 1, &s->pattern, "signature");
    if (!rc)
        rc = str_field(ld, n, "title", 1, &s->title, "signature");
    if (!rc)
        rc = str_field(ld, n, "fix", 1, &s->fix, "signature");
    if (!rc)
        rc = str_field(ld, n, "rule", 0, &s->rule_id, "signature");
    if (!rc)
        rc = str_field(ld, n, "device", 0, &s->device_tpl, "signature");
    if (!rc)
        rc = str_field(ld, n, "opcode", 0, &s->opcode_tpl, "signature");
    if (!rc)
        rc = category_field(ld, n, &s->category);
    if (!rc)
        rc = severity_field(ld, n, &s->severity);
    if (!rc)
        rc = bool_field(ld, n, "session_end", &s->session_end);
    if (!rc)
        rc = compile(ld, n, s);
    if (!rc)
        rc = load_except(ld, n, s);
    if (!rc)
        rc = load_only(ld, n, s);
    if (!rc)
        rc = load_escalate(ld, n, s);
    if (!rc)
        rc = template_ok(ld, n, s, s->device_tpl);
    if (!rc)
        rc = template_ok(ld, n, s, s->opcode_tpl);
    return rc;
}

static int load_fact(loader *ld, const yaml_node_t *n, log_sig *s)
{
    static const char *const known[] = {
        "match", "section", "enter_section", "session_end", "note", "ignore_case", NULL};
    s->line = (unsigned)n->start_mark.line + 1;
    s->kind = SIG_FACT;
    int rc = check_keys(ld, n, known, "fact");
    if (!rc)
        rc = str_field(ld, n, "match", 1, &s->pattern, "fact");
    if (!rc)
        rc = str_field(ld, n, "section", 0, &s->section, "fact");
    if (!rc)
        rc = str_field(ld, n, "enter_section", 0, &s->enter_section, "fact");
    if (!rc)
        rc = bool_field(ld, n, "session_end", &s->session_end);
    if (!rc)
        rc = bool_field(ld, n, "ignore_case", &s->ignore_case);
    if (!rc)
        rc = compile(ld, n, s);
    for (size_t i = 0; !rc && i < s->n_caps; i++) {
        s->fact_field[i] = vg_logs_fact_index(s->cap_names[i]);
        if (s->fact_field[i] < 0)
            rc = fail(ld, n,
                      "fact capture '%s' is not a fact field (product, version, build, "
                      "host_os, hw_version, guest_os, encoding, vm_encoding, config)",
                      s->cap_names[i]);
    }
    return rc;
}

static int load_check(loader *ld, const yaml_node_t *n, log_check *c)
{
    static const char *const known[] = {"id",   "category", "title", "fix",
                                        "rule", "severity", "note",  NULL};
    int rc = check_keys(ld, n, known, "check");
    if (!rc)
        rc = str_field(ld, n, "id", 1, &c->id, "check");
    if (!rc)
        rc = str_field(ld, n, "title", 1, &c->title, "check");
    if (!rc)
        rc = str_field(ld, n, "fix", 1, &c->fix, "check");
    if (!rc)
        rc = str_field(ld, n, "rule", 0, &c->rule_id, "check");
    if (!rc)
        rc = category_field(ld, n, &c->category);
    if (!rc)
        rc = severity_field(ld, n, &c->severity);
    return rc;
}

static int load_list(loader *ld, const yaml_node_t *root, const char *key, int kind)
{
    yaml_node_t *seq = field(ld, root, key);
    if (!seq)
        return kind == 2 ? VG_OK : fail(ld, root, "top level lacks '%s'", key);
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail(ld, seq, "'%s' must be a list", key);
    vg_log_sigs *S = ld->sigs;
    size_t cnt = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (kind == 2) {
        S->checks = calloc(cnt ? cnt : 1, sizeof *S->checks);
        if (!S->checks)
            return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
    } else {
        log_sig *grown = realloc(S->sigs, (S->n + cnt + 1) * sizeof *grown);
        if (!grown)
            return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
        S->sigs = grown;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *n = yaml_document_get_node(&ld->doc, *it);
        int rc;
        if (kind == 2) {
            rc = load_check(ld, n, &S->checks[S->n_checks++]);
        } else {
            log_sig *s = &S->sigs[S->n++];
            memset(s, 0, sizeof *s);
            rc = kind == 0 ? load_signature(ld, n, s) : load_fact(ld, n, s);
        }
        if (rc)
            return rc;
    }
    return VG_OK;
}

/* Candidate lists per first byte: a line is only tried against signatures
 * whose literal prefix can match it (plus those starting with a capture). */
static int index_sigs(loader *ld)
{
    vg_log_sigs *S = ld->sigs;
    for (int b = 0; b < 256; b++) {
        S->by_byte[b] = malloc((S->n ? S->n : 1) * sizeof(size_t));
        if (!S->by_byte[b])
            return vg_error_set(ld->err, VG_ENOMEM, ld->name, 0, "out of memory");
        for (size_t i = 0; i < S->n; i++) {
            const sig_tok *t = &S->sigs[i].toks[0];
            int c = t->lit ? (unsigned char)t->lit[0] : -1;
            if (t->lit && S->sigs[i].ignore_case && fold((char)b) == fold((char)c))
                c = b;
            if (!t->lit || c == b)
                S->by_byte[b][S->n_by_byte[b]++] = i;
        }
    }
    return VG_OK;
}

static int load_settings(loader *ld, const yaml_node_t *root)
{
    static const char *const required_checks[] = {"backdoor-flood",
                                                  "log-total-over-budget",
                                                  "log-file-over-rotate-size",
                                                  "log-rotated-over-keepold",
                                                  "log-rotate-size-unset",
                                                  "session-ended-abruptly",
                                                  NULL};
    vg_log_sigs *S = ld->sigs;
    yaml_node_t *rot = field(ld, root, "rotation");
    static const char *const known[] = {"default_keep_old", "far_above_factor", "slack_bytes",
                                        "unset_max_bytes", NULL};
    double keep = 6, far = 2, slack = 4096, unset = 100.0 * 1024 * 1024, flood = 0;
    int rc = rot ? check_keys(ld, rot, known, "rotation") : VG_OK;
    if (!rc)
        rc = num_field(ld, rot, "default_keep_old", &keep);
    if (!rc)
        rc = num_field(ld, rot, "far_above_factor", &far);
    if (!rc)
        rc = num_field(ld, rot, "slack_bytes", &slack);
    if (!rc)
        rc = num_field(ld, rot, "unset_max_bytes", &unset);
    if (!rc)
        rc = num_field(ld, root, "flood_rate", &flood);
    if (rc)
        return rc;
    S->default_keep_old = (long long)keep;
    S->far_factor = far < 1 ? 1 : far;
    S->slack_bytes = (long long)slack;
    S->unset_max_bytes = (long long)unset;
    S->flood_rate = flood > 0 ? flood : VG_LOG_DEFAULT_FLOOD_RATE;
    for (size_t i = 0; required_checks[i]; i++) {
        if (!vg_logs_check(S, required_checks[i]))
            return fail(ld, root, "checks lacks '%s'", required_checks[i]);
    }
    return VG_OK;
}

static int load_root(loader *ld)
{
    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    static const char *const known[] = {"flood_rate", "rotation", "checks",
                                        "signatures", "facts",    NULL};
    if (!root)
        return fail(ld, NULL, "empty signature file");
    int rc = check_keys(ld, root, known, "the top level");
    if (!rc)
        rc = load_list(ld, root, "signatures", 0);
    if (!rc)
        rc = load_list(ld, root, "facts", 1);
    if (!rc)
        rc = load_list(ld, root, "checks", 2);
    if (!rc)
        rc = load_settings(ld, root);
    if (!rc)
        rc = index_sigs(ld);
    return rc;
}

int vg_log_sigs_parse(const char *text, size_t len, const char *name, vg_log_sigs **out,
                      vg_error *err)
{
    *out = NULL;
    loader ld = {.name = name ? name : "<signatures>", .err = err};
    ld.sigs = calloc(1, sizeof *ld.sigs);
    if (!ld.sigs)
        return vg_error_set(err, VG_ENOMEM, ld.name, 0, "out of memory");
    ld.sigs->name = strdup(ld.name);
    int rc = vg_yaml_load_any(text, len, ld.name, &ld.doc, err);
    if (rc) {
        vg_log_sigs_free(ld.sigs);
        return rc;
    }
    rc = ld.sigs->name ? load_root(&ld) : vg_error_set(err, VG_ENOMEM, ld.name, 0, "out of memory");
    yaml_document_delete(&ld.doc);
    if (rc) {
        vg_log_sigs_free(ld.sigs);
        return rc;
    }
    *out = ld.sigs;
    return VG_OK;
}

int vg_log_sigs_load_file(const char *path, vg_log_sigs **out, vg_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = vg_file_read(path, 16u << 20, "a signature file", &text, &len, err);
    if (rc)
        return rc;
    rc = vg_log_sigs_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static void sig_free(log_sig *s)
{
    char *strs[] = {s->id,         s->title,      s->fix,     s->rule_id,      s->pattern,
                    s->device_tpl, s->opcode_tpl, s->section, s->enter_section};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < s->n_caps; i++)
        free(s->cap_names[i]);
    for (size_t i = 0; i < s->n_except; i++)
        free(s->except[i].value);
    free(s->except);
    for (size_t i = 0; i < s->n_only; i++)
        free(s->only[i].value);
    free(s->only);
    free(s->toks);
}

void vg_log_sigs_free(vg_log_sigs *S)
{
    if (!S || S->builtin)
        return;
    for (size_t i = 0; i < S->n; i++)
        sig_free(&S->sigs[i]);
    free(S->sigs);
    for (size_t i = 0; i < S->n_checks; i++) {
        log_check *c = &S->checks[i];
        free(c->id);
        free(c->title);
        free(c->fix);
        free(c->rule_id);
    }
    free(S->checks);
    for (int b = 0; b < 256; b++)
        free(S->by_byte[b]);
    free(S->name);
    free(S);
}
