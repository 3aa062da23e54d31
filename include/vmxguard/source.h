/*
 * Sources turn "where VMs live" into vg_vm records, one at a time, handed to
 * a sink.  The file source walks datastore trees; the vSphere source
 * (vsphere.h) pages through a vCenter.  Neither knows about the audit.
 */
#ifndef VMXGUARD_SOURCE_H
#define VMXGUARD_SOURCE_H

#include "common.h"
#include "vm.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives each VM; takes ownership of vm (free with vg_vm_free).
 * Return 0 to go on, non-zero to stop the source. */
typedef int (*vg_vm_sink)(vg_vm *vm, void *ctx);
/* Receives each input that could not be read; the source goes on. */
typedef void (*vg_problem_sink)(const vg_error *problem, void *ctx);

typedef struct vg_source_opts {
    int include_templates;      /* .vmtx / config.template VMs (skipped by default) */
    const char *const *exclude; /* globs matched against VM name and path */
    size_t n_exclude;
    int jobs;            /* worker threads; 0 = number of cores */
    int folder_evidence; /* gather VM-folder evidence (logs, locks) */
    vg_problem_sink on_problem;
    void *problem_ctx;
    /* Symlinks leading out of every target are skipped (each one reported
     * to on_note, with problem_ctx) unless follow_outside_links is set; then
     * each VM reached that way carries an evidence entry naming the link. */
    int follow_outside_links;
    vg_problem_sink on_note; /* may be NULL; code VG_OK, path = the link */
} vg_source_opts;

/* Files and folders (recursive; *.vmx and, with include_templates, *.vmtx).
 * VMs reach the sink in a deterministic order (sorted by path) whatever the
 * thread timing.  Returns 0, or a negative code when nothing could be read. */
VG_EXPORT int vg_source_files(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                              vg_vm_sink sink, void *ctx, vg_error *err);

/*
 * The same walk with work done in the worker threads: prepare runs on each
 * VM right after it is read (e.g. the audit), in any thread and order; its
 * payload reaches sink together with the VM, in path order, on the calling
 * thread (so a report writer needs no locking).  Memory stays bounded: only
 * a small window of VMs (a few per job) is in flight.  sink takes ownership
 * of vm and payload; after a sink asked to stop, VMs still in flight are
 * freed by the source and their payloads handed to discard (may be NULL).
 * A VM that could not be read goes to opts->on_problem at its place.
 */
typedef struct vg_vm_pipeline {
    void *(*prepare)(vg_vm *vm, void *ctx);           /* worker threads; may be NULL */
    int (*sink)(vg_vm *vm, void *payload, void *ctx); /* calling thread, in order */
    void (*discard)(void *payload, void *ctx);        /* payload never delivered */
    void *ctx;
} vg_vm_pipeline;

VG_EXPORT int vg_source_files_pipeline(const char *const *paths, size_t n_paths,
                                       const vg_source_opts *opts, const vg_vm_pipeline *pl,
                                       vg_error *err);

/* Async-signal-safe (one store, one atomic load): ask the running library
 * calls that can be interrupted, the vSphere ones, to stop; they log out
 * and fail with "interrupted".  Returns 1 when such a call is running, 0
 * when none is (a SIGINT handler then falls back to the default action).
 * The library installs no signal handler: the program's handler calls this.
 * A call that starts while no other runs forgets an earlier interrupt. */
VG_EXPORT int vg_interrupt(void);

#ifdef __cplusplus
}
#endif
#endif
