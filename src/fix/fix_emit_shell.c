/*
 * POSIX shell scripts: govc (vm.change -e key=value, removal = empty value,
 * as the vSphere API deletes an extraConfig key) and the ESXi shell (edit a
 * powered-off VM's .vmx with the same rules as `vmxguard fix`, then
 * `vim-cmd vmsvc/reload`).  Every datum goes through vg_fix_quote_sh.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    "\n"
    "# vg_change VM-FLAG KEY=VALUE...: govc vm.change with only the keys whose value\n"
    "# differs from the VM's (an empty VALUE removes KEY, needed only while it exists),\n"
    "# so a second run makes no reconfiguration at all\n"
    "vg_change() {\n"
    "    vg_sel=$1; shift\n"
    "    vg_cur=$(\"${GOVC:-govc}\" vm.info -e \"$vg_sel\") || return 1\n"
    "    for vg_kv do\n"
    "        shift\n"
    "        if printf '%s\\n' \"$vg_cur\" | VG_KV=$vg_kv awk '\n"
    "            BEGIN { kv = ENVIRON[\"VG_KV\"]; i = index(kv, \"=\");\n"
    "                    k = substr(kv, 1, i - 1); v = substr(kv, i + 1); found = 0; cur = \"\" }\n"
    "            /^  [^ ]/ { ec = ($0 == \"  ExtraConfig:\"); next }\n"
    "            ec && substr($0, 1, 4) == \"    \" {\n"
    "                l = substr($0, 5)\n"
    "                if (substr(l, 1, length(k) + 1) == k \":\") {\n"
    "                    r = substr(l, length(k) + 2)\n"
    "                    if (r == \"\" || r ~ /^ /) { sub(/^ +/, \"\", r); found = 1; cur = r }\n"
    "                } }\n"
    "            END { exit (v == \"\" ? !found : (found && cur == v)) }'; then\n"
    "            set -- \"$@\" \"-e=$vg_kv\"\n"
    "        fi\n"
    "    done\n"
    "    [ $# -eq 0 ] || \"${GOVC:-govc}\" vm.change \"$vg_sel\" \"$@\"\n"
    "}\n"
    "\n";

/* Only in scripts with device edits: find devices by their vSphere type
 * (device keys differ per VM and vCenter, so they are looked up when the
 * script runs), remove them or disconnect the connected ones.  A second run
 * finds nothing left to do. */
static const char govc_device_functions[] =
    "# vg_devs VM-FLAG TYPE...: names of the VM's devices of these vSphere types\n"
    "vg_devs() {\n"
    "    vg_sel=$1; shift\n"
    "    \"${GOVC:-govc}\" device.ls \"$vg_sel\" | VG_T=\" $* \" awk '\n"
    "        index(ENVIRON[\"VG_T\"], \" \" $2 \" \") && $1 ~ /^[A-Za-z0-9_.-]+$/ { print $1 "
    "}'\n"
    "}\n"
    "\n"
    "# vg_remove VM-FLAG TYPE...: remove every such device\n"
    "vg_remove() {\n"
    "    vg_list=$(vg_devs \"$@\")\n"
    "    for vg_d in $vg_list; do\n"
    "        \"${GOVC:-govc}\" device.remove \"$1\" \"$vg_d\"\n"
    "        echo \"removed $vg_d\"\n"
    "    done\n"
    "}\n"
    "\n"
    "# vg_disconnect VM-FLAG TYPE...: disconnect (now and at power on) every such\n"
    "# device that is connected or starts connected\n"
    "vg_disconnect() {\n"
    "    vg_list=$(vg_devs \"$@\")\n"
    "    for vg_d in $vg_list; do\n"
    "        if \"${GOVC:-govc}\" device.info \"$1\" \"$vg_d\" |\n"
    "            grep -Eq '^ *(Connected|Start connected): +true'; then\n"
    "            \"${GOVC:-govc}\" device.disconnect \"$1\" \"$vg_d\"\n"
    "            echo \"disconnected $vg_d\"\n"
    "        fi\n"
    "    done\n"
    "}\n"
    "\n";

/* .vmx device names -> the vSphere device types govc lists. */
static const struct {
    const char *prefix; /* the key's device name without its number */
    int bus;            /* "ide1:0"-style address: only CD-ROMs are acted on */
    const char *types;
} govc_classes[] = {
    {"floppy", 0, "VirtualFloppy"},
    {"serial", 0, "VirtualSerialPort"},
    {"parallel", 0, "VirtualParallelPort"},
    {"usb", 0, "VirtualUSBController"},
    {"usb_xhci", 0, "VirtualUSBXHCIController"},
    {"sound", 0, "VirtualEnsoniq1371 VirtualSoundBlaster16 VirtualHdAudioCard"},
    {"ide", 1, "VirtualCdrom"},
    {"sata", 1, "VirtualCdrom"},
    {"scsi", 1, "VirtualCdrom"},
    {"nvme", 1, "VirtualCdrom"},
};

enum fix_govc_action vg_fix_govc_device_action(const vg_fix_edit *e, const char **types)
{
    *types = NULL;
    const char *dot = strrchr(e->key, '.');
    if (!dot || e->op != VG_FIX_SET || strcasecmp(e->value, "FALSE") != 0)
        return FIX_GOVC_NONE;
    enum fix_govc_action act;
    if (!strcasecmp(dot + 1, "present"))
        act = FIX_GOVC_REMOVE;
    else if (!strcasecmp(dot + 1, "startConnected") || !strcasecmp(dot + 1, "connected"))
        act = FIX_GOVC_DISCONNECT;
    else
        return FIX_GOVC_NONE;
    /* "serial0" -> "serial", "ide1:0" -> "ide" with a bus address */
    size_t n = 0;
    while (e->key + n < dot && !isdigit((unsigned char)e->key[n]))
        n++;
    const char *rest = e->key + n;
    while (rest < dot && isdigit((unsigned char)*rest))
        rest++;
    int bus = rest < dot && *rest == ':';
    if (bus) {
        rest++;
        while (rest < dot && isdigit((unsigned char)*rest))
            rest++;
    }
    if (rest != dot)
        return FIX_GOVC_NONE;
    for (size_t i = 0; i < sizeof govc_classes / sizeof govc_classes[0]; i++) {
        if (strlen(govc_classes[i].prefix) == n && !strncasecmp(e->key, govc_classes[i].prefix, n) &&
            govc_classes[i].bus == bus) {
            *types = govc_classes[i].types;
            return act;
        }
    }
    return FIX_GOVC_NONE;
}

static void add_govc_selector(vg_buf *b, const vg_fix_vm *fv)
{
    if (fv->uuid && fv->origin == VG_ORIGIN_VSPHERE) {
        vg_buf_adds(b, "-vm.uuid=");
        add_sh(b, fv->uuid);
    } else {
        vg_buf_adds(b, "-vm=");
        add_sh(b, fv->name);
    }
}

/* The device classes of fv's edits, each once, removal winning over
 * disconnection: returns how many went into acts/types. */
static size_t govc_device_ops(const vg_fix_vm *fv, enum fix_govc_action *acts,
                              const char **types, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < fv->n_edits; i++) {
        const char *t;
        enum fix_govc_action a =
            fv->edits[i].device ? vg_fix_govc_device_action(&fv->edits[i], &t) : FIX_GOVC_NONE;
        if (a == FIX_GOVC_NONE)
            continue;
        size_t j = 0;
        while (j < n && strcmp(types[j], t) != 0)
            j++;
        if (j == n && n < max) {
            types[n] = t;
            acts[n++] = a;
        } else if (j < n && a == FIX_GOVC_REMOVE) {
            acts[j] = a;
        }
    }
    return n;
}

#define GOVC_MAX_CLASSES (sizeof govc_classes / sizeof govc_classes[0])

/* `govc vm.change -vm NAME -e key=value ...`: one call per VM, then the
 * device removals and disconnections. */
static void govc_vm(const vg_fix_vm *fv, vg_buf *b)
{
    enum fix_govc_action acts[GOVC_MAX_CLASSES];
    const char *types[GOVC_MAX_CLASSES];
    size_t n_dev = govc_device_ops(fv, acts, types, GOVC_MAX_CLASSES);
    if (!vg_fix_api_edits(fv) && !n_dev)
        return;
    vg_buf_adds(b, "# ");
    vg_fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_addc(b, '\n');
    if (vg_fix_api_edits(fv)) {
        vg_buf_adds(b, "vg_change ");
        add_govc_selector(b, fv);
        for (size_t i = 0; i < fv->n_edits; i++) {
            const vg_fix_edit *e = &fv->edits[i];
            if (!vg_fix_extra_config_edit(e))
                continue;
            vg_buf b2 = VG_BUF_INIT;
            vg_buf_printf(&b2, "%s=%s", e->key, e->op == VG_FIX_SET ? e->value : "");
            vg_buf_adds(b, " \\\n    ");
            add_sh(b, b2.data);
            b->oom |= b2.oom;
            vg_buf_release(&b2);
        }
        vg_buf_addc(b, '\n');
    }
    for (size_t i = 0; i < n_dev; i++) {
        vg_buf_adds(b, acts[i] == FIX_GOVC_REMOVE ? "vg_remove " : "vg_disconnect ");
        add_govc_selector(b, fv);
        vg_buf_printf(b, " %s\n", types[i]);
    }
}

int vg_fix_emit_govc(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b, vg_error *err)
{
    (void)opts;
    (void)err;
    enum fix_govc_action acts[GOVC_MAX_CLASSES];
    const char *types[GOVC_MAX_CLASSES];
    int devices = 0;
    for (size_t i = 0; i < plan->n_vms && !devices; i++)
        devices = govc_device_ops(plan->vms[i], acts, types, GOVC_MAX_CLASSES) > 0;
    vg_buf_adds(b, "#!/bin/sh\n");
    vg_fix_emit_header(plan, "govc", "#", b);
    vg_buf_adds(b, "# Runs govc vm.change per VM for the keys whose value differs; an empty\n"
                   "# value removes a key. A second run changes nothing.\n");
    if (devices)
        vg_buf_adds(b, "# Device rules (planned with --devices): devices are found by type when\n"
                       "# the script runs; removals and disconnections are skipped once done.\n");
    vg_buf_adds(b, govc_prologue);
    if (devices)
        vg_buf_adds(b, govc_device_functions);
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
    "    # already as wanted: no write, no backup, no reload\n"
    "    if cmp -s \"$tmp\" \"$f\"; then rm -f \"$tmp\"; return 0; fi\n"
    "    if [ \"$vg_backed\" = 0 ]; then\n"
    "        cp -p \"$f\" \"$f.vmxguard-$(date +%Y%m%dT%H%M%S)\" || { rm -f \"$tmp\"; return 1; }\n"
    "        vg_backed=1\n"
    "    fi\n"
    "    sync\n"
    "    mv -f \"$tmp\" \"$f\"\n"
    "    vg_changed=1\n"
    "}\n"
    "\n"
    "# vg_vm FILE: refuse a powered-on or unknown VM, print the vmid.\n"
    "vg_vm() {\n"
    "    id=$(vg_vmid \"$1\")\n"
    "    [ -n \"$id\" ] || { echo \"vmxguard: $1: not registered on this host\" >&2; return 1; }\n"
    "    if vim-cmd vmsvc/power.getstate \"$id\" | grep -q 'Powered on'; then\n"
    "        echo \"vmxguard: $1: powered on; power it off first (settings apply at power on)\" "
    ">&2\n"
    "        return 1\n"
    "    fi\n"
    "    echo \"$id\"\n"
    "}\n"
    "skipped=0 vg_backed=0 vg_changed=0\n"
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
        n += !vg_fix_typed_key(fv->edits[i].key);
    return n;
}

static void esxi_vm(const vg_fix_vm *fv, vg_buf *b)
{
    if (!esxi_edits(fv) || !fv->path)
        return;
    char *path = esxi_path(fv);
    vg_buf_adds(b, "# ");
    vg_fix_add_comment_text(b, fv->name ? fv->name : "?");
    vg_buf_adds(b, "\nvmx=");
    add_sh(b, path);
    vg_buf_adds(b, "\nif id=$(vg_vm \"$vmx\"); then\n    vg_backed=0 vg_changed=0\n");
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (vg_fix_typed_key(e->key))
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
    vg_buf_adds(b, "    [ \"$vg_changed\" = 0 ] || vim-cmd vmsvc/reload \"$id\"\nelse\n"
                   "    skipped=$((skipped + 1))\nfi\n\n");
    free(path);
}

int vg_fix_emit_esxi(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b, vg_error *err)
{
    (void)opts;
    (void)err;
    vg_buf_adds(b, "#!/bin/sh\n");
    vg_fix_emit_header(plan, "esxi-shell", "#", b);
    vg_buf_adds(b, "# For powered-off VMs on this ESXi host: edits each .vmx through a temp file\n"
                   "# in the same folder and a rename (a backup stays beside it), then reloads\n"
                   "# the VM with vim-cmd vmsvc/reload. Powered-on or unregistered VMs are\n"
                   "# skipped (exit 1 at the end). Re-running it changes nothing more: a .vmx\n"
                   "# already as wanted is not rewritten, backed up or reloaded.\n");
    vg_buf_adds(b, esxi_prologue);
    for (size_t i = 0; i < plan->n_vms; i++)
        esxi_vm(plan->vms[i], b);
    vg_buf_adds(
        b, "[ \"$skipped\" -eq 0 ] || { echo \"vmxguard: $skipped VM(s) skipped\" >&2; exit 1; }\n"
           "echo 'vmxguard: ESXi changes done'\n");
    return 0;
}
