/*
 * vg_vmx_doc_save against a hostile folder (issue 22): a .vmx swapped for
 * a symlink between load and save, a name of 244 bytes, extended
 * attributes and a POSIX ACL that must survive the rewrite, a lock another
 * program holds, a change that keeps the size, stale temp files in both
 * name forms, and hard links refused with their own code.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vg_test.h"
#include "vmx_test.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    vg_test_tmpdir(dir, sizeof dir, "vmx-hostile");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return vg_test_rmtree(dir);
}

static void at(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static vg_vmx_doc *load_set(const char *path)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(path, &doc, &err), 0);
    assert_int_equal(vg_vmx_doc_set(doc, "a", "2", &err), 0);
    return doc;
}

static size_t temps_left(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, "vmxguard-tmp") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void a_file_swapped_for_a_link_after_load_is_not_written_through(void **state)
{
    (void)state;
    char p[512], other[512];
    at(p, sizeof p, "vm.vmx");
    at(other, sizeof other, "other.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    vg_test_write_str(other, "a = \"1\"\nb = \"untouched\"\n");
    vg_vmx_save_opts o = {.check_unchanged = 1};
    vg_error err;
    /* a link to another file: its bytes are not the ones loaded */
    vg_vmx_doc *doc = load_set(p);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(symlink(other, p), 0);
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), VG_ECHANGED);
    vg_test_assert_file(other, "a = \"1\"\nb = \"untouched\"\n");
    vg_vmx_doc_free(doc);
    /* a link to a device, a FIFO, a dangling target, a loop */
    const char *targets[] = {"/dev/null", "fifo", "nowhere", "vm.vmx"};
    char fifo[512];
    at(fifo, sizeof fifo, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    for (size_t i = 0; i < 4; i++) {
        unlink(p);
        vg_test_write_str(p, "a = \"1\"\n");
        doc = load_set(p);
        unlink(p);
        assert_int_equal(symlink(targets[i], p), 0);
        int rc = vg_vmx_doc_save(doc, p, &o, &err);
        if (rc == 0)
            fail_msg("saved through a link to %s", targets[i]);
        vg_vmx_doc_free(doc);
    }
    assert_int_equal(temps_left(), 0);
}

static void a_244_byte_name_is_saved_with_a_short_temp_name(void **state)
{
    (void)state;
    char name[256], p[600];
    memset(name, 'n', 240);
    memcpy(name + 240, ".vmx", 5); /* 244 bytes: NAME_MAX allows 255 */
    snprintf(p, sizeof p, "%s/%s", dir, name);
    vg_test_write_str(p, "a = \"1\"\n");
    vg_vmx_doc *doc = load_set(p);
    vg_vmx_save_opts o = {.check_unchanged = 1, .backup = 0};
    vg_error err;
    int rc = vg_vmx_doc_save(doc, p, &o, &err);
    if (rc)
        fail_msg("save of a 244-byte name failed: %s", err.msg);
    vg_test_assert_file(p, "a = \"2\"\n");
    assert_int_equal(temps_left(), 0);
    vg_vmx_doc_free(doc);
}

static void extended_attributes_and_the_acl_survive_the_rewrite(void **state)
{
    (void)state;
    char p[512];
    at(p, sizeof p, "x.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    if (setxattr(p, "user.vmxguard.test", "kept", 4, 0) != 0)
        skip(); /* a file system without user attributes */
    /* an ACL entry: owner rw, user nobody (65534) read, mask r, others none */
    int have_acl = system("command -v setfacl >/dev/null") == 0;
    if (have_acl) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "setfacl -m u:65534:r '%s'", p);
        have_acl = system(cmd) == 0;
    }
    char acl_before[512] = "";
    ssize_t acl_len =
        have_acl ? getxattr(p, "system.posix_acl_access", acl_before, sizeof acl_before) : -1;
    vg_vmx_doc *doc = load_set(p);
    vg_error err;
    vg_vmx_save_opts o = {.check_unchanged = 1};
    int rc = vg_vmx_doc_save(doc, p, &o, &err);
    if (rc)
        fail_msg("save failed: %s", err.msg);
    vg_test_assert_file(p, "a = \"2\"\n");
    char v[16] = {0};
    assert_int_equal(getxattr(p, "user.vmxguard.test", v, sizeof v), 4);
    assert_memory_equal(v, "kept", 4);
    if (acl_len > 0) {
        char acl_after[512];
        assert_int_equal(getxattr(p, "system.posix_acl_access", acl_after, sizeof acl_after),
                         acl_len);
        assert_memory_equal(acl_after, acl_before, (size_t)acl_len);
    }
    vg_vmx_doc_free(doc);
}

static void a_lock_held_by_another_program_refuses_the_save(void **state)
{
    (void)state;
    char p[512];
    at(p, sizeof p, "l.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    vg_vmx_doc *doc = load_set(p);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    pid_t child = fork();
    if (child == 0) { /* the other program: holds the lock until killed */
        flock(fd, LOCK_EX);
        pause();
        _exit(0);
    }
    close(fd);
    for (int i = 0; i < 200; i++) { /* wait until the child holds it */
        int probe = open(p, O_RDONLY);
        int busy = flock(probe, LOCK_EX | LOCK_NB) != 0;
        if (!busy)
            flock(probe, LOCK_UN);
        close(probe);
        if (busy)
            break;
        usleep(10000);
    }
    vg_error err;
    vg_vmx_save_opts o = {.check_unchanged = 1};
    int rc = vg_vmx_doc_save(doc, p, &o, &err);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(rc, VG_ECHANGED);
    assert_non_null(strstr(err.msg, "lock"));
    vg_test_assert_file(p, "a = \"1\"\n");
    assert_int_equal(temps_left(), 0);
    vg_vmx_doc_free(doc);
}

static void a_same_size_change_after_load_is_refused(void **state)
{
    (void)state;
    char p[512];
    at(p, sizeof p, "c.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    vg_vmx_doc *doc = load_set(p);
    vg_test_write_str(p, "a = \"9\"\n"); /* in place, same size */
    vg_error err;
    vg_vmx_save_opts o = {.check_unchanged = 1, .backup = 1};
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), VG_ECHANGED);
    vg_test_assert_file(p, "a = \"9\"\n");
    assert_string_equal(o.backup_path, "");
    assert_int_equal(temps_left(), 0);
    vg_vmx_doc_free(doc);
}

static void stale_temps_of_dead_writers_go_in_both_name_forms(void **state)
{
    (void)state;
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char p[512], old_form[600], short_form[600], live[600], foreign[600];
    at(p, sizeof p, "s.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    snprintf(old_form, sizeof old_form, "%s/.s.vmx.vmxguard-tmp-%ld-abcdef", dir, (long)dead);
    snprintf(short_form, sizeof short_form, "%s/.vmxguard-tmp-%ld-Zz09ab", dir, (long)dead);
    snprintf(live, sizeof live, "%s/.vmxguard-tmp-%ld-abcdef", dir, (long)getpid());
    snprintf(foreign, sizeof foreign, "%s/.vmxguard-tmp-%ld-not-ours", dir, (long)dead);
    vg_test_write_str(old_form, "x");
    vg_test_write_str(short_form, "x");
    vg_test_write_str(live, "x");
    vg_test_write_str(foreign, "x");
    vg_error err;
    assert_int_equal(vg_vmx_clean_stale(p, &err), 2);
    assert_int_not_equal(access(old_form, F_OK), 0);
    assert_int_not_equal(access(short_form, F_OK), 0);
    assert_int_equal(access(live, F_OK), 0);    /* a live writer's */
    assert_int_equal(access(foreign, F_OK), 0); /* not a name we make */
    unlink(live);
    unlink(foreign);
}

static void hard_links_have_their_own_code_and_no_flag_names(void **state)
{
    (void)state;
    char p[512], q[512];
    at(p, sizeof p, "h.vmx");
    at(q, sizeof q, "h2.vmx");
    vg_test_write_str(p, "a = \"1\"\n");
    assert_int_equal(link(p, q), 0);
    vg_vmx_doc *doc = load_set(p);
    vg_error err;
    vg_vmx_save_opts o = {0};
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), VG_EHARDLINK);
    assert_null(strstr(err.msg, "--"));
    assert_int_equal(o.nlink, 2);
    o.check_only = 1;
    o.break_hardlinks = 1;
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), 0); /* checks only */
    vg_test_assert_file(p, "a = \"1\"\n");
    vg_vmx_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_file_swapped_for_a_link_after_load_is_not_written_through,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_244_byte_name_is_saved_with_a_short_temp_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(extended_attributes_and_the_acl_survive_the_rewrite, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_lock_held_by_another_program_refuses_the_save, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_same_size_change_after_load_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_temps_of_dead_writers_go_in_both_name_forms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hard_links_have_their_own_code_and_no_flag_names, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
