/*
 * The |XX codec against the worked examples of reference/vmx-format.md
 * section 4 (a port of VMware's Escape_Undo state machine).
 */
#include "vmx_test.h"

static void check_unescape(const char *raw, const char *want)
{
    char *got = vg_vmx_unescape(raw, strlen(raw));
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("unescape('%s'): expected '%s', got '%s'", raw, want, got);
    free(got);
}

static void unescape_follows_vmware_single_pass(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"a|22b", "a\"b"},  {"|7c", "|"},       {"|7C", "|"},       {"x|", "x|"},
        {"x|2", "x|2"},     {"|zz", "|zz"},     {"||22", "||22"},   {"|2|22", "|2|22"},
        {"|7C22", "|22"},   {"|g1|41", "|g1A"}, {"|0D|0A", "\r\n"}, {"", ""},
        {"plain", "plain"}, {"|", "|"},         {"a|4a|4A", "aJJ"}, {"|41|", "A|"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_unescape(cases[i][0], cases[i][1]);
}

static void unescape_can_produce_any_byte(void **state)
{
    (void)state;
    char *got = vg_vmx_unescape("|FF|80|01", 9);
    assert_memory_equal(got, "\xFF\x80\x01", 4);
    free(got);
}

static void escape_uses_upper_case_for_control_quote_pipe_and_del(void **state)
{
    (void)state;
    const char in[] = "a\"b|c\r\n\td\x7F\x01\x1F\xC3\xA9\\";
    char *got = vg_vmx_escape(in, sizeof in - 1);
    assert_string_equal(got, "a|22b|7Cc|0D|0A\td|7F|01|1F\xC3\xA9\\");
    free(got);
}

static void escape_then_unescape_is_identity_for_all_bytes(void **state)
{
    (void)state;
    char in[255];
    for (int i = 0; i < 255; i++)
        in[i] = (char)(i + 1);
    char *esc = vg_vmx_escape(in, sizeof in);
    assert_null(strchr(esc, '"'));
    char *back = vg_vmx_unescape(esc, strlen(esc));
    assert_memory_equal(back, in, sizeof in);
    assert_int_equal(strlen(back), sizeof in);
    free(esc);
    free(back);
}

static void parsed_value_is_decoded_and_raw_kept(void **state)
{
    (void)state;
    const char *text = "annotation = \"line1|0D|0Asay |22hi|22 |7C x|\"\n";
    vg_vmx_doc *doc = parse_ok(text);
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, "annotation");
    assert_string_equal(e->raw, "line1|0D|0Asay |22hi|22 |7C x|");
    assert_string_equal(e->value, "line1\r\nsay \"hi\" | x|");
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unescape_follows_vmware_single_pass),
        cmocka_unit_test(unescape_can_produce_any_byte),
        cmocka_unit_test(escape_uses_upper_case_for_control_quote_pipe_and_del),
        cmocka_unit_test(escape_then_unescape_is_identity_for_all_bytes),
        cmocka_unit_test(parsed_value_is_decoded_and_raw_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
