/*
 * Terraform: one extra_config map per VM, to merge into the matching
 * vsphere_virtual_machine resource (the provider cannot take extra_config as
 * a dynamic block, so fragments to merge are the useful output).  Removal
 * means dropping the key from the map, which the provider sends as an empty
 * value; the header says so, and warns about the power cycle.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"

static void add_hcl(vg_buf *b, const char *s)
{
    char *q = vg_fix_quote_hcl(s ? s : "");
    if (!q) {
        b->oom = 1;
        return;
    }
    vg_buf_adds(b, q);
    free(q);
}

/* A resource label from a VM name: letters, digits, '_' and '-', starting
 * with a letter or '_'; the index keeps labels unique. */
static void add_label(vg_buf *b, const char *name, size_t index)
{
    vg_buf_addc(b, '"');
    vg_buf_printf(b, "vm%zu_", index + 1);
    for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++)
        vg_buf_addc(b, (isalnum(*p) || *p == '-' || *p == '_') && *p < 0x80 ? (char)*p : '_');
    vg_buf_addc(b, '"');
}

static size_t widest_key(const vg_fix_vm *fv)
{
    size_t w = 0;
    for (size_t i = 0; i < fv->n_edits; i++) {
        if (fv->edits[i].op != VG_FIX_SET || !vg_fix_extra_config_edit(&fv->edits[i]))
            continue; /* terraform fmt aligns over the lines that are there */
        char *q = vg_fix_quote_hcl(fv->edits[i].key);
        if (q && strlen(q) > w)
            w = strlen(q);
        free(q);
    }
    return w;
}

static void terraform_vm(const vg_fix_vm *fv, size_t index, vg_buf *b)
{
    if (!vg_fix_api_edits(fv))
        return;
    vg_buf_adds(b, "# VM ");
    vg_fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_adds(b, ": merge into its vsphere_virtual_machine resource.\n");
    for (size_t i = 0; i < fv->n_edits; i++) {
        if (fv->edits[i].op == VG_FIX_REMOVE && vg_fix_extra_config_edit(&fv->edits[i])) {
            vg_buf_adds(b, "# Remove ");
            vg_fix_add_comment_text(b, fv->edits[i].key);
            vg_buf_adds(b, ": drop it from the map if Terraform set it; Terraform deletes only\n"
                           "# keys it manages, so otherwise use the govc or PowerCLI output.\n");
        }
    }
    if (!widest_key(fv)) {
        vg_buf_addc(b, '\n');
        return; /* only removals: nothing to put in a map */
    }
    vg_buf_adds(b, "resource \"vsphere_virtual_machine\" ");
    add_label(b, fv->name, index);
    vg_buf_adds(b, " {\n  name = ");
    add_hcl(b, fv->name);
    vg_buf_adds(b, "\n\n  extra_config = {\n");
    size_t w = widest_key(fv);
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (e->op != VG_FIX_SET || !vg_fix_extra_config_edit(e))
            continue;
        char *q = vg_fix_quote_hcl(e->key);
        vg_buf_printf(b, "    %-*s = ", (int)w, q ? q : "\"\"");
        b->oom |= q == NULL;
        free(q);
        add_hcl(b, e->value);
        vg_buf_addc(b, '\n');
    }
    vg_buf_adds(b, "  }\n");
    vg_buf_printf(b,
                  "  # %s; false: no provider power cycle, apply at the next power off + on\n"
                  "  extra_config_reboot_required = false\n}\n\n",
                  fv->cold_start ? "needs a cold start" : "no cold start needed");
}

int vg_fix_emit_terraform(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                       vg_error *err)
{
    (void)opts;
    (void)err;
    vg_fix_emit_header(plan, "terraform", "#", b);
    vg_buf_adds(b, "# Provider hashicorp/vsphere: any extra_config change marks the VM \"reboot\n"
                   "# required\" and the provider power-cycles it, unless\n"
                   "# extra_config_reboot_required = false (provider >= 2.3.0); then the\n"
                   "# settings apply at the next power off + power on. A key dropped from the\n"
                   "# map is sent with an empty value, which deletes it.\n\n");
    for (size_t i = 0; i < plan->n_vms; i++)
        terraform_vm(plan->vms[i], i, b);
    return 0;
}
