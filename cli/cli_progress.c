/*
 * Progress line for long runs (see cli_progress.h).  Counting is one atomic
 * add per tick so worker threads do not serialise on it; drawing is rare
 * (at most every REDRAW_NS) and guarded by a trylock, so a thread that finds
 * another one drawing just moves on.  The line is redrawn in place with a
 * carriage return and padded over the previous one, which needs no escape
 * sequences and so works on any terminal, TERM=dumb included.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_progress.h"

#define REDRAW_NS 100000000LL /* ~10 redraws per second: readable, cheap */
#define LINE_MAX_COLS 200

struct cli_progress {
    char what[64];
    int fd;
    atomic_size_t done;
    atomic_size_t total;
    atomic_llong last_draw; /* monotonic ns of the last redraw */
    long long start;
    pthread_mutex_t draw_lock;
    size_t shown; /* columns of the line now on the terminal */
};

/* The line on screen now, for cli_progress_interrupt (one at a time). */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cli_progress *active;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* a progress line is not worth failing the run for */
        s += w;
        n -= (size_t)w;
    }
}

/* Terminal width, so the line never wraps (a wrapped line cannot be redrawn). */
static size_t columns(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return ws.ws_col - 1 < LINE_MAX_COLS ? ws.ws_col - 1 : LINE_MAX_COLS;
    return 79;
}

/* "42s", "3m07s", "2h05m": short enough to sit at the end of the line. */
static void format_duration(char *out, size_t outsz, double secs)
{
    long s = secs < 0 ? 0 : (long)(secs + 0.5);
    if (s < 60)
        snprintf(out, outsz, "%lds", s);
    else if (s < 3600)
        snprintf(out, outsz, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, outsz, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}

static void format_rate(char *out, size_t outsz, double rate)
{
    snprintf(out, outsz, rate < 10 ? "%.1f" : "%.0f", rate);
}

/* The text of the line (without \r), from the counters as they are now. */
static void format_line(const struct cli_progress *p, long long at, char *out, size_t outsz)
{
    size_t done = atomic_load(&p->done);
    size_t total = atomic_load(&p->total);
    double secs = (double)(at - p->start) / 1e9;
    double rate = secs > 0 ? (double)done / secs : 0;
    char r[32], eta[32];
    format_rate(r, sizeof r, rate);
    if (total == 0) {
        snprintf(out, outsz, "%s: %zu %s, %s/s", p->what, done, done == 1 ? "item" : "items", r);
        return;
    }
    if (done >= total || rate <= 0)
        snprintf(eta, sizeof eta, "%s", done >= total ? "0s" : "--");
    else
        format_duration(eta, sizeof eta, (double)(total - done) / rate);
    snprintf(out, outsz, "%s: %zu/%zu items, %s/s, ETA %s", p->what, done, total, r, eta);
}

/* Put `text` where the old line was: \r, text, blanks over the rest. */
static void show(struct cli_progress *p, const char *text)
{
    char line[LINE_MAX_COLS * 2 + 4];
    size_t width = columns(p->fd);
    size_t n = strlen(text);
    if (n > width)
        n = width;
    size_t pad = p->shown > n ? p->shown - n : 0;
    line[0] = '\r';
    memcpy(line + 1, text, n);
    memset(line + 1 + n, ' ', pad);
    size_t len = 1 + n + pad;
    if (pad > 0) { /* back over the blanks so the cursor sits after the text */
        line[len++] = '\r';
        memcpy(line + len, text, n);
        len += n;
    }
    write_all(p->fd, line, len);
    p->shown = n;
}

static void redraw(struct cli_progress *p, long long at)
{
    char text[LINE_MAX_COLS + 1];
    format_line(p, at, text, sizeof text);
    show(p, text);
}

/* Do descriptors a and b lead to the same terminal? */
static int same_terminal(int a, int b)
{
    struct stat sa, sb;
    if (b < 0 || !isatty(b) || fstat(a, &sa) != 0 || fstat(b, &sb) != 0)
        return 0;
    return sa.st_rdev == sb.st_rdev;
}

/*
 * The start behind cli_progress_start, on any descriptors (tests use a pty):
 * fd gets the line, out_fd is where the command's output goes (-1: not a
 * descriptor of ours to worry about).
 */
static struct cli_progress *progress_start_fd(const char *what, size_t total, int fd, int out_fd)
{
    if (cli_quiet || !isatty(fd) || same_terminal(fd, out_fd))
        return NULL;
    struct cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    /* the label may name a target: shown terminal-safe */
    char *safe = vg_term_escape_dup(what ? what : "working", strlen(what ? what : "working"), 0);
    snprintf(p->what, sizeof p->what, "%s", safe ? safe : "working");
    free(safe);
    p->fd = fd;
    atomic_init(&p->done, 0);
    atomic_init(&p->total, total);
    p->start = now_ns();
    /* The first line appears after one interval: short runs show nothing. */
    atomic_init(&p->last_draw, p->start);
    pthread_mutex_init(&p->draw_lock, NULL);
    pthread_mutex_lock(&active_lock);
    active = p;
    pthread_mutex_unlock(&active_lock);
    return p;
}

struct cli_progress *cli_progress_start(const char *what, size_t total)
{
    return progress_start_fd(what, total, STDERR_FILENO, STDOUT_FILENO);
}

struct cli_progress *cli_progress_start_output(const char *what, size_t total, FILE *out)
{
    return progress_start_fd(what, total, STDERR_FILENO, out ? fileno(out) : -1);
}

void cli_progress_tick(struct cli_progress *p, size_t n_done)
{
    if (!p)
        return;
    atomic_fetch_add(&p->done, n_done);
    long long at = now_ns();
    long long last = atomic_load(&p->last_draw);
    if (at - last < REDRAW_NS)
        return;
    if (pthread_mutex_trylock(&p->draw_lock) != 0)
        return; /* someone else is drawing right now */
    /* Recheck under the lock: another thread may have drawn meanwhile. */
    if (atomic_compare_exchange_strong(&p->last_draw, &last, at))
        redraw(p, at);
    pthread_mutex_unlock(&p->draw_lock);
}

void cli_progress_set_total(struct cli_progress *p, size_t total)
{
    if (p)
        atomic_store(&p->total, total);
}

void cli_progress_interrupt(void)
{
    pthread_mutex_lock(&active_lock); /* lock order: active_lock, then draw_lock */
    if (active) {
        pthread_mutex_lock(&active->draw_lock);
        if (active->shown > 0)
            show(active, "");
        /* The next tick waits a full interval, so the message stays readable. */
        atomic_store(&active->last_draw, now_ns());
        pthread_mutex_unlock(&active->draw_lock);
    }
    pthread_mutex_unlock(&active_lock);
}

void cli_progress_done(struct cli_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&active_lock);
    if (active == p)
        active = NULL;
    pthread_mutex_unlock(&active_lock);
    pthread_mutex_lock(&p->draw_lock);
    long long at = now_ns();
    if (cli_verbose) {
        char text[LINE_MAX_COLS + 1], took[32], r[32];
        double secs = (double)(at - p->start) / 1e9;
        size_t done = atomic_load(&p->done);
        format_duration(took, sizeof took, secs);
        format_rate(r, sizeof r, secs > 0 ? (double)done / secs : 0);
        snprintf(text, sizeof text, "%s: %zu items in %s, %s/s", p->what, done, took, r);
        show(p, text);
        write_all(p->fd, "\n", 1);
    } else if (p->shown > 0) {
        show(p, "");
    }
    pthread_mutex_unlock(&p->draw_lock);
    pthread_mutex_destroy(&p->draw_lock);
    free(p);
}
