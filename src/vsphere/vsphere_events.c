/*
 * Who changed a VM: the VmReconfiguredEvents vCenter keeps, read through
 * the EventManager.  Per VM, CreateCollectorForEvents with a filter on the
 * VM itself, the time window and the event type; ReadNextEvents one event
 * at a time (a reply is then small enough for the small-reply parser,
 * which keeps leaves as paths under returnval); DestroyCollector.  From
 * each event: userName, createdTime, the extraConfig keys of its
 * ConfigSpec and its device changes (operation and device key/label).
 * `vmxguard diff --events` uses this to name a change's origin.
 */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vsphere/vsphere_internal.h"

#define MAX_EVENTS_PER_VM 1000

static void iso(time_t t, char *out, size_t n)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "1970-01-01T00:00:00Z");
}

/* "2026-12-07T16:20:01.123456Z" (fraction and zone as vCenter writes them;
 * an offset other than Z is applied).  The fraction matters: a setting
 * changed and a power-on can fall in the same second. */
double vg_vs_parse_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p)
        return 0;
    double t = (double)timegm(&tm), scale = 0.1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && scale > 1e-10; p++, scale /= 10)
            t += (*p - '0') * scale;
    while (*p >= '0' && *p <= '9')
        p++;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6 && p[3] == ':') {
        int off =
            ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
        t += *p == '+' ? -off : off;
    }
    return t;
}

int vg_vs_event_manager(vs_conn *c, char *out, size_t n, vg_error *err)
{
    vs_reply r;
    if (vg_vs_reply_init(&r, NULL, NULL))
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    int rc =
        vg_vs_call(c, "RetrieveServiceContent",
                   "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
                   "ServiceInstance</_this></RetrieveServiceContent>",
                   &r, err);
    const char *em = rc == 0 ? vg_vs_reply_get(&r, "eventManager") : NULL;
    if (rc == 0 && !em)
        rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                          "the server has no EventManager: no events to read");
    if (rc == 0)
        snprintf(out, n, "%s", em);
    vg_vs_reply_release(&r);
    return rc;
}

static int create_collector(vs_conn *c, const char *em, const char *moref, time_t since,
                            time_t until, char *out, size_t n, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    char t0[32], t1[32];
    vg_buf_adds(&b, "<CreateCollectorForEvents xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "EventManager", em);
    vg_buf_adds(&b, "<filter><entity>");
    vg_vs_add_moref(&b, "entity", "VirtualMachine", moref);
    vg_buf_adds(&b, "<recursion>self</recursion></entity>");
    if (since || until) {
        vg_buf_adds(&b, "<time>");
        if (since) {
            iso(since, t0, sizeof t0);
            vg_buf_printf(&b, "<beginTime>%s</beginTime>", t0);
        }
        if (until) {
            iso(until, t1, sizeof t1);
            vg_buf_printf(&b, "<endTime>%s</endTime>", t1);
        }
        vg_buf_adds(&b, "</time>");
    }
    vg_buf_adds(&b, "<eventTypeId>VmReconfiguredEvent</eventTypeId></filter>"
                    "</CreateCollectorForEvents>");
    vs_reply r;
    int rc = b.oom || vg_vs_reply_init(&r, NULL, NULL)
                 ? vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory")
                 : VG_OK;
    if (rc == VG_OK) {
        rc = vg_vs_call(c, "CreateCollectorForEvents", b.data, &r, err);
        if (rc == 0 && !r.returnval[0])
            rc = vg_error_set(err, VG_EINPUT, c->target.server, 0,
                              "CreateCollectorForEvents: reply has no collector");
        if (rc == 0)
            snprintf(out, n, "%s", r.returnval);
        vg_vs_reply_release(&r);
    }
    vg_buf_release(&b);
    return rc;
}

static void destroy_collector(vs_conn *c, const char *coll)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<DestroyCollector xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "EventHistoryCollector", coll);
    vg_buf_adds(&b, "</DestroyCollector>");
    vg_vs_call_cleanup(c, "DestroyCollector", &b);
}

static void join(vg_buf *b, const char *s)
{
    if (b->len)
        vg_buf_adds(b, ", ");
    vg_buf_adds(b, s);
}

/* The event in r's leaves (one event per reply) handed to fn. */
static int hand_event(const vs_conn *c, const vs_reply *r, const char *moref,
                      vg_vsphere_event_fn fn, void *ctx, int *stop)
{
    /* typed ConfigSpec fields vmxguard's rules read, by their property names */
    static const struct {
        const char *path, *name;
    } typed[] = {
        {"configSpec/flags/enableLogging", "config.flags.enableLogging"},
        {"configSpec/migrateEncryption", "config.migrateEncryption"},
        {"configSpec/ftEncryptionMode", "config.ftEncryptionMode"},
        {"configSpec/bootOptions/efiSecureBootEnabled", "config.bootOptions.efiSecureBootEnabled"},
    };
    vg_buf keys = VG_BUF_INIT, devices = VG_BUF_INIT, dev = VG_BUF_INIT, fields = VG_BUF_INIT;
    const char *user = "", *created = NULL, *message = "";
    for (size_t i = 0; i < r->n_kv; i++) {
        const char *p = r->kv_path[i], *v = r->kv_value[i];
        if (!strcmp(p, "userName"))
            user = v;
        else if (!strcmp(p, "createdTime"))
            created = v;
        else if (!strcmp(p, "fullFormattedMessage"))
            message = v;
        else if (!strcmp(p, "configSpec/extraConfig/key"))
            join(&keys, v);
        for (size_t k = 0; k < sizeof typed / sizeof typed[0]; k++)
            if (!strcmp(p, typed[k].path))
                join(&fields, typed[k].name);
        else if (!strcmp(p, "configSpec/deviceChange/operation")) {
            if (dev.len)
                join(&devices, dev.data);
            vg_buf_reset(&dev);
            vg_buf_adds(&dev, v);
        } else if (!strcmp(p, "configSpec/deviceChange/device/deviceInfo/label")) {
            vg_buf_printf(&dev, " %s", v);
        } else if (!strcmp(p, "configSpec/deviceChange/device/key") && dev.len &&
                   !strchr(dev.data, ' ')) {
            vg_buf_printf(&dev, " device %s", v);
        }
    }
    if (dev.len)
        join(&devices, dev.data);
    int rc = VG_OK;
    if (keys.oom || devices.oom || dev.oom || fields.oom) {
        rc = VG_ENOMEM;
    } else {
        /* the server's own words reach reports and the store: the
         * credentials are taken out of them as from any server text */
        char user_r[256], message_r[1024];
        snprintf(user_r, sizeof user_r, "%s", user);
        snprintf(message_r, sizeof message_r, "%s", message);
        vg_vs_redact(c, user_r, sizeof user_r);
        vg_vs_redact(c, message_r, sizeof message_r);
        double exact = vg_vs_parse_time(created);
        vg_vsphere_event ev = {moref,
                               user_r,
                               (time_t)exact,
                               keys.data,
                               devices.data,
                               message_r,
                               exact,
                               fields.data ? fields.data : ""};
        *stop = fn(&ev, ctx) != 0;
    }
    vg_buf_release(&fields);
    vg_buf_release(&keys);
    vg_buf_release(&devices);
    vg_buf_release(&dev);
    return rc;
}

static int read_events(vs_conn *c, const char *coll, const char *moref, vg_vsphere_event_fn fn,
                       void *ctx, int *stop, vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_adds(&b, "<ReadNextEvents xmlns=\"urn:vim25\">");
    vg_vs_add_moref(&b, "_this", "EventHistoryCollector", coll);
    vg_buf_adds(&b, "<maxCount>1</maxCount></ReadNextEvents>");
    if (b.oom)
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    int rc = VG_OK;
    for (int n = 0; rc == VG_OK && !*stop && n < MAX_EVENTS_PER_VM; n++) {
        vs_reply r;
        if (vg_vs_reply_init(&r, NULL, NULL)) {
            rc = vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
            break;
        }
        rc = vg_vs_call(c, "ReadNextEvents", b.data, &r, err);
        int empty = r.n_kv == 0;
        if (rc == 0 && !empty && hand_event(c, &r, moref, fn, ctx, stop) != VG_OK)
            rc = vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
        vg_vs_reply_release(&r);
        if (empty)
            break;
    }
    vg_buf_release(&b);
    return rc;
}

int vg_vs_vm_events(vs_conn *c, const char *em, const char *moref, time_t since, time_t until,
                    vg_vsphere_event_fn fn, void *ctx, int *stop, vg_error *err)
{
    char coll[512];
    int rc = create_collector(c, em, moref, since, until, coll, sizeof coll, err);
    if (rc == 0) {
        rc = read_events(c, coll, moref, fn, ctx, stop, err);
        destroy_collector(c, coll);
    }
    return rc;
}

int vg_vsphere_reconfig_events(const char *url, const vg_vsphere_opts *opts,
                               const char *const *morefs, size_t n_morefs, time_t since,
                               time_t until, vg_vsphere_event_fn fn, void *ctx, vg_error *err)
{
    if (!url || !opts || !fn || (n_morefs && !morefs))
        return vg_error_set(err, VG_EUSAGE, url, 0, "events: no target, options or callback");
    vs_conn c;
    vg_interruptible_begin(!opts->keep_sigint);
    char em[128];
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0)
        rc = vg_vs_event_manager(&c, em, sizeof em, err);
    int stop = 0;
    for (size_t i = 0; rc == 0 && !stop && i < n_morefs; i++) {
        if (!morefs[i])
            continue;
        rc = vg_vs_vm_events(&c, em, morefs[i], since, until, fn, ctx, &stop, err);
        if (rc == 0 && vg_vs_interrupted)
            rc = vg_error_set(err, VG_ERR, c.target.server, 0, "interrupted");
    }
    vg_vs_conn_close(&c);
    vg_interruptible_end();
    return rc;
}
