/*
 * The real processor behind vg_guest_cpu: CPUID, the backdoor IN and the
 * VMCALL/VMMCALL hypercalls, each under a guard.  A trapping instruction
 * (no port permission, #UD on a CPU without the hypercall, CPUID faulting)
 * raises SIGSEGV/SIGILL/SIGBUS; the guard's handler jumps back with
 * siglongjmp, so the probe reports the signal instead of dying.  None of
 * these instructions can block, so the guard needs no timer; the children
 * that run them are still bounded by the parent (guest_reach.c).
 *
 * The guard is process-wide state (handlers, one jump buffer), which the
 * library must not impose on its caller: it is installed only in a probe
 * child (guest_reach.c's, which marks itself with vg_guest_cpu_in_child),
 * and a call made anywhere else runs the instruction in a child of its own
 * that reports the registers, or the signal, through a pipe.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/io.h>
#define G_X86 1
#else
#define G_X86 0
#endif

#include "guest_internal.h"

static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_sig;
static int in_probe_child; /* this process is a throwaway probe child */

void vg_guest_cpu_in_child(void)
{
    in_probe_child = 1;
}

static void guard_handler(int sig)
{
    guard_sig = sig;
    siglongjmp(guard_jmp, 1);
}

static const int guard_signals[] = {SIGSEGV, SIGILL, SIGBUS};
#define N_GUARD (sizeof guard_signals / sizeof guard_signals[0])

static void guard_install(struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guard_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (size_t i = 0; i < N_GUARD; i++)
        sigaction(guard_signals[i], &sa, &saved[i]);
}

static void guard_restore(const struct sigaction *saved)
{
    for (size_t i = 0; i < N_GUARD; i++)
        sigaction(guard_signals[i], &saved[i], NULL);
}

#if G_X86
/* noinline: the registers must live in a frame setjmp does not restore. */
__attribute__((noinline)) static void do_cpuid(uint32_t leaf, vg_guest_regs *r)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid_count(leaf, 0, a, b, c, d);
    r->eax = a;
    r->ebx = b;
    r->ecx = c;
    r->edx = d;
}

__attribute__((noinline)) static void do_call(vg_guest_via via, vg_guest_regs *r)
{
    uint32_t a = r->eax, b = r->ebx, c = r->ecx, d = r->edx, s = r->esi, di = r->edi;
    if (via == VG_GUEST_VIA_VMCALL)
        __asm__ __volatile__("vmcall"
                             : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)::"memory");
    else if (via == VG_GUEST_VIA_VMMCALL)
        __asm__ __volatile__("vmmcall"
                             : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)::"memory");
    else
        __asm__ __volatile__("inl %%dx, %%eax"
                             : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)::"memory");
    r->eax = a;
    r->ebx = b;
    r->ecx = c;
    r->edx = d;
    r->esi = s;
    r->edi = di;
}
#endif

static int guarded_cpuid(uint32_t leaf, vg_guest_regs *out);
static int guarded_call(vg_guest_via via, vg_guest_regs *io);

/* One instruction in a child of its own: the caller's handlers stay as
 * they are.  op 0 is CPUID (leaf), else a call through via. */
static int isolated(int op, uint32_t leaf, vg_guest_via via, vg_guest_regs *io)
{
    struct {
        int sig;
        vg_guest_regs r;
    } ans;
    int fds[2];
    if (pipe(fds) != 0)
        return SIGABRT;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); /* a trapping instruction leaves no core */
        in_probe_child = 1;
        memset(&ans, 0, sizeof ans);
        ans.r = *io;
        ans.sig = op == 0 ? guarded_cpuid(leaf, &ans.r) : guarded_call(via, &ans.r);
        _exit(write(fds[1], &ans, sizeof ans) == (ssize_t)sizeof ans ? 0 : 1);
    }
    close(fds[1]);
    ssize_t n = -1;
    if (pid > 0) {
        do
            n = read(fds[0], &ans, sizeof ans);
        while (n < 0 && errno == EINTR);
    }
    close(fds[0]);
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    if (pid <= 0)
        return SIGABRT;
    if (n != (ssize_t)sizeof ans)
        return WIFSIGNALED(st) ? WTERMSIG(st) : SIGABRT;
    if (!ans.sig)
        *io = ans.r;
    return ans.sig;
}

static int native_cpuid(void *ctx, uint32_t leaf, vg_guest_regs *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    return in_probe_child ? guarded_cpuid(leaf, out) : isolated(0, leaf, 0, out);
}

static int native_call(void *ctx, vg_guest_via via, vg_guest_regs *io)
{
    (void)ctx;
    return in_probe_child ? guarded_call(via, io) : isolated(1, 0, via, io);
}

static int guarded_cpuid(uint32_t leaf, vg_guest_regs *out)
{
#if G_X86
    struct sigaction saved[N_GUARD];
    guard_sig = 0;
    guard_install(saved);
    if (sigsetjmp(guard_jmp, 1) == 0)
        do_cpuid(leaf, out);
    guard_restore(saved);
    return guard_sig;
#else
    (void)leaf;
    return SIGILL;
#endif
}

static int guarded_call(vg_guest_via via, vg_guest_regs *io)
{
#if G_X86
    struct sigaction saved[N_GUARD];
    /* The jump may land with io half-written: work on a copy. */
    vg_guest_regs r = *io;
    guard_sig = 0;
    guard_install(saved);
    if (sigsetjmp(guard_jmp, 1) == 0)
        do_call(via, &r);
    guard_restore(saved);
    if (!guard_sig)
        *io = r;
    return guard_sig;
#else
    (void)via;
    (void)io;
    return SIGILL;
#endif
}

static int native_port_access(void *ctx)
{
    (void)ctx;
#if defined(__x86_64__) || defined(__i386__)
    /* Four ports: a 32-bit IN checks the bitmap for 0x5658..0x565B. */
    return ioperm(VG_GUEST_BDOOR_PORT, 4, 1) == 0 ? 0 : -errno;
#else
    return -ENOSYS;
#endif
}

static const vg_guest_cpu native = {native_cpuid, native_call, native_port_access, NULL};

const vg_guest_cpu *vg_guest_cpu_native(void)
{
    return &native;
}
