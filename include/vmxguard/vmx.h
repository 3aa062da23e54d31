/*
 * Lossless .vmx document: parse, query, edit, serialise.  No policy here.
 *
 * A document keeps every byte of its input: an unmodified document
 * serialises byte-identical.  Keys compare without regard to ASCII case but
 * keep their spelling.  Values are bytes in the file's `.encoding`; a UTF-8
 * view is available for display.  Diagnostics about the input (odd lines,
 * duplicate keys, BOM, unknown encoding) are collected, not fatal.
 */
#ifndef VMXGUARD_VMX_H
#define VMXGUARD_VMX_H

#include "common.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_vmx_doc vg_vmx_doc;

/* One `key = value` line.  Strings are NUL-terminated and stay valid until
 * the document is edited or freed. */
typedef struct vg_vmx_entry {
    const char *key;         /* spelling as in the file */
    const char *raw;         /* value as written, without quotes, |XX escapes not decoded */
    const char *value;       /* value with |XX decoded: bytes in the document's encoding */
    unsigned line;           /* 1-based line in the parsed input (kept across edits);
                                0 for entries added by an edit */
    unsigned char quoted;    /* value was written in double quotes */
    unsigned char duplicate; /* another entry has the same key, ignoring case */
} vg_vmx_entry;

typedef enum vg_diag_level { VG_DIAG_WARNING = 0, VG_DIAG_ERROR = 1 } vg_diag_level;

/* A finding about the input itself (not about hardening). */
typedef struct vg_vmx_diag {
    vg_diag_level level;
    unsigned line; /* 0 when about the whole file */
    const char
        *code; /* stable id: "unparsed-line", "duplicate-key", "bom", "unknown-encoding", ... */
    const char *msg; /* human text, e.g. "duplicate key 'a.b' (also on line 3); VMware refuses such
                        files" */
} vg_vmx_diag;

/* Parse len bytes.  name is used in messages (a path or "<stdin>").
 * Fails (VG_EINPUT) only on content no .vmx can hold: NUL bytes / binary
 * data, or sizes beyond the limits below; *out receives ownership. */
VG_EXPORT int vg_vmx_doc_parse(const char *data, size_t len, const char *name, vg_vmx_doc **out,
                               vg_error *err);
/* Read and parse a file (regular files only; never blocks on FIFOs/devices). */
VG_EXPORT int vg_vmx_doc_load(const char *path, vg_vmx_doc **out, vg_error *err);
/* An empty document (for sources that synthesise settings, e.g. vSphere extraConfig). */
VG_EXPORT vg_vmx_doc *vg_vmx_doc_new(const char *name);
VG_EXPORT void vg_vmx_doc_free(vg_vmx_doc *doc);

VG_EXPORT const char *vg_vmx_doc_name(const vg_vmx_doc *doc);
/* Value of `.encoding` as written, or NULL when absent (then UTF-8 is assumed). */
VG_EXPORT const char *vg_vmx_doc_encoding(const vg_vmx_doc *doc);

VG_EXPORT size_t vg_vmx_doc_diag_count(const vg_vmx_doc *doc);
VG_EXPORT const vg_vmx_diag *vg_vmx_doc_diag(const vg_vmx_doc *doc, size_t i);

/* Entries in file order. */
VG_EXPORT size_t vg_vmx_doc_count(const vg_vmx_doc *doc);
VG_EXPORT const vg_vmx_entry *vg_vmx_doc_entry(const vg_vmx_doc *doc, size_t i);
/* Hash of entry i's key, ASCII lower-cased, as the document's own index
 * computed it while parsing (0 if i is out of range): for callers that keep
 * a table of key names, so the key need not be hashed again.  Additive. */
VG_EXPORT unsigned vg_vmx_doc_key_hash(const vg_vmx_doc *doc, size_t i);
/* Case-insensitive (ASCII) lookup; NULL if absent.  With duplicates it
 * returns the FIRST in file order.  Which copy VMware itself would use is
 * not known (it refuses to power on such a VM); first-wins matches libvirt
 * and virt-v2v.  Every copy has `duplicate` set and an error diagnostic. */
VG_EXPORT const vg_vmx_entry *vg_vmx_doc_find(const vg_vmx_doc *doc, const char *key);
/* Glob match over keys, case-insensitive: `*` any run, `?` one char.
 * Iterate with *pos = 0 first; returns NULL at the end. */
VG_EXPORT const vg_vmx_entry *vg_vmx_doc_match(const vg_vmx_doc *doc, const char *glob,
                                               size_t *pos);
VG_EXPORT int vg_vmx_glob_match(const char *glob, const char *key);

/* UTF-8 view of bytes from this document (through iconv from its .encoding).
 * Returns a malloc'd string the caller frees; invalid sequences become U+FFFD.
 * Never fails except on ENOMEM (returns NULL). */
VG_EXPORT char *vg_vmx_doc_to_utf8(const vg_vmx_doc *doc, const char *bytes);

/* The reverse, for values typed by a user: UTF-8 text into the document's
 * .encoding (only the new value is converted, never the file).  *out is
 * malloc'd.  VG_EINPUT when the text has no representation in that charset
 * or is not valid UTF-8; with UTF-8, an absent or an unknown .encoding the
 * (valid UTF-8) text is copied as it is. */
VG_EXPORT int vg_vmx_doc_from_utf8(const vg_vmx_doc *doc, const char *utf8, char **out,
                                   vg_error *err);

/* |XX escapes as VMware reads and writes them.  Both return malloc'd strings. */
VG_EXPORT char *vg_vmx_unescape(const char *raw, size_t len);
VG_EXPORT char *vg_vmx_escape(const char *value, size_t len);

/* Edits.  set: value is the decoded value, bytes in the document's encoding
 * (escaped as VMware does on write).  An existing key keeps its spelling,
 * spacing, quoting style, trailing comment and line ending; only the value
 * bytes change (a bare value that would need quotes gets them).  Setting the
 * value a key already has changes nothing (vg_vmx_doc_modified stays 0).
 * With duplicates, the first copy is changed and the others removed, so the
 * result is a file VMware accepts.  A new key is appended at the end as
 * `key = "value"` with the document's line ending (LF for an empty one); in a
 * file without a final line end the previous last line gets one and the new
 * last line has none, so set + remove of a new key restores the bytes.
 * Keys with blanks, '=', '#' or line ends are refused (VG_EUSAGE); lines
 * beyond VG_VMX_MAX_LINE are refused (VG_EINPUT).
 * remove: deletes every line whose key matches (ignoring case); returns the
 * number removed (0 when absent) or a negative error. */
VG_EXPORT int vg_vmx_doc_set(vg_vmx_doc *doc, const char *key, const char *value, vg_error *err);
VG_EXPORT int vg_vmx_doc_remove(vg_vmx_doc *doc, const char *key, vg_error *err);
VG_EXPORT int vg_vmx_doc_modified(const vg_vmx_doc *doc);

/* Serialise to a malloc'd buffer (*out, *len). */
VG_EXPORT int vg_vmx_doc_serialize(const vg_vmx_doc *doc, char **out, size_t *len, vg_error *err);

/* Options for writing a document back to disk safely.  Zero = defaults. */
typedef struct vg_vmx_save_opts {
    int backup;             /* keep the previous version as FILE.vmxguard-YYYYmmddTHHMMSSZ
                               (a hard link to the old inode, or a copy where links fail) */
    int check_unchanged;    /* refuse (VG_ECHANGED) if the file's bytes differ from the bytes
                               the document was parsed from (re-read just before the rename) */
    char backup_path[1024]; /* out: where the backup went ("" if none) */
    int break_hardlinks;    /* write a file with st_nlink > 1 anyway: this name gets the new
                               content, the other names keep the old one (default: refuse) */
    int check_only;         /* run the refusals (read-only, not regular, hard links) and
                               write nothing */
    unsigned long nlink;    /* out: the original's link count (0 for a new file) */
} vg_vmx_save_opts;
/* Atomic write: the path is resolved once and everything else goes through
 * a descriptor of the real folder; temp file (O_EXCL|O_NOFOLLOW, mode 0600,
 * named .vmxguard-tmp-PID-XXXXXX; leftovers of dead writers are removed),
 * write, owner/group/mode and every extended attribute (ACLs, security
 * labels) of the original, fsync; the original locked with flock(LOCK_EX);
 * a last check that the name is still the same inode with the same size,
 * mtime and (check_unchanged) bytes; rename; fsync of the folder.
 * A symlink is followed and its target replaced (the link stays).  Refused:
 * read-only files (no write bit; VG_EIO), an extended attribute that cannot
 * be kept (VG_EIO), non-regular files (VG_EINPUT), files with several hard
 * links unless break_hardlinks (VG_EHARDLINK), a change or a lock held by
 * another program (VG_ECHANGED).  A path that does not exist is created
 * (mode 0600).  On any error the original is left as it was and no
 * temporary file or backup of this call remains.  Only an error flushing
 * the folder after the rename ("written, but ...") means the new content is
 * already in place.  opts may be NULL. */
VG_EXPORT int vg_vmx_doc_save(const vg_vmx_doc *doc, const char *path, vg_vmx_save_opts *opts,
                              vg_error *err);

/* Remove temporary files that saves of path killed midway left in its
 * real folder (only those whose writer's pid no longer runs).  Returns the
 * number removed or a negative error. */
VG_EXPORT int vg_vmx_clean_stale(const char *path, vg_error *err);

/* Limits (messages name them). */
#define VG_VMX_MAX_FILE (64u * 1024u * 1024u)
#define VG_VMX_MAX_LINE (1024u * 1024u)

#ifdef __cplusplus
}
#endif
#endif
