/*
 * Backdoor and GuestRPC protocol: GETVERSION classification, the RPCI
 * exchange against an in-process fake hypervisor, reply parsing, and the
 * native guard (a trapping instruction is reported, never fatal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "fake_hv.h"

static void getversion_answered_reports_version_and_type(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_VMWARE;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_version v;
    vg_guest_getversion(&cpu, VG_GUEST_VIA_IN, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_ANSWERED);
    assert_int_equal(v.version, 6);
    assert_int_equal(v.vmx_type, 2);
    assert_string_equal(vg_guest_bd_outcome_name(v.outcome), "answered");
}

static void getversion_without_port_permission_faults(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_QEMU;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_version v;
    vg_guest_getversion(&cpu, VG_GUEST_VIA_IN, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_FAULT);
    assert_int_equal(v.signo, SIGSEGV);
    f.granted = 1;
    vg_guest_getversion(&cpu, VG_GUEST_VIA_IN, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_ANSWERED);
}

static void getversion_on_empty_port_is_silent(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_QEMU_OFF;
    f.granted = 1;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_version v;
    vg_guest_getversion(&cpu, VG_GUEST_VIA_IN, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_SILENT);
}

static void version_parse_needs_magic_and_keeps_unset_type(void **state)
{
    (void)state;
    vg_guest_version v;
    vg_guest_regs r = {6, VG_GUEST_BDOOR_MAGIC, 0xFFFF000Au, 0, 0, 0};
    vg_guest_version_parse(&r, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_ANSWERED);
    assert_true(v.vmx_type == 0xFFFFFFFFu);
    r.ebx = ~VG_GUEST_BDOOR_MAGIC; /* sentinel survived: nothing there */
    vg_guest_version_parse(&r, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_SILENT);
    r.ebx = VG_GUEST_BDOOR_MAGIC;
    r.eax = 0xFFFFFFFFu;
    vg_guest_version_parse(&r, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_SILENT);
}

static void hypercall_without_feature_bit_is_sigill(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_VMWARE;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_version v;
    vg_guest_getversion(&cpu, VG_GUEST_VIA_VMCALL, &v);
    assert_int_equal(v.outcome, VG_GUEST_BD_FAULT);
    assert_int_equal(v.signo, SIGILL);
}

static void reply_prefixes_are_classified(void **state)
{
    (void)state;
    vg_guest_rpc r;
    vg_guest_rpc_parse_reply("1 hello", 7, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_OK);
    assert_string_equal(r.text, "hello");
    vg_guest_rpc_parse_reply("0 No value found", 16, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_FAILED);
    assert_string_equal(r.text, "No value found");
    vg_guest_rpc_parse_reply("0 Permission denied", 19, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_DENIED);
    vg_guest_rpc_parse_reply("Unknown", 7, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_BAD_REPLY);
    vg_guest_rpc_parse_reply("1", 1, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_BAD_REPLY);
    assert_string_equal(vg_guest_rpc_outcome_name(VG_GUEST_RPC_DENIED), "denied");
}

static void reply_text_is_sanitised_and_bounded(void **state)
{
    (void)state;
    char big[400];
    memset(big, 'x', sizeof big);
    big[0] = '1';
    big[1] = ' ';
    big[5] = '\033';
    vg_guest_rpc r;
    vg_guest_rpc_parse_reply(big, sizeof big, &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_OK);
    assert_int_equal(strlen(r.text), sizeof r.text - 1);
    assert_int_equal(r.text[3], '?');
}

static void rpc_sends_request_and_reads_reply(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_VMWARE;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_rpc r;
    vg_guest_rpc_send(&cpu, VG_GUEST_VIA_IN, "info-get guestinfo.vmxguard.probe", &r);
    assert_string_equal(f.request, "info-get guestinfo.vmxguard.probe");
    assert_int_equal(r.outcome, VG_GUEST_RPC_FAILED);
    assert_string_equal(r.text, "No value found");
}

static void rpc_open_retries_without_cookie(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_VMWARE;
    f.refuse_cookie = 1;
    f.reply = "0 Permission denied";
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_rpc r;
    vg_guest_rpc_send(&cpu, VG_GUEST_VIA_IN, "info-get guestinfo.x", &r);
    assert_int_equal(f.opens, 2);
    assert_int_equal(r.outcome, VG_GUEST_RPC_DENIED);
}

static void rpc_without_guestrpc_has_no_channel(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_QEMU;
    f.granted = 1;
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_rpc r;
    vg_guest_rpc_send(&cpu, VG_GUEST_VIA_IN, "info-get guestinfo.x", &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_NO_CHANNEL);
}

static void rpc_oversized_reply_is_refused(void **state)
{
    (void)state;
    struct fake_hv f = FAKE_VMWARE;
    f.claim_len = 70000; /* beyond the 64 KiB protocol limit */
    vg_guest_cpu cpu;
    fake_cpu(&f, &cpu);
    vg_guest_rpc r;
    vg_guest_rpc_send(&cpu, VG_GUEST_VIA_IN, "info-get guestinfo.x", &r);
    assert_int_equal(r.outcome, VG_GUEST_RPC_BROKEN);
}

/* The real instruction, in this process, without port permission: on any
 * hypervisor but VMware it traps; the guard must turn that into a result. */
static void native_backdoor_call_never_kills_the_process(void **state)
{
    (void)state;
    const vg_guest_cpu *cpu = vg_guest_cpu_native();
    vg_guest_version v;
    vg_guest_getversion(cpu, VG_GUEST_VIA_IN, &v);
    assert_true(v.outcome == VG_GUEST_BD_FAULT || v.outcome == VG_GUEST_BD_ANSWERED ||
                v.outcome == VG_GUEST_BD_SILENT);
    if (v.outcome == VG_GUEST_BD_FAULT)
        assert_true(v.signo == SIGSEGV || v.signo == SIGBUS);
    /* Twice: the guard must re-arm after a fault. */
    vg_guest_version again;
    vg_guest_getversion(cpu, VG_GUEST_VIA_IN, &again);
    assert_int_equal(again.outcome, v.outcome);
    vg_guest_regs r;
    assert_int_equal(cpu->cpuid(cpu->ctx, 0, &r), 0);
    assert_true(r.eax >= 1); /* highest basic leaf */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(getversion_answered_reports_version_and_type),
        cmocka_unit_test(getversion_without_port_permission_faults),
        cmocka_unit_test(getversion_on_empty_port_is_silent),
        cmocka_unit_test(version_parse_needs_magic_and_keeps_unset_type),
        cmocka_unit_test(hypercall_without_feature_bit_is_sigill),
        cmocka_unit_test(reply_prefixes_are_classified),
        cmocka_unit_test(reply_text_is_sanitised_and_bounded),
        cmocka_unit_test(rpc_sends_request_and_reads_reply),
        cmocka_unit_test(rpc_open_retries_without_cookie),
        cmocka_unit_test(rpc_without_guestrpc_has_no_channel),
        cmocka_unit_test(rpc_oversized_reply_is_refused),
        cmocka_unit_test(native_backdoor_call_never_kills_the_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
