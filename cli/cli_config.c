/*
 * Configuration files (see cli_config.h): defaults that save typing the same
 * --profile or --cacert on every run.  Values are checked here, when the
 * file and line are still known, so a typo in a config file is reported
 * where it is rather than as a puzzling option error later.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"

#define SYSTEM_CONFIG "/etc/vmxguard/config"
#define LINE_LIMIT 4096
#define LINES_LIMIT 10000

static const char *const color_words[] = {"auto", "always", "never", NULL};
static const char *const format_words[] = {"text",  "json", "jsonl", "csv",  "junit", "sarif",
                                           "xccdf", "ckl",  "cklb",  "html", "hdf",  NULL};
static const char *const fail_on_words[] = {"any",  "info", "low",  "medium", "high",
                                            "cat1", "cat2", "cat3", NULL};

/* The keys a file may set; `words` lists the allowed values, NULL = free text. */
static const struct config_key {
    const char *name;
    const char *const *words;
    int numeric;
} keys[] = {
    {"profile", NULL, 0},      {"format", format_words, 0},
    {"color", color_words, 0}, {"fail-on", fail_on_words, 0},
    {"cacert", NULL, 0},       {"server", NULL, 0},
    {"jobs", NULL, 1},         {"waivers", NULL, 0},
    {"store", NULL, 0}, /* results store for audit --store (SQLite path or postgresql://) */
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Substrings that make a key a password whatever else it says. */
static const char *const secret_words[] = {"pass", "pwd", "secret", "token", NULL};

static char *values[NKEYS];

void cli_config_free(void)
{
    for (size_t i = 0; i < NKEYS; i++) {
        free(values[i]);
        values[i] = NULL;
    }
}

const char *cli_config_get(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (key && strcmp(keys[i].name, key) == 0)
            return values[i];
    }
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Strip matching quotes, or a trailing " # comment" from an unquoted value. */
static char *unquote(char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        v[n - 1] = '\0';
        return v + 1;
    }
    for (char *c = v; (c = strchr(c, '#')) != NULL; c++) {
        if (c > v && isspace((unsigned char)c[-1])) {
            *c = '\0';
            return trim(v);
        }
    }
    return v;
}

static int looks_secret(const char *key)
{
    char low[64];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)key[n]);
    low[n] = '\0';
    for (size_t i = 0; secret_words[i]; i++) {
        if (strstr(low, secret_words[i]))
            return 1;
    }
    return 0;
}

static int check_value(const struct config_key *k, const char *v, const char *path, unsigned line,
                       vg_error *err)
{
    if (!*v)
        return 0; /* empty: unset what an earlier file said */
    if (k->numeric) {
        size_t digits = strspn(v, "0123456789");
        if (v[digits] != '\0' || digits > 3 || strtol(v, NULL, 10) > 256)
            return vg_error_set(err, VG_EINPUT, path, line,
                                "%s must be a number from 0 to 256, not '%s'", k->name, v);
        return 0;
    }
    if (!k->words)
        return 0;
    for (size_t i = 0; k->words[i]; i++) {
        if (strcmp(k->words[i], v) == 0)
            return 0;
    }
    const char *guess = vg_closest_name(v, k->words);
    return vg_error_set(err, VG_EINPUT, path, line, "unknown %s '%s'%s%s%s", k->name, v,
                        guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
}

static const struct config_key *find_key(const char *key, const char *path, unsigned line,
                                         vg_error *err)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].name, key) == 0)
            return &keys[i];
    }
    if (looks_secret(key)) {
        vg_error_set(err, VG_EINPUT, path, line,
                     "'%s' refused: passwords never go in a config file "
                     "(use --credentials FILE or VMXGUARD_PASSWORD)",
                     key);
        return NULL;
    }
    const char *names[NKEYS + 1];
    for (size_t i = 0; i < NKEYS; i++)
        names[i] = keys[i].name;
    names[NKEYS] = NULL;
    const char *guess = vg_closest_name(key, names);
    vg_error_set(err, VG_EINPUT, path, line, "unknown key '%s'%s%s%s", key,
                 guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
    return NULL;
}

static int parse_line(char *text, const char *path, unsigned line, vg_error *err)
{
    char *s = trim(text);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return vg_error_set(err, VG_EINPUT, path, line, "expected 'key = value'");
    *eq = '\0';
    char *key = trim(s);
    char *value = unquote(trim(eq + 1));
    if (!*key)
        return vg_error_set(err, VG_EINPUT, path, line, "missing key before '='");
    const struct config_key *k = find_key(key, path, line, err);
    if (!k)
        return VG_EINPUT;
    int rc = check_value(k, value, path, line, err);
    if (rc)
        return rc;
    size_t i = (size_t)(k - keys);
    char *copy = *value ? strdup(value) : NULL;
    if (*value && !copy)
        return vg_error_set(err, VG_ENOMEM, path, line, "out of memory");
    free(values[i]);
    values[i] = copy;
    return 0;
}

static int parse_stream(FILE *f, const char *path, vg_error *err)
{
    char *text = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned line = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&text, &cap, f)) >= 0) {
        line++;
        if (line > LINES_LIMIT)
            rc = vg_error_set(err, VG_EINPUT, path, line, "more than %d lines", LINES_LIMIT);
        else if (n > LINE_LIMIT)
            rc = vg_error_set(err, VG_EINPUT, path, line, "line longer than %d bytes", LINE_LIMIT);
        else if (memchr(text, '\0', (size_t)n))
            rc = vg_error_set(err, VG_EINPUT, path, line, "binary content (NUL byte)");
        else
            rc = parse_line(text, path, line, err);
    }
    if (rc == 0 && ferror(f))
        rc = vg_error_set(err, VG_EIO, path, 0, "cannot read: %s", strerror(errno));
    free(text);
    return rc;
}

int cli_config_load_file(const char *path, vg_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path, 0,
                            "cannot open: %s", strerror(errno));
    int rc = parse_stream(f, path, err);
    fclose(f);
    return rc;
}

/* A file that is not there is no error, nor one behind a folder this user
 * may not enter (nobody running with HOME=/root); one that exists but
 * cannot be read is. */
static int load_optional(const char *path, vg_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
        return 0;
    int rc = cli_config_load_file(path, err);
    return rc == VG_ENOTFOUND ? 0 : rc;
}

/* $XDG_CONFIG_HOME/vmxguard/config, or ~/.config/... (relative XDG is ignored). */
static int user_config_path(char *out, size_t outsz)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, outsz, "%s/vmxguard/config", xdg);
    else if (home && *home)
        n = snprintf(out, outsz, "%s/.config/vmxguard/config", home);
    else
        return -1;
    return n > 0 && (size_t)n < outsz ? 0 : -1;
}

static int load_from(const char *system_path, vg_error *err)
{
    cli_config_free();
    int rc = load_optional(system_path, err);
    char user[4096];
    if (rc == 0 && user_config_path(user, sizeof user) == 0)
        rc = load_optional(user, err);
    return rc;
}

int cli_config_load(vg_error *err)
{
    return load_from(SYSTEM_CONFIG, err);
}

/* ------------------------------------------------------------ govc's environment */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* URL userinfo is percent-encoded (administrator%40vsphere.local). */
static int percent_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

static void wipe(volatile char *p, size_t n)
{
    while (n--)
        *p++ = 0;
}

/* GOVC_URL the way govc reads it: [scheme://][user[:password]@]host[:port][/path]. */
static int govc_url(const char *v, struct cli_govc *g, char *password, size_t pw_cap)
{
    const char *scheme = "https://";
    const char *rest = v;
    const char *sep = strstr(v, "://");
    if (sep) {
        size_t n = (size_t)(sep - v);
        if (n == 5 && strncasecmp(v, "https", 5) == 0)
            scheme = "https://";
        else if (n == 4 && strncasecmp(v, "http", 4) == 0)
            scheme = "http://";
        else {
            cli_error("GOVC_URL: the scheme must be https or http");
            return -1;
        }
        rest = sep + 3;
    }
    const char *slash = strchr(rest, '/');
    size_t auth = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++) {
        if (rest[i] == '@')
            at = rest + i; /* the last '@' ends the userinfo, as in Go's url.Parse */
    }
    const char *host = rest;
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        size_t ulen = colon ? (size_t)(colon - rest) : (size_t)(at - rest);
        if (percent_decode(rest, ulen, g->user, sizeof g->user) != 0) {
            cli_error("GOVC_URL: the user part is not valid percent-encoding");
            return -1;
        }
        if (colon && percent_decode(colon + 1, (size_t)(at - colon - 1), password, pw_cap) != 0) {
            cli_error("GOVC_URL: the password part is not valid percent-encoding");
            return -1;
        }
        host = at + 1;
    }
    size_t hlen = (size_t)(rest + auth - host);
    if (hlen == 0) {
        cli_error("GOVC_URL: no host name");
        return -1;
    }
    int n = snprintf(g->target, sizeof g->target, "%s%.*s%s", scheme, (int)hlen, host,
                     slash && slash[1] ? slash : "/sdk");
    if (n < 0 || (size_t)n >= sizeof g->target) {
        cli_error("GOVC_URL: too long");
        return -1;
    }
    g->has_url = 1;
    return 0;
}

static char govc_bundle[64]; /* the private CA bundle written for several files */

/* Several files in GOVC_TLS_CA_CERTS: vmxguard trusts one PEM bundle, so
 * they are copied, in order, into a 0600 file removed at the end. */
static int govc_cacerts(const char *list, struct cli_govc *g)
{
    if (!strchr(list, ':')) {
        g->cacert = list;
        return 0;
    }
    const char *dir = "/tmp";
    snprintf(govc_bundle, sizeof govc_bundle, "%s/vmxguard-ca-XXXXXX", dir);
    int out = mkstemp(govc_bundle);
    if (out < 0) {
        cli_error("GOVC_TLS_CA_CERTS: cannot write a CA bundle in %s: %s", dir, strerror(errno));
        govc_bundle[0] = '\0';
        return -1;
    }
    int rc = 0;
    for (const char *p = list; *p && rc == 0;) {
        size_t n = strcspn(p, ":");
        char name[4096];
        if (n && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            int in = open(name, O_RDONLY | O_CLOEXEC);
            if (in < 0) {
                cli_error("GOVC_TLS_CA_CERTS: %s: %s", name, strerror(errno));
                rc = -1;
            }
            char buf[8192];
            ssize_t r;
            while (in >= 0 && (r = read(in, buf, sizeof buf)) > 0) {
                if (write(out, buf, (size_t)r) != r)
                    rc = -1;
            }
            if (in >= 0 && (write(out, "\n", 1) != 1 || close(in) != 0))
                rc = -1;
        }
        p += n + (p[n] == ':');
    }
    if (close(out) != 0)
        rc = -1;
    if (rc) {
        unlink(govc_bundle);
        govc_bundle[0] = '\0';
        return -1;
    }
    g->cacert = govc_bundle;
    return 0;
}

int cli_govc_load(struct cli_govc *g, int use_url)
{
    memset(g, 0, sizeof *g);
    char password[512] = "";
    const char *v = getenv("GOVC_URL");
    if (v && *v && govc_url(v, g, password, sizeof password) != 0) {
        wipe(password, sizeof password);
        return -1;
    }
    if (!use_url) { /* the command's own target: GOVC_URL's parts do not apply */
        g->user[0] = '\0';
        wipe(password, sizeof password);
    }
    const char *u = getenv("GOVC_USERNAME");
    if (u && *u)
        snprintf(g->user, sizeof g->user, "%s", u);
    const char *pw = getenv("GOVC_PASSWORD");
    if (pw && *pw)
        snprintf(password, sizeof password, "%s", pw);
    const char *vu = getenv("VMXGUARD_USER");
    if (g->user[0] && !(vu && *vu))
        setenv("VMXGUARD_USER", g->user, 1);
    const char *vp = getenv("VMXGUARD_PASSWORD");
    if (password[0] && !(vp && *vp))
        setenv("VMXGUARD_PASSWORD", password, 1);
    wipe(password, sizeof password);
    const char *k = getenv("GOVC_INSECURE");
    g->insecure = k && (strcmp(k, "1") == 0 || strcasecmp(k, "true") == 0);
    const char *ca = getenv("GOVC_TLS_CA_CERTS");
    if (ca && *ca && govc_cacerts(ca, g) != 0)
        return -1;
    const char *dc = getenv("GOVC_DATACENTER");
    g->datacenter = dc && *dc ? dc : NULL;
    return 0;
}

void cli_govc_release(struct cli_govc *g)
{
    if (govc_bundle[0] && g && g->cacert == govc_bundle)
        unlink(govc_bundle);
    govc_bundle[0] = '\0';
    if (g)
        g->cacert = NULL;
}

/* ------------------------------------------------------------ vSphere credentials */

struct tty_prompt {
    int no_tty; /* /dev/tty could not be opened */
};

/* No-echo line from /dev/tty (not stdin: that may carry data). */
static int prompt_tty(const char *prompt, int echo, char **answer, void *ctx)
{
    struct tty_prompt *tp = ctx;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        tp->no_tty = 1;
        return -1;
    }
    struct termios old, quiet;
    int have_tc = tcgetattr(fd, &old) == 0;
    if (have_tc && !echo) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    char buf[1024];
    size_t len = 0;
    char ch;
    while (len + 1 < sizeof buf && read(fd, &ch, 1) == 1 && ch != '\n')
        buf[len++] = ch;
    buf[len] = '\0';
    if (have_tc && !echo) {
        tcsetattr(fd, TCSAFLUSH, &old);
        w = write(fd, "\n", 1);
    }
    close(fd);
    *answer = strdup(buf);
    wipe(buf, sizeof buf);
    return *answer ? 0 : -1;
}

/* A password in the URL's user part: [scheme://]user:password@host... */
static int url_has_password(const char *url)
{
    const char *rest = strstr(url, "://");
    rest = rest ? rest + 3 : url;
    size_t auth = strcspn(rest, "/");
    const char *at = memchr(rest, '@', auth);
    return at && memchr(rest, ':', (size_t)(at - rest)) != NULL;
}

int cli_vsphere_url(const char *url, vg_vsphere_target *t, vg_error *err)
{
    int rc = vg_vsphere_parse_url(url, t, err);
    if (rc != VG_OK && url_has_password(url)) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n,
                 "; use VMXGUARD_PASSWORD, --credentials or the prompt");
    }
    return rc;
}

int cli_vsphere_credentials(const char *url_user, const char *cred_file, char **user,
                            char **password, vg_error *err)
{
    struct tty_prompt tp = {0};
    vg_vsphere_cred_opts o = {.file = cred_file,
                              .url_user = url_user,
                              .user = getenv("VMXGUARD_USER"),
                              .password = getenv("VMXGUARD_PASSWORD"),
                              .prompt = prompt_tty,
                              .prompt_ctx = &tp};
    int rc = vg_vsphere_credentials(&o, user, password, err);
    /* the library says what is missing; the CLI says where it comes from */
    if (rc == VG_ENOTFOUND)
        vg_error_set(err, VG_EUSAGE, NULL, 0, "%s",
                     tp.no_tty ? "no vSphere credentials: set VMXGUARD_USER and "
                                 "VMXGUARD_PASSWORD, use --credentials FILE, or run on a "
                                 "terminal to be asked"
                               : "no vSphere credentials: set VMXGUARD_USER and "
                                 "VMXGUARD_PASSWORD, or use --credentials FILE");
    if (rc != VG_OK)
        return -1;
    /* The password stays in memory while sessions may still log in; a
     * non-dumpable process writes no core file and refuses ptrace from
     * other users, so it cannot leak that way (as ssh-agent does). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return 0;
}
