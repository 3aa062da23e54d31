/*
 * vmxguard logs: read vmware.log files (or VM folders with their rotated
 * logs) and list what they prove: backdoor floods, device commands the
 * virtual hardware rejected, VMX failures, rotation that does not work, and
 * facts about product, host and VM.  text, json and jsonl are rendered
 * here; sarif and html go through the report writers, with the log
 * findings as results of the evidence rules in catalog/rules/logs.yaml.
 * Exit: 0 nothing at or above --fail-on, 1 findings, 2 unreadable input.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_progress.h"

extern const struct cli_command cli_cmd_logs;

struct logs_args {
    const char *format;
    const char *output;
    const char *fail_on;
    vg_log_opts opts;
};

/* What one run shares across the inputs. */
struct logs_run {
    const struct logs_args *args;
    FILE *out;
    vg_log_sigs *sigs;
    vg_severity fail_on;
    size_t findings; /* at or above fail_on */
    int input_errors;
    /* report writers (sarif, html) */
    vg_catalog *cat;
    vg_profile profile;
    const vg_profile *profiles[1]; /* the writer keeps this pointer until the end */
    vg_profile_rule *prules;
    vg_report *report;
    vg_audit_summary sum;
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"flood-rate", required_argument, NULL, 'r'},
    {"fail-on", required_argument, NULL, 'F'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_rate(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || v <= 0 || v > 1e9) {
        cli_error("--flood-rate: '%s' is not a positive number of messages per minute", s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct logs_args *a)
{
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "f:o:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'F':
            a->fail_on = optarg;
            break;
        case 'r':
            if (parse_rate(optarg, &a->opts.flood_rate))
                return -1;
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
    return 0;
}

/* ---- text ------------------------------------------------------------------- */

/* Log text is partly written by the guest, and file names by a tenant:
 * never let either reach a terminal as control sequences, bidi overrides
 * or forged lines (shown escaped, vg_term_escape_dup). */
static void put_clean(FILE *o, const char *s)
{
    s = s ? s : "?";
    cli_term_write(o, s, strlen(s), 0);
}

static void text_where(FILE *o, const char *label, const vg_log_where *w)
{
    fprintf(o, "      %s ", label);
    if (w->ts[0])
        fprintf(o, "%s ", cli_term(w->ts));
    put_clean(o, w->file);
    if (w->line)
        fprintf(o, ":%u", w->line);
    fputc('\n', o);
}

static void text_facts(FILE *o, const vg_log_analysis *a)
{
    const vg_log_facts *f = &a->facts;
    const char *parts[] = {"  product: VMware ",
                           f->product,
                           " ",
                           f->version,
                           " ",
                           f->build,
                           "\n  host: ",
                           f->host_os,
                           " (encoding ",
                           f->encoding,
                           ")\n  vm: virtualHW.version ",
                           f->hw_version,
                           ", guestOS ",
                           f->guest_os,
                           ", .encoding ",
                           f->vm_encoding,
                           "\n"};
    /* even entries are our text, odd ones values from the log */
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (i % 2)
            put_clean(o, parts[i]);
        else
            fputs(parts[i], o);
    }
    if (f->config) {
        fputs("  config: ", o);
        put_clean(o, f->config);
        fputc('\n', o);
    }
}

static void text_files(FILE *o, const vg_log_analysis *a)
{
    for (size_t i = 0; i < a->n_files; i++) {
        const vg_log_file *f = &a->files[i];
        fprintf(o, "  log %s: %llu bytes, %u lines", cli_term(f->path), f->bytes, f->lines);
        for (int k = 1; k < VG_LOG_FMT_COUNT; k++) {
            if (f->by_format[k])
                fprintf(o, ", %zu %s", f->by_format[k], vg_log_format_name((vg_log_format)k));
        }
        fprintf(o, ", %u continuation%s", f->continuations,
                f->session_end ? "" : ", no VMX exit line");
        if (f->unknown)
            fprintf(o, ", %u UNKNOWN (first line %u)", f->unknown, f->first_unknown);
        if (f->truncated)
            fprintf(o, ", %u cut at %u bytes", f->truncated, VG_LOG_MAX_LINE);
        fputc('\n', o);
    }
    fprintf(o, "  rotation: %llu bytes in %zu log(s), %zu rotated; log.rotateSize ", a->total_bytes,
            a->n_files, a->rotated);
    if (a->rotate_size >= 0)
        fprintf(o, "%lld", a->rotate_size);
    else
        fputs("unset", o);
    fputs(", log.keepOld ", o);
    if (a->keep_old >= 0)
        fprintf(o, "%lld", a->keep_old);
    else
        fputs("unset", o);
    fprintf(o, " (%s)\n", a->vmx ? cli_term(a->vmx) : "no .vmx beside the logs");
}

static void text_finding(FILE *o, const vg_log_finding *f)
{
    fprintf(o, "  [%s] %s %s", vg_severity_name(f->severity), vg_log_category_name(f->category),
            f->id);
    if (f->device) {
        fputs(" device ", o);
        put_clean(o, f->device);
    }
    if (f->opcode) {
        fputs(" opcode ", o);
        put_clean(o, f->opcode);
    }
    fprintf(o, " x%zu\n      %s\n", f->count, cli_term(f->title));
    if (f->first.file)
        text_where(o, "first", &f->first);
    if (f->last.file && (f->last.line != f->first.line || f->last.file != f->first.file))
        text_where(o, "last ", &f->last);
    if (f->peak_per_min)
        fprintf(o, "      rate %.2f/min, busiest minute %zu\n", f->rate_per_min, f->peak_per_min);
    if (f->detail) {
        fprintf(o, "      %s: ", f->first.line ? "example" : "detail");
        put_clean(o, f->detail);
        fputc('\n', o);
    }
    fprintf(o, "      fix: %s\n", cli_term(f->fix));
}

static void write_text(FILE *o, const char *path, const vg_log_analysis *a, vg_severity fail_on)
{
    size_t shown = 0;
    fprintf(o, "%s\n", cli_term(path));
    text_facts(o, a);
    text_files(o, a);
    for (size_t i = 0; i < a->n_findings; i++)
        shown += a->findings[i].severity >= fail_on;
    fprintf(o, "  findings: %zu (%zu at or above %s)%s\n", a->n_findings, shown,
            vg_severity_name(fail_on), a->n_findings ? ":" : "");
    for (size_t i = 0; i < a->n_findings; i++)
        text_finding(o, &a->findings[i]);
    if (a->folded)
        fprintf(o, "  (%zu more occurrences beyond %d distinct findings not itemised)\n", a->folded,
                VG_LOG_MAX_FINDINGS);
}

/* ---- sarif / html through the report writers ----------------------------- */

/* Whether a rule came from rules/logs.yaml (the catalog may prefix "catalog/"). */
static int from_logs_yaml(const vg_rule *r)
{
    static const char tail[] = "rules/logs.yaml";
    size_t n = r->file ? strlen(r->file) : 0;
    return n >= sizeof tail - 1 && strcmp(r->file + n - (sizeof tail - 1), tail) == 0 &&
           (n == sizeof tail - 1 || r->file[n - sizeof tail] == '/');
}

/* A profile of every evidence rule of catalog/rules/logs.yaml. */
static int build_profile(struct logs_run *run)
{
    int rc;
    if (!(run->cat = cli_open_catalog(NULL, 0, &rc)))
        return -1;
    size_t n = vg_catalog_rule_count(run->cat), k = 0;
    run->prules = calloc(n ? n : 1, sizeof *run->prules);
    if (!run->prules)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const vg_rule *r = vg_catalog_rule_at(run->cat, i);
        if (r->kind != VG_RULE_EVIDENCE || !from_logs_yaml(r))
            continue;
        run->prules[k] = (vg_profile_rule){.rule = r,
                                           .source_id = r->id,
                                           .cmp = VG_CMP_PRESENT,
                                           .absent = VG_ABSENT_NA,
                                           .severity = VG_SEV_MEDIUM};
        k++;
    }
    run->profile = (vg_profile){.id = "vmxguard-logs",
                                .title = "vmware.log and folder evidence",
                                .source = "vmxguard logs",
                                .version = vg_version(),
                                .description = "findings of vmxguard logs as evidence rules",
                                .rules = run->prules,
                                .n_rules = k,
                                .file = "rules/logs.yaml"};
    return k ? 0 : -1;
}

static int start_report(struct logs_run *run, char **paths, size_t n)
{
    vg_error err;
    if (build_profile(run) != 0) {
        cli_error("no evidence rules from catalog/rules/logs.yaml in this build");
        return -1;
    }
    vg_report_opts ro = {.out = run->out, .flush_each_vm = isatty(fileno(run->out))};
    if (vg_report_new(run->args->format, &ro, &run->report, &err) != VG_OK) {
        cli_print_error(&err);
        return -1;
    }
    static char host[256];
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    run->profiles[0] = &run->profile;
    vg_report_run rr = {.tool_version = vg_version(),
                        .started = time(NULL),
                        .catalog = run->cat,
                        .profiles = run->profiles,
                        .n_profiles = 1,
                        .targets = (const char *const *)paths,
                        .n_targets = n,
                        .hostname = host};
    if (vg_report_begin(run->report, &rr, &err) != VG_OK) {
        cli_print_error(&err);
        return -1;
    }
    return 0;
}

/* The VM the logs belong to: its .vmx when there is one, else the logs alone. */
static vg_vm *vm_for(const vg_log_analysis *a, const char *path)
{
    vg_vm *vm = NULL;
    vg_error err;
    if (a->vmx && vg_vm_from_vmx_file(a->vmx, &vm, &err) == VG_OK) {
        if (vg_logs_lock_evidence(vm, &err) != VG_OK)
            cli_print_error(&err);
        return vm;
    }
    vm = vg_vm_new(VG_ORIGIN_FILE);
    if (vm && (vg_vm_set_str(&vm->path, path) || vg_vm_set_str(&vm->name, path))) {
        vg_vm_free(vm);
        vm = NULL;
    }
    return vm;
}

static int report_one(struct logs_run *run, const char *path, const vg_log_analysis *a)
{
    vg_error err;
    vg_vm *vm = vm_for(a, path);
    if (!vm || vg_logs_evidence_from_analysis(vm, a) != VG_OK) {
        vg_vm_free(vm);
        cli_error("%s: out of memory", path);
        return -1;
    }
    vg_vm_report *rep = NULL;
    int rc = vg_audit_vm(vm, run->profiles, 1, NULL, &rep, &err);
    if (rc == VG_OK) {
        vg_audit_summary_add(&run->sum, rep);
        rc = vg_report_vm(run->report, rep, &err);
    }
    if (rc != VG_OK)
        cli_print_error(&err);
    vg_vm_report_free(rep);
    vg_vm_free(vm);
    return rc;
}

/* ---- the run ---------------------------------------------------------------- */

static int is_own_format(const char *f)
{
    return !strcmp(f, "text") || !strcmp(f, "json") || !strcmp(f, "jsonl");
}

/* A JSON string body for a path: jansson's escapes plus vg_json_dumps'
 * (DEL, C1, bidi, separators as \u).  A name that is not UTF-8 cannot be a
 * JSON string as it is: it is written in vg_term_escape's visible form. */
static void put_json_string(FILE *o, const char *s)
{
    json_t *j = json_string(s);
    char *visible = NULL;
    if (!j && (visible = vg_term_escape_dup(s, strlen(s), 0)))
        j = json_string(visible);
    char *text = j ? vg_json_dumps(j, JSON_ENCODE_ANY) : NULL;
    size_t n = text ? strlen(text) : 0;
    if (n >= 2)
        fwrite(text + 1, 1, n - 2, o); /* without the quotes */
    free(text);
    free(visible);
    json_decref(j);
}

static int write_json(struct logs_run *run, const char *path, const vg_log_analysis *a, int *first)
{
    int lines = !strcmp(run->args->format, "jsonl");
    char *s = vg_log_analysis_json(a, lines ? 0 : 2);
    if (!s)
        return -1;
    if (lines) {
        fprintf(run->out, "{\"path\":\"");
        put_json_string(run->out, path);
        fprintf(run->out, "\",%s\n", s + 1); /* splice "path" into the object */
    } else {
        fprintf(run->out, "%s{\"path\": \"", *first ? "[\n" : ",\n");
        put_json_string(run->out, path);
        fprintf(run->out, "\", \"analysis\": %s}", s);
    }
    *first = 0;
    free(s);
    return 0;
}

static void one_path(struct logs_run *run, const char *path, int *first)
{
    vg_error err;
    vg_log_analysis *a = NULL;
    if (vg_logs_analyze_path(path, run->sigs, &run->args->opts, &a, &err) != VG_OK) {
        cli_print_error(&err);
        run->input_errors++;
        return;
    }
    for (size_t i = 0; i < a->n_findings; i++)
        run->findings += a->findings[i].severity >= run->fail_on;
    const char *f = run->args->format;
    if (!strcmp(f, "text"))
        write_text(run->out, path, a, run->fail_on);
    else if (is_own_format(f))
        write_json(run, path, a, first);
    else if (report_one(run, path, a) != 0)
        run->input_errors++;
    vg_log_analysis_free(a);
}

static int setup(struct logs_run *run, const struct logs_args *args)
{
    vg_error err;
    run->args = args;
    run->out = stdout;
    if (vg_severity_parse(args->fail_on ? args->fail_on : "low", &run->fail_on) != VG_OK) {
        cli_error("--fail-on: '%s' is not info, low, medium or high", args->fail_on);
        return EXIT_USAGE;
    }
    static const char *const formats[] = {"text", "json", "jsonl", "sarif", "html", NULL};
    size_t k = 0;
    while (formats[k] && strcmp(formats[k], args->format) != 0)
        k++;
    if (!formats[k]) {
        const char *guess = vg_closest_name(args->format, formats);
        cli_error("--format: unknown format '%s'%s%s%s", args->format,
                  guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
        return EXIT_USAGE;
    }
    if (vg_log_sigs_load_embedded(&run->sigs, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_INTERNAL;
    }
    if (args->output && strcmp(args->output, "-") != 0 && !(run->out = cli_output(args->output)))
        return EXIT_USAGE;
    return EXIT_OK;
}

static void teardown(struct logs_run *run)
{
    if (run->out && run->out != stdout)
        fclose(run->out);
    vg_report_free(run->report);
    free(run->prules);
    vg_catalog_free(run->cat);
    vg_log_sigs_free(run->sigs);
}

static int run_logs(int argc, char **argv)
{
    struct logs_args args = {.format = "text"};
    int p = parse_args(argc, argv, &args);
    if (p)
        return p > 0 ? cli_help(&cli_cmd_logs) : EXIT_USAGE;
    if (optind >= argc) {
        cli_error("logs: name at least one vmware.log or VM folder (see vmxguard logs --help)");
        return EXIT_USAGE;
    }
    struct logs_run run = {0};
    int rc = setup(&run, &args);
    if (rc == EXIT_OK && !is_own_format(args.format) &&
        start_report(&run, argv + optind, (size_t)(argc - optind)) != 0)
        rc = EXIT_USAGE;
    int first = 1;
    struct cli_progress *prog =
        cli_progress_start_output("reading logs", (size_t)(argc - optind), run.out);
    for (int i = optind; rc == EXIT_OK && i < argc; i++) {
        one_path(&run, argv[i], &first);
        cli_progress_tick(prog, 1);
    }
    cli_progress_done(prog);
    if (rc == EXIT_OK && !strcmp(args.format, "json"))
        fputs(first ? "[]\n" : "\n]\n", run.out);
    if (rc == EXIT_OK && run.report) {
        vg_error err;
        run.sum.errors = (size_t)run.input_errors;
        if (vg_report_end(run.report, &run.sum, &err) != VG_OK) {
            cli_print_error(&err);
            rc = EXIT_INTERNAL;
        }
    }
    if (rc == EXIT_OK && (ferror(run.out) || fflush(run.out) != 0)) {
        cli_error("%s: write failed", args.output ? args.output : "<stdout>");
        rc = EXIT_INTERNAL;
    }
    teardown(&run);
    if (rc != EXIT_OK)
        return rc;
    return run.input_errors ? EXIT_USAGE : run.findings ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cli_cmd_logs = {
    "logs",
    "find floods, rejected device commands, VMX failures and rotation problems in vmware.log",
    run_logs,
    "usage: vmxguard logs [options] PATH...\n"
    "\n"
    "Read vmware.log files, or VM folders (vmware.log plus the rotated vmware-N.log,\n"
    "oldest first), in constant memory, and report what they prove:\n"
    "  guest    backdoor / GuestRPC traffic from the guest (guest log lines, guestinfo\n"
    "           writes, tools state changes) with rate per minute\n"
    "  flood    minutes with more guest messages than --flood-rate\n"
    "  device   commands the virtual hardware rejected or does not implement,\n"
    "           by device and opcode\n"
    "  failure  VMX panics, failed checks, signals, core dumps, non-zero exits,\n"
    "           power-on failures\n"
    "  rotation logs above log.rotateSize x (log.keepOld + 1) of the .vmx beside them,\n"
    "           a log far above log.rotateSize, more rotated logs than log.keepOld,\n"
    "           or a large log without log.rotateSize\n"
    "Each finding has a count, first and last occurrence (timestamp, file:line) and\n"
    "the setting or action that addresses it; facts (product, version, build, host\n"
    "OS, hardware version, encodings) come from the log header and the logged\n"
    "configuration.  Signatures are data: catalog/logs/signatures.yaml.\n"
    "\n"
    "options:\n"
    "  -f, --format FORMAT  text (default), json, jsonl (one line per PATH), or sarif\n"
    "                       and html through the report writers (results of the\n"
    "                       evidence rules in catalog/rules/logs.yaml)\n"
    "  -o, --output FILE    write there instead of standard output\n"
    "      --flood-rate N   guest messages per minute that count as a flood\n"
    "                       (default 600, from the signature file)\n"
    "      --fail-on SEV    lowest severity that makes the exit code 1: info, low\n"
    "                       (default), medium, high; info findings are listed only\n"
    "  -q, --quiet          no warnings\n"
    "  -h, --help           this text\n"
    "\n"
    "exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage error or an\n"
    "unreadable input (the other inputs are still read), 3 internal error.\n"
    "\n"
    "examples:\n"
    "  vmxguard logs /vmfs/volumes/ds1/web01\n"
    "  vmxguard logs web01/vmware.log --flood-rate 120\n"
    "  vmxguard logs --format json -o logs.json vms/*/\n"
    "  vmxguard logs --format sarif --fail-on medium web01 > logs.sarif\n",
};
