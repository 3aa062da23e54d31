/*
 * Findings from signatures: grouping by device and opcode, first/last
 * occurrence, per-minute rates and floods, the except filter, facts from
 * the header and the logged configuration, errors in signature files, and
 * the folder evidence handed to the audit.
 */
#include <sys/stat.h>

#include "logs_test.h"
#include "vmxguard/vm.h"

static void device_commands_group_by_device_and_opcode(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_text(s,
                                      "2025-04-02T21:29:17.880Z In(05) vcpu-0 SCSI scsi0:0: "
                                      "Unsupported command *UNKNOWN (0x85)* issued. --ok\n"
                                      "2025-04-02T21:29:17.881Z In(05) vcpu-0 SCSI scsi0:1: "
                                      "Unsupported command REPORT LUNS issued. --ok\n"
                                      "2025-04-02T21:31:18.000Z In(05) vcpu-1 SCSI scsi0:0: "
                                      "Unsupported command *UNKNOWN (0x85)* issued. --ok\n"
                                      "2022-11-24T14:04:28.931Z In(05) vcpu-1 SCSI DEVICE "
                                      "(scsi0:0): MODE SENSE(6) for unsupported page 0x8\n",
                                      0);
    size_t n = 0;
    for (size_t i = 0; i < a->n_findings; i++) {
        const vg_log_finding *f = &a->findings[i];
        if (strcmp(f->id, "scsi-boot-probe") != 0)
            continue;
        n++;
        assert_int_equal(f->severity, VG_SEV_INFO); /* a boot-time probe, seen twice */
        if (!strcmp(f->device, "scsi0:0")) {
            assert_string_equal(f->opcode, "*UNKNOWN (0x85)*");
            assert_int_equal(f->count, 2);
            assert_int_equal(f->first.line, 1);
            assert_int_equal(f->last.line, 3);
            assert_string_equal(f->first.ts, "2025-04-02T21:29:17.880Z");
            assert_string_equal(f->last.ts, "2025-04-02T21:31:18.000Z");
            assert_int_equal(f->peak_per_min, 1);
            /* 2 over 2.0 minutes */
            assert_true(f->rate_per_min > 0.99 && f->rate_per_min < 1.01);
        } else {
            assert_string_equal(f->device, "scsi0:1");
            assert_string_equal(f->opcode, "REPORT LUNS");
        }
    }
    assert_int_equal(n, 2);
    const vg_log_finding *m = must_find(a, "scsi-mode-sense-unsupported-page");
    assert_string_equal(m->opcode, "MODE SENSE(6) page 0x8");
    assert_int_equal(m->severity, VG_SEV_INFO);
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
}

/* n lines of one unsupported command, one every `step` ms from 10:00:00. */
static char *probe_lines(const char *opcode, size_t n, long step)
{
    size_t cap = n * 128 + 1, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    text[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        long ms = (long)i * step;
        len +=
            (size_t)snprintf(text + len, cap - len,
                             "2025-04-02T%02ld:%02ld:%02ld.%03ldZ In(05) vcpu-0 SCSI scsi0:0: "
                             "Unsupported command %s issued. --ok\n",
                             10 + ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000, opcode);
    }
    return text;
}

static vg_severity probe_severity(const vg_log_sigs *s, const char *opcode, size_t n, long step,
                                  const char *id)
{
    char *text = probe_lines(opcode, n, step);
    vg_log_analysis *a = analyse_text(s, text, 0);
    vg_severity sev = must_find(a, id)->severity;
    vg_log_analysis_free(a);
    free(text);
    return sev;
}

static void boot_probes_are_info_until_counted_or_polled(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    /* a boot: a few probes in one minute */
    assert_int_equal(probe_severity(s, "REPORT LUNS", 4, 10, "scsi-boot-probe"), VG_SEV_INFO);
    assert_int_equal(probe_severity(s, "*UNKNOWN (0x85)*", 4, 10, "scsi-boot-probe"), VG_SEV_INFO);
    assert_int_equal(probe_severity(s, "READ BUFFER", 3, 10, "scsi-boot-probe"), VG_SEV_INFO);
    /* 32 over a day (one every 45 minutes): still what reboots do */
    assert_int_equal(probe_severity(s, "*UNKNOWN (0x85)*", 32, 45L * 60000, "scsi-boot-probe"),
                     VG_SEV_INFO);
    /* 33 in a run, spread out: a polling tool */
    assert_int_equal(probe_severity(s, "*UNKNOWN (0x85)*", 33, 45L * 60000, "scsi-boot-probe"),
                     VG_SEV_LOW);
    /* 33 in one minute: a burst no boot sends (32 still passes as one) */
    assert_int_equal(probe_severity(s, "REPORT LUNS", 33, 1000, "scsi-boot-probe"), VG_SEV_LOW);
    assert_int_equal(probe_severity(s, "REPORT LUNS", 32, 1000, "scsi-boot-probe"), VG_SEV_INFO);
    /* a command that is no boot probe stays low from the first one */
    assert_int_equal(probe_severity(s, "*UNKNOWN (0xea)*", 1, 10, "scsi-unsupported-command"),
                     VG_SEV_LOW);
    /* 16-byte CDBs at boot: info */
    vg_log_analysis *a = analyse_text(s,
                                      "Apr 18 00:25:58.131: vcpu-0| SCSI (scsi0:0): SCSI-3 "
                                      "16-byte CDB format not supported (LUN 0).\n",
                                      0);
    assert_int_equal(must_find(a, "scsi-cdb-boot-probe")->severity, VG_SEV_INFO);
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
}

static void vmx_exit_zero_is_not_a_failure(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_text(s,
                                      "Apr 18 02:03:30.967: vmx| VMX exit (0).\n"
                                      "Apr 18 02:03:31.000: vmx| VMX exit (139).\n"
                                      "2026-01-09T08:08:29.880Z -INFO vmware-vmx 1 - VMX has left "
                                      "the building: 0.\n",
                                      0);
    const vg_log_finding *f = must_find(a, "vmx-exit-nonzero");
    assert_int_equal(f->count, 1);
    assert_string_equal(f->opcode, "status 139");
    assert_int_equal(f->first.line, 2);
    assert_null(finding(a, "vmx-left-building-nonzero"));
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
}

/* 700 guest log lines within one minute, 10 in the next. */
static char *guest_burst(void)
{
    size_t cap = 800 * 100, len = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    for (int i = 0; i < 710; i++) {
        int min = i < 700 ? 0 : 1;
        len += (size_t)snprintf(t + len, cap - len,
                                "2024-01-29T15:5%d:%02d.%03dZ In(05) vmx Guest: spam %d\n", min,
                                (i / 20) % 60, i % 1000, i);
    }
    return t;
}

static void guest_flood_above_the_rate_is_a_finding(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    char *text = guest_burst();
    vg_log_analysis *a = analyse_text(s, text, 0); /* default 600/min */
    const vg_log_finding *f = must_find(a, "backdoor-flood");
    assert_int_equal(f->category, VG_LOG_CAT_FLOOD);
    assert_int_equal(f->count, 700);
    assert_int_equal(f->peak_per_min, 700);
    assert_int_equal(f->first.line, 1);
    assert_int_equal(f->last.line, 700);
    assert_string_equal(f->rule_id, "log-no-backdoor-flood");
    const vg_log_finding *g = must_find(a, "guest-log-line");
    assert_int_equal(g->count, 710);
    assert_int_equal(g->peak_per_min, 700);
    vg_log_analysis_free(a);
    a = analyse_text(s, text, 1000); /* --flood-rate 1000: no flood */
    assert_null(finding(a, "backdoor-flood"));
    vg_log_analysis_free(a);
    a = analyse_text(s, text, 5); /* both minutes above 5 */
    assert_int_equal(must_find(a, "backdoor-flood")->count, 710);
    vg_log_analysis_free(a);
    free(text);
    vg_log_sigs_free(s);
}

static void facts_come_from_header_and_configuration_only(void **state)
{
    (void)state;
    vg_log_sigs *s = sigs_ok();
    vg_log_analysis *a = analyse_text(
        s,
        "2015-01-13T11:10:25.641+01:00| vmx| I120: Log for VMware Player pid=4280 version=7.0.0 "
        "build=build-2305329 option=Release\n"
        "2015-01-13T11:10:25.641+01:00| vmx| I120: Host codepage=windows-1252 "
        "encoding=windows-1252\n"
        "2015-01-13T11:10:25.641+01:00| vmx| I120: Host is Windows 7 Professional, 64-bit Service "
        "Pack 1 (Build 7601)\n"
        "2015-01-13T11:10:25.700+01:00| vmx| I120: DICT --- USER DEFAULTS C:\\x\\config.ini\n"
        "2015-01-13T11:10:25.700+01:00| vmx| I120: DICT         virtualHW.version = \"99\"\n"
        "2015-01-13T11:10:25.938+01:00| vmx| I120: DICT --- CONFIGURATION C:\\VMs\\other.vmx \n"
        "2015-01-13T11:10:25.938+01:00| vmx| I120: DICT         virtualHW.version = \"4\"\n"
        "2015-01-13T11:10:25.938+01:00| vmx| I120: DICT                   guestOS = \"other\"\n"
        "2015-01-13T11:10:25.938+01:00| vmx| I120: DICT --- GLOBAL SETTINGS C:\\y\\settings.ini\n"
        "2015-01-13T11:10:25.938+01:00| vmx| I120: DICT                   guestOS = \"nope\"\n",
        0);
    const vg_log_facts *f = &a->facts;
    assert_string_equal(f->product, "Player");
    assert_string_equal(f->version, "7.0.0");
    assert_string_equal(f->build, "build-2305329");
    assert_string_equal(f->encoding, "windows-1252");
    assert_string_equal(f->host_os, "Windows 7 Professional, 64-bit Service Pack 1 (Build 7601)");
    assert_string_equal(f->hw_version, "4");
    assert_string_equal(f->guest_os, "other");
    assert_string_equal(f->config, "C:\\VMs\\other.vmx");
    vg_log_analysis_free(a);
    vg_log_sigs_free(s);
}

static void bad_signature_files_name_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *msg;
        unsigned line;
    } cases[] = {
        {"signatures:\n  - id: x\n    category: guest\n    match: \"a {b}\"\n    title: t\n"
         "    fix: f\n    colour: red\n",
         "unknown field 'colour'", 7},
        {"signatures:\n  - id: x\n    category: guest\n    match: \"a {b}{c}\"\n    title: t\n"
         "    fix: f\n",
         "two captures in a row", 2},
        {"signatures:\n  - id: x\n    category: nope\n    match: \"a\"\n    title: t\n    fix: f\n",
         "category must be", 3},
        {"signatures:\n  - id: x\n    category: device\n    match: \"a {b}\"\n    title: t\n"
         "    fix: f\n    device: \"{c}\"\n",
         "names no capture", 2},
        {"signatures: []\nfacts:\n  - match: \"Host {colour}\"\n", "not a fact field", 3},
        {"signatures: []\nfacts: []\nchecks: []\n", "checks lacks 'backdoor-flood'", 1},
        {"signatures: [\n", "invalid YAML:", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_log_sigs *s = NULL;
        vg_error err;
        vg_error_clear(&err);
        int rc = vg_log_sigs_parse(cases[i].yaml, strlen(cases[i].yaml), "my.yaml", &s, &err);
        if (rc == 0 || !strstr(err.msg, cases[i].msg) || err.line != cases[i].line)
            fail_msg("case %zu: rc %d, %s:%u: %s (expected line %u: %s)", i, rc, err.file, err.line,
                     err.msg, cases[i].line, cases[i].msg);
        assert_string_equal(err.file, "my.yaml");
        assert_null(s);
    }
}

static const vg_vm_evidence *evidence(const vg_vm *vm, const char *rule)
{
    for (size_t i = 0; i < vm->n_evidence; i++) {
        if (vm->evidence[i].rule_id && strcmp(vm->evidence[i].rule_id, rule) == 0)
            return &vm->evidence[i];
    }
    fail_msg("no evidence for %s", rule);
    return NULL;
}

static void folder_evidence_reports_lock_and_log_rules(void **state)
{
    (void)state;
    char dir[64];
    vg_test_tmpdir(dir, sizeof dir, "logs-ev");
    const char *vmx = ".encoding = \"UTF-8\"\nconfig.version = \"8\"\ndisplayName = \"web01\"\n"
                      "log.rotateSize = \"1000\"\nlog.keepOld = \"10\"\n";
    write_file(dir, "web01.vmx", vmx, strlen(vmx));
    const char *log = "2024-08-09T22:36:03.981Z In(05) vmx Log for VMware Workstation pid=1 "
                      "version=17.0.0 build=build-20800274 option=Release\n"
                      "2024-08-09T22:36:04.000Z In(05) vcpu-0 SCSI scsi0:0: Unsupported command "
                      "*UNKNOWN (0xea)* issued. --ok\n"
                      "2024-08-09T22:38:40.992Z In(05) vmx VMX exit (1).\n";
    write_file(dir, "vmware.log", log, strlen(log));
    char lck[256], path[256];
    snprintf(lck, sizeof lck, "%s/web01.vmx.lck", dir);
    assert_int_equal(mkdir(lck, 0700), 0);
    write_file(lck, "M09261.lck", "uuid=a8 113984-1(vmware.exe) 1 X 1 lc=3\0\0", 41);
    snprintf(path, sizeof path, "%s/web01.vmx", dir);
    vg_vm *vm = NULL;
    vg_error err;
    assert_int_equal(vg_vm_from_vmx_file(path, &vm, &err), 0);
    assert_int_equal(vg_logs_collect_evidence(vm, &err), 0);
    const vg_vm_evidence *e = evidence(vm, "vm-not-running-lock");
    assert_string_equal(e->status, "fail");
    assert_non_null(strstr(e->message, "M09261.lck"));
    assert_non_null(strstr(e->message, "(vmware.exe)"));
    e = evidence(vm, "log-no-vmx-failures");
    assert_string_equal(e->status, "fail");
    assert_int_equal(e->line, 3);
    assert_non_null(strstr(e->message, "vmx-exit-nonzero"));
    e = evidence(vm, "log-no-unsupported-device-commands");
    assert_string_equal(e->status, "fail");
    assert_int_equal(e->line, 2);
    assert_string_equal(evidence(vm, "log-no-backdoor-flood")->status, "pass");
    /* 350 bytes < 1000 x 11: within rotation */
    assert_string_equal(evidence(vm, "log-size-within-rotation")->status, "pass");
    vg_vm_free(vm);
    assert_int_equal(vg_test_rmtree(dir), 0);
}

static void vsphere_vm_gets_no_folder_evidence(void **state)
{
    (void)state;
    vg_vm *vm = vg_vm_new(VG_ORIGIN_VSPHERE);
    assert_int_equal(vg_vm_set_str(&vm->path, "[ds1] web01/web01.vmx"), 0);
    vg_error err;
    assert_int_equal(vg_logs_collect_evidence(vm, &err), 0);
    assert_int_equal(vm->n_evidence, 0);
    vg_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_commands_group_by_device_and_opcode),
        cmocka_unit_test(boot_probes_are_info_until_counted_or_polled),
        cmocka_unit_test(vmx_exit_zero_is_not_a_failure),
        cmocka_unit_test(guest_flood_above_the_rate_is_a_finding),
        cmocka_unit_test(facts_come_from_header_and_configuration_only),
        cmocka_unit_test(bad_signature_files_name_file_and_line),
        cmocka_unit_test(folder_evidence_reports_lock_and_log_rules),
        cmocka_unit_test(vsphere_vm_gets_no_folder_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
