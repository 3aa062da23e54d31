/*
 * Text for a terminal: nothing the tool prints may drive it.  File names,
 * .vmx values, log lines and server replies are hostile; before any of
 * them reaches a human-readable output, vg_term_escape makes every byte or
 * character that a terminal acts on visible instead: C0 controls and DEL
 * (\x1B, \t, \n, \r), C1 controls written as UTF-8 (\u009B), bidirectional
 * overrides, isolates and marks (\u202E, \u2066, \u200F, \u061C), the line
 * and paragraph separators (\u2028, \u2029), and bytes that are not UTF-8
 * (\xFF).  Everything else passes unchanged, so ordinary text costs one
 * scan.  A backslash is left as it is: it drives nothing.
 */
#ifndef VG_UTIL_TERM_H
#define VG_UTIL_TERM_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "vmxguard/common.h" /* VG_TERM_KEEP_NL, VG_TERM_KEEP_TAB, the public pair */

/* 1 for a code point a terminal or a bidi-aware renderer acts on: the C1
 * controls, bidi marks, embeddings, overrides and isolates, and the line
 * and paragraph separators.  JSON writers \u-escape the same set. */
int vg_term_active_cp(uint32_t cp);
/* Bytes of the character at p (n available) that a machine format must
 * escape: DEL or valid UTF-8 for an active code point (in cp); else 0. */
size_t vg_term_active_len(const unsigned char *p, size_t n, uint32_t *cp);
/* Append len bytes of s to out, escaped as above. */
void vg_term_escape(vg_buf *out, const char *s, size_t len, unsigned flags);
/* s itself when it is clean, else its escaped form in scratch (reset
 * first); never NULL ("" for NULL s).  Valid until scratch changes. */
const char *vg_term_str(vg_buf *scratch, const char *s, unsigned flags);

#endif
