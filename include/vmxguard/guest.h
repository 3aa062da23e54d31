/*
 * Guest probes: run inside a Linux guest and check that the isolation the
 * host settings promise really holds there (who can reach the VMware
 * backdoor and GuestRPC, who can run VMware Tools, tools.conf, mandatory
 * access control, provenance of the paravirtual drivers).
 *
 * The probes build an ordinary vg_vm (origin VG_ORIGIN_GUEST): facts become
 * properties ("guest.cpuid.vendor"), findings become evidence tied to the
 * catalog's guest rules, so vg_audit_vm() and every report writer handle
 * them like any other VM.  Every file is read through a root directory so
 * tests can point the probes at a fake tree; every CPU instruction goes
 * through a vg_guest_cpu so tests can fake the hypervisor.
 */
#ifndef VMXGUARD_GUEST_H
#define VMXGUARD_GUEST_H

#include "catalog.h"
#include "common.h"
#include "vm.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Backdoor protocol constants (open-vm-tools backdoor_def.h, guest_msg_def.h). */
#define VG_GUEST_BDOOR_MAGIC 0x564D5868u /* "VMXh" */
#define VG_GUEST_BDOOR_PORT 0x5658u      /* "VX" */
#define VG_GUEST_BDOOR_GETVERSION 10u
#define VG_GUEST_BDOOR_MESSAGE 30u
#define VG_GUEST_RPCI_PROTOCOL 0x49435052u /* "RPCI" */

typedef struct vg_guest_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi;
} vg_guest_regs;

/* How a backdoor call reaches the hypervisor. */
typedef enum vg_guest_via {
    VG_GUEST_VIA_IN = 0, /* IN EAX,DX on port 0x5658 */
    VG_GUEST_VIA_VMCALL, /* only when CPUID 0x40000010 ECX bit 1 says so */
    VG_GUEST_VIA_VMMCALL /* only when CPUID 0x40000010 ECX bit 0 says so */
} vg_guest_via;

/*
 * The seam between the probes and the processor.  vg_guest_cpu_native() is
 * the real one; unit tests pass a fake hypervisor.  Each trapping call
 * returns 0 when the instruction completed, or the signal it raised
 * (SIGSEGV, SIGILL, SIGBUS), which the native implementation catches.
 */
typedef struct vg_guest_cpu {
    int (*cpuid)(void *ctx, uint32_t leaf, vg_guest_regs *out);
    int (*call)(void *ctx, vg_guest_via via, vg_guest_regs *io);
    /* Give this process permission for ports 0x5658..0x565B (four ports, as a
     * 32-bit IN needs); 0 or a negative errno.  Never iopl(). */
    int (*port_access)(void *ctx);
    void *ctx;
} vg_guest_cpu;

VG_EXPORT const vg_guest_cpu *vg_guest_cpu_native(void);

/* What one GETVERSION call saw. */
typedef enum vg_guest_bd_outcome {
    VG_GUEST_BD_NOT_TRIED = 0,
    VG_GUEST_BD_ANSWERED, /* EBX came back as the magic */
    VG_GUEST_BD_SILENT,   /* the instruction completed but nothing answered (all-ones) */
    VG_GUEST_BD_FAULT,    /* the instruction trapped (no port permission, #UD) */
    VG_GUEST_BD_ERROR,    /* the probe itself failed (fork, privilege drop, timeout) */
} vg_guest_bd_outcome;

VG_EXPORT const char *vg_guest_bd_outcome_name(vg_guest_bd_outcome o); /* "answered" ... */

typedef struct vg_guest_version {
    vg_guest_bd_outcome outcome;
    int signo;         /* FAULT: the signal */
    uint32_t version;  /* ANSWERED: EAX (6 on current products) */
    uint32_t vmx_type; /* ANSWERED: ECX (2 = ESX), 0xFFFFFFFF when the sentinel survived */
} vg_guest_version;

/* One GETVERSION with the sentinels open-vm-tools uses. */
VG_EXPORT void vg_guest_getversion(const vg_guest_cpu *cpu, vg_guest_via via,
                                   vg_guest_version *out);
/* Classify the registers a GETVERSION returned (the part tests feed directly). */
VG_EXPORT void vg_guest_version_parse(const vg_guest_regs *after, vg_guest_version *out);

/* What a read-only GuestRPC (RPCI) request saw. */
typedef enum vg_guest_rpc_outcome {
    VG_GUEST_RPC_NOT_TRIED = 0,
    VG_GUEST_RPC_NO_CHANNEL, /* OPEN refused (no GuestRPC, e.g. QEMU) */
    VG_GUEST_RPC_BROKEN,     /* channel opened but a later step failed */
    VG_GUEST_RPC_OK,         /* reply "1 ..." */
    VG_GUEST_RPC_FAILED,     /* reply "0 ..." other than a permission refusal: the host
                                processed it (e.g. "No value found") */
    VG_GUEST_RPC_DENIED,     /* reply "0 Permission denied" */
    VG_GUEST_RPC_BAD_REPLY,  /* neither "1 " nor "0 " */
} vg_guest_rpc_outcome;

VG_EXPORT const char *vg_guest_rpc_outcome_name(vg_guest_rpc_outcome o);

typedef struct vg_guest_rpc {
    vg_guest_rpc_outcome outcome;
    char text[160]; /* reply text after the status prefix, truncated */
} vg_guest_rpc;

/* Classify an RPCI reply (buf need not be NUL-terminated). */
VG_EXPORT void vg_guest_rpc_parse_reply(const char *buf, size_t len, vg_guest_rpc *out);
/* Send one request over the low-bandwidth channel (open, send, receive, close).
 * Only ever called with read-only requests (info-get, disk.wiper.enable). */
VG_EXPORT void vg_guest_rpc_send(const vg_guest_cpu *cpu, vg_guest_via via, const char *request,
                                 vg_guest_rpc *out);

/* What a process of one kind could reach, measured in a child process. */
typedef struct vg_guest_reach {
    int tried;
    unsigned uid;        /* uid the child ran the calls as */
    int port_permission; /* the child held ioperm for the backdoor ports */
    int port_errno;      /* why ioperm was refused (EPERM, ENOSYS), 0 if not */
    vg_guest_version version;
    vg_guest_rpc rpc; /* info-get of a key no one sets */
    char error[160];  /* why the child could not run, "" if it did */
} vg_guest_reach;

typedef struct vg_guest_opts {
    const char *root;        /* prefix for /proc, /sys, /etc, /dev, /usr; NULL = "/" */
    int no_backdoor;         /* never touch the port or a hypercall */
    const vg_guest_cpu *cpu; /* NULL = vg_guest_cpu_native() */
    /* Unprivileged account for the reachability child; NULL = "nobody"
     * (looked up in ROOT/etc/passwd, 65534 if absent). */
    const char *unpriv_user;
    int no_drop;         /* tests only: run the "unprivileged" child without dropping */
    unsigned timeout_ms; /* per child; 0 = 5000 */
    /* Profile whose guest rules keyed "tools.conf [section] key" are evaluated
     * against tools.conf; NULL = skip those rules. */
    const vg_profile *profile;
} vg_guest_opts;

/*
 * Run every probe and build the guest's VM record (*out, caller frees with
 * vg_vm_free).  A probe that cannot read its facts records an "error"
 * finding and the others go on; only allocation failure or a bad root
 * directory make the call fail.
 */
VG_EXPORT int vg_guest_probe(const vg_guest_opts *opts, vg_vm **out, vg_error *err);

/* Id of the profile holding the guest rules ("guest-linux"). */
VG_EXPORT const char *vg_guest_profile_id(void);

#ifdef __cplusplus
}
#endif
#endif
