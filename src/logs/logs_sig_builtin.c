/*
 * The embedded signatures, compiled into the binary: catalog/logs/
 * signatures.yaml was loaded and checked by logs_sig.c's loader at build time
 * (cmake/logs_sigs_compile.c), so handing them out is returning a pointer to
 * static data, shared by every analysis and never freed.  This file is not
 * part of the compiler's own build (it needs the data the compiler writes).
 */
#include "logs/logs_internal.h"

int vg_log_sigs_load_embedded(vg_log_sigs **out, vg_error *err)
{
    (void)err;
    *out = &vg_logs_sigs_compiled;
    return VG_OK;
}
