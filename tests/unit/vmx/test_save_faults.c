/*
 * Faults during vg_vmx_doc_save, injected by interposing write(), fsync()
 * and rename() for this test program: a full disk (ENOSPC), an I/O error
 * on fsync, a failing rename.  Each time the original must keep its bytes,
 * the error must name the file, and no temporary file or backup may remain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vg_test.h"
#include "vmx_test.h"

enum fault { NONE, WRITE_ENOSPC, FSYNC_EIO, RENAME_EXDEV };
static enum fault fault = NONE;
static char dir[256];

/* Only writes and syncs of files in the test folder fail, never stdout/stderr. */
static int in_test_dir(int fd)
{
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return strncmp(target, dir, strlen(dir)) == 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (fault == WRITE_ENOSPC && in_test_dir(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return syscall(SYS_write, fd, buf, n);
}

int fsync(int fd)
{
    if (fault == FSYNC_EIO && in_test_dir(fd)) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fsync, fd);
}

int rename(const char *from, const char *to)
{
    if (fault == RENAME_EXDEV) {
        errno = EXDEV;
        return -1;
    }
#ifdef SYS_renameat
    return (int)syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
#else
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
#endif
}

/* the save renames relative to a descriptor of the real folder */
int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    if (fault == RENAME_EXDEV) {
        errno = EXDEV;
        return -1;
    }
#ifdef SYS_renameat
    return (int)syscall(SYS_renameat, fromfd, from, tofd, to);
#else
    return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, 0);
#endif
}

static int setup(void **state)
{
    (void)state;
    vg_test_tmpdir(dir, sizeof dir, "vmx-fault");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fault = NONE;
    return vg_test_rmtree(dir);
}

static int entries_in_dir(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void run_fault(enum fault f, const char *want_msg)
{
    char p[512];
    snprintf(p, sizeof p, "%s/vm.vmx", dir);
    vg_test_write_str(p, "a = \"1\"\r\n");
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_load(p, &doc, &err), 0);
    assert_int_equal(vg_vmx_doc_set(doc, "a", "2", &err), 0);
    vg_vmx_save_opts o = {0};
    o.backup = 1;
    o.check_unchanged = 1;
    fault = f;
    int rc = vg_vmx_doc_save(doc, p, &o, &err);
    fault = NONE;
    assert_int_equal(rc, VG_EIO);
    assert_string_equal(err.file, p);
    if (!strstr(err.msg, want_msg))
        fail_msg("message '%s' lacks '%s'", err.msg, want_msg);
    assert_string_equal(o.backup_path, "");
    vg_vmx_doc_free(doc);
    vg_test_assert_file(p, "a = \"1\"\r\n");
    assert_int_equal(entries_in_dir(), 1); /* no temporary file, no backup */
}

static void disk_full_leaves_original_and_no_temp(void **state)
{
    (void)state;
    run_fault(WRITE_ENOSPC, "No space left on device");
}

static void fsync_error_leaves_original_and_no_temp(void **state)
{
    (void)state;
    run_fault(FSYNC_EIO, "cannot flush the new version to disk");
}

static void rename_error_leaves_original_and_removes_backup(void **state)
{
    (void)state;
    run_fault(RENAME_EXDEV, "cannot replace it");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(disk_full_leaves_original_and_no_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(fsync_error_leaves_original_and_no_temp, setup, teardown),
        cmocka_unit_test_setup_teardown(rename_error_leaves_original_and_removes_backup, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
