/*
 * The results store on SQLite, through the public API: VM identity across
 * runs (instance UUID, then BIOS UUID, then path; a moved VM stays itself;
 * two clones sharing a BIOS UUID stay two), an aborted run leaves nothing,
 * run names resolve, events append with their VM found, and a store from
 * a newer schema is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "vmxguard.h"

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/vg-test-store-%ld.db", (long)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}

static vg_store *open_store(void)
{
    vg_store *s = NULL;
    vg_error err;
    int rc = vg_store_open(path, VG_STORE_CREATE, &s, &err);
    if (rc)
        fprintf(stderr, "open: %s\n", err.msg);
    assert_int_equal(rc, VG_OK);
    assert_string_equal(vg_store_backend(s), "sqlite");
    return s;
}

struct vmdef {
    const char *name, *path, *uuid, *instance_uuid;
};

/* One run of the given VMs (no results); returns its id. */
static int64_t store_run(vg_store *s, const struct vmdef *vms, size_t n)
{
    vg_report_run rr = {.tool_version = "test", .started = 1700000000};
    vg_store_run *w = NULL;
    vg_error err;
    assert_int_equal(vg_store_run_begin(s, &rr, &w, &err), VG_OK);
    vg_audit_summary sum = {0};
    for (size_t i = 0; i < n; i++) {
        vg_vm *vm = vg_vm_new(VG_ORIGIN_VSPHERE);
        vg_vm_set_str(&vm->name, vms[i].name);
        vg_vm_set_str(&vm->path, vms[i].path);
        vg_vm_set_str(&vm->uuid, vms[i].uuid);
        vg_vm_set_str(&vm->instance_uuid, vms[i].instance_uuid);
        vg_vm_report rep = {.vm = vm};
        assert_int_equal(vg_store_run_vm(w, &rep, &err), VG_OK);
        vg_audit_summary_add(&sum, &rep);
        vg_vm_free(vm);
    }
    int64_t id = 0;
    assert_int_equal(vg_store_run_commit(w, &sum, &id, &err), VG_OK);
    assert_true(id > 0);
    return id;
}

static size_t count(const vg_store_diff *d, vg_store_change_kind k)
{
    return d->counts[k];
}

static void moved_and_renamed_vm_keeps_its_identity(void **state)
{
    (void)state;
    vg_store *s = open_store();
    struct vmdef a[] = {{"web01", "[ds1] web01/web01.vmx", "42 01", "50 01"},
                        {"db01", "[ds1] db01/db01.vmx", "42 02", NULL},
                        {"old", "[ds1] old/old.vmx", NULL, NULL}};
    struct vmdef b[] = {{"web01-renamed", "[ds2] web01/web01.vmx", "42 01", "50 01"},
                        {"db01", "[ds2] db01/db01.vmx", "42 02", NULL},
                        {"old", "[ds1] old/old.vmx", NULL, NULL}};
    int64_t r1 = store_run(s, a, 3), r2 = store_run(s, b, 3);
    vg_store_diff *d = NULL;
    vg_error err;
    assert_int_equal(vg_store_diff_runs(s, r1, r2, &d, &err), VG_OK);
    assert_int_equal(count(d, VG_CHANGE_VM_MOVED), 2);
    assert_int_equal(count(d, VG_CHANGE_VM_APPEARED), 0);
    assert_int_equal(count(d, VG_CHANGE_VM_DISAPPEARED), 0);
    assert_string_equal(d->changes[0].vm_name, "db01");
    assert_string_equal(d->changes[0].old_path, "[ds1] db01/db01.vmx");
    assert_string_equal(d->changes[1].old_name, "web01");
    vg_store_diff_free(d);
    vg_store_close(s);
}

static void clones_sharing_a_bios_uuid_stay_two_vms(void **state)
{
    (void)state;
    vg_store *s = open_store();
    struct vmdef a[] = {{"orig", "/ds/orig/orig.vmx", "42 aa", NULL},
                        {"clone", "/ds/clone/clone.vmx", "42 aa", NULL}};
    int64_t r1 = store_run(s, a, 2), r2 = store_run(s, a, 2);
    vg_store_diff *d = NULL;
    vg_error err;
    assert_int_equal(vg_store_diff_runs(s, r1, r2, &d, &err), VG_OK);
    assert_int_equal(d->n_changes, 0); /* each matched with itself: nothing moved */
    vg_store_diff_free(d);
    /* a different instance UUID is another VM, even with the same BIOS UUID */
    struct vmdef c[] = {{"x", "/ds/x/x.vmx", "42 bb", "50 aa"}};
    struct vmdef e[] = {{"x", "/ds/x/x.vmx", "42 bb", "50 bb"}};
    int64_t r3 = store_run(s, c, 1), r4 = store_run(s, e, 1);
    assert_int_equal(vg_store_diff_runs(s, r3, r4, &d, &err), VG_OK);
    assert_int_equal(count(d, VG_CHANGE_VM_APPEARED), 1);
    assert_int_equal(count(d, VG_CHANGE_VM_DISAPPEARED), 1);
    vg_store_diff_free(d);
    vg_store_close(s);
}

static void aborted_run_leaves_nothing_and_names_resolve(void **state)
{
    (void)state;
    vg_store *s = open_store();
    struct vmdef a[] = {{"a", "/a.vmx", NULL, NULL}};
    int64_t r1 = store_run(s, a, 1), r2 = store_run(s, a, 1);
    vg_report_run rr = {.tool_version = "test"};
    vg_store_run *w = NULL;
    vg_error err;
    assert_int_equal(vg_store_run_begin(s, &rr, &w, &err), VG_OK);
    vg_store_run_abort(w);
    vg_store_run_info *runs = NULL;
    size_t n = 0;
    assert_int_equal(vg_store_runs(s, &runs, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(runs[1].vms, 1);
    vg_store_runs_free(runs, n);
    int64_t id = 0;
    assert_int_equal(vg_store_resolve_run(s, "latest", &id, &err), VG_OK);
    assert_int_equal(id, r2);
    assert_int_equal(vg_store_resolve_run(s, "latest~1", &id, &err), VG_OK);
    assert_int_equal(id, r1);
    assert_int_equal(vg_store_resolve_run(s, "latest~2", &id, &err), VG_ENOTFOUND);
    assert_int_equal(vg_store_resolve_run(s, "12x", &id, &err), VG_EUSAGE);
    assert_int_equal(vg_store_resolve_run(s, "99", &id, &err), VG_ENOTFOUND);
    vg_store_close(s);
}

static void events_append_and_find_their_vm(void **state)
{
    (void)state;
    vg_store *s = open_store();
    struct vmdef a[] = {{"web01", "[ds1] web01/web01.vmx", "42 01", "50 01"}};
    store_run(s, a, 1);
    vg_store_event ev = {.at = 1700000100,
                         .server = "vc1",
                         .vm_name = "web01",
                         .instance_uuid = "50 01",
                         .rule = "isolation-tools-copy-disable",
                         .old_status = "pass",
                         .new_status = "fail",
                         .user = "VSPHERE.LOCAL\\admin"};
    int64_t e1 = 0, e2 = 0;
    vg_error err;
    assert_int_equal(vg_store_append_event(s, &ev, &e1, &err), VG_OK);
    ev.instance_uuid = NULL;
    ev.vm_name = "unknown";
    assert_int_equal(vg_store_append_event(s, &ev, &e2, &err), VG_OK);
    assert_true(e2 > e1 && e1 > 0);
    vg_store_close(s);
    /* the first event is tied to the stored VM, the second to none */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT vm_id, user_name FROM events ORDER BY id", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_INTEGER);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "VSPHERE.LOCAL\\admin");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void newer_schema_is_refused(void **state)
{
    (void)state;
    vg_store *s = open_store();
    vg_store_close(s);
    /* bump the version the way a newer vmxguard would have left it */
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); c.execute(\\\"UPDATE vg_meta "
             "SET value='%d' WHERE key='schema_version'\\\"); c.commit()\"",
             path, VG_STORE_SCHEMA_VERSION + 1);
    assert_int_equal(system(cmd), 0);
    vg_error err;
    assert_int_equal(vg_store_open(path, VG_STORE_CREATE, &s, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "newer than this vmxguard"));
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(moved_and_renamed_vm_keeps_its_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(clones_sharing_a_bios_uuid_stay_two_vms, setup, teardown),
        cmocka_unit_test_setup_teardown(aborted_run_leaves_nothing_and_names_resolve, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_append_and_find_their_vm, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
