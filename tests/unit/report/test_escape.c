/*
 * The JSON writers no longer build jansson trees per VM: they escape
 * strings themselves.  Their output must stay byte for byte what jansson's
 * compact dump of json_string(vg_report_utf8(s)) is through vg_json_dumps
 * (jansson plus the \u escapes of characters a terminal acts on), so every
 * case here is checked against that: each single byte, each pair of bytes,
 * the characters JSON treats specially, and seeded random strings.  Both
 * must turn C1 controls, bidi overrides and separators into \u escapes.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above */
#include <cmocka.h>
#include <stdio.h>
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
    char *out = vg_json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
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

/* Nothing a terminal acts on survives in either JSON path, and what is
 * written parses back to the very same string. */
static void active_characters_become_u_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a\xc2\x9b"
         "31m",
         "\"a\\u009B31m\""},                                    /* CSI */
        {"\xc2\x85next", "\"\\u0085next\""},                    /* NEL */
        {"exe.\xe2\x80\xaetxt", "\"exe.\\u202Etxt\""},          /* RLO */
        {"\xe2\x81\xa6x\xe2\x81\xa9", "\"\\u2066x\\u2069\""},   /* isolates */
        {"l\xe2\x80\xa8p\xe2\x80\xa9", "\"l\\u2028p\\u2029\""}, /* separators */
        {"\xd8\x9c\xe2\x80\x8f", "\"\\u061C\\u200F\""},         /* marks */
        {"caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac", "\"caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac\""}, /* kept */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vg_buf got = VG_BUF_INIT;
        vg_report_json_add_str(&got, cases[i].in);
        assert_string_equal(got.data, cases[i].want);
        char *dumped = jansson_string(cases[i].in);
        assert_string_equal(dumped, cases[i].want);
        json_t *back = json_loads(dumped, JSON_DECODE_ANY, NULL);
        assert_non_null(back);
        assert_string_equal(json_string_value(back), cases[i].in);
        json_decref(back);
        free(dumped);
        vg_buf_release(&got);
    }
}

/* A big document dumped to a file through the filter: every active
 * character escaped wherever jansson's chunks fall, the rest unchanged. */
static void dumpf_escapes_across_a_large_document(void **state)
{
    (void)state;
    json_t *arr = json_array();
    for (int i = 0; i < 5000; i++) {
        char s[64];
        snprintf(s, sizeof s, "%d\xe2\x80\xae\xc3\xa9\\\"\xc2\x9b", i);
        json_array_append_new(arr, json_string(s));
    }
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(vg_json_dumpf(arr, f, JSON_INDENT(1)), 0);
    long n = ftell(f);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = 0;
    fclose(f);
    assert_null(strstr(text, "\xe2\x80\xae"));
    assert_null(strstr(text, "\xc2\x9b"));
    json_t *back = json_loads(text, 0, NULL);
    assert_true(json_equal(back, arr));
    json_decref(back);
    json_decref(arr);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_like_jansson_for_special_characters),
        cmocka_unit_test(escapes_like_jansson_for_every_byte_and_pair),
        cmocka_unit_test(escapes_like_jansson_for_random_strings),
        cmocka_unit_test(clean_copy_keeps_stop_bytes_without_substitute),
        cmocka_unit_test(active_characters_become_u_escapes),
        cmocka_unit_test(dumpf_escapes_across_a_large_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
