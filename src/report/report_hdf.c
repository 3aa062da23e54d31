/*
 * Heimdall Data Format (HDF): the InSpec-style JSON that Heimdall and the
 * MITRE SAF CLI read.  One profile per baseline of the run, one control per
 * profile entry (id: the source's own id where unique, else the catalog
 * id), tagged with the STIG identifiers the catalog holds and the NIST SP
 * 800-53 controls of its CCIs; impact from severity; one result per VM,
 * with the VM in code_desc and evidence and fix in message.  A waiver
 * becomes a passed result saying so, plus the control's waiver_data and
 * attestation_data the way `saf attest` records them.
 *
 * HDF groups results by control, so a document with several VMs is only
 * complete at the end: the results are kept (as JSON, a few hundred bytes
 * each) until then.  With an output directory each VM gets a document of
 * its own, written as it arrives, which is also what `saf convert hdf2ckl`
 * turns into one checklist per VM.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

/* Text cleaned as for XML (C0 controls other than tab, LF, CR replaced,
 * invalid UTF-8 replaced): HDF's consumers turn it into ckl and xccdf, and
 * a control byte from a hostile .vmx must not break their XML. */
static json_t *S(const char *s)
{
    if (!s)
        return json_null();
    char *clean = vg_report_xml_text(s);
    json_t *j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}

struct hdf_doc {
    json_t *root;
    json_t **controls; /* per run profile: its controls array (borrowed from root) */
    size_t vms;
    char *first_vm; /* a copy: the VM's report is freed once it is written */
};

struct hdf_state {
    struct per_vm_files files; /* first: vg_checklist_* use it */
    struct hdf_doc doc;        /* the one document when writing to a stream */
    char when[32];
};

/* InSpec's impact scale; Heimdall reads 0.7+ as high, 0.4+ medium, 0.1+ low. */
static double impact_of(vg_severity s)
{
    static const double impact[4] = {0.1, 0.3, 0.5, 0.7};
    return (unsigned)s < 4 ? impact[s] : 0.5;
}

static const char *control_id(const vg_profile *p, const vg_profile_rule *pr)
{
    if (!pr->source_id)
        return pr->rule->id;
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_profile_rule *o = &p->rules[i];
        if (o != pr && o->source_id && strcmp(o->source_id, pr->source_id) == 0)
            return pr->rule->id;
    }
    return pr->source_id;
}

static json_t *strv(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && v && v[i]; i++)
        json_array_append_new(a, S(v[i]));
    return a;
}

/* tags: severity, the STIG ids (gid, rid, stig_id, gtitle, legacy), cci and
 * the NIST controls of those CCIs, the fields no source confirmed
 * (unverified), and vmxguard's own rule id and key. */
static json_t *control_tags(const vg_report *r, const vg_profile *p, const vg_profile_rule *pr)
{
    const vg_stig_rule *sr = vg_catalog_stig_rule(r->run.catalog, p->id, pr->source_id, NULL);
    json_t *t = json_object();
    json_object_set_new(t, "severity", json_string(vg_stig_severity(pr->severity)));
    if (pr->severity_text)
        json_object_set_new(t, "severity_text", S(pr->severity_text));
    json_t *nist = json_array();
    json_t *cci = json_array();
    const char *const *ccis = sr ? (const char *const *)sr->ccis : NULL;
    for (size_t i = 0; pr->refs && !sr && pr->refs[i]; i++) {
        if (strncmp(pr->refs[i], "CCI-", 4) == 0)
            json_array_append_new(cci, S(pr->refs[i]));
    }
    for (size_t i = 0; ccis && ccis[i]; i++) {
        json_array_append_new(cci, S(ccis[i]));
        const char *const *n = vg_catalog_cci_nist(r->run.catalog, ccis[i]);
        for (size_t k = 0; n && n[k]; k++)
            json_array_append_new(nist, S(n[k]));
    }
    json_object_set_new(t, "nist", nist);
    json_object_set_new(t, "cci", cci);
    if (sr) {
        json_object_set_new(t, "gid", S(sr->group_id));
        json_object_set_new(t, "rid", S(sr->rule_id));
        json_object_set_new(t, "stig_id", S(sr->stig_id));
        json_object_set_new(t, "gtitle", S(sr->group_title));
        json_object_set_new(t, "weight", S(sr->weight));
        if (sr->legacy_ids)
            json_object_set_new(t, "legacy", strv((const char *const *)sr->legacy_ids));
        /* fields no published source of this release confirmed (carried
         * over from another release): an assessor must see which */
        if (sr->unverified && sr->unverified[0])
            json_object_set_new(t, "unverified", strv((const char *const *)sr->unverified));
    } else if (pr->source_id) {
        json_object_set_new(t, "stig_id", S(pr->source_id));
    }
    json_object_set_new(t, "vmxguard_rule", S(pr->rule->id));
    if (pr->rule->key)
        json_object_set_new(t, "key", S(pr->key ? pr->key : pr->rule->key));
    return t;
}

/* What vmxguard checks, in its own words: the "code" Heimdall shows. */
static char *control_code(const vg_profile_rule *pr)
{
    const vg_rule *rule = pr->rule;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "vmxguard rule %s (%s, %s)", rule->id, vg_rule_kind_name(rule->kind),
                  rule->file ? rule->file : "catalog");
    if (rule->key)
        vg_buf_printf(&b, "\nkey: %s", pr->key ? pr->key : rule->key);
    vg_buf_printf(&b, "\ncompare: %s", vg_comparison_name(pr->cmp));
    if (pr->value)
        vg_buf_printf(&b, " %s", pr->value);
    for (size_t i = 0; pr->values && pr->values[i]; i++)
        vg_buf_printf(&b, "%s%s", i ? ", " : " ", pr->values[i]);
    if (pr->cmp != VG_CMP_MANUAL)
        vg_buf_printf(&b, "\nwhen absent: %s", vg_absent_name(pr->absent));
    return vg_buf_detach(&b);
}

static json_t *control_new(const vg_report *r, const vg_profile *p, const vg_profile_rule *pr)
{
    const vg_rule *rule = pr->rule;
    char *code = control_code(pr);
    json_t *desc = json_pack("[{s:s, s:o}]", "label", "default", "data",
                             S(rule->description ? rule->description : ""));
    if (desc && pr->check)
        json_array_append_new(desc,
                              json_pack("{s:s, s:o}", "label", "check", "data", S(pr->check)));
    if (desc && rule->fix)
        json_array_append_new(desc, json_pack("{s:s, s:o}", "label", "fix", "data", S(rule->fix)));
    json_t *c =
        json_pack("{s:o, s:o, s:o, s:o, s:f, s:[], s:o, s:o, s:{s:o, s:i}, s:[]}", "id",
                  S(control_id(p, pr)), "title", S(pr->title ? pr->title : rule->title), "desc",
                  S(rule->description ? rule->description : ""), "descriptions", desc, "impact",
                  impact_of(pr->severity), "refs", "tags", control_tags(r, p, pr), "code",
                  S(code ? code : ""), "source_location", "ref", S(rule->file ? rule->file : ""),
                  "line", (int)rule->line, "results");
    free(code);
    return c;
}

/* SHA-256 (FIPS 180-4) of the profile as vmxguard evaluates it, for the
 * profile's sha256 field: HDF readers key a profile's identity on it.  A
 * plain implementation rather than a crypto library for one fingerprint. */
struct sha256 {
    uint32_t h[8];
    unsigned char block[64];
    size_t fill;
    uint64_t bytes;
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *c, const unsigned char *p)
{
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, c->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
        uint32_t t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        c->h[i] += v[i];
}

static void sha256_add(struct sha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->bytes += n;
    while (n--) {
        c->block[c->fill++] = *p++;
        if (c->fill == 64) {
            sha256_block(c, c->block);
            c->fill = 0;
        }
    }
}

void vg_report_sha256_hex(char out[65], const void *data, size_t n)
{
    struct sha256 c = {{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
                        0x1f83d9ab, 0x5be0cd19},
                       {0},
                       0,
                       0};
    sha256_add(&c, data, n);
    uint64_t bits = c.bytes * 8;
    unsigned char pad = 0x80;
    sha256_add(&c, &pad, 1);
    pad = 0;
    while (c.fill != 56)
        sha256_add(&c, &pad, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_add(&c, len, 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", (unsigned)c.h[i]);
}

/* What the profile checks, one entry a line: its fingerprint's input. */
static void profile_sha256(char out[65], const vg_profile *p)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s %s\n", p->id, p->version ? p->version : "");
    for (size_t i = 0; i < p->n_rules; i++) {
        const vg_profile_rule *pr = &p->rules[i];
        vg_buf_printf(&b, "%s %s %s %s %s %d\n", pr->rule->id, pr->source_id ? pr->source_id : "",
                      vg_comparison_name(pr->cmp), pr->value ? pr->value : "",
                      vg_absent_name(pr->absent), (int)pr->severity);
    }
    vg_report_sha256_hex(out, b.data, b.len);
    vg_buf_release(&b);
}

static void doc_release(struct hdf_doc *d)
{
    json_decref(d->root);
    free(d->controls);
    free(d->first_vm);
    memset(d, 0, sizeof *d);
}

static int doc_init(const vg_report *r, struct hdf_doc *d)
{
    memset(d, 0, sizeof *d);
    const char *version = r->run.tool_version ? r->run.tool_version : vg_version();
    json_t *profiles = json_array();
    d->controls = calloc(r->run.n_profiles ? r->run.n_profiles : 1, sizeof *d->controls);
    d->root =
        json_pack("{s:{s:s, s:s}, s:s, s:{s:f}, s:o}", "platform", "name", "vmxguard", "release",
                  version, "version", version, "statistics", "duration", 0.0, "profiles", profiles);
    if (!d->root || !d->controls || !profiles)
        return VG_ENOMEM;
    for (size_t i = 0; i < r->run.n_profiles; i++) {
        const vg_profile *p = r->run.profiles[i];
        json_t *controls = json_array(), *ids = json_array();
        for (size_t k = 0; controls && ids && k < p->n_rules; k++) {
            json_array_append_new(controls, control_new(r, p, &p->rules[k]));
            json_array_append_new(ids, S(control_id(p, &p->rules[k])));
        }
        char sum[65];
        profile_sha256(sum, p);
        json_t *prof = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:[], s:[], s:[], s:[{s:o, s:o, s:o}], s:s, "
            "s:s, s:o}",
            "name", S(p->id), "title", S(p->title ? p->title : p->id), "version",
            S(p->version ? p->version : ""), "maintainer", S(p->source ? p->source : ""), "summary",
            S(p->description ? p->description : (p->release ? p->release : "")), "copyright",
            S(p->source ? p->source : ""), "license", "see the baseline's publisher", "supports",
            "attributes", "depends", "groups", "id", S(p->file ? p->file : p->id), "title",
            S(p->title ? p->title : p->id), "controls", ids, "status", "loaded", "sha256", sum,
            "controls", controls);
        if (!prof || json_array_append_new(profiles, prof) != 0)
            return VG_ENOMEM;
        d->controls[i] = controls;
    }
    return VG_OK;
}

static const char *hdf_status(vg_result_status s)
{
    static const char *const names[VG_RESULT_STATUS_COUNT] = {
        [VG_PASS] = "passed",  [VG_FAIL] = "failed",  [VG_NOT_APPLICABLE] = "skipped",
        [VG_MANUAL] = "skipped", [VG_ERROR] = "error", [VG_WAIVED] = "passed",
        [VG_PENDING] = "failed"}; /* not in effect until a power cycle */
    return (unsigned)s < VG_RESULT_STATUS_COUNT ? names[s] : "skipped";
}

static json_t *result_json(const vg_vm_report *vr, const vg_result *res, const char *when)
{
    const char *vm = vg_report_vm_name(vr->vm);
    vg_buf desc = VG_BUF_INIT, msg = VG_BUF_INIT;
    vg_buf_printf(&desc, "%s: %s", vm, res->key ? res->key : vg_report_rule_title(res));
    if (res->expected)
        vg_buf_printf(&desc, " is expected %s", res->expected);
    if (res->status == VG_WAIVED)
        vg_buf_printf(&msg, "%s: %s (without the waiver: %s)\n",
                      res->waiver_expired ? "Waiver EXPIRED" : "Waived",
                      res->waiver_reason ? res->waiver_reason : "", hdf_status(res->raw_status));
    char *details = vg_stig_details(res);
    vg_buf_adds(&msg, details ? details : "");
    free(details);
    if (res->status == VG_NOT_APPLICABLE)
        vg_buf_adds(&msg, "\nNot applicable to this VM.");
    if (res->status == VG_MANUAL)
        vg_buf_adds(&msg, "\nNot automatable: review by hand.");
    if (res->status == VG_PENDING)
        vg_buf_adds(&msg, "\nPending power cycle: configured compliant, not in effect until "
                          "the VM is powered off and on.");
    json_t *j = json_pack("{s:s, s:o, s:s, s:f}", "status", hdf_status(res->status), "code_desc",
                          S(desc.len ? desc.data : vm), "start_time", when, "run_time", 0.0);
    const char *field = res->status == VG_FAIL || res->status == VG_ERROR ? "message"
                        : res->status == VG_NOT_APPLICABLE || res->status == VG_MANUAL
                            ? "skip_message"
                            : "message";
    if (j)
        json_object_set_new(j, field, S(msg.data));
    vg_buf_release(&desc);
    vg_buf_release(&msg);
    return j;
}

/* waiver_data as InSpec writes it and attestation_data as `saf attest` does. */
static void add_waiver(json_t *control, const vg_vm_report *vr, const vg_result *res,
                       const char *when)
{
    vg_buf why = VG_BUF_INIT;
    json_t *old = json_object_get(control, "attestation_data");
    const char *before = old ? json_string_value(json_object_get(old, "explanation")) : NULL;
    vg_buf_printf(&why, "%s%s%s: %s", before ? before : "", before ? "\n" : "",
                  vg_report_vm_name(vr->vm), res->waiver_reason);
    json_t *w = json_pack("{s:o, s:b, s:b, s:o}", "justification", S(why.data), "run", 1,
                          "skipped_due_to_waiver", 0, "message",
                          S(res->waiver_expired ? "waiver expired" : "waived"));
    if (w && res->waiver_expires)
        json_object_set_new(w, "expiration_date", S(res->waiver_expires));
    json_t *a =
        json_pack("{s:O, s:o, s:s, s:s, s:s, s:o}", "control_id", json_object_get(control, "id"),
                  "explanation", S(why.data), "frequency", "annually", "status",
                  res->waiver_expired ? "failed" : "passed", "updated", when, "updated_by",
                  S(res->waiver_approver ? res->waiver_approver : "vmxguard waiver"));
    json_object_set_new(control, "waiver_data", w);
    json_object_set_new(control, "attestation_data", a);
    vg_buf_release(&why);
}

static int doc_add_vm(const vg_report *r, struct hdf_doc *d, const vg_vm_report *vr,
                      const char *when)
{
    if (d->vms++ == 0 && !(d->first_vm = strdup(vg_report_vm_name(vr->vm))))
        return VG_ENOMEM;
    for (size_t i = 0; i < vr->n_results; i++) {
        const vg_result *res = &vr->results[i];
        for (size_t k = 0; k < r->run.n_profiles; k++) {
            const vg_profile *p = r->run.profiles[k];
            if (res->profile != p || res->prule < p->rules || res->prule >= p->rules + p->n_rules)
                continue;
            json_t *control = json_array_get(d->controls[k], (size_t)(res->prule - p->rules));
            json_t *j = result_json(vr, res, when);
            if (!j || json_array_append_new(json_object_get(control, "results"), j) != 0)
                return VG_ENOMEM;
            if (res->waiver_reason)
                add_waiver(control, vr, res, when);
            break;
        }
    }
    return VG_OK;
}

static int doc_write(vg_report *r, struct hdf_doc *d, const char *path, vg_error *err)
{
    json_t *platform = json_object_get(d->root, "platform");
    if (d->vms == 1)
        json_object_set_new(platform, "target_id", S(d->first_vm));
    else
        json_object_set_new(platform, "target_id", json_sprintf("%zu VMs", d->vms));
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    if (!path) {
        if (vg_json_dumpf(d->root, vg_report_stream(r), flags) != 0 ||
            fputc('\n', vg_report_stream(r)) == EOF)
            return vg_error_set(err, VG_EIO, "", 0, "writing the hdf report failed");
        return vg_report_flush(r, err);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    int ok = f && vg_json_dumpf(d->root, f, flags) == 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? VG_OK : vg_error_set(err, VG_EIO, path, 0, "cannot write the hdf report");
}

static int hdf_begin(vg_report *r, vg_error *err)
{
    struct hdf_state *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    r->state = s;
    vg_report_iso_time(r->run.started, s->when, sizeof s->when);
    if (!r->opts.output_dir && doc_init(r, &s->doc) != VG_OK)
        return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    return VG_OK;
}

static int hdf_vm(vg_report *r, const vg_vm_report *vr, vg_error *err)
{
    struct hdf_state *s = r->state;
    if (!r->opts.output_dir) {
        s->files.vms++;
        if (doc_add_vm(r, &s->doc, vr, s->when) != VG_OK)
            return vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
        return VG_OK;
    }
    char *path = NULL;
    int rc = vg_per_vm_path(r, &s->files, vr->vm, ".hdf.json", &path, err);
    if (rc)
        return rc;
    struct hdf_doc d;
    if (doc_init(r, &d) != VG_OK || doc_add_vm(r, &d, vr, s->when) != VG_OK)
        rc = vg_error_set(err, VG_ENOMEM, "", 0, "out of memory");
    else
        rc = doc_write(r, &d, path, err);
    doc_release(&d);
    free(path);
    return rc;
}

static int hdf_end(vg_report *r, const vg_audit_summary *sum, vg_error *err)
{
    struct hdf_state *s = r->state;
    int rc = vg_checklist_end(r, sum, err);
    if (rc || r->opts.output_dir)
        return rc;
    return doc_write(r, &s->doc, NULL, err);
}

static void hdf_free(vg_report *r)
{
    struct hdf_state *s = r->state;
    if (s)
        doc_release(&s->doc);
    vg_checklist_free(r);
}

const struct report_ops vg_report_hdf_ops = {
    .name = "hdf",
    .summary = "Heimdall Data Format JSON for Heimdall and the MITRE SAF CLI (per-VM files "
               "with --output-dir)",
    .begin = hdf_begin,
    .vm = hdf_vm,
    .problem = vg_checklist_problem,
    .end = hdf_end,
    .free = hdf_free,
    /* no render op: results are grouped by control across VMs */
};
