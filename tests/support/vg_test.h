/*
 * What the unit tests share for files on disk: a temporary folder, writing
 * a file (with the folders on the way), reading one back whole, removing a
 * tree.  Linked into every tests/unit program.
 * The helpers that cannot go on fail the test (cmocka's fail_msg), naming
 * the path, so callers need no checks of their own.
 */
#ifndef VG_TEST_SUPPORT_H
#define VG_TEST_SUPPORT_H

#include <stddef.h>

/* A new private folder /tmp/vg-<tag>-XXXXXX; its path goes to dir. */
void vg_test_tmpdir(char *dir, size_t size, const char *tag);
/* Remove dir and everything below it, following no link (no shell).
 * 0, or -1 when something stayed: a teardown's return value. */
int vg_test_rmtree(const char *dir);
/* Make the folders leading to path (not path itself), mode 0755. */
void vg_test_mkdirs(const char *path);
/* Write len bytes (or the string) to path, replacing what was there. */
void vg_test_write(const char *path, const void *data, size_t len);
void vg_test_write_str(const char *path, const char *text);
/* Write text to root/rel, making the folders on the way; rel may start
 * with '/'. */
void vg_test_put(const char *root, const char *rel, const char *text);
/* The whole of path, NUL-terminated, malloc'd; its length to *len when len
 * is not NULL.  NULL when path cannot be opened (a missing golden file). */
char *vg_test_slurp(const char *path, size_t *len);
/* Fail unless path holds exactly want, showing both when not. */
void vg_test_assert_file(const char *path, const char *want);

#endif
