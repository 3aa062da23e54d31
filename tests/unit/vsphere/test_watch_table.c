/*
 * The watch's per-VM table (vsphere_watch_table.c): entries survive growth
 * and the backward-shift deletions of many VMs coming and going; and the
 * reply parser's leaf hook that streams WaitForUpdatesEx replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vsphere/vsphere_internal.h"
#include "vsphere/vsphere_watch.h"

static void table_keeps_entries_through_growth_and_deletion(void **state)
{
    (void)state;
    vg_watch_table t;
    vg_watch_table_init(&t, 3);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "vm-%d", i);
        int created = 0;
        vg_watch_vm *v = vg_watch_table_put(&t, key, &created);
        assert_non_null(v);
        assert_int_equal(created, 1);
        assert_int_equal(v->status[0], VG_WATCH_NO_STATUS);
        v->status[1] = (unsigned char)(i % 7);
    }
    assert_int_equal(t.n, 5000);
    for (int i = 0; i < 5000; i += 3) {
        snprintf(key, sizeof key, "vm-%d", i);
        vg_watch_table_del(&t, key);
    }
    vg_watch_table_del(&t, "vm-none"); /* absent: no effect */
    size_t left = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "vm-%d", i);
        vg_watch_vm *v = vg_watch_table_get(&t, key);
        if (i % 3 == 0) {
            assert_null(v);
        } else {
            assert_non_null(v);
            assert_string_equal(v->moref, key);
            assert_int_equal(v->status[1], i % 7);
            left++;
        }
    }
    assert_int_equal(t.n, left);
    int created = 1;
    assert_non_null(vg_watch_table_put(&t, "vm-1", &created));
    assert_int_equal(created, 0);
    vg_watch_table_release(&t);
}

static void set_str_copies_and_clears(void **state)
{
    (void)state;
    char *f = NULL;
    assert_int_equal(vg_watch_set_str(&f, "web01"), 0);
    assert_string_equal(f, "web01");
    char *same = f;
    assert_int_equal(vg_watch_set_str(&f, "web01"), 0);
    assert_ptr_equal(f, same); /* unchanged value: no new allocation */
    assert_int_equal(vg_watch_set_str(&f, NULL), 0);
    assert_null(f);
}

typedef struct leaves {
    char seen[16][128];
    size_t n;
    int stop_at;
} leaves;

static int on_leaf(const struct vs_reply *r, int d, const char *text, void *ctx)
{
    leaves *l = ctx;
    if (l->n < 16)
        snprintf(l->seen[l->n++], sizeof l->seen[0], "%d %s/%s=%s", d, r->names[d - 1], r->names[d],
                 text);
    return l->stop_at && (int)l->n >= l->stop_at;
}

static const char update_reply[] =
    "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/"
    "envelope/\"><soapenv:Body><WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<version>7</version><filterSet><filter type=\"PropertyFilter\">f1</filter><objectSet>"
    "<kind>modify</kind><obj type=\"VirtualMachine\">vm-42</obj><changeSet><name>runtime."
    "powerState</name><op>assign</op><val>poweredOff</val></changeSet></objectSet>"
    "</filterSet></returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>";

static void leaf_hook_streams_update_replies(void **state)
{
    (void)state;
    leaves l = {0};
    vs_reply r;
    assert_int_equal(vg_vs_reply_init(&r, NULL, NULL), 0);
    r.on_leaf = on_leaf;
    r.leaf_ctx = &l;
    assert_int_equal(vg_vs_reply_feed(&r, update_reply, sizeof update_reply - 1), 0);
    assert_int_equal(vg_vs_reply_finish(&r), 0);
    assert_string_equal(r.response, "WaitForUpdatesExResponse");
    assert_int_equal(r.n_kv, 0); /* nothing kept: the hook had the leaves */
    assert_int_equal(l.n, 7);
    assert_string_equal(l.seen[0], "4 returnval/version=7");
    assert_string_equal(l.seen[1], "5 filterSet/filter=f1");
    assert_string_equal(l.seen[2], "6 objectSet/kind=modify");
    assert_string_equal(l.seen[3], "6 objectSet/obj=vm-42");
    assert_string_equal(l.seen[4], "7 changeSet/name=runtime.powerState");
    assert_string_equal(l.seen[6], "7 changeSet/val=poweredOff");
    vg_vs_reply_release(&r);
}

static void leaf_hook_can_stop_the_parse(void **state)
{
    (void)state;
    leaves l = {.stop_at = 2};
    vs_reply r;
    assert_int_equal(vg_vs_reply_init(&r, NULL, NULL), 0);
    r.on_leaf = on_leaf;
    r.leaf_ctx = &l;
    assert_int_equal(vg_vs_reply_feed(&r, update_reply, sizeof update_reply - 1), -1);
    assert_int_equal(r.stopped, 1);
    assert_int_equal(l.n, 2);
    vg_vs_reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_keeps_entries_through_growth_and_deletion),
        cmocka_unit_test(set_str_copies_and_clears),
        cmocka_unit_test(leaf_hook_streams_update_replies),
        cmocka_unit_test(leaf_hook_can_stop_the_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
