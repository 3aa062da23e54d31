/*
 * Streaming parser for vSphere SOAP replies (libxml2 SAX2 push parser fed
 * from curl's write callback), so memory stays flat however large the
 * estate: each `objects` element of a RetrievePropertiesEx page becomes one
 * vg_vm and is handed on before the next is read.
 *
 * Elements are matched by namespace URI, never by prefix (vcsim writes
 * `XMLSchema-instance:type`, vCenter `xsi:type`).  A DOCTYPE or entity
 * declaration stops the parse: SOAP has none, and refusing them is what
 * keeps XXE and entity expansion attacks out.  Nothing is loaded from the
 * network (XML_PARSE_NONET).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsphere_internal.h"

enum val_kind {
    VAL_NONE = 0,
    VAL_SCALAR,
    VAL_EXTRACONFIG,
    VAL_DEVICES,
    VAL_MANAGEDBY,
    VAL_TASKERROR,
};

/* Property path -> how its <val> is read.  Unknown paths are scalars. */
/* Element and attribute names are compared to literals on every SAX event
 * of a reply of 100+ MB; most differ at the first byte, which is checked
 * before the call. */
static inline int streq(const char *a, const char *lit)
{
    return a[0] == lit[0] && strcmp(a, lit) == 0;
}

static const struct {
    const char *path;
    enum val_kind kind;
} val_kinds[] = {
    {"config.extraConfig", VAL_EXTRACONFIG},
    {"config.hardware.device", VAL_DEVICES},
    {"config.managedBy", VAL_MANAGEDBY},
    {"info.error", VAL_TASKERROR},
};

static enum val_kind kind_of(const char *prop)
{
    for (size_t i = 0; i < sizeof val_kinds / sizeof val_kinds[0]; i++) {
        if (strcmp(val_kinds[i].path, prop) == 0)
            return val_kinds[i].kind;
    }
    return VAL_SCALAR;
}

/* Stop the parse; the reply's error is msg, then detail if given. */
static void fail(vs_reply *r, const char *msg, const char *detail)
{
    if (r->bad)
        return;
    r->bad = 1;
    snprintf(r->error, sizeof r->error, "%s%s%.100s", msg, detail ? " " : "",
             detail ? detail : "");
    if (r->xml)
        xmlStopParser(r->xml);
}

/* Truncating copy into a fixed field (long values there are never useful). */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = src ? strnlen(src, size - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

static const char *under(const vs_reply *r, int d)
{
    return d >= 0 && d < VS_MAX_DEPTH ? r->names[d] : "";
}

/* Decided once, when the Body's child is seen (check_envelope). */
static int is_prop_reply(const vs_reply *r)
{
    return !r->is_fault && r->prop_response;
}

/* ---------------------------------------------------------------- objects */

static int ensure_settings(vs_reply *r)
{
    if (r->vm->settings)
        return 0;
    r->vm->settings = vg_vmx_doc_new(r->vm->moref ? r->vm->moref : "vsphere");
    return r->vm->settings ? 0 : -1;
}

static void begin_object(vs_reply *r)
{
    vg_vm_free(r->vm);
    r->vm = vg_vm_new(VG_ORIGIN_VSPHERE);
    if (!r->vm)
        fail(r, "out of memory", NULL);
    r->obj_type[0] = r->prop[0] = r->task_fault[0] = r->task_msg[0] = '\0';
    r->n_dev = 0;
    r->saw_config = 0;
}

static int set_power(vg_vm *vm, const char *v)
{
    static const struct {
        const char *name;
        vg_power_state p;
    } states[] = {{"poweredOn", VG_POWER_ON}, {"poweredOff", VG_POWER_OFF},
                  {"suspended", VG_POWER_SUSPENDED}};
    vm->power = VG_POWER_UNKNOWN;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        if (strcmp(states[i].name, v) == 0)
            vm->power = states[i].p;
    }
    return 0;
}

/* config.version "vmx-19": identity, typed property and the .vmx key the
 * file source would have (virtualHW.version = "19"). */
static int set_version(vs_reply *r, const char *v)
{
    vg_vm *vm = r->vm;
    if (vg_vm_set_str(&vm->hw_version, v) || vg_vm_set_prop(vm, "config.version", v) ||
        ensure_settings(r))
        return -1;
    if (strncmp(v, "vmx-", 4) == 0 && v[4])
        return vg_vmx_doc_set(vm->settings, "virtualHW.version", v + 4, NULL) < 0 ? -1 : 0;
    return 0;
}

static int apply_scalar(vs_reply *r, const char *prop, const char *v)
{
    vg_vm *vm = r->vm;
    static const struct {
        const char *path;
        size_t field; /* offset of a char * in vg_vm */
    } fields[] = {
        {"name", offsetof(vg_vm, name)},
        {"config.uuid", offsetof(vg_vm, uuid)},
        {"config.instanceUuid", offsetof(vg_vm, instance_uuid)},
        {"config.files.vmPathName", offsetof(vg_vm, path)},
        {"runtime.host", offsetof(vg_vm, host)},
        {"config.guestId", offsetof(vg_vm, guest_os)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].path, prop) == 0)
            return vg_vm_set_str((char **)((char *)vm + fields[i].field), v);
    }
    if (streq(prop, "config.version"))
        return set_version(r, v);
    if (streq(prop, "config.template")) {
        vm->is_template = streq(v, "true");
        return 0;
    }
    if (streq(prop, "runtime.powerState"))
        return set_power(vm, v);
    return vg_vm_set_prop(vm, prop, v);
}

static void end_option_value(vs_reply *r)
{
    if (!r->ov_has_key || ensure_settings(r)) {
        if (r->ov_has_key)
            fail(r, "out of memory", NULL);
        return;
    }
    const char *v = r->ov_value.data;
    vg_error e;
    vg_error_clear(&e);
    if (vg_vmx_doc_set(r->vm->settings, r->ov_key, v, &e) < 0) {
        char msg[700];
        snprintf(msg, sizeof msg, "extraConfig key '%.200s' not kept: %.400s", r->ov_key, e.msg);
        if (vg_vm_add_evidence(r->vm, NULL, NULL, NULL, 0, msg))
            fail(r, "out of memory", NULL);
    }
}

static void end_object(vs_reply *r)
{
    vg_vm *vm = r->vm;
    r->vm = NULL;
    if (!vm)
        return;
    r->n_objects++;
    if (streq(r->obj_type, "VirtualMachine") && !r->saw_config) {
        /* orphaned, inaccessible or invalid: vSphere has no configuration to
         * give, so there are no settings, not empty ones (the audit must not
         * read "key absent, VMware default" into what it could not see) */
        if (vg_vm_add_evidence(vm, NULL, "error", NULL, 0,
                               "vSphere returned no configuration for this VM (orphaned, "
                               "inaccessible or invalid): its settings could not be read") != 0) {
            vg_vm_free(vm);
            fail(r, "out of memory", NULL);
            return;
        }
    } else if (streq(r->obj_type, "VirtualMachine")) {
        r->vm = vm;
        vg_error e;
        if (ensure_settings(r) || vg_vs_devices_to_vmx(r->dev, r->n_dev, vm->settings, &e) < 0) {
            r->vm = NULL;
            vg_vm_free(vm);
            fail(r, "out of memory", NULL);
            return;
        }
        r->vm = NULL;
    }
    if (r->task_fault[0] || r->task_msg[0]) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s%s%s", r->task_msg, r->task_msg[0] ? " " : "",
                 r->task_fault);
        vg_vm_set_prop(vm, "info.error", msg);
    }
    if (!r->on_object) {
        vg_vm_free(vm);
        return;
    }
    if (r->on_object(vm, r->obj_type, r->object_ctx)) {
        r->stopped = 1;
        fail(r, "stopped by the caller", NULL);
    }
}

static int parse_int(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end == s || *end || v < -1 || v > 1000000 ? -1 : (int)v;
}

static signed char parse_bool(const char *s)
{
    return streq(s, "true") ? 1 : streq(s, "false") ? 0 : -1;
}

static void device_leaf(vs_reply *r, int d, const char *text)
{
    if (r->n_dev == 0)
        return;
    vs_device *dv = &r->dev[r->n_dev - 1];
    const char *n = r->names[d];
    if (d == 8) {
        if (streq(n, "key"))
            dv->key = parse_int(text);
        else if (streq(n, "controllerKey"))
            dv->controller_key = parse_int(text);
        else if (streq(n, "unitNumber"))
            dv->unit = parse_int(text);
        else if (streq(n, "busNumber"))
            dv->bus = parse_int(text);
        else if (streq(n, "ehciEnabled"))
            dv->ehci = parse_bool(text);
    } else if (d == 9 && streq(r->names[8], "connectable")) {
        if (streq(n, "startConnected"))
            dv->start_connected = parse_bool(text);
        else if (streq(n, "connected"))
            dv->connected = parse_bool(text);
    } else if (d == 9 && streq(r->names[8], "backing") && streq(n, "diskMode")) {
        copy_str(dv->disk_mode, sizeof dv->disk_mode, text);
    }
}

static void device_start(vs_reply *r, int d)
{
    if (d == 7) {
        if (!r->dev)
            r->dev = calloc(VS_MAX_DEVICES, sizeof *r->dev);
        if (!r->dev) {
            fail(r, "out of memory", NULL);
            return;
        }
        if (r->n_dev == VS_MAX_DEVICES) {
            fail(r, "more than 512 devices in one VM", NULL);
            return;
        }
        vs_device *dv = &r->dev[r->n_dev++];
        memset(dv, 0, sizeof *dv);
        dv->key = dv->controller_key = dv->unit = dv->bus = -1;
        dv->start_connected = dv->connected = dv->ehci = -1;
        copy_str(dv->type, sizeof dv->type, r->xtype[d]);
    } else if (d == 8 && r->n_dev && streq(r->names[8], "backing")) {
        vs_device *dv = &r->dev[r->n_dev - 1];
        copy_str(dv->backing, sizeof dv->backing, r->xtype[d]);
    }
}

/* ------------------------------------------------------- element events */

static void prop_start(vs_reply *r, int d)
{
    const char *n = r->names[d];
    if (d == 4 && streq(n, "objects"))
        begin_object(r);
    if (!r->vm || d < 6)
        return;
    if (d == 6 && streq(under(r, 5), "propSet") && streq(n, "val")) {
        r->val_kind = kind_of(r->prop);
        if (r->val_kind == VAL_EXTRACONFIG && ensure_settings(r))
            fail(r, "out of memory", NULL);
        return;
    }
    if (d == 7 && streq(under(r, 5), "missingSet") && streq(n, "fault")) {
        if (streq(r->xtype[d], "NotAuthenticated"))
            r->session_lost = 1;
        return;
    }
    if (!streq(under(r, 6), "val") || !streq(under(r, 5), "propSet"))
        return;
    if (r->val_kind == VAL_EXTRACONFIG && d == 7) {
        r->ov_has_key = r->ov_has_value = 0;
        r->ov_key[0] = '\0';
        vg_buf_reset(&r->ov_value);
    } else if (r->val_kind == VAL_DEVICES) {
        device_start(r, d);
    } else if (r->val_kind == VAL_TASKERROR && d == 7 && streq(n, "fault")) {
        copy_str(r->task_fault, sizeof r->task_fault, r->xtype[d]);
    }
}

static void prop_leaf(vs_reply *r, int d, const char *text)
{
    const char *n = r->names[d];
    if (d == 4 && streq(n, "token")) {
        copy_str(r->token, sizeof r->token, text);
        return;
    }
    if (!r->vm)
        return;
    if (d == 5 && streq(n, "obj")) {
        if (vg_vm_set_str(&r->vm->moref, text))
            fail(r, "out of memory", NULL);
    } else if (d == 6 && streq(under(r, 5), "propSet") && streq(n, "name")) {
        copy_str(r->prop, sizeof r->prop, text);
        r->saw_config |= strncmp(text, "config.", 7) == 0;
    } else if (d == 6 && streq(under(r, 5), "propSet") && streq(n, "val")) {
        if (r->val_kind == VAL_SCALAR && apply_scalar(r, r->prop, text))
            fail(r, "out of memory", NULL);
    } else if (d >= 7 && streq(under(r, 6), "val") &&
               streq(under(r, 5), "propSet")) {
        if (r->val_kind == VAL_EXTRACONFIG && d == 8) {
            if (streq(n, "key")) {
                copy_str(r->ov_key, sizeof r->ov_key, text);
                r->ov_has_key = 1;
            } else if (streq(n, "value")) {
                vg_buf_adds(&r->ov_value, text);
                r->ov_has_value = 1;
            }
        } else if (r->val_kind == VAL_DEVICES) {
            device_leaf(r, d, text);
        } else if (r->val_kind == VAL_MANAGEDBY && d == 7 && streq(n, "extensionKey")) {
            if (vg_vm_set_str(&r->vm->managed_by, text))
                fail(r, "out of memory", NULL);
        } else if (r->val_kind == VAL_TASKERROR && d == 7 && streq(n, "localizedMessage")) {
            copy_str(r->task_msg, sizeof r->task_msg, text);
        }
    }
}

static void prop_end(vs_reply *r, int d)
{
    const char *n = r->names[d];
    if (d == 4 && streq(n, "objects")) {
        end_object(r);
    } else if (r->vm && d == 7 && r->val_kind == VAL_EXTRACONFIG &&
               streq(under(r, 6), "val") && streq(under(r, 5), "propSet")) {
        end_option_value(r);
    } else if (d == 6 && streq(n, "val")) {
        r->val_kind = VAL_NONE;
    }
}

/* Leaves of small replies, kept as "about/fullName" = "..." pairs. */
static void small_leaf(vs_reply *r, int d, const char *text)
{
    if (d == 3 && streq(r->names[3], "returnval")) {
        copy_str(r->returnval, sizeof r->returnval, text);
        return;
    }
    if (r->on_leaf) {
        if (d >= 4 && streq(r->names[3], "returnval") && r->on_leaf(r, d, text, r->leaf_ctx)) {
            r->stopped = 1;
            fail(r, "stopped by the caller", NULL);
        }
        return;
    }
    if (d < 4 || r->n_kv >= VS_MAX_KV || !streq(r->names[3], "returnval"))
        return;
    vg_buf path = VG_BUF_INIT;
    for (int i = 4; i <= d; i++) {
        if (i > 4)
            vg_buf_addc(&path, '/');
        vg_buf_adds(&path, r->names[i]);
    }
    char *v = strdup(text);
    if (path.oom || !v) {
        free(v);
        vg_buf_release(&path);
        fail(r, "out of memory", NULL);
        return;
    }
    r->kv_path[r->n_kv] = vg_buf_detach(&path);
    r->kv_value[r->n_kv++] = v;
}

static void fault_leaf(vs_reply *r, int d, const char *text)
{
    const char *n = r->names[d];
    if (d == 3 && streq(n, "faultstring"))
        copy_str(r->fault_string, sizeof r->fault_string, text);
    else if (d == 3 && streq(n, "faultcode") && !r->fault_type[0])
        copy_str(r->fault_type, sizeof r->fault_type, text);
    else if (d == 5 && streq(n, "name") && streq(under(r, 3), "detail"))
        copy_str(r->fault_name, sizeof r->fault_name, text);
}

static void fault_start(vs_reply *r, int d)
{
    if (d != 4 || !streq(r->names[3], "detail"))
        return;
    /* <InvalidLoginFault xsi:type="InvalidLogin">: the type names the fault;
     * without one, the element name minus "Fault". */
    if (r->xtype[d][0]) {
        copy_str(r->fault_type, sizeof r->fault_type, r->xtype[d]);
    } else {
        copy_str(r->fault_type, sizeof r->fault_type, r->names[d]);
        size_t len = strlen(r->fault_type);
        if (len > 5 && streq(r->fault_type + len - 5, "Fault"))
            r->fault_type[len - 5] = '\0';
    }
}

/* ------------------------------------------------------ SAX callbacks */

static int known_ns(vs_reply *r, const xmlChar *uri)
{
    /* libxml2 hands the same interned string (from this parser's dictionary)
     * for every element of a namespace: after the first match, a pointer
     * comparison */
    if (!uri || (const void *)uri == r->vim_uri)
        return 1;
    if (strcmp((const char *)uri, VS_NS_VIM) == 0) {
        r->vim_uri = uri;
        return 1;
    }
    return strcmp((const char *)uri, VS_NS_SOAP) == 0;
}

static void read_attrs(vs_reply *r, int d, int n_attr, const xmlChar **attrs)
{
    r->xtype[d][0] = '\0';
    for (int i = 0; i < n_attr; i++) {
        const xmlChar **a = attrs + 5 * i;
        const char *name = (const char *)a[0];
        size_t len = (size_t)(a[4] - a[3]);
        char val[128];
        if (len >= sizeof val)
            len = sizeof val - 1;
        memcpy(val, a[3], len);
        val[len] = '\0';
        if (streq(name, "type") && a[2] && strcmp((const char *)a[2], VS_NS_XSI) == 0) {
            /* QName value: the prefix is taken loosely (often undeclared) */
            const char *colon = strchr(val, ':');
            copy_str(r->xtype[d], sizeof r->xtype[d], colon ? colon + 1 : val);
        } else if (streq(name, "type") && !a[2] && d == 5 &&
                   streq(r->names[5], "obj")) {
            copy_str(r->obj_type, sizeof r->obj_type, val);
        }
    }
}

static int check_envelope(vs_reply *r, int d, const xmlChar *uri)
{
    const char *n = r->names[d];
    int soap = uri && strcmp((const char *)uri, VS_NS_SOAP) == 0;
    if (d == 0 && !(soap && streq(n, "Envelope"))) {
        fail(r, "not a SOAP envelope: root element is", n[0] ? n : "in a foreign namespace");
        return -1;
    }
    if (d == 2 && streq(r->names[1], "Body")) {
        if (soap && streq(n, "Fault"))
            r->is_fault = 1;
        else if (!r->response[0]) {
            copy_str(r->response, sizeof r->response, n);
            r->prop_response = streq(r->response, "RetrievePropertiesExResponse") ||
                               streq(r->response, "ContinueRetrievePropertiesExResponse");
        }
    }
    return 0;
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int n_ns, const xmlChar **ns, int n_attr, int n_def, const xmlChar **attrs)
{
    (void)prefix, (void)n_ns, (void)ns, (void)n_def;
    vs_reply *r = ctx;
    int d = r->depth++;
    vg_buf_reset(&r->text);
    r->text_on = 1;
    if (r->bad || d >= VS_MAX_DEPTH)
        return;
    copy_str(r->names[d], sizeof r->names[d], known_ns(r, uri) ? (const char *)local : "");
    if (strlen((const char *)local) >= sizeof r->names[d])
        r->names[d][0] = '\0';
    if (d >= 5 && d + 1 < VS_MAX_DEPTH)
        r->names[d + 1][0] = '\0';
    read_attrs(r, d, n_attr, attrs);
    if (d <= 2 && check_envelope(r, d, uri))
        return;
    if (d < 3 || !streq(r->names[1], "Body"))
        return;
    if (r->is_fault)
        fault_start(r, d);
    else if (is_prop_reply(r))
        prop_start(r, d);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)local, (void)prefix, (void)uri;
    vs_reply *r = ctx;
    int d = --r->depth;
    int leaf = r->text_on;
    r->text_on = 0;
    if (r->bad || d >= VS_MAX_DEPTH || d < 3 || !streq(r->names[1], "Body"))
        return;
    if (r->text.oom) {
        fail(r, "out of memory", NULL);
        return;
    }
    const char *text = r->text.data;
    if (r->is_fault) {
        if (leaf)
            fault_leaf(r, d, text);
    } else if (is_prop_reply(r)) {
        if (leaf)
            prop_leaf(r, d, text);
        prop_end(r, d);
    } else if (leaf) {
        small_leaf(r, d, text);
    }
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
    vs_reply *r = ctx;
    if (!r->text_on || r->bad)
        return;
    if (r->text.len + (size_t)len > VS_MAX_TEXT) {
        fail(r, "element text longer than 4 MiB", NULL);
        return;
    }
    vg_buf_add(&r->text, ch, (size_t)len);
}

static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    fail(ctx, "reply has a DOCTYPE (refused: SOAP has none)", NULL);
}

static void on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
                      const xmlChar *sys, xmlChar *content)
{
    (void)name, (void)type, (void)pub, (void)sys, (void)content;
    fail(ctx, "reply declares an entity (refused)", NULL);
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    vs_reply *r = ctx;
    if (!e || e->level < XML_ERR_ERROR || r->bad)
        return;
    char msg[200];
    copy_str(msg, sizeof msg, e->message);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    r->bad = 1;
    snprintf(r->error, sizeof r->error, "malformed XML at line %d: %s", e->line, msg);
}

/* -------------------------------------------------------------- API */

int vg_vs_reply_init(vs_reply *r, vs_object_fn on_object, void *ctx)
{
    memset(r, 0, sizeof *r);
    r->on_object = on_object;
    r->object_ctx = ctx;
    vg_buf_init(&r->text);
    vg_buf_init(&r->ov_value);
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.internalSubset = on_dtd;
    sax.externalSubset = on_dtd;
    sax.entityDecl = on_entity;
    sax.serror = on_error;
    xmlInitParser();
    r->xml = xmlCreatePushParserCtxt(&sax, r, NULL, 0, "reply");
    if (!r->xml)
        return -1;
    xmlCtxtUseOptions(r->xml, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    return 0;
}

int vg_vs_reply_feed(vs_reply *r, const char *data, size_t len)
{
    while (len && !r->bad) {
        int n = len > (1u << 20) ? 1 << 20 : (int)len;
        int rc = xmlParseChunk(r->xml, data, n, 0);
        if (rc && !r->bad)
            fail(r, "malformed XML", NULL);
        data += n;
        len -= (size_t)n;
    }
    return r->bad ? -1 : 0;
}

int vg_vs_reply_finish(vs_reply *r)
{
    if (!r->bad) {
        int rc = xmlParseChunk(r->xml, NULL, 0, 1);
        if (rc && !r->bad)
            fail(r, "malformed or truncated XML", NULL);
    }
    if (!r->bad && !r->response[0] && !r->is_fault)
        fail(r, "reply has no SOAP body", NULL);
    return r->bad ? -1 : 0;
}

void vg_vs_reply_release(vs_reply *r)
{
    if (r->xml) {
        xmlFreeParserCtxt(r->xml);
        r->xml = NULL;
    }
    for (size_t i = 0; i < r->n_kv; i++) {
        free(r->kv_path[i]);
        free(r->kv_value[i]);
    }
    r->n_kv = 0;
    vg_vm_free(r->vm);
    r->vm = NULL;
    free(r->dev);
    r->dev = NULL;
    vg_buf_release(&r->text);
    vg_buf_release(&r->ov_value);
}

const char *vg_vs_reply_get(const vs_reply *r, const char *path)
{
    for (size_t i = 0; i < r->n_kv; i++) {
        if (strcmp(r->kv_path[i], path) == 0)
            return r->kv_value[i];
    }
    return NULL;
}
