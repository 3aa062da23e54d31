/*
 * The catalog compiled into the binary.  Its YAML was parsed and validated
 * at build time, so loading it is handing out pointers to static data: no
 * libyaml, no allocation beyond the two pointer arrays that let a user's
 * rules and profiles be added on top.  This file is not part of the
 * compiler's own build (it needs the data the compiler writes).
 */
#include "catalog/catalog_compiled.h"
#include "catalog/catalog_internal.h"

int vg_catalog_load_embedded(vg_catalog **out, vg_error *err)
{
    *out = NULL;
    vg_catalog *cat = vg_catalog_new();
    if (!cat || vg_catalog_adopt_static(cat, vg_catalog_compiled_rules, vg_catalog_compiled_n_rules,
                                        vg_catalog_compiled_profiles,
                                        vg_catalog_compiled_n_profiles) != 0) {
        vg_catalog_free(cat);
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    /* STIG identifiers, compiled like the rest (parsing their YAML at every
     * start took milliseconds) */
    cat->stig = (struct vg_catalog_stig *)&vg_catalog_compiled_stig;
    *out = cat;
    return 0;
}
