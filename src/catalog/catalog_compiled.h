/*
 * The embedded catalog, compiled at build time: cmake/catalog_compile.c loads
 * catalog/rules/ and catalog/profiles/ with the YAML loader and writes them
 * out as static data (generated/catalog_compiled.c), sorted by id exactly as
 * the loader leaves them, profile entries pointing into the rules array.
 */
#ifndef VG_CATALOG_COMPILED_H
#define VG_CATALOG_COMPILED_H

#include <stddef.h>

#include "vmxguard/catalog.h"

extern const vg_rule vg_catalog_compiled_rules[];
extern const size_t vg_catalog_compiled_n_rules;
extern const vg_profile vg_catalog_compiled_profiles[];
extern const size_t vg_catalog_compiled_n_profiles;

#endif
