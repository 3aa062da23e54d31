/*
 * Shared vocabulary of the public API: status codes, the error struct every
 * fallible call fills, severities and result statuses.  Everything here is
 * plain data so that sources, the audit and the report writers can hand it
 * along without knowing about each other.
 */
#ifndef VMXGUARD_COMMON_H
#define VMXGUARD_COMMON_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VG_EXPORT
#define VG_EXPORT __attribute__((visibility("default")))
#endif

/* Return codes: 0 ok, negative error.  Callers check every return. */
enum vg_status {
    VG_OK = 0,
    VG_ERR = -1,       /* generic failure; details in vg_error */
    VG_ENOMEM = -2,    /* allocation failed */
    VG_EIO = -3,       /* read/write failure of a file or socket */
    VG_EINPUT = -4,    /* input is malformed or beyond limits */
    VG_ENOTFOUND = -5, /* key, rule, profile or file not found */
    VG_EUSAGE = -6,    /* caller passed invalid arguments */
    VG_ECHANGED = -7,  /* file changed under us (fix refuses) */
    VG_ELOCKED = -8,   /* VM appears to be running */
    VG_EHARDLINK = -9, /* file has other hard links (an atomic rewrite would split them) */
    VG_EOUTSIDE = -10, /* a path's real file lies outside the targets it was reached from */
};

/*
 * Filled by a failing call: the message names the object first, e.g.
 * "examples/web01/web01.vmx:12: unterminated quote".  Fixed size so a
 * caller can keep it on the stack; vg_error_format() prints it.
 */
typedef struct vg_error {
    int code;        /* enum vg_status */
    char file[512];  /* file or object the error is about; "" if none */
    unsigned line;   /* 1-based line, 0 if none */
    char msg[512];   /* lower case, no trailing period */
} vg_error;

VG_EXPORT void vg_error_clear(vg_error *err);
/* Sets err (if non-NULL) and returns code, so `return vg_error_set(...)` works. */
VG_EXPORT int vg_error_set(vg_error *err, int code, const char *file, unsigned line,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "file:line: msg" (or "file: msg" / "msg") into out; returns out. */
VG_EXPORT const char *vg_error_format(const vg_error *err, char *out, size_t outsz);

/* Normalised severity across baseline families (DISA CAT I..III, CIS L1/L2...). */
typedef enum vg_severity {
    VG_SEV_INFO = 0,
    VG_SEV_LOW = 1,    /* DISA CAT III */
    VG_SEV_MEDIUM = 2, /* DISA CAT II */
    VG_SEV_HIGH = 3,   /* DISA CAT I */
} vg_severity;

VG_EXPORT const char *vg_severity_name(vg_severity s);      /* "low", "medium", ... */
VG_EXPORT int vg_severity_parse(const char *s, vg_severity *out); /* 0 or VG_ENOTFOUND */

/* Result of one rule on one VM. */
typedef enum vg_result_status {
    VG_PASS = 0,
    VG_FAIL,
    VG_NOT_APPLICABLE,
    VG_MANUAL, /* procedural: Not Reviewed */
    VG_ERROR,
    VG_WAIVED,
    VG_PENDING, /* configured compliant, in effect only after a power cycle (vSphere) */
    VG_RESULT_STATUS_COUNT
} vg_result_status;

VG_EXPORT const char *vg_result_status_name(vg_result_status s); /* "pass", "not_applicable", "pending" ... */

/* Create an output file for writing (mode 0600, O_EXCL|O_NOFOLLOW): a
 * symlink at path is refused, an existing regular file is replaced by a new
 * one (unlinked, never truncated or written through), other existing kinds
 * are refused unless allow_device and a character device.  Returns the file
 * descriptor, or a negative error. */
VG_EXPORT int vg_output_create(const char *path, int allow_device, vg_error *err);

VG_EXPORT const char *vg_version(void); /* "0.1.0" */

/*
 * Text for a terminal: file names, values, log lines and server replies
 * are hostile, so before any of them reaches a human-readable output every
 * C0 control and DEL (\x1B, \t, \n, \r), C1 control (\u009B), bidi
 * override, isolate or mark (\u202E, \u2066, \u200F, \u061C), line or
 * paragraph separator (\u2028) and byte that is not UTF-8 (\xFF) is shown
 * escaped.  Flags keep a line feed or a tab as it is (multi-line text).
 */
enum { VG_TERM_KEEP_NL = 1, VG_TERM_KEEP_TAB = 2 };
/* 1 when the len bytes of s need no escape. */
VG_EXPORT int vg_term_is_clean(const char *s, size_t len, unsigned flags);
/* The escaped copy of len bytes of s: malloc'd, NUL-terminated; NULL on oom. */
VG_EXPORT char *vg_term_escape_dup(const char *s, size_t len, unsigned flags);

/*
 * jansson's json_dumpf and json_dumps, except that the characters a
 * terminal acts on beyond C0 (C1 controls, bidi marks and overrides, line
 * and paragraph separators: the set above) are written as \u escapes, so
 * a JSON file holding hostile values is safe to cat.  Same flags as
 * jansson; 0 or -1, and the malloc'd text or NULL.
 */
struct json_t;
VG_EXPORT int vg_json_dumpf(const struct json_t *json, FILE *f, size_t flags);
VG_EXPORT char *vg_json_dumps(const struct json_t *json, size_t flags);

#ifdef __cplusplus
}
#endif
#endif
