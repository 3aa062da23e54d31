/*
 * A fake hypervisor behind the vg_guest_cpu seam, for the guest unit tests.
 * It models the three behaviours that matter: VMware (ring 3 always gets
 * in, GuestRPC present), QEMU vmport (port permission needed, GETVERSION
 * only, no GuestRPC) and no backdoor at all.  Port permission lives in the
 * fake's per-process state, so a forked child starts without it unless it
 * asks, exactly like ioperm.
 */
#ifndef FAKE_HV_H
#define FAKE_HV_H

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vmxguard/guest.h"

struct fake_hv {
    const char *vendor; /* CPUID vendor; NULL = no hypervisor bit */
    uint32_t features;  /* CPUID 0x40000010 ECX */
    int ring3_open;     /* answers without port permission (VMware) */
    int backdoor;       /* anything behind the port */
    int rpci;           /* implements GuestRPC */
    int refuse_cookie;  /* OPEN with the cookie flag fails */
    int hang;           /* the call never returns (timeout test) */
    int die;            /* the calling process is killed (crash test) */
    const char *reply;  /* RPCI reply */
    uint32_t claim_len; /* reply length the host claims, 0 = strlen(reply) */
    int port_errno;     /* port_access fails with this */
    /* state */
    int granted;
    vg_guest_via last_via;
    char request[256];
    size_t req_len, req_expected;
    size_t reply_off;
    int opens;
};

static int fake_cpuid(void *ctx, uint32_t leaf, vg_guest_regs *r)
{
    struct fake_hv *f = ctx;
    memset(r, 0, sizeof *r);
    if (leaf == 1) {
        r->ecx = f->vendor ? 0x80000000u : 0;
    } else if (leaf == 0x40000000u && f->vendor) {
        char v[12] = {0};
        memcpy(v, f->vendor, strlen(f->vendor) < 12 ? strlen(f->vendor) : 12);
        r->eax = 0x40000010u;
        memcpy(&r->ebx, v, 4);
        memcpy(&r->ecx, v + 4, 4);
        memcpy(&r->edx, v + 8, 4);
    } else if (leaf == 0x40000010u) {
        r->ecx = f->features;
    }
    return 0;
}

static void fake_message(struct fake_hv *f, vg_guest_regs *r)
{
    uint32_t type = r->ecx >> 16, ok = 1u << 16;
    const char *reply = f->reply ? f->reply : "";
    size_t rlen = f->claim_len ? f->claim_len : strlen(reply);
    if (!f->rpci) {
        r->eax = 0xFFFFFFFFu; /* QEMU: command 30 unsupported, ECX untouched -> status 0 */
        r->ecx &= 0xFFFFu;
        return;
    }
    switch (type) {
    case 0: /* OPEN */
        f->opens++;
        if ((r->ebx & 0x7FFFFFFFu) != VG_GUEST_RPCI_PROTOCOL ||
            (f->refuse_cookie && (r->ebx & 0x80000000u))) {
            r->ecx = 0;
            return;
        }
        r->ecx = ok;
        r->edx = 7u << 16;
        r->esi = 0x1111;
        r->edi = 0x2222;
        return;
    case 1: /* SENDSIZE */
        f->req_expected = r->ebx;
        f->req_len = 0;
        r->ecx = (r->edx >> 16) == 7 && r->esi == 0x1111 ? ok : 0;
        return;
    case 2: /* SENDPAYLOAD */
        for (int k = 0; k < 4 && f->req_len < f->req_expected && f->req_len < 255; k++)
            f->request[f->req_len++] = (char)(r->ebx >> (8 * k));
        f->request[f->req_len] = '\0';
        r->ecx = ok;
        return;
    case 3: /* RECVSIZE */
        r->ecx = (1u | 2u) << 16;
        r->edx = 1u << 16;
        r->ebx = (uint32_t)rlen;
        f->reply_off = 0;
        return;
    case 4: /* RECVPAYLOAD */
        r->ebx = 0;
        for (int k = 0; k < 4; k++, f->reply_off++)
            if (f->reply_off < strlen(reply))
                r->ebx |= (uint32_t)(unsigned char)reply[f->reply_off] << (8 * k);
        r->ecx = ok;
        r->edx = 2u << 16;
        return;
    default: /* RECVSTATUS, CLOSE */
        r->ecx = ok;
        return;
    }
}

static int fake_call(void *ctx, vg_guest_via via, vg_guest_regs *r)
{
    struct fake_hv *f = ctx;
    f->last_via = via;
    while (f->hang)
        pause();
    if (f->die)
        raise(SIGKILL);
    if (via == VG_GUEST_VIA_VMCALL && !(f->features & 2))
        return SIGILL;
    if (via == VG_GUEST_VIA_VMMCALL && !(f->features & 1))
        return SIGILL;
    if (via == VG_GUEST_VIA_IN && !f->granted && !f->ring3_open)
        return SIGSEGV;
    if (!f->backdoor || r->eax != VG_GUEST_BDOOR_MAGIC) {
        r->eax = 0xFFFFFFFFu;
        return 0;
    }
    switch (r->ecx & 0xFFFF) {
    case 10:
        r->eax = 6;
        r->ebx = VG_GUEST_BDOOR_MAGIC;
        r->ecx = 2;
        break;
    case 30:
        fake_message(f, r);
        break;
    default:
        r->eax = 0xFFFFFFFFu;
    }
    return 0;
}

static int fake_port_access(void *ctx)
{
    struct fake_hv *f = ctx;
    if (f->port_errno)
        return -f->port_errno;
    f->granted = 1;
    return 0;
}

static void fake_cpu(struct fake_hv *f, vg_guest_cpu *cpu)
{
    cpu->cpuid = fake_cpuid;
    cpu->call = fake_call;
    cpu->port_access = fake_port_access;
    cpu->ctx = f;
}

/* Profiles of the fake. */
static const struct fake_hv FAKE_VMWARE = {.vendor = "VMwareVMware",
                                           .ring3_open = 1,
                                           .backdoor = 1,
                                           .rpci = 1,
                                           .reply = "0 No value found"};
static const struct fake_hv FAKE_QEMU = {.vendor = "TCGTCGTCGTCG", .backdoor = 1};
static const struct fake_hv FAKE_QEMU_OFF = {.vendor = "TCGTCGTCGTCG"};

#endif
