/*
 * Content-library OVF templates: the images new VMs are deployed from.
 * They are not VirtualMachine objects, so the SOAP query does not see
 * them; the vCenter REST API (/rest, vCenter 6.5 and later, also vcsim)
 * lists libraries and items, and a download session hands out each OVF
 * item's descriptor, which the template reader turns into VM records named
 * after the item.  Only descriptors are downloaded, never disks.
 *
 * Everything from the server is hostile: ids are checked before they go
 * into a URL, the session token before it goes into a header, download
 * URIs must point at the same server, replies are bounded in size, and the
 * numbers of libraries, items and polls are bounded.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "template/template_internal.h"
#include "vsphere/vsphere_internal.h"

#define LIB_MAX_REPLY (4u * 1024u * 1024u)
#define LIB_MAX_LIBRARIES 1000u
#define LIB_MAX_ITEMS 10000u
#define LIB_POLLS 120 /* prepare polls, 250 ms apart */

typedef struct rest {
    CURL *h;
    struct curl_slist *hdr;
    vg_buf body;
    size_t limit;
    int over;
    char base[1024];  /* "https://host:port" */
    char server[512]; /* for messages */
    char errbuf[CURL_ERROR_SIZE];
    long status;
} rest;

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    rest *r = ctx;
    size_t len = size * n;
    if (r->body.len + len > r->limit) {
        r->over = 1;
        return 0;
    }
    vg_buf_add(&r->body, data, len);
    return r->body.oom ? 0 : len;
}

/* Letters, digits and - _ . : only (library and session ids). */
static int id_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 200)
        return 0;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == ':'))
            return 0;
    }
    return 1;
}

/* One request; the body of a 2xx reply is in r->body.  url is absolute. */
static int perform(rest *r, const char *method, const char *url, const char *json, size_t limit,
                   vg_error *err)
{
    vg_buf_reset(&r->body);
    r->over = 0;
    r->limit = limit;
    r->errbuf[0] = '\0';
    CURL *h = r->h;
    int bad = vg_curl()->easy_setopt(h, CURLOPT_URL, url);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (json) {
        bad |= vg_curl()->easy_setopt(h, CURLOPT_POSTFIELDS, json);
        bad |= vg_curl()->easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    } else if (strcmp(method, "POST") == 0) {
        bad |= vg_curl()->easy_setopt(h, CURLOPT_POSTFIELDS, "");
        bad |= vg_curl()->easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    } else {
        bad |= vg_curl()->easy_setopt(h, CURLOPT_HTTPGET, 1L);
        bad |= vg_curl()->easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (bad)
        return vg_error_set(err, VG_ERR, r->server, 0, "cannot set up the request");
    CURLcode cc = vg_curl()->easy_perform(h);
    r->status = 0;
    vg_curl()->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->over)
        return vg_error_set(err, VG_EINPUT, r->server, 0,
                            "content library: reply larger than %zu "
                            "bytes (refused)",
                            limit);
    if (cc != CURLE_OK)
        return vg_error_set(err, VG_EIO, r->server, 0, "content library: %s",
                            r->errbuf[0] ? r->errbuf : vg_curl()->easy_strerror(cc));
    if (r->status < 200 || r->status > 299)
        return vg_error_set(err, r->status == 404 ? VG_ENOTFOUND : VG_ERR, r->server, 0,
                            "content library: HTTP %ld for %s %s", r->status, method,
                            url + strlen(r->base));
    return VG_OK;
}

/* A REST call under /rest; *value receives the reply's "value" (a new
 * reference; json_null when the reply has none). */
static int call(rest *r, const char *method, const char *path, const char *json, json_t **value,
                vg_error *err)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/rest%s", r->base, path);
    int rc = perform(r, method, url, json, LIB_MAX_REPLY, err);
    if (rc != VG_OK)
        return rc;
    if (!value)
        return VG_OK;
    json_error_t je;
    json_t *j = r->body.len ? json_loadb(r->body.data, r->body.len, 0, &je) : json_object();
    if (!j)
        return vg_error_set(err, VG_EINPUT, r->server, 0, "content library: %s: not JSON (%s)",
                            path, je.text);
    json_t *v = json_object_get(j, "value");
    *value = v ? json_incref(v) : json_null();
    json_decref(j);
    return VG_OK;
}

static int rest_open(rest *r, const char *url, const vg_vsphere_opts *opts, vg_error *err)
{
    memset(r, 0, sizeof *r);
    vg_buf_init(&r->body);
    vg_vsphere_target t;
    int rc = vg_vsphere_parse_url(url, &t, err);
    if (rc != VG_OK)
        return rc;
    snprintf(r->server, sizeof r->server, "%s", t.server);
    const char *host = strstr(t.endpoint, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    size_t n = slash ? (size_t)(slash - t.endpoint) : strlen(t.endpoint);
    snprintf(r->base, sizeof r->base, "%.*s", (int)n, t.endpoint);
    if (!(r->h = vg_curl()->easy_init()))
        return vg_error_set(err, VG_ERR, r->server, 0, "%s",
                            vg_vsphere_curl_error() ? vg_vsphere_curl_error()
                                                    : "cannot create an HTTP handle");
    long timeout = opts->timeout > 0 ? opts->timeout : 60;
    CURL *h = r->h;
    int bad = 0;
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= vg_curl()->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    bad |= vg_curl()->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_TIMEOUT, timeout * 4);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_WRITEDATA, r);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_USERAGENT, "vmxguard/" VG_VERSION);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opts->insecure ? 0L : 1L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opts->insecure ? 0L : 2L);
    if (opts->cacert && !opts->insecure)
        bad |= vg_curl()->easy_setopt(h, CURLOPT_CAINFO, opts->cacert);
    r->hdr = vg_curl()->slist_append(NULL, "Content-Type: application/json");
    if (r->hdr)
        r->hdr = vg_curl()->slist_append(r->hdr, "Expect:");
    if (bad || !r->hdr)
        return vg_error_set(err, VG_ERR, r->server, 0, "cannot set up HTTP options");
    vg_curl()->easy_setopt(h, CURLOPT_HTTPHEADER, r->hdr);
    return VG_OK;
}

static void rest_close(rest *r)
{
    if (r->h)
        vg_curl()->easy_cleanup(r->h);
    if (r->hdr)
        vg_curl()->slist_free_all(r->hdr);
    vg_buf_release(&r->body);
    memset(r, 0, sizeof *r);
}

/* POST /rest/com/vmware/cis/session with the account; the token goes into
 * the header of every later call.  VG_ENOTFOUND: no REST service. */
static int login(rest *r, const vg_vsphere_opts *opts, const char *url_user, vg_error *err)
{
    const char *user = opts->user ? opts->user : url_user;
    vg_curl()->easy_setopt(r->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    vg_curl()->easy_setopt(r->h, CURLOPT_USERNAME, user ? user : "");
    vg_curl()->easy_setopt(r->h, CURLOPT_PASSWORD, opts->password ? opts->password : "");
    json_t *v = NULL;
    int rc = call(r, "POST", "/com/vmware/cis/session", NULL, &v, err);
    vg_curl()->easy_setopt(r->h, CURLOPT_USERNAME, NULL);
    vg_curl()->easy_setopt(r->h, CURLOPT_PASSWORD, NULL);
    vg_curl()->easy_setopt(r->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
    if (rc != VG_OK) {
        json_decref(v);
        if (r->status == 401)
            return vg_error_set(err, VG_ERR, r->server, 0,
                                "content library: login refused (HTTP 401)");
        return rc;
    }
    const char *token = json_string_value(v);
    char hdr[300];
    if (!id_ok(token)) {
        json_decref(v);
        return vg_error_set(err, VG_EINPUT, r->server, 0,
                            "content library: the session token is not an id (refused)");
    }
    snprintf(hdr, sizeof hdr, "vmware-api-session-id: %s", token);
    json_decref(v);
    struct curl_slist *h = vg_curl()->slist_append(r->hdr, hdr);
    if (!h)
        return vg_error_set(err, VG_ENOMEM, r->server, 0, "out of memory");
    r->hdr = h;
    vg_curl()->easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdr);
    return VG_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The first *.ovf file of a download session, prepared; its URI in uri. */
static int prepared_ovf(rest *r, const char *sid, char *name, size_t nsize, char *uri, size_t usize,
                        vg_error *err)
{
    char path[512];
    json_t *files = NULL;
    snprintf(path, sizeof path,
             "/com/vmware/content/library/item/downloadsession/file?download_session_id=%s", sid);
    int rc = call(r, "GET", path, NULL, &files, err);
    name[0] = '\0';
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *n = json_string_value(json_object_get(f, "name"));
        size_t l = n ? strlen(n) : 0;
        if (!name[0] && l > 4 && l < nsize && strcasecmp(n + l - 4, ".ovf") == 0 &&
            !strpbrk(n, "\"\\/"))
            snprintf(name, nsize, "%s", n);
    }
    json_decref(files);
    if (rc != VG_OK)
        return rc;
    if (!name[0])
        return vg_error_set(err, VG_ENOTFOUND, r->server, 0, "no .ovf file in the item");
    char body[400];
    snprintf(body, sizeof body, "{\"file_name\":\"%s\"}", name);
    snprintf(path, sizeof path,
             "/com/vmware/content/library/item/downloadsession/file/id:%s?~action=prepare", sid);
    rc = call(r, "POST", path, body, NULL, err);
    snprintf(path, sizeof path,
             "/com/vmware/content/library/item/downloadsession/file/id:%s?~action=get", sid);
    for (int poll = 0; rc == VG_OK && poll < LIB_POLLS; poll++) {
        json_t *st = NULL;
        rc = call(r, "POST", path, body, &st, err);
        const char *status = json_string_value(json_object_get(st, "status"));
        const char *u =
            json_string_value(json_object_get(json_object_get(st, "download_endpoint"), "uri"));
        int ready = rc == VG_OK && status && strcmp(status, "PREPARED") == 0 && u;
        int failed = rc == VG_OK && status && strcmp(status, "ERROR") == 0;
        size_t bl = strlen(r->base);
        if (ready && (strncmp(u, r->base, bl) != 0 || u[bl] != '/' || strlen(u) >= usize))
            rc = vg_error_set(err, VG_EINPUT, r->server, 0,
                              "the download address of %s is not on this server (refused)", name);
        else if (ready)
            snprintf(uri, usize, "%s", u);
        json_decref(st);
        if (failed)
            return vg_error_set(err, VG_ERR, r->server, 0, "the server could not prepare %s", name);
        if (ready || rc != VG_OK)
            return rc;
        sleep_ms(250);
    }
    return rc == VG_OK
               ? vg_error_set(err, VG_ERR, r->server, 0, "%s was not prepared in time", name)
               : rc;
}

/* Names the VMs of one item and hands them on. */
typedef struct item_sink {
    vg_vm_sink sink;
    void *ctx;
    const char *item, *server;
    vg_vm *vms[64];
    size_t n;
    int stop;
} item_sink;

static int collect(vg_vm *vm, void *ctx)
{
    item_sink *s = ctx;
    if (s->n == sizeof s->vms / sizeof s->vms[0]) {
        vg_vm_free(vm);
        return 1;
    }
    s->vms[s->n++] = vm;
    return 0;
}

static int deliver(item_sink *s, vg_error *err)
{
    int rc = VG_OK;
    for (size_t i = 0; i < s->n; i++) {
        vg_vm *vm = s->vms[i];
        s->vms[i] = NULL;
        char name[600];
        if (s->n == 1)
            snprintf(name, sizeof name, "%s", s->item);
        else
            snprintf(name, sizeof name, "%s/%s", s->item, vm->name ? vm->name : "");
        vm->origin = VG_ORIGIN_VSPHERE;
        vm->is_template = 1;
        if (rc != VG_OK || s->stop || vg_vm_set_str(&vm->name, name) ||
            vg_vm_set_str(&vm->server, s->server)) {
            if (rc == VG_OK && !s->stop)
                rc = vg_error_set(err, VG_ENOMEM, s->server, 0, "out of memory");
            vg_vm_free(vm);
            continue;
        }
        if (s->sink(vm, s->ctx))
            s->stop = 1;
    }
    s->n = 0;
    return rc;
}

/* One OVF item: download its descriptor and read it. */
static int one_item(rest *r, const char *lib, const char *iid, const char *iname, item_sink *s,
                    vg_error *err)
{
    char body[300], path[300], name[256], uri[1200];
    json_t *sid_v = NULL;
    snprintf(body, sizeof body, "{\"create_spec\":{\"library_item_id\":\"%s\"}}", iid);
    int rc =
        call(r, "POST", "/com/vmware/content/library/item/download-session", body, &sid_v, err);
    const char *sid = json_string_value(sid_v);
    if (rc == VG_OK && !id_ok(sid))
        rc = vg_error_set(err, VG_EINPUT, r->server, 0, "download session id is not an id");
    char sid_copy[256] = "";
    if (rc == VG_OK)
        snprintf(sid_copy, sizeof sid_copy, "%s", sid);
    json_decref(sid_v);
    if (rc == VG_OK)
        rc = prepared_ovf(r, sid_copy, name, sizeof name, uri, sizeof uri, err);
    if (rc == VG_OK)
        rc = perform(r, "GET", uri, NULL, VG_TEMPLATE_MAX_FILE, err);
    char *data = NULL;
    size_t len = 0;
    if (rc == VG_OK) {
        len = r->body.len;
        data = vg_buf_detach(&r->body);
        if (!data)
            rc = vg_error_set(err, VG_ENOMEM, r->server, 0, "out of memory");
    }
    if (sid_copy[0]) {
        vg_error ignored;
        snprintf(path, sizeof path, "/com/vmware/content/library/item/download-session/id:%s",
                 sid_copy);
        call(r, "DELETE", path, NULL, NULL, &ignored);
    }
    if (rc == VG_OK) {
        char docname[1200];
        snprintf(docname, sizeof docname, "[content library %s] %s/%s", lib, iname, name);
        rc = vg_template_read_mem(data, len, docname, VG_TEMPLATE_OVF, collect, s, err);
        int drc = deliver(s, err);
        rc = rc != VG_OK ? rc : drc;
    }
    free(data);
    return rc;
}

static void problem(vg_problem_sink on_problem, void *pctx, const vg_error *e)
{
    if (on_problem)
        on_problem(e, pctx);
}

int vg_vsphere_library_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink,
                             void *ctx, vg_problem_sink on_problem, void *problem_ctx,
                             vg_error *err)
{
    rest r;
    vg_vsphere_target t;
    int rc = vg_vsphere_parse_url(url, &t, err);
    if (rc == VG_OK)
        rc = rest_open(&r, url, opts, err);
    else
        return rc;
    if (rc == VG_OK)
        rc = login(&r, opts, t.user[0] ? t.user : NULL, err);
    if (rc == VG_ENOTFOUND) { /* ESXi, or a server without the REST service */
        rest_close(&r);
        return VG_OK;
    }
    json_t *libs = NULL;
    if (rc == VG_OK)
        rc = call(&r, "GET", "/com/vmware/content/library", NULL, &libs, err);
    item_sink s = {sink, ctx, NULL, r.server, {0}, 0, 0};
    size_t li;
    json_t *lv;
    json_array_foreach(libs, li, lv)
    {
        const char *lid = json_string_value(lv);
        if (rc != VG_OK || s.stop || li >= LIB_MAX_LIBRARIES)
            break;
        if (!id_ok(lid))
            continue;
        char path[400], lname[256] = "";
        json_t *info = NULL, *items = NULL;
        vg_error e;
        vg_error_clear(&e);
        snprintf(path, sizeof path, "/com/vmware/content/library/id:%s", lid);
        if (call(&r, "GET", path, NULL, &info, &e) == VG_OK)
            snprintf(lname, sizeof lname, "%s",
                     json_string_value(json_object_get(info, "name"))
                         ? json_string_value(json_object_get(info, "name"))
                         : lid);
        json_decref(info);
        snprintf(path, sizeof path, "/com/vmware/content/library/item?library_id=%s", lid);
        if (e.msg[0] || call(&r, "GET", path, NULL, &items, &e) != VG_OK) {
            problem(on_problem, problem_ctx, &e);
            json_decref(items);
            continue;
        }
        size_t ii;
        json_t *iv;
        json_array_foreach(items, ii, iv)
        {
            const char *iid = json_string_value(iv);
            if (s.stop || ii >= LIB_MAX_ITEMS)
                break;
            if (!id_ok(iid))
                continue;
            json_t *item = NULL;
            vg_error_clear(&e);
            snprintf(path, sizeof path, "/com/vmware/content/library/item/id:%s", iid);
            if (call(&r, "GET", path, NULL, &item, &e) != VG_OK) {
                problem(on_problem, problem_ctx, &e);
                json_decref(item);
                continue;
            }
            const char *type = json_string_value(json_object_get(item, "type"));
            const char *iname = json_string_value(json_object_get(item, "name"));
            char label[600];
            snprintf(label, sizeof label, "%s/%s", lname, iname ? iname : iid);
            if (type && strcasecmp(type, "ovf") == 0) {
                s.item = label;
                if (one_item(&r, lname, iid, iname ? iname : iid, &s, &e) != VG_OK) {
                    char msg[sizeof e.msg];
                    snprintf(msg, sizeof msg, "%s", e.msg);
                    vg_error_set(&e, e.code, e.file[0] ? e.file : r.server, e.line,
                                 "content library item %s: %s", label, msg);
                    problem(on_problem, problem_ctx, &e);
                }
            }
            json_decref(item);
        }
        json_decref(items);
    }
    json_decref(libs);
    vg_error ignored;
    call(&r, "DELETE", "/com/vmware/cis/session", NULL, NULL, &ignored);
    rest_close(&r);
    return rc;
}
