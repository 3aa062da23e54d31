/*
 * What the probes record on the VM: a property (a fact, for the report)
 * or a finding (a rule's verdict with its evidence).  Every probe file
 * calls these and guest_probe.c calls the probes, so they sit apart from
 * both.  Out of memory is noted in p->oom, checked once at the end.
 */
#include <stdarg.h>

#include "guest_internal.h"

void vg_gprobe_prop(struct gprobe *p, const char *name, const char *fmt, ...)
{
    vg_buf b = VG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom || vg_vm_set_prop(p->vm, name, b.data) != VG_OK)
        p->oom = 1;
    vg_buf_release(&b);
}

void vg_gprobe_finding(struct gprobe *p, const char *rule_id, const char *status, const char *file,
                       unsigned line, const char *fmt, ...)
{
    vg_buf b = VG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom || vg_vm_add_evidence(p->vm, rule_id, status, file, line, b.data) != VG_OK)
        p->oom = 1;
    vg_buf_release(&b);
}
