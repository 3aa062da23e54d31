/*
 * The shipped baselines end to end, for disa-vsphere8-vm, disa-vsphere7-vm,
 * vmware-scg-8, cis-esxi-8 and seed-2009:
 *   - the hardened fixture (tests/fixtures/audit/hardened/<id>.vmx) passes
 *     every automated rule that a .vmx can show;
 *   - an empty VM gets exactly what the profile's absent semantics say
 *     (computed from the profile data), plus a few hand-checked facts;
 *   - setting any one key of the hardened VM to a non-compliant value
 *     fails exactly the rules that read that key.
 * VG_WRITE_FIXTURES=1 regenerates the hardened fixtures from the profiles
 * (review the diff before committing them).
 */
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
#include "vmxguard/audit.h"

static const char *const profile_ids[] = {"disa-vsphere8-vm", "disa-vsphere7-vm", "vmware-scg-8",
                                          "cis-esxi-8", "seed-2009"};
static vg_catalog *cat;

static int load_catalog(void **state)
{
    (void)state;
    vg_error err;
    return vg_catalog_load_embedded(&cat, &err) == VG_OK ? 0 : -1;
}

static int free_catalog(void **state)
{
    (void)state;
    vg_catalog_free(cat);
    return 0;
}

static const vg_profile *profile(const char *id)
{
    const vg_profile *p = vg_catalog_profile(cat, id);
    if (!p)
        fail_msg("profile %s is not in the embedded catalog", id);
    return p;
}

static int automated(const vg_profile_rule *pr)
{
    return pr->cmp != VG_CMP_MANUAL && pr->rule->kind != VG_RULE_MANUAL &&
           pr->rule->kind != VG_RULE_GUEST && pr->rule->kind != VG_RULE_EVIDENCE;
}

/* Rules a .vmx can show: automated and with a .vmx key. */
static int vmx_visible(const vg_profile_rule *pr)
{
    return automated(pr) && pr->rule->key;
}

static int has_glob(const char *s)
{
    return strchr(s, '*') != NULL;
}

static const char *bool_word(const char *v)
{
    return strcasecmp(v, "true") == 0 ? "TRUE" : strcasecmp(v, "false") == 0 ? "FALSE" : v;
}

static const char *plain_number(const char *v)
{
    return strncasecmp(v, "vmx-", 4) == 0 ? v + 4 : v;
}

/* ---- fixtures ---------------------------------------------------------- */

static void fixture_path(const char *id, char *out, size_t n)
{
    snprintf(out, n, "%s/tests/fixtures/audit/hardened/%s.vmx", VG_SOURCE_DIR, id);
}

/* The compliant value a hardened VM writes for a rule, or NULL (leave absent). */
static const char *compliant_value(const vg_profile_rule *pr)
{
    if (!vmx_visible(pr) || pr->rule->kind == VG_RULE_DEVICE || has_glob(pr->rule->key))
        return NULL;
    switch (pr->cmp) {
    case VG_CMP_EQ:
    case VG_CMP_LE:
    case VG_CMP_GE:
        return pr->value ? bool_word(plain_number(pr->value)) : NULL;
    case VG_CMP_IN:
        return pr->values ? pr->values[0] : pr->value;
    case VG_CMP_PRESENT:
        return "1";
    default:
        return NULL;
    }
}

static void write_fixture(const vg_profile *p)
{
    char path[1024];
    fixture_path(p->id, path, sizeof path);
    vg_vmx_doc *d = vg_vmx_doc_new(path);
    vg_error err;
    vg_vmx_doc_set(d, ".encoding", "UTF-8", &err);
    vg_vmx_doc_set(d, "config.version", "8", &err);
    vg_vmx_doc_set(d, "displayName", p->id, &err);
    /* exact values last: they are the most specific when two rows share a key */
    static const vg_comparison order[] = {VG_CMP_PRESENT, VG_CMP_GE, VG_CMP_LE, VG_CMP_IN,
                                          VG_CMP_EQ};
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
        for (size_t i = 0; i < p->n_rules; i++) {
            const vg_profile_rule *pr = &p->rules[i];
            const char *v = compliant_value(pr);
            if (pr->cmp == order[o] && v)
                assert_int_equal(vg_vmx_doc_set(d, pr->key ? pr->key : pr->rule->key, v, &err),
                                 VG_OK);
        }
    }
    char *text;
    size_t len;
    assert_int_equal(vg_vmx_doc_serialize(d, &text, &len, &err), VG_OK);
    vg_test_write(path, text, len);
    free(text);
    vg_vmx_doc_free(d);
}

static vg_vm *load_vm(const char *path)
{
    vg_vm *vm = NULL;
    vg_error err;
    if (vg_vm_from_vmx_file(path, &vm, &err) != VG_OK)
        fail_msg("%s: %s", path, err.msg);
    return vm;
}

static vg_vm_report *audit_one(const vg_vm *vm, const vg_profile *p)
{
    vg_vm_report *rep = NULL;
    vg_error err;
    assert_int_equal(vg_audit_vm(vm, &p, 1, NULL, &rep, &err), VG_OK);
    assert_int_equal(rep->n_results, p->n_rules);
    return rep;
}

/* ---- hardened ---------------------------------------------------------- */

static void hardened_fixture_passes_every_automated_rule(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof profile_ids / sizeof profile_ids[0]; k++) {
        const vg_profile *p = profile(profile_ids[k]);
        char path[1024];
        fixture_path(p->id, path, sizeof path);
        if (getenv("VG_WRITE_FIXTURES"))
            write_fixture(p);
        vg_vm *vm = load_vm(path);
        vg_vm_report *rep = audit_one(vm, p);
        size_t passed = 0;
        for (size_t i = 0; i < rep->n_results; i++) {
            const vg_result *r = &rep->results[i];
            const vg_profile_rule *pr = r->prule;
            if (vmx_visible(pr) && r->status != VG_PASS)
                fail_msg("%s %s (%s): %s, %s", p->id, pr->rule->id, pr->source_id,
                         vg_result_status_name(r->status), r->evidence);
            if (!automated(pr) && r->status != VG_MANUAL && r->status != VG_NOT_APPLICABLE)
                fail_msg("%s %s: manual/guest rule gave %s", p->id, pr->rule->id,
                         vg_result_status_name(r->status));
            passed += r->status == VG_PASS;
        }
        assert_true(passed > 0);
        vg_vm_report_free(rep);
        vg_vm_free(vm);
    }
}

/* ---- empty ------------------------------------------------------------- */

/* What the profile data says a VM without any hardening key gets. */
static vg_result_status expected_when_absent(const vg_profile_rule *pr)
{
    static const vg_result_status by_absent[] = {
        [VG_ABSENT_FAIL] = VG_FAIL, [VG_ABSENT_PASS] = VG_PASS, [VG_ABSENT_NA] = VG_NOT_APPLICABLE};
    if (pr->rule->kind == VG_RULE_MANUAL || pr->cmp == VG_CMP_MANUAL)
        return VG_MANUAL;
    if (!automated(pr) || !pr->rule->key)
        return VG_NOT_APPLICABLE;
    if (pr->rule->kind == VG_RULE_DEVICE)
        return pr->absent == VG_ABSENT_NA ? VG_NOT_APPLICABLE : VG_PASS;
    if (pr->cmp == VG_CMP_ABSENT)
        return VG_PASS;
    return by_absent[pr->absent];
}

static const char *empty_vmx = ".encoding = \"UTF-8\"\nconfig.version = \"8\"\n"
                               "displayName = \"empty\"\nmemSize = \"2048\"\n";

static vg_vm *empty_vm(void)
{
    vg_vm *vm = vg_vm_new(VG_ORIGIN_FILE);
    vg_error err;
    assert_int_equal(
        vg_vmx_doc_parse(empty_vmx, strlen(empty_vmx), "empty.vmx", &vm->settings, &err), VG_OK);
    return vm;
}

static const vg_result *find_result(const vg_vm_report *rep, const char *rule_id)
{
    for (size_t i = 0; i < rep->n_results; i++) {
        if (strcmp(rep->results[i].prule->rule->id, rule_id) == 0)
            return &rep->results[i];
    }
    return NULL;
}

static const vg_result *result_for(const vg_vm_report *rep, const char *rule_id)
{
    const vg_result *r = find_result(rep, rule_id);
    if (!r)
        fail_msg("no result for %s", rule_id);
    return r;
}

static void empty_vm_gets_the_absent_semantics(void **state)
{
    (void)state;
    vg_vm *vm = empty_vm();
    for (size_t k = 0; k < sizeof profile_ids / sizeof profile_ids[0]; k++) {
        const vg_profile *p = profile(profile_ids[k]);
        vg_vm_report *rep = audit_one(vm, p);
        for (size_t i = 0; i < rep->n_results; i++) {
            const vg_result *r = &rep->results[i];
            vg_result_status want = expected_when_absent(r->prule);
            if (r->status != want)
                fail_msg("%s %s (%s): want %s, got %s (%s)", p->id, r->prule->rule->id,
                         r->prule->source_id, vg_result_status_name(want),
                         vg_result_status_name(r->status), r->evidence);
            if (r->status == VG_FAIL && !r->fix)
                fail_msg("%s %s: a failure without a fix", p->id, r->prule->rule->id);
        }
        /* hand-checked facts from baselines.md §3: maxConnections always
         * needs presence (the seed's three lists do not have it) */
        const vg_result *maxc = find_result(rep, "remotedisplay-maxconnections");
        if (strcmp(p->id, "seed-2009") != 0)
            assert_non_null(maxc);
        if (maxc)
            assert_int_equal(maxc->status, VG_FAIL);
        if (strcmp(p->id, "disa-vsphere8-vm") == 0) {
            const vg_result *copy = result_for(rep, "isolation-tools-copy-disable");
            assert_int_equal(copy->status, VG_PASS);
            assert_non_null(strstr(copy->evidence, "absent -> VMware default"));
        }
        if (strcmp(p->id, "disa-vsphere7-vm") == 0) {
            assert_int_equal(result_for(rep, "isolation-tools-copy-disable")->status, VG_FAIL);
            assert_int_equal(result_for(rep, "log-keepold")->status, VG_PASS); /* V1R4 */
        }
        vg_vm_report_free(rep);
    }
    vg_vm_free(vm);
}

/* ---- flips ------------------------------------------------------------- */

/* A spelling of a key pattern with device numbers filled in. */
static void instantiate(const char *pattern, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; pattern[i] && j + 1 < n; i++)
        out[j++] = pattern[i] == '*' ? '0' : pattern[i];
    out[j] = '\0';
}

/* Does rule r read key (or, for devices, the same instance)? */
static int reads(const vg_rule *r, const char *key)
{
    const char *dot = strrchr(key, '.');
    const char *names[66] = {r->key};
    size_t n = 1;
    for (size_t i = 0; r->aliases && r->aliases[i] && n < 65; i++)
        names[n++] = r->aliases[i];
    for (size_t i = 0; i < n && names[i]; i++) {
        if (vg_catalog_key_match(names[i], key))
            return 1;
        const char *nd = strrchr(names[i], '.');
        if (r->kind == VG_RULE_DEVICE && nd && dot) {
            char pat[128], inst[128];
            snprintf(pat, sizeof pat, "%.*s", (int)(nd - names[i]), names[i]);
            snprintf(inst, sizeof inst, "%.*s", (int)(dot - key), key);
            if (vg_catalog_key_match(pat, inst))
                return 1;
        }
    }
    return 0;
}

/* Make one rule non-compliant on doc; returns the key changed, or NULL. */
static const char *break_rule(vg_vmx_doc *d, const vg_profile_rule *pr, char *key, size_t n)
{
    const vg_rule *r = pr->rule;
    vg_error err;
    instantiate(pr->key && !has_glob(r->key) ? pr->key : r->key, key, n);
    char bad[64];
    if (r->kind == VG_RULE_DEVICE) {
        const char *dot = strrchr(key, '.');
        char k2[160];
        snprintf(k2, sizeof k2, "%.*s.present", (int)(dot - key), key);
        vg_vmx_doc_set(d, k2, "TRUE", &err);
        if (r->device_types) {
            snprintf(k2, sizeof k2, "%.*s.deviceType", (int)(dot - key), key);
            vg_vmx_doc_set(d, k2, r->device_types[0], &err);
        }
        snprintf(bad, sizeof bad, "%s", "TRUE");
    } else if (pr->cmp == VG_CMP_ABSENT) {
        snprintf(bad, sizeof bad, "%s", "some-value");
    } else if (pr->cmp == VG_CMP_PRESENT) {
        return vg_vmx_doc_remove(d, key, &err) > 0 ? key : NULL;
    } else if (pr->cmp == VG_CMP_NE) {
        snprintf(bad, sizeof bad, "%s", pr->value);
    } else if (pr->cmp == VG_CMP_IN) {
        snprintf(bad, sizeof bad, "%s", "not-one-of-them");
    } else if (r->type == VG_TYPE_BOOL) {
        snprintf(bad, sizeof bad, "%s", strcasecmp(pr->value, "true") == 0 ? "FALSE" : "TRUE");
    } else if (r->type == VG_TYPE_INT) {
        long long v = strtoll(plain_number(pr->value), NULL, 10);
        snprintf(bad, sizeof bad, "%lld", pr->cmp == VG_CMP_GE ? v - 1 : v + 1);
    } else {
        snprintf(bad, sizeof bad, "not-%s", pr->value);
    }
    assert_int_equal(vg_vmx_doc_set(d, key, bad, &err), VG_OK);
    return key;
}

static void flip_one(const vg_profile *p, const char *fixture, const vg_vm_report *base, size_t idx)
{
    const vg_profile_rule *pr = &p->rules[idx];
    vg_vm *vm = load_vm(fixture);
    char key[160];
    if (!break_rule(vm->settings, pr, key, sizeof key)) {
        vg_vm_free(vm);
        return;
    }
    vg_vm_report *rep = audit_one(vm, p);
    if (rep->results[idx].status != VG_FAIL)
        fail_msg("%s %s: setting %s did not fail it (%s: %s)", p->id, pr->rule->id, key,
                 vg_result_status_name(rep->results[idx].status), rep->results[idx].evidence);
    for (size_t i = 0; i < rep->n_results; i++) {
        const vg_rule *other = p->rules[i].rule;
        if (i == idx || rep->results[i].status == base->results[i].status)
            continue;
        if (!reads(other, key))
            fail_msg("%s: breaking %s via %s also changed %s (%s -> %s)", p->id, pr->rule->id, key,
                     other->id, vg_result_status_name(base->results[i].status),
                     vg_result_status_name(rep->results[i].status));
    }
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void flipping_each_key_flips_exactly_its_rule(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof profile_ids / sizeof profile_ids[0]; k++) {
        const vg_profile *p = profile(profile_ids[k]);
        char path[1024];
        fixture_path(p->id, path, sizeof path);
        vg_vm *vm = load_vm(path);
        vg_vm_report *base = audit_one(vm, p);
        size_t flipped = 0;
        for (size_t i = 0; i < p->n_rules; i++) {
            if (vmx_visible(&p->rules[i])) {
                flip_one(p, path, base, i);
                flipped++;
            }
        }
        assert_true(flipped >= 3);
        vg_vm_report_free(base);
        vg_vm_free(vm);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hardened_fixture_passes_every_automated_rule),
        cmocka_unit_test(empty_vm_gets_the_absent_semantics),
        cmocka_unit_test(flipping_each_key_flips_exactly_its_rule),
    };
    return cmocka_run_group_tests(tests, load_catalog, free_catalog);
}
