/*
 * The floor: read every .vmx under the given folders once, on all cores,
 * and do nothing else (a checksum so the reads cannot be optimised away).
 * An auditor cannot be faster than this; bench/run.sh reports ratios to it.
 * With --logs it also reads each vmware*.log beside them: the files an
 * audit with folder evidence (the default) reads.
 * Build: cc -O2 -pthread floor_read.c -o floor_read
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **paths;
static size_t n_paths, cap_paths, next_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int with_logs;

static void add(const char *p)
{
    if (n_paths == cap_paths) {
        cap_paths = cap_paths ? cap_paths * 2 : 1024;
        paths = realloc(paths, cap_paths * sizeof *paths);
        if (!paths)
            exit(1);
    }
    paths[n_paths++] = strdup(p);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char sub[4096];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        size_t l = strlen(e->d_name);
        if (e->d_type == DT_DIR)
            walk(sub);
        else if (l > 4 && strcmp(e->d_name + l - 4, ".vmx") == 0)
            add(sub);
        else if (with_logs && strncmp(e->d_name, "vmware", 6) == 0 && l > 4 &&
                 strcmp(e->d_name + l - 4, ".log") == 0)
            add(sub);
    }
    closedir(d);
}

static void *worker(void *arg)
{
    unsigned long *sum = arg;
    char buf[65536];
    for (;;) {
        pthread_mutex_lock(&lock);
        size_t i = next_path++;
        pthread_mutex_unlock(&lock);
        if (i >= n_paths)
            break;
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            for (ssize_t k = 0; k < n; k += 64)
                *sum += (unsigned char)buf[k];
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--logs") == 0)
            with_logs = 1;
        else
            walk(argv[i]);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    pthread_t t[256];
    unsigned long sums[256] = {0};
    for (long i = 0; i < ncpu && i < 256; i++)
        pthread_create(&t[i], NULL, worker, &sums[i]);
    unsigned long total = 0;
    for (long i = 0; i < ncpu && i < 256; i++) {
        pthread_join(t[i], NULL);
        total += sums[i];
    }
    printf("%zu files, checksum %lu\n", n_paths, total);
    return 0;
}
