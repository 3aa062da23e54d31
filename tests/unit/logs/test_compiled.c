/*
 * The signatures compiled at build time (cmake/logs_sigs_compile.c) are the
 * ones the loader makes of the embedded catalog/logs/signatures.yaml: same
 * fields, tokens, quick-reject words, index and settings.
 */
#include "catalog/catalog_embedded.h"
#include "logs/logs_internal.h"
#include "logs_test.h"

static void same_str(const char *want, const char *got)
{
    if (!want || !got)
        assert_ptr_equal(want, got);
    else
        assert_string_equal(want, got);
}

static vg_log_sigs *parse_embedded(void)
{
    for (const struct vg_embedded_file *f = vg_catalog_embedded; f->path; f++) {
        if (strcmp(f->path, "logs/signatures.yaml") != 0)
            continue;
        vg_log_sigs *s = NULL;
        vg_error err;
        vg_error_clear(&err);
        if (vg_log_sigs_parse(f->data, f->len, "catalog/logs/signatures.yaml", &s, &err) != 0)
            fail_msg("%s:%u: %s", err.file, err.line, err.msg);
        return s;
    }
    fail_msg("logs/signatures.yaml not embedded");
    return NULL;
}

static void same_sig(const log_sig *w, const log_sig *g)
{
    assert_int_equal(w->kind, g->kind);
    same_str(w->id, g->id);
    same_str(w->title, g->title);
    same_str(w->fix, g->fix);
    same_str(w->rule_id, g->rule_id);
    same_str(w->pattern, g->pattern);
    same_str(w->device_tpl, g->device_tpl);
    same_str(w->opcode_tpl, g->opcode_tpl);
    same_str(w->section, g->section);
    same_str(w->enter_section, g->enter_section);
    assert_int_equal(w->category, g->category);
    assert_int_equal(w->severity, g->severity);
    assert_int_equal(w->n_toks, g->n_toks);
    for (size_t t = 0; t < w->n_toks; t++) {
        const sig_tok *a = &w->toks[t], *b = &g->toks[t];
        assert_int_equal(a->lit == NULL, b->lit == NULL);
        if (a->lit)
            assert_int_equal(a->lit - w->pattern, b->lit - g->pattern);
        assert_int_equal(a->len, b->len);
        assert_int_equal(a->cap, b->cap);
        assert_true(a->head == b->head && a->head_mask == b->head_mask);
    }
    assert_true(w->head == g->head && w->head_mask == g->head_mask);
    assert_int_equal(w->blank_at, g->blank_at);
    assert_int_equal(w->n_caps, g->n_caps);
    for (size_t c = 0; c < w->n_caps; c++)
        same_str(w->cap_names[c], g->cap_names[c]);
    for (size_t c = 0; c < SIG_MAX_CAPS; c++)
        assert_int_equal(w->fact_field[c], g->fact_field[c]);
    assert_int_equal(w->n_except, g->n_except);
    for (size_t e = 0; e < w->n_except; e++) {
        assert_int_equal(w->except[e].cap, g->except[e].cap);
        same_str(w->except[e].value, g->except[e].value);
    }
    assert_int_equal(w->session_end, g->session_end);
    assert_int_equal(w->line, g->line);
}

static void compiled_signatures_equal_the_loaded_yaml(void **state)
{
    (void)state;
    vg_log_sigs *want = parse_embedded();
    vg_log_sigs *got = sigs_ok();
    assert_ptr_equal(got, &vg_logs_sigs_compiled);
    assert_int_equal(want->n, got->n);
    for (size_t i = 0; i < want->n; i++)
        same_sig(&want->sigs[i], &got->sigs[i]);
    for (int b = 0; b < 256; b++) {
        assert_int_equal(want->n_by_byte[b], got->n_by_byte[b]);
        for (size_t k = 0; k < want->n_by_byte[b]; k++)
            assert_int_equal(want->by_byte[b][k], got->by_byte[b][k]);
    }
    assert_int_equal(want->n_checks, got->n_checks);
    for (size_t i = 0; i < want->n_checks; i++) {
        same_str(want->checks[i].id, got->checks[i].id);
        same_str(want->checks[i].title, got->checks[i].title);
        same_str(want->checks[i].fix, got->checks[i].fix);
        same_str(want->checks[i].rule_id, got->checks[i].rule_id);
        assert_int_equal(want->checks[i].category, got->checks[i].category);
        assert_int_equal(want->checks[i].severity, got->checks[i].severity);
    }
    assert_true(want->flood_rate == got->flood_rate);
    assert_true(want->far_factor == got->far_factor);
    assert_int_equal(want->default_keep_old, got->default_keep_old);
    assert_int_equal(want->slack_bytes, got->slack_bytes);
    assert_int_equal(want->unset_max_bytes, got->unset_max_bytes);
    same_str(want->name, got->name);
    assert_int_equal(want->builtin, 0);
    assert_int_equal(got->builtin, 1);
    size_t n = want->n;
    vg_log_sigs_free(want);
    vg_log_sigs_free(got); /* harmless: static data, still there */
    assert_int_equal(got->n, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiled_signatures_equal_the_loaded_yaml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
