/*
 * Templates: the sources a VM is made from before it exists.  OVF
 * descriptors and OVA archives, Packer templates (HCL2 and legacy JSON) and
 * Terraform (.tf files, `terraform show -json` plans and states) are read
 * into the same vg_vm records a .vmx gives, so the same rules, evidence and
 * reports apply.  Settings keep the template's file and line: an entry's
 * line is the line of the key in the template, and the settings document is
 * named after the template file (for an OVA: "x.ova/member.ovf").
 *
 * Values a template computes (Packer variables, Terraform expressions,
 * function calls, "known after apply") are never guessed: the key is kept
 * with its expression as text, marked by a "value-unknown" warning
 * diagnostic, so a rule that needs a literal fails and says why.
 */
#ifndef VMXGUARD_TEMPLATE_H
#define VMXGUARD_TEMPLATE_H

#include "common.h"
#include "source.h"
#include "vm.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_template_kind {
    VG_TEMPLATE_NONE = 0,    /* not a template (a .vmx, a folder, ...) */
    VG_TEMPLATE_OVF,         /* .ovf descriptor */
    VG_TEMPLATE_OVA,         /* .ova tar archive */
    VG_TEMPLATE_PACKER_HCL,  /* .pkr.hcl */
    VG_TEMPLATE_PACKER_JSON, /* legacy Packer JSON (builders[]) */
    VG_TEMPLATE_TERRAFORM,   /* .tf */
    VG_TEMPLATE_TF_JSON,     /* terraform show -json: plan or state; terraform.tfstate */
    VG_TEMPLATE_KIND_COUNT
} vg_template_kind;

/* "ovf", "ova", "packer-hcl", "packer-json", "terraform", "terraform-json". */
VG_EXPORT const char *vg_template_kind_name(vg_template_kind k);

/* What a path is, from its name and, for .json files, its first bytes
 * (a Packer template has "builders", a plan/state "format_version" or
 * "terraform_version").  VG_TEMPLATE_NONE for anything else, including
 * folders and unreadable files (the reader reports those). */
VG_EXPORT vg_template_kind vg_template_detect(const char *path);

/* Read one template and hand each VM it describes to sink (in the order
 * of the template).  A template with several VMs (a VirtualSystemCollection,
 * several Packer sources, several Terraform resources) gives several
 * records, named after the VM's name in the template.  Returns 0, or a
 * negative code with err naming file, line and cause (a hostile OVA, a
 * manifest digest mismatch, an HCL syntax error).  kind may be
 * VG_TEMPLATE_NONE: then vg_template_detect decides. */
VG_EXPORT int vg_template_read(const char *path, vg_template_kind kind, vg_vm_sink sink, void *ctx,
                               vg_error *err);
/* The same over bytes in memory (not OVA: an archive is read from a file). */
VG_EXPORT int vg_template_read_mem(const char *data, size_t len, const char *name,
                                   vg_template_kind kind, vg_vm_sink sink, void *ctx,
                                   vg_error *err);

/*
 * Fixing at the source (src/fix/fix_template*.c).  fvs are the plans of
 * VMs read from path (vg_fix_plan_vm of their audits), matched by name; all
 * of one file's VMs are applied in one write.  Packer HCL/JSON and .tf:
 * the file is edited in place, atomically, keeping every other byte; an
 * OVF's ExtraConfig is edited the same way and its manifest digest (the
 * .mf beside it) updated; an OVA is never changed: a new archive
 * "NAME.vmxguard.ova" is written beside it (refused if that exists), its
 * path in out->note.  Device edits are skipped where devices are not keys
 * (vSphere builders, Terraform, OVF); out->note says so.  Plans and states
 * (terraform show -json) are refused: fix the .tf.  opts->dry_run: out->diff
 * only.  Edited text is read back before writing; unless every edit shows,
 * nothing is written.
 */
#if __has_include("vmxguard/fix.h")
#include "fix.h"
VG_EXPORT int vg_fix_apply_template(const char *path, vg_fix_vm *const *fvs, size_t n,
                                    const vg_fix_apply_opts *opts, vg_fix_outcome *out,
                                    vg_error *err);
#endif

/* Limits (messages name them). */
#define VG_TEMPLATE_MAX_FILE (16u * 1024u * 1024u) /* a descriptor, template or plan */
#define VG_TEMPLATE_MAX_MEMBERS 4096u              /* members of one OVA */
#define VG_TEMPLATE_MAX_DEPTH 64u                  /* nesting of HCL/JSON values */
#define VG_TEMPLATE_MAX_ITEMS 10000u               /* keys of one HCL/JSON map */

#ifdef __cplusplus
}
#endif
#endif
