/*
 * Remediation: plan edits from audit results, apply them to .vmx files
 * safely, or emit them as scripts for other tools (govc, PowerCLI, Ansible,
 * Terraform, ESXi shell).
 *
 * A plan is plain data: per VM a list of edits {set key value | remove key},
 * each naming the rules it satisfies, plus the failing rules no edit can fix
 * and why.  Whoever owns the VM applies it: vg_fix_apply_vmx() for .vmx
 * files; a vSphere applier walks the same vg_fix_vm (edits become
 * extraConfig OptionValues, removal = empty value) or plugs into
 * vg_fix_applier.  Nothing here prints; text comes back in strings.
 */
#ifndef VMXGUARD_FIX_H
#define VMXGUARD_FIX_H

#include "audit.h"
#include "common.h"
#include "vm.h"
#include "vmx.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_fix_op { VG_FIX_SET = 0, VG_FIX_REMOVE } vg_fix_op;

/* One edit of one VM's settings. */
typedef struct vg_fix_edit {
    vg_fix_op op;
    char *key;       /* spelling to write: the existing key's, else the profile's/rule's */
    char *value;     /* SET: new value (decoded, UTF-8 / document bytes); REMOVE: NULL */
    char *old_value; /* value before the edit, NULL when the key is absent */
    char **rule_ids; /* catalog rule ids this edit satisfies (duplicates collapsed) */
    size_t n_rule_ids;
    int cold_start; /* takes effect only after power off + power on */
    int device;     /* a device line (serial0.present, ...): right in a .vmx, but through
                       the API the device itself is changed, so API scripts skip it */
} vg_fix_edit;

/* Why a failing rule is not fixed by the plan. */
typedef enum vg_fix_reason {
    VG_FIX_NEEDS_HUMAN = 0, /* device removal, disk mode: only with devices = 1 */
    VG_FIX_API_ONLY,        /* a typed vSphere property with no .vmx spelling */
    VG_FIX_MANUAL,          /* procedural, guest-side or evidence rule */
    VG_FIX_NO_VALUE,        /* the rule names no value to set (ne / present) */
    VG_FIX_CONFLICT,        /* profiles demand values no single value satisfies */
    VG_FIX_REASON_COUNT
} vg_fix_reason;

VG_EXPORT const char *vg_fix_reason_name(vg_fix_reason r); /* "needs-human", ... */

typedef struct vg_fix_unfixed {
    char *rule_id;
    char *profile_id;
    char *key; /* key concerned, or NULL */
    vg_fix_reason reason;
    char *message; /* "remove the device by hand (serial0.present)", "conflict: ..." */
    int with_devices; /* planning with vg_fix_opts.devices = 1 would fix it */
} vg_fix_unfixed;

/* The plan for one VM.  Identity is copied so the plan outlives the record. */
typedef struct vg_fix_vm {
    vg_vm_origin origin;
    char *name;
    char *path; /* .vmx path or datastore path */
    char *moref;
    char *uuid;          /* BIOS UUID */
    char *instance_uuid; /* vCenter instance UUID, NULL when the source had none */
    int locked; /* appeared to be running when planned */
    vg_power_state power;
    vg_fix_edit *edits; /* sorted: in file order of existing keys, new keys after */
    size_t n_edits;
    vg_fix_unfixed *unfixed;
    size_t n_unfixed;
    int cold_start; /* some edit needs a cold start */
} vg_fix_vm;

typedef struct vg_fix_opts {
    int devices;                 /* also fix needs_human rules (e.g. <dev>.present = FALSE) */
    int api_devices; /* with devices: the plan's consumer changes devices through the API
                        (a govc script), so device rules of API VMs are planned too */
    const char *const *rule_ids; /* only these rules (NULL / 0 = all) */
    size_t n_rule_ids;
} vg_fix_opts;

/* Plan the edits for one audited VM: the smallest set of edits that makes
 * every failing, automated, fixable rule of r pass.  *out receives ownership. */
VG_EXPORT int vg_fix_plan_vm(const vg_vm_report *r, const vg_fix_opts *opts, vg_fix_vm **out,
                             vg_error *err);
VG_EXPORT void vg_fix_vm_free(vg_fix_vm *fv);

/* The typed ConfigSpec properties: settings of an API VM that are fields
 * of VirtualMachineConfigSpec, not extraConfig keys.  On such a VM a failing
 * rule on one becomes an edit under the property's key; only the vSphere
 * applier (vg_fix_apply_vsphere) can make it, scripts list it instead.  The
 * one list the planner, the emitters, the applier and the CLI share. */
typedef struct vg_fix_typed_prop {
    const char *key;  /* the vg_vm property: "config.flags.enableLogging" */
    const char *spec; /* its path in the ConfigSpec, '.'-separated: "flags.enableLogging" */
    int is_bool;      /* xsd:boolean (TRUE/true/1 are true), else the value as it is */
    int before_extra_config; /* the schema orders its element before extraConfig */
} vg_fix_typed_prop;

/* The table, in ConfigSpec element order; *n receives its length. */
VG_EXPORT const vg_fix_typed_prop *vg_fix_typed_props(size_t *n);
/* The entry for key, NULL when key is no typed property (an extraConfig key). */
VG_EXPORT const vg_fix_typed_prop *vg_fix_typed_prop_find(const char *key);

/* Plans of many VMs, for emitters (which need them all for the header). */
typedef struct vg_fix_plan {
    vg_fix_vm **vms;
    size_t n_vms, cap_vms;
    char *profiles; /* "disa-vsphere8-vm, scg-vsphere8-vm" as the header names them */
} vg_fix_plan;

VG_EXPORT vg_fix_plan *vg_fix_plan_new(const char *profiles);
/* Takes ownership of fv (also on failure). */
VG_EXPORT int vg_fix_plan_add(vg_fix_plan *p, vg_fix_vm *fv, vg_error *err);
VG_EXPORT void vg_fix_plan_free(vg_fix_plan *p);

/* Applying. */
typedef struct vg_fix_apply_opts {
    int dry_run; /* compute the diff, write nothing */
    int backup;  /* keep FILE.vmxguard-YYYYmmddTHHMMSS beside it */
    int force;   /* also edit VMs that appear to run, and hard-linked files */
    int color;   /* colour the diff (ANSI) */
    /* The targets the VMs were found under (as named): a .vmx whose real
     * file lies outside all of them is refused (VG_EOUTSIDE).  0 = no check. */
    const char *const *targets;
    size_t n_targets;
} vg_fix_apply_opts;

typedef struct vg_fix_outcome {
    int changed; /* the file was (dry run: would be) rewritten */
    size_t keys_set;
    size_t keys_removed;
    size_t stale_removed; /* stale temp files of killed runs cleaned up */
    char *diff;           /* unified diff of the change, "" when none; caller frees */
    char *note;           /* warning worth showing (e.g. hard link broken), or NULL */
    char backup_path[1024];
} vg_fix_outcome;

VG_EXPORT void vg_fix_outcome_release(vg_fix_outcome *o);

/* Apply a plan to its .vmx file (fv->path, resolved once: a symlinked .vmx
 * is checked and written where its real file lives).  doc: the document the
 * plan was computed from (its load-time bytes are re-checked before the
 * rename, so a file changed since the audit is skipped with VG_ECHANGED);
 * NULL = load now.  doc is edited in place.  Refuses locked VMs (a lock
 * beside the link or the real file; VG_ELOCKED) and hard-linked files
 * (VG_EHARDLINK) unless force, and real files outside opts->targets
 * (VG_EOUTSIDE) always.  Writes with vg_vmx_doc_save (atomic). */
VG_EXPORT int vg_fix_apply_vmx(const vg_fix_vm *fv, vg_vmx_doc *doc, const vg_fix_apply_opts *opts,
                               vg_fix_outcome *out, vg_error *err);

/* Any other owner of VMs (vSphere) applies a plan through this shape. */
typedef int (*vg_fix_applier)(const vg_fix_vm *fv, const vg_fix_apply_opts *opts,
                              vg_fix_outcome *out, void *ctx, vg_error *err);

/* Remove temp files a killed run left beside path: vg_vmx_clean_stale
 * (vg_vmx_doc_save names them ".vmxguard-tmp-PID-XXXXXX"; only those whose
 * PID no longer runs go, so a live writer's file is never touched).  Returns
 * the number removed or a negative error. */
VG_EXPORT int vg_fix_clean_stale(const char *path, vg_error *err);

/* Unified diff (3 lines of context) of two texts, "" when equal; caller frees.
 * color: ANSI colours for headers, removed and added lines. */
VG_EXPORT char *vg_fix_diff(const char *a, size_t alen, const char *b, size_t blen,
                            const char *name_a, const char *name_b, int color);

/* Emitting scripts.  format: "govc", "powercli", "ansible", "terraform",
 * "esxi-shell".  *out receives a malloc'd script of *len bytes. */
VG_EXPORT int vg_fix_emit(const vg_fix_plan *plan, const char *format, char **out, size_t *len,
                          vg_error *err);

/* What a script targets beyond its format; zero-initialised = the defaults. */
typedef struct vg_fix_emit_opts {
    /* Ansible: "community.vmware" (vmware_guest; default) or "vmware.vmware"
     * (vm_advanced_settings, the collection VMware maintains). */
    const char *ansible_collection;
} vg_fix_emit_opts;

/* vg_fix_emit with options (opts NULL = defaults).  An unknown collection
 * is VG_EUSAGE with the names that exist. */
VG_EXPORT int vg_fix_emit_with(const vg_fix_plan *plan, const char *format,
                               const vg_fix_emit_opts *opts, char **out, size_t *len,
                               vg_error *err);
/* NULL-terminated list of format names, for help and "did you mean". */
VG_EXPORT const char *const *vg_fix_emit_formats(void);
/* NULL-terminated list of the Ansible collections vg_fix_emit_opts takes. */
VG_EXPORT const char *const *vg_fix_emit_ansible_collections(void);

/* Quoting of arbitrary bytes as one literal per language (malloc'd).
 * sh: POSIX single quotes; ps: PowerShell single-quoted string; yaml:
 * double-quoted scalar; hcl: double-quoted template string with ${ and %{
 * escaped.  Newlines and control bytes survive as escapes or literally,
 * never as a way out of the literal. */
VG_EXPORT char *vg_fix_quote_sh(const char *s);
VG_EXPORT char *vg_fix_quote_ps(const char *s);
VG_EXPORT char *vg_fix_quote_yaml(const char *s);
VG_EXPORT char *vg_fix_quote_hcl(const char *s);

#ifdef __cplusplus
}
#endif
#endif
