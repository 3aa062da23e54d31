/*
 * Defaults from configuration files, applied by each command before its own
 * options: /etc/vmxguard/config, then $XDG_CONFIG_HOME/vmxguard/config
 * (~/.config/vmxguard/config), the later file winning key by key.
 *
 *   # comment
 *   profile = disa-vsphere8-vm
 *   format  = json
 *
 * Keys: profile, format, color, fail-on, cacert, server, jobs, waivers.
 * Passwords are refused: a key that looks like one is an error naming the
 * file and line (credentials go in a --credentials file or the environment).
 */
#ifndef VG_CLI_CONFIG_H
#define VG_CLI_CONFIG_H

#include "vmxguard.h"

/*
 * Read both files (missing ones are fine).  Returns 0, or a negative
 * vg_status with err naming "file:line" for a bad line, an unknown or
 * password-like key, a bad value, or a file that exists but cannot be read.
 * Calling it again reloads.
 */
int cli_config_load(vg_error *err);

/* Read one file on top of what is loaded (a missing file is an error here). */
int cli_config_load_file(const char *path, vg_error *err);

/* The value for key, or NULL when no file set it.  Valid until cli_config_free. */
const char *cli_config_get(const char *key);

/* Forget everything loaded. */
void cli_config_free(void);

#endif
