/*
 * A template's VM as a vg_vm: the settings gathered by a reader become a
 * .vmx document (built by the .vmx parser itself, so lookups, globs and
 * escapes behave as for a file) whose entries carry the template's line
 * numbers and whose diagnostics speak about the template.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/template_internal.h"
#include "util/buf.h"
#include "util/grow.h"
#include "vmx/vmx_internal.h"

tmpl_vm *vg_tmpl_vm_new(const char *name, const char *path)
{
    tmpl_vm *tv = calloc(1, sizeof *tv);
    if (!tv)
        return NULL;
    tv->vm = vg_vm_new(VG_ORIGIN_FILE);
    if (!tv->vm || vg_vm_set_str(&tv->vm->name, name) || vg_vm_set_str(&tv->vm->path, path)) {
        vg_vm_free(tv->vm);
        free(tv);
        return NULL;
    }
    tv->vm->is_template = 1;
    tv->vm->power = VG_POWER_OFF;
    return tv;
}

void vg_tmpl_vm_free(tmpl_vm *tv)
{
    if (!tv)
        return;
    for (size_t i = 0; i < tv->n; i++) {
        free(tv->s[i].key);
        free(tv->s[i].value);
    }
    free(tv->s);
    free(tv->index);
    for (size_t i = 0; i < tv->nd; i++)
        free(tv->d[i].msg);
    free(tv->d);
    vg_vm_free(tv->vm);
    free(tv);
}

static size_t key_hash(const char *k)
{
    size_t h = 5381;
    for (; *k; k++)
        h = h * 33 + (unsigned char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
    return h;
}

/* Slot of key in the index: its entry, or the empty slot it would take. */
static size_t slot_of(const tmpl_vm *tv, const char *key)
{
    size_t mask = tv->index_size - 1;
    for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
        size_t v = tv->index[i];
        if (!v || strcasecmp(tv->s[v - 1].key, key) == 0)
            return i;
    }
}

static int grow_index(tmpl_vm *tv)
{
    size_t size = tv->index_size ? tv->index_size * 2 : 64;
    size_t *ni = calloc(size, sizeof *ni);
    if (!ni)
        return -1;
    free(tv->index);
    tv->index = ni;
    tv->index_size = size;
    for (size_t i = 0; i < tv->n; i++)
        tv->index[slot_of(tv, tv->s[i].key)] = i + 1;
    return 0;
}

void vg_tmpl_set(tmpl_vm *tv, const char *key, const char *value, unsigned line, int unknown)
{
    char *k = strdup(key), *v = strdup(value ? value : "");
    if (!k || !v || ((tv->n + 1) * 2 > tv->index_size && grow_index(tv) != 0)) {
        free(k);
        free(v);
        tv->oom = 1;
        return;
    }
    size_t slot = slot_of(tv, key);
    if (tv->index[slot]) {
        tmpl_setting *old = &tv->s[tv->index[slot] - 1];
        free(old->key);
        free(old->value);
        old->key = k;
        old->value = v;
        old->line = line;
        old->unknown = unknown;
        return;
    }
    if (VG_GROW(tv->s, tv->n, tv->cap) != 0) {
        free(k);
        free(v);
        tv->oom = 1;
        return;
    }
    tmpl_setting *ns = &tv->s[tv->n++];
    ns->key = k;
    ns->value = v;
    ns->line = line;
    ns->unknown = unknown;
    tv->index[slot] = tv->n;
}

void vg_tmpl_diag(tmpl_vm *tv, vg_diag_level level, unsigned line, const char *code,
                  const char *fmt, ...)
{
    if (VG_GROW(tv->d, tv->nd, tv->capd) != 0) {
        tv->oom = 1;
        return;
    }
    vg_buf b = VG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = vg_buf_detach(&b);
    if (!msg) {
        tv->oom = 1;
        return;
    }
    tv->d[tv->nd++] = (tmpl_diag){level, line, code, msg};
}

const char *vg_tmpl_scalar(const hcl_value *v)
{
    if (!v)
        return NULL;
    switch (v->kind) {
    case HCL_BOOL:
        return strcmp(v->text, "true") == 0 ? "TRUE" : "FALSE";
    case HCL_NUMBER:
    case HCL_STRING:
        return v->text;
    default:
        return NULL;
    }
}

void vg_tmpl_set_object(tmpl_vm *tv, const hcl_value *obj, const char *what)
{
    if (!obj)
        return;
    if (obj->kind != HCL_OBJECT) {
        if (obj->kind == HCL_UNKNOWN)
            vg_tmpl_diag(tv, VG_DIAG_WARNING, obj->line, "value-unknown",
                         "%s: not known before build (%s); its keys cannot be audited", what,
                         obj->text);
        else if (obj->kind != HCL_NULL)
            vg_tmpl_diag(tv, VG_DIAG_WARNING, obj->line, "not-a-map",
                         "%s is not a map of keys to values; ignored", what);
        return;
    }
    for (size_t i = 0; i < obj->n_items; i++) {
        const hcl_item *it = &obj->items[i];
        if (it->key_unknown) {
            vg_tmpl_diag(tv, VG_DIAG_WARNING, it->line, "key-unknown",
                         "%s: a key computed at build time (%s) cannot be audited", what, it->key);
            continue;
        }
        const char *s = vg_tmpl_scalar(it->value);
        if (s && tv->go_templates && it->value->kind == HCL_STRING && strstr(s, "{{") &&
            strstr(s, "}}")) {
            vg_tmpl_set(tv, it->key, s, it->line, 1);
        } else if (s) {
            vg_tmpl_set(tv, it->key, s, it->line, 0);
        } else if (it->value->kind == HCL_NULL) {
            /* null leaves the key out, as Packer and Terraform do */
        } else if (it->value->kind == HCL_UNKNOWN) {
            vg_tmpl_set(tv, it->key, it->value->text, it->line, 1);
        } else {
            vg_tmpl_diag(tv, VG_DIAG_WARNING, it->line, "not-a-value",
                         "%s: %s holds a list or map, not a value; ignored", what, it->key);
        }
    }
}

/* A key a .vmx line can hold: no blanks, '=', '#', quotes or control bytes. */
static int key_ok(const char *k)
{
    if (!*k || strlen(k) > 512)
        return 0;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '=' || *p == '#' || *p == '"')
            return 0;
    }
    return 1;
}

static int by_line(const void *a, const void *b)
{
    const tmpl_setting *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Add the template's diagnostics to doc (after the parser's own). */
static int add_diags(vg_vmx_doc *doc, const tmpl_vm *tv)
{
    vg_buf text = VG_BUF_INIT;
    size_t keep = 0;
    for (size_t i = 0; i < doc->ndiags; i++) {
        size_t end = doc->diags[i].msg_off + strlen(doc->diags[i].pub.msg) + 1;
        keep = end > keep ? end : keep;
    }
    if (keep)
        vg_buf_add(&text, doc->diag_text, keep);
    for (size_t i = 0; i < tv->nd; i++)
        vg_vmx_diag_add(doc, &text, tv->d[i].level, tv->d[i].line, tv->d[i].code, "%s", tv->d[i].msg);
    int oom = text.oom;
    vg_vmx_diag_fix(doc, &text);
    return oom ? VG_ENOMEM : VG_OK;
}

int vg_tmpl_finish(tmpl_vm *tv, const char *docname, vg_vm **out, vg_error *err)
{
    *out = NULL;
    const char *path = tv->vm->path;
    if (tv->oom) {
        vg_tmpl_vm_free(tv);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    if (tv->n > 1)
        qsort(tv->s, tv->n, sizeof *tv->s, by_line);
    vg_buf text = VG_BUF_INIT;
    unsigned *lines = calloc(tv->n ? tv->n : 1, sizeof *lines);
    size_t ne = 0;
    for (size_t i = 0; lines && i < tv->n; i++) {
        const tmpl_setting *s = &tv->s[i];
        if (!key_ok(s->key)) {
            vg_tmpl_diag(tv, VG_DIAG_WARNING, s->line, "invalid-key",
                         "\"%.100s\" is not a key a .vmx file can hold; ignored", s->key);
            continue;
        }
        if (s->unknown && strcmp(s->value, "(known after apply)") == 0)
            vg_tmpl_diag(tv, VG_DIAG_WARNING, s->line, "value-unknown",
                         "%s: value known only after apply; rules that need a literal value "
                         "fail",
                         s->key);
        else if (s->unknown)
            vg_tmpl_diag(tv, VG_DIAG_WARNING, s->line, "value-unknown",
                         "%s: value not known before build (%.200s); rules that need a literal "
                         "value fail",
                         s->key, s->value);
        char *esc = vg_vmx_escape(s->value, strlen(s->value));
        if (!esc) {
            text.oom = 1;
            break;
        }
        vg_buf_printf(&text, "%s = \"%s\"\n", s->key, esc);
        free(esc);
        lines[ne++] = s->line;
    }
    vg_vmx_doc *doc = NULL;
    int rc = !lines || text.oom ? vg_error_set(err, VG_ENOMEM, path, 0, "out of memory")
                                : vg_vmx_doc_parse(text.data, text.len, docname, &doc, err);
    vg_buf_release(&text);
    if (rc == VG_OK && doc->nentries != ne)
        rc = vg_error_set(err, VG_ERR, docname, 0, "settings did not survive the .vmx parser");
    if (rc == VG_OK) {
        for (size_t i = 0; i < ne; i++)
            doc->entries[i].pub.line = lines[i];
        /* the parser's duplicate check ran on synthetic lines: none can occur
         * (vg_tmpl_set merges keys), and diagnostics are the template's */
        doc->ndiags = 0;
        rc = add_diags(doc, tv) == VG_OK && !tv->oom
                 ? VG_OK
                 : vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    free(lines);
    if (rc != VG_OK) {
        vg_vmx_doc_free(doc);
        vg_tmpl_vm_free(tv);
        return rc;
    }
    vg_vm *vm = tv->vm;
    tv->vm = NULL;
    vm->settings = doc;
    const vg_vmx_entry *hw = vg_vmx_doc_find(doc, "virtualHW.version");
    const vg_vmx_entry *os = vg_vmx_doc_find(doc, "guestOS");
    const vg_vmx_entry *uuid = vg_vmx_doc_find(doc, "uuid.bios");
    if ((hw && !vm->hw_version && vg_vm_set_str(&vm->hw_version, hw->value)) ||
        (os && !vm->guest_os && vg_vm_set_str(&vm->guest_os, os->value)) ||
        (uuid && !vm->uuid && vg_vm_set_str(&vm->uuid, uuid->value))) {
        vg_vm_free(vm);
        vg_tmpl_vm_free(tv);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    vg_tmpl_vm_free(tv);
    *out = vm;
    return VG_OK;
}

int vg_tmpl_read_file(const char *path, char **out, size_t *len, vg_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path, 0, "%s",
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vg_error_set(err, VG_EINPUT, path, 0, "not a regular file");
    }
    if ((unsigned long long)st.st_size > VG_TEMPLATE_MAX_FILE) {
        close(fd);
        return vg_error_set(err, VG_EINPUT, path, 0, "larger than %u MiB (limit for a template)",
                            VG_TEMPLATE_MAX_FILE >> 20);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return vg_error_set(err, VG_EIO, path, 0, "%s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            /* the file grew since fstat: allow up to the limit */
            if (cap > VG_TEMPLATE_MAX_FILE) {
                free(buf);
                close(fd);
                return vg_error_set(err, VG_EINPUT, path, 0, "larger than %u MiB",
                                    VG_TEMPLATE_MAX_FILE >> 20);
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                close(fd);
                return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return VG_OK;
}
