/*
 * Pending results: a rule that passes on a setting the VM got while it was
 * running is configured right but not in effect until a power cycle (the
 * VMX process reads its configuration when it starts).  The vSphere source
 * names those settings in VG_VM_PENDING_PROP (vsphere_pending.c); here a
 * passing result whose rule reads one of them becomes VG_PENDING, with the
 * change in its evidence and the power cycle as its fix.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"

/* Does the rule read key (its key, an alias, or its vSphere property)? */
static int rule_reads(const vg_rule *rule, const char *key, size_t n)
{
    char k[256];
    if (!n || n >= sizeof k)
        return 0;
    memcpy(k, key, n);
    k[n] = '\0';
    if (rule->key && vg_catalog_key_match(rule->key, k))
        return 1;
    for (const char **a = rule->aliases; a && *a; a++)
        if (vg_catalog_key_match(*a, k))
            return 1;
    return rule->api_property && strcasecmp(rule->api_property, k) == 0;
}

/* The latest line of list naming a key the rule reads, or NULL. */
static const char *changed_line(const vg_rule *rule, const char *list)
{
    const char *found = NULL;
    for (const char *line = list; line && *line;) {
        const char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (!nl)
            nl = line + strlen(line);
        if (tab && tab < nl && rule_reads(rule, line, (size_t)(tab - line)))
            found = line; /* events come oldest first: keep the last */
        line = *nl ? nl + 1 : nl;
    }
    return found;
}

static int mark(vg_result *r, const char *line)
{
    const char *t1 = strchr(line, '\t');
    const char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    const char *nl = strchr(line, '\n');
    if (!t1 || !t2 || !nl || t2 > nl)
        return VG_OK;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s; set at %.*s", r->evidence ? r->evidence : "configured compliant",
                  (int)(t2 - t1 - 1), t1 + 1);
    if (nl > t2 + 1)
        vg_buf_printf(&b, " by %.*s", (int)(nl - t2 - 1), t2 + 1);
    vg_buf_adds(&b, " while the VM was running: not in effect until it is power-cycled");
    char *fix = strdup("power the VM off and on (a restart of the guest is not enough); "
                       "the setting is already configured");
    char *ev = vg_buf_detach(&b);
    if (!fix || !ev) {
        free(fix);
        free(ev);
        return VG_ENOMEM;
    }
    free(r->evidence);
    free(r->fix);
    r->evidence = ev;
    r->fix = fix;
    r->status = r->raw_status = VG_PENDING;
    return VG_OK;
}

int vg_audit_pending(const vg_vm *vm, vg_vm_report *rep)
{
    const char *list = vg_vm_prop(vm, VG_VM_PENDING_PROP);
    if (!list || !*list)
        return VG_OK;
    for (size_t i = 0; i < rep->n_results; i++) {
        vg_result *r = &rep->results[i];
        if (r->status != VG_PASS || !r->prule || !r->prule->rule)
            continue;
        const char *line = changed_line(r->prule->rule, list);
        if (!line)
            continue;
        if (mark(r, line) != VG_OK)
            return VG_ENOMEM;
        if (r->status == VG_PENDING) {
            rep->counts[VG_PASS]--;
            rep->counts[VG_PENDING]++;
        }
    }
    return VG_OK;
}
