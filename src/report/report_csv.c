/*
 * CSV: one row per VM x rule, RFC 4180 (CRLF line ends, fields holding a
 * comma, quote, CR or LF are quoted, quotes doubled).  Text is written as
 * UTF-8 as it is; spreadsheet users should import it as text (formulas in
 * .vmx values are data, docs/formats.md says so).
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static const char *const columns[] = {
    "vm_name",   "vm_path",       "vm_moref",        "vm_uuid",        "profile", "rule",
    "source_id", "refs",          "title",           "severity",       "status",  "raw_status",
    "key",       "actual",        "expected",        "evidence",       "fix",     "file",
    "line",      "waiver_reason", "waiver_approver", "waiver_expires",
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])

static void put_field(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    char *clean = vg_report_utf8(s);
    const char *v = clean ? clean : "";
    if (strpbrk(v, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    free(clean);
}

static int csv_begin(vg_report *r, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    for (size_t i = 0; i < N_COLUMNS; i++)
        put_field(f, columns[i], i == 0);
    fputs("\r\n", f);
    return vg_report_flush(r, err);
}

static void put_row(FILE *f, const vg_vm *vm, const vg_result *res)
{
    vg_buf refs = VG_BUF_INIT;
    char line[16] = "";
    if (res->line)
        snprintf(line, sizeof line, "%u", res->line);
    if (res->prule)
        vg_report_join(&refs, res->prule->refs, " ");
    const char *values[N_COLUMNS] = {
        vg_report_vm_name(vm),
        vm->path,
        vm->moref,
        vm->uuid,
        res->profile ? res->profile->id : NULL,
        vg_report_rule_id(res),
        res->prule ? res->prule->source_id : NULL,
        refs.data,
        vg_report_rule_title(res),
        vg_severity_name(vg_report_severity(res)),
        vg_result_status_name(res->status),
        vg_result_status_name(res->raw_status),
        res->key,
        res->actual,
        res->expected,
        res->evidence,
        res->fix,
        res->file,
        line,
        res->waiver_reason,
        res->waiver_approver,
        res->waiver_expires,
    };
    for (size_t i = 0; i < N_COLUMNS; i++)
        put_field(f, values[i], i == 0);
    fputs("\r\n", f);
    vg_buf_release(&refs);
}

static int csv_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    FILE *f = vg_report_stream(r);
    for (size_t i = 0; i < vr->n_results; i++)
        put_row(f, vr->vm, &vr->results[i]);
    return vg_report_flush(r, err);
}

/* CSV has rows of results only: problems go to the caller's diagnostics. */
static int csv_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    (void)r, (void)problem, (void)err;
    return VG_OK;
}

static int csv_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    (void)sum;
    return vg_report_flush(r, err);
}

const struct report_ops vg_report_csv_ops = {
    "csv", "CSV (RFC 4180), one row per VM x rule", csv_begin, csv_vm, csv_problem, csv_end, NULL,
};
