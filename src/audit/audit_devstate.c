/*
 * Device rules by state: what one profile entry makes of a VM whose only
 * device is absent, present and connected, present but not connected, or
 * present = FALSE.  The VM is a real .vmx text audited by the real engine,
 * so `explain`, the table in docs/audit.md and the tests pinning that table
 * all show what `vmxguard audit` does, not a second copy of its logic.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit_internal.h"

const char *vg_device_state_name(vg_device_state s)
{
    static const char *const names[] = {"absent", "present+connected", "present+disconnected",
                                        "present=FALSE"};
    return (unsigned)s < VG_DEVICE_STATE_COUNT ? names[s] : "unknown";
}

/* The rule's key pattern with each '*' as 0: "ide*:*.present" -> "ide0:0";
 * the instance part only (before the last '.'). */
static int instance_name(const char *key, char *out, size_t size)
{
    const char *dot = key ? strrchr(key, '.') : NULL;
    size_t n = 0;
    if (!dot)
        return -1;
    for (const char *p = key; p < dot; p++) {
        if (n + 2 > size)
            return -1;
        out[n++] = *p == '*' ? '0' : *p;
    }
    out[n] = '\0';
    return 0;
}

static void add_line(vg_buf *b, const char *dev, const char *leaf, const char *value)
{
    vg_buf_printf(b, "%s.%s = \"%s\"\n", dev, leaf, value);
}

/* The .vmx text of one state for rule r. */
static int state_text(const vg_rule *r, vg_device_state s, vg_buf *b)
{
    char dev[128];
    if (instance_name(r->key, dev, sizeof dev) != 0)
        return -1;
    vg_buf_adds(b, "config.version = \"8\"\nvirtualHW.version = \"21\"\n");
    if (s == VG_DEVICE_ABSENT)
        return 0;
    add_line(b, dev, "present", s == VG_DEVICE_REMOVED ? "FALSE" : "TRUE");
    if (r->device_types && r->device_types[0])
        add_line(b, dev, "deviceType", r->device_types[0]);
    if (s != VG_DEVICE_REMOVED)
        add_line(b, dev, "startConnected", s == VG_DEVICE_CONNECTED ? "TRUE" : "FALSE");
    return 0;
}

int vg_audit_device_verdict(const vg_profile *p, const vg_profile_rule *e, vg_device_state s,
                            vg_result_status *out, vg_error *err)
{
    if (!p || !e || !e->rule || e->rule->kind != VG_RULE_DEVICE || !out ||
        (unsigned)s >= VG_DEVICE_STATE_COUNT)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "device verdict: not a device rule entry");
    vg_buf text = VG_BUF_INIT;
    if (state_text(e->rule, s, &text) != 0) {
        vg_buf_release(&text);
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "device verdict: rule %s has no device key",
                            e->rule->id);
    }
    vg_vm *vm = vg_vm_new(VG_ORIGIN_FILE);
    int rc = vm ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    if (rc == VG_OK)
        rc = vg_vmx_doc_parse(text.data, text.len, "state.vmx", &vm->settings, err);
    vg_profile one = *p;
    one.rules = e;
    one.n_rules = 1;
    const vg_profile *profs[] = {&one};
    vg_vm_report *rep = NULL;
    if (rc == VG_OK)
        rc = vg_audit_vm(vm, profs, 1, NULL, &rep, err);
    if (rc == VG_OK)
        *out = rep->results[0].raw_status;
    vg_vm_report_free(rep);
    vg_vm_free(vm);
    vg_buf_release(&text);
    return rc;
}
