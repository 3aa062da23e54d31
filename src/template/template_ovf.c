/*
 * OVF descriptors into VM records.  Each VirtualSystem (also inside a
 * VirtualSystemCollection, at any depth) is a VM: vmw:ExtraConfig entries
 * are its .vmx keys as they are; the virtual hardware items become the keys
 * the same hardware has in a .vmx (serial0.present, ide0:0.deviceType,
 * usb_xhci.present ...) with AutomaticAllocation as startConnected; the
 * highest vmx-NN of vssd:VirtualSystemType is virtualHW.version; vmw:Config
 * entries are the VM's config properties (config.<key>), as the API names
 * them.  Lines are the elements' lines in the descriptor.
 *
 * libxml2 reads the descriptor without network access, external DTDs or
 * entity substitution.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template/template_internal.h"

#define VMW_NS "http://www.vmware.com/schema/ovf"
#define OVF_NS "http://schemas.dmtf.org/ovf/envelope/1"
#define OVF2_NS "http://schemas.dmtf.org/ovf/envelope/2"

static int is_el(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *local)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (is_el(c, local))
            return c;
    }
    return NULL;
}

/* Text of a child element (malloc'd via libxml2; xmlFree it), or NULL. */
static char *child_text(const xmlNode *n, const char *local)
{
    const xmlNode *c = child(n, local);
    return c ? (char *)xmlNodeGetContent(c) : NULL;
}

/* An attribute in the VMware or OVF namespace, or without one. */
static char *attr(const xmlNode *n, const char *name, const char *ns)
{
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns);
    if (!v && strcmp(ns, OVF_NS) == 0)
        v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)OVF2_NS);
    if (!v)
        v = xmlGetNoNsProp(n, (const xmlChar *)name);
    return (char *)v;
}

static unsigned line_of(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? (unsigned)l : 0;
}

static const char *vmx_bool_text(const char *ovf)
{
    if (!ovf)
        return NULL;
    while (*ovf == ' ' || *ovf == '\n' || *ovf == '\t' || *ovf == '\r')
        ovf++;
    if (strncasecmp(ovf, "true", 4) == 0 || strncmp(ovf, "1", 1) == 0)
        return "TRUE";
    if (strncasecmp(ovf, "false", 5) == 0 || strncmp(ovf, "0", 1) == 0)
        return "FALSE";
    return NULL;
}

static long num(const char *s, long dflt)
{
    if (!s)
        return dflt;
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && v >= 0 && v < 1000 ? v : dflt;
}

/* A controller a disk or CD-ROM names as its Parent. */
typedef struct ctl {
    char id[64];
    const char *prefix; /* "ide", "sata", "scsi", "nvme" */
    long bus;
} ctl;

typedef struct hw {
    tmpl_vm *tv;
    ctl ctls[32];
    size_t n_ctls;
    int floppy, serial, parallel, ethernet, ide, sata, scsi, nvme;
} hw;

static void put(hw *h, const char *dev, const char *field, const char *value, unsigned line)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", dev, field);
    vg_tmpl_set(h->tv, key, value, line, 0);
}

static void connectable(hw *h, const char *dev, const xmlNode *item, unsigned line)
{
    char *auto_alloc = child_text(item, "AutomaticAllocation");
    const char *b = vmx_bool_text(auto_alloc);
    if (b)
        put(h, dev, "startConnected", b, line);
    xmlFree(auto_alloc);
}

static const struct {
    const char *subtype;
    const char *virtual_dev;
} scsi_types[] = {
    {"lsilogic", "lsilogic"},
    {"lsilogicsas", "lsisas1068"},
    {"VirtualSCSI", "pvscsi"},
    {"buslogic", "buslogic"},
};

static void controller(hw *h, const xmlNode *item, const char *prefix, int *count,
                       const char *subtype, unsigned line)
{
    char *id = child_text(item, "InstanceID");
    char *addr = child_text(item, "Address");
    long bus = num(addr, *count);
    (*count)++;
    if (h->n_ctls < sizeof h->ctls / sizeof h->ctls[0]) {
        ctl *c = &h->ctls[h->n_ctls++];
        snprintf(c->id, sizeof c->id, "%s", id ? id : "");
        c->prefix = prefix;
        c->bus = bus;
    }
    if (strcmp(prefix, "ide") != 0) {
        char dev[32];
        snprintf(dev, sizeof dev, "%s%ld", prefix, bus);
        put(h, dev, "present", "TRUE", line);
        for (size_t i = 0;
             subtype && strcmp(prefix, "scsi") == 0 && i < sizeof scsi_types / sizeof scsi_types[0];
             i++) {
            if (strcasecmp(subtype, scsi_types[i].subtype) == 0)
                put(h, dev, "virtualDev", scsi_types[i].virtual_dev, line);
        }
    }
    xmlFree(id);
    xmlFree(addr);
}

static void cdrom(hw *h, const xmlNode *item, const char *subtype, unsigned line)
{
    char *parent = child_text(item, "Parent");
    char *unit_s = child_text(item, "AddressOnParent");
    const ctl *c = NULL;
    for (size_t i = 0; parent && i < h->n_ctls; i++) {
        if (strcmp(h->ctls[i].id, parent) == 0)
            c = &h->ctls[i];
    }
    if (!c) {
        vg_tmpl_diag(h->tv, VG_DIAG_WARNING, line, "cdrom-no-controller",
                     "CD-ROM item names no controller of this VirtualSystem (Parent %s); "
                     "not audited",
                     parent ? parent : "missing");
    } else {
        char dev[48];
        snprintf(dev, sizeof dev, "%s%ld:%ld", c->prefix, c->bus, num(unit_s, 0));
        const char *type = "atapi-cdrom";
        if (subtype && strstr(subtype, "iso"))
            type = "cdrom-image";
        else if (subtype && strstr(subtype, "passthrough"))
            type = "cdrom-raw";
        put(h, dev, "present", "TRUE", line);
        put(h, dev, "deviceType", type, line);
        connectable(h, dev, item, line);
    }
    xmlFree(parent);
    xmlFree(unit_s);
}

static void numbered(hw *h, const char *name, int *count, const xmlNode *item, unsigned line)
{
    char dev[32];
    snprintf(dev, sizeof dev, "%s%d", name, (*count)++);
    put(h, dev, "present", "TRUE", line);
    connectable(h, dev, item, line);
}

/* CIM ResourceType values (DSP1043 / CIM_ResourceAllocationSettingData). */
enum {
    RT_OTHER = 1,
    RT_IDE = 5,
    RT_SCSI = 6,
    RT_ETHERNET = 10,
    RT_FLOPPY = 14,
    RT_CD = 15,
    RT_DVD = 16,
    RT_OTHER_STORAGE = 20,
    RT_SERIAL = 21,
    RT_PARALLEL = 22,
    RT_USB = 23,
    RT_SOUND = 35,
};

static void item(hw *h, const xmlNode *it)
{
    char *rt = child_text(it, "ResourceType");
    char *sub = child_text(it, "ResourceSubType");
    long type = num(rt, -1);
    unsigned line = line_of(it);
    switch (type) {
    case RT_IDE:
        controller(h, it, "ide", &h->ide, sub, line);
        break;
    case RT_SCSI:
        controller(h, it, "scsi", &h->scsi, sub, line);
        break;
    case RT_OTHER_STORAGE:
        if (sub && strstr(sub, "sata"))
            controller(h, it, "sata", &h->sata, sub, line);
        else if (sub && strstr(sub, "nvme"))
            controller(h, it, "nvme", &h->nvme, sub, line);
        break;
    case RT_FLOPPY:
        numbered(h, "floppy", &h->floppy, it, line);
        break;
    case RT_CD:
    case RT_DVD:
        cdrom(h, it, sub, line);
        break;
    case RT_SERIAL:
        numbered(h, "serial", &h->serial, it, line);
        break;
    case RT_PARALLEL:
        numbered(h, "parallel", &h->parallel, it, line);
        break;
    case RT_ETHERNET: {
        char dev[32];
        snprintf(dev, sizeof dev, "ethernet%d", h->ethernet++);
        put(h, dev, "present", "TRUE", line);
        if (sub && *sub) {
            char low[32];
            size_t k = 0;
            for (; sub[k] && k + 1 < sizeof low; k++)
                low[k] = (char)(sub[k] >= 'A' && sub[k] <= 'Z' ? sub[k] + 32 : sub[k]);
            low[k] = '\0';
            put(h, dev, "virtualDev", low, line);
        }
        connectable(h, dev, it, line);
        break;
    }
    case RT_USB:
        if (sub && strstr(sub, "xhci")) {
            vg_tmpl_set(h->tv, "usb_xhci.present", "TRUE", line, 0);
        } else {
            vg_tmpl_set(h->tv, "usb.present", "TRUE", line, 0);
            if (sub && strstr(sub, "ehci"))
                vg_tmpl_set(h->tv, "ehci.present", "TRUE", line, 0);
        }
        break;
    case RT_SOUND:
    case RT_OTHER:
        if (type == RT_SOUND || (sub && strstr(sub, "soundcard")))
            vg_tmpl_set(h->tv, "sound.present", "TRUE", line, 0);
        break;
    default:
        break;
    }
    xmlFree(rt);
    xmlFree(sub);
}

/* "vmx-13 vmx-19" -> the highest number, as text. */
static void system_type(hw *h, const xmlNode *sys)
{
    const xmlNode *t = child(sys, "VirtualSystemType");
    char *text = t ? (char *)xmlNodeGetContent(t) : NULL;
    long best = -1;
    for (const char *p = text; p && (p = strstr(p, "vmx-")); p += 4) {
        long v = num(p + 4, -1);
        best = v > best ? v : best;
    }
    if (best >= 0) {
        char v[16];
        snprintf(v, sizeof v, "%ld", best);
        vg_tmpl_set(h->tv, "virtualHW.version", v, line_of(t), 0);
    } else if (text) {
        vg_tmpl_diag(h->tv, VG_DIAG_WARNING, line_of(t), "unknown-hw-version",
                     "VirtualSystemType \"%.60s\" names no vmx-NN hardware version", text);
    }
    xmlFree(text);
}

static void key_value(hw *h, const xmlNode *n, int extra)
{
    char *k = attr(n, "key", VMW_NS), *v = attr(n, "value", VMW_NS);
    if (!k || !*k) {
        vg_tmpl_diag(h->tv, VG_DIAG_WARNING, line_of(n), "no-key", "vmw:%s without vmw:key",
                     extra ? "ExtraConfig" : "Config");
    } else if (extra) {
        vg_tmpl_set(h->tv, k, v ? v : "", line_of(n), 0);
    } else {
        char name[300];
        snprintf(name, sizeof name, "config.%s", k);
        if (vg_vm_set_prop(h->tv->vm, name, v ? v : ""))
            h->tv->oom = 1;
    }
    xmlFree(k);
    xmlFree(v);
}

static void hardware(hw *h, const xmlNode *sec)
{
    for (const xmlNode *c = sec->children; c; c = c->next) {
        if (is_el(c, "System"))
            system_type(h, c);
        else if (is_el(c, "Item") || is_el(c, "StorageItem") || is_el(c, "EthernetPortItem"))
            item(h, c);
        else if (is_el(c, "ExtraConfig"))
            key_value(h, c, 1);
        else if (is_el(c, "Config"))
            key_value(h, c, 0);
    }
}

typedef struct ovf_walk {
    const char *docname;
    vg_vm_sink sink;
    void *ctx;
    vg_error *err;
    size_t vms;
} ovf_walk;

static int virtual_system(ovf_walk *w, const xmlNode *vs)
{
    char *name = child_text(vs, "Name");
    char *id = attr(vs, "id", OVF_NS);
    tmpl_vm *tv = vg_tmpl_vm_new(name && *name ? name : id ? id : "VirtualSystem", w->docname);
    xmlFree(name);
    xmlFree(id);
    if (!tv)
        return vg_error_set(w->err, VG_ENOMEM, w->docname, 0, "out of memory");
    hw h = {.tv = tv};
    for (const xmlNode *c = vs->children; c; c = c->next) {
        if (is_el(c, "VirtualHardwareSection")) {
            hardware(&h, c);
        } else if (is_el(c, "OperatingSystemSection")) {
            char *os = attr(c, "osType", VMW_NS);
            if (os && *os)
                vg_tmpl_set(tv, "guestOS", os, line_of(c), 0);
            xmlFree(os);
        }
    }
    vg_vm *vm = NULL;
    int rc = vg_tmpl_finish(tv, w->docname, &vm, w->err);
    if (rc != VG_OK)
        return rc;
    w->vms++;
    return w->sink(vm, w->ctx) ? VG_ERR : VG_OK;
}

static int systems(ovf_walk *w, const xmlNode *parent, unsigned depth)
{
    if (depth > VG_TEMPLATE_MAX_DEPTH)
        return vg_error_set(w->err, VG_EINPUT, w->docname, line_of(parent),
                            "VirtualSystemCollection nested deeper than %u levels",
                            VG_TEMPLATE_MAX_DEPTH);
    for (const xmlNode *c = parent->children; c; c = c->next) {
        int rc = VG_OK;
        if (is_el(c, "VirtualSystem"))
            rc = virtual_system(w, c);
        else if (is_el(c, "VirtualSystemCollection"))
            rc = systems(w, c, depth + 1);
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

int vg_tmpl_read_ovf(const char *data, size_t len, const char *docname, vg_vm_sink sink, void *ctx,
                     vg_error *err)
{
    if (len > VG_TEMPLATE_MAX_FILE)
        return vg_error_set(err, VG_EINPUT, docname, 0, "larger than %u MiB",
                            VG_TEMPLATE_MAX_FILE >> 20);
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc)
        return vg_error_set(err, VG_ENOMEM, docname, 0, "out of memory");
    xmlDocPtr doc = xmlCtxtReadMemory(pc, data, (int)len, docname, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    int rc = VG_OK;
    if (!doc) {
        const xmlError *xe = xmlCtxtGetLastError(pc);
        char msg[300];
        snprintf(msg, sizeof msg, "%s", xe && xe->message ? xe->message : "not well-formed XML");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        rc = vg_error_set(err, VG_EINPUT, docname, xe && xe->line > 0 ? (unsigned)xe->line : 0,
                          "%s", msg);
    }
    xmlFreeParserCtxt(pc);
    if (rc != VG_OK)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    ovf_walk w = {docname, sink, ctx, err, 0};
    if (!is_el(root, "Envelope"))
        rc = vg_error_set(err, VG_EINPUT, docname, root ? line_of(root) : 0,
                          "not an OVF descriptor (the root element is not Envelope)");
    else
        rc = systems(&w, root, 0);
    if (rc == VG_OK && w.vms == 0)
        rc = vg_error_set(err, VG_ENOTFOUND, docname, 0, "no VirtualSystem in this descriptor");
    xmlFreeDoc(doc);
    return rc;
}
