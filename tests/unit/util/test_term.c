/*
 * vg_term_escape: every class a terminal acts on comes out as a visible
 * escape, ordinary text (ASCII, accents, CJK, emoji) comes out unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/term.h"

static void expect(const char *in, size_t len, unsigned flags, const char *want)
{
    vg_buf b = VG_BUF_INIT;
    vg_term_escape(&b, in, len, flags);
    if (strcmp(b.data, want) != 0)
        fail_msg("escape of %zu bytes: want '%s', got '%s'", len, want, b.data);
    assert_int_equal(vg_term_is_clean(in, len, flags), strcmp(in, want) == 0 && strlen(in) == len);
    vg_buf_release(&b);
}

#define E(in, want) expect(in, sizeof in - 1, 0, want)

static void every_control_class_is_shown_escaped(void **state)
{
    (void)state;
    E("a\x1b[31mb", "a\\x1B[31mb");
    E("\x01\x07\x08\x0b\x0c\x1f", "\\x01\\x07\\x08\\x0B\\x0C\\x1F");
    E("t\tn\nr\r", "t\\tn\\nr\\r");
    E("del\x7f", "del\\x7F");
    E("csi\xc2\x9b" "2J nel\xc2\x85 st\xc2\x9c", "csi\\u009B2J nel\\u0085 st\\u009C");
    E("\xc2\x80\xc2\x9f", "\\u0080\\u009F");
    E("rlo\xe2\x80\xae" "exe", "rlo\\u202Eexe");
    E("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202A\\u202B\\u202C\\u202D");
    E("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069");
    E("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200E\\u200F\\u061C");
    E("ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls\\u2028ps\\u2029");
}

static void bytes_that_are_not_utf8_are_shown_as_hex(void **state)
{
    (void)state;
    E("caf\xe9!", "caf\\xE9!");
    E("\xff\xfe", "\\xFF\\xFE");
    E("\xc0\x9b", "\\xC0\\x9B");         /* overlong C1 CSI: not decoded */
    E("\xe0\x82\x9b", "\\xE0\\x82\\x9B"); /* overlong again */
    E("\xed\xa0\x80", "\\xED\\xA0\\x80"); /* surrogate */
    E("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* beyond U+10FFFF */
    E("cut\xe2\x80", "cut\\xE2\\x80");   /* truncated sequence */
    expect("a\0b", 3, 0, "a\\x00b");
}

static void ordinary_text_is_unchanged(void **state)
{
    (void)state;
    E("web01.vmx = \"TRUE\" C:\\path", "web01.vmx = \"TRUE\" C:\\path");
    E("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0\xc2\xbf",
      "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0\xc2\xbf");
    E("\xe2\x80\x90 \xe2\x80\xa7 \xe2\x80\xaf", "\xe2\x80\x90 \xe2\x80\xa7 \xe2\x80\xaf");
    E("", "");
}

static void flags_keep_line_feeds_and_tabs(void **state)
{
    (void)state;
    expect("a\tb\nc\r", 6, VG_TERM_KEEP_NL | VG_TERM_KEEP_TAB, "a\tb\nc\\r");
    expect("a\tb\n", 4, VG_TERM_KEEP_TAB, "a\tb\\n");
}

static void str_returns_the_input_when_clean(void **state)
{
    (void)state;
    vg_buf scratch = VG_BUF_INIT;
    const char *s = "plain";
    assert_ptr_equal(vg_term_str(&scratch, s, 0), s);
    assert_string_equal(vg_term_str(&scratch, "x\x1b", 0), "x\\x1B");
    assert_string_equal(vg_term_str(&scratch, NULL, 0), "");
    vg_buf_release(&scratch);
    char *d = vg_term_escape_dup("\xe2\x80\xae", 3, 0);
    assert_string_equal(d, "\\u202E");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_control_class_is_shown_escaped),
        cmocka_unit_test(bytes_that_are_not_utf8_are_shown_as_hex),
        cmocka_unit_test(ordinary_text_is_unchanged),
        cmocka_unit_test(flags_keep_line_feeds_and_tabs),
        cmocka_unit_test(str_returns_the_input_when_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
