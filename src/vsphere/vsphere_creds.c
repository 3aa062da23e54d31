/*
 * vSphere credentials from what the caller gives: a credentials file
 * (refused when others can read it), the target URL's user, fallbacks the
 * caller read (the CLI: VMXGUARD_USER / VMXGUARD_PASSWORD), and a prompt
 * the caller runs.  The library reads no environment and opens no
 * terminal.  Passwords are wiped from memory when freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsphere_internal.h"

#define CRED_MAX 4096

static void wipe(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = '\0';
    }
}

void vg_vsphere_credentials_free(char *user, char *password)
{
    wipe(password);
    free(password);
    free(user);
}

static int read_cred_file(const char *path, char *buf, size_t size, vg_error *err)
{
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return vg_error_set(err, VG_EIO, path, 0, "cannot open credentials file: %s",
                            strerror(errno));
    struct stat st;
    int rc = VG_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = vg_error_set(err, VG_EINPUT, path, 0, "credentials file is not a regular file");
    else if (st.st_mode & 077)
        rc = vg_error_set(err, VG_EUSAGE, path, 0,
                          "credentials file is accessible by group or others (mode %04o); "
                          "run chmod 600 on it",
                          (unsigned)(st.st_mode & 07777));
    else if (st.st_uid != geteuid())
        rc = vg_error_set(err, VG_EUSAGE, path, 0, "credentials file belongs to another user");
    else if ((size_t)st.st_size >= size)
        rc = vg_error_set(err, VG_EINPUT, path, 0, "credentials file larger than %zu bytes",
                          size - 1);
    size_t len = 0;
    while (rc == VG_OK && len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = vg_error_set(err, VG_EIO, path, 0, "read failed: %s", strerror(errno));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
    return rc;
}

/* "user=..." / "username=..." / "password=..." lines; # comments. */
static int parse_cred_file(const char *path, char *text, char **user, char **password,
                           vg_error *err)
{
    unsigned line = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r')
            p[--len] = '\0';
        char *eq = strchr(p, '=');
        char **dst = NULL;
        if (*p == '#' || *p == '\0')
            dst = NULL;
        else if (eq && (strncmp(p, "user=", 5) == 0 || strncmp(p, "username=", 9) == 0))
            dst = user;
        else if (eq && strncmp(p, "password=", 9) == 0)
            dst = password;
        else
            return vg_error_set(err, VG_EINPUT, path, line,
                                "expected user=NAME or password=SECRET");
        if (dst) {
            char *v = strdup(eq + 1);
            if (!v)
                return vg_error_set(err, VG_ENOMEM, path, line, "out of memory");
            if (*dst) {
                wipe(*dst);
                free(*dst);
            }
            *dst = v;
        }
        p = nl ? nl + 1 : NULL;
    }
    return VG_OK;
}

static int take(const char *v, char **dst, vg_error *err)
{
    if (*dst || !v || !*v)
        return VG_OK;
    *dst = strdup(v);
    return *dst ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
}

static int ask(const vg_vsphere_cred_opts *o, const char *prompt, int echo, char **dst,
               vg_error *err)
{
    char *answer = NULL;
    int rc = o->prompt(prompt, echo, &answer, o->prompt_ctx);
    if (rc != 0 || !answer) {
        vg_vsphere_credentials_free(NULL, answer);
        return vg_error_set(err, VG_ENOTFOUND, NULL, 0,
                            "no vSphere credentials: the prompt was not answered");
    }
    *dst = answer;
    return VG_OK;
}

int vg_vsphere_credentials(const vg_vsphere_cred_opts *o, char **user, char **password,
                           vg_error *err)
{
    *user = *password = NULL;
    int rc = VG_OK;
    if (o->file) {
        char *text = malloc(CRED_MAX);
        if (!text)
            return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
        rc = read_cred_file(o->file, text, CRED_MAX, err);
        if (rc == VG_OK)
            rc = parse_cred_file(o->file, text, user, password, err);
        memset(text, 0, CRED_MAX);
        free(text);
    }
    if (rc == VG_OK && o->url_user && *o->url_user) {
        free(*user);
        *user = strdup(o->url_user);
        if (!*user)
            rc = vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    if (rc == VG_OK)
        rc = take(o->user, user, err);
    if (rc == VG_OK)
        rc = take(o->password, password, err);
    if (rc == VG_OK && !*user && o->prompt)
        rc = ask(o, "vSphere user: ", 1, user, err);
    if (rc == VG_OK && !*password && o->prompt) {
        char text[600];
        snprintf(text, sizeof text, "vSphere password for %.500s: ", *user ? *user : "");
        rc = ask(o, text, 0, password, err);
    }
    if (rc == VG_OK && (!*user || !*password))
        rc = vg_error_set(err, VG_ENOTFOUND, NULL, 0, "no vSphere credentials: no %s given",
                          *user ? "password" : "user");
    if (rc != VG_OK) {
        vg_vsphere_credentials_free(*user, *password);
        *user = *password = NULL;
    }
    return rc;
}
