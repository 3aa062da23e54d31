/*
 * Fuzz target: arbitrary bytes as a vSphere SOAP reply, fed to the
 * streaming parser in two chunks (split at a byte taken from the input) so
 * chunk boundaries are fuzzed too.  Every VM built is freed.
 */
#include <stddef.h>
#include <stdint.h>

#include "vsphere/vsphere_internal.h"

static int drop(vg_vm *vm, const char *type, void *ctx)
{
    (void)type, (void)ctx;
    vg_vm_free(vm);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vs_reply r;
    if (vg_vs_reply_init(&r, drop, NULL))
        return 0;
    size_t split = size ? data[0] % (size + 1) : 0;
    if (vg_vs_reply_feed(&r, (const char *)data, split) == 0 &&
        vg_vs_reply_feed(&r, (const char *)data + split, size - split) == 0)
        vg_vs_reply_finish(&r);
    (void)vg_vs_reply_get(&r, "about/apiType");
    vg_vs_reply_release(&r);
    return 0;
}
