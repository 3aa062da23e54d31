/*
 * Shared inside src/audit only: value parsing, text helpers and the lint
 * tables.  The public contract is include/vmxguard/audit.h.
 */
#ifndef VG_AUDIT_INTERNAL_H
#define VG_AUDIT_INTERNAL_H

#include <stddef.h>

#include "util/buf.h"
#include "vmxguard/audit.h"

/* Values as VMware reads them (baselines.md §7.2): trimmed, TRUE/FALSE in
 * any case, strict decimal integers (leading zeros allowed). */
int vg_audit_parse_bool(const char *s, int *out);      /* 0 ok, -1 unexpected */
int vg_audit_parse_int(const char *s, long long *out); /* 0 ok, -1 not an integer */
/* Does actual satisfy (cmp, expected) for a value of type t?  1 yes, 0 no,
 * -1 when actual cannot be read as type t ("unexpected value"). */
int vg_audit_value_ok(const char *actual, vg_value_type t, vg_comparison cmp, const char *expected,
                      const char *const *values);
/* Expected value as shown to people: "TRUE", "<= 1048576", "one of a, b". */
char *vg_audit_expected_text(const vg_profile_rule *pr);

/* Is a key secret-bearing (its value must not be shown)?  Tables in lint.yaml. */
int vg_audit_key_is_secret(const char *key);
#define VG_AUDIT_REDACTED "<redacted>"

/* Basename of a path (no copy). */
const char *vg_audit_basename(const char *path);

/* Lint tables from catalog/lint.yaml (loaded once, thread-safe). */
typedef struct vg_lint_entry {
    char *key;     /* glob, case-insensitive */
    char *kind;    /* "polarity", "prefix", "noop", "legacy", "misspelling" */
    char *works;   /* key that VMware honours, or NULL */
    char *message; /* why */
} vg_lint_entry;

typedef struct vg_lint_tables {
    vg_lint_entry *entries;
    size_t n_entries;
    char **secrets; /* globs */
    size_t n_secrets;
    char **secret_words; /* guestinfo.* names holding one of these are secrets */
    size_t n_secret_words;
} vg_lint_tables;

/* NULL if lint.yaml is missing or malformed (err says why). */
const vg_lint_tables *vg_audit_lint_tables(vg_error *err);
int vg_lint_tables_parse(const char *text, size_t len, const char *name, vg_lint_tables **out,
                         vg_error *err);
void vg_lint_tables_free(vg_lint_tables *t);

/* Pending results (audit_pending.c): passes on settings VG_VM_PENDING_PROP
 * names become VG_PENDING, rep->counts kept.  0 or VG_ENOMEM. */
int vg_audit_pending(const vg_vm *vm, vg_vm_report *rep);

/* Waivers (audit_waiver.c): mark r waived / expired when one matches. */
int vg_waivers_apply(const vg_waivers *w, const vg_vm *vm, vg_result *r, time_t now);

/* libyaml document helpers with depth and alias limits (util/yaml_doc.h). */
#include "util/yaml_doc.h"
#endif
