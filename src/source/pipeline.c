/*
 * The ordered parallel pipeline (pipeline.h).  Three roles share one ring:
 *   producer (one thread)  copies item N into slot N % window, waiting
 *                          while the ring is full;
 *   workers                take the next pending slot and run `work`;
 *   consumer               delivers slot N only after N-1, then frees it.
 * Hand-offs wake only someone who waits, and the consumer sleeps until a
 * batch of items is done, not for each one: with 100,000 VMs a wake-up per
 * item per thread costs more than the parse.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "source/pipeline.h"

#define DELIVER_BATCH 8 /* items the consumer waits for at once, in a big ring */

enum slot_state { SLOT_EMPTY = 0, SLOT_PENDING, SLOT_TAKEN, SLOT_DONE };

struct vg_pipe {
    vg_pipe_ops ops;
    pthread_mutex_t mu;
    pthread_cond_t work, done, space;
    unsigned char *state;   /* per slot, enum slot_state */
    unsigned char *items;   /* window slots of stride bytes */
    unsigned char *scratch; /* the item being delivered, out of the ring */
    size_t stride, window, batch, wake_room;
    size_t next_seq, take_seq, deliver_seq;
    int closed, stop;
    /* who sleeps, so that a hand-off wakes only someone who waits */
    int producer_waits, workers_waiting, consumer_waits;
    size_t wake_at; /* the consumer sleeps until items deliver_seq .. wake_at are done */
    int rc;         /* the first failure, with err */
    vg_error err;
    pthread_t *threads;
    int n_threads;
};

static void *slot_item(vg_pipe *p, size_t seq)
{
    return p->items + (seq % p->window) * p->stride;
}

/* The consumer waits for items deliver_seq .. wake_at (all done, or done as
 * far as the producer went); caller holds mu. */
static int batch_ready(const vg_pipe *p)
{
    if (p->stop)
        return 1;
    for (size_t q = p->deliver_seq; q <= p->wake_at; q++) {
        if (q >= p->next_seq)
            return p->closed;
        if (p->state[q % p->window] != SLOT_DONE)
            return 0;
    }
    return 1;
}

static void stop_locked(vg_pipe *p)
{
    p->stop = 1;
    pthread_cond_broadcast(&p->space);
    pthread_cond_broadcast(&p->done);
}

static void fail(vg_pipe *p, int rc, const vg_error *err)
{
    pthread_mutex_lock(&p->mu);
    if (!p->rc) {
        p->rc = rc ? rc : VG_ERR;
        p->err = *err;
    }
    stop_locked(p);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
    vg_pipe *p = arg;
    void *state = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (p->ops.worker_begin) {
        int rc = p->ops.worker_begin(&state, p->ops.ctx, &err);
        if (rc != 0) {
            fail(p, rc, &err);
            return NULL;
        }
    }
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->take_seq == p->next_seq && !p->closed) {
            p->workers_waiting++;
            pthread_cond_wait(&p->work, &p->mu);
            p->workers_waiting--;
        }
        if (p->take_seq == p->next_seq)
            break;
        size_t seq = p->take_seq++;
        if (p->state[seq % p->window] != SLOT_PENDING)
            continue;
        p->state[seq % p->window] = SLOT_TAKEN;
        int stopping = p->stop;
        pthread_mutex_unlock(&p->mu);
        int rc =
            stopping || !p->ops.work ? 0 : p->ops.work(slot_item(p, seq), state, p->ops.ctx, &err);
        if (rc != 0)
            fail(p, rc, &err);
        pthread_mutex_lock(&p->mu);
        p->state[seq % p->window] = SLOT_DONE;
        /* an item finished ahead of the consumer's batch would wake it for nothing */
        if (p->consumer_waits && batch_ready(p))
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->ops.worker_end)
        p->ops.worker_end(state, p->ops.ctx);
    return NULL;
}

int vg_pipe_new(vg_pipe **out, const vg_pipe_ops *ops, int workers, size_t window, vg_error *err)
{
    *out = NULL;
    if (!ops || !ops->deliver || workers < 0)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "pipeline: no deliver callback");
    vg_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    p->ops = *ops;
    p->window = window < 2 ? 2 : window;
    /* a small ring delivers each item as it is done and takes one more as
     * soon as there is room; a big one works in batches */
    p->batch = p->window >= 4 * DELIVER_BATCH ? DELIVER_BATCH : 1;
    p->wake_room = p->window >= 4 * DELIVER_BATCH ? p->window / 2 : p->window - 1;
    size_t align = _Alignof(max_align_t);
    p->stride = (ops->item_size + align - 1) / align * align;
    if (!p->stride)
        p->stride = align;
    p->state = calloc(p->window, 1);
    p->items = calloc(p->window, p->stride);
    p->scratch = malloc(p->stride);
    p->threads = calloc(workers ? (size_t)workers : 1, sizeof *p->threads);
    if (!p->state || !p->items || !p->scratch || !p->threads) {
        free(p->state);
        free(p->items);
        free(p->scratch);
        free(p->threads);
        free(p);
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->space, NULL);
    for (int i = 0; i < workers; i++)
        p->n_threads += pthread_create(&p->threads[p->n_threads], NULL, worker_main, p) == 0;
    if (workers > 0 && p->n_threads == 0) {
        vg_pipe_free(p);
        return vg_error_set(err, VG_ERR, NULL, 0, "cannot start threads");
    }
    *out = p;
    return VG_OK;
}

int vg_pipe_submit(vg_pipe *p, const void *item, int needs_work)
{
    pthread_mutex_lock(&p->mu);
    while (p->next_seq - p->deliver_seq >= p->window && !p->stop) {
        p->producer_waits = 1;
        pthread_cond_wait(&p->space, &p->mu);
    }
    p->producer_waits = 0;
    if (p->stop) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    size_t seq = p->next_seq++;
    memcpy(slot_item(p, seq), item, p->ops.item_size);
    if (needs_work && p->n_threads) {
        p->state[seq % p->window] = SLOT_PENDING;
        if (p->workers_waiting)
            pthread_cond_signal(&p->work);
    } else {
        p->state[seq % p->window] = SLOT_DONE;
        if (p->consumer_waits && batch_ready(p))
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void vg_pipe_close(vg_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->mu);
}

void vg_pipe_stop(vg_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    stop_locked(p);
    pthread_mutex_unlock(&p->mu);
}

int vg_pipe_stopped(vg_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

typedef struct producer_args {
    vg_pipe *p;
    void (*produce)(vg_pipe *p, void *ctx);
    void *ctx;
} producer_args;

static void *producer_main(void *arg)
{
    producer_args *a = arg;
    a->produce(a->p, a->ctx);
    vg_pipe_close(a->p);
    return NULL;
}

/* Deliver everything submitted until the pipe is closed and empty. */
static void deliver_loop(vg_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->deliver_seq == p->next_seq) {
            if (p->closed)
                break;
            p->wake_at = p->deliver_seq; /* the next one submitted and done */
            p->consumer_waits = 1;
            pthread_cond_wait(&p->done, &p->mu);
            p->consumer_waits = 0;
            continue;
        }
        unsigned char *st = &p->state[p->deliver_seq % p->window];
        if (*st == SLOT_PENDING && p->stop)
            *st = SLOT_DONE; /* stopped: nobody needs to work on it */
        if (*st != SLOT_DONE) {
            p->wake_at = p->deliver_seq + p->batch - 1;
            p->consumer_waits = 1;
            pthread_cond_wait(&p->done, &p->mu);
            p->consumer_waits = 0;
            continue;
        }
        memcpy(p->scratch, slot_item(p, p->deliver_seq), p->ops.item_size);
        *st = SLOT_EMPTY;
        p->deliver_seq++;
        int stopped = p->stop;
        if (p->producer_waits && p->next_seq - p->deliver_seq <= p->wake_room)
            pthread_cond_signal(&p->space);
        pthread_mutex_unlock(&p->mu);
        int stop = p->ops.deliver(p->scratch, stopped, p->ops.ctx);
        pthread_mutex_lock(&p->mu);
        if (stop && !p->stop)
            stop_locked(p);
    }
    pthread_mutex_unlock(&p->mu);
}

int vg_pipe_run(vg_pipe *p, void (*produce)(vg_pipe *p, void *ctx), void *produce_ctx,
                vg_error *err)
{
    producer_args a = {p, produce, produce_ctx};
    pthread_t producer;
    int started = 0, rc = VG_OK;
    if (produce) {
        started = pthread_create(&producer, NULL, producer_main, &a) == 0;
        if (!started) {
            rc = vg_error_set(err, VG_ERR, NULL, 0, "cannot start threads");
            vg_pipe_close(p);
        }
    }
    deliver_loop(p);
    if (started)
        pthread_join(producer, NULL);
    pthread_mutex_lock(&p->mu);
    if (rc == VG_OK && p->rc) {
        rc = p->rc;
        if (err)
            *err = p->err;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void vg_pipe_free(vg_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    stop_locked(p);
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    for (; p->deliver_seq < p->next_seq; p->deliver_seq++) {
        memcpy(p->scratch, slot_item(p, p->deliver_seq), p->ops.item_size);
        p->ops.deliver(p->scratch, 1, p->ops.ctx);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->space);
    free(p->state);
    free(p->items);
    free(p->scratch);
    free(p->threads);
    free(p);
}

int vg_plain_sink_deliver(vg_vm *vm, void *payload, void *ctx)
{
    (void)payload;
    const vg_plain_sink *p = ctx;
    return p->sink(vm, p->ctx);
}
