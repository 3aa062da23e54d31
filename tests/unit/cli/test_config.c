/*
 * Config files: later file wins key by key, comments and quotes, and every
 * bad line (password-like key, unknown key, bad value, binary) is an error
 * naming file and line.  There is no src/cli library, so the files under
 * test are compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../../cli/cli_common.c"
#include "../../../cli/cli_config.c"
#include "../../../cli/cli_progress.c" /* cli_common.c clears the progress line before messages */
#include "vg_test.h"

static char dir[64];

static void put(const char *name, const char *text)
{
    vg_test_put(dir, name, text);
}

static const char *at(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int setup(void **state)
{
    (void)state;
    vg_test_tmpdir(dir, sizeof dir, "config");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/xdg", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/xdg/vmxguard", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/home", dir);
    mkdir(sub, 0700);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cli_config_free();
    return vg_test_rmtree(dir);
}

/* The error as the CLI prints it: "file:line: message". */
static const char *shown(const vg_error *err)
{
    static char out[1200];
    return vg_error_format(err, out, sizeof out);
}

static void user_file_overrides_system_key_by_key(void **state)
{
    (void)state;
    put("system", "profile = cis-esxi-8\nformat = json\ncacert = /etc/ssl/vc.pem\n");
    put("xdg/vmxguard/config", "# mine\nformat = sarif\n");
    setenv("XDG_CONFIG_HOME", at("xdg"), 1);
    vg_error err;
    assert_int_equal(load_from(at("system"), &err), 0);
    assert_string_equal(cli_config_get("profile"), "cis-esxi-8");
    assert_string_equal(cli_config_get("format"), "sarif");
    assert_string_equal(cli_config_get("cacert"), "/etc/ssl/vc.pem");
    assert_null(cli_config_get("server"));
    assert_null(cli_config_get("no-such-key"));
    unsetenv("XDG_CONFIG_HOME");
}

static void missing_files_are_not_an_error(void **state)
{
    (void)state;
    setenv("XDG_CONFIG_HOME", at("nowhere"), 1);
    vg_error err;
    assert_int_equal(load_from(at("no-system"), &err), 0);
    assert_null(cli_config_get("profile"));
    unsetenv("XDG_CONFIG_HOME");
}

static void relative_xdg_falls_back_to_home_config(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/home/.config", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/home/.config/vmxguard", dir);
    mkdir(path, 0700);
    put("home/.config/vmxguard/config", "jobs = 4\n");
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    setenv("HOME", at("home"), 1);
    vg_error err;
    assert_int_equal(load_from(at("no-system"), &err), 0);
    assert_string_equal(cli_config_get("jobs"), "4");
    unsetenv("XDG_CONFIG_HOME");
}

static void comments_quotes_and_blank_lines(void **state)
{
    (void)state;
    put("c1", "\n   # indented comment\r\n"
              "server = \"vc01.example.com\"\r\n"
              "waivers='/srv/waivers #1.yaml'\n"
              "  fail-on   =   high   # CI gate\n"
              "color=never\n");
    vg_error err;
    cli_config_free();
    assert_int_equal(cli_config_load_file(at("c1"), &err), 0);
    assert_string_equal(cli_config_get("server"), "vc01.example.com");
    assert_string_equal(cli_config_get("waivers"), "/srv/waivers #1.yaml");
    assert_string_equal(cli_config_get("fail-on"), "high");
    assert_string_equal(cli_config_get("color"), "never");
}

static void empty_value_unsets_an_earlier_file(void **state)
{
    (void)state;
    put("s2", "server = vc01\n");
    put("xdg/vmxguard/config", "server =\n");
    setenv("XDG_CONFIG_HOME", at("xdg"), 1);
    vg_error err;
    assert_int_equal(load_from(at("s2"), &err), 0);
    assert_null(cli_config_get("server"));
    unsetenv("XDG_CONFIG_HOME");
}

static void expect_error(const char *text, const char *want_line, const char *want_msg)
{
    put("bad", text);
    vg_error err;
    cli_config_free();
    assert_true(cli_config_load_file(at("bad"), &err) < 0);
    char want[700];
    snprintf(want, sizeof want, "%s:%s: ", at("bad"), want_line);
    const char *msg = shown(&err);
    if (strncmp(msg, want, strlen(want)) != 0 || !strstr(msg, want_msg))
        fail_msg("expected '%s...%s', got '%s'", want, want_msg, msg);
}

static void password_like_keys_are_refused_with_file_and_line(void **state)
{
    (void)state;
    expect_error("profile = x\n\npassword = hunter2\n", "3", "passwords never go in a config file");
    expect_error("vsphere_Password = a\n", "1", "'vsphere_Password' refused");
    expect_error("# c\napi-token = a\n", "2", "refused");
    expect_error("secret=a\n", "1", "refused");
    expect_error("pwd = a\n", "1", "refused");
}

static void unknown_keys_and_values_suggest_the_closest(void **state)
{
    (void)state;
    expect_error("fromat = json\n", "1", "unknown key 'fromat' (did you mean 'format'?)");
    expect_error("format = sraif\n", "1", "unknown format 'sraif' (did you mean 'sarif'?)");
    expect_error("color = sometimes\n", "1", "unknown color 'sometimes'");
    expect_error("fail-on = hihg\n", "1", "did you mean 'high'?");
}

static void bad_lines_name_file_and_line(void **state)
{
    (void)state;
    expect_error("jobs = 4\njobs = -1\n", "2", "jobs must be a number from 0 to 256");
    expect_error("jobs = 257\n", "1", "jobs must be a number");
    expect_error("profile\n", "1", "expected 'key = value'");
    expect_error(" = x\n", "1", "missing key");
    char big[LINE_LIMIT + 40];
    memset(big, 'a', sizeof big);
    memcpy(big, "server = ", 9);
    big[sizeof big - 2] = '\n';
    big[sizeof big - 1] = '\0';
    expect_error(big, "1", "line longer than");
}

static void binary_content_is_an_error(void **state)
{
    (void)state;
    vg_test_write(at("bin"), "jobs = 2\nserver = a\0b\n", 22);
    vg_error err;
    assert_true(cli_config_load_file(at("bin"), &err) < 0);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "binary"));
}

static void a_directory_in_place_of_the_file_is_an_error(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/isdir", dir);
    mkdir(path, 0700);
    vg_error err;
    assert_true(cli_config_load_file(path, &err) < 0);
    assert_string_equal(err.file, path);
    assert_true(load_from(path, &err) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_file_overrides_system_key_by_key),
        cmocka_unit_test(missing_files_are_not_an_error),
        cmocka_unit_test(relative_xdg_falls_back_to_home_config),
        cmocka_unit_test(comments_quotes_and_blank_lines),
        cmocka_unit_test(empty_value_unsets_an_earlier_file),
        cmocka_unit_test(password_like_keys_are_refused_with_file_and_line),
        cmocka_unit_test(unknown_keys_and_values_suggest_the_closest),
        cmocka_unit_test(bad_lines_name_file_and_line),
        cmocka_unit_test(binary_content_is_an_error),
        cmocka_unit_test(a_directory_in_place_of_the_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
