/*
 * Internals shared by the guest probes: the probe state, file access under
 * the root directory, and the helpers that turn facts into properties and
 * findings on the VM record.
 */
#ifndef VG_GUEST_INTERNAL_H
#define VG_GUEST_INTERNAL_H

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "vmxguard/guest.h"

/* Evidence statuses the audit reads back (audit_eval.c). */
#define G_PASS "pass"
#define G_FAIL "fail"
#define G_NA "not_applicable"
#define G_ERROR "error"

struct gprobe {
    const vg_guest_opts *opts;
    const char *root; /* "" for the live system, else the prefix without trailing '/' */
    const vg_guest_cpu *cpu;
    vg_vm *vm;
    int oom;
    /* Platform facts later probes use. */
    int hv_bit;
    char vendor[13];
    uint32_t hv_max_leaf;
    uint32_t hv_features; /* CPUID 0x40000010 ECX, 0 if not VMware */
    vg_guest_via via;
    int cpuid_vmware;
    int dmi_vmware;
    vg_guest_reach unpriv, priv;
    /* Tools facts. */
    int tools_installed;
};

/* guest_root.c: every file the probes read goes through these. */
void vg_groot_path(const struct gprobe *p, const char *rel, vg_buf *out);
/* Whole file (up to max bytes) into out; 0 or -errno. */
int vg_groot_read(const struct gprobe *p, const char *rel, vg_buf *out, size_t max);
/* First line, trimmed, into out[sz]; 0 or -errno. */
int vg_groot_line(const struct gprobe *p, const char *rel, char *out, size_t sz);
int vg_groot_stat(const struct gprobe *p, const char *rel, struct stat *st);
int vg_groot_exists(const struct gprobe *p, const char *rel);
/* Last path component of a symlink's target; 0 or -errno. */
int vg_groot_link_base(const struct gprobe *p, const char *rel, char *out, size_t sz);
DIR *vg_groot_opendir(const struct gprobe *p, const char *rel);
/* Names from ROOT/etc/passwd and ROOT/etc/group; 0 or VG_ENOTFOUND. */
int vg_groot_user_name(const struct gprobe *p, unsigned uid, char *out, size_t sz);
int vg_groot_group_name(const struct gprobe *p, unsigned gid, char *out, size_t sz);
int vg_groot_user_ids(const struct gprobe *p, const char *name, unsigned *uid, unsigned *gid);

/* guest_record.c: what the probes record on the VM. */
void vg_gprobe_prop(struct gprobe *p, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vg_gprobe_finding(struct gprobe *p, const char *rule_id, const char *status, const char *file,
                       unsigned line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* One probe per file. */
void vg_guest_platform_probe(struct gprobe *p); /* CPUID, DMI */
void vg_guest_reach_probe(struct gprobe *p);    /* backdoor children, RPCI */
void vg_guest_platform_findings(struct gprobe *p);
void vg_guest_devices_probe(struct gprobe *p); /* vsock, vmwgfx render nodes */
void vg_guest_tools_probe(struct gprobe *p);   /* binaries, tools.conf */
void vg_guest_mac_probe(struct gprobe *p);     /* SELinux, AppArmor */
void vg_guest_modules_probe(struct gprobe *p); /* drivers, taint */

/* Module names the probes share (guest_modules.c). */
int vg_guest_module_loaded(const struct gprobe *p, const char *name);

/* Marks this process as a throwaway probe child (guest_reach.c): the
 * native CPU may install its fault guard here, not in the caller's. */
void vg_guest_cpu_in_child(void);

#endif
