/*
 * The audit: evaluate profiles against one VM record and produce one result
 * per (vm, rule) with evidence.  Also: waivers (accepted exceptions with an
 * expiry) and the lint of keys that look like hardening but do nothing.
 */
#ifndef VMXGUARD_AUDIT_H
#define VMXGUARD_AUDIT_H

#include "catalog.h"
#include "common.h"
#include "vm.h"
#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_result {
    const vg_profile *profile;
    const vg_profile_rule *prule; /* prule->rule is the catalog rule */
    vg_result_status status;      /* after waivers */
    vg_result_status raw_status;  /* before waivers */
    char *key;                    /* key as spelled in the VM's settings, NULL when absent */
    char *actual;        /* actual value as UTF-8 text, NULL when absent; redacted for secrets */
    char *file;          /* file holding the evidence (the .vmx), NULL for API sources */
    unsigned line;       /* line of the key in file, 0 if none */
    char *expected;      /* "TRUE", "<= 1048576", "absent", "one of opportunistic, required" */
    char *evidence;      /* one line: "isolation.tools.copy.disable = FALSE (web01.vmx:14)",
                            "absent -> VMware default TRUE (vSphere 7+)" */
    char *fix;           /* concrete: "set isolation.tools.copy.disable = \"TRUE\"" */
    char *waiver_reason; /* set when a waiver matched (active or expired) */
    char *waiver_approver;
    char *waiver_expires; /* YYYY-MM-DD */
    int waiver_expired;
} vg_result;

/* A key that looks like hardening but VMware does not honour. */
typedef struct vg_lint {
    char *key; /* as spelled */
    unsigned line;
    char *message; /* "wrong polarity: VMware reads isolation.tools.copy.disable" */
    char *suggest; /* the key that works, or NULL */
} vg_lint;

typedef struct vg_vm_report {
    const vg_vm *vm;    /* borrowed */
    vg_result *results; /* grouped by profile, in profile order */
    size_t n_results;
    vg_lint *lints;
    size_t n_lints;
    size_t counts[VG_RESULT_STATUS_COUNT];
} vg_vm_report;

typedef struct vg_waivers vg_waivers;

typedef struct vg_audit_opts {
    const vg_waivers *waivers; /* may be NULL */
    time_t now;                /* for waiver expiry; 0 = time(NULL) */
    int show_secrets;          /* do not redact secret-bearing values */
} vg_audit_opts;

VG_EXPORT int vg_audit_vm(const vg_vm *vm, const vg_profile *const *profiles, size_t n_profiles,
                          const vg_audit_opts *opts, vg_vm_report **out, vg_error *err);

/* Settings set while the VM runs, not in effect until it is power-cycled:
 * a VM property whose value has one line per setting, "KEY\tTIME\tUSER\n"
 * (KEY an extraConfig key or a typed property name such as
 * "config.flags.enableLogging"; TIME ISO 8601 UTC).  vg_vsphere_pending_vm
 * sets it; vg_audit_vm reports a result that passes on such a key as
 * VG_PENDING, its evidence saying when and by whom, its fix the power
 * cycle.  Nothing else sets it: file targets have no pending state. */
#define VG_VM_PENDING_PROP "vmxguard.pendingSettings"
VG_EXPORT void vg_vm_report_free(vg_vm_report *r);

/* The four states a device rule tells apart (docs/audit.md has the table
 * of every device rule of every profile by state). */
typedef enum vg_device_state {
    VG_DEVICE_ABSENT = 0,   /* no line names the device */
    VG_DEVICE_CONNECTED,    /* <dev>.present TRUE, startConnected TRUE */
    VG_DEVICE_DISCONNECTED, /* <dev>.present TRUE, startConnected FALSE */
    VG_DEVICE_REMOVED,      /* <dev>.present FALSE */
    VG_DEVICE_STATE_COUNT
} vg_device_state;

VG_EXPORT const char *vg_device_state_name(vg_device_state s); /* "absent", "present+connected" */
/* The engine's own verdict for profile entry e (a device rule of profile p)
 * on a VM holding one such device in state s: a small .vmx is written for
 * the state and audited by vg_audit_vm, so explain, the docs table and the
 * tests show what an audit does.  0 or a negative code. */
VG_EXPORT int vg_audit_device_verdict(const vg_profile *p, const vg_profile_rule *e,
                                      vg_device_state s, vg_result_status *out, vg_error *err);

/* Lint a settings document on its own (used by audit; exposed for `vmx` tools). */
VG_EXPORT int vg_audit_lint(const vg_vmx_doc *doc, vg_lint **out, size_t *n_out, vg_error *err);

/* Waivers from YAML: rule ids, VM selector (name glob, path glob or uuid),
 * reason, approver, expiry.  Unmatched waivers are reported after the run. */
VG_EXPORT int vg_waivers_load_file(const char *path, vg_waivers **out, vg_error *err);
VG_EXPORT int vg_waivers_parse(const char *text, size_t len, const char *name, vg_waivers **out,
                               vg_error *err);
VG_EXPORT void vg_waivers_free(vg_waivers *w);
/* Number of waivers that matched no result so far, and each one's description. */
VG_EXPORT size_t vg_waivers_unused(const vg_waivers *w, const char **descr, size_t max);

/* Totals over a run, accumulated VM by VM (streaming). */
typedef struct vg_audit_summary {
    size_t vms;
    size_t vms_failing;
    size_t results;
    size_t counts[VG_RESULT_STATUS_COUNT];     /* after waivers */
    size_t raw_counts[VG_RESULT_STATUS_COUNT]; /* before waivers */
    size_t fail_by_severity[4];                /* indexed by vg_severity, after waivers */
    size_t errors;                             /* inputs that could not be read */
    size_t warnings;                           /* lint + diagnostics */
} vg_audit_summary;

VG_EXPORT void vg_audit_summary_add(vg_audit_summary *s, const vg_vm_report *r);
/* Score in percent: pass / (pass + fail + pending), before or after waivers (waived counts
 * as pass; pending, a setting not in effect until a power cycle, counts against).
 * Only meaningful when vg_audit_summary_scored: with nothing passed or failed (nothing
 * audited, or only errors, manual and n/a results) there is no score, and this is 0. */
VG_EXPORT double vg_audit_summary_score(const vg_audit_summary *s, int after_waivers);
/* 1 when the run has a score; 0 when no result passed or failed (writers say so, never
 * "100%": nothing audited is not compliant). */
VG_EXPORT int vg_audit_summary_scored(const vg_audit_summary *s);
/* Why there is no score: "nothing was audited" or "no rule passed or failed"; NULL when
 * there is one. */
VG_EXPORT const char *vg_audit_summary_no_score(const vg_audit_summary *s);

#ifdef __cplusplus
}
#endif
#endif
