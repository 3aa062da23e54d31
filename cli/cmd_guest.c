/*
 * vmxguard guest: run inside a Linux guest, probe what the guest itself can
 * see of the hypervisor (backdoor, GuestRPC, device nodes, VMware Tools,
 * SELinux/AppArmor, drivers) and report the findings with the same writers
 * as audit.  Exit: 0 nothing failed, 1 findings, 2 usage error or a probe
 * could not read its facts, 3 internal error.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern const struct cli_command cli_cmd_guest;

struct guest_args {
    const char *format;
    const char *output;
    const char *root;
    const char *user;
    int no_backdoor;
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
    {"root", required_argument, NULL, 'r'},   {"user", required_argument, NULL, 'u'},
    {"no-backdoor", no_argument, NULL, 'n'},  {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

/* 0 ok, 1 help asked, -1 usage error. */
static int parse_args(int argc, char **argv, struct guest_args *a)
{
    int c;
    optind = 1;
    while ((c = cli_getopt_long(argc, argv, "f:o:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'r':
            a->root = optarg;
            break;
        case 'u':
            a->user = optarg;
            break;
        case 'n':
            a->no_backdoor = 1;
            break;
        case 'v':
            cli_verbose = 1;
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
    }
    if (optind < argc) {
        cli_error("guest: unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return 0;
}

static int write_report(const struct guest_args *a, const vg_catalog *cat, const vg_profile *prof,
                        const vg_vm_report *rep, FILE *out)
{
    vg_report_opts ro = {.out = out,
                         .color = out == stdout && cli_color > 0,
                         .verbose = cli_verbose,
                         .flush_each_vm = isatty(fileno(out))};
    vg_report *r = NULL;
    vg_error err;
    if (vg_report_new(a->format ? a->format : "text", &ro, &r, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    /* NULL-terminated as well: the html writer walks targets to NULL. */
    const char *targets[2] = {a->root ? a->root : "/", NULL};
    const vg_profile *profs[1] = {prof};
    vg_report_run run = {.tool_version = vg_version(),
                         .started = time(NULL),
                         .catalog = cat,
                         .profiles = profs,
                         .n_profiles = 1,
                         .targets = targets,
                         .n_targets = 1,
                         .hostname = host};
    vg_audit_summary sum;
    memset(&sum, 0, sizeof sum);
    vg_audit_summary_add(&sum, rep);
    int rc = vg_report_begin(r, &run, &err) != VG_OK || vg_report_vm(r, rep, &err) != VG_OK ||
             vg_report_end(r, &sum, &err) != VG_OK;
    if (rc)
        cli_print_error(&err);
    vg_report_free(r);
    return rc ? EXIT_INTERNAL : EXIT_OK;
}

/* Probe, evaluate with the guest profile, write. */
static int guest_run(const struct guest_args *a, vg_catalog *cat, FILE *out)
{
    vg_error err;
    const vg_profile *prof = vg_catalog_profile(cat, vg_guest_profile_id());
    if (!prof) {
        cli_error("profile '%s' is not in the catalog", vg_guest_profile_id());
        return EXIT_INTERNAL;
    }
    vg_guest_opts go = {
        .root = a->root, .no_backdoor = a->no_backdoor, .unpriv_user = a->user, .profile = prof};
    vg_vm *vm = NULL;
    if (vg_guest_probe(&go, &vm, &err) != VG_OK) {
        cli_print_error(&err);
        return err.code == VG_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
    }
    vg_audit_opts ao = {0};
    vg_vm_report *rep = NULL;
    int rc = EXIT_INTERNAL;
    if (vg_audit_vm(vm, &prof, 1, &ao, &rep, &err) != VG_OK)
        cli_print_error(&err);
    else
        rc = write_report(a, cat, prof, rep, out);
    if (rc == EXIT_OK)
        rc = rep->counts[VG_ERROR] ? EXIT_USAGE : rep->counts[VG_FAIL] ? EXIT_FINDINGS : EXIT_OK;
    vg_vm_report_free(rep);
    vg_vm_free(vm);
    return rc;
}

static int run_guest(int argc, char **argv)
{
    struct guest_args a;
    memset(&a, 0, sizeof a);
    int pr = parse_args(argc, argv, &a);
    if ((pr = cli_parsed(pr, &cli_cmd_guest, "guest [options]")) >= 0)
        return pr;
    int rc;
    vg_catalog *cat = cli_open_catalog(NULL, 0, &rc);
    if (!cat)
        return rc;
    FILE *out = cli_output(a.output);
    if (!out) {
        vg_catalog_free(cat);
        return EXIT_USAGE;
    }
    rc = guest_run(&a, cat, out);
    if (out != stdout && fclose(out) != 0 && rc != EXIT_INTERNAL) {
        cli_error("%s: write failed", a.output);
        rc = EXIT_INTERNAL;
    }
    vg_catalog_free(cat);
    return rc;
}

const struct cli_command cli_cmd_guest = {
    "guest",
    "inside a Linux guest: check who can reach the hypervisor, Tools, MAC, drivers",
    run_guest,
    "usage: vmxguard guest [options]\n"
    "\n"
    "Run inside a Linux VM.  Checks what the guest itself exposes of the hypervisor:\n"
    "  - platform: CPUID hypervisor bit and vendor, DMI strings (supporting evidence\n"
    "    only), one guarded backdoor GETVERSION (never VMCALL/VMMCALL unless CPUID\n"
    "    advertises it);\n"
    "  - who reaches the hypervisor: a child dropped to an unprivileged account, with\n"
    "    no port permission, tries GETVERSION and one read-only GuestRPC request\n"
    "    (info-get of an unset key); /dev/vsock and vmwgfx render node permissions;\n"
    "  - VMware Tools programs usable by non-administrators, tools.conf settings;\n"
    "  - SELinux/AppArmor enforcing and confining vmtoolsd;\n"
    "  - VMware drivers in-tree and signed, kernel taint.\n"
    "Run as root for the full picture (the port-permission test needs root).\n"
    "Rules: profile guest-linux; 'vmxguard explain RULE' describes each.\n"
    "\n"
    "options:\n"
    "  -f, --format F     text (default), json, jsonl, csv, junit, sarif, xccdf, ckl,\n"
    "                     cklb, html (as audit)\n"
    "  -o, --output FILE  write the report to FILE instead of standard output\n"
    "      --root DIR     read /proc, /sys, /etc, /dev and /usr under DIR (a mounted\n"
    "                     guest image or a test tree); the backdoor tests still run\n"
    "                     on this machine unless --no-backdoor\n"
    "      --no-backdoor  never touch the backdoor port or a hypercall\n"
    "      --user NAME    unprivileged account for the reachability test\n"
    "                     (default nobody; looked up in DIR/etc/passwd)\n"
    "  -v, --verbose      also list passing rules\n"
    "\n"
    "exit codes: 0 nothing failed, 1 findings, 2 usage error or a probe could not\n"
    "read its facts, 3 internal error.\n"
    "\n"
    "examples:\n"
    "  sudo vmxguard guest\n"
    "  sudo vmxguard guest --format json -o guest.json\n"
    "  vmxguard guest --no-backdoor --format sarif\n"
    "  vmxguard guest --root /mnt/guest-image --no-backdoor -v\n"
    "  sudo vmxguard guest --user daemon --format junit -o guest-junit.xml\n",
};
