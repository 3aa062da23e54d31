/*
 * Fuzz target: Packer and Terraform files are user input.  Any bytes must
 * give a parse tree or an error naming a line, never a crash, a hang or a
 * leak; the first byte picks native HCL or JSON, and a tree that parses is
 * also walked by the Packer and Terraform readers, whose VMs are checked
 * to carry a settings document.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "template/template_hcl.h"
#include "vmxguard/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int take(vg_vm *vm, void *ctx)
{
    (void)ctx;
    if (!vm->settings || !vm->name)
        __builtin_trap();
    vg_vm_free(vm);
    return 0;
}

/* every value's span lies inside the input, and items inside their value */
static void walk(const hcl_value *v, size_t len)
{
    if (v->off > v->end || v->end > len)
        __builtin_trap();
    for (size_t i = 0; i < v->n_items; i++) {
        if (v->items[i].value->off < v->off || v->items[i].value->end > v->end)
            __builtin_trap();
        walk(v->items[i].value, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int json = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    hcl_file *f = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (vg_hcl_parse(text, len, "fuzz.hcl", json, &f, &err) == VG_OK) {
        if (json && f->value)
            walk(f->value, len);
        for (size_t i = 0; !json && i < f->body.n_attrs; i++)
            walk(f->body.attrs[i].value, len);
        vg_hcl_free(f);
        vg_template_kind kinds[2][2] = {{VG_TEMPLATE_PACKER_HCL, VG_TEMPLATE_TERRAFORM},
                                        {VG_TEMPLATE_PACKER_JSON, VG_TEMPLATE_TF_JSON}};
        for (int k = 0; k < 2; k++) {
            vg_error_clear(&err);
            if (vg_template_read_mem(text, len, "fuzz", kinds[json][k], take, NULL, &err) !=
                    VG_OK &&
                !err.msg[0])
                __builtin_trap();
        }
    } else if (!err.msg[0]) {
        __builtin_trap(); /* every failure must say why */
    }
    return 0;
}
