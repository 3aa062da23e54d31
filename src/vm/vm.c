/*
 * The VM record: a plain struct every source fills and the audit reads.
 * vg_vm_from_vmx_file is the file source's constructor: it loads the
 * settings and derives identity and folder state (lock, template) from them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmxguard/vm.h"

vg_vm *vg_vm_new(vg_vm_origin origin)
{
    vg_vm *vm = calloc(1, sizeof *vm);
    if (vm)
        vm->origin = origin;
    return vm;
}

void vg_vm_free(vg_vm *vm)
{
    if (!vm)
        return;
    char **strs[] = {&vm->name, &vm->path, &vm->moref, &vm->uuid, &vm->instance_uuid,
                     &vm->server, &vm->host, &vm->hw_version, &vm->guest_os, &vm->managed_by};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    vg_vmx_doc_free(vm->settings);
    for (size_t i = 0; i < vm->n_props; i++) {
        free(vm->props[i].name);
        free(vm->props[i].value);
    }
    free(vm->props);
    for (size_t i = 0; i < vm->n_evidence; i++) {
        free(vm->evidence[i].rule_id);
        free(vm->evidence[i].status);
        free(vm->evidence[i].file);
        free(vm->evidence[i].message);
    }
    free(vm->evidence);
    free(vm);
}

int vg_vm_set_str(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return VG_ENOMEM;
    free(*field);
    *field = copy;
    return VG_OK;
}

int vg_vm_set_prop(vg_vm *vm, const char *name, const char *value)
{
    for (size_t i = 0; i < vm->n_props; i++) {
        if (strcmp(vm->props[i].name, name) == 0)
            return vg_vm_set_str(&vm->props[i].value, value);
    }
    vg_vm_property *p = realloc(vm->props, (vm->n_props + 1) * sizeof *p);
    if (!p)
        return VG_ENOMEM;
    vm->props = p;
    p[vm->n_props].name = strdup(name);
    p[vm->n_props].value = value ? strdup(value) : NULL;
    if (!p[vm->n_props].name || (value && !p[vm->n_props].value)) {
        free(p[vm->n_props].name);
        free(p[vm->n_props].value);
        return VG_ENOMEM;
    }
    vm->n_props++;
    return VG_OK;
}

const char *vg_vm_prop(const vg_vm *vm, const char *name)
{
    for (size_t i = 0; i < vm->n_props; i++) {
        if (strcmp(vm->props[i].name, name) == 0)
            return vm->props[i].value;
    }
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int vg_vm_add_evidence(vg_vm *vm, const char *rule_id, const char *status, const char *file,
                       unsigned line, const char *message)
{
    vg_vm_evidence *e = realloc(vm->evidence, (vm->n_evidence + 1) * sizeof *e);
    if (!e)
        return VG_ENOMEM;
    vm->evidence = e;
    e += vm->n_evidence;
    e->rule_id = dup_or_null(rule_id);
    e->status = dup_or_null(status);
    e->file = dup_or_null(file);
    e->line = line;
    e->message = dup_or_null(message);
    vm->n_evidence++;
    return VG_OK;
}

const char *vg_power_state_name(vg_power_state p)
{
    static const char *const names[] = {"unknown", "poweredOff", "poweredOn", "suspended"};
    return (unsigned)p < 4 ? names[p] : "unknown";
}

/*
 * A running VM holds `<name>.vmx.lck/` with member files (local VMFS keeps
 * its locks in metadata, so the folder is what hosted products and NFS show),
 * or `.lck-XXXXXXXX` files beside the .vmx on NFS datastores.
 */
/* Names and lstat only: a "<name>.lck" that is a symlink counts as a lock
 * by its name and is never followed (a tenant may point it anywhere). */
static int folder_shows_lock(const char *vmx_path, int lock_dir_only)
{
    size_t n = strlen(vmx_path);
    char *lck = malloc(n + 5);
    if (!lck)
        return 0;
    memcpy(lck, vmx_path, n);
    memcpy(lck + n, ".lck", 5);
    int locked = 0;
    int fd = open(lck, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat lst;
    if (fd < 0 && lstat(lck, &lst) == 0 && S_ISLNK(lst.st_mode))
        locked = 1;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (fd >= 0 && !d)
        close(fd);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                locked = 1;
                break;
            }
        }
        closedir(d);
    }
    free(lck);
    if (locked || lock_dir_only)
        return locked;
    /* NFS: .lck-<hex> files in the VM folder */
    const char *slash = strrchr(vmx_path, '/');
    char *dir = slash ? strndup(vmx_path, (size_t)(slash - vmx_path)) : strdup(".");
    if (!dir)
        return 0;
    if (!*dir) {
        free(dir);
        dir = strdup("/");
        if (!dir)
            return 0;
    }
    d = opendir(dir);
    free(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, ".lck-", 5) == 0) {
                locked = 1;
                break;
            }
        }
        closedir(d);
    }
    return locked;
}

static const char *setting(const vg_vmx_doc *doc, const char *key)
{
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, key);
    return e ? e->value : NULL;
}

int vg_vm_from_vmx_file(const char *path, vg_vm **out, vg_error *err)
{
    return vg_vm_from_vmx_file_hint(path, -1, out, err);
}

int vg_vm_from_vmx_file_hint(const char *path, int lock_hint, vg_vm **out, vg_error *err)
{
    *out = NULL;
    vg_vmx_doc *doc = NULL;
    int rc = vg_vmx_doc_load(path, &doc, err);
    if (rc != VG_OK)
        return rc;
    vg_vm *vm = vg_vm_new(VG_ORIGIN_FILE);
    if (!vm) {
        vg_vmx_doc_free(doc);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    vm->settings = doc;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    vm->is_template = dot && strcasecmp(dot, ".vmtx") == 0;
    /* displayName is what admins know a VM by; it is in the file's encoding. */
    const char *display = setting(doc, "displayName");
    char *name = display ? vg_vmx_doc_to_utf8(doc, display)
                         : strndup(base, dot ? (size_t)(dot - base) : strlen(base));
    const char *uuid = setting(doc, "uuid.bios");
    const char *vcuuid = setting(doc, "vc.uuid");
    const char *hw = setting(doc, "virtualHW.version");
    const char *guest = setting(doc, "guestOS");
    if (!name || vg_vm_set_str(&vm->path, path) || vg_vm_set_str(&vm->uuid, uuid) ||
        vg_vm_set_str(&vm->instance_uuid, vcuuid) || vg_vm_set_str(&vm->hw_version, hw) ||
        vg_vm_set_str(&vm->guest_os, guest)) {
        free(name);
        vg_vm_free(vm);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    vm->name = name;
    /* two folder reads per VM cost more than parsing it: skip them when
     * the caller's listing already says there is no lock */
    vm->locked = lock_hint == 0 ? 0 : lock_hint == 2 ? 1 : folder_shows_lock(path, lock_hint == 1);
    vm->power = vm->locked ? VG_POWER_ON : VG_POWER_UNKNOWN;
    *out = vm;
    return VG_OK;
}
