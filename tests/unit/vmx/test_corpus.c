/*
 * Round trip over every file of the shared corpus (shared/ beside the
 * source tree): parse + serialise must give the input bytes back, and so
 * must set + remove of a new key.  The corpus missing is a failure, not a
 * skip.  Lock-member files (*.lck) are binary by design (NUL padding) and
 * must be refused with the binary-content error instead.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "vg_test.h"
#include "vmx_test.h"

#define CORPUS VG_SOURCE_DIR "/../shared/corpus"

static char *read_bytes(const char *path, size_t *len)
{
    char *buf = vg_test_slurp(path, len);
    if (!buf)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    return buf;
}

static void check_bytes(const vg_vmx_doc *doc, const char *want, size_t len, const char *path,
                        const char *what)
{
    char *out;
    size_t n;
    vg_error err;
    assert_int_equal(vg_vmx_doc_serialize(doc, &out, &n, &err), 0);
    if (n != len || memcmp(out, want, n) != 0)
        fail_msg("%s: not byte-identical %s (%zu vs %zu bytes)", path, what, n, len);
    free(out);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void roundtrip_file(const char *path)
{
    vg_vmx_doc *doc = NULL;
    vg_error err;
    int rc = vg_vmx_doc_load(path, &doc, &err);
    if (ends_with(path, ".lck")) {
        assert_int_equal(rc, VG_EINPUT);
        assert_non_null(strstr(err.msg, "binary content (NUL byte at offset"));
        return;
    }
    if (rc != 0)
        fail_msg("%s:%u: %s", err.file, err.line, err.msg);
    size_t len;
    char *bytes = read_bytes(path, &len);
    check_bytes(doc, bytes, len, path, "after parse");
    size_t count = vg_vmx_doc_count(doc);
    assert_int_equal(vg_vmx_doc_set(doc, "vmxguard.roundTrip", "x \"y\" |z", &err), 0);
    assert_int_equal(vg_vmx_doc_count(doc), count + 1);
    assert_string_equal(vg_vmx_doc_find(doc, "VMXGUARD.roundtrip")->value, "x \"y\" |z");
    assert_int_equal(vg_vmx_doc_remove(doc, "vmxguard.roundtrip", &err), 1);
    assert_int_equal(vg_vmx_doc_count(doc), count);
    check_bytes(doc, bytes, len, path, "after set + remove of a new key");
    free(bytes);
    vg_vmx_doc_free(doc);
}

static size_t roundtrip_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("corpus folder %s is missing (%s): shared/ must sit beside the source tree", dir,
                 strerror(errno));
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        roundtrip_file(path);
        n++;
    }
    closedir(d);
    return n;
}

static void every_corpus_vmx_roundtrips_byte_identical(void **state)
{
    (void)state;
    size_t n = roundtrip_dir(CORPUS "/vmx");
    if (n < 100)
        fail_msg("only %zu files in %s/vmx; the corpus looks incomplete", n, CORPUS);
}

static void every_corpus_related_file_roundtrips_byte_identical(void **state)
{
    (void)state;
    size_t n = roundtrip_dir(CORPUS "/related");
    if (n < 5)
        fail_msg("only %zu files in %s/related; the corpus looks incomplete", n, CORPUS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_corpus_vmx_roundtrips_byte_identical),
        cmocka_unit_test(every_corpus_related_file_roundtrips_byte_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
