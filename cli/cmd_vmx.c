/*
 * vmxguard vmx: look at and edit one .vmx the way the library sees it.
 *   get FILE KEY...          decoded values, in UTF-8
 *   dump FILE [--json]       every entry with its line, plus diagnostics
 *   set FILE KEY VALUE       one format-preserving edit, written atomically
 *   rm FILE KEY              remove every line of KEY, written atomically
 * Edits refuse a VM that appears to be running unless --force: VMware
 * rewrites the .vmx of a running VM, and settings apply only after a cold
 * start anyway.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

extern const struct cli_command cli_cmd_vmx;

struct vmx_args {
    int json, backup, force, break_hardlinks;
    int npos;
    char **pos; /* positional arguments after the action */
};

static const struct option long_opts[] = {
    {"json", no_argument, NULL, 'j'},  {"backup", no_argument, NULL, 'b'},
    {"force", no_argument, NULL, 'f'}, {"break-hardlinks", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},  {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct vmx_args *a)
{
    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = cli_getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            a->json = 1;
            break;
        case 'b':
            a->backup = 1;
            break;
        case 'f':
            a->force = 1;
            break;
        case 'L':
            a->break_hardlinks = 1;
            break;
        case 'h':
            return 1;
        default:
            return -1; /* cli_getopt_long named it */
        }
    }
    a->pos = argv + optind;
    a->npos = argc - optind;
    return 0;
}

static vg_vmx_doc *load(const char *path)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (vg_vmx_doc_load(path, &doc, &err) != 0) {
        cli_print_error(&err);
        return NULL;
    }
    return doc;
}

/* Error-level diagnostics (duplicate keys) matter for every action. */
static int warn_errors(const vg_vmx_doc *doc)
{
    int n = 0;
    for (size_t i = 0; i < vg_vmx_doc_diag_count(doc); i++) {
        const vg_vmx_diag *d = vg_vmx_doc_diag(doc, i);
        if (d->level == VG_DIAG_ERROR) {
            cli_warn("%s:%u: %s", vg_vmx_doc_name(doc), d->line, d->msg);
            n++;
        }
    }
    return n;
}

static int run_get(const struct vmx_args *a)
{
    if (a->npos < 2) {
        cli_error("vmx get: needs FILE and at least one KEY");
        return EXIT_USAGE;
    }
    vg_vmx_doc *doc = load(a->pos[0]);
    if (!doc)
        return EXIT_USAGE;
    warn_errors(doc);
    int missing = 0;
    for (int i = 1; i < a->npos; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_find(doc, a->pos[i]);
        if (!e) {
            cli_error("%s: key '%s' not found", a->pos[0], a->pos[i]);
            missing++;
            continue;
        }
        char *u = vg_vmx_doc_to_utf8(doc, e->value);
        printf("%s\n", cli_term(u)); /* values are hostile: escaped for the terminal */
        free(u);
    }
    vg_vmx_doc_free(doc);
    return missing ? EXIT_FINDINGS : EXIT_OK;
}

static const char *const level_names[] = {"warning", "error"};

static void dump_text(const vg_vmx_doc *doc)
{
    const char *enc = vg_vmx_doc_encoding(doc);
    printf("# %s: %zu entries, encoding %s\n", cli_term(vg_vmx_doc_name(doc)),
           vg_vmx_doc_count(doc), enc ? cli_term(enc) : "(none, UTF-8 assumed)");
    for (size_t i = 0; i < vg_vmx_doc_count(doc); i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(doc, i);
        char *k = vg_vmx_doc_to_utf8(doc, e->key), *v = vg_vmx_doc_to_utf8(doc, e->value);
        printf("%u\t%s = \"%s\"%s\n", e->line, cli_term(k), cli_term(v),
               e->duplicate ? "\t# duplicate" : "");
        free(k);
        free(v);
    }
    for (size_t i = 0; i < vg_vmx_doc_diag_count(doc); i++) {
        const vg_vmx_diag *d = vg_vmx_doc_diag(doc, i);
        printf("%s: %s:%u: %s [%s]\n", level_names[d->level == VG_DIAG_ERROR],
               cli_term(vg_vmx_doc_name(doc)), d->line, cli_term(d->msg), cli_term(d->code));
    }
}

/* to_utf8 always gives valid UTF-8, which is what json_string needs. */
static json_t *jstr(const vg_vmx_doc *doc, const char *bytes)
{
    char *u = vg_vmx_doc_to_utf8(doc, bytes);
    json_t *j = u ? json_string(u) : json_null();
    free(u);
    return j;
}

static json_t *dump_json(const vg_vmx_doc *doc)
{
    json_t *root = json_object(), *entries = json_array(), *diags = json_array();
    vg_vmx_doc *plain = vg_vmx_doc_new("path"); /* the path is file-system text, not .encoding */
    json_object_set_new(root, "file", plain ? jstr(plain, vg_vmx_doc_name(doc)) : json_null());
    vg_vmx_doc_free(plain);
    const char *enc = vg_vmx_doc_encoding(doc);
    json_object_set_new(root, "encoding", enc ? jstr(doc, enc) : json_null());
    for (size_t i = 0; i < vg_vmx_doc_count(doc); i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(doc, i);
        json_t *o = json_object();
        json_object_set_new(o, "line", json_integer(e->line));
        json_object_set_new(o, "key", jstr(doc, e->key));
        json_object_set_new(o, "value", jstr(doc, e->value));
        json_object_set_new(o, "raw", jstr(doc, e->raw));
        json_object_set_new(o, "quoted", json_boolean(e->quoted));
        json_object_set_new(o, "duplicate", json_boolean(e->duplicate));
        json_array_append_new(entries, o);
    }
    for (size_t i = 0; i < vg_vmx_doc_diag_count(doc); i++) {
        const vg_vmx_diag *d = vg_vmx_doc_diag(doc, i);
        json_t *o = json_object();
        json_object_set_new(o, "level", json_string(level_names[d->level == VG_DIAG_ERROR]));
        json_object_set_new(o, "line", json_integer(d->line));
        json_object_set_new(o, "code", json_string(d->code));
        json_object_set_new(o, "message", jstr(doc, d->msg));
        json_array_append_new(diags, o);
    }
    json_object_set_new(root, "entries", entries);
    json_object_set_new(root, "diagnostics", diags);
    return root;
}

static int run_dump(const struct vmx_args *a)
{
    if (a->npos != 1) {
        cli_error("vmx dump: needs exactly one FILE");
        return EXIT_USAGE;
    }
    vg_vmx_doc *doc = load(a->pos[0]);
    if (!doc)
        return EXIT_USAGE;
    int errors = 0;
    for (size_t i = 0; i < vg_vmx_doc_diag_count(doc); i++)
        errors += vg_vmx_doc_diag(doc, i)->level == VG_DIAG_ERROR;
    if (a->json) {
        json_t *j = dump_json(doc);
        int rc = vg_json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (rc != 0) {
            cli_error("%s: cannot write JSON", a->pos[0]);
            vg_vmx_doc_free(doc);
            return EXIT_INTERNAL;
        }
        putchar('\n');
    } else {
        dump_text(doc);
    }
    vg_vmx_doc_free(doc);
    return errors ? EXIT_FINDINGS : EXIT_OK;
}

/* Evidence that a VM holds its .vmx: a non-empty FILE.lck/ or NFS .lck-* files beside it. */
static int lock_evidence(const char *path, char *why, size_t n)
{
    char lck[PATH_MAX];
    snprintf(lck, sizeof lck, "%s.lck", path);
    DIR *d = opendir(lck);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL)
        found += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    if (found) {
        snprintf(why, n, "%s holds %d lock file%s", lck, found, found == 1 ? "" : "s");
        return 1;
    }
    char folder[PATH_MAX];
    snprintf(folder, sizeof folder, "%s", path);
    char *slash = strrchr(folder, '/');
    if (slash)
        *(slash == folder ? slash + 1 : slash) = '\0';
    d = opendir(slash ? folder : ".");
    while (d && (e = readdir(d)) != NULL && !found)
        if (strncmp(e->d_name, ".lck-", 5) == 0) {
            snprintf(why, n, "NFS lock file %s is in its folder", e->d_name);
            found = 1;
        }
    if (d)
        closedir(d);
    return found;
}

static int refuse_if_running(const char *path, int force)
{
    char why[PATH_MAX + 64];
    char *real = realpath(path, NULL);
    int running =
        lock_evidence(path, why, sizeof why) || (real && lock_evidence(real, why, sizeof why));
    free(real);
    if (!running)
        return 0;
    if (force) {
        cli_warn("%s: the VM appears to be running (%s); editing anyway (--force)", path, why);
        return 0;
    }
    cli_error("%s: the VM appears to be running (%s); not changed: VMware rewrites the .vmx of "
              "a running VM, and settings apply only after a cold start (power off, then power "
              "on; a guest reboot is not enough); use --force to edit anyway",
              path, why);
    return 1;
}

static int save(const vg_vmx_doc *doc, const char *path, const struct vmx_args *a)
{
    vg_vmx_save_opts o;
    memset(&o, 0, sizeof o);
    o.backup = a->backup;
    o.check_unchanged = 1;
    o.break_hardlinks = a->break_hardlinks;
    vg_error err;
    vg_error_clear(&err);
    if (vg_vmx_doc_save(doc, path, &o, &err) != 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    if (o.backup_path[0] && !cli_quiet)
        fprintf(stderr, "vmxguard: %s: previous version kept as %s\n", cli_term(path),
                cli_term(o.backup_path));
    return EXIT_OK;
}

static int run_set(const struct vmx_args *a)
{
    if (a->npos != 3) {
        cli_error("vmx set: needs FILE KEY VALUE");
        return EXIT_USAGE;
    }
    const char *path = a->pos[0], *key = a->pos[1];
    vg_vmx_doc *doc = load(path);
    if (!doc)
        return EXIT_USAGE;
    warn_errors(doc);
    vg_error err;
    vg_error_clear(&err);
    char *value = NULL;
    int rc = EXIT_OK;
    if (vg_vmx_doc_from_utf8(doc, a->pos[2], &value, &err) != 0 ||
        vg_vmx_doc_set(doc, key, value, &err) != 0) {
        cli_print_error(&err);
        rc = EXIT_USAGE;
    } else if (!vg_vmx_doc_modified(doc)) {
        if (!cli_quiet)
            fprintf(stderr, "vmxguard: %s: %s is already set so; nothing changed\n",
                    cli_term(path), cli_term(key));
    } else if (refuse_if_running(path, a->force)) {
        rc = EXIT_FINDINGS;
    } else {
        rc = save(doc, path, a);
    }
    free(value);
    vg_vmx_doc_free(doc);
    return rc;
}

static int run_rm(const struct vmx_args *a)
{
    if (a->npos != 2) {
        cli_error("vmx rm: needs FILE KEY");
        return EXIT_USAGE;
    }
    const char *path = a->pos[0], *key = a->pos[1];
    vg_vmx_doc *doc = load(path);
    if (!doc)
        return EXIT_USAGE;
    warn_errors(doc);
    vg_error err;
    vg_error_clear(&err);
    int n = vg_vmx_doc_remove(doc, key, &err), rc = EXIT_OK;
    if (n < 0) {
        cli_print_error(&err);
        rc = EXIT_USAGE;
    } else if (n == 0) {
        cli_error("%s: key '%s' not found; nothing changed", path, key);
        rc = EXIT_FINDINGS;
    } else if (refuse_if_running(path, a->force)) {
        rc = EXIT_FINDINGS;
    } else {
        rc = save(doc, path, a);
    }
    vg_vmx_doc_free(doc);
    return rc;
}

static const struct {
    const char *name;
    int (*run)(const struct vmx_args *a);
} actions[] = {
    {"get", run_get},
    {"dump", run_dump},
    {"set", run_set},
    {"rm", run_rm},
};

static int run(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("vmx: needs an action: get, dump, set or rm");
        fprintf(stderr, "hint: see 'vmxguard vmx --help'\n");
        return EXIT_USAGE;
    }
    struct vmx_args a;
    int p = parse_args(argc - 1, argv + 1, &a);
    if (p > 0)
        return cli_help(&cli_cmd_vmx);
    if (p < 0)
        return EXIT_USAGE;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            return actions[i].run(&a);
    static const char *const names[] = {"get", "dump", "set", "rm", NULL};
    const char *guess = vg_closest_name(argv[1], names);
    cli_error("vmx: unknown action '%s'", argv[1]);
    if (guess)
        fprintf(stderr, "hint: did you mean 'vmxguard vmx %s'?\n", guess);
    return EXIT_USAGE;
}

static const char help[] =
    "usage: vmxguard vmx get FILE KEY...\n"
    "       vmxguard vmx dump FILE [--json]\n"
    "       vmxguard vmx set FILE KEY VALUE [--backup] [--force] [--break-hardlinks]\n"
    "       vmxguard vmx rm FILE KEY [--backup] [--force] [--break-hardlinks]\n"
    "\n"
    "Show and edit one .vmx file the way vmxguard reads it: keys compare without\n"
    "regard to case, |XX escapes are decoded, and values are shown in UTF-8\n"
    "converted from the file's .encoding (windows-1252, Shift_JIS, GBK, ...).\n"
    "\n"
    "Actions:\n"
    "  get FILE KEY...       print the decoded value of each KEY, one per line\n"
    "  dump FILE             print every entry (line, key, value) and every\n"
    "                        diagnostic (unparsed lines, duplicate keys, BOM,\n"
    "                        unknown encoding)\n"
    "  set FILE KEY VALUE    change KEY in place (its spelling, quoting, spacing,\n"
    "                        comment and line end stay) or append `KEY = \"VALUE\"`\n"
    "                        at the end as VMware does; VALUE is UTF-8 and is\n"
    "                        written in the file's .encoding\n"
    "  rm FILE KEY           remove every line of KEY (in any case)\n"
    "\n"
    "Options:\n"
    "  --json                dump: write JSON (file, encoding, entries with line,\n"
    "                        key, value, raw, quoted, duplicate; diagnostics)\n"
    "  --backup              set/rm: keep the previous version as\n"
    "                        FILE.vmxguard-YYYYmmddTHHMMSSZ\n"
    "  --force               set/rm: edit even when the VM appears to be running\n"
    "                        (a non-empty FILE.lck/ folder or NFS .lck-* files);\n"
    "                        VMware rewrites the .vmx of a running VM and settings\n"
    "                        apply only after a cold start (power off, power on)\n"
    "  --break-hardlinks     set/rm: write a file that has several hard links; this\n"
    "                        name gets the new content, the others keep the old one\n"
    "                        (refused by default)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Edits are written atomically (temporary file in the same folder, fsync,\n"
    "rename, folder fsync), keep mode, owner and group, follow a symlink to its\n"
    "target, and are refused when the file changed since it was read.  Every\n"
    "other byte of the file stays as it was.  Put `--` before a VALUE that\n"
    "starts with '-'.\n"
    "\n"
    "Exit status:\n"
    "  0  done (set: also when the value was already so)\n"
    "  1  get: a KEY is missing; rm: KEY not found; dump: the file has error-level\n"
    "     diagnostics (duplicate keys); set/rm: refused because the VM appears\n"
    "     to be running\n"
    "  2  usage error, or the file cannot be read or written\n"
    "\n"
    "Examples:\n"
    "  vmxguard vmx get web01.vmx isolation.tools.copy.disable displayName\n"
    "  vmxguard vmx dump 'CentOS 7 64 位.vmx'\n"
    "  vmxguard vmx dump web01.vmx --json | jq '.entries[] | select(.key == \"annotation\")'\n"
    "  vmxguard vmx set web01.vmx isolation.tools.paste.disable TRUE --backup\n"
    "  vmxguard vmx set web01.vmx sched.cpu.min -- -1\n"
    "  vmxguard vmx rm web01.vmx RemoteDisplay.vnc.enabled --force\n";

const struct cli_command cli_cmd_vmx = {"vmx", "show and edit one .vmx file (get, dump, set, rm)",
                                        run, help};
