/*
 * What the STIG formats (ckl, cklb, xccdf) share: the status mapping,
 * FINDING_DETAILS and COMMENTS text, STIG Viewer's version/release fields,
 * and stable name-based UUIDs (a checklist rewritten from the same input
 * keeps its ids, so STIG Manager and diffs see the same checklist).
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Waived = an accepted exception: reported as not a finding with the
 * waiver in COMMENTS (what `saf attest` does); an error was not decided,
 * so it is not reviewed; pending (set on a running VM, in effect after a
 * power cycle) is still open, with the reason in COMMENTS / the message.
 * docs/formats.md has the table. */
static const char *const stig_status[3][VG_RESULT_STATUS_COUNT] = {
    [STIG_CKL] = {"NotAFinding", "Open", "Not_Applicable", "Not_Reviewed", "Not_Reviewed",
                  "NotAFinding", "Open"},
    [STIG_CKLB] = {"not_a_finding", "open", "not_applicable", "not_reviewed", "not_reviewed",
                   "not_a_finding", "open"},
    [STIG_XCCDF] = {"pass", "fail", "notapplicable", "notchecked", "error", "pass", "fail"},
};

const char *vg_stig_status(enum stig_format fmt, vg_result_status s)
{
    if ((unsigned)s >= VG_RESULT_STATUS_COUNT)
        s = VG_MANUAL;
    return stig_status[fmt][s];
}

const vg_result *vg_stig_result(const vg_vm_report *vr, const vg_profile_rule *pr)
{
    for (size_t i = 0; i < vr->n_results; i++) {
        if (vr->results[i].prule == pr)
            return &vr->results[i];
    }
    return NULL;
}

char *vg_stig_details(const vg_result *res)
{
    vg_buf b = VG_BUF_INIT;
    if (!res) {
        vg_buf_adds(&b, "Not evaluated by vmxguard for this VM.");
        return vg_buf_detach(&b);
    }
    if (res->status == VG_ERROR)
        vg_buf_adds(&b, "Error: ");
    vg_buf_adds(&b, res->evidence ? res->evidence : "");
    if (res->expected)
        vg_buf_printf(&b, "%sExpected: %s", b.len ? "\n" : "", res->expected);
    if (res->fix && (res->status == VG_FAIL || res->status == VG_WAIVED ||
                     res->status == VG_PENDING))
        vg_buf_printf(&b, "\nFix: %s", res->fix);
    return vg_buf_detach(&b);
}

char *vg_stig_comments(const vg_result *res)
{
    vg_buf b = VG_BUF_INIT;
    if (res && res->status == VG_PENDING)
        vg_buf_adds(&b, "Pending power cycle: the configured value is compliant, but the VM "
                        "got it while powered on and has not been power-cycled since, so it "
                        "is not in effect yet.");
    if (res && res->waiver_reason) {
        vg_buf_printf(&b, "%s: %s", res->waiver_expired ? "Waiver EXPIRED" : "Waived",
                      res->waiver_reason);
        if (res->waiver_approver)
            vg_buf_printf(&b, "\nApproved by: %s", res->waiver_approver);
        if (res->waiver_expires)
            vg_buf_printf(&b, "\nExpires: %s", res->waiver_expires);
    }
    return vg_buf_detach(&b);
}

/* The digits after letter in "V2R1" ('V' -> 2, 'R' -> 1), or "" */
static void vr_part(const char *version, char letter, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *p = version ? strchr(version, letter) : NULL;
    size_t n = 0;
    while (p && p[1 + n] >= '0' && p[1 + n] <= '9' && n + 1 < outsz)
        n++;
    if (p && n)
        snprintf(out, outsz, "%.*s", (int)n, p + 1);
}

void vg_stig_version(const vg_profile *p, char *out, size_t outsz)
{
    vr_part(p->version, 'V', out, outsz);
    if (!out[0])
        snprintf(out, outsz, "%s", p->version ? p->version : "1");
}

void vg_stig_release(const vg_profile *p, char *out, size_t outsz)
{
    vr_part(p->version, 'R', out, outsz);
    const char *rel = p->release ? strstr(p->release, "Release: ") : NULL;
    if (!out[0] && rel)
        vr_part(rel + 8, ' ', out, outsz);
    if (!out[0])
        snprintf(out, outsz, "1");
}

char *vg_stig_ref(const vg_profile *p)
{
    char version[16];
    vg_stig_version(p, version, sizeof version);
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s :: Version %s", p->title ? p->title : p->id, version);
    if (p->release)
        vg_buf_printf(&b, ", %s", p->release);
    return vg_buf_detach(&b);
}

const char *vg_stig_benchmark_id(const vg_profile *p)
{
    return p->benchmark_id ? p->benchmark_id : p->id;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    h ^= 0xFF; /* separator, so ("ab","c") and ("a","bc") differ */
    h *= 0x100000001b3ULL;
    return h;
}

void vg_report_uuid(char out[37], const char *a, const char *b, const char *c)
{
    uint64_t hi = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, a), b), c);
    uint64_t lo = fnv1a(fnv1a(fnv1a(0x84222325cbf29ce4ULL ^ hi, c), b), a);
    hi = (hi & ~0xF000ULL) | 0x5000ULL;                        /* version 5 layout */
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
             (unsigned)((hi >> 16) & 0xFFFF), (unsigned)(hi & 0xFFFF), (unsigned)(lo >> 48),
             (unsigned long long)(lo & 0xFFFFFFFFFFFFULL));
}

const char *vg_stig_severity(vg_severity s)
{
    static const char *const names[4] = {"low", "low", "medium", "high"};
    return (unsigned)s < 4 ? names[s] : "low";
}

int vg_per_vm_path(vg_report *r, struct per_vm_files *pf, const vg_vm *vm, const char *ext,
                   char **path, vg_error *err)
{
    *path = NULL;
    if (!r->opts.output_dir) {
        if (pf->vms++)
            return vg_error_set(err, VG_EUSAGE, "", 0,
                                "%s writes one checklist per VM: give an output directory "
                                "for more than one VM",
                                r->ops->name);
        return VG_OK;
    }
    /* The first checklist creates the folder (one level, 0700: checklists
     * name VMs and their settings); an existing one is used as it is. */
    if (pf->vms++ == 0 && mkdir(r->opts.output_dir, 0700) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_EIO, r->opts.output_dir, 0, "cannot create the folder: %s",
                            strerror(errno));
    char *name = vg_report_file_name(vg_report_vm_name(vm), ext, &pf->used);
    *path = name ? vg_report_path(r->opts.output_dir, name) : NULL;
    free(name);
    if (!*path)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return VG_OK;
}

void vg_per_vm_release(struct per_vm_files *pf)
{
    vg_name_set_release(&pf->used);
}

const char *vg_stig_rule_key(const vg_profile *p, const vg_profile_rule *pr)
{
    const char *sv = vg_report_ref_matching(pr, "SV-", "_rule");
    if (sv)
        return sv;
    if (!pr->source_id)
        return pr->rule->id;
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_profile_rule *o = &p->rules[i];
        if (o != pr && o->source_id && strcmp(o->source_id, pr->source_id) == 0)
            return pr->rule->id;
    }
    return pr->source_id;
}

/* ckl and cklb keep their per-VM file list first in their state, so the
 * parts of a checklist writer that do not depend on the format live here. */
int vg_checklist_problem(vg_report *r, const vg_error *problem, vg_error *err)
{
    (void)r, (void)problem, (void)err; /* not part of a checklist; the caller prints it */
    return VG_OK;
}

int vg_checklist_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    const struct per_vm_files *files = r->state;
    (void)sum;
    if (files->vms == 0)
        return vg_error_set(err, VG_ENOTFOUND, "", 0, "no VM to write a checklist for");
    return VG_OK;
}

void vg_checklist_free(vg_report *r)
{
    struct per_vm_files *files = r->state;
    if (!files)
        return;
    vg_per_vm_release(files);
    free(files);
}

/* ---- checklist rows: one per STIG rule (or per profile entry without STIG data) ---- */

/* Which status of several entries answering one STIG rule wins: an open
 * finding first, then what was not decided, then an accepted exception. */
static int row_rank(vg_result_status s)
{
    static const int rank[VG_RESULT_STATUS_COUNT] = {
        [VG_FAIL] = 6, [VG_PENDING] = 5, [VG_ERROR] = 4, [VG_MANUAL] = 3, [VG_WAIVED] = 2,
        [VG_PASS] = 1, [VG_NOT_APPLICABLE] = 0};
    return (unsigned)s < VG_RESULT_STATUS_COUNT ? rank[s] : 3;
}

static void row_add(struct stig_row *row, const vg_profile_rule *pr, const vg_result *res)
{
    if (row->n_entries < STIG_ROW_MAX) {
        row->entries[row->n_entries] = pr;
        row->results[row->n_entries] = res;
        row->n_entries++;
    }
    vg_result_status s = res ? res->status : VG_MANUAL;
    if (row->n_entries == 1 || row_rank(s) > row_rank(row->status))
        row->status = s;
}

size_t vg_stig_rows(const vg_report *r, const vg_profile *p, const vg_vm_report *vr,
                    struct stig_row **out)
{
    const vg_stig_benchmark *b = vg_catalog_stig_checklist(r->run.catalog, p->id);
    size_t n = b ? b->n_rules : p->n_rules;
    struct stig_row *rows = calloc(n ? n : 1, sizeof *rows);
    *out = rows;
    if (!rows)
        return 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].bench = b;
        rows[i].srule = b ? &b->rules[i] : NULL;
        rows[i].status = VG_MANUAL;
        if (!b)
            row_add(&rows[i], &p->rules[i], vg_stig_result(vr, &p->rules[i]));
    }
    for (size_t k = 0; b && k < p->n_rules; k++) {
        const vg_profile_rule *pr = &p->rules[k];
        for (size_t i = 0; pr->source_id && i < n; i++) {
            if (strcmp(rows[i].srule->stig_id, pr->source_id) == 0) {
                row_add(&rows[i], pr, vg_stig_result(vr, pr));
                break;
            }
        }
    }
    return n;
}

const char *vg_stig_row_group(const struct stig_row *row)
{
    if (row->srule)
        return row->srule->group_id;
    const vg_profile_rule *pr = row->entries[0];
    const char *v = vg_report_ref_matching(pr, "V-", NULL);
    return v ? v : (pr->source_id ? pr->source_id : pr->rule->id);
}

const char *vg_stig_row_rule_id(const vg_profile *p, const struct stig_row *row)
{
    return row->srule ? row->srule->rule_id : vg_stig_rule_key(p, row->entries[0]);
}

const char *vg_stig_row_version(const struct stig_row *row)
{
    if (row->srule)
        return row->srule->stig_id;
    const vg_profile_rule *pr = row->entries[0];
    return pr->source_id ? pr->source_id : pr->rule->id;
}

const char *vg_stig_row_group_title(const struct stig_row *row)
{
    if (row->srule)
        return row->srule->group_title;
    const char *srg = vg_report_ref_matching(row->entries[0], "SRG-", NULL);
    return srg ? srg : "";
}

const char *vg_stig_row_severity(const struct stig_row *row)
{
    if (row->srule)
        return row->srule->severity;
    return vg_stig_severity(row->entries[0]->severity);
}

char *vg_stig_row_title(const struct stig_row *row)
{
    vg_buf b = VG_BUF_INIT;
    if (!row->n_entries)
        vg_buf_printf(&b, "%s (no vmxguard check: review by hand)", row->srule->stig_id);
    for (size_t i = 0; i < row->n_entries; i++) {
        const vg_profile_rule *pr = row->entries[i];
        vg_buf_printf(&b, "%s%s", i ? "; " : "", pr->title ? pr->title : pr->rule->title);
    }
    return vg_buf_detach(&b);
}

/* Several entries: each one's evidence under its catalog id. */
char *vg_stig_row_details(const struct stig_row *row)
{
    if (row->n_entries == 1)
        return vg_stig_details(row->results[0]);
    vg_buf b = VG_BUF_INIT;
    if (!row->n_entries)
        vg_buf_adds(&b, "vmxguard has no automated or manual check for this STIG rule; it was "
                        "not reviewed.");
    for (size_t i = 0; i < row->n_entries; i++) {
        char *d = vg_stig_details(row->results[i]);
        vg_buf_printf(&b, "%s[%s] %s: %s", i ? "\n\n" : "", row->entries[i]->rule->id,
                      vg_stig_status(STIG_XCCDF,
                                     row->results[i] ? row->results[i]->status : VG_MANUAL),
                      d ? d : "");
        free(d);
    }
    return vg_buf_detach(&b);
}

/* COMMENTS: waivers, and for an open finding what failed and how to fix it,
 * so a collection that requires a comment on Open reviews takes them as
 * submitted.  "" for anything else. */
char *vg_stig_row_comments(const struct stig_row *row)
{
    vg_buf b = VG_BUF_INIT;
    for (size_t i = 0; i < row->n_entries; i++) {
        const vg_result *res = row->results[i];
        char *w = vg_stig_comments(res);
        if (w && *w)
            vg_buf_printf(&b, "%s%s", b.len ? "\n" : "", w);
        free(w);
        if (res && res->status == VG_FAIL) {
            const char *fix = res->fix ? res->fix : row->entries[i]->rule->fix;
            vg_buf_printf(&b, "%sOpen: vmxguard found %s not met (%s)%s%s", b.len ? "\n" : "",
                          row->entries[i]->rule->id,
                          res->key ? res->key : vg_report_rule_title(res), fix ? ". Fix: " : "",
                          fix ? fix : "");
        }
    }
    return vg_buf_detach(&b);
}

const char *vg_stig_bench_id(const vg_report *r, const vg_profile *p)
{
    const vg_stig_benchmark *b = vg_catalog_stig_checklist(r->run.catalog, p->id);
    return b ? b->id : vg_stig_benchmark_id(p);
}
