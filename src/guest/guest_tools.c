/*
 * VMware Tools exposure: which Tools programs are installed and whether
 * users other than administrators can run or replace them (the hardening
 * advice: Tools usable by administrators only), and tools.conf settings.
 * The tools.conf checks are data: every rule of the profile whose key is
 * "tools.conf [section] key" is compared here against the file, with the
 * profile entry's comparison, value and absent semantics, so a new
 * tools.conf baseline row needs no C change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest_internal.h"

#define TOOLS_CONF "/etc/vmware-tools/tools.conf"

static const char *const tools_programs[] = {
    "vmtoolsd",
    "vmware-toolbox-cmd",
    "vmware-rpctool",
    "vmware-hgfsclient",
    "vmhgfs-fuse",
    "vmware-checkvm",
    "vmware-xferlogs",
    "vmware-namespace-cmd",
    "vmware-vmblock-fuse",
    "vmware-user",
    "vmware-user-suid-wrapper",
    "vmware-alias-import",
    "vmware-vgauth-cmd",
    "VGAuthService",
};
static const char *const tools_dirs[] = {"/usr/bin", "/usr/sbin",      "/bin",
                                         "/sbin",    "/usr/local/bin", "/usr/local/sbin"};
/* Groups whose members are administrators anyway. */
static const char *const admin_groups[] = {"root", "wheel", "sudo", "admin"};

static int admin_group(const struct gprobe *p, unsigned gid)
{
    char name[64];
    if (vg_groot_group_name(p, gid, name, sizeof name) != VG_OK)
        return 0;
    for (size_t i = 0; i < sizeof admin_groups / sizeof admin_groups[0]; i++)
        if (strcmp(name, admin_groups[i]) == 0)
            return 1;
    return 0;
}

/* Why st lets a non-administrator run or change the program, or NULL. */
static const char *exposure(const struct gprobe *p, const struct stat *st, char *why, size_t sz)
{
    unsigned mode = (unsigned)st->st_mode & 07777;
    char owner[64];
    /* The tree's passwd names the owner; without an entry, uid 0 is root. */
    int owner_root = st->st_uid == 0;
    if (vg_groot_user_name(p, (unsigned)st->st_uid, owner, sizeof owner) == VG_OK)
        owner_root = strcmp(owner, "root") == 0;
    int gadmin = admin_group(p, (unsigned)st->st_gid);
    if (!owner_root)
        snprintf(why, sz, "owned by uid %u, not root", (unsigned)st->st_uid);
    else if (mode & 0002 || (mode & 0020 && !gadmin))
        snprintf(why, sz, "writable by non-administrators (mode %04o)", mode);
    else if (mode & 0001)
        snprintf(why, sz, "executable by every user (mode %04o)", mode);
    else if (mode & 0010 && !gadmin)
        snprintf(why, sz, "executable by group %u (mode %04o)", (unsigned)st->st_gid, mode);
    else
        return NULL;
    return why;
}

static void programs_finding(struct gprobe *p)
{
    vg_buf bad = VG_BUF_INIT, good = VG_BUF_INIT;
    struct stat seen[64];
    size_t n_seen = 0;
    memset(seen, 0, sizeof seen);
    for (size_t d = 0; d < sizeof tools_dirs / sizeof tools_dirs[0]; d++) {
        for (size_t i = 0; i < sizeof tools_programs / sizeof tools_programs[0]; i++) {
            char rel[256], why[96];
            struct stat st;
            snprintf(rel, sizeof rel, "%s/%s", tools_dirs[d], tools_programs[i]);
            if (vg_groot_stat(p, rel, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            size_t k = 0; /* merged /usr: /bin/x and /usr/bin/x are one file */
            while (k < n_seen && !(seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino))
                k++;
            if (k < n_seen)
                continue;
            if (n_seen < sizeof seen / sizeof seen[0])
                seen[n_seen++] = st;
            p->tools_installed = 1;
            if (exposure(p, &st, why, sizeof why))
                vg_buf_printf(&bad, "%s%s %s", bad.len ? "; " : "", rel, why);
            else
                vg_buf_printf(&good, "%s%s", good.len ? ", " : "", rel);
        }
    }
    const char *id = "guest-tools-admin-only";
    if (bad.oom || good.oom)
        p->oom = 1;
    else if (!p->tools_installed)
        vg_gprobe_finding(p, id, G_NA, NULL, 0, "no VMware Tools program found");
    else if (bad.len)
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0, "%s", bad.data);
    else
        vg_gprobe_finding(p, id, G_PASS, NULL, 0, "administrators only: %s", good.data);
    vg_buf_release(&bad);
    vg_buf_release(&good);
}

/* The last value of [section] key in a GLib key file, with its line. */
static int conf_lookup(const char *text, const char *section, const char *key, char *val, size_t sz,
                       unsigned *line)
{
    int in_sec = 0, found = 0;
    unsigned ln = 0;
    size_t klen = strlen(key), slen = strlen(section);
    for (const char *s = text; *s;) {
        size_t len = strcspn(s, "\n");
        ln++;
        const char *b = s, *e = s + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (b < e && *b == '[')
            in_sec = e - b == (long)slen + 2 && e[-1] == ']' && !strncmp(b + 1, section, slen);
        else if (in_sec && b < e && *b != '#' && *b != ';' && (size_t)(e - b) > klen &&
                 !strncmp(b, key, klen)) {
            const char *q = b + klen;
            while (q < e && (*q == ' ' || *q == '\t'))
                q++;
            if (q < e && *q == '=') {
                for (q++; q < e && (*q == ' ' || *q == '\t'); q++) {
                }
                snprintf(val, sz, "%.*s", (int)(e - q), q);
                *line = ln;
                found = 1;
            }
        }
        s += len + (s[len] ? 1 : 0);
    }
    return found;
}

/* GLib's boolean spellings. */
static int as_bool(const char *v)
{
    if (!strcasecmp(v, "true") || !strcmp(v, "1"))
        return 1;
    if (!strcasecmp(v, "false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

static int same_value(vg_value_type t, const char *a, const char *b)
{
    if (t == VG_TYPE_BOOL)
        return as_bool(a) >= 0 && as_bool(a) == as_bool(b);
    if (t == VG_TYPE_INT) {
        char *e1 = NULL, *e2 = NULL;
        long long x = strtoll(a, &e1, 10), y = strtoll(b, &e2, 10);
        return *a && *b && !*e1 && !*e2 && x == y;
    }
    return strcasecmp(a, b) == 0;
}

static int compare(const vg_profile_rule *pr, const char *v)
{
    vg_value_type t = pr->rule->type;
    long long x = strtoll(v, NULL, 10), y = pr->value ? strtoll(pr->value, NULL, 10) : 0;
    switch (pr->cmp) {
    case VG_CMP_EQ:
        return same_value(t, v, pr->value);
    case VG_CMP_NE:
        return !same_value(t, v, pr->value);
    case VG_CMP_LE:
        return x <= y;
    case VG_CMP_GE:
        return x >= y;
    case VG_CMP_IN:
        for (size_t i = 0; pr->values && pr->values[i]; i++)
            if (same_value(t, v, pr->values[i]))
                return 1;
        return 0;
    case VG_CMP_ABSENT:
        return 0;
    default:
        return 1;
    }
}

static void conf_rule(struct gprobe *p, const vg_profile_rule *pr, const char *text)
{
    const vg_rule *r = pr->rule;
    char section[64], key[96], val[256];
    unsigned line = 0;
    if (sscanf(r->key + 11, "[%63[^]]] %95s", section, key) != 2) {
        vg_gprobe_finding(p, r->id, G_ERROR, r->file, r->line,
                       "key '%s' is not "
                       "\"tools.conf [section] key\"",
                       r->key);
        return;
    }
    if (!p->tools_installed) {
        vg_gprobe_finding(p, r->id, G_NA, NULL, 0, "VMware Tools not installed");
        return;
    }
    if (!text || !conf_lookup(text, section, key, val, sizeof val, &line)) {
        static const char *const absent[] = {G_FAIL, G_PASS, G_NA};
        const char *dflt = r->n_defaults ? r->defaults[0].value : NULL;
        vg_gprobe_finding(p, r->id, absent[pr->absent], TOOLS_CONF, 0, "[%s] %s not set%s%s%s",
                       section, key, text ? "" : " (no tools.conf)", dflt ? ": Tools default " : "",
                       dflt ? dflt : "");
        return;
    }
    vg_gprobe_finding(p, r->id, compare(pr, val) ? G_PASS : G_FAIL, TOOLS_CONF, line, "[%s] %s = %s",
                   section, key, val);
}

static void conf_findings(struct gprobe *p)
{
    const vg_profile *prof = p->opts->profile;
    if (!prof)
        return;
    vg_buf b = VG_BUF_INIT;
    int rc = vg_groot_read(p, TOOLS_CONF, &b, 1u << 20);
    if (rc && rc != -ENOENT) {
        for (size_t i = 0; i < prof->n_rules; i++)
            if (prof->rules[i].rule->key && !strncmp(prof->rules[i].rule->key, "tools.conf ", 11))
                vg_gprobe_finding(p, prof->rules[i].rule->id, G_ERROR, TOOLS_CONF, 0, "%s",
                               strerror(-rc));
        vg_buf_release(&b);
        return;
    }
    for (size_t i = 0; i < prof->n_rules; i++) {
        const vg_profile_rule *pr = &prof->rules[i];
        if (pr->rule->kind == VG_RULE_GUEST && pr->rule->key &&
            !strncmp(pr->rule->key, "tools.conf ", 11))
            conf_rule(p, pr, rc ? NULL : b.data);
    }
    vg_buf_release(&b);
}

void vg_guest_tools_probe(struct gprobe *p)
{
    programs_finding(p);
    conf_findings(p);
}
