/*
 * Where vSphere credentials come from: a credentials file (--credentials,
 * refused when others can read it), VMXGUARD_USER / VMXGUARD_PASSWORD, or
 * a no-echo prompt on the terminal.  Never argv: a password there shows in
 * `ps` and shell history.  Passwords are wiped from memory when freed.
 */
#include <sys/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
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

/* No-echo line from /dev/tty (not stdin: that may carry data). */
static int prompt_tty(const char *prompt, int echo, char **out, vg_error *err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return vg_error_set(err, VG_EUSAGE, NULL, 0,
                            "no vSphere credentials: set VMXGUARD_USER and VMXGUARD_PASSWORD, "
                            "use --credentials FILE, or run on a terminal to be asked");
    struct termios old, quiet;
    int have_tc = tcgetattr(fd, &old) == 0;
    if (have_tc && !echo) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    char buf[1024];
    size_t len = 0;
    char ch;
    while (len + 1 < sizeof buf && read(fd, &ch, 1) == 1 && ch != '\n')
        buf[len++] = ch;
    buf[len] = '\0';
    if (have_tc && !echo) {
        tcsetattr(fd, TCSAFLUSH, &old);
        w = write(fd, "\n", 1);
    }
    close(fd);
    *out = strdup(buf);
    wipe(buf);
    return *out ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
}

static int from_env(const char *name, char **dst, vg_error *err)
{
    const char *v = getenv(name);
    if (*dst || !v || !*v)
        return VG_OK;
    *dst = strdup(v);
    return *dst ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
}

int vg_vsphere_credentials(const char *url_user, const char *cred_file, int prompt, char **user,
                           char **password, vg_error *err)
{
    *user = *password = NULL;
    int rc = VG_OK;
    if (cred_file) {
        char *text = malloc(CRED_MAX);
        if (!text)
            return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
        rc = read_cred_file(cred_file, text, CRED_MAX, err);
        if (rc == VG_OK)
            rc = parse_cred_file(cred_file, text, user, password, err);
        memset(text, 0, CRED_MAX);
        free(text);
    }
    if (rc == VG_OK && url_user && *url_user) {
        free(*user);
        *user = strdup(url_user);
        if (!*user)
            rc = vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    }
    if (rc == VG_OK)
        rc = from_env("VMXGUARD_USER", user, err);
    if (rc == VG_OK)
        rc = from_env("VMXGUARD_PASSWORD", password, err);
    if (rc == VG_OK && !*user && prompt)
        rc = prompt_tty("vSphere user: ", 1, user, err);
    if (rc == VG_OK && !*password && prompt) {
        char text[600];
        snprintf(text, sizeof text, "vSphere password for %.500s: ", *user ? *user : "");
        rc = prompt_tty(text, 0, password, err);
    }
    if (rc == VG_OK && (!*user || !*password))
        rc = vg_error_set(err, VG_EUSAGE, NULL, 0,
                          "no vSphere credentials: set VMXGUARD_USER and VMXGUARD_PASSWORD, or "
                          "use --credentials FILE");
    if (rc != VG_OK) {
        vg_vsphere_credentials_free(*user, *password);
        *user = *password = NULL;
        return rc;
    }
    /* The password stays in memory while sessions may still log in; a
     * non-dumpable process writes no core file and refuses ptrace from
     * other users, so it cannot leak that way (as ssh-agent does). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return rc;
}
