/*
 * vg_guest_probe: run the guest probes in order and build the VM record.
 * Order matters: passive facts first (CPUID, DMI, files), then the
 * backdoor children, so a guest where touching the port is refused
 * (--no-backdoor) still gets every other finding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest_internal.h"

const char *vg_guest_profile_id(void)
{
    return "guest-linux";
}

/* Name, OS and uuid, for the report header. */
static void identity(struct gprobe *p)
{
    char v[256];
    if (vg_groot_line(p, "/proc/sys/kernel/hostname", v, sizeof v) == 0 && v[0])
        p->oom |= vg_vm_set_str(&p->vm->name, v) != VG_OK;
    else if (vg_groot_line(p, "/etc/hostname", v, sizeof v) == 0 && v[0])
        p->oom |= vg_vm_set_str(&p->vm->name, v) != VG_OK;
    else
        p->oom |= vg_vm_set_str(&p->vm->name, "guest") != VG_OK;
    if (vg_groot_line(p, "/sys/class/dmi/id/product_uuid", v, sizeof v) == 0 && v[0])
        p->oom |= vg_vm_set_str(&p->vm->uuid, v) != VG_OK;
    vg_buf b = VG_BUF_INIT;
    if (vg_groot_read(p, "/etc/os-release", &b, 65536) == 0) {
        const char *s = strstr(b.data, "PRETTY_NAME=");
        if (s) {
            s += 12;
            size_t n = strcspn(s, "\n");
            if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
                s++;
                n -= 2;
            }
            snprintf(v, sizeof v, "%.*s", (int)n, s);
            p->oom |= vg_vm_set_str(&p->vm->guest_os, v) != VG_OK;
        }
    }
    vg_buf_release(&b);
    if (vg_groot_line(p, "/proc/sys/kernel/osrelease", v, sizeof v) == 0)
        vg_gprobe_prop(p, "guest.kernel.release", "%s", v);
}

static int check_root(const char *root, char *out, size_t sz, vg_error *err)
{
    struct stat st;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (n == 1 && root[0] == '/')
        n = 0; /* "/" is the live system: paths are used as they are */
    if (n >= sz)
        return vg_error_set(err, VG_EUSAGE, root, 0, "root directory path too long");
    if (stat(root, &st) != 0)
        return vg_error_set(err, VG_EIO, root, 0, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vg_error_set(err, VG_EUSAGE, root, 0, "not a directory");
    memcpy(out, root, n);
    out[n] = '\0';
    return VG_OK;
}

int vg_guest_probe(const vg_guest_opts *opts, vg_vm **out, vg_error *err)
{
    static const vg_guest_opts defaults;
    char root[4096];
    if (!out)
        return vg_error_set(err, VG_EUSAGE, "", 0, "no output pointer");
    *out = NULL;
    opts = opts ? opts : &defaults;
    int rc = check_root(opts->root ? opts->root : "/", root, sizeof root, err);
    if (rc)
        return rc;
    struct gprobe p;
    memset(&p, 0, sizeof p);
    p.opts = opts;
    p.root = root;
    p.cpu = opts->cpu ? opts->cpu : vg_guest_cpu_native();
    p.vm = vg_vm_new(VG_ORIGIN_GUEST);
    if (!p.vm)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    p.oom |= vg_vm_set_str(&p.vm->path, root[0] ? root : "/") != VG_OK;
    identity(&p);
    vg_guest_platform_probe(&p);
    vg_guest_modules_probe(&p);
    vg_guest_devices_probe(&p);
    vg_guest_tools_probe(&p);
    vg_guest_mac_probe(&p);
    vg_guest_reach_probe(&p);
    vg_guest_platform_findings(&p);
    if (p.oom) {
        vg_vm_free(p.vm);
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    }
    *out = p.vm;
    return VG_OK;
}
