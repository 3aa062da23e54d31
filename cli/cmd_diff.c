/*
 * vmxguard diff [RUN_A] [RUN_B]: what changed between two stored runs, per
 * VM and rule: newly failing, fixed, waived, waiver expired, other status
 * changes, VMs that appeared, disappeared or moved (the store knows a VM by
 * its UUIDs, so a moved or renamed VM is compared with itself).  Each
 * changed result names its origin where one is known: for a file VM the
 * .vmx modification time recorded in run B; with --events, for a vSphere
 * VM, the VmReconfiguredEvents vCenter has for it between the two runs
 * (user, time, the extraConfig keys and devices changed).  Nothing else is
 * guessed.  Text, JSON (with trend data) and HTML (with a trend chart).
 * Exit 1 when something newly fails (a new failure or an expired waiver).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "cli_config.h"

extern const struct cli_command cli_cmd_diff;

struct diff_args {
    const char *store;
    const char *format;
    const char *output;
    const char *run_a, *run_b;
    int events;
    const char *credentials;
    const char *cacert;
    int insecure;
};

static const struct option long_opts[] = {
    {"store", required_argument, NULL, 's'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"events", no_argument, NULL, 'e'},
    {"credentials", required_argument, NULL, 'R'},
    {"cacert", required_argument, NULL, 'C'},
    {"insecure", no_argument, NULL, 'k'},
    {"quiet", no_argument, NULL, 'q'},
    {"color", required_argument, NULL, 'c'},
    {"colour", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* ------------------------------------------------------------ origin */

#ifdef VMXGUARD_VSPHERE_H
struct event_ctx {
    vg_store_diff *d;
    const char *server;
};

/* Is key one of the ", "-joined keys (case-insensitive, as VMware reads them)? */
static int list_has(const char *keys, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = keys; p && *p;) {
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncasecmp(p, key, n) == 0)
            return 1;
        p = end ? end + 2 : NULL;
    }
    return 0;
}

/* Each event is told to every changed result of its VM; the latest wins
 * (events come oldest first), and the details of all are joined. */
static int on_event(const vg_vsphere_event *ev, void *ctx)
{
    struct event_ctx *ec = ctx;
    for (size_t i = 0; i < ec->d->n_changes; i++) {
        vg_store_change *c = &ec->d->changes[i];
        if (!c->rule || !c->moref || strcmp(c->moref, ev->moref) != 0 || !c->server ||
            strcmp(c->server, ec->server) != 0)
            continue;
        /* an event that names keys counts for a result only when it
         * touched that result's key */
        if (ev->keys && *ev->keys && c->key && !list_has(ev->keys, c->key))
            continue;
        char detail[1024];
        snprintf(detail, sizeof detail, "%s%s%s%s%s", ev->keys && *ev->keys ? "extraConfig: " : "",
                 ev->keys ? ev->keys : "",
                 ev->keys && *ev->keys && ev->devices && *ev->devices ? "; " : "",
                 ev->devices && *ev->devices ? "devices: " : "", ev->devices ? ev->devices : "");
        free(c->changed_by);
        free(c->change_detail);
        c->changed_by = strdup(ev->user ? ev->user : "");
        c->change_detail = strdup(detail);
        c->changed_at = ev->created;
    }
    return 0;
}

/* One session per vCenter named by the changed results; the URL is the
 * run's target that names that server. */
static void attribute(const struct diff_args *a, vg_store_diff *d, const char *targets)
{
    char *list = strdup(targets ? targets : "");
    for (char *save = NULL, *t = list ? strtok_r(list, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        vg_vsphere_target vt;
        vg_error err;
        if (strncmp(t, "vsphere://", 10) && strncmp(t, "https://", 8) && strncmp(t, "http://", 7))
            continue;
        if (cli_vsphere_url(t, &vt, &err) != VG_OK) {
            cli_print_error(&err);
            continue;
        }
        const char **morefs = calloc(d->n_changes + 1, sizeof *morefs);
        size_t n = 0;
        for (size_t i = 0; morefs && i < d->n_changes; i++) {
            const vg_store_change *c = &d->changes[i];
            if (!c->rule || !c->moref || !c->server || strcmp(c->server, vt.server) != 0)
                continue;
            size_t k = 0;
            while (k < n && strcmp(morefs[k], c->moref) != 0)
                k++;
            if (k == n)
                morefs[n++] = c->moref;
        }
        char *user = NULL, *password = NULL;
        if (n && cli_vsphere_credentials(vt.user, a->credentials, &user, &password, &err) == 0) {
            vg_vsphere_opts vo = {
                .user = user, .password = password, .cacert = a->cacert, .insecure = a->insecure};
            struct event_ctx ec = {d, vt.server};
            if (vg_vsphere_reconfig_events(t, &vo, morefs, n, d->a.started, d->b.finished, on_event,
                                           &ec, &err) != VG_OK)
                cli_print_error(&err);
            vg_vsphere_credentials_free(user, password);
        } else if (n) {
            cli_print_error(&err);
        }
        free(morefs);
    }
    free(list);
}
#else
static void attribute(const struct diff_args *a, vg_store_diff *d, const char *targets)
{
    (void)a, (void)d, (void)targets;
    cli_warn("--events: this build has no vSphere client");
}
#endif

static void origin_text(const vg_store_change *c, char *out, size_t n)
{
    char when[32];
    if (c->changed_at || (c->changed_by && *c->changed_by)) {
        cli_iso_time(c->changed_at, when, sizeof when);
        snprintf(out, n, "reconfigured by %s at %s (%s)", or_dash(c->changed_by), when,
                 or_dash(c->change_detail));
    } else if (c->vmx_mtime) {
        cli_iso_time(c->vmx_mtime, when, sizeof when);
        snprintf(out, n, ".vmx modified %s", when);
    } else {
        out[0] = '\0';
    }
}

/* ------------------------------------------------------------ text */

static const char *const kind_labels[VG_CHANGE_KIND_COUNT] = {
    [VG_CHANGE_NEW_FAIL] = "NEWLY FAILING",
    [VG_CHANGE_FIXED] = "FIXED",
    [VG_CHANGE_WAIVED] = "WAIVED",
    [VG_CHANGE_WAIVER_EXPIRED] = "WAIVER EXPIRED",
    [VG_CHANGE_STATUS] = "CHANGED",
    [VG_CHANGE_VM_APPEARED] = "VM APPEARED",
    [VG_CHANGE_VM_DISAPPEARED] = "VM DISAPPEARED",
    [VG_CHANGE_VM_MOVED] = "VM MOVED",
};

static void run_line(FILE *out, const char *label, const vg_store_run_info *r)
{
    char when[32];
    cli_iso_time(r->started, when, sizeof when);
    fprintf(out, "%s run %lld  %s  %zu VMs, %zu failures, score %.1f%%\n", label, (long long)r->id,
            when, r->vms, r->counts[VG_FAIL], r->score);
}

static void print_text(FILE *out, const vg_store_diff *d)
{
    run_line(out, "from", &d->a);
    run_line(out, "to  ", &d->b);
    fputc('\n', out);
    for (size_t i = 0; i < d->n_changes; i++) {
        const vg_store_change *c = &d->changes[i];
        if (c->kind == VG_CHANGE_VM_MOVED)
            fprintf(out, "%-15s %s  %s -> %s%s%s\n", kind_labels[c->kind], or_dash(c->vm_name),
                    or_dash(c->old_path), or_dash(c->vm_path),
                    c->old_name && c->vm_name && strcmp(c->old_name, c->vm_name) ? "  was " : "",
                    c->old_name && c->vm_name && strcmp(c->old_name, c->vm_name) ? c->old_name
                                                                                 : "");
        else if (c->kind >= VG_CHANGE_VM_APPEARED)
            fprintf(out, "%-15s %s  %s\n", kind_labels[c->kind], or_dash(c->vm_name),
                    or_dash(c->vm_path));
        else {
            fprintf(out, "%-15s %s  %s [%s] %s  %s -> %s\n", kind_labels[c->kind],
                    or_dash(c->vm_name), or_dash(c->rule), or_dash(c->severity),
                    or_dash(c->profile), or_dash(c->old_status), or_dash(c->new_status));
            if (c->title)
                fprintf(out, "%-15s   %s\n", "", c->title);
            if (c->new_evidence || c->old_evidence)
                fprintf(out, "%-15s   now: %s\n", "", or_dash(c->new_evidence));
            char origin[1400];
            origin_text(c, origin, sizeof origin);
            if (origin[0])
                fprintf(out, "%-15s   origin: %s\n", "", origin);
        }
    }
    if (d->n_changes)
        fputc('\n', out);
    fprintf(out,
            "%zu newly failing, %zu fixed, %zu waived, %zu waiver expired, %zu changed; "
            "VMs: %zu appeared, %zu disappeared, %zu moved\n",
            d->counts[VG_CHANGE_NEW_FAIL], d->counts[VG_CHANGE_FIXED], d->counts[VG_CHANGE_WAIVED],
            d->counts[VG_CHANGE_WAIVER_EXPIRED], d->counts[VG_CHANGE_STATUS],
            d->counts[VG_CHANGE_VM_APPEARED], d->counts[VG_CHANGE_VM_DISAPPEARED],
            d->counts[VG_CHANGE_VM_MOVED]);
}

/* ------------------------------------------------------------ json */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *run_json(const vg_store_run_info *r)
{
    char when[32];
    cli_iso_time(r->started, when, sizeof when);
    return json_pack("{s:I, s:s, s:s?, s:s?, s:I, s:I, s:I, s:f}", "id", (json_int_t)r->id,
                     "started", when, "targets", r->targets, "profiles", r->profiles, "vms",
                     (json_int_t)r->vms, "vms_failing", (json_int_t)r->vms_failing, "failures",
                     (json_int_t)r->counts[VG_FAIL], "score", r->score);
}

static json_t *origin_json(const vg_store_change *c)
{
    char when[32];
    if (c->changed_at || (c->changed_by && *c->changed_by)) {
        cli_iso_time(c->changed_at, when, sizeof when);
        return json_pack("{s:s, s:o, s:s, s:o}", "source", "VmReconfiguredEvent", "user",
                         jstr(c->changed_by), "time", when, "detail", jstr(c->change_detail));
    }
    if (c->vmx_mtime) {
        cli_iso_time(c->vmx_mtime, when, sizeof when);
        return json_pack("{s:s, s:s}", "source", "vmx_mtime", "time", when);
    }
    return json_null();
}

static json_t *change_json(const vg_store_change *c)
{
    json_t *vm =
        json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)c->vm_id,
                  "name", jstr(c->vm_name), "path", jstr(c->vm_path), "old_name", jstr(c->old_name),
                  "old_path", jstr(c->old_path), "moref", jstr(c->moref), "server", jstr(c->server),
                  "uuid", jstr(c->uuid), "instance_uuid", jstr(c->instance_uuid));
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "kind", vg_store_change_kind_name(c->kind), "vm", vm, "profile",
                     jstr(c->profile), "rule", jstr(c->rule), "title", jstr(c->title), "severity",
                     jstr(c->severity), "key", jstr(c->key), "old_status", jstr(c->old_status),
                     "new_status", jstr(c->new_status), "old_actual", jstr(c->old_actual),
                     "new_actual", jstr(c->new_actual), "old_evidence", jstr(c->old_evidence),
                     "new_evidence", jstr(c->new_evidence), "origin", origin_json(c));
}

static json_t *trend_json(const vg_store_run_info *runs, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, run_json(&runs[i]));
    return a;
}

static int print_json(FILE *out, const vg_store_diff *d, const vg_store_run_info *runs, size_t n)
{
    json_t *counts = json_object(), *changes = json_array();
    for (int k = 0; counts && k < VG_CHANGE_KIND_COUNT; k++)
        json_object_set_new(counts, vg_store_change_kind_name(k),
                            json_integer((json_int_t)d->counts[k]));
    for (size_t i = 0; changes && i < d->n_changes; i++)
        json_array_append_new(changes, change_json(&d->changes[i]));
    json_t *doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "format", "vmxguard-diff", "run_a",
                            run_json(&d->a), "run_b", run_json(&d->b), "counts", counts, "changes",
                            changes, "trend", trend_json(runs, n));
    int rc =
        doc &&
                vg_json_dumpf(doc, out,
                           JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4)) == 0 &&
                fputc('\n', out) != EOF
            ? 0
            : -1;
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------ html */

static void html_esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            /* C0 controls are not allowed in HTML text */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                fputc(*s, out);
        }
    }
}

/* Score (line, 0-100 %) and failures (bars, scaled to the largest) per run. */
static void trend_svg(FILE *out, const vg_store_run_info *runs, size_t n)
{
    const int w = 640, h = 180, pad = 30;
    size_t top = 1;
    for (size_t i = 0; i < n; i++)
        if (runs[i].counts[VG_FAIL] > top)
            top = runs[i].counts[VG_FAIL];
    double step = n > 1 ? (double)(w - 2 * pad) / (double)(n - 1) : 0;
    fprintf(out,
            "<svg class=\"trend\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"score and failures per run\">\n",
            w, h, w, h);
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", pad, h - pad,
            w - pad, h - pad);
    for (size_t i = 0; i < n; i++) {
        double x = pad + step * (double)i;
        double bh = (double)(h - 2 * pad) * (double)runs[i].counts[VG_FAIL] / (double)top;
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"%.1f\" fill=\"#d9534f\">"
                "<title>run %lld: %zu failures</title></rect>\n",
                x - 4, (double)(h - pad) - bh, bh, (long long)runs[i].id, runs[i].counts[VG_FAIL]);
    }
    fputs("<polyline fill=\"none\" stroke=\"#2a7ae2\" stroke-width=\"2\" points=\"", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", pad + step * (double)i,
                (double)(h - pad) - (double)(h - 2 * pad) * runs[i].score / 100.0);
    fputs("\"/>\n", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%lld</text>\n",
                pad + step * (double)i, h - pad + 14, (long long)runs[i].id);
    fprintf(out,
            "<text x=\"%d\" y=\"14\" font-size=\"11\">score %% (line), failures (bars, "
            "top %zu) per run</text>\n</svg>\n",
            pad, top);
}

static void print_html(FILE *out, const vg_store_diff *d, const vg_store_run_info *runs, size_t n)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>vmxguard diff</title>\n<style>\nbody{font-family:sans-serif;margin:2em}\n"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
          "text-align:left;vertical-align:top}\n.newly_failing,.waiver_expired{background:#fde"
          "}\n.fixed{background:#efe}\n</style></head><body>\n<h1>vmxguard diff</h1>\n",
          out);
    const vg_store_run_info *r2[2] = {&d->a, &d->b};
    fputs("<table><tr><th></th><th>run</th><th>started</th><th>VMs</th><th>failures</th>"
          "<th>score</th></tr>\n",
          out);
    for (int i = 0; i < 2; i++) {
        char when[32];
        cli_iso_time(r2[i]->started, when, sizeof when);
        fprintf(out,
                "<tr><td>%s</td><td>%lld</td><td>%s</td><td>%zu</td><td>%zu</td>"
                "<td>%.1f%%</td></tr>\n",
                i ? "to" : "from", (long long)r2[i]->id, when, r2[i]->vms, r2[i]->counts[VG_FAIL],
                r2[i]->score);
    }
    fputs("</table>\n<h2>Trend</h2>\n", out);
    trend_svg(out, runs, n);
    fputs("<h2>Changes</h2>\n<p>", out);
    for (int k = 0; k < VG_CHANGE_KIND_COUNT; k++)
        fprintf(out, "%s%s: %zu", k ? ", " : "", vg_store_change_kind_name(k), d->counts[k]);
    fputs("</p>\n<table><tr><th>change</th><th>VM</th><th>rule</th><th>severity</th>"
          "<th>before</th><th>after</th><th>evidence now</th><th>origin</th></tr>\n",
          out);
    for (size_t i = 0; i < d->n_changes; i++) {
        const vg_store_change *c = &d->changes[i];
        char origin[1400];
        origin_text(c, origin, sizeof origin);
        fprintf(out, "<tr class=\"%s\"><td>%s</td><td>", vg_store_change_kind_name(c->kind),
                kind_labels[c->kind]);
        html_esc(out, or_dash(c->vm_name));
        fputs("<br><small>", out);
        if (c->kind == VG_CHANGE_VM_MOVED) {
            html_esc(out, or_dash(c->old_path));
            fputs(" &rarr; ", out);
        }
        html_esc(out, or_dash(c->vm_path));
        fputs("</small></td><td>", out);
        html_esc(out, c->rule ? c->rule : "");
        if (c->title) {
            fputs("<br><small>", out);
            html_esc(out, c->title);
            fputs("</small>", out);
        }
        const char *cells[] = {c->severity, c->old_status, c->new_status, c->new_evidence, origin};
        for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
            fputs("</td><td>", out);
            html_esc(out, cells[k] ? cells[k] : "");
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</body></html>\n", out);
}

/* ------------------------------------------------------------ command */

static int parse_args(int argc, char **argv, struct diff_args *a)
{
    int c;
    a->store = cli_config_get("store");
    a->cacert = cli_config_get("cacert");
    a->format = "text";
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "f:o:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->store = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'e':
            a->events = 1;
            break;
        case 'R':
            a->credentials = optarg;
            break;
        case 'C':
            a->cacert = optarg;
            break;
        case 'k':
            a->insecure = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'c':
            if (cli_set_color(optarg) != 0) {
                cli_error("--color wants auto, always or never, not '%s'", optarg);
                return -1;
            }
            break; /* accepted like every command's; the diff has no colour */
        case 'h':
            return 1;
        default:
            return -1;
        }
    }
    if (argc - optind > 2) {
        cli_error("diff: two runs at most, not '%s' too", argv[optind + 2]);
        return -1;
    }
    /* one run: it against the latest; none: the last two */
    a->run_a = optind < argc ? argv[optind] : "latest~1";
    a->run_b = optind + 1 < argc ? argv[optind + 1] : "latest";
    return 0;
}

/* Rule titles from the catalog (the store keeps ids only). */
static void add_titles(vg_store_diff *d)
{
    vg_catalog *cat = NULL;
    vg_error err;
    if (vg_catalog_load_embedded(&cat, &err) != VG_OK)
        return;
    for (size_t i = 0; i < d->n_changes; i++) {
        vg_store_change *c = &d->changes[i];
        const vg_rule *r = c->rule ? vg_catalog_rule(cat, c->rule) : NULL;
        if (r && r->title && !c->title)
            c->title = strdup(r->title);
    }
    vg_catalog_free(cat);
}

static int write_diff(const struct diff_args *a, vg_store_diff *d, const vg_store_run_info *runs,
                      size_t n)
{
    FILE *out = cli_output(a->output);
    if (!out)
        return EXIT_USAGE;
    int rc = EXIT_OK;
    if (!strcmp(a->format, "json"))
        rc = print_json(out, d, runs, n) ? EXIT_INTERNAL : EXIT_OK;
    else if (!strcmp(a->format, "html"))
        print_html(out, d, runs, n);
    else
        print_text(out, d);
    if ((out != stdout ? fclose(out) : fflush(out)) != 0 && rc == EXIT_OK) {
        cli_error("%s: write failed", a->output ? a->output : "standard output");
        rc = EXIT_INTERNAL;
    }
    return rc;
}

static int run_diff(int argc, char **argv)
{
    struct diff_args a = {0};
    int pr = parse_args(argc, argv, &a);
    if ((pr = cli_parsed(pr, &cli_cmd_diff, "diff [RUN_A] [RUN_B] --store STORE")) >= 0)
        return pr;
    if (strcmp(a.format, "text") && strcmp(a.format, "json") && strcmp(a.format, "html")) {
        cli_error("diff: --format wants text, json or html, not '%s'", a.format);
        return EXIT_USAGE;
    }
    if (!a.store || !*a.store) {
        cli_error("diff: name a store (--store, or the config key store)");
        return EXIT_USAGE;
    }
    vg_store *s = NULL;
    vg_error err;
    int64_t ra = 0, rb = 0;
    vg_store_diff *d = NULL;
    vg_store_run_info *runs = NULL;
    size_t n = 0;
    if (vg_store_open(a.store, VG_STORE_READONLY, &s, &err) != VG_OK ||
        vg_store_resolve_run(s, a.run_a, &ra, &err) != VG_OK ||
        vg_store_resolve_run(s, a.run_b, &rb, &err) != VG_OK ||
        vg_store_diff_runs(s, ra, rb, &d, &err) != VG_OK ||
        vg_store_runs(s, &runs, &n, &err) != VG_OK) {
        cli_print_error(&err);
        vg_store_diff_free(d);
        vg_store_close(s);
        return EXIT_USAGE;
    }
    vg_store_close(s);
    /* the trend runs up to run B */
    size_t upto = 0;
    while (upto < n && runs[upto].id <= rb)
        upto++;
    add_titles(d);
    if (a.events)
        attribute(&a, d, d->b.targets);
    int rc = write_diff(&a, d, runs, upto);
    if (rc == EXIT_OK && (d->counts[VG_CHANGE_NEW_FAIL] || d->counts[VG_CHANGE_WAIVER_EXPIRED]))
        rc = EXIT_FINDINGS;
    vg_store_runs_free(runs, n);
    vg_store_diff_free(d);
    return rc;
}

const struct cli_command cli_cmd_diff = {
    "diff",
    "what changed between two stored runs: new failures, fixes, waivers, VMs",
    run_diff,
    "usage: vmxguard diff [RUN_A] [RUN_B] [options]\n"
    "\n"
    "Compare two runs of a results store (default: the last two; one run given:\n"
    "it against the latest) per VM and rule: newly failing, fixed, waived, waiver\n"
    "expired, other status changes, and VMs that appeared, disappeared or moved\n"
    "(a VM is known by its instance UUID, then BIOS UUID, then path, so a VM moved\n"
    "or renamed is compared with itself).  Each changed result names its origin\n"
    "where one is known: a file VM's .vmx modification time; with --events, for\n"
    "vSphere VMs, the VmReconfiguredEvents vCenter kept between the two runs\n"
    "(user, time, extraConfig keys and devices changed).  JSON and HTML also\n"
    "carry the trend (score and failures per run, up to RUN_B).\n"
    "\n"
    "options:\n"
    "      --store STORE       SQLite file or postgresql://... (default: config key store)\n"
    "  -f, --format F          text (default), json or html\n"
    "  -o, --output FILE       write to FILE instead of standard output\n"
    "      --events            ask the run's vCenters who changed what (needs credentials)\n"
    "      --credentials FILE  vSphere: user=/password= file\n"
    "      --cacert FILE       vSphere: trust this PEM bundle\n"
    "      --insecure          vSphere: do not check the server certificate\n"
    "\n"
    "RUN is latest, latest~N (N runs before the latest) or a run id.\n"
    "\n"
    "exit codes: 0 nothing newly fails, 1 something newly fails (a new failure or\n"
    "an expired waiver), 2 no such store or run, or a bad option.\n"
    "\n"
    "examples:\n"
    "  vmxguard diff --store runs.db\n"
    "  vmxguard diff 3 latest --store runs.db --format html -o drift.html\n"
    "  vmxguard diff --store runs.db --events --credentials ~/.vmxguard-cred -f json\n",
};
