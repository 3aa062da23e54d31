/*
 * Fuzz target: waiver files are user input; any bytes must give a waiver
 * set or an error naming a line, never a crash or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmxguard/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_waivers *w = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (vg_waivers_parse((const char *)data, size, "fuzz.yaml", &w, &err) == VG_OK) {
        const char *descr[8];
        vg_waivers_unused(w, descr, 8);
        vg_waivers_free(w);
    } else if (!err.msg[0]) {
        __builtin_trap(); /* every failure must say why */
    }
    return 0;
}
