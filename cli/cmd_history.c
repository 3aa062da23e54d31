/*
 * vmxguard history: the runs in a results store, oldest first, with the
 * numbers a trend is made of (VMs, failing VMs, failures, score).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_config.h"

extern const struct cli_command cli_cmd_history;

static const struct option long_opts[] = {
    {"store", required_argument, NULL, 's'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"color", required_argument, NULL, 'c'},
    {"colour", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_text(FILE *out, const vg_store_run_info *runs, size_t n)
{
    fprintf(out, "%6s  %-20s  %7s  %7s  %8s  %6s  %s\n", "RUN", "STARTED", "VMS", "FAILING",
            "FAILURES", "SCORE", "TARGETS");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        cli_iso_time(runs[i].started, when, sizeof when);
        fprintf(out, "%6lld  %-20s  %7zu  %7zu  %8zu  %5.1f%%  %s\n", (long long)runs[i].id, when,
                runs[i].vms, runs[i].vms_failing, runs[i].counts[VG_FAIL], runs[i].score,
                runs[i].targets ? runs[i].targets : "");
    }
    if (!n)
        fprintf(out, "no runs yet: vmxguard audit TARGET --store STORE\n");
}

/* One run as JSON (shared shape with diff's trend). */
static json_t *run_json(const vg_store_run_info *r)
{
    char started[32], finished[32];
    cli_iso_time(r->started, started, sizeof started);
    cli_iso_time(r->finished, finished, sizeof finished);
    json_t *counts = json_object();
    for (int s = 0; counts && s < VG_RESULT_STATUS_COUNT; s++)
        json_object_set_new(counts, vg_result_status_name(s),
                            json_integer((json_int_t)r->counts[s]));
    return json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:o, s:I, s:I, s:f}",
                     "id", (json_int_t)r->id, "started", started, "finished", finished,
                     "tool_version", r->tool_version, "hostname", r->hostname, "targets",
                     r->targets, "profiles", r->profiles, "vms", (json_int_t)r->vms, "vms_failing",
                     (json_int_t)r->vms_failing, "results", (json_int_t)r->results, "counts",
                     counts, "errors", (json_int_t)r->errors, "warnings", (json_int_t)r->warnings,
                     "score", r->score);
}

static int print_json(FILE *out, const vg_store_run_info *runs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, run_json(&runs[i]));
    json_t *doc = arr ? json_pack("{s:s, s:o}", "format", "vmxguard-history", "runs", arr) : NULL;
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

static int run_history(int argc, char **argv)
{
    const char *store = cli_config_get("store"), *format = "text", *output = NULL;
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "f:o:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 's':
            store = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'c':
            if (cli_set_color(optarg) != 0) {
                cli_error("--color wants auto, always or never, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break; /* accepted like every command's; the listing has no colour */
        case 'h':
            return cli_help(&cli_cmd_history);
        default:
            fprintf(stderr, "usage: vmxguard history --store STORE [--format text|json]\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("history: unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        cli_error("history: --format wants text or json, not '%s'", format);
        return EXIT_USAGE;
    }
    if (!store || !*store) {
        cli_error("history: name a store (--store, or the config key store)");
        return EXIT_USAGE;
    }
    vg_store *s = NULL;
    vg_error err;
    vg_store_run_info *runs = NULL;
    size_t n = 0;
    if (vg_store_open(store, VG_STORE_READONLY, &s, &err) != VG_OK ||
        vg_store_runs(s, &runs, &n, &err) != VG_OK) {
        cli_print_error(&err);
        vg_store_close(s);
        return EXIT_USAGE;
    }
    vg_store_close(s);
    FILE *out = cli_output(output);
    if (!out) {
        vg_store_runs_free(runs, n);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    if (strcmp(format, "json") == 0)
        rc = print_json(out, runs, n) ? EXIT_INTERNAL : EXIT_OK;
    else
        print_text(out, runs, n);
    if ((out != stdout ? fclose(out) : fflush(out)) != 0 && rc == EXIT_OK) {
        cli_error("%s: write failed", output ? output : "standard output");
        rc = EXIT_INTERNAL;
    }
    vg_store_runs_free(runs, n);
    return rc;
}

const struct cli_command cli_cmd_history = {
    "history",
    "list the audit runs recorded in a results store",
    run_history,
    "usage: vmxguard history [--store STORE] [--format text|json]\n"
    "\n"
    "List the runs recorded with 'vmxguard audit --store', oldest first: id, start\n"
    "time (UTC), VMs, failing VMs, failures, score (pass / (pass + fail), waived\n"
    "counting as pass) and targets.  A run id names a run for 'vmxguard report'\n"
    "and 'vmxguard diff'.\n"
    "\n"
    "options:\n"
    "      --store STORE       SQLite file or postgresql://... (default: config key store)\n"
    "  -f, --format F          text (default) or json (with profiles and all counts)\n"
    "  -o, --output FILE       write to FILE instead of standard output\n"
    "\n"
    "exit codes: 0 listed, 2 no such store or a bad option.\n"
    "\n"
    "examples:\n"
    "  vmxguard history --store runs.db\n"
    "  vmxguard history --store postgresql://vmxguard@db.example.org/vmxguard -f json\n",
};
