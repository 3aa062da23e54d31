/*
 * Inside the report writers: the format table entry each writer file
 * exports, the writer object they share, and small helpers every format
 * needs (status order, display names, text clean-up for XML, file names).
 */
#ifndef VG_REPORT_INTERNAL_H
#define VG_REPORT_INTERNAL_H

#include <stdio.h>

#include "util/buf.h"
#include "vmxguard/report.h"

struct report_ops {
    const char *name;
    const char *summary; /* one line for docs and --help */
    int (*begin)(vg_report *r, vg_error *err);
    int (*vm)(vg_report *r, const vg_vm_report *vr, vg_error *err);
    int (*problem)(vg_report *r, const vg_error *problem, vg_error *err);
    int (*end)(vg_report *r, const vg_audit_summary *sum, vg_error *err);
    void (*free)(vg_report *r); /* frees r->state only */
};

struct vg_report {
    const struct report_ops *ops;
    vg_report_opts opts;
    vg_report_run run;  /* copied; pointed-to data is borrowed */
    int have_run;
    void *state;        /* the writer's own */
};

extern const struct report_ops vg_report_text_ops;
extern const struct report_ops vg_report_json_ops;
extern const struct report_ops vg_report_jsonl_ops;
extern const struct report_ops vg_report_csv_ops;
extern const struct report_ops vg_report_junit_ops;
extern const struct report_ops vg_report_sarif_ops;
extern const struct report_ops vg_report_xccdf_ops;
extern const struct report_ops vg_report_ckl_ops;
extern const struct report_ops vg_report_cklb_ops;
extern const struct report_ops vg_report_html_ops;

/* Where single-stream output goes (opts.out or stdout). */
FILE *vg_report_stream(const vg_report *r);
/* fflush + ferror check; "write failed" into err. */
int vg_report_flush(vg_report *r, vg_error *err);

/* Display order: fail, error, waived, manual, not applicable, pass. */
int vg_report_status_rank(vg_result_status s);
/* "FAIL", "N/A" ... for human formats. */
const char *vg_report_status_label(vg_result_status s);
/* Indices of vr->results sorted by status rank, then severity (high first),
 * then catalog order.  Caller frees. NULL on oom (or when n == 0). */
size_t *vg_report_sorted(const vg_vm_report *vr);

/* Result fields with fallbacks so writers never see NULL. */
const char *vg_report_rule_id(const vg_result *res);
const char *vg_report_rule_title(const vg_result *res);
const char *vg_report_source_id(const vg_result *res);
vg_severity vg_report_severity(const vg_result *res);
const char *vg_report_vm_name(const vg_vm *vm);

/* UTF-8 cleaned for XML 1.0: invalid bytes become U+FFFD, C0 controls other
 * than tab/LF/CR and U+FFFE/U+FFFF are dropped.  Never NULL unless oom;
 * NULL input gives "".  Caller frees. */
char *vg_report_xml_text(const char *s);
/* Valid UTF-8 (invalid bytes -> U+FFFD), controls kept: for JSON. */
char *vg_report_utf8(const char *s);
/* ISO 8601 UTC "2026-01-02T03:04:05Z"; t == 0 -> now is NOT used: the epoch. */
void vg_report_iso_time(time_t t, char *out, size_t outsz);
/* A file name from a VM name: [A-Za-z0-9._-] kept, others '_', made unique
 * against names already in used (a NULL-terminated growing list owned by
 * the caller) by appending -2, -3 ...  Caller frees the result. */
char *vg_report_file_name(const char *vm_name, const char *ext, char ***used, size_t *n_used);
/* Join a NULL-terminated list with sep into b. */
void vg_report_join(vg_buf *b, const char *const *list, const char *sep);

/* JSON pieces shared by json, jsonl and cklb (report_json.c).  NULL on oom. */
struct json_t;
struct json_t *vg_report_json_str(const char *s); /* cleaned UTF-8, or JSON null */
struct json_t *vg_report_json_vm(const vg_vm *vm);
struct json_t *vg_report_json_vm_report(const vg_vm_report *vr);
struct json_t *vg_report_json_run(const vg_report_run *run);
struct json_t *vg_report_json_problem(const vg_error *problem);
struct json_t *vg_report_json_summary(const vg_audit_summary *sum);
/* json_dumpf with a trailing newline; 0 or VG_EIO/VG_ENOMEM in err. */
int vg_report_json_put(vg_report *r, struct json_t *j, size_t flags, vg_error *err);

#endif
