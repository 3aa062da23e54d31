/*
 * Small helpers shared by the vmx unit tests: parse a literal, serialise,
 * and compare bytes with a readable failure message.
 */
#ifndef VG_TEST_VMX_TEST_H
#define VG_TEST_VMX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first */
#include <cmocka.h>

#include "vmxguard/vmx.h"

static inline vg_vmx_doc *parse_ok(const char *text)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_vmx_doc_parse(text, strlen(text), "t.vmx", &doc, &err);
    if (rc != 0)
        fail_msg("parse failed: %s:%u: %s", err.file, err.line, err.msg);
    assert_non_null(doc);
    return doc;
}

/* Serialise doc and compare with want (exact bytes). */
static inline void assert_serializes_to(const vg_vmx_doc *doc, const char *want, size_t wantlen)
{
    char *out = NULL;
    size_t len = 0;
    vg_error err;
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &len, &err), 0);
    if (len != wantlen || memcmp(out, want, len) != 0)
        fail_msg(
            "serialised bytes differ\n--- expected (%zu bytes)\n%.*s\n--- actual (%zu bytes)\n%.*s",
            wantlen, (int)wantlen, want, len, (int)len, out);
    free(out);
}

static inline void assert_roundtrip(const char *text)
{
    vg_vmx_doc *doc = parse_ok(text);
    assert_serializes_to(doc, text, strlen(text));
    vg_vmx_doc_free(doc);
}

/* Index of the first diagnostic with this code, or -1. */
static inline int diag_index(const vg_vmx_doc *doc, const char *code)
{
    for (size_t i = 0; i < vg_vmx_doc_diag_count(doc); i++)
        if (strcmp(vg_vmx_doc_diag(doc, i)->code, code) == 0)
            return (int)i;
    return -1;
}

#endif
