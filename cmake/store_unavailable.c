/*
 * The results store in the static binary: not there.  libpq has no static
 * archive whose dependencies (TLS, Kerberos, LDAP) Debian ships, so `make
 * static` links this file in place of src/store/: `audit --store` fails
 * with one clear message before any VM is read, instead of a link error.
 */
#include "vmxguard.h"

static int unavailable(const char *where, vg_error *err)
{
    return vg_error_set(err, VG_EUSAGE, where, 0,
                        "the results store needs the full vmxguard build; this static binary "
                        "has none");
}

int vg_store_open(const char *where, int flags, vg_store **out, vg_error *err)
{
    (void)flags;
    *out = NULL;
    return unavailable(where, err);
}

void vg_store_close(vg_store *s)
{
    (void)s;
}

const char *vg_store_backend(const vg_store *s)
{
    (void)s;
    return "none";
}

int vg_store_run_begin(vg_store *s, const vg_report_run *run, vg_store_run **out, vg_error *err)
{
    (void)s, (void)run;
    *out = NULL;
    return unavailable(NULL, err);
}

int vg_store_run_vm(vg_store_run *w, const vg_vm_report *vr, vg_error *err)
{
    (void)w, (void)vr;
    return unavailable(NULL, err);
}

int vg_store_run_problem(vg_store_run *w, const vg_error *problem, vg_error *err)
{
    (void)w, (void)problem;
    return unavailable(NULL, err);
}

int vg_store_run_commit(vg_store_run *w, const vg_audit_summary *sum, int64_t *run_id,
                        vg_error *err)
{
    (void)w, (void)sum, (void)run_id;
    return unavailable(NULL, err);
}

void vg_store_run_abort(vg_store_run *w)
{
    (void)w;
}
