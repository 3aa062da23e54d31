/*
 * Edit semantics: set in place keeping spelling, spacing, quoting, comment
 * and line end; new keys appended as VMware writes them; remove of every
 * case variant; documents stay consistent after edits.
 */
#include "vmx_test.h"

static void set_ok(vg_vmx_doc *doc, const char *key, const char *value)
{
    vg_error err;
    vg_error_clear(&err);
    if (vg_vmx_doc_set(doc, key, value, &err) != 0)
        fail_msg("set %s: %s", key, err.msg);
}

static void check_edit(const char *in, const char *key, const char *value, const char *want)
{
    vg_vmx_doc *doc = parse_ok(in);
    set_ok(doc, key, value);
    assert_serializes_to(doc, want, strlen(want));
    vg_vmx_doc_free(doc);
}

static void set_keeps_crlf_line_endings(void **state)
{
    (void)state;
    check_edit("a = \"1\"\r\nb = \"2\"\r\n", "a", "9", "a = \"9\"\r\nb = \"2\"\r\n");
    check_edit("a = \"1\"\r\nb = \"2\"\r\n", "c", "3", "a = \"1\"\r\nb = \"2\"\r\nc = \"3\"\r\n");
}

static void set_keeps_lone_cr_line_endings(void **state)
{
    (void)state;
    check_edit("a = \"1\"\rb = \"2\"\r", "b", "x", "a = \"1\"\rb = \"x\"\r");
    check_edit("a = \"1\"\r", "n", "x", "a = \"1\"\rn = \"x\"\r");
}

static void set_keeps_key_spelling_spacing_and_comment(void **state)
{
    (void)state;
    check_edit("  Isolation.Tools.Copy.Disable   =\t\"FALSE\"  # keep me\n",
               "isolation.tools.copy.disable", "TRUE",
               "  Isolation.Tools.Copy.Disable   =\t\"TRUE\"  # keep me\n");
}

static void set_keeps_bare_values_bare_when_possible(void **state)
{
    (void)state;
    check_edit("scsi0:0.virtualSSD = 1\n", "scsi0:0.virtualSSD", "0", "scsi0:0.virtualSSD = 0\n");
    check_edit("a = b # c\n", "a", "x y", "a = \"x y\" # c\n");
    check_edit("a = b\n", "a", "", "a = \"\"\n");
    check_edit("a =\n", "a", "v", "a = \"v\"\n");
    check_edit("a = # c\n", "a", "v", "a = \"v\"# c\n");
}

static void set_escapes_value_as_vmware(void **state)
{
    (void)state;
    check_edit("annotation = \"old\"\n", "annotation", "say \"hi\"\r\n| ok\t\x7F",
               "annotation = \"say |22hi|22|0D|0A|7C ok\t|7F\"\n");
}

static void set_new_key_is_appended_at_end_as_vmware_writes(void **state)
{
    (void)state;
    check_edit("# c\na = 1\n\n", "RemoteDisplay.maxConnections", "1",
               "# c\na = 1\n\nRemoteDisplay.maxConnections = \"1\"\n");
}

static void set_same_value_leaves_document_unmodified(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("a = TRUE # odd spacing kept\n");
    set_ok(doc, "A", "TRUE");
    assert_false(vg_vmx_doc_modified(doc));
    set_ok(doc, "A", "FALSE");
    assert_true(vg_vmx_doc_modified(doc));
    vg_vmx_doc_free(doc);
}

static void set_without_final_newline_appends_and_remove_restores(void **state)
{
    (void)state;
    const char *in = "a = \"1\"\r\nb = \"2\"";
    vg_vmx_doc *doc = parse_ok(in);
    set_ok(doc, "c", "3");
    const char *mid = "a = \"1\"\r\nb = \"2\"\r\nc = \"3\"";
    assert_serializes_to(doc, mid, strlen(mid));
    vg_error err;
    assert_int_equal(vg_vmx_doc_remove(doc, "c", &err), 1);
    assert_serializes_to(doc, in, strlen(in));
    vg_vmx_doc_free(doc);
}

static void set_on_duplicate_key_changes_first_and_drops_the_others(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("msg.autoanswer = \"FALSE\"\nx = 1\nmsg.autoAnswer = \"TRUE\"\n");
    set_ok(doc, "msg.autoAnswer", "TRUE");
    const char *want = "msg.autoanswer = \"TRUE\"\nx = 1\n";
    assert_serializes_to(doc, want, strlen(want));
    assert_false(vg_vmx_doc_find(doc, "msg.autoanswer")->duplicate);
    vg_vmx_doc_free(doc);
}

static void remove_deletes_every_case_variant_and_counts(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("a = 1\r\nB = 2\r\n# c\r\nb = 3\r\nc = 4\r\n");
    vg_error err;
    assert_int_equal(vg_vmx_doc_remove(doc, "b", &err), 2);
    const char *want = "a = 1\r\n# c\r\nc = 4\r\n";
    assert_serializes_to(doc, want, strlen(want));
    assert_int_equal(vg_vmx_doc_remove(doc, "b", &err), 0);
    assert_int_equal(vg_vmx_doc_count(doc), 2);
    vg_vmx_doc_free(doc);
}

static void remove_absent_key_leaves_document_unmodified(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("a = 1\n");
    vg_error err;
    assert_int_equal(vg_vmx_doc_remove(doc, "zz", &err), 0);
    assert_false(vg_vmx_doc_modified(doc));
    vg_vmx_doc_free(doc);
}

static void set_rejects_invalid_keys(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "a b", "a=b", "a#b", "a\nb", "a\tb", "a\rb"};
    vg_vmx_doc *doc = parse_ok("a = 1\n");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vg_error err;
        assert_int_equal(vg_vmx_doc_set(doc, bad[i], "v", &err), VG_EUSAGE);
        assert_non_null(strstr(err.msg, "invalid key"));
    }
    assert_false(vg_vmx_doc_modified(doc));
    vg_vmx_doc_free(doc);
}

static void set_into_empty_document_uses_lf(void **state)
{
    (void)state;
    vg_vmx_doc *doc = vg_vmx_doc_new("new");
    set_ok(doc, ".encoding", "UTF-8");
    set_ok(doc, "a", "1");
    const char *want = ".encoding = \"UTF-8\"\na = \"1\"\n";
    assert_serializes_to(doc, want, strlen(want));
    assert_string_equal(vg_vmx_doc_encoding(doc), "UTF-8");
    vg_vmx_doc_free(doc);
}

static void entries_stay_consistent_after_edits(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("# head\na = 1\nweird line\nb = 2\nc = 3\n");
    vg_error err;
    set_ok(doc, "d", "4");
    assert_int_equal(vg_vmx_doc_remove(doc, "a", &err), 1);
    set_ok(doc, "c", "33");
    set_ok(doc, "e", "5");
    assert_int_equal(vg_vmx_doc_remove(doc, "d", &err), 1);
    static const char *const keys[] = {"b", "c", "e"};
    static const char *const vals[] = {"2", "33", "5"};
    static const unsigned lines[] = {4, 5, 0};
    assert_int_equal(vg_vmx_doc_count(doc), 3);
    for (size_t i = 0; i < 3; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(doc, i);
        assert_string_equal(e->key, keys[i]);
        assert_string_equal(e->value, vals[i]);
        assert_int_equal(e->line, lines[i]);
        assert_ptr_equal(vg_vmx_doc_find(doc, keys[i]), e);
    }
    assert_null(vg_vmx_doc_find(doc, "a"));
    assert_null(vg_vmx_doc_find(doc, "d"));
    const char *want = "# head\nweird line\nb = 2\nc = 33\ne = \"5\"\n";
    assert_serializes_to(doc, want, strlen(want));
    vg_vmx_doc_free(doc);
}

static void edits_keep_bom_comments_and_unparsed_lines(void **state)
{
    (void)state;
    check_edit("\xEF\xBB\xBF# c\n{% if x %}\na = \"1\"\n", "a", "2",
               "\xEF\xBB\xBF# c\n{% if x %}\na = \"2\"\n");
}

static void set_refuses_line_beyond_limit(void **state)
{
    (void)state;
    size_t n = VG_VMX_MAX_LINE;
    char *v = malloc(n + 1);
    memset(v, 'v', n);
    v[n] = '\0';
    vg_vmx_doc *doc = parse_ok("a = 1\n");
    vg_error err;
    assert_int_equal(vg_vmx_doc_set(doc, "b", v, &err), VG_EINPUT);
    assert_int_equal(vg_vmx_doc_set(doc, "a", v, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "limit"));
    assert_serializes_to(doc, "a = 1\n", 6);
    free(v);
    vg_vmx_doc_free(doc);
}

/* A later line whose key starts with U+FEFF's bytes, moved to the top by
 * removing the first line, must not read back as a byte-order mark (which
 * would turn it into another key, even the one just removed). */
static void removing_the_first_line_keeps_a_marked_key(void **state)
{
    (void)state;
    const char in[] = "a.key = \"1\"\n\xEF\xBB\xBF" "a.key = \"2\"\n";
    vg_vmx_doc *doc = parse_ok(in);
    vg_error err;
    assert_int_equal(vg_vmx_doc_remove(doc, "a.key", &err), 1);
    const char want[] = "\xEF\xBB\xBF\xEF\xBB\xBF" "a.key = \"2\"\n";
    assert_serializes_to(doc, want, sizeof want - 1);
    char *out;
    size_t len;
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &len, &err), 0);
    vg_vmx_doc *again = NULL;
    assert_int_equal(vg_vmx_doc_parse(out, len, "again", &again, &err), 0);
    assert_null(vg_vmx_doc_find(again, "a.key"));
    assert_int_equal(vg_vmx_doc_count(again), 1);
    vg_vmx_doc_free(again);
    free(out);
    vg_vmx_doc_free(doc);
}

/* Many copies of a key go in one pass; what stays keeps its order, its
 * line numbers for lookups and its final-line-end shape. */
static void set_over_interleaved_copies_keeps_the_rest_in_order(void **state)
{
    (void)state;
    size_t cap = 3000 * 40 + 64, at = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    for (int i = 0; i < 3000; i++)
        at += (size_t)snprintf(in + at, cap - at, "%s = \"%d\"\nk%d = \"v\"\n", i % 2 ? "A" : "a",
                               i, i);
    snprintf(in + at, cap - at, "# end\nlast = \"x\""); /* no final line end */
    vg_vmx_doc *doc = parse_ok(in);
    vg_error err;
    assert_int_equal(vg_vmx_doc_set(doc, "a", "new", &err), 0);
    assert_int_equal(vg_vmx_doc_count(doc), 3002);
    assert_string_equal(vg_vmx_doc_find(doc, "a")->value, "new");
    assert_false(vg_vmx_doc_find(doc, "a")->duplicate);
    assert_string_equal(vg_vmx_doc_find(doc, "k2999")->value, "v");
    assert_string_equal(vg_vmx_doc_entry(doc, 1)->key, "k0");
    assert_string_equal(vg_vmx_doc_entry(doc, 3001)->key, "last");
    char *out;
    size_t len;
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &len, &err), 0);
    const char *head = "a = \"new\"\nk0 = \"v\"\nk1 = \"v\"\n";
    assert_true(len > strlen(head) && memcmp(out, head, strlen(head)) == 0);
    assert_true(len > 16 && memcmp(out + len - 16, "# end\nlast = \"x\"", 16) == 0);
    assert_int_not_equal(out[len - 1], '\n');
    free(out);
    assert_int_equal(vg_vmx_doc_remove(doc, "last", &err), 1);
    assert_int_equal(vg_vmx_doc_remove(doc, "A", &err), 1);
    assert_null(vg_vmx_doc_find(doc, "a"));
    assert_int_equal(vg_vmx_doc_count(doc), 3000);
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &len, &err), 0);
    assert_true(len > 6 && memcmp(out + len - 5, "# end", 5) == 0); /* the shape kept */
    free(out);
    vg_vmx_doc_free(doc);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_keeps_crlf_line_endings),
        cmocka_unit_test(set_keeps_lone_cr_line_endings),
        cmocka_unit_test(set_keeps_key_spelling_spacing_and_comment),
        cmocka_unit_test(set_keeps_bare_values_bare_when_possible),
        cmocka_unit_test(set_escapes_value_as_vmware),
        cmocka_unit_test(set_new_key_is_appended_at_end_as_vmware_writes),
        cmocka_unit_test(set_same_value_leaves_document_unmodified),
        cmocka_unit_test(set_without_final_newline_appends_and_remove_restores),
        cmocka_unit_test(set_on_duplicate_key_changes_first_and_drops_the_others),
        cmocka_unit_test(remove_deletes_every_case_variant_and_counts),
        cmocka_unit_test(remove_absent_key_leaves_document_unmodified),
        cmocka_unit_test(set_rejects_invalid_keys),
        cmocka_unit_test(set_into_empty_document_uses_lf),
        cmocka_unit_test(entries_stay_consistent_after_edits),
        cmocka_unit_test(edits_keep_bom_comments_and_unparsed_lines),
        cmocka_unit_test(set_refuses_line_beyond_limit),
        cmocka_unit_test(removing_the_first_line_keeps_a_marked_key),
        cmocka_unit_test(set_over_interleaved_copies_keeps_the_rest_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
