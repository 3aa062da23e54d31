/* Applying a plan to a .vmx on disk: idempotence, refusals, races, links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vg_test.h"
#include "vmxguard.h"

static char dir[256];
static char path[300];

static const char original[] = "# comment kept\r\n"
                               "isolation.tools.copy.disable = \"FALSE\"\r\n"
                               "sched.mem.pshare.salt = \"abc\"\r\n";
static const char fixed[] = "# comment kept\r\n"
                            "isolation.tools.copy.disable = \"TRUE\"\r\n"
                            "tools.setinfo.sizeLimit = \"1048576\"\r\n";

static int setup(void **state)
{
    (void)state;
    vg_test_tmpdir(dir, sizeof dir, "fix-apply");
    snprintf(path, sizeof path, "%s/t.vmx", dir);
    vg_test_write_str(path, original);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return vg_test_rmtree(dir);
}

static char *strings[] = {"copy", NULL};
static vg_fix_edit edits[] = {
    {VG_FIX_SET, "isolation.tools.copy.disable", "TRUE", "FALSE", strings, 1, 1, 0},
    {VG_FIX_REMOVE, "sched.mem.pshare.salt", NULL, "abc", strings, 1, 0, 0},
    {VG_FIX_SET, "tools.setinfo.sizeLimit", "1048576", NULL, strings, 1, 0, 0},
};

static vg_fix_vm plan_for(const char *p)
{
    vg_fix_vm fv;
    memset(&fv, 0, sizeof fv);
    fv.origin = VG_ORIGIN_FILE;
    fv.name = "t";
    fv.path = (char *)p;
    fv.edits = edits;
    fv.n_edits = 3;
    return fv;
}

static void apply_keeps_other_bytes_and_is_idempotent(void **state)
{
    (void)state;
    vg_fix_vm fv = plan_for(path);
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), 0);
    assert_true(out.changed);
    assert_int_equal(out.keys_set, 2);
    assert_int_equal(out.keys_removed, 1);
    assert_non_null(strstr(out.diff, "-sched.mem.pshare.salt = \"abc\"\r\n"));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, fixed);
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), 0);
    assert_false(out.changed);
    assert_string_equal(out.diff, "");
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, fixed);
}

static void dry_run_writes_nothing(void **state)
{
    (void)state;
    vg_fix_vm fv = plan_for(path);
    vg_fix_apply_opts o = {.dry_run = 1};
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), 0);
    assert_true(out.changed);
    assert_non_null(strstr(out.diff, "+tools.setinfo.sizeLimit = \"1048576\""));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, original);
}

static void running_vm_is_refused_unless_forced(void **state)
{
    (void)state;
    vg_fix_vm fv = plan_for(path);
    fv.locked = 1;
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), VG_ELOCKED);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.msg, "cold start"));
    assert_non_null(strstr(err.msg, "not enough"));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, original);
    vg_fix_apply_opts o = {.force = 1};
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), 0);
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, fixed);
}

static void file_changed_since_load_is_skipped(void **state)
{
    (void)state;
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(path, &doc, &err), 0);
    vg_test_write_str(path, "someone = \"else\"\n");
    vg_fix_vm fv = plan_for(path);
    vg_fix_outcome out;
    assert_int_equal(vg_fix_apply_vmx(&fv, doc, NULL, &out, &err), VG_ECHANGED);
    assert_non_null(strstr(err.file, "t.vmx"));
    vg_fix_outcome_release(&out);
    vg_vmx_doc_free(doc);
    vg_test_assert_file(path, "someone = \"else\"\n");
}

static void symlink_target_is_edited_and_link_kept(void **state)
{
    (void)state;
    char link[320];
    snprintf(link, sizeof link, "%s/link.vmx", dir);
    assert_int_equal(symlink("t.vmx", link), 0);
    vg_fix_vm fv = plan_for(link);
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), 0);
    vg_fix_outcome_release(&out);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    vg_test_assert_file(path, fixed);
}

static void hard_link_needs_force_and_says_so(void **state)
{
    (void)state;
    char other[320];
    snprintf(other, sizeof other, "%s/other.vmx", dir);
    assert_int_equal(link(path, other), 0);
    vg_fix_vm fv = plan_for(path);
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), VG_EHARDLINK);
    assert_non_null(strstr(err.msg, "hard links"));
    assert_null(strstr(err.msg, "--")); /* no CLI flag names in library messages */
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, original);
    vg_fix_apply_opts o = {.force = 1};
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), 0);
    assert_non_null(out.note);
    assert_non_null(strstr(out.note, "other names keep the old content"));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(path, fixed);
    vg_test_assert_file(other, original);
}

static void stale_temp_of_dead_writer_is_removed(void **state)
{
    (void)state;
    char stale[400], live[400];
    /* pid 2^22+1 is above Linux's pid_max default, so it never runs */
    snprintf(stale, sizeof stale, "%s/.t.vmx.vmxguard-tmp-4194305-abcdef", dir);
    snprintf(live, sizeof live, "%s/.t.vmx.vmxguard-tmp-%ld-abcdef", dir, (long)getpid());
    vg_test_write_str(stale, "partial");
    vg_test_write_str(live, "partial");
    vg_error err;
    assert_int_equal(vg_fix_clean_stale(path, &err), 1);
    assert_int_not_equal(access(stale, F_OK), 0);
    assert_int_equal(access(live, F_OK), 0);
}

static void mode_owner_and_group_are_kept(void **state)
{
    (void)state;
    assert_int_equal(chmod(path, 0640), 0);
    int as_root = geteuid() == 0;
    if (as_root)
        assert_int_equal(chown(path, 65534, 65534), 0);
    vg_fix_vm fv = plan_for(path);
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), 0);
    vg_fix_outcome_release(&out);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    if (as_root) {
        assert_int_equal(st.st_uid, 65534);
        assert_int_equal(st.st_gid, 65534);
    }
    vg_test_assert_file(path, fixed);
}

static void backup_keeps_previous_version(void **state)
{
    (void)state;
    vg_fix_vm fv = plan_for(path);
    vg_fix_apply_opts o = {.backup = 1};
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), 0);
    assert_non_null(strstr(out.backup_path, "t.vmx.vmxguard-"));
    vg_test_assert_file(out.backup_path, original);
    vg_fix_outcome_release(&out);
}

/* The lock beside the real file counts, not only beside the link. */
static void symlinked_vmx_of_a_running_vm_elsewhere_is_refused(void **state)
{
    (void)state;
    char real_dir[320], link[320], lck[340], member[360];
    snprintf(real_dir, sizeof real_dir, "%s/real", dir);
    snprintf(link, sizeof link, "%s/link.vmx", dir);
    snprintf(lck, sizeof lck, "%s/real/t.vmx.lck", dir);
    snprintf(member, sizeof member, "%s/M1.lck", lck);
    assert_int_equal(mkdir(real_dir, 0755), 0);
    char real[340];
    snprintf(real, sizeof real, "%s/t.vmx", real_dir);
    vg_test_write_str(real, original);
    assert_int_equal(mkdir(lck, 0755), 0);
    vg_test_write_str(member, "lock");
    assert_int_equal(symlink("real/t.vmx", link), 0);
    vg_fix_vm fv = plan_for(link); /* the walk saw no lock beside the link */
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), VG_ELOCKED);
    assert_null(strstr(err.msg, "--"));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(real, original);
    /* a lock folder that is itself a link counts too, and is not followed */
    assert_int_equal(unlink(member), 0);
    assert_int_equal(rmdir(lck), 0);
    assert_int_equal(symlink("/", lck), 0);
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, NULL, &out, &err), VG_ELOCKED);
    vg_fix_outcome_release(&out);
    vg_test_assert_file(real, original);
}

/* A real file outside every target is never written, forced or not. */
static void real_file_outside_the_targets_is_refused(void **state)
{
    (void)state;
    char tdir[320], link[340], outside_dir[64], outside[300];
    snprintf(tdir, sizeof tdir, "%s/target", dir);
    assert_int_equal(mkdir(tdir, 0755), 0);
    vg_test_tmpdir(outside_dir, sizeof outside_dir, "fix-outside");
    snprintf(outside, sizeof outside, "%s/o.vmx", outside_dir);
    vg_test_write_str(outside, original);
    snprintf(link, sizeof link, "%s/o.vmx", tdir);
    assert_int_equal(symlink(outside, link), 0);
    const char *targets[] = {tdir};
    vg_fix_apply_opts o = {.force = 1, .targets = targets, .n_targets = 1};
    vg_fix_vm fv = plan_for(link);
    vg_fix_outcome out;
    vg_error err;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), VG_EOUTSIDE);
    assert_non_null(strstr(err.msg, "outside every target"));
    vg_fix_outcome_release(&out);
    vg_test_assert_file(outside, original);
    /* naming the link itself as a target names its real file: allowed */
    const char *named[] = {link};
    o.targets = named;
    assert_int_equal(vg_fix_apply_vmx(&fv, NULL, &o, &out, &err), 0);
    vg_fix_outcome_release(&out);
    vg_test_assert_file(outside, fixed);
    assert_int_equal(vg_test_rmtree(outside_dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(apply_keeps_other_bytes_and_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(dry_run_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(running_vm_is_refused_unless_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(file_changed_since_load_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(symlink_target_is_edited_and_link_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(hard_link_needs_force_and_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_temp_of_dead_writer_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(mode_owner_and_group_are_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_keeps_previous_version, setup, teardown),
        cmocka_unit_test_setup_teardown(symlinked_vmx_of_a_running_vm_elsewhere_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(real_file_outside_the_targets_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
