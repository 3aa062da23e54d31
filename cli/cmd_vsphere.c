/*
 * `vmxguard vsphere`: admin tools over the vSphere source - check a login
 * (ping), list VMs (ls), show what the audit sees for each VM (show: the
 * typed properties and the settings synthesised from extraConfig and the
 * device list), and set or remove extraConfig keys (set).  Credentials
 * never come from the command line.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"

static const char help_text[] =
    "usage: vmxguard vsphere ping [OPTIONS] TARGET\n"
    "       vmxguard vsphere ls   [OPTIONS] TARGET...\n"
    "       vmxguard vsphere show [OPTIONS] TARGET...\n"
    "       vmxguard vsphere set  [OPTIONS] --vm NAME|MOREF TARGET KEY=VALUE|KEY=...\n"
    "\n"
    "Talk to vCenter or ESXi through the vSphere API (SOAP).\n"
    "  ping  log in, print the product, API version and login time, log out\n"
    "  ls    list VMs: name, moref, power state, server, datastore path\n"
    "  show  print each VM as the audit sees it: identity, typed properties and\n"
    "        settings (config.extraConfig plus .vmx keys synthesised from devices)\n"
    "  set   change extraConfig keys of one VM with one ReconfigVM_Task, wait for\n"
    "        it and read the VM back; KEY= (empty value) removes the key\n"
    "\n"
    "TARGET is vsphere://[user@]host[:port][/path] (HTTPS, path /sdk) or\n"
    "https://host[:port]/sdk; several targets are queried concurrently.\n"
    "Credentials: --credentials FILE (lines user=NAME and password=SECRET, mode\n"
    "0600), else VMXGUARD_USER / VMXGUARD_PASSWORD, else a no-echo prompt.\n"
    "A password in the URL or on the command line is refused.\n"
    "\n"
    "options:\n"
    "  --credentials FILE   read user and password from FILE\n"
    "  --cacert FILE        trust the CA certificates in FILE (PEM)\n"
    "  --insecure           do not verify the server certificate (warns)\n"
    "  --timeout SECONDS    connect timeout and longest stall (default 60)\n"
    "  --page-size N        VMs per RetrievePropertiesEx page (default 500)\n"
    "  --sessions N         ls/show: list the VMs, then fetch shares of them over N\n"
    "                       parallel sessions (1 to 8; default 4, or the variable\n"
    "                       VMXGUARD_VSPHERE_SESSIONS); output keeps the same order;\n"
    "                       1 = one paged query\n"
    "  --include-templates  list templates too (skipped by default)\n"
    "  --exclude GLOB       skip VMs whose name or datastore path matches (repeatable)\n"
    "  --vm NAME|MOREF      (set) the VM to change\n"
    "  -h, --help           this text\n"
    "\n"
    "examples:\n"
    "  VMXGUARD_PASSWORD=... vmxguard vsphere ping vsphere://audit@vc01.example.com\n"
    "  vmxguard vsphere ls --credentials ~/.vmxguard-cred --cacert ca.pem vsphere://vc01 "
    "vsphere://vc02\n"
    "  vmxguard vsphere show --exclude 'vCLS*' vsphere://audit@vc01 | grep isolation\n"
    "  vmxguard vsphere show --sessions 8 vsphere://audit@vc01 > estate.txt\n"
    "  vmxguard vsphere set --vm web01 vsphere://admin@vc01 isolation.tools.copy.disable=TRUE "
    "tools.setinfo.sizeLimit=\n"
    "\n"
    "exit: 0 ok, 2 a target could not be read (login, TLS, network), 3 internal error\n";

enum { OPT_CRED = 256, OPT_CACERT, OPT_INSECURE, OPT_TIMEOUT, OPT_PAGE, OPT_TEMPLATES,
       OPT_EXCLUDE, OPT_VM, OPT_SESSIONS };

static const struct option long_opts[] = {
    {"credentials", required_argument, NULL, OPT_CRED},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"page-size", required_argument, NULL, OPT_PAGE},
    {"include-templates", no_argument, NULL, OPT_TEMPLATES},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"vm", required_argument, NULL, OPT_VM},
    {"sessions", required_argument, NULL, OPT_SESSIONS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct args {
    vg_vsphere_opts opts;
    const char *cred_file;
    const char *vm;
    const char *excludes[64];
    char *user, *password;
} args;

static int parse_number(const char *s, const char *what, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > 1000000) {
        cli_error("%s: expected a positive number, got '%s'", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, args *a)
{
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_CRED: a->cred_file = optarg; break;
        case OPT_CACERT: a->opts.cacert = optarg; break;
        case OPT_INSECURE: a->opts.insecure = 1; break;
        case OPT_TIMEOUT:
            if (parse_number(optarg, "--timeout", &a->opts.timeout))
                return -1;
            break;
        case OPT_PAGE:
            if (parse_number(optarg, "--page-size", &a->opts.page_size))
                return -1;
            break;
        case OPT_SESSIONS:
            if (parse_number(optarg, "--sessions", &a->opts.sessions))
                return -1;
            if (a->opts.sessions > 8) {
                cli_error("--sessions: at most 8, got %d", a->opts.sessions);
                return -1;
            }
            break;
        case OPT_TEMPLATES: a->opts.include_templates = 1; break;
        case OPT_EXCLUDE:
            if (a->opts.n_exclude == sizeof a->excludes / sizeof a->excludes[0]) {
                cli_error("too many --exclude options");
                return -1;
            }
            a->excludes[a->opts.n_exclude++] = optarg;
            break;
        case OPT_VM: a->vm = optarg; break;
        default: return -1;
        }
    }
    a->opts.exclude = a->excludes;
    a->opts.sessions = cli_vsphere_sessions(a->opts.sessions);
    if (a->opts.insecure)
        cli_warn("--insecure: the server certificate is not verified; anyone on the network "
                 "path can read the session and the password");
    return 0;
}

static int login_details(args *a, const char *first_target)
{
    vg_vsphere_target t;
    vg_error err;
    if (cli_vsphere_url(first_target, &t, &err)) {
        cli_print_error(&err);
        return -1;
    }
    if (cli_vsphere_credentials(t.user, a->cred_file, &a->user, &a->password, &err) != 0) {
        cli_print_error(&err);
        return -1;
    }
    a->opts.user = a->user;
    a->opts.password = a->password;
    return 0;
}

/* ------------------------------------------------------------ ping */

static int run_ping(args *a, const char *target)
{
    vg_vsphere_about about;
    vg_error err;
    if (vg_vsphere_ping(target, &a->opts, &about, &err)) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    vg_vsphere_target t;
    vg_vsphere_parse_url(target, &t, &err);
    printf("server:        %s\n", cli_term(t.server));
    printf("product:       %s\n", cli_term(about.full_name));
    printf("api:           %s %s\n", cli_term(about.api_type), cli_term(about.api_version));
    printf("instance uuid: %s\n", cli_term(about.instance_uuid));
    printf("user:          %s\n", cli_term(about.user));
    printf("login:         %.3f s\n", about.login_seconds);
    return EXIT_OK;
}

/* ------------------------------------------------------------ ls / show */

/* Server text, shown terminal-safe (cli_term). */
static const char *str(const char *s)
{
    return s ? cli_term(s) : "-";
}

static int print_row(vg_vm *vm, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\t%s\n", str(vm->name), str(vm->moref), vg_power_state_name(vm->power),
           str(vm->server), str(vm->path));
    vg_vm_free(vm);
    return 0;
}

static int print_vm(vg_vm *vm, void *ctx)
{
    (void)ctx;
    printf("# %s (%s on %s)\n", str(vm->name), str(vm->moref), str(vm->server));
    printf("#   path %s\n#   uuid %s\n#   instance uuid %s\n", str(vm->path), str(vm->uuid),
           str(vm->instance_uuid));
    printf("#   power %s, host %s, hardware %s, guest %s%s%s%s\n",
           vg_power_state_name(vm->power), str(vm->host), str(vm->hw_version),
           str(vm->guest_os), vm->is_template ? ", template" : "",
           vm->managed_by ? ", managed by " : "", vm->managed_by ? str(vm->managed_by) : "");
    for (size_t i = 0; i < vm->n_props; i++)
        printf("#   %s = %s\n", str(vm->props[i].name), str(vm->props[i].value));
    for (size_t i = 0; i < vm->n_evidence; i++)
        printf("#   note: %s\n", str(vm->evidence[i].message));
    size_t n = vm->settings ? vg_vmx_doc_count(vm->settings) : 0;
    for (size_t i = 0; i < n; i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(vm->settings, i);
        char *esc = vg_vmx_escape(e->value, strlen(e->value));
        printf("%s = \"%s\"\n", str(e->key), esc ? str(esc) : "");
        free(esc);
    }
    vg_vm_free(vm);
    return 0;
}

static void on_problem(const vg_error *problem, void *ctx)
{
    int *failed = ctx;
    cli_print_error(problem);
    (*failed)++;
}

static int run_list(args *a, char **targets, int n, vg_vm_sink sink)
{
    int failed = 0;
    vg_error err;
    if (sink == print_row)
        printf("NAME\tMOREF\tPOWER\tSERVER\tPATH\n");
    fflush(stdout);
    vg_vsphere_fetch_many((const char *const *)targets, (size_t)n, &a->opts, sink, NULL,
                          on_problem, &failed, &err);
    return failed ? EXIT_USAGE : EXIT_OK;
}

/* ------------------------------------------------------------ set */

typedef struct find_ctx {
    const char *wanted;
    char moref[256];
    int matches;
} find_ctx;

static int find_vm(vg_vm *vm, void *ctx)
{
    find_ctx *f = ctx;
    if ((vm->name && strcmp(vm->name, f->wanted) == 0) ||
        (vm->moref && strcmp(vm->moref, f->wanted) == 0)) {
        snprintf(f->moref, sizeof f->moref, "%s", vm->moref ? vm->moref : "");
        f->matches++;
    }
    vg_vm_free(vm);
    return 0;
}

static int parse_edits(char **words, int n, vg_vsphere_edit *edits)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) {
            cli_error("expected KEY=VALUE or KEY= (to remove), got '%s'", words[i]);
            return -1;
        }
        *eq = '\0';
        edits[i].key = words[i];
        edits[i].value = eq + 1;
    }
    return 0;
}

static int run_set(args *a, const char *target, char **words, int n)
{
    vg_error err;
    if (!a->vm || n < 1) {
        cli_error("set needs --vm NAME|MOREF and at least one KEY=VALUE");
        return EXIT_USAGE;
    }
    vg_vsphere_edit *edits = calloc((size_t)n, sizeof *edits);
    if (!edits || parse_edits(words, n, edits)) {
        free(edits);
        return edits ? EXIT_USAGE : EXIT_INTERNAL;
    }
    find_ctx f = {a->vm, "", 0};
    vg_vsphere_opts o = a->opts;
    o.summary_only = 1;
    o.include_templates = 1;
    int rc = vg_vsphere_fetch(target, &o, find_vm, &f, &err);
    if (rc == 0 && f.matches != 1)
        rc = vg_error_set(&err, VG_ENOTFOUND, a->vm, 0, f.matches ? "several VMs have this name"
                                                                   : "no such VM");
    vg_vsphere_change ch = {f.moref, edits, (size_t)n, 0, "", NULL};
    if (rc == 0)
        rc = vg_vsphere_reconfig(target, &a->opts, &ch, 1, 1, &err);
    free(edits);
    if (rc) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    printf("%s (%s): %s\n", str(a->vm), str(ch.moref), str(ch.message));
    vg_vm_free(ch.after);
    return ch.status == 0 ? EXIT_OK : EXIT_FINDINGS;
}

/* ------------------------------------------------------------ dispatch */

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help_text, stderr);
        return EXIT_USAGE;
    }
    const char *action = argv[1];
    args a;
    memset(&a, 0, sizeof a);
    if (parse_args(argc - 1, argv + 1, &a))
        return EXIT_USAGE;
    char **rest = argv + 1 + optind;
    int n_rest = argc - 1 - optind;
    if (n_rest < 1) {
        cli_error("vsphere %s: no target given", action);
        return EXIT_USAGE;
    }
    static const char *const actions[] = {"ping", "ls", "show", "set", NULL};
    int known = 0;
    for (size_t i = 0; actions[i]; i++)
        known |= strcmp(actions[i], action) == 0;
    if (!known) {
        const char *guess = vg_closest_name(action, actions);
        cli_error("vsphere: unknown action '%s'%s%s%s", action, guess ? " (did you mean '" : "",
                  guess ? guess : "", guess ? "'?)" : "");
        return EXIT_USAGE;
    }
    if (login_details(&a, rest[0]))
        return EXIT_USAGE;
    int rc;
    if (strcmp(action, "ping") == 0)
        rc = n_rest == 1 ? run_ping(&a, rest[0]) : (cli_error("ping takes one target"), EXIT_USAGE);
    else if (strcmp(action, "ls") == 0)
        rc = run_list(&a, rest, n_rest, print_row);
    else if (strcmp(action, "show") == 0)
        rc = run_list(&a, rest, n_rest, print_vm);
    else
        rc = run_set(&a, rest[0], rest + 1, n_rest - 1);
    vg_vsphere_credentials_free(a.user, a.password);
    return rc;
}

const struct cli_command cli_cmd_vsphere = {"vsphere", "check, list, show and change VMs through "
                                                       "vCenter/ESXi",
                                            run, help_text};
