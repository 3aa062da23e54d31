/*
 * vmxguard profiles: what baselines the catalog holds.
 *   profiles                 one line per profile: id, version, date, rule counts, title
 *   profiles show ID         every rule of one profile with its expected value and source id
 *   profiles diff A B        rules only in one profile, and rules whose expectation differs
 * --profile-file adds a user's YAML (same format as the embedded catalog) first.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

extern const struct cli_command cli_cmd_profiles;

static const struct option long_opts[] = {
    {"profile-file", required_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The embedded catalog plus an optional user file; NULL (message printed) on error. */
static vg_catalog *open_catalog(const char *profile_file)
{
    int rc;
    return cli_open_catalog(&profile_file, profile_file ? 1 : 0, &rc);
}

/* Find a profile or say which one was probably meant. */
static const vg_profile *find_profile(const vg_catalog *cat, const char *id)
{
    const vg_profile *p = vg_catalog_profile(cat, id);
    if (p)
        return p;
    const char *guess = vg_catalog_suggest_profile(cat, id);
    cli_error("unknown profile '%s'", id);
    if (guess)
        fprintf(stderr, "hint: did you mean '%s'? ('vmxguard profiles' lists them all)\n",
                cli_term(guess));
    else
        fprintf(stderr, "hint: 'vmxguard profiles' lists the profiles\n");
    return NULL;
}

/* "eq TRUE", "le 1048576", "in opportunistic|required", "must be absent", "manual". */
static void expected_text(const vg_profile_rule *e, char *out, size_t outsz)
{
    size_t n = 0;
    switch (e->cmp) {
    case VG_CMP_ABSENT:
        snprintf(out, outsz, "must be absent");
        return;
    case VG_CMP_PRESENT:
        snprintf(out, outsz, "must be present");
        return;
    case VG_CMP_MANUAL:
        snprintf(out, outsz, "manual");
        return;
    case VG_CMP_IN:
        n = (size_t)snprintf(out, outsz, "in ");
        for (size_t i = 0; e->values && e->values[i] && n < outsz; i++)
            n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? "|" : "", e->values[i]);
        return;
    default:
        snprintf(out, outsz, "%s %s", vg_comparison_name(e->cmp), e->value ? e->value : "?");
    }
}

static const char *absent_text(const vg_profile_rule *e)
{
    static const char *const words[] = {"absent fails", "absent passes", "absent n/a"};
    if (e->cmp == VG_CMP_MANUAL)
        return "";
    return (unsigned)e->absent < 3 ? words[e->absent] : "";
}

static int is_guest(const vg_profile_rule *e)
{
    return e->rule->kind == VG_RULE_GUEST;
}

static int is_manual(const vg_profile_rule *e)
{
    return e->cmp == VG_CMP_MANUAL || e->rule->kind == VG_RULE_MANUAL;
}

static int list_profiles(const vg_catalog *cat)
{
    /* ids from a profile file can be longer than the built-in ones: the
     * column is as wide as the longest, so the table stays aligned */
    int wid = 21, wver = 16;
    for (size_t i = 0; i < vg_catalog_profile_count(cat); i++) {
        const vg_profile *p = vg_catalog_profile_at(cat, i);
        int l = (int)strlen(cli_term(p->id)), v = (int)strlen(cli_term(p->version));
        wid = l > wid ? (l < 64 ? l : 64) : wid;
        wver = v > wver ? (v < 32 ? v : 32) : wver;
    }
    printf("%-*s %-*s %-10s %5s %5s %6s %5s  %s\n", wid, "ID", wver, "VERSION", "DATE", "RULES",
           "AUTO", "MANUAL", "GUEST", "TITLE");
    for (size_t i = 0; i < vg_catalog_profile_count(cat); i++) {
        const vg_profile *p = vg_catalog_profile_at(cat, i);
        size_t manual = 0, guest = 0;
        for (size_t j = 0; j < p->n_rules; j++) {
            guest += is_guest(&p->rules[j]) && !is_manual(&p->rules[j]);
            manual += is_manual(&p->rules[j]);
        }
        /* a profile file is anyone's text: every string is shown escaped */
        printf("%-*s %-*s %-10s %5zu %5zu %6zu %5zu  %s\n", wid, cli_term(p->id), wver,
               cli_term(p->version), p->date ? cli_term(p->date) : "-", p->n_rules,
               vg_profile_automated_count(p), manual, guest, cli_term(p->title));
    }
    /* vmxguard's own checks (folder evidence, guest probes) are profiles but
     * no published baseline; README counts the baselines the same way */
    size_t own = 0, n = vg_catalog_profile_count(cat);
    for (size_t i = 0; i < n; i++) {
        const char *src = vg_catalog_profile_at(cat, i)->source;
        own += src && strncmp(src, "vmxguard ", 9) == 0;
    }
    printf("\n%zu profiles (%zu baselines, %zu vmxguard checks), %zu rules. Default profile: %s\n",
           n, n - own, own, vg_catalog_rule_count(cat), vg_catalog_default_profile());
    return EXIT_OK;
}

static int show_profile(const vg_catalog *cat, const char *id)
{
    const vg_profile *p = find_profile(cat, id);
    if (!p)
        return EXIT_USAGE;
    printf("%s: %s\n", cli_term(p->id), cli_term(p->title));
    printf("  source:    %s\n", cli_term(p->source));
    if (p->benchmark_id)
        printf("  benchmark: %s\n", cli_term(p->benchmark_id));
    printf("  version:   %s%s%s\n", cli_term(p->version), p->release ? " - " : "",
           p->release ? cli_term(p->release) : "");
    if (p->date)
        printf("  date:      %s\n", cli_term(p->date));
    if (p->product)
        printf("  product:   %s\n", cli_term(p->product));
    if (p->description)
        printf("  about:     %s\n", cli_term(p->description));
    printf("  rules:     %zu (%zu automated)\n\n", p->n_rules, vg_profile_automated_count(p));
    printf("%-24s %-44s %-32s %-14s %s\n", "SOURCE ID", "RULE", "EXPECTED", "ABSENT", "SEVERITY");
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_profile_rule *e = &p->rules[i];
        char exp[160];
        expected_text(e, exp, sizeof exp);
        printf("%-24s %-44s %-32s %-14s %s%s%s%s\n", cli_term(e->source_id), cli_term(e->rule->id),
               cli_term(exp), absent_text(e), vg_severity_name(e->severity),
               e->severity_text ? " (" : "", e->severity_text ? cli_term(e->severity_text) : "",
               e->severity_text ? ")" : "");
        const char *key = e->key ? e->key : e->rule->key;
        if (key && e->rule->kind != VG_RULE_MANUAL)
            printf("%-24s   key: %s%s\n", "", cli_term(key),
                   is_guest(e) ? " (checked in the guest)" : "");
        if (e->note)
            printf("%-24s   note: %s\n", "", cli_term(e->note));
    }
    return EXIT_OK;
}

/* First entry of p for a rule; profiles may list a rule twice (seed lists, 1/2 variants). */
static const vg_profile_rule *entry_for(const vg_profile *p, const vg_rule *r, size_t nth)
{
    for (size_t i = 0; i < p->n_rules; i++)
        if (p->rules[i].rule == r && nth-- == 0)
            return &p->rules[i];
    return NULL;
}

static void describe(const vg_profile_rule *e, char *out, size_t outsz)
{
    char exp[160];
    expected_text(e, exp, sizeof exp);
    snprintf(out, outsz, "%s%s%s, %s [%s]", exp, *absent_text(e) ? ", " : "", absent_text(e),
             vg_severity_name(e->severity), e->source_id);
}

/* Same comparison, value(s) and absent semantics (values compare case-insensitively). */
static int same_expectation(const vg_profile_rule *a, const vg_profile_rule *b)
{
    char xa[160], xb[160];
    expected_text(a, xa, sizeof xa);
    expected_text(b, xb, sizeof xb);
    return a->cmp == b->cmp && (a->cmp == VG_CMP_MANUAL || a->absent == b->absent) &&
           strcasecmp(xa, xb) == 0;
}

static int diff_profiles(const vg_catalog *cat, const char *ida, const char *idb)
{
    const vg_profile *a = find_profile(cat, ida);
    const vg_profile *b = a ? find_profile(cat, idb) : NULL;
    if (!a || !b)
        return EXIT_USAGE;
    size_t only_a = 0, only_b = 0, differ = 0, same = 0;
    printf("--- %s (%s)\n", cli_term(a->id), cli_term(a->version));
    printf("+++ %s (%s)\n", cli_term(b->id), cli_term(b->version));
    for (size_t i = 0; i < vg_catalog_rule_count(cat); i++) {
        const vg_rule *r = vg_catalog_rule_at(cat, i);
        for (size_t k = 0;; k++) {
            const vg_profile_rule *ea = entry_for(a, r, k), *eb = entry_for(b, r, k);
            if (!ea && !eb)
                break;
            char da[256] = "", db[256] = "";
            if (ea)
                describe(ea, da, sizeof da);
            if (eb)
                describe(eb, db, sizeof db);
            if (!eb) {
                printf("- %-44s %s\n", cli_term(r->id), cli_term(da));
                only_a++;
            } else if (!ea) {
                printf("+ %-44s %s\n", cli_term(r->id), cli_term(db));
                only_b++;
            } else if (same_expectation(ea, eb)) {
                same++; /* severity and source ids may still differ */
            } else {
                printf("~ %-44s %s\n  %-44s %s\n", cli_term(r->id), cli_term(da), "", cli_term(db));
                differ++;
            }
        }
    }
    printf("\n%zu only in %s, %zu only in %s, %zu differ, %zu expect the same\n", only_a,
           cli_term(a->id), only_b, cli_term(b->id), differ, same);
    return EXIT_OK;
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
            return cli_help(&cli_cmd_profiles);
        default:
            return EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv[optind] : "list";
    int nargs = argc - optind - (optind < argc);
    static const struct {
        const char *name;
        int nargs;
    } actions[] = {
        {"list", 0},
        {"show", 1},
        {"diff", 2},
    };
    size_t i = 0;
    while (i < 3 && strcmp(actions[i].name, action) != 0)
        i++;
    if (i == 3 || nargs != actions[i].nargs) {
        if (i == 3)
            cli_error("unknown action '%s' (list, show ID, diff A B)", action);
        else
            cli_error("'profiles %s' takes %d argument(s)", action, actions[i].nargs);
        return EXIT_USAGE;
    }
    vg_catalog *cat = open_catalog(profile_file);
    if (!cat)
        return EXIT_USAGE;
    char **args = argv + optind + 1;
    int rc = i == 0   ? list_profiles(cat)
             : i == 1 ? show_profile(cat, args[0])
                      : diff_profiles(cat, args[0], args[1]);
    vg_catalog_free(cat);
    return rc;
}

const struct cli_command cli_cmd_profiles = {
    "profiles",
    "list the baselines (profiles) and show or compare their rules",
    run,
    "usage: vmxguard profiles [list] [--profile-file FILE]\n"
    "       vmxguard profiles show ID [--profile-file FILE]\n"
    "       vmxguard profiles diff A B [--profile-file FILE]\n"
    "\n"
    "List the baselines vmxguard knows (DISA STIGs, VMware guides, CIS benchmarks,\n"
    "the 2009 seed lists), show one with the expected value, absent semantics,\n"
    "severity and the source's own id of every rule, or compare two.\n"
    "\n"
    "  list (default)        id, version, date, rule counts (automated, manual, guest), title\n"
    "  show ID               the rules of profile ID\n"
    "  diff A B              '-' rules only in A, '+' only in B, '~' same rule, other "
    "value/comparison/absent\n"
    "\n"
    "options:\n"
    "  --profile-file FILE   also load FILE (YAML rules and/or profiles, docs/catalog-format.md)\n"
    "  -h, --help            this text\n"
    "\n"
    "examples:\n"
    "  vmxguard profiles\n"
    "  vmxguard profiles show disa-vsphere8-vm\n"
    "  vmxguard profiles diff disa-vsphere7-vm disa-vsphere8-vm\n"
    "  vmxguard profiles show my-site --profile-file site-baseline.yaml\n"
    "\n"
    "exit codes: 0 ok, 2 unknown profile or unreadable --profile-file\n",
};
