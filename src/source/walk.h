/*
 * The folder walk of the file source: lists the targets depth-first, names
 * sorted, and reports each VM file (or a problem at its place) to a
 * callback, on the calling thread.  Links into a target are never
 * followed, links out of every target only on request (each place reached
 * once); a folder is listed in sorted chunks, so memory does not grow with
 * the number of VMs in it.
 */
#ifndef VG_SOURCE_WALK_H
#define VG_SOURCE_WALK_H

#include "vmxguard/source.h"

typedef struct vg_walk_found {
    const char *path;        /* the VM file; NULL when problem is set */
    int lock_hint;           /* what the listing says of a lock (vg_vm_from_vmx_file_hint) */
    char **log_names;        /* the folder's vmware*.log names (one block, free()), NULL = not
                              * listed; ownership passes to the callback */
    const char *via;         /* "LINK -> REAL": the link out of the targets it was reached
                              * through, NULL if none */
    const vg_error *problem; /* a problem (or a note) to report instead of a VM */
    int note;                /* problem is a note (a link skipped), no input error */
} vg_walk_found;

/* Called for each find in path order.  Non-zero stops the walk. */
typedef int (*vg_walk_fn)(const vg_walk_found *found, void *ctx);

/* Walk paths (folders recursively, files as VMs).  0, or the callback's
 * non-zero return that stopped it. */
int vg_walk_targets(const char *const *paths, size_t n_paths, const vg_source_opts *opts,
                    vg_walk_fn fn, void *ctx);

#endif
