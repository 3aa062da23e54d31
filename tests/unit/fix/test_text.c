/* Text the fix module produces: unified diffs and per-language quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmxguard.h"

/* Names that broke other tools' scripts: quotes, $, %, &, backticks,
 * newlines, wildcards, template syntax, non-ASCII, smart quotes. */
static const char *const hostile[] = {
    "plain",
    "with space",
    "it's",
    "say \"hi\"",
    "$(touch /tmp/vg-pwned)",
    "`id`",
    "100% & more",
    "line1\nline2",
    "tab\there",
    "back\\slash",
    "${HOME} %{if x}",
    "{{ lookup('pipe','id') }}",
    "\xe2\x80\x98smart\xe2\x80\x99 quotes",
    "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
    "star*[a]?",
    "-vm",
    "'",
    "",
};

static void diff_of_equal_texts_is_empty(void **state)
{
    (void)state;
    char *d = vg_fix_diff("a\n", 2, "a\n", 2, "x", "x", 0);
    assert_string_equal(d, "");
    free(d);
}

static void diff_shows_changed_and_appended_lines(void **state)
{
    (void)state;
    const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
    const char *b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\nnew\n";
    char *d = vg_fix_diff(a, strlen(a), b, strlen(b), "f.vmx", "f.vmx", 0);
    assert_string_equal(d, "--- f.vmx\n+++ f.vmx\n"
                           "@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n"
                           "@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+new\n");
    free(d);
}

static void diff_marks_missing_final_newline_and_keeps_crlf(void **state)
{
    (void)state;
    const char *a = "k = \"1\"\r\nlast";
    const char *b = "k = \"2\"\r\nlast";
    char *d = vg_fix_diff(a, strlen(a), b, strlen(b), "f", "f", 0);
    assert_string_equal(d, "--- f\n+++ f\n@@ -1,2 +1,2 @@\n-k = \"1\"\r\n+k = \"2\"\r\n"
                           " last\n\\ No newline at end of file\n");
    free(d);
}

static void diff_colours_only_when_asked(void **state)
{
    (void)state;
    char *d = vg_fix_diff("a\n", 2, "b\n", 2, "f", "f", 1);
    assert_non_null(strstr(d, "\033[31m-a\033[0m"));
    assert_non_null(strstr(d, "\033[32m+b\033[0m"));
    free(d);
}

/* The shell reads the quoted word back as exactly the original bytes. */
static void sh_quote_round_trips_through_sh(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        char *q = vg_fix_quote_sh(hostile[i]);
        size_t n = strlen(q) + 32;
        char *cmd = malloc(n);
        snprintf(cmd, n, "printf '%%s' %s", q);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char out[256] = "";
        size_t got = fread(out, 1, sizeof out - 1, p);
        out[got] = '\0';
        assert_int_equal(pclose(p), 0);
        assert_string_equal(out, hostile[i]);
        free(cmd);
        free(q);
    }
}

static void ps_quote_doubles_every_single_quote_form(void **state)
{
    (void)state;
    char *q = vg_fix_quote_ps("it's $(x) `n \xe2\x80\x99");
    assert_string_equal(q, "'it''s $(x) `n \xe2\x80\x99\xe2\x80\x99'");
    free(q);
    q = vg_fix_quote_ps("a\nb");
    assert_string_equal(q, "'a\nb'");
    free(q);
}

static void yaml_quote_escapes_controls_and_separators(void **state)
{
    (void)state;
    char *q = vg_fix_quote_yaml("a\"b\\c\nd\te \xe2\x80\xa8 \xc2\x85 \xc3\xa9 {{x}}");
    assert_string_equal(q, "\"a\\\"b\\\\c\\x0Ad\\x09e \\L \\u0085 \xc3\xa9 {{x}}\"");
    free(q);
    q = vg_fix_quote_yaml("bad\xff");
    assert_string_equal(q, "\"bad\\xFF\"");
    free(q);
}

static void hcl_quote_escapes_templates(void **state)
{
    (void)state;
    char *q = vg_fix_quote_hcl("${a} %{if} $b %c \"q\" \\ \n");
    assert_string_equal(q, "\"$${a} %%{if} $b %c \\\"q\\\" \\\\ \\n\"");
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diff_of_equal_texts_is_empty),
        cmocka_unit_test(diff_shows_changed_and_appended_lines),
        cmocka_unit_test(diff_marks_missing_final_newline_and_keeps_crlf),
        cmocka_unit_test(diff_colours_only_when_asked),
        cmocka_unit_test(sh_quote_round_trips_through_sh),
        cmocka_unit_test(ps_quote_doubles_every_single_quote_form),
        cmocka_unit_test(yaml_quote_escapes_controls_and_separators),
        cmocka_unit_test(hcl_quote_escapes_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
