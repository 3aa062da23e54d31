/*
 * vmxguard report: render a report in any format from results already
 * gathered, either a run in a results store (--store, --run) or a saved
 * JSON report (`audit --format json`).  No .vmx file, folder or vCenter is
 * read: one audit, every format.  The output is the one the audit would
 * have written in that format, byte for byte, with the run's own metadata
 * (time, host, tool version, targets).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"

extern const struct cli_command cli_cmd_report;

struct report_args {
    const char *store;
    const char *run;
    const char *format;
    const char *output;
    const char *output_dir;
    const char *profile_file;
    const char *color;
    const char *json;
};

static const struct option long_opts[] = {
    {"store", required_argument, NULL, 's'},
    {"run", required_argument, NULL, 'r'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"output-dir", required_argument, NULL, 'D'},
    {"profile-file", required_argument, NULL, 'P'},
    {"color", required_argument, NULL, 'c'},
    {"colour", required_argument, NULL, 'c'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct report_args *a)
{
    int c;
    a->store = cli_config_get("store");
    a->format = cli_config_get("format");
    a->color = cli_config_get("color");
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "f:o:vqh", long_opts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->store = optarg;
            break;
        case 'r':
            a->run = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'D':
            a->output_dir = optarg;
            break;
        case 'P':
            a->profile_file = optarg;
            break;
        case 'c':
            a->color = optarg;
            break;
        case 'v':
            cli_verbose = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
    }
    if (optind < argc)
        a->json = argv[optind++];
    if (optind < argc) {
        cli_error("report: one saved JSON report at most, not '%s' too", argv[optind]);
        return -1;
    }
    return 0;
}

static int render(const struct report_args *a, const vg_catalog *cat, FILE *out)
{
    vg_report_opts ro = {.out = out,
                         .output_dir = a->output_dir,
                         .verbose = cli_verbose,
                         .flush_each_vm = out && isatty(fileno(out))};
    if (out == stdout && cli_color > 0)
        ro.color = 1;
    else if (a->color && strcmp(a->color, "always") == 0)
        ro.color = 1;
    vg_error err;
    vg_report *r = NULL;
    if (vg_report_new(a->format ? a->format : "text", &ro, &r, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    /* as audit does: a checklist answers its benchmark, without the
     * folder evidence that is vmxguard's own */
    static const char *const evidence[] = {"vm-folder-evidence"};
    const char *fmt = a->format ? a->format : "text";
    int checklist = !strcmp(fmt, "ckl") || !strcmp(fmt, "cklb") || !strcmp(fmt, "xccdf");
    vg_replay_opts opts = {.skip_profiles = evidence, .n_skip_profiles = checklist ? 1 : 0};
    char *changed = NULL;
    int rc;
    if (a->json) {
        rc = vg_report_replay_json(a->json, cat, &opts, r, &changed, &err);
    } else {
        vg_store *s = NULL;
        int64_t id = 0;
        rc = vg_store_open(a->store, VG_STORE_READONLY, &s, &err);
        if (rc == VG_OK)
            rc = vg_store_resolve_run(s, a->run ? a->run : "latest", &id, &err);
        if (rc == VG_OK)
            rc = vg_store_replay(s, id, cat, &opts, r, &changed, &err);
        vg_store_close(s);
    }
    vg_report_free(r);
    if (rc != VG_OK) {
        cli_print_error(&err);
        return rc == VG_ENOMEM || rc == VG_ERR ? EXIT_INTERNAL : EXIT_USAGE;
    }
    if (changed)
        cli_warn("profile versions differ from the run's; rule texts are this catalog's: %s",
                 changed);
    free(changed);
    return EXIT_OK;
}

static int run_report(int argc, char **argv)
{
    struct report_args a = {0};
    int pr = parse_args(argc, argv, &a);
    if ((pr = cli_parsed(pr, &cli_cmd_report,
                         "report [REPORT.json | --store STORE [--run ID]] [--format F]")) >= 0)
        return pr;
    if (!a.json && (!a.store || !*a.store)) {
        cli_error("report: name a saved JSON report or a store (--store, or the config key "
                  "store)");
        return EXIT_USAGE;
    }
    if (a.json && a.run) {
        cli_error("report: --run reads a store; a JSON report holds one run");
        return EXIT_USAGE;
    }
    if (a.output && a.output_dir) {
        cli_error("-o and --output-dir exclude each other");
        return EXIT_USAGE;
    }
    if (a.color && cli_set_color(a.color) != 0) {
        cli_error("--color wants auto, always or never, not '%s'", a.color);
        return EXIT_USAGE;
    }
    int rc;
    vg_catalog *cat = cli_open_catalog(&a.profile_file, a.profile_file ? 1 : 0, &rc);
    if (!cat)
        return rc;
    FILE *out = cli_output(a.output);
    if (!out) {
        vg_catalog_free(cat);
        return EXIT_USAGE;
    }
    rc = render(&a, cat, out);
    if (out != stdout && fclose(out) != 0 && rc == EXIT_OK) {
        cli_error("%s: write failed", a.output);
        rc = EXIT_INTERNAL;
    }
    vg_catalog_free(cat);
    return rc;
}

const struct cli_command cli_cmd_report = {
    "report",
    "render any report format from a stored run or a saved JSON report",
    run_report,
    "usage: vmxguard report [REPORT.json] [options]\n"
    "\n"
    "Write the report of an audit that already ran, in any format, without\n"
    "reading a .vmx file or asking vCenter again: from a run in a results store\n"
    "(audit --store) or from a saved JSON report (audit --format json).  The\n"
    "output is what the audit would have written in that format, with the run's\n"
    "own time, host, tool version and targets.  Rule texts come from this\n"
    "vmxguard's catalog; when a profile's version differs from the run's, a\n"
    "warning says so.\n"
    "\n"
    "options:\n"
    "      --store STORE       SQLite file or postgresql://... (default: config key store)\n"
    "      --run ID            latest (default), latest~N (N runs before) or a run id\n"
    "                          ('vmxguard history' lists them)\n"
    "  -f, --format F          text (default), json, jsonl, csv, junit, sarif, xccdf,\n"
    "                          ckl, cklb, html\n"
    "  -o, --output FILE       write to FILE instead of standard output\n"
    "      --output-dir DIR    one file per VM (ckl, cklb, xccdf)\n"
    "      --profile-file FILE the YAML file the run's own profiles came from\n"
    "      --color WHEN        auto, always or never\n"
    "  -v, --verbose           text: also list passing rules\n"
    "\n"
    "exit codes: 0 written, 2 no such store, run or report, or a bad option.\n"
    "\n"
    "examples:\n"
    "  vmxguard report --store runs.db --format html -o latest.html\n"
    "  vmxguard report --store runs.db --run 12 --format ckl --output-dir ckl/\n"
    "  vmxguard report audit.json --format sarif -o audit.sarif\n",
};
