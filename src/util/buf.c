#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char vg_buf_slop[1];

void vg_buf_init(vg_buf *b)
{
    b->data = vg_buf_slop;
    b->len = b->cap = 0;
    b->oom = 0;
}

void vg_buf_release(vg_buf *b)
{
    if (b->cap)
        free(b->data);
    vg_buf_init(b);
}

int vg_buf_grow(vg_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra >= SIZE_MAX - b->len) { /* len + extra + 1 would wrap */
        b->oom = 1;
        return -1;
    }
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *d = realloc(b->cap ? b->data : NULL, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    if (!b->cap)
        d[0] = '\0'; /* it was empty (slop or a zeroed buffer) */
    b->data = d;
    b->cap = cap;
    return 0;
}

void vg_buf_add(vg_buf *b, const void *data, size_t len)
{
    if (vg_buf_grow(b, len) != 0)
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void vg_buf_adds(vg_buf *b, const char *s)
{
    vg_buf_add(b, s, strlen(s));
}

void vg_buf_addc(vg_buf *b, char c)
{
    vg_buf_add(b, &c, 1);
}

/* The conversions the fast path handles: %s %.*s %c %d %u %zu %llu %%, no
 * flags or widths.  They are almost every format in this code base, and
 * vsnprintf's set-up costs more than the formatting of such strings. */
static int simple_format(const char *fmt)
{
    for (const char *p = fmt; (p = strchr(p, '%')) != NULL;) {
        p++;
        if (*p == '%' || *p == 's' || *p == 'c' || *p == 'd' || *p == 'u')
            p++;
        else if (p[0] == '.' && p[1] == '*' && p[2] == 's')
            p += 3;
        else if (p[0] == 'z' && p[1] == 'u')
            p += 2;
        else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u')
            p += 3;
        else
            return 0;
    }
    return 1;
}

static void add_unsigned(vg_buf *b, unsigned long long v, int negative)
{
    char digits[24];
    size_t n = sizeof digits;
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (negative)
        digits[--n] = '-';
    vg_buf_add(b, digits + n, sizeof digits - n);
}

static void fast_vprintf(vg_buf *b, const char *fmt, va_list ap)
{
    for (;;) {
        const char *pct = strchr(fmt, '%');
        if (!pct) {
            vg_buf_adds(b, fmt);
            return;
        }
        vg_buf_add(b, fmt, (size_t)(pct - fmt));
        const char *p = pct + 1;
        switch (*p) {
        case '%':
            vg_buf_addc(b, '%');
            p++;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            vg_buf_adds(b, s ? s : "(null)");
            p++;
            break;
        }
        case 'c':
            vg_buf_addc(b, (char)va_arg(ap, int));
            p++;
            break;
        case 'd': {
            int v = va_arg(ap, int);
            add_unsigned(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
            p++;
            break;
        }
        case 'u':
            add_unsigned(b, va_arg(ap, unsigned), 0);
            p++;
            break;
        case 'z':
            add_unsigned(b, va_arg(ap, size_t), 0);
            p += 2;
            break;
        case 'l':
            add_unsigned(b, va_arg(ap, unsigned long long), 0);
            p += 3;
            break;
        default: { /* ".*s": at most n bytes, stopping at a NUL like printf */
            int n = va_arg(ap, int);
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t len = n < 0 ? strlen(s) : strnlen(s, (size_t)n);
            vg_buf_add(b, s, len);
            p += 3;
            break;
        }
        }
        fmt = p;
    }
}

void vg_buf_vprintf(vg_buf *b, const char *fmt, va_list ap)
{
    if (b->oom)
        return;
    if (simple_format(fmt)) {
        fast_vprintf(b, fmt, ap);
        return;
    }
    /* One pass when the result fits in the room already there. */
    va_list cp;
    va_copy(cp, ap);
    size_t room = b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return;
    }
    if (vg_buf_grow(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void vg_buf_printf(vg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void vg_buf_reset(vg_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

char *vg_buf_detach(vg_buf *b)
{
    char *s = b->cap ? b->data : NULL;
    if (!s && !b->oom)
        s = calloc(1, 1);
    if (b->oom) {
        free(s);
        s = NULL;
    }
    vg_buf_init(b);
    return s;
}
