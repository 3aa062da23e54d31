/*
 * vg_interrupt (source.h) and the calls that poll it (source/interrupt.h):
 * it says whether anyone will act, a fresh call forgets an old interrupt
 * unless told to keep it, and nested calls count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source/interrupt.h"
#include "vmxguard/source.h"

static void with_nothing_running_nobody_acts(void **state)
{
    (void)state;
    assert_int_equal(vg_interrupt(), 0);
    assert_true(vg_interrupted());
}

static void a_fresh_call_forgets_an_old_interrupt(void **state)
{
    (void)state;
    vg_interrupt();
    vg_interruptible_begin(1);
    assert_false(vg_interrupted());
    assert_int_equal(vg_interrupt(), 1);
    assert_true(vg_interrupted());
    vg_interruptible_end();
    assert_int_equal(vg_interrupt(), 0);
}

static void keep_and_nested_calls_keep_the_interrupt(void **state)
{
    (void)state;
    vg_interrupt();
    vg_interruptible_begin(0); /* the caller manages interruption */
    assert_true(vg_interrupted());
    vg_interruptible_begin(1); /* nested: another call runs, nothing is forgotten */
    assert_true(vg_interrupted());
    vg_interruptible_end();
    assert_int_equal(vg_interrupt(), 1); /* the outer one still runs */
    vg_interruptible_end();
    assert_int_equal(vg_interrupt(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(with_nothing_running_nobody_acts),
        cmocka_unit_test(a_fresh_call_forgets_an_old_interrupt),
        cmocka_unit_test(keep_and_nested_calls_keep_the_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
