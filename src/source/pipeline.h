/*
 * An ordered parallel pipeline, shared by the file source (a VM per item)
 * and the vSphere source (a chunk of VMs, or a fetched VM, per item): one
 * producer submits items, worker threads run `work` on them in any order,
 * and the consumer (the thread in vg_pipe_run) gets each through `deliver`
 * in submission order, whatever the thread timing.  Items live in a ring of
 * `window` slots: submit waits while the ring is full, so memory is bounded
 * by the window, not by the number of items.
 */
#ifndef VG_SOURCE_PIPELINE_H
#define VG_SOURCE_PIPELINE_H

#include <stddef.h>

#include "vmxguard/common.h"
#include "vmxguard/source.h"

typedef struct vg_pipe vg_pipe;

typedef struct vg_pipe_ops {
    size_t item_size; /* bytes submit copies into the ring */
    /* On each worker thread before its first item and after its last (both
     * may be NULL): per-worker state, such as a session.  A failed begin
     * fails the run (err) and that worker takes no item. */
    int (*worker_begin)(void **state, void *ctx, vg_error *err);
    void (*worker_end)(void *state, void *ctx);
    /* Worker threads, any order, never for an item of a stopped run.
     * Non-zero fails the run with err and stops it; the item is still
     * delivered (stopped). */
    int (*work)(void *item, void *state, void *ctx, vg_error *err);
    /* The consumer thread, in submission order.  stopped: the run was
     * stopped before this item, which is only to be freed.  Non-zero stops
     * the run. */
    int (*deliver)(void *item, int stopped, void *ctx);
    void *ctx;
} vg_pipe_ops;

/* A pipeline with `workers` threads (0: items are submitted finished) and a
 * ring of `window` items (at least 2).  Fails when no worker could start. */
int vg_pipe_new(vg_pipe **out, const vg_pipe_ops *ops, int workers, size_t window, vg_error *err);

/* The producer (one thread): copy item into the ring, waiting for room.
 * needs_work 0: the item goes to deliver as it is.  -1 when the run is
 * stopped: the item was not taken and is the caller's to free. */
int vg_pipe_submit(vg_pipe *p, const void *item, int needs_work);
/* The producer has submitted everything. */
void vg_pipe_close(vg_pipe *p);
/* Any thread: stop the run (the consumer frees what is in flight). */
void vg_pipe_stop(vg_pipe *p);
int vg_pipe_stopped(vg_pipe *p);

/* The consumer: deliver items until the producer closed the pipe and all
 * are delivered.  With produce set, it runs on a thread of its own and the
 * pipe is closed when it returns.  Returns 0, or the first failure of a
 * worker (in err) or of starting the producer. */
int vg_pipe_run(vg_pipe *p, void (*produce)(vg_pipe *p, void *ctx), void *produce_ctx,
                vg_error *err);

/* A plain vg_vm_sink as a vg_vm_pipeline's deliver step (no prepare, no
 * payload): how both sources' sink-taking calls run on their pipelines. */
typedef struct vg_plain_sink {
    vg_vm_sink sink;
    void *ctx;
} vg_plain_sink;
int vg_plain_sink_deliver(vg_vm *vm, void *payload, void *ctx); /* ctx: a vg_plain_sink */

/* Joins the workers; items never delivered go to deliver (stopped) first.
 * NULL is harmless. */
void vg_pipe_free(vg_pipe *p);

#endif
