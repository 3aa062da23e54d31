/*
 * Platform: which hypervisor this is, by the passive signs first (CPUID
 * hypervisor bit and vendor leaf, then DMI strings as supporting evidence
 * only: they are trivially spoofed), and what the backdoor children found.
 * The hypercall flavour (VMCALL/VMMCALL) is used only when CPUID leaf
 * 0x40000010 advertises it on a VMware vendor leaf; otherwise the port.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "guest_internal.h"

#define LEAF_HV 0x40000000u
#define LEAF_VMW_FEATURES 0x40000010u
#define FEAT_VMMCALL 0x1u
#define FEAT_VMCALL 0x2u

static void vendor_text(const vg_guest_regs *r, char out[13])
{
    const uint32_t w[3] = {r->ebx, r->ecx, r->edx};
    for (size_t i = 0; i < 12; i++) {
        unsigned char c = (unsigned char)(w[i / 4] >> (8 * (i % 4)));
        out[i] = c == 0 ? ' ' : isprint(c) ? (char)c : '?';
    }
    size_t n = 12;
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void cpuid_facts(struct gprobe *p)
{
    vg_guest_regs r;
    p->via = VG_GUEST_VIA_IN;
    if (p->cpu->cpuid(p->cpu->ctx, 1, &r) != 0) {
        vg_gprobe_prop(p, "guest.cpuid", "trapped");
        return;
    }
    p->hv_bit = (r.ecx >> 31) & 1;
    vg_gprobe_prop(p, "guest.cpuid.hypervisor_bit", "%d", p->hv_bit);
    /* Without the bit, leaf 0x40000000 is undefined data on bare metal. */
    if (!p->hv_bit || p->cpu->cpuid(p->cpu->ctx, LEAF_HV, &r) != 0)
        return;
    vendor_text(&r, p->vendor);
    p->hv_max_leaf = r.eax;
    p->cpuid_vmware = strcmp(p->vendor, "VMwareVMware") == 0;
    vg_gprobe_prop(p, "guest.cpuid.vendor", "%s", p->vendor);
    vg_gprobe_prop(p, "guest.cpuid.max_leaf", "0x%08x", r.eax);
    if (p->cpuid_vmware && p->hv_max_leaf >= LEAF_VMW_FEATURES &&
        p->cpu->cpuid(p->cpu->ctx, LEAF_VMW_FEATURES, &r) == 0) {
        p->hv_features = r.ecx;
        if (r.ecx & FEAT_VMCALL)
            p->via = VG_GUEST_VIA_VMCALL;
        else if (r.ecx & FEAT_VMMCALL)
            p->via = VG_GUEST_VIA_VMMCALL;
    }
    static const char *const via_names[] = {"in", "vmcall", "vmmcall"};
    vg_gprobe_prop(p, "guest.backdoor.interface", "%s", via_names[p->via]);
}

static int vmware_word(const char *s)
{
    return strncasecmp(s, "VMware", 6) == 0 || strncasecmp(s, "VMW", 3) == 0;
}

static void dmi_facts(struct gprobe *p)
{
    static const char *const files[] = {"sys_vendor", "product_name", "bios_vendor", "board_vendor",
                                        "product_serial"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[96], v[128], name[64];
        snprintf(rel, sizeof rel, "/sys/class/dmi/id/%s", files[i]);
        if (vg_groot_line(p, rel, v, sizeof v) != 0)
            continue; /* product_serial is root-only; absent on non-DMI machines */
        snprintf(name, sizeof name, "guest.dmi.%s", files[i]);
        vg_gprobe_prop(p, name, "%s", v);
        if (vmware_word(v))
            p->dmi_vmware = 1;
    }
}

void vg_guest_platform_probe(struct gprobe *p)
{
    cpuid_facts(p);
    dmi_facts(p);
}

static const char *sig_name(int sig)
{
    return sig == SIGSEGV  ? "SIGSEGV"
           : sig == SIGILL ? "SIGILL"
           : sig == SIGBUS ? "SIGBUS"
                           : "a signal";
}

static void describe(const vg_guest_reach *r, char *out, size_t sz)
{
    const vg_guest_version *v = &r->version;
    if (v->outcome == VG_GUEST_BD_ANSWERED)
        snprintf(out, sz, "answered (version %u, type %u)", v->version, v->vmx_type);
    else if (v->outcome == VG_GUEST_BD_FAULT)
        snprintf(out, sz, "trapped with %s", sig_name(v->signo));
    else if (v->outcome == VG_GUEST_BD_SILENT)
        snprintf(out, sz, "got no answer (all-ones: nothing behind the port)");
    else
        snprintf(out, sz, "could not be tried: %s", r->error);
}

static void record_reach(struct gprobe *p, const char *who, const vg_guest_reach *r)
{
    char name[64], d[200];
    if (!r->tried)
        return;
    describe(r, d, sizeof d);
    snprintf(name, sizeof name, "guest.backdoor.%s", who);
    vg_gprobe_prop(p, name, "%s", vg_guest_bd_outcome_name(r->version.outcome));
    snprintf(name, sizeof name, "guest.backdoor.%s.detail", who);
    vg_gprobe_prop(p, name, "uid %u%s: GETVERSION %s", r->uid,
                r->port_permission ? " with port permission" : " without port permission", d);
    if (r->rpc.outcome != VG_GUEST_RPC_NOT_TRIED) {
        snprintf(name, sizeof name, "guest.rpci.%s", who);
        vg_gprobe_prop(p, name, "%s%s%s", vg_guest_rpc_outcome_name(r->rpc.outcome),
                    r->rpc.text[0] ? ": " : "", r->rpc.text);
    }
}

static void unpriv_finding(struct gprobe *p)
{
    const vg_guest_reach *r = &p->unpriv;
    const char *id = "guest-backdoor-unprivileged";
    char d[200];
    describe(r, d, sizeof d);
    if (r->version.outcome == VG_GUEST_BD_ERROR)
        vg_gprobe_finding(p, id, G_ERROR, NULL, 0, "unprivileged GETVERSION %s", d);
    else if (r->version.outcome == VG_GUEST_BD_ANSWERED)
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0,
                       "a process of uid %u without port permission %s: every guest user "
                       "reaches the hypervisor",
                       r->uid, d);
    else
        vg_gprobe_finding(p, id, G_PASS, NULL, 0, "GETVERSION from uid %u without port permission %s",
                       r->uid, d);
}

static void rpci_finding(struct gprobe *p)
{
    const vg_guest_reach *r = &p->unpriv;
    const char *id = "guest-rpci-unprivileged";
    vg_guest_rpc_outcome o = r->rpc.outcome;
    if (r->version.outcome == VG_GUEST_BD_ERROR)
        vg_gprobe_finding(p, id, G_ERROR, NULL, 0, "not checked: %s", r->error);
    else if (r->version.outcome != VG_GUEST_BD_ANSWERED)
        vg_gprobe_finding(p, id, G_PASS, NULL, 0,
                       "uid %u cannot reach the backdoor, so GuestRPC over it is closed too",
                       r->uid);
    else if (o == VG_GUEST_RPC_NO_CHANNEL)
        vg_gprobe_finding(p, id, G_PASS, NULL, 0,
                       "the backdoor answered uid %u but refused a GuestRPC channel", r->uid);
    else if (o == VG_GUEST_RPC_DENIED)
        vg_gprobe_finding(p, id, G_PASS, NULL, 0, "GuestRPC refused info-get to uid %u: \"%s\"",
                       r->uid, r->rpc.text);
    else if (o == VG_GUEST_RPC_OK || o == VG_GUEST_RPC_FAILED)
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0,
                       "GuestRPC processed info-get from uid %u (reply %s \"%s\"): any user "
                       "can talk to the VMX",
                       r->uid, o == VG_GUEST_RPC_OK ? "1" : "0", r->rpc.text);
    else
        vg_gprobe_finding(p, id, G_ERROR, NULL, 0, "GuestRPC exchange as uid %u: %s", r->uid,
                       vg_guest_rpc_outcome_name(o));
}

static void emulated_finding(struct gprobe *p)
{
    const char *id = "guest-backdoor-emulated";
    int answered = p->priv.version.outcome == VG_GUEST_BD_ANSWERED ||
                   p->unpriv.version.outcome == VG_GUEST_BD_ANSWERED;
    const char *vendor = p->vendor[0] ? p->vendor : p->hv_bit ? "(unread)" : "(no hypervisor)";
    if (p->cpuid_vmware)
        vg_gprobe_finding(p, id, G_NA, NULL, 0,
                       "CPUID vendor is VMwareVMware: the backdoor is "
                       "VMware's own");
    else if (answered) {
        const vg_guest_reach *r =
            p->priv.version.outcome == VG_GUEST_BD_ANSWERED ? &p->priv : &p->unpriv;
        char d[200];
        describe(r, d, sizeof d);
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0,
                       "GETVERSION from uid %u %s port permission %s, but CPUID vendor is %s: "
                       "a non-VMware hypervisor emulates the backdoor (QEMU/KVM vmport)",
                       r->uid, r->port_permission ? "with" : "without", d, vendor);
    } else if (!p->priv.tried)
        vg_gprobe_finding(p, id, G_NA, NULL, 0,
                       "not root: only a process with port permission can tell (run as root)");
    else if (p->priv.port_errno)
        vg_gprobe_finding(p, id, G_NA, NULL, 0, "port permission unavailable here (%s): cannot tell",
                       p->priv.error);
    else if (p->priv.version.outcome == VG_GUEST_BD_ERROR)
        vg_gprobe_finding(p, id, G_ERROR, NULL, 0, "privileged GETVERSION: %s", p->priv.error);
    else
        vg_gprobe_finding(p, id, G_PASS, NULL, 0,
                       "no backdoor answered a process with port permission (CPUID vendor %s)",
                       vendor);
}

static void dmi_finding(struct gprobe *p)
{
    const char *id = "guest-dmi-consistent";
    if (!p->dmi_vmware)
        vg_gprobe_finding(p, id, G_PASS, "/sys/class/dmi/id", 0,
                       "DMI does not claim VMware (CPUID vendor %s)",
                       p->vendor[0] ? p->vendor : "none");
    else if (p->cpuid_vmware)
        vg_gprobe_finding(p, id, G_PASS, "/sys/class/dmi/id", 0, "DMI and CPUID both say VMware");
    else
        vg_gprobe_finding(p, id, G_FAIL, "/sys/class/dmi/id", 0,
                       "DMI strings claim VMware but CPUID says %s: DMI is spoofed (or nested); "
                       "trust CPUID",
                       p->hv_bit ? p->vendor : "no hypervisor");
}

void vg_guest_platform_findings(struct gprobe *p)
{
    dmi_finding(p);
    if (p->opts->no_backdoor) {
        static const char *const ids[] = {"guest-backdoor-unprivileged", "guest-rpci-unprivileged",
                                          "guest-backdoor-emulated"};
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
            vg_gprobe_finding(p, ids[i], G_NA, NULL, 0, "not checked: the backdoor was left untouched, as asked");
        return;
    }
    record_reach(p, "unprivileged", &p->unpriv);
    record_reach(p, "privileged", &p->priv);
    unpriv_finding(p);
    rpci_finding(p);
    emulated_finding(p);
}
