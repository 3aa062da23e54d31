#define _XOPEN_SOURCE 700 /* nftw */
#include "vg_test.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

void vg_test_tmpdir(char *dir, size_t size, const char *tag)
{
    int n = snprintf(dir, size, "/tmp/vg-%s-XXXXXX", tag);
    if (n < 0 || (size_t)n >= size)
        fail_msg("temporary folder name for %s does not fit %zu bytes", tag, size);
    if (!mkdtemp(dir))
        fail_msg("cannot make %s: %s", dir, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int vg_test_rmtree(const char *dir)
{
    /* FTW_DEPTH: contents before their folder; FTW_PHYS: links are removed, not followed */
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

void vg_test_mkdirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        fail_msg("path too long: %s", path);
    for (char *s = tmp + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(tmp, 0755); /* EEXIST is fine; a real failure shows when writing */
            *s = '/';
        }
    }
}

void vg_test_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s: %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len)
        fail_msg("short write to %s", path);
}

void vg_test_write_str(const char *path, const char *text)
{
    vg_test_write(path, text, strlen(text));
}

void vg_test_put(const char *root, const char *rel, const char *text)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s%s%s", root, rel[0] == '/' ? "" : "/", rel) >=
        (int)sizeof path)
        fail_msg("path too long: %s/%s", root, rel);
    vg_test_mkdirs(path);
    vg_test_write_str(path, text);
}

char *vg_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096 + 1) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(data, cap);
            if (!grown)
                fail_msg("out of memory reading %s", path);
            data = grown;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        fail_msg("cannot read %s", path);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

void vg_test_assert_file(const char *path, const char *want)
{
    size_t n;
    char *got = vg_test_slurp(path, &n);
    if (!got)
        fail_msg("cannot open %s", path);
    if (n != strlen(want) || memcmp(got, want, n) != 0) {
        fprintf(stderr, "%s: expected\n%s\n--- got\n%.*s\n", path, want, (int)n, got);
        free(got);
        fail_msg("%s: not the expected content", path);
    }
    free(got);
}
