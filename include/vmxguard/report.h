/*
 * Report writers: one per format, all behind one streaming interface.
 * begin -> vm (one call per VM, with all its results) -> end.  A writer
 * never evaluates a rule; it only renders results.  The run, profiles and
 * VM reports are borrowed: the run must outlive the writer, a VM report
 * only the vg_report_vm() call (writers that need the whole run, such as
 * json and html, copy what they need).  docs/formats.md has each format.
 */
#ifndef VMXGUARD_REPORT_H
#define VMXGUARD_REPORT_H

#include "audit.h"
#include "catalog.h"
#include "common.h"
#include <stdio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_report vg_report;

typedef struct vg_report_opts {
    FILE *out;              /* stream for single-file formats */
    const char *output_dir; /* per-VM files (ckl, cklb); NULL = single stream */
    int color;              /* ANSI colour in text output */
    int width;              /* terminal width for text, 0 = 80 */
    int verbose;            /* text: also list passing rules */
    int show_secrets;
    int raw_cells;          /* csv: cells as they are, no defusing of spreadsheet formulas */
    size_t sarif_run_size;  /* sarif: results per run, 0 or above 25,000 = 25,000 (GitHub) */
    int flush_each_vm;      /* flush out after each VM: someone watches it (a terminal) */
} vg_report_opts;

/* What the run was: written into headers of every format. */
typedef struct vg_report_run {
    const char *tool_version;
    time_t started;
    const vg_catalog *catalog;
    const vg_profile *const *profiles;
    size_t n_profiles;
    const char *const *targets; /* what the user asked to audit */
    size_t n_targets;
    const char *hostname; /* machine that ran the audit */
} vg_report_run;

/* Format names: "text", "json", "jsonl", "csv", "junit", "sarif", "xccdf", "ckl", "cklb", "html",
 * "hdf".
 */
VG_EXPORT const char *const *vg_report_formats(void);
/* One line describing a format (for --help), NULL if unknown.  Additive. */
VG_EXPORT const char *vg_report_format_summary(const char *format);
/* What a format is, beyond its name (additive), as bits of
 * vg_report_format_props(); 0 for an unknown format. */
enum {
    /* A STIG checklist (ckl, cklb, xccdf): it answers one benchmark's rules,
     * so vmxguard's own folder-evidence profile (logs, locks) stays out of a
     * run that writes one. */
    VG_REPORT_CHECKLIST = 1u << 0,
    /* Writes one file per VM into vg_report_opts.output_dir (ckl, cklb,
     * xccdf, hdf); the others write one stream. */
    VG_REPORT_PER_VM_FILES = 1u << 1,
};
VG_EXPORT unsigned vg_report_format_props(const char *format);
VG_EXPORT int vg_report_new(const char *format, const vg_report_opts *opts, vg_report **out,
                            vg_error *err);
VG_EXPORT int vg_report_begin(vg_report *r, const vg_report_run *run, vg_error *err);
VG_EXPORT int vg_report_vm(vg_report *r, const vg_vm_report *vr, vg_error *err);
/* Diagnostics that belong to no VM (an unreadable file, an unused waiver).
 * problem->code VG_OK (0) is a warning, a negative code an error. */
VG_EXPORT int vg_report_problem(vg_report *r, const vg_error *problem, vg_error *err);
VG_EXPORT int vg_report_end(vg_report *r, const vg_audit_summary *sum, vg_error *err);
VG_EXPORT void vg_report_free(vg_report *r);

/*
 * Rendering a VM away from the writer (additive).  Formats whose text for
 * a VM depends on that VM alone (text, csv, json, jsonl) can render it in
 * any thread: vg_report_render_vm() reads the options and run given to
 * vg_report_new() and vg_report_begin() and nothing else, so several
 * threads may call it at once on one report, between begin and end.  The
 * bytes then go to vg_report_vm_rendered() in report order, in place of
 * vg_report_vm(): it writes them and keeps the format's state between VMs
 * (separators), so the output is the same byte for byte.  Formats that
 * need the whole run around a VM (html, junit, sarif, xccdf, ckl, cklb)
 * cannot: use vg_report_vm() for them.
 */
/* 1 when vg_report_render_vm() works for r's format, else 0. */
VG_EXPORT int vg_report_can_render(const vg_report *r);
/* One VM's output into *out (malloc'd, NUL-terminated, the caller frees it)
 * of *len bytes; *out is NULL on error.  VG_EUSAGE when the format cannot. */
VG_EXPORT int vg_report_render_vm(const vg_report *r, const vg_vm_report *vr, char **out,
                                  size_t *len, vg_error *err);
/* Write what vg_report_render_vm() gave for vr, in the report's VM order. */
VG_EXPORT int vg_report_vm_rendered(vg_report *r, const vg_vm_report *vr, const void *bytes,
                                    size_t len, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
