#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_buf_init(vg_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void vg_buf_release(vg_buf *b)
{
    free(b->data);
    vg_buf_init(b);
}

int vg_buf_grow(vg_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
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
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
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

void vg_buf_vprintf(vg_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || vg_buf_grow(b, (size_t)n) != 0)
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
    if (b->data)
        b->data[0] = '\0';
}

char *vg_buf_detach(vg_buf *b)
{
    char *s = b->data;
    if (!s && !b->oom)
        s = calloc(1, 1);
    if (b->oom) {
        free(s);
        s = NULL;
    }
    vg_buf_init(b);
    return s;
}
