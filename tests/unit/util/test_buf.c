/*
 * vg_buf_printf has a fast path for the plain conversions (%s %.*s %c %d %u
 * %zu %llu %%) and falls back to vsnprintf for the rest: both must give
 * exactly what snprintf gives, also when appending to a buffer that already
 * holds text and when the result needs the buffer to grow.
 *
 * data is never NULL: an empty buffer reads as "" without a check, and
 * release, reset and detach never free or hand out the shared empty string.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

/* Appends fmt to a buffer holding prefix; compares with snprintf. */
static void check(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(const char *prefix, const char *fmt, ...)
{
    char want[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof want);

    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, prefix);
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    assert_int_equal(b.len, strlen(prefix) + (size_t)n);
    assert_memory_equal(b.data, prefix, strlen(prefix));
    assert_memory_equal(b.data + strlen(prefix), want, (size_t)n);
    assert_int_equal(b.data[b.len], '\0');
    vg_buf_release(&b);
}

static void test_fast_conversions(void **state)
{
    (void)state;
    const char *prefixes[] = {"", "x", "a prefix long enough to sit near the first growth step:"};
    char big[1500];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        const char *p = prefixes[i];
        check(p, "plain text, no conversion");
        check(p, "%s", "");
        check(p, "%s = %s (%s:%u)", "isolation.tools.copy.disable", "TRUE", "vm.vmx", 42u);
        check(p, "%%%s%%", "pct");
        check(p, "%d %d %d %d", 0, -1, INT_MAX, INT_MIN);
        check(p, "%u %u", 0u, UINT_MAX);
        check(p, "%zu %zu", (size_t)0, SIZE_MAX);
        check(p, "%llu %llu", 0ull, ULLONG_MAX);
        check(p, "[%c%c]", 'a', '"');
        check(p, "%.*s|%.*s|%.*s", 3, "abcdef", 0, "abc", 10, "ab");
        check(p, "%s and %s", big, big + 700);
    }
}

static void test_fallback_conversions(void **state)
{
    (void)state;
    check("", "%5s|%-4d|%x|%08.3f|%ld|%02u", "ab", 7, 255u, 3.14159, -5L, 3u);
    check("prefix ", "%.2f%% of %lld", 99.5, -3ll);
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    check("grow: ", "%10s %s", "w", big);
}

static void test_empty_buffer_reads_as_empty_string(void **state)
{
    (void)state;
    vg_buf a = VG_BUF_INIT, b;
    vg_buf_init(&b);
    assert_non_null(a.data);
    assert_string_equal(a.data, "");
    assert_ptr_equal(a.data, b.data); /* both the shared empty string */
    vg_buf_reset(&a);                 /* no memory of its own: nothing to write */
    assert_string_equal(a.data, "");
    vg_buf_release(&a); /* must not free the shared string (ASan would say so) */
    assert_non_null(a.data);
    assert_string_equal(a.data, "");
    vg_buf_add(&b, "", 0); /* an empty append allocates: b owns memory now */
    assert_ptr_not_equal(b.data, a.data);
    assert_string_equal(b.data, "");
    vg_buf_release(&b);
    assert_ptr_equal(b.data, a.data);
}

static void test_detach_of_empty_buffer_is_own_string(void **state)
{
    (void)state;
    vg_buf b = VG_BUF_INIT;
    char *s = vg_buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_ptr_not_equal(s, b.data); /* the caller's to free, not the shared one */
    free(s);
    assert_string_equal(b.data, "");
    vg_buf_adds(&b, "abc");
    s = vg_buf_detach(&b);
    assert_string_equal(s, "abc");
    assert_string_equal(b.data, ""); /* empty again, still never NULL */
    assert_int_equal(b.len, 0);
    vg_buf_adds(&b, "de"); /* and usable again */
    assert_string_equal(b.data, "de");
    vg_buf_release(&b);
    free(s);
}

static void test_growth_overflow_sets_oom_and_keeps_text(void **state)
{
    (void)state;
    vg_buf b = VG_BUF_INIT;
    assert_int_equal(vg_buf_grow(&b, SIZE_MAX), -1); /* len + extra + 1 wraps */
    assert_true(b.oom);
    assert_string_equal(b.data, "");
    vg_buf_adds(&b, "ignored after oom");
    assert_int_equal(b.len, 0);
    assert_null(vg_buf_detach(&b)); /* oom: NULL, and b is empty again */
    assert_false(b.oom);
    assert_string_equal(b.data, "");

    vg_buf_adds(&b, "kept");
    assert_int_equal(vg_buf_grow(&b, SIZE_MAX - b.len), -1);
    assert_int_equal(vg_buf_grow(&b, SIZE_MAX - b.len - 1), -1);
    assert_true(b.oom);
    assert_string_equal(b.data, "kept");
    vg_buf_printf(&b, "%s %d", "ignored", 1);
    assert_string_equal(b.data, "kept");
    vg_buf_release(&b);
    assert_false(b.oom);
    assert_string_equal(b.data, "");
}

static void test_zeroed_buffer_still_works(void **state)
{
    (void)state;
    vg_buf b;
    memset(&b, 0, sizeof b); /* a buffer inside a calloc'd struct */
    vg_buf_reset(&b);
    vg_buf_adds(&b, "x");
    assert_string_equal(b.data, "x");
    vg_buf_release(&b);
    assert_string_equal(b.data, "");
    memset(&b, 0, sizeof b);
    char *s = vg_buf_detach(&b);
    assert_string_equal(s, "");
    free(s);
    memset(&b, 0, sizeof b);
    vg_buf_release(&b);
    assert_string_equal(b.data, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_conversions),
        cmocka_unit_test(test_fallback_conversions),
        cmocka_unit_test(test_empty_buffer_reads_as_empty_string),
        cmocka_unit_test(test_detach_of_empty_buffer_is_own_string),
        cmocka_unit_test(test_growth_overflow_sets_oom_and_keeps_text),
        cmocka_unit_test(test_zeroed_buffer_still_works),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
