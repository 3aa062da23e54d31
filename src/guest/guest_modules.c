/*
 * Driver provenance: the VMware paravirtual and support modules the kernel
 * has (loaded or built in), whether each is in-tree and signed (its own
 * taint letters in /sys/module/X/taint: O out-of-tree, E unsigned,
 * P proprietary, F forced), and the kernel's taint word decoded.  sysfs is
 * authoritative: the .ko on disk may differ from what is loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_internal.h"

/* In-tree drivers, then the old Tools tarball's out-of-tree ones. */
static const char *const vmware_modules[] = {
    "vmxnet3",  "vmw_pvscsi", "vmw_balloon", "vmw_vmci", "vmw_vsock_vmci_transport",
    "vmwgfx",   "ptp_vmw",    "vmhgfs",      "vmblock",  "vmxnet",
    "vmmemctl", "vmsync",     "vmci",
};

/* Taint letters by bit (Documentation/admin-guide/tainted-kernels.rst). */
static const struct {
    char letter;
    int provenance; /* says something about where code came from */
    const char *what;
} taint_bits[] = {
    {'P', 1, "proprietary module"},
    {'F', 1, "module force-loaded"},
    {'S', 0, "out-of-spec system"},
    {'R', 1, "module force-unloaded"},
    {'M', 0, "machine check"},
    {'B', 0, "bad page"},
    {'U', 0, "taint requested by user"},
    {'D', 0, "kernel died recently"},
    {'A', 0, "ACPI table overridden"},
    {'W', 0, "kernel warning"},
    {'C', 0, "staging driver"},
    {'I', 0, "firmware workaround"},
    {'O', 1, "out-of-tree module"},
    {'E', 1, "unsigned module"},
    {'L', 0, "soft lockup"},
    {'K', 0, "live patched"},
    {'X', 0, "auxiliary taint"},
    {'T', 0, "built with struct randomization"},
    {'N', 0, "in-kernel test"},
};
#define N_TAINT (sizeof taint_bits / sizeof taint_bits[0])

static int provenance_letter(char c)
{
    for (size_t i = 0; i < N_TAINT; i++)
        if (taint_bits[i].letter == c)
            return taint_bits[i].provenance;
    return 0;
}

int vg_guest_module_loaded(const struct gprobe *p, const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "/sys/module/%s", name);
    return vg_groot_exists(p, rel);
}

/* One module: appends "name (state, taint)" to list; returns 1 if its taint is a finding. */
static int module_fact(struct gprobe *p, const char *m, vg_buf *list)
{
    char rel[160], taint[32] = "", state[32] = "";
    snprintf(rel, sizeof rel, "/sys/module/%s/initstate", m);
    int loadable = vg_groot_line(p, rel, state, sizeof state) == 0;
    snprintf(rel, sizeof rel, "/sys/module/%s/taint", m);
    (void)vg_groot_line(p, rel, taint, sizeof taint);
    int bad = 0;
    for (const char *c = taint; *c; c++)
        bad |= provenance_letter(*c);
    char prop[96];
    snprintf(prop, sizeof prop, "guest.module.%s", m);
    vg_gprobe_prop(p, prop, "%s%s%s", loadable ? state : "builtin", taint[0] ? ", taint " : "", taint);
    if (list->len)
        vg_buf_adds(list, "; ");
    vg_buf_printf(list, "%s (%s, %s)", m, loadable ? "module" : "built in",
                  taint[0] ? taint : "in-tree, signed");
    return bad;
}

static void drivers_finding(struct gprobe *p)
{
    vg_buf good = VG_BUF_INIT, bad = VG_BUF_INIT;
    size_t n = 0;
    for (size_t i = 0; i < sizeof vmware_modules / sizeof vmware_modules[0]; i++) {
        const char *m = vmware_modules[i];
        if (!vg_guest_module_loaded(p, m))
            continue;
        n++;
        vg_buf scratch = VG_BUF_INIT;
        if (module_fact(p, m, &scratch))
            vg_buf_printf(&bad, "%s%s", bad.len ? "; " : "", scratch.data);
        else
            vg_buf_printf(&good, "%s%s", good.len ? "; " : "", scratch.data);
        vg_buf_release(&scratch);
    }
    const char *id = "guest-driver-provenance";
    if (good.oom || bad.oom)
        p->oom = 1;
    else if (!n)
        vg_gprobe_finding(p, id, G_NA, "/sys/module", 0, "no VMware driver is loaded");
    else if (bad.len)
        vg_gprobe_finding(p, id, G_FAIL, "/sys/module", 0,
                       "VMware drivers not from the signed kernel tree: %s (taint O = out of "
                       "tree, E = unsigned, P = proprietary, F = forced)",
                       bad.data);
    else
        vg_gprobe_finding(p, id, G_PASS, "/sys/module", 0, "%s", good.data);
    vg_buf_release(&good);
    vg_buf_release(&bad);
}

static void taint_finding(struct gprobe *p)
{
    const char *id = "guest-kernel-taint", *file = "/proc/sys/kernel/tainted";
    char v[32];
    int rc = vg_groot_line(p, file, v, sizeof v);
    char *end = NULL;
    unsigned long long t = rc == 0 ? strtoull(v, &end, 10) : 0;
    if (rc != 0 || !end || *end || !v[0]) {
        vg_gprobe_finding(p, id, G_ERROR, file, 0, "%s", rc ? strerror(-rc) : "not a number");
        return;
    }
    vg_buf what = VG_BUF_INIT;
    int bad = 0;
    for (size_t i = 0; i < N_TAINT; i++) {
        if (!(t & (1ull << i)))
            continue;
        vg_buf_printf(&what, "%s%c (%s)", what.len ? ", " : "", taint_bits[i].letter,
                      taint_bits[i].what);
        bad |= taint_bits[i].provenance;
    }
    vg_gprobe_prop(p, "guest.kernel.tainted", "%llu", t);
    if (what.oom)
        p->oom = 1;
    else if (!t)
        vg_gprobe_finding(p, id, G_PASS, file, 0, "kernel not tainted (0)");
    else
        vg_gprobe_finding(p, id, bad ? G_FAIL : G_PASS, file, 0, "kernel tainted %llu: %s%s", t,
                       what.data, bad ? "" : " (none about module provenance)");
    vg_buf_release(&what);
}

void vg_guest_modules_probe(struct gprobe *p)
{
    char lockdown[96];
    if (vg_groot_line(p, "/sys/kernel/security/lockdown", lockdown, sizeof lockdown) == 0) {
        const char *a = strchr(lockdown, '['), *b = a ? strchr(a, ']') : NULL;
        if (a && b)
            vg_gprobe_prop(p, "guest.kernel.lockdown", "%.*s", (int)(b - a - 1), a + 1);
    }
    drivers_finding(p);
    taint_finding(p);
}
