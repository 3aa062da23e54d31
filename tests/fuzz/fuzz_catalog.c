/*
 * Fuzz target: arbitrary bytes as a user's catalog file.  The loader must
 * refuse bad input with an error (never crash, leak or read out of bounds),
 * and a refused file must leave the catalog as it was.  The embedded rule
 * files are loaded first (not the large profiles, to keep runs fast) so that
 * profiles in the input may reference real rule ids.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_embedded.h"
#include "vmxguard/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_catalog *cat = vg_catalog_new();
    vg_error err;
    if (!cat)
        abort();
    for (const struct vg_embedded_file *f = vg_catalog_embedded; f->path; f++)
        if (strncmp(f->path, "rules/", 6) == 0 &&
            vg_catalog_add_yaml(cat, f->data, f->len, f->path, &err) != 0)
            abort();
    size_t np = vg_catalog_profile_count(cat), nr = vg_catalog_rule_count(cat);
    if (vg_catalog_add_yaml(cat, (const char *)data, size, "fuzz.yaml", &err) != 0) {
        if (vg_catalog_profile_count(cat) != np || vg_catalog_rule_count(cat) != nr)
            abort();
        if (!err.msg[0])
            abort();
    } else {
        for (size_t i = 0; i < vg_catalog_profile_count(cat); i++) {
            const vg_profile *p = vg_catalog_profile_at(cat, i);
            for (size_t j = 0; j < p->n_rules; j++)
                if (!p->rules[j].rule || !p->rules[j].source_id)
                    abort();
        }
    }
    vg_catalog_free(cat);
    return 0;
}
