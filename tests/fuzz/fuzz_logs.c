/*
 * Fuzz target for the vmware.log reader: any bytes go through the line
 * splitter, the signature matcher, the finding bookkeeping, finish
 * (floods, rotation) and the JSON writer; the same bytes are also tried as
 * a signature file.  Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmxguard/logs.h"

static vg_log_sigs *sigs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_error err;
    if (!sigs && vg_log_sigs_load_embedded(&sigs, &err) != VG_OK)
        abort(); /* the embedded file must always load */
    /* a tiny flood rate so the flood path runs on small inputs too */
    vg_log_opts opts = {.flood_rate = size % 2 ? 2 : 0};
    vg_log_analysis *a = vg_log_analysis_new(sigs, &opts);
    if (!a)
        return 0;
    if (vg_log_analysis_add_mem(a, (const char *)data, size, "fuzz.log", &err) == VG_OK &&
        vg_log_analysis_finish(a, &err) == VG_OK)
        free(vg_log_analysis_json(a, size % 3));
    vg_log_analysis_free(a);

    vg_log_sigs *other = NULL;
    if (vg_log_sigs_parse((const char *)data, size, "fuzz.yaml", &other, &err) == VG_OK) {
        vg_log_analysis *b = vg_log_analysis_new(other, NULL);
        if (b && vg_log_analysis_add_mem(b, (const char *)data, size, "fuzz.log", &err) == VG_OK)
            vg_log_analysis_finish(b, &err);
        vg_log_analysis_free(b);
    }
    vg_log_sigs_free(other);
    return 0;
}
