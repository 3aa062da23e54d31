/*
 * The interrupt flag (interrupt.h, vg_interrupt in source.h): a
 * sig_atomic_t the handler sets and a lock-free counter of the calls that
 * poll it, so that the handler's only work is one load and one store.
 */
#include <signal.h>
#include <stdatomic.h>

#include "source/interrupt.h"
#include "vmxguard/source.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "vg_interrupt must be async-signal-safe");

static volatile sig_atomic_t interrupted;
static atomic_int running;

int vg_interrupt(void)
{
    interrupted = 1;
    return atomic_load(&running) > 0;
}

int vg_interrupted(void)
{
    return interrupted != 0;
}

void vg_interruptible_begin(int clear)
{
    if (atomic_fetch_add(&running, 1) == 0 && clear)
        interrupted = 0;
}

void vg_interruptible_end(void)
{
    atomic_fetch_sub(&running, 1);
}
