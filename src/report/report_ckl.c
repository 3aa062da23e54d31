/*
 * DISA STIG Viewer 2 checklist (.ckl): one CHECKLIST per VM, ASSET from the
 * VM, one iSTIG per profile holding exactly the rules of the profile's STIG
 * (catalog STIG data: rules of other benchmarks the profile lists stay out,
 * a STIG rule vmxguard does not check is Not_Reviewed), the STIG's published
 * ids (CCI_REF, LEGACY_ID, SRG group title, rule revision), STIG_DATA in the
 * order STIG Viewer 2.17 writes it, evidence in FINDING_DETAILS and the
 * waiver or the open finding's fix in COMMENTS.  Element order matters: STIG Viewer validates on import.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

struct ckl_state {
    struct per_vm_files files; /* first: vg_checklist_* use it */
};

static void si_data(xw *x, const char *name, const char *value)
{
    vg_xw_start(x, "SI_DATA");
    vg_xw_elem(x, "SID_NAME", name);
    if (value && *value) /* STIG Viewer leaves SID_DATA out when empty */
        vg_xw_elem(x, "SID_DATA", value);
    vg_xw_end(x);
}

static void stig_data(xw *x, const char *attr, const char *data)
{
    vg_xw_start(x, "STIG_DATA");
    vg_xw_elem(x, "VULN_ATTRIBUTE", attr);
    vg_xw_elem(x, "ATTRIBUTE_DATA", data ? data : "");
    vg_xw_end(x);
}

static void put_asset(xw *x, const vg_vm *vm)
{
    const char *fqdn = vg_vm_prop(vm, "guest.hostName");
    const char *ip = vg_vm_prop(vm, "guest.ipAddress");
    vg_buf comment = VG_BUF_INIT;
    vg_buf_printf(&comment, "%s", vm->path ? vm->path : "");
    if (vm->moref)
        vg_buf_printf(&comment, "; %s on %s", vm->moref, vm->server ? vm->server : "?");
    if (vm->uuid)
        vg_buf_printf(&comment, "; uuid %s", vm->uuid);
    if (vm->instance_uuid)
        vg_buf_printf(&comment, "; instanceUuid %s", vm->instance_uuid);
    vg_xw_start(x, "ASSET");
    vg_xw_elem(x, "ROLE", "None");
    vg_xw_elem(x, "ASSET_TYPE", "Computing");
    vg_xw_elem(x, "MARKING", "CUI");
    vg_xw_elem(x, "HOST_NAME", vg_report_vm_name(vm));
    vg_xw_elem(x, "HOST_IP", ip);
    vg_xw_elem(x, "HOST_MAC", vg_vm_prop(vm, "guest.macAddress"));
    vg_xw_elem(x, "HOST_FQDN", fqdn);
    vg_xw_elem(x, "TARGET_COMMENT", comment.data);
    vg_xw_elem(x, "TECH_AREA", "Other Review");
    vg_xw_elem(x, "TARGET_KEY", NULL);
    vg_xw_elem(x, "WEB_OR_DATABASE", "false");
    vg_xw_elem(x, "WEB_DB_SITE", NULL);
    vg_xw_elem(x, "WEB_DB_INSTANCE", NULL);
    vg_xw_end(x);
    vg_buf_release(&comment);
}

static void put_stig_info(const vg_report *r, xw *x, const vg_profile *p, const vg_vm *vm)
{
    const vg_stig_benchmark *b = vg_catalog_stig_checklist(r->run.catalog, p->id);
    char version[16], uuid[37];
    vg_stig_version(p, version, sizeof version);
    vg_report_uuid(uuid, "ckl-istig", vg_stig_bench_id(r, p), vm->uuid ? vm->uuid : vm->path);
    vg_xw_start(x, "STIG_INFO");
    si_data(x, "version", b ? b->version : version);
    si_data(x, "classification", b ? b->classification : "UNCLASSIFIED");
    si_data(x, "customname", NULL);
    si_data(x, "stigid", vg_stig_bench_id(r, p));
    si_data(x, "description", p->description);
    si_data(x, "filename", b && b->filename ? b->filename : p->file);
    si_data(x, "releaseinfo", b ? b->release_info : p->release);
    si_data(x, "title", b ? b->title : (p->title ? p->title : p->id));
    si_data(x, "uuid", uuid);
    si_data(x, "notice", "terms-of-use");
    si_data(x, "source", p->source);
    vg_xw_end(x);
}

/* "<title> :: Version 2, Release: 1 Benchmark Date: ..." as STIG Viewer writes STIGRef. */
static char *stig_ref(const vg_profile *p, const vg_stig_benchmark *b)
{
    if (!b)
        return vg_stig_ref(p);
    vg_buf s = VG_BUF_INIT;
    vg_buf_printf(&s, "%s :: Version %s, %s", b->title, b->version, b->release_info);
    return vg_buf_detach(&s);
}

/* The STIG_DATA attributes STIG Viewer writes, in its order.  Identifiers
 * come from the STIG data; check and fix are vmxguard's own text. */
static void put_stig_data(xw *x, const vg_profile *p, const struct stig_row *row,
                          const char *stig_uuid)
{
    const vg_profile_rule *pr = row->n_entries ? row->entries[0] : NULL;
    char *ref = stig_ref(p, row->bench);
    char *title = vg_stig_row_title(row);
    stig_data(x, "Vuln_Num", vg_stig_row_group(row));
    stig_data(x, "Severity", vg_stig_row_severity(row));
    stig_data(x, "Group_Title", vg_stig_row_group_title(row));
    stig_data(x, "Rule_ID", vg_stig_row_rule_id(p, row));
    stig_data(x, "Rule_Ver", vg_stig_row_version(row));
    stig_data(x, "Rule_Title", title);
    stig_data(x, "Vuln_Discuss", pr ? pr->rule->description : NULL);
    stig_data(x, "IA_Controls", NULL);
    stig_data(x, "Check_Content", pr ? pr->check : NULL);
    stig_data(x, "Fix_Text", pr ? pr->rule->fix : NULL);
    static const char *const empty[] = {"False_Positives", "False_Negatives"};
    for (size_t i = 0; i < 2; i++)
        stig_data(x, empty[i], NULL);
    stig_data(x, "Documentable", "false");
    static const char *const more[] = {"Mitigations",       "Potential_Impact",
                                       "Third_Party_Tools", "Mitigation_Control",
                                       "Responsibility",    "Security_Override_Guidance"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        stig_data(x, more[i], NULL);
    stig_data(x, "Check_Content_Ref", "M");
    stig_data(x, "Weight", row->srule ? row->srule->weight : "10.0");
    stig_data(x, "Class", "Unclass");
    stig_data(x, "STIGRef", ref);
    stig_data(x, "TargetKey", NULL);
    stig_data(x, "STIG_UUID", stig_uuid);
    for (size_t i = 0; row->srule && row->srule->legacy_ids && row->srule->legacy_ids[i]; i++)
        stig_data(x, "LEGACY_ID", row->srule->legacy_ids[i]);
    if (row->srule) {
        for (size_t i = 0; row->srule->ccis && row->srule->ccis[i]; i++)
            stig_data(x, "CCI_REF", row->srule->ccis[i]);
    } else {
        for (size_t i = 0; pr && pr->refs && pr->refs[i]; i++) {
            if (strncmp(pr->refs[i], "CCI-", 4) == 0)
                stig_data(x, "CCI_REF", pr->refs[i]);
        }
    }
    if (!ref || !title)
        x->failed = 1;
    free(ref);
    free(title);
}

static void put_vuln(xw *x, const vg_profile *p, const struct stig_row *row,
                     const char *stig_uuid)
{
    char *details = vg_stig_row_details(row);
    char *comments = vg_stig_row_comments(row);
    vg_xw_start(x, "VULN");
    put_stig_data(x, p, row, stig_uuid);
    vg_xw_elem(x, "STATUS", vg_stig_status(STIG_CKL, row->status));
    vg_xw_elem(x, "FINDING_DETAILS", details);
    vg_xw_elem(x, "COMMENTS", comments);
    vg_xw_elem(x, "SEVERITY_OVERRIDE", NULL);
    vg_xw_elem(x, "SEVERITY_JUSTIFICATION", NULL);
    vg_xw_end(x);
    if (!details || !comments)
        x->failed = 1;
    free(details);
    free(comments);
}

static void put_checklist(vg_report *r, xw *x, const vg_vm_report *vr)
{
    char comment[64];
    snprintf(comment, sizeof comment, "vmxguard %s",
             r->run.tool_version ? r->run.tool_version : vg_version());
    vg_xw_comment(x, comment);
    vg_xw_start(x, "CHECKLIST");
    put_asset(x, vr->vm);
    vg_xw_start(x, "STIGS");
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        char stig_uuid[37];
        vg_report_uuid(stig_uuid, "ckl-stig", vg_stig_bench_id(r, p), p->version);
        struct stig_row *rows;
        size_t n = vg_stig_rows(r, p, vr, &rows);
        if (!rows)
            x->failed = 1;
        vg_xw_start(x, "iSTIG");
        put_stig_info(r, x, p, vr->vm);
        for (size_t k = 0; k < n; k++)
            put_vuln(x, p, &rows[k], stig_uuid);
        vg_xw_end(x);
        free(rows);
    }
    vg_xw_end(x);
    vg_xw_end(x);
}

static int ckl_begin(vg_report *r, vg_error *err)
{
    r->state = calloc(1, sizeof(struct ckl_state));
    if (!r->state)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    if (r->run.n_profiles == 0)
        return vg_error_set(err, VG_EUSAGE, "", 0, "a checklist needs a profile");
    return VG_OK;
}

static int ckl_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct ckl_state *s = r->state;
    char *path = NULL;
    int rc = vg_per_vm_path(r, &s->files, vr->vm, ".ckl", &path, err);
    if (rc)
        return rc;
    xw x;
    if (path)
        vg_xw_open_path(&x, path);
    else
        vg_xw_open_file(&x, vg_report_stream(r));
    put_checklist(r, &x, vr);
    rc = vg_xw_close(&x);
    if (rc)
        rc = vg_error_set(err, VG_EIO, path ? path : "", 0, "cannot write the checklist");
    free(path);
    return rc ? rc : (r->opts.output_dir ? VG_OK : vg_report_flush(r, err));
}

const struct report_ops vg_report_ckl_ops = {
    .name = "ckl",
    .summary = "DISA STIG Viewer 2 checklist (.ckl), one per VM with --output-dir",
    .begin = ckl_begin,
    .vm = ckl_vm,
    .problem = vg_checklist_problem,
    .end = vg_checklist_end,
    .free = vg_checklist_free,
    /* no render op: each VM is a file of its own (or the one stream) */
};
