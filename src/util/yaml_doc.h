/*
 * The one YAML loader (libyaml's document tree) for the catalog, profile
 * files, waivers, lint tables and log signatures.  Before the tree is
 * built, one pass over the events enforces the limits that keep a small
 * hostile file small: nesting at most VG_YAML_MAX_DEPTH levels, and
 * aliases that together stand for at most VG_YAML_MAX_ALIAS_BYTES (plus
 * twice the file's size) of expanded text, since every reader walks an
 * alias as often as it is used ("billion laughs").  A recursive alias is
 * refused, and anchors and aliases are counted (libyaml's loader resolves
 * each alias by a linear search over all anchors).  Errors name the file
 * and line.
 */
#ifndef VG_UTIL_YAML_DOC_H
#define VG_UTIL_YAML_DOC_H

#include <stddef.h>
#include <yaml.h>

#include "vmxguard/common.h"

#define VG_YAML_MAX_DEPTH 64
#define VG_YAML_MAX_ALIAS_BYTES (1u << 20)
#define VG_YAML_MAX_ANCHORS 1000
#define VG_YAML_MAX_ALIASES 10000

/* Parse text into doc (the caller deletes it with yaml_document_delete on
 * success).  vg_yaml_load refuses a document without a root node ("empty
 * document"); vg_yaml_load_any leaves the root NULL.  name is for messages. */
int vg_yaml_load(const char *text, size_t len, const char *name, yaml_document_t *doc,
                 vg_error *err);
int vg_yaml_load_any(const char *text, size_t len, const char *name, yaml_document_t *doc,
                     vg_error *err);

/* Small helpers over the tree. */
yaml_node_t *vg_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
const char *vg_yaml_scalar(yaml_node_t *n); /* NULL unless a scalar */
unsigned vg_yaml_line(const yaml_node_t *n);

#endif
