/*
 * Fixes at the source: a plan computed from a template's audit is written
 * back into the template itself, as splices of its bytes, so comments,
 * formatting and every other byte stay as they are.
 *
 * Packer HCL/JSON and Terraform: a key is changed where it takes effect
 * (vmx_data_post over vmx_data), added to the first settings map
 * (vmx_data, configuration_parameters, extra_config; created when the
 * source has none) in the map's own indentation and alignment, and removed
 * from every map holding it.  The result is parsed and read again before
 * anything is written: unless every edit shows in the re-read VM, the file
 * is left alone.  Writing goes through vg_vmx_doc_save (temp file, fsync,
 * rename, owner and mode kept, optional backup).  OVF and OVA: see
 * fix_template_ovf.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fix/fix_template.h"
#include "template/template_internal.h"
#include "util/buf.h"
#include "util/grow.h"
#include "vmxguard/fix.h"

int vg_fix_splices_add(fix_splices *s, size_t off, size_t end, const char *text)
{
    if (VG_GROW(s->v, s->n, s->cap) != 0)
        return VG_ENOMEM;
    char *t = strdup(text ? text : "");
    if (!t)
        return VG_ENOMEM;
    fix_splice *p = &s->v[s->n];
    p->off = off;
    p->end = end;
    p->text = t;
    p->seq = s->n++;
    return VG_OK;
}

void vg_fix_splices_release(fix_splices *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].text);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int by_offset(const void *a, const void *b)
{
    const fix_splice *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int vg_fix_splices_apply(fix_splices *s, const char *src, size_t len, char **out, size_t *outlen)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, by_offset);
    vg_buf b = VG_BUF_INIT;
    size_t at = 0;
    for (size_t i = 0; i < s->n; i++) {
        const fix_splice *p = &s->v[i];
        if (p->off < at || p->end < p->off || p->end > len) {
            vg_buf_release(&b);
            return VG_ERR; /* overlapping edits: a planner bug, never written */
        }
        vg_buf_add(&b, src + at, p->off - at);
        vg_buf_adds(&b, p->text);
        at = p->end;
    }
    vg_buf_add(&b, src + at, len - at);
    if (b.oom) {
        vg_buf_release(&b);
        return VG_ENOMEM;
    }
    *outlen = b.len;
    *out = vg_buf_detach(&b);
    if (!*out)
        *out = strdup("");
    return *out ? VG_OK : VG_ENOMEM;
}

/* A JSON string literal (UTF-8 kept, controls escaped). */
static char *quote_json(const char *s)
{
    vg_buf b = VG_BUF_INIT;
    vg_buf_addc(&b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            vg_buf_printf(&b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            vg_buf_printf(&b, "\\u%04x", *p);
        else
            vg_buf_addc(&b, (char)*p);
    }
    vg_buf_addc(&b, '"');
    return vg_buf_detach(&b);
}

typedef struct tfix {
    const char *src;
    size_t len;
    const hcl_file *f;
    int json;
    fix_splices sp;
    int rc;
    const char *eol; /* the file's line end, for new lines */
} tfix;

/* CR LF when the file's first line ends so, else LF. */
static const char *eol_of(const char *src, size_t len)
{
    const char *nl = memchr(src, '\n', len);
    return nl && nl > src && nl[-1] == '\r' ? "\r\n" : "\n";
}

static char *quote(const tfix *t, const char *s)
{
    return t->json ? quote_json(s) : vg_fix_quote_hcl(s);
}

static size_t line_start(const tfix *t, size_t off)
{
    while (off > 0 && t->src[off - 1] != '\n')
        off--;
    return off;
}

/* Only blanks between the line start and off. */
static int first_on_line(const tfix *t, size_t off)
{
    for (size_t k = line_start(t, off); k < off; k++) {
        if (t->src[k] != ' ' && t->src[k] != '\t')
            return 0;
    }
    return 1;
}

/* The blanks that start off's line. */
static void indent_of(const tfix *t, size_t off, char *out, size_t size)
{
    size_t ls = line_start(t, off), n = 0;
    while (ls + n < t->len && (t->src[ls + n] == ' ' || t->src[ls + n] == '\t') && n + 1 < size)
        n++;
    memcpy(out, t->src + ls, n);
    out[n] = '\0';
}

/* Offset just after the end of off's line (after its '\n'), or len. */
static size_t after_line(const tfix *t, size_t off)
{
    const char *nl = memchr(t->src + off, '\n', t->len - off);
    return nl ? (size_t)(nl - t->src) + 1 : t->len;
}

/* After a value: blanks, one optional ',', blanks, an optional comment,
 * then the line end?  Returns the offset after the line end, or 0. */
static size_t rest_is_trailer(const tfix *t, size_t off)
{
    size_t k = off;
    int comma = 0;
    while (k < t->len) {
        char c = t->src[k];
        if (c == ' ' || c == '\t' || c == '\r') {
            k++;
        } else if (c == ',' && !comma) {
            comma = 1;
            k++;
        } else if (!t->json && (c == '#' || (c == '/' && k + 1 < t->len && t->src[k + 1] == '/'))) {
            return after_line(t, k);
        } else if (c == '\n') {
            return k + 1;
        } else {
            return 0;
        }
    }
    return t->len;
}

static const hcl_item *find_ci(const hcl_value *map, const char *key, size_t *index)
{
    for (size_t i = 0; map && map->kind == HCL_OBJECT && i < map->n_items; i++) {
        if (!map->items[i].key_unknown && strcasecmp(map->items[i].key, key) == 0) {
            if (index)
                *index = i;
            return &map->items[i];
        }
    }
    return NULL;
}

static void add(tfix *t, size_t off, size_t end, const char *text)
{
    if (t->rc == VG_OK && (!text || vg_fix_splices_add(&t->sp, off, end, text) != VG_OK))
        t->rc = VG_ENOMEM;
}

static void set_value(tfix *t, const hcl_item *it, const char *value)
{
    char *q = quote(t, value);
    add(t, it->value->off, it->value->end, q);
    free(q);
}

/* Remove the items of map marked in gone, a run of neighbours at a time:
 * whole lines when the run has them to itself, else the text and one
 * separating comma (the one before a run that ends the map). */
static void remove_items(tfix *t, const hcl_value *map, const unsigned char *gone)
{
    size_t n = map->n_items;
    for (size_t a = 0; a < n; a++) {
        if (!gone[a])
            continue;
        size_t b = a;
        while (b < n && gone[b])
            b++;
        const hcl_item *first = &map->items[a], *last = &map->items[b - 1];
        size_t end = rest_is_trailer(t, last->value->end);
        int lines = first_on_line(t, first->off) && end;
        for (size_t k = a + 1; lines && k < b; k++)
            lines = first_on_line(t, map->items[k].off);
        if (lines && !t->json)
            add(t, line_start(t, first->off), end, "");
        else if (b < n && lines && first_on_line(t, map->items[b].off))
            add(t, line_start(t, first->off), line_start(t, map->items[b].off), "");
        else if (b < n)
            add(t, first->off, map->items[b].off, "");
        else if (a > 0)
            add(t, map->items[a - 1].value->end, last->value->end, "");
        else
            add(t, first->off, last->value->end, "");
        a = b - 1;
    }
}

typedef struct newkv {
    const char *key, *value;
} newkv;

/* One line of a new item, aligned like the map's last item. */
static void item_line(tfix *t, vg_buf *b, const hcl_value *map, const char *indent, const newkv *kv)
{
    char *k = quote(t, kv->key), *v = quote(t, kv->value);
    if (!k || !v) {
        t->rc = VG_ENOMEM;
        free(k);
        free(v);
        return;
    }
    size_t pad = 1;
    if (map && map->n_items && !t->json) {
        const hcl_item *last = &map->items[map->n_items - 1];
        size_t eq = last->key_end;
        while (eq < last->value->off && t->src[eq] != '=' && t->src[eq] != ':')
            eq++;
        size_t eq_col = eq - line_start(t, last->off);
        size_t used = strlen(indent) + strlen(k);
        pad = eq_col > used ? eq_col - used : 1;
    }
    vg_buf_printf(b, "%s%s%s%*s%s %s", indent, k, t->json ? ":" : "", t->json ? 0 : (int)pad, "",
                  t->json ? "" : "=", v);
    free(k);
    free(v);
}

/* Insert new items into an existing map (kept: items that stay). */
static void insert_items(tfix *t, const hcl_value *map, const newkv *kv, size_t n, size_t kept)
{
    vg_buf b = VG_BUF_INIT;
    size_t close = map->end - 1;
    char indent[128];
    if (map->multiline && map->n_items) {
        indent_of(t, map->items[map->n_items - 1].off, indent, sizeof indent);
    } else {
        indent_of(t, map->off, indent, sizeof indent);
        strncat(indent, "  ", sizeof indent - strlen(indent) - 1);
    }
    if (map->multiline && !t->json && first_on_line(t, close)) {
        for (size_t i = 0; i < n; i++) {
            item_line(t, &b, map, indent, &kv[i]);
            vg_buf_adds(&b, t->eol);
        }
        add(t, line_start(t, close), line_start(t, close), b.data);
    } else if (map->multiline) {
        /* JSON (or a '}' after the last item): after the last item's value */
        size_t at = map->items[map->n_items - 1].value->end;
        for (size_t i = 0; i < n; i++) {
            vg_buf_adds(&b, kept || i ? "," : "");
            vg_buf_adds(&b, t->eol);
            item_line(t, &b, map, indent, &kv[i]);
        }
        if (!t->json && !first_on_line(t, close))
            vg_buf_adds(&b, t->eol);
        add(t, at, at, b.data);
    } else {
        /* one line: "{ a = 1 }" or "{}" */
        size_t at = map->n_items ? map->items[map->n_items - 1].value->end : map->off + 1;
        for (size_t i = 0; i < n; i++) {
            vg_buf_adds(&b, kept || i ? ", " : map->n_items ? "" : " ");
            item_line(t, &b, NULL, "", &kv[i]);
        }
        if (!map->n_items)
            vg_buf_addc(&b, ' ');
        add(t, at, at, b.data);
    }
    if (b.oom)
        t->rc = VG_ENOMEM;
    vg_buf_release(&b);
}

/* A whole new map attribute in a block (HCL) or builder object (JSON). */
static void insert_map(tfix *t, const tmpl_map_site *s, const char *attr, const newkv *kv, size_t n)
{
    vg_buf b = VG_BUF_INIT;
    char indent[128], inner[140];
    if (t->json) {
        const hcl_value *o = s->owner;
        if (o->n_items && o->multiline) {
            indent_of(t, o->items[o->n_items - 1].off, indent, sizeof indent);
        } else {
            indent_of(t, o->off, indent, sizeof indent);
            strncat(indent, "  ", sizeof indent - strlen(indent) - 1);
        }
        snprintf(inner, sizeof inner, "%s  ", indent);
        size_t at = o->n_items ? o->items[o->n_items - 1].value->end : o->off + 1;
        vg_buf_printf(&b, "%s%s%s\"%s\": {", o->n_items ? "," : "", t->eol, indent, attr);
        for (size_t i = 0; i < n; i++) {
            vg_buf_printf(&b, "%s%s", i ? "," : "", t->eol);
            item_line(t, &b, NULL, inner, &kv[i]);
        }
        vg_buf_printf(&b, "%s%s}", t->eol, indent);
        add(t, at, at, b.data);
    } else {
        const hcl_block *blk = s->block;
        if (blk->body.n_attrs)
            indent_of(t, blk->body.attrs[0].off, indent, sizeof indent);
        else {
            indent_of(t, blk->off, indent, sizeof indent);
            strncat(indent, "  ", sizeof indent - strlen(indent) - 1);
        }
        snprintf(inner, sizeof inner, "%s  ", indent);
        int own_line = first_on_line(t, blk->close);
        vg_buf_printf(&b, "%s%s%s = {%s", own_line ? "" : t->eol, indent, attr, t->eol);
        for (size_t i = 0; i < n; i++) {
            item_line(t, &b, NULL, inner, &kv[i]);
            vg_buf_adds(&b, t->eol);
        }
        vg_buf_printf(&b, "%s}%s", indent, t->eol);
        size_t at = own_line ? line_start(t, blk->close) : blk->close;
        add(t, at, at, b.data);
    }
    if (b.oom)
        t->rc = VG_ENOMEM;
    vg_buf_release(&b);
}

/* The splices for one VM's plan.  Returns the number of edits skipped. */
static size_t plan_vm(tfix *t, const tmpl_map_site *s, const vg_fix_vm *fv, int writes_vmx,
                      size_t *set, size_t *removed)
{
    size_t skipped = 0;
    const hcl_value *maps[2] = {NULL, NULL};
    for (size_t m = 0; m < s->n_maps; m++)
        maps[m] = s->item[m] && s->item[m]->value->kind == HCL_OBJECT ? s->item[m]->value : NULL;
    unsigned char *gone[2] = {NULL, NULL};
    for (size_t m = 0; m < 2; m++) {
        gone[m] = calloc(maps[m] ? maps[m]->n_items + 1 : 1, 1);
        if (!gone[m])
            t->rc = VG_ENOMEM;
    }
    newkv *adds = calloc(fv->n_edits + 1, sizeof *adds);
    size_t n_adds = 0;
    if (!adds)
        t->rc = VG_ENOMEM;
    for (size_t i = 0; t->rc == VG_OK && i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (e->device && !writes_vmx) {
            skipped++;
            continue;
        }
        size_t idx[2];
        const hcl_item *held[2] = {find_ci(maps[0], e->key, &idx[0]),
                                   find_ci(maps[1], e->key, &idx[1])};
        if (e->op == VG_FIX_SET) {
            const hcl_item *target = held[1] ? held[1] : held[0];
            if (target)
                set_value(t, target, e->value);
            else
                adds[n_adds++] = (newkv){e->key, e->value};
            (*set)++;
        } else {
            int any = 0;
            for (size_t m = 0; m < 2; m++) {
                if (held[m]) {
                    gone[m][idx[m]] = 1;
                    any = 1;
                }
            }
            if (any)
                (*removed)++;
            else
                skipped++;
        }
    }
    for (size_t m = 0; t->rc == VG_OK && m < 2; m++) {
        if (maps[m])
            remove_items(t, maps[m], gone[m]);
    }
    if (t->rc == VG_OK && n_adds) {
        /* into the first map that exists, else a new first map */
        size_t m = maps[0] ? 0 : maps[1] ? 1 : 2;
        if (m < 2) {
            size_t kept = 0;
            for (size_t i = 0; i < maps[m]->n_items; i++)
                kept += !gone[m][i];
            insert_items(t, maps[m], adds, n_adds, kept);
        } else if (s->item[0]) {
            skipped += n_adds; /* the map is an expression: cannot be edited */
        } else {
            insert_map(t, s, s->attr[0], adds, n_adds);
        }
    }
    free(adds);
    free(gone[0]);
    free(gone[1]);
    return skipped;
}

/* After the edit, every SET shows and every REMOVE is gone in the re-read VM. */
typedef struct verify {
    vg_fix_vm *const *fvs;
    size_t n;
    int writes_api; /* device edits were skipped */
    int ok;
    char why[300];
} verify;

static int verify_vm(vg_vm *vm, void *ctx)
{
    verify *v = ctx;
    for (size_t i = 0; i < v->n; i++) {
        const vg_fix_vm *fv = v->fvs[i];
        if (!fv->name || strcmp(fv->name, vm->name) != 0)
            continue;
        for (size_t k = 0; k < fv->n_edits; k++) {
            const vg_fix_edit *e = &fv->edits[k];
            const vg_vmx_entry *en = vg_vmx_doc_find(vm->settings, e->key);
            if (e->device && v->writes_api)
                continue;
            if (e->op == VG_FIX_SET && (!en || strcmp(en->value, e->value) != 0)) {
                snprintf(v->why, sizeof v->why, "%s would not read %s = %s", vm->name, e->key,
                         e->value);
                v->ok = 0;
            }
        }
    }
    vg_vm_free(vm);
    return 0;
}

int vg_fix_verify_template(const char *data, size_t len, const char *name, vg_template_kind kind,
                           vg_fix_vm *const *fvs, size_t n, int skip_devices, vg_error *err)
{
    verify v = {fvs, n, skip_devices, 1, ""};
    vg_error e2;
    vg_error_clear(&e2);
    int rc = vg_template_read_mem(data, len, name, kind, verify_vm, &v, &e2);
    if (rc != VG_OK)
        return vg_error_set(err, VG_ERR, name, e2.line,
                            "the edited template does not read back (%s); left as it was", e2.msg);
    if (!v.ok)
        return vg_error_set(err, VG_ERR, name, 0,
                            "the edited template does not hold the fix (%s); "
                            "left as it was",
                            v.why);
    return VG_OK;
}

int vg_fix_template_text(const char *src, size_t len, const char *name, vg_template_kind kind,
                         vg_fix_vm *const *fvs, size_t n, char **out, size_t *outlen,
                         vg_fix_outcome *o, vg_error *err)
{
    *out = NULL;
    hcl_file *f = NULL;
    int json = kind == VG_TEMPLATE_PACKER_JSON;
    int rc = vg_hcl_parse(src, len, name, json, &f, err);
    if (rc != VG_OK)
        return rc;
    tmpl_map_site *sites = NULL;
    size_t ns = 0;
    rc = vg_tmpl_sites(f, kind, &sites, &ns, name, err);
    tfix t = {src, len, f, json, {0}, VG_OK, eol_of(src, len)};
    size_t skipped = 0;
    int skip_devices = 0;
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        const tmpl_map_site *site = NULL;
        for (size_t k = 0; k < ns && !site; k++) {
            char *sn = vg_tmpl_site_name(&sites[k], kind);
            if (!sn)
                rc = vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
            else if (fvs[i]->name && strcmp(sn, fvs[i]->name) == 0)
                site = &sites[k];
            free(sn);
        }
        if (rc != VG_OK)
            break;
        if (!site) {
            rc = vg_error_set(err, VG_ENOTFOUND, name, 0, "no VM %s in this template",
                              fvs[i]->name ? fvs[i]->name : "(unnamed)");
            break;
        }
        int writes_vmx = vg_tmpl_site_writes_vmx(site, kind);
        skip_devices |= !writes_vmx;
        skipped += plan_vm(&t, site, fvs[i], writes_vmx, &o->keys_set, &o->keys_removed);
        if (t.rc != VG_OK)
            rc = vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    }
    if (rc == VG_OK && vg_fix_splices_apply(&t.sp, src, len, out, outlen) != VG_OK)
        rc = vg_error_set(err, VG_ERR, name, 0, "edits overlap; nothing written");
    if (rc == VG_OK && skipped) {
        char note[1400];
        snprintf(note, sizeof note,
                 "%s: %zu edit(s) not made in the template (device changes go through the "
                 "API, or the key is not in a settings map)",
                 name, skipped);
        free(o->note);
        o->note = strdup(note);
    }
    vg_fix_splices_release(&t.sp);
    free(sites);
    vg_hcl_free(f);
    if (rc == VG_OK)
        rc = vg_fix_verify_template(*out, *outlen, name, kind, fvs, n, skip_devices, err);
    if (rc != VG_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Write new bytes over path atomically, if its bytes are still old ones. */
int vg_fix_write_bytes(const char *path, const char *old, size_t oldlen, const char *data,
                       size_t len, const vg_fix_apply_opts *opts, vg_fix_outcome *o, vg_error *err)
{
    char *now;
    size_t nowlen;
    int rc = vg_tmpl_read_file(path, &now, &nowlen, err);
    if (rc != VG_OK)
        return rc;
    int same = nowlen == oldlen && memcmp(now, old, oldlen) == 0;
    free(now);
    if (!same)
        return vg_error_set(err, VG_ECHANGED, path, 0, "changed since it was read; not written");
    /* the .vmx document keeps every byte it parses: its atomic save writes
     * exactly these bytes */
    vg_vmx_doc *doc = NULL;
    rc = vg_vmx_doc_parse(data, len, path, &doc, err);
    if (rc != VG_OK)
        return rc;
    vg_vmx_save_opts so = {0};
    so.backup = opts && opts->backup;
    so.break_hardlinks = opts && opts->force;
    rc = vg_vmx_doc_save(doc, path, &so, err);
    if (so.backup_path[0])
        snprintf(o->backup_path, sizeof o->backup_path, "%s", so.backup_path);
    vg_vmx_doc_free(doc);
    return rc;
}

int vg_fix_apply_template(const char *path, vg_fix_vm *const *fvs, size_t n,
                          const vg_fix_apply_opts *opts, vg_fix_outcome *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    vg_template_kind kind = vg_template_detect(path);
    if (kind == VG_TEMPLATE_OVF || kind == VG_TEMPLATE_OVA)
        return vg_fix_apply_ovf(path, kind, fvs, n, opts, out, err);
    if (kind == VG_TEMPLATE_TF_JSON)
        return vg_error_set(err, VG_ERR, path, 0,
                            "a plan or state is Terraform's output: fix the .tf files it was "
                            "made from");
    if (kind == VG_TEMPLATE_NONE)
        return vg_error_set(err, VG_ERR, path, 0, "not a template vmxguard can fix");
    char *src;
    size_t len;
    int rc = vg_tmpl_read_file(path, &src, &len, err);
    if (rc != VG_OK)
        return rc;
    char *data = NULL;
    size_t dlen = 0;
    rc = vg_fix_template_text(src, len, path, kind, fvs, n, &data, &dlen, out, err);
    if (rc == VG_OK) {
        out->changed = dlen != len || memcmp(data, src, len) != 0;
        out->diff = vg_fix_diff(src, len, data, dlen, path, path, opts && opts->color);
        if (!out->diff)
            rc = vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    if (rc == VG_OK && out->changed && !(opts && opts->dry_run))
        rc = vg_fix_write_bytes(path, src, len, data, dlen, opts, out, err);
    free(src);
    free(data);
    return rc;
}
