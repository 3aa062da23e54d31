/*
 * A fix plan applied through the API: each VM's edits become one
 * vg_vsphere_change (extraConfig values, a removal as an empty value, the
 * typed ConfigSpec properties as their fields), all sent in one session
 * by vg_vsphere_reconfig, which reads every VM back and verifies each edit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsphere_internal.h"

static void count_edits(const vg_fix_vm *fv, vg_fix_vsphere_outcome *o)
{
    for (size_t i = 0; i < fv->n_edits; i++) {
        o->keys_set += fv->edits[i].op == VG_FIX_SET;
        o->keys_removed += fv->edits[i].op == VG_FIX_REMOVE;
    }
}

/* Decide what happens to fv before any session: 1 = send it. */
static int wanted(const vg_fix_vm *fv, const vg_fix_apply_opts *opts, vg_fix_vsphere_outcome *o)
{
    if (!fv->n_edits)
        return 0;
    if (!fv->moref) {
        o->status = VG_EUSAGE;
        snprintf(o->message, sizeof o->message, "not a vSphere VM (no managed object id)");
        return 0;
    }
    int on = fv->power == VG_POWER_ON;
    if (on && !(opts && opts->force)) {
        o->status = VG_ELOCKED;
        snprintf(o->message, sizeof o->message,
                 "powered on; its settings apply only after a cold start (power off, then "
                 "power on; a guest reboot is not enough)");
        return 0;
    }
    o->pending_cold_start = on;
    if (opts && opts->dry_run) {
        o->changed = 1;
        count_edits(fv, o);
        return 0;
    }
    return 1;
}

int vg_fix_apply_vsphere(const char *url, const vg_vsphere_opts *vo, const vg_fix_vm *const *vms,
                         size_t n, const vg_fix_apply_opts *opts, vg_fix_vsphere_outcome *out,
                         vg_error *err)
{
    memset(out, 0, n * sizeof *out);
    size_t n_edits = 0, n_send = 0;
    for (size_t i = 0; i < n; i++)
        n_edits += vms[i]->n_edits;
    vg_vsphere_change *ch = calloc(n + 1, sizeof *ch);
    vg_vsphere_edit *ed = calloc(n_edits + 1, sizeof *ed);
    size_t *which = calloc(n + 1, sizeof *which);
    int rc = ch && ed && which ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    n_edits = 0;
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        const vg_fix_vm *fv = vms[i];
        if (!wanted(fv, opts, &out[i]))
            continue;
        ch[n_send] = (vg_vsphere_change){.moref = fv->moref, .edits = ed + n_edits,
                                         .n_edits = fv->n_edits};
        for (size_t j = 0; j < fv->n_edits; j++)
            ed[n_edits++] = (vg_vsphere_edit){fv->edits[j].key, fv->edits[j].value};
        which[n_send++] = i;
    }
    if (rc == VG_OK && n_send)
        rc = vg_vsphere_reconfig(url, vo, ch, n_send, 0, err);
    for (size_t k = 0; rc == VG_OK && k < n_send; k++) {
        vg_fix_vsphere_outcome *o = &out[which[k]];
        o->status = ch[k].status;
        o->after = ch[k].after;
        ch[k].after = NULL;
        if (o->status != 0) {
            snprintf(o->message, sizeof o->message, "%s", ch[k].message);
            o->pending_cold_start = 0;
        } else {
            o->changed = 1;
            count_edits(vms[which[k]], o);
        }
    }
    for (size_t k = 0; rc != VG_OK && k < n_send; k++) { /* the session failed: none applied */
        out[which[k]].status = rc;
        out[which[k]].pending_cold_start = 0;
        snprintf(out[which[k]].message, sizeof out[which[k]].message, "%s",
                 err ? err->msg : "the session failed");
    }
    for (size_t k = 0; ch && k < n_send; k++)
        vg_vm_free(ch[k].after);
    free(ch);
    free(ed);
    free(which);
    return rc;
}
