/*
 * Mandatory access control: is SELinux or AppArmor enforcing, and is
 * vmtoolsd (the process that carries GuestRPC and guest operations for the
 * host) confined by it.  The running process's label is the truth
 * (/proc/PID/attr); when vmtoolsd is not running, AppArmor's loaded
 * profile list still tells whether a profile names it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "guest_internal.h"

struct mac {
    char selinux[16];   /* "enforcing", "permissive", "" = not active */
    char se_config[32]; /* SELINUX= in /etc/selinux/config */
    char se_policy[64]; /* SELINUXTYPE= */
    int apparmor;       /* module enabled */
    int aa_listed;      /* the profile list could be read */
    int aa_enforce, aa_complain;
    char aa_vmtoolsd[128]; /* "name (mode)" of a profile naming vmtoolsd */
};

static void config_value(const char *text, const char *key, char *out, size_t sz)
{
    size_t kl = strlen(key);
    for (const char *s = text; *s;) {
        size_t len = strcspn(s, "\n");
        if (len > kl && !strncmp(s, key, kl) && s[kl] == '=') {
            size_t n = len - kl - 1;
            while (n && isspace((unsigned char)s[kl + n]))
                n--;
            snprintf(out, sz, "%.*s", (int)n, s + kl + 1);
        }
        s += len + (s[len] ? 1 : 0);
    }
}

static void selinux_facts(struct gprobe *p, struct mac *m)
{
    char v[16];
    if (vg_groot_line(p, "/sys/fs/selinux/enforce", v, sizeof v) == 0)
        snprintf(m->selinux, sizeof m->selinux, "%s", strcmp(v, "1") ? "permissive" : "enforcing");
    vg_buf b = VG_BUF_INIT;
    if (vg_groot_read(p, "/etc/selinux/config", &b, 65536) == 0) {
        config_value(b.data, "SELINUX", m->se_config, sizeof m->se_config);
        config_value(b.data, "SELINUXTYPE", m->se_policy, sizeof m->se_policy);
    }
    vg_buf_release(&b);
    vg_gprobe_prop(p, "guest.selinux.mode", "%s", m->selinux[0] ? m->selinux : "disabled");
    if (m->se_config[0])
        vg_gprobe_prop(p, "guest.selinux.config", "%s", m->se_config);
    if (m->se_policy[0])
        vg_gprobe_prop(p, "guest.selinux.policy", "%s", m->se_policy);
}

static void apparmor_facts(struct gprobe *p, struct mac *m)
{
    char v[8];
    m->apparmor =
        vg_groot_line(p, "/sys/module/apparmor/parameters/enabled", v, sizeof v) == 0 && v[0] == 'Y';
    vg_gprobe_prop(p, "guest.apparmor.enabled", "%s", m->apparmor ? "yes" : "no");
    vg_buf b = VG_BUF_INIT;
    if (!m->apparmor || vg_groot_read(p, "/sys/kernel/security/apparmor/profiles", &b, 4u << 20) ||
        !b.len) {
        vg_buf_release(&b);
        return;
    }
    m->aa_listed = 1;
    for (const char *s = b.data; *s;) {
        size_t len = strcspn(s, "\n");
        const char *mode = memchr(s, '(', len);
        if (mode && !strncmp(mode, "(enforce)", 9))
            m->aa_enforce++;
        else if (mode && !strncmp(mode, "(complain)", 10))
            m->aa_complain++;
        char line[sizeof m->aa_vmtoolsd];
        snprintf(line, sizeof line, "%.*s", (int)len, s);
        if (strstr(line, "vmtoolsd") && !m->aa_vmtoolsd[0])
            memcpy(m->aa_vmtoolsd, line, sizeof line);
        s += len + (s[len] ? 1 : 0);
    }
    vg_buf_release(&b);
    vg_gprobe_prop(p, "guest.apparmor.profiles", "%d enforce, %d complain", m->aa_enforce,
                m->aa_complain);
}

static void enforcing_finding(struct gprobe *p, const struct mac *m)
{
    const char *id = "guest-mac-enforcing";
    if (!strcmp(m->selinux, "enforcing"))
        vg_gprobe_finding(p, id, G_PASS, "/sys/fs/selinux/enforce", 0, "SELinux enforcing (policy %s)",
                       m->se_policy[0] ? m->se_policy : "?");
    else if (m->apparmor && m->aa_enforce)
        vg_gprobe_finding(p, id, G_PASS, "/sys/kernel/security/apparmor/profiles", 0,
                       "AppArmor enabled, %d profiles enforcing", m->aa_enforce);
    else if (m->selinux[0])
        vg_gprobe_finding(p, id, G_FAIL, "/sys/fs/selinux/enforce", 0,
                       "SELinux is permissive (config says %s): nothing is enforced",
                       m->se_config[0] ? m->se_config : "nothing");
    else if (m->apparmor && !m->aa_listed)
        vg_gprobe_finding(p, id, G_FAIL, "/sys/kernel/security/apparmor/profiles", 0,
                       "AppArmor enabled but its profile list is unreadable (securityfs not "
                       "mounted?): no profile can be loaded");
    else if (m->apparmor)
        vg_gprobe_finding(p, id, G_FAIL, "/sys/kernel/security/apparmor/profiles", 0,
                       "AppArmor enabled but no profile enforcing (%d in complain mode)",
                       m->aa_complain);
    else
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0, "neither SELinux nor AppArmor is active%s%s",
                       m->se_config[0] ? "; /etc/selinux/config says " : "", m->se_config);
}

/* Label of the first running vmtoolsd into out; 1 if one runs. */
static int vmtoolsd_label(struct gprobe *p, char *pid_out, size_t psz, char *out, size_t sz)
{
    DIR *d = vg_groot_opendir(p, "/proc");
    int found = 0;
    for (struct dirent *e; d && !found && (e = readdir(d)) != NULL;) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char rel[300], comm[64];
        snprintf(rel, sizeof rel, "/proc/%s/comm", e->d_name);
        if (vg_groot_line(p, rel, comm, sizeof comm) != 0 || strcmp(comm, "vmtoolsd") != 0)
            continue;
        found = 1;
        snprintf(pid_out, psz, "%.*s", (int)psz - 1, e->d_name);
        snprintf(rel, sizeof rel, "/proc/%s/attr/apparmor/current", e->d_name);
        if (vg_groot_line(p, rel, out, sz) != 0) {
            snprintf(rel, sizeof rel, "/proc/%s/attr/current", e->d_name);
            if (vg_groot_line(p, rel, out, sz) != 0)
                snprintf(out, sz, "unconfined");
        }
    }
    if (d)
        closedir(d);
    return found;
}

static int unconfined(const char *label)
{
    static const char *const words[] = {"unconfined", "initrc_t", "kernel_t", "(complain)"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(label, words[i]))
            return 1;
    return !label[0];
}

static void vmtoolsd_finding(struct gprobe *p, const struct mac *m)
{
    const char *id = "guest-mac-confines-vmtoolsd";
    char pid[32], label[160];
    if (!p->tools_installed) {
        vg_gprobe_finding(p, id, G_NA, NULL, 0, "VMware Tools not installed");
    } else if (vmtoolsd_label(p, pid, sizeof pid, label, sizeof label)) {
        char file[64];
        snprintf(file, sizeof file, "/proc/%s/attr", pid);
        vg_gprobe_prop(p, "guest.vmtoolsd.label", "%s", label);
        vg_gprobe_finding(p, id, unconfined(label) ? G_FAIL : G_PASS, file, 0,
                       "vmtoolsd (pid %s) runs as %s", pid, label);
    } else if (m->aa_vmtoolsd[0]) {
        vg_gprobe_finding(p, id, unconfined(m->aa_vmtoolsd) ? G_FAIL : G_PASS,
                       "/sys/kernel/security/apparmor/profiles", 0,
                       "vmtoolsd not running; AppArmor profile %s is loaded", m->aa_vmtoolsd);
    } else if (!strcmp(m->selinux, "enforcing")) {
        vg_gprobe_finding(p, id, G_NA, NULL, 0,
                       "vmtoolsd not running: its SELinux domain is "
                       "known only at run time");
    } else {
        vg_gprobe_finding(p, id, G_FAIL, NULL, 0,
                       "no AppArmor profile names vmtoolsd and SELinux is not enforcing");
    }
}

void vg_guest_mac_probe(struct gprobe *p)
{
    struct mac m;
    memset(&m, 0, sizeof m);
    selinux_facts(p, &m);
    apparmor_facts(p, &m);
    enforcing_finding(p, &m);
    vmtoolsd_finding(p, &m);
}
