/*
 * Ansible playbook, for one of two collections:
 *  - community.vmware: vmware_guest with advanced_settings (an empty value
 *    removes a key, as the API does), after a vmware_guest_find that stops
 *    the play when the VM is missing (vmware_guest would create it);
 *  - vmware.vmware, the collection VMware maintains: vm_advanced_settings,
 *    one task with state present for the values to set and one with state
 *    absent (empty values: remove whatever the value) for the keys to drop;
 *    it fails on a missing VM by itself.
 * Both modules compare before they reconfigure, so runs are idempotent and
 * --check reports without changing.  Every datum is a YAML double-quoted
 * scalar tagged !unsafe, so Jinja never templates a VM name such as
 * "{{ lookup(...) }}".
 */
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"

static void add_yaml2(vg_buf *b, const char *prefix, const char *s)
{
    vg_buf t = VG_BUF_INIT;
    vg_buf_adds(&t, prefix);
    vg_buf_adds(&t, s ? s : "");
    char *q = t.oom ? NULL : vg_fix_quote_yaml(t.data);
    vg_buf_release(&t);
    if (!q) {
        b->oom = 1;
        return;
    }
    vg_buf_adds(b, "!unsafe ");
    vg_buf_adds(b, q);
    free(q);
}

static void add_yaml(vg_buf *b, const char *s)
{
    char *q = vg_fix_quote_yaml(s ? s : "");
    if (!q) {
        b->oom = 1;
        return;
    }
    vg_buf_adds(b, "!unsafe ");
    vg_buf_adds(b, q);
    free(q);
}

static const char play_vars[] =
    "- name: vmxguard hardening\n"
    "  hosts: localhost\n"
    "  gather_facts: false\n"
    "  vars:\n"
    "    vcenter_hostname: \"{{ lookup('env', 'VMWARE_HOST') }}\"\n"
    "    vcenter_username: \"{{ lookup('env', 'VMWARE_USER') }}\"\n"
    "    vcenter_password: \"{{ lookup('env', 'VMWARE_PASSWORD') }}\"\n"
    "    vcenter_port: \"{{ lookup('env', 'VMWARE_PORT') | default('443', true) }}\"\n"
    "    vcenter_validate_certs: \"{{ lookup('env', 'VMWARE_VALIDATE_CERTS') | "
    "default('true', true) | bool }}\"\n"
    "    vcenter_datacenter: \"{{ lookup('env', 'VMWARE_DATACENTER') | default('ha-datacenter', "
    "true) }}\"\n";

static const char connection[] =
    "      hostname: \"{{ vcenter_hostname }}\"\n"
    "      username: \"{{ vcenter_username }}\"\n"
    "      password: \"{{ vcenter_password }}\"\n"
    "      port: \"{{ vcenter_port }}\"\n"
    "      validate_certs: \"{{ vcenter_validate_certs }}\"\n";

static void add_play(vg_buf *b, int vmware)
{
    vg_buf_adds(b, play_vars);
    vg_buf_adds(b, "  module_defaults:\n");
    if (vmware) {
        vg_buf_adds(b, "    vmware.vmware.vm_advanced_settings:\n");
        vg_buf_adds(b, connection);
    } else {
        vg_buf_adds(b, "    community.vmware.vmware_guest_find: &vc\n");
        vg_buf_adds(b, connection);
        vg_buf_adds(b, "    community.vmware.vmware_guest:\n      <<: *vc\n"
                       "      datacenter: \"{{ vcenter_datacenter }}\"\n");
    }
    vg_buf_adds(b, "  tasks:\n");
}

/* The VM by BIOS uuid when the API gave one, else by name. */
static void add_selector(vg_buf *b, const vg_fix_vm *fv)
{
    if (fv->origin == VG_ORIGIN_VSPHERE && fv->uuid) {
        vg_buf_adds(b, "uuid: ");
        add_yaml(b, fv->uuid);
    } else {
        vg_buf_adds(b, "name: ");
        add_yaml(b, fv->name);
    }
}

/* vm_advanced_settings takes one of name, uuid (BIOS, or instance with
 * use_instance_uuid) and moid: the MoRef when the API gave one, as names
 * are not unique. */
static void add_selector_vmware(vg_buf *b, const vg_fix_vm *fv, const char *indent)
{
    if (fv->origin == VG_ORIGIN_VSPHERE && fv->moref) {
        vg_buf_adds(b, "moid: ");
        add_yaml(b, fv->moref);
    } else if (fv->origin == VG_ORIGIN_VSPHERE && fv->instance_uuid) {
        vg_buf_adds(b, "uuid: ");
        add_yaml(b, fv->instance_uuid);
        vg_buf_printf(b, "\n%suse_instance_uuid: true", indent);
    } else if (fv->origin == VG_ORIGIN_VSPHERE && fv->uuid) {
        vg_buf_adds(b, "uuid: ");
        add_yaml(b, fv->uuid);
    } else {
        vg_buf_adds(b, "name: ");
        add_yaml(b, fv->name);
    }
}

/* One task for the keys to set (state present), one for those to remove
 * (state absent with an empty value: remove whatever the value is). */
static void vmware_task(const vg_fix_vm *fv, vg_fix_op op, vg_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < fv->n_edits; i++)
        n += vg_fix_extra_config_edit(&fv->edits[i]) && fv->edits[i].op == op;
    if (!n)
        return;
    vg_buf_adds(b, "    - name: ");
    add_yaml2(b, op == VG_FIX_SET ? "harden: " : "remove: ", fv->name);
    vg_buf_adds(b, "\n      vmware.vmware.vm_advanced_settings:\n        ");
    add_selector_vmware(b, fv, "        ");
    vg_buf_printf(b, "\n        state: %s\n        settings:\n",
                  op == VG_FIX_SET ? "present" : "absent");
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (!vg_fix_extra_config_edit(e) || e->op != op)
            continue;
        vg_buf_adds(b, "          ");
        add_yaml(b, e->key);
        vg_buf_adds(b, ": ");
        add_yaml(b, op == VG_FIX_SET ? e->value : "");
        vg_buf_addc(b, '\n');
    }
    vg_buf_printf(b, "      tags: [vmxguard-%s]\n      delegate_to: localhost\n",
                  op == VG_FIX_SET ? "harden" : "remove");
}

/* Two tasks per VM: fail unless it exists (vmware_guest would otherwise
 * try to create it), then set its advanced settings. */
static void ansible_vm(const vg_fix_vm *fv, vg_buf *b)
{
    if (!vg_fix_api_edits(fv))
        return;
    vg_buf_adds(b, "    - name: ");
    add_yaml2(b, "VM exists: ", fv->name);
    vg_buf_adds(b, "\n      community.vmware.vmware_guest_find:\n        ");
    add_selector(b, fv);
    vg_buf_adds(b, "\n      check_mode: false\n      tags: [vmxguard-find]\n"
                   "      delegate_to: localhost\n");
    vg_buf_adds(b, "    - name: ");
    add_yaml2(b, "harden: ", fv->name);
    vg_buf_adds(b, "\n      community.vmware.vmware_guest:\n        ");
    add_selector(b, fv);
    vg_buf_adds(b, "\n        state: present\n        advanced_settings:\n");
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (!vg_fix_extra_config_edit(e))
            continue;
        vg_buf_adds(b, "          - key: ");
        add_yaml(b, e->key);
        vg_buf_adds(b, "\n            value: ");
        add_yaml(b, e->op == VG_FIX_SET ? e->value : "");
        vg_buf_addc(b, '\n');
    }
    vg_buf_adds(b, "      tags: [vmxguard-harden]\n      delegate_to: localhost\n");
}

int vg_fix_emit_ansible(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                     vg_error *err)
{
    (void)err;
    int vmware = opts->ansible_collection && !strcmp(opts->ansible_collection, "vmware.vmware");
    vg_buf_adds(b, "---\n");
    vg_fix_emit_header(plan, "ansible", "#", b);
    if (vmware)
        vg_buf_adds(b,
                    "# Needs the vmware.vmware collection (ansible-galaxy collection install\n"
                    "# vmware.vmware) and pyvmomi. Connection from the VMWARE_HOST, VMWARE_USER,\n"
                    "# VMWARE_PASSWORD (VMWARE_PORT, VMWARE_VALIDATE_CERTS) environment.\n"
                    "# Idempotent; --check shows the changes.\n");
    else
        vg_buf_adds(b,
                    "# Needs the community.vmware collection and pyvmomi >= 7 (vmware_guest uses\n"
                    "# VmomiJSONEncoder; Debian 12's python3-pyvmomi 6.7.1 lacks it, so only the\n"
                    "# vmxguard-find tasks run there). Connection from the\n"
                    "# VMWARE_HOST, VMWARE_USER, VMWARE_PASSWORD (VMWARE_PORT, VMWARE_DATACENTER,\n"
                    "# VMWARE_VALIDATE_CERTS) environment. Idempotent; --check shows the changes.\n");
    add_play(b, vmware);
    size_t tasks = 0;
    for (size_t i = 0; i < plan->n_vms; i++) {
        if (vmware) {
            vmware_task(plan->vms[i], VG_FIX_SET, b);
            vmware_task(plan->vms[i], VG_FIX_REMOVE, b);
        } else {
            ansible_vm(plan->vms[i], b);
        }
        tasks += vg_fix_api_edits(plan->vms[i]) > 0;
    }
    if (!tasks)
        vg_buf_adds(b, "    - name: nothing to change\n      ansible.builtin.debug:\n"
                       "        msg: vmxguard found nothing to change\n");
    return 0;
}
