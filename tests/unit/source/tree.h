/* A temporary datastore tree for the file-source tests: root is made by
 * the test's setup (mkdtemp), put() writes a file below it, making the
 * folders on the way.  Include after cmocka.h. */
#ifndef VG_TEST_SOURCE_TREE_H
#define VG_TEST_SOURCE_TREE_H

#include "vg_test.h"

static char root[256];

static void put(const char *rel, const char *text)
{
    vg_test_put(root, rel, text);
}

#endif
