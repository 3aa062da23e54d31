/*
 * Shared inside src/fix only: the value test the planner uses, and the
 * per-format emitters behind vg_fix_emit's table.
 */
#ifndef VG_FIX_INTERNAL_H
#define VG_FIX_INTERNAL_H

#include "util/buf.h"
#include "vmxguard/fix.h"

/* What one profile entry wants of a key. */
struct fix_want {
    vg_value_type type;
    vg_comparison cmp;
    const char *expected;
    const char *const *values;
};

/* 1 when actual (NULL = absent) satisfies w. */
int vg_fix_value_ok(const char *actual, const struct fix_want *w);

/* Emitters write the whole script into b; header facts come from the plan. */
typedef int (*fix_emitter)(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                           vg_error *err);
int vg_fix_emit_govc(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b, vg_error *err);
int vg_fix_emit_powercli(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                      vg_error *err);
int vg_fix_emit_ansible(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                     vg_error *err);
int vg_fix_emit_terraform(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b,
                       vg_error *err);
int vg_fix_emit_esxi(const vg_fix_plan *plan, const vg_fix_emit_opts *opts, vg_buf *b, vg_error *err);

/* The common header, each line prefixed with comment (e.g. "# "). */
void vg_fix_emit_header(const vg_fix_plan *plan, const char *format, const char *comment, vg_buf *b);
/* Edits an API-based script can make (device lines are .vmx-only). */
size_t vg_fix_api_edits(const vg_fix_vm *fv);
/* 1 when key names a typed ConfigSpec field ("config.flags.enableLogging",
 * ...) rather than an extraConfig key: only the vSphere applier sets those,
 * so scripts list such edits in their header and never write them. */
int vg_fix_typed_key(const char *key);
/* 1 when an API script writes e as an extraConfig key (not a device line,
 * not a typed field). */
int vg_fix_extra_config_edit(const vg_fix_edit *e);
/* What a govc script does for a device edit: remove every device of the
 * class, disconnect every connected one, or nothing (not a device edit
 * govc can express; the header lists it). */
enum fix_govc_action { FIX_GOVC_NONE = 0, FIX_GOVC_REMOVE, FIX_GOVC_DISCONNECT };
enum fix_govc_action vg_fix_govc_device_action(const vg_fix_edit *e, const char **types);
/* Text safe inside a one-line comment: control bytes shown as '?'. */
void vg_fix_add_comment_text(vg_buf *b, const char *s);

#endif
