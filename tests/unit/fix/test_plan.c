/* The planner: which edits a set of failing results turns into. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard.h"

/* A tiny world: rules, one profile entry per rule, results built by hand
 * over a document parsed from text, so only the planner is under test. */
struct world {
    vg_vm *vm;
    vg_vm_report rep;
    vg_result res[8];
    vg_profile prof[2];
};

static vg_rule rule(const char *id, const char *key, vg_value_type t)
{
    vg_rule r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.key = key;
    r.kind = VG_RULE_VMX_KEY;
    r.type = t;
    return r;
}

static vg_profile_rule prule(const vg_rule *r, vg_comparison cmp, const char *value)
{
    vg_profile_rule p;
    memset(&p, 0, sizeof p);
    p.rule = r;
    p.cmp = cmp;
    p.value = value;
    return p;
}

static void world_init(struct world *w, const char *vmx)
{
    memset(w, 0, sizeof *w);
    w->vm = vg_vm_new(VG_ORIGIN_FILE);
    assert_non_null(w->vm);
    vg_error err;
    assert_int_equal(vg_vmx_doc_parse(vmx, strlen(vmx), "t.vmx", &w->vm->settings, &err), 0);
    assert_int_equal(vg_vm_set_str(&w->vm->path, "t.vmx"), 0);
    assert_int_equal(vg_vm_set_str(&w->vm->name, "t"), 0);
    w->prof[0].id = "p1";
    w->prof[1].id = "p2";
    w->rep.vm = w->vm;
    w->rep.results = w->res;
}

static void add_result(struct world *w, const vg_profile_rule *pr, vg_result_status st, int prof)
{
    vg_result *r = &w->res[w->rep.n_results++];
    r->profile = &w->prof[prof];
    r->prule = pr;
    r->status = r->raw_status = st;
}

static vg_fix_vm *plan(struct world *w, const vg_fix_opts *o)
{
    vg_fix_vm *fv = NULL;
    vg_error err;
    assert_int_equal(vg_fix_plan_vm(&w->rep, o, &fv, &err), 0);
    return fv;
}

static void world_free(struct world *w, vg_fix_vm *fv)
{
    vg_fix_vm_free(fv);
    vg_vm_free(w->vm);
}

static void set_keeps_existing_spelling(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "Isolation.Tools.Copy.Disable = \"false\"\n");
    vg_rule r = rule("copy", "isolation.tools.copy.disable", VG_TYPE_BOOL);
    vg_profile_rule p = prule(&r, VG_CMP_EQ, "true");
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_int_equal(fv->edits[0].op, VG_FIX_SET);
    assert_string_equal(fv->edits[0].key, "Isolation.Tools.Copy.Disable");
    assert_string_equal(fv->edits[0].value, "TRUE");
    assert_string_equal(fv->edits[0].old_value, "false");
    assert_string_equal(fv->edits[0].rule_ids[0], "copy");
    world_free(&w, fv);
}

static void missing_key_uses_profile_spelling(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "a = \"1\"\n");
    vg_rule r = rule("sizelimit", "tools.setInfo.sizeLimit", VG_TYPE_INT);
    vg_profile_rule p = prule(&r, VG_CMP_LE, "1048576");
    p.key = "tools.setinfo.sizeLimit";
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "tools.setinfo.sizeLimit");
    assert_string_equal(fv->edits[0].value, "1048576");
    assert_null(fv->edits[0].old_value);
    world_free(&w, fv);
}

static void absent_rule_removes_every_matching_key(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "sched.mem.pshare.salt = \"x\"\nother = \"1\"\nSCHED.MEM.PSHARE.SALT = \"y\"\n");
    vg_rule r = rule("salt", "sched.mem.pshare.salt", VG_TYPE_STRING);
    vg_profile_rule p = prule(&r, VG_CMP_ABSENT, NULL);
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1); /* one remove covers both spellings */
    assert_int_equal(fv->edits[0].op, VG_FIX_REMOVE);
    assert_null(fv->edits[0].value);
    world_free(&w, fv);
}

static void in_takes_first_allowed_value(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "");
    const char *vals[] = {"opportunistic", "required", NULL};
    vg_rule r = rule("enc", "migrate.encryptionMode", VG_TYPE_STRING);
    vg_profile_rule p = prule(&r, VG_CMP_IN, NULL);
    p.values = vals;
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].value, "opportunistic");
    world_free(&w, fv);
}

static void profiles_merge_to_strictest_value(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "tools.setinfo.sizeLimit = \"9999999\"\n");
    vg_rule r = rule("sizelimit", "tools.setinfo.sizeLimit", VG_TYPE_INT);
    vg_profile_rule p1 = prule(&r, VG_CMP_LE, "1048576");
    vg_profile_rule p2 = prule(&r, VG_CMP_LE, "65536");
    add_result(&w, &p1, VG_FAIL, 0);
    add_result(&w, &p2, VG_FAIL, 1);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].value, "65536");
    assert_int_equal(fv->edits[0].n_rule_ids, 1); /* same rule: collapsed */
    assert_int_equal(fv->n_unfixed, 0);
    world_free(&w, fv);
}

static void contradicting_profiles_are_a_conflict(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "");
    vg_rule r = rule("x", "x.enable", VG_TYPE_BOOL);
    vg_profile_rule p1 = prule(&r, VG_CMP_EQ, "TRUE");
    vg_profile_rule p2 = prule(&r, VG_CMP_EQ, "FALSE");
    add_result(&w, &p1, VG_FAIL, 0);
    add_result(&w, &p2, VG_FAIL, 1);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 0);
    assert_int_equal(fv->n_unfixed, 2);
    assert_int_equal(fv->unfixed[0].reason, VG_FIX_CONFLICT);
    assert_non_null(strstr(fv->unfixed[0].message, "conflict on x.enable"));
    world_free(&w, fv);
}

static void device_rules_only_listed_without_devices(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "serial0.present = \"TRUE\"\nserial1.present = \"FALSE\"\n");
    vg_rule r = rule("serial", "serial*.present", VG_TYPE_BOOL);
    r.kind = VG_RULE_DEVICE;
    r.needs_human = 1;
    vg_profile_rule p = prule(&r, VG_CMP_EQ, "FALSE");
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 0);
    assert_int_equal(fv->n_unfixed, 1);
    assert_int_equal(fv->unfixed[0].reason, VG_FIX_NEEDS_HUMAN);
    assert_true(fv->unfixed[0].with_devices); /* the caller names its opt-in */
    assert_null(strstr(fv->unfixed[0].message, "--"));
    vg_fix_vm_free(fv);
    vg_fix_opts o = {.devices = 1};
    fv = plan(&w, &o);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "serial0.present");
    assert_string_equal(fv->edits[0].value, "FALSE");
    assert_true(fv->edits[0].device);
    world_free(&w, fv);
}

/* An API VM's device keys are synthesised from its device list: no
 * extraConfig edit can remove a device, so the plan says where to do it. */
static void api_vm_device_rules_point_to_vcenter(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "serial0.present = \"TRUE\"\n");
    w.vm->origin = VG_ORIGIN_VSPHERE;
    vg_rule r = rule("serial", "serial*.present", VG_TYPE_BOOL);
    r.kind = VG_RULE_DEVICE;
    r.needs_human = 1;
    vg_profile_rule p = prule(&r, VG_CMP_EQ, "FALSE");
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_opts o = {.devices = 1};
    vg_fix_vm *fv = plan(&w, &o);
    assert_int_equal(fv->n_edits, 0);
    assert_int_equal(fv->n_unfixed, 1);
    assert_non_null(strstr(fv->unfixed[0].message, "through vCenter"));
    assert_false(fv->unfixed[0].with_devices); /* devices = 1 does not help here */
    world_free(&w, fv);
}

/* The audit reports a duplicated key as an error; one set keeps one copy. */
static void duplicated_key_error_becomes_one_set(void **state)
{
    (void)state;
    struct world w;
    world_init(
        &w, "isolation.tools.copy.disable = \"TRUE\"\nIsolation.Tools.Copy.Disable = \"FALSE\"\n");
    vg_rule r = rule("copy", "isolation.tools.copy.disable", VG_TYPE_BOOL);
    vg_profile_rule p = prule(&r, VG_CMP_EQ, "TRUE");
    add_result(&w, &p, VG_ERROR, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "isolation.tools.copy.disable");
    assert_string_equal(fv->edits[0].value, "TRUE");
    world_free(&w, fv);
}

static void device_default_gets_explicit_key(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
                   "ide0:0.present = \"TRUE\"\nide0:0.deviceType = \"disk\"\n");
    const char *types[] = {"cdrom-image", NULL};
    vg_rule r = rule("cd", "ide*:*.startConnected", VG_TYPE_BOOL);
    r.kind = VG_RULE_DEVICE;
    r.device_types = types;
    r.instance_default = "TRUE";
    vg_profile_rule p = prule(&r, VG_CMP_EQ, "FALSE");
    add_result(&w, &p, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "ide1:0.startConnected");
    world_free(&w, fv);
}

static void unfixable_kinds_are_listed(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "");
    vg_rule api = rule("enc", NULL, VG_TYPE_STRING);
    api.kind = VG_RULE_API_PROPERTY;
    vg_rule man = rule("manual", NULL, VG_TYPE_STRING);
    man.kind = VG_RULE_MANUAL;
    vg_profile_rule p1 = prule(&api, VG_CMP_EQ, "required");
    vg_profile_rule p2 = prule(&man, VG_CMP_MANUAL, NULL);
    add_result(&w, &p1, VG_FAIL, 0);
    add_result(&w, &p2, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 0);
    assert_int_equal(fv->n_unfixed, 2);
    assert_int_equal(fv->unfixed[0].reason, VG_FIX_API_ONLY);
    assert_int_equal(fv->unfixed[1].reason, VG_FIX_MANUAL);
    world_free(&w, fv);
}

/* On an API VM a typed property the vSphere applier sets (flags.enableLogging,
 * migrateEncryption, ftEncryptionMode) becomes one edit under the property's
 * name with the API's old value; a typed property it cannot set stays
 * api-only, and on a file VM the .vmx spelling is edited as before.  Scripts
 * leave the typed edit out (it is no extraConfig key) and say so. */
static void api_vm_typed_properties_are_planned(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "logging = \"FALSE\"\n");
    w.vm->origin = VG_ORIGIN_VSPHERE;
    assert_int_equal(vg_vm_set_prop(w.vm, "config.flags.enableLogging", "false"), 0);
    assert_int_equal(vg_vm_set_prop(w.vm, "config.migrateEncryption", "disabled"), 0);
    vg_rule log = rule("logging", "logging", VG_TYPE_BOOL);
    log.kind = VG_RULE_API_PROPERTY;
    log.api_property = "config.flags.enableLogging";
    vg_rule mig = rule("migrate", "migrate.encryptionMode", VG_TYPE_STRING);
    mig.kind = VG_RULE_API_PROPERTY;
    mig.api_property = "config.migrateEncryption";
    vg_rule boot = rule("secure-boot", "uefi.secureBoot.enabled", VG_TYPE_BOOL);
    boot.kind = VG_RULE_API_PROPERTY;
    boot.api_property = "config.bootOptions.efiSecureBootEnabled";
    const char *modes[] = {"opportunistic", "required", NULL};
    vg_profile_rule p1 = prule(&log, VG_CMP_EQ, "true");
    vg_profile_rule p2 = prule(&mig, VG_CMP_IN, NULL);
    p2.values = modes;
    vg_profile_rule p3 = prule(&boot, VG_CMP_EQ, "TRUE");
    add_result(&w, &p1, VG_FAIL, 0);
    add_result(&w, &p2, VG_FAIL, 0);
    add_result(&w, &p3, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 2);
    assert_string_equal(fv->edits[0].key, "config.flags.enableLogging");
    assert_string_equal(fv->edits[0].value, "TRUE");
    assert_string_equal(fv->edits[0].old_value, "false");
    assert_string_equal(fv->edits[1].key, "config.migrateEncryption");
    assert_string_equal(fv->edits[1].value, "opportunistic");
    assert_int_equal(fv->n_unfixed, 1);
    assert_string_equal(fv->unfixed[0].rule_id, "secure-boot");
    assert_int_equal(fv->unfixed[0].reason, VG_FIX_API_ONLY);

    vg_fix_plan *pl = vg_fix_plan_new("p1");
    vg_error err;
    assert_int_equal(vg_fix_plan_add(pl, fv, &err), 0);
    const char *const *formats = vg_fix_emit_formats();
    for (size_t i = 0; formats[i]; i++) {
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(vg_fix_emit(pl, formats[i], &text, &len, &err), 0);
        /* only the header names them, as not part of the script */
        const char *hit = strstr(text, "config.flags.enableLogging");
        assert_non_null(hit);
        assert_non_null(strstr(hit, "typed vSphere property: not in this script"));
        const char *nl = strchr(hit, '\n');
        assert_null(strstr(nl, "config.flags.enableLogging"));
        free(text);
    }
    vg_fix_plan_free(pl);
    vg_vm_free(w.vm);

    /* the same rule on a .vmx file edits its .vmx spelling */
    world_init(&w, "logging = \"FALSE\"\n");
    log.kind = VG_RULE_API_PROPERTY;
    vg_profile_rule p4 = prule(&log, VG_CMP_EQ, "true");
    add_result(&w, &p4, VG_FAIL, 0);
    fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "logging");
    world_free(&w, fv);
}

static void passing_and_filtered_rules_give_no_edits(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "");
    vg_rule r1 = rule("one", "a.b", VG_TYPE_BOOL);
    vg_rule r2 = rule("two", "c.d", VG_TYPE_BOOL);
    vg_profile_rule p1 = prule(&r1, VG_CMP_EQ, "TRUE");
    vg_profile_rule p2 = prule(&r2, VG_CMP_EQ, "TRUE");
    p2.source_id = "VMCH-80-000001";
    add_result(&w, &p1, VG_PASS, 0);
    add_result(&w, &p2, VG_FAIL, 0);
    const char *only[] = {"vmch-80-000001"};
    vg_fix_opts o = {.rule_ids = only, .n_rule_ids = 1};
    vg_fix_vm *fv = plan(&w, &o);
    assert_int_equal(fv->n_edits, 1);
    assert_string_equal(fv->edits[0].key, "c.d");
    vg_fix_vm_free(fv);
    only[0] = "one";
    fv = plan(&w, &o);
    assert_int_equal(fv->n_edits, 0);
    world_free(&w, fv);
}

static void edits_follow_file_order_new_keys_last(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "z.key = \"1\"\nm.key = \"1\"\n");
    vg_rule r1 = rule("new", "a.new", VG_TYPE_BOOL);
    vg_rule r2 = rule("m", "m.key", VG_TYPE_INT);
    vg_rule r3 = rule("z", "z.key", VG_TYPE_INT);
    vg_profile_rule p1 = prule(&r1, VG_CMP_EQ, "TRUE");
    vg_profile_rule p2 = prule(&r2, VG_CMP_EQ, "0");
    vg_profile_rule p3 = prule(&r3, VG_CMP_EQ, "0");
    add_result(&w, &p1, VG_FAIL, 0);
    add_result(&w, &p2, VG_FAIL, 0);
    add_result(&w, &p3, VG_FAIL, 0);
    vg_fix_vm *fv = plan(&w, NULL);
    assert_int_equal(fv->n_edits, 3);
    assert_string_equal(fv->edits[0].key, "z.key");
    assert_string_equal(fv->edits[1].key, "m.key");
    assert_string_equal(fv->edits[2].key, "a.new");
    world_free(&w, fv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_keeps_existing_spelling),
        cmocka_unit_test(missing_key_uses_profile_spelling),
        cmocka_unit_test(absent_rule_removes_every_matching_key),
        cmocka_unit_test(in_takes_first_allowed_value),
        cmocka_unit_test(profiles_merge_to_strictest_value),
        cmocka_unit_test(contradicting_profiles_are_a_conflict),
        cmocka_unit_test(device_rules_only_listed_without_devices),
        cmocka_unit_test(device_default_gets_explicit_key),
        cmocka_unit_test(api_vm_device_rules_point_to_vcenter),
        cmocka_unit_test(duplicated_key_error_becomes_one_set),
        cmocka_unit_test(unfixable_kinds_are_listed),
        cmocka_unit_test(api_vm_typed_properties_are_planned),
        cmocka_unit_test(passing_and_filtered_rules_give_no_edits),
        cmocka_unit_test(edits_follow_file_order_new_keys_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
