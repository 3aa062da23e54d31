/*
 * Fuzz target: OVF descriptors come from appliance vendors and downloads.
 * Any bytes must give VM records (each with a settings document) or an
 * error that says why, never a crash or a leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmxguard/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int take(vg_vm *vm, void *ctx)
{
    (void)ctx;
    if (!vm->settings)
        __builtin_trap();
    vg_vm_free(vm);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_error err;
    vg_error_clear(&err);
    if (vg_template_read_mem((const char *)data, size, "fuzz.ovf", VG_TEMPLATE_OVF, take, NULL,
                             &err) != VG_OK &&
        !err.msg[0])
        __builtin_trap();
    return 0;
}
