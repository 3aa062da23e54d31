/*
 * The vSphere source: reads a whole vCenter or ESXi estate through the SOAP
 * API in one paged query (RetrievePropertiesEx over a ContainerView) and
 * hands each VM to a sink as a vg_vm whose settings are config.extraConfig
 * plus .vmx-style keys synthesised from the device list, so the audit
 * treats API and file VMs the same.  Also applies extraConfig edits with
 * one ReconfigVM_Task per VM and reads the VMs back.
 *
 * Targets: "vsphere://[user@]host[:port][/path]" (HTTPS, path defaults to
 * /sdk), "https://host[:port]/sdk", and "http://..." for test servers.
 * Credentials never come from the URL's password part (it is refused).
 */
#ifndef VMXGUARD_VSPHERE_H
#define VMXGUARD_VSPHERE_H

#include <stddef.h>
#include <time.h>

#include "audit.h"
#include "common.h"
#include "fix.h"
#include "source.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_vsphere_opts {
    const char *user;       /* NULL: the URL's user part */
    const char *password;   /* required for a login; see vg_vsphere_credentials */
    const char *cacert;     /* PEM bundle to trust instead of the system CAs */
    int insecure;           /* skip certificate checks (callers warn about it) */
    int page_size;          /* maxObjects per RetrievePropertiesEx page; 0 = 500 */
    int timeout;            /* seconds: connect, and longest stall of a reply; 0 = 60 */
    int include_templates;  /* config.template VMs are skipped unless set */
    const char *const *exclude; /* globs matched against VM name and datastore path */
    size_t n_exclude;
    int summary_only;       /* name, power, path, template, uuid only (fast listings) */
    int keep_sigint;        /* the library never touches signals (see vg_interrupt); 0: a
                             * call forgets a vg_interrupt() made while none ran,
                             * 1: keeps it (the caller manages interruption) */
    int sessions;           /* full fetches: 1 = one paged query over the view; N > 1 =
                             * list the VMs' morefs, then N sessions fetch shares of
                             * them in parallel, delivered in the listing's order;
                             * 0 = 4; at most 8 (the CLI reads
                             * VMXGUARD_VSPHERE_SESSIONS into it) */
} vg_vsphere_opts;

/* Asks a person for a missing credential (the library opens no terminal
 * itself): prompt is the question, echo 0 for a password.  *answer is a
 * malloc'd line (it is wiped and freed with the password); return 0, or
 * non-zero when there is nobody to ask. */
typedef int (*vg_vsphere_prompt_fn)(const char *prompt, int echo, char **answer, void *ctx);

/* Where vg_vsphere_credentials looks, first to last.  All may be NULL. */
typedef struct vg_vsphere_cred_opts {
    const char *file;     /* credentials file: lines "user=..." (or "username=...") and
                           * "password=...", # comments; refused unless a regular file of
                           * this user that group and others cannot read */
    const char *url_user; /* the target URL's user: wins over the file's */
    const char *user;     /* used when neither names a user (the CLI: VMXGUARD_USER) */
    const char *password; /* used when the file has none (the CLI: VMXGUARD_PASSWORD) */
    vg_vsphere_prompt_fn prompt; /* asked for the user, then the password, still missing */
    void *prompt_ctx;
} vg_vsphere_cred_opts;

/* Resolve a user and password from o (never from argv, the environment or
 * a terminal: the caller passes what it read).  *user and *password are
 * malloc'd; free them with vg_vsphere_credentials_free (wipes the
 * password).  VG_ENOTFOUND when one is still missing (or the prompt was
 * not answered), other codes for an unusable file. */
VG_EXPORT int vg_vsphere_credentials(const vg_vsphere_cred_opts *o, char **user, char **password,
                                     vg_error *err);
VG_EXPORT void vg_vsphere_credentials_free(char *user, char *password);

/* The parts of a target URL.  0 or VG_EUSAGE (message names the URL). */
typedef struct vg_vsphere_target {
    char endpoint[1024]; /* "https://host:port/sdk", no user part */
    char server[512];    /* "host" or "host:port" as given, for messages and vm->server */
    char user[256];      /* "" when the URL has none */
} vg_vsphere_target;
VG_EXPORT int vg_vsphere_parse_url(const char *url, vg_vsphere_target *out, vg_error *err);

/* Stream every VM of the target to sink (ownership passes, free with
 * vg_vm_free).  Logs in, pages with maxObjects / ContinueRetrievePropertiesEx,
 * destroys the view and logs out, also on errors and Ctrl-C.  The session
 * runs on a worker thread at most 256 VMs ahead of the sink, which is
 * called on the caller's thread.  Returns 0 or a negative code with err
 * naming the server and the cause. */
VG_EXPORT int vg_vsphere_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink,
                               void *ctx, vg_error *err);

/* Content-library OVF templates of the target (vsphere_library.c): every
 * library item of type "ovf" has its descriptor downloaded through the REST
 * API (/rest, vCenter 6.5+) and read like an .ovf file; each VM is named
 * after its item ("LIBRARY/ITEM"), marked a template, and its settings
 * document is "[content library LIBRARY] ITEM/FILE.ovf".  Disks are never
 * downloaded.  A server without the REST service (ESXi) has no libraries:
 * 0.  Items that cannot be read go to on_problem; the others go on. */
VG_EXPORT int vg_vsphere_library_fetch(const char *url, const vg_vsphere_opts *opts,
                                       vg_vm_sink sink, void *ctx, vg_problem_sink on_problem,
                                       void *problem_ctx, vg_error *err);

/* Several targets at once (one thread and one connection each), merged:
 * VMs reach sink on the caller's thread, target by target in the order
 * given (later targets are buffered, at most 256 VMs each, while earlier
 * ones stream).  A target
 * that fails is passed to on_problem (may be NULL) and the others go on.
 * Returns 0 when all succeeded, else the first failure's code (in err). */
VG_EXPORT int vg_vsphere_fetch_many(const char *const *urls, size_t n_urls,
                                    const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                                    vg_problem_sink on_problem, void *problem_ctx, vg_error *err);

/* The same fetches with work done off the calling thread, as
 * vg_source_files_pipeline does for files: pl->prepare (the audit, say) runs
 * on each VM as soon as it is read, on its target's thread (one per target,
 * so targets are prepared in parallel); pl->sink gets each VM with its
 * payload on the calling thread, target by target in the listing's order,
 * and takes ownership of both.  After a sink asked to stop, VMs in flight
 * are freed and their payloads go to pl->discard (may be NULL). */
VG_EXPORT int vg_vsphere_fetch_pipeline(const char *url, const vg_vsphere_opts *opts,
                                        const vg_vm_pipeline *pl, vg_error *err);
VG_EXPORT int vg_vsphere_fetch_many_pipeline(const char *const *urls, size_t n_urls,
                                             const vg_vsphere_opts *opts,
                                             const vg_vm_pipeline *pl,
                                             vg_problem_sink on_problem, void *problem_ctx,
                                             vg_error *err);

/* What `vmxguard vsphere ping` shows: login works and who answers. */
typedef struct vg_vsphere_about {
    char full_name[256];     /* "VMware vCenter Server 8.0.2 build-..." */
    char api_type[32];       /* "VirtualCenter" or "HostAgent" */
    char api_version[32];
    char instance_uuid[64];
    char user[256];          /* user name of the session */
    double login_seconds;    /* wall time of RetrieveServiceContent + Login */
} vg_vsphere_about;
VG_EXPORT int vg_vsphere_ping(const char *url, const vg_vsphere_opts *opts,
                              vg_vsphere_about *out, vg_error *err);

/* One extraConfig edit.  value NULL or "" removes the key (sent as an empty
 * value, which vSphere treats as a removal).  Three keys name typed
 * ConfigSpec fields instead of extraConfig: "config.flags.enableLogging",
 * "config.migrateEncryption", "config.ftEncryptionMode". */
typedef struct vg_vsphere_edit {
    const char *key;
    const char *value;
} vg_vsphere_edit;

/* Edits for one VM and, after the call, how it went. */
typedef struct vg_vsphere_change {
    const char *moref;            /* in: the VM ("vm-42") */
    const vg_vsphere_edit *edits; /* in */
    size_t n_edits;
    int status;                   /* out: 0 applied and verified, negative otherwise */
    char message[512];            /* out: task error or the edits the read-back did not show */
    vg_vm *after;                 /* out: the VM read back (caller frees), NULL on failure */
} vg_vsphere_change;

/* Apply changes[] in one session: one ReconfigVM_Task per VM, at most jobs
 * (0 = 8) tasks in flight, each waited for, then every VM read back and
 * each edit verified.  A failing VM never stops the others.  Returns 0 when
 * the session worked (check each change's status), negative when it did not. */
VG_EXPORT int vg_vsphere_reconfig(const char *url, const vg_vsphere_opts *opts,
                                  vg_vsphere_change *changes, size_t n_changes, int jobs,
                                  vg_error *err);

/* What vg_fix_apply_vsphere did to one VM. */
typedef struct vg_fix_vsphere_outcome {
    int status;             /* 0: applied and verified (dry run: would be, or nothing to
                             * do); VG_ELOCKED: powered on and not forced; else the task's
                             * or read-back's failure */
    int changed;            /* the VM was (dry run: would be) reconfigured */
    size_t keys_set, keys_removed;
    int pending_cold_start; /* powered on (forced): the new values wait for a power off
                             * and on, since a running VM reads its settings at power-on */
    char message[512];      /* why status is not 0 */
    vg_vm *after;           /* the VM read back (caller frees), NULL on failure, dry run
                             * or nothing to change */
} vg_fix_vsphere_outcome;

/* Apply fix plans of vSphere VMs (vg_fix_plan_vm of VMs from
 * vg_vsphere_fetch) in one session: each plan's edits become its VM's
 * ConfigSpec (extraConfig keys, a removal an empty value, the typed
 * properties of vg_fix_typed_props as their fields), sent and verified by
 * vg_vsphere_reconfig.  out[i] tells how vms[i] went; a plan without edits
 * is left alone (status 0, changed 0).  opts (may be NULL): force also
 * changes powered-on VMs (VG_ELOCKED otherwise); dry_run contacts no
 * server.  Returns 0 when the session worked (check each out[i].status),
 * negative (err says why) when it did not. */
VG_EXPORT int vg_fix_apply_vsphere(const char *url, const vg_vsphere_opts *vo,
                                   const vg_fix_vm *const *vms, size_t n,
                                   const vg_fix_apply_opts *opts, vg_fix_vsphere_outcome *out,
                                   vg_error *err);

/* A VmReconfiguredEvent: who changed a VM's configuration, when, and what
 * the ConfigSpec touched (additive; vsphere_events.c). */
typedef struct vg_vsphere_event {
    const char *moref;   /* the VM */
    const char *user;    /* userName, "" when vCenter has none */
    time_t created;      /* createdTime */
    const char *keys;    /* extraConfig keys the spec set, ", " joined, "" if none */
    const char *devices; /* device changes: "edit VirtualSerialPort, add VirtualCdrom" */
    const char *message; /* fullFormattedMessage */
    /* Added for the pending state (additive). */
    double created_exact; /* createdTime with its fraction of a second */
    const char *fields;   /* typed ConfigSpec fields the spec set, as the .vmx-less
                           * property names vmxguard uses ("config.flags.enableLogging"),
                           * ", " joined, "" if none */
} vg_vsphere_event;
/* Called per event, oldest first per VM; strings live for the call only.
 * Return non-zero to stop. */
typedef int (*vg_vsphere_event_fn)(const vg_vsphere_event *ev, void *ctx);

/* The VmReconfiguredEvents of each VM in morefs between since and until
 * (UTC; 0 = open), in one session: EventManager.CreateCollectorForEvents
 * per VM, ReadNextEvents, DestroyCollector. */
VG_EXPORT int vg_vsphere_reconfig_events(const char *url, const vg_vsphere_opts *opts,
                                         const char *const *morefs, size_t n_morefs,
                                         time_t since, time_t until, vg_vsphere_event_fn fn,
                                         void *ctx, vg_error *err);
/* Settings a running VM has not taken up (vsphere_pending.c; docs/vsphere.md).
 * Open one per target (no call is made yet; url and opts must outlive it),
 * then hand it each VM of that target before it is audited: a powered-on
 * VM whose config.modified is after its summary.runtime.bootTime has its
 * VmReconfiguredEvents since that power-on read (the first such VM opens
 * the session), and the extraConfig keys and typed fields they set are
 * attached as VG_VM_PENDING_PROP.  VMs of another server, powered off or
 * without a boot time are left alone.  A server that cannot answer adds a
 * fact to the VM saying no result can be shown pending, and the audit
 * goes on; only out of memory is an error. */
typedef struct vg_vsphere_pending vg_vsphere_pending;
VG_EXPORT int vg_vsphere_pending_open(const char *url, const vg_vsphere_opts *opts,
                                      vg_vsphere_pending **out, vg_error *err);
VG_EXPORT int vg_vsphere_pending_vm(vg_vsphere_pending *p, vg_vm *vm, vg_error *err);
VG_EXPORT void vg_vsphere_pending_close(vg_vsphere_pending *p);

/* ---------------------------------------------------------------- watch
 * vg_vsphere_watch keeps one session per vCenter, audits every VM once (the
 * baseline), then waits for property updates (PropertyCollector
 * WaitForUpdatesEx on a ContainerView, with the properties the audit reads,
 * plus the latestPage of an EventHistoryCollector for VmReconfiguredEvent)
 * and re-audits only the VMs that changed.  Each result whose status changed
 * becomes one event.  A dropped connection is retried with exponential
 * backoff; when the server still knows the session, updates resume from the
 * last version, otherwise the server is audited again (a re-baseline, whose
 * differences to the state before are events too).  The call returns when
 * vg_vsphere_interrupt() is called (from a signal handler, say) or the sink
 * asks to stop; it installs no signal handler itself. */

typedef enum vg_watch_kind {
    VG_WATCH_BASELINE = 0, /* a server's VMs were audited (first time or re-baseline) */
    VG_WATCH_RESULT,       /* one result of one VM changed status */
    VG_WATCH_VM_ADDED,     /* a VM appeared; its results follow as RESULT events */
    VG_WATCH_VM_REMOVED,   /* a VM went away (deleted, or now a template or excluded) */
    VG_WATCH_DISCONNECTED, /* the server was lost; the next try is in retry_in seconds */
    VG_WATCH_RESUMED,      /* reconnected within the same session: nothing missed */
    VG_WATCH_PROBLEM,      /* something failed that the watch carries on without */
    VG_WATCH_KIND_COUNT
} vg_watch_kind;

/* "baseline", "result", "vm_added", "vm_removed", "disconnected", "resumed", "problem". */
VG_EXPORT const char *vg_watch_kind_name(vg_watch_kind k);

typedef struct vg_watch_event {
    vg_watch_kind kind;
    const char *server;        /* host[:port] of the target */
    struct timespec time;      /* wall clock when the watch saw it */
    const vg_vm *vm;           /* RESULT, VM_ADDED: as just read; VM_REMOVED: identity only */
    const vg_result *result;   /* RESULT: the new result (profile, rule, evidence) */
    int has_old;               /* RESULT: 0 when the VM is new (no old status) */
    vg_result_status old_status;
    vg_result_status new_status;
    const char *user;          /* RESULT, VM_ADDED: who reconfigured the VM (the
                                * VmReconfiguredEvent's userName), NULL if unknown */
    const char *user_time;     /* that event's createdTime as the server wrote it */
    long long event_key;       /* that event's key, 0 if none */
    const char *version;       /* property collector version the change came with */
    int rebaseline;            /* BASELINE: 0 the first audit, 1 after a new session */
    size_t n_vms;              /* BASELINE: VMs audited */
    size_t counts[VG_RESULT_STATUS_COUNT]; /* BASELINE: all results; VM_ADDED: the VM's */
    double seconds;            /* BASELINE: from login to the last VM audited */
    int retry_in;              /* DISCONNECTED: seconds until the next try */
    const char *message;       /* BASELINE (re-baseline: why), DISCONNECTED, RESUMED,
                                * PROBLEM: what happened */
} vg_watch_event;

/* Receives each event, from the watch's threads but never two at a time.
 * Everything it points to is valid only during the call.  Return non-zero
 * to stop the watch. */
typedef int (*vg_watch_sink)(const vg_watch_event *ev, void *ctx);

typedef struct vg_watch_opts {
    vg_vsphere_opts vsphere;   /* login, TLS, timeout, templates, excludes (sessions,
                                * page_size and keep_sigint are not used) */
    const vg_profile *const *profiles;
    size_t n_profiles;
    vg_audit_opts audit;
    int max_wait;              /* seconds one WaitForUpdatesEx may block; 0 = half of
                                * the timeout, at most 30 (it must stay below it) */
    int backoff_min;           /* seconds before the first retry; 0 = 1 */
    int backoff_max;           /* longest pause between retries; 0 = 60 */
    int no_user_lookup;        /* do not ask the EventManager who changed a VM */
} vg_watch_opts;

/* Watch every target (one thread and session each) until interrupted.  A
 * target whose login is refused or whose URL is bad gets a PROBLEM event
 * and is dropped; the others go on.  Returns 0 after an interrupt or a stop
 * from the sink, negative (err names the first failure) when no target
 * could be watched. */
VG_EXPORT int vg_vsphere_watch(const char *const *urls, size_t n_urls,
                               const vg_watch_opts *opts, vg_watch_sink sink, void *ctx,
                               vg_error *err);

/* Async-signal-safe: ask running vSphere calls to stop (they log out and
 * fail with "interrupted"); the same as vg_interrupt() (source.h), which
 * also says whether a call was running.  The library installs no handler:
 * the program's SIGINT handler calls this. */
VG_EXPORT void vg_vsphere_interrupt(void);

#ifdef __cplusplus
}
#endif
#endif
