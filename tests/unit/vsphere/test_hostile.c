/*
 * Hostile-server defences that need no server: a VM with many extraConfig
 * keys is parsed in linear time (N vs 4N in one run), and messages built
 * from server text lose the credentials in every form a server could echo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vsphere/vsphere_internal.h"

static int count_keys(vg_vm *vm, const char *type, void *ctx)
{
    (void)type;
    *(size_t *)ctx = vm->settings ? vg_vmx_doc_count(vm->settings) : 0;
    vg_vm_free(vm);
    return 0;
}

/* One VM with n extraConfig keys, parsed; returns seconds. */
static double parse_seconds(size_t n)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"" VS_NS_SOAP
                    "\" xmlns:xsi=\"" VS_NS_XSI "\"><soapenv:Body>"
                    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>"
                    "<obj type=\"VirtualMachine\">vm-1</obj><propSet><name>config.extraConfig"
                    "</name><val xsi:type=\"ArrayOfOptionValue\">");
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(&b, "<OptionValue xsi:type=\"OptionValue\"><key>guestinfo.k%zu</key>"
                          "<value xsi:type=\"xsd:string\">v%zu</value></OptionValue>",
                      i, i);
    vg_buf_adds(&b, "</val></propSet></objects></returnval></RetrievePropertiesExResponse>"
                    "</soapenv:Body></soapenv:Envelope>");
    assert_false(b.oom);
    size_t keys = 0;
    vs_reply r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(vg_vs_reply_init(&r, count_keys, &keys), 0);
    assert_int_equal(vg_vs_reply_feed(&r, b.data, b.len), 0);
    assert_int_equal(vg_vs_reply_finish(&r), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vg_vs_reply_release(&r);
    vg_buf_release(&b);
    assert_true(keys >= n);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void many_extraconfig_keys_parse_in_linear_time(void **state)
{
    (void)state;
    double t1 = 1e9, t4 = 1e9; /* best of three: a loaded machine only adds time */
    for (int r = 0; r < 3; r++) {
        double a = parse_seconds(10000), b = parse_seconds(40000);
        t1 = a < t1 ? a : t1;
        t4 = b < t4 ? b : t4;
    }
    /* linear: about 4x; re-indexing per key was 16x */
    if (t4 > 10 * t1 && t4 > 0.1)
        fail_msg("40,000 keys took %.2f s, 10,000 took %.2f s (%.1fx)", t4, t1, t4 / t1);
}

static void credentials_are_redacted_in_every_form(void **state)
{
    (void)state;
    vg_vsphere_opts o;
    memset(&o, 0, sizeof o);
    o.password = "Pw<&\"x> 7%";
    vs_conn c;
    memset(&c, 0, sizeof c);
    c.opts = &o;
    snprintf(c.cookie, sizeof c.cookie, "vmware_soap_session=\"52a1-cookie-9f\"");
    static const char *const echoes[] = {
        "bad password Pw<&\"x> 7% here",
        "bad password Pw&lt;&amp;&quot;x&gt; 7% here",
        "bad password Pw&lt;&amp;\"x&gt; 7% here",
        "bad password Pw&lt;&amp;\"x> 7% here",
        "bad password Pw%3C%26%22x%3E%207%25 here",
        "bad password Pw%3c%26%22x%3e%207%25 here",
        "bad password Pw<&\"x>+7% here",
        "session 52a1-cookie-9f here",
    };
    for (size_t i = 0; i < sizeof echoes / sizeof echoes[0]; i++) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", echoes[i]);
        vg_vs_redact(&c, msg, sizeof msg);
        if (strstr(msg, "Pw") || strstr(msg, "cookie") || !strstr(msg, "***") ||
            !strstr(msg, " here"))
            fail_msg("'%s' became '%s'", echoes[i], msg);
    }
    char plain[] = "nothing secret";
    vg_vs_redact(&c, plain, sizeof plain);
    assert_string_equal(plain, "nothing secret");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_extraconfig_keys_parse_in_linear_time),
        cmocka_unit_test(credentials_are_redacted_in_every_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
