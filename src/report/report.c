/*
 * The format table and the streaming front of every writer: checks the
 * call order (begin, vm..., end) once here so each format file only
 * renders.  Adding a format is adding a file and one line to the table.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Each format and what a caller must know of it before writing one (the
 * VG_REPORT_* properties of report.h). */
static const struct format {
    const struct report_ops *ops;
    unsigned props;
} formats[] = {
    {&vg_report_text_ops, 0},
    {&vg_report_json_ops, 0},
    {&vg_report_jsonl_ops, 0},
    {&vg_report_csv_ops, 0},
    {&vg_report_junit_ops, 0},
    {&vg_report_sarif_ops, 0},
    {&vg_report_xccdf_ops, VG_REPORT_CHECKLIST | VG_REPORT_PER_VM_FILES},
    {&vg_report_ckl_ops, VG_REPORT_CHECKLIST | VG_REPORT_PER_VM_FILES},
    {&vg_report_cklb_ops, VG_REPORT_CHECKLIST | VG_REPORT_PER_VM_FILES},
    {&vg_report_html_ops, 0},
    {&vg_report_hdf_ops, VG_REPORT_PER_VM_FILES},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static const struct format *find_format(const char *name)
{
    for (size_t i = 0; name && i < N_FORMATS; i++) {
        if (strcmp(formats[i].ops->name, name) == 0)
            return &formats[i];
    }
    return NULL;
}

const char *const *vg_report_formats(void)
{
    static const char *names[N_FORMATS + 1];
    if (!names[0]) {
        for (size_t i = 0; i < N_FORMATS; i++)
            names[i] = formats[i].ops->name;
    }
    return names;
}

const char *vg_report_format_summary(const char *format)
{
    const struct format *f = find_format(format);
    return f ? f->ops->summary : NULL;
}

unsigned vg_report_format_props(const char *format)
{
    const struct format *f = find_format(format);
    return f ? f->props : 0;
}

int vg_report_new(const char *format, const vg_report_opts *opts, vg_report **out, vg_error *err)
{
    *out = NULL;
    const struct format *f = find_format(format);
    const struct report_ops *ops = f ? f->ops : NULL;
    if (!ops)
        return vg_error_set(err, VG_EUSAGE, "", 0, "unknown report format '%s'",
                            format ? format : "(null)");
    vg_report *r = calloc(1, sizeof *r);
    if (!r)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->ops = ops;
    if (opts)
        r->opts = *opts;
    if (r->opts.width <= 0)
        r->opts.width = 80;
    *out = r;
    return VG_OK;
}

int vg_report_begin(vg_report *r, const vg_report_run *run, vg_error *err)
{
    if (!r || r->have_run)
        return vg_error_set(err, VG_EUSAGE, "", 0, "report begun twice");
    if (run)
        r->run = *run;
    r->have_run = 1;
    return r->ops->begin(r, err);
}

int vg_report_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    if (!r || !r->have_run || !vr || !vr->vm)
        return vg_error_set(err, VG_EUSAGE, "", 0, "report vm before begin or without a vm");
    return r->ops->vm(r, vr, err);
}

int vg_report_can_render(const vg_report *r)
{
    return r && r->ops->render && r->ops->rendered;
}

int vg_report_render_vm(const vg_report *r, const vg_vm_report *vr, char **out, size_t *len,
                        vg_error *err)
{
    *out = NULL;
    *len = 0;
    if (!r || !r->have_run || !vr || !vr->vm)
        return vg_error_set(err, VG_EUSAGE, "", 0, "render vm before begin or without a vm");
    if (!vg_report_can_render(r))
        return vg_error_set(err, VG_EUSAGE, "", 0, "the %s format cannot render a VM on its own",
                            r->ops->name);
    vg_buf b = VG_BUF_INIT;
    /* room for a typical VM at once (json needs ~600 bytes a result, the
     * others less), so the buffer rarely grows while rendering */
    vg_buf_grow(&b, 1024 + 512 * vr->n_results);
    int rc = r->ops->render(r, vr, &b, err);
    if (rc == VG_OK && b.oom)
        rc = vg_error_set(err, VG_ENOMEM, "", 0, "out of memory rendering the %s report",
                          r->ops->name);
    if (rc != VG_OK) {
        vg_buf_release(&b);
        return rc;
    }
    *len = b.len;
    *out = vg_buf_detach(&b);
    if (!*out) {
        *len = 0;
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    }
    return VG_OK;
}

int vg_report_vm_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t len,
                          vg_error *err)
{
    if (!r || !r->have_run || !vr || !vr->vm || (!bytes && len))
        return vg_error_set(err, VG_EUSAGE, "", 0, "rendered vm before begin or without a vm");
    if (!vg_report_can_render(r))
        return vg_error_set(err, VG_EUSAGE, "", 0, "the %s format cannot render a VM on its own",
                            r->ops->name);
    return r->ops->rendered(r, vr, bytes ? bytes : "", len, err);
}

int vg_report_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    if (!r || !r->have_run || !problem)
        return vg_error_set(err, VG_EUSAGE, "", 0, "report problem before begin");
    return r->ops->problem(r, problem, err);
}

int vg_report_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    if (!r || !r->have_run || !sum)
        return vg_error_set(err, VG_EUSAGE, "", 0, "report end before begin or without summary");
    return r->ops->end(r, sum, err);
}

void vg_report_free(vg_report *r)
{
    if (!r)
        return;
    if (r->ops->free)
        r->ops->free(r);
    free(r);
}
