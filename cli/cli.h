/*
 * The CLI: a thin layer over the library.  Each subcommand lives in
 * cli/cmd_<name>.c and defines `const struct cli_command cli_cmd_<name>`;
 * the command table is generated from the file names at build time.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include <stdio.h>
#include <time.h>

#include "vmxguard.h"

/* Exit codes, the same for every subcommand (README documents them). */
enum {
    EXIT_OK = 0,       /* done, nothing at or above the failure threshold */
    EXIT_FINDINGS = 1, /* findings (audit) or rules left unfixed (fix) */
    EXIT_USAGE = 2,    /* usage error, or an input could not be read */
    EXIT_INTERNAL = 3, /* internal error */
};

struct cli_command {
    const char *name;
    const char *summary;             /* one line for `vmxguard help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *help;                /* full text for `vmxguard NAME --help`, with examples */
};

/* Shared CLI plumbing (cli_common.c). */
extern int cli_color;   /* resolved --color setting for stdout */
extern int cli_quiet;
extern int cli_verbose;
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_print_error(const vg_error *err);
/* The option that answers a library error, as a "hint:" line, if one does
 * (cli_print_error prints it; callers that word the error themselves call it). */
void cli_error_hint(const vg_error *err);
/* Every message above is made terminal-safe (vg_term_escape_dup) as a
 * whole.  For other human-readable output: cli_term(s) is s, or its escaped
 * form when s holds anything a terminal acts on (valid until eight more
 * calls on the same thread; never NULL); cli_term_write writes len bytes
 * of s escaped. */
const char *cli_term(const char *s);
void cli_term_write(FILE *f, const char *s, size_t len, unsigned flags);
/* --color=auto|always|never with NO_COLOR; returns 0 ok, -1 bad word. */
int cli_set_color(const char *when);
/* Open an output file for writing: created 0600 (whatever the umask), an
 * existing file keeps its mode.  Reports and scripts can carry VM names,
 * paths and settings an outsider should not read.  NULL with errno set. */
FILE *cli_open_output(const char *path);
/* Where a command's report goes: stdout for NULL or "-", else
 * cli_open_output(path); NULL after "PATH: cannot write: why". */
FILE *cli_output(const char *path);
/* After a command's option parsing: pr > 0 (--help) prints the help and
 * returns EXIT_OK, pr < 0 prints "usage: vmxguard SYNOPSIS; see 'vmxguard
 * NAME --help'" and returns EXIT_USAGE; pr 0 returns -1 (go on). */
int cli_parsed(int pr, const struct cli_command *cmd, const char *synopsis);
/* getopt_long with one house message on a bad option: "vmxguard: CMD:
 * unknown option '--x'" (never the value after '=', which may be a
 * secret), with the closest long option as a hint; then returns '?'. */
struct option;
int cli_getopt_long(int argc, char *const argv[], const char *shortopts,
                    const struct option *longopts, int *longindex);
/* Print help text of a command to stdout. */
int cli_help(const struct cli_command *cmd);
/* t as "2026-12-07T18:00:00Z" (UTC) into out, "-" when t is 0 or unusable. */
void cli_iso_time(time_t t, char *out, size_t n);
/* vSphere parallel sessions: given (an option) when set, else
 * VMXGUARD_VSPHERE_SESSIONS, else 0 (the library's default). */
int cli_vsphere_sessions(int given);
/* A whole number from lo to hi for option name; 0, or -1 after saying so. */
int cli_parse_range(const char *arg, long lo, long hi, const char *name, long *out);
/* The embedded catalog with the user's profile files added in order; NULL
 * after printing why, *rc then EXIT_INTERNAL or EXIT_USAGE. */
vg_catalog *cli_open_catalog(const char *const *files, size_t n_files, int *rc);
/* The run's profiles (vg_catalog_select_profiles): 0, or -1 after printing
 * the error ("CMD: " first when cmd is set) and where the list is. */
int cli_pick_profiles(const vg_catalog *cat, const char *const *ids, size_t n_ids,
                      const vg_profile **out, size_t cap, size_t *n, const char *cmd);
const struct cli_command *cli_find_command(const char *name);

#endif
