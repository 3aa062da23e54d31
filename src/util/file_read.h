/*
 * The one careful whole-file reader, for every file the tool reads whole
 * (.vmx, catalog and profile YAML, waivers, log signatures).  The file is
 * opened non-blocking, so a FIFO or a device named as input never hangs
 * the caller, and checked with fstat on the opened descriptor (no race
 * between check and use): only regular files are read, and only up to a
 * limit, checked before reading and again while reading (a file can grow).
 */
#ifndef VG_UTIL_FILE_READ_H
#define VG_UTIL_FILE_READ_H

#include <stddef.h>

#include "vmxguard/common.h"

/* Read path whole into *out (malloc'd, NUL-terminated, *len bytes before
 * the NUL).  limit is the largest size accepted; what names the kind of
 * file for the message ("a .vmx", "a waiver file").  0, or VG_ENOTFOUND,
 * VG_EIO, VG_EINPUT (not a regular file, too large), VG_ENOMEM with err
 * naming path. */
int vg_file_read(const char *path, size_t limit, const char *what, char **out, size_t *len,
                 vg_error *err);

#endif
