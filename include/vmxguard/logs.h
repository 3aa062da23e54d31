/*
 * vmware.log reader and findings; VM-folder evidence for the audit.
 *
 * The hardening guides exist because a guest can hurt the host through its
 * log: backdoor floods, commands the virtual hardware rejects, VMX crashes,
 * rotation that never happens.  Settings are the cure, the logs are the
 * proof.  This part reads logs in constant memory (every line format from
 * Workstation 7 to 25H2, rotated vmware-N.log sets oldest first), matches
 * messages against signatures kept as data (catalog/logs/signatures.yaml)
 * and turns them into findings; vg_logs_collect_evidence() hands the same
 * facts to the audit as evidence for the rules in catalog/rules/logs.yaml.
 */
#ifndef VMXGUARD_LOGS_H
#define VMXGUARD_LOGS_H

#include "common.h"
#include "vm.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Line formats seen in the wild (shared/reference/vmx-format.md section 10). */
typedef enum vg_log_format {
    VG_LOG_FMT_UNKNOWN = 0,
    VG_LOG_FMT_WS7,    /* "Apr 18 00:25:37.105: vmx| msg" (Workstation 7) */
    VG_LOG_FMT_PIPE,   /* "2015-01-13T11:10:25.641+01:00| vmx| I120: msg" (WS 8 - 16.1) */
    VG_LOG_FMT_LEVEL,  /* "2022-11-24T17:46:40.654Z In(05) vmx msg" (WS 16.2 - 17.x) */
    VG_LOG_FMT_SYSLOG, /* "2026-01-09T08:08:29.880Z -INFO vmware-vmx.exe 15108 [ws@4413
                          threadName="vmx"] msg" (WS 25H2) */
    VG_LOG_FMT_COUNT
} vg_log_format;

VG_EXPORT const char *vg_log_format_name(vg_log_format f); /* "ws7", "pipe", ... */

/* One physical line, split.  Pointers point into the caller's bytes and are
 * not NUL-terminated; lengths exclude the line end (CR, LF). */
typedef struct vg_log_line {
    vg_log_format format;
    const char *ts;
    size_t ts_len; /* timestamp as written */
    const char *level;
    size_t level_len; /* "I120", "In(05)", "-INFO"; empty for ws7 */
    const char *thread;
    size_t thread_len; /* "vmx", "vcpu-0", "mks" */
    const char *msg;
    size_t msg_len;   /* the text after the prefix */
    int continuation; /* "In(05)+" / "I120+" marker: continues the previous entry */
} vg_log_line;

/* Split one line (without its line end).  Returns 1 when a known prefix was
 * found, 0 otherwise (then out->msg is the whole line, format UNKNOWN). */
VG_EXPORT int vg_log_parse_line(const char *p, size_t len, vg_log_line *out);
/* The line's timestamp in milliseconds since 1970 (UTC when the zone is
 * written; ws7 has no year, 2001 is assumed), -1 for an unknown line.
 * Computed on demand: most lines never need it. */
VG_EXPORT long long vg_log_line_ms(const vg_log_line *l);

/* Streaming reader: reads a file in large blocks, hands out lines without
 * copying or allocating per line; memory stays constant whatever the size.
 * A line longer than VG_LOG_MAX_LINE is cut there (the rest is skipped and
 * counted in vg_log_reader_stats). */
typedef struct vg_log_reader vg_log_reader;
#define VG_LOG_MAX_LINE (64u * 1024u)

VG_EXPORT int vg_log_reader_open(const char *path, vg_log_reader **out, vg_error *err);
/* Same over bytes in memory (not copied; must outlive the reader). */
VG_EXPORT int vg_log_reader_mem(const char *data, size_t len, const char *name, vg_log_reader **out,
                                vg_error *err);
/* 1 = a line in *line (valid until the next call), 0 = end, <0 = read error. */
VG_EXPORT int vg_log_reader_next(vg_log_reader *r, vg_log_line *line, unsigned *lineno,
                                 vg_error *err);
VG_EXPORT void vg_log_reader_free(vg_log_reader *r);

/* Log signatures: what a message means, loaded from YAML (embedded default:
 * catalog/logs/signatures.yaml; docs/logs.md describes the format). */
typedef struct vg_log_sigs vg_log_sigs;
VG_EXPORT int vg_log_sigs_load_embedded(vg_log_sigs **out, vg_error *err);
VG_EXPORT int vg_log_sigs_parse(const char *yaml, size_t len, const char *name, vg_log_sigs **out,
                                vg_error *err);
/* Signatures from a YAML file (read with the careful reader: a FIFO,
 * device or oversized file is refused at once, never waited on). */
VG_EXPORT int vg_log_sigs_load_file(const char *path, vg_log_sigs **out, vg_error *err);
VG_EXPORT void vg_log_sigs_free(vg_log_sigs *s);

typedef enum vg_log_category {
    VG_LOG_CAT_GUEST = 0, /* guest-originated backdoor / GuestRPC traffic */
    VG_LOG_CAT_FLOOD,     /* guest traffic above the flood threshold */
    VG_LOG_CAT_DEVICE,    /* commands the virtual hardware rejected or did not implement */
    VG_LOG_CAT_FAILURE,   /* VMX panics, bad exits, monitor errors, core dumps */
    VG_LOG_CAT_ROTATION,  /* log rotation not working */
    VG_LOG_CAT_COUNT
} vg_log_category;

VG_EXPORT const char *vg_log_category_name(vg_log_category c); /* "guest", "device", ... */

/* Where something was seen. */
typedef struct vg_log_where {
    char ts[48];      /* timestamp as written, "" when none */
    const char *file; /* path of the log (owned by the analysis) */
    unsigned line;
} vg_log_where;

typedef struct vg_log_finding {
    vg_log_category category;
    const char *id; /* signature or check id: "scsi-unsupported-command" */
    const char *title;
    const char *fix;     /* the setting or action that addresses it */
    const char *rule_id; /* catalog evidence rule it feeds, or NULL */
    vg_severity severity;
    char *device; /* "scsi0:0" or NULL */
    char *opcode; /* "*UNKNOWN (0x85)*", "MODE SENSE(6) page 0x8" or NULL */
    char *detail; /* one-line explanation with numbers (rotation), or an example message */
    size_t count;
    vg_log_where first, last;
    double rate_per_min; /* count over the time between first and last (>= 1 minute) */
    size_t peak_per_min; /* most occurrences within one clock minute */
} vg_log_finding;

/* Facts about the VM and the product, from the log header and the logged
 * configuration (the last log read wins: that is the newest session). */
typedef struct vg_log_facts {
    char *product;     /* "Workstation", "Player", "ESX" */
    char *version;     /* "17.5.0" */
    char *build;       /* "build-22583795" */
    char *host_os;     /* "Windows 10 Enterprise, 64-bit (Build 19044.1288)" */
    char *hw_version;  /* virtualHW.version of the loaded configuration */
    char *guest_os;    /* guestOS of the loaded configuration */
    char *encoding;    /* host encoding ("windows-1252", "UTF-8") */
    char *vm_encoding; /* .encoding of the loaded configuration */
    char *config;      /* path of the .vmx the VMX process loaded */
} vg_log_facts;

/* One log file read. */
typedef struct vg_log_file {
    char *path;
    unsigned long long bytes;
    unsigned lines;
    unsigned unknown;       /* lines with no known prefix that continue nothing */
    unsigned continuations; /* marked ("+") or unprefixed lines that continue an entry */
    unsigned truncated;     /* lines cut at VG_LOG_MAX_LINE */
    size_t by_format[VG_LOG_FMT_COUNT];
    unsigned first_unknown; /* line number of the first unknown line, 0 if none */
    int session_end;        /* the VMX's own end-of-session line ("VMX exit (N).") was seen */
} vg_log_file;

typedef struct vg_log_opts {
    double flood_rate; /* guest messages per minute that count as a flood; 0 = default */
} vg_log_opts;

#define VG_LOG_DEFAULT_FLOOD_RATE 600.0
#define VG_LOG_MAX_FINDINGS 256 /* distinct (signature, device, opcode); more are folded */

typedef struct vg_log_analysis {
    vg_log_facts facts;
    vg_log_file *files;
    size_t n_files;
    vg_log_finding *findings;
    size_t n_findings; /* sorted: category, id, device, opcode */
    size_t folded;     /* occurrences beyond VG_LOG_MAX_FINDINGS distinct findings */
    unsigned long long total_bytes;
    char *vmx;             /* the .vmx beside the logs, NULL if none */
    long long rotate_size; /* log.rotateSize from the .vmx, -1 when unset */
    long long keep_old;    /* log.keepOld from the .vmx, -1 when unset */
    size_t rotated;        /* number of vmware-N.log files */
    double flood_rate;
    const vg_log_sigs *sigs; /* borrowed */
    void *priv;
} vg_log_analysis;

VG_EXPORT vg_log_analysis *vg_log_analysis_new(const vg_log_sigs *sigs, const vg_log_opts *opts);
VG_EXPORT void vg_log_analysis_free(vg_log_analysis *a);
/* Read one log file (call oldest first).  Unreadable file: error, nothing added. */
VG_EXPORT int vg_log_analysis_add_file(vg_log_analysis *a, const char *path, vg_error *err);
/* Same over bytes in memory (tests, fuzzing). */
VG_EXPORT int vg_log_analysis_add_mem(vg_log_analysis *a, const char *data, size_t len,
                                      const char *name, vg_error *err);
/* Use this .vmx for the rotation checks (log.rotateSize / log.keepOld). */
VG_EXPORT int vg_log_analysis_set_vmx(vg_log_analysis *a, const char *vmx_path, vg_error *err);
/* Close the run: flood and rotation findings, sorting.  Call once. */
VG_EXPORT int vg_log_analysis_finish(vg_log_analysis *a, vg_error *err);

/* The logs of a VM folder in rotation order, oldest first: vmware-N.log with
 * the highest N first, then vmware.log.  *out is a NULL-terminated array of
 * malloc'd paths (free with vg_logs_list_free); no logs gives an empty list. */
VG_EXPORT int vg_logs_list_folder(const char *folder, char ***out, vg_error *err);
VG_EXPORT void vg_logs_list_free(char **list);

/* Whole job for a path: a log file (its folder's .vmx is used for rotation),
 * a VM folder (every vmware*.log in rotation order plus the .vmx), or a .vmx
 * (its folder's logs, that .vmx).  A read file in which no line has a known
 * prefix is an error (VG_EINPUT: not a vmware.log).  *out receives
 * ownership, finished. */
VG_EXPORT int vg_logs_analyze_path(const char *path, const vg_log_sigs *sigs,
                                   const vg_log_opts *opts, vg_log_analysis **out, vg_error *err);

/* JSON for one analysis (jansson), malloc'd; indent 0 = one line. NULL on ENOMEM. */
VG_EXPORT char *vg_log_analysis_json(const vg_log_analysis *a, int indent);

/*
 * Folder evidence for the audit: looks at the folder of vm->path (file-origin
 * VMs only; a vSphere VM is left alone) and adds one evidence entry per rule
 * of catalog/rules/logs.yaml ("pass"/"fail", file, line, message) plus plain
 * facts (product, build, host OS).  Rules about logs get no evidence when the
 * folder has no vmware*.log (the audit then says not applicable).
 * Returns 0, or a negative status when evidence could not be gathered (the
 * caller reports it and goes on with the VM).
 */
VG_EXPORT int vg_logs_collect_evidence(vg_vm *vm, vg_error *err);
/* Same with explicit signatures and options (the CLI passes --flood-rate). */
VG_EXPORT int vg_logs_collect_evidence_with(vg_vm *vm, const vg_log_sigs *sigs,
                                            const vg_log_opts *opts, vg_error *err);

/* Same for a caller that has just listed the VM's folder (a directory
 * walk), so the folder is not listed again: lock_hint 0 = the listing shows
 * no "<vmx>.lck" and no ".lck-*" entry (1 or -1: look for a lock member);
 * log_names = the folder's entry names for which vg_logs_is_log_name()
 * holds, NULL-terminated, any order (NULL: list the folder). */
VG_EXPORT int vg_logs_collect_evidence_listed(vg_vm *vm, const vg_log_sigs *sigs,
                                              const vg_log_opts *opts, int lock_hint,
                                              const char *const *log_names, vg_error *err);
/* A name VMware gives a VM log: "vmware.log" or "vmware-N.log". */
VG_EXPORT int vg_logs_is_log_name(const char *name);

/* The parts of the above, for callers that already hold an analysis (the
 * CLI): evidence for the log rules plus facts from a finished analysis, and
 * the lock evidence of vm's folder. */
VG_EXPORT int vg_logs_evidence_from_analysis(vg_vm *vm, const vg_log_analysis *a);
VG_EXPORT int vg_logs_lock_evidence(vg_vm *vm, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
