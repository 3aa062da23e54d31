/*
 * POSIX shell scripts: govc (vm.change -e key=value, removal = empty value,
 * as the vSphere API deletes an extraConfig key) and the ESXi shell (edit a
 * powered-off VM's .vmx with the same rules as `vmxguard fix`, then
 * `vim-cmd vmsvc/reload`).  Every datum goes through vg_fix_quote_sh.
 */
#include <stdlib.h>
#include <string.h>

#include "fix_internal.h"

static void add_sh(vg_buf *b, const char *s)
{
    char *q = vg_fix_quote_sh(s ? s : "");
    if (!q) {
        b->oom = 1;
        return;
    }
    vg_buf_adds(b, q);
    free(q);
}

static const char govc_prologue[] =
    "set -eu\n"
    ": \"${GOVC_URL:?set GOVC_URL (and GOVC_USERNAME, GOVC_PASSWORD) to the vCenter or ESXi "
    "first}\"\n"
    "command -v \"${GOVC:-govc}\" >/dev/null 2>&1 || { echo 'govc not found on PATH' >&2; exit 1; "
    "}\n"
    "\n";

/* `govc vm.change -vm NAME -e key=value ...`: one call per VM. */
static void govc_vm(const vg_fix_vm *fv, vg_buf *b)
{
    if (!fix_api_edits(fv))
        return;
    vg_buf_adds(b, "# ");
    fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_adds(b, "\n\"${GOVC:-govc}\" vm.change ");
    if (fv->uuid && fv->origin == VG_ORIGIN_VSPHERE) {
        vg_buf_adds(b, "-vm.uuid=");
        add_sh(b, fv->uuid);
    } else {
        vg_buf_adds(b, "-vm=");
        add_sh(b, fv->name);
    }
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (!fix_extra_config_edit(e))
            continue;
        vg_buf b2 = VG_BUF_INIT;
        vg_buf_printf(&b2, "%s=%s", e->key, e->op == VG_FIX_SET ? e->value : "");
        vg_buf_adds(b, " \\\n    -e=");
        add_sh(b, b2.data);
        b->oom |= b2.oom;
        vg_buf_release(&b2);
    }
    vg_buf_addc(b, '\n');
}

int fix_emit_govc(const vg_fix_plan *plan, vg_buf *b, vg_error *err)
{
    (void)err;
    vg_buf_adds(b, "#!/bin/sh\n");
    fix_emit_header(plan, "govc", "#", b);
    vg_buf_adds(b, "# Runs govc vm.change per VM; an empty value removes a key. Setting the\n"
                   "# same value again is harmless, so the script can be re-run.\n");
    vg_buf_adds(b, govc_prologue);
    for (size_t i = 0; i < plan->n_vms; i++)
        govc_vm(plan->vms[i], b);
    vg_buf_adds(b, "echo 'vmxguard: govc changes done'\n");
    return 0;
}

/* The ESXi shell part: a function that edits one .vmx the safe way
 * (temp file in the same folder, same mode, rename), used per edit. */
static const char esxi_prologue[] =
    "set -eu\n"
    "command -v vim-cmd >/dev/null 2>&1 || { echo 'run this in the ESXi shell' >&2; exit 1; }\n"
    "\n"
    "# vmid of the VM whose .vmx is $1 (/vmfs/volumes/DS/PATH is \"[DS] PATH\" in getallvms)\n"
    "vg_vmid() {\n"
    "    vim-cmd vmsvc/getallvms 2>/dev/null | VG_F=$1 awk '\n"
    "        BEGIN { p = ENVIRON[\"VG_F\"]; sub(/^.*\\/vmfs\\/volumes\\//, \"\", p);\n"
    "                s = index(p, \"/\"); dp = \"[\" substr(p, 1, s - 1) \"] \" substr(p, s + 1) "
    "}\n"
    "        NR > 1 && s && index($0, dp) { print $1; exit }'\n"
    "}\n"
    "\n"
    "# vg_edit FILE KEY [VALUE]: set (with VALUE) or remove KEY, keeping every other line.\n"
    "vg_edit() {\n"
    "    f=$(readlink -f \"$1\"); tmp=\"${f%/*}/.${f##*/}.vmxguard-tmp-$$-sh\"\n"
    "    cp -p \"$f\" \"$tmp\"\n"
    "    VG_K=$2 VG_V=${3-} VG_SET=$(( $# > 2 )) awk '\n"
    "        BEGIN { k = tolower(ENVIRON[\"VG_K\"]); done = 0 }\n"
    "        { line = $0; cr = sub(/\\r$/, \"\", line); eq = index(line, \"=\");\n"
    "          key = eq ? substr(line, 1, eq - 1) : \"\"; gsub(/^[ \\t]+|[ \\t]+$/, \"\", key);\n"
    "          if (eq && tolower(key) == k) {\n"
    "              if (ENVIRON[\"VG_SET\"] == 1 && !done)\n"
    "                  printf \"%s = \\\"%s\\\"%s\\n\", key, ENVIRON[\"VG_V\"], cr ? \"\\r\" : "
    "\"\";\n"
    "              done = 1; next }\n"
    "          print }\n"
    "        END { if (ENVIRON[\"VG_SET\"] == 1 && !done)\n"
    "                  printf \"%s = \\\"%s\\\"\\n\", ENVIRON[\"VG_K\"], ENVIRON[\"VG_V\"] }\n"
    "    ' \"$f\" > \"$tmp\" || { rm -f \"$tmp\"; return 1; }\n"
    "    sync\n"
    "    mv -f \"$tmp\" \"$f\"\n"
    "}\n"
    "\n"
    "# vg_vm FILE: refuse a powered-on or unknown VM, keep a backup, print the vmid.\n"
    "vg_vm() {\n"
    "    id=$(vg_vmid \"$1\")\n"
    "    [ -n \"$id\" ] || { echo \"vmxguard: $1: not registered on this host\" >&2; return 1; }\n"
    "    if vim-cmd vmsvc/power.getstate \"$id\" | grep -q 'Powered on'; then\n"
    "        echo \"vmxguard: $1: powered on; power it off first (settings apply at power on)\" "
    ">&2\n"
    "        return 1\n"
    "    fi\n"
    "    cp -p \"$1\" \"$1.vmxguard-$(date +%Y%m%dT%H%M%S)\" || return 1\n"
    "    echo \"$id\"\n"
    "}\n"
    "skipped=0\n"
    "\n";

/* An ESXi path for the VM: "[ds1] a/b.vmx" becomes /vmfs/volumes/ds1/a/b.vmx. */
static char *esxi_path(const vg_fix_vm *fv)
{
    vg_buf b = VG_BUF_INIT;
    const char *p = fv->path ? fv->path : "";
    const char *close = p[0] == '[' ? strstr(p, "] ") : NULL;
    if (close)
        vg_buf_printf(&b, "/vmfs/volumes/%.*s/%s", (int)(close - p - 1), p + 1, close + 2);
    else
        vg_buf_adds(&b, p);
    return vg_buf_detach(&b);
}

/* Edits the ESXi script makes: every .vmx line, not the typed API fields. */
static size_t esxi_edits(const vg_fix_vm *fv)
{
    size_t n = 0;
    for (size_t i = 0; i < fv->n_edits; i++)
        n += !fix_typed_key(fv->edits[i].key);
    return n;
}

static void esxi_vm(const vg_fix_vm *fv, vg_buf *b)
{
    if (!esxi_edits(fv) || !fv->path)
        return;
    char *path = esxi_path(fv);
    vg_buf_adds(b, "# ");
    fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_adds(b, "\nvmx=");
    add_sh(b, path);
    vg_buf_adds(b, "\nif id=$(vg_vm \"$vmx\"); then\n");
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (fix_typed_key(e->key))
            continue;
        vg_buf_adds(b, "    vg_edit \"$vmx\" ");
        add_sh(b, e->key);
        if (e->op == VG_FIX_SET) {
            char *esc = vg_vmx_escape(e->value, strlen(e->value));
            vg_buf_addc(b, ' ');
            add_sh(b, esc);
            b->oom |= esc == NULL;
            free(esc);
        }
        vg_buf_addc(b, '\n');
    }
    vg_buf_adds(b, "    vim-cmd vmsvc/reload \"$id\"\nelse\n    skipped=$((skipped + 1))\nfi\n\n");
    free(path);
}

int fix_emit_esxi(const vg_fix_plan *plan, vg_buf *b, vg_error *err)
{
    (void)err;
    vg_buf_adds(b, "#!/bin/sh\n");
    fix_emit_header(plan, "esxi-shell", "#", b);
    vg_buf_adds(b, "# For powered-off VMs on this ESXi host: edits each .vmx through a temp file\n"
                   "# in the same folder and a rename (a backup stays beside it), then reloads\n"
                   "# the VM with vim-cmd vmsvc/reload. Powered-on or unregistered VMs are\n"
                   "# skipped (exit 1 at the end). Re-running it changes nothing more.\n");
    vg_buf_adds(b, esxi_prologue);
    for (size_t i = 0; i < plan->n_vms; i++)
        esxi_vm(plan->vms[i], b);
    vg_buf_adds(
        b, "[ \"$skipped\" -eq 0 ] || { echo \"vmxguard: $skipped VM(s) skipped\" >&2; exit 1; }\n"
           "echo 'vmxguard: ESXi changes done'\n");
    return 0;
}
