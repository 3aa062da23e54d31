/* Run a writer over the fixture into memory, for assertions on its text. */
#ifndef VG_TEST_REPORT_CAPTURE_H
#define VG_TEST_REPORT_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"

/* Output of format over the fixture with opts (out is replaced); caller frees. */
static char *capture(const char *format, vg_report_opts opts, int *rc_out)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    if (!f)
        return NULL;
    opts.out = f;
    vg_error err;
    vg_error_clear(&err);
    fixture_init();
    int rc = fixture_write(format, &opts, &err);
    fclose(f);
    if (rc_out)
        *rc_out = rc;
    if (rc != 0)
        fprintf(stderr, "%s writer failed: %s\n", format, err.msg);
    return data;
}

#endif
