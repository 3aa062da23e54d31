/*
 * Inside `watch`: what the watch remembers per VM between updates.  One
 * table per vCenter, keyed by the VM's moref; each entry keeps the VM's
 * identity (for a "vm_removed" event after the VM is gone) and one status
 * byte per profile rule, so memory is a few hundred bytes per VM and does
 * not grow with the number of changes.
 */
#ifndef VG_VSPHERE_WATCH_H
#define VG_VSPHERE_WATCH_H

#include <stddef.h>

#define VG_WATCH_NO_STATUS 0xFF /* rule not evaluated on this VM (yet) */

typedef struct vg_watch_vm {
    char *moref;
    char *name, *path, *uuid, *instance_uuid;
    unsigned gen;           /* baseline generation that last saw the VM */
    unsigned char status[]; /* one per rule slot, VG_WATCH_NO_STATUS when none */
} vg_watch_vm;

typedef struct vg_watch_table {
    vg_watch_vm **slots; /* open addressing, linear probing; NULL = free */
    size_t cap;          /* power of two */
    size_t n;
    size_t n_status; /* status bytes per VM */
} vg_watch_table;

void vg_watch_table_init(vg_watch_table *t, size_t n_status);
void vg_watch_table_release(vg_watch_table *t);
vg_watch_vm *vg_watch_table_get(const vg_watch_table *t, const char *moref);
/* The entry for moref, created (all statuses VG_WATCH_NO_STATUS) when missing;
 * *created says which.  NULL when out of memory. */
vg_watch_vm *vg_watch_table_put(vg_watch_table *t, const char *moref, int *created);
void vg_watch_table_del(vg_watch_table *t, const char *moref);
/* Replace *field with a copy of value unless equal; 0 or -1 (out of memory). */
int vg_watch_set_str(char **field, const char *value);

#endif
