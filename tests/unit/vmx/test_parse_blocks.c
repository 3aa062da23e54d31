/*
 * The parser scans keys and values 16 bytes at a time (SSE2): a stop byte
 * anywhere in a block, past the line's end or at the very end of the
 * buffer must give the same entries as a byte-by-byte reading.  Every key
 * and value length from 0 to 40 is tried, quoted and bare, with and without
 * a '|' escape, as the last line without a line end, and before a comment.
 */
#include "vmx_test.h"

static void fill(char *out, size_t n, char first)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(first + (char)(i % 26));
    out[n] = '\0';
}

/* One document "<key> = <value><tail>" (tail: "", "\n", " # c\n"). */
static void check_line(size_t klen, size_t vlen, int quoted, int bar, const char *tail)
{
    char key[64], val[64], text[256];
    fill(key, klen, 'a');
    fill(val, vlen, 'A');
    if (bar && vlen >= 3)
        memcpy(val + vlen - 3, "|22", 3); /* decodes to '"' */
    snprintf(text, sizeof text, quoted ? "%s = \"%s\"%s" : "%s = %s%s", key, val, tail);
    vg_vmx_doc *doc = parse_ok(text);
    if (vg_vmx_doc_count(doc) != 1)
        fail_msg("'%s': %zu entries, want 1", text, vg_vmx_doc_count(doc));
    const vg_vmx_entry *e = vg_vmx_doc_entry(doc, 0);
    if (strcmp(e->key, key) != 0 || strcmp(e->raw, val) != 0)
        fail_msg("'%s': key '%s' raw '%s', want '%s' '%s'", text, e->key, e->raw, key, val);
    if (bar && vlen >= 3) {
        if (strlen(e->value) != vlen - 2 || e->value[vlen - 3] != '"')
            fail_msg("'%s': value '%s' not decoded", text, e->value);
    } else if (strcmp(e->value, val) != 0) {
        fail_msg("'%s': value '%s', want '%s'", text, e->value, val);
    }
    if (vg_vmx_doc_diag_count(doc) != 0)
        fail_msg("'%s': unexpected diagnostic", text);
    vg_vmx_doc_free(doc);
}

static void every_key_and_value_length_parses_alike(void **state)
{
    (void)state;
    static const char *const tails[] = {"", "\n", " # c\n", "\r\n"};
    for (size_t k = 1; k <= 40; k++)
        for (size_t v = 0; v <= 40; v++)
            for (int q = 0; q < 2; q++)
                for (int b = 0; b < 2; b++)
                    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++)
                        check_line(k, v, q, b, tails[t]);
}

/* A quote left open at a block boundary is still found to be unterminated. */
static void unterminated_quote_at_any_length_is_weird(void **state)
{
    (void)state;
    for (size_t v = 0; v <= 40; v++) {
        char val[64], text[128];
        fill(val, v, 'A');
        snprintf(text, sizeof text, "k = \"%s\nnext = 1\n", val);
        vg_vmx_doc *doc = parse_ok(text);
        assert_int_equal(vg_vmx_doc_count(doc), 1); /* only "next" */
        assert_string_equal(vg_vmx_doc_entry(doc, 0)->key, "next");
        assert_int_equal(vg_vmx_doc_diag_count(doc), 1);
        vg_vmx_doc_free(doc);
    }
}

/* Key stop bytes other than blanks: '=' right after the key, and a control
 * byte (<= 0x20 but no key stop) that stays part of the key. */
static void key_ends_only_at_key_stop_bytes(void **state)
{
    (void)state;
    vg_vmx_doc *doc = parse_ok("averyveryverylongkeyname.with.dots=\"1\"\nctl\x01key = 2\n");
    assert_int_equal(vg_vmx_doc_count(doc), 2);
    assert_string_equal(vg_vmx_doc_entry(doc, 0)->key, "averyveryverylongkeyname.with.dots");
    assert_string_equal(vg_vmx_doc_entry(doc, 1)->key, "ctl\x01key");
    vg_vmx_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_key_and_value_length_parses_alike),
        cmocka_unit_test(unterminated_quote_at_any_length_is_weird),
        cmocka_unit_test(key_ends_only_at_key_stop_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
