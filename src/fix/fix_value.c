/*
 * Does a value satisfy a profile's demand?  The planner needs this to skip
 * keys that already pass and to pick one value that satisfies several
 * profiles at once.  The semantics follow the audit's (trimmed, TRUE/FALSE
 * in any case, decimal integers, "vmx-19" as 19, strings ignoring case);
 * the corpus test re-audits fixed files, so a drift between the two shows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fix_internal.h"

/* Copy of s without surrounding blanks into t; -1 when it does not fit. */
static int trimmed(const char *s, char *t, size_t tsz)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= tsz)
        return -1;
    memcpy(t, s, n);
    t[n] = '\0';
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    char t[16];
    if (!s || trimmed(s, t, sizeof t) != 0)
        return -1;
    if (!strcasecmp(t, "true"))
        *out = 1;
    else if (!strcasecmp(t, "false"))
        *out = 0;
    else
        return -1;
    return 0;
}

int fix_parse_int(const char *s, long long *out)
{
    char t[64];
    if (!s || trimmed(s, t, sizeof t) != 0 || !t[0])
        return -1;
    const char *p = strncasecmp(t, "vmx-", 4) == 0 ? t + 4 : t;
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

static int same(const char *a, vg_value_type t, const char *e)
{
    if (!a || !e)
        return 0;
    if (t == VG_TYPE_BOOL) {
        int x, y;
        if (parse_bool(a, &x) == 0 && parse_bool(e, &y) == 0)
            return x == y;
    } else if (t == VG_TYPE_INT) {
        long long x, y;
        if (fix_parse_int(a, &x) == 0 && fix_parse_int(e, &y) == 0)
            return x == y;
    }
    char ta[1024], te[1024];
    if (trimmed(a, ta, sizeof ta) == 0 && trimmed(e, te, sizeof te) == 0)
        return strcasecmp(ta, te) == 0;
    return strcasecmp(a, e) == 0;
}

int fix_value_ok(const char *actual, const struct fix_want *w)
{
    if (w->cmp == VG_CMP_ABSENT)
        return actual == NULL;
    if (!actual)
        return 0;
    long long a, e;
    switch (w->cmp) {
    case VG_CMP_EQ:
        return same(actual, w->type, w->expected);
    case VG_CMP_NE:
        return !same(actual, w->type, w->expected);
    case VG_CMP_LE:
    case VG_CMP_GE:
        if (fix_parse_int(actual, &a) != 0 || fix_parse_int(w->expected, &e) != 0)
            return 0;
        return w->cmp == VG_CMP_LE ? a <= e : a >= e;
    case VG_CMP_IN:
        for (size_t i = 0; w->values && w->values[i]; i++) {
            if (same(actual, w->type, w->values[i]))
                return 1;
        }
        return !w->values && same(actual, w->type, w->expected);
    case VG_CMP_PRESENT:
        return 1;
    default:
        return 0;
    }
}
