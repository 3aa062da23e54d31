/*
 * vg_buf_printf has a fast path for the plain conversions (%s %.*s %c %d %u
 * %zu %llu %%) and falls back to vsnprintf for the rest: both must give
 * exactly what snprintf gives, also when appending to a buffer that already
 * holds text and when the result needs the buffer to grow.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_conversions),
        cmocka_unit_test(test_fallback_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
