/*
 * The vSphere API in the static binary: not there.  A fully static link of
 * libcurl is impossible with Debian's packages (its TLS, HTTP/2, Kerberos and
 * LDAP dependencies ship no static archives), so `make static` builds the
 * file, log and guest features and links this file in place of src/vsphere/:
 * every vSphere call fails with one clear message instead of a link error.
 */
#include <stdlib.h>
#include <string.h>

#include "vmxguard.h"

static int unavailable(const char *what, vg_error *err)
{
    return vg_error_set(err, VG_EUSAGE, what, 0,
                        "vSphere targets need the full vmxguard build; this static binary "
                        "audits .vmx files, folders and logs only");
}

int vg_vsphere_credentials(const vg_vsphere_cred_opts *o, char **user, char **password,
                           vg_error *err)
{
    (void)o;
    *user = *password = NULL;
    return unavailable("vsphere", err);
}

void vg_vsphere_credentials_free(char *user, char *password)
{
    free(user);
    free(password);
}

int vg_vsphere_parse_url(const char *url, vg_vsphere_target *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    return unavailable(url, err);
}

int vg_vsphere_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink, void *ctx,
                     vg_error *err)
{
    (void)opts;
    (void)sink;
    (void)ctx;
    return unavailable(url, err);
}

int vg_vsphere_library_fetch(const char *url, const vg_vsphere_opts *opts, vg_vm_sink sink,
                             void *ctx, vg_problem_sink on_problem, void *problem_ctx,
                             vg_error *err)
{
    (void)opts;
    (void)sink;
    (void)ctx;
    (void)on_problem;
    (void)problem_ctx;
    return unavailable(url, err);
}

int vg_vsphere_fetch_many(const char *const *urls, size_t n_urls, const vg_vsphere_opts *opts,
                          vg_vm_sink sink, void *ctx, vg_problem_sink on_problem,
                          void *problem_ctx, vg_error *err)
{
    (void)opts;
    (void)sink;
    (void)ctx;
    (void)on_problem;
    (void)problem_ctx;
    return unavailable(n_urls ? urls[0] : "vsphere", err);
}

int vg_vsphere_fetch_pipeline(const char *url, const vg_vsphere_opts *opts,
                              const vg_vm_pipeline *pl, vg_error *err)
{
    (void)opts;
    (void)pl;
    return unavailable(url, err);
}

int vg_vsphere_fetch_many_pipeline(const char *const *urls, size_t n_urls,
                                   const vg_vsphere_opts *opts, const vg_vm_pipeline *pl,
                                   vg_problem_sink on_problem, void *problem_ctx, vg_error *err)
{
    (void)opts;
    (void)pl;
    (void)on_problem;
    (void)problem_ctx;
    return unavailable(n_urls ? urls[0] : "vsphere", err);
}

int vg_vsphere_ping(const char *url, const vg_vsphere_opts *opts, vg_vsphere_about *out,
                    vg_error *err)
{
    (void)opts;
    memset(out, 0, sizeof *out);
    return unavailable(url, err);
}

int vg_vsphere_reconfig(const char *url, const vg_vsphere_opts *opts, vg_vsphere_change *changes,
                        size_t n_changes, int jobs, vg_error *err)
{
    (void)opts;
    (void)changes;
    (void)n_changes;
    (void)jobs;
    return unavailable(url, err);
}

int vg_fix_apply_vsphere(const char *url, const vg_vsphere_opts *vo, const vg_fix_vm *const *vms,
                         size_t n, const vg_fix_apply_opts *opts, vg_fix_vsphere_outcome *out,
                         vg_error *err)
{
    (void)vo, (void)vms, (void)opts;
    memset(out, 0, n * sizeof *out);
    return unavailable(url, err);
}

void vg_vsphere_interrupt(void)
{
    /* nothing is ever in flight */
}

int vg_vsphere_reconfig_events(const char *url, const vg_vsphere_opts *opts,
                               const char *const *morefs, size_t n_morefs, time_t since,
                               time_t until, vg_vsphere_event_fn fn, void *ctx, vg_error *err)
{
    (void)opts, (void)morefs, (void)n_morefs, (void)since, (void)until, (void)fn, (void)ctx;
    return unavailable(url ? url : "vsphere", err);
}

int vg_vsphere_pending_open(const char *url, const vg_vsphere_opts *opts,
                            vg_vsphere_pending **out, vg_error *err)
{
    (void)opts;
    *out = NULL;
    return unavailable(url ? url : "vsphere", err);
}

int vg_vsphere_pending_vm(vg_vsphere_pending *p, vg_vm *vm, vg_error *err)
{
    (void)p, (void)vm, (void)err;
    return VG_OK;
}

void vg_vsphere_pending_close(vg_vsphere_pending *p)
{
    (void)p;
}
