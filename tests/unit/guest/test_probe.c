/*
 * Every guest finding on fake trees (a temp directory per test, built with
 * the modes and symlinks the finding depends on) and a fake hypervisor:
 * each rule is shown both passing and failing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "fake_hv.h"
#include "vg_test.h"
#include "vmxguard/catalog.h"

#define FIX VG_SOURCE_DIR "/tests/fixtures/guest/"

static vg_catalog *catalog;

struct tree {
    char root[64];
    struct fake_hv hv;
    vg_guest_cpu cpu;
    vg_guest_opts opts;
    vg_vm *vm;
};

static void put(struct tree *t, const char *rel, const char *text, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", t->root, rel);
    vg_test_mkdirs(path);
    unlink(path); /* the previous version may be read-only */
    vg_test_write_str(path, text);
    assert_int_equal(chmod(path, mode), 0);
}

static void put_fixture(struct tree *t, const char *rel, const char *fixture)
{
    char *text = vg_test_slurp(fixture, NULL);
    if (!text)
        fail_msg("cannot open %s", fixture);
    put(t, rel, text, 0644);
    free(text);
}

static void put_link(struct tree *t, const char *rel, const char *target)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", t->root, rel);
    vg_test_mkdirs(path);
    assert_int_equal(symlink(target, path), 0);
}

/* The test user's own uid/gid are named root in the tree, so files it
 * creates count as root-owned there, without running the tests as root. */
static void accounts(struct tree *t, const char *owner_name, const char *group_name)
{
    char text[256];
    snprintf(text, sizeof text, "%s:x:%u:%u::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n",
             owner_name, (unsigned)getuid(), (unsigned)getgid());
    put(t, "/etc/passwd", text, 0644);
    snprintf(text, sizeof text, "%s:x:%u:\nnogroup:x:65534:\n", group_name, (unsigned)getgid());
    put(t, "/etc/group", text, 0644);
}

static int setup(void **state)
{
    struct tree *t = calloc(1, sizeof *t);
    vg_test_tmpdir(t->root, sizeof t->root, "guest-test");
    t->hv = FAKE_QEMU_OFF;
    fake_cpu(&t->hv, &t->cpu);
    t->opts.root = t->root;
    t->opts.cpu = &t->cpu;
    t->opts.no_drop = 1; /* the fake models permission; no real uid change */
    t->opts.timeout_ms = 3000;
    t->opts.profile = vg_catalog_profile(catalog, vg_guest_profile_id());
    assert_non_null(t->opts.profile);
    accounts(t, "root", "root");
    put(t, "/proc/sys/kernel/tainted", "0\n", 0644);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tree *t = *state;
    vg_vm_free(t->vm);
    vg_test_rmtree(t->root);
    free(t);
    return 0;
}

static void run(struct tree *t)
{
    vg_error err;
    vg_vm_free(t->vm);
    t->vm = NULL;
    int rc = vg_guest_probe(&t->opts, &t->vm, &err);
    if (rc != VG_OK)
        fail_msg("probe failed: %s", err.msg);
    assert_int_equal(t->vm->origin, VG_ORIGIN_GUEST);
}

static const vg_vm_evidence *finding(const struct tree *t, const char *rule)
{
    for (size_t i = 0; i < t->vm->n_evidence; i++)
        if (t->vm->evidence[i].rule_id && !strcmp(t->vm->evidence[i].rule_id, rule))
            return &t->vm->evidence[i];
    fail_msg("no finding for %s", rule);
    return NULL;
}

/* Status of rule, and its message contains want (if given). */
static void expect(const struct tree *t, const char *rule, const char *status, const char *want)
{
    const vg_vm_evidence *e = finding(t, rule);
    if (strcmp(e->status, status) != 0 || (want && !strstr(e->message, want)))
        fail_msg("%s: expected %s containing '%s', got %s: %s", rule, status, want ? want : "",
                 e->status, e->message);
}

/* --- platform and reach --------------------------------------------- */

static void qemu_vmport_on_answers_root_only(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_QEMU;
    run(t);
    expect(t, "guest-backdoor-unprivileged", "pass", "trapped with SIGSEGV");
    expect(t, "guest-rpci-unprivileged", "pass", "cannot reach the backdoor");
    expect(t, "guest-backdoor-emulated", "fail", "TCGTCGTCGTCG");
    assert_string_equal(vg_vm_prop(t->vm, "guest.backdoor.privileged"), "answered");
    assert_string_equal(vg_vm_prop(t->vm, "guest.backdoor.unprivileged"), "fault");
    assert_string_equal(vg_vm_prop(t->vm, "guest.cpuid.vendor"), "TCGTCGTCGTCG");
}

static void qemu_vmport_off_answers_nobody(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_QEMU_OFF;
    run(t);
    expect(t, "guest-backdoor-unprivileged", "pass", NULL);
    expect(t, "guest-backdoor-emulated", "pass", "no backdoor answered");
    assert_string_equal(vg_vm_prop(t->vm, "guest.backdoor.privileged"), "silent");
}

static void vmware_lets_ring3_in_and_guestrpc_answers(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    run(t);
    expect(t, "guest-backdoor-unprivileged", "fail", "answered (version 6, type 2)");
    expect(t, "guest-rpci-unprivileged", "fail", "No value found");
    expect(t, "guest-backdoor-emulated", "not_applicable", "VMwareVMware");
}

static void vmware_with_rpci_auth_denies(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    t->hv.reply = "0 Permission denied";
    run(t);
    expect(t, "guest-rpci-unprivileged", "pass", "Permission denied");
}

static void advertised_vmcall_is_used(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    t->hv.features = 2;   /* VMCALL */
    t->hv.ring3_open = 0; /* would fault if the port were used without permission */
    run(t);
    assert_string_equal(vg_vm_prop(t->vm, "guest.backdoor.interface"), "vmcall");
    expect(t, "guest-backdoor-unprivileged", "fail", NULL);
    t->hv.features = 0;
    run(t);
    assert_string_equal(vg_vm_prop(t->vm, "guest.backdoor.interface"), "in");
    expect(t, "guest-backdoor-unprivileged", "pass", NULL);
}

static void no_backdoor_touches_nothing(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    t->hv.hang = 1; /* any call would hang the test */
    t->opts.no_backdoor = 1;
    run(t);
    expect(t, "guest-backdoor-unprivileged", "not_applicable", "backdoor was left untouched");
    expect(t, "guest-rpci-unprivileged", "not_applicable", NULL);
    expect(t, "guest-backdoor-emulated", "not_applicable", NULL);
}

static void hanging_call_is_killed_after_timeout(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    t->hv.hang = 1;
    t->opts.timeout_ms = 300;
    time_t t0 = time(NULL);
    run(t);
    assert_true(time(NULL) - t0 < 4);
    expect(t, "guest-backdoor-unprivileged", "error", "no answer in 300 ms");
}

static void crashing_child_is_reported(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_VMWARE;
    t->hv.die = 1;
    run(t);
    expect(t, "guest-backdoor-unprivileged", "error", "died with signal 9");
    expect(t, "guest-rpci-unprivileged", "error", "died with signal 9");
}

static void refused_port_permission_is_not_applicable(void **state)
{
    struct tree *t = *state;
    t->hv = FAKE_QEMU;
    t->hv.port_errno = ENOSYS;
    run(t);
    expect(t, "guest-backdoor-emulated", "not_applicable", "port permission unavailable");
}

static void dmi_claiming_vmware_without_cpuid_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-dmi-consistent", "pass", "does not claim VMware");
    put(t, "/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n", 0444);
    put(t, "/sys/class/dmi/id/product_name", "VMware Virtual Platform\n", 0444);
    run(t);
    expect(t, "guest-dmi-consistent", "fail", "TCGTCGTCGTCG");
    assert_string_equal(vg_vm_prop(t->vm, "guest.dmi.sys_vendor"), "VMware, Inc.");
    t->hv = FAKE_VMWARE;
    run(t);
    expect(t, "guest-dmi-consistent", "pass", "both say VMware");
}

/* --- device nodes --------------------------------------------------- */

static void vsock_open_to_all_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-vsock-unprivileged", "not_applicable", "not loaded");
    put(t, "/sys/module/vmw_vsock_vmci_transport/initstate", "live\n", 0444);
    put(t, "/dev/vsock", "", 0666);
    run(t);
    expect(t, "guest-vsock-unprivileged", "fail", "mode 0666");
    put(t, "/dev/vsock", "", 0600);
    run(t);
    expect(t, "guest-vsock-unprivileged", "pass", "mode 0600");
}

static void vmwgfx_render_node_open_to_all_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-vmwgfx-render-node", "not_applicable", NULL);
    put(t, "/sys/module/vmwgfx/initstate", "live\n", 0444);
    put(t, "/sys/bus/pci/drivers/vmwgfx/bind", "", 0200);
    put_link(t, "/sys/class/drm/renderD128/device/driver", "../../../bus/pci/drivers/vmwgfx");
    put_link(t, "/sys/class/drm/renderD129/device/driver", "../../../bus/pci/drivers/i915");
    put(t, "/dev/dri/renderD128", "", 0666);
    put(t, "/dev/dri/renderD129", "", 0666); /* not vmwgfx: ignored */
    run(t);
    expect(t, "guest-vmwgfx-render-node", "fail", "/dev/dri/renderD128 mode 0666");
    assert_null(strstr(finding(t, "guest-vmwgfx-render-node")->message, "renderD129"));
    put(t, "/dev/dri/renderD128", "", 0660);
    run(t);
    expect(t, "guest-vmwgfx-render-node", "pass", "mode 0660 group root");
}

/* --- VMware Tools ----------------------------------------------------- */

static void tools_executable_by_all_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-tools-admin-only", "not_applicable", NULL);
    expect(t, "toolsconf-appinfo-disabled", "not_applicable", "not installed");
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0755);
    put(t, "/usr/bin/vmware-rpctool", "#!/bin/sh\n", 0750);
    run(t);
    expect(t, "guest-tools-admin-only", "fail", "/usr/bin/vmtoolsd executable by every user");
    assert_null(strstr(finding(t, "guest-tools-admin-only")->message, "rpctool"));
}

static void tools_for_admin_group_only_pass(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    put(t, "/usr/sbin/vmware-toolbox-cmd", "#!/bin/sh\n", 0700);
    run(t);
    expect(t, "guest-tools-admin-only", "pass", "/usr/sbin/vmware-toolbox-cmd");
    accounts(t, "root", "users"); /* same files, group is no longer administrative */
    run(t);
    expect(t, "guest-tools-admin-only", "fail", "executable by group");
    accounts(t, "alice", "root"); /* owner is no longer root */
    run(t);
    expect(t, "guest-tools-admin-only", "fail", "not root");
}

static void tools_conf_hardened_passes(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    put_fixture(t, "/etc/vmware-tools/tools.conf", FIX "tools.conf.hardened");
    run(t);
    const vg_profile *p = t->opts.profile;
    size_t n = 0;
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_rule *r = p->rules[i].rule;
        if (r->key && !strncmp(r->key, "tools.conf ", 11)) {
            expect(t, r->id, "pass", NULL);
            n++;
        }
    }
    assert_true(n >= 13);
    const vg_vm_evidence *e = finding(t, "toolsconf-appinfo-disabled");
    assert_int_equal(e->line, 9);
    assert_string_equal(e->file, "/etc/vmware-tools/tools.conf");
}

static void tools_conf_wrong_or_missing_fails(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    run(t); /* no tools.conf: defaults */
    expect(t, "toolsconf-autoupgrade-allow-add-feature", "fail", "no tools.conf");
    expect(t, "toolsconf-autoupgrade-allow-upgrade", "pass", "not set");
    put_fixture(t, "/etc/vmware-tools/tools.conf", FIX "tools.conf.partial");
    run(t);
    expect(t, "toolsconf-appinfo-disabled", "fail", "[appinfo] disabled = false");
    assert_int_equal(finding(t, "toolsconf-appinfo-disabled")->line, 3);
    expect(t, "toolsconf-logging-vmsvc-handler", "fail", "= file");
    expect(t, "toolsconf-containerinfo-poll-interval", "pass", "= 0");
    assert_int_equal(finding(t, "toolsconf-containerinfo-poll-interval")->line, 14);
    expect(t, "toolsconf-globalconf-enabled", "pass", "not set");
}

static void tools_conf_odd_input_is_handled(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    char *big = malloc(20000);
    assert_non_null(big);
    memset(big, 'k', 19999);
    big[19999] = '\0';
    char text[20200];
    /* an unclosed section, a 20000-byte line, CRLF endings, no final newline */
    snprintf(text, sizeof text,
             "[appinfo\r\ndisabled = true\r\n%s\r\n[appinfo]\r\n"
             "disabled = true",
             big);
    free(big);
    put(t, "/etc/vmware-tools/tools.conf", text, 0644);
    run(t);
    expect(t, "toolsconf-appinfo-disabled", "pass", "[appinfo] disabled = true");
    assert_int_equal(finding(t, "toolsconf-appinfo-disabled")->line, 5);
    put(t, "/etc/vmware-tools/tools.conf", "[appinfo]\ndisabled =\n", 0644);
    run(t);
    expect(t, "toolsconf-appinfo-disabled", "fail", "disabled = ");
}

/* --- mandatory access control ------------------------------------------ */

static void selinux_enforcing_passes_permissive_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-mac-enforcing", "fail", "neither SELinux nor AppArmor");
    put(t, "/etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n", 0644);
    put(t, "/sys/fs/selinux/enforce", "0", 0644);
    run(t);
    expect(t, "guest-mac-enforcing", "fail", "permissive (config says enforcing)");
    put(t, "/sys/fs/selinux/enforce", "1", 0644);
    run(t);
    expect(t, "guest-mac-enforcing", "pass", "SELinux enforcing (policy targeted)");
}

static void apparmor_profiles_decide(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    put(t, "/sys/module/apparmor/parameters/enabled", "Y\n", 0444);
    run(t); /* no securityfs */
    expect(t, "guest-mac-enforcing", "fail", "profile list is unreadable");
    put_fixture(t, "/sys/kernel/security/apparmor/profiles", FIX "apparmor-profiles.txt");
    run(t);
    expect(t, "guest-mac-enforcing", "pass", "3 profiles enforcing");
    expect(t, "guest-mac-confines-vmtoolsd", "pass", "/usr/bin/vmtoolsd (enforce)");
    put_fixture(t, "/sys/kernel/security/apparmor/profiles", FIX "apparmor-profiles-complain.txt");
    run(t);
    expect(t, "guest-mac-enforcing", "fail", "no profile enforcing (2 in complain mode)");
    expect(t, "guest-mac-confines-vmtoolsd", "fail", "(complain)");
}

static void running_vmtoolsd_label_decides(void **state)
{
    struct tree *t = *state;
    put(t, "/usr/bin/vmtoolsd", "#!/bin/sh\n", 0750);
    put(t, "/proc/1/comm", "systemd\n", 0444);
    put(t, "/proc/812/comm", "vmtoolsd\n", 0444);
    put(t, "/proc/812/attr/current", "system_u:system_r:unconfined_service_t:s0", 0444);
    run(t);
    expect(t, "guest-mac-confines-vmtoolsd", "fail", "pid 812) runs as system_u:system_r:unconf");
    put(t, "/proc/812/attr/current", "system_u:system_r:vmtools_t:s0", 0444);
    run(t);
    expect(t, "guest-mac-confines-vmtoolsd", "pass", "vmtools_t");
}

/* --- drivers and taint ------------------------------------------------- */

static void unsigned_vmware_driver_fails(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-driver-provenance", "not_applicable", NULL);
    put(t, "/sys/module/vmw_vmci/initstate", "live\n", 0444);
    put(t, "/sys/module/vmw_vmci/taint", "\n", 0444);
    put(t, "/sys/module/vmw_pvscsi/version", "1.0.7.0-k\n", 0444); /* built in */
    run(t);
    expect(t, "guest-driver-provenance", "pass", "vmw_vmci (module, in-tree, signed)");
    expect(t, "guest-driver-provenance", "pass", "vmw_pvscsi (built in");
    put(t, "/sys/module/vmxnet3/initstate", "live\n", 0444);
    put(t, "/sys/module/vmxnet3/taint", "E\n", 0444);
    put(t, "/sys/module/vmhgfs/initstate", "live\n", 0444);
    put(t, "/sys/module/vmhgfs/taint", "OE\n", 0444);
    run(t);
    expect(t, "guest-driver-provenance", "fail", "vmxnet3 (module, E); vmhgfs (module, OE)");
    assert_string_equal(vg_vm_prop(t->vm, "guest.module.vmxnet3"), "live, taint E");
}

static void kernel_taint_is_decoded(void **state)
{
    struct tree *t = *state;
    run(t);
    expect(t, "guest-kernel-taint", "pass", "not tainted");
    put(t, "/proc/sys/kernel/tainted", "8192\n", 0644);
    run(t);
    expect(t, "guest-kernel-taint", "fail", "E (unsigned module)");
    put(t, "/proc/sys/kernel/tainted", "512\n", 0644);
    run(t);
    expect(t, "guest-kernel-taint", "pass", "W (kernel warning)");
    put(t, "/proc/sys/kernel/tainted", "lots\n", 0644);
    run(t);
    expect(t, "guest-kernel-taint", "error", "not a number");
}

static void identity_comes_from_the_tree(void **state)
{
    struct tree *t = *state;
    put(t, "/proc/sys/kernel/hostname", "web01\n", 0644);
    put(t, "/etc/os-release", "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12\"\n", 0644);
    run(t);
    assert_string_equal(t->vm->name, "web01");
    assert_string_equal(t->vm->guest_os, "Debian GNU/Linux 12");
    assert_string_equal(t->vm->path, t->root);
}

static void missing_root_is_an_error_naming_it(void **state)
{
    (void)state;
    vg_guest_opts o = {0};
    o.root = "/nonexistent/vmxguard-root";
    o.no_backdoor = 1;
    vg_vm *vm = (vg_vm *)1;
    vg_error err;
    assert_int_equal(vg_guest_probe(&o, &vm, &err), VG_EIO);
    assert_null(vm);
    assert_string_equal(err.file, "/nonexistent/vmxguard-root");
}

static int group_setup(void **state)
{
    (void)state;
    vg_error err;
    return vg_catalog_load_embedded(&catalog, &err);
}

static int group_teardown(void **state)
{
    (void)state;
    vg_catalog_free(catalog);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(qemu_vmport_on_answers_root_only),
        T(qemu_vmport_off_answers_nobody),
        T(vmware_lets_ring3_in_and_guestrpc_answers),
        T(vmware_with_rpci_auth_denies),
        T(advertised_vmcall_is_used),
        T(no_backdoor_touches_nothing),
        T(hanging_call_is_killed_after_timeout),
        T(crashing_child_is_reported),
        T(refused_port_permission_is_not_applicable),
        T(dmi_claiming_vmware_without_cpuid_fails),
        T(vsock_open_to_all_fails),
        T(vmwgfx_render_node_open_to_all_fails),
        T(tools_executable_by_all_fails),
        T(tools_for_admin_group_only_pass),
        T(tools_conf_hardened_passes),
        T(tools_conf_wrong_or_missing_fails),
        T(tools_conf_odd_input_is_handled),
        T(selinux_enforcing_passes_permissive_fails),
        T(apparmor_profiles_decide),
        T(running_vmtoolsd_label_decides),
        T(unsigned_vmware_driver_fails),
        T(kernel_taint_is_decoded),
        T(identity_comes_from_the_tree),
        cmocka_unit_test(missing_root_is_an_error_naming_it),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
