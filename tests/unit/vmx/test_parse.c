/*
 * Parser rules: line kinds, line ends, BOM, comments, weird lines, limits,
 * duplicates and lookups.  Each test names the behaviour it pins.
 */
#include "vmx_test.h"

static const vg_vmx_entry *find(const vg_vmx_doc *doc, const char *key)
{
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, key);
    if (!e)
        fail_msg("key '%s' not found", key);
    return e;
}

static void parses_quoted_bare_and_empty_values(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("a = \"x y\"\nb = TRUE\nc =\nd = \"\"\n");
    assert_int_equal(vg_vmx_doc_count(doc), 4);
    assert_string_equal(find(doc, "a")->value, "x y");
    assert_true(find(doc, "a")->quoted);
    assert_string_equal(find(doc, "b")->value, "TRUE");
    assert_false(find(doc, "b")->quoted);
    assert_string_equal(find(doc, "c")->value, "");
    assert_string_equal(find(doc, "d")->value, "");
    assert_int_equal(find(doc, "c")->line, 3);
    assert_int_equal(vg_vmx_doc_diag_count(doc), 0);
    vg_vmx_doc_free(doc);
}

static void hash_inside_quotes_is_data_and_after_is_comment(void **state)
{
    (void)state;
    const char *text = "mainmem.backing = \"swap\" # Disable swap\nx = \"a#b\"\ny = bare# c\n";
    vg_vmx_doc *doc = parse_ok(text);
    assert_string_equal(find(doc, "mainmem.backing")->value, "swap");
    assert_string_equal(find(doc, "x")->value, "a#b");
    assert_string_equal(find(doc, "y")->value, "bare");
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

static void spaces_and_tabs_around_equals_are_accepted(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("  .encoding =   \"UTF-8\"\n\tk\t=\tv\t\nkk=\"z\"\n");
    assert_string_equal(find(doc, ".encoding")->value, "UTF-8");
    assert_string_equal(find(doc, "k")->value, "v");
    assert_string_equal(find(doc, "kk")->value, "z");
    assert_string_equal(vg_vmx_doc_encoding(doc), "UTF-8");
    vg_vmx_doc_free(doc);
}

static void keeps_lf_crlf_and_lone_cr_line_ends(void **state)
{
    (void)state;
    assert_roundtrip("a = \"1\"\nb = \"2\"\n");
    assert_roundtrip("a = \"1\"\r\nb = \"2\"\r\n");
    assert_roundtrip("a = \"1\"\rb = \"2\"\r");
    assert_roundtrip("a = \"1\"\r\nb = \"2\"\nc = \"3\"\r\r\n");
    vg_vmx_doc *doc = parse_ok("a = \"1\"\rb = \"2\"\r\nc = 3\r");
    assert_int_equal(vg_vmx_doc_count(doc), 3);
    assert_string_equal(find(doc, "b")->value, "2");
    assert_string_equal(find(doc, "c")->value, "3");
    assert_int_equal(find(doc, "c")->line, 3);
    vg_vmx_doc_free(doc);
}

static void keeps_missing_final_newline(void **state)
{
    (void)state;
    assert_roundtrip("a = \"1\"\nb = \"2\"");
    assert_roundtrip("# only a comment");
    assert_roundtrip("");
    vg_vmx_doc *doc = parse_ok("a = \"1\"\nb = bare");
    assert_string_equal(find(doc, "b")->value, "bare");
    vg_vmx_doc_free(doc);
}

static void bom_is_kept_and_warned(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF.encoding = \"UTF-8\"\nx = \"1\"\n";
    vg_vmx_doc *doc = parse_ok(text);
    assert_string_equal(find(doc, ".encoding")->value, "UTF-8");
    int d = diag_index(doc, "bom");
    assert_true(d >= 0);
    assert_int_equal(vg_vmx_doc_diag(doc, (size_t)d)->level, VG_DIAG_WARNING);
    assert_int_equal(vg_vmx_doc_diag(doc, (size_t)d)->line, 1);
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

static void comments_blank_lines_and_shebang_are_kept(void **state)
{
    (void)state;
    const char *text = "#!/usr/bin/vmware\n\n   \n# note\n\t# indented\na = \"1\"\n\n";
    vg_vmx_doc *doc = parse_ok(text);
    assert_int_equal(vg_vmx_doc_count(doc), 1);
    assert_int_equal(find(doc, "a")->line, 6);
    assert_int_equal(vg_vmx_doc_diag_count(doc), 0);
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

static void unparsed_lines_are_kept_and_warned_with_line(void **state)
{
    (void)state;
    static const char *const weird[] = {
        "no equals here", "k = \"open quote",     "k = \"v\" trailing",  "= nokey",
        "k = a b",        "{% if AMD == '1' -%}", "k = \\\"Min:1\\\" x",
    };
    for (size_t i = 0; i < sizeof weird / sizeof weird[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "a = \"1\"\r\n%s\r\nb = \"2\"\r\n", weird[i]);
        vg_vmx_doc *doc = parse_ok(text);
        assert_int_equal(vg_vmx_doc_count(doc), 2);
        int d = diag_index(doc, "unparsed-line");
        if (d < 0)
            fail_msg("no unparsed-line diagnostic for '%s'", weird[i]);
        assert_int_equal(vg_vmx_doc_diag(doc, (size_t)d)->line, 2);
        assert_int_equal(vg_vmx_doc_diag(doc, (size_t)d)->level, VG_DIAG_WARNING);
        assert_serializes_to(doc, text, strlen(text));
        vg_vmx_doc_free(doc);
    }
}

static void keys_are_case_insensitive_and_keep_spelling(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("ethernet0.allowGuestConnectionControl = \"FALSE\"\n");
    const vg_vmx_entry *e = find(doc, "ETHERNET0.ALLOWGUESTCONNECTIONCONTROL");
    assert_string_equal(e->key, "ethernet0.allowGuestConnectionControl");
    assert_ptr_equal(find(doc, "ethernet0.allowguestconnectioncontrol"), e);
    assert_null(vg_vmx_doc_find(doc, "ethernet0.allowGuestConnection"));
    vg_vmx_doc_free(doc);
}

static void duplicate_keys_are_errors_naming_both_lines_and_find_returns_first(void **state)
{
    (void)state;
    vg_vmx_doc *doc =
        parse_ok("msg.autoanswer = \"FALSE\"\nx = \"1\"\nmsg.autoAnswer = \"TRUE\"\n");
    int d = diag_index(doc, "duplicate-key");
    assert_true(d >= 0);
    const vg_vmx_diag *diag = vg_vmx_doc_diag(doc, (size_t)d);
    assert_int_equal(diag->level, VG_DIAG_ERROR);
    assert_int_equal(diag->line, 3);
    assert_non_null(strstr(diag->msg, "line 1"));
    assert_non_null(strstr(diag->msg, "msg.autoAnswer"));
    const vg_vmx_entry *e = find(doc, "MSG.AUTOANSWER");
    assert_string_equal(e->value, "FALSE");
    assert_int_equal(e->line, 1);
    assert_true(e->duplicate);
    assert_true(vg_vmx_doc_entry(doc, 2)->duplicate);
    assert_false(vg_vmx_doc_entry(doc, 1)->duplicate);
    vg_vmx_doc_free(doc);
}

static void entries_iterate_in_file_order(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("z = 1\n# c\na = 2\nm = 3\n");
    assert_int_equal(vg_vmx_doc_count(doc), 3);
    assert_string_equal(vg_vmx_doc_entry(doc, 0)->key, "z");
    assert_string_equal(vg_vmx_doc_entry(doc, 1)->key, "a");
    assert_int_equal(vg_vmx_doc_entry(doc, 1)->line, 3);
    assert_string_equal(vg_vmx_doc_entry(doc, 2)->key, "m");
    assert_null(vg_vmx_doc_entry(doc, 3));
    vg_vmx_doc_free(doc);
}

static void glob_matches_keys_ignoring_case(void **state)
{
    (void)state;
    assert_true(vg_vmx_glob_match("ethernet*.filter*.name", "ethernet0.filter1.name"));
    assert_true(vg_vmx_glob_match("ethernet*.filter*.name", "Ethernet10.FILTER0.Name"));
    assert_false(vg_vmx_glob_match("ethernet*.filter*.name", "ethernet0.filter1.onFailure"));
    assert_true(vg_vmx_glob_match("pciPassthru*.present", "pcipassthru12.present"));
    assert_true(vg_vmx_glob_match("pciPassthru*.present", "pciPassthru*.present"));
    assert_true(vg_vmx_glob_match("scsi?:?.mode", "scsi0:1.mode"));
    assert_false(vg_vmx_glob_match("scsi?:?.mode", "scsi0:10.mode"));
    assert_true(vg_vmx_glob_match("*", ""));
    assert_false(vg_vmx_glob_match("a", ""));
    assert_true(vg_vmx_glob_match("a*b*c", "aXbYbZc"));
    vg_vmx_doc *doc = parse_ok("ethernet0.present = TRUE\nserial0.present = FALSE\n"
                               "ETHERNET1.PRESENT = TRUE\n");
    size_t pos = 0;
    const vg_vmx_entry *e = vg_vmx_doc_match(doc, "ethernet*.present", &pos);
    assert_string_equal(e->key, "ethernet0.present");
    e = vg_vmx_doc_match(doc, "ethernet*.present", &pos);
    assert_string_equal(e->key, "ETHERNET1.PRESENT");
    assert_null(vg_vmx_doc_match(doc, "ethernet*.present", &pos));
    vg_vmx_doc_free(doc);
}

static void nul_byte_is_rejected_with_offset(void **state)
{
    (void)state;
    const char text[] = "a = \"1\"\nb = \"x\0y\"\n";
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_parse(text, sizeof text - 1, "bin.vmx", &doc, &err), VG_EINPUT);
    assert_null(doc);
    assert_string_equal(err.msg, "binary content (NUL byte at offset 14)");
    assert_string_equal(err.file, "bin.vmx");
    assert_int_equal(err.line, 2);
}

static void file_beyond_limit_is_rejected_naming_limit(void **state)
{
    (void)state;
    size_t n = VG_VMX_MAX_FILE + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '#', n);
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_parse(big, n, "big.vmx", &doc, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "67108864-byte limit"));
    free(big);
}

static void line_beyond_limit_is_rejected_naming_line_and_limit(void **state)
{
    (void)state;
    size_t n = VG_VMX_MAX_LINE + 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memcpy(big, "a = 1\nk = \"", 11);
    memset(big + 11, 'x', n - 11);
    big[n] = '\0';
    vg_vmx_doc *doc = NULL;
    vg_error err;
    assert_int_equal(vg_vmx_doc_parse(big, n, "long.vmx", &doc, &err), VG_EINPUT);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "1048576-byte line limit"));
    free(big);
}

static void line_at_limit_is_accepted(void **state)
{
    (void)state;
    size_t n = VG_VMX_MAX_LINE;
    char *big = malloc(n + 2);
    assert_non_null(big);
    memcpy(big, "k = \"", 5);
    memset(big + 5, 'x', n - 6);
    big[n - 1] = '"';
    big[n] = '\n';
    big[n + 1] = '\0';
    vg_vmx_doc *doc = parse_ok(big);
    assert_int_equal(strlen(find(doc, "k")->value), n - 6);
    vg_vmx_doc_free(doc);
    free(big);
}

static void unknown_encoding_is_warned_not_fatal(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok(".encoding = \"x-no-such-charset\"\na = \"1\"\n");
    int d = diag_index(doc, "unknown-encoding");
    assert_true(d >= 0);
    assert_int_equal(vg_vmx_doc_diag(doc, (size_t)d)->line, 1);
    assert_string_equal(vg_vmx_doc_encoding(doc), "x-no-such-charset");
    vg_vmx_doc_free(doc);
    doc = parse_ok(".encoding = \"windows-949-2000\"\n");
    assert_int_equal(diag_index(doc, "unknown-encoding"), -1);
    vg_vmx_doc_free(doc);
}

static void empty_document_has_no_entries(void **state)
{
    (void)state;
    vg_vmx_doc *doc = vg_vmx_doc_new("synth");
    assert_string_equal(vg_vmx_doc_name(doc), "synth");
    assert_int_equal(vg_vmx_doc_count(doc), 0);
    assert_null(vg_vmx_doc_find(doc, "a"));
    assert_null(vg_vmx_doc_encoding(doc));
    assert_serializes_to(doc, "", 0);
    vg_vmx_doc_free(doc);
    vg_vmx_doc_free(NULL);
}

static void many_unparsed_lines_cap_the_diagnostics(void **state)
{
    (void)state;
    size_t n = 20000;
    char *text = malloc(n * 2 + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++) {
        text[2 * i] = 'x';
        text[2 * i + 1] = '\n';
    }
    text[2 * n] = '\0';
    vg_vmx_doc *doc = parse_ok(text);
    assert_int_equal(vg_vmx_doc_diag_count(doc), 10001);
    assert_true(diag_index(doc, "too-many-diagnostics") == 10000);
    assert_serializes_to(doc, text, 2 * n);
    vg_vmx_doc_free(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_quoted_bare_and_empty_values),
        cmocka_unit_test(hash_inside_quotes_is_data_and_after_is_comment),
        cmocka_unit_test(spaces_and_tabs_around_equals_are_accepted),
        cmocka_unit_test(keeps_lf_crlf_and_lone_cr_line_ends),
        cmocka_unit_test(keeps_missing_final_newline),
        cmocka_unit_test(bom_is_kept_and_warned),
        cmocka_unit_test(comments_blank_lines_and_shebang_are_kept),
        cmocka_unit_test(unparsed_lines_are_kept_and_warned_with_line),
        cmocka_unit_test(keys_are_case_insensitive_and_keep_spelling),
        cmocka_unit_test(duplicate_keys_are_errors_naming_both_lines_and_find_returns_first),
        cmocka_unit_test(entries_iterate_in_file_order),
        cmocka_unit_test(glob_matches_keys_ignoring_case),
        cmocka_unit_test(nul_byte_is_rejected_with_offset),
        cmocka_unit_test(file_beyond_limit_is_rejected_naming_limit),
        cmocka_unit_test(line_beyond_limit_is_rejected_naming_line_and_limit),
        cmocka_unit_test(line_at_limit_is_accepted),
        cmocka_unit_test(unknown_encoding_is_warned_not_fatal),
        cmocka_unit_test(empty_document_has_no_entries),
        cmocka_unit_test(many_unparsed_lines_cap_the_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
