/*
 * One analysis as JSON (jansson): facts, files, findings.  Used by
 * `vmxguard logs --format json|jsonl` and by the golden tests, so the shape
 * is part of the interface (docs/logs.md).
 */
#include <jansson.h>
#include <stdlib.h>

#include "logs/logs_internal.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *where_json(const vg_log_where *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "timestamp", w->ts[0] ? json_string(w->ts) : json_null());
    json_object_set_new(o, "file", str_or_null(w->file));
    json_object_set_new(o, "line", w->line ? json_integer(w->line) : json_null());
    return o;
}

static json_t *facts_json(const vg_log_facts *f)
{
    json_t *o = json_object();
    vg_log_facts copy = *f;
    for (size_t i = 0; i < vg_logs_n_fact_names; i++)
        json_object_set_new(o, vg_logs_fact_names[i],
                            str_or_null(*vg_logs_fact_slot(&copy, (int)i)));
    return o;
}

static json_t *file_json(const vg_log_file *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(f->path));
    json_object_set_new(o, "bytes", json_integer((json_int_t)f->bytes));
    json_object_set_new(o, "lines", json_integer(f->lines));
    json_object_set_new(o, "unknown_lines", json_integer(f->unknown));
    json_object_set_new(o, "first_unknown_line",
                        f->first_unknown ? json_integer(f->first_unknown) : json_null());
    json_object_set_new(o, "continuation_lines", json_integer(f->continuations));
    json_object_set_new(o, "truncated_lines", json_integer(f->truncated));
    json_object_set_new(o, "session_end", json_boolean(f->session_end));
    json_t *fm = json_object();
    for (int i = 1; i < VG_LOG_FMT_COUNT; i++) {
        if (f->by_format[i])
            json_object_set_new(fm, vg_log_format_name((vg_log_format)i),
                                json_integer((json_int_t)f->by_format[i]));
    }
    json_object_set_new(o, "formats", fm);
    return o;
}

static json_t *finding_json(const vg_log_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "category", json_string(vg_log_category_name(f->category)));
    json_object_set_new(o, "id", json_string(f->id));
    json_object_set_new(o, "severity", json_string(vg_severity_name(f->severity)));
    json_object_set_new(o, "title", json_string(f->title));
    json_object_set_new(o, "device", str_or_null(f->device));
    json_object_set_new(o, "opcode", str_or_null(f->opcode));
    json_object_set_new(o, "count", json_integer((json_int_t)f->count));
    json_object_set_new(o, "first", where_json(&f->first));
    json_object_set_new(o, "last", where_json(&f->last));
    json_object_set_new(o, "rate_per_min",
                        json_real((double)(long long)(f->rate_per_min * 100 + 0.5) / 100.0));
    json_object_set_new(o, "peak_per_min", json_integer((json_int_t)f->peak_per_min));
    json_object_set_new(o, "detail", str_or_null(f->detail));
    json_object_set_new(o, "fix", json_string(f->fix));
    json_object_set_new(o, "rule", str_or_null(f->rule_id));
    return o;
}

static json_t *analysis_json(const vg_log_analysis *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "facts", facts_json(&a->facts));
    json_t *files = json_array();
    for (size_t i = 0; i < a->n_files; i++)
        json_array_append_new(files, file_json(&a->files[i]));
    json_object_set_new(o, "files", files);
    json_t *rot = json_object();
    json_object_set_new(rot, "vmx", str_or_null(a->vmx));
    json_object_set_new(rot, "total_bytes", json_integer((json_int_t)a->total_bytes));
    json_object_set_new(rot, "rotated_files", json_integer((json_int_t)a->rotated));
    json_object_set_new(rot, "rotate_size",
                        a->rotate_size >= 0 ? json_integer(a->rotate_size) : json_null());
    json_object_set_new(rot, "keep_old",
                        a->keep_old >= 0 ? json_integer(a->keep_old) : json_null());
    json_object_set_new(o, "rotation", rot);
    json_object_set_new(o, "flood_rate", json_real(a->flood_rate));
    json_t *fs = json_array();
    for (size_t i = 0; i < a->n_findings; i++)
        json_array_append_new(fs, finding_json(&a->findings[i]));
    json_object_set_new(o, "findings", fs);
    json_object_set_new(o, "folded", json_integer((json_int_t)a->folded));
    return o;
}

char *vg_log_analysis_json(const vg_log_analysis *a, int indent)
{
    json_t *o = analysis_json(a);
    if (!o)
        return NULL;
    char *s =
        vg_json_dumps(o, (indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
