/*
 * How a setting's text is read and compared.  VMware stores every value as
 * a string; the baselines compare booleans without regard to case and
 * numbers as integers (baselines.md §7.2), so "01048576 " equals 1048576
 * while "1048576abc" and "yes" are unexpected values, never silently false.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"

/* Trimmed view of s into out (at most outsz-1 chars); returns 0 if it fit. */
static int trimmed(const char *s, char *out, size_t outsz)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n >= outsz)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int vg_audit_parse_bool(const char *s, int *out)
{
    char t[16];
    if (!s || trimmed(s, t, sizeof t) != 0)
        return -1;
    if (strcasecmp(t, "true") == 0)
        *out = 1;
    else if (strcasecmp(t, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

/* A version-like "vmx-19" compares as 19: config.version speaks that way
 * while virtualHW.version says "19". */
static const char *skip_version_prefix(const char *s)
{
    return strncasecmp(s, "vmx-", 4) == 0 ? s + 4 : s;
}

int vg_audit_parse_int(const char *s, long long *out)
{
    char t[64];
    if (!s || trimmed(s, t, sizeof t) != 0 || !t[0])
        return -1;
    const char *p = skip_version_prefix(t);
    size_t i = (*p == '-' || *p == '+') ? 1 : 0;
    if (!p[i])
        return -1;
    for (; p[i]; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
    }
    errno = 0;
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (errno == ERANGE || !end || *end)
        return -1;
    *out = v;
    return 0;
}

/* Equality under the rule's type: -1 when actual is unreadable as that type. */
static int equal_as(const char *actual, vg_value_type t, const char *expected)
{
    if (!expected)
        return -1;
    if (t == VG_TYPE_BOOL) {
        int a, e;
        if (vg_audit_parse_bool(expected, &e) != 0)
            return strcasecmp(actual, expected) == 0;
        if (vg_audit_parse_bool(actual, &a) != 0)
            return -1;
        return a == e;
    }
    if (t == VG_TYPE_INT) {
        long long a, e;
        if (vg_audit_parse_int(expected, &e) != 0)
            return strcasecmp(actual, expected) == 0;
        if (vg_audit_parse_int(actual, &a) != 0)
            return -1;
        return a == e;
    }
    char ta[1024], te[1024];
    if (trimmed(actual, ta, sizeof ta) != 0 || trimmed(expected, te, sizeof te) != 0)
        return strcasecmp(actual, expected) == 0;
    return strcasecmp(ta, te) == 0;
}

static int ordered(const char *actual, vg_comparison cmp, const char *expected)
{
    long long a, e;
    if (!expected || vg_audit_parse_int(expected, &e) != 0)
        return -1;
    if (vg_audit_parse_int(actual, &a) != 0)
        return -1;
    return cmp == VG_CMP_LE ? a <= e : a >= e;
}

int vg_audit_value_ok(const char *actual, vg_value_type t, vg_comparison cmp, const char *expected,
                      const char *const *values)
{
    switch (cmp) {
    case VG_CMP_EQ:
        return equal_as(actual, t, expected);
    case VG_CMP_NE: {
        /* "anything but X" (and, when values are given, anything but those
         * either: the same setting under an older name): an unreadable value
         * still is not X */
        int eq = equal_as(actual, t, expected);
        for (size_t i = 0; eq <= 0 && values && values[i]; i++) {
            int other = equal_as(actual, t, values[i]);
            eq = other > 0 ? 1 : eq;
        }
        return eq < 0 ? (t == VG_TYPE_STRING ? 1 : -1) : !eq;
    }
    case VG_CMP_LE:
    case VG_CMP_GE:
        return ordered(actual, cmp, expected);
    case VG_CMP_IN: {
        int unreadable = 0;
        for (size_t i = 0; values && values[i]; i++) {
            int eq = equal_as(actual, t, values[i]);
            if (eq > 0)
                return 1;
            unreadable |= eq < 0;
        }
        if (!values && expected)
            return equal_as(actual, t, expected);
        return unreadable ? -1 : 0;
    }
    case VG_CMP_ABSENT:
        return 0;
    case VG_CMP_PRESENT:
        return 1;
    case VG_CMP_MANUAL:
        break;
    }
    return -1;
}

/* Booleans are shown as VMware writes them. */
static const char *value_word(const char *v, vg_value_type t)
{
    int bv;
    if (t == VG_TYPE_BOOL && vg_audit_parse_bool(v, &bv) == 0)
        return bv ? "TRUE" : "FALSE";
    return v ? v : "?";
}

#ifdef VG_REFERENCE_PATHS
/* The plain way, kept for the differential test (tests/unit/fastpath): a
 * buffer grown piece by piece; the default build joins pieces instead. */
char *vg_audit_expected_text(const vg_profile_rule *pr)
{
    static const char *const prefix[] = {
        [VG_CMP_EQ] = "",
        [VG_CMP_NE] = "not ",
        [VG_CMP_LE] = "<= ",
        [VG_CMP_GE] = ">= ",
    };
    vg_value_type t = pr->rule ? pr->rule->type : VG_TYPE_STRING;
    vg_buf b = VG_BUF_INIT;
    switch (pr->cmp) {
    case VG_CMP_EQ:
    case VG_CMP_NE:
    case VG_CMP_LE:
    case VG_CMP_GE:
        vg_buf_adds(&b, prefix[pr->cmp]);
        vg_buf_adds(&b, value_word(pr->value, t));
        break;
    case VG_CMP_IN:
        vg_buf_adds(&b, "one of ");
        for (size_t i = 0; pr->values && pr->values[i]; i++) {
            if (i)
                vg_buf_adds(&b, ", ");
            vg_buf_adds(&b, value_word(pr->values[i], t));
        }
        if (!pr->values)
            vg_buf_adds(&b, value_word(pr->value, t));
        break;
    case VG_CMP_ABSENT:
        vg_buf_adds(&b, "absent");
        break;
    case VG_CMP_PRESENT:
        vg_buf_adds(&b, "present");
        break;
    case VG_CMP_MANUAL:
        vg_buf_adds(&b, "manual review");
        break;
    }
    return vg_buf_detach(&b);
}
#else
/* The pieces of the text, then one malloc of the exact size: this runs for
 * every result of every VM. */
typedef struct pieces {
    const char *p[16];
    size_t n, len;
    int more; /* more than fit: fall back to a buffer */
} pieces;

static void piece(pieces *x, const char *s)
{
    if (x->n == sizeof x->p / sizeof x->p[0]) {
        x->more = 1;
        return;
    }
    x->p[x->n++] = s;
}

static char *pieces_join(const pieces *x)
{
    size_t lens[sizeof x->p / sizeof x->p[0]], total = 0;
    for (size_t i = 0; i < x->n; i++)
        total += lens[i] = strlen(x->p[i]);
    char *out = malloc(total + 1), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < x->n; i++) {
        memcpy(w, x->p[i], lens[i]);
        w += lens[i];
    }
    *w = '\0';
    return out;
}

char *vg_audit_expected_text(const vg_profile_rule *pr)
{
    static const char *const prefix[] = {
        [VG_CMP_EQ] = "",
        [VG_CMP_NE] = "not ",
        [VG_CMP_LE] = "<= ",
        [VG_CMP_GE] = ">= ",
    };
    vg_value_type t = pr->rule ? pr->rule->type : VG_TYPE_STRING;
    pieces x = {{0}, 0, 0, 0};
    switch (pr->cmp) {
    case VG_CMP_EQ:
    case VG_CMP_NE:
    case VG_CMP_LE:
    case VG_CMP_GE:
        piece(&x, prefix[pr->cmp]);
        piece(&x, value_word(pr->value, t));
        break;
    case VG_CMP_IN:
        piece(&x, "one of ");
        for (size_t i = 0; pr->values && pr->values[i]; i++) {
            if (i)
                piece(&x, ", ");
            piece(&x, value_word(pr->values[i], t));
        }
        if (!pr->values)
            piece(&x, value_word(pr->value, t));
        break;
    case VG_CMP_ABSENT:
        piece(&x, "absent");
        break;
    case VG_CMP_PRESENT:
        piece(&x, "present");
        break;
    case VG_CMP_MANUAL:
        piece(&x, "manual review");
        break;
    }
    if (!x.more)
        return pieces_join(&x);
    /* a long list of values: the general way */
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "one of ");
    for (size_t i = 0; pr->values && pr->values[i]; i++) {
        if (i)
            vg_buf_adds(&b, ", ");
        vg_buf_adds(&b, value_word(pr->values[i], t));
    }
    return vg_buf_detach(&b);
}
#endif

const char *vg_audit_basename(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}
