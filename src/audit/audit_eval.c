/*
 * The audit proper: every rule of every chosen profile against one VM,
 * one result each, with the evidence an admin needs to trust it (key as
 * spelled, value, file:line, expected, fix).  The VM may come from a file,
 * the vSphere API or a guest; this file only reads the vg_vm record.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit/audit_internal.h"

#define MAX_MATCHES 64

/* The document's entries grouped by the lower-cased first byte of their
 * key, in file order within a group: a pattern with a literal first letter
 * ("serial*.present") is tried only against the keys that start with it. */
typedef struct letter_index {
    size_t start[257]; /* group b is order[start[b] .. start[b + 1]) */
    size_t *order;     /* entry indices; NULL: not built (scan everything) */
} letter_index;

typedef struct eval_ctx {
    const vg_vm *vm;
    const vg_vmx_doc *doc; /* may be NULL (no settings) */
    const vg_audit_opts *opts;
    letter_index by_letter;
    /* Why the settings could not be looked at (NULL: they could).  Then a
     * missing key is unknown, never "absent -> VMware default". */
    const char *unreadable;
    char unreadable_buf[256];
} eval_ctx;

static unsigned char lower_byte(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 'A' && u <= 'Z' ? (unsigned char)(u | 0x20) : u;
}

/* Counting sort by first letter; without memory the scans take every key. */
static void letter_index_build(letter_index *x, const vg_vmx_doc *doc)
{
    memset(x->start, 0, sizeof x->start);
    x->order = NULL;
    size_t n = doc ? vg_vmx_doc_count(doc) : 0;
    if (!n || !(x->order = malloc(n * sizeof *x->order)))
        return;
    for (size_t i = 0; i < n; i++)
        x->start[lower_byte(vg_vmx_doc_entry(doc, i)->key[0]) + 1]++;
    for (size_t b = 1; b < 257; b++)
        x->start[b] += x->start[b - 1];
    size_t fill[256];
    memcpy(fill, x->start, sizeof fill);
    for (size_t i = 0; i < n; i++)
        x->order[fill[lower_byte(vg_vmx_doc_entry(doc, i)->key[0])]++] = i;
}

/* The entries a pattern can match: positions [from, to) of order, or every
 * entry (order NULL) when the pattern starts with a wildcard.  Keys that
 * match share the pattern's first letter, so file order is kept. */
typedef struct key_range {
    const size_t *order;
    size_t from, to;
} key_range;

static key_range keys_for(const eval_ctx *c, const char *pattern)
{
    key_range r = {NULL, 0, vg_vmx_doc_count(c->doc)};
    if (c->by_letter.order && pattern[0] && pattern[0] != '*' && pattern[0] != '?') {
        unsigned char b = lower_byte(pattern[0]);
        r.order = c->by_letter.order;
        r.from = c->by_letter.start[b];
        r.to = c->by_letter.start[b + 1];
    }
    return r;
}

static const vg_vmx_entry *range_entry(const eval_ctx *c, const key_range *r, size_t i)
{
    return vg_vmx_doc_entry(c->doc, r->order ? r->order[i] : i);
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void setf(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setf(char **field, const char *fmt, ...)
{
    vg_buf b = VG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(*field);
    *field = vg_buf_detach(&b);
}

static int has_glob(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

/* Cheap pre-check before a pattern match: the literal text before the
 * first '*' (plen bytes) must start the key; most keys fail on the first
 * letter, so that one is compared inline before any call. */
static int literal_prefix_ok(const char *pattern, size_t plen, const char *key)
{
    if (plen && (pattern[0] | 0x20) != (key[0] | 0x20))
        return 0;
    return strncasecmp(pattern, key, plen) == 0;
}

static void add_once(const vg_vmx_entry **out, size_t *n, const vg_vmx_entry *e)
{
    for (size_t k = 0; k < *n; k++) {
        if (out[k] == e)
            return;
    }
    out[(*n)++] = e;
}

/* Entries named by one spelling: a plain key (the entry VMware's reader
 * uses) or a pattern whose '*' stands for device numbers. */
static size_t collect_name(const eval_ctx *c, const char *name, const vg_vmx_entry **out, size_t n,
                           size_t max)
{
    if (n >= max)
        return n;
    if (!has_glob(name)) { /* one hashed lookup */
        const vg_vmx_entry *e = vg_vmx_doc_find(c->doc, name);
        if (e)
            add_once(out, &n, e);
        return n;
    }
    /* a pattern is tried against the keys with its first letter, in file
     * order: its literal prefix first */
    size_t plen = strcspn(name, "*?");
    key_range kr = keys_for(c, name);
    for (size_t i = kr.from; i < kr.to && n < max; i++) {
        const vg_vmx_entry *e = range_entry(c, &kr, i);
        if (literal_prefix_ok(name, plen, e->key) && vg_catalog_key_match(name, e->key))
            add_once(out, &n, e);
    }
    return n;
}

/* Every entry that the rule's key or one of its aliases names, key first. */
static size_t collect(const eval_ctx *c, const vg_rule *rule, const vg_vmx_entry **out, size_t max)
{
    size_t n = 0;
    if (!c->doc || !rule->key)
        return 0;
    n = collect_name(c, rule->key, out, n, max);
    for (size_t i = 0; rule->aliases && rule->aliases[i]; i++)
        n = collect_name(c, rule->aliases[i], out, n, max);
    return n;
}

/* Display form of a setting's value: UTF-8, redacted for secrets. */
static char *shown_value(const eval_ctx *c, const vg_vmx_entry *e)
{
    if (!c->opts->show_secrets && vg_audit_key_is_secret(e->key))
        return strdup(VG_AUDIT_REDACTED);
    return vg_vmx_doc_to_utf8(c->doc, e->value);
}

static const char *doc_file(const eval_ctx *c)
{
    return c->doc ? vg_vmx_doc_name(c->doc) : NULL;
}

/* Record the entry in r: key, actual, file, line. */
static void take_entry(const eval_ctx *c, const vg_vmx_entry *e, vg_result *r)
{
    free(r->key);
    free(r->actual);
    free(r->file);
    r->key = xstrdup(e->key);
    r->actual = shown_value(c, e);
    r->file = e->line ? xstrdup(doc_file(c)) : NULL;
    r->line = e->line;
}

#ifdef VG_REFERENCE_PATHS
/* The plain way, kept for the differential test (tests/unit/fastpath). */
static void entry_evidence(const eval_ctx *c, const vg_result *r, vg_buf *b)
{
    vg_buf_printf(b, "%s = %s", r->key, r->actual ? r->actual : "");
    if (r->line)
        vg_buf_printf(b, " (%s:%u)", vg_audit_basename(doc_file(c)), r->line);
}
#else
/* "key = value (file.vmx:14)": appended piece by piece, no format string
 * to interpret (one per result of every VM). */
static void entry_evidence(const eval_ctx *c, const vg_result *r, vg_buf *b)
{
    vg_buf_adds(b, r->key ? r->key : "(null)");
    vg_buf_add(b, " = ", 3);
    vg_buf_adds(b, r->actual ? r->actual : "");
    if (r->line) {
        char num[16], *w = num + sizeof num;
        unsigned v = r->line;
        do
            *--w = (char)('0' + v % 10);
        while (v /= 10);
        const char *base = vg_audit_basename(doc_file(c));
        vg_buf_add(b, " (", 2);
        vg_buf_adds(b, base ? base : "(null)");
        vg_buf_addc(b, ':');
        vg_buf_add(b, w, (size_t)(num + sizeof num - w));
        vg_buf_addc(b, ')');
    }
}
#endif

/* VMware's current default for a rule, as "TRUE (vSphere 7+)". */
static void default_text(const vg_rule *rule, vg_buf *b)
{
    const vg_rule_default *d = NULL;
    for (size_t i = 0; i < rule->n_defaults; i++) {
        if (!rule->defaults[i].until || !d)
            d = &rule->defaults[i];
    }
    if (!d || !d->value) {
        vg_buf_adds(b, "no documented VMware default");
        return;
    }
    vg_buf_printf(b, "VMware default %s", d->value);
    if (d->since) {
        size_t n = strlen(d->since);
        if (n > 2 && strcmp(d->since + n - 2, ".0") == 0)
            n -= 2;
        vg_buf_printf(b, " (vSphere %.*s+)", (int)n, d->since);
    }
}

static int ends_with_present(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot && strcasecmp(dot, ".present") == 0;
}

static const char *rule_key(const vg_rule *rule)
{
    return rule->fix_key ? rule->fix_key : rule->key;
}

/* A concrete fix line for a failing rule; key is the spelling in the file
 * (so the fix never adds a second, case-differing copy). */
static void fix_text(const vg_profile_rule *pr, const char *key, vg_result *r)
{
    const vg_rule *rule = pr->rule;
    const char *k = key ? key : pr->key ? pr->key : rule_key(rule);
    const char *val = rule->fix_value ? rule->fix_value : pr->value;
    if (pr->cmp == VG_CMP_IN && !rule->fix_value && pr->values && pr->values[0])
        val = pr->values[0];
    vg_buf b = VG_BUF_INIT;
    if (!k || rule->kind == VG_RULE_MANUAL || pr->cmp == VG_CMP_MANUAL ||
        (pr->cmp == VG_CMP_NE && !rule->fix_value)) {
        vg_buf_adds(&b, rule->fix ? rule->fix : "see the baseline's fix text");
    } else if (pr->cmp == VG_CMP_ABSENT || (val && strcmp(val, "<remove>") == 0)) {
        vg_buf_printf(&b, "remove %s", k);
    } else if (rule->kind == VG_RULE_DEVICE && ends_with_present(k)) {
        vg_buf_printf(&b, "remove the device, or set %s = \"FALSE\"", k);
    } else if (val) {
        int bv;
        vg_buf_printf(&b, "set %s = \"", k);
        if (rule->type == VG_TYPE_BOOL && vg_audit_parse_bool(val, &bv) == 0)
            vg_buf_adds(&b, bv ? "TRUE" : "FALSE");
        else
            vg_buf_adds(&b, val);
        vg_buf_addc(&b, '"');
    } else {
        vg_buf_adds(&b, rule->fix ? rule->fix : "set the key as the baseline requires");
    }
    if (rule->needs_cold_start)
        vg_buf_adds(&b, " (takes effect after power off and on)");
    free(r->fix);
    r->fix = vg_buf_detach(&b);
}

/* Duplicate keys: VMware refuses such files, so the rule cannot be judged. */
static int duplicate_error(const eval_ctx *c, const vg_vmx_entry *e, vg_result *r)
{
    if (!e->duplicate)
        return 0;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "duplicate key %s on lines", e->key);
    size_t n = vg_vmx_doc_count(c->doc), shown = 0;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *o = vg_vmx_doc_entry(c->doc, i);
        if (strcasecmp(o->key, e->key) == 0)
            vg_buf_printf(&b, "%s%u", shown++ ? " and " : " ", o->line);
    }
    vg_buf_adds(&b, " (VMware refuses such files; readers disagree on which copy wins)");
    take_entry(c, e, r);
    free(r->evidence);
    r->evidence = vg_buf_detach(&b);
    r->raw_status = VG_ERROR;
    setf(&r->fix, "keep one %s line", e->key);
    return 1;
}

/* A .vmx or .vmtx file: a file with no setting at all is broken.  A
 * template (Packer, Terraform, OVF) with no settings block is not: the VMs
 * made from it get VMware's defaults. */
static int from_vmx_file(const vg_vm *vm)
{
    size_t n = vm->path ? strlen(vm->path) : 0;
    return vm->origin == VG_ORIGIN_FILE &&
           ((n > 4 && strcasecmp(vm->path + n - 4, ".vmx") == 0) ||
            (n > 5 && strcasecmp(vm->path + n - 5, ".vmtx") == 0));
}

/* Settings that could not be read: no document (vSphere gave no config; the
 * source says why in an "error" fact), a file with no setting at all, or a
 * line that is not `key = value` (the key looked for may be on it). */
static void find_unreadable(eval_ctx *c)
{
    c->unreadable = NULL;
    if (!c->doc) {
        c->unreadable = "the VM has no settings to read";
        for (size_t i = 0; i < c->vm->n_evidence; i++) {
            const vg_vm_evidence *e = &c->vm->evidence[i];
            if (!e->rule_id && e->status && strcasecmp(e->status, "error") == 0 && e->message)
                c->unreadable = e->message;
        }
        return;
    }
    size_t nd = vg_vmx_doc_diag_count(c->doc), bad = 0;
    unsigned first = 0;
    for (size_t i = 0; i < nd; i++) {
        const vg_vmx_diag *d = vg_vmx_doc_diag(c->doc, i);
        if (d->code && strcmp(d->code, "unparsed-line") == 0 && !bad++)
            first = d->line;
    }
    if (!vg_vmx_doc_count(c->doc) && (bad || from_vmx_file(c->vm)))
        snprintf(c->unreadable_buf, sizeof c->unreadable_buf,
                 "no setting could be read from the file%s",
                 bad ? " (no line is key = value)" : "");
    else if (bad)
        snprintf(c->unreadable_buf, sizeof c->unreadable_buf,
                 "line %u%s of the file %s not key = value and may hold this key unread", first,
                 bad > 1 ? " and others" : "", bad > 1 ? "are" : "is");
    else
        return;
    c->unreadable = c->unreadable_buf;
}

/* "Could not look" is never "absent": an error that says why. */
static void unreadable_result(const eval_ctx *c, vg_result *r)
{
    r->raw_status = VG_ERROR;
    setf(&r->evidence, "could not look: %s", c->unreadable);
    setf(&r->fix, "%s",
         c->doc ? "repair the .vmx (every line key = \"value\"), then audit again"
                : "make the VM's configuration readable (register it again or "
                  "restore its files), then audit again");
}

static void absent_result(const vg_profile_rule *pr, vg_result *r)
{
    vg_buf b = VG_BUF_INIT;
    if (pr->cmp == VG_CMP_ABSENT) {
        r->raw_status = VG_PASS;
        vg_buf_adds(&b, "absent");
    } else {
        vg_buf_adds(&b, "absent -> ");
        default_text(pr->rule, &b);
        static const vg_result_status st[] = {[VG_ABSENT_FAIL] = VG_FAIL,
                                              [VG_ABSENT_PASS] = VG_PASS,
                                              [VG_ABSENT_NA] = VG_NOT_APPLICABLE};
        r->raw_status = (unsigned)pr->absent <= VG_ABSENT_NA ? st[pr->absent] : VG_FAIL;
        if (r->raw_status == VG_FAIL)
            vg_buf_adds(&b, "; this baseline requires the key to be set");
        else if (r->raw_status == VG_NOT_APPLICABLE)
            vg_buf_adds(&b, "; not applicable");
    }
    free(r->evidence);
    r->evidence = vg_buf_detach(&b);
}

static const vg_vmx_entry *removed_by(const eval_ctx *c, const vg_rule *rule,
                                      const vg_vmx_entry *e);

/* Drop the settings of devices that are not there; the first one dropped
 * and the line that removed its device go to *moot / *moot_by. */
static size_t drop_moot(const eval_ctx *c, const vg_rule *rule, const vg_vmx_entry **m, size_t n,
                        const vg_vmx_entry **moot, const vg_vmx_entry **moot_by)
{
    size_t kept = 0;
    *moot = *moot_by = NULL;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *by = removed_by(c, rule, m[i]);
        if (by && !*moot) {
            *moot = m[i];
            *moot_by = by;
        }
        if (!by)
            m[kept++] = m[i];
    }
    return kept;
}

/* Settings-backed rules: every matching key must comply. */
static void eval_keys(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r)
{
    const vg_vmx_entry *m[MAX_MATCHES], *moot, *moot_by;
    size_t n = collect(c, pr->rule, m, MAX_MATCHES);
    n = drop_moot(c, pr->rule, m, n, &moot, &moot_by);
    if (n == 0 && c->unreadable) {
        unreadable_result(c, r);
        return;
    }
    if (n == 0) {
        absent_result(pr, r);
        if (moot) {
            char *ev = r->evidence, *shown = shown_value(c, moot);
            r->evidence = NULL;
            setf(&r->evidence,
                 "%s; %s = %s (line %u) is moot: %s = FALSE (line %u), the device "
                 "does not exist",
                 ev, moot->key, shown ? shown : "", moot->line, moot_by->key, moot_by->line);
            free(ev);
            free(shown);
        }
        return;
    }
    size_t bad = 0;
    const vg_vmx_entry *first_bad = NULL;
    int unreadable = 0;
    for (size_t i = 0; i < n; i++) {
        if (duplicate_error(c, m[i], r))
            return;
        int ok = pr->cmp == VG_CMP_ABSENT ? 0
                                          : vg_audit_value_ok(m[i]->value, pr->rule->type, pr->cmp,
                                                              pr->value, pr->values);
        if (ok <= 0 && !bad++) {
            first_bad = m[i];
            unreadable = ok < 0 && pr->cmp != VG_CMP_ABSENT;
        }
    }
    take_entry(c, first_bad ? first_bad : m[0], r);
    vg_buf b = VG_BUF_INIT;
    entry_evidence(c, r, &b);
    if (bad > 1)
        vg_buf_printf(&b, "; %zu more", bad - 1);
    if (unreadable)
        vg_buf_adds(&b, ": unexpected value");
    else if (first_bad && pr->cmp == VG_CMP_NE && pr->values &&
             vg_audit_value_ok(first_bad->value, pr->rule->type, VG_CMP_NE, pr->value, NULL) > 0)
        vg_buf_printf(&b, ": another name of %s, which this baseline excludes", pr->value);
    else if (first_bad && pr->cmp == VG_CMP_ABSENT)
        vg_buf_adds(&b, ": the key must be absent");
    free(r->evidence);
    r->evidence = vg_buf_detach(&b);
    r->raw_status = first_bad ? VG_FAIL : VG_PASS;
}

/* Device rules work on instances: the prefix before the last '.' of a
 * matching key (serial0, ide1:0).  An instance whose .present is FALSE does
 * not exist; device_types narrows by .deviceType (disks share ide/sata). */
#define MAX_INSTANCES 64

typedef struct dev_instance {
    char prefix[128];
    const char *leaf; /* key part after the prefix: "present", "startConnected" */
} dev_instance;

/* "prefix.leaf" into key (size bytes); 0 when it does not fit.  A plain
 * copy: device rules look up several such keys per instance. */
static size_t join_key(char *key, size_t size, const char *prefix, const char *leaf)
{
#ifdef VG_REFERENCE_PATHS /* the plain way, for the differential test */
    int w = snprintf(key, size, "%s.%s", prefix, leaf);
    return w > 0 && (size_t)w < size ? (size_t)w : 0;
#endif
    size_t a = strlen(prefix), b = strlen(leaf);
    if (a + 1 + b >= size)
        return 0;
    memcpy(key, prefix, a);
    key[a] = '.';
    memcpy(key + a + 1, leaf, b + 1);
    return a + 1 + b;
}

static const vg_vmx_entry *instance_key(const eval_ctx *c, const char *prefix, const char *leaf)
{
    char key[512];
    return join_key(key, sizeof key, prefix, leaf) ? vg_vmx_doc_find(c->doc, key) : NULL;
}

/* A setting of a device that is not there (scsi0:1.mode beside
 * scsi0:1.present = FALSE) is moot: VMware never reads it.  Only for keys
 * whose device part is a pattern ("scsi*:*.mode"); returns the .present
 * line that removes the device, or NULL. */
static const vg_vmx_entry *removed_by(const eval_ctx *c, const vg_rule *rule, const vg_vmx_entry *e)
{
    const char *dot = strrchr(e->key, '.');
    const char *rdot = rule->key ? strrchr(rule->key, '.') : NULL;
    if (!dot || !rdot || !memchr(rule->key, '*', (size_t)(rdot - rule->key)) ||
        strcasecmp(dot, ".present") == 0 || (size_t)(dot - e->key) >= 128)
        return NULL;
    char prefix[128];
    memcpy(prefix, e->key, (size_t)(dot - e->key));
    prefix[dot - e->key] = '\0';
    const vg_vmx_entry *p = instance_key(c, prefix, "present");
    int on;
    return p && vg_audit_parse_bool(p->value, &on) == 0 && !on ? p : NULL;
}

static int instance_bool(const eval_ctx *c, const char *prefix, const char *leaf, int *out)
{
    const vg_vmx_entry *e = instance_key(c, prefix, leaf);
    return e && vg_audit_parse_bool(e->value, out) == 0 ? 0 : -1;
}

/* In the VM's hardware but not connected: startConnected FALSE, and not
 * connected now where the source knows (.connected, from the vSphere API). */
static int not_connected(const eval_ctx *c, const char *prefix)
{
    int on;
    if (instance_bool(c, prefix, "startConnected", &on) != 0 || on)
        return 0;
    return !(instance_bool(c, prefix, "connected", &on) == 0 && on);
}

/* Does the instance take part?  <prefix>.present = FALSE removes it (except
 * under cmp absent, where the key itself must not exist); device_types keeps
 * CD-ROM rules off disks on the same bus. */
static int instance_counts(const eval_ctx *c, const vg_profile_rule *pr, const char *prefix)
{
    const vg_rule *rule = pr->rule;
    int present = 1;
    if (pr->cmp != VG_CMP_ABSENT && instance_bool(c, prefix, "present", &present) == 0 && !present)
        return 0;
    if (!rule->device_types)
        return 1;
    const vg_vmx_entry *t = instance_key(c, prefix, "deviceType");
    for (size_t i = 0; t && rule->device_types[i]; i++) {
        if (strcasecmp(t->value, rule->device_types[i]) == 0)
            return 1;
    }
    return 0;
}

static size_t find_instances(const eval_ctx *c, const char *name, dev_instance *out, size_t n)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return n;
    char pat[128];
    if ((size_t)(dot - name) >= sizeof pat)
        return n;
    memcpy(pat, name, (size_t)(dot - name));
    pat[dot - name] = '\0';
    size_t plen = strcspn(pat, "*?");
    key_range kr = keys_for(c, pat);
    for (size_t i = kr.from; i < kr.to && n < MAX_INSTANCES; i++) {
        const char *key = range_entry(c, &kr, i)->key;
        if (!literal_prefix_ok(pat, plen, key))
            continue;
        const char *kd = strrchr(key, '.');
        if (!kd || (size_t)(kd - key) >= sizeof out[0].prefix)
            continue;
        char prefix[128];
        memcpy(prefix, key, (size_t)(kd - key));
        prefix[kd - key] = '\0';
        if (!vg_catalog_key_match(pat, prefix))
            continue;
        int seen = 0;
        for (size_t k = 0; k < n; k++)
            seen |= strcasecmp(out[k].prefix, prefix) == 0;
        if (!seen) {
            memcpy(out[n].prefix, prefix, strlen(prefix) + 1);
            out[n++].leaf = dot + 1;
        }
    }
    return n;
}

/* One instance: 1 complies, 0 fails, -1 unreadable, 2 not in use.  A
 * device that is there but not connected gets what the profile entry says
 * (disconnected: pass or fail), whatever key the rule reads. */
static int check_instance(const eval_ctx *c, const vg_profile_rule *pr, const dev_instance *d,
                          const vg_vmx_entry **shown, const char **why)
{
    const vg_rule *rule = pr->rule;
    const vg_vmx_entry *e = instance_key(c, d->prefix, d->leaf);
    *shown = e;
    const char *value = e ? e->value : rule->instance_default;
    if (!value)
        return 2;
    if (pr->cmp == VG_CMP_ABSENT) {
        *why = ": the key must be absent";
        return e ? 0 : 2;
    }
    int reads_present = strcasecmp(d->leaf, "present") == 0;
    if (not_connected(c, d->prefix) &&
        (reads_present || pr->disconnected == VG_DISCONNECTED_FAIL)) {
        if (pr->disconnected == VG_DISCONNECTED_PASS) {
            *why = " (not connected at power on; this baseline accepts a disconnected device)";
            return 1;
        }
        *why = " (not connected at power on, yet present: this baseline counts any present "
               "device)";
        return 0;
    }
    int ok = vg_audit_value_ok(value, rule->type, pr->cmp, pr->value, pr->values);
    int on;
    *why = ok < 0 ? ": unexpected value" : "";
    if (ok == 0 && reads_present && vg_audit_parse_bool(value, &on) == 0 && on)
        *why = instance_key(c, d->prefix, "startConnected") ? " (device present and connected)"
                                                            : " (device present)";
    if (!e)
        *why = ok > 0 ? " (default)" : " (default: the key is missing)";
    return ok;
}

static void device_evidence(const eval_ctx *c, const dev_instance *d, const vg_vmx_entry *e,
                            const vg_rule *rule, vg_result *r, vg_buf *b)
{
    if (e) {
        take_entry(c, e, r);
        entry_evidence(c, r, b);
    } else {
        vg_buf_printf(b, "%s.%s absent -> %s", d->prefix, d->leaf,
                      rule->instance_default ? rule->instance_default : "?");
        free(r->actual);
        r->actual = xstrdup(rule->instance_default);
    }
}

/* The key a fix writes for a device instance: as spelled, or prefix.leaf. */
static void device_fix(const vg_profile_rule *pr, const dev_instance *d, const vg_vmx_entry *e,
                       vg_result *r)
{
    char key[512];
    size_t n = join_key(key, sizeof key, d->prefix, d->leaf);
    fix_text(pr, e ? e->key : n ? key : NULL, r);
}

static void eval_device(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r)
{
    const vg_rule *rule = pr->rule;
    dev_instance inst[MAX_INSTANCES];
    size_t n = find_instances(c, rule->key, inst, 0);
    for (size_t i = 0; rule->aliases && rule->aliases[i]; i++)
        n = find_instances(c, rule->aliases[i], inst, n);
    size_t counted = 0, bad = 0, shown_i = 0;
    const vg_vmx_entry *shown = NULL;
    const char *shown_why = "";
    for (size_t i = 0; i < n; i++) {
        if (!instance_counts(c, pr, inst[i].prefix))
            continue;
        const vg_vmx_entry *e;
        const char *why;
        int st = check_instance(c, pr, &inst[i], &e, &why);
        if (st == 2)
            continue;
        if (e && duplicate_error(c, e, r))
            return;
        counted++;
        if ((st <= 0 && !bad++) || counted == 1) {
            shown = e;
            shown_i = i;
            shown_why = why;
        }
    }
    if (!counted && c->unreadable) {
        unreadable_result(c, r);
        return;
    }
    vg_buf b = VG_BUF_INIT;
    if (!counted) {
        vg_buf_printf(&b, "no %s device in use", rule->key);
        r->raw_status = pr->absent == VG_ABSENT_NA ? VG_NOT_APPLICABLE : VG_PASS;
    } else {
        device_evidence(c, &inst[shown_i], shown, rule, r, &b);
        if (bad)
            device_fix(pr, &inst[shown_i], shown, r);
        vg_buf_adds(&b, shown_why);
        if (bad > 1)
            vg_buf_printf(&b, "; %zu more", bad - 1);
        r->raw_status = bad ? VG_FAIL : VG_PASS;
    }
    free(r->evidence);
    r->evidence = vg_buf_detach(&b);
}

/* Typed properties: the source's value first, then the .vmx spelling. */
static void eval_property(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r)
{
    const vg_rule *rule = pr->rule;
    const char *v = rule->api_property ? vg_vm_prop(c->vm, rule->api_property) : NULL;
    if (v) {
        r->key = xstrdup(rule->api_property);
        r->actual = xstrdup(v);
        int ok = vg_audit_value_ok(v, rule->type, pr->cmp, pr->value, pr->values);
        r->raw_status = ok > 0 ? VG_PASS : VG_FAIL;
        setf(&r->evidence, "%s = %s (API)%s", rule->api_property, v,
             ok < 0 ? ": unexpected value" : "");
        return;
    }
    if (rule->key && c->doc) {
        eval_keys(c, pr, r);
        return;
    }
    if (!c->doc) { /* no API value and no settings: not "not visible" but unknown */
        unreadable_result(c, r);
        return;
    }
    r->raw_status = VG_NOT_APPLICABLE;
    setf(&r->evidence, "%s is not visible in a .vmx file",
         rule->api_property ? rule->api_property : rule->id);
}

/* Evidence gathered beside the settings (folder, logs, guest probes). */
static void eval_evidence(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r,
                          const char *none)
{
    static const struct {
        const char *word;
        vg_result_status st;
    } words[] = {{"pass", VG_PASS},
                 {"fail", VG_FAIL},
                 {"manual", VG_MANUAL},
                 {"not_applicable", VG_NOT_APPLICABLE},
                 {"error", VG_ERROR}};
    for (size_t i = 0; i < c->vm->n_evidence; i++) {
        const vg_vm_evidence *e = &c->vm->evidence[i];
        if (!e->rule_id || strcmp(e->rule_id, pr->rule->id) != 0)
            continue;
        r->raw_status = VG_ERROR;
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
            if (e->status && strcasecmp(e->status, words[k].word) == 0)
                r->raw_status = words[k].st;
        }
        r->file = xstrdup(e->file);
        r->line = e->line;
        r->evidence = xstrdup(e->message ? e->message : "(no message)");
        return;
    }
    r->raw_status = VG_NOT_APPLICABLE;
    r->evidence = strdup(none);
}

static void eval_one(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r)
{
    const vg_rule *rule = pr->rule;
    if (rule->kind == VG_RULE_MANUAL || pr->cmp == VG_CMP_MANUAL) {
        r->raw_status = VG_MANUAL;
        setf(&r->evidence, "procedural check: %s",
             pr->check   ? pr->check
             : pr->title ? pr->title
                         : rule->title);
    } else if (rule->kind == VG_RULE_GUEST) {
        eval_evidence(c, pr, r, "checked inside the guest: vmxguard guest");
    } else if (rule->kind == VG_RULE_EVIDENCE) {
        eval_evidence(c, pr, r, "no folder or log evidence gathered for this VM");
    } else if (rule->kind == VG_RULE_API_PROPERTY) {
        eval_property(c, pr, r);
    } else if (!c->doc) {
        unreadable_result(c, r);
    } else if (rule->kind == VG_RULE_DEVICE) {
        eval_device(c, pr, r);
    } else {
        eval_keys(c, pr, r);
    }
}

/* Fill everything of r but the status-independent fields. */
static int finish_result(const eval_ctx *c, const vg_profile_rule *pr, vg_result *r)
{
    r->expected = vg_audit_expected_text(pr);
    if (r->raw_status == VG_FAIL && pr->rule->deprecated && r->evidence) {
        char *ev = r->evidence;
        r->evidence = NULL;
        setf(&r->evidence, "%s; note: %s", ev, pr->rule->deprecated);
        free(ev);
    }
    if (!r->fix && (r->raw_status == VG_FAIL || r->raw_status == VG_ERROR))
        fix_text(pr, r->key, r);
    if (!r->fix && r->raw_status == VG_MANUAL && pr->rule->fix)
        r->fix = strdup(pr->rule->fix);
    r->status = r->raw_status;
    time_t now = c->opts->now ? c->opts->now : time(NULL);
    if (c->opts->waivers && vg_waivers_apply(c->opts->waivers, c->vm, r, now) != 0)
        return VG_ENOMEM;
    return r->expected && r->evidence ? VG_OK : VG_ENOMEM;
}

static void result_release(vg_result *r)
{
    char **strs[] = {&r->key,           &r->actual,          &r->file,
                     &r->expected,      &r->evidence,        &r->fix,
                     &r->waiver_reason, &r->waiver_approver, &r->waiver_expires};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
}

void vg_vm_report_free(vg_vm_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_results; i++)
        result_release(&r->results[i]);
    free(r->results);
    for (size_t i = 0; i < r->n_lints; i++) {
        free(r->lints[i].key);
        free(r->lints[i].message);
        free(r->lints[i].suggest);
    }
    free(r->lints);
    free(r);
}

int vg_audit_vm(const vg_vm *vm, const vg_profile *const *profiles, size_t n_profiles,
                const vg_audit_opts *opts, vg_vm_report **out, vg_error *err)
{
    static const vg_audit_opts no_opts;
    *out = NULL;
    if (!vm || (n_profiles && !profiles))
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "audit: no vm or no profiles");
    eval_ctx c = {vm, vm->settings, opts ? opts : &no_opts, {{0}, NULL}, NULL, ""};
    find_unreadable(&c);
    size_t total = 0;
    for (size_t p = 0; p < n_profiles; p++)
        total += profiles[p]->n_rules;
    vg_vm_report *rep = calloc(1, sizeof *rep);
    if (!rep || (total && !(rep->results = calloc(total, sizeof *rep->results)))) {
        free(rep);
        return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
    }
    rep->vm = vm;
    letter_index_build(&c.by_letter, c.doc);
    for (size_t p = 0; p < n_profiles; p++) {
        for (size_t i = 0; i < profiles[p]->n_rules; i++) {
            const vg_profile_rule *pr = &profiles[p]->rules[i];
            vg_result *r = &rep->results[rep->n_results++];
            r->profile = profiles[p];
            r->prule = pr;
            eval_one(&c, pr, r);
            if (finish_result(&c, pr, r) != VG_OK) {
                free(c.by_letter.order);
                vg_vm_report_free(rep);
                return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
            }
            rep->counts[r->status]++;
        }
    }
    free(c.by_letter.order);
    if (vg_audit_pending(vm, rep) != VG_OK) {
        vg_vm_report_free(rep);
        return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
    }
    if (c.doc) {
        vg_error lerr;
        vg_error_clear(&lerr);
        int rc = vg_audit_lint(c.doc, &rep->lints, &rep->n_lints, &lerr);
        if (rc == VG_ENOMEM) {
            vg_vm_report_free(rep);
            return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
        }
    }
    *out = rep;
    return VG_OK;
}
