/*
 * Internal layout of a .vmx document, shared by the files of src/vmx/.
 *
 * The input is copied once (orig) and never changed, so an unmodified
 * document serialises with one memcpy.  A second copy (work) gets NUL bytes
 * written at the end of every key and raw value, which lets entries point
 * into it without a malloc per line.  Decoded values that differ from their
 * raw text live in one arena (values).  Lines changed or added by an edit own
 * a small block each (edits are rare; parsing is the hot path).
 */
#ifndef VG_VMX_INTERNAL_H
#define VG_VMX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "vmxguard/vmx.h"

enum vmx_eol { VMX_EOL_NONE = 0, VMX_EOL_LF, VMX_EOL_CRLF, VMX_EOL_CR };
enum vmx_kind { VMX_BLANK = 0, VMX_COMMENT, VMX_ENTRY, VMX_WEIRD };

/* Sizes fit 32 bits: files are at most VG_VMX_MAX_FILE bytes.  Small
 * records keep the line and entry tables dense (they are written once per
 * line, the hot path). */
struct vmx_line {
    const char *text; /* line content without its line end (and without a BOM) */
    uint32_t len;
    uint32_t entry;   /* index into entries when kind == VMX_ENTRY */
    uint32_t val_off; /* raw value span inside text (inside the quotes) */
    uint32_t val_len;
    unsigned char eol;
    unsigned char kind;
};

#define VMX_NO_VALUE_OFF UINT32_MAX

struct vmx_entry {
    vg_vmx_entry pub;
    uint32_t line; /* index into lines */
    uint32_t key_len;
    uint32_t value_off; /* offset into the values arena while parsing, or VMX_NO_VALUE_OFF */
    uint32_t hash;      /* of the lower-cased key */
};

struct vmx_diag {
    vg_vmx_diag pub;
    size_t msg_off; /* into diag_text until pointers are fixed */
};

/* A line written by an edit: its text and key/raw/value strings. */
struct vmx_block {
    struct vmx_block *next;
    char data[];
};

struct vg_vmx_doc {
    char *name;
    char *orig; /* the bytes parsed, BOM included */
    size_t orig_len;
    char *work; /* orig_len + 1 bytes, NULs after keys and raw values */
    char *values;
    int bom;
    int final_eol_missing; /* the input did not end with a line end */
    int modified;
    unsigned char eol; /* line end used for appended lines */
    struct vmx_line *lines;
    size_t nlines, cap_lines;
    struct vmx_entry *entries;
    size_t nentries, cap_entries;
    uint32_t *table; /* open addressing: entry index + 1, 0 = empty */
    size_t table_size;
    struct vmx_diag *diags;
    size_t ndiags, cap_diags;
    char *diag_text;
    struct vmx_block *blocks;
};

/* Diagnostics kept per document; beyond this a single summary is added. */
#define VMX_MAX_DIAGS 10000u

/* One line split by the grammar; offsets are into the line text. */
struct vmx_parsed {
    size_t key_off, key_len, val_off, val_len;
    int quoted;
    int has_bar;     /* the raw value holds a '|' (needs decoding) */
    const char *why; /* for weird lines */
};
/* Classifies a line (no line end inside): returns an enum vmx_kind. */
int vg_vmx_parse_line(const char *s, size_t n, struct vmx_parsed *p);

uint32_t vg_vmx_hash_key(const char *key, size_t len);
int vg_vmx_key_equal(const char *a, size_t alen, const char *b, size_t blen);
/* Rebuild the key table and duplicate flags from entries; 0 or VG_ENOMEM. */
int vg_vmx_index(vg_vmx_doc *doc, vg_buf *diag_text, int report_duplicates);
/* Index entry i, just appended with a key the index does not hold. */
int vg_vmx_index_add(vg_vmx_doc *doc, size_t i);
/* First entry index for key, or (size_t)-1. */
size_t vg_vmx_find_index(const vg_vmx_doc *doc, const char *key, size_t len);
void vg_vmx_diag_add(vg_vmx_doc *doc, vg_buf *text, vg_diag_level level, unsigned line,
                  const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void vg_vmx_diag_fix(vg_vmx_doc *doc, vg_buf *text);
void vg_vmx_unescape_into(const char *raw, size_t len, char *out, size_t *outlen);
/* Checks .encoding once parsing is done: adds an unknown-encoding warning. */
void vg_vmx_check_encoding(vg_vmx_doc *doc, vg_buf *diag_text);
/* iconv name for a VMware .encoding value; NULL means "treat as UTF-8". */
const char *vg_vmx_iconv_name(const char *vmware_name);
/* Reads a regular file (never blocks on FIFOs/devices), up to VG_VMX_MAX_FILE + 1 bytes. */
int vg_vmx_read_file(const char *path, char **out, size_t *len, vg_error *err);
/* Name of the line end, and its bytes. */
const char *vg_vmx_eol_bytes(unsigned eol, size_t *len);

#endif
