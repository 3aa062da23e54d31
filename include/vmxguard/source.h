/*
 * Sources turn "where VMs live" into vg_vm records, one at a time, handed to
 * a sink.  The file source walks datastore trees; the vSphere source
 * (vsphere.h) pages through a vCenter.  Neither knows about the audit.
 */
#ifndef VMXGUARD_SOURCE_H
#define VMXGUARD_SOURCE_H

#include <stddef.h>
#include "common.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives each VM; takes ownership of vm (free with vg_vm_free).
 * Return 0 to go on, non-zero to stop the source. */
typedef int (*vg_vm_sink)(vg_vm *vm, void *ctx);
/* Receives each input that could not be read; the source goes on. */
typedef void (*vg_problem_sink)(const vg_error *problem, void *ctx);

typedef struct vg_source_opts {
    int include_templates;       /* .vmtx / config.template VMs (skipped by default) */
    const char *const *exclude;  /* globs matched against VM name and path */
    size_t n_exclude;
    int jobs;                    /* worker threads; 0 = number of cores */
    int folder_evidence;         /* gather VM-folder evidence (logs, locks) */
    vg_problem_sink on_problem;
    void *problem_ctx;
} vg_source_opts;

/* Files and folders (recursive; *.vmx and, with include_templates, *.vmtx).
 * VMs reach the sink in a deterministic order (sorted by path) whatever the
 * thread timing.  Returns 0, or a negative code when nothing could be read. */
VG_EXPORT int vg_source_files(const char *const *paths, size_t n_paths,
                              const vg_source_opts *opts, vg_vm_sink sink, void *ctx,
                              vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
