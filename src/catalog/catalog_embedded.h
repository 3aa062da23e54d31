/* The catalog files compiled into the binary by cmake/embed.c. */
#ifndef VG_CATALOG_EMBEDDED_H
#define VG_CATALOG_EMBEDDED_H

#include <stddef.h>

struct vg_embedded_file {
    const char *path; /* relative to catalog/: "rules/isolation.yaml" */
    const char *data; /* NUL-terminated */
    size_t len;
};

/* Terminated by an entry with path == NULL. */
extern const struct vg_embedded_file vg_catalog_embedded[];

#endif
