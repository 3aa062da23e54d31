/*
 * libFuzzer target for the .vmx document.  Properties checked on every
 * input the parser accepts:
 *   - parse + serialise gives the input back byte for byte;
 *   - every entry is found by its key (any case) and has a UTF-8 view;
 *   - set + remove of a new key gives the input back;
 *   - setting an existing key changes exactly that value (re-parsed), and
 *     removing it makes it disappear;
 *   - escape then unescape is the identity.
 * Inputs the parser refuses must come with VG_EINPUT and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmxguard/vmx.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_bytes(const vg_vmx_doc *doc, const uint8_t *data, size_t size)
{
    char *out;
    size_t len;
    vg_error err;
    CHECK(vg_vmx_doc_serialize(doc, &out, &len, &err) == 0);
    CHECK(len == size && (size == 0 || memcmp(out, data, size) == 0));
    free(out);
}

static vg_vmx_doc *reparse(const vg_vmx_doc *doc)
{
    char *out;
    size_t len;
    vg_error err;
    CHECK(vg_vmx_doc_serialize(doc, &out, &len, &err) == 0);
    vg_vmx_doc *again = NULL;
    int rc = vg_vmx_doc_parse(out, len, "again", &again, &err);
    free(out);
    CHECK(rc == 0);
    return again;
}

static void check_entries(const vg_vmx_doc *doc)
{
    for (size_t i = 0; i < vg_vmx_doc_count(doc); i++) {
        const vg_vmx_entry *e = vg_vmx_doc_entry(doc, i);
        const vg_vmx_entry *f = vg_vmx_doc_find(doc, e->key);
        CHECK(f != NULL && (f == e || e->duplicate));
        char *u = vg_vmx_doc_to_utf8(doc, e->value);
        CHECK(u != NULL);
        free(u);
        size_t pos = 0; /* a key is a glob matching itself; a few suffice (O(n) each) */
        if (i < 8)
            CHECK(vg_vmx_doc_match(doc, e->key, &pos) != NULL);
    }
}

/* A value made from the input: any bytes but NUL. */
static char *value_from(const uint8_t *data, size_t size)
{
    size_t n = size < 24 ? size : 24;
    char *v = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        v[i] = data[i] ? (char)data[i] : '|';
    v[n] = '\0';
    return v;
}

static void check_edits(vg_vmx_doc *doc, const uint8_t *data, size_t size)
{
    vg_error err;
    /* adding a key and removing it again gives the input back, unless the
     * input already had that key (in any case): then set changed it */
    if (!vg_vmx_doc_find(doc, "vmxguard.fuzz.newKey")) {
        CHECK(vg_vmx_doc_set(doc, "vmxguard.fuzz.newKey", "v\"|\r\n", &err) == 0);
        CHECK(vg_vmx_doc_remove(doc, "VMXGUARD.FUZZ.NEWKEY", &err) == 1);
        check_bytes(doc, data, size);
    }
    if (vg_vmx_doc_count(doc) == 0)
        return;
    char *key = strdup(vg_vmx_doc_entry(doc, 0)->key);
    char *value = value_from(data, size);
    if (vg_vmx_doc_set(doc, key, value, &err) == 0) {
        vg_vmx_doc *again = reparse(doc);
        const vg_vmx_entry *e = vg_vmx_doc_find(again, key);
        CHECK(e != NULL && strcmp(e->value, value) == 0 && !e->duplicate);
        vg_vmx_doc_free(again);
    }
    CHECK(vg_vmx_doc_remove(doc, key, &err) >= 1);
    CHECK(vg_vmx_doc_find(doc, key) == NULL);
    vg_vmx_doc *again = reparse(doc);
    CHECK(vg_vmx_doc_find(again, key) == NULL);
    vg_vmx_doc_free(again);
    free(value);
    free(key);
}

static void check_escape(const uint8_t *data, size_t size)
{
    char *esc = vg_vmx_escape((const char *)data, size);
    CHECK(esc != NULL && strchr(esc, '"') == NULL);
    size_t n = strlen(esc);
    char *back = vg_vmx_unescape(esc, n);
    CHECK(back != NULL && memcmp(back, data, size) == 0);
    free(back);
    free(esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    vg_error_clear(&err);
    if (size < 4096)
        check_escape(data, size);
    int rc = vg_vmx_doc_parse((const char *)data, size, "fuzz.vmx", &doc, &err);
    if (rc != 0) {
        CHECK(rc == VG_EINPUT && doc == NULL && err.msg[0] != '\0');
        return 0;
    }
    check_bytes(doc, data, size);
    check_entries(doc);
    size_t pos = 0;
    char glob[16];
    size_t g = size < sizeof glob - 1 ? size : sizeof glob - 1;
    for (size_t i = 0; i < g; i++)
        glob[i] = data[i] ? (char)data[i] : '*';
    glob[g] = '\0';
    while (vg_vmx_doc_match(doc, glob, &pos) != NULL)
        ;
    check_edits(doc, data, size);
    vg_vmx_doc_free(doc);
    return 0;
}
