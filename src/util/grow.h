/*
 * grow: room for more elements in a malloc'd array (git's ALLOC_GROW), so
 * no file writes its own realloc-doubling and its own overflow check.
 *
 *     if (VG_GROW(v->items, v->n, v->cap) != 0)
 *         return VG_ENOMEM;
 *     v->items[v->n++] = item;
 *
 * ptr is an lvalue of pointer type (NULL when empty), len the elements in
 * use, cap an lvalue of type size_t holding the allocated count.  The
 * arguments are evaluated more than once.
 */
#ifndef VG_UTIL_GROW_H
#define VG_UTIL_GROW_H

#include <stddef.h>

/* Make *cap >= len + extra, reallocating the array *pptr points to (pptr is
 * the address of a T *, elem is sizeof(T)); capacity at least doubles.  0 on
 * success; -1 when out of memory or when the count or the byte size would
 * overflow, and then the array and *cap are untouched (still the caller's
 * to free). */
int vg_grow(void *pptr, size_t *cap, size_t len, size_t extra, size_t elem);

/* The common case, inline: the room is there already. */
static inline int vg_grow_has_room(size_t len, size_t cap, size_t extra)
{
    return len <= cap && extra <= cap - len;
}

/* Room for extra more elements past len: 0, or -1 as vg_grow. */
#define VG_GROW_N(ptr, len, cap, extra)                                                            \
    (vg_grow_has_room((len), (cap), (extra))                                                       \
         ? 0                                                                                       \
         : vg_grow(&(ptr), &(cap), (len), (extra), sizeof *(ptr)))

/* Room for one more element at index len. */
#define VG_GROW(ptr, len, cap) VG_GROW_N(ptr, len, cap, 1)

#endif
