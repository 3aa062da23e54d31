/*
 * Run totals, added VM by VM so a report's summary needs no second pass and
 * memory does not grow with the number of VMs.
 */
#include "audit/audit_internal.h"

void vg_audit_summary_add(vg_audit_summary *s, const vg_vm_report *r)
{
    if (!s || !r)
        return;
    s->vms++;
    s->results += r->n_results;
    int failing = 0;
    for (size_t i = 0; i < r->n_results; i++) {
        const vg_result *res = &r->results[i];
        if ((unsigned)res->status < VG_RESULT_STATUS_COUNT)
            s->counts[res->status]++;
        if ((unsigned)res->raw_status < VG_RESULT_STATUS_COUNT)
            s->raw_counts[res->raw_status]++;
        if (res->status == VG_FAIL) {
            failing = 1;
            unsigned sev = res->prule ? (unsigned)res->prule->severity : 0;
            s->fail_by_severity[sev < 4 ? sev : 0]++;
        }
    }
    s->vms_failing += failing;
    s->warnings += r->n_lints;
    if (r->vm && r->vm->settings)
        s->warnings += vg_vmx_doc_diag_count(r->vm->settings);
}

/* pass / (pass + fail + error + pending): a rule that could not be checked (the
 * configuration was unreadable, the server would not say) is not known to
 * pass, so it counts against the score as a failure does; otherwise a VM
 * with one pass and 24 errors would score 100%.  A pending setting is not
 * in effect until a power cycle: against too.  Manual and n/a results
 * are outside the score. */
double vg_audit_summary_score(const vg_audit_summary *s, int after_waivers)
{
    size_t pass, fail;
    if (after_waivers) {
        pass = s->counts[VG_PASS] + s->counts[VG_WAIVED];
        fail = s->counts[VG_FAIL] + s->counts[VG_ERROR] + s->counts[VG_PENDING];
    } else {
        pass = s->raw_counts[VG_PASS];
        fail = s->raw_counts[VG_FAIL] + s->raw_counts[VG_ERROR] +
               s->raw_counts[VG_PENDING];
    }
    return pass + fail ? 100.0 * (double)pass / (double)(pass + fail) : 0.0;
}

int vg_audit_summary_scored(const vg_audit_summary *s)
{
    return s && s->counts[VG_PASS] + s->counts[VG_WAIVED] + s->counts[VG_FAIL] +
                        s->counts[VG_ERROR] + s->counts[VG_PENDING] + s->raw_counts[VG_PASS] +
                        s->raw_counts[VG_FAIL] + s->raw_counts[VG_ERROR] >
                    0;
}

const char *vg_audit_summary_no_score(const vg_audit_summary *s)
{
    if (vg_audit_summary_scored(s))
        return NULL;
    return !s || !s->vms ? "nothing was audited" : "no rule passed, failed or could not be checked";
}
