/*
 * Edits and serialisation.  An edit touches only the lines it must: `set`
 * swaps the value bytes of an existing line (its key spelling, spacing,
 * quoting, trailing comment and line end stay), or appends `key = "value"`
 * at the end as VMware does; `remove` drops whole lines.  Every other line
 * is written back from the original bytes.
 *
 * A file without a final line end keeps that shape: an appended line goes
 * after a line end given to the previous last line, and itself gets none;
 * removing it again restores the original bytes.
 *
 * With duplicate keys, `set` changes the first copy in place and removes
 * the others, so the written file is one VMware accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "vmx/vmx_internal.h"

static const struct {
    const char *bytes;
    size_t len;
} eol_table[] = {{"", 0}, {"\n", 1}, {"\r\n", 2}, {"\r", 1}};

const char *vg_vmx_eol_bytes(unsigned eol, size_t *len)
{
    if (eol > VMX_EOL_CR)
        eol = VMX_EOL_NONE;
    *len = eol_table[eol].len;
    return eol_table[eol].bytes;
}

int vg_vmx_doc_serialize(const vg_vmx_doc *doc, char **out, size_t *len, vg_error *err)
{
    *out = NULL;
    *len = 0;
    vg_buf b = VG_BUF_INIT;
    if (!doc->modified) {
        vg_buf_add(&b, doc->orig ? doc->orig : "", doc->orig_len);
    } else {
        /* A line starting with U+FEFF's bytes (part of its key) that an edit
         * moved to the top would read back as a byte-order mark and lose
         * them, turning into another key: a mark before it keeps the key. */
        int first_has_mark = doc->nlines && doc->lines[0].len >= 3 &&
                             memcmp(doc->lines[0].text, "\xEF\xBB\xBF", 3) == 0;
        if (doc->bom || first_has_mark)
            vg_buf_add(&b, "\xEF\xBB\xBF", 3);
        for (size_t i = 0; i < doc->nlines; i++) {
            const struct vmx_line *ln = &doc->lines[i];
            size_t el;
            const char *eb = vg_vmx_eol_bytes(ln->eol, &el);
            vg_buf_add(&b, ln->text, ln->len);
            vg_buf_add(&b, eb, el);
        }
    }
    size_t n = b.len;
    char *s = vg_buf_detach(&b);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, doc->name, 0, "out of memory");
    *out = s;
    *len = n;
    return 0;
}

static int check_key(const vg_vmx_doc *doc, const char *key, vg_error *err)
{
    size_t n = strlen(key);
    if (n == 0 || n > 4096 || strcspn(key, " \t#=\r\n") != n)
        return vg_error_set(err, VG_EUSAGE, doc->name, 0,
                            "invalid key '%.200s': a key is 1-4096 bytes without blanks, "
                            "'=', '#' or line ends",
                            key);
    return 0;
}

/*
 * Store a line written by an edit in its own block and (re)parse it, so
 * the entry strings are built exactly as the parser builds them.
 */
static int make_line(vg_vmx_doc *doc, const char *text, size_t len, struct vmx_line *ln,
                     struct vmx_entry *e)
{
    struct vmx_parsed p;
    if (vg_vmx_parse_line(text, len, &p) != VMX_ENTRY)
        return VG_ERR;
    struct vmx_block *b = malloc(sizeof *b + 2 * len + p.val_len + 4);
    if (!b)
        return VG_ENOMEM;
    b->next = doc->blocks;
    doc->blocks = b;
    char *t = b->data, *k = t + len + 1, *r = k + p.key_len + 1, *v = r + p.val_len + 1;
    memcpy(t, text, len);
    t[len] = '\0';
    memcpy(k, text + p.key_off, p.key_len);
    k[p.key_len] = '\0';
    memcpy(r, text + p.val_off, p.val_len);
    r[p.val_len] = '\0';
    size_t vlen;
    vg_vmx_unescape_into(r, p.val_len, v, &vlen);
    ln->text = t;
    ln->len = len;
    ln->kind = VMX_ENTRY;
    ln->val_off = p.val_off;
    ln->val_len = p.val_len;
    e->pub.key = k;
    e->pub.raw = r;
    e->pub.value = v;
    e->pub.quoted = (unsigned char)p.quoted;
    e->key_len = p.key_len;
    e->hash = vg_vmx_hash_key(k, p.key_len);
    e->value_off = VMX_NO_VALUE_OFF;
    return 0;
}

#define LINE_DROPPED 0xFFu /* a line kind only while remove_matching runs */

/* Remove the entries matching key except entry keep (all when keep is -1),
 * with their lines, in one pass over the lines and one over the entries:
 * a file with 100,000 copies of a key costs a linear rewrite, not a
 * memmove and a re-index per copy. */
static int remove_matching(vg_vmx_doc *doc, const char *key, size_t keep)
{
    size_t klen = strlen(key);
    int removed = 0;
    for (size_t i = 0; i < doc->nentries; i++) {
        struct vmx_entry *e = &doc->entries[i];
        if (i != keep && vg_vmx_key_equal(e->pub.key, e->key_len, key, klen)) {
            doc->lines[e->line].kind = LINE_DROPPED;
            e->line = UINT32_MAX;
            removed++;
        }
    }
    if (!removed)
        return 0;
    size_t nl = 0;
    for (size_t li = 0; li < doc->nlines; li++) {
        if (doc->lines[li].kind == LINE_DROPPED)
            continue;
        doc->lines[nl] = doc->lines[li];
        if (doc->lines[nl].kind == VMX_ENTRY)
            doc->entries[doc->lines[nl].entry].line = (uint32_t)nl;
        nl++;
    }
    doc->nlines = nl;
    size_t ne = 0;
    for (size_t i = 0; i < doc->nentries; i++) {
        if (doc->entries[i].line == UINT32_MAX)
            continue;
        doc->entries[ne] = doc->entries[i];
        doc->lines[doc->entries[ne].line].entry = (uint32_t)ne;
        ne++;
    }
    doc->nentries = ne;
    if (doc->final_eol_missing && doc->nlines)
        doc->lines[doc->nlines - 1].eol = VMX_EOL_NONE;
    return removed;
}

static int grow_for_append(vg_vmx_doc *doc)
{
    if (VG_GROW(doc->lines, doc->nlines, doc->cap_lines) != 0 ||
        VG_GROW(doc->entries, doc->nentries, doc->cap_entries) != 0)
        return VG_ENOMEM;
    return 0;
}

static int append_entry(vg_vmx_doc *doc, const char *key, const char *esc)
{
    if (grow_for_append(doc))
        return VG_ENOMEM;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%s = \"%s\"", key, esc);
    if (b.oom)
        return VG_ENOMEM;
    struct vmx_line *ln = &doc->lines[doc->nlines];
    struct vmx_entry *e = &doc->entries[doc->nentries];
    int rc = make_line(doc, b.data, b.len, ln, e);
    vg_buf_release(&b);
    if (rc)
        return rc;
    unsigned char eol = doc->eol ? doc->eol : VMX_EOL_LF;
    if (doc->nlines && doc->lines[doc->nlines - 1].eol == VMX_EOL_NONE)
        doc->lines[doc->nlines - 1].eol = eol;
    ln->eol = doc->final_eol_missing ? VMX_EOL_NONE : eol;
    ln->entry = doc->nentries;
    e->line = doc->nlines;
    e->pub.line = 0;
    e->pub.duplicate = 0;
    doc->nlines++;
    doc->nentries++;
    return 0;
}

/* New text for an existing line: same bytes around the value. */
static int replace_value(vg_vmx_doc *doc, size_t ei, const char *esc)
{
    struct vmx_entry *e = &doc->entries[ei];
    struct vmx_line *ln = &doc->lines[e->line];
    /* a bare value that would not survive as a bare token, or was empty, gets quotes */
    int quote = !e->pub.quoted &&
                (ln->val_len == 0 || esc[0] == '\0' || strcspn(esc, " \t#") != strlen(esc));
    vg_buf b = VG_BUF_INIT;
    vg_buf_add(&b, ln->text, ln->val_off);
    if (quote && ln->val_len == 0 && ln->val_off > 0 && ln->text[ln->val_off - 1] == '=')
        vg_buf_addc(&b, ' ');
    if (quote)
        vg_buf_addc(&b, '"');
    vg_buf_adds(&b, esc);
    if (quote)
        vg_buf_addc(&b, '"');
    size_t tail = ln->val_off + ln->val_len;
    vg_buf_add(&b, ln->text + tail, ln->len - tail);
    if (b.oom)
        return VG_ENOMEM;
    int rc = b.len > VG_VMX_MAX_LINE ? VG_EINPUT : make_line(doc, b.data, b.len, ln, e);
    vg_buf_release(&b);
    return rc;
}

static int edit_error(const vg_vmx_doc *doc, int rc, const char *key, vg_error *err)
{
    if (rc == VG_ENOMEM)
        return vg_error_set(err, rc, doc->name, 0, "out of memory");
    if (rc == VG_EINPUT)
        return vg_error_set(err, rc, doc->name, 0,
                            "value of '%.200s' would make a line beyond the %u-byte limit", key,
                            VG_VMX_MAX_LINE);
    return vg_error_set(err, VG_ERR, doc->name, 0,
                        "internal error: edited line of '%.200s' "
                        "does not parse back",
                        key);
}

int vg_vmx_doc_set(vg_vmx_doc *doc, const char *key, const char *value, vg_error *err)
{
    if (!key || !value)
        return vg_error_set(err, VG_EUSAGE, doc->name, 0, "set needs a key and a value");
    int rc = check_key(doc, key, err);
    if (rc)
        return rc;
    size_t ei = vg_vmx_find_index(doc, key, strlen(key));
    if (ei != (size_t)-1 && !doc->entries[ei].pub.duplicate &&
        strcmp(doc->entries[ei].pub.value, value) == 0)
        return 0; /* already so: keep the bytes, stay unmodified */
    char *esc = vg_vmx_escape(value, strlen(value));
    if (!esc)
        return edit_error(doc, VG_ENOMEM, key, err);
    if (ei == (size_t)-1)
        rc = strlen(key) + strlen(esc) + 5 > VG_VMX_MAX_LINE ? VG_EINPUT
                                                             : append_entry(doc, key, esc);
    else if (strcmp(doc->entries[ei].pub.value, value) != 0)
        rc = replace_value(doc, ei, esc);
    free(esc);
    if (rc)
        return edit_error(doc, rc, key, err);
    int removed = ei != (size_t)-1 ? remove_matching(doc, key, ei) : 0;
    doc->modified = 1;
    /* a new key joins the index alone; only removed duplicates move entries */
    if (ei == (size_t)-1)
        rc = vg_vmx_index_add(doc, doc->nentries - 1);
    else if (removed)
        rc = vg_vmx_index(doc, NULL, 0);
    if (rc)
        return edit_error(doc, VG_ENOMEM, key, err);
    return 0;
}

int vg_vmx_doc_remove(vg_vmx_doc *doc, const char *key, vg_error *err)
{
    if (!key)
        return vg_error_set(err, VG_EUSAGE, doc->name, 0, "remove needs a key");
    int removed = remove_matching(doc, key, (size_t)-1);
    if (removed == 0)
        return 0;
    doc->modified = 1;
    if (vg_vmx_index(doc, NULL, 0))
        return edit_error(doc, VG_ENOMEM, key, err);
    return removed;
}
