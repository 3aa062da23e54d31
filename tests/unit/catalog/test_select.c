/*
 * Profile selection as audit, fix and watch share it: the ids asked for,
 * else a user's profiles, else the default; a mistyped id is refused with
 * the profile probably meant (same family at the nearest version, the
 * newer of two as near, else the closest name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard/catalog.h"

static const char site_yaml[] =
    "profile:\n"
    "  id: my-site\n"
    "  title: Site baseline\n"
    "  source: Site security policy\n"
    "  version: \"2025.1\"\n"
    "  rules:\n"
    "    - {rule: log-keepold, source_id: SITE-1, cmp: ge, value: \"20\", absent: fail, "
    "severity: high}\n";

static vg_catalog *embedded(void)
{
    vg_catalog *cat = NULL;
    vg_error err;
    assert_int_equal(vg_catalog_load_embedded(&cat, &err), VG_OK);
    return cat;
}

static void suggestions_prefer_the_nearest_version(void **state)
{
    (void)state;
    vg_catalog *cat = embedded();
    /* no vSphere 9 DISA profile: the nearest is 8 */
    assert_string_equal(vg_catalog_suggest_profile(cat, "disa-vsphere9-vm"), "disa-vsphere8-vm");
    /* 6.6 lies between 6.5 and 6.7, as near to both: the newer */
    assert_string_equal(vg_catalog_suggest_profile(cat, "disa-vsphere6.6-vm"),
                        "disa-vsphere6.7-vm");
    assert_string_equal(vg_catalog_suggest_profile(cat, "cis-esxi-9"), "cis-esxi-8");
    /* no number: the closest name */
    assert_string_equal(vg_catalog_suggest_profile(cat, "vm-folder-evidenc"), "vm-folder-evidence");
    assert_null(vg_catalog_suggest_profile(cat, "completely-unrelated-words"));
    assert_null(vg_catalog_suggest_profile(cat, NULL));
    vg_catalog_free(cat);
}

static void closest_name_has_a_limit(void **state)
{
    (void)state;
    const char *const words[] = {"format", "profile", "color", NULL};
    assert_string_equal(vg_closest_name("fromat", words), "format");
    assert_string_equal(vg_closest_name("profle", words), "profile");
    assert_null(vg_closest_name("xyz", words));
    assert_null(vg_closest_name("format", NULL));
}

static void named_ids_in_order(void **state)
{
    (void)state;
    vg_catalog *cat = embedded();
    const char *ids[] = {"vmware-scg-8", "disa-vsphere7-vm"};
    const vg_profile *out[4];
    size_t n = 99;
    vg_error err;
    assert_int_equal(vg_catalog_select_profiles(cat, ids, 2, out, 4, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0]->id, "vmware-scg-8");
    assert_string_equal(out[1]->id, "disa-vsphere7-vm");
    assert_int_equal(vg_catalog_select_profiles(cat, ids, 2, out, 1, &n, &err), VG_EUSAGE);
    vg_catalog_free(cat);
}

static void unknown_id_names_the_one_meant(void **state)
{
    (void)state;
    vg_catalog *cat = embedded();
    const char *ids[] = {"disa-vsphere7-vm", "disa-vsphere8"};
    const vg_profile *out[4];
    size_t n = 99;
    vg_error err;
    vg_error_clear(&err);
    assert_int_equal(vg_catalog_select_profiles(cat, ids, 2, out, 4, &n, &err), VG_ENOTFOUND);
    assert_int_equal(n, 0);
    assert_string_equal(err.msg,
                        "unknown profile 'disa-vsphere8'; did you mean 'disa-vsphere8-vm'?");
    const char *far[] = {"qqqqqqqqqqqqqqqq"};
    assert_int_equal(vg_catalog_select_profiles(cat, far, 1, out, 4, &n, &err), VG_ENOTFOUND);
    assert_string_equal(err.msg, "unknown profile 'qqqqqqqqqqqqqqqq'");
    vg_catalog_free(cat);
}

static void without_ids_the_default_or_the_users_profiles(void **state)
{
    (void)state;
    vg_catalog *cat = embedded();
    const vg_profile *out[4];
    size_t n = 0;
    vg_error err;
    assert_int_equal(vg_catalog_select_profiles(cat, NULL, 0, out, 4, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->id, vg_catalog_default_profile());
    /* a user's profile sorts among the built-in ones and is still the one picked */
    assert_int_equal(vg_catalog_add_yaml(cat, site_yaml, sizeof site_yaml - 1, "site.yaml", &err),
                     VG_OK);
    assert_int_equal(vg_catalog_select_profiles(cat, NULL, 0, out, 4, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->id, "my-site");
    /* named ids still win over the file's */
    const char *ids[] = {"cis-esxi-8"};
    assert_int_equal(vg_catalog_select_profiles(cat, ids, 1, out, 4, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->id, "cis-esxi-8");
    vg_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suggestions_prefer_the_nearest_version),
        cmocka_unit_test(closest_name_has_a_limit),
        cmocka_unit_test(named_ids_in_order),
        cmocka_unit_test(unknown_id_names_the_one_meant),
        cmocka_unit_test(without_ids_the_default_or_the_users_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
