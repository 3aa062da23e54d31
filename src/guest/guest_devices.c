/*
 * Device nodes that open a path to the hypervisor without the backdoor
 * port: the vsock device (VMCI transport, GuestRPC on vsock port 976) and
 * vmwgfx render nodes, whose DRM_VMW_MSG ioctl sends any GuestRPC text
 * through the kernel's own backdoor call, bypassing port permission.
 * What matters is whether users other than root can open them.
 */
#include <stdio.h>
#include <string.h>

#include "guest_internal.h"

static void vsock_finding(struct gprobe *p)
{
    const char *id = "guest-vsock-unprivileged", *dev = "/dev/vsock";
    struct stat st;
    if (!vg_guest_module_loaded(p, "vmw_vsock_vmci_transport")) {
        vg_gprobe_finding(p, id, G_NA, NULL, 0, "vmw_vsock_vmci_transport is not loaded");
        return;
    }
    if (vg_groot_stat(p, dev, &st) != 0) {
        vg_gprobe_finding(p, id, G_PASS, dev, 0, "VMCI vsock transport loaded, no %s node", dev);
        return;
    }
    unsigned mode = (unsigned)st.st_mode & 07777;
    vg_gprobe_prop(p, "guest.dev.vsock.mode", "%04o", mode);
    if (mode & 0006)
        vg_gprobe_finding(p, id, G_FAIL, dev, 0,
                       "%s is mode %04o with the VMCI transport loaded: every user can open "
                       "the vsock path to the VMX",
                       dev, mode);
    else
        vg_gprobe_finding(p, id, G_PASS, dev, 0, "%s is mode %04o: not open to other users", dev,
                       mode);
}

/* Render nodes whose driver is vmwgfx; mode facts into list, returns open-to-all count. */
static int render_nodes(struct gprobe *p, vg_buf *list)
{
    DIR *d = vg_groot_opendir(p, "/dev/dri");
    int open_all = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "renderD", 7) != 0)
            continue;
        char rel[300], drv[64] = "";
        snprintf(rel, sizeof rel, "/sys/class/drm/%s/device/driver", e->d_name);
        if (vg_groot_link_base(p, rel, drv, sizeof drv) != 0 || strcmp(drv, "vmwgfx") != 0)
            continue;
        struct stat st;
        snprintf(rel, sizeof rel, "/dev/dri/%s", e->d_name);
        if (vg_groot_stat(p, rel, &st) != 0)
            continue;
        unsigned mode = (unsigned)st.st_mode & 07777;
        char grp[64];
        if (vg_groot_group_name(p, (unsigned)st.st_gid, grp, sizeof grp) != VG_OK)
            snprintf(grp, sizeof grp, "%u", (unsigned)st.st_gid);
        vg_buf_printf(list, "%s%s mode %04o group %s", list->len ? "; " : "", rel, mode, grp);
        open_all += (mode & 0006) != 0;
    }
    closedir(d);
    return open_all;
}

static void render_finding(struct gprobe *p)
{
    const char *id = "guest-vmwgfx-render-node";
    if (!vg_guest_module_loaded(p, "vmwgfx")) {
        vg_gprobe_finding(p, id, G_NA, NULL, 0, "vmwgfx is not loaded");
        return;
    }
    vg_buf list = VG_BUF_INIT;
    int open_all = render_nodes(p, &list);
    if (list.oom)
        p->oom = 1;
    else if (!list.len)
        vg_gprobe_finding(p, id, G_PASS, "/dev/dri", 0, "vmwgfx loaded without a render node");
    else if (open_all)
        vg_gprobe_finding(p, id, G_FAIL, "/dev/dri", 0,
                       "%s: every user can send GuestRPC through the DRM_VMW_MSG ioctl", list.data);
    else
        vg_gprobe_finding(p, id, G_PASS, "/dev/dri", 0, "%s: only root and the group", list.data);
    vg_buf_release(&list);
}

void vg_guest_devices_probe(struct gprobe *p)
{
    vsock_finding(p);
    render_finding(p);
}
