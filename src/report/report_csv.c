/*
 * CSV: one row per VM x rule, RFC 4180 (CRLF line ends, fields holding a
 * comma, quote, CR or LF are quoted, quotes doubled).  Text is written as
 * UTF-8 as it is.  A cell a spreadsheet would take for a formula (one
 * starting with =, +, -, @, tab or CR: a display name, a file name or a
 * .vmx value chosen by whoever controls the VM) is defused the way OWASP's
 * CSV-injection advice says: a leading ' makes it text, and it is quoted.
 * Plain numbers (-1) stay numbers.  opts.raw_cells writes cells as they are.
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

/* CSV has no escapes of its own, so what would drive the terminal of
 * whoever runs `cat report.csv` (the C0 controls but tab and line feed,
 * which a quoted cell may hold: a carriage return inside a cell would
 * overwrite what the terminal shows; DEL; C1 controls, bidi overrides and
 * separators) is written in vg_term_escape's visible form, \x1B or \u202E.
 * Records still end in CR LF (RFC 4180).  Inside quotes a quote is doubled. */
#define CSV_VISIBLE_C0                                                                             \
    [0x01] = "\\x01", [0x02] = "\\x02", [0x03] = "\\x03", [0x04] = "\\x04", [0x05] = "\\x05",      \
    [0x06] = "\\x06", [0x07] = "\\x07", [0x08] = "\\x08", [0x0B] = "\\x0B", [0x0C] = "\\x0C",      \
    [0x0D] = "\\x0D", [0x0E] = "\\x0E", [0x0F] = "\\x0F", [0x10] = "\\x10", [0x11] = "\\x11",      \
    [0x12] = "\\x12", [0x13] = "\\x13", [0x14] = "\\x14", [0x15] = "\\x15", [0x16] = "\\x16",      \
    [0x17] = "\\x17", [0x18] = "\\x18", [0x19] = "\\x19", [0x1A] = "\\x1A", [0x1B] = "\\x1B",      \
    [0x1C] = "\\x1C", [0x1D] = "\\x1D", [0x1E] = "\\x1E", [0x1F] = "\\x1F", [0x7F] = "\\x7F"
static const struct vg_escapes quoted_escapes = {
    .stop = {VG_ESC_STOP_C0, ['"'] = 1, [0x7F] = 1, VG_ESC_STOP_HIGH},
    .sub = {['"'] = "\"\"", CSV_VISIBLE_C0},
    .escape_active = 1,
};
static const struct vg_escapes no_escapes = {
    .stop = {VG_ESC_STOP_C0, [0x7F] = 1, VG_ESC_STOP_HIGH},
    .sub = {CSV_VISIBLE_C0},
    .escape_active = 1,
};

/* A number as a spreadsheet reads one: [+-]digits[.digits][e[+-]digits]. */
static int is_plain_number(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    size_t digits = strspn(p, "0123456789");
    if (!digits)
        return 0;
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        if (!frac)
            return 0;
        p += 1 + frac;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        p += *p == '-' || *p == '+';
        size_t exp = strspn(p, "0123456789");
        if (!exp)
            return 0;
        p += exp;
    }
    return *p == '\0';
}

static int looks_like_formula(const char *s)
{
    return s && strchr("=+-@\t\r", s[0]) && s[0] && !is_plain_number(s);
}

static void add_field_as(vg_buf *b, const char *s, int first, int raw)
{
    if (!first)
        vg_report_addc(b, ',');
    if (!raw && looks_like_formula(s)) {
        vg_report_addc(b, '"');
        vg_report_addc(b, '\'');
        vg_report_add_clean(b, s, &quoted_escapes);
        vg_report_addc(b, '"');
        return;
    }
    /* clean-up only replaces bytes >= 0x80, so the raw text decides quoting */
    if (s && strpbrk(s, ",\"\r\n")) {
        vg_report_addc(b, '"');
        vg_report_add_clean(b, s, &quoted_escapes);
        vg_report_addc(b, '"');
    } else {
        vg_report_add_clean(b, s, &no_escapes);
    }
}

static void add_field(vg_buf *b, const char *s, int first)
{
    add_field_as(b, s, first, 0);
}

struct csv_state {
    vg_buf rows; /* one VM's rows, reused */
};

static int csv_begin(vg_report *r, vg_error *err)
{
    struct csv_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    vg_buf_init(&s->rows);
    r->state = s;
    for (size_t i = 0; i < N_COLUMNS; i++)
        add_field(&s->rows, columns[i], i == 0);
    VG_REPORT_LIT(&s->rows, "\r\n");
    if (s->rows.oom)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    int rc = vg_report_write(r, s->rows.data, s->rows.len, err);
    return rc ? rc : vg_report_flush(r, err);
}

/* The VM's own columns open every one of its rows: written once per VM. */
#define N_VM_COLUMNS 4

static void add_vm_columns(vg_buf *b, const vg_vm *vm, int raw)
{
    const char *values[N_VM_COLUMNS] = {vg_report_vm_name(vm), vm->path, vm->moref, vm->uuid};
    for (size_t i = 0; i < N_VM_COLUMNS; i++)
        add_field_as(b, values[i], i == 0, raw);
}

static void add_row(vg_buf *b, vg_buf *refs, const vg_buf *vm_columns, const vg_result *res,
                    int raw)
{
    char line[16] = "";
    if (res->line) { /* %u without printf's set-up, which costs more than the row */
        size_t i = sizeof line - 1;
        unsigned v = res->line;
        do
            line[--i] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        memmove(line, line + i, sizeof line - i);
    }
    vg_buf_reset(refs);
    if (res->prule)
        vg_report_join(refs, res->prule->refs, " ");
    const char *values[N_COLUMNS - N_VM_COLUMNS] = {
        res->profile ? res->profile->id : NULL,
        vg_report_rule_id(res),
        res->prule ? res->prule->source_id : NULL,
        refs->len ? refs->data : NULL,
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
    vg_report_add(b, vm_columns->data, vm_columns->len);
    for (size_t i = 0; i < N_COLUMNS - N_VM_COLUMNS; i++)
        add_field_as(b, values[i], 0, raw);
    VG_REPORT_LIT(b, "\r\n");
}

static int csv_render(const vg_report *r, const vg_vm_report *vr, vg_buf *out, vg_error *err)
{
    (void)err;
    int raw = r->opts.raw_cells;
    vg_buf refs = VG_BUF_INIT, vm_columns = VG_BUF_INIT;
    add_vm_columns(&vm_columns, vr->vm, raw);
    for (size_t i = 0; i < vr->n_results && !vm_columns.oom; i++)
        add_row(out, &refs, &vm_columns, &vr->results[i], raw);
    if (refs.oom || vm_columns.oom)
        out->oom = 1;
    vg_buf_release(&refs);
    vg_buf_release(&vm_columns);
    return VG_OK;
}

static int csv_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t n,
                        vg_error *err)
{
    (void)vr;
    int rc = vg_report_write(r, bytes, n, err);
    return rc ? rc : vg_report_flush_vm(r, err);
}

static int csv_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct csv_state *s = r->state;
    return vg_report_vm_via(r, vr, &s->rows, err);
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

static void csv_free(vg_report *r)
{
    struct csv_state *s = r->state;
    if (!s)
        return;
    vg_buf_release(&s->rows);
    free(s);
}

const struct report_ops vg_report_csv_ops = {
    .name = "csv",
    .summary = "CSV (RFC 4180), one row per VM x rule",
    .begin = csv_begin,
    .vm = csv_vm,
    .problem = csv_problem,
    .end = csv_end,
    .free = csv_free,
    .render = csv_render,
    .rendered = csv_rendered,
};
