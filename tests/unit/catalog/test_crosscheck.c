/*
 * Cross-check: every row of shared/reference/baselines.tsv against the
 * shipped profiles, so a transcription error in the profile YAML files fails
 * the build.  The expected facts are re-derived here from the TSV's own text
 * (independently of catalog/tools/gen_profiles.py): source id and refs, key
 * (or API property), comparison, value(s), absent semantics, severity text
 * and the normalised severity.  Every shipped profile must appear in the
 * mapping table below, and every entry of a profile must be backed by a row.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vmxguard/catalog.h"

/* TSV source -> shipped profile id: the row -> profile mapping. */
static const struct {
    const char *source;
    const char *profile;
} mapping[] = {
    {"DISA VMware vSphere 8.0 Virtual Machine STIG", "disa-vsphere8-vm"},
    {"DISA VMware vSphere 8.0 ESXi STIG (host rules affecting VM settings)", "disa-vsphere8-vm"},
    {"DISA VMware vSphere 7.0 Virtual Machine STIG", "disa-vsphere7-vm"},
    {"DISA VMware vSphere 6.7 Virtual Machine STIG", "disa-vsphere6.7-vm"},
    {"DISA VMware vSphere 6.5 Virtual Machine STIG", "disa-vsphere6.5-vm"},
    {"DISA VMware vSphere 6.0 Virtual Machine STIG", "disa-vsphere6-vm"},
    {"DISA VMware ESXi 5 Virtual Machine STIG", "disa-esxi5-vm"},
    {"DISA VMware ESX 3 Virtual Center STIG", "disa-esx3"},
    {"DISA VMware ESX 3 Server STIG", "disa-esx3"},
    {"DISA VMware ESX 3 Virtual Machine STIG", "disa-esx3"},
    {"DISA/VMware VCF 9.x STIG Readiness (SRG-based) vSphere VM", "vcf9-stig-readiness"},
    {"VMware vSphere 8 Security Configuration Guide", "vmware-scg-8"},
    {"VMware vSphere 7 Security Configuration Guide", "vmware-scg-7"},
    {"VMware vSphere 6.7 Security Configuration Guide", "vmware-scg-6.7"},
    {"VMware vSphere 6.5 Security Configuration Guide", "vmware-scg-6.5"},
    {"VMware vSphere 6.0 Hardening Guide", "vmware-hg-6.0"},
    {"VMware vSphere 5.5 Hardening Guide", "vmware-hg-5.5"},
    {"VMware vSphere 5.1 Hardening Guide", "vmware-hg-5.1"},
    {"VMware vSphere 5.0 Hardening Guide", "vmware-hg-5.0"},
    {"VMware vSphere 4.1 Security Hardening Guide", "vmware-hg-4.1"},
    {"VMware vSphere 4.0 Security Hardening Guide", "vmware-hg-4.0"},
    {"VMware VI3.5 Security Hardening guide (via OSSEC rootcheck encoding)", "vmware-vi3.5"},
    {"VMware Cloud Foundation 9.0 Security Configuration Guide", "vcf-scg-9.0"},
    {"VMware Cloud Foundation 9.1 Security Configuration Guide", "vcf-scg-9.1"},
    {"CIS VMware ESXi 8 Benchmark", "cis-esxi-8"},
    {"CIS VMware ESXi 7.0 Benchmark", "cis-esxi-7"},
    {"CIS VMware ESXi 6.7 Benchmark", "cis-esxi-6.7"},
    {"CIS VMware ESXi 6.5 Benchmark", "cis-esxi-6.5"},
    {"CIS VMware ESXi 5.5 Benchmark", "cis-esxi-5.5"},
    {"CIS VMware ESXi 5.1 Benchmark", "cis-esxi-5.1"},
    {"DISA STIG for ESX (as cited by seed article)", "seed-2009"},
    {"CIS VMware ESX Benchmark (as cited by seed article)", "seed-2009"},
    {"VMware VI3.5 Security Hardening guide (as cited by seed article)", "seed-2009"},
};

/* Profiles vmxguard writes itself (not transcriptions of a baseline): not in the TSV. */
static const char *const own_profiles[] = {
    "guest-linux", /* in-guest probes, catalog/profiles/guest-linux.yaml (guest module) */
    "vm-folder-evidence", /* folder evidence rules, catalog/profiles/vm-folder-evidence.yaml */
};

/* Later releases of a transcribed baseline with the same rules, where only
 * the release facts differ: not rows of the TSV, but checked entry by entry
 * against the profile the rows back (release_variants_keep_the_rules). */
static const struct {
    const char *profile, *same_rules_as;
} release_variants[] = {
    {"vcf9-stig-readiness-y26m05", "vcf9-stig-readiness"},
    {"vcf9-stig-readiness-y26m09", "vcf9-stig-readiness"},
};

static int is_release_variant(const char *id)
{
    for (size_t i = 0; i < sizeof release_variants / sizeof release_variants[0]; i++)
        if (strcmp(release_variants[i].profile, id) == 0)
            return 1;
    return 0;
}

static int is_own_profile(const char *id)
{
    for (size_t i = 0; i < sizeof own_profiles / sizeof own_profiles[0]; i++)
        if (strcmp(own_profiles[i], id) == 0)
            return 1;
    return is_release_variant(id);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_strv(const char **a, const char **b)
{
    size_t i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return (!a || !a[i]) && (!b || !b[i]);
}

/* The seed lists have no ids; the profile names the list instead. */
static const struct {
    const char *source;
    const char *id;
} seed_ids[] = {
    {"DISA STIG for ESX (as cited by seed article)", "seed DISA STIG for ESX"},
    {"CIS VMware ESX Benchmark (as cited by seed article)", "seed CIS ESX Benchmark"},
    {"VMware VI3.5 Security Hardening guide (as cited by seed article)", "seed VMware VI3.5 guide"},
};

/* Normalised severity (docs/catalog-format.md): first matching prefix wins. */
static const struct {
    const char *prefix;
    vg_severity sev;
} severity_map[] = {
    {"CAT III ", VG_SEV_LOW},
    {"CAT II ", VG_SEV_MEDIUM},
    {"CAT I ", VG_SEV_HIGH},
    {"L1;", VG_SEV_MEDIUM},
    {"L2;", VG_SEV_LOW},
    {"recommendation level Enterprise", VG_SEV_MEDIUM},
    {"recommendation level DMZ", VG_SEV_LOW},
    {"recommendation level SSLF", VG_SEV_LOW},
    {"risk profile 1,2,3", VG_SEV_MEDIUM},
    {"risk profile 1,2", VG_SEV_LOW},
    {"risk profile 1", VG_SEV_LOW},
    {"risk profile 2,3", VG_SEV_MEDIUM},
    {"risk profile 3", VG_SEV_MEDIUM},
    {"no risk profile in 6.7; type: Hardening", VG_SEV_MEDIUM},
    {"no risk profile in 6.7", VG_SEV_LOW},
    {"deprecated", VG_SEV_INFO},
    {"priority P0", VG_SEV_HIGH},
    {"priority P1", VG_SEV_MEDIUM},
    {"priority P2", VG_SEV_LOW},
    {"priority Advanced", VG_SEV_INFO},
    {"priority N/A", VG_SEV_INFO},
    {"unknown", VG_SEV_MEDIUM},
};

/* How the source's check text reads -> the comparison the entry must use. */
static const struct {
    const char *prefix;
    vg_comparison cmp;
} cmp_map[] = {
    {"guest-side tools.conf eq ", VG_CMP_EQ},
    {"intended: absent or eq ", VG_CMP_EQ},
    {"intended: eq ", VG_CMP_EQ},
    {"absent or eq ", VG_CMP_EQ},
    {"eq ", VG_CMP_EQ},
    {"le ", VG_CMP_LE},
    {"ne ", VG_CMP_NE},
    {"in(", VG_CMP_IN},
    {"version ge ", VG_CMP_GE},
    {"numeric ge ", VG_CMP_GE},
    {"present (any value)", VG_CMP_PRESENT},
    {"manual", VG_CMP_MANUAL},
    {"site-specific", VG_CMP_MANUAL},
    {"stat size eq 0", VG_CMP_MANUAL},
    {"no line in the file", VG_CMP_MANUAL},
    {"disk mode != ", VG_CMP_NE},
    {"any scsiX:Y.mode containing independent", VG_CMP_NE},
    {"flag nonpersistent disks", VG_CMP_NE},
    {"only flagged when set to true", VG_CMP_NE},
    {"absent = flagged; value other than", VG_CMP_EQ},
    {"absent = flagged (OSSEC rule also flags", VG_CMP_EQ},
    {"absent = flagged", VG_CMP_NE},
    {"flag ", VG_CMP_EQ}, /* "flag floppyN.present not false" */
    {"VirtualCdrom connectable.connected != true", VG_CMP_EQ},
    {"device absent, or present but not connected", VG_CMP_EQ},
    {"device absent", VG_CMP_EQ}, /* device rules: <dev>.present FALSE or no device */
    {"no such device", VG_CMP_EQ},
    {"no passthrough device", VG_CMP_EQ},
    {"key absent / no", VG_CMP_EQ},
    {"key/device absent", VG_CMP_EQ},
    {"absent", VG_CMP_ABSENT}, /* vmx keys that must not exist */
};

enum {
    C_SOURCE,
    C_VERSION,
    C_RULE_ID,
    C_SEVERITY,
    C_KEY,
    C_VALUE,
    C_CMP,
    C_ABSENT,
    C_DEFAULT,
    C_KIND,
    C_DEPRECATED,
    C_EVIDENCE,
    N_COLS
};

struct row {
    char *col[N_COLS];
    unsigned line;
};

static vg_catalog *cat;
static struct row *rows;
static size_t n_rows;
static char *tsv_text;
static int failures;

static void complain(const struct row *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void complain(const struct row *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "baselines.tsv:%u (%s %s): ", r->line, r->col[C_SOURCE], r->col[C_RULE_ID]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int load_tsv(void **state)
{
    (void)state;
    const char *path = VG_SOURCE_DIR "/../shared/reference/baselines.tsv";
    if (!(tsv_text = vg_test_slurp(path, NULL))) {
        fprintf(stderr, "cannot open %s: the cross-check needs shared/ beside the repo\n", path);
        return -1;
    }
    rows = calloc(2048, sizeof *rows);
    unsigned line = 0;
    for (char *p = tsv_text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        if (line > 1 && *p && n_rows < 2048) {
            struct row *r = &rows[n_rows];
            int c = 0;
            for (char *q = p; c < N_COLS; c++) {
                r->col[c] = q;
                char *t = strchr(q, '\t');
                if (!t) {
                    c++;
                    break;
                }
                *t = '\0';
                q = t + 1;
            }
            if (c != N_COLS) {
                fprintf(stderr, "baselines.tsv:%u: %d columns, expected %d\n", line, c, N_COLS);
                return -1;
            }
            r->line = line;
            n_rows++;
        }
        p = nl ? nl + 1 : NULL;
    }
    vg_error err;
    if (vg_catalog_load_embedded(&cat, &err) != 0) {
        fprintf(stderr, "catalog: %s:%u: %s\n", err.file, err.line, err.msg);
        return -1;
    }
    return 0;
}

static int free_all(void **state)
{
    (void)state;
    vg_catalog_free(cat);
    free(rows);
    free(tsv_text);
    return 0;
}

static const char *profile_for(const char *source)
{
    for (size_t i = 0; i < sizeof mapping / sizeof mapping[0]; i++)
        if (strcmp(mapping[i].source, source) == 0)
            return mapping[i].profile;
    return NULL;
}

/* Source id and refs from the rule_id column. */
static void expected_ids(const struct row *r, char *id, size_t idsz, char refs[][64], size_t *nrefs)
{
    const char *rid = r->col[C_RULE_ID];
    *nrefs = 0;
    if (starts(rid, "(seed")) {
        for (size_t i = 0; i < sizeof seed_ids / sizeof seed_ids[0]; i++)
            if (strcmp(seed_ids[i].source, r->col[C_SOURCE]) == 0)
                snprintf(id, idsz, "%s", seed_ids[i].id);
        return;
    }
    if (starts(r->col[C_SOURCE], "CIS ")) {
        snprintf(id, idsz, "CIS %.*s", (int)strcspn(rid, " "), rid);
        return;
    }
    const char *paren = strstr(rid, " (");
    snprintf(id, idsz, "%.*s", paren ? (int)(paren - rid) : (int)strlen(rid), rid);
    if (paren && (starts(paren + 2, "V-") || starts(paren + 2, "SV-"))) {
        const char *p = paren + 2;
        while (*p && *p != ')' && *nrefs < 8) {
            size_t len = strcspn(p, ",)");
            snprintf(refs[(*nrefs)++], 64, "%.*s", (int)len, p);
            p += len;
            while (*p == ',' || *p == ' ')
                p++;
        }
    }
}

/* "floppyX.present" -> "floppy*.present"; stops at " / " or " (". */
static void normalise_key(const char *key, char *out, size_t outsz)
{
    size_t n = 0;
    for (const char *p = key; *p && n + 1 < outsz; p++) {
        if (starts(p, " / ") || starts(p, " ("))
            break;
        int placeholder = (*p == 'X' || *p == 'Y') && p > key &&
                          (islower((unsigned char)p[-1]) || p[-1] == ':') &&
                          (p[1] == '.' || p[1] == ':');
        out[n++] = placeholder ? '*' : *p;
    }
    out[n] = '\0';
}

static int key_is_concrete(const char *k)
{
    return *k && !strchr(k, ' ') && k[0] != '(' && k[0] != '/';
}

static int strv_has(const char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcasecmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Device rules may read another key of the same device (floppy0.startConnected for a
 * row that names floppy*.present): compare the instance part before the last '.'. */
static int same_device(const char *pattern, const char *key)
{
    const char *a = strrchr(pattern, '.'), *b = strrchr(key, '.');
    return a && b && a - pattern == b - key &&
           strncasecmp(pattern, key, (size_t)(a - pattern)) == 0;
}

static int entry_has_one_key(const vg_profile_rule *e, const char *key)
{
    const vg_rule *r = e->rule;
    if ((r->key && strcasecmp(r->key, key) == 0) || strv_has(r->aliases, key) ||
        strv_has(r->legacy_keys, key) || (e->key && strcasecmp(e->key, key) == 0))
        return 1;
    if (r->kind != VG_RULE_DEVICE)
        return 0;
    if (r->key && same_device(r->key, key))
        return 1;
    for (size_t i = 0; r->aliases && r->aliases[i]; i++)
        if (same_device(r->aliases[i], key))
            return 1;
    return 0;
}

/* The row's key column may list several spellings: "a / b / Class", "Class (vmx: a, b)". */
static int entry_has_key(const vg_profile_rule *e, const char *column)
{
    char buf[512], key[256];
    const char *vmx = strstr(column, "(vmx: ");
    snprintf(buf, sizeof buf, "%s", vmx ? vmx + 6 : column);
    for (char *part = buf, *next; part; part = next) {
        next = strstr(part, vmx ? ", " : " / ");
        if (next) {
            *next = '\0';
            next += 2 + !vmx;
        }
        part[strcspn(part, vmx ? ")" : "")] = '\0';
        normalise_key(part, key, sizeof key);
        if (key_is_concrete(key) && entry_has_one_key(e, key))
            return 1;
    }
    return 0;
}

/* Entries of p for this row: same source id, and the row's key where it names one. */
static size_t match_entries(const struct row *r, const vg_profile *p, const char *id,
                            const vg_profile_rule **out, size_t max)
{
    char key[256];
    normalise_key(r->col[C_KEY], key, sizeof key);
    const char *vmx = strstr(r->col[C_KEY], "(vmx: ");
    int api = strcmp(r->col[C_KIND], "api-property") == 0 && starts(r->col[C_KEY], "Config.");
    size_t n = 0;
    for (size_t i = 0; i < p->n_rules && n < max; i++) {
        const vg_profile_rule *e = &p->rules[i];
        if (strcmp(e->source_id, id) != 0)
            continue;
        if (api && !(e->rule->api_property && strcasecmp(e->rule->api_property, key) == 0))
            continue;
        if (api && vmx) {
            char spelled[128];
            snprintf(spelled, sizeof spelled, "%.*s", (int)strcspn(vmx + 6, ")"), vmx + 6);
            if (!e->rule->key || strcasecmp(e->rule->key, spelled) != 0)
                continue;
        }
        int named = key_is_concrete(key) || strstr(r->col[C_KEY], "(vmx: ");
        if (!api && named && strcmp(r->col[C_KIND], "other") != 0 &&
            !entry_has_key(e, r->col[C_KEY]))
            continue;
        if (starts(key, "tools.conf ") && strcasecmp(e->rule->key ? e->rule->key : "", key) != 0)
            continue;
        out[n++] = e;
    }
    return n;
}

static vg_comparison expected_cmp(const struct row *r)
{
    const char *c = r->col[C_CMP];
    if (strcmp(r->col[C_KIND], "other") == 0 && !starts(r->col[C_KEY], "tools.conf "))
        return VG_CMP_MANUAL;
    if (starts(r->col[C_KEY], "tools.conf "))
        return VG_CMP_EQ; /* guest probe evaluates the value even where CIS says manual */
    if (strcmp(r->col[C_VALUE], "Site-Specific") == 0)
        return VG_CMP_MANUAL;
    if (strcmp(r->col[C_KIND], "device-presence") == 0 && starts(c, "absent"))
        /* 4.0 HG: the key must not exist at all; else "absent" means no such device */
        return strcmp(c, "absent") == 0 ? VG_CMP_ABSENT : VG_CMP_EQ;
    for (size_t i = 0; i < sizeof cmp_map / sizeof cmp_map[0]; i++)
        if (starts(c, cmp_map[i].prefix))
            return cmp_map[i].cmp;
    return (vg_comparison)-1;
}

/* Expected value: the word after the operator in the check text, else the compliant value. */
static void expected_value(const struct row *r, vg_comparison cmp, const vg_rule *rule, char *out,
                           size_t outsz)
{
    static const char *const ops[] = {"eq ", "ne ", "le ", "ge ", "ne ", "ne "};
    const char *c = r->col[C_CMP], *v = r->col[C_VALUE];
    out[0] = '\0';
    if (rule->kind == VG_RULE_DEVICE && cmp == VG_CMP_EQ) {
        snprintf(out, outsz, "FALSE"); /* device absent, or not present/connected */
        return;
    }
    if (starts(c, "absent = flagged") && strstr(c, "'false'")) {
        snprintf(out, outsz, "FALSE");
        return;
    }
    if (starts(c, "only flagged when set to true")) {
        snprintf(out, outsz, "TRUE");
        return;
    }
    const char *at = strstr(c, ops[cmp < 4 ? cmp : 0]);
    if (at && at[3] != '(') {
        at += 3;
        snprintf(out, outsz, "%.*s", (int)strcspn(at, " ;)"), at);
        return;
    }
    const char *prefixes[] = {"absent or ", "not present or ", "not "};
    for (size_t i = 0; i < 3; i++)
        if (starts(v, prefixes[i]))
            v += strlen(prefixes[i]);
    snprintf(out, outsz, "%.*s", (int)strcspn(v, " "), v);
}

static vg_severity expected_severity(const char *text)
{
    for (size_t i = 0; i < sizeof severity_map / sizeof severity_map[0]; i++)
        if (starts(text, severity_map[i].prefix))
            return severity_map[i].sev;
    return (vg_severity)-1;
}

/* The seed's *.enable = false keys are stored as the real *.disable = TRUE, with a note. */
static int seed_corrected(const struct row *r, const vg_profile_rule *e)
{
    return starts(r->col[C_RULE_ID], "(seed") && strstr(r->col[C_KEY], ".enable") &&
           strstr(e->rule->key, ".disable") && e->note && strstr(e->note, r->col[C_KEY]);
}

static void check_values(const struct row *r, const vg_profile_rule *e, vg_comparison cmp)
{
    if (cmp == VG_CMP_IN) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", r->col[C_VALUE]);
        size_t i = 0;
        for (char *tok = buf, *bar; tok; tok = bar ? bar + 1 : NULL, i++) {
            bar = strchr(tok, '|');
            if (bar)
                *bar = '\0';
            if (!e->values || !e->values[i] || strcasecmp(e->values[i], tok) != 0)
                complain(r, "values: expected '%s' at %zu", tok, i);
        }
        if (e->values && e->values[i])
            complain(r, "values: more than the source lists");
        return;
    }
    if (cmp != VG_CMP_EQ && cmp != VG_CMP_NE && cmp != VG_CMP_LE && cmp != VG_CMP_GE)
        return;
    char want[128];
    expected_value(r, cmp, e->rule, want, sizeof want);
    if (seed_corrected(r, e)) {
        /* inverse polarity: enable = false is disable = TRUE */
        if (strcasecmp(want, "false") != 0 || !e->value || strcasecmp(e->value, "TRUE") != 0)
            complain(r, "seed correction: expected %s = false -> TRUE", r->col[C_KEY]);
        return;
    }
    if (!e->value || strcasecmp(e->value, want) != 0)
        complain(r, "value: expected '%s', profile has '%s'", want, e->value ? e->value : "(none)");
}

static void check_entry(const struct row *r, const vg_profile_rule *e, char refs[][64],
                        size_t nrefs)
{
    if (!e->severity_text || strcmp(e->severity_text, r->col[C_SEVERITY]) != 0)
        complain(r, "severity_text: expected '%s', profile has '%s'", r->col[C_SEVERITY],
                 e->severity_text ? e->severity_text : "(none)");
    if (e->severity != expected_severity(r->col[C_SEVERITY]))
        complain(r, "severity: '%s' maps to %s, profile has %s", r->col[C_SEVERITY],
                 vg_severity_name(expected_severity(r->col[C_SEVERITY])),
                 vg_severity_name(e->severity));
    for (size_t i = 0; i < nrefs; i++)
        if (!e->refs || !strv_has(e->refs, refs[i]))
            complain(r, "refs: %s missing", refs[i]);
    vg_comparison cmp = expected_cmp(r);
    if (e->cmp != cmp)
        complain(r, "comparison: expected %s, profile has %s", vg_comparison_name(cmp),
                 vg_comparison_name(e->cmp));
    check_values(r, e, cmp);
    const char *a = r->col[C_ABSENT];
    if (cmp != VG_CMP_MANUAL && strcmp(a, "yes") == 0 && e->absent == VG_ABSENT_FAIL)
        complain(r, "absent: the source passes a missing key, the profile fails it");
    if (cmp != VG_CMP_MANUAL && strcmp(a, "no") == 0 && e->absent != VG_ABSENT_FAIL)
        complain(r, "absent: the source fails a missing key, the profile says %s",
                 vg_absent_name(e->absent));
    if (strcmp(r->col[C_KIND], "other") == 0 && !starts(r->col[C_KEY], "tools.conf ") &&
        e->rule->kind != VG_RULE_MANUAL)
        complain(r, "procedural row must use a manual rule, not %s", e->rule->id);
}

static void every_tsv_row_matches_its_profile_entry(void **state)
{
    (void)state;
    /* matched[p][i]: entry i of profile p is backed by a row. */
    size_t np = vg_catalog_profile_count(cat);
    unsigned char **matched = calloc(np, sizeof *matched);
    for (size_t p = 0; p < np; p++)
        matched[p] = calloc(vg_catalog_profile_at(cat, p)->n_rules + 1, 1);
    assert_true(n_rows > 1000);
    for (size_t i = 0; i < n_rows; i++) {
        const struct row *r = &rows[i];
        const char *pid = profile_for(r->col[C_SOURCE]);
        if (!pid) {
            complain(r, "source not in the mapping table");
            continue;
        }
        const vg_profile *p = vg_catalog_profile(cat, pid);
        if (!p) {
            complain(r, "profile %s is not shipped", pid);
            continue;
        }
        char id[128] = "", refs[8][64];
        size_t nrefs;
        expected_ids(r, id, sizeof id, refs, &nrefs);
        const vg_profile_rule *hits[16];
        size_t n = match_entries(r, p, id, hits, 16);
        if (n == 0) {
            complain(r, "no entry with source_id '%s' and key '%s' in %s", id, r->col[C_KEY], pid);
            continue;
        }
        size_t pi = 0;
        while (vg_catalog_profile_at(cat, pi) != p)
            pi++;
        for (size_t k = 0; k < n; k++) {
            check_entry(r, hits[k], refs, nrefs);
            matched[pi][(size_t)(hits[k] - p->rules)] = 1;
        }
    }
    for (size_t p = 0; p < np; p++) {
        const vg_profile *prof = vg_catalog_profile_at(cat, p);
        for (size_t i = 0; !is_own_profile(prof->id) && i < prof->n_rules; i++) {
            if (!matched[p][i]) {
                fprintf(stderr, "%s: entry %s (%s) has no row in baselines.tsv\n", prof->id,
                        prof->rules[i].source_id, prof->rules[i].rule->id);
                failures++;
            }
        }
        free(matched[p]);
    }
    free(matched);
    if (failures)
        fail_msg("%d cross-check failure(s), see above", failures);
}

static void every_shipped_profile_is_in_the_mapping(void **state)
{
    (void)state;
    size_t transcribed = 0;
    for (size_t p = 0; p < vg_catalog_profile_count(cat); p++) {
        const char *id = vg_catalog_profile_at(cat, p)->id;
        if (is_own_profile(id))
            continue;
        transcribed++;
        int found = 0;
        for (size_t i = 0; i < sizeof mapping / sizeof mapping[0]; i++)
            found |= strcmp(mapping[i].profile, id) == 0;
        if (!found)
            fail_msg("shipped profile %s is not cross-checked against baselines.tsv", id);
    }
    assert_int_equal(transcribed, 28); /* every baseline of baselines.tsv */
}

static void release_variants_keep_the_rules(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof release_variants / sizeof release_variants[0]; v++) {
        const vg_profile *p = vg_catalog_profile(cat, release_variants[v].profile);
        const vg_profile *base = vg_catalog_profile(cat, release_variants[v].same_rules_as);
        assert_non_null(p);
        assert_non_null(base);
        assert_int_equal(p->n_rules, base->n_rules);
        for (size_t i = 0; i < p->n_rules; i++) {
            const vg_profile_rule *a = &p->rules[i], *b = &base->rules[i];
            if (a->rule != b->rule || !same_str(a->source_id, b->source_id) ||
                a->cmp != b->cmp || !same_str(a->value, b->value) ||
                !same_strv(a->values, b->values) || a->absent != b->absent ||
                a->severity != b->severity || !same_strv(a->refs, b->refs) ||
                !same_str(a->key, b->key))
                fail_msg("%s entry %zu (%s) differs from %s", p->id, i,
                         a->source_id ? a->source_id : "?", base->id);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(release_variants_keep_the_rules),
        cmocka_unit_test(every_shipped_profile_is_in_the_mapping),
        cmocka_unit_test(every_tsv_row_matches_its_profile_entry),
    };
    return cmocka_run_group_tests(tests, load_tsv, free_all);
}
