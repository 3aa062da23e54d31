/*
 * Reading a .vmx from disk without surprises, through the one careful
 * reader (util/file_read.h: non-blocking open, fstat on the descriptor,
 * regular files only, size limit).  A symlink is followed: a linked .vmx
 * is a normal sight on datastores, and what is read is what fstat checked.
 */
#include <stdlib.h>
#include <string.h>

#include "util/file_read.h"
#include "vmx/vmx_internal.h"

/* Opens path read-only for vg_vmx_doc_load and the save-time re-check. */
int vg_vmx_read_file(const char *path, char **out, size_t *len, vg_error *err)
{
    return vg_file_read(path, VG_VMX_MAX_FILE, "a .vmx", out, len, err);
}

int vg_vmx_doc_load(const char *path, vg_vmx_doc **out, vg_error *err)
{
    *out = NULL;
    char *data;
    size_t len;
    int rc = vg_vmx_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    if (len > VG_VMX_MAX_FILE)
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "file grew beyond the %u-byte limit for a .vmx while being read",
                          VG_VMX_MAX_FILE);
    else
        rc = vg_vmx_doc_parse(data, len, path, out, err);
    free(data);
    return rc;
}
