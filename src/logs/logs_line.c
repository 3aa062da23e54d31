/*
 * Splitting one vmware.log line into timestamp, level, thread and message,
 * for the four prefixes VMware has used (Workstation 7, 8-16.1, 16.2-17.x,
 * 25H2).  Called once per line on multi-GiB files, so it only looks at fixed
 * positions and never allocates.
 */
#include <stdint.h>
#include <string.h>

#include "vmxguard/logs.h"

static const char *const format_names[VG_LOG_FMT_COUNT] = {"unknown", "ws7", "pipe", "level",
                                                           "syslog"};

const char *vg_log_format_name(vg_log_format f)
{
    return (unsigned)f < VG_LOG_FMT_COUNT ? format_names[f] : "unknown";
}

static int dig(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static int all_digits(const char *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (!dig(p[i]))
            return 0;
    }
    return 1;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long long to_ms(int y, int mo, int d, const char *hms)
{
    long long days = days_from_civil(y, mo, d);
    return ((days * 24 + num(hms, 2)) * 60 + num(hms + 3, 2)) * 60000LL + num(hms + 6, 2) * 1000LL +
           num(hms + 9, 3);
}

/* "HH:MM:SS.mmm" */
static int is_hms(const char *p)
{
    return dig(p[0]) && dig(p[1]) && p[2] == ':' && dig(p[3]) && dig(p[4]) && p[5] == ':' &&
           dig(p[6]) && dig(p[7]) && p[8] == '.' && all_digits(p + 9, 3);
}

/* 8 bytes against a shape: where digits has 0xff a decimal digit, elsewhere
 * the byte of lits.  Word at a time (no carry crosses a byte: a low nibble
 * plus 6 is at most 0x15), as every line of a multi-GiB log starts this way. */
static int shape8(const char *p, const char *digits, const char *lits)
{
    uint64_t x, d, l, hi, six;
    memcpy(&x, p, 8);
    memcpy(&d, digits, 8);
    memcpy(&l, lits, 8);
    memcpy(&hi, "\xf0\xf0\xf0\xf0\xf0\xf0\xf0\xf0", 8);
    memcpy(&six, "\x06\x06\x06\x06\x06\x06\x06\x06", 8);
    uint64_t lo = x & ~hi;
    return ((x ^ l) & ~d) == 0 && ((x & hi) & d) == (0x3030303030303030ULL & d) &&
           (((lo + six) & hi) & d) == 0;
}

/* "YYYY-MM-DDTHH:MM:SS.mmm" then "Z", "+hh:mm", "-hh:mm" or nothing.
 * Returns the timestamp length, 0 when p does not start with one.  Only
 * validates: milliseconds are computed on demand (vg_log_line_ms), since
 * most lines never need them. */
static size_t iso_ts(const char *p, size_t len)
{
    /* three overlapping words: "YYYY-MM-", "DDTHH:MM", "M:SS.mmm" */
    if (len < 23 || !shape8(p, "\xff\xff\xff\xff\0\xff\xff\0", "\0\0\0\0-\0\0-") ||
        !shape8(p + 8, "\xff\xff\0\xff\xff\0\xff\xff", "\0\0T\0\0:\0\0") ||
        !shape8(p + 15, "\xff\0\xff\xff\0\xff\xff\xff", "\0:\0\0.\0\0\0"))
        return 0;
    size_t n = 23;
    if (n < len && p[n] == 'Z')
        return n + 1;
    if (n + 6 <= len && (p[n] == '+' || p[n] == '-') && dig(p[n + 1]) && dig(p[n + 2]) &&
        p[n + 3] == ':' && dig(p[n + 4]) && dig(p[n + 5]))
        return n + 6;
    return n;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int month_of(const char *p)
{
    for (int i = 0; i < 12; i++) {
        if (memcmp(p, months + 3 * i, 3) == 0)
            return i + 1;
    }
    return -1;
}

long long vg_log_line_ms(const vg_log_line *l)
{
    const char *p = l->ts;
    if (!p || l->format == VG_LOG_FMT_UNKNOWN)
        return -1;
    if (l->format == VG_LOG_FMT_WS7) /* no year in the prefix */
        return to_ms(2001, month_of(p), (p[4] == ' ' ? 0 : p[4] - '0') * 10 + p[5] - '0', p + 7);
    long long off = 0;
    if (l->ts_len == 29) {
        off = (num(p + 24, 2) * 60 + num(p + 27, 2)) * 60000LL;
        if (p[23] == '+')
            off = -off;
    }
    return to_ms(num(p, 4), num(p + 5, 2), num(p + 8, 2), p + 11) + off;
}

/* memmem is a GNU extension; this is the portable few lines. */
static const char *find(const char *h, size_t hn, const char *n, size_t nn)
{
    for (const char *p = h; nn <= hn && p + nn <= h + hn; p++) {
        p = memchr(p, n[0], (size_t)(h + hn - p));
        if (!p || p + nn > h + hn)
            return NULL;
        if (memcmp(p, n, nn) == 0)
            return p;
    }
    return NULL;
}

static void set_msg(vg_log_line *o, const char *p, size_t len)
{
    o->msg = p;
    o->msg_len = len;
}

/* WS 8 - 16.1: "<ts>| <thread>| <L999>: <msg>" ('+' instead of ':' continues). */
static int parse_pipe(const char *p, size_t len, size_t n, vg_log_line *o)
{
    if (n + 2 > len || p[n] != '|' || p[n + 1] != ' ')
        return 0;
    const char *t = p + n + 2, *end = p + len;
    const char *bar = memchr(t, '|', (size_t)(end - t));
    if (!bar)
        return 0;
    o->format = VG_LOG_FMT_PIPE;
    o->thread = t;
    o->thread_len = (size_t)(bar - t);
    const char *m = bar + 1;
    if (m < end && *m == ' ')
        m++;
    /* level tag: one upper-case letter and three digits, then ':' or '+' */
    if (end - m >= 5 && m[0] >= 'A' && m[0] <= 'Z' && all_digits(m + 1, 3) &&
        (m[4] == ':' || m[4] == '+')) {
        o->level = m;
        o->level_len = 4;
        o->continuation = m[4] == '+';
        m += 5;
        if (m < end && *m == ' ')
            m++;
    }
    set_msg(o, m, (size_t)(end - m));
    return 1;
}

/* WS 16.2 - 17.x: "<ts> Xx(NN)[+] <thread> <msg>". */
static int parse_level(const char *p, size_t len, size_t n, vg_log_line *o)
{
    const char *l = p + n + 1, *end = p + len;
    if (end - l < 6 || l[-1] != ' ' || l[0] < 'A' || l[0] > 'Z' || l[1] < 'a' || l[1] > 'z' ||
        l[2] != '(' || !dig(l[3]) || !dig(l[4]) || l[5] != ')')
        return 0;
    o->format = VG_LOG_FMT_LEVEL;
    o->level = l;
    o->level_len = 6;
    const char *t = l + 6;
    if (t < end && *t == '+') {
        o->continuation = 1;
        t++;
    }
    if (t < end && *t == ' ')
        t++;
    const char *sp = memchr(t, ' ', (size_t)(end - t));
    o->thread = t;
    o->thread_len = sp ? (size_t)(sp - t) : (size_t)(end - t);
    const char *m = sp ? sp + 1 : end;
    set_msg(o, m, (size_t)(end - m));
    return 1;
}

/* WS 25H2: "<ts> -LEVEL <program> <pid> [sd threadName="x"] <msg>" (RFC 5424-like). */
static int parse_syslog(const char *p, size_t len, size_t n, vg_log_line *o)
{
    const char *l = p + n + 1, *end = p + len;
    if (end - l < 2 || l[-1] != ' ' || l[0] != '-' || l[1] < 'A' || l[1] > 'Z')
        return 0;
    const char *sp = memchr(l, ' ', (size_t)(end - l));
    if (!sp)
        return 0;
    o->format = VG_LOG_FMT_SYSLOG;
    o->level = l;
    o->level_len = (size_t)(sp - l);
    const char *q = sp + 1;
    for (int field = 0; field < 2 && q < end; field++) { /* program, pid */
        const char *s = memchr(q, ' ', (size_t)(end - q));
        q = s ? s + 1 : end;
    }
    if (q < end && *q == '[') {
        const char *close = memchr(q, ']', (size_t)(end - q));
        const char *tn = close ? find(q, (size_t)(close - q), "threadName=\"", 12) : NULL;
        if (tn) {
            tn += 12;
            const char *te = memchr(tn, '"', (size_t)(close - tn));
            o->thread = tn;
            o->thread_len = te ? (size_t)(te - tn) : (size_t)(close - tn);
        }
        q = close ? close + 1 : end;
    } else if (q < end && *q == '-') {
        q++;
    }
    if (q < end && *q == ' ')
        q++;
    set_msg(o, q, (size_t)(end - q));
    return 1;
}

/* WS 7: "Apr 18 00:25:37.105: vmx| msg" (no year, no zone). */
static int parse_ws7(const char *p, size_t len, vg_log_line *o)
{
    if (len < 22 || p[3] != ' ' || (p[4] != ' ' && !dig(p[4])) || !dig(p[5]) || p[6] != ' ' ||
        !is_hms(p + 7) || p[19] != ':' || p[20] != ' ' || month_of(p) < 0)
        return 0;
    const char *t = p + 21, *end = p + len;
    const char *bar = memchr(t, '|', (size_t)(end - t));
    if (!bar)
        return 0;
    o->format = VG_LOG_FMT_WS7;
    o->ts = p;
    o->ts_len = 19;
    o->thread = t;
    o->thread_len = (size_t)(bar - t);
    const char *m = bar + 1;
    if (m < end && *m == ' ')
        m++;
    set_msg(o, m, (size_t)(end - m));
    return 1;
}

int vg_log_parse_line(const char *p, size_t len, vg_log_line *o)
{
    memset(o, 0, sizeof *o);
    size_t n = iso_ts(p, len);
    if (n) {
        o->ts = p;
        o->ts_len = n;
        if (parse_pipe(p, len, n, o) || parse_level(p, len, n, o) || parse_syslog(p, len, n, o))
            return 1;
    } else if (parse_ws7(p, len, o)) {
        return 1;
    }
    memset(o, 0, sizeof *o);
    set_msg(o, p, len);
    return 0;
}
