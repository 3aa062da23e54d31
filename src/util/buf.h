/*
 * buf: the one growable byte string every module uses (git's strbuf idea),
 * so no file reinvents buffer growth.  Always NUL-terminated; len excludes
 * the NUL.  On allocation failure the buffer sets oom and ignores further
 * appends, so callers may check once at the end.
 */
#ifndef VG_UTIL_BUF_H
#define VG_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct vg_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} vg_buf;

#define VG_BUF_INIT {NULL, 0, 0, 0}

void vg_buf_init(vg_buf *b);
void vg_buf_release(vg_buf *b); /* frees data, back to empty */
int vg_buf_grow(vg_buf *b, size_t extra);
void vg_buf_add(vg_buf *b, const void *data, size_t len);
void vg_buf_adds(vg_buf *b, const char *s);
void vg_buf_addc(vg_buf *b, char c);
void vg_buf_printf(vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vg_buf_vprintf(vg_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void vg_buf_reset(vg_buf *b); /* len = 0, keeps memory */
/* Hand the string to the caller (malloc'd, never NULL unless oom); b is reset. */
char *vg_buf_detach(vg_buf *b);

#endif
