/*
 * vmxguard explain RULE: everything the catalog knows about a rule.  RULE is
 * a catalog id (isolation-tools-copy-disable), a baseline's own id
 * (VMCH-80-000189, V-258703, "CIS 7.18", vm-8.deactivate-console-copy) or a
 * .vmx key (isolation.tools.copy.disable, serial0.present).  Prints what it
 * protects, keys and spellings, VMware's defaults per version, the fix, and
 * how every baseline that lists it checks it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* explain writes here, a memory stream shown through cli_term_write: a
 * rule's text may come from anyone's --profile-file, and escaping the
 * whole page keeps every string of it from driving the terminal */
static FILE *out;

extern const struct cli_command cli_cmd_explain;

#define MAX_HITS 32

static const struct option long_opts[] = {
    {"profile-file", required_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void add_hit(const vg_rule **hits, size_t *n, const vg_rule *r)
{
    for (size_t i = 0; i < *n; i++)
        if (hits[i] == r)
            return;
    if (*n < MAX_HITS)
        hits[(*n)++] = r;
}

static int strv_has(const char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcasecmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Rules named by word: catalog id, else a source id or ref, else a .vmx key. */
static size_t resolve(const vg_catalog *cat, const char *word, const vg_rule **hits)
{
    size_t n = 0;
    const vg_rule *r = vg_catalog_rule(cat, word);
    if (r) {
        hits[n++] = r;
        return n;
    }
    for (size_t p = 0; p < vg_catalog_profile_count(cat); p++) {
        const vg_profile *prof = vg_catalog_profile_at(cat, p);
        for (size_t i = 0; i < prof->n_rules; i++) {
            const vg_profile_rule *e = &prof->rules[i];
            if (strcasecmp(e->source_id, word) == 0 || strv_has(e->refs, word))
                add_hit(hits, &n, e->rule);
        }
    }
    if (n)
        return n;
    return vg_catalog_rules_for_key(cat, word, hits, MAX_HITS);
}

/* Every name explain accepts: rule ids, then keys, then the baselines' own ids. */
static const char **candidate_names(const vg_catalog *cat)
{
    size_t n = 2 * vg_catalog_rule_count(cat);
    for (size_t p = 0; p < vg_catalog_profile_count(cat); p++)
        n += vg_catalog_profile_at(cat, p)->n_rules;
    const char **names = calloc(n + 1, sizeof *names);
    size_t k = 0;
    for (size_t i = 0; names && i < vg_catalog_rule_count(cat); i++)
        names[k++] = vg_catalog_rule_at(cat, i)->id;
    for (size_t i = 0; names && i < vg_catalog_rule_count(cat); i++)
        if (vg_catalog_rule_at(cat, i)->key)
            names[k++] = vg_catalog_rule_at(cat, i)->key;
    for (size_t p = 0; names && p < vg_catalog_profile_count(cat); p++) {
        const vg_profile *prof = vg_catalog_profile_at(cat, p);
        for (size_t i = 0; i < prof->n_rules; i++)
            names[k++] = prof->rules[i].source_id;
    }
    return names;
}

static void suggest(const vg_catalog *cat, const char *word)
{
    const char **names = candidate_names(cat);
    const char *guess = names ? vg_closest_name(word, names) : NULL;
    cli_error("unknown rule '%s' (not a rule id, source id or .vmx key in the catalog)", word);
    if (guess)
        fprintf(stderr, "hint: did you mean 'vmxguard explain %s'?\n", cli_term(guess));
    free(names);
}

static void print_list(const char *label, const char **v)
{
    if (!v || !v[0])
        return;
    fprintf(out, "  %-13s", label);
    for (size_t i = 0; v[i]; i++)
        fprintf(out, "%s%s", i ? ", " : "", v[i]);
    fprintf(out, "\n");
}

static void print_list_indented(const char *label, const char **v)
{
    fprintf(out, "    %-20s %s", "", label);
    for (size_t i = 0; v[i]; i++)
        fprintf(out, " %s", v[i]);
    fprintf(out, "\n");
}

static void print_defaults(const vg_rule *r)
{
    if (!r->n_defaults)
        return;
    fprintf(out, "  VMware default:\n");
    for (size_t i = 0; i < r->n_defaults; i++) {
        const vg_rule_default *d = &r->defaults[i];
        char range[64];
        if (d->since || d->until)
            snprintf(range, sizeof range, "%s - %s", d->since ? d->since : "...",
                     d->until ? d->until : "now");
        else
            snprintf(range, sizeof range, "all versions");
        if (d->note)
            fprintf(out, "    %-16s %s  (%s)\n", range, d->value, d->note);
        else
            fprintf(out, "    %-16s %s\n", range, d->value);
    }
}

/* Device semantics: the engine's verdict per device state for this entry;
 * the other spellings a "ne" entry also excludes (legacy disk modes). */
static void print_semantics(const vg_profile *p, const vg_profile_rule *e)
{
    if (e->cmp == VG_CMP_NE && e->values && e->values[0])
        print_list_indented("also not (the same mode by another name):", e->values);
    if (e->rule->kind != VG_RULE_DEVICE || e->cmp == VG_CMP_MANUAL)
        return;
    fprintf(out, "    %-20s devices:", "");
    for (int s = 0; s < VG_DEVICE_STATE_COUNT; s++) {
        vg_result_status st;
        vg_error err;
        if (vg_audit_device_verdict(p, e, (vg_device_state)s, &st, &err) != VG_OK)
            return;
        fprintf(out, "%s %s %s", s ? "," : "", vg_device_state_name((vg_device_state)s),
                st == VG_NOT_APPLICABLE ? "n/a" : vg_result_status_name(st));
    }
    fprintf(out, "\n");
}

static void print_entry(const vg_profile *p, const vg_profile_rule *e)
{
    char exp[160] = "manual";
    if (e->cmp == VG_CMP_IN) {
        size_t n = (size_t)snprintf(exp, sizeof exp, "in ");
        for (size_t i = 0; e->values && e->values[i] && n < sizeof exp; i++)
            n += (size_t)snprintf(exp + n, sizeof exp - n, "%s%s", i ? "|" : "", e->values[i]);
    } else if (e->cmp != VG_CMP_MANUAL) {
        snprintf(exp, sizeof exp, "%s%s%s", vg_comparison_name(e->cmp), e->value ? " " : "",
                 e->value ? e->value : "");
    }
    fprintf(out, "    %-20s %-22s %-26s %-14s %s", p->id, e->source_id, exp,
            e->cmp == VG_CMP_MANUAL       ? ""
            : e->absent == VG_ABSENT_FAIL ? "absent fails"
                                          : "absent passes",
            vg_severity_name(e->severity));
    if (e->severity_text)
        fprintf(out, " (%s)", e->severity_text);
    fprintf(out, "\n");
    if (e->refs && e->refs[0]) {
        fprintf(out, "    %-20s refs:", "");
        for (size_t i = 0; e->refs[i]; i++)
            fprintf(out, " %s", e->refs[i]);
        fprintf(out, "\n");
    }
    if (e->title)
        fprintf(out, "    %-20s title: %s\n", "", e->title);
    if (e->key)
        fprintf(out, "    %-20s spelled: %s\n", "", e->key);
    if (e->note)
        fprintf(out, "    %-20s note: %s\n", "", e->note);
    print_semantics(p, e);
}

/* The entry's published STIG identifiers, its CCIs and their NIST SP 800-53
 * controls (catalog/stig/), when the catalog has them. */
static void print_stig(const vg_catalog *cat, const vg_profile *p, const vg_profile_rule *e)
{
    const vg_stig_benchmark *b = NULL;
    const vg_stig_rule *s = vg_catalog_stig_rule(cat, p->id, e->source_id, &b);
    if (!s)
        return;
    fprintf(out, "    %-20s STIG: %s %s, %s, V%sR%s of %s%s\n", "", s->group_id, s->rule_id,
            s->group_title, b->version, b->release, b->id,
            b->checklist ? "" : " (another benchmark: not in this profile's checklists)");
    for (size_t i = 0; s->ccis && s->ccis[i]; i++) {
        const char *const *nist = vg_catalog_cci_nist(cat, s->ccis[i]);
        fprintf(out, "    %-20s CCI: %s -> NIST SP 800-53:", "", s->ccis[i]);
        for (size_t k = 0; nist && nist[k]; k++)
            fprintf(out, "%s %s", k ? "," : "", nist[k]);
        fprintf(out, "%s\n", nist ? "" : " (not in the catalog's CCI map)");
    }
    if (!s->ccis)
        fprintf(out, "    %-20s CCI: none published (this STIG predates CCIs)\n", "");
    if (s->legacy_ids && s->legacy_ids[0]) {
        fprintf(out, "    %-20s legacy ids:", "");
        for (size_t i = 0; s->legacy_ids[i]; i++)
            fprintf(out, " %s", s->legacy_ids[i]);
        fprintf(out, "\n");
    }
    /* what no published source of this release confirmed is said, never
     * passed off as read from the STIG */
    for (int pass = 0; pass < 2; pass++) {
        const char **u = pass ? b->unverified : s->unverified;
        if (!u || !u[0])
            continue;
        fprintf(out, "    %-20s unverified%s:", "", pass ? " (benchmark)" : "");
        for (size_t i = 0; u[i]; i++)
            fprintf(out, "%s %s", i ? "," : "", u[i]);
        fprintf(out, " (no published source of this release confirmed them)\n");
    }
}

static void explain(const vg_catalog *cat, const vg_rule *r)
{
    fprintf(out, "%s: %s\n", r->id, r->title);
    fprintf(out, "  %s\n", r->description);
    fprintf(out, "  %-13s%s", "kind:", vg_rule_kind_name(r->kind));
    if (r->kind != VG_RULE_MANUAL)
        fprintf(out, " (%s)", vg_value_type_name(r->type));
    fprintf(out, "\n");
    if (r->key)
        fprintf(out, "  %-13s%s\n", "key:", r->key);
    else if (r->kind == VG_RULE_API_PROPERTY)
        fprintf(out, "  %-13s(none known: not applicable to a .vmx file)\n", "key:");
    print_list("aliases:", r->aliases);
    print_list("legacy:", r->legacy_keys);
    if (r->api_property)
        fprintf(out, "  %-13s%s\n", "API:", r->api_property);
    print_list("devices:", r->api_classes);
    print_list("device types:", r->device_types);
    if (r->honoured)
        fprintf(out, "  %-13s%s\n", "honoured:", r->honoured);
    if (r->deprecated)
        fprintf(out, "  %-13s%s\n", "deprecated:", r->deprecated);
    print_defaults(r);
    if (r->fix)
        fprintf(out, "  %-13s%s\n", "fix:", r->fix);
    if (r->needs_cold_start)
        fprintf(out, "  %-13sneeds a power off and power on (not a guest reboot) to take effect\n",
                "");
    if (r->needs_human)
        fprintf(out, "  %-13schanges hardware or disks: fixed only with --devices, after review\n",
                "");
    fprintf(out, "  baselines:\n");
    size_t listed = 0;
    for (size_t p = 0; p < vg_catalog_profile_count(cat); p++) {
        const vg_profile *prof = vg_catalog_profile_at(cat, p);
        for (size_t i = 0; i < prof->n_rules; i++) {
            if (prof->rules[i].rule == r) {
                print_entry(prof, &prof->rules[i]);
                print_stig(cat, prof, &prof->rules[i]);
                listed++;
            }
        }
    }
    if (!listed)
        fprintf(out, "    (no profile lists this rule)\n");
}

static int run(int argc, char **argv)
{
    const char *profile_file = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'P':
            profile_file = optarg;
            break;
        case 'h':
            return cli_help(&cli_cmd_explain);
        default:
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("explain needs a rule id, source id or .vmx key");
        return EXIT_USAGE;
    }
    int rc;
    vg_catalog *cat = cli_open_catalog(&profile_file, profile_file ? 1 : 0, &rc);
    if (!cat)
        return rc;
    for (int a = optind; a < argc; a++) {
        const vg_rule *hits[MAX_HITS];
        size_t n = resolve(cat, argv[a], hits);
        if (!n) {
            suggest(cat, argv[a]);
            rc = EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++) {
            char *page = NULL;
            size_t len = 0;
            if (!(out = open_memstream(&page, &len))) {
                cli_error("explain: out of memory");
                vg_catalog_free(cat);
                return EXIT_INTERNAL;
            }
            if (a > optind || i)
                fprintf(out, "\n");
            explain(cat, hits[i]);
            fclose(out);
            out = NULL;
            cli_term_write(stdout, page, len, VG_TERM_KEEP_NL);
            free(page);
        }
    }
    vg_catalog_free(cat);
    return rc;
}

const struct cli_command cli_cmd_explain = {
    "explain",
    "explain a rule: what it protects, keys, defaults, fix, baselines",
    run,
    "usage: vmxguard explain RULE... [--profile-file FILE]\n"
    "\n"
    "RULE is a catalog rule id, a baseline's own id (STIG id, V- or SV- number,\n"
    "'CIS 7.18', SCG id) or a .vmx key. Prints what the rule protects against,\n"
    "its key, aliases and legacy spellings, the vSphere property, VMware's\n"
    "default per product version, the fix and whether it needs a cold start,\n"
    "deprecation notes, and how every baseline that lists it checks it\n"
    "(source id, expected value, absent semantics, severity).\n"
    "\n"
    "options:\n"
    "  --profile-file FILE   also load FILE (YAML rules and/or profiles, docs/catalog-format.md)\n"
    "  -h, --help            this text\n"
    "\n"
    "examples:\n"
    "  vmxguard explain isolation-tools-copy-disable\n"
    "  vmxguard explain VMCH-80-000189\n"
    "  vmxguard explain log.rotateSize\n"
    "  vmxguard explain serial0.present 'CIS 7.18'\n"
    "\n"
    "exit codes: 0 ok, 2 unknown rule (with a suggestion) or unreadable --profile-file\n",
};
