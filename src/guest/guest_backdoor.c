/*
 * The backdoor protocol on top of the vg_guest_cpu seam: GETVERSION with
 * open-vm-tools' sentinels, and the low-bandwidth GuestRPC (RPCI) exchange
 * over command 30 (open, send size, send payload 4 bytes at a time, receive
 * size, receive payload, receive status, close).  Facts from
 * shared/reference/backdoor.md sections 1.1, 1.3 and 1.4.  Everything is
 * bounded: a reply is at most 64 KiB, every loop counts its steps.
 */
#include <string.h>
#include <strings.h>

#include "guest_internal.h"

enum {
    MSG_OPEN = 0,
    MSG_SENDSIZE,
    MSG_SENDPAYLOAD,
    MSG_RECVSIZE,
    MSG_RECVPAYLOAD,
    MSG_RECVSTATUS,
    MSG_CLOSE,
};
#define ST_SUCCESS 0x0001u
#define ST_DORECV 0x0002u
#define FLAG_COOKIE 0x80000000u
#define MAX_REPLY 65536u

static const char *const bd_names[] = {"not_tried", "answered", "silent", "fault", "error"};
static const char *const rpc_names[] = {"not_tried", "no_channel", "broken",   "ok",
                                        "failed",    "denied",     "bad_reply"};

const char *vg_guest_bd_outcome_name(vg_guest_bd_outcome o)
{
    return (unsigned)o < sizeof bd_names / sizeof bd_names[0] ? bd_names[o] : "unknown";
}

const char *vg_guest_rpc_outcome_name(vg_guest_rpc_outcome o)
{
    return (unsigned)o < sizeof rpc_names / sizeof rpc_names[0] ? rpc_names[o] : "unknown";
}

/* Registers for one call; the port (or, for hypercalls, zero flags) in DX. */
static void regs_for(vg_guest_regs *r, vg_guest_via via, uint32_t cmd, uint32_t ebx)
{
    memset(r, 0, sizeof *r);
    r->eax = VG_GUEST_BDOOR_MAGIC;
    r->ebx = ebx;
    r->ecx = cmd;
    r->edx = via == VG_GUEST_VIA_IN ? VG_GUEST_BDOOR_PORT : 0;
}

void vg_guest_version_parse(const vg_guest_regs *after, vg_guest_version *out)
{
    memset(out, 0, sizeof *out);
    /* A real backdoor echoes the magic in EBX; all-ones in EAX means an
     * empty port or an unsupported command (vmcheck.c). */
    if (after->ebx != VG_GUEST_BDOOR_MAGIC || after->eax == 0xFFFFFFFFu) {
        out->outcome = VG_GUEST_BD_SILENT;
        return;
    }
    out->outcome = VG_GUEST_BD_ANSWERED;
    out->version = after->eax;
    /* The ECX sentinel's high half survives when the host sets no type. */
    out->vmx_type = (after->ecx & 0xFFFF0000u) == 0xFFFF0000u ? 0xFFFFFFFFu : after->ecx;
}

void vg_guest_getversion(const vg_guest_cpu *cpu, vg_guest_via via, vg_guest_version *out)
{
    vg_guest_regs r;
    regs_for(&r, via, 0xFFFF0000u | VG_GUEST_BDOOR_GETVERSION, ~VG_GUEST_BDOOR_MAGIC);
    int sig = cpu->call(cpu->ctx, via, &r);
    if (sig) {
        memset(out, 0, sizeof *out);
        out->outcome = VG_GUEST_BD_FAULT;
        out->signo = sig;
        return;
    }
    vg_guest_version_parse(&r, out);
}

void vg_guest_rpc_parse_reply(const char *buf, size_t len, vg_guest_rpc *out)
{
    memset(out, 0, sizeof *out);
    if (len < 2 || (buf[0] != '0' && buf[0] != '1') || buf[1] != ' ') {
        out->outcome = VG_GUEST_RPC_BAD_REPLY;
        buf = buf ? buf : "";
    } else {
        out->outcome = buf[0] == '1' ? VG_GUEST_RPC_OK : VG_GUEST_RPC_FAILED;
        buf += 2;
        len -= 2;
    }
    size_t n = 0;
    for (; n < len && n + 1 < sizeof out->text && buf[n]; n++) {
        unsigned char c = (unsigned char)buf[n];
        out->text[n] = c < 0x20 || c > 0x7e ? '?' : (char)c; /* host text is untrusted */
    }
    out->text[n] = '\0';
    if (out->outcome == VG_GUEST_RPC_FAILED && strncasecmp(out->text, "Permission denied", 17) == 0)
        out->outcome = VG_GUEST_RPC_DENIED;
}

struct channel {
    const vg_guest_cpu *cpu;
    vg_guest_via via;
    uint32_t id, cookie_hi, cookie_lo;
};

/* One message-type call on the channel; status (ECX high half) or 0 on a trap. */
static uint32_t msg(struct channel *ch, uint32_t type, uint32_t ebx, vg_guest_regs *r)
{
    regs_for(r, ch->via, (type << 16) | VG_GUEST_BDOOR_MESSAGE, ebx);
    r->edx |= ch->id << 16;
    r->esi = ch->cookie_hi;
    r->edi = ch->cookie_lo;
    if (ch->cpu->call(ch->cpu->ctx, ch->via, r) != 0)
        return 0;
    return r->ecx >> 16;
}

static int chan_open(struct channel *ch)
{
    static const uint32_t flags[] = {FLAG_COOKIE, 0}; /* retry without cookie, as tools do */
    for (size_t i = 0; i < 2; i++) {
        vg_guest_regs r;
        ch->id = ch->cookie_hi = ch->cookie_lo = 0;
        if (msg(ch, MSG_OPEN, VG_GUEST_RPCI_PROTOCOL | flags[i], &r) & ST_SUCCESS) {
            ch->id = r.edx >> 16;
            ch->cookie_hi = r.esi;
            ch->cookie_lo = r.edi;
            return 0;
        }
    }
    return -1;
}

static int chan_send(struct channel *ch, const char *text)
{
    vg_guest_regs r;
    size_t len = strlen(text);
    if (!(msg(ch, MSG_SENDSIZE, (uint32_t)len, &r) & ST_SUCCESS))
        return -1;
    for (size_t off = 0; off < len; off += 4) {
        uint32_t word = 0;
        for (size_t k = 0; k < 4 && off + k < len; k++)
            word |= (uint32_t)(unsigned char)text[off + k] << (8 * k);
        if (!(msg(ch, MSG_SENDPAYLOAD, word, &r) & ST_SUCCESS))
            return -1;
    }
    return 0;
}

/* Reply into buf (cap bytes); returns its length or -1. */
static long chan_recv(struct channel *ch, char *buf, size_t cap)
{
    vg_guest_regs r;
    uint32_t st = msg(ch, MSG_RECVSIZE, 0, &r);
    if (!(st & ST_SUCCESS))
        return -1;
    if (!(st & ST_DORECV))
        return 0;
    if ((r.edx >> 16) != MSG_SENDSIZE || r.ebx > MAX_REPLY)
        return -1;
    size_t len = r.ebx, got = 0;
    while (got < len) {
        if (!(msg(ch, MSG_RECVPAYLOAD, ST_SUCCESS, &r) & ST_SUCCESS) ||
            (r.edx >> 16) != MSG_SENDPAYLOAD)
            return -1;
        for (size_t k = 0; k < 4 && got < len; k++, got++) {
            if (got < cap)
                buf[got] = (char)(r.ebx >> (8 * k));
        }
    }
    if (!(msg(ch, MSG_RECVSTATUS, ST_SUCCESS, &r) & ST_SUCCESS))
        return -1;
    return (long)(len < cap ? len : cap);
}

void vg_guest_rpc_send(const vg_guest_cpu *cpu, vg_guest_via via, const char *request,
                       vg_guest_rpc *out)
{
    struct channel ch = {cpu, via, 0, 0, 0};
    char reply[512];
    memset(out, 0, sizeof *out);
    if (chan_open(&ch) != 0) {
        out->outcome = VG_GUEST_RPC_NO_CHANNEL;
        return;
    }
    long n = chan_send(&ch, request) == 0 ? chan_recv(&ch, reply, sizeof reply) : -1;
    vg_guest_regs r;
    (void)msg(&ch, MSG_CLOSE, 0, &r);
    if (n < 0) {
        out->outcome = VG_GUEST_RPC_BROKEN;
        return;
    }
    vg_guest_rpc_parse_reply(reply, (size_t)n, out);
}
