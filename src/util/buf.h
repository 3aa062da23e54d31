/*
 * buf: the one growable byte string every module uses (git's strbuf idea),
 * so no file reinvents buffer growth.  Always NUL-terminated; len excludes
 * the NUL.  data is never NULL: an empty buffer points at the shared
 * vg_buf_slop (git's strbuf_slopbuf), so b.data can be used as a string
 * whatever was written.  On allocation failure the buffer sets oom and
 * ignores further appends, so callers may check once at the end.
 *
 * cap == 0 means no memory of its own; only the functions below may touch
 * data then, and vg_buf_slop is never written nor freed.  A zeroed vg_buf
 * (from calloc) works with every function but has data NULL until the
 * first append: start with VG_BUF_INIT or vg_buf_init for the guarantee.
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

extern char vg_buf_slop[1];

#define VG_BUF_INIT {vg_buf_slop, 0, 0, 0}

void vg_buf_init(vg_buf *b);
void vg_buf_release(vg_buf *b); /* frees data, back to empty */
int vg_buf_grow(vg_buf *b, size_t extra);
void vg_buf_add(vg_buf *b, const void *data, size_t len);
void vg_buf_adds(vg_buf *b, const char *s);
void vg_buf_addc(vg_buf *b, char c);
void vg_buf_printf(vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vg_buf_vprintf(vg_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void vg_buf_reset(vg_buf *b); /* len = 0, keeps memory */
/* Hand the string to the caller (malloc'd, never vg_buf_slop, NULL only on
 * oom); b is empty again. */
char *vg_buf_detach(vg_buf *b);

#endif
