/*
 * vg_fix_apply_vsphere before any session: plans without edits are left
 * alone, powered-on VMs are refused unless forced, a plan without a
 * managed object id is no vSphere VM, and a dry run counts what would
 * change without a server (the URL points nowhere: a connection would
 * fail the call).  The session itself runs against vcsim in
 * tests/integration/fix_vsphere.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard/vsphere.h"

#define NOWHERE "http://127.0.0.1:9/sdk"

static vg_fix_edit edits[] = {
    {.op = VG_FIX_SET, .key = "isolation.tools.copy.disable", .value = "TRUE"},
    {.op = VG_FIX_SET, .key = "config.flags.enableLogging", .value = "TRUE"},
    {.op = VG_FIX_REMOVE, .key = "sched.mem.pshare.salt"},
};

static vg_fix_vm vm(const char *moref, vg_power_state power, size_t n_edits)
{
    return (vg_fix_vm){.origin = VG_ORIGIN_VSPHERE, .name = "web01", .moref = (char *)moref,
                       .power = power, .edits = edits, .n_edits = n_edits};
}

static void dry_run_counts_without_a_server(void **state)
{
    (void)state;
    vg_fix_vm off = vm("vm-1", VG_POWER_OFF, 3), on = vm("vm-2", VG_POWER_ON, 3),
              none = vm("vm-3", VG_POWER_OFF, 0);
    const vg_fix_vm *vms[] = {&off, &on, &none};
    vg_fix_vsphere_outcome out[3];
    vg_fix_apply_opts o = {.dry_run = 1};
    vg_vsphere_opts vo = {.user = "u", .password = "p", .timeout = 1};
    vg_error err;
    assert_int_equal(vg_fix_apply_vsphere(NOWHERE, &vo, vms, 3, &o, out, &err), VG_OK);
    assert_int_equal(out[0].status, 0);
    assert_true(out[0].changed);
    assert_int_equal(out[0].keys_set, 2);
    assert_int_equal(out[0].keys_removed, 1);
    assert_false(out[0].pending_cold_start);
    assert_null(out[0].after);
    assert_int_equal(out[1].status, VG_ELOCKED);
    assert_false(out[1].changed);
    assert_null(strstr(out[1].message, "--force"));
    assert_int_equal(out[2].status, 0);
    assert_false(out[2].changed);

    o.force = 1;
    assert_int_equal(vg_fix_apply_vsphere(NOWHERE, &vo, vms, 3, &o, out, &err), VG_OK);
    assert_int_equal(out[1].status, 0);
    assert_true(out[1].changed);
    assert_true(out[1].pending_cold_start);
}

static void nothing_to_send_needs_no_session(void **state)
{
    (void)state;
    vg_fix_vm on = vm("vm-2", VG_POWER_ON, 3), file = vm(NULL, VG_POWER_OFF, 1),
              none = vm("vm-3", VG_POWER_OFF, 0);
    const vg_fix_vm *vms[] = {&on, &file, &none};
    vg_fix_vsphere_outcome out[3];
    vg_vsphere_opts vo = {.user = "u", .password = "p", .timeout = 1};
    vg_error err;
    assert_int_equal(vg_fix_apply_vsphere(NOWHERE, &vo, vms, 3, NULL, out, &err), VG_OK);
    assert_int_equal(out[0].status, VG_ELOCKED);
    assert_int_equal(out[1].status, VG_EUSAGE);
    assert_int_equal(out[2].status, 0);
}

static void a_failed_session_fails_every_vm_sent(void **state)
{
    (void)state;
    vg_fix_vm a = vm("vm-1", VG_POWER_OFF, 1), b = vm("vm-2", VG_POWER_OFF, 2);
    const vg_fix_vm *vms[] = {&a, &b};
    vg_fix_vsphere_outcome out[2];
    vg_vsphere_opts vo = {.user = "u", .password = "p", .timeout = 1};
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_fix_apply_vsphere(NOWHERE, &vo, vms, 2, NULL, out, &err);
    assert_true(rc < 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i].status, rc);
        assert_false(out[i].changed);
        assert_null(out[i].after);
        assert_string_equal(out[i].message, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dry_run_counts_without_a_server),
        cmocka_unit_test(nothing_to_send_needs_no_session),
        cmocka_unit_test(a_failed_session_fails_every_vm_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
