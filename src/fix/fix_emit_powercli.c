/*
 * PowerCLI script: Get-VM / Get-AdvancedSetting / New-AdvancedSetting -Force
 * / Remove-AdvancedSetting, checking each value before it writes so that a
 * second run changes nothing.  Names pass through vg_fix_quote_ps and, for
 * the -Name parameters that take wildcards, [WildcardPattern]::Escape.
 * VMs audited through the API are found by MoRef and checked against their
 * instance UUID (names are not unique in a vCenter); file VMs by name.  The
 * script starts with a UTF-8 byte order mark: Windows PowerShell 5.1 reads
 * a .ps1 without one in the ANSI code page and mangles non-ASCII names.
 */
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"

static void add_ps(vg_buf *b, const char *s)
{
    char *q = vg_fix_quote_ps(s ? s : "");
    if (!q) {
        b->oom = 1;
        return;
    }
    vg_buf_adds(b, q);
    free(q);
}

static const char prologue[] =
    "#Requires -Modules VMware.VimAutomation.Core\n"
    "$ErrorActionPreference = 'Stop'\n"
    "if (-not $global:DefaultVIServer) { throw 'vmxguard: run Connect-VIServer first' }\n"
    "\n"
    "function Get-VgVM([string]$Name) {\n"
    "    $vm = Get-VM -Name ([WildcardPattern]::Escape($Name))\n"
    "    if (@($vm).Count -ne 1) { throw \"vmxguard: expected one VM named '$Name'\" }\n"
    "    $vm\n"
    "}\n"
    "\n"
    "# The audited VM by MoRef (unique within a vCenter), else by instance UUID; the\n"
    "# instance UUID, when known, must match, so a MoRef reused by another vCenter\n"
    "# or after re-registration is refused.\n"
    "function Get-VgVMById([string]$MoRef, [string]$InstanceUuid, [string]$Name) {\n"
    "    if ($MoRef) {\n"
    "        $vm = Get-VM -Id ('VirtualMachine-' + $MoRef) -ErrorAction SilentlyContinue\n"
    "    } else {\n"
    "        $filter = @{ 'Config.InstanceUuid' = '^' + [regex]::Escape($InstanceUuid) + '$' }\n"
    "        $vm = Get-View -ViewType VirtualMachine -Filter $filter | Get-VIObjectByVIView\n"
    "    }\n"
    "    if (@($vm).Count -ne 1) { throw \"vmxguard: expected one VM '$Name' ($MoRef $InstanceUuid)\" }\n"
    "    if ($InstanceUuid -and $vm.ExtensionData.Config.InstanceUuid -ne $InstanceUuid) {\n"
    "        throw \"vmxguard: VM $MoRef is not '$Name' (instance UUID differs)\"\n"
    "    }\n"
    "    $vm\n"
    "}\n"
    "\n"
    "# Set only when the value differs (values compare case-sensitively, as vSphere stores them).\n"
    "function Set-VgSetting($VM, [string]$Key, [string]$Value) {\n"
    "    $cur = Get-AdvancedSetting -Entity $VM -Name ([WildcardPattern]::Escape($Key))\n"
    "    if ($cur -and [string]$cur.Value -ceq $Value) { return }\n"
    "    New-AdvancedSetting -Entity $VM -Name $Key -Value $Value -Force -Confirm:$false | "
    "Out-Null\n"
    "    Write-Host \"set $Key on $($VM.Name)\"\n"
    "}\n"
    "\n"
    "function Remove-VgSetting($VM, [string]$Key) {\n"
    "    $cur = Get-AdvancedSetting -Entity $VM -Name ([WildcardPattern]::Escape($Key))\n"
    "    if (-not $cur) { return }\n"
    "    $cur | Remove-AdvancedSetting -Confirm:$false\n"
    "    Write-Host \"removed $Key on $($VM.Name)\"\n"
    "}\n"
    "\n";

static void ps_vm(const vg_fix_vm *fv, vg_buf *b)
{
    if (!vg_fix_api_edits(fv))
        return;
    vg_buf_adds(b, "# ");
    vg_fix_add_comment_text(b, fv->name ? fv->name : "?");
    if (fv->origin == VG_ORIGIN_VSPHERE && (fv->moref || fv->instance_uuid)) {
        vg_buf_adds(b, "\n$vm = Get-VgVMById ");
        add_ps(b, fv->moref);
        vg_buf_addc(b, ' ');
        add_ps(b, fv->instance_uuid);
        vg_buf_addc(b, ' ');
        add_ps(b, fv->name);
    } else {
        vg_buf_adds(b, "\n$vm = Get-VgVM ");
        add_ps(b, fv->name);
    }
    vg_buf_addc(b, '\n');
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (!vg_fix_extra_config_edit(e))
            continue;
        vg_buf_adds(b, e->op == VG_FIX_SET ? "Set-VgSetting $vm " : "Remove-VgSetting $vm ");
        add_ps(b, e->key);
        if (e->op == VG_FIX_SET) {
            vg_buf_addc(b, ' ');
            add_ps(b, e->value);
        }
        vg_buf_addc(b, '\n');
    }
    vg_buf_addc(b, '\n');
}

int vg_fix_emit_powercli(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                      vg_error *err)
{
    (void)opts;
    (void)err;
    vg_buf_adds(b, "\xEF\xBB\xBF");
    vg_fix_emit_header(plan, "powercli", "#", b);
    vg_buf_adds(b, prologue);
    for (size_t i = 0; i < plan->n_vms; i++)
        ps_vm(plan->vms[i], b);
    vg_buf_adds(b, "Write-Host 'vmxguard: PowerCLI changes done'\n");
    return 0;
}
