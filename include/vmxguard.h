/*
 * vmxguard: audit, report and remediate VMware VM hardening settings.
 *
 * The one header a library user includes.  Data flows one way:
 *   sources (files, vSphere, guest) -> vg_vm -> vg_audit_vm -> vg_vm_report
 *   -> report writers | fix planner -> apply / emit scripts.
 * Each part's API is documented in its own header below.
 */
#ifndef VMXGUARD_H
#define VMXGUARD_H

#include "vmxguard/common.h"
#include "vmxguard/vmx.h"
#include "vmxguard/vm.h"
#include "vmxguard/catalog.h"
#include "vmxguard/audit.h"
#include "vmxguard/report.h"
/* Headers of parts that land one by one; each is self-contained. */
#if __has_include("vmxguard/source.h")
#include "vmxguard/source.h"
#endif
#if __has_include("vmxguard/fix.h")
#include "vmxguard/fix.h"
#endif
#if __has_include("vmxguard/vsphere.h")
#include "vmxguard/vsphere.h"
#endif
#if __has_include("vmxguard/logs.h")
#include "vmxguard/logs.h"
#endif
/* VG_NO_TEMPLATES: the static guest binary (mk/static.mk) has no template
 * readers (Debian ships libarchive's dependencies without static archives). */
#if __has_include("vmxguard/template.h") && !defined(VG_NO_TEMPLATES)
#include "vmxguard/template.h"
#endif
#if __has_include("vmxguard/guest.h")
#include "vmxguard/guest.h"
#endif
#if __has_include("vmxguard/store.h")
#include "vmxguard/store.h"
#endif

#endif
