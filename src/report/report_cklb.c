/*
 * STIG Viewer 3 checklist (.cklb, JSON): the same content as the .ckl in
 * the shape STIG Viewer 3 saves today.  The key set of every object is that
 * of a real STIG Viewer 3 file (tests/fixtures/stig/sv3-sample.cklb, origin
 * in its README; tests/consumers/cklb_shape.mjs compares them): no rule
 * timestamps, STIGUuid, target_key or stig_ref (2023 files had them), a
 * reference_identifier (the DPMS target id) on the STIG and each rule,
 * group_title repeating the rule title with the SRG id in group_tree, and
 * target_data.classification null when no marking was chosen.  Status is
 * not_a_finding / open / not_applicable / not_reviewed.  UUIDs are
 * name-based so a rerun on the same input gives the same ids.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

#define S(x) vg_report_json_str(x)

struct cklb_state {
    struct per_vm_files files; /* first: vg_checklist_* use it */
};

static json_t *target_data(const vg_vm *vm)
{
    vg_buf comment = VG_BUF_INIT;
    vg_buf_printf(&comment, "%s", vm->path ? vm->path : "");
    if (vm->moref)
        vg_buf_printf(&comment, "; %s on %s", vm->moref, vm->server ? vm->server : "?");
    if (vm->uuid)
        vg_buf_printf(&comment, "; uuid %s", vm->uuid);
    const char *ip = vg_vm_prop(vm, "guest.ipAddress");
    const char *mac = vg_vm_prop(vm, "guest.macAddress");
    const char *fqdn = vg_vm_prop(vm, "guest.hostName");
    json_t *j = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:s, s:s, s:s, s:n}", "target_type", "Computing",
        "host_name", S(vg_report_vm_name(vm)), "ip_address", S(ip ? ip : ""), "mac_address",
        S(mac ? mac : ""), "fqdn", S(fqdn ? fqdn : ""), "comments",
        S(comment.data), "role", "None", "is_web_database", 0,
        "technology_area", "Other Review", "web_db_site", "", "web_db_instance", "",
        "classification");
    vg_buf_release(&comment);
    return j;
}

/* "SV-258703r959010" from "SV-258703r959010_rule" (STIG Viewer 3's rule_id). */
static json_t *sv_short(const char *sv)
{
    size_t n = strlen(sv);
    char *s = strndup(sv, n > 5 && strcmp(sv + n - 5, "_rule") == 0 ? n - 5 : n);
    json_t *j = S(s);
    free(s);
    return j;
}

static json_t *rule_texts(const struct stig_row *row)
{
    const vg_profile_rule *pr = row->n_entries ? row->entries[0] : NULL;
    char *title = vg_stig_row_title(row);
    json_t *j = json_pack(
        "{s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "rule_title",
        S(title), "discussion", S(pr && pr->rule->description ? pr->rule->description : ""),
        "check_content", S(pr && pr->check ? pr->check : ""), "fix_text",
        S(pr && pr->rule->fix ? pr->rule->fix : ""), "false_positives", "", "false_negatives", "",
        "documentable", "false", "mitigations", "", "potential_impacts", "", "third_party_tools",
        "", "mitigation_control", "", "responsibility", "", "security_override_guidance", "",
        "ia_controls", "");
    free(title);
    return j;
}

static json_t *strv_json(const char **v, const char *prefix)
{
    json_t *a = json_array();
    for (size_t i = 0; a && v && v[i]; i++) {
        if (!prefix || strncmp(v[i], prefix, strlen(prefix)) == 0)
            json_array_append_new(a, S(v[i]));
    }
    return a;
}

/* The DPMS target id STIG Viewer 3 repeats on the STIG and each rule ("" when
 * the catalog has none: readiness guides, profiles without STIG data). */
static const char *reference_id(const vg_stig_benchmark *b)
{
    return b && b->reference_identifier ? b->reference_identifier : "";
}

static json_t *rule_ids(const vg_profile *p, const struct stig_row *row, const char *stig_uuid)
{
    const char *key = vg_stig_row_rule_id(p, row);
    const char *group = vg_stig_row_group(row);
    const char *gtitle = vg_stig_row_group_title(row);
    char *title = vg_stig_row_title(row);
    const vg_profile_rule *pr = row->n_entries ? row->entries[0] : NULL;
    char uuid[37];
    vg_report_uuid(uuid, "cklb-rule", stig_uuid, key);
    json_t *ccis = row->srule ? strv_json(row->srule->ccis, NULL)
                              : strv_json(pr ? pr->refs : NULL, "CCI-");
    json_t *legacy = strv_json(row->srule ? row->srule->legacy_ids : NULL, NULL);
    /* group_title is the rule title, as STIG Viewer 3 writes it; the SRG id
     * stays in group_tree (and in the ckl's Group_Title) */
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:[{s:o, s:o, s:s}], "
        "s:{s:o, s:s}, s:o, s:o}",
        "uuid", uuid, "stig_uuid", stig_uuid, "group_id", S(group), "group_id_src", S(group),
        "rule_id", sv_short(key), "rule_id_src", S(key), "rule_version",
        S(vg_stig_row_version(row)), "severity", vg_stig_row_severity(row), "weight",
        S(row->srule ? row->srule->weight : "10.0"), "classification", "Unclassified",
        "group_title", S(title), "ccis", ccis, "group_tree", "id", S(group), "title", S(gtitle),
        "description", "<GroupDescription></GroupDescription>", "check_content_ref", "href",
        S(pr && pr->rule->file ? pr->rule->file : (row->bench && row->bench->filename
                                                        ? row->bench->filename
                                                        : "")),
        "name", "M", "legacy_ids", legacy, "reference_identifier", S(reference_id(row->bench)));
    free(title);
    return j;
}

static json_t *rule_json(const vg_profile *p, const struct stig_row *row, const char *stig_uuid)
{
    json_t *o = rule_ids(p, row, stig_uuid);
    json_t *t = rule_texts(row);
    char *details = vg_stig_row_details(row);
    char *comments = vg_stig_row_comments(row);
    json_t *tail = json_pack("{s:s, s:{}, s:o, s:o}", "status",
                             vg_stig_status(STIG_CKLB, row->status), "overrides",
                             "finding_details", S(details), "comments", S(comments));
    free(details);
    free(comments);
    if (!o || !t || !tail || json_object_update(o, t) || json_object_update(o, tail)) {
        json_decref(o);
        o = NULL;
    }
    json_decref(t);
    json_decref(tail);
    return o;
}

static json_t *stig_json(const vg_report *r, const vg_profile *p, const vg_vm_report *vr)
{
    const vg_stig_benchmark *b = vg_catalog_stig_checklist(r->run.catalog, p->id);
    char version[16], uuid[37];
    vg_stig_version(p, version, sizeof version);
    const char *vm_key = vr->vm->uuid ? vr->vm->uuid : vg_report_vm_name(vr->vm);
    vg_report_uuid(uuid, "cklb-stig", vg_stig_bench_id(r, p), vm_key);
    struct stig_row *rows;
    size_t n = vg_stig_rows(r, p, vr, &rows);
    json_t *jrules = rows ? json_array() : NULL;
    for (size_t k = 0; jrules && k < n; k++) {
        json_t *j = rule_json(p, &rows[k], uuid);
        if (!j || json_array_append_new(jrules, j) != 0) {
            json_decref(jrules);
            jrules = NULL;
        }
    }
    free(rows);
    return json_pack("{s:o, s:o, s:o, s:s, s:o, s:s, s:o, s:I, s:o}", "stig_name",
                     S(b ? b->title : (p->title ? p->title : p->id)), "display_name",
                     S(p->source ? p->source : p->id), "stig_id", S(vg_stig_bench_id(r, p)),
                     "version", b ? b->version : version, "release_info",
                     S(b ? b->release_info : (p->release ? p->release : "")), "uuid", uuid,
                     "reference_identifier", S(reference_id(b)), "size", (json_int_t)n, "rules",
                     jrules);
}

static json_t *checklist_json(vg_report *r, const vg_vm_report *vr)
{
    json_t *stigs = json_array();
    for (size_t i = 0; stigs && i < r->run.n_profiles; i++) {
        json_t *j = stig_json(r, r->run.profiles[i], vr);
        if (!j || json_array_append_new(stigs, j) != 0) {
            json_decref(stigs);
            stigs = NULL;
        }
    }
    vg_buf title = VG_BUF_INIT;
    const vg_profile *p0 = r->run.profiles[0];
    vg_buf_printf(&title, "%s - %s %s", vg_report_vm_name(vr->vm), p0->id,
                  p0->version ? p0->version : "");
    char id[37];
    vg_report_uuid(id, "cklb", vr->vm->uuid ? vr->vm->uuid : vg_report_vm_name(vr->vm),
                   vr->vm->path);
    json_t *j = json_pack("{s:o, s:s, s:o, s:b, s:i, s:b, s:o, s:s}", "title", S(title.data), "id",
                          id, "stigs", stigs, "active", 0, "mode", 2, "has_path", 1, "target_data",
                          target_data(vr->vm), "cklb_version", "1.0");
    vg_buf_release(&title);
    return j;
}

static int cklb_begin(vg_report *r, vg_error *err)
{
    struct cklb_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    if (r->run.n_profiles == 0)
        return vg_error_set(err, VG_EUSAGE, "", 0, "a checklist needs a profile");
    return VG_OK;
}

static int cklb_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct cklb_state *s = r->state;
    char *path = NULL;
    int rc = vg_per_vm_path(r, &s->files, vr->vm, ".cklb", &path, err);
    if (rc)
        return rc;
    json_t *j = checklist_json(r, vr);
    if (!j) {
        free(path);
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory building the checklist");
    }
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    if (path) {
        /* 0600 on create whatever the umask, like every file vmxguard writes */
        vg_error oerr;
        int fd = vg_output_create(path, 0, &oerr); /* no link followed, nothing truncated */
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (fd >= 0 && !f)
            close(fd);
        int ok = f && vg_json_dumpf(j, f, flags) == 0;
        if (f && fclose(f) != 0)
            ok = 0;
        rc = ok       ? VG_OK
             : fd < 0 ? (*err = oerr, oerr.code)
                      : vg_error_set(err, VG_EIO, path, 0, "cannot write the checklist");
    } else
        rc = vg_json_dumpf(j, vg_report_stream(r), flags) == 0 &&
                     fputc('\n', vg_report_stream(r)) != EOF
                 ? vg_report_flush(r, err)
                 : vg_error_set(err, VG_EIO, "", 0, "cannot write the checklist");
    json_decref(j);
    free(path);
    return rc;
}

const struct report_ops vg_report_cklb_ops = {
    .name = "cklb",
    .summary = "STIG Viewer 3 checklist (.cklb JSON), one per VM with --output-dir",
    .begin = cklb_begin,
    .vm = cklb_vm,
    .problem = vg_checklist_problem,
    .end = vg_checklist_end,
    .free = vg_checklist_free,
    /* no render op: each VM is a file of its own (or the one stream) */
};
