/*
 * Loader tests: the embedded catalog loads and holds every public profile id;
 * a user's file adds rules and profiles; every kind of bad input is refused
 * with a message that names file and line and leaves the catalog unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vmxguard/catalog.h"

static const char *const public_ids[] = {
    "disa-vsphere8-vm", "disa-vsphere7-vm", "disa-vsphere6.7-vm", "disa-vsphere6.5-vm",
    "disa-vsphere6-vm", "disa-esxi5-vm",    "disa-esx3",          "vcf9-stig-readiness",
    "vmware-scg-8",     "vmware-scg-7",     "vmware-scg-6.7",     "vmware-scg-6.5",
    "vmware-hg-6.0",    "vmware-hg-5.5",    "vmware-hg-5.1",      "vmware-hg-5.0",
    "vmware-hg-4.1",    "vmware-hg-4.0",    "vmware-vi3.5",       "vcf-scg-9.0",
    "vcf-scg-9.1",      "cis-esxi-8",       "cis-esxi-7",         "cis-esxi-6.7",
    "cis-esxi-6.5",     "cis-esxi-5.5",     "cis-esxi-5.1",       "seed-2009",
};

static const char good_yaml[] = "rules:\n"
                                "  - id: my-rule\n"
                                "    title: My rule\n"
                                "    description: Keeps my guests honest.\n"
                                "    kind: vmx-key\n"
                                "    type: int\n"
                                "    key: my.limit\n"
                                "    aliases: [my.Limit2]\n"
                                "    defaults:\n"
                                "      - {since: '7.0', value: '5'}\n"
                                "    needs_cold_start: true\n"
                                "    api_property: null\n"
                                "    fix_value: ~\n"
                                "    deprecated:\n"
                                "profile:\n"
                                "  id: my-site\n"
                                "  title: My site baseline\n"
                                "  source: Site policy\n"
                                "  version: '1'\n"
                                "  rules:\n"
                                "    - rule: my-rule\n"
                                "      source_id: SITE-1\n"
                                "      cmp: le\n"
                                "      value: '10'\n"
                                "      absent: pass\n"
                                "      severity: high\n"
                                "    - rule: isolation-tools-copy-disable\n"
                                "      source_id: SITE-2\n"
                                "      refs: [X-1, X-2]\n"
                                "      cmp: eq\n"
                                "      value: 'TRUE'\n"
                                "      severity: low\n";

static int setup(void **state)
{
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    *state = cat;
    return 0;
}

static int teardown(void **state)
{
    vg_catalog_free(*state);
    return 0;
}

static void embedded_catalog_has_every_public_profile(void **state)
{
    vg_catalog *cat = *state;
    for (size_t i = 0; i < sizeof public_ids / sizeof public_ids[0]; i++) {
        const vg_profile *p = vg_catalog_profile(cat, public_ids[i]);
        if (!p)
            fail_msg("profile %s missing", public_ids[i]);
        assert_true(p->n_rules > 0);
        for (size_t j = 0; j < p->n_rules; j++)
            assert_non_null(p->rules[j].rule);
    }
    assert_string_equal(vg_catalog_default_profile(), "disa-vsphere8-vm");
    assert_non_null(vg_catalog_profile(cat, vg_catalog_default_profile()));
}

static void profiles_are_sorted_by_id(void **state)
{
    vg_catalog *cat = *state;
    for (size_t i = 1; i < vg_catalog_profile_count(cat); i++)
        assert_true(
            strcmp(vg_catalog_profile_at(cat, i - 1)->id, vg_catalog_profile_at(cat, i)->id) < 0);
    for (size_t i = 1; i < vg_catalog_rule_count(cat); i++)
        assert_true(strcmp(vg_catalog_rule_at(cat, i - 1)->id, vg_catalog_rule_at(cat, i)->id) < 0);
}

static void disa8_copy_rule_passes_when_absent_and_disa7_fails(void **state)
{
    vg_catalog *cat = *state;
    const vg_profile *p8 = vg_catalog_profile(cat, "disa-vsphere8-vm");
    const vg_profile *p7 = vg_catalog_profile(cat, "disa-vsphere7-vm");
    const vg_profile_rule *e8 = NULL, *e7 = NULL;
    for (size_t i = 0; i < p8->n_rules; i++)
        if (strcmp(p8->rules[i].source_id, "VMCH-80-000189") == 0)
            e8 = &p8->rules[i];
    for (size_t i = 0; i < p7->n_rules; i++)
        if (strcmp(p7->rules[i].source_id, "VMCH-70-000001") == 0)
            e7 = &p7->rules[i];
    assert_non_null(e8);
    assert_non_null(e7);
    assert_ptr_equal(e8->rule, e7->rule);
    assert_string_equal(e8->rule->key, "isolation.tools.copy.disable");
    assert_int_equal(e8->absent, VG_ABSENT_PASS);
    assert_int_equal(e7->absent, VG_ABSENT_FAIL);
    assert_int_equal(e8->severity, VG_SEV_LOW);
    assert_string_equal(e8->refs[0], "V-258703");
}

static void seed_profile_states_the_copy_key_correction(void **state)
{
    const vg_profile *p = vg_catalog_profile(*state, "seed-2009");
    int found = 0;
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_profile_rule *e = &p->rules[i];
        if (strcmp(e->rule->id, "isolation-tools-copy-disable") != 0)
            continue;
        found++;
        assert_string_equal(e->value, "TRUE");
        assert_non_null(strstr(e->note, "isolation.tools.copy.enable"));
    }
    assert_int_equal(found, 2); /* the DISA and the CIS list both name it */
}

static void key_lookup_matches_case_and_device_numbers(void **state)
{
    const vg_rule *r[4];
    assert_int_equal(vg_catalog_rules_for_key(*state, "TOOLS.SETINFO.SIZELIMIT", r, 4), 1);
    assert_string_equal(r[0]->id, "tools-setinfo-sizelimit");
    assert_int_equal(vg_catalog_rules_for_key(*state, "serial12.present", r, 4), 1);
    assert_string_equal(r[0]->id, "serial-present");
    assert_int_equal(vg_catalog_rules_for_key(*state, "isolation.tools.copy.enable", r, 4), 1);
    assert_true(vg_catalog_key_match("ide*:*.present", "ide1:0.present"));
    assert_false(vg_catalog_key_match("ide*:*.present", "ide:0.present"));
    assert_false(vg_catalog_key_match("sata*.present", "sata0:1.present"));
    assert_false(vg_catalog_key_match("serial*.present", "serialA.present"));
}

static void user_file_adds_rules_and_profiles(void **state)
{
    vg_catalog *cat = *state;
    size_t before = vg_catalog_profile_count(cat);
    vg_error err;
    assert_int_equal(vg_catalog_add_yaml(cat, good_yaml, strlen(good_yaml), "site.yaml", &err), 0);
    assert_int_equal(vg_catalog_profile_count(cat), before + 1);
    const vg_profile *p = vg_catalog_profile(cat, "my-site");
    assert_non_null(p);
    assert_int_equal(p->n_rules, 2);
    assert_int_equal(p->rules[0].cmp, VG_CMP_LE);
    assert_int_equal(p->rules[0].severity, VG_SEV_HIGH);
    assert_int_equal(p->rules[1].absent, VG_ABSENT_FAIL); /* the default when not given */
    const vg_rule *r = vg_catalog_rule(cat, "my-rule");
    assert_non_null(r);
    assert_int_equal(r->type, VG_TYPE_INT);
    assert_int_equal(r->n_defaults, 1);
    assert_string_equal(r->defaults[0].since, "7.0");
    assert_true(r->needs_cold_start);
    assert_null(r->api_property); /* YAML nulls mean "not set" */
    assert_null(r->fix_value);
    assert_null(r->deprecated);
    assert_string_equal(r->file, "site.yaml");
    /* The same file again: duplicate ids, and nothing half-added. */
    assert_int_not_equal(vg_catalog_add_yaml(cat, good_yaml, strlen(good_yaml), "site.yaml", &err),
                         0);
    assert_non_null(strstr(err.msg, "duplicate rule id 'my-rule'"));
    assert_int_equal(vg_catalog_profile_count(cat), before + 1);
}

struct bad_case {
    const char *yaml;
    unsigned line;
    const char *msg;
};

#define PROFILE_HEAD "profile:\n  id: p\n  title: t\n  source: s\n  version: '1'\n  rules:\n"
static const struct bad_case bad_cases[] = {
    {"rules: [\n", 2, "invalid YAML:"},
    {"- just a list\n", 1, "expected a mapping"},
    {"rulez: []\n", 1, "unknown top-level field 'rulez'"},
    {"rules: []\nrules: []\n", 2, "field 'rules' given twice"},
    {"rules:\n  - id: a\n    title: t\n    description: d\n    kind: vmx-key\n    colour: red\n", 6,
     "unknown field 'colour' in a rule"},
    {"rules:\n  - id: a\n    title: t\n    kind: vmx-key\n    key: k\n", 2,
     "a rule lacks required field 'description'"},
    {"rules:\n  - id: a\n    title: t\n    description: d\n    kind: registry\n", 5, "bad kind"},
    {"rules:\n  - id: a\n    title: t\n    description: d\n    kind: vmx-key\n", 2,
     "rule 'a' needs a key"},
    {"rules:\n  - {id: a, title: t, description: d, kind: manual}\n"
     "  - {id: a, title: t, description: d, kind: manual}\n",
     3, "duplicate rule id 'a'"},
    {"rules:\n  - {id: isolation-tools-copy-disable, title: t, description: d, kind: manual}\n", 2,
     "duplicate rule id"},
    {PROFILE_HEAD
     "    - {rule: no-such-rule, source_id: X, cmp: eq, value: 'TRUE', severity: low}\n",
     7, "unknown rule id 'no-such-rule'"},
    {PROFILE_HEAD
     "    - {rule: log-keepold, source_id: X, cmp: about, value: '10', severity: low}\n",
     7, "bad comparison 'about'"},
    {PROFILE_HEAD "    - {rule: log-keepold, source_id: X, cmp: eq, severity: low}\n", 7,
     "comparison eq needs a value"},
    {PROFILE_HEAD "    - {rule: log-keepold, source_id: X, cmp: eq, value: 10abc, severity: low}\n",
     7, "value '10abc' does not fit"},
    {PROFILE_HEAD "    - {rule: isolation-tools-copy-disable, source_id: X, cmp: le, value: '1', "
                  "severity: low}\n",
     7, "needs a rule of type int"},
    {PROFILE_HEAD
     "    - {rule: log-keepold, source_id: X, cmp: eq, value: '10', severity: urgent}\n",
     7, "bad severity"},
    {PROFILE_HEAD "    - {rule: log-keepold, source_id: X, cmp: eq, value: '10', absent: maybe, "
                  "severity: low}\n",
     7, "bad absent semantics"},
    {PROFILE_HEAD "    - {rule: vm-templates, source_id: X, cmp: eq, value: x, severity: low}\n", 7,
     "is manual"},
    {PROFILE_HEAD "    - {rule: log-keepold, source_id: X, cmp: in, severity: low}\n", 7,
     "comparison in needs values"},
    {"profile:\n  id: disa-vsphere8-vm\n  title: t\n  source: s\n  version: '1'\n  rules: []\n", 2,
     "duplicate profile id 'disa-vsphere8-vm'"},
    {"profile:\n  id: p\n  title: t\n  version: '1'\n  rules: []\n", 2,
     "a profile lacks required field 'source'"},
    {"profile:\n  id: p\n  id: q\n", 3, "field 'id' given twice"},
    {"rules:\n  - {id: , title: t, description: d, kind: manual}\n", 2, "field 'id' is empty"},
    {"", 0, "empty catalog file"},
};

static void bad_yaml_is_refused_with_file_and_line(void **state)
{
    vg_catalog *cat = *state;
    size_t np = vg_catalog_profile_count(cat), nr = vg_catalog_rule_count(cat);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        vg_error err;
        vg_error_clear(&err);
        int rc = vg_catalog_add_yaml(cat, c->yaml, strlen(c->yaml), "bad.yaml", &err);
        if (rc == 0)
            fail_msg("case %zu accepted: %s", i, c->yaml);
        if (!strstr(err.msg, c->msg) || err.line != c->line)
            fail_msg("case %zu: expected line %u '%s', got line %u '%s'", i, c->line, c->msg,
                     err.line, err.msg);
        assert_string_equal(err.file, "bad.yaml");
    }
    assert_int_equal(vg_catalog_profile_count(cat), np);
    assert_int_equal(vg_catalog_rule_count(cat), nr);
}

static void add_file_reads_a_user_profile(void **state)
{
    char path[] = "/tmp/vg_catalog_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(good_yaml, f);
    fclose(f);
    vg_error err;
    int rc = vg_catalog_add_file(*state, path, &err);
    remove(path);
    assert_int_equal(rc, 0);
    const vg_profile *p = vg_catalog_profile(*state, "my-site");
    assert_non_null(p);
    assert_string_equal(p->file, path);
    assert_string_equal(p->rules[1].refs[1], "X-2");
}

static void missing_file_is_an_io_error(void **state)
{
    vg_error err;
    assert_int_equal(vg_catalog_add_file(*state, "/nonexistent/x.yaml", &err), VG_ENOTFOUND);
    assert_string_equal(err.file, "/nonexistent/x.yaml");
}

/* Load time is a benchmark fact (docs/performance.md), never a unit-test
 * bound: a timed assertion fails on loaded machines and under valgrind. */
static void embedded_catalog_loads_every_profile(void **state)
{
    (void)state;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    print_message("embedded catalog: %zu rules, %zu profiles in %.1f ms\n",
                  vg_catalog_rule_count(cat), vg_catalog_profile_count(cat), ms);
    size_t n_profiles = vg_catalog_profile_count(cat);
    int has_default = vg_catalog_profile(cat, vg_catalog_default_profile()) != NULL;
    vg_catalog_free(cat);
    assert_true(n_profiles >= 28); /* the 28 public baseline ids */
    assert_true(has_default);
}

static void names_round_trip(void **state)
{
    (void)state;
    assert_string_equal(vg_rule_kind_name(VG_RULE_DEVICE), "device");
    assert_string_equal(vg_comparison_name(VG_CMP_ABSENT), "absent");
    assert_string_equal(vg_absent_name(VG_ABSENT_NA), "na");
    assert_string_equal(vg_value_type_name(VG_TYPE_INT), "int");
    assert_string_equal(vg_comparison_name((vg_comparison)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(embedded_catalog_has_every_public_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(profiles_are_sorted_by_id, setup, teardown),
        cmocka_unit_test_setup_teardown(disa8_copy_rule_passes_when_absent_and_disa7_fails, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(seed_profile_states_the_copy_key_correction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(key_lookup_matches_case_and_device_numbers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(user_file_adds_rules_and_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_yaml_is_refused_with_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(add_file_reads_a_user_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_file_is_an_io_error, setup, teardown),
        cmocka_unit_test(embedded_catalog_loads_every_profile),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
