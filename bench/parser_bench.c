/*
 * Parser throughput on in-memory text: loads the .vmx files named on the
 * command line into one large buffer, then times vg_vmx_doc_parse over each
 * file's slice of it (what an audit does, without the I/O), on one core.
 * Reports MB/s per core, best of ROUNDS.
 * Usage: bench_parser ROUNDS FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmxguard.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_parser ROUNDS FILE...\n");
        return 2;
    }
    int rounds = (int)strtol(argv[1], NULL, 10);
    size_t cap = 1 << 20, len = 0;
    char *all = malloc(cap);
    size_t *starts = calloc((size_t)argc, sizeof *starts);
    int nfiles = 0;
    for (int i = 2; i < argc && all; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            continue;
        starts[nfiles++] = len;
        char tmp[65536];
        size_t n;
        while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
            while (len + n > cap)
                all = realloc(all, cap *= 2);
            if (!all)
                return 1;
            memcpy(all + len, tmp, n);
            len += n;
        }
        fclose(f);
    }
    starts[nfiles] = len;
    double best_whole = 1e9;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (int i = 0; i < nfiles; i++) {
            vg_vmx_doc *doc = NULL;
            vg_error err;
            if (vg_vmx_doc_parse(all + starts[i], starts[i + 1] - starts[i], "bench", &doc,
                                 &err) != 0) {
                fprintf(stderr, "parse failed: %s\n", err.msg);
                return 1;
            }
            vg_vmx_doc_free(doc);
        }
        double dt = now() - t0;
        if (dt < best_whole)
            best_whole = dt;
    }
    printf("parser: %d files, %.1f MB in memory, best of %d: %.3f s = %.0f MB/s per core\n",
           nfiles, (double)len / 1e6, rounds, best_whole, (double)len / 1e6 / best_whole);
    free(all);
    free(starts);
    return 0;
}
