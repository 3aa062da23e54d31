/*
 * The streaming SOAP reply parser against recorded vcsim replies
 * (tests/fixtures/vsphere, copied from the lab's samples) and hand-made
 * variations: prefixes, chunking, faults, missingSet, devices, hostile XML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vsphere/vsphere_internal.h"

#define FIXTURES VG_SOURCE_DIR "/tests/fixtures/vsphere/"

typedef struct collected {
    vg_vm *vms[16];
    char types[16][32];
    size_t n;
} collected;

static int collect(vg_vm *vm, const char *type, void *ctx)
{
    collected *c = ctx;
    if (c->n == 16) {
        vg_vm_free(vm);
        return 1;
    }
    snprintf(c->types[c->n], sizeof c->types[0], "%s", type);
    c->vms[c->n++] = vm;
    return 0;
}

static void collected_free(collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        vg_vm_free(c->vms[i]);
    c->n = 0;
}

static char *fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, FIXTURES "%s", name);
    char *data = vg_test_slurp(path, len);
    if (!data)
        fail_msg("cannot open %s", path);
    return data;
}

/* Parse text fed in chunks of `chunk` bytes; returns the finish result. */
static int parse(vs_reply *r, const char *text, size_t len, size_t chunk, collected *c)
{
    assert_int_equal(vg_vs_reply_init(r, c ? collect : NULL, c), 0);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = vg_vs_reply_feed(r, text + off, len - off < chunk ? len - off : chunk);
    return rc ? rc : vg_vs_reply_finish(r);
}

static int parse_file(vs_reply *r, const char *name, size_t chunk, collected *c)
{
    size_t len;
    char *text = fixture(name, &len);
    int rc = parse(r, text, len, chunk, c);
    free(text);
    return rc;
}

static const char *setting(const vg_vm *vm, const char *key)
{
    const vg_vmx_entry *e = vm->settings ? vg_vmx_doc_find(vm->settings, key) : NULL;
    return e ? e->value : NULL;
}

static void service_content_gives_morefs_and_about(void **state)
{
    (void)state;
    vs_reply r;
    assert_int_equal(parse_file(&r, "service_content.xml", 1 << 20, NULL), 0);
    assert_string_equal(r.response, "RetrieveServiceContentResponse");
    assert_string_equal(vg_vs_reply_get(&r, "propertyCollector"), "propertyCollector");
    assert_string_equal(vg_vs_reply_get(&r, "sessionManager"), "SessionManager");
    assert_string_equal(vg_vs_reply_get(&r, "rootFolder"), "group-d1");
    assert_string_equal(vg_vs_reply_get(&r, "about/apiType"), "VirtualCenter");
    assert_string_equal(vg_vs_reply_get(&r, "about/apiVersion"), "6.5");
    vg_vs_reply_release(&r);
}

static void invalid_login_fault_is_named(void **state)
{
    (void)state;
    vs_reply r;
    assert_int_equal(parse_file(&r, "fault_invalid_login.xml", 7, NULL), 0);
    assert_true(r.is_fault);
    assert_string_equal(r.fault_type, "InvalidLogin");
    assert_string_equal(r.fault_string, "Login failure");
    vg_vs_reply_release(&r);
}

static void recorded_page_streams_vms_and_token(void **state)
{
    (void)state;
    vs_reply r;
    collected c = {0};
    assert_int_equal(parse_file(&r, "page1.xml", 1 << 20, &c), 0);
    assert_string_equal(r.token, "1");
    assert_int_equal(c.n, 2);
    assert_string_equal(c.types[0], "VirtualMachine");
    assert_string_equal(c.vms[0]->name, "DC0_C0_RP0_VM0");
    assert_string_equal(c.vms[0]->moref, "vm-27");
    assert_int_equal(c.vms[0]->power, VG_POWER_ON);
    assert_string_equal(setting(c.vms[0], "govcsim"), "TRUE");
    assert_string_equal(c.vms[1]->moref, "vm-30");
    collected_free(&c);
    vg_vs_reply_release(&r);
    assert_int_equal(parse_file(&r, "page2.xml", 1 << 20, &c), 0);
    assert_string_equal(r.token, "");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.vms[0]->name, "DC0_C0_RP0_VM2");
    collected_free(&c);
    vg_vs_reply_release(&r);
}

static void one_byte_chunks_give_the_same_vms(void **state)
{
    (void)state;
    vs_reply r;
    collected c = {0};
    assert_int_equal(parse_file(&r, "pyvmomi_page.xml", 1, &c), 0);
    assert_string_equal(r.token, "2");
    assert_int_equal(c.n, 2);
    assert_string_equal(c.vms[1]->name, "DC0_C0_RP0_VM1");
    assert_string_equal(setting(c.vms[1], "govcsim"), "TRUE");
    collected_free(&c);
    vg_vs_reply_release(&r);
}

static void devices_become_vmx_keys(void **state)
{
    (void)state;
    vs_reply r;
    collected c = {0};
    assert_int_equal(parse_file(&r, "devices.xml", 13, &c), 0);
    assert_int_equal(c.n, 1);
    vg_vm *vm = c.vms[0];
    assert_string_equal(vm->name, "web & db");
    assert_string_equal(vm->hw_version, "vmx-19");
    assert_string_equal(vm->path, "[ds1] web/web.vmx");
    assert_string_equal(vm->managed_by, "com.vmware.vcHms");
    assert_int_equal(vm->power, VG_POWER_OFF);
    assert_string_equal(vg_vm_prop(vm, "config.flags.enableLogging"), "true");
    assert_string_equal(vg_vm_prop(vm, "config.migrateEncryption"), "opportunistic");
    assert_string_equal(setting(vm, "virtualHW.version"), "19");
    assert_string_equal(setting(vm, "isolation.tools.copy.disable"), "FALSE");
    assert_string_equal(setting(vm, "empty.value"), "");
    assert_string_equal(setting(vm, "quoted.value"), "say \"hi\" <now>");
    assert_string_equal(setting(vm, "ide1:0.present"), "TRUE");
    assert_string_equal(setting(vm, "ide1:0.deviceType"), "cdrom-image");
    assert_string_equal(setting(vm, "ide1:0.startConnected"), "FALSE");
    assert_string_equal(setting(vm, "scsi0:1.mode"), "independent-nonpersistent");
    assert_null(setting(vm, "scsi0:0.mode"));
    assert_string_equal(setting(vm, "scsi0.virtualDev"), "pvscsi");
    assert_string_equal(setting(vm, "scsi1.virtualDev"), "lsisas1068");
    assert_string_equal(setting(vm, "floppy0.present"), "TRUE");
    assert_string_equal(setting(vm, "floppy0.startConnected"), "TRUE");
    assert_string_equal(setting(vm, "serial1.present"), "TRUE");
    assert_string_equal(setting(vm, "parallel0.present"), "TRUE");
    assert_string_equal(setting(vm, "usb.present"), "TRUE");
    assert_string_equal(setting(vm, "ehci.present"), "TRUE");
    assert_string_equal(setting(vm, "usb_xhci.present"), "TRUE");
    assert_string_equal(setting(vm, "sound.present"), "TRUE");
    assert_string_equal(setting(vm, "ethernet0.startConnected"), "TRUE");
    assert_null(setting(vm, "serial0.present"));
    collected_free(&c);
    vg_vs_reply_release(&r);
}

static void missing_set_not_authenticated_is_session_lost(void **state)
{
    (void)state;
    vs_reply r;
    collected c = {0};
    assert_int_equal(parse_file(&r, "missingset_not_authenticated.xml", 64, &c), 0);
    assert_true(r.session_lost);
    collected_free(&c);
    vg_vs_reply_release(&r);
    assert_int_equal(parse_file(&r, "devices.xml", 1 << 20, &c), 0);
    assert_false(r.session_lost); /* InvalidProperty is not a lost session */
    collected_free(&c);
    vg_vs_reply_release(&r);
}

static void task_state_and_error_are_read(void **state)
{
    (void)state;
    vs_reply r;
    collected c = {0};
    assert_int_equal(parse_file(&r, "task_success.xml", 1 << 20, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.types[0], "Task");
    assert_string_equal(vg_vm_prop(c.vms[0], "info.state"), "success");
    collected_free(&c);
    vg_vs_reply_release(&r);
    static const char failed[] =
        "<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body>"
        "<RetrievePropertiesExResponse xmlns='urn:vim25' "
        "xmlns:i='http://www.w3.org/2001/XMLSchema-instance'><returnval><objects>"
        "<obj type='Task'>task-9</obj><propSet><name>info.state</name><val>error</val></propSet>"
        "<propSet><name>info.error</name><val i:type='LocalizedMethodFault'>"
        "<fault i:type='NoPermission'/><localizedMessage>Permission to perform this operation "
        "was denied.</localizedMessage></val></propSet></objects></returnval>"
        "</RetrievePropertiesExResponse></e:Body></e:Envelope>";
    assert_int_equal(parse(&r, failed, sizeof failed - 1, 5, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(vg_vm_prop(c.vms[0], "info.state"), "error");
    assert_non_null(strstr(vg_vm_prop(c.vms[0], "info.error"), "NoPermission"));
    collected_free(&c);
    vg_vs_reply_release(&r);
}

static void namespace_is_matched_by_uri_not_prefix(void **state)
{
    (void)state;
    vs_reply r;
    /* right prefix text, wrong namespace: not a SOAP envelope */
    static const char wrong[] = "<soapenv:Envelope xmlns:soapenv='urn:not-soap'><soapenv:Body/>"
                                "</soapenv:Envelope>";
    assert_int_not_equal(parse(&r, wrong, sizeof wrong - 1, 4, NULL), 0);
    assert_non_null(strstr(r.error, "not a SOAP envelope"));
    vg_vs_reply_release(&r);
    /* an xsi:type under a foreign namespace is not a type */
    static const char foreign[] =
        "<a:Envelope xmlns:a='http://schemas.xmlsoap.org/soap/envelope/'><a:Body><a:Fault>"
        "<faultcode>ServerFaultCode</faultcode><faultstring>x</faultstring><detail>"
        "<NoPermissionFault xmlns='urn:vim25' xmlns:t='urn:other' t:type='Bogus'/></detail>"
        "</a:Fault></a:Body></a:Envelope>";
    assert_int_equal(parse(&r, foreign, sizeof foreign - 1, 3, NULL), 0);
    assert_string_equal(r.fault_type, "NoPermission");
    vg_vs_reply_release(&r);
}

static void doctype_and_entities_are_refused(void **state)
{
    (void)state;
    vs_reply r;
    static const char laughs[] =
        "<?xml version='1.0'?><!DOCTYPE e [<!ENTITY a 'aaaaaaaaaa'>"
        "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>"
        "<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body>&c;</e:Body>"
        "</e:Envelope>";
    assert_int_not_equal(parse(&r, laughs, sizeof laughs - 1, 1 << 20, NULL), 0);
    assert_non_null(strstr(r.error, "DOCTYPE"));
    vg_vs_reply_release(&r);
    static const char xxe[] =
        "<!DOCTYPE e SYSTEM 'file:///etc/passwd'><e:Envelope "
        "xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'/>";
    assert_int_not_equal(parse(&r, xxe, sizeof xxe - 1, 1 << 20, NULL), 0);
    vg_vs_reply_release(&r);
}

static void truncated_reply_is_an_error(void **state)
{
    (void)state;
    size_t len;
    char *text = fixture("page1.xml", &len);
    vs_reply r;
    collected c = {0};
    assert_int_not_equal(parse(&r, text, len / 2, 100, &c), 0);
    assert_true(r.bad);
    assert_non_null(strstr(r.error, "XML"));
    collected_free(&c);
    vg_vs_reply_release(&r);
    assert_int_not_equal(parse(&r, "", 0, 1, &c), 0);
    vg_vs_reply_release(&r);
    free(text);
}

static void url_forms_and_refusals(void **state)
{
    (void)state;
    vg_vsphere_target t;
    vg_error err;
    assert_int_equal(vg_vsphere_parse_url("vsphere://audit@vc01.example.com", &t, &err), 0);
    assert_string_equal(t.endpoint, "https://vc01.example.com/sdk");
    assert_string_equal(t.user, "audit");
    assert_string_equal(t.server, "vc01.example.com");
    assert_int_equal(vg_vsphere_parse_url("https://10.0.0.1:8443/sdk", &t, &err), 0);
    assert_string_equal(t.endpoint, "https://10.0.0.1:8443/sdk");
    assert_int_equal(vg_vsphere_parse_url("http://127.0.0.1:1/custom", &t, &err), 0);
    assert_string_equal(t.endpoint, "http://127.0.0.1:1/custom");
    assert_int_equal(vg_vsphere_parse_url("vsphere://u:secret@vc", &t, &err), VG_EUSAGE);
    assert_null(strstr(err.msg, "secret"));
    assert_int_equal(vg_vsphere_parse_url("ftp://vc", &t, &err), VG_EUSAGE);
    assert_int_equal(vg_vsphere_parse_url("vsphere://", &t, &err), VG_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_content_gives_morefs_and_about),
        cmocka_unit_test(invalid_login_fault_is_named),
        cmocka_unit_test(recorded_page_streams_vms_and_token),
        cmocka_unit_test(one_byte_chunks_give_the_same_vms),
        cmocka_unit_test(devices_become_vmx_keys),
        cmocka_unit_test(missing_set_not_authenticated_is_session_lost),
        cmocka_unit_test(task_state_and_error_are_read),
        cmocka_unit_test(namespace_is_matched_by_uri_not_prefix),
        cmocka_unit_test(doctype_and_entities_are_refused),
        cmocka_unit_test(truncated_reply_is_an_error),
        cmocka_unit_test(url_forms_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
