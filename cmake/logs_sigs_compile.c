/*
 * Build tool: compiles the log signatures into C data.  It loads
 * catalog/logs/signatures.yaml with the loader the binary used to run at
 * every start (src/logs/logs_sig.c: a bad file fails the build with its line)
 * and writes the loaded form, tokens, quick-reject words and the first-byte
 * index included, as static data named vg_logs_sigs_compiled for
 * src/logs/logs_sig_builtin.c.  Token literals point into their pattern, as
 * the loader's do.
 * Usage: vg_logs_sigs_compile OUT.c signatures.yaml
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs_internal.h"
#include "c_literal.h"

#define NAME "catalog/logs/signatures.yaml"

/* Strings are writable arrays (the struct's fields are char *, freed by
 * vg_log_sigs_free for a loaded set; never for this one). */
static void put_array(FILE *o, const char *name, const char *s)
{
    if (!s)
        return;
    fprintf(o, "static char %s[] = ", name);
    put_str(o, s);
    fputs(";\n", o);
}

static void put_field(FILE *o, const char *field, const char *name, const char *s)
{
    if (s)
        fprintf(o, "        .%s = %s,\n", field, name);
}

/* A word as SIG_WORD(bytes...), so the data does not depend on the build
 * machine's byte order. */
static void put_word(FILE *o, uint64_t w)
{
    unsigned char b[8];
    memcpy(b, &w, 8);
    fputs("SIG_WORD(", o);
    for (int i = 0; i < 8; i++)
        fprintf(o, "%s0x%02x", i ? ", " : "", b[i]);
    fputc(')', o);
}

static void put_sig_arrays(FILE *o, size_t i, const log_sig *s)
{
    char name[64];
    const char *fields[] = {"id",         "title",      "fix",     "rule_id",      "pattern",
                            "device_tpl", "opcode_tpl", "section", "enter_section"};
    const char *vals[] = {s->id,         s->title,      s->fix,     s->rule_id,      s->pattern,
                          s->device_tpl, s->opcode_tpl, s->section, s->enter_section};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        snprintf(name, sizeof name, "s%zu_%s", i, fields[f]);
        put_array(o, name, vals[f]);
    }
    for (size_t c = 0; c < s->n_caps; c++) {
        snprintf(name, sizeof name, "s%zu_cap%zu", i, c);
        put_array(o, name, s->cap_names[c]);
    }
    for (size_t e = 0; e < s->n_except; e++) {
        snprintf(name, sizeof name, "s%zu_except%zu", i, e);
        put_array(o, name, s->except[e].value);
    }
    if (s->n_except) {
        fprintf(o, "static sig_except s%zu_except[] = {\n", i);
        for (size_t e = 0; e < s->n_except; e++)
            fprintf(o, "    {%d, s%zu_except%zu},\n", s->except[e].cap, i, e);
        fputs("};\n", o);
    }
    for (size_t e = 0; e < s->n_only; e++) {
        snprintf(name, sizeof name, "s%zu_only%zu", i, e);
        put_array(o, name, s->only[e].value);
    }
    if (s->n_only) {
        fprintf(o, "static sig_except s%zu_only[] = {\n", i);
        for (size_t e = 0; e < s->n_only; e++)
            fprintf(o, "    {%d, s%zu_only%zu},\n", s->only[e].cap, i, e);
        fputs("};\n", o);
    }
    fprintf(o, "static sig_tok s%zu_toks[] = {\n", i);
    for (size_t t = 0; t < s->n_toks; t++) {
        const sig_tok *k = &s->toks[t];
        if (k->lit)
            fprintf(o, "    {s%zu_pattern + %zu, %zu, %d, ", i, (size_t)(k->lit - s->pattern),
                    k->len, k->cap);
        else
            fprintf(o, "    {NULL, %zu, %d, ", k->len, k->cap);
        put_word(o, k->head);
        fputs(", ", o);
        put_word(o, k->head_mask);
        fputs("},\n", o);
    }
    fputs("};\n", o);
}

static void put_sig(FILE *o, size_t i, const log_sig *s)
{
    char name[64];
    const char *fields[] = {"id",         "title",      "fix",     "rule_id",      "pattern",
                            "device_tpl", "opcode_tpl", "section", "enter_section"};
    const char *vals[] = {s->id,         s->title,      s->fix,     s->rule_id,      s->pattern,
                          s->device_tpl, s->opcode_tpl, s->section, s->enter_section};
    fprintf(o, "    [%zu] = {\n        .kind = (enum sig_kind)%d,\n", i, (int)s->kind);
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        snprintf(name, sizeof name, "s%zu_%s", i, fields[f]);
        put_field(o, fields[f], name, vals[f]);
    }
    fprintf(o, "        .category = (vg_log_category)%d,\n", (int)s->category);
    fprintf(o, "        .severity = (vg_severity)%d,\n", (int)s->severity);
    fprintf(o, "        .toks = s%zu_toks,\n        .n_toks = %zu,\n", i, s->n_toks);
    fputs("        .head = ", o);
    put_word(o, s->head);
    fputs(",\n        .head_mask = ", o);
    put_word(o, s->head_mask);
    fprintf(o, ",\n        .blank_at = %zu,\n", s->blank_at);
    fputs("        .cap_names = {", o);
    for (size_t c = 0; c < s->n_caps; c++)
        fprintf(o, "s%zu_cap%zu, ", i, c);
    fprintf(o, "},\n        .n_caps = %zu,\n        .fact_field = {", s->n_caps);
    for (size_t c = 0; c < SIG_MAX_CAPS; c++)
        fprintf(o, "%d, ", s->fact_field[c]);
    fputs("},\n", o);
    if (s->n_except)
        fprintf(o, "        .except = s%zu_except,\n        .n_except = %zu,\n", i, s->n_except);
    if (s->n_only)
        fprintf(o, "        .only = s%zu_only,\n        .n_only = %zu,\n", i, s->n_only);
    fprintf(o, "        .escalates = %d,\n        .esc_count = %zu,\n", s->escalates, s->esc_count);
    fprintf(o, "        .esc_peak_per_min = %zu,\n        .esc_severity = (vg_severity)%d,\n",
            s->esc_peak_per_min, (int)s->esc_severity);
    fprintf(o, "        .session_end = %d,\n        .line = %u,\n", s->session_end, s->line);
    fprintf(o, "        .ignore_case = %d,\n    },\n", s->ignore_case);
}

static void put_check(FILE *o, size_t i, const log_check *c)
{
    char name[64];
    const char *fields[] = {"id", "title", "fix", "rule_id"};
    const char *vals[] = {c->id, c->title, c->fix, c->rule_id};
    fprintf(o, "    [%zu] = {\n", i);
    for (size_t f = 0; f < 4; f++) {
        snprintf(name, sizeof name, "c%zu_%s", i, fields[f]);
        put_field(o, fields[f], name, vals[f]);
    }
    fprintf(o, "        .category = (vg_log_category)%d,\n", (int)c->category);
    fprintf(o, "        .severity = (vg_severity)%d,\n    },\n", (int)c->severity);
}

/* The first-byte index: one array per distinct candidate list. */
static void put_index(FILE *o, const vg_log_sigs *S, int *list_of)
{
    for (int b = 0; b < 256; b++) {
        list_of[b] = b;
        for (int e = 0; e < b; e++) {
            if (list_of[e] == e && S->n_by_byte[e] == S->n_by_byte[b] &&
                memcmp(S->by_byte[e], S->by_byte[b], S->n_by_byte[b] * sizeof(size_t)) == 0) {
                list_of[b] = e;
                break;
            }
        }
        if (list_of[b] != b)
            continue;
        fprintf(o, "static size_t by_byte%d[] = {", b);
        for (size_t k = 0; k < S->n_by_byte[b]; k++)
            fprintf(o, "%zu, ", S->by_byte[b][k]);
        fputs(S->n_by_byte[b] ? "};\n" : "0};\n", o);
    }
}

static int write_c(FILE *o, const vg_log_sigs *S)
{
    int list_of[256];
    fputs("/* generated by cmake/logs_sigs_compile.c from " NAME ": do not edit */\n"
          "#include \"logs/logs_internal.h\"\n\n",
          o);
    for (size_t i = 0; i < S->n; i++)
        put_sig_arrays(o, i, &S->sigs[i]);
    fprintf(o, "static log_sig sigs[%zu] = {\n", S->n ? S->n : 1);
    for (size_t i = 0; i < S->n; i++)
        put_sig(o, i, &S->sigs[i]);
    fputs("};\n", o);
    for (size_t i = 0; i < S->n_checks; i++) {
        const log_check *c = &S->checks[i];
        char name[64];
        snprintf(name, sizeof name, "c%zu_id", i);
        put_array(o, name, c->id);
        snprintf(name, sizeof name, "c%zu_title", i);
        put_array(o, name, c->title);
        snprintf(name, sizeof name, "c%zu_fix", i);
        put_array(o, name, c->fix);
        snprintf(name, sizeof name, "c%zu_rule_id", i);
        put_array(o, name, c->rule_id);
    }
    fprintf(o, "static log_check checks[%zu] = {\n", S->n_checks ? S->n_checks : 1);
    for (size_t i = 0; i < S->n_checks; i++)
        put_check(o, i, &S->checks[i]);
    fputs("};\n", o);
    put_index(o, S, list_of);
    put_array(o, "sigs_name", S->name);
    fprintf(o, "\nvg_log_sigs vg_logs_sigs_compiled = {\n    .sigs = sigs,\n    .n = %zu,\n", S->n);
    fputs("    .by_byte = {", o);
    for (int b = 0; b < 256; b++)
        fprintf(o, "%sby_byte%d,", b % 8 ? " " : "\n        ", list_of[b]);
    fputs("\n    },\n    .n_by_byte = {", o);
    for (int b = 0; b < 256; b++)
        fprintf(o, "%s%zu,", b % 16 ? " " : "\n        ", S->n_by_byte[b]);
    fprintf(o, "\n    },\n    .checks = checks,\n    .n_checks = %zu,\n", S->n_checks);
    fprintf(o, "    .flood_rate = %a,\n    .default_keep_old = %lldLL,\n", S->flood_rate,
            S->default_keep_old);
    fprintf(o, "    .far_factor = %a,\n    .slack_bytes = %lldLL,\n", S->far_factor,
            S->slack_bytes);
    fprintf(o, "    .unset_max_bytes = %lldLL,\n    .name = sigs_name,\n    .builtin = 1,\n};\n",
            S->unset_max_bytes);
    return ferror(o) ? -1 : 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: vg_logs_sigs_compile OUT.c signatures.yaml\n");
        return 2;
    }
    size_t len = 0;
    char *text = slurp(argv[2], &len);
    if (!text) {
        fprintf(stderr, "vmxguard: %s: cannot read\n", argv[2]);
        return 1;
    }
    vg_log_sigs *S = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_log_sigs_parse(text, len, NAME, &S, &err);
    free(text);
    if (rc != VG_OK) {
        fprintf(stderr, "vmxguard: %s:%u: %s\n", err.file, err.line, err.msg);
        return 1;
    }
    FILE *o = fopen(argv[1], "w");
    int bad = !o || write_c(o, S) != 0;
    if (o && fclose(o) != 0)
        bad = 1;
    if (bad) {
        fprintf(stderr, "vmxguard: %s: cannot write\n", argv[1]);
        vg_log_sigs_free(S);
        return 1;
    }
    vg_log_sigs_free(S);
    return 0;
}
