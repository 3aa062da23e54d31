/* Error printing, colour and suggestions shared by all subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_progress.h"

int cli_color = -1;
int cli_quiet = 0;
int cli_verbose = 0;

/* Messages carry file names, values and server text: the whole message is
 * escaped, so none of it can move the cursor, recolour or forge a line. */
static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    char small[1024];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    char *text = small;
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, ap);
    if (!text) {
        text = small;
        n = (int)strlen(small);
    }
    cli_progress_interrupt(); /* never write into a progress line */
    fprintf(stderr, "vmxguard: %s", prefix);
    if (n > 0)
        cli_term_write(stderr, text, (size_t)n, 0);
    fputc('\n', stderr);
    if (text != small)
        free(text);
}

const char *cli_term(const char *s)
{
    static _Thread_local char *ring[8];
    static _Thread_local unsigned next;
    if (!s)
        return "";
    size_t len = strlen(s);
    if (vg_term_is_clean(s, len, 0))
        return s;
    unsigned i = next++ % 8;
    free(ring[i]);
    ring[i] = vg_term_escape_dup(s, len, 0);
    return ring[i] ? ring[i] : "(unprintable)";
}

void cli_term_write(FILE *f, const char *s, size_t len, unsigned flags)
{
    if (vg_term_is_clean(s, len, flags)) {
        fwrite(s, 1, len, f);
        return;
    }
    char *e = vg_term_escape_dup(s, len, flags);
    if (e)
        fputs(e, f);
    else
        fputs("(unprintable)", f);
    free(e);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint("warning: ", fmt, ap);
    va_end(ap);
}

void cli_print_error(const vg_error *err)
{
    char buf[1200];
    cli_error("%s", vg_error_format(err, buf, sizeof buf));
    cli_error_hint(err);
}

void cli_error_hint(const vg_error *err)
{
    /* the library names no option of ours: the hint for its message is here */
    static const struct {
        int code;
        const char *says, *hint;
    } hints[] = {
        {VG_EIO, ": timed out: ", "--timeout sets how many seconds a server may take"},
        {VG_EIO, ": TLS certificate not accepted: ", "--cacert FILE trusts the server's CA"},
        {VG_EUSAGE, "writes one checklist per VM: give an output directory",
         "--output-dir DIR writes one checklist per VM"},
        {VG_ENOTFOUND, "which is not in this catalog", "--profile-file FILE adds it"},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        if (err->code == hints[i].code && strstr(err->msg, hints[i].says))
            fprintf(stderr, "hint: %s\n", hints[i].hint);
    }
}

int cli_set_color(const char *when)
{
    if (!when || strcmp(when, "auto") == 0) {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        cli_color = isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
    } else if (strcmp(when, "always") == 0) {
        cli_color = 1;
    } else if (strcmp(when, "never") == 0) {
        cli_color = 0;
    } else {
        return -1;
    }
    return 0;
}

int cli_help(const struct cli_command *cmd)
{
    fputs(cmd->help, stdout);
    return EXIT_OK;
}

/* The first output file's stdio buffer (the one report a command writes);
 * never freed, so the FILE may be closed at any time. */
static char out_buf[1 << 16];
static int out_buf_used;

FILE *cli_open_output(const char *path)
{
    /* never through a planted link, never into a file someone else made
     * (an earlier one is replaced by a new file); /dev/null and the like work */
    vg_error err;
    int fd = vg_output_create(path, 1, &err);
    if (fd < 0)
        return NULL; /* errno says why (ELOOP: a link) */
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    else if (!out_buf_used) { /* see main(): a report in 64 KiB writes */
        out_buf_used = 1;
        setvbuf(f, out_buf, _IOFBF, sizeof out_buf);
    }
    return f;
}

FILE *cli_output(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    FILE *f = cli_open_output(path);
    if (!f)
        cli_error("%s: cannot write: %s", path, strerror(errno));
    return f;
}

int cli_parsed(int pr, const struct cli_command *cmd, const char *synopsis)
{
    if (pr > 0)
        return cli_help(cmd);
    if (pr < 0) {
        fprintf(stderr, "usage: vmxguard %s; see 'vmxguard %s --help'\n", synopsis, cmd->name);
        return EXIT_USAGE;
    }
    return -1;
}

int cli_getopt_long(int argc, char *const argv[], const char *shortopts,
                    const struct option *longopts, int *longindex)
{
    opterr = 0; /* getopt's own message would echo --password=SECRET */
    int c = getopt_long(argc, argv, shortopts, longopts, longindex);
    if (c != '?')
        return c;
    const char *cmd = argv[0];
    const char *tok = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    int is_long = strncmp(tok, "--", 2) == 0;
    for (const struct option *o = longopts; optopt && o && o->name; o++) {
        if (o->val == optopt && o->has_arg == required_argument) {
            if (is_long) {
                size_t n = strcspn(tok, "=");
                cli_error("%s: option '%.*s' needs a value", cmd, (int)n, tok);
            } else {
                cli_error("%s: option '-%c' needs a value", cmd, optopt);
            }
            fprintf(stderr, "hint: see 'vmxguard %s --help'\n", cmd);
            return '?';
        }
    }
    if (!is_long) {
        cli_error("%s: unknown option '-%c'", cmd, optopt ? optopt : '?');
        fprintf(stderr, "hint: see 'vmxguard %s --help'\n", cmd);
        return '?';
    }
    char name[64];
    size_t n = strcspn(tok + 2, "=");
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), tok + 2);
    cli_error("%s: unknown option '--%s'", cmd, name);
    const char *names[128];
    size_t k = 0;
    for (const struct option *o = longopts; o && o->name && k < 127; o++)
        names[k++] = o->name;
    names[k] = NULL;
    const char *guess = vg_closest_name(name, names);
    if (guess)
        fprintf(stderr, "hint: did you mean '--%s'?\n", guess);
    else
        fprintf(stderr, "hint: see 'vmxguard %s --help'\n", cmd);
    return '?';
}

void cli_iso_time(time_t t, char *out, size_t n)
{
    struct tm tm;
    if (!t || !gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "-");
}

int cli_parse_range(const char *arg, long lo, long hi, const char *name, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (!*arg || *end || errno || n < lo || n > hi) {
        cli_error("%s wants a number from %ld to %ld, not '%s'", name, lo, hi, arg);
        return -1;
    }
    *out = n;
    return 0;
}

vg_catalog *cli_open_catalog(const char *const *files, size_t n_files, int *rc)
{
    vg_catalog *cat = NULL;
    vg_error err;
    vg_error_clear(&err);
    *rc = EXIT_OK;
    if (vg_catalog_load_embedded(&cat, &err) != VG_OK) {
        cli_print_error(&err);
        *rc = EXIT_INTERNAL;
        return NULL;
    }
    for (size_t i = 0; i < n_files; i++) {
        if (vg_catalog_add_file(cat, files[i], &err) != VG_OK) {
            cli_print_error(&err);
            vg_catalog_free(cat);
            *rc = EXIT_USAGE;
            return NULL;
        }
    }
    return cat;
}

int cli_pick_profiles(const vg_catalog *cat, const char *const *ids, size_t n_ids,
                      const vg_profile **out, size_t cap, size_t *n, const char *cmd)
{
    vg_error err;
    vg_error_clear(&err);
    if (vg_catalog_select_profiles(cat, ids, n_ids, out, cap, n, &err) == VG_OK)
        return 0;
    cli_error("%s%s%s%s", cmd ? cmd : "", cmd ? ": " : "", err.msg,
              err.code == VG_ENOTFOUND ? " (see 'vmxguard profiles')" : "");
    return -1;
}

int cli_vsphere_sessions(int given)
{
    if (given > 0)
        return given;
    const char *env = getenv("VMXGUARD_VSPHERE_SESSIONS");
    if (!env || !*env)
        return 0;
    char *end;
    long n = strtol(env, &end, 10);
    return *end || n <= 0 ? 0 : n > 8 ? 8 : (int)n;
}
