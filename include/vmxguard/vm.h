/*
 * The VM record every source produces and the audit consumes.  A source
 * (files, vSphere, guest probes) fills identity, settings and typed
 * properties; the audit never knows where a VM came from.
 *
 * Settings are a vmx document: from a .vmx file it is the file itself (with
 * line numbers); from the vSphere API it is config.extraConfig plus
 * .vmx-style keys synthesised from the device list (line 0).
 */
#ifndef VMXGUARD_VM_H
#define VMXGUARD_VM_H

#include "common.h"
#include "vmx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_power_state {
    VG_POWER_UNKNOWN = 0,
    VG_POWER_OFF,
    VG_POWER_ON,
    VG_POWER_SUSPENDED,
} vg_power_state;

VG_EXPORT const char *vg_power_state_name(vg_power_state p); /* "poweredOn" ... */

typedef enum vg_vm_origin { VG_ORIGIN_FILE = 0, VG_ORIGIN_VSPHERE, VG_ORIGIN_GUEST } vg_vm_origin;

/* A fact gathered beside the settings: folder evidence, lock state, log size. */
typedef struct vg_vm_evidence {
    char *rule_id; /* catalog rule this evidence feeds, or NULL for a plain fact */
    char *status;  /* "pass" / "fail" for rule evidence, NULL for facts */
    char *file;    /* where it was seen, or NULL */
    unsigned line;
    char *message;
} vg_vm_evidence;

typedef struct vg_vm_prop {
    char *name;  /* "config.flags.enableLogging", "config.migrateEncryption", ... */
    char *value; /* as text: "true", "opportunistic", "vmx-19" */
} vg_vm_property;

typedef struct vg_vm {
    vg_vm_origin origin;
    char *name;          /* displayName; for files the .vmx basename without extension */
    char *path;          /* .vmx path, or datastore path "[ds1] web01/web01.vmx" */
    char *moref;         /* "vm-42" (vSphere) or NULL */
    char *uuid;          /* uuid.bios / config.uuid */
    char *instance_uuid; /* vc.uuid / config.instanceUuid */
    char *server;        /* vCenter/ESXi host name for API sources */
    char *host;          /* runtime.host (moref or name) */
    char *hw_version;    /* "vmx-19" (API) or "19" (virtualHW.version) */
    char *guest_os;
    char *managed_by;    /* config.managedBy extension key, NULL if none */
    vg_power_state power;
    int is_template;
    int locked;          /* .vmx.lck with members / NFS .lck-*: appears powered on */
    vg_vmx_doc *settings; /* owned */
    vg_vm_property *props;
    size_t n_props;
    vg_vm_evidence *evidence;
    size_t n_evidence;
} vg_vm;

VG_EXPORT vg_vm *vg_vm_new(vg_vm_origin origin);
VG_EXPORT void vg_vm_free(vg_vm *vm);
/* Replace a string field with a copy of value (NULL clears it). 0 or VG_ENOMEM. */
VG_EXPORT int vg_vm_set_str(char **field, const char *value);
VG_EXPORT int vg_vm_set_prop(vg_vm *vm, const char *name, const char *value);
VG_EXPORT const char *vg_vm_prop(const vg_vm *vm, const char *name); /* NULL if unknown */
VG_EXPORT int vg_vm_add_evidence(vg_vm *vm, const char *rule_id, const char *status,
                                 const char *file, unsigned line, const char *message);
/* Build a file-origin VM from a .vmx path: settings, name, uuid, hw version,
 * template flag (.vmtx), lock state of the folder. */
VG_EXPORT int vg_vm_from_vmx_file(const char *path, vg_vm **out, vg_error *err);
/* Same, for a caller that has just listed the VM's folder (the file
 * source): lock_hint 0 = the listing shows no "<file>.lck" folder and no
 * ".lck-*" file, so the folder is not read again; 1 = it shows
 * "<file>.lck" and no ".lck-*" (only that lock folder is looked into);
 * 2 = it shows ".lck-*" (locked, nothing is read); -1 = unknown (look, as
 * vg_vm_from_vmx_file does).  Lock detection uses names and lstat only: a
 * "<file>.lck" that is a symlink counts as a lock and is not followed. */
VG_EXPORT int vg_vm_from_vmx_file_hint(const char *path, int lock_hint, vg_vm **out,
                                       vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
