/*
 * Helpers shared by the logs unit tests: analyse text in memory with the
 * embedded signatures, find a finding by id, write files into a temp folder.
 */
#ifndef VG_TEST_LOGS_TEST_H
#define VG_TEST_LOGS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h> /* after setjmp.h and stdarg.h, which it needs */

#include "vg_test.h"
#include "vmxguard/logs.h"

static inline vg_log_sigs *sigs_ok(void)
{
    vg_log_sigs *s = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (vg_log_sigs_load_embedded(&s, &err) != 0)
        fail_msg("signatures: %s:%u: %s", err.file, err.line, err.msg);
    return s;
}

/* Analyse text (finished); flood_rate 0 = default. */
static inline vg_log_analysis *analyse_text(const vg_log_sigs *s, const char *text, double flood)
{
    vg_log_opts o = {.flood_rate = flood};
    vg_log_analysis *a = vg_log_analysis_new(s, &o);
    vg_error err;
    assert_non_null(a);
    if (vg_log_analysis_add_mem(a, text, strlen(text), "vmware.log", &err) != 0 ||
        vg_log_analysis_finish(a, &err) != 0)
        fail_msg("analysis: %s:%u: %s", err.file, err.line, err.msg);
    return a;
}

static inline const vg_log_finding *finding(const vg_log_analysis *a, const char *id)
{
    for (size_t i = 0; i < a->n_findings; i++) {
        if (strcmp(a->findings[i].id, id) == 0)
            return &a->findings[i];
    }
    return NULL;
}

static inline const vg_log_finding *must_find(const vg_log_analysis *a, const char *id)
{
    const vg_log_finding *f = finding(a, id);
    if (!f) {
        char ids[1024] = "";
        for (size_t i = 0; i < a->n_findings; i++) {
            strncat(ids, a->findings[i].id, sizeof ids - strlen(ids) - 2);
            strncat(ids, " ", sizeof ids - strlen(ids) - 1);
        }
        fail_msg("no finding '%s'; have: %s", id, ids);
    }
    return f;
}

static inline void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    vg_test_write(path, text, len);
}

#endif
