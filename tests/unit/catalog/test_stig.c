/*
 * STIG identifiers (catalog/stig/): the embedded data holds every DISA
 * profile's checklist benchmark whole, keeps other benchmarks' rules (the
 * ESXi host rules of disa-vsphere8-vm) out of it, maps CCIs to NIST, and a
 * bad stig file is refused with file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard/catalog.h"

/* Groups in DISA's XCCDF of each profile's STIG (readiness guides: controls). */
static const struct {
    const char *profile, *benchmark;
    size_t rules;
} stigs[] = {
    {"disa-vsphere8-vm", "VMW_vSphere_8.0_Virtual_Machine_STIG", 25},
    {"disa-vsphere7-vm", NULL, 28},
    {"disa-vsphere6.7-vm", NULL, 25},
    {"disa-vsphere6.5-vm", NULL, 40},
    {"disa-vsphere6-vm", NULL, 43},
    {"disa-esxi5-vm", NULL, 52},
    {"disa-esx3", "VMware_ESX_3_Virtual_Machine", 7},
    {"vcf9-stig-readiness", "VCF_9.x_STIG_Readiness_vSphere_VM", 25},
    {"vcf9-stig-readiness-y26m05", NULL, 25},
    {"vcf9-stig-readiness-y26m09", NULL, 25},
};

static void every_stig_profile_has_its_whole_checklist(void **state)
{
    (void)state;
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    for (size_t i = 0; i < sizeof stigs / sizeof stigs[0]; i++) {
        const vg_stig_benchmark *b = vg_catalog_stig_checklist(cat, stigs[i].profile);
        if (!b)
            fail_msg("%s: no checklist benchmark", stigs[i].profile);
        if (b->n_rules != stigs[i].rules)
            fail_msg("%s: %zu rules, the STIG has %zu", stigs[i].profile, b->n_rules,
                     stigs[i].rules);
        if (stigs[i].benchmark)
            assert_string_equal(b->id, stigs[i].benchmark);
        /* every profile entry is a rule of one of the profile's benchmarks */
        const vg_profile *p = vg_catalog_profile(cat, stigs[i].profile);
        for (size_t k = 0; k < p->n_rules; k++) {
            if (!vg_catalog_stig_rule(cat, p->id, p->rules[k].source_id, NULL))
                fail_msg("%s: %s has no STIG ids", p->id, p->rules[k].source_id);
        }
    }
    vg_catalog_free(cat);
}

static void esxi_rules_are_another_benchmark(void **state)
{
    (void)state;
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    const vg_stig_benchmark *b = NULL;
    const vg_stig_rule *r = vg_catalog_stig_rule(cat, "disa-vsphere8-vm", "ESXI-80-000236", &b);
    assert_non_null(r);
    assert_false(b->checklist);
    assert_string_equal(r->rule_id, "SV-258791r959010_rule");
    const vg_stig_benchmark *vm = vg_catalog_stig_checklist(cat, "disa-vsphere8-vm");
    for (size_t i = 0; i < vm->n_rules; i++)
        assert_true(strncmp(vm->rules[i].stig_id, "VMCH-80-", 8) == 0);
    r = vg_catalog_stig_rule(cat, "disa-vsphere8-vm", "VMCH-80-000189", &b);
    assert_true(b->checklist);
    assert_string_equal(r->group_id, "V-258703");
    assert_string_equal(r->group_title, "SRG-OS-000480-VMM-002000");
    assert_string_equal(r->ccis[0], "CCI-000366");
    assert_null(r->ccis[1]);
    const char *const *nist = vg_catalog_cci_nist(cat, "CCI-000366");
    assert_non_null(nist);
    assert_string_equal(nist[0], "CM-6 b");
    assert_null(vg_catalog_cci_nist(cat, "CCI-999999"));
    /* legacy ids of an older STIG */
    r = vg_catalog_stig_rule(cat, "disa-vsphere6.5-vm", "VMCH-65-000001", NULL);
    assert_string_equal(r->legacy_ids[0], "SV-104393");
    vg_catalog_free(cat);
}

static int names(const char **v, const char *name)
{
    for (size_t i = 0; v && v[i]; i++) {
        if (strcmp(v[i], name) == 0)
            return 1;
    }
    return 0;
}

static size_t count(const char **v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* What was read in a source and what was carried over is data: DISA's
 * profiles come whole from the XCCDF; of the readiness guides, Y25M06 and
 * Y26M09 were read control by control, Y26M05 only for two controls. */
static void unverified_facts_are_marked(void **state)
{
    (void)state;
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    for (size_t i = 0; i < sizeof stigs / sizeof stigs[0]; i++) {
        const vg_stig_benchmark *b = vg_catalog_stig_checklist(cat, stigs[i].profile);
        int readiness = strncmp(stigs[i].profile, "vcf9-", 5) == 0;
        if (readiness != names(b->unverified, "id"))
            fail_msg("%s: benchmark id marked %s", stigs[i].profile,
                     readiness ? "verified" : "unverified");
        size_t carried = 0;
        for (size_t k = 0; k < b->n_rules; k++) {
            const vg_stig_rule *r = &b->rules[k];
            if (!readiness && r->unverified)
                fail_msg("%s %s: XCCDF facts marked unverified", stigs[i].profile, r->stig_id);
            if (readiness && !names(r->unverified, "weight"))
                fail_msg("%s %s: weight is not in the guide's sources", stigs[i].profile,
                         r->stig_id);
            carried += names(r->unverified, "rule_id");
        }
        size_t want = strcmp(stigs[i].profile, "vcf9-stig-readiness-y26m05") == 0 ? 23 : 0;
        if (carried != want)
            fail_msg("%s: %zu rules with carried-over ids, want %zu", stigs[i].profile, carried,
                     want);
    }
    const vg_stig_rule *r =
        vg_catalog_stig_rule(cat, "vcf9-stig-readiness-y26m05", "VCFV-9X-000208", NULL);
    assert_int_equal(count(r->unverified), 1);
    r = vg_catalog_stig_rule(cat, "vcf9-stig-readiness-y26m05", "VCFV-9X-000181", NULL);
    assert_true(names(r->unverified, "ccis") && names(r->unverified, "stig_id"));
    assert_string_equal(vg_catalog_stig_checklist(cat, "disa-vsphere8-vm")->reference_identifier,
                        "5563");
    assert_string_equal(vg_catalog_stig_checklist(cat, "disa-vsphere7-vm")->reference_identifier,
                        "5519");
    assert_null(vg_catalog_stig_checklist(cat, "vcf9-stig-readiness")->reference_identifier);
    vg_catalog_free(cat);
}

static void expect_refused(const char *yaml, unsigned line, const char *words)
{
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    memset(&err, 0, sizeof err);
    int rc = vg_catalog_add_yaml(cat, yaml, strlen(yaml), "site-stig.yaml", &err);
    if (rc == 0)
        fail_msg("accepted: %s", yaml);
    char msg[1100];
    vg_error_format(&err, msg, sizeof msg);
    if (!strstr(msg, words) || err.line != line)
        fail_msg("want line %u and '%s', got '%s'", line, words, msg);
    vg_catalog_free(cat);
}

static void bad_stig_files_are_refused_with_file_and_line(void **state)
{
    (void)state;
    static const char head[] = "stig:\n  profile: vmware-scg-8\n  benchmarks:\n"
                               "    - id: X\n      checklist: true\n      title: t\n"
                               "      version: '1'\n      release: '1'\n"
                               "      release_info: r\n      classification: UNCLASSIFIED\n"
                               "      rules:\n";
    char buf[2048];
    snprintf(buf, sizeof buf, "%s        - {stig_id: A, group_id: V-1, group_title: g, "
                              "rule_id: SV-1r1_rule, severity: low, weight: '10.0', colour: red}\n",
             head);
    expect_refused(buf, 12, "unknown field 'colour'");
    snprintf(buf, sizeof buf, "%s        - {stig_id: A, group_id: V-1}\n", head);
    expect_refused(buf, 12, "missing field 'group_title'");
    snprintf(buf, sizeof buf, "%s        - {stig_id: A, group_id: V-1, group_title: g, "
                              "rule_id: SV-1r1_rule, severity: low, weight: '10.0', "
                              "unverified: [rule_ids]}\n",
             head);
    expect_refused(buf, 12, "'unverified' names 'rule_ids'");
    expect_refused("stig:\n  profile: no-such-profile\n  benchmarks: []\n", 2,
                   "no such profile");
    expect_refused("stig:\n  profile: disa-vsphere8-vm\n  benchmarks: []\n", 2,
                   "already has STIG data");
    static const char rule[] = "        - {stig_id: A, group_id: V-1, group_title: g, "
                               "rule_id: SV-1r1_rule, severity: low, weight: '10.0'}\n";
    snprintf(buf, sizeof buf, "%s%s%s%s", head, rule,
             head + strlen("stig:\n  profile: vmware-scg-8\n  benchmarks:\n"), rule);
    expect_refused(buf, 4, "exactly one benchmark must be the checklist");
    expect_refused("cci:\n  CCI-000366: [AC-1]\n", 2, "CCI given twice");
    expect_refused("cci:\n  AC-1: [AC-1]\n", 2, "keys are CCI ids");
}

static void a_user_profile_gets_stig_data(void **state)
{
    (void)state;
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), 0);
    static const char yaml[] = "stig:\n  profile: vmware-scg-8\n  benchmarks:\n"
                               "    - id: Site_STIG\n      checklist: true\n      title: Site\n"
                               "      version: '1'\n      release: '2'\n"
                               "      release_info: 'Release: 2'\n      classification: UNCLASSIFIED\n"
                               "      rules:\n"
                               "        - {stig_id: S-1, group_id: V-1, group_title: g, "
                               "rule_id: SV-1r2_rule, severity: low, weight: '10.0', "
                               "ccis: [CCI-000366], covered: false}\n";
    assert_int_equal(vg_catalog_add_yaml(cat, yaml, strlen(yaml), "site.yaml", &err), 0);
    const vg_stig_benchmark *b = vg_catalog_stig_checklist(cat, "vmware-scg-8");
    assert_non_null(b);
    assert_string_equal(b->id, "Site_STIG");
    assert_int_equal(b->n_rules, 1);
    assert_false(b->rules[0].covered);
    vg_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_stig_profile_has_its_whole_checklist),
        cmocka_unit_test(esxi_rules_are_another_benchmark),
        cmocka_unit_test(unverified_facts_are_marked),
        cmocka_unit_test(bad_stig_files_are_refused_with_file_and_line),
        cmocka_unit_test(a_user_profile_gets_stig_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
