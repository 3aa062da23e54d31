/*
 * Which settings a running VM has not taken up yet.  A VM reads its
 * extraConfig when its VMX process starts, so a key reconfigured while it
 * runs is in the configuration (and passes an audit) but not in effect
 * until the VM is powered off and on.  vSphere gives what is needed to
 * tell: summary.runtime.bootTime (the last power-on), config.modified (the
 * last reconfigure) and the VmReconfiguredEvents with their ConfigSpecs.
 * A VM whose configuration was not modified after its power-on costs no
 * call; for the others the events after bootTime are read (one collector
 * per VM, as `diff --events` does) and the keys and typed fields their
 * specs set are attached to the VM as VG_VM_PENDING_PROP, which
 * vg_audit_vm turns into pending results.  docs/vsphere.md has the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsphere/vsphere_internal.h"

struct vg_vsphere_pending {
    char *url;
    const vg_vsphere_opts *opts;
    vg_vsphere_target target;
    vs_conn conn;
    char em[128];
    int state; /* 0 no session yet, 1 open, -1 failed: no more tries */
    char failure[600];
};

int vg_vsphere_pending_open(const char *url, const vg_vsphere_opts *opts,
                            vg_vsphere_pending **out, vg_error *err)
{
    *out = NULL;
    if (!url || !opts)
        return vg_error_set(err, VG_EUSAGE, url, 0, "pending: no target or options");
    vg_vsphere_pending *p = calloc(1, sizeof *p);
    if (!p || !(p->url = strdup(url))) {
        free(p);
        return vg_error_set(err, VG_ENOMEM, url, 0, "out of memory");
    }
    int rc = vg_vsphere_parse_url(url, &p->target, err);
    if (rc != VG_OK) {
        free(p->url);
        free(p);
        return rc;
    }
    p->opts = opts;
    *out = p;
    return VG_OK;
}

void vg_vsphere_pending_close(vg_vsphere_pending *p)
{
    if (!p)
        return;
    if (p->state == 1) {
        vg_vs_conn_close(&p->conn);
        if (!p->opts->keep_sigint)
            vg_interruptible_end();
    }
    free(p->url);
    free(p);
}

/* Control characters out of server text kept in a property. */
static void add_clean(vg_buf *b, const char *s)
{
    for (; s && *s; s++)
        vg_buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s);
}

struct collect {
    double boot;
    vg_buf lines; /* "key\tTIME\tUSER\n" per key set after boot */
    size_t events;
};

static void add_keys(struct collect *c, const char *list, const char *when, const char *user)
{
    while (list && *list) {
        const char *end = strstr(list, ", ");
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (n) {
            char *k = strndup(list, n);
            if (!k) {
                c->lines.oom = 1;
                return;
            }
            add_clean(&c->lines, k);
            free(k);
            vg_buf_addc(&c->lines, '\t');
            vg_buf_adds(&c->lines, when);
            vg_buf_addc(&c->lines, '\t');
            add_clean(&c->lines, user);
            vg_buf_addc(&c->lines, '\n');
        }
        list = end ? end + 2 : NULL;
    }
}

static int on_event(const vg_vsphere_event *ev, void *ctx)
{
    struct collect *c = ctx;
    /* the collector's beginTime has whole seconds: the fraction decides */
    if (ev->created_exact <= c->boot)
        return 0;
    char when[32];
    struct tm tm;
    time_t t = ev->created;
    if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(when, sizeof when, "?");
    add_keys(c, ev->keys, when, ev->user);
    add_keys(c, ev->fields, when, ev->user);
    c->events++;
    return 0;
}

static int open_session(vg_vsphere_pending *p, vg_error *err)
{
    if (!p->opts->keep_sigint)
        vg_interruptible_begin(0); /* within the fetch: keep an interrupt that came */
    int rc = vg_vs_session_open(&p->conn, p->url, p->opts, err);
    if (rc == VG_OK)
        rc = vg_vs_event_manager(&p->conn, p->em, sizeof p->em, err);
    if (rc != VG_OK) {
        vg_vs_conn_close(&p->conn);
        if (!p->opts->keep_sigint)
            vg_interruptible_end();
    }
    return rc;
}

/* The VM's own fact, so a report says why no result of it can be pending. */
static int unknown(vg_vm *vm, const char *why)
{
    char msg[800];
    snprintf(msg, sizeof msg,
             "settings changed while the VM runs could not be told apart (%s): no result "
             "of this VM is shown as pending",
             why);
    return vg_vm_add_evidence(vm, NULL, NULL, NULL, 0, msg) ? VG_ENOMEM : VG_OK;
}

int vg_vsphere_pending_vm(vg_vsphere_pending *p, vg_vm *vm, vg_error *err)
{
    if (!p || !vm || vm->origin != VG_ORIGIN_VSPHERE || vm->power != VG_POWER_ON ||
        !vm->moref || !vm->server || strcmp(vm->server, p->target.server) != 0)
        return VG_OK;
    double boot = vg_vs_parse_time(vg_vm_prop(vm, "summary.runtime.bootTime"));
    if (boot <= 0)
        boot = vg_vs_parse_time(vg_vm_prop(vm, "runtime.bootTime"));
    if (boot <= 0)
        return VG_OK; /* no power-on time: nothing can be said (docs/vsphere.md) */
    double modified = vg_vs_parse_time(vg_vm_prop(vm, "config.modified"));
    if (modified > 0 && modified <= boot)
        return VG_OK; /* nothing changed since the power-on: no call */
    if (p->state == -1)
        return unknown(vm, p->failure);
    vg_error e;
    vg_error_clear(&e);
    if (p->state == 0) {
        if (open_session(p, &e) != VG_OK) {
            p->state = -1;
            vg_error_format(&e, p->failure, sizeof p->failure);
            return e.code == VG_ENOMEM ? vg_error_set(err, VG_ENOMEM, vm->path, 0,
                                                      "out of memory")
                                       : unknown(vm, p->failure);
        }
        p->state = 1;
    }
    struct collect c = {.boot = boot, .lines = VG_BUF_INIT};
    int stop = 0;
    int rc = vg_vs_vm_events(&p->conn, p->em, vm->moref, (time_t)boot, 0, on_event, &c, &stop, &e);
    if (rc == VG_OK && c.lines.oom)
        rc = vg_error_set(&e, VG_ENOMEM, vm->path, 0, "out of memory");
    if (rc == VG_OK && c.lines.len)
        rc = vg_vm_set_prop(vm, VG_VM_PENDING_PROP, c.lines.data) ? VG_ENOMEM : VG_OK;
    vg_buf_release(&c.lines);
    if (rc == VG_ENOMEM || e.code == VG_ENOMEM)
        return vg_error_set(err, VG_ENOMEM, vm->path, 0, "out of memory");
    if (rc != VG_OK) {
        char why[600];
        vg_error_format(&e, why, sizeof why);
        return unknown(vm, why);
    }
    return VG_OK;
}
