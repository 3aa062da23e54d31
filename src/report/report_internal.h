/*
 * Inside the report writers: the format table entry each writer file
 * exports, the writer object they share, and small helpers every format
 * needs (status order, display names, text clean-up for XML, file names).
 */
#ifndef VG_REPORT_INTERNAL_H
#define VG_REPORT_INTERNAL_H

#include <stdio.h>
#include <string.h>

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
    /* Optional, both or neither: one VM's output appended to out, reading
     * only r->opts and r->run (never r->state), so several threads may
     * render at once; then those bytes written in order, with whatever
     * state the format keeps between VMs (a separator, a count). */
    int (*render)(const vg_report *r, const vg_vm_report *vr, vg_buf *out, vg_error *err);
    int (*rendered)(vg_report *r, const vg_vm_report *vr, const void *bytes, size_t n,
                    vg_error *err);
};

struct vg_report {
    const struct report_ops *ops;
    vg_report_opts opts;
    vg_report_run run; /* copied; pointed-to data is borrowed */
    int have_run;
    void *state;     /* the writer's own */
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
extern const struct report_ops vg_report_hdf_ops;

/* SHA-256 of data as 64 lower-case hex digits and a NUL (report_hdf.c). */
void vg_report_sha256_hex(char out[65], const void *data, size_t n);

/* Where single-stream output goes (opts.out or stdout). */
FILE *vg_report_stream(const vg_report *r);
/* fflush + ferror check; "write failed" into err. */
int vg_report_flush(vg_report *r, vg_error *err);
/* After a VM: a terminal gets it at once, a file or pipe in stdio's blocks
 * (a write per VM is a system call per VM for nothing); write errors
 * still surface, at the latest at the end's vg_report_flush. */
int vg_report_flush_vm(vg_report *r, vg_error *err);
/* fwrite to the stream; "write failed" into err when short. */
int vg_report_write(vg_report *r, const void *bytes, size_t n, vg_error *err);
/* The vm op of a format with render/rendered: render into scratch (reset
 * first, memory kept for the next VM), then write those bytes. */
int vg_report_vm_via(vg_report *r, const vg_vm_report *vr, vg_buf *scratch, vg_error *err);

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
/* How a format escapes text: stop[c] is set for every byte that ends a run
 * copied as it is (NUL, the bytes >= 0x80 that are checked as UTF-8, and
 * the ASCII bytes that sub[] replaces), so the copy loop does one table
 * look-up per byte.  Build stop with the VG_ESC_* initialisers below. */
struct vg_escapes {
    unsigned char stop[256];
    const char *sub[128];
    /* JSON: 1 writes the characters a terminal acts on (vg_term_active_cp)
     * as \u escapes, as vg_json_dumpf does for the jansson-built parts; 2
     * writes them as the visible text \u202E (an escaped backslash), for
     * JSON that a page shows to a person: a bidi override in the DOM would
     * reorder what the reader sees, as it would on a terminal */
    unsigned char escape_active;
};
#define VG_ESC_ONE8 1, 1, 1, 1, 1, 1, 1, 1
#define VG_ESC_ONE32 VG_ESC_ONE8, VG_ESC_ONE8, VG_ESC_ONE8, VG_ESC_ONE8
#define VG_ESC_STOP_C0 [0x00] = VG_ESC_ONE32 /* NUL and controls */
#define VG_ESC_STOP_HIGH [0x80] = VG_ESC_ONE32, VG_ESC_ONE32, VG_ESC_ONE32, VG_ESC_ONE32
/* The same clean-up appended to b in one pass, no allocation beyond b, with
 * each ASCII byte c that has esc->sub[c] written as that string instead
 * (how text, CSV and JSON escape).  NULL s appends nothing. */
void vg_report_add_clean(vg_buf *b, const char *s, const struct vg_escapes *esc);
/* vg_buf_add, vg_buf_addc and vg_buf_adds with the common case (room left)
 * inline: the writers append a few bytes at a time, millions of times per
 * run, and the call and growth check cost more than the copy. */
static inline void vg_report_add(vg_buf *b, const void *data, size_t len)
{
    if (b->len + len < b->cap) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
    } else {
        vg_buf_add(b, data, len);
    }
}
static inline void vg_report_addc(vg_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
    } else {
        vg_buf_addc(b, c);
    }
}
static inline void vg_report_adds(vg_buf *b, const char *s)
{
    vg_report_add(b, s, strlen(s));
}
/* Append a string constant without measuring it. */
#define VG_REPORT_LIT(b, lit) vg_report_add((b), "" lit, sizeof(lit) - 1)
/* Append v in decimal. */
void vg_report_add_uint(vg_buf *b, unsigned long long v);
/* ISO 8601 UTC "2026-01-02T03:04:05Z"; t == 0 -> now is NOT used: the epoch. */
void vg_report_iso_time(time_t t, char *out, size_t outsz);
/* Names handed out so far (open addressing, strings owned by the set),
 * each with the next suffix to try when it is used as a base again, so
 * 2,000 VMs of one name get their names in linear time. */
struct vg_name_set {
    char **name;
    unsigned *next;
    size_t cap, n;
};
void vg_name_set_release(struct vg_name_set *s);
/* A file name from a VM name: [A-Za-z0-9._-] kept, others '_', made unique
 * against the names already in used by appending -2, -3 ...  Caller frees
 * the result; NULL when out of memory. */
char *vg_report_file_name(const char *vm_name, const char *ext, struct vg_name_set *used);
/* Join a NULL-terminated list with sep into b. */
void vg_report_join(vg_buf *b, const char *const *list, const char *sep);

/* JSON pieces shared by json, jsonl and cklb (report_json.c).  NULL on oom. */
struct json_t;
struct json_t *vg_report_json_str(const char *s); /* cleaned UTF-8, or JSON null */
/* s as a JSON string exactly as jansson's compact dump writes
 * json_string(vg_report_utf8(s)), or null for NULL; appended to b. */
void vg_report_json_add_str(vg_buf *b, const char *s);
/* One VM's object (vm, counts, lints, results) as jansson's compact,
 * order-preserving dump writes it, written straight into b: the per-VM
 * part of json and jsonl, the bulk of their output. */
void vg_report_json_add_vm_report(vg_buf *b, const vg_vm_report *vr);
struct json_t *vg_report_json_run(const vg_report_run *run);
struct json_t *vg_report_json_problem(const vg_error *problem);
struct json_t *vg_report_json_summary(const vg_audit_summary *sum);
/* json_dumpf with a trailing newline; 0 or VG_EIO/VG_ENOMEM in err. */
int vg_report_json_put(vg_report *r, struct json_t *j, size_t flags, vg_error *err);

/* XML through libxml2's xmlTextWriter (report_xml.c).  Errors are sticky:
 * write everything, check vg_xw_close() once.  Text and attribute values pass
 * through vg_report_xml_text(), so any input gives well-formed XML 1.0. */
typedef struct xw {
    struct _xmlTextWriter *w;
    FILE *owned;  /* opened by vg_xw_open_path, closed by vg_xw_close */
    int fragment; /* no XML declaration / end of document */
    int failed;
} xw;
int vg_xw_open_file(xw *x, FILE *f);                 /* to a caller's stream, left open */
int vg_xw_open_path(xw *x, const char *path);        /* creates the file, mode 0600 */
int vg_xw_open_fragment(xw *x, FILE *f);             /* no declaration, no indent (HTML) */
void vg_xw_end_full(xw *x);                          /* </x> even when empty (HTML) */
void vg_xw_raw(xw *x, const char *text, size_t len); /* trusted constant markup only */
int vg_xw_close(xw *x);                              /* ends the document; 0 or -1 */
void vg_xw_start(xw *x, const char *name);
void vg_xw_end(xw *x);
void vg_xw_attr(xw *x, const char *name, const char *value); /* NULL value: not written */
void vg_xw_attrf(xw *x, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vg_xw_text(xw *x, const char *text);
void vg_xw_elem(xw *x, const char *name, const char *text); /* NULL text: empty element */
void vg_xw_comment(xw *x, const char *text);
/* The V-number, SV rule id (with _rule) in a result's refs, or NULL. */
const char *vg_report_ref_matching(const vg_profile_rule *pr, const char *prefix,
                                   const char *suffix);
/* Output path dir/name, caller frees. */
char *vg_report_path(const char *dir, const char *name);

/* Shared by the STIG checklist formats (report_stig.c). */
enum stig_format { STIG_CKL = 0, STIG_CKLB, STIG_XCCDF };
/* Status word of a result in ckl, cklb or xccdf. */
const char *vg_stig_status(enum stig_format fmt, vg_result_status s);
/* The result of pr in vr, NULL when the VM has none (not evaluated). */
const vg_result *vg_stig_result(const vg_vm_report *vr, const vg_profile_rule *pr);
/* FINDING_DETAILS: evidence, expected value and fix.  Caller frees. */
char *vg_stig_details(const vg_result *res);
/* COMMENTS: the waiver (reason, approver, expiry), "" without. Caller frees. */
char *vg_stig_comments(const vg_result *res);
/* "2" from "V2R1" (STIG Viewer's version field); out must hold 16 bytes. */
void vg_stig_version(const vg_profile *p, char *out, size_t outsz);
/* The release number from "V2R1" or from the release text: "1". */
void vg_stig_release(const vg_profile *p, char *out, size_t outsz);
/* "<title> :: Version 2, Release: 1 Benchmark Date: ..." Caller frees. */
char *vg_stig_ref(const vg_profile *p);
/* Benchmark id: the profile's benchmark_id, else its id. */
const char *vg_stig_benchmark_id(const vg_profile *p);
/* A name-based UUID (RFC 4122 layout, version 5 bits) from up to three strings,
 * so reruns over the same input give the same ids.  out: 37 bytes. */
void vg_report_uuid(char out[37], const char *a, const char *b, const char *c);
/* The id a STIG tool keys a rule on: its SV id ("SV-258703r959010_rule"), else
 * the source id when unique in the profile ("CIS 8.2.1"), else the catalog id.
 * Short on purpose: STIG Manager keeps 45 characters. */
const char *vg_stig_rule_key(const vg_profile *p, const vg_profile_rule *pr);
/* The severity word DISA uses: "high", "medium", "low" (info -> low). */
const char *vg_stig_severity(vg_severity s);

/* One VULN of a checklist: a rule of the profile's STIG (catalog STIG data)
 * with the profile entries that answer it (several entries may answer one
 * rule, none when vmxguard has no check for it), or, for a profile without
 * STIG data, one profile entry. */
#define STIG_ROW_MAX 8
struct stig_row {
    const vg_stig_benchmark *bench;   /* NULL without STIG data */
    const vg_stig_rule *srule;        /* NULL without STIG data */
    const vg_profile_rule *entries[STIG_ROW_MAX];
    const vg_result *results[STIG_ROW_MAX]; /* NULL: not evaluated */
    size_t n_entries;
    vg_result_status status;          /* the worst of the entries' (manual when none) */
};
/* The rows of p's checklist for vr, in the STIG's order.  *out: caller frees
 * (NULL and 0 on oom). */
size_t vg_stig_rows(const vg_report *r, const vg_profile *p, const vg_vm_report *vr,
                    struct stig_row **out);
const char *vg_stig_row_group(const struct stig_row *row);   /* "V-258703" */
const char *vg_stig_row_rule_id(const vg_profile *p, const struct stig_row *row);
const char *vg_stig_row_version(const struct stig_row *row); /* "VMCH-80-000189" */
const char *vg_stig_row_group_title(const struct stig_row *row);
const char *vg_stig_row_severity(const struct stig_row *row);
/* Title, FINDING_DETAILS and COMMENTS of a row; caller frees (NULL on oom). */
char *vg_stig_row_title(const struct stig_row *row);
char *vg_stig_row_details(const struct stig_row *row);
char *vg_stig_row_comments(const struct stig_row *row);
/* The checklist's benchmark id: the STIG data's XCCDF id, else the profile's. */
const char *vg_stig_bench_id(const vg_report *r, const vg_profile *p);

/* Per-VM files for ckl/cklb (and xccdf with an output dir): unique names
 * in opts.output_dir, or the one stream when there is one VM. */
struct per_vm_files {
    struct vg_name_set used;
    size_t vms;
};
/* Path for this VM's file (caller frees) or NULL with *use_stream = 1 when
 * there is no output dir; errors on a second VM without an output dir. */
int vg_per_vm_path(vg_report *r, struct per_vm_files *pf, const vg_vm *vm, const char *ext,
                   char **path, vg_error *err);
void vg_per_vm_release(struct per_vm_files *pf);
/* Shared ops of the checklist writers, whose state starts with their
 * struct per_vm_files (problem: ignored; end: error without a VM; free). */
int vg_checklist_problem(vg_report *r, const vg_error *problem, vg_error *err);
int vg_checklist_end(vg_report *r, const vg_audit_summary *sum, vg_error *err);
void vg_checklist_free(vg_report *r);

#endif
