/*
 * The ordered parallel pipeline (src/source/pipeline.c) on its own:
 * delivery in submission order whatever the workers' timing, a bounded
 * number of items alive, failures of work and of a worker's set-up
 * reported with every item still freed, a consumer's stop, and a queue
 * without workers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "source/pipeline.h"

typedef struct item {
    size_t seq;
    size_t *owned; /* malloc'd: a leak shows under ASan */
    int worked;
} item;

typedef struct run {
    size_t n_items; /* the producer submits 0 .. n_items-1 */
    size_t next;    /* the next seq deliver expects */
    size_t delivered, stopped, worked_seen;
    size_t fail_at; /* work fails on this seq ((size_t)-1: never) */
    size_t stop_at; /* deliver asks to stop here ((size_t)-1: never) */
    int begin_fails;
    int done_every; /* every nth item is submitted finished (0: none) */
    size_t submitted, refused;
    atomic_size_t alive, max_alive;
    int slow_consumer;
} run;

static void pause_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static int begin(void **state, void *ctx, vg_error *err)
{
    run *r = ctx;
    *state = NULL;
    if (r->begin_fails)
        return vg_error_set(err, VG_EIO, "session", 0, "login refused");
    return 0;
}

static int work(void *it, void *state, void *ctx, vg_error *err)
{
    (void)state;
    run *r = ctx;
    item *i = it;
    /* uneven: some items take 50 times longer than their neighbours */
    if (i->seq % 7 == 3)
        pause_us(200 + (long)(i->seq * 7919 % 13) * 20);
    i->worked = 1;
    if (i->seq == r->fail_at)
        return vg_error_set(err, VG_EIO, "item", (unsigned)i->seq, "work failed");
    return 0;
}

static int deliver(void *it, int stopped, void *ctx)
{
    run *r = ctx;
    item *i = it;
    assert_int_equal(i->seq, r->next);
    assert_int_equal(*i->owned, i->seq);
    r->next++;
    r->delivered++;
    if (stopped)
        r->stopped++;
    else if (i->worked)
        r->worked_seen++;
    free(i->owned);
    atomic_fetch_sub(&r->alive, 1);
    if (r->slow_consumer && i->seq % 16 == 0)
        pause_us(300);
    return !stopped && i->seq == r->stop_at;
}

static void produce(vg_pipe *p, void *ctx)
{
    run *r = ctx;
    for (size_t s = 0; s < r->n_items; s++) {
        item it = {s, malloc(sizeof(size_t)), 0};
        assert_non_null(it.owned);
        *it.owned = s;
        size_t now = atomic_fetch_add(&r->alive, 1) + 1;
        size_t max = atomic_load(&r->max_alive);
        while (now > max && !atomic_compare_exchange_weak(&r->max_alive, &max, now))
            ;
        int needs_work = !(r->done_every && s % (size_t)r->done_every == 0);
        if (vg_pipe_submit(p, &it, needs_work) != 0) {
            atomic_fetch_sub(&r->alive, 1);
            free(it.owned);
            r->refused++;
            return;
        }
        r->submitted++;
    }
}

static vg_pipe_ops ops_for(run *r)
{
    vg_pipe_ops ops = {.item_size = sizeof(item),
                       .worker_begin = begin,
                       .work = work,
                       .deliver = deliver,
                       .ctx = r};
    return ops;
}

static int run_pipe(run *r, int workers, size_t window, vg_error *err)
{
    vg_pipe_ops ops = ops_for(r);
    vg_pipe *p;
    int rc = vg_pipe_new(&p, &ops, workers, window, err);
    assert_int_equal(rc, VG_OK);
    rc = vg_pipe_run(p, produce, r, err);
    vg_pipe_free(p);
    return rc;
}

static void init(run *r, size_t n)
{
    memset(r, 0, sizeof *r);
    r->n_items = n;
    r->fail_at = (size_t)-1;
    r->stop_at = (size_t)-1;
}

static void order_is_kept_with_many_workers_and_uneven_work(void **state)
{
    (void)state;
    run r;
    init(&r, 3000);
    r.done_every = 5; /* finished items overtake nothing either */
    vg_error err;
    assert_int_equal(run_pipe(&r, 16, 40, &err), VG_OK);
    assert_int_equal(r.delivered, 3000);
    assert_int_equal(r.stopped, 0);
    assert_int_equal(r.worked_seen, 3000 - 3000 / 5);
}

static void items_alive_stay_within_the_window(void **state)
{
    (void)state;
    run r;
    init(&r, 2000);
    r.slow_consumer = 1; /* the producer runs into the full ring */
    vg_error err;
    assert_int_equal(run_pipe(&r, 4, 8, &err), VG_OK);
    assert_int_equal(r.delivered, 2000);
    /* the ring's 8, plus the one being delivered, plus the one the
     * producer counted before it waited for room */
    assert_true(atomic_load(&r.max_alive) <= 8 + 2);
    assert_true(atomic_load(&r.max_alive) >= 8);
}

static void a_failing_work_stops_the_run_with_its_error(void **state)
{
    (void)state;
    run r;
    init(&r, 5000);
    r.fail_at = 100;
    vg_error err;
    vg_error_clear(&err);
    assert_int_equal(run_pipe(&r, 8, 32, &err), VG_EIO);
    assert_string_equal(err.msg, "work failed");
    assert_int_equal(err.line, 100);
    /* everything submitted was delivered once (ASan: and freed); the
     * producer was told to stop long before the end */
    assert_int_equal(r.delivered, r.submitted);
    assert_true(r.stopped >= 1);
    assert_int_equal(r.refused, 1);
    assert_true(r.submitted < 5000);
}

static void a_failing_worker_set_up_fails_the_run(void **state)
{
    (void)state;
    run r;
    init(&r, 500);
    r.begin_fails = 1;
    vg_error err;
    vg_error_clear(&err);
    assert_int_equal(run_pipe(&r, 3, 16, &err), VG_EIO);
    assert_string_equal(err.msg, "login refused");
    assert_int_equal(r.delivered, r.submitted);
    assert_int_equal(r.worked_seen, 0);
}

static void a_consumer_stop_frees_what_is_in_flight(void **state)
{
    (void)state;
    run r;
    init(&r, 5000);
    r.stop_at = 10;
    vg_error err;
    assert_int_equal(run_pipe(&r, 4, 32, &err), VG_OK);
    assert_int_equal(r.delivered, r.submitted);
    assert_int_equal(r.delivered - r.stopped, 11); /* 0 .. 10 reached the consumer */
    assert_int_equal(r.refused, 1);
}

static void without_workers_it_is_an_ordered_bounded_queue(void **state)
{
    (void)state;
    run r;
    init(&r, 1000);
    r.done_every = 1; /* every item submitted finished */
    vg_pipe_ops ops = ops_for(&r);
    ops.worker_begin = NULL;
    vg_pipe *p;
    vg_error err;
    assert_int_equal(vg_pipe_new(&p, &ops, 0, 256, &err), VG_OK);
    assert_int_equal(vg_pipe_run(p, produce, &r, &err), VG_OK);
    vg_pipe_free(p);
    assert_int_equal(r.delivered, 1000);
    assert_int_equal(r.worked_seen, 0);
    assert_true(atomic_load(&r.max_alive) <= 256 + 2);
}

static void free_delivers_what_a_run_never_took(void **state)
{
    (void)state;
    run r;
    init(&r, 0);
    vg_pipe_ops ops = ops_for(&r);
    vg_pipe *p;
    vg_error err;
    assert_int_equal(vg_pipe_new(&p, &ops, 2, 8, &err), VG_OK);
    for (size_t s = 0; s < 5; s++) {
        item it = {s, malloc(sizeof(size_t)), 0};
        *it.owned = s;
        atomic_fetch_add(&r.alive, 1);
        assert_int_equal(vg_pipe_submit(p, &it, 1), 0);
    }
    vg_pipe_free(p); /* never run: the items are freed, in order, as stopped */
    assert_int_equal(r.delivered, 5);
    assert_int_equal(r.stopped, 5);
    vg_pipe_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_is_kept_with_many_workers_and_uneven_work),
        cmocka_unit_test(items_alive_stay_within_the_window),
        cmocka_unit_test(a_failing_work_stops_the_run_with_its_error),
        cmocka_unit_test(a_failing_worker_set_up_fails_the_run),
        cmocka_unit_test(a_consumer_stop_frees_what_is_in_flight),
        cmocka_unit_test(without_workers_it_is_an_ordered_bounded_queue),
        cmocka_unit_test(free_delivers_what_a_run_never_took),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
