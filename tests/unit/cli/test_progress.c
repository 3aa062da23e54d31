/*
 * The progress line: drawn on a terminal (a pty here), never into a pipe or
 * with --quiet, at most ~10 times a second, cleared at the end, and safe to
 * tick from several threads.  There is no src/cli library, so the file under
 * test is compiled in here.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../../cli/cli_progress.c"

int cli_color = 0;
int cli_quiet = 0;
int cli_verbose = 0;

struct term {
    int master, slave;
};

static void term_open(struct term *t, unsigned short cols)
{
    struct winsize ws = {.ws_row = 24, .ws_col = cols};
    assert_int_equal(openpty(&t->master, &t->slave, NULL, NULL, &ws), 0);
    struct termios tio;
    assert_int_equal(tcgetattr(t->slave, &tio), 0);
    cfmakeraw(&tio); /* bytes as written: no \n -> \r\n translation */
    assert_int_equal(tcsetattr(t->slave, TCSANOW, &tio), 0);
    fcntl(t->master, F_SETFL, O_NONBLOCK);
}

static void term_close(struct term *t)
{
    close(t->master);
    close(t->slave);
}

/* Everything written so far (waits briefly for the pty to pass it on). */
static size_t drain(int fd, char *out, size_t outsz)
{
    size_t n = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (n + 1 < outsz && poll(&pfd, 1, 50) > 0) {
        ssize_t r = read(fd, out + n, outsz - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    out[n] = '\0';
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t count_char(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

static void pipe_gets_nothing(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct cli_progress *p = progress_start_fd("scanning", 10, fds[1], -1);
    assert_null(p);
    cli_progress_tick(p, 5); /* NULL is accepted everywhere */
    cli_progress_done(p);
    close(fds[1]);
    char buf[64];
    assert_int_equal(read(fds[0], buf, sizeof buf), 0);
    close(fds[0]);
}

static void quiet_terminal_gets_nothing(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    cli_quiet = 1;
    assert_null(progress_start_fd("scanning", 10, t.slave, -1));
    cli_quiet = 0;
    term_close(&t);
}

static void output_on_the_same_terminal_suppresses_the_line(void **state)
{
    (void)state;
    struct term t, other;
    term_open(&t, 80);
    term_open(&other, 80);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_null(progress_start_fd("auditing", 10, t.slave, t.slave)); /* report would be torn */
    int dup_slave = dup(t.slave);
    assert_null(progress_start_fd("auditing", 10, t.slave, dup_slave)); /* same tty, other fd */
    struct cli_progress *p = progress_start_fd("auditing", 10, t.slave, fds[1]); /* -o file */
    assert_non_null(p);
    cli_progress_done(p);
    p = progress_start_fd("auditing", 10, t.slave, other.slave); /* another terminal */
    assert_non_null(p);
    cli_progress_done(p);
    close(dup_slave);
    close(fds[0]);
    close(fds[1]);
    term_close(&other);
    term_close(&t);
}

static void terminal_shows_count_rate_eta_then_clears(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    struct cli_progress *p = progress_start_fd("auditing", 100, t.slave, -1);
    assert_non_null(p);
    cli_progress_tick(p, 1);
    char buf[4096];
    assert_int_equal(drain(t.master, buf, sizeof buf), 0); /* first interval: quiet */
    sleep_ms(120);
    cli_progress_tick(p, 1);
    size_t n = drain(t.master, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(buf[0], '\r');
    assert_non_null(strstr(buf, "auditing: 2/100 items, "));
    assert_non_null(strstr(buf, "/s, ETA "));
    size_t shown = p->shown;
    cli_progress_done(p);
    n = drain(t.master, buf, sizeof buf);
    /* \r, blanks over the whole old line, \r: nothing left, no newline */
    assert_int_equal(n, shown + 2);
    assert_int_equal(buf[0], '\r');
    assert_int_equal(buf[n - 1], '\r');
    assert_int_equal(count_char(buf, n, ' '), shown);
    assert_null(strchr(buf, '\n'));
    term_close(&t);
}

static void unknown_total_shows_count_and_rate(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    struct cli_progress *p = progress_start_fd("fetching", 0, t.slave, -1);
    sleep_ms(120);
    cli_progress_tick(p, 7);
    char buf[4096];
    drain(t.master, buf, sizeof buf);
    assert_non_null(strstr(buf, "fetching: 7 items, "));
    assert_null(strstr(buf, "ETA"));
    cli_progress_done(p);
    term_close(&t);
}

static void redraws_at_most_ten_times_a_second(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    struct cli_progress *p = progress_start_fd("scanning", 1000000, t.slave, -1);
    long long until = now_ns() + 550000000LL;
    size_t ticks = 0;
    while (now_ns() < until) {
        cli_progress_tick(p, 1);
        ticks++;
    }
    char buf[16384];
    size_t n = drain(t.master, buf, sizeof buf);
    size_t texts = 0; /* a draw writes its text once, or twice when padding */
    for (const char *q = buf; (q = strstr(q, "scanning: ")) != NULL; q++)
        texts++;
    (void)n;
    assert_true(ticks > 1000);
    assert_true(texts >= 3);
    assert_true(texts <= 10); /* 0.55 s: at most five draws */
    cli_progress_done(p);
    term_close(&t);
}

static void line_never_wider_than_terminal(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 30);
    struct cli_progress *p = progress_start_fd("a rather long description", 123456789, t.slave, -1);
    sleep_ms(120);
    cli_progress_tick(p, 54321);
    char buf[4096];
    size_t n = drain(t.master, buf, sizeof buf);
    assert_true(n >= 2);
    assert_true(n - 1 <= 29);
    cli_progress_done(p);
    term_close(&t);
}

static void verbose_keeps_a_summary_line(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    cli_verbose = 1;
    struct cli_progress *p = progress_start_fd("reading logs", 3, t.slave, -1);
    cli_progress_tick(p, 3);
    cli_progress_done(p);
    cli_verbose = 0;
    char buf[4096];
    size_t n = drain(t.master, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "reading logs: 3 items in "));
    assert_int_equal(buf[n - 1], '\n');
    term_close(&t);
}

static void interrupt_clears_the_line_for_a_message(void **state)
{
    (void)state;
    cli_progress_interrupt(); /* nothing running: harmless */
    struct term t;
    term_open(&t, 80);
    struct cli_progress *p = progress_start_fd("auditing", 0, t.slave, -1);
    sleep_ms(120);
    cli_progress_tick(p, 5);
    char buf[4096];
    assert_true(drain(t.master, buf, sizeof buf) > 0);
    size_t shown = p->shown;
    cli_progress_interrupt();
    size_t n = drain(t.master, buf, sizeof buf);
    assert_int_equal(n, shown + 2); /* \r, blanks, \r */
    assert_int_equal(count_char(buf, n, ' '), shown);
    cli_progress_tick(p, 1); /* within the interval after the message: no redraw */
    assert_int_equal(drain(t.master, buf, sizeof buf), 0);
    cli_progress_done(p);
    assert_int_equal(drain(t.master, buf, sizeof buf), 0); /* already clear */
    /* done: no longer active */
    cli_progress_interrupt();
    assert_int_equal(drain(t.master, buf, sizeof buf), 0);
    term_close(&t);
}

struct worker {
    struct cli_progress *p;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 20000; i++)
        cli_progress_tick(w->p, 1);
    return NULL;
}

static void ticks_from_threads_all_count(void **state)
{
    (void)state;
    struct term t;
    term_open(&t, 80);
    struct cli_progress *p = progress_start_fd("auditing", 80000, t.slave, -1);
    pthread_t th[4];
    struct worker w = {p};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &w), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&p->done), 80000);
    char buf[65536];
    drain(t.master, buf, sizeof buf);
    cli_progress_done(p);
    term_close(&t);
}

static void durations_read_like_a_clock(void **state)
{
    (void)state;
    char s[32];
    format_duration(s, sizeof s, 42.2);
    assert_string_equal(s, "42s");
    format_duration(s, sizeof s, 187);
    assert_string_equal(s, "3m07s");
    format_duration(s, sizeof s, 3725);
    assert_string_equal(s, "1h02m");
    format_duration(s, sizeof s, -3);
    assert_string_equal(s, "0s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipe_gets_nothing),
        cmocka_unit_test(quiet_terminal_gets_nothing),
        cmocka_unit_test(output_on_the_same_terminal_suppresses_the_line),
        cmocka_unit_test(terminal_shows_count_rate_eta_then_clears),
        cmocka_unit_test(unknown_total_shows_count_and_rate),
        cmocka_unit_test(redraws_at_most_ten_times_a_second),
        cmocka_unit_test(line_never_wider_than_terminal),
        cmocka_unit_test(verbose_keeps_a_summary_line),
        cmocka_unit_test(interrupt_clears_the_line_for_a_message),
        cmocka_unit_test(ticks_from_threads_all_count),
        cmocka_unit_test(durations_read_like_a_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
