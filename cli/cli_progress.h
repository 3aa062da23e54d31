/*
 * A progress line on standard error for long runs (directory scans,
 * vCenter fetches, log analysis): "what: done/total items, rate/s, ETA".
 * It is drawn only when stderr is a terminal and --quiet is off, so pipes,
 * files and CI logs never see it.  Ticks may come from any thread.
 */
#ifndef VG_CLI_PROGRESS_H
#define VG_CLI_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

struct cli_progress;

/*
 * Start a progress line for `what` (e.g. "auditing"), with `total` items or
 * 0 when the total is unknown.  Returns NULL when nothing is to be drawn:
 * stderr not a terminal, --quiet, no memory, or standard output is that same
 * terminal -- a report streaming there would be torn by the redraws, and its
 * own lines already show progress.  Every other function accepts NULL, so
 * callers never need to check.
 */
struct cli_progress *cli_progress_start(const char *what, size_t total);

/*
 * The same for a command whose output goes to `out` (its -o file, or
 * stdout): only `out` being the terminal suppresses the line, so
 * `vmxguard audit ds/ -o r.json` on a terminal still shows progress.
 */
struct cli_progress *cli_progress_start_output(const char *what, size_t total, FILE *out);

/* n_done more items are finished (an increment, so workers share no counter). */
void cli_progress_tick(struct cli_progress *p, size_t n_done);

/* The total became known or changed (e.g. after a directory walk). */
void cli_progress_set_total(struct cli_progress *p, size_t total);

/*
 * Clear the line of the progress now running (if any) so that a message can
 * be printed on a line of its own; the next tick draws it again.  Meant for
 * cli_warn/cli_error, so a warning never lands in the middle of the line.
 */
void cli_progress_interrupt(void);

/*
 * Clear the line and free p.  With --verbose the final count, time and rate
 * stay on the terminal as one line.  Call after all ticking threads ended.
 */
void cli_progress_done(struct cli_progress *p);

#endif
