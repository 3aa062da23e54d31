/*
 * Reading the audit's own YAML (lint tables, waivers) through libyaml's
 * document tree: small files, so a tree is simpler than events, and every
 * node keeps its line for messages.
 */
#include <string.h>

#include "audit/audit_internal.h"

int vg_yaml_load(const char *text, size_t len, const char *name, yaml_document_t *doc,
                 vg_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int ok = yaml_parser_load(&p, doc);
    if (!ok) {
        unsigned line = (unsigned)p.problem_mark.line + 1;
        vg_error_set(err, VG_EINPUT, name, line, "invalid YAML: %s",
                     p.problem ? p.problem : "parse error");
        yaml_parser_delete(&p);
        return VG_EINPUT;
    }
    yaml_parser_delete(&p);
    if (!yaml_document_get_root_node(doc)) {
        yaml_document_delete(doc);
        return vg_error_set(err, VG_EINPUT, name, 1, "empty document");
    }
    return VG_OK;
}

yaml_node_t *vg_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = vg_yaml_scalar(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

const char *vg_yaml_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

unsigned vg_yaml_line(const yaml_node_t *n)
{
    return n ? (unsigned)n->start_mark.line + 1 : 0;
}
