/*
 * Credentials come from what the caller gives: a file (refused when others
 * may read it), the URL's user, fallbacks, and a prompt callback asked
 * only for what is still missing.  Nothing is read from the environment.
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

#include "vmxguard/vsphere.h"

static char path[64];

static void write_file(const char *text, mode_t mode)
{
    snprintf(path, sizeof path, "/tmp/vg-creds-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

struct asked {
    int calls;
    char prompts[2][128];
    const char *answer; /* NULL: nobody there */
};

static int prompt(const char *question, int echo, char **answer, void *ctx)
{
    struct asked *a = ctx;
    if (a->calls < 2)
        snprintf(a->prompts[a->calls], sizeof a->prompts[0], "%s%s", question, echo ? "" : "*");
    a->calls++;
    if (!a->answer)
        return -1;
    *answer = strdup(a->answer);
    return 0;
}

static void file_then_url_user(void **state)
{
    (void)state;
    write_file("# lab\nuser=fileuser\npassword=s3cret\n", 0600);
    vg_vsphere_cred_opts o = {.file = path, .user = "envuser", .password = "envpw"};
    char *user = NULL, *pw = NULL;
    vg_error err;
    assert_int_equal(vg_vsphere_credentials(&o, &user, &pw, &err), VG_OK);
    assert_string_equal(user, "fileuser");
    assert_string_equal(pw, "s3cret");
    vg_vsphere_credentials_free(user, pw);
    o.url_user = "urluser";
    assert_int_equal(vg_vsphere_credentials(&o, &user, &pw, &err), VG_OK);
    assert_string_equal(user, "urluser");
    vg_vsphere_credentials_free(user, pw);
    unlink(path);
}

static void readable_file_is_refused(void **state)
{
    (void)state;
    write_file("user=a\npassword=b\n", 0644);
    vg_vsphere_cred_opts o = {.file = path};
    char *user = (char *)1, *pw = (char *)1;
    vg_error err;
    assert_int_equal(vg_vsphere_credentials(&o, &user, &pw, &err), VG_EUSAGE);
    assert_null(user);
    assert_null(pw);
    assert_non_null(strstr(err.msg, "group or others"));
    unlink(path);
}

static void fallbacks_then_prompt(void **state)
{
    (void)state;
    struct asked a = {.answer = "typed"};
    vg_vsphere_cred_opts o = {.user = "envuser", .prompt = prompt, .prompt_ctx = &a};
    char *user = NULL, *pw = NULL;
    vg_error err;
    assert_int_equal(vg_vsphere_credentials(&o, &user, &pw, &err), VG_OK);
    assert_string_equal(user, "envuser");
    assert_string_equal(pw, "typed");
    assert_int_equal(a.calls, 1); /* only the password was missing */
    assert_string_equal(a.prompts[0], "vSphere password for envuser: *");
    vg_vsphere_credentials_free(user, pw);

    struct asked b = {.answer = "both"};
    vg_vsphere_cred_opts q = {.prompt = prompt, .prompt_ctx = &b};
    assert_int_equal(vg_vsphere_credentials(&q, &user, &pw, &err), VG_OK);
    assert_int_equal(b.calls, 2);
    assert_string_equal(b.prompts[0], "vSphere user: ");
    vg_vsphere_credentials_free(user, pw);
}

static void missing_is_not_found(void **state)
{
    (void)state;
    char *user = NULL, *pw = NULL;
    vg_error err;
    vg_vsphere_cred_opts none = {.user = "u"};
    assert_int_equal(vg_vsphere_credentials(&none, &user, &pw, &err), VG_ENOTFOUND);
    assert_null(user);
    assert_null(pw);
    /* the library names no option or variable: the caller knows its own */
    assert_null(strstr(err.msg, "--"));
    assert_null(strstr(err.msg, "VMXGUARD"));
    struct asked a = {.answer = NULL};
    vg_vsphere_cred_opts o = {.prompt = prompt, .prompt_ctx = &a};
    assert_int_equal(vg_vsphere_credentials(&o, &user, &pw, &err), VG_ENOTFOUND);
    assert_int_equal(a.calls, 1);
    assert_null(user);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_then_url_user),
        cmocka_unit_test(readable_file_is_refused),
        cmocka_unit_test(fallbacks_then_prompt),
        cmocka_unit_test(missing_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
