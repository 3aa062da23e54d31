/*
 * vmxguard fix: audit each VM, plan the edits that make the failing fixable
 * rules pass, then show them (--dry-run), ask, apply them atomically, or
 * emit them as a script for another tool (--emit).  The library does the
 * work; this file parses options, talks to the user and sums up.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"

#define MAX_LIST 64

/* Why a file or VM was skipped; the summary counts each. */
enum {
    SKIP_DECLINED,
    SKIP_RUNNING,
    SKIP_CHANGED,
    SKIP_LINKS,
    SKIP_OUTSIDE,
    SKIP_WRITE,
    SKIP_OTHER,
    SKIP_COUNT
};
static const char *const skip_text[SKIP_COUNT] = {
    [SKIP_DECLINED] = "declined",
    [SKIP_RUNNING] = "running (power off, or --force)",
    [SKIP_CHANGED] = "changed while being fixed (run again)",
    [SKIP_LINKS] = "hard-linked (--force)",
    [SKIP_OUTSIDE] = "real file outside the targets (through a symlink)",
    [SKIP_WRITE] = "could not be read or written",
    [SKIP_OTHER] = "other errors",
};

static int skip_reason(int code)
{
    switch (code) {
    case VG_ELOCKED:
        return SKIP_RUNNING;
    case VG_ECHANGED:
        return SKIP_CHANGED;
    case VG_EHARDLINK:
        return SKIP_LINKS;
    case VG_EOUTSIDE:
        return SKIP_OUTSIDE;
    case VG_EIO:
    case VG_EINPUT:
        return SKIP_WRITE;
    default:
        return SKIP_OTHER;
    }
}

struct fix_run {
    const char *profile_ids[MAX_LIST];
    size_t n_profile_ids;
    const char *profile_files[MAX_LIST];
    size_t n_profile_files;
    const char *rules[MAX_LIST];
    size_t n_rules;
    const char *excludes[MAX_LIST];
    size_t n_excludes;
    const char *emit, *output;
    vg_fix_emit_opts eo;
    const char *credentials, *cacert; /* vSphere targets */
    int insecure;
    int api; /* some target is a vCenter/ESXi: the summary counts VMs */
    int yes, all_yes, quit;
    vg_catalog *cat;
    const vg_profile *profiles[MAX_LIST];
    size_t n_profiles;
    vg_fix_opts fo;
    vg_fix_apply_opts ao;
    vg_fix_plan *plan;
    vg_fix_plan *batch; /* plans of one vSphere target, applied in one session */
    FILE *msg; /* where progress and the summary go (stderr when the script goes to stdout) */
    size_t vms, changed, keys_set, keys_removed, unchanged, skipped, unfixed, errors, stale;
    size_t why[SKIP_COUNT]; /* skipped, by reason, for the summary */
    size_t pending;         /* powered-on VMs changed with --force: pending a cold start */
};

static const char help_text[] =
    "usage: vmxguard fix TARGET... [options]\n"
    "\n"
    "Fix what the audit found in .vmx files: computes the smallest set of edits\n"
    "(set a key, remove a key) that makes every failing, automated rule of the\n"
    "profile pass, shows them as a unified diff and writes each file atomically\n"
    "(temp file, fsync, rename), keeping every other byte. Or writes the same\n"
    "change as a script for govc, PowerCLI, Ansible, Terraform or the ESXi shell.\n"
    "Settings apply only after a cold start (power off, then power on; a guest\n"
    "reboot is not enough). VMs that appear to run are refused without --force.\n"
    "\n"
    "TARGET is a .vmx file, a folder (searched recursively) or a vCenter/ESXi\n"
    "(vsphere://[user@]host or https://host/sdk: edits go out as one\n"
    "ReconfigVM_Task per VM and are read back; powered-on VMs need --force).\n"
    "A Packer template, .tf file or OVF is edited in place keeping every other\n"
    "byte; an OVA gets a fixed copy NAME.vmxguard.ova beside it (docs/templates.md).\n"
    "For such VMs the typed properties config.flags.enableLogging,\n"
    "config.migrateEncryption and config.ftEncryptionMode are fixed too; scripts\n"
    "(--emit) name them in their header but cannot set them.\n"
    "\n"
    "options:\n"
    "  -p, --profile ID       profile to fix against (repeatable; default disa-vsphere8-vm)\n"
    "      --profile-file F   add rules/profiles from a YAML file (repeatable); its\n"
    "                         profiles are used unless --profile says otherwise\n"
    "  -r, --rule ID          only this rule (catalog id or the baseline's id; repeatable)\n"
    "  -n, --dry-run          print the diff per file, change nothing\n"
    "      --backup           keep the previous file as FILE.vmxguard-YYYYmmddTHHMMSS\n"
    "  -y, --yes              apply without asking (needed when not on a terminal)\n"
    "      --force            also edit VMs that appear to run, and hard-linked files\n"
    "                         (the other links keep the old content)\n"
    "      --devices          also apply rules that need a human choice, e.g.\n"
    "                         serial0.present = \"FALSE\" (default: only listed)\n"
    "      --exclude GLOB     skip VMs whose name or path matches (repeatable)\n"
    "      --emit FORMAT      write a script instead of editing: govc, powercli,\n"
    "                         ansible, terraform, esxi-shell\n"
    "  -o, --output FILE      where --emit writes (default: standard output)\n"
    "      --ansible-collection NAME  with --emit ansible: community.vmware (default,\n"
    "                         vmware_guest) or vmware.vmware (vm_advanced_settings)\n"
    "      --color=WHEN       colour the diff: auto (default), always, never\n"
    "      --credentials FILE vSphere: user=/password= file (else VMXGUARD_USER and\n"
    "                         VMXGUARD_PASSWORD, else a prompt)\n"
    "      --cacert FILE      vSphere: trust this PEM bundle\n"
    "      --insecure         vSphere: do not check the server certificate\n"
    "  -q, --quiet            no line for files that need no change, no warnings\n"
    "  -h, --help             this text\n"
    "\n"
    "Without --yes on a terminal, each file's diff is shown and you are asked\n"
    "(y = yes, n = no, a = all remaining, q = quit).\n"
    "\n"
    "examples:\n"
    "  vmxguard fix --dry-run /vmfs/volumes/datastore1\n"
    "  vmxguard fix --yes --backup --profile disa-vsphere8-vm web01/web01.vmx\n"
    "  vmxguard fix --yes --rule isolation-tools-copy-disable --exclude 'vCLS-*' datastore1/\n"
    "  vmxguard fix --yes --devices --force lab/old-vm.vmx\n"
    "  vmxguard fix --emit govc -o harden.sh datastore1/\n"
    "  vmxguard fix --emit ansible --profile-file site.yaml --profile site-vm datastore1/\n"
    "  vmxguard fix --dry-run vsphere://admin@vcenter.example.org --credentials ~/.vg-cred\n"
    "\n"
    "exit codes: 0 all wanted changes made, 1 some rules stay unfixed (listed),\n"
    "2 usage error or a file could not be read or written (the others were done).\n";

enum {
    OPT_BACKUP = 256,
    OPT_FORCE,
    OPT_DEVICES,
    OPT_EXCLUDE,
    OPT_EMIT,
    OPT_COLOR,
    OPT_PFILE,
    OPT_CRED,
    OPT_CACERT,
    OPT_INSECURE,
    OPT_ANSIBLE_COLLECTION,
};

static const struct option long_opts[] = {
    {"profile", required_argument, NULL, 'p'},
    {"profile-file", required_argument, NULL, OPT_PFILE},
    {"rule", required_argument, NULL, 'r'},
    {"dry-run", no_argument, NULL, 'n'},
    {"backup", no_argument, NULL, OPT_BACKUP},
    {"yes", no_argument, NULL, 'y'},
    {"force", no_argument, NULL, OPT_FORCE},
    {"devices", no_argument, NULL, OPT_DEVICES},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"emit", required_argument, NULL, OPT_EMIT},
    {"ansible-collection", required_argument, NULL, OPT_ANSIBLE_COLLECTION},
    {"output", required_argument, NULL, 'o'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"credentials", required_argument, NULL, OPT_CRED},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

static int push(const char **list, size_t *n, const char *v, const char *what)
{
    if (*n == MAX_LIST) {
        cli_error("too many %s options (at most %d)", what, MAX_LIST);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

static int parse_opts(struct fix_run *run, int argc, char **argv)
{
    int c, rc = 0;
    /* Defaults from the config files; options win. */
    run->cacert = cli_config_get("cacert");
    optind = 1;
    while (!rc && (c = cli_getopt_long(argc, argv, "p:r:nyo:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            rc = push(run->profile_ids, &run->n_profile_ids, optarg, "--profile");
            break;
        case OPT_PFILE:
            rc = push(run->profile_files, &run->n_profile_files, optarg, "--profile-file");
            break;
        case 'r':
            rc = push(run->rules, &run->n_rules, optarg, "--rule");
            break;
        case OPT_EXCLUDE:
            rc = push(run->excludes, &run->n_excludes, optarg, "--exclude");
            break;
        case 'n':
            run->ao.dry_run = 1;
            break;
        case OPT_BACKUP:
            run->ao.backup = 1;
            break;
        case 'y':
            run->yes = 1;
            break;
        case OPT_FORCE:
            run->ao.force = 1;
            break;
        case OPT_DEVICES:
            run->fo.devices = 1;
            break;
        case OPT_EMIT:
            run->emit = optarg;
            break;
        case OPT_ANSIBLE_COLLECTION:
            run->eo.ansible_collection = optarg;
            break;
        case 'o':
            run->output = optarg;
            break;
        case OPT_CRED:
            run->credentials = optarg;
            break;
        case OPT_CACERT:
            run->cacert = optarg;
            break;
        case OPT_INSECURE:
            run->insecure = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case OPT_COLOR:
            if (cli_set_color(optarg) != 0) {
                cli_error("--color: expected auto, always or never, not '%s'", optarg);
                rc = -1;
            }
            break;
        default:
            rc = -1;
            break;
        }
    }
    const char *v = cli_config_get("profile");
    if (!rc && v && !run->n_profile_ids && !run->n_profile_files)
        rc = push(run->profile_ids, &run->n_profile_ids, v, "--profile");
    return rc;
}

static int check_usage(struct fix_run *run, int n_targets)
{
    if (n_targets < 1) {
        cli_error("fix: no TARGET given (a .vmx file or a folder)");
        return -1;
    }
    if (run->output && !run->emit) {
        cli_error("fix: -o/--output goes with --emit FORMAT");
        return -1;
    }
    /* govc scripts remove and disconnect devices through the API */
    run->fo.api_devices = run->emit && !strcmp(run->emit, "govc");
    if (run->eo.ansible_collection && !(run->emit && !strcmp(run->emit, "ansible"))) {
        cli_error("fix: --ansible-collection goes with --emit ansible");
        return -1;
    }
    if (run->eo.ansible_collection) {
        const char *const *names = vg_fix_emit_ansible_collections();
        size_t i = 0;
        while (names[i] && strcmp(names[i], run->eo.ansible_collection))
            i++;
        if (!names[i]) {
            const char *guess = vg_closest_name(run->eo.ansible_collection, names);
            cli_error("fix: unknown --ansible-collection '%s' (community.vmware, "
                      "vmware.vmware)%s%s",
                      run->eo.ansible_collection, guess ? "; did you mean " : "",
                      guess ? guess : "");
            return -1;
        }
    }
    if (run->emit) {
        const char *const *names = vg_fix_emit_formats();
        for (size_t i = 0; names[i]; i++) {
            if (!strcmp(names[i], run->emit))
                return 0;
        }
        const char *guess = vg_closest_name(run->emit, names);
        cli_error("fix: unknown --emit format '%s' (govc, powercli, ansible, terraform, "
                  "esxi-shell)%s%s",
                  run->emit, guess ? "; did you mean " : "", guess ? guess : "");
        return -1;
    }
    if (!run->yes && !run->ao.dry_run && !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
        cli_error("fix: refusing to change files without --yes when not on a terminal");
        fprintf(stderr, "hint: preview with 'vmxguard fix --dry-run ...', then add --yes\n");
        return -1;
    }
    return 0;
}

static int load_profiles(struct fix_run *run)
{
    int rc;
    run->cat = cli_open_catalog(run->profile_files, run->n_profile_files, &rc);
    return run->cat ? cli_pick_profiles(run->cat, run->profile_ids, run->n_profile_ids,
                                        run->profiles, MAX_LIST, &run->n_profiles, "fix")
                    : -1;
}

/* Typed ConfigSpec properties (vg_fix_typed_props): no script can carry
 * them as extraConfig keys, so --emit lists them. */
static void list_unscripted(struct fix_run *run, const vg_fix_vm *fv)
{
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (vg_fix_typed_prop_find(e->key)) {
            for (size_t j = 0; j < e->n_rule_ids; j++)
                fprintf(run->msg,
                        "  not in the script: %s (%s = %s; typed vSphere property, "
                        "set by 'vmxguard fix vsphere://...')\n",
                        e->rule_ids[j], e->key, e->value);
            run->unfixed += e->n_rule_ids;
        }
    }
}

static void list_unfixed(struct fix_run *run, const vg_fix_vm *fv)
{
    for (size_t i = 0; i < fv->n_unfixed; i++) {
        const vg_fix_unfixed *u = &fv->unfixed[i];
        fprintf(run->msg, "  not fixed: %s (%s): %s%s\n", u->rule_id,
                vg_fix_reason_name(u->reason), cli_term(u->message),
                u->with_devices ? "; use --devices to apply" : "");
    }
    run->unfixed += fv->n_unfixed;
}

/* "apply to NAME? [y,n,a,q]" until one of those: 1 = apply (a: this and
 * every later one), 0 = not; q or the end of input also stops the run. */
static int ask_apply(struct fix_run *run, const char *name)
{
    for (;;) {
        printf("apply to %s? [y,n,a,q] ", cli_term(name)); /* a name must not redraw it */
        fflush(stdout);
        char line[32];
        if (!fgets(line, sizeof line, stdin) || line[0] == 'q') {
            run->quit = 1;
            return 0;
        }
        if (line[0] == 'y' || line[0] == 'a') {
            run->all_yes = line[0] == 'a';
            return 1;
        }
        if (line[0] == 'n')
            return 0;
    }
}

/* On a terminal without --yes: show the diff, ask.  1 = apply. */
static int ask(struct fix_run *run, const vg_fix_vm *fv)
{
    if (run->yes || run->all_yes)
        return 1;
    vg_fix_apply_opts preview = run->ao;
    preview.dry_run = 1;
    vg_fix_outcome out;
    vg_error err;
    vg_error_clear(&err);
    if (vg_fix_apply_vmx(fv, NULL, &preview, &out, &err) != 0) {
        vg_fix_outcome_release(&out);
        return 1; /* the real apply reports the error */
    }
    fputs(out.diff, stdout);
    vg_fix_outcome_release(&out);
    return ask_apply(run, fv->path);
}

/* Rules an edit list would have fixed (for the count of rules left unfixed). */
static size_t rules_in(const vg_fix_vm *fv)
{
    size_t n = 0;
    for (size_t i = 0; i < fv->n_edits; i++)
        n += fv->edits[i].n_rule_ids;
    return n;
}

static void report_outcome(struct fix_run *run, const vg_fix_vm *fv, const vg_fix_outcome *o)
{
    run->stale += o->stale_removed;
    if (o->note)
        cli_warn("%s", o->note);
    if (!o->changed) {
        run->unchanged++;
        if (!cli_quiet)
            fprintf(run->msg, "%s: nothing to change\n", cli_term(fv->path));
        return;
    }
    if (run->ao.dry_run) {
        fputs(o->diff, stdout);
        fprintf(run->msg, "%s: would set %zu, remove %zu key(s)\n", cli_term(fv->path), o->keys_set,
                o->keys_removed);
    } else {
        fprintf(run->msg, "%s: set %zu, removed %zu key(s)%s%s\n", cli_term(fv->path), o->keys_set,
                o->keys_removed, o->backup_path[0] ? "; backup " : "", o->backup_path);
    }
    run->changed++;
    run->keys_set += o->keys_set;
    run->keys_removed += o->keys_removed;
}

static void apply_one(struct fix_run *run, const vg_fix_vm *fv, vg_vm *vm)
{
    if (!fv->n_edits) {
        vg_error ignored;
        if (!run->ao.dry_run && fv->path && vg_fix_clean_stale(fv->path, &ignored) > 0)
            run->stale++;
        if (!cli_quiet)
            fprintf(run->msg, "%s: nothing to change\n", cli_term(fv->path));
        run->unchanged++;
        return;
    }
    if (!run->ao.dry_run && !ask(run, fv)) {
        fprintf(run->msg, "%s: skipped (declined)\n", cli_term(fv->path));
        run->skipped++;
        run->why[SKIP_DECLINED]++;
        run->unfixed += rules_in(fv);
        return;
    }
    vg_fix_outcome out;
    vg_error err;
    vg_error_clear(&err);
    if (vg_fix_apply_vmx(fv, vm->settings, &run->ao, &out, &err) != 0) {
        fflush(stdout);
        cli_print_error(&err);
        if (err.code == VG_ELOCKED || err.code == VG_EHARDLINK)
            fprintf(stderr, "hint: --force edits it anyway\n");
        fprintf(run->msg, "%s: skipped, file left as it was\n", cli_term(fv->path));
        run->skipped++;
        run->why[skip_reason(err.code)]++;
        run->errors += err.code != VG_ELOCKED;
        run->unfixed += err.code == VG_ELOCKED ? rules_in(fv) : 0;
    } else {
        report_outcome(run, fv, &out);
    }
    vg_fix_outcome_release(&out);
}

/* Audit vm with the run's profiles and plan its edits; NULL after saying why. */
static vg_fix_vm *plan_one(struct fix_run *run, const vg_vm *vm)
{
    vg_vm_report *rep = NULL;
    vg_fix_vm *fv = NULL;
    vg_error err;
    vg_error_clear(&err);
    run->vms++;
    if (vg_audit_vm(vm, run->profiles, run->n_profiles, NULL, &rep, &err) != 0 ||
        vg_fix_plan_vm(rep, &run->fo, &fv, &err) != 0) {
        cli_print_error(&err);
        run->errors++;
        fv = NULL;
    }
    vg_vm_report_free(rep);
    return fv;
}

static int on_vm(vg_vm *vm, void *ctx)
{
    struct fix_run *run = ctx;
    vg_error err;
    vg_error_clear(&err);
    vg_fix_vm *fv = plan_one(run, vm);
    if (fv && (run->emit || vm->origin == VG_ORIGIN_VSPHERE)) {
        /* scripts need every VM; a vSphere target is applied in one session */
        if (!run->emit && fv->n_unfixed)
            fprintf(run->msg, "%s:\n", cli_term(fv->name));
        list_unfixed(run, fv);
        if (run->emit)
            list_unscripted(run, fv);
        if (vg_fix_plan_add(run->emit ? run->plan : run->batch, fv, &err) != 0) {
            cli_print_error(&err);
            run->errors++;
        }
        fv = NULL;
    } else if (fv) {
        if (fv->n_unfixed)
            fprintf(run->msg, "%s:\n", cli_term(fv->path));
        list_unfixed(run, fv);
        apply_one(run, fv, vm);
    }
    vg_fix_vm_free(fv);
    vg_vm_free(vm);
    return run->quit;
}

static void on_problem(const vg_error *problem, void *ctx)
{
    struct fix_run *run = ctx;
    cli_print_error(problem);
    run->errors++;
}

static int write_script(struct fix_run *run)
{
    char *text = NULL;
    size_t len = 0;
    vg_error err;
    vg_error_clear(&err);
    if (vg_fix_emit_with(run->plan, run->emit, &run->eo, &text, &len, &err) != 0) {
        cli_print_error(&err);
        return -1;
    }
    FILE *f = run->output ? cli_open_output(run->output) : stdout;
    int rc = f && fwrite(text, 1, len, f) == len ? 0 : -1;
    if (f && f != stdout && fclose(f) != 0)
        rc = -1;
    if (rc)
        cli_error("%s: cannot write the script", run->output ? run->output : "<stdout>");
    else if (run->output)
        fprintf(run->msg, "wrote %s script to %s\n", run->emit, run->output);
    free(text);
    return rc;
}

static void summary(const struct fix_run *run)
{
    if (run->emit) {
        fprintf(run->msg,
                "summary: %zu VM(s) planned, %zu rule(s) not fixable by script, "
                "%zu error(s)\n",
                run->vms, run->unfixed, run->errors);
        return;
    }
    fprintf(run->msg,
            "summary: %zu %s %s, %zu key(s) %s, %zu %s, %zu unchanged, "
            "%zu skipped, %zu rule(s) left unfixed, %zu error(s)",
            run->changed, run->api ? "VM(s)" : "file(s)",
            run->ao.dry_run ? "would change" : "changed", run->keys_set,
            run->ao.dry_run ? "to set" : "set", run->keys_removed,
            run->ao.dry_run ? "to remove" : "removed", run->unchanged, run->skipped, run->unfixed,
            run->errors);
    if (run->stale)
        fprintf(run->msg, ", %zu stale temp file(s) of an interrupted run removed", run->stale);
    fputc('\n', run->msg);
    if (run->pending)
        fprintf(run->msg, "  %s: %zu VM(s) applied, pending cold start (powered on: the new "
                          "settings take effect at the next power off and on)\n",
                run->ao.dry_run ? "would be" : "done", run->pending);
    for (int i = 0; i < SKIP_COUNT; i++) {
        if (run->why[i])
            fprintf(run->msg, "  skipped: %zu %s\n", run->why[i], skip_text[i]);
    }
    if (!run->changed && !run->skipped && !run->errors && !run->ao.dry_run)
        fprintf(run->msg, "nothing to change\n");
}

static char *profile_list(const struct fix_run *run)
{
    size_t n = 1, off = 0;
    for (size_t i = 0; i < run->n_profiles; i++)
        n += strlen(run->profiles[i]->id) + 2;
    char *s = calloc(1, n);
    for (size_t i = 0; s && i < run->n_profiles; i++)
        off += (size_t)snprintf(s + off, n - off, "%s%s", i ? ", " : "", run->profiles[i]->id);
    return s;
}

static int is_vsphere_target(const char *t)
{
    return strncmp(t, "vsphere://", 10) == 0 || strncmp(t, "https://", 8) == 0 ||
           strncmp(t, "http://", 7) == 0;
}

static void print_edits(const struct fix_run *run, const vg_fix_vm *fv, const char *verb)
{
    for (size_t i = 0; i < fv->n_edits; i++) {
        const vg_fix_edit *e = &fv->edits[i];
        if (e->op == VG_FIX_SET)
            fprintf(run->msg, "  %s set %s = \"%s\" (was %s)\n", verb, cli_term(e->key),
                    cli_term(e->value), e->old_value ? cli_term(e->old_value) : "absent");
        else
            fprintf(run->msg, "  %s remove %s\n", verb, e->key);
    }
}

/* May this API VM be changed now?  Powered-on VMs need --force: the
 * settings apply only after a cold start anyway. */
static int vsphere_wanted(struct fix_run *run, const vg_fix_vm *fv)
{
    if (!fv->n_edits) {
        if (!cli_quiet)
            fprintf(run->msg, "%s: nothing to change\n", cli_term(fv->name));
        run->unchanged++;
        return 0;
    }
    if (run->ao.dry_run && fv->power == VG_POWER_ON && !run->ao.force) {
        fprintf(run->msg,
                "%s (%s): powered on: would be skipped (%zu setting(s) to change; they apply "
                "only after a cold start: power it off first, or use --force)\n",
                fv->name, fv->moref ? fv->moref : "?", fv->n_edits);
        print_edits(run, fv, "would");
        run->skipped++;
        run->why[SKIP_RUNNING]++;
        run->unfixed += rules_in(fv);
        return 0;
    }
    if (run->ao.dry_run) {
        int on = fv->power == VG_POWER_ON;
        fprintf(run->msg, "%s (%s): would change %zu setting(s)%s\n", cli_term(fv->name),
                fv->moref ? fv->moref : "?", fv->n_edits,
                on ? ", applied, pending cold start (powered on, --force)" : "");
        run->pending += on;
        print_edits(run, fv, "would");
        run->changed++;
        for (size_t i = 0; i < fv->n_edits; i++) {
            run->keys_set += fv->edits[i].op == VG_FIX_SET;
            run->keys_removed += fv->edits[i].op == VG_FIX_REMOVE;
        }
        return 0;
    }
    if (fv->power == VG_POWER_ON && !run->ao.force) {
        cli_error("%s: powered on; its settings apply only after a cold start (power off, "
                  "then power on; a guest reboot is not enough); power it off first, or use "
                  "--force",
                  fv->name);
        run->skipped++;
        run->why[SKIP_RUNNING]++;
        run->unfixed += rules_in(fv);
        return 0;
    }
    if (!run->yes && !run->all_yes) {
        print_edits(run, fv, "will");
        printf("apply to %s? [y,n,a,q] ", fv->name);
        fflush(stdout);
        char line[32] = "";
        if (!fgets(line, sizeof line, stdin) || line[0] == 'q')
            run->quit = 1;
        run->all_yes = line[0] == 'a';
        if (run->quit || (line[0] != 'y' && line[0] != 'a')) {
            run->skipped++;
            run->why[SKIP_DECLINED]++;
            run->unfixed += rules_in(fv);
            return 0;
        }
    }
    return 1;
}

static void vsphere_result(struct fix_run *run, const vg_fix_vm *fv, vg_fix_vsphere_outcome *o)
{
    if (o->status != 0) {
        cli_error("%s (%s): %s", fv->name, fv->moref, o->message);
        run->errors++;
        run->skipped++;
        run->why[SKIP_WRITE]++;
    } else {
        fprintf(run->msg, "%s (%s): set %zu, removed %zu key(s); verified by reading it back%s\n",
                cli_term(fv->name), fv->moref, o->keys_set, o->keys_removed,
                o->pending_cold_start ? "; applied, pending cold start (power off, then on)" : "");
        run->pending += o->pending_cold_start;
        run->changed++;
        run->keys_set += o->keys_set;
        run->keys_removed += o->keys_removed;
    }
    vg_vm_free(o->after);
}

/* One reconfig session for every VM of the target that is to change. */
static void vsphere_apply(struct fix_run *run, const char *url, const vg_vsphere_opts *vo)
{
    vg_fix_plan *b = run->batch;
    const vg_fix_vm **send = calloc(b->n_vms + 1, sizeof *send);
    vg_fix_vsphere_outcome *out = calloc(b->n_vms + 1, sizeof *out);
    size_t n = 0;
    if (!send || !out) {
        cli_error("out of memory");
        run->errors++;
        goto done;
    }
    for (size_t i = 0; i < b->n_vms && !run->quit; i++) {
        if (vsphere_wanted(run, b->vms[i]) && b->vms[i]->moref)
            send[n++] = b->vms[i];
    }
    vg_error err;
    vg_error_clear(&err);
    if (n && vg_fix_apply_vsphere(url, vo, send, n, &run->ao, out, &err) != 0) {
        cli_print_error(&err);
        run->errors++;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        vsphere_result(run, send[i], &out[i]);
done:
    free(send);
    free(out);
}

static void fix_vsphere(struct fix_run *run, const char *url)
{
    vg_vsphere_target t;
    vg_error err;
    vg_error_clear(&err);
    char *user = NULL, *password = NULL;
    struct cli_govc govc; /* govc's environment, below vmxguard's own settings */
    if (cli_govc_load(&govc, 0) != 0) {
        run->errors++;
        return;
    }
    const char *cacert = run->cacert;
    int insecure = run->insecure;
    if (!cacert && !insecure) {
        cacert = govc.cacert;
        insecure = govc.insecure;
    }
    if (cli_vsphere_url(url, &t, &err) != 0 ||
        cli_vsphere_credentials(t.user, run->credentials, &user, &password, &err) != 0) {
        cli_print_error(&err);
        run->errors++;
        cli_govc_release(&govc);
        return;
    }
    if (insecure)
        cli_warn("%s: %s: the server's certificate is not checked", t.server,
                 run->insecure ? "--insecure" : "GOVC_INSECURE");
    vg_vsphere_opts vo = {.user = user,
                          .password = password,
                          .cacert = cacert,
                          .insecure = insecure,
                          .exclude = run->excludes,
                          .n_exclude = run->n_excludes,
                          .sessions = cli_vsphere_sessions(0)};
    run->batch = vg_fix_plan_new("");
    if (!run->batch || vg_vsphere_fetch(url, &vo, on_vm, run, &err) != 0) {
        cli_print_error(&err);
        run->errors++;
    } else if (!run->emit) {
        vsphere_apply(run, url, &vo);
    }
    vg_fix_plan_free(run->batch);
    run->batch = NULL;
    vg_vsphere_credentials_free(user, password);
    cli_govc_release(&govc);
}

/* A symlink out of every target: never followed by fix. */
static void on_note(const vg_error *note, void *ctx)
{
    (void)ctx;
    cli_warn("%s: %s", note->file, note->msg);
}

#ifdef VMXGUARD_TEMPLATE_H
/* Templates (Packer, Terraform, OVF/OVA): every VM of one file is planned
 * first, then the file gets one edit (an OVA: a new archive beside it). */
struct tmpl_fix {
    struct fix_run *run;
    vg_fix_plan *plan;
};

static int template_vm(vg_vm *vm, void *ctx)
{
    struct tmpl_fix *tf = ctx;
    struct fix_run *run = tf->run;
    vg_error err;
    vg_error_clear(&err);
    vg_fix_vm *fv = plan_one(run, vm);
    if (fv) {
        if (fv->n_unfixed)
            fprintf(run->msg, "%s (%s):\n", fv->path, fv->name);
        list_unfixed(run, fv);
        if (vg_fix_plan_add(tf->plan, fv, &err) != 0) {
            cli_print_error(&err);
            run->errors++;
        }
        fv = NULL;
    }
    vg_fix_vm_free(fv);
    vg_vm_free(vm);
    return run->quit;
}

static size_t template_edits(const vg_fix_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_vms; i++)
        n += p->vms[i]->n_edits;
    return n;
}

/* Without --yes on a terminal: show the diff and ask, as for a .vmx. */
static int ask_template(struct fix_run *run, const char *path, const vg_fix_plan *p)
{
    if (run->yes || run->all_yes)
        return 1;
    vg_fix_apply_opts preview = run->ao;
    preview.dry_run = 1;
    vg_fix_outcome out;
    vg_error err;
    vg_error_clear(&err);
    if (vg_fix_apply_template(path, p->vms, p->n_vms, &preview, &out, &err) != 0) {
        vg_fix_outcome_release(&out);
        return 1; /* the real apply reports the error */
    }
    fputs(out.diff, stdout);
    vg_fix_outcome_release(&out);
    return ask_apply(run, path);
}

static void fix_template(struct fix_run *run, const char *path)
{
    if (run->emit) {
        cli_error("%s: a template is fixed in the file itself; --emit writes scripts for VMs",
                  path);
        run->errors++;
        return;
    }
    struct tmpl_fix tf = {run, vg_fix_plan_new("")};
    vg_error err;
    vg_error_clear(&err);
    if (!tf.plan) {
        cli_error("out of memory");
        run->errors++;
        return;
    }
    if (vg_template_read(path, VG_TEMPLATE_NONE, template_vm, &tf, &err) != VG_OK) {
        cli_print_error(&err);
        run->errors++;
    } else if (!template_edits(tf.plan)) {
        if (!cli_quiet)
            fprintf(run->msg, "%s: nothing to change\n", path);
        run->unchanged++;
    } else if (!run->ao.dry_run && !ask_template(run, path, tf.plan)) {
        fprintf(run->msg, "%s: skipped (declined)\n", path);
        run->skipped++;
        run->why[SKIP_DECLINED]++;
    } else {
        vg_fix_outcome out;
        vg_error_clear(&err);
        if (vg_fix_apply_template(path, tf.plan->vms, tf.plan->n_vms, &run->ao, &out, &err) !=
            0) {
            fflush(stdout);
            cli_print_error(&err);
            fprintf(run->msg, "%s: skipped, file left as it was\n", path);
            run->skipped++;
            run->why[skip_reason(err.code)]++;
            run->errors++;
        } else {
            struct vg_fix_vm one = {.path = (char *)path};
            report_outcome(run, &one, &out);
        }
        vg_fix_outcome_release(&out);
    }
    vg_fix_plan_free(tf.plan);
}

static int is_template_target(const char *t)
{
    return vg_template_detect(t) != VG_TEMPLATE_NONE;
}
#else
static void fix_template(struct fix_run *run, const char *path)
{
    (void)run;
    (void)path;
}

static int is_template_target(const char *t)
{
    (void)t;
    return 0;
}
#endif

static int walk(struct fix_run *run, char **targets, size_t n)
{
    const char *files[MAX_LIST];
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_vsphere_target(targets[i])) {
            run->api = 1;
            continue;
        }
        if (is_template_target(targets[i]))
            continue;
        if (push(files, &nf, targets[i], "TARGET") != 0)
            return -1;
    }
    if (nf) {
        /* a .vmx reached through a symlink is written only where it lies in a target */
        run->ao.targets = files;
        run->ao.n_targets = nf;
        vg_source_opts so = {0};
        so.on_note = on_note;
        so.exclude = run->excludes;
        so.n_exclude = run->n_excludes;
        so.on_problem = on_problem;
        so.problem_ctx = run;
        vg_error err;
        vg_error_clear(&err);
        if (vg_source_files(files, nf, &so, on_vm, run, &err) != 0) {
            cli_print_error(&err);
            run->errors++;
        }
        run->ao.targets = NULL;
        run->ao.n_targets = 0;
    }
    for (size_t i = 0; i < n && !run->quit; i++) {
        if (!is_vsphere_target(targets[i]) && is_template_target(targets[i]))
            fix_template(run, targets[i]);
    }
    for (size_t i = 0; i < n && !run->quit; i++) {
        if (is_vsphere_target(targets[i]))
            fix_vsphere(run, targets[i]);
    }
    return 0;
}

static int run_fix(struct fix_run *run, int argc, char **argv)
{
    if (parse_opts(run, argc, argv) != 0 || check_usage(run, argc - optind) != 0)
        return EXIT_USAGE;
    if (load_profiles(run) != 0)
        return EXIT_USAGE;
    run->msg = (run->emit && !run->output) ? stderr : stdout;
    run->ao.color = cli_color > 0;
    run->fo.rule_ids = run->rules;
    run->fo.n_rule_ids = run->n_rules;
    if (run->emit) {
        char *names = profile_list(run);
        run->plan = names ? vg_fix_plan_new(names) : NULL;
        free(names);
        if (!run->plan)
            return EXIT_INTERNAL;
    }
    if (walk(run, argv + optind, (size_t)(argc - optind)) != 0)
        return EXIT_USAGE;
    if (run->emit && write_script(run) != 0)
        run->errors++;
    summary(run);
    return run->errors ? EXIT_USAGE : run->unfixed ? EXIT_FINDINGS : EXIT_OK;
}

static int cmd_fix(int argc, char **argv)
{
    if (cli_color < 0)
        cli_set_color("auto");
    struct fix_run run = {0};
    int rc = run_fix(&run, argc, argv);
    vg_fix_plan_free(run.plan);
    vg_catalog_free(run.cat);
    return rc;
}

const struct cli_command cli_cmd_fix = {
    "fix",
    "apply or emit the edits that make failing rules pass",
    cmd_fix,
    help_text,
};
