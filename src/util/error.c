/*
 * The error struct and the small name tables shared by every module.
 * Messages follow one shape: "object:line: cause", lower case, no period.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vmxguard/common.h"

void vg_error_clear(vg_error *err)
{
    if (!err)
        return;
    err->code = VG_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->msg[0] = '\0';
}

int vg_error_set(vg_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *vg_error_format(const vg_error *err, char *out, size_t outsz)
{
    if (!err->file[0])
        snprintf(out, outsz, "%s", err->msg);
    else if (err->line)
        snprintf(out, outsz, "%s:%u: %s", err->file, err->line, err->msg);
    else
        snprintf(out, outsz, "%s: %s", err->file, err->msg);
    return out;
}

static const char *const severity_names[] = {"info", "low", "medium", "high"};

const char *vg_severity_name(vg_severity s)
{
    return (unsigned)s < 4 ? severity_names[s] : "unknown";
}

int vg_severity_parse(const char *s, vg_severity *out)
{
    static const struct {
        const char *name;
        vg_severity sev;
    } table[] = {
        {"info", VG_SEV_INFO},     {"low", VG_SEV_LOW},   {"medium", VG_SEV_MEDIUM},
        {"high", VG_SEV_HIGH},     {"cat3", VG_SEV_LOW},  {"cat2", VG_SEV_MEDIUM},
        {"cat1", VG_SEV_HIGH},     {"cat-iii", VG_SEV_LOW}, {"cat-ii", VG_SEV_MEDIUM},
        {"cat-i", VG_SEV_HIGH},    {"any", VG_SEV_INFO},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(s, table[i].name) == 0) {
            *out = table[i].sev;
            return VG_OK;
        }
    }
    return VG_ENOTFOUND;
}

static const char *const status_names[VG_RESULT_STATUS_COUNT] = {
    "pass", "fail", "not_applicable", "manual", "error", "waived", "pending",
};

const char *vg_result_status_name(vg_result_status s)
{
    return (unsigned)s < VG_RESULT_STATUS_COUNT ? status_names[s] : "unknown";
}

const char *vg_version(void)
{
    return VG_VERSION;
}
