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

/*
 * govc's environment (GOVC_URL, GOVC_USERNAME, GOVC_PASSWORD, GOVC_INSECURE,
 * GOVC_TLS_CA_CERTS, GOVC_DATACENTER) as the last layer of defaults, so a
 * shell set up for govc works unchanged.  vmxguard's own settings win
 * (a TARGET, the URL's user, --credentials, VMXGUARD_USER/PASSWORD,
 * --cacert, --insecure, the config file); among the GOVC_ variables govc's
 * rules hold: GOVC_USERNAME and GOVC_PASSWORD override the user and
 * password inside GOVC_URL, a URL without a scheme is https and without a
 * path /sdk, GOVC_INSECURE counts when it is 1 or true (any case), and
 * GOVC_TLS_CA_CERTS is a ':'-separated list of PEM files.  A password in
 * GOVC_URL is accepted (the environment is not the process list) and
 * never printed: the target keeps only scheme, host, port and path.
 */
struct cli_govc {
    char target[1024]; /* GOVC_URL as a vmxguard target, user and password removed; "" */
    char user[256];    /* GOVC_USERNAME, else GOVC_URL's user (percent-decoded); "" */
    int has_url;
    int insecure;           /* GOVC_INSECURE set to 1 or true */
    const char *cacert;     /* one PEM file, or a private bundle of GOVC_TLS_CA_CERTS' files */
    const char *datacenter; /* GOVC_DATACENTER, NULL when unset */
};

/*
 * Read the GOVC_ variables into g.  use_url: the command has no target of
 * its own, so GOVC_URL's user and password count too.  The password (from
 * GOVC_PASSWORD, else GOVC_URL) becomes VMXGUARD_PASSWORD and the user
 * VMXGUARD_USER when those are unset, so the library's usual order applies
 * (--credentials, the target's user, then these).  Returns 0, or -1 after
 * printing what is wrong with a variable (never its value).
 */
int cli_govc_load(struct cli_govc *g, int use_url);

/* Remove the CA bundle cli_govc_load may have written. */
void cli_govc_release(struct cli_govc *g);

/* vg_vsphere_parse_url, and where a password goes instead of the URL. */
int cli_vsphere_url(const char *url, vg_vsphere_target *t, vg_error *err);

/*
 * vSphere credentials (vg_vsphere_credentials) in the CLI's order: the
 * --credentials file, the target URL's user (url_user, may be NULL or ""),
 * VMXGUARD_USER / VMXGUARD_PASSWORD, else a no-echo prompt on /dev/tty.
 * On success the process is made non-dumpable (no core file, no ptrace by
 * other users) while the password is held.  0, or -1 with err saying what
 * to set.  Free with vg_vsphere_credentials_free.
 */
int cli_vsphere_credentials(const char *url_user, const char *cred_file, char **user,
                            char **password, vg_error *err);

#endif
