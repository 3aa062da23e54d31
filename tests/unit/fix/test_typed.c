/*
 * The typed ConfigSpec table: one list for the planner, the emitters, the
 * vSphere applier and the CLI.  Each key is the vg_vm property the fetch
 * fills ("config." + its ConfigSpec path), lookups find exactly those
 * keys, and the planner treats each as typed on an API VM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard/fix.h"

static void table_holds_the_three_settable_properties(void **state)
{
    (void)state;
    size_t n = 0;
    const vg_fix_typed_prop *t = vg_fix_typed_props(&n);
    assert_int_equal(n, 3);
    assert_string_equal(t[0].key, "config.flags.enableLogging");
    assert_true(t[0].is_bool);
    assert_true(t[0].before_extra_config); /* flags precede extraConfig in the schema */
    assert_string_equal(t[1].key, "config.migrateEncryption");
    assert_false(t[1].is_bool);
    assert_string_equal(t[2].key, "config.ftEncryptionMode");
    assert_false(t[2].before_extra_config);
}

static void keys_are_config_plus_spec_path(void **state)
{
    (void)state;
    size_t n = 0;
    const vg_fix_typed_prop *t = vg_fix_typed_props(&n);
    for (size_t i = 0; i < n; i++) {
        char want[256];
        snprintf(want, sizeof want, "config.%s", t[i].spec);
        assert_string_equal(t[i].key, want);
        assert_ptr_equal(vg_fix_typed_prop_find(t[i].key), &t[i]);
    }
}

static void other_keys_are_not_typed(void **state)
{
    (void)state;
    assert_null(vg_fix_typed_prop_find(NULL));
    assert_null(vg_fix_typed_prop_find(""));
    assert_null(vg_fix_typed_prop_find("isolation.tools.copy.disable"));
    /* read by the fetch, but no applier sets it */
    assert_null(vg_fix_typed_prop_find("config.bootOptions.efiSecureBootEnabled"));
    /* exact, case-sensitive names: vSphere's property paths are */
    assert_null(vg_fix_typed_prop_find("config.flags.enablelogging"));
    assert_null(vg_fix_typed_prop_find("config.flags"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_holds_the_three_settable_properties),
        cmocka_unit_test(keys_are_config_plus_spec_path),
        cmocka_unit_test(other_keys_are_not_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
