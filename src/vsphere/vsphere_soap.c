/*
 * The vSphere calls vmxguard makes, in the order of a session:
 * RetrieveServiceContent, Login, CreateContainerView (VirtualMachine,
 * recursive), RetrievePropertiesEx + ContinueRetrievePropertiesEx (paged by
 * maxObjects), DestroyView, Logout.  Morefs come from the service content,
 * never hard-coded (vCenter and ESXi name them differently).
 */
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsphere_internal.h"

/* What an audit reads per VM (issue 6): these, the typed ConfigSpec
 * properties (fix.h's table) and the read-only typed ones after them; and
 * the light set for listings. */
static const char *const base_paths[] = {
    "name",
    "config.extraConfig",
    "config.version",
    "config.uuid",
    "config.instanceUuid",
    "config.files.vmPathName",
    "config.template",
    "config.managedBy",
    "config.guestId",
    "runtime.powerState",
    "runtime.host",
    "config.hardware.device",
};
static const char *const read_only_paths[] = {
    "config.bootOptions.efiSecureBootEnabled",
    /* last power-on and last reconfigure: a setting changed after the VM
     * started is pending (vsphere_pending.c); vcsim fills bootTime only
     * under summary.runtime, vCenter fills both with the same value */
    "summary.runtime.bootTime",
    "config.modified",
};
static const char *const summary_paths[] = {
    "name",        "runtime.powerState", "config.files.vmPathName", "config.template",
    "config.uuid", "config.instanceUuid", "config.managedBy",
};
#define N_BASE (sizeof base_paths / sizeof base_paths[0])
#define N_READ_ONLY (sizeof read_only_paths / sizeof read_only_paths[0])
#define MAX_FULL 64

static const char *full_paths[MAX_FULL];
static size_t n_full;
static pthread_once_t full_once = PTHREAD_ONCE_INIT;

static void build_full_paths(void)
{
    size_t n_typed;
    const vg_fix_typed_prop *typed = vg_fix_typed_props(&n_typed);
    for (size_t i = 0; i < N_BASE; i++)
        full_paths[n_full++] = base_paths[i];
    for (size_t i = 0; i < n_typed && n_full < MAX_FULL - N_READ_ONLY; i++)
        full_paths[n_full++] = typed[i].key;
    for (size_t i = 0; i < N_READ_ONLY; i++)
        full_paths[n_full++] = read_only_paths[i];
}

const char *const *vg_vs_vm_paths(int summary_only, size_t *n)
{
    if (summary_only) {
        *n = sizeof summary_paths / sizeof summary_paths[0];
        return summary_paths;
    }
    pthread_once(&full_once, build_full_paths);
    *n = n_full;
    return full_paths;
}

void vg_vs_xml_escape(vg_buf *b, const char *s)
{
    static const struct {
        char c;
        const char *esc;
    } table[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&apos;"}};
    for (; *s; s++) {
        const char *esc = NULL;
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
            if (table[i].c == *s)
                esc = table[i].esc;
        }
        if (esc)
            vg_buf_adds(b, esc);
        else
            vg_buf_addc(b, *s);
    }
}

void vg_vs_add_moref(vg_buf *b, const char *elem, const char *type, const char *value)
{
    vg_buf_printf(b, "<%s type=\"%s\">", elem, type);
    vg_vs_xml_escape(b, value);
    vg_buf_printf(b, "</%s>", elem);
}

int vg_vs_call_buf(vs_conn *c, const char *method, vg_buf *b, vs_reply *r, vg_error *err)
{
    if (b->oom) {
        vg_buf_release(b);
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "%s: out of memory", method);
    }
    int rc = vg_vs_call(c, method, b->data, r, err);
    memset(b->data, 0, b->len);
    vg_buf_release(b);
    return rc;
}

void vg_vs_call_cleanup(vs_conn *c, const char *method, vg_buf *b)
{
    vs_reply r;
    vg_error ignored;
    if (vg_vs_reply_init(&r, NULL, NULL) == 0) {
        vg_vs_call_buf(c, method, b, &r, &ignored);
        vg_vs_reply_release(&r);
    } else {
        vg_buf_release(b);
    }
}

static void copy_kv(const vs_reply *r, const char *path, char *dst, size_t size)
{
    const char *v = vg_vs_reply_get(r, path);
    snprintf(dst, size, "%s", v ? v : "");
}

int vg_vs_service_content(vs_conn *c, vg_error *err)
{
    vs_reply r;
    if (vg_vs_reply_init(&r, NULL, NULL))
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    int rc = vg_vs_call(c, "RetrieveServiceContent",
                     "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
                     "ServiceInstance</_this></RetrieveServiceContent>",
                     &r, err);
    if (rc == 0) {
        copy_kv(&r, "propertyCollector", c->pc, sizeof c->pc);
        copy_kv(&r, "viewManager", c->view_mgr, sizeof c->view_mgr);
        copy_kv(&r, "sessionManager", c->session_mgr, sizeof c->session_mgr);
        copy_kv(&r, "rootFolder", c->root, sizeof c->root);
        copy_kv(&r, "about/fullName", c->about.full_name, sizeof c->about.full_name);
        copy_kv(&r, "about/apiType", c->about.api_type, sizeof c->about.api_type);
        copy_kv(&r, "about/apiVersion", c->about.api_version, sizeof c->about.api_version);
        copy_kv(&r, "about/instanceUuid", c->about.instance_uuid,
                sizeof c->about.instance_uuid);
        if (!c->pc[0] || !c->view_mgr[0] || !c->session_mgr[0] || !c->root[0])
            rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                              "RetrieveServiceContent: reply lacks the property collector, view "
                              "manager, session manager or root folder (not a vCenter/ESXi "
                              "SDK endpoint?)");
    }
    vg_vs_reply_release(&r);
    return rc;
}

int vg_vs_login(vs_conn *c, const char *user, const char *password, vg_error *err)
{
    if (!user || !*user || !password)
        return vg_error_set(err, VG_EUSAGE, c->target.server, 0,
                            "no credentials: the options name no user or no password");
    vg_buf b = VG_BUF_INIT;
    /* Sized up front (escaping grows text at most 6x) so no realloc leaves a
     * freed copy of the password; vg_vs_call_buf wipes this buffer after use. */
    vg_buf_grow(&b, 512 + sizeof c->session_mgr + 6 * (strlen(user) + strlen(password)));
    vg_buf_adds(&b, "<Login xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "SessionManager", c->session_mgr);
    vg_buf_adds(&b, "<userName>");
    vg_vs_xml_escape(&b, user);
    vg_buf_adds(&b, "</userName><password>");
    vg_vs_xml_escape(&b, password);
    vg_buf_adds(&b, "</password><locale>en_US</locale></Login>");
    vs_reply r;
    if (vg_vs_reply_init(&r, NULL, NULL)) {
        memset(b.data, 0, b.len);
        vg_buf_release(&b);
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    }
    int rc = vg_vs_call_buf(c, "Login", &b, &r, err);
    if (rc == 0 && !c->cookie[0])
        rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                          "Login: the server set no vmware_soap_session cookie");
    if (rc == 0) {
        c->logged_in = 1;
        copy_kv(&r, "userName", c->about.user, sizeof c->about.user);
    }
    vg_vs_reply_release(&r);
    return rc;
}

int vg_vs_create_view(vs_conn *c, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<CreateContainerView xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "ViewManager", c->view_mgr);
    vg_vs_add_moref(&b, "container", "Folder", c->root);
    vg_buf_adds(&b, "<type>VirtualMachine</type><recursive>true</recursive>"
                    "</CreateContainerView>");
    vs_reply r;
    if (vg_vs_reply_init(&r, NULL, NULL)) {
        vg_buf_release(&b);
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    }
    int rc = vg_vs_call_buf(c, "CreateContainerView", &b, &r, err);
    if (rc == 0 && !r.returnval[0])
        rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                          "CreateContainerView: reply has no view");
    if (rc == 0)
        snprintf(c->view, sizeof c->view, "%s", r.returnval);
    vg_vs_reply_release(&r);
    return rc;
}

void vg_vs_destroy_view(vs_conn *c)
{
    if (!c->view[0])
        return;
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<DestroyView xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "ContainerView", c->view);
    vg_buf_adds(&b, "</DestroyView>");
    vg_vs_call_cleanup(c, "DestroyView", &b);
    c->view[0] = '\0';
}

/* ------------------------------------------------------ property paging */

typedef struct page_ctx {
    vs_conn *c;
    vs_object_fn fn;
    void *ctx;
} page_ctx;

static int one_page(vs_conn *c, const char *method, vg_buf *b, page_ctx *pc, char *token,
                    size_t token_size, char *bad_prop, size_t bad_size, size_t *n_objects,
                    vg_error *err)
{
    vs_reply r;
    if (vg_vs_reply_init(&r, pc->fn, pc->ctx)) {
        vg_buf_release(b);
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    }
    int rc = vg_vs_call_buf(c, method, b, &r, err);
    if (rc == 0 && r.session_lost)
        rc = vg_error_set(err, VG_ERR, c->target.server, 0,
                          "%s: the session is not logged in or has expired (NotAuthenticated)",
                          method);
    snprintf(token, token_size, "%s", rc == 0 ? r.token : "");
    *n_objects = r.n_objects;
    if (bad_prop)
        snprintf(bad_prop, bad_size, "%s",
                 rc && strcmp(r.fault_type, "InvalidProperty") == 0 ? r.fault_name : "");
    vg_vs_reply_release(&r);
    return rc;
}

/* Tokens seen in one query, as 64-bit hashes in an open-addressing set:
 * a server that hands a token back a second time would page forever. */
struct token_set {
    uint64_t *slot; /* 0 = free */
    size_t cap, used;
};

static uint64_t token_hash(const char *t)
{
    uint64_t h = 1469598103934665603ull;
    for (; *t; t++)
        h = (h ^ (unsigned char)*t) * 1099511628211ull;
    return h ? h : 1;
}

/* 1 if t was seen before, 0 if it is new (and now recorded), -1 on oom. */
static int token_seen(struct token_set *ts, const char *t)
{
    if ((ts->used + 1) * 2 > ts->cap) {
        size_t ncap = ts->cap ? ts->cap * 2 : 64;
        uint64_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < ts->cap; i++) {
            if (!ts->slot[i])
                continue;
            size_t j = (size_t)ts->slot[i] & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = ts->slot[i];
        }
        free(ts->slot);
        ts->slot = ns;
        ts->cap = ncap;
    }
    uint64_t h = token_hash(t);
    size_t j = (size_t)h & (ts->cap - 1);
    for (; ts->slot[j]; j = (j + 1) & (ts->cap - 1)) {
        if (ts->slot[j] == h)
            return 1;
    }
    ts->slot[j] = h;
    ts->used++;
    return 0;
}

/* Why paging must stop, or NULL to go on. */
static const char *paging_problem(struct token_set *ts, const char *token, size_t pages,
                                  size_t empty)
{
    if (pages >= VS_MAX_PAGES)
        return "more pages than a query may have";
    if (empty >= VS_MAX_EMPTY_PAGES)
        return "empty pages in a row, each with a continuation token";
    int seen = token_seen(ts, token);
    if (seen < 0)
        return "out of memory";
    return seen ? "a continuation token it had already given" : NULL;
}

/* RetrievePropertiesEx with spec, then ContinueRetrievePropertiesEx while a
 * token comes back.  A server may cut pages smaller than asked, but not
 * page forever: pages are capped, a run of empty pages and a repeated
 * token end the query with an error naming the server. */
static int retrieve(vs_conn *c, const char *spec, int page_size, page_ctx *pc, char *bad_prop,
                    size_t bad_size, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<RetrievePropertiesEx xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "PropertyCollector", c->pc);
    vg_buf_adds(&b, spec);
    vg_buf_printf(&b, "<options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>",
                  page_size);
    char token[256];
    size_t n_obj = 0, pages = 1, empty = 0;
    struct token_set seen = {0};
    int rc = one_page(c, "RetrievePropertiesEx", &b, pc, token, sizeof token, bad_prop,
                      bad_size, &n_obj, err);
    while (rc == 0 && token[0]) {
        empty = n_obj ? 0 : empty + 1;
        const char *why = paging_problem(&seen, token, pages, empty);
        if (why) {
            rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                              "ContinueRetrievePropertiesEx: paging stopped after %zu pages: "
                              "the server sent %s (at most %d pages, %d empty in a row)",
                              pages, why, VS_MAX_PAGES, VS_MAX_EMPTY_PAGES);
            break;
        }
        vg_buf_adds(&b, "<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">");
        vg_vs_add_moref(&b, "_this", "PropertyCollector", c->pc);
        vg_buf_adds(&b, "<token>");
        vg_vs_xml_escape(&b, token);
        vg_buf_adds(&b, "</token></ContinueRetrievePropertiesEx>");
        rc = one_page(c, "ContinueRetrievePropertiesEx", &b, pc, token, sizeof token, NULL, 0,
                      &n_obj, err);
        pages++;
    }
    vg_buf_release(&b);
    free(seen.slot);
    return rc;
}

static void prop_set(vg_buf *b, const char *type, const char *const *paths, size_t n,
                     const int *skip)
{
    vg_buf_printf(b, "<propSet><type>%s</type>", type);
    for (size_t i = 0; i < n; i++) {
        if (!skip || !skip[i])
            vg_buf_printf(b, "<pathSet>%s</pathSet>", paths[i]);
    }
    vg_buf_adds(b, "</propSet>");
}

/* The objectSet part of a VM query: the whole view (one traversal), or an
 * explicit list of VMs (a parallel worker's share, no traversal). */
static void vm_objects(vg_buf *spec, const vs_conn *c, const char *const *morefs, size_t n)
{
    if (!morefs) {
        vg_buf_adds(spec, "<objectSet>");
        vg_vs_add_moref(spec, "obj", "ContainerView", c->view);
        vg_buf_adds(spec, "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view"
                          "</name><type>ContainerView</type><path>view</path><skip>false"
                          "</skip></selectSet></objectSet>");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        vg_buf_adds(spec, "<objectSet>");
        vg_vs_add_moref(spec, "obj", "VirtualMachine", morefs[i]);
        vg_buf_adds(spec, "</objectSet>");
    }
}

static int retrieve_vm_paths(vs_conn *c, const char *const *paths, size_t n,
                             const char *const *morefs, size_t n_morefs, vs_object_fn fn,
                             void *ctx, vg_error *err)
{
    int skip[MAX_FULL] = {0}; /* n is at most MAX_FULL (vg_vs_vm_paths) */
    int page = c->opts->page_size > 0 ? c->opts->page_size : 500;
    page_ctx pc = {c, fn, ctx};
    /* Older servers fault the whole call on a property they do not know
     * (ftEncryptionMode needs 7.0.2): drop it and ask again. */
    for (int attempt = 0;; attempt++) {
        vg_buf spec = VG_BUF_INIT;
        vg_buf_adds(&spec, "<specSet>");
        prop_set(&spec, "VirtualMachine", paths, n, skip);
        vm_objects(&spec, c, morefs, n_morefs);
        vg_buf_adds(&spec, "</specSet>");
        char bad[256] = "";
        int rc = spec.oom ? vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory")
                          : retrieve(c, spec.data, page, &pc, bad, sizeof bad, err);
        vg_buf_release(&spec);
        size_t drop = n;
        for (size_t i = 0; i < n && bad[0]; i++) {
            if (strcmp(paths[i], bad) == 0 && !skip[i] && strcmp(bad, "name") != 0)
                drop = i;
        }
        if (rc == 0 || drop == n || attempt >= 8)
            return rc;
        skip[drop] = 1;
    }
}

int vg_vs_retrieve_vms(vs_conn *c, int summary_only, vs_object_fn fn, void *ctx, vg_error *err)
{
    size_t n;
    const char *const *paths = vg_vs_vm_paths(summary_only, &n);
    return retrieve_vm_paths(c, paths, n, NULL, 0, fn, ctx, err);
}

int vg_vs_list_vms(vs_conn *c, vs_object_fn fn, void *ctx, vg_error *err)
{
    static const char *const name_only[] = {"name"};
    return retrieve_vm_paths(c, name_only, 1, NULL, 0, fn, ctx, err);
}

int vg_vs_retrieve_vm_list(vs_conn *c, const char *const *morefs, size_t n, vs_object_fn fn,
                        void *ctx, vg_error *err)
{
    size_t n_paths;
    const char *const *paths = vg_vs_vm_paths(0, &n_paths);
    return retrieve_vm_paths(c, paths, n_paths, morefs, n, fn, ctx, err);
}

int vg_vs_retrieve_objects(vs_conn *c, const char *type, const char *const *morefs, size_t n,
                        const char *const *paths, size_t n_paths, vs_object_fn fn, void *ctx,
                        vg_error *err)
{
    vg_buf spec = VG_BUF_INIT;
    vg_buf_adds(&spec, "<specSet>");
    prop_set(&spec, type, paths, n_paths, NULL);
    for (size_t i = 0; i < n; i++) {
        vg_buf_adds(&spec, "<objectSet>");
        vg_vs_add_moref(&spec, "obj", type, morefs[i]);
        vg_buf_adds(&spec, "</objectSet>");
    }
    vg_buf_adds(&spec, "</specSet>");
    page_ctx pc = {c, fn, ctx};
    int rc = spec.oom ? vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory")
                      : retrieve(c, spec.data, 500, &pc, NULL, 0, err);
    vg_buf_release(&spec);
    return rc;
}
