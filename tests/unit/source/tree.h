/* A temporary datastore tree for the file-source tests: root is made by
 * the test's setup (mkdtemp), put() writes a file below it, making the
 * folders on the way.  Include after cmocka.h. */
#ifndef VG_TEST_SOURCE_TREE_H
#define VG_TEST_SOURCE_TREE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char root[256];

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

#endif
