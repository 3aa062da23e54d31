/*
 * vmxguard watch: audit vCenters once, then follow their property updates
 * and print one JSON line per result that changes status (and per
 * baseline, VM added or removed, lost or resumed connection), optionally
 * also to syslog and to the results store.  The library does the watching
 * (vg_vsphere_watch); this file owns the process state: the SIGINT/SIGTERM
 * handler, stdout, syslog, the store handle.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cli.h"
#include "cli_config.h"

#if __has_include("vmxguard/store.h")
#include "vmxguard/store.h"
#define WATCH_HAS_STORE 1
#else
#define WATCH_HAS_STORE 0
#endif

#define MAX_LIST 64

extern const struct cli_command cli_cmd_watch;

struct watch_args {
    const char *profiles[MAX_LIST];
    size_t n_profiles;
    const char *profile_file;
    const char *exclude[MAX_LIST];
    size_t n_exclude;
    const char *waivers;
    const char *credentials;
    const char *cacert;
    const char *store;
    int insecure;
    int include_templates;
    int show_secrets;
    int use_syslog;
    int timeout;
    int max_wait;
    int backoff_max;
    int no_user;
};

struct watch_out {
    int use_syslog;
    int write_failed;
    size_t events;
#if WATCH_HAS_STORE
    vg_store *store;
    int store_failed;
#endif
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
    vg_vsphere_interrupt();
}

static int install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------ JSON */

static json_t *js(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    return j ? j : json_string("(not UTF-8)");
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v ? v : json_null());
}

static json_t *vm_json(const vg_vm *vm)
{
    json_t *o = json_object();
    set(o, "name", js(vm->name));
    set(o, "moref", js(vm->moref));
    set(o, "uuid", js(vm->uuid));
    set(o, "instance_uuid", js(vm->instance_uuid));
    set(o, "path", js(vm->path));
    return o;
}

static json_t *counts_json(const size_t *counts)
{
    json_t *o = json_object();
    for (int s = 0; s < VG_RESULT_STATUS_COUNT; s++)
        set(o, vg_result_status_name((vg_result_status)s), json_integer((json_int_t)counts[s]));
    return o;
}

static void format_time(const struct timespec *t, char *out, size_t size)
{
    struct tm tm;
    time_t sec = t->tv_sec;
    gmtime_r(&sec, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03ldZ", day, t->tv_nsec / 1000000);
}

static json_t *event_json(const vg_watch_event *ev)
{
    json_t *o = json_object();
    char when[64];
    format_time(&ev->time, when, sizeof when);
    set(o, "type", js(vg_watch_kind_name(ev->kind)));
    set(o, "time", js(when));
    set(o, "server", js(ev->server));
    if (ev->vm)
        set(o, "vm", vm_json(ev->vm));
    if (ev->kind == VG_WATCH_RESULT) {
        const vg_result *r = ev->result;
        set(o, "profile", js(r->profile->id));
        set(o, "rule", js(r->prule->rule->id));
        set(o, "source_id", js(r->prule->source_id));
        set(o, "severity", js(vg_severity_name(r->prule->severity)));
        set(o, "old_status", ev->has_old ? js(vg_result_status_name(ev->old_status)) : json_null());
        set(o, "new_status", js(vg_result_status_name(ev->new_status)));
        set(o, "key", js(r->key));
        set(o, "actual", js(r->actual));
        set(o, "expected", js(r->expected));
        set(o, "evidence", js(r->evidence));
    }
    if (ev->kind == VG_WATCH_RESULT || ev->kind == VG_WATCH_VM_ADDED) {
        set(o, "user", js(ev->user));
        set(o, "changed_at", js(ev->user_time));
        if (ev->event_key)
            set(o, "event_key", json_integer(ev->event_key));
    }
    if (ev->kind == VG_WATCH_BASELINE) {
        set(o, "rebaseline", json_boolean(ev->rebaseline));
        set(o, "vms", json_integer((json_int_t)ev->n_vms));
        set(o, "seconds", json_real(ev->seconds));
    }
    if (ev->kind == VG_WATCH_BASELINE || ev->kind == VG_WATCH_VM_ADDED)
        set(o, "counts", counts_json(ev->counts));
    if (ev->kind == VG_WATCH_DISCONNECTED)
        set(o, "retry_in", json_integer(ev->retry_in));
    if (ev->message)
        set(o, "message", js(ev->message));
    if (ev->version)
        set(o, "version", js(ev->version));
    return o;
}

/* ------------------------------------------------------------ syslog */

static void to_syslog(const vg_watch_event *ev)
{
    const char *name = ev->vm && ev->vm->name ? ev->vm->name : "?";
    const char *moref = ev->vm && ev->vm->moref ? ev->vm->moref : "?";
    switch (ev->kind) {
    case VG_WATCH_RESULT:
        syslog(ev->new_status == VG_FAIL ? LOG_WARNING : LOG_NOTICE,
               "%s: %s (%s): %s %s -> %s%s%s: %s", ev->server, name, moref,
               ev->result->prule->rule->id,
               ev->has_old ? vg_result_status_name(ev->old_status) : "new",
               vg_result_status_name(ev->new_status), ev->user ? " by " : "",
               ev->user ? ev->user : "", ev->result->evidence ? ev->result->evidence : "");
        break;
    case VG_WATCH_VM_ADDED:
    case VG_WATCH_VM_REMOVED:
        syslog(LOG_NOTICE, "%s: %s (%s): %s", ev->server, name, moref,
               ev->kind == VG_WATCH_VM_ADDED ? "VM added" : "VM removed");
        break;
    case VG_WATCH_BASELINE:
        syslog(LOG_INFO, "%s: %s: %zu VMs, %zu failing results", ev->server,
               ev->message ? ev->message : "baseline", ev->n_vms, ev->counts[VG_FAIL]);
        break;
    case VG_WATCH_DISCONNECTED:
        syslog(LOG_ERR, "%s: disconnected (%s); retry in %d s", ev->server,
               ev->message ? ev->message : "", ev->retry_in);
        break;
    default:
        syslog(LOG_NOTICE, "%s: %s: %s", ev->server, vg_watch_kind_name(ev->kind),
               ev->message ? ev->message : "");
        break;
    }
}

/* ------------------------------------------------------------ store */

#if WATCH_HAS_STORE
static void to_store(struct watch_out *w, const vg_watch_event *ev)
{
    if (!w->store || w->store_failed || ev->kind != VG_WATCH_RESULT)
        return;
    const vg_vm *vm = ev->vm;
    vg_store_event se = {
        .at = ev->time.tv_sec,
        .server = ev->server,
        .vm_name = vm->name,
        .vm_path = vm->path,
        .moref = vm->moref,
        .uuid = vm->uuid,
        .instance_uuid = vm->instance_uuid,
        .profile = ev->result->profile->id,
        .rule = ev->result->prule->rule->id,
        .old_status = ev->has_old ? vg_result_status_name(ev->old_status) : NULL,
        .new_status = vg_result_status_name(ev->new_status),
        .user = ev->user,
        .detail = ev->result->evidence,
    };
    vg_error err;
    if (vg_store_append_event(w->store, &se, NULL, &err) != VG_OK) {
        cli_print_error(&err);
        cli_error("watch: the store takes no more events; stdout goes on");
        w->store_failed = 1;
    }
}
#endif

/* ------------------------------------------------------------ events */

static int on_event(const vg_watch_event *ev, void *ctx)
{
    struct watch_out *w = ctx;
    json_t *o = event_json(ev);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (!line || fputs(line, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout)) {
        free(line);
        w->write_failed = 1;
        return 1;
    }
    free(line);
    w->events++;
    if (w->use_syslog)
        to_syslog(ev);
#if WATCH_HAS_STORE
    to_store(w, ev);
#endif
    if (!cli_quiet && ev->kind != VG_WATCH_RESULT && ev->kind != VG_WATCH_VM_ADDED &&
        ev->kind != VG_WATCH_VM_REMOVED)
        fprintf(stderr, "vmxguard: watch: %s: %s%s%s\n", ev->server, vg_watch_kind_name(ev->kind),
                ev->message ? ": " : "", ev->message ? ev->message : "");
    return 0;
}

/* ------------------------------------------------------------ options */

enum {
    OPT_CRED = 256,
    OPT_CACERT,
    OPT_INSECURE,
    OPT_TIMEOUT,
    OPT_TEMPLATES,
    OPT_EXCLUDE,
    OPT_SYSLOG,
    OPT_STORE,
    OPT_MAXWAIT,
    OPT_BACKOFF,
    OPT_NOUSER,
    OPT_WAIVERS,
    OPT_SECRETS,
    OPT_PFILE
};

static const struct option long_opts[] = {
    {"profile", required_argument, NULL, 'p'},
    {"profile-file", required_argument, NULL, OPT_PFILE},
    {"waivers", required_argument, NULL, OPT_WAIVERS},
    {"credentials", required_argument, NULL, OPT_CRED},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"include-templates", no_argument, NULL, OPT_TEMPLATES},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"store", required_argument, NULL, OPT_STORE},
    {"max-wait", required_argument, NULL, OPT_MAXWAIT},
    {"backoff-max", required_argument, NULL, OPT_BACKOFF},
    {"no-user", no_argument, NULL, OPT_NOUSER},
    {"show-secrets", no_argument, NULL, OPT_SECRETS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_seconds(const char *s, const char *what, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v <= 0 || v > 86400) {
        cli_error("%s wants seconds from 1 to 86400, not '%s'", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int add_to(const char **list, size_t *n, const char *v, const char *what)
{
    if (*n >= MAX_LIST) {
        cli_error("too many %s options (at most %d)", what, MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct watch_args *a)
{
    a->cacert = cli_config_get("cacert");
    a->waivers = cli_config_get("waivers");
    a->store = cli_config_get("store");
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "p:qh", long_opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'p':
            bad = add_to(a->profiles, &a->n_profiles, optarg, "--profile");
            break;
        case OPT_PFILE:
            a->profile_file = optarg;
            break;
        case OPT_WAIVERS:
            a->waivers = optarg;
            break;
        case OPT_CRED:
            a->credentials = optarg;
            break;
        case OPT_CACERT:
            a->cacert = optarg;
            break;
        case OPT_INSECURE:
            a->insecure = 1;
            break;
        case OPT_TIMEOUT:
            bad = parse_seconds(optarg, "--timeout", &a->timeout);
            break;
        case OPT_TEMPLATES:
            a->include_templates = 1;
            break;
        case OPT_EXCLUDE:
            bad = add_to(a->exclude, &a->n_exclude, optarg, "--exclude");
            break;
        case OPT_SYSLOG:
            a->use_syslog = 1;
            break;
        case OPT_STORE:
            a->store = optarg;
            break;
        case OPT_MAXWAIT:
            bad = parse_seconds(optarg, "--max-wait", &a->max_wait);
            break;
        case OPT_BACKOFF:
            bad = parse_seconds(optarg, "--backoff-max", &a->backoff_max);
            break;
        case OPT_NOUSER:
            a->no_user = 1;
            break;
        case OPT_SECRETS:
            a->show_secrets = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
        if (bad)
            return -1;
    }
    if (!a->n_profiles && !a->profile_file && cli_config_get("profile"))
        add_to(a->profiles, &a->n_profiles, cli_config_get("profile"), "--profile");
    return 0;
}

static int is_vsphere_target(const char *t)
{
    return strncmp(t, "vsphere://", 10) == 0 || strncmp(t, "https://", 8) == 0 ||
           strncmp(t, "http://", 7) == 0;
}

/* --profile IDs; else the profiles --profile-file added; else the default. */
static int open_store(const struct watch_args *a, struct watch_out *w)
{
    if (!a->store)
        return 0;
#if WATCH_HAS_STORE
    vg_error err;
    if (vg_store_open(a->store, VG_STORE_CREATE, &w->store, &err) != VG_OK) {
        cli_print_error(&err);
        return -1;
    }
    return 0;
#else
    (void)w;
    cli_error("--store: this build has no results store");
    return -1;
#endif
}

static int watch_targets(char **targets, size_t n, const struct watch_args *a,
                         const vg_profile *const *profiles, size_t n_profiles,
                         const vg_waivers *waivers, struct watch_out *w)
{
    vg_vsphere_target t;
    vg_error err;
    if (cli_vsphere_url(targets[0], &t, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    char *user = NULL, *password = NULL;
    if (cli_vsphere_credentials(t.user, a->credentials, &user, &password, &err) != 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    if (a->insecure)
        cli_warn("--insecure: the servers' certificates are not checked");
    vg_watch_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.vsphere.user = user;
    wo.vsphere.password = password;
    wo.vsphere.cacert = a->cacert;
    wo.vsphere.insecure = a->insecure;
    wo.vsphere.timeout = a->timeout;
    wo.vsphere.include_templates = a->include_templates;
    wo.vsphere.exclude = a->exclude;
    wo.vsphere.n_exclude = a->n_exclude;
    wo.profiles = profiles;
    wo.n_profiles = n_profiles;
    wo.audit.waivers = waivers;
    wo.audit.show_secrets = a->show_secrets;
    wo.audit.now = time(NULL);
    wo.max_wait = a->max_wait;
    wo.backoff_max = a->backoff_max;
    wo.no_user_lookup = a->no_user;
    if (w->use_syslog)
        openlog("vmxguard", LOG_PID, LOG_DAEMON);
    vg_error_clear(&err);
    int rc = vg_vsphere_watch((const char *const *)targets, n, &wo, on_event, w, &err);
    vg_vsphere_credentials_free(user, password);
    if (w->use_syslog)
        closelog();
    if (w->write_failed) {
        cli_error("watch: writing to stdout failed");
        return EXIT_INTERNAL;
    }
    if (rc != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    if (got_signal && !cli_quiet)
        fprintf(stderr, "vmxguard: watch: stopped by %s after %zu events\n",
                got_signal == SIGTERM ? "SIGTERM" : "SIGINT", w->events);
    return EXIT_OK;
}

static int run_watch(int argc, char **argv)
{
    struct watch_args a;
    memset(&a, 0, sizeof a);
    int pr = parse_args(argc, argv, &a);
    if ((pr = cli_parsed(pr, &cli_cmd_watch, "watch TARGET... [options]")) >= 0)
        return pr;
    if (optind >= argc) {
        cli_error("watch: name at least one vsphere:// target");
        return EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        if (!is_vsphere_target(argv[i])) {
            cli_error("watch: %s: not a vsphere:// or https:// target (files are audited with "
                      "'vmxguard audit')",
                      argv[i]);
            return EXIT_USAGE;
        }
    }
    vg_waivers *waivers = NULL;
    vg_error err;
    int rc = EXIT_OK;
    vg_catalog *cat = cli_open_catalog(&a.profile_file, a.profile_file ? 1 : 0, &rc);
    if (!cat)
        return rc;
    const vg_profile *profiles[MAX_LIST];
    size_t n_profiles = 0;
    if (cli_pick_profiles(cat, a.profiles, a.n_profiles, profiles, MAX_LIST, &n_profiles, NULL))
        rc = EXIT_USAGE;
    if (rc == EXIT_OK && a.waivers && vg_waivers_load_file(a.waivers, &waivers, &err) != VG_OK) {
        cli_print_error(&err);
        rc = EXIT_USAGE;
    }
    struct watch_out w;
    memset(&w, 0, sizeof w);
    w.use_syslog = a.use_syslog;
    if (rc == EXIT_OK && open_store(&a, &w))
        rc = EXIT_USAGE;
    if (rc == EXIT_OK && install_handlers()) {
        cli_error("watch: cannot install the SIGINT/SIGTERM handlers");
        rc = EXIT_INTERNAL;
    }
    if (rc == EXIT_OK)
        rc = watch_targets(argv + optind, (size_t)(argc - optind), &a, profiles, n_profiles,
                           waivers, &w);
#if WATCH_HAS_STORE
    vg_store_close(w.store);
#endif
    vg_waivers_free(waivers);
    vg_catalog_free(cat);
    return rc;
}

const struct cli_command cli_cmd_watch = {
    "watch",
    "follow vCenters live: one JSON line per result that changes status",
    run_watch,
    "usage: vmxguard watch TARGET... [options]\n"
    "\n"
    "Audit every VM of each vCenter or ESXi once (the baseline), then follow the\n"
    "servers' property updates (PropertyCollector WaitForUpdatesEx) and audit a VM\n"
    "again whenever it changes.  Each result whose status changes is one JSON line\n"
    "on stdout, with the VM, the rule, the old and new status, the evidence and,\n"
    "where vCenter records it (VmReconfiguredEvent), the user who changed the VM.\n"
    "Other lines: baseline, vm_added, vm_removed, disconnected, resumed, problem.\n"
    "A lost connection is retried with backoff; updates resume where they stopped\n"
    "when the server still knows the session, else the VMs are audited again and\n"
    "the re-baseline says so.  SIGINT or SIGTERM ends the watch (exit 0).\n"
    "\n"
    "TARGET is vsphere://[user@]host[:port][/path] or https://host/sdk; several\n"
    "targets are watched at once.  Credentials as for 'vmxguard audit'.\n"
    "\n"
    "options:\n"
    "  -p, --profile ID        baseline to check (repeatable); default disa-vsphere8-vm\n"
    "      --profile-file FILE add rules/profiles from a YAML file\n"
    "      --waivers FILE      accepted exceptions (YAML)\n"
    "      --credentials FILE  user=/password= lines, mode 0600\n"
    "      --cacert FILE       trust these CA certificates (PEM)\n"
    "      --insecure          do not verify server certificates (warns)\n"
    "      --timeout SECONDS   connect timeout and longest stall (default 60)\n"
    "      --max-wait SECONDS  longest WaitForUpdatesEx (default half the timeout, <= 30)\n"
    "      --backoff-max SECONDS  longest pause between reconnects (default 60)\n"
    "      --include-templates watch templates too\n"
    "      --exclude GLOB      skip VMs whose name or datastore path matches (repeatable)\n"
    "      --no-user           do not ask vCenter who changed a VM\n"
    "      --syslog            also log each event to syslog (facility daemon)\n"
    "      --store PATH|URI    also append each result change to the results store\n"
    "      --show-secrets      do not redact secret-bearing values in evidence\n"
    "  -q, --quiet             no connection messages on stderr\n"
    "  -h, --help              this text\n"
    "\n"
    "examples:\n"
    "  vmxguard watch vsphere://audit@vc01.example.com --credentials ~/.vmxguard-cred\n"
    "  vmxguard watch vsphere://vc01 vsphere://vc02 --syslog | jq -c 'select(.type==\"result\")'\n"
    "\n"
    "exit: 0 stopped by SIGINT/SIGTERM, 2 usage error or no target could be watched,\n"
    "3 internal error (stdout closed)\n",
};
