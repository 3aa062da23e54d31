/*
 * `.encoding`: values stay bytes in the declared charset; the UTF-8 view
 * goes through iconv with VMware's names mapped; unknown names and invalid
 * bytes give U+FFFD, never a failure.
 */
#include "vmx_test.h"

static void check_utf8(const char *text, const char *key, const char *want)
{
    vg_vmx_doc *doc = parse_ok(text);
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, key);
    assert_non_null(e);
    char *got = vg_vmx_doc_to_utf8(doc, e->value);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("utf8 of %s: expected '%s', got '%s'", key, want, got);
    free(got);
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

static void windows_1252_values_convert_to_utf8(void **state)
{
    (void)state;
    check_utf8(".encoding = \"windows-1252\"\ndisplayName = \"caf\xE9 \x80\"\n", "displayName",
               "caf\xC3\xA9 \xE2\x82\xAC");
}

static void shift_jis_is_read_as_cp932_keeping_backslash_and_pipe_trail_bytes(void **state)
{
    (void)state;
    /* 仮想マシン, a Windows path, and ポ whose trail byte 0x7C VMware writes as |7C */
    check_utf8(".encoding = \"Shift_JIS\"\r\nn = \"\x89\xBC\x91\x7A\x83\x7D\x83\x56\x83\x93 "
               "C:\\VMs \x83|7C\"\r\n",
               "n",
               "\xE4\xBB\xAE\xE6\x83\xB3\xE3\x83\x9E\xE3\x82\xB7\xE3\x83\xB3 C:\\VMs "
               "\xE3\x83\x9D");
}

static void gbk_is_trusted_even_when_bytes_are_valid_utf8(void **state)
{
    (void)state;
    /* CE BB is 位 in GBK and λ in UTF-8: .encoding decides */
    check_utf8(".encoding = \"GBK\"\nnvram = \"CentOS 7 64 \xCE\xBB.nvram\"\n", "nvram",
               "CentOS 7 64 \xE4\xBD\x8D.nvram");
}

static void windows_949_2000_maps_to_cp949(void **state)
{
    (void)state;
    check_utf8(".encoding = \"windows-949-2000\"\r\nd = \"ansible \xBD\xC7\xC7\xE0\"\r\n", "d",
               "ansible \xEC\x8B\xA4\xED\x96\x89");
}

static void encoding_key_is_found_ignoring_case_and_position(void **state)
{
    (void)state;
    check_utf8("a = \"\xE9\"\n.ENCODING = \"WINDOWS-1252\"\n", "a", "\xC3\xA9");
}

static void utf8_and_missing_encoding_replace_invalid_bytes(void **state)
{
    (void)state;
    check_utf8(".encoding = \"UTF-8\"\nv = \"ok \xC3\xA9 bad \xC3 \xFF end\"\n", "v",
               "ok \xC3\xA9 bad \xEF\xBF\xBD \xEF\xBF\xBD end");
    check_utf8("v = \"\xE2\x82\"\n", "v", "\xEF\xBF\xBD\xEF\xBF\xBD");
    check_utf8("v = \"\xED\xA0\x80\"\n", "v", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void unknown_encoding_falls_back_to_utf8_with_replacement(void **state)
{
    (void)state;
    check_utf8(".encoding = \"klingon-1\"\nv = \"\xC3\xA9\xFF\"\n", "v", "\xC3\xA9\xEF\xBF\xBD");
}

static void invalid_bytes_in_legacy_charset_become_replacement(void **state)
{
    (void)state;
    /* 0x81 alone then ASCII is not valid CP932; a truncated lead byte at the end */
    check_utf8(".encoding = \"Shift_JIS\"\nv = \"a\x81 b\x83\"\n", "v",
               "a\xEF\xBF\xBD b\xEF\xBF\xBD");
}

static void corpus_gbk_file_shows_chinese_text(void **state)
{
    (void)state;
    const char *path =
        VG_SOURCE_DIR "/../shared/corpus/vmx/Vinci230__VMconfig__CentOS 7 64 \xE4\xBD\x8D.vmx";
    vg_vmx_doc *doc = NULL;
    vg_error err;
    if (vg_vmx_doc_load(path, &doc, &err) != 0)
        fail_msg("corpus file missing or unreadable (shared/ must sit beside the source): %s: %s",
                 err.file, err.msg);
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, "nvram");
    assert_non_null(e);
    char *u = vg_vmx_doc_to_utf8(doc, e->value);
    assert_string_equal(u, "CentOS 7 64 \xE4\xBD\x8D.nvram");
    free(u);
    vg_vmx_doc_free(doc);
}

static void check_from_utf8(const char *text, const char *utf8, int want_rc, const char *want)
{
    vg_vmx_doc *doc = parse_ok(text);
    char *out = NULL;
    vg_error err;
    int rc = vg_vmx_doc_from_utf8(doc, utf8, &out, &err);
    if (rc != want_rc)
        fail_msg("from_utf8('%s'): expected rc %d, got %d (%s)", utf8, want_rc, rc, err.msg);
    if (want)
        assert_string_equal(out, want);
    else
        assert_null(out);
    free(out);
    vg_vmx_doc_free(doc);
}

static void user_text_is_converted_into_the_file_charset(void **state)
{
    (void)state;
    check_from_utf8(".encoding = \"windows-1252\"\n", "caf\xC3\xA9 \xE2\x82\xAC", 0,
                    "caf\xE9 \x80");
    check_from_utf8(".encoding = \"Shift_JIS\"\n", "\xE4\xBB\xAE C:\\x", 0, "\x89\xBC C:\\x");
    check_from_utf8(".encoding = \"windows-1252\"\n", "\xE4\xBD\x8D", VG_EINPUT, NULL);
    check_from_utf8(".encoding = \"UTF-8\"\n", "ok\xC3", VG_EINPUT, NULL);
    check_from_utf8("a = 1\n", "\xE4\xBD\x8D", 0, "\xE4\xBD\x8D");
    check_from_utf8(".encoding = \"klingon\"\n", "\xE4\xBD\x8D", 0, "\xE4\xBD\x8D");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(windows_1252_values_convert_to_utf8),
        cmocka_unit_test(shift_jis_is_read_as_cp932_keeping_backslash_and_pipe_trail_bytes),
        cmocka_unit_test(gbk_is_trusted_even_when_bytes_are_valid_utf8),
        cmocka_unit_test(windows_949_2000_maps_to_cp949),
        cmocka_unit_test(encoding_key_is_found_ignoring_case_and_position),
        cmocka_unit_test(utf8_and_missing_encoding_replace_invalid_bytes),
        cmocka_unit_test(unknown_encoding_falls_back_to_utf8_with_replacement),
        cmocka_unit_test(invalid_bytes_in_legacy_charset_become_replacement),
        cmocka_unit_test(corpus_gbk_file_shows_chinese_text),
        cmocka_unit_test(user_text_is_converted_into_the_file_charset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
