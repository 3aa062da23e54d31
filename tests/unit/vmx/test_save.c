/*
 * Loading and saving on disk: regular files only (never blocking on a
 * FIFO), atomic replace keeping mode/owner/group, symlinks followed, hard
 * links refused, concurrent changes detected, backups, write errors that
 * leave the original and no temporary file behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vg_test.h"
#include "vmx_test.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    vg_test_tmpdir(dir, sizeof dir, "vmx-save");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return vg_test_rmtree(dir);
}

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* Names in the folder other than those listed. */
static int count_other_files(const char *a, const char *b)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!a || strcmp(e->d_name, a)) &&
            (!b || strcmp(e->d_name, b)))
            n++;
    closedir(d);
    return n;
}

static vg_vmx_doc *load_ok(const char *path)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    if (vg_vmx_doc_load(path, &doc, &err) != 0)
        fail_msg("load %s: %s", path, err.msg);
    return doc;
}

static vg_vmx_doc *load_and_set(const char *path, const char *key, const char *value)
{
    vg_vmx_doc *doc = load_ok(path);
    vg_error err;
    assert_int_equal(vg_vmx_doc_set(doc, key, value, &err), 0);
    return doc;
}

static void save_replaces_file_and_keeps_mode(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "a.vmx");
    vg_test_write_str(p, "a = \"1\"\r\n");
    chmod(p, 0640);
    vg_vmx_doc *doc = load_and_set(p, "b", "2");
    vg_error err;
    vg_vmx_save_opts o = {0};
    o.check_unchanged = 1;
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), 0);
    vg_test_assert_file(p, "a = \"1\"\r\nb = \"2\"\r\n");
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(count_other_files("a.vmx", NULL), 0);
    assert_string_equal(o.backup_path, "");
    vg_vmx_doc_free(doc);
}

static void save_keeps_owner_and_group(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "own.vmx");
    vg_test_write_str(p, "a = 1\n");
    uid_t uid = geteuid() == 0 ? 4321 : geteuid();
    gid_t gid = geteuid() == 0 ? 8765 : getegid();
    assert_int_equal(chown(p, uid, gid), 0);
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_error err;
    assert_int_equal(vg_vmx_doc_save(doc, p, NULL, &err), 0);
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_uid, uid);
    assert_int_equal(st.st_gid, gid);
    vg_vmx_doc_free(doc);
}

static void save_follows_symlink_and_keeps_the_link(void **state)
{
    (void)state;
    char target[512], link_path[512];
    path_of(target, sizeof target, "real.vmx");
    path_of(link_path, sizeof link_path, "link.vmx");
    vg_test_write_str(target, "a = \"1\"\n");
    assert_int_equal(symlink("real.vmx", link_path), 0);
    vg_vmx_doc *doc = load_and_set(link_path, "a", "2");
    vg_error err;
    assert_int_equal(vg_vmx_doc_save(doc, link_path, NULL, &err), 0);
    struct stat st;
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    vg_test_assert_file(target, "a = \"2\"\n");
    vg_vmx_doc_free(doc);
}

static void save_refuses_hard_linked_file_unless_asked(void **state)
{
    (void)state;
    char p[512], other[512];
    path_of(p, sizeof p, "h.vmx");
    path_of(other, sizeof other, "h2.vmx");
    vg_test_write_str(p, "a = 1\n");
    assert_int_equal(link(p, other), 0);
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_error err;
    assert_int_equal(vg_vmx_doc_save(doc, p, NULL, &err), VG_EHARDLINK);
    assert_non_null(strstr(err.msg, "2 hard links"));
    vg_test_assert_file(p, "a = 1\n");
    vg_vmx_save_opts o = {0};
    o.break_hardlinks = 1;
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), 0);
    vg_test_assert_file(p, "a = 2\n");
    vg_test_assert_file(other, "a = 1\n");
    assert_int_equal(count_other_files("h.vmx", "h2.vmx"), 0);
    vg_vmx_doc_free(doc);
}

static void save_detects_file_changed_since_load(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "c.vmx");
    vg_test_write_str(p, "a = 1\n");
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_test_write_str(p, "a = 1\nb = 9\n");
    vg_error err;
    vg_vmx_save_opts o = {0};
    o.check_unchanged = 1;
    o.backup = 1;
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), VG_ECHANGED);
    assert_non_null(strstr(err.msg, "changed since it was read"));
    vg_test_assert_file(p, "a = 1\nb = 9\n");
    assert_int_equal(count_other_files("c.vmx", NULL), 0);
    vg_vmx_doc_free(doc);
}

static void save_with_backup_keeps_previous_version(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "b.vmx");
    vg_test_write_str(p, "a = 1\n");
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_error err;
    vg_vmx_save_opts o = {0};
    o.backup = 1;
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), 0);
    assert_true(strncmp(o.backup_path, p, strlen(p)) == 0);
    const char *suffix = o.backup_path + strlen(p);
    assert_int_equal(strlen(suffix), strlen(".vmxguard-20260101T000000Z"));
    assert_true(strncmp(suffix, ".vmxguard-2", 11) == 0);
    vg_test_assert_file(o.backup_path, "a = 1\n");
    vg_test_assert_file(p, "a = 2\n");
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_nlink, 1);
    /* a second save in the same second gets its own name */
    char first[1024];
    snprintf(first, sizeof first, "%s", o.backup_path);
    assert_int_equal(vg_vmx_doc_set(doc, "a", "3", &err), 0);
    assert_int_equal(vg_vmx_doc_save(doc, p, &o, &err), 0);
    assert_string_not_equal(first, o.backup_path);
    vg_test_assert_file(first, "a = 1\n");
    vg_test_assert_file(o.backup_path, "a = 2\n");
    vg_vmx_doc_free(doc);
}

static void save_write_error_leaves_original_and_no_temp(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "w.vmx");
    vg_test_write_str(p, "a = 1\n");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        vg_vmx_doc *doc = load_ok(p);
        char big[8192];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        vg_error err;
        vg_vmx_doc_set(doc, "big", big, &err);
        vg_vmx_save_opts o = {0};
        o.backup = 1;
        int rc = vg_vmx_doc_save(doc, p, &o, &err);
        int ok = rc == VG_EIO && strstr(err.msg, "cannot write the new version") &&
                 strstr(err.msg, "original left as it was") && strcmp(err.file, p) == 0;
        vg_vmx_doc_free(doc);
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vg_test_assert_file(p, "a = 1\n");
    assert_int_equal(count_other_files("w.vmx", NULL), 0);
}

static void save_refuses_read_only_file(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "ro.vmx");
    vg_test_write_str(p, "a = 1\n");
    chmod(p, 0444);
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_error err;
    assert_int_equal(vg_vmx_doc_save(doc, p, NULL, &err), VG_EIO);
    assert_non_null(strstr(err.msg, "read-only"));
    vg_test_assert_file(p, "a = 1\n");
    vg_vmx_doc_free(doc);
}

static void save_removes_temporaries_of_dead_writers_only(void **state)
{
    (void)state;
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char p[512], stale[512], live[512];
    path_of(p, sizeof p, "t.vmx");
    snprintf(stale, sizeof stale, "%s/.t.vmx.vmxguard-tmp-%ld-abcdef", dir, (long)dead);
    snprintf(live, sizeof live, "%s/.t.vmx.vmxguard-tmp-%ld-abcdef", dir, (long)getppid());
    vg_test_write_str(p, "a = 1\n");
    vg_test_write_str(stale, "partial");
    vg_test_write_str(live, "in progress");
    vg_vmx_doc *doc = load_and_set(p, "a", "2");
    vg_error err;
    assert_int_equal(vg_vmx_doc_save(doc, p, NULL, &err), 0);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    unlink(live);
    vg_vmx_doc_free(doc);
}

static void save_creates_a_new_file(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "new.vmx");
    vg_vmx_doc *doc = vg_vmx_doc_new(p);
    vg_error err;
    assert_int_equal(vg_vmx_doc_set(doc, "a", "1", &err), 0);
    assert_int_equal(vg_vmx_doc_save(doc, p, NULL, &err), 0);
    vg_test_assert_file(p, "a = \"1\"\n");
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_mode & 07777, 0600);
    vg_vmx_doc_free(doc);
}

static void load_refuses_fifo_without_blocking(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "fifo.vmx");
    assert_int_equal(mkfifo(p, 0600), 0);
    alarm(10); /* a blocking open would hang: fail by SIGALRM instead */
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(p, &doc, &err), VG_EINPUT);
    alarm(0);
    assert_non_null(strstr(err.msg, "FIFO"));
    assert_string_equal(err.file, p);
    vg_vmx_doc *d2 = parse_ok("a = 1\n");
    assert_int_equal(vg_vmx_doc_save(d2, p, NULL, &err), VG_EINPUT);
    vg_vmx_doc_free(d2);
}

static void load_refuses_directory_and_device(void **state)
{
    (void)state;
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(dir, &doc, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "directory"));
    assert_int_equal(vg_vmx_doc_load("/dev/zero", &doc, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "character device"));
    assert_null(doc);
}

static void load_missing_file_names_it(void **state)
{
    (void)state;
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load("/nonexistent/x.vmx", &doc, &err), VG_ENOTFOUND);
    assert_string_equal(err.file, "/nonexistent/x.vmx");
    assert_non_null(strstr(err.msg, "cannot open"));
}

static void load_of_binary_file_names_nul_offset(void **state)
{
    (void)state;
    char p[512];
    path_of(p, sizeof p, "bin.vmx");
    vg_test_write(p,
                  "a = 1\n\x7F"
                  "ELF\0\0",
                  11);
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(p, &doc, &err), VG_EINPUT);
    assert_string_equal(err.msg, "binary content (NUL byte at offset 10)");
    assert_int_equal(err.line, 2);
}

/* /proc files report st_size 0: the reader must not trust the size it saw */
static void load_reads_past_the_size_fstat_reported(void **state)
{
    (void)state;
    vg_vmx_doc *doc = load_ok("/proc/self/status");
    char *out;
    size_t len;
    vg_error err;
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &len, &err), 0);
    assert_true(len > 100);
    assert_non_null(strstr(out, "Name:"));
    free(out);
    vg_vmx_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(save_replaces_file_and_keeps_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(save_keeps_owner_and_group, setup, teardown),
        cmocka_unit_test_setup_teardown(save_follows_symlink_and_keeps_the_link, setup, teardown),
        cmocka_unit_test_setup_teardown(save_refuses_hard_linked_file_unless_asked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(save_detects_file_changed_since_load, setup, teardown),
        cmocka_unit_test_setup_teardown(save_with_backup_keeps_previous_version, setup, teardown),
        cmocka_unit_test_setup_teardown(save_write_error_leaves_original_and_no_temp, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(save_refuses_read_only_file, setup, teardown),
        cmocka_unit_test_setup_teardown(save_removes_temporaries_of_dead_writers_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(save_creates_a_new_file, setup, teardown),
        cmocka_unit_test_setup_teardown(load_refuses_fifo_without_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(load_refuses_directory_and_device, setup, teardown),
        cmocka_unit_test_setup_teardown(load_missing_file_names_it, setup, teardown),
        cmocka_unit_test_setup_teardown(load_of_binary_file_names_nul_offset, setup, teardown),
        cmocka_unit_test(load_reads_past_the_size_fstat_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
