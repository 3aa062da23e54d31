/*
 * Folder evidence for the audit: what the VM's folder says beside its
 * settings.  A lock folder means the VM runs; the logs say whether rotation
 * works, whether the guest floods the backdoor, sends commands the virtual
 * hardware rejects, or the VMX crashed.  Each becomes one evidence entry per
 * rule of catalog/rules/logs.yaml, which the audit turns into results.
 */
#define _GNU_SOURCE /* memrchr */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/logs_internal.h"

/* Evidence rules decided from log findings: a finding of the rule at or
 * above this severity fails it; info-level findings are only mentioned. */
static const struct {
    const char *rule_id;
    vg_severity fails_from;
} log_rules[] = {
    {"log-size-within-rotation", VG_SEV_LOW},
    {"log-no-backdoor-flood", VG_SEV_LOW},
    {"log-no-unsupported-device-commands", VG_SEV_LOW},
    {"log-no-vmx-failures", VG_SEV_LOW},
};

#define LOCK_RULE "vm-not-running-lock"

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? strndup(path, s == path ? 1 : (size_t)(s - path)) : strdup(".");
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/*
 * The lock and the logs belong to the tenant, and vmxguard reads them as
 * root: a lock member or a log may be a symlink to a root-only file, so
 * nothing is read through a link.  Lock detection goes by names and lstat;
 * the owner text of a lock member and the lines of a log are read only
 * from a regular file with a single name, opened with O_NOFOLLOW.
 */
static int open_plain(int dirfd, const char *name, struct stat *st, const char **why)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) {
        *why = errno == ELOOP ? "a symbolic link, not read" : "unreadable";
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_nlink != 1) {
        *why = S_ISREG(st->st_mode) ? "has other hard links, not read"
                                    : "not a regular file, not read";
        close(fd);
        return -1;
    }
    return fd;
}

/* First printable part of a lock member: "uuid=... 2736-...(vmware.exe) 1 X ...". */
static void lock_owner(int dirfd, const char *member, char *out, size_t cap)
{
    out[0] = '\0';
    struct stat st;
    const char *why = NULL;
    int fd = open_plain(dirfd, member, &st, &why);
    if (fd < 0) {
        snprintf(out, cap, "%s", why);
        return;
    }
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    size_t k = 0;
    for (ssize_t i = 0; i < n && buf[i] && k + 1 < cap && k < 160; i++)
        out[k++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
    out[k] = '\0';
}

static int no_lock_evidence(vg_vm *vm)
{
    return vg_vm_add_evidence(vm, LOCK_RULE, "pass", vm->path, 0,
                              "no .vmx.lck member or .lck-* file in the VM folder");
}

/* The first "M*.lck" member of the lock folder lck (opened without
 * following a link); 1 found, 0 none, -1 lck itself is a symlink. */
static int lock_member(const char *lck, vg_buf *member, char *owner, size_t cap)
{
    int fd = open(lck, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        struct stat lst;
        return lstat(lck, &lst) == 0 && S_ISLNK(lst.st_mode) ? -1 : 0;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    int found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == 'M' && len > 4 && strcmp(e->d_name + len - 4, ".lck") == 0) {
            vg_buf_printf(member, "%s/%s", lck, e->d_name);
            lock_owner(dirfd(d), e->d_name, owner, cap);
            found = 1;
            break;
        }
    }
    closedir(d);
    return found;
}

/* "<vmx>.lck/M*.lck" (hosted, local) or ".lck-*" beside the .vmx (NFS).
 * hint as for vg_vm_from_vmx_file_hint: 2 = the caller's listing showed
 * ".lck-*" (not listed again), 1 = only the lock folder needs a look. */
static int lock_evidence(vg_vm *vm, const char *folder, int hint)
{
    size_t n = strlen(vm->path);
    char *lck = malloc(n + 5);
    if (!lck)
        return VG_ENOMEM;
    memcpy(lck, vm->path, n);
    memcpy(lck + n, ".lck", 5);
    vg_buf member = VG_BUF_INIT;
    char owner[200] = "", msg[1024];
    int found = lock_member(lck, &member, owner, sizeof owner);
    int rc;
    if (found < 0) {
        snprintf(msg, sizeof msg,
                 "lock %s is a symbolic link (not followed): the VM appears to be running",
                 base_name(lck));
        rc = vg_vm_add_evidence(vm, LOCK_RULE, "fail", lck, 0, msg);
        free(lck);
        return rc;
    }
    free(lck);
    int nfs = 0;
    if (!found && hint == 2) {
        nfs = 1;
    } else if (!found && hint != 1) {
        int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (fd >= 0 && !d)
            close(fd);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            if (strncmp(e->d_name, ".lck-", 5) == 0) {
                vg_buf_printf(&member, "%s/%s", strcmp(folder, "/") ? folder : "", e->d_name);
                lock_owner(dirfd(d), e->d_name, owner, sizeof owner);
                found = 1;
                break;
            }
        }
        if (d)
            closedir(d);
    }
    if (nfs) {
        rc = vg_vm_add_evidence(vm, LOCK_RULE, "fail", vm->path, 0,
                                "NFS lock files (.lck-*) beside it: the VM appears to be running");
    } else if (member.len) {
        snprintf(msg, sizeof msg, "lock %s present (%s): the VM appears to be running",
                 base_name(member.data), owner[0] ? owner : "owner unreadable");
        rc = vg_vm_add_evidence(vm, LOCK_RULE, "fail", member.data, 0, msg);
    } else {
        rc = no_lock_evidence(vm);
    }
    vg_buf_release(&member);
    return member.oom ? VG_ENOMEM : rc;
}

static void describe(const vg_log_finding *f, vg_buf *b)
{
    vg_buf_printf(b, "%s", f->id);
    if (f->device)
        vg_buf_printf(b, " %s", f->device);
    if (f->opcode)
        vg_buf_printf(b, " %s", f->opcode);
    vg_buf_printf(b, " x%zu", f->count);
    if (f->first.line)
        vg_buf_printf(b, " (first %s:%u%s%s)", base_name(f->first.file), f->first.line,
                      f->first.ts[0] ? " " : "", f->first.ts);
    else if (f->detail)
        vg_buf_printf(b, " (%s)", f->detail);
}

/* One entry for a log rule: fail with the failing findings, else pass.
 * b is the caller's scratch (one buffer for all rules); none is the
 * "nothing found" text, the same for every rule. */
static int rule_evidence(vg_vm *vm, const vg_log_analysis *a, size_t r, vg_buf *none, vg_buf *b)
{
    const vg_log_finding *first_fail = NULL;
    size_t fails = 0, infos = 0;
    for (size_t i = 0; i < a->n_findings; i++) {
        const vg_log_finding *f = &a->findings[i];
        if (!f->rule_id || strcmp(f->rule_id, log_rules[r].rule_id) != 0)
            continue;
        if (f->severity < log_rules[r].fails_from) {
            infos += f->count;
            continue;
        }
        if (!first_fail)
            first_fail = f;
        if (!fails++)
            vg_buf_reset(b);
        else
            vg_buf_adds(b, "; ");
        describe(f, b);
    }
    if (!fails && infos) {
        vg_buf_reset(b);
        vg_buf_add(b, none->data, none->len);
        vg_buf_adds(b, " beyond informational messages");
    }
    const vg_buf *msg = fails || infos ? b : none;
    const char *file = first_fail ? first_fail->first.file : a->files[a->n_files - 1].path;
    unsigned line = first_fail ? first_fail->first.line : 0;
    return msg->oom ? VG_ENOMEM
                    : vg_vm_add_evidence(vm, log_rules[r].rule_id, fails ? "fail" : "pass", file,
                                         line, msg->data);
}

static int facts_evidence(vg_vm *vm, const vg_log_analysis *a)
{
    const vg_log_facts *f = &a->facts;
    if (!f->product && !f->version && !f->host_os)
        return VG_OK;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "VMware %s %s %s", f->product ? f->product : "?",
                  f->version ? f->version : "?", f->build ? f->build : "");
    if (f->host_os)
        vg_buf_printf(&b, "; host %s", f->host_os);
    if (f->hw_version)
        vg_buf_printf(&b, "; virtualHW.version %s", f->hw_version);
    if (f->encoding)
        vg_buf_printf(&b, "; host encoding %s", f->encoding);
    int rc = b.oom ? VG_ENOMEM
                   : vg_vm_add_evidence(vm, NULL, NULL, a->files[a->n_files - 1].path, 0, b.data);
    vg_buf_release(&b);
    return rc;
}

int vg_logs_evidence_from_analysis(vg_vm *vm, const vg_log_analysis *a)
{
    if (!a->n_files)
        return VG_OK;
    vg_buf none = VG_BUF_INIT, b = VG_BUF_INIT;
    vg_buf_printf(&none, "%zu log(s), %llu bytes: nothing found", a->n_files, a->total_bytes);
    int rc = VG_OK;
    for (size_t r = 0; rc == VG_OK && r < sizeof log_rules / sizeof log_rules[0]; r++)
        rc = rule_evidence(vm, a, r, &none, &b);
    vg_buf_release(&none);
    vg_buf_release(&b);
    return rc == VG_OK ? facts_evidence(vm, a) : rc;
}

/* Folder evidence reads at most this much of each log: its first and last
 * part (a tenant's 16 GiB sparse vmware.log must not slow every audit);
 * sizes come from fstat, so the rotation checks still see the whole file.
 * `vmxguard logs` reads logs in full. */
#define EVIDENCE_HEAD (2u * 1024u * 1024u)
#define EVIDENCE_TAIL (2u * 1024u * 1024u)

static int read_at(int fd, char *buf, size_t len, off_t at, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = pread(fd, buf + *got, len - *got, at + (off_t)*got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* One log, bounded: the whole file when small, else the lines of its
 * first EVIDENCE_HEAD and last EVIDENCE_TAIL bytes.  *cut receives the
 * bytes left unread (0 = read in full); *why a reason it was not read. */
static int add_log_bounded(vg_log_analysis *a, const char *path, unsigned long long *cut,
                           const char **why, vg_error *err)
{
    *cut = 0;
    *why = NULL;
    struct stat st;
    int fd = open_plain(AT_FDCWD, path, &st, why);
    if (fd < 0)
        return VG_OK;
    unsigned long long size = (unsigned long long)st.st_size;
    size_t want =
        size > EVIDENCE_HEAD + EVIDENCE_TAIL ? EVIDENCE_HEAD + EVIDENCE_TAIL : (size_t)size;
    char *buf = malloc(want + 1);
    if (!buf) {
        close(fd);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    size_t len = 0, got = 0;
    int bad;
    if (want == size) {
        bad = read_at(fd, buf, want, 0, &len);
    } else {
        bad = read_at(fd, buf, EVIDENCE_HEAD, 0, &got);
        const char *nl = got ? memrchr(buf, '\n', got) : NULL;
        len = nl ? (size_t)(nl - buf) + 1 : got; /* whole lines of the head */
        size_t tail = 0;
        if (!bad)
            bad = read_at(fd, buf + len, EVIDENCE_TAIL, (off_t)(size - EVIDENCE_TAIL), &tail);
        const char *t = buf + len, *first = tail ? memchr(t, '\n', tail) : NULL;
        size_t skip = first ? (size_t)(first - t) + 1 : tail; /* from the first whole line */
        memmove(buf + len, t + skip, tail - skip);
        len += tail - skip;
        *cut = size > len ? size - len : 0;
    }
    int e = errno;
    close(fd);
    int rc = bad ? vg_error_set(err, VG_EIO, path, 0, "read failed: %s", strerror(e))
                 : vg_log_analysis_add_mem(a, buf, len, path, err);
    free(buf);
    if (rc == VG_OK && a->n_files) { /* the size on disk, not the part read */
        a->total_bytes += size - a->files[a->n_files - 1].bytes;
        a->files[a->n_files - 1].bytes = size;
    }
    return rc;
}

/* The log rules' evidence from entry first on says what was read only in
 * part or not at all, so every report shows it beside the result. */
static int note_bounded(vg_vm *vm, size_t first, const char *what)
{
    for (size_t i = first; i < vm->n_evidence; i++) {
        vg_vm_evidence *e = &vm->evidence[i];
        if (!e->rule_id || !e->message)
            continue;
        vg_buf b = VG_BUF_INIT;
        vg_buf_printf(&b, "%s [%s]", e->message, what);
        if (b.oom)
            return VG_ENOMEM;
        free(e->message);
        e->message = vg_buf_detach(&b);
    }
    return VG_OK;
}

static int log_evidence(vg_vm *vm, const char *folder, const vg_log_sigs *sigs,
                        const vg_log_opts *opts, const char *const *log_names, vg_error *err)
{
    char **logs = NULL;
    int rc = log_names ? vg_logs_list_names(folder, log_names, &logs, err)
                       : vg_logs_list_folder(folder, &logs, err);
    if (rc != VG_OK || !logs[0]) {
        vg_logs_list_free(logs);
        return rc;
    }
    vg_log_analysis *a = vg_log_analysis_new(sigs, opts);
    if (!a) {
        vg_logs_list_free(logs);
        return vg_error_set(err, VG_ENOMEM, folder, 0, "out of memory");
    }
    vg_buf bounded = VG_BUF_INIT; /* what was read only in part, for the log rules' evidence */
    char skipped[1024] = "";
    for (size_t i = 0; rc == VG_OK && logs[i]; i++) {
        unsigned long long cut = 0;
        const char *why = NULL;
        rc = add_log_bounded(a, logs[i], &cut, &why, err);
        if (rc == VG_OK && why && !skipped[0])
            snprintf(skipped, sizeof skipped, "%s", logs[i]);
        if (rc == VG_OK && why)
            vg_buf_printf(&bounded, "%s%s %s", bounded.len ? "; " : "", base_name(logs[i]), why);
        else if (rc == VG_OK && cut)
            vg_buf_printf(&bounded,
                          "%s%s: %llu bytes, only its first and last %u MiB read (line numbers "
                          "after the first part count from where reading resumed)",
                          bounded.len ? "; " : "", base_name(logs[i]),
                          a->files[a->n_files - 1].bytes, EVIDENCE_HEAD / (1024u * 1024u));
    }
    vg_logs_list_free(logs);
    if (rc == VG_OK && vm->settings)
        rc = vg_logs_use_settings(a, vm->settings, vm->path);
    if (rc == VG_OK)
        rc = vg_log_analysis_finish(a, err);
    size_t first = vm->n_evidence;
    if (rc == VG_OK && vg_logs_evidence_from_analysis(vm, a) != VG_OK)
        rc = vg_error_set(err, VG_ENOMEM, folder, 0, "out of memory");
    if (rc == VG_OK && bounded.len && !bounded.oom &&
        note_bounded(vm, first, bounded.data) != VG_OK)
        rc = vg_error_set(err, VG_ENOMEM, folder, 0, "out of memory");
    vg_buf_release(&bounded);
    vg_log_analysis_free(a);
    if (rc == VG_OK && skipped[0]) /* said, and the VM goes on */
        rc = vg_error_set(err, VG_EINPUT, skipped, 0,
                          "a log that is a symbolic link, another file's hard link or no "
                          "regular file: not read (folder evidence reads nothing through a link)");
    return rc;
}

int vg_logs_lock_evidence(vg_vm *vm, vg_error *err)
{
    if (!vm || vm->origin != VG_ORIGIN_FILE || !vm->path || vm->path[0] == '[')
        return VG_OK;
    char *folder = dir_of(vm->path);
    int rc = folder ? lock_evidence(vm, folder, -1) : VG_ENOMEM;
    free(folder);
    return rc == VG_OK ? rc : vg_error_set(err, rc, vm->path, 0, "out of memory");
}

int vg_logs_collect_evidence_listed(vg_vm *vm, const vg_log_sigs *sigs, const vg_log_opts *opts,
                                    int lock_hint, const char *const *log_names, vg_error *err)
{
    if (!vm || vm->origin != VG_ORIGIN_FILE || !vm->path || vm->path[0] == '[')
        return VG_OK; /* no folder we can look into */
    char *folder = dir_of(vm->path);
    if (!folder)
        return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
    int rc = lock_hint == 0 ? no_lock_evidence(vm) : lock_evidence(vm, folder, lock_hint);
    if (rc != VG_OK)
        vg_error_set(err, rc, vm->path, 0, "out of memory");
    if (rc == VG_OK)
        rc = log_evidence(vm, folder, sigs, opts, log_names, err);
    free(folder);
    return rc;
}

int vg_logs_collect_evidence_with(vg_vm *vm, const vg_log_sigs *sigs, const vg_log_opts *opts,
                                  vg_error *err)
{
    return vg_logs_collect_evidence_listed(vm, sigs, opts, -1, NULL, err);
}

int vg_logs_collect_evidence(vg_vm *vm, vg_error *err)
{
    vg_log_sigs *sigs = NULL;
    int rc = vg_log_sigs_load_embedded(&sigs, err);
    if (rc != VG_OK)
        return rc;
    rc = vg_logs_collect_evidence_with(vm, sigs, NULL, err);
    vg_log_sigs_free(sigs);
    return rc;
}
