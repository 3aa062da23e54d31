/*
 * Results store: every audit run kept, so that "since when?" and "what
 * changed?" have answers.  One schema (docs/store.md), two back ends:
 * SQLite for a file path ("runs.db"), PostgreSQL for a
 * "postgresql://..." or "postgres://..." URI (libpq connection string).
 *
 * Writing: vg_store_run_begin() -> vg_store_run_vm() per VM (in report
 * order) -> vg_store_run_problem() as problems come -> vg_store_run_commit().
 * A run is one transaction: until commit nothing of it is visible, and a
 * process killed mid-run leaves the store as it was.
 *
 * Reading: vg_store_runs() lists runs (with the trend numbers),
 * vg_store_replay() renders a stored run through any report writer,
 * vg_store_diff() compares two runs per VM and rule.
 *
 * Events: vg_store_append_event() records one state change (from `watch`)
 * in its own transaction, independent of runs.
 *
 * A vg_store is used by one thread at a time; open one per thread.  Every
 * string handed in is copied; every string handed out is owned by the
 * struct that holds it and freed with it.
 */
#ifndef VMXGUARD_STORE_H
#define VMXGUARD_STORE_H

#include "audit.h"
#include "catalog.h"
#include "common.h"
#include "report.h"
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Schema version this build writes; a store with a higher one is refused. */
#define VG_STORE_SCHEMA_VERSION 2

typedef struct vg_store vg_store;
typedef struct vg_store_run vg_store_run;

/* Flags of vg_store_open. */
enum {
    VG_STORE_CREATE = 1,   /* create the SQLite file / the tables when missing */
    VG_STORE_READONLY = 2, /* never write (report, history, diff) */
};

/*
 * Open (and migrate, unless read-only) the store at where: a file path for
 * SQLite, or a "postgresql://" / "postgres://" URI.  Errors: VG_ENOTFOUND
 * (no such file and no VG_STORE_CREATE), VG_EINPUT (not a vmxguard store,
 * a corrupt file, or a schema newer than VG_STORE_SCHEMA_VERSION: the file
 * is left untouched), VG_EIO (cannot connect or read).
 */
VG_EXPORT int vg_store_open(const char *where, int flags, vg_store **out, vg_error *err);
VG_EXPORT void vg_store_close(vg_store *s);
/* "sqlite" or "postgresql". */
VG_EXPORT const char *vg_store_backend(const vg_store *s);
/* The schema version found in the store (after migration). */
VG_EXPORT int vg_store_schema_version(const vg_store *s);

/* ---- writing a run ---- */

/* Start a run: its metadata (tool version, time, host, targets, profiles
 * with their versions) is copied. */
VG_EXPORT int vg_store_run_begin(vg_store *s, const vg_report_run *run, vg_store_run **out,
                                 vg_error *err);
/* One audited VM: identity, every result with its evidence, lints.  For a
 * file VM the .vmx modification time is recorded too (drift origin). */
VG_EXPORT int vg_store_run_vm(vg_store_run *w, const vg_vm_report *vr, vg_error *err);
/* A diagnostic that belongs to no VM (as given to vg_report_problem). */
VG_EXPORT int vg_store_run_problem(vg_store_run *w, const vg_error *problem, vg_error *err);
/* Make the run visible, with its totals; frees w whatever the outcome.
 * *run_id (may be NULL) receives the new run's id. */
VG_EXPORT int vg_store_run_commit(vg_store_run *w, const vg_audit_summary *sum, int64_t *run_id,
                                  vg_error *err);
/* Drop an unfinished run (nothing of it is kept); frees w.  NULL is a no-op. */
VG_EXPORT void vg_store_run_abort(vg_store_run *w);

/* ---- reading runs ---- */

typedef struct vg_store_run_info {
    int64_t id;
    time_t started;
    time_t finished;
    char *tool_version;
    char *hostname;
    char *targets;  /* the targets joined with ", " */
    char *profiles; /* "id@version" joined with ", " */
    size_t vms;
    size_t vms_failing;
    size_t results;
    size_t counts[VG_RESULT_STATUS_COUNT]; /* after waivers */
    size_t errors;
    size_t warnings;
    double score; /* vg_audit_summary_score after waivers */
} vg_store_run_info;

/* All runs, oldest first; *out is freed with vg_store_runs_free. */
VG_EXPORT int vg_store_runs(vg_store *s, vg_store_run_info **out, size_t *n, vg_error *err);
VG_EXPORT void vg_store_runs_free(vg_store_run_info *runs, size_t n);
/* "latest", "latest~N" (N runs before the latest), or a run id.
 * VG_ENOTFOUND when there is no such run. */
VG_EXPORT int vg_store_resolve_run(vg_store *s, const char *spec, int64_t *run_id, vg_error *err);

/* How a run is replayed.  May be NULL for the defaults. */
typedef struct vg_replay_opts {
    /* Profiles whose results are left out, as the audit leaves its own
     * folder-evidence profile out of checklist formats (ckl, cklb, xccdf);
     * the totals are then counted from what is replayed. */
    const char *const *skip_profiles;
    size_t n_skip_profiles;
} vg_replay_opts;

/*
 * Render stored run run_id through r (a writer from vg_report_new, not yet
 * begun): begin with the stored run metadata, every VM in the stored order,
 * the stored problems where they came among the VMs, end with the totals.
 * Profiles are looked up by id in cat (the catalog the run used, normally
 * the embedded one); a profile missing from cat is VG_ENOTFOUND; a profile
 * whose version differs is rendered, and its id is put into *changed (may
 * be NULL; caller frees; NULL when all versions match).
 */
VG_EXPORT int vg_store_replay(vg_store *s, int64_t run_id, const vg_catalog *cat,
                              const vg_replay_opts *opts, vg_report *r, char **changed,
                              vg_error *err);

/* The same from a saved JSON report (`audit --format json`), for
 * `vmxguard report audit.json --format html`.  Problems come after the VMs
 * (the JSON keeps no place for them among the VMs). */
VG_EXPORT int vg_report_replay_json(const char *path, const vg_catalog *cat,
                                    const vg_replay_opts *opts, vg_report *r, char **changed,
                                    vg_error *err);

/* ---- comparing two runs ---- */

typedef enum vg_store_change_kind {
    VG_CHANGE_NEW_FAIL = 0,   /* failing now, not before (or a new rule on an old VM) */
    VG_CHANGE_FIXED,          /* failing before, passing (or n/a) now */
    VG_CHANGE_WAIVED,         /* failing before, waived now */
    VG_CHANGE_WAIVER_EXPIRED, /* waived before, failing now because the waiver expired */
    VG_CHANGE_STATUS,         /* any other status change (manual, error ...) */
    VG_CHANGE_VM_APPEARED,    /* VM in run B only */
    VG_CHANGE_VM_DISAPPEARED, /* VM in run A only */
    VG_CHANGE_VM_MOVED,       /* same VM, other path or name */
    VG_CHANGE_KIND_COUNT
} vg_store_change_kind;

/* "newly_failing", "fixed", "waived", "waiver_expired", "changed",
 * "vm_appeared", "vm_disappeared", "vm_moved". */
VG_EXPORT const char *vg_store_change_kind_name(vg_store_change_kind k);

typedef struct vg_store_change {
    vg_store_change_kind kind;
    int64_t vm_id; /* the store's VM identity (same VM across runs) */
    char *vm_name; /* as in run B (run A for a VM that disappeared) */
    char *vm_path;
    char *old_name; /* VM_MOVED: as in run A; else NULL */
    char *old_path;
    char *moref;
    char *server;
    char *uuid;
    char *instance_uuid;
    char *profile; /* result changes only; NULL for VM changes */
    char *rule;
    char *title;
    char *severity;
    char *old_status; /* NULL when the rule was not evaluated in run A */
    char *new_status; /* NULL when not evaluated in run B */
    char *old_actual;
    char *new_actual;
    char *old_evidence;
    char *new_evidence;
    char *key;
    /* Origin of the change, where known (vg_store_diff leaves these empty;
     * the caller fills them, e.g. from vCenter events; docs/store.md). */
    time_t vmx_mtime; /* file VMs: the .vmx mtime recorded in run B, 0 if unknown */
    char *changed_by; /* vSphere: the user of the VmReconfiguredEvent */
    time_t changed_at;
    char *change_detail; /* "extraConfig: isolation.tools.copy.disable; devices: ..." */
} vg_store_change;

typedef struct vg_store_diff {
    vg_store_run_info a, b;
    vg_store_change *changes; /* VM changes first, then by VM name, profile, rule */
    size_t n_changes;
    size_t counts[VG_CHANGE_KIND_COUNT];
} vg_store_diff;

VG_EXPORT int vg_store_diff_runs(vg_store *s, int64_t run_a, int64_t run_b, vg_store_diff **out,
                                 vg_error *err);
VG_EXPORT void vg_store_diff_free(vg_store_diff *d);

/* ---- events (vmxguard watch) ---- */

typedef struct vg_store_event {
    time_t at;          /* when the change was seen */
    const char *server; /* vCenter, NULL for files */
    const char *vm_name;
    const char *vm_path;
    const char *moref;
    const char *uuid;          /* BIOS UUID */
    const char *instance_uuid; /* identity as in runs: instance UUID, BIOS UUID, path */
    const char *profile;
    const char *rule;
    const char *old_status; /* vg_result_status_name(), NULL for a first sight */
    const char *new_status;
    const char *user;   /* who changed it, when known */
    const char *detail; /* free text: evidence, event id ... */
} vg_store_event;

/* Append one event in its own transaction.  *event_id (may be NULL) gets its id. */
VG_EXPORT int vg_store_append_event(vg_store *s, const vg_store_event *ev, int64_t *event_id,
                                    vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
