/*
 * Does a value satisfy a profile's demand?  The planner needs this to skip
 * keys that already pass and to pick one value that satisfies several
 * profiles at once.  It asks the audit's own comparison, so that a planned
 * value is exactly one the audit will pass; a value the audit cannot read
 * ("unexpected value") counts as not satisfying, so the planner sets it.
 */
#include "audit/audit_internal.h"
#include "fix_internal.h"

int vg_fix_value_ok(const char *actual, const struct fix_want *w)
{
    if (w->cmp == VG_CMP_ABSENT)
        return actual == NULL;
    if (!actual)
        return 0;
    return vg_audit_value_ok(actual, w->type, w->cmp, w->expected, w->values) > 0;
}
