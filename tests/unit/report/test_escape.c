/*
 * The JSON writers no longer build jansson trees per VM: they escape
 * strings themselves.  Their output must stay byte for byte what jansson's
 * compact dump of json_string(vg_report_utf8(s)) was, so every case here is
 * checked against jansson itself: each single byte, each pair of bytes,
 * the characters JSON treats specially, and seeded random strings.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* What the jansson-based writers wrote for s. */
static char *jansson_string(const char *s)
{
    if (!s)
        return strdup("null");
    char *clean = vg_report_utf8(s);
    json_t *j = json_string(clean);
    assert_non_null(j);
    char *out = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    free(clean);
    return out;
}

static void expect_same_as_jansson(const char *s)
{
    char *want = jansson_string(s);
    vg_buf got = VG_BUF_INIT;
    vg_report_json_add_str(&got, s);
    assert_false(got.oom);
    if (strcmp(want, got.data) != 0) {
        fprintf(stderr, "input bytes:");
        for (const unsigned char *p = (const unsigned char *)s; s && *p; p++)
            fprintf(stderr, " %02X", *p);
        fprintf(stderr, "\n");
        fail_msg("want %s, got %s", want, got.data);
    }
    free(want);
    vg_buf_release(&got);
}

static void escapes_like_jansson_for_special_characters(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "plain ASCII text",
        "quote \" backslash \\ slash / end",
        "\b\f\n\r\t",
        "\x01\x02\x0b\x0e\x1b[31m\x1f",
        "DEL \x7f stays",
        "line\xe2\x80\xa8separator and paragraph\xe2\x80\xa9separator", /* U+2028, U+2029 */
        "M\xc3\xbcller \xe2\x98\x83 \xf0\x9f\x98\x80",                  /* ü, snowman, emoji */
        "bad \xff byte, lone \x80 continuation, truncated \xe2\x98",
        "overlong \xc0\xaf and \xe0\x80\xaf",
        "surrogate \xed\xa0\x80 and beyond \xf4\x90\x80\x80",
        "\xef\xbf\xbe\xef\xbf\xbf U+FFFE U+FFFF kept in JSON",
        "trailing lead byte \xc3",
        "\"\\\"\\\\",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_same_as_jansson(cases[i]);
    expect_same_as_jansson(NULL);
}

static void escapes_like_jansson_for_every_byte_and_pair(void **state)
{
    (void)state;
    char s[3] = {0};
    for (int a = 1; a < 256; a++) {
        s[0] = (char)a;
        s[1] = 0;
        expect_same_as_jansson(s);
        for (int b = 1; b < 256; b++) {
            s[1] = (char)b;
            expect_same_as_jansson(s);
        }
    }
}

static uint32_t rng = 2026;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void escapes_like_jansson_for_random_strings(void **state)
{
    (void)state;
    /* pieces that make broken and valid UTF-8 likely, mixed with raw bytes */
    static const char *const pieces[] = {
        "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "\xe2\x98", "\xed\xa0\x80", "\"", "\\",
        "/",        "\x7f"};
    char s[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0, len = next() % 40;
        while (n < len) {
            uint32_t v = next();
            if (v % 3 == 0) {
                const char *p = pieces[(v >> 8) % (sizeof pieces / sizeof pieces[0])];
                size_t k = strlen(p);
                if (n + k >= sizeof s)
                    break;
                memcpy(s + n, p, k);
                n += k;
            } else {
                s[n++] = (char)(1 + (v >> 8) % 255); /* any byte but NUL */
            }
        }
        s[n] = 0;
        expect_same_as_jansson(s);
    }
}

/* The text writer's and CSV's tables go through the same loop: a stop byte
 * without a substitute is copied, invalid UTF-8 becomes U+FFFD. */
static void clean_copy_keeps_stop_bytes_without_substitute(void **state)
{
    (void)state;
    static const struct vg_escapes esc = {
        .stop = {VG_ESC_STOP_C0, ['"'] = 1, VG_ESC_STOP_HIGH},
        .sub = {['"'] = "\"\""},
    };
    vg_buf b = VG_BUF_INIT;
    vg_report_add_clean(&b, "a\"b\n\xff\xc3\xa9", &esc);
    assert_string_equal(b.data, "a\"\"b\n\xef\xbf\xbd\xc3\xa9");
    vg_buf_reset(&b);
    vg_report_add_clean(&b, NULL, &esc);
    assert_int_equal(b.len, 0);
    vg_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_like_jansson_for_special_characters),
        cmocka_unit_test(escapes_like_jansson_for_every_byte_and_pair),
        cmocka_unit_test(escapes_like_jansson_for_random_strings),
        cmocka_unit_test(clean_copy_keeps_stop_bytes_without_substitute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
