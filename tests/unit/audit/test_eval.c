/*
 * The audit engine on small profiles built in C: value semantics (bools,
 * strict integers), absent semantics per profile, device instances, API
 * properties, duplicates, secrets, manual/guest rules and the summary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit_internal.h"
#include "vmxguard/audit.h"

static const vg_rule_default def_true[] = {{"7.0", NULL, "TRUE", NULL}};
static const char *aliases_setinfo[] = {"tools.setinfo.sizeLimit", NULL};
static const char *cdrom_types[] = {"cdrom-image", "cdrom-raw", "atapi-cdrom", NULL};
static const char *mig_values[] = {"opportunistic", "required", NULL};

enum {
    R_COPY,
    R_MAXCONN,
    R_SETINFO,
    R_SERIAL,
    R_SALT,
    R_FILTER,
    R_LOGGING,
    R_MIGRATE,
    R_FT,
    R_MANUAL,
    R_GUEST,
    R_CDROM,
    R_KEEPOLD,
    R_COUNT
};

static const vg_rule rules[R_COUNT] = {
    [R_COPY] = {.id = "isolation-tools-copy-disable",
                .title = "copy",
                .kind = VG_RULE_VMX_KEY,
                .type = VG_TYPE_BOOL,
                .key = "isolation.tools.copy.disable",
                .defaults = def_true,
                .n_defaults = 1},
    [R_MAXCONN] = {.id = "remotedisplay-maxconnections",
                   .title = "max",
                   .kind = VG_RULE_VMX_KEY,
                   .type = VG_TYPE_INT,
                   .key = "RemoteDisplay.maxConnections"},
    [R_SETINFO] = {.id = "tools-setinfo-sizelimit",
                   .title = "setinfo",
                   .kind = VG_RULE_VMX_KEY,
                   .type = VG_TYPE_INT,
                   .key = "tools.setInfo.sizeLimit",
                   .aliases = aliases_setinfo},
    [R_SERIAL] = {.id = "serial-port",
                  .title = "serial",
                  .kind = VG_RULE_DEVICE,
                  .type = VG_TYPE_BOOL,
                  .key = "serial*.present"},
    [R_SALT] = {.id = "pshare-salt",
                .title = "salt",
                .kind = VG_RULE_VMX_KEY,
                .type = VG_TYPE_STRING,
                .key = "sched.mem.pshare.salt"},
    [R_FILTER] = {.id = "dvfilter",
                  .title = "filter",
                  .kind = VG_RULE_VMX_KEY,
                  .type = VG_TYPE_STRING,
                  .key = "ethernet*.filter*.name"},
    [R_LOGGING] = {.id = "logging",
                   .title = "logging",
                   .kind = VG_RULE_API_PROPERTY,
                   .type = VG_TYPE_BOOL,
                   .key = "logging",
                   .api_property = "config.flags.enableLogging"},
    [R_MIGRATE] = {.id = "migrate-encryption",
                   .title = "vmotion",
                   .kind = VG_RULE_API_PROPERTY,
                   .type = VG_TYPE_STRING,
                   .key = "migrate.encryptionMode",
                   .api_property = "config.migrateEncryption"},
    [R_FT] = {.id = "ft-encryption",
              .title = "ft",
              .kind = VG_RULE_API_PROPERTY,
              .type = VG_TYPE_STRING,
              .api_property = "config.ftEncryptionMode"},
    [R_MANUAL] = {.id = "templates", .title = "templates", .kind = VG_RULE_MANUAL},
    [R_GUEST] = {.id = "tools-conf", .title = "tools.conf", .kind = VG_RULE_GUEST},
    [R_CDROM] = {.id = "cdrom",
                 .title = "cd",
                 .kind = VG_RULE_DEVICE,
                 .type = VG_TYPE_BOOL,
                 .key = "ide*:*.startConnected",
                 .device_types = cdrom_types,
                 .instance_default = "TRUE"},
    [R_KEEPOLD] = {.id = "log-keepold",
                   .title = "keepold",
                   .kind = VG_RULE_VMX_KEY,
                   .type = VG_TYPE_INT,
                   .key = "log.keepOld"},
};

/* One profile: copy absent passes (like DISA 8) or fails (like DISA 7). */
static vg_profile_rule prules[R_COUNT];
static vg_profile profile = {.id = "test", .title = "test", .rules = prules, .n_rules = R_COUNT};

static void build_profile(vg_absent copy_absent)
{
    static const vg_profile_rule base[R_COUNT] = {
        [R_COPY] = {.source_id = "T-1", .cmp = VG_CMP_EQ, .value = "true"},
        [R_MAXCONN] = {.source_id = "T-2",
                       .cmp = VG_CMP_EQ,
                       .value = "1",
                       .absent = VG_ABSENT_FAIL,
                       .severity = VG_SEV_MEDIUM},
        [R_SETINFO] = {.source_id = "T-3",
                       .cmp = VG_CMP_LE,
                       .value = "1048576",
                       .absent = VG_ABSENT_PASS},
        [R_SERIAL] = {.source_id = "T-4",
                      .cmp = VG_CMP_EQ,
                      .value = "FALSE",
                      .absent = VG_ABSENT_PASS,
                      .severity = VG_SEV_MEDIUM},
        [R_SALT] = {.source_id = "T-5", .cmp = VG_CMP_ABSENT, .absent = VG_ABSENT_PASS},
        [R_FILTER] = {.source_id = "T-6", .cmp = VG_CMP_ABSENT, .absent = VG_ABSENT_PASS},
        [R_LOGGING] = {.source_id = "T-7",
                       .cmp = VG_CMP_EQ,
                       .value = "TRUE",
                       .absent = VG_ABSENT_PASS},
        [R_MIGRATE] = {.source_id = "T-8",
                       .cmp = VG_CMP_IN,
                       .values = mig_values,
                       .absent = VG_ABSENT_PASS},
        [R_FT] = {.source_id = "T-9",
                  .cmp = VG_CMP_IN,
                  .values = mig_values,
                  .absent = VG_ABSENT_NA},
        [R_MANUAL] = {.source_id = "T-10", .cmp = VG_CMP_MANUAL},
        [R_GUEST] = {.source_id = "T-11", .cmp = VG_CMP_EQ, .value = "true"},
        [R_CDROM] = {.source_id = "T-12",
                     .cmp = VG_CMP_EQ,
                     .value = "FALSE",
                     .absent = VG_ABSENT_PASS,
                     .disconnected = VG_DISCONNECTED_PASS},
        [R_KEEPOLD] = {.source_id = "T-13",
                       .cmp = VG_CMP_EQ,
                       .value = "10",
                       .absent = VG_ABSENT_PASS},
    };
    for (int i = 0; i < R_COUNT; i++) {
        prules[i] = base[i];
        prules[i].rule = &rules[i];
    }
    prules[R_COPY].absent = copy_absent;
}

static vg_vm *vm_from(const char *text)
{
    vg_vm *vm = vg_vm_new(VG_ORIGIN_FILE);
    vg_error err;
    assert_non_null(vm);
    assert_int_equal(vg_vmx_doc_parse(text, strlen(text), "t.vmx", &vm->settings, &err), VG_OK);
    vg_vm_set_str(&vm->name, "t");
    vg_vm_set_str(&vm->path, "/ds/t/t.vmx");
    return vm;
}

static vg_vm_report *audit(const vg_vm *vm, const vg_audit_opts *o)
{
    const vg_profile *ps[] = {&profile};
    vg_vm_report *rep = NULL;
    vg_error err;
    assert_int_equal(vg_audit_vm(vm, ps, 1, o, &rep, &err), VG_OK);
    assert_int_equal(rep->n_results, R_COUNT);
    return rep;
}

static const vg_result *res(const vg_vm_report *r, int i)
{
    return &r->results[i];
}

static void expect_status(const char *text, int rule, vg_result_status st)
{
    vg_vm *vm = vm_from(text);
    vg_vm_report *rep = audit(vm, NULL);
    if (res(rep, rule)->status != st)
        fail_msg("%s: expected %s, got %s (%s)", text, vg_result_status_name(st),
                 vg_result_status_name(res(rep, rule)->status), res(rep, rule)->evidence);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void booleans_any_case_and_trimmed(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    const char *ok[] = {
        "isolation.tools.copy.disable = \"TRUE\"\n", "isolation.tools.copy.disable = \"true\"\n",
        "isolation.tools.copy.disable = \"True\"\n", "ISOLATION.TOOLS.COPY.DISABLE = \" TRUE \"\n",
        "isolation.tools.copy.disable = TRUE\n"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        expect_status(ok[i], R_COPY, VG_PASS);
    expect_status("isolation.tools.copy.disable = \"FALSE\"\n", R_COPY, VG_FAIL);
    expect_status("isolation.tools.copy.disable = \"yes\"\n", R_COPY, VG_FAIL);
    expect_status("isolation.tools.copy.disable = \"1\"\n", R_COPY, VG_FAIL);
}

static void unexpected_bool_value_says_so(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    vg_vm *vm = vm_from("a = \"b\"\nisolation.tools.copy.disable = \"yes\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    const vg_result *r = res(rep, R_COPY);
    assert_int_equal(r->status, VG_FAIL);
    assert_string_equal(r->key, "isolation.tools.copy.disable");
    assert_string_equal(r->actual, "yes");
    assert_int_equal(r->line, 2);
    assert_non_null(strstr(r->evidence, "unexpected value"));
    assert_non_null(strstr(r->evidence, "t.vmx:2"));
    assert_string_equal(r->expected, "TRUE");
    assert_string_equal(r->fix, "set isolation.tools.copy.disable = \"TRUE\"");
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void integers_are_strict(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    expect_status("RemoteDisplay.maxConnections = \"1\"\n", R_MAXCONN, VG_PASS);
    expect_status("RemoteDisplay.maxConnections = \"01\"\n", R_MAXCONN, VG_PASS);
    expect_status("RemoteDisplay.maxConnections = \" 1 \"\n", R_MAXCONN, VG_PASS);
    expect_status("RemoteDisplay.maxConnections = \"1abc\"\n", R_MAXCONN, VG_FAIL);
    expect_status("RemoteDisplay.maxConnections = \"2\"\n", R_MAXCONN, VG_FAIL);
    expect_status("RemoteDisplay.maxConnections = \"\"\n", R_MAXCONN, VG_FAIL);
    expect_status("tools.setInfo.sizeLimit = \"1048576\"\n", R_SETINFO, VG_PASS);
    expect_status("tools.setInfo.sizeLimit = \"1048575\"\n", R_SETINFO, VG_PASS);
    expect_status("tools.setInfo.sizeLimit = \"1048577\"\n", R_SETINFO, VG_FAIL);
    expect_status("tools.setInfo.sizeLimit = \"1048576abc\"\n", R_SETINFO, VG_FAIL);
    expect_status("tools.setinfo.sizelimit = \"99999999999999999999999\"\n", R_SETINFO, VG_FAIL);
}

static void alias_spelling_is_read_and_kept_in_fix(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    vg_vm *vm = vm_from("tools.setinfo.sizeLimit = \"2000000\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    const vg_result *r = res(rep, R_SETINFO);
    assert_int_equal(r->status, VG_FAIL);
    assert_string_equal(r->key, "tools.setinfo.sizeLimit");
    assert_string_equal(r->expected, "<= 1048576");
    assert_string_equal(r->fix, "set tools.setinfo.sizeLimit = \"1048576\"");
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void absent_semantics_follow_the_profile(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_PASS);
    vg_vm *vm = vm_from("displayName = \"x\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    assert_int_equal(res(rep, R_COPY)->status, VG_PASS);
    assert_string_equal(res(rep, R_COPY)->evidence, "absent -> VMware default TRUE (vSphere 7+)");
    assert_null(res(rep, R_COPY)->key);
    assert_int_equal(res(rep, R_MAXCONN)->status, VG_FAIL);
    assert_non_null(res(rep, R_MAXCONN)->fix);
    assert_string_equal(res(rep, R_MAXCONN)->fix, "set RemoteDisplay.maxConnections = \"1\"");
    assert_int_equal(res(rep, R_SALT)->status, VG_PASS);
    assert_int_equal(res(rep, R_FT)->status, VG_NOT_APPLICABLE);
    assert_non_null(strstr(res(rep, R_FT)->evidence, "not visible in a .vmx file"));
    assert_int_equal(res(rep, R_MANUAL)->status, VG_MANUAL);
    assert_int_equal(res(rep, R_GUEST)->status, VG_NOT_APPLICABLE);
    assert_string_equal(res(rep, R_GUEST)->evidence, "checked inside the guest: vmxguard guest");
    vg_vm_report_free(rep);
    build_profile(VG_ABSENT_FAIL);
    rep = audit(vm, NULL);
    assert_int_equal(res(rep, R_COPY)->status, VG_FAIL);
    assert_non_null(strstr(res(rep, R_COPY)->evidence, "absent -> VMware default TRUE"));
    assert_int_equal(rep->counts[VG_FAIL], 2);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void must_be_absent_keys_fail_when_set(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    expect_status("sched.mem.pshare.salt = \"abc\"\n", R_SALT, VG_FAIL);
    expect_status("ethernet0.present = \"TRUE\"\n", R_FILTER, VG_PASS);
    expect_status("ethernet1.filter0.name = \"dvfilter-x\"\n", R_FILTER, VG_FAIL);
    vg_vm *vm = vm_from("ethernet1.filter0.name = \"x\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    assert_string_equal(res(rep, R_FILTER)->fix, "remove ethernet1.filter0.name");
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void devices_need_every_instance_to_comply(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    expect_status("floppy0.present = \"TRUE\"\n", R_SERIAL, VG_PASS);
    expect_status("serial0.present = \"FALSE\"\n", R_SERIAL, VG_PASS);
    expect_status("serial0.present = \"TRUE\"\n", R_SERIAL, VG_FAIL);
    /* present but not connected: as the entry says */
    expect_status("serial0.present = \"TRUE\"\nserial0.startConnected = \"FALSE\"\n", R_SERIAL,
                  VG_FAIL);
    prules[R_SERIAL].disconnected = VG_DISCONNECTED_PASS;
    expect_status("serial0.present = \"TRUE\"\nserial0.startConnected = \"FALSE\"\n", R_SERIAL,
                  VG_PASS);
    /* not connected at power on, but connected now (the API's .connected) */
    expect_status("serial0.present = \"TRUE\"\nserial0.startConnected = \"FALSE\"\n"
                  "serial0.connected = \"TRUE\"\n",
                  R_SERIAL, VG_FAIL);
    prules[R_SERIAL].disconnected = VG_DISCONNECTED_FAIL;
    expect_status("serial0.present = \"FALSE\"\nserial1.present = \"TRUE\"\n", R_SERIAL, VG_FAIL);
    expect_status("serial0.present = \"maybe\"\n", R_SERIAL, VG_FAIL);
}

static void cdrom_rule_skips_disks_and_defaults_to_connected(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    /* an IDE disk is not a CD-ROM */
    expect_status("ide0:0.present = \"TRUE\"\nide0:0.fileName = \"d.vmdk\"\n", R_CDROM, VG_PASS);
    /* a CD-ROM without startConnected starts connected */
    expect_status("ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n", R_CDROM,
                  VG_FAIL);
    expect_status("ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
                  "ide1:0.startConnected = \"FALSE\"\n",
                  R_CDROM, VG_PASS);
    expect_status("ide1:0.present = \"FALSE\"\nide1:0.deviceType = \"cdrom-image\"\n", R_CDROM,
                  VG_PASS);
    /* an entry that counts any present CD-ROM fails the disconnected one */
    prules[R_CDROM].disconnected = VG_DISCONNECTED_FAIL;
    expect_status("ide1:0.present = \"TRUE\"\nide1:0.deviceType = \"cdrom-image\"\n"
                  "ide1:0.startConnected = \"FALSE\"\n",
                  R_CDROM, VG_FAIL);
    prules[R_CDROM].disconnected = VG_DISCONNECTED_PASS;
}

static void settings_that_could_not_be_read_are_errors_not_absent(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_PASS);
    /* a line that is not key = value may hold the key: unknown, not absent */
    expect_status("isolation.tools.copy.disable \"FALSE\"\nRemoteDisplay.maxConnections = \"1\"\n",
                  R_COPY, VG_ERROR);
    expect_status("isolation.tools.copy.disable \"FALSE\"\nRemoteDisplay.maxConnections = \"1\"\n",
                  R_MAXCONN, VG_PASS);
    expect_status("junk line\nserial0.fileName = \"x\"\n", R_SERIAL, VG_ERROR);
    /* nothing at all read: every settings rule is an error */
    expect_status("", R_COPY, VG_ERROR);
    expect_status("", R_SALT, VG_ERROR);
    expect_status("", R_CDROM, VG_ERROR);
    /* a VM the source could not read (no settings): the source's reason */
    vg_vm *vm = vg_vm_new(VG_ORIGIN_VSPHERE);
    assert_non_null(vm);
    assert_int_equal(vg_vm_add_evidence(vm, NULL, "error", NULL, 0, "no config from vSphere"), 0);
    vg_vm_report *rep = audit(vm, NULL);
    static const int rules_read[] = {R_COPY,    R_MAXCONN, R_SERIAL, R_SALT,
                                     R_LOGGING, R_MIGRATE, R_FT,     R_CDROM};
    for (size_t i = 0; i < sizeof rules_read / sizeof rules_read[0]; i++) {
        const vg_result *r = res(rep, rules_read[i]);
        if (r->status != VG_ERROR || strcmp(r->evidence, "could not look: no config from vSphere"))
            fail_msg("rule %d: %s (%s)", rules_read[i], vg_result_status_name(r->status),
                     r->evidence);
    }
    assert_int_equal(res(rep, R_MANUAL)->status, VG_MANUAL);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void api_properties_from_source_then_vmx(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    expect_status("logging = \"FALSE\"\n", R_LOGGING, VG_FAIL);
    expect_status("logging = \"TRUE\"\n", R_LOGGING, VG_PASS);
    expect_status("migrate.encryptionMode = \"disabled\"\n", R_MIGRATE, VG_FAIL);
    expect_status("migrate.encryptionMode = \"Required\"\n", R_MIGRATE, VG_PASS);
    vg_vm *vm = vm_from("logging = \"TRUE\"\n");
    vg_vm_set_prop(vm, "config.flags.enableLogging", "false");
    vg_vm_set_prop(vm, "config.ftEncryptionMode", "ftEncryptionDisabled");
    vg_vm_report *rep = audit(vm, NULL);
    assert_int_equal(res(rep, R_LOGGING)->status, VG_FAIL);
    assert_string_equal(res(rep, R_LOGGING)->key, "config.flags.enableLogging");
    assert_int_equal(res(rep, R_FT)->status, VG_FAIL);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void duplicate_keys_are_errors_with_both_lines(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    vg_vm *vm = vm_from("isolation.tools.copy.disable = \"TRUE\"\nx = \"1\"\n"
                        "Isolation.Tools.Copy.Disable = \"FALSE\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    const vg_result *r = res(rep, R_COPY);
    assert_int_equal(r->status, VG_ERROR);
    assert_non_null(strstr(r->evidence, "lines 1 and 3"));
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void evidence_entries_decide_guest_rules(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    vg_vm *vm = vm_from("a = \"b\"\n");
    vg_vm_add_evidence(vm, "tools-conf", "fail", "/etc/vmware-tools/tools.conf", 3,
                       "[guestoperations] disabled = false");
    vg_vm_report *rep = audit(vm, NULL);
    assert_int_equal(res(rep, R_GUEST)->status, VG_FAIL);
    assert_int_equal(res(rep, R_GUEST)->line, 3);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void secrets_are_redacted_unless_asked(void **state)
{
    (void)state;
    assert_true(vg_audit_key_is_secret("RemoteDisplay.vnc.password"));
    assert_true(vg_audit_key_is_secret("guestinfo.api.token"));
    assert_true(vg_audit_key_is_secret("GUESTINFO.admin_Password"));
    assert_false(vg_audit_key_is_secret("guestinfo.hostname"));
    assert_false(vg_audit_key_is_secret("isolation.tools.copy.disable"));
    /* a rule reading a secret-bearing key shows <redacted> */
    static const vg_rule r = {.id = "vnc-pw",
                              .title = "vnc",
                              .kind = VG_RULE_VMX_KEY,
                              .type = VG_TYPE_STRING,
                              .key = "RemoteDisplay.vnc.password"};
    static const vg_profile_rule pr = {.rule = &r, .cmp = VG_CMP_ABSENT};
    static const vg_profile p = {.id = "s", .rules = &pr, .n_rules = 1};
    const vg_profile *ps[] = {&p};
    vg_vm *vm = vm_from("RemoteDisplay.vnc.password = \"hunter2\"\n");
    vg_vm_report *rep;
    vg_error err;
    assert_int_equal(vg_audit_vm(vm, ps, 1, NULL, &rep, &err), VG_OK);
    assert_string_equal(rep->results[0].actual, VG_AUDIT_REDACTED);
    assert_null(strstr(rep->results[0].evidence, "hunter2"));
    vg_vm_report_free(rep);
    vg_audit_opts o = {.show_secrets = 1};
    assert_int_equal(vg_audit_vm(vm, ps, 1, &o, &rep, &err), VG_OK);
    assert_string_equal(rep->results[0].actual, "hunter2");
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

static void summary_counts_and_scores(void **state)
{
    (void)state;
    build_profile(VG_ABSENT_FAIL);
    vg_vm *vm = vm_from("isolation.tools.copy.disable = \"TRUE\"\n");
    vg_vm_report *rep = audit(vm, NULL);
    vg_audit_summary s = {0};
    vg_audit_summary_add(&s, rep);
    assert_int_equal(s.vms, 1);
    assert_int_equal(s.vms_failing, 1);
    assert_int_equal(s.results, R_COUNT);
    assert_int_equal(s.counts[VG_FAIL], 1); /* maxConnections */
    assert_int_equal(s.fail_by_severity[VG_SEV_MEDIUM], 1);
    size_t pass = s.counts[VG_PASS];
    double want = 100.0 * (double)pass / (double)(pass + 1);
    assert_true(vg_audit_summary_score(&s, 1) - want < 1e-9);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
}

/* A rule that could not be checked is not known to pass: one pass and 24
 * errors is 4%, never 100%, and errors alone still give a score (0%). */
static void errors_count_against_the_score(void **state)
{
    (void)state;
    vg_audit_summary s = {0};
    s.vms = 1;
    s.counts[VG_PASS] = s.raw_counts[VG_PASS] = 1;
    s.counts[VG_ERROR] = s.raw_counts[VG_ERROR] = 24;
    assert_true(vg_audit_summary_scored(&s));
    assert_true(fabs(vg_audit_summary_score(&s, 1) - 4.0) < 1e-9);
    assert_true(fabs(vg_audit_summary_score(&s, 0) - 4.0) < 1e-9);
    s.counts[VG_PASS] = s.raw_counts[VG_PASS] = 0;
    assert_true(vg_audit_summary_scored(&s));
    assert_null(vg_audit_summary_no_score(&s));
    assert_true(fabs(vg_audit_summary_score(&s, 1)) < 1e-9);
    s.counts[VG_ERROR] = s.raw_counts[VG_ERROR] = 0;
    s.counts[VG_MANUAL] = s.raw_counts[VG_MANUAL] = 3;
    assert_false(vg_audit_summary_scored(&s));
    assert_non_null(vg_audit_summary_no_score(&s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(booleans_any_case_and_trimmed),
        cmocka_unit_test(unexpected_bool_value_says_so),
        cmocka_unit_test(integers_are_strict),
        cmocka_unit_test(alias_spelling_is_read_and_kept_in_fix),
        cmocka_unit_test(absent_semantics_follow_the_profile),
        cmocka_unit_test(must_be_absent_keys_fail_when_set),
        cmocka_unit_test(devices_need_every_instance_to_comply),
        cmocka_unit_test(cdrom_rule_skips_disks_and_defaults_to_connected),
        cmocka_unit_test(settings_that_could_not_be_read_are_errors_not_absent),
        cmocka_unit_test(api_properties_from_source_then_vmx),
        cmocka_unit_test(duplicate_keys_are_errors_with_both_lines),
        cmocka_unit_test(evidence_entries_decide_guest_rules),
        cmocka_unit_test(secrets_are_redacted_unless_asked),
        cmocka_unit_test(summary_counts_and_scores),
        cmocka_unit_test(errors_count_against_the_score),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
