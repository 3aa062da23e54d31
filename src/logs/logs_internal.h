/*
 * Inside the logs module: compiled signatures, the matcher and the analysis
 * state shared by logs_sig.c, logs_analyze.c, logs_rotation.c and
 * logs_evidence.c.  Nothing here is public.
 */
#ifndef VG_LOGS_INTERNAL_H
#define VG_LOGS_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "vmxguard/logs.h"

#define SIG_MAX_CAPS 8

/* A pattern is literal runs and {captures}; see docs/logs.md. */
typedef struct sig_tok {
    const char *lit; /* NULL for a capture */
    size_t len;
    int cap; /* capture slot, -1 for an anonymous {} */
    /* Quick reject: the literal's bytes before its first blank (at most 8)
     * as a word to compare under mask with the message's next 8 bytes
     * (sig_word); 0/0 when the literal starts with a blank. */
    uint64_t head, head_mask;
} sig_tok;

/* Up to 8 bytes at p as a word (missing bytes zero; a pattern never holds a
 * NUL, so a short message cannot pass a head it is too short for). */
static inline uint64_t sig_word(const char *p, size_t n)
{
    uint64_t w = 0;
    if (n >= 8)
        memcpy(&w, p, 8); /* the usual case: one load */
    else
        memcpy(&w, p, n);
    return w;
}

typedef struct sig_except {
    int cap;
    char *value;
} sig_except;

enum sig_kind { SIG_FINDING = 0, SIG_FACT };

typedef struct log_sig {
    enum sig_kind kind;
    char *id, *title, *fix, *rule_id, *pattern;
    vg_log_category category;
    vg_severity severity;
    char *device_tpl, *opcode_tpl; /* "{device}", "MODE SENSE({cdb}) page {page}" */
    char *section;                 /* fact: only inside this "DICT --- X" section */
    char *enter_section;           /* fact: this line opens that section */
    sig_tok *toks;
    size_t n_toks;
    uint64_t head, head_mask; /* of toks[0] when a literal, else 0/0 */
    size_t blank_at;          /* toks[0] has a blank there (after its head), else 0 */
    char *cap_names[SIG_MAX_CAPS];
    size_t n_caps;
    int fact_field[SIG_MAX_CAPS]; /* index into the facts table, -1 none */
    sig_except *except;
    size_t n_except;
    int session_end;  /* the VMX ends its session with this line */
    unsigned line;    /* of its entry in the YAML */
    int ignore_case;  /* letters of the pattern match either case (DICT keys are
                         spelled as the .vmx spells them); no head quick reject */
    sig_except *only; /* match only when each capture named here has one of its values */
    size_t n_only;
    /* A finding of this signature above either bound is raised to esc_severity
     * (boot-time probes are info; the same command polled is not). */
    int escalates;
    size_t esc_count, esc_peak_per_min;
    vg_severity esc_severity;
} log_sig;

/* A finding computed from the run as a whole (rotation, floods). */
typedef struct log_check {
    char *id, *title, *fix, *rule_id;
    vg_log_category category;
    vg_severity severity;
} log_check;

struct vg_log_sigs {
    log_sig *sigs;
    size_t n;
    size_t *by_byte[256]; /* candidate signatures per first message byte, in file order */
    size_t n_by_byte[256];
    log_check *checks;
    size_t n_checks;
    double flood_rate;
    long long default_keep_old;
    double far_factor;
    long long slack_bytes;     /* per file beyond rotateSize (VMware: entries <= 4 KB) */
    long long unset_max_bytes; /* no rotateSize and a log above this: rotation not working */
    char *name;
    int builtin; /* static data compiled at build time: never freed */
};

/* catalog/logs/signatures.yaml as loaded by vg_log_sigs_parse at build time
 * (cmake/logs_sigs_compile.c writes it; logs_sig_builtin.c hands it out). */
extern vg_log_sigs vg_logs_sigs_compiled;

/* The word sig_word gives for these 8 bytes, as a constant (compiled data). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SIG_WORD(b0, b1, b2, b3, b4, b5, b6, b7)                                                   \
    ((uint64_t)(b0) << 56 | (uint64_t)(b1) << 48 | (uint64_t)(b2) << 40 | (uint64_t)(b3) << 32 |   \
     (uint64_t)(b4) << 24 | (uint64_t)(b5) << 16 | (uint64_t)(b6) << 8 | (uint64_t)(b7))
#else
#define SIG_WORD(b0, b1, b2, b3, b4, b5, b6, b7)                                                   \
    ((uint64_t)(b0) | (uint64_t)(b1) << 8 | (uint64_t)(b2) << 16 | (uint64_t)(b3) << 24 |          \
     (uint64_t)(b4) << 32 | (uint64_t)(b5) << 40 | (uint64_t)(b6) << 48 | (uint64_t)(b7) << 56)
#endif

typedef struct sig_caps {
    const char *p[SIG_MAX_CAPS];
    size_t n[SIG_MAX_CAPS];
} sig_caps;

/* 1 when msg matches the signature; captures filled (trimmed of blanks, quotes). */
int vg_logs_sig_match(const log_sig *s, const char *msg, size_t len, sig_caps *caps);
/* Expand "{name}" in tpl from caps into out (cut to cap, NUL-terminated); returns length. */
size_t vg_logs_sig_expand(const log_sig *s, const char *tpl, const sig_caps *caps, char *out,
                          size_t cap);
const log_check *vg_logs_check(const vg_log_sigs *sigs, const char *id);

/* Fact fields by name ("product" -> offset in vg_log_facts), for the YAML. */
int vg_logs_fact_index(const char *name);
char **vg_logs_fact_slot(vg_log_facts *f, int index);
extern const char *const vg_logs_fact_names[];
extern const size_t vg_logs_n_fact_names;

unsigned vg_log_reader_truncated(const vg_log_reader *r);
unsigned long long vg_log_reader_bytes(const vg_log_reader *r);

/* Findings built by the rotation checks and floods (logs_analyze.c). */
vg_log_finding *vg_logs_add_check(vg_log_analysis *a, const log_check *c, vg_error *err);
void vg_logs_where_set(vg_log_where *w, const char *file, unsigned line, const char *ts,
                       size_t ts_len);

/* What the rotation arithmetic (logs_rotation.c) says about an analysis'
 * logs against its log.rotateSize / log.keepOld: verdicts in report
 * order, which the analysis turns into findings (rotation adds none). */
typedef struct vg_logs_rotation_verdict {
    const char *check; /* the check's id: "log-total-over-budget"... */
    size_t count;
    const vg_log_file *first, *last;
    char *detail; /* malloc'd, the caller's; NULL when out of memory */
} vg_logs_rotation_verdict;
#define VG_LOGS_ROTATION_VERDICTS 3
/* Counts a's rotated logs (a->rotated); the verdicts go to out (room for
 * VG_LOGS_ROTATION_VERDICTS), their number is returned. */
size_t vg_logs_rotation_judge(vg_log_analysis *a, vg_logs_rotation_verdict *out);
/* The .vmx beside the logs in folder, with several the first by name
 * (said in docs); NULL when none.  Caller frees. */
char *vg_logs_folder_vmx(const char *folder);
/* 1 for vmware-N.log (a finished session), 0 otherwise. */
int vg_logs_is_rotated(const char *path);
/* names (log names, NULL-terminated) joined to folder and sorted oldest
 * first, as vg_logs_list_folder gives them. */
int vg_logs_list_names(const char *folder, const char *const *names, char ***out, vg_error *err);
/* Take log.rotateSize / log.keepOld from a loaded document (logs_path.c). */
int vg_logs_use_settings(vg_log_analysis *a, const vg_vmx_doc *doc, const char *vmx_path);

#endif
