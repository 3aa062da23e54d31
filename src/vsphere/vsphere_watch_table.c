/*
 * The watch's per-VM memory (vsphere_watch.h): an open-addressing hash of
 * morefs with backward-shift deletion, so that VMs coming and going for
 * hours leave no tombstones behind and the table never needs a rebuild
 * other than growth.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsphere_watch.h"

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

void vg_watch_table_init(vg_watch_table *t, size_t n_status)
{
    memset(t, 0, sizeof *t);
    t->n_status = n_status;
}

static void free_vm(vg_watch_vm *v)
{
    if (!v)
        return;
    free(v->moref);
    free(v->name);
    free(v->path);
    free(v->uuid);
    free(v->instance_uuid);
    free(v);
}

void vg_watch_table_release(vg_watch_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free_vm(t->slots[i]);
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

static size_t find(const vg_watch_table *t, const char *moref)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash_str(moref) & mask;; i = (i + 1) & mask) {
        if (!t->slots[i] || strcmp(t->slots[i]->moref, moref) == 0)
            return i;
    }
}

vg_watch_vm *vg_watch_table_get(const vg_watch_table *t, const char *moref)
{
    return t->cap ? t->slots[find(t, moref)] : NULL;
}

static int grow(vg_watch_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    vg_watch_vm **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    vg_watch_table old = *t;
    t->slots = slots;
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i])
            t->slots[find(t, old.slots[i]->moref)] = old.slots[i];
    }
    free(old.slots);
    return 0;
}

vg_watch_vm *vg_watch_table_put(vg_watch_table *t, const char *moref, int *created)
{
    *created = 0;
    vg_watch_vm *v = vg_watch_table_get(t, moref);
    if (v)
        return v;
    if ((t->n + 1) * 4 > t->cap * 3 && grow(t))
        return NULL;
    v = calloc(1, sizeof *v + t->n_status);
    if (!v || !(v->moref = strdup(moref))) {
        free(v);
        return NULL;
    }
    memset(v->status, VG_WATCH_NO_STATUS, t->n_status);
    t->slots[find(t, moref)] = v;
    t->n++;
    *created = 1;
    return v;
}

void vg_watch_table_del(vg_watch_table *t, const char *moref)
{
    if (!t->cap)
        return;
    size_t mask = t->cap - 1;
    size_t i = find(t, moref);
    if (!t->slots[i])
        return;
    free_vm(t->slots[i]);
    t->slots[i] = NULL;
    t->n--;
    /* Shift later members of the probe run back into the hole. */
    for (size_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
        size_t home = hash_str(t->slots[j]->moref) & mask;
        int movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            t->slots[i] = t->slots[j];
            t->slots[j] = NULL;
            i = j;
        }
    }
}

int vg_watch_set_str(char **field, const char *value)
{
    if ((!*field && !value) || (*field && value && strcmp(*field, value) == 0))
        return 0;
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}
