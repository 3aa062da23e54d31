/*
 * A fixed, hand-built audit run for the report tests: two VMs, seven rules
 * of one STIG-like profile, every status, a waiver (active and expired),
 * lint, problems, and names full of characters formats get wrong (quotes,
 * ampersand, angle brackets, a literal |22, newline, control bytes, invalid
 * UTF-8, non-ASCII).  Fixed time and hostname so output is reproducible.
 */
#ifndef VG_TEST_REPORT_FIXTURE_H
#define VG_TEST_REPORT_FIXTURE_H

#include <string.h>

#include "vmxguard.h"

#define FIX_STARTED ((time_t)1767323045) /* 2026-01-02T03:04:05Z */

static const char *const fix_aliases_none[] = {NULL};
static const vg_rule fix_rules[] = {
    {.id = "isolation-tools-copy-disable",
     .title = "Copy operations must be disabled",
     .description = "Stops copying from the VM console to the client's clipboard.",
     .kind = VG_RULE_VMX_KEY,
     .type = VG_TYPE_BOOL,
     .key = "isolation.tools.copy.disable",
     .aliases = (const char **)fix_aliases_none,
     .fix = "Set isolation.tools.copy.disable = \"TRUE\"."},
    {.id = "serial-port-absent",
     .title = "Serial ports must be removed",
     .description = "A serial port gives the guest a channel to the host & its files.",
     .kind = VG_RULE_DEVICE,
     .type = VG_TYPE_BOOL,
     .key = "serial*.present",
     .fix = "Remove the serial port.",
     .needs_human = 1},
    {.id = "logging-enable",
     .title = "VM logging must be enabled",
     .description = "Keeps vmware.log for troubleshooting <and> forensics.",
     .kind = VG_RULE_VMX_KEY,
     .type = VG_TYPE_BOOL,
     .key = "logging",
     .fix = "Set logging = \"TRUE\"."},
    {.id = "guest-os-patched",
     .title = "Guest OS must be patched",
     .description = "Procedural check.",
     .kind = VG_RULE_MANUAL,
     .type = VG_TYPE_STRING},
    {.id = "floppy-absent",
     .title = "Floppy drives must be removed",
     .description = "Unused devices widen the attack surface.",
     .kind = VG_RULE_DEVICE,
     .type = VG_TYPE_BOOL,
     .key = "floppy*.present",
     .fix = "Remove the floppy drive."},
    {.id = "migrate-encryption",
     .title = "Encrypted vMotion must be required",
     .description = "vMotion traffic carries guest memory.",
     .kind = VG_RULE_API_PROPERTY,
     .type = VG_TYPE_STRING,
     .key = "migrate.encryptionMode",
     .api_property = "config.migrateEncryption",
     .fix = "Set migrate encryption to required."},
    {.id = "tools-setinfo-sizelimit",
     .title = "Informational messages must be limited",
     .description = "Limits what the guest can write into the .vmx (\"setinfo\").",
     .kind = VG_RULE_VMX_KEY,
     .type = VG_TYPE_INT,
     .key = "tools.setInfo.sizeLimit",
     .fix = "Set tools.setInfo.sizeLimit = \"1048576\"."},
};

static const char *const fix_refs0[] = {"V-258703", "SV-258703r933245_rule", NULL};
static const char *const fix_refs1[] = {"V-258704", "SV-258704r933248_rule", NULL};
static const char *const fix_refs2[] = {"V-258705", "SV-258705r933251_rule", NULL};
static const char *const fix_refs3[] = {"V-258706", "SV-258706r933254_rule", NULL};
static const char *const fix_refs4[] = {"V-258707", "SV-258707r933257_rule", NULL};
static const char *const fix_refs5[] = {"V-258708", "SV-258708r933260_rule", NULL};
static const char *const fix_refs6[] = {"V-258709", "SV-258709r933263_rule", NULL};
static const char *const fix_in_values[] = {"required", NULL};

static const vg_profile_rule fix_prules[] = {
    {&fix_rules[0], "VMCH-80-000189", (const char **)fix_refs0, VG_CMP_EQ, "TRUE", NULL,
     VG_ABSENT_PASS, VG_SEV_MEDIUM, "CAT II", NULL, NULL, NULL, NULL, VG_DISCONNECTED_FAIL},
    {&fix_rules[1], "VMCH-80-000190", (const char **)fix_refs1, VG_CMP_ABSENT, NULL, NULL,
     VG_ABSENT_PASS, VG_SEV_HIGH, "CAT I", NULL, NULL, NULL, NULL, VG_DISCONNECTED_FAIL},
    {&fix_rules[2], "VMCH-80-000191", (const char **)fix_refs2, VG_CMP_EQ, "TRUE", NULL,
     VG_ABSENT_PASS, VG_SEV_LOW, "CAT III", NULL, NULL, NULL, NULL, VG_DISCONNECTED_FAIL},
    {&fix_rules[3], "VMCH-80-000192", (const char **)fix_refs3, VG_CMP_MANUAL, NULL, NULL,
     VG_ABSENT_FAIL, VG_SEV_MEDIUM, "CAT II", NULL, "Verify patches are current.", NULL, NULL,
     VG_DISCONNECTED_FAIL},
    {&fix_rules[4], "VMCH-80-000193", (const char **)fix_refs4, VG_CMP_ABSENT, NULL, NULL,
     VG_ABSENT_NA, VG_SEV_LOW, "CAT III", NULL, NULL, NULL, NULL, VG_DISCONNECTED_FAIL},
    {&fix_rules[5], "VMCH-80-000194", (const char **)fix_refs5, VG_CMP_IN, NULL,
     (const char **)fix_in_values, VG_ABSENT_FAIL, VG_SEV_MEDIUM, "CAT II", NULL, NULL, NULL, NULL,
     VG_DISCONNECTED_FAIL},
    {&fix_rules[6], "VMCH-80-000195", (const char **)fix_refs6, VG_CMP_LE, "1048576", NULL,
     VG_ABSENT_FAIL, VG_SEV_MEDIUM, "CAT II", NULL, NULL, NULL, NULL, VG_DISCONNECTED_FAIL},
};

static const vg_profile fix_profile = {
    .id = "disa-vsphere8-vm",
    .title = "VMware vSphere 8.0 Virtual Machine Security Technical Implementation Guide",
    .source = "DISA VMware vSphere 8.0 Virtual Machine STIG",
    .benchmark_id = "VMW_vSphere_8-0_Virtual_Machine_STIG",
    .version = "V2R1",
    .release = "Release: 1 Benchmark Date: 30 Jan 2025",
    .date = "2025-01-30",
    .product = "vSphere 8",
    .description = "Hardening of vSphere 8 virtual machines.",
    .rules = fix_prules,
    .n_rules = 7,
    .file = "profiles/disa-vsphere8-vm.yaml",
};
static const vg_profile *const fix_profiles[] = {&fix_profile};
static const char *const fix_targets[] = {"examples/datastore1", NULL};

static const vg_report_run fix_run = {
    .tool_version = "0.1.0",
    .started = FIX_STARTED,
    .catalog = NULL,
    .profiles = fix_profiles,
    .n_profiles = 1,
    .targets = fix_targets,
    .n_targets = 1,
    .hostname = "audit-host",
};

#define FIX_VMX_A "examples/datastore1/web \"01\" & <prod>/web01.vmx"

static vg_vm fix_vm_a = {
    .origin = VG_ORIGIN_FILE,
    .name = "web \"01\" & <prod> |22 Müller ☃",
    .path = FIX_VMX_A,
    .uuid = "56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc",
    .hw_version = "19",
    .guest_os = "rhel9-64",
    .power = VG_POWER_OFF,
    .locked = 1,
};

static vg_vm fix_vm_b = {
    .origin = VG_ORIGIN_VSPHERE,
    .name = "db02",
    .path = "[datastore1] db02/db02.vmx",
    .moref = "vm-42",
    .uuid = "4210a1b2-c3d4-e5f6-0718-293a4b5c6d7e",
    .instance_uuid = "5010a1b2-c3d4-e5f6-0718-293a4b5c6d7e",
    .server = "vcenter.example.org",
    .host = "esx01.example.org",
    .hw_version = "vmx-20",
    .power = VG_POWER_ON,
};

#define R(pr, st, raw, k, act, ln, exp, ev, fx)                                                    \
    {                                                                                              \
        .profile = &fix_profile, .prule = &fix_prules[pr], .status = st, .raw_status = raw,        \
        .key = k, .actual = act, .file = (char *)(ln ? FIX_VMX_A : NULL), .line = ln,              \
        .expected = exp, .evidence = ev, .fix = fx                                                 \
    }

static vg_result fix_results_a[] = {
    R(0, VG_FAIL, VG_FAIL, "isolation.tools.copy.disable", "FALSE", 14, "TRUE",
      "isolation.tools.copy.disable = FALSE (web01.vmx:14)",
      "set isolation.tools.copy.disable = \"TRUE\""),
    R(1, VG_FAIL, VG_FAIL, "serial0.present", "TRUE", 31, "absent",
      "serial0.present = TRUE (web01.vmx:31); fileName = \"/tmp/a\x01\x1b[31m|22b\"",
      "remove serial0 (needs the VM powered off)"),
    R(2, VG_PASS, VG_PASS, "logging", "TRUE", 9, "TRUE", "logging = TRUE (web01.vmx:9)", NULL),
    R(3, VG_MANUAL, VG_MANUAL, NULL, NULL, 0, NULL, "procedural: verify patches are current", NULL),
    R(4, VG_NOT_APPLICABLE, VG_NOT_APPLICABLE, NULL, NULL, 0, "absent", "no floppy device present",
      NULL),
    R(5, VG_ERROR, VG_ERROR, "migrate.encryptionMode", "bogus\xff", 40, "one of required",
      "migrate.encryptionMode = \"bogus\xff\" is not a known mode\nline two",
      "set migrate.encryptionMode = \"required\""),
    R(6, VG_WAIVED, VG_FAIL, "tools.setInfo.sizeLimit", "2097152", 12, "<= 1048576",
      "tools.setInfo.sizeLimit = 2097152 (web01.vmx:12)",
      "set tools.setInfo.sizeLimit = \"1048576\""),
};

static vg_result fix_results_b[] = {
    R(0, VG_PASS, VG_PASS, "isolation.tools.copy.disable", NULL, 0, "TRUE",
      "absent -> VMware default TRUE (vSphere 7+)", NULL),
    R(1, VG_PASS, VG_PASS, NULL, NULL, 0, "absent", "no serial port", NULL),
    R(2, VG_FAIL, VG_FAIL, "logging", "FALSE", 0, "TRUE", "config.flags.enableLogging = false",
      "set logging = \"TRUE\""),
    R(3, VG_MANUAL, VG_MANUAL, NULL, NULL, 0, NULL, "procedural: verify patches are current", NULL),
    R(4, VG_PASS, VG_PASS, NULL, NULL, 0, "absent", "no floppy device", NULL),
    R(5, VG_PASS, VG_PASS, "migrate.encryptionMode", "required", 0, "one of required",
      "config.migrateEncryption = required", NULL),
    /* set by fix --force on the running VM: configured, not in effect yet */
    R(6, VG_PENDING, VG_PENDING, "tools.setInfo.sizeLimit", "1048576", 0, "<= 1048576",
      "tools.setInfo.sizeLimit = 1048576; set at 2026-12-07T16:20:01Z by VSPHERE.LOCAL\\admin "
      "while the VM was running: not in effect until it is power-cycled",
      "power the VM off and on (a restart of the guest is not enough); the setting is "
      "already configured"),
};
#undef R

static vg_lint fix_lints_a[] = {
    {"isolation.tools.copy.enable", 22, "wrong polarity: VMware reads isolation.tools.copy.disable",
     "isolation.tools.copy.disable"},
};

static vg_vm_report fix_reports[2];

/* Waiver fields and counts, filled at run time (designated initialisers
 * above cannot reach into the macro-built rows). */
static void fixture_init(void)
{
    fix_results_a[6].waiver_reason = "Vendor appliance needs 2 MiB \"setinfo\" & more";
    fix_results_a[6].waiver_approver = "J. Müller <ciso@example.org>";
    fix_results_a[6].waiver_expires = "2027-06-30";
    fix_results_b[2].waiver_reason = "Logging off during migration";
    fix_results_b[2].waiver_approver = "ops";
    fix_results_b[2].waiver_expires = "2025-12-31";
    fix_results_b[2].waiver_expired = 1;
    memset(fix_reports, 0, sizeof fix_reports);
    fix_reports[0].vm = &fix_vm_a;
    fix_reports[0].results = fix_results_a;
    fix_reports[0].n_results = 7;
    fix_reports[0].lints = fix_lints_a;
    fix_reports[0].n_lints = 1;
    fix_reports[1].vm = &fix_vm_b;
    fix_reports[1].results = fix_results_b;
    fix_reports[1].n_results = 7;
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < fix_reports[v].n_results; i++)
            fix_reports[v].counts[fix_reports[v].results[i].status]++;
    }
}

/* The two problems every fixture run reports after its first VM (a warning
 * and an error), counted in sum. */
static int fix_report_problems(vg_report *r, vg_audit_summary *sum, vg_error *err)
{
    vg_error p;
    vg_error_set(&p, VG_OK, "waivers.yaml", 7, "waiver for 'ghost*' matches no VM");
    int rc = vg_report_problem(r, &p, err);
    vg_error_set(&p, VG_EINPUT, "examples/bad/bad.vmx", 3, "unterminated quote");
    if (rc == 0)
        rc = vg_report_problem(r, &p, err);
    sum->errors++;
    sum->warnings++;
    return rc;
}

/* How a fixture run hands one VM to the writer. */
typedef int (*fixture_vm_fn)(vg_report *r, const vg_vm_report *vr, vg_error *err);

/* The whole run through one writer, each VM handed over by write_vm;
 * problems after the first VM. */
static int fixture_write_with(const char *format, const vg_report_opts *opts,
                              fixture_vm_fn write_vm, vg_error *err)
{
    vg_report *r = NULL;
    vg_audit_summary sum;
    memset(&sum, 0, sizeof sum);
    int rc = vg_report_new(format, opts, &r, err);
    if (rc == 0)
        rc = vg_report_begin(r, &fix_run, err);
    for (int v = 0; rc == 0 && v < 2; v++) {
        vg_audit_summary_add(&sum, &fix_reports[v]);
        rc = write_vm(r, &fix_reports[v], err);
        if (rc == 0 && v == 0)
            rc = fix_report_problems(r, &sum, err);
    }
    if (rc == 0)
        rc = vg_report_end(r, &sum, err);
    vg_report_free(r);
    return rc;
}

/* The whole run through the streaming interface (vg_report_vm). */
static int fixture_write(const char *format, const vg_report_opts *opts, vg_error *err)
{
    return fixture_write_with(format, opts, vg_report_vm, err);
}

#endif
