/*
 * config.hardware.device -> the .vmx keys the same hardware has in a file
 * (floppy0.present, serial0.present, usb.present, ide1:0.deviceType,
 * scsi0:1.mode ...), so device rules read API and file VMs the same way.
 * Values use the .vmx spelling ("TRUE"/"FALSE", "independent-persistent").
 */
#include <stdio.h>
#include <string.h>

#include "vsphere_internal.h"

/* Controllers that give disks and CD-ROMs their "<bus>N:U" name. */
static const struct {
    const char *type;
    const char *prefix;
    const char *virtual_dev; /* scsiN.virtualDev, NULL if none */
} controllers[] = {
    {"VirtualIDEController", "ide", NULL},
    {"VirtualAHCIController", "sata", NULL},
    {"VirtualNVMEController", "nvme", NULL},
    {"ParaVirtualSCSIController", "scsi", "pvscsi"},
    {"VirtualLsiLogicController", "scsi", "lsilogic"},
    {"VirtualLsiLogicSASController", "scsi", "lsisas1068"},
    {"VirtualBusLogicController", "scsi", "buslogic"},
    {"VirtualSCSIController", "scsi", NULL},
};

enum dev_kind {
    DEV_OTHER = 0,
    DEV_FLOPPY,
    DEV_SERIAL,
    DEV_PARALLEL,
    DEV_SOUND,
    DEV_USB,
    DEV_XHCI,
    DEV_CDROM,
    DEV_DISK,
    DEV_ETHERNET,
    DEV_PASSTHRU,
    DEV_VMCI,
};

static const struct {
    const char *type;
    enum dev_kind kind;
} kinds[] = {
    {"VirtualFloppy", DEV_FLOPPY},
    {"VirtualSerialPort", DEV_SERIAL},
    {"VirtualParallelPort", DEV_PARALLEL},
    {"VirtualEnsoniq1371", DEV_SOUND},
    {"VirtualSoundBlaster16", DEV_SOUND},
    {"VirtualHdAudioCard", DEV_SOUND},
    {"VirtualSoundCard", DEV_SOUND},
    {"VirtualUSBController", DEV_USB},
    {"VirtualUSBXHCIController", DEV_XHCI},
    {"VirtualCdrom", DEV_CDROM},
    {"VirtualDisk", DEV_DISK},
    {"VirtualE1000", DEV_ETHERNET},
    {"VirtualE1000e", DEV_ETHERNET},
    {"VirtualPCNet32", DEV_ETHERNET},
    {"VirtualVmxnet", DEV_ETHERNET},
    {"VirtualVmxnet2", DEV_ETHERNET},
    {"VirtualVmxnet3", DEV_ETHERNET},
    {"VirtualVmxnet3Vrdma", DEV_ETHERNET},
    {"VirtualSriovEthernetCard", DEV_ETHERNET},
    {"VirtualPCIPassthrough", DEV_PASSTHRU},
    {"VirtualMachineVMCIDevice", DEV_VMCI},
};

/* CD-ROM backing -> .vmx deviceType. */
static const struct {
    const char *backing;
    const char *device_type;
} cd_backings[] = {
    {"VirtualCdromIsoBackingInfo", "cdrom-image"},
    {"VirtualCdromAtapiBackingInfo", "atapi-cdrom"},
    {"VirtualCdromPassthroughBackingInfo", "cdrom-raw"},
    {"VirtualCdromRemoteAtapiBackingInfo", "atapi-cdrom"},
    {"VirtualCdromRemotePassthroughBackingInfo", "cdrom-raw"},
};

static enum dev_kind kind_of(const char *type)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].type, type) == 0)
            return kinds[i].kind;
    }
    return DEV_OTHER;
}

static int controller_index(const char *type)
{
    for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++) {
        if (strcmp(controllers[i].type, type) == 0)
            return (int)i;
    }
    return -1;
}

typedef struct synth {
    vg_vmx_doc *doc;
    vg_error *err;
    int rc;
} synth;

static void put(synth *s, const char *key, const char *value)
{
    if (s->rc == 0 && vg_vmx_doc_set(s->doc, key, value, s->err) < 0)
        s->rc = -1;
}

static void put_dev(synth *s, const char *dev, const char *field, const char *value)
{
    char key[160];
    size_t dl = strlen(dev), fl = strlen(field);
    if (dl + 1 + fl >= sizeof key)
        return; /* device names are short ("serial0", "sata0:1"): never here */
    memcpy(key, dev, dl);
    key[dl] = '.';
    memcpy(key + dl + 1, field, fl + 1);
    put(s, key, value);
}

static const char *vmx_bool(int v)
{
    return v ? "TRUE" : "FALSE";
}

static void put_connectable(synth *s, const char *dev, const vs_device *d)
{
    if (d->start_connected >= 0)
        put_dev(s, dev, "startConnected", vmx_bool(d->start_connected));
    if (d->connected >= 0)
        put_dev(s, dev, "connected", vmx_bool(d->connected));
}

/* "scsi0:1" for a device on a known controller, "" otherwise. */
static void bus_name(const vs_device *all, size_t n, const vs_device *d, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int c = all[i].key == d->controller_key ? controller_index(all[i].type) : -1;
        if (c >= 0 && all[i].bus >= 0 && d->unit >= 0) {
            snprintf(out, size, "%s%d:%d", controllers[c].prefix, all[i].bus, d->unit);
            return;
        }
    }
}

static void disk_or_cd(synth *s, const vs_device *all, size_t n, const vs_device *d, int cd)
{
    char dev[64];
    bus_name(all, n, d, dev, sizeof dev);
    if (!dev[0])
        return;
    put_dev(s, dev, "present", "TRUE");
    if (cd) {
        const char *type = "atapi-cdrom";
        for (size_t i = 0; i < sizeof cd_backings / sizeof cd_backings[0]; i++) {
            if (strcmp(cd_backings[i].backing, d->backing) == 0)
                type = cd_backings[i].device_type;
        }
        put_dev(s, dev, "deviceType", type);
        put_connectable(s, dev, d);
    } else if (d->disk_mode[0] && strcmp(d->disk_mode, "persistent") != 0) {
        /* API "independent_persistent" is .vmx "independent-persistent";
         * persistent is the .vmx default and is usually not written */
        char mode[40];
        snprintf(mode, sizeof mode, "%s", d->disk_mode);
        for (char *p = mode; *p; p++)
            *p = *p == '_' ? '-' : *p;
        put_dev(s, dev, "mode", mode);
    }
}

/* Devices named "<name>N": N is the unit number where the API has one
 * (floppy, serial and parallel ports sit on the SIO controller with their
 * port index as unit), else the order of appearance. */
static void numbered(synth *s, const char *name, int index, const vs_device *d)
{
    char dev[48];
    snprintf(dev, sizeof dev, "%s%d", name, index);
    put_dev(s, dev, "present", "TRUE");
    put_connectable(s, dev, d);
}

static void controller(synth *s, const vs_device *d, int c)
{
    char dev[48];
    if (d->bus < 0 || strcmp(controllers[c].prefix, "ide") == 0)
        return;
    snprintf(dev, sizeof dev, "%s%d", controllers[c].prefix, d->bus);
    put_dev(s, dev, "present", "TRUE");
    if (controllers[c].virtual_dev)
        put_dev(s, dev, "virtualDev", controllers[c].virtual_dev);
}

int vg_vs_devices_to_vmx(const vs_device *dev, size_t n, vg_vmx_doc *doc, vg_error *err)
{
    synth s = {doc, err, 0};
    int counts[DEV_VMCI + 1] = {0};
    for (size_t i = 0; i < n && s.rc == 0; i++) {
        const vs_device *d = &dev[i];
        enum dev_kind k = kind_of(d->type);
        int idx = d->unit >= 0 && d->unit < 16 ? d->unit : counts[k];
        int c = controller_index(d->type);
        if (c >= 0)
            controller(&s, d, c);
        switch (k) {
        case DEV_FLOPPY: numbered(&s, "floppy", idx, d); break;
        case DEV_SERIAL: numbered(&s, "serial", idx, d); break;
        case DEV_PARALLEL: numbered(&s, "parallel", idx, d); break;
        case DEV_ETHERNET: numbered(&s, "ethernet", counts[k], d); break;
        case DEV_PASSTHRU: numbered(&s, "pciPassthru", counts[k], d); break;
        case DEV_SOUND: put(&s, "sound.present", "TRUE"); break;
        case DEV_USB:
            put(&s, "usb.present", "TRUE");
            if (d->ehci == 1)
                put(&s, "ehci.present", "TRUE");
            break;
        case DEV_XHCI: put(&s, "usb_xhci.present", "TRUE"); break;
        case DEV_VMCI: put(&s, "vmci0.present", "TRUE"); break;
        case DEV_CDROM: disk_or_cd(&s, dev, n, d, 1); break;
        case DEV_DISK: disk_or_cd(&s, dev, n, d, 0); break;
        case DEV_OTHER: break;
        }
        counts[k]++;
    }
    return s.rc;
}
