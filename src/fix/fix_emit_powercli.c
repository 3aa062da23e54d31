/*
 * PowerCLI script: Get-VM / Get-AdvancedSetting / New-AdvancedSetting -Force
 * / Remove-AdvancedSetting, checking each value before it writes so that a
 * second run changes nothing.  Names pass through vg_fix_quote_ps and, for
 * the -Name parameters that take wildcards, [WildcardPattern]::Escape.
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
    if (!fix_api_edits(fv))
        return;
    vg_buf_adds(b, "# ");
    fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_adds(b, "\n$vm = Get-VgVM ");
    add_ps(b, fv->name);
    vg_buf_addc(b, '\n');
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (!fix_extra_config_edit(e))
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

int fix_emit_powercli(const vg_fix_plan *plan, vg_buf *b, vg_error *err)
{
    (void)err;
    fix_emit_header(plan, "powercli", "#", b);
    vg_buf_adds(b, prologue);
    for (size_t i = 0; i < plan->n_vms; i++)
        ps_vm(plan->vms[i], b);
    vg_buf_adds(b, "Write-Host 'vmxguard: PowerCLI changes done'\n");
    return 0;
}
