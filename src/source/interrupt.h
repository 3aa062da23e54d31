/*
 * Interruption without signals: the caller's SIGINT handler calls
 * vg_interrupt() (source.h), and library calls that can be interrupted (the
 * vSphere ones) poll vg_interrupted() and stop.  The library installs no
 * handler; these calls only say when such a call runs, so vg_interrupt()
 * can tell the handler whether anyone will act on it.
 */
#ifndef VG_SOURCE_INTERRUPT_H
#define VG_SOURCE_INTERRUPT_H

/* An interruptible call starts.  clear: forget an interrupt that came
 * while no such call ran (a call on behalf of an outer one passes 0). */
void vg_interruptible_begin(int clear);
void vg_interruptible_end(void);
/* vg_interrupt() was called (async-signal-safe to read). */
int vg_interrupted(void);

#endif
