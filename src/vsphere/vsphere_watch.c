/*
 * `watch`: keep an estate audited as it changes (vmxguard.h: vg_vsphere_watch).
 *
 * Per vCenter, one thread and one session:
 *   CreateContainerView (VirtualMachine, recursive)
 *   CreatePropertyCollector (our own: filters of other clients stay apart)
 *   CreateCollectorForEvents (VmReconfiguredEvent) -> who changed a VM
 *   CreateFilter: the view's VMs with every property the audit reads, and
 *     the event collector's latestPage
 *   WaitForUpdatesEx "" -> the version to start from; then the baseline
 *     audit (RetrievePropertiesEx over the view), silently
 *   WaitForUpdatesEx version, forever: the VMs named in the update (or in a
 *     new VmReconfiguredEvent) are read again in full (RetrievePropertiesEx of
 *     just those morefs), audited, and compared rule by rule with what the
 *     watch remembers (vsphere_watch_table.c); each changed status is an event.
 * Reading the changed VMs again rather than applying the update's change
 * set keeps one parser for VM properties and is correct whatever shape a
 * server gives its changes (whole arrays, indexed paths, partial updates).
 *
 * A transport error keeps the session: the watch reconnects with backoff,
 * presents the old cookie and waits from the last version (RESUMED).  A
 * fault saying the session or collector is gone starts a new session and a
 * re-baseline whose differences are reported as events.  Nothing here
 * touches signals: vg_vsphere_interrupt() (vg_vs_interrupted) stops transfers
 * and naps alike.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/grow.h"
#include "vsphere_internal.h"
#include "vsphere_watch.h"

#define REFETCH_CHUNK 200 /* VMs per RetrievePropertiesEx of changed VMs */
#define EVENT_PAGE 50     /* latestPage size of the event collector */
#define MAX_OBJECT_UPDATES 1000

typedef struct watch_run {
    const vg_watch_opts *opts;
    size_t *base; /* first status slot of each profile */
    size_t n_slots;
    vg_watch_sink sink;
    void *ctx;
    int stop;
    pthread_mutex_t lock;
} watch_run;

/* Who reconfigured a VM, from a VmReconfiguredEvent. */
typedef struct who {
    char *moref;
    char *user;
    char *time;
    long long key;
} who;

/* What one WaitForUpdatesEx reply asks the watch to do. */
typedef struct update {
    int initial;
    char version[1024];
    int has_version, truncated;
    char kind[16], obj[512];
    int in_collector;
    char **refetch;
    size_t n_refetch, cap_refetch;
    char **gone;
    size_t n_gone, cap_gone;
    who *who;
    size_t n_who, cap_who;
    /* the event being read */
    int ev_open;
    long long ev_key, max_key;
    char ev_user[256], ev_time[64], ev_vm[512];
    int oom;
} update;

typedef struct watch_server {
    watch_run *run;
    const char *url;
    vg_vsphere_opts opts;
    char server[512];
    vs_conn conn;
    int have_conn;
    int has_session; /* cookie, collector, filter and version are valid */
    char cookie[600];
    char view[512], pc[512], collector[512], filter[512], event_mgr[128];
    char version[1024];
    long long event_floor; /* events up to this key are known */
    vg_watch_table vms;
    unsigned gen;
    int baselined; /* a first baseline was done (later ones are re-baselines) */
    char why[600]; /* why the last session ended */
    /* baseline totals */
    size_t bl_vms, bl_counts[VG_RESULT_STATUS_COUNT];
    struct timespec session_start; /* the baseline's time counts from here */
    update *cur;                   /* attribution of the changes being read */
    int fatal;
    vg_error err;
    pthread_t thread;
    int started;
} watch_server;

static const char *const kind_names[VG_WATCH_KIND_COUNT] = {
    "baseline", "result", "vm_added", "vm_removed", "disconnected", "resumed", "problem",
};

const char *vg_watch_kind_name(vg_watch_kind k)
{
    return (unsigned)k < VG_WATCH_KIND_COUNT ? kind_names[k] : "unknown";
}

static int stopping(const watch_server *s)
{
    return vg_vs_interrupted || s->run->stop;
}

static int emit(watch_server *s, vg_watch_event *ev)
{
    watch_run *run = s->run;
    ev->server = s->server;
    ev->version = s->version[0] ? s->version : NULL;
    clock_gettime(CLOCK_REALTIME, &ev->time);
    pthread_mutex_lock(&run->lock);
    if (!run->stop && run->sink(ev, run->ctx))
        run->stop = 1;
    pthread_mutex_unlock(&run->lock);
    return run->stop;
}

static void problem(watch_server *s, const char *msg)
{
    vg_watch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = VG_WATCH_PROBLEM;
    ev.message = msg;
    emit(s, &ev);
}

/* ------------------------------------------------------------ requests */

/* One call whose body is in b (released); a leaf returnval lands in out. */
static int call(watch_server *s, const char *method, vg_buf *b, char *out, size_t out_size,
                vg_error *err)
{
    vs_reply r;
    if (b->oom || vg_vs_reply_init(&r, NULL, NULL)) {
        vg_buf_release(b);
        return vg_error_set(err, VG_ENOMEM, s->server, 0, "%s: out of memory", method);
    }
    int rc = vg_vs_call(&s->conn, method, b->data, &r, err);
    if (rc == 0 && out && !r.returnval[0])
        rc = vg_error_set(err, VG_EINPUT, s->server, 0, "%s: reply has no object", method);
    if (rc == 0 && out)
        snprintf(out, out_size, "%s", r.returnval);
    vg_vs_reply_release(&r);
    vg_buf_release(b);
    return rc;
}

static int find_event_manager(watch_server *s, vg_error *err)
{
    vs_reply r;
    if (vg_vs_reply_init(&r, NULL, NULL))
        return vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
    int rc = vg_vs_call(&s->conn, "RetrieveServiceContent",
                     "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
                     "ServiceInstance</_this></RetrieveServiceContent>",
                     &r, err);
    const char *em = rc == 0 ? vg_vs_reply_get(&r, "eventManager") : NULL;
    snprintf(s->event_mgr, sizeof s->event_mgr, "%s", em ? em : "");
    vg_vs_reply_release(&r);
    return rc;
}

static int create_collectors(watch_server *s, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<CreatePropertyCollector xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "PropertyCollector", s->conn.pc);
    vg_buf_adds(&b, "</CreatePropertyCollector>");
    int rc = call(s, "CreatePropertyCollector", &b, s->pc, sizeof s->pc, err);
    s->collector[0] = '\0';
    if (rc || s->run->opts->no_user_lookup)
        return rc;
    vg_error e;
    int erc = find_event_manager(s, &e);
    if (erc == 0 && !s->event_mgr[0])
        erc = vg_error_set(&e, VG_EINPUT, s->server, 0, "the server has no event manager");
    if (erc == 0) {
        vg_buf_adds(&b, "<CreateCollectorForEvents xmlns=\"urn:vim25\">");
        vg_vs_add_moref(&b, "_this", "EventManager", s->event_mgr);
        vg_buf_adds(&b, "<filter><disableFullMessage>true</disableFullMessage>"
                        "<eventTypeId>VmReconfiguredEvent</eventTypeId></filter>"
                        "</CreateCollectorForEvents>");
        erc = call(s, "CreateCollectorForEvents", &b, s->collector, sizeof s->collector, &e);
    }
    if (erc == 0) { /* a larger page: several changes between two waits keep their users */
        vg_buf_adds(&b, "<SetCollectorPageSize xmlns=\"urn:vim25\">");
        vg_vs_add_moref(&b, "_this", "EventHistoryCollector", s->collector);
        vg_buf_printf(&b, "<maxCount>%d</maxCount></SetCollectorPageSize>", EVENT_PAGE);
        vg_error e2;
        call(s, "SetCollectorPageSize", &b, NULL, 0, &e2);
    }
    if (erc) {
        s->collector[0] = '\0';
        char msg[700];
        snprintf(msg, sizeof msg, "who changed a VM will not be known: %.600s", e.msg);
        problem(s, msg);
    }
    return 0;
}

/* Two filters on our collector: the view's VMs with every property the
 * audit reads (a property the server does not know is dropped, as the
 * fetch does), and the event collector's latestPage.  One filter with both
 * property specs would be the same to vCenter, but vcsim 0.24 then looks
 * each updated object up in its global registry while matching the spec of
 * the other type, and crashes (losing that update) on the session-scoped
 * event collector or on a VM that was just destroyed. */
static int create_filter(watch_server *s, vg_error *err)
{
    size_t n;
    const char *const *paths = vg_vs_vm_paths(0, &n);
    unsigned char skip[64] = {0};
    if (n > sizeof skip)
        n = sizeof skip;
    for (int attempt = 0;; attempt++) {
        vg_buf b = VG_BUF_INIT;
        vg_buf_adds(&b, "<CreateFilter xmlns=\"urn:vim25\">");
        vg_vs_add_moref(&b, "_this", "PropertyCollector", s->pc);
        vg_buf_adds(&b, "<spec><propSet><type>VirtualMachine</type>");
        for (size_t i = 0; i < n; i++) {
            if (!skip[i])
                vg_buf_printf(&b, "<pathSet>%s</pathSet>", paths[i]);
        }
        vg_buf_adds(&b, "</propSet><objectSet>");
        vg_vs_add_moref(&b, "obj", "ContainerView", s->view);
        vg_buf_adds(&b, "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
                        "<type>ContainerView</type><path>view</path><skip>false</skip>"
                        "</selectSet></objectSet></spec><partialUpdates>false</partialUpdates>"
                        "</CreateFilter>");
        vs_reply r;
        if (b.oom || vg_vs_reply_init(&r, NULL, NULL)) {
            vg_buf_release(&b);
            return vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
        }
        int rc = vg_vs_call(&s->conn, "CreateFilter", b.data, &r, err);
        vg_buf_release(&b);
        if (rc == 0)
            snprintf(s->filter, sizeof s->filter, "%s", r.returnval);
        size_t drop = n;
        for (size_t i = 0; rc && i < n; i++) {
            if (!skip[i] && strcmp(r.fault_type, "InvalidProperty") == 0 &&
                strcmp(r.fault_name, paths[i]) == 0 && strcmp(paths[i], "name") != 0)
                drop = i;
        }
        vg_vs_reply_release(&r);
        if (rc == 0)
            break;
        if (drop == n || attempt >= 8)
            return rc;
        skip[drop] = 1;
    }
    if (!s->collector[0])
        return 0;
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<CreateFilter xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "PropertyCollector", s->pc);
    vg_buf_adds(&b, "<spec><propSet><type>EventHistoryCollector</type><pathSet>latestPage"
                    "</pathSet></propSet><objectSet>");
    vg_vs_add_moref(&b, "obj", "EventHistoryCollector", s->collector);
    vg_buf_adds(&b, "</objectSet></spec><partialUpdates>false</partialUpdates></CreateFilter>");
    return call(s, "CreateFilter", &b, NULL, 0, err);
}

/* ------------------------------------------------------ update replies */

static int push(char ***list, size_t *n, size_t *cap, const char *s)
{
    if (VG_GROW(*list, *n, *cap) != 0)
        return -1;
    if (!((*list)[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void update_release(update *u)
{
    free_list(u->refetch, u->n_refetch);
    free_list(u->gone, u->n_gone);
    for (size_t i = 0; i < u->n_who; i++) {
        free(u->who[i].moref);
        free(u->who[i].user);
        free(u->who[i].time);
    }
    free(u->who);
    memset(u, 0, sizeof *u);
}

static void add_who(update *u, const char *moref, const char *user, const char *when, long long key)
{
    for (size_t i = 0; i < u->n_who; i++) {
        if (strcmp(u->who[i].moref, moref) == 0) {
            if (key < u->who[i].key)
                return;
            char *nu = strdup(user), *nt = strdup(when);
            if (!nu || !nt) {
                free(nu);
                free(nt);
                u->oom = 1;
                return;
            }
            free(u->who[i].user);
            free(u->who[i].time);
            u->who[i] = (who){u->who[i].moref, nu, nt, key};
            return;
        }
    }
    if (VG_GROW(u->who, u->n_who, u->cap_who) != 0) {
        u->oom = 1;
        return;
    }
    who w = {strdup(moref), strdup(user), strdup(when), key};
    if (!w.moref || !w.user || !w.time) {
        free(w.moref);
        free(w.user);
        free(w.time);
        u->oom = 1;
        return;
    }
    u->who[u->n_who++] = w;
}

/* The event read so far is complete: remember who changed which VM. */
static void end_event(update *u, const watch_server *s)
{
    if (!u->ev_open)
        return;
    u->ev_open = 0;
    if (u->ev_key > u->max_key)
        u->max_key = u->ev_key;
    if (u->initial || !u->ev_vm[0] || u->ev_key <= s->event_floor)
        return;
    add_who(u, u->ev_vm, u->ev_user, u->ev_time, u->ev_key);
    if (push(&u->refetch, &u->n_refetch, &u->cap_refetch, u->ev_vm))
        u->oom = 1;
}

/* An objectSet's kind and obj are both read (in either order). */
static void note_object(update *u)
{
    if (!u->kind[0] || !u->obj[0])
        return;
    if (!u->in_collector && !u->initial) {
        int rc = strcmp(u->kind, "leave") == 0
                     ? push(&u->gone, &u->n_gone, &u->cap_gone, u->obj)
                     : push(&u->refetch, &u->n_refetch, &u->cap_refetch, u->obj);
        u->oom |= rc != 0;
    }
    u->kind[0] = u->obj[0] = '\0';
}

static long long parse_key(const char *text)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    return end == text || *end || errno || v < 0 ? 0 : v;
}

/* Leaves of a WaitForUpdatesEx reply, relative to returnval (depth 3):
 *   4 version, truncated
 *   6 filterSet/objectSet/{kind,obj}
 *   9 .../objectSet/changeSet/val/<Event>/{key,userName,createdTime}
 *  10 .../<Event>/vm/vm                       (collector objects only) */
static int on_update_leaf(const vs_reply *r, int d, const char *text, void *ctx)
{
    watch_server *s = ctx;
    update *u = s->cur;
    const char(*n)[48] = r->names;
    if (d == 4) {
        if (strcmp(n[4], "version") == 0) {
            snprintf(u->version, sizeof u->version, "%s", text);
            u->has_version = 1;
        } else if (strcmp(n[4], "truncated") == 0) {
            u->truncated = strcmp(text, "true") == 0;
        }
    } else if (d == 6 && strcmp(n[4], "filterSet") == 0 && strcmp(n[5], "objectSet") == 0) {
        end_event(u, s);
        if (strcmp(n[6], "kind") == 0) {
            if (!u->obj[0]) /* kind opens the objectSet (the schema's order) */
                u->in_collector = 0;
            snprintf(u->kind, sizeof u->kind, "%s", text);
            note_object(u);
        } else if (strcmp(n[6], "obj") == 0) {
            snprintf(u->obj, sizeof u->obj, "%s", text);
            u->in_collector = s->collector[0] && strcmp(text, s->collector) == 0;
            note_object(u);
        }
    } else if (u->in_collector && d >= 9 && strcmp(n[6], "changeSet") == 0 &&
               strcmp(n[7], "val") == 0) {
        if (d == 9 && strcmp(n[9], "key") == 0) {
            end_event(u, s);
            u->ev_open = 1;
            u->ev_key = parse_key(text);
            u->ev_user[0] = u->ev_time[0] = u->ev_vm[0] = '\0';
        } else if (d == 9 && strcmp(n[9], "userName") == 0) {
            snprintf(u->ev_user, sizeof u->ev_user, "%s", text);
        } else if (d == 9 && strcmp(n[9], "createdTime") == 0) {
            snprintf(u->ev_time, sizeof u->ev_time, "%s", text);
        } else if (d == 10 && strcmp(n[9], "vm") == 0 && strcmp(n[10], "vm") == 0) {
            snprintf(u->ev_vm, sizeof u->ev_vm, "%s", text);
        }
    }
    return u->oom;
}

static int is_session_fault(const char *type)
{
    static const char *const lost[] = {"NotAuthenticated", "ManagedObjectNotFound",
                                       "InvalidCollectorVersion", "RequestCanceled"};
    for (size_t i = 0; i < sizeof lost / sizeof lost[0]; i++) {
        if (strcmp(type, lost[i]) == 0)
            return 1;
    }
    return 0;
}

static int max_wait(const watch_server *s)
{
    int timeout = s->opts.timeout > 0 ? s->opts.timeout : 60;
    int w = s->run->opts->max_wait;
    if (w <= 0 || w >= timeout)
        w = timeout / 2 < 30 ? timeout / 2 : 30;
    return w < 1 ? 1 : w;
}

/* One WaitForUpdatesEx from s->version, read into u.  *lost: the fault
 * says the session or the collector is gone. */
static int wait_call(watch_server *s, update *u, int *lost, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<WaitForUpdatesEx xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "PropertyCollector", s->pc);
    vg_buf_adds(&b, "<version>");
    vg_vs_xml_escape(&b, u->initial ? "" : s->version);
    vg_buf_printf(&b,
                  "</version><options><maxWaitSeconds>%d</maxWaitSeconds>"
                  "<maxObjectUpdates>%d</maxObjectUpdates></options></WaitForUpdatesEx>",
                  u->initial ? 0 : max_wait(s), MAX_OBJECT_UPDATES);
    vs_reply r;
    if (b.oom || vg_vs_reply_init(&r, NULL, NULL)) {
        vg_buf_release(&b);
        return vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
    }
    r.on_leaf = on_update_leaf;
    r.leaf_ctx = s;
    s->cur = u;
    int rc = vg_vs_call(&s->conn, "WaitForUpdatesEx", b.data, &r, err);
    vg_buf_release(&b);
    *lost = rc && r.is_fault && is_session_fault(r.fault_type);
    if (rc == 0)
        end_event(u, s);
    if (rc == 0 && u->oom)
        rc = vg_error_set(err, VG_ENOMEM, s->server, 0, "WaitForUpdatesEx: out of memory");
    if (rc == 0 && u->has_version)
        snprintf(s->version, sizeof s->version, "%s", u->version);
    if (rc == 0 && u->max_key > s->event_floor)
        s->event_floor = u->max_key;
    vg_vs_reply_release(&r);
    s->cur = NULL;
    return rc;
}

/* ------------------------------------------------------------ judging */

static int excluded(const vg_vsphere_opts *o, const vg_vm *vm)
{
    if (vm->is_template && !o->include_templates)
        return 1;
    for (size_t i = 0; i < o->n_exclude; i++) {
        if ((vm->name && fnmatch(o->exclude[i], vm->name, 0) == 0) ||
            (vm->path && fnmatch(o->exclude[i], vm->path, 0) == 0))
            return 1;
    }
    return 0;
}

static long slot_of(const watch_run *run, const vg_result *res)
{
    for (size_t p = 0; p < run->opts->n_profiles; p++) {
        const vg_profile *pr = run->opts->profiles[p];
        if (pr == res->profile && res->prule >= pr->rules && res->prule < pr->rules + pr->n_rules)
            return (long)(run->base[p] + (size_t)(res->prule - pr->rules));
    }
    return -1;
}

static void removed(watch_server *s, vg_watch_vm *w)
{
    vg_vm *vm = vg_vm_new(VG_ORIGIN_VSPHERE);
    if (vm && !vg_vm_set_str(&vm->moref, w->moref) && !vg_vm_set_str(&vm->name, w->name) &&
        !vg_vm_set_str(&vm->path, w->path) && !vg_vm_set_str(&vm->uuid, w->uuid) &&
        !vg_vm_set_str(&vm->instance_uuid, w->instance_uuid) &&
        !vg_vm_set_str(&vm->server, s->server)) {
        vg_watch_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = VG_WATCH_VM_REMOVED;
        ev.vm = vm;
        emit(s, &ev);
    } else {
        problem(s, "out of memory reporting a removed VM");
    }
    vg_vm_free(vm);
    vg_watch_table_del(&s->vms, w->moref);
}

static const who *who_for(const watch_server *s, const char *moref)
{
    for (size_t i = 0; s->cur && i < s->cur->n_who; i++) {
        if (strcmp(s->cur->who[i].moref, moref) == 0)
            return &s->cur->who[i];
    }
    return NULL;
}

/* Audit vm and report each status that differs from what s remembers;
 * quiet (the first baseline) only remembers. */
static int judge(watch_server *s, vg_vm *vm, int quiet)
{
    watch_run *run = s->run;
    vg_watch_vm *w = vm->moref ? vg_watch_table_get(&s->vms, vm->moref) : NULL;
    if (!vm->moref || excluded(&s->opts, vm)) {
        if (w)
            removed(s, w);
        return 0;
    }
    vg_vm_report *rep = NULL;
    vg_error e;
    vg_error_set(&e, VG_ENOMEM, s->server, 0, "out of memory");
    if (vg_vm_set_str(&vm->server, s->server) ||
        vg_audit_vm(vm, run->opts->profiles, run->opts->n_profiles, &run->opts->audit, &rep, &e) !=
            VG_OK) {
        char msg[700];
        snprintf(msg, sizeof msg, "%s (%s): not audited: %.500s", vm->name ? vm->name : "?",
                 vm->moref, rep ? "" : e.msg);
        problem(s, msg);
        vg_vm_report_free(rep);
        return 0;
    }
    int created = 0;
    if (!w && !(w = vg_watch_table_put(&s->vms, vm->moref, &created))) {
        vg_vm_report_free(rep);
        return -1;
    }
    if (vg_watch_set_str(&w->name, vm->name) || vg_watch_set_str(&w->path, vm->path) ||
        vg_watch_set_str(&w->uuid, vm->uuid) ||
        vg_watch_set_str(&w->instance_uuid, vm->instance_uuid)) {
        vg_vm_report_free(rep);
        return -1;
    }
    w->gen = s->gen;
    const who *by = who_for(s, vm->moref);
    vg_watch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.vm = vm;
    ev.user = by && by->user[0] ? by->user : NULL;
    ev.user_time = by && by->time[0] ? by->time : NULL;
    ev.event_key = by ? by->key : 0;
    if (created && !quiet) {
        ev.kind = VG_WATCH_VM_ADDED;
        memcpy(ev.counts, rep->counts, sizeof ev.counts);
        emit(s, &ev);
    }
    ev.kind = VG_WATCH_RESULT;
    for (size_t i = 0; i < rep->n_results; i++) {
        const vg_result *res = &rep->results[i];
        long slot = slot_of(run, res);
        if (slot < 0)
            continue;
        unsigned char old = w->status[slot];
        w->status[slot] = (unsigned char)res->status;
        if ((unsigned)res->status < VG_RESULT_STATUS_COUNT)
            s->bl_counts[res->status]++;
        if (quiet || old == (unsigned char)res->status)
            continue;
        ev.result = res;
        ev.has_old = old != VG_WATCH_NO_STATUS;
        ev.old_status = ev.has_old ? (vg_result_status)old : VG_PASS;
        ev.new_status = res->status;
        emit(s, &ev);
    }
    s->bl_vms++;
    vg_vm_report_free(rep);
    return 0;
}

typedef struct judge_ctx {
    watch_server *s;
    int quiet;
    int rc;
} judge_ctx;

static int on_vm(vg_vm *vm, const char *obj_type, void *ctx)
{
    judge_ctx *j = ctx;
    if (strcmp(obj_type, "VirtualMachine") == 0 && judge(j->s, vm, j->quiet))
        j->rc = -1;
    vg_vm_free(vm);
    return j->rc || stopping(j->s);
}

/* The baseline's sink: the fetch (vsphere_fetch.c) delivers on this thread. */
static int baseline_vm(vg_vm *vm, void *ctx)
{
    return on_vm(vm, "VirtualMachine", ctx);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Act on one update: VMs gone, then the changed ones read again. */
static int wait_process(watch_server *s, update *u, vg_error *err)
{
    s->cur = u;
    for (size_t i = 0; i < u->n_gone; i++) {
        vg_watch_vm *w = vg_watch_table_get(&s->vms, u->gone[i]);
        if (w)
            removed(s, w);
    }
    /* sorted, without repeats and without the VMs that left */
    size_t n = 0;
    if (u->n_refetch)
        qsort(u->refetch, u->n_refetch, sizeof *u->refetch, cmp_str);
    for (size_t i = 0; i < u->n_refetch; i++) {
        int drop = n && strcmp(u->refetch[n - 1], u->refetch[i]) == 0;
        for (size_t g = 0; g < u->n_gone && !drop; g++)
            drop = strcmp(u->gone[g], u->refetch[i]) == 0;
        if (drop)
            free(u->refetch[i]);
        else
            u->refetch[n++] = u->refetch[i];
    }
    u->n_refetch = n;
    int rc = 0;
    judge_ctx j = {s, 0, 0};
    for (size_t i = 0; rc == 0 && i < n && !stopping(s); i += REFETCH_CHUNK) {
        size_t k = n - i;
        if (k > REFETCH_CHUNK)
            k = REFETCH_CHUNK;
        const char *const *morefs = (const char *const *)u->refetch + i;
        rc = vg_vs_retrieve_vm_list(&s->conn, morefs, k, on_vm, &j, err);
        /* a VM deleted since the update faults the whole call: read them
         * one by one and skip the gone ones (their "leave" follows) */
        for (size_t m = 0; rc && !j.rc && m < k && strstr(err->msg, "(ManagedObjectNotFound)");
             m++) {
            vg_error e;
            int one = vg_vs_retrieve_vm_list(&s->conn, morefs + m, 1, on_vm, &j, &e);
            if (one && !strstr(e.msg, "(ManagedObjectNotFound)")) {
                *err = e;
                break;
            }
            if (m + 1 == k)
                rc = 0;
        }
        if (j.rc)
            rc = vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
    }
    s->cur = NULL;
    return stopping(s) ? 0 : rc;
}

static int baseline(watch_server *s, vg_error *err)
{
    struct timespec t1;
    const struct timespec t0 = s->session_start;
    s->gen++;
    s->bl_vms = 0;
    memset(s->bl_counts, 0, sizeof s->bl_counts);
    judge_ctx j = {s, !s->baselined, 0};
    /* the audit's own fetch: the view listed, then shares of it read over
     * parallel sessions (vsphere_fetch.c), templates and excludes applied */
    int rc = vg_vsphere_fetch(s->url, &s->opts, baseline_vm, &j, err);
    if (j.rc)
        rc = vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
    if (rc || stopping(s))
        return stopping(s) ? 0 : rc;
    /* a re-baseline: VMs that were not seen again are gone (collected
     * first: a deletion shifts other entries between slots) */
    char **gone = NULL;
    size_t n_gone = 0, cap_gone = 0;
    for (size_t i = 0; i < s->vms.cap; i++) {
        vg_watch_vm *w = s->vms.slots[i];
        if (w && w->gen != s->gen && push(&gone, &n_gone, &cap_gone, w->moref))
            rc = vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
    }
    for (size_t i = 0; i < n_gone; i++) {
        vg_watch_vm *w = vg_watch_table_get(&s->vms, gone[i]);
        if (w)
            removed(s, w);
    }
    free_list(gone, n_gone);
    if (rc)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vg_watch_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = VG_WATCH_BASELINE;
    ev.rebaseline = s->baselined;
    ev.n_vms = s->bl_vms;
    memcpy(ev.counts, s->bl_counts, sizeof ev.counts);
    ev.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char msg[800];
    snprintf(msg, sizeof msg, "re-baselined in a new session (%.700s)",
             s->why[0] ? s->why : "the previous session ended");
    ev.message = s->baselined ? msg : "first baseline";
    s->baselined = 1;
    emit(s, &ev);
    return 0;
}

/* ------------------------------------------------------------ sessions */

static void close_conn(watch_server *s, int keep_session)
{
    if (!s->have_conn)
        return;
    vs_conn *c = &s->conn;
    if (keep_session) {
        /* the session stays on the server for a resume: no logout (a
         * failed resume may not have presented the cookie yet) */
        if (c->cookie[0])
            snprintf(s->cookie, sizeof s->cookie, "%s", c->cookie);
        c->logged_in = 0;
        c->view[0] = '\0';
    } else if (c->logged_in && c->curl) {
        c->cleanup = 1;
        vg_curl()->easy_setopt(c->curl, CURLOPT_TIMEOUT, 10L);
        vg_buf b = VG_BUF_INIT;
        vg_error e;
        if (s->collector[0]) {
            vg_buf_adds(&b, "<DestroyCollector xmlns=\"urn:vim25\">");
            vg_vs_add_moref(&b, "_this", "EventHistoryCollector", s->collector);
            vg_buf_adds(&b, "</DestroyCollector>");
            call(s, "DestroyCollector", &b, NULL, 0, &e);
        }
        if (s->pc[0]) {
            vg_buf_adds(&b, "<DestroyPropertyCollector xmlns=\"urn:vim25\">");
            vg_vs_add_moref(&b, "_this", "PropertyCollector", s->pc);
            vg_buf_adds(&b, "</DestroyPropertyCollector>");
            call(s, "DestroyPropertyCollector", &b, NULL, 0, &e);
        }
    }
    if (!keep_session) {
        s->has_session = 0;
        memset(s->cookie, 0, sizeof s->cookie);
        s->pc[0] = s->collector[0] = s->filter[0] = s->version[0] = '\0';
    }
    vg_vs_conn_close(c);
    s->have_conn = 0;
}

static int new_session(watch_server *s, vg_error *err)
{
    clock_gettime(CLOCK_MONOTONIC, &s->session_start);
    int rc = vg_vs_session_open(&s->conn, s->url, &s->opts, err);
    s->have_conn = 1;
    if (rc == 0)
        rc = vg_vs_create_view(&s->conn, err);
    if (rc == 0) {
        snprintf(s->view, sizeof s->view, "%s", s->conn.view);
        rc = create_collectors(s, err);
    }
    if (rc == 0)
        rc = create_filter(s, err);
    update u;
    memset(&u, 0, sizeof u);
    u.initial = 1;
    int lost = 0;
    s->event_floor = 0; /* event keys are per server life: take this session's */
    while (rc == 0) {
        rc = wait_call(s, &u, &lost, err);
        int more = u.truncated;
        update_release(&u);
        u.initial = 1;
        if (!more)
            break;
    }
    if (rc == 0)
        rc = baseline(s, err);
    /* only a complete baseline makes a session worth resuming */
    s->has_session = rc == 0;
    return rc;
}

/* Reconnect and present the old session; 0 when the server still knows it
 * (the first update is then in u). */
static int resume(watch_server *s, update *u, int *lost, vg_error *err)
{
    int rc = vg_vs_conn_open(&s->conn, s->url, &s->opts, err);
    s->have_conn = 1;
    if (rc)
        return rc;
    snprintf(s->conn.cookie, sizeof s->conn.cookie, "%s", s->cookie);
    snprintf(s->conn.view, sizeof s->conn.view, "%s", s->view);
    s->conn.logged_in = 1;
    rc = vg_vs_service_content(&s->conn, err);
    return rc ? rc : wait_call(s, u, lost, err);
}

static void nap(const watch_server *s, int seconds)
{
    struct timespec tick = {0, 100000000L}; /* 0.1 s */
    for (int i = 0; i < seconds * 10 && !stopping(s); i++)
        nanosleep(&tick, NULL);
}

static void *serve(void *arg)
{
    watch_server *s = arg;
    const vg_watch_opts *o = s->run->opts;
    int bmin = o->backoff_min > 0 ? o->backoff_min : 1;
    int bmax = o->backoff_max > 0 ? o->backoff_max : 60;
    int backoff = bmin;
    while (!stopping(s)) {
        vg_error err;
        vg_error_clear(&err);
        update u;
        memset(&u, 0, sizeof u);
        int rc = 0, lost = 0, have_update = 0;
        if (!s->have_conn && s->has_session) {
            rc = resume(s, &u, &lost, &err);
            if (rc == 0) {
                have_update = 1;
                vg_watch_event ev;
                memset(&ev, 0, sizeof ev);
                ev.kind = VG_WATCH_RESUMED;
                ev.message = "reconnected in the same session; updates resume from the last "
                             "version";
                emit(s, &ev);
            } else if (lost && !stopping(s)) {
                snprintf(s->why, sizeof s->why, "the server no longer knows the session: %s",
                         err.msg);
                close_conn(s, 0);
                rc = 0;
            }
        }
        if (rc == 0 && !s->have_conn) {
            rc = new_session(s, &err);
            if (rc == VG_EUSAGE) {
                s->fatal = 1;
                s->err = err;
                problem(s, err.msg);
                break;
            }
        } else if (rc == 0 && !have_update) {
            rc = wait_call(s, &u, &lost, &err);
        }
        if (rc == 0)
            rc = wait_process(s, &u, &err);
        update_release(&u);
        if (stopping(s))
            break;
        if (rc == 0) {
            backoff = bmin;
            continue;
        }
        /* lost the server: keep the session for a resume unless the
         * failure was more than the connection */
        int keep = s->has_session && !lost && err.code == VG_EIO;
        if (!keep)
            snprintf(s->why, sizeof s->why, "%s", err.msg);
        close_conn(s, keep);
        vg_watch_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = VG_WATCH_DISCONNECTED;
        ev.retry_in = backoff;
        ev.message = err.msg;
        emit(s, &ev);
        nap(s, backoff);
        backoff = backoff * 2 > bmax ? bmax : backoff * 2;
    }
    close_conn(s, 0);
    return NULL;
}

/* ------------------------------------------------------------ entry */

int vg_vsphere_watch(const char *const *urls, size_t n_urls, const vg_watch_opts *opts,
                     vg_watch_sink sink, void *ctx, vg_error *err)
{
    if (!n_urls || !opts || !sink || !opts->n_profiles)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "watch: no target, profile or sink");
    watch_run run;
    memset(&run, 0, sizeof run);
    run.opts = opts;
    run.sink = sink;
    run.ctx = ctx;
    run.base = calloc(opts->n_profiles, sizeof *run.base);
    watch_server *servers = calloc(n_urls, sizeof *servers);
    if (!run.base || !servers) {
        free(run.base);
        free(servers);
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t p = 0; p < opts->n_profiles; p++) {
        run.base[p] = run.n_slots;
        run.n_slots += opts->profiles[p]->n_rules;
    }
    pthread_mutex_init(&run.lock, NULL);
    int rc = VG_OK;
    for (size_t i = 0; i < n_urls && rc == VG_OK; i++) {
        vg_vsphere_target t;
        rc = vg_vsphere_parse_url(urls[i], &t, err);
        snprintf(servers[i].server, sizeof servers[i].server, "%s", t.server);
    }
    for (size_t i = 0; i < n_urls && rc == VG_OK; i++) {
        watch_server *s = &servers[i];
        s->run = &run;
        s->url = urls[i];
        s->opts = opts->vsphere;
        s->opts.keep_sigint = 1;
        vg_watch_table_init(&s->vms, run.n_slots);
        s->started = pthread_create(&s->thread, NULL, serve, s) == 0;
        if (!s->started) {
            s->fatal = 1;
            vg_error_set(&s->err, VG_ERR, s->server, 0, "cannot start a thread");
        }
    }
    size_t fatal = 0;
    for (size_t i = 0; i < n_urls; i++) {
        if (servers[i].started)
            pthread_join(servers[i].thread, NULL);
        if (servers[i].fatal && fatal++ == 0 && rc == VG_OK)
            *err = servers[i].err;
        vg_watch_table_release(&servers[i].vms);
    }
    if (rc == VG_OK && fatal == n_urls)
        rc = err->code ? err->code : VG_ERR;
    pthread_mutex_destroy(&run.lock);
    free(servers);
    free(run.base);
    return rc;
}
