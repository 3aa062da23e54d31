/*
 * VG_GROW: the one array-growth macro.  It must keep what the array held,
 * give room for exactly what was asked or more, and refuse, leaving the
 * array and its capacity as they were, when a count or size would overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util/grow.h"

static void test_grow_keeps_elements_and_doubles(void **state)
{
    (void)state;
    int *v = NULL;
    size_t n = 0, cap = 0, reallocs = 0, last_cap = 0;
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(VG_GROW(v, n, cap), 0);
        assert_true(cap > n);
        reallocs += cap != last_cap;
        last_cap = cap;
        v[n++] = i;
    }
    for (int i = 0; i < 10000; i++)
        assert_int_equal(v[i], i);
    assert_true(reallocs <= 12); /* doubling: a logarithmic number of reallocations */
    free(v);
}

static void test_grow_n_reserves_at_once(void **state)
{
    (void)state;
    char **v = NULL;
    size_t cap = 0;
    assert_int_equal(VG_GROW_N(v, 0, cap, 1000), 0);
    assert_true(cap >= 1000);
    size_t had = cap;
    char **before = v;
    assert_int_equal(VG_GROW_N(v, 500, cap, 500), 0); /* fits: no reallocation */
    assert_ptr_equal(v, before);
    assert_int_equal(cap, had);
    assert_int_equal(VG_GROW_N(v, cap, cap, 1), 0);
    assert_true(cap > had);
    free(v);
}

static void test_grow_refuses_overflow_and_keeps_array(void **state)
{
    (void)state;
    double *v = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(VG_GROW(v, n, cap), 0);
    v[n++] = 1.5;
    double *before = v;
    size_t had = cap;
    /* len + extra wraps */
    assert_int_equal(VG_GROW_N(v, n, cap, SIZE_MAX), -1);
    /* the count fits but count * sizeof(double) does not */
    assert_int_equal(VG_GROW_N(v, n, cap, SIZE_MAX / sizeof *v), -1);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, had);
    assert_true(v[0] == 1.5);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_keeps_elements_and_doubles),
        cmocka_unit_test(test_grow_n_reserves_at_once),
        cmocka_unit_test(test_grow_refuses_overflow_and_keeps_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
