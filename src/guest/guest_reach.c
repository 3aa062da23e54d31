/*
 * Who can reach the hypervisor: each backdoor test runs in a child process
 * so that no fault, hang or port permission ever touches the probe itself.
 *  - The unprivileged child drops to an unprivileged account before it does
 *    anything else and never holds port permission (a grant taken as root
 *    survives setuid, so the parent never takes one).  On VMware it is
 *    answered anyway: the hypervisor lets ring 3 use the port.
 *  - The privileged child (only as root) takes ioperm for the four backdoor
 *    ports and asks again: the "is there a backdoor at all" answer.
 * Both then try one read-only GuestRPC request if the backdoor answered.
 * The parent waits at most timeout_ms per child and kills a late one.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_internal.h"

/* A key nobody sets: "No value found" proves GuestRPC processed the request. */
#define PROBE_REQUEST "info-get guestinfo.vmxguard.probe"

static void child_body(const struct gprobe *p, int privileged, unsigned uid, unsigned gid,
                       vg_guest_reach *r)
{
    /* Already unprivileged (run as a user): nothing to drop. */
    if (!privileged && !p->opts->no_drop && geteuid() == 0) {
        if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
            snprintf(r->error, sizeof r->error, "cannot drop to uid %u: %s", uid, strerror(errno));
            return;
        }
        if (getuid() == 0 || geteuid() == 0) {
            snprintf(r->error, sizeof r->error, "still root after dropping to uid %u", uid);
            return;
        }
    }
    r->uid = (unsigned)geteuid();
    if (privileged && p->via == VG_GUEST_VIA_IN) {
        int rc = p->cpu->port_access(p->cpu->ctx);
        if (rc != 0) {
            r->port_errno = -rc;
            snprintf(r->error, sizeof r->error, "ioperm(0x5658, 4): %s", strerror(-rc));
            return;
        }
        r->port_permission = 1;
    }
    vg_guest_getversion(p->cpu, p->via, &r->version);
    if (r->version.outcome == VG_GUEST_BD_ANSWERED)
        vg_guest_rpc_send(p->cpu, p->via, PROBE_REQUEST, &r->rpc);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Read exactly len bytes within the deadline: 0, -1 on timeout, -2 on EOF. */
static int read_bounded(int fd, void *buf, size_t len, unsigned timeout_ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t got = 0;
    while (got < len) {
        long left = (long)timeout_ms - ms_since(&t0);
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -2;
        got += (size_t)n;
    }
    return 0;
}

/* Why a child gave no (complete) answer. */
static void child_failure(int rd, int st, unsigned tmo, char *out, size_t sz)
{
    if (rd == -1)
        snprintf(out, sz, "probe child gave no answer in %u ms (killed)", tmo);
    else if (WIFSIGNALED(st))
        snprintf(out, sz, "probe child died with signal %d", WTERMSIG(st));
    else
        snprintf(out, sz, "probe child exited with status %d and no answer",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void run_child(const struct gprobe *p, int privileged, unsigned uid, unsigned gid,
                      vg_guest_reach *out)
{
    memset(out, 0, sizeof *out);
    out->tried = 1;
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(out->error, sizeof out->error, "pipe: %s", strerror(errno));
        out->version.outcome = VG_GUEST_BD_ERROR;
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    int fork_errno = errno;
    if (pid == 0) {
        close(fds[0]);
        vg_guest_cpu_in_child();
        vg_guest_reach r;
        memset(&r, 0, sizeof r);
        r.tried = 1;
        child_body(p, privileged, uid, gid, &r);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    unsigned tmo = p->opts->timeout_ms ? p->opts->timeout_ms : 5000;
    int rd = pid > 0 ? read_bounded(fds[0], out, sizeof *out, tmo) : -2;
    close(fds[0]);
    int st = 0;
    if (pid > 0) {
        if (rd != 0)
            kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    if (rd != 0) {
        memset(out, 0, sizeof *out);
        out->tried = 1;
        if (pid < 0)
            snprintf(out->error, sizeof out->error, "fork: %s", strerror(fork_errno));
        else
            child_failure(rd, st, tmo, out->error, sizeof out->error);
    }
    if (out->error[0])
        out->version.outcome = VG_GUEST_BD_ERROR;
}

void vg_guest_reach_probe(struct gprobe *p)
{
    if (p->opts->no_backdoor)
        return;
    const char *user = p->opts->unpriv_user ? p->opts->unpriv_user : "nobody";
    unsigned uid = 65534, gid = 65534;
    (void)vg_groot_user_ids(p, user, &uid, &gid);
    run_child(p, 0, uid, gid, &p->unpriv);
    if (geteuid() == 0 || p->opts->no_drop)
        run_child(p, 1, 0, 0, &p->priv);
}
