/*
 * The document object: lifetime, accessors, the case-insensitive key index,
 * glob matching and the diagnostics list.
 *
 * Duplicates: VMware refuses to power on a VM whose .vmx holds a key twice
 * (ignoring case; hashicorp/vagrant#2597), and which copy its reader would
 * use is not documented (reference/vmx-format.md section 6 marks it
 * uncertain).  vg_vmx_doc_find returns the FIRST occurrence in file order,
 * as libvirt and virt-v2v do, and every copy is flagged `duplicate` and
 * reported as an error-level diagnostic naming both lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "vmx/vmx_internal.h"

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ASCII upper case to lower case in 8 bytes at once (bytes >= 0x80 untouched). */
static inline uint64_t lower8(uint64_t w)
{
    uint64_t hept = w & 0x7F7F7F7F7F7F7F7Full;
    uint64_t ge_a = hept + 0x3F3F3F3F3F3F3F3Full; /* high bit set when >= 'A' */
    uint64_t gt_z = hept + 0x2525252525252525ull; /* high bit set when > 'Z' */
    uint64_t upper = ge_a & ~gt_z & ~w & 0x8080808080808080ull;
    return w | (upper >> 2);
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 32);
}

/* Hash of the lower-cased key, 8 bytes per step: keys are hashed once per
 * entry while parsing, so this is on the hot path. */
uint32_t vg_vmx_hash_key(const char *key, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, key + i, 8);
        h = mix(h, lower8(w));
    }
    if (i < len && len >= 8) {
        /* last bytes: reload the final 8 and drop those already hashed (a
         * variable-length memcpy here would stall on store forwarding) */
        memcpy(&w, key + len - 8, 8);
        h = mix(h, lower8(w) >> (8 * (8 - (len - i))));
    } else if (i < len) {
        w = 0;
        for (size_t j = 0; j < len; j++)
            w |= (uint64_t)(unsigned char)key[j] << (8 * j);
        h = mix(h, lower8(w));
    }
    h ^= h >> 29;
    h *= 0xC4CEB9FE1A85EC53ull;
    return (uint32_t)(h ^ (h >> 32));
}

/* Equal ignoring ASCII case: the same spelling is the common case (one
 * memcmp), else 8 bytes at a time folded, then the tail byte by byte. */
int vg_vmx_key_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (memcmp(a, b, alen) == 0)
        return 1;
    size_t i = 0;
    for (; i + 8 <= alen; i += 8) {
        uint64_t wa, wb;
        memcpy(&wa, a + i, 8);
        memcpy(&wb, b + i, 8);
        if (lower8(wa) != lower8(wb))
            return 0;
    }
    for (; i < alen; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

vg_vmx_doc *vg_vmx_doc_new(const char *name)
{
    vg_vmx_doc *doc = calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    doc->name = strdup(name ? name : "<memory>");
    if (!doc->name) {
        free(doc);
        return NULL;
    }
    return doc;
}

void vg_vmx_doc_free(vg_vmx_doc *doc)
{
    if (!doc)
        return;
    for (struct vmx_block *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(doc->name);
    free(doc->orig);
    free(doc->work);
    free(doc->values);
    free(doc->lines);
    free(doc->entries);
    free(doc->table);
    free(doc->diags);
    free(doc->diag_text);
    free(doc);
}

const char *vg_vmx_doc_name(const vg_vmx_doc *doc)
{
    return doc->name;
}

size_t vg_vmx_doc_count(const vg_vmx_doc *doc)
{
    return doc->nentries;
}

const vg_vmx_entry *vg_vmx_doc_entry(const vg_vmx_doc *doc, size_t i)
{
    return i < doc->nentries ? &doc->entries[i].pub : NULL;
}

unsigned vg_vmx_doc_key_hash(const vg_vmx_doc *doc, size_t i)
{
    return i < doc->nentries ? doc->entries[i].hash : 0;
}

size_t vg_vmx_doc_diag_count(const vg_vmx_doc *doc)
{
    return doc->ndiags;
}

const vg_vmx_diag *vg_vmx_doc_diag(const vg_vmx_doc *doc, size_t i)
{
    return i < doc->ndiags ? &doc->diags[i].pub : NULL;
}

int vg_vmx_doc_modified(const vg_vmx_doc *doc)
{
    return doc->modified;
}

static void report_duplicate(vg_vmx_doc *doc, vg_buf *text, const struct vmx_entry *first,
                             const struct vmx_entry *dup)
{
    int klen = dup->key_len > 200 ? 200 : (int)dup->key_len;
    vg_vmx_diag_add(doc, text, VG_DIAG_ERROR, dup->pub.line, "duplicate-key",
                 "duplicate key '%.*s%s' (also on line %u); VMware refuses such files", klen,
                 dup->pub.key, dup->key_len > 200 ? "..." : "", first->pub.line);
}

/* Insert entry i; on a duplicate flag both and keep the first in the table. */
static void index_one(vg_vmx_doc *doc, size_t i, vg_buf *text)
{
    size_t mask = doc->table_size - 1;
    struct vmx_entry *e = &doc->entries[i];
    for (size_t slot = e->hash & mask;; slot = (slot + 1) & mask) {
        uint32_t v = doc->table[slot];
        if (v == 0) {
            doc->table[slot] = (uint32_t)(i + 1);
            return;
        }
        struct vmx_entry *o = &doc->entries[v - 1];
        if (o->hash == e->hash && vg_vmx_key_equal(o->pub.key, o->key_len, e->pub.key, e->key_len)) {
            o->pub.duplicate = e->pub.duplicate = 1;
            if (text)
                report_duplicate(doc, text, o, e);
            return;
        }
    }
}

int vg_vmx_index(vg_vmx_doc *doc, vg_buf *diag_text, int report_duplicates)
{
    size_t size = 16;
    while (size < doc->nentries * 2)
        size *= 2;
    if (size != doc->table_size) {
        uint32_t *t = realloc(doc->table, size * sizeof *t);
        if (!t)
            return VG_ENOMEM;
        doc->table = t;
        doc->table_size = size;
    }
    memset(doc->table, 0, size * sizeof *doc->table);
    for (size_t i = 0; i < doc->nentries; i++)
        doc->entries[i].pub.duplicate = 0;
    for (size_t i = 0; i < doc->nentries; i++)
        index_one(doc, i, report_duplicates ? diag_text : NULL);
    return 0;
}

/* Entry i was just appended with a key not in the index: add it alone
 * (amortised O(1)), rebuilding only when the table must grow.  Edits that
 * add many keys (a vSphere VM with 80,000 extraConfig keys) stay linear. */
int vg_vmx_index_add(vg_vmx_doc *doc, size_t i)
{
    if (doc->table_size < 16 || doc->table_size < doc->nentries * 2)
        return vg_vmx_index(doc, NULL, 0);
    index_one(doc, i, NULL);
    return 0;
}

size_t vg_vmx_find_index(const vg_vmx_doc *doc, const char *key, size_t len)
{
    if (!doc->table_size)
        return (size_t)-1;
    uint32_t h = vg_vmx_hash_key(key, len);
    size_t mask = doc->table_size - 1;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
        uint32_t v = doc->table[slot];
        if (v == 0)
            return (size_t)-1;
        const struct vmx_entry *e = &doc->entries[v - 1];
        if (e->hash == h && vg_vmx_key_equal(e->pub.key, e->key_len, key, len))
            return v - 1;
    }
}

const vg_vmx_entry *vg_vmx_doc_find(const vg_vmx_doc *doc, const char *key)
{
    size_t i = vg_vmx_find_index(doc, key, strlen(key));
    return i == (size_t)-1 ? NULL : &doc->entries[i].pub;
}

const char *vg_vmx_doc_encoding(const vg_vmx_doc *doc)
{
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, ".encoding");
    return e ? e->value : NULL;
}

/* Iterative glob with one backtrack point: linear enough for keys. */
int vg_vmx_glob_match(const char *glob, const char *key)
{
    const char *star = NULL, *resume = NULL;
    while (*key) {
        if (*glob == '*') {
            star = glob++;
            resume = key;
        } else if (*glob &&
                   (*glob == '?' || lower((unsigned char)*glob) == lower((unsigned char)*key))) {
            glob++;
            key++;
        } else if (star) {
            glob = star + 1;
            key = ++resume;
        } else {
            return 0;
        }
    }
    while (*glob == '*')
        glob++;
    return *glob == '\0';
}

const vg_vmx_entry *vg_vmx_doc_match(const vg_vmx_doc *doc, const char *glob, size_t *pos)
{
    for (size_t i = *pos; i < doc->nentries; i++) {
        if (vg_vmx_glob_match(glob, doc->entries[i].pub.key)) {
            *pos = i + 1;
            return &doc->entries[i].pub;
        }
    }
    *pos = doc->nentries;
    return NULL;
}

static struct vmx_diag *diag_slot(vg_vmx_doc *doc, vg_buf *text, vg_diag_level level, unsigned line,
                                  const char *code)
{
    if (VG_GROW(doc->diags, doc->ndiags, doc->cap_diags) != 0) {
        text->oom = 1;
        return NULL;
    }
    struct vmx_diag *d = &doc->diags[doc->ndiags++];
    d->pub.level = level;
    d->pub.line = line;
    d->pub.code = code;
    d->msg_off = text->len;
    return d;
}

/* Messages go into one text buffer; pointers are set by vg_vmx_diag_fix. */
void vg_vmx_diag_add(vg_vmx_doc *doc, vg_buf *text, vg_diag_level level, unsigned line,
                  const char *code, const char *fmt, ...)
{
    if (doc->ndiags > VMX_MAX_DIAGS)
        return;
    if (doc->ndiags == VMX_MAX_DIAGS) {
        if (diag_slot(doc, text, VG_DIAG_WARNING, 0, "too-many-diagnostics"))
            vg_buf_printf(text, "more than %u diagnostics; the rest are not listed%c",
                          VMX_MAX_DIAGS, '\0');
        return;
    }
    if (!diag_slot(doc, text, level, line, code))
        return;
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(text, fmt, ap);
    va_end(ap);
    vg_buf_addc(text, '\0');
}

void vg_vmx_diag_fix(vg_vmx_doc *doc, vg_buf *text)
{
    free(doc->diag_text);
    doc->diag_text = vg_buf_detach(text);
    for (size_t i = 0; i < doc->ndiags; i++)
        doc->diags[i].pub.msg = doc->diag_text ? doc->diag_text + doc->diags[i].msg_off : "";
}
