/*
 * vmxguard: dispatch to a subcommand.  Everything real happens in the
 * library; this file only finds the command and prints top-level help.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_commands.h"

/* Ctrl-C: a running vSphere call stops, logs out and fails with
 * "interrupted"; with none running, SIGINT does what it did when the
 * process started (ignored in a background job of a script, else the
 * default).  The library installs no handler, so this one is the process's. */
static struct sigaction sigint_inherited;

static void on_sigint(int sig)
{
    if (vg_interrupt() || sigint_inherited.sa_handler == SIG_IGN)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &sigint_inherited);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: vmxguard [--version] [--help] COMMAND [ARGS]\n\n"
                 "Audit, report and fix VMware VM hardening settings.\n\ncommands:\n");
    for (size_t i = 0; cli_commands[i]; i++)
        fprintf(out, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fprintf(out, "\nRun 'vmxguard COMMAND --help' for a command's options and examples.\n"
                 "Exit codes: 0 ok, 1 findings or rules left unfixed, 2 usage or input error,\n"
                 "3 internal error.\n");
}

const struct cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++) {
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    }
    return NULL;
}

/* For shell completion: one id per line from the embedded catalog. */
static int list_ids(int rules)
{
    vg_catalog *cat = NULL;
    vg_error err;
    if (vg_catalog_load_embedded(&cat, &err) != VG_OK) {
        cli_print_error(&err);
        return EXIT_INTERNAL;
    }
    size_t n = rules ? vg_catalog_rule_count(cat) : vg_catalog_profile_count(cat);
    for (size_t i = 0; i < n; i++)
        puts(rules ? vg_catalog_rule_at(cat, i)->id : vg_catalog_profile_at(cat, i)->id);
    vg_catalog_free(cat);
    return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK;
    }
    const struct cli_command *cmd = cli_find_command(argv[1]);
    if (!cmd) {
        cli_error("unknown command '%s'", argv[1]);
        return EXIT_USAGE;
    }
    return cli_help(cmd);
}

int main(int argc, char **argv)
{
    /* Reports to a file or pipe go out in 64 KiB blocks (a terminal keeps
     * stdio's line buffering); writers flush per VM only on a terminal. */
    static char stdout_buf[1 << 16]; /* glibc ignores the size without a buffer */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    cli_set_color("auto");
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("vmxguard %s\n", vg_version());
        return EXIT_OK;
    }
    if (!strcmp(name, "--list-profiles") || !strcmp(name, "--list-rules"))
        return list_ids(!strcmp(name, "--list-rules"));
    if (!strcmp(name, "--list-commands")) {
        for (size_t i = 0; cli_commands[i]; i++)
            puts(cli_commands[i]->name);
        return EXIT_OK;
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return cmd_help(1, argv + 1);
    if (!strcmp(name, "help"))
        return cmd_help(argc - 1, argv + 1);
    const struct cli_command *cmd = cli_find_command(name);
    if (!cmd) {
        const char *names[64];
        size_t n = 0;
        for (size_t i = 0; cli_commands[i] && n < 63; i++)
            names[n++] = cli_commands[i]->name;
        names[n] = NULL;
        const char *guess = vg_closest_name(name, names);
        cli_error("unknown command '%s'", name);
        if (guess)
            fprintf(stderr, "hint: did you mean 'vmxguard %s'?\n", guess);
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return cli_help(cmd);
    }
    /* Site and user defaults (never passwords) apply before the command's
     * own options, which the commands read from cli_config_get(). */
    vg_error cerr;
    if (cli_config_load(&cerr) != VG_OK) {
        cli_print_error(&cerr);
        return EXIT_USAGE;
    }
    catch_sigint();
    int rc = cmd->run(argc - 1, argv + 1);
    cli_config_free();
    return rc;
}
