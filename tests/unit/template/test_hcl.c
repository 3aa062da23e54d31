/*
 * The HCL2 subset parser: literals decode as HCL does, computed values stay
 * unknown with their source text, every value keeps its byte span and line,
 * and bad input fails with the line and column of the problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template/template_hcl.h"

static hcl_file *parse(const char *src, int json)
{
    hcl_file *f = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_hcl_parse(src, strlen(src), "t.hcl", json, &f, &err);
    if (rc != VG_OK)
        fail_msg("parse failed: %s:%u: %s", err.file, err.line, err.msg);
    return f;
}

/* the error text "LINE:MSG" of a parse that must fail */
static void expect_error(const char *src, int json, unsigned line, const char *msg)
{
    hcl_file *f = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_hcl_parse(src, strlen(src), "t.hcl", json, &f, &err);
    if (rc == VG_OK) {
        vg_hcl_free(f);
        fail_msg("parsed, expected an error containing '%s'", msg);
    }
    if (err.line != line || !strstr(err.msg, msg))
        fail_msg("expected line %u '%s', got line %u '%s'", line, msg, err.line, err.msg);
}

static const hcl_value *attr(const hcl_file *f, const char *name)
{
    const hcl_item *it = vg_hcl_attr(&f->body, name);
    if (!it)
        fail_msg("no attribute %s", name);
    return it->value;
}

static void literals_decode(void **state)
{
    (void)state;
    const char *src = "a = \"x\\ty\\\"z\\u00e9\"\n"
                      "b = -12.5e1\n"
                      "c = true\n"
                      "d = null\n"
                      "e = \"$${not} %%{this}\"\n"
                      "f = [1, \"two\", false,]\n";
    hcl_file *f = parse(src, 0);
    assert_string_equal(attr(f, "a")->text, "x\ty\"z\xc3\xa9");
    assert_int_equal(attr(f, "b")->kind, HCL_NUMBER);
    assert_string_equal(attr(f, "b")->text, "-12.5e1");
    assert_int_equal(attr(f, "c")->kind, HCL_BOOL);
    assert_int_equal(attr(f, "d")->kind, HCL_NULL);
    assert_string_equal(attr(f, "e")->text, "${not} %{this}");
    const hcl_value *l = attr(f, "f");
    assert_int_equal(l->kind, HCL_LIST);
    assert_int_equal(l->n_items, 3);
    assert_string_equal(l->items[1].value->text, "two");
    vg_hcl_free(f);
}

static void computed_values_stay_unknown(void **state)
{
    (void)state;
    const char *src = "a = var.x\n"
                      "b = \"pre ${var.y} post\"\n"
                      "c = upper(\"x\")\n"
                      "d = var.on ? \"TRUE\" : \"FALSE\"\n"
                      "e = 1 + 2\n"
                      "f = [for s in var.l : s]\n"
                      "g = local.m[\"k\"].z\n"
                      "h = -var.n\n";
    hcl_file *f = parse(src, 0);
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    const char *texts[] = {
        "var.x", "\"pre ${var.y} post\"", "upper(\"x\")",     "var.on ? \"TRUE\" : \"FALSE\"",
        "1 + 2", "[for s in var.l : s]",  "local.m[\"k\"].z", "-var.n"};
    for (size_t i = 0; i < 8; i++) {
        const hcl_value *v = attr(f, names[i]);
        if (v->kind != HCL_UNKNOWN || strcmp(v->text, texts[i]) != 0)
            fail_msg("%s: kind %d text '%s', expected unknown '%s'", names[i], v->kind, v->text,
                     texts[i]);
    }
    vg_hcl_free(f);
}

static void heredocs_strip_and_keep_lines(void **state)
{
    (void)state;
    const char *src = "a = <<-EOT\n"
                      "    one\n"
                      "      two\n"
                      "    EOT\n"
                      "b = <<EOT\n"
                      "  keep ${x}\n"
                      "EOT\n"
                      "c = 1\n";
    hcl_file *f = parse(src, 0);
    assert_string_equal(attr(f, "a")->text, "one\n  two\n");
    assert_int_equal(attr(f, "b")->kind, HCL_UNKNOWN);
    assert_int_equal(vg_hcl_attr(&f->body, "c")->line, 8);
    vg_hcl_free(f);
}

static void blocks_and_object_spans(void **state)
{
    (void)state;
    const char *src = "# comment\n"
                      "source \"vmware-iso\" \"u\" {\n"
                      "  vmx_data = {\n"
                      "    \"log.keepOld\" = \"9\" // why\n"
                      "    bare          = 1\n"
                      "  }\n"
                      "}\n";
    hcl_file *f = parse(src, 0);
    assert_int_equal(f->body.n_blocks, 1);
    const hcl_block *b = &f->body.blocks[0];
    assert_string_equal(b->type, "source");
    assert_int_equal(b->n_labels, 2);
    assert_string_equal(b->labels[1], "u");
    assert_int_equal(src[b->close], '}');
    const hcl_value *m = vg_hcl_attr(&b->body, "vmx_data")->value;
    assert_int_equal(m->kind, HCL_OBJECT);
    assert_true(m->multiline);
    const hcl_item *k = vg_hcl_item(m, "log.keepOld");
    assert_non_null(k);
    assert_int_equal(k->line, 4);
    assert_int_equal(k->col, 5);
    assert_memory_equal(src + k->value->off, "\"9\"", 3);
    assert_int_equal(k->value->end - k->value->off, 3);
    assert_non_null(vg_hcl_item(m, "bare"));
    assert_int_equal(src[m->off], '{');
    assert_int_equal(src[m->end - 1], '}');
    vg_hcl_free(f);
}

static void json_mode_reads_json(void **state)
{
    (void)state;
    const char *src = "{\n  \"a\": {\"b\": \"${x}\", \"c\": [1, 2.5, true, null]},\n"
                      "  \"d\": \"\\/\\b\\u00e9\"\n}";
    hcl_file *f = parse(src, 1);
    const hcl_item *a = vg_hcl_item(f->value, "a");
    assert_non_null(a);
    assert_int_equal(a->line, 2);
    /* JSON has no interpolation */
    assert_string_equal(vg_hcl_item(a->value, "b")->value->text, "${x}");
    assert_string_equal(vg_hcl_item(f->value, "d")->value->text, "/\b\xc3\xa9");
    vg_hcl_free(f);
}

static void errors_name_line_and_column(void **state)
{
    (void)state;
    expect_error("a = \"open\n", 0, 1, "column 10: unterminated string");
    expect_error("b {\n  a = 1\n", 0, 1, "column 3: block is not closed");
    expect_error("a = 1\na = 2\n", 0, 2, "attribute \"a\" redefined (first on line 1)");
    expect_error("m = {\n  k = 1\n  k = 2\n}\n", 0, 3, "duplicate object key \"k\"");
    expect_error("a = \"\\q\"\n", 0, 1, "column 6: invalid escape sequence");
    expect_error("a = 1 b = 2\n", 0, 1, "column 7: expected a line end after the attribute");
    expect_error("x = <<EOT\nno end\n", 0, 1, "heredoc <<EOT has no closing EOT line");
    expect_error("}\n", 0, 1, "'}' closes no block");
    expect_error("/* open\n", 0, 1, "unterminated /* comment");
    expect_error("{\"a\" 1}", 1, 1, "expected ':' after an object key");
    expect_error("[1] x", 1, 1, "text after the JSON value");
    char deep[300];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    char src[310];
    snprintf(src, sizeof src, "a = %s", deep);
    expect_error(src, 0, 1, "nesting deeper than 64 levels");
    hcl_file *f = NULL;
    vg_error err;
    assert_int_equal(vg_hcl_parse("a = \"x\"\0b", 9, "t.hcl", 0, &f, &err), VG_EINPUT);
    assert_non_null(strstr(err.msg, "NUL bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literals_decode),
        cmocka_unit_test(computed_values_stay_unknown),
        cmocka_unit_test(heredocs_strip_and_keep_lines),
        cmocka_unit_test(blocks_and_object_spans),
        cmocka_unit_test(json_mode_reads_json),
        cmocka_unit_test(errors_name_line_and_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
