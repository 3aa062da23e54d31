/*
 * hdf pieces that the consumer tests cannot pin down: the SHA-256 behind a
 * profile's sha256 field gives FIPS 180-4's own test vectors, including
 * the lengths that put the padding into a second block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report/report_internal.h"

static void sha256_gives_the_standard_test_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char out[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        vg_report_sha256_hex(out, v[i].in, strlen(v[i].in));
        assert_string_equal(out, v[i].hex);
    }
    /* a million 'a's: many blocks */
    static char big[1000000];
    memset(big, 'a', sizeof big);
    vg_report_sha256_hex(out, big, sizeof big);
    assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_gives_the_standard_test_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
