/*
 * Choosing profiles by name, as `vmxguard audit` and `fix` do, and saying
 * which one was meant when a name is mistyped: policy a program embedding
 * the library needs as much as the CLI does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

const char *vg_closest_name(const char *word, const char *const *list)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; word && list && list[i]; i++) {
        size_t d = edit_distance(word, list[i]);
        if (d < best_d) {
            best_d = d;
            best = list[i];
        }
    }
    size_t limit = word ? strlen(word) / 3 + 1 : 0;
    return best_d <= limit ? best : NULL;
}

/* An id's family and version: "disa-vsphere6.7-vm" is "disa-vsphere#-vm"
 * at 6.7 (as 6007); the first number in the id is the version.  -1 when
 * the id has no number. */
static long id_version(const char *id, char *family, size_t cap)
{
    size_t n = strcspn(id, "0123456789");
    if (!id[n] || n + 2 >= cap)
        return -1;
    char *end = NULL;
    long major = strtol(id + n, &end, 10), minor = 0;
    if (*end == '.' && end[1] >= '0' && end[1] <= '9')
        minor = strtol(end + 1, &end, 10);
    int w = snprintf(family, cap, "%.*s#%s", (int)n, id, end);
    if (w < 0 || (size_t)w >= cap || major > 1000000 || minor > 999)
        return -1;
    return major * 1000 + minor;
}

const char *vg_catalog_suggest_profile(const vg_catalog *cat, const char *word)
{
    size_t n = vg_catalog_profile_count(cat);
    if (!word || !n)
        return NULL;
    const char **ids = calloc(n + 1, sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ids[i] = vg_catalog_profile_at(cat, i)->id;
    char want_family[256], family[256];
    long want = id_version(word, want_family, sizeof want_family);
    const char *best = NULL;
    long best_gap = 0, best_v = 0;
    for (size_t i = 0; want >= 0 && i < n; i++) {
        long v = id_version(ids[i], family, sizeof family);
        if (v < 0 || strcmp(family, want_family) != 0)
            continue;
        long gap = v > want ? v - want : want - v;
        /* nearest version; between two as near, the newer */
        if (!best || gap < best_gap || (gap == best_gap && v > best_v)) {
            best = ids[i];
            best_gap = gap;
            best_v = v;
        }
    }
    if (!best)
        best = vg_closest_name(word, ids);
    free(ids);
    return best; /* points into the catalog, not into ids */
}

static int add_profile(const vg_profile **out, size_t cap, size_t *n, const vg_profile *p,
                       vg_error *err)
{
    if (*n >= cap)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "too many profiles (at most %zu)", cap);
    out[(*n)++] = p;
    return VG_OK;
}

int vg_catalog_select_profiles(const vg_catalog *cat, const char *const *ids, size_t n_ids,
                               const vg_profile **out, size_t cap, size_t *n, vg_error *err)
{
    *n = 0;
    for (size_t i = 0; i < n_ids; i++) {
        const vg_profile *p = vg_catalog_profile(cat, ids[i]);
        if (!p) {
            const char *near = vg_catalog_suggest_profile(cat, ids[i]);
            *n = 0;
            return vg_error_set(err, VG_ENOTFOUND, NULL, 0, "unknown profile '%s'%s%s%s", ids[i],
                                near ? "; did you mean '" : "", near ? near : "",
                                near ? "'?" : "");
        }
        int rc = add_profile(out, cap, n, p, err);
        if (rc != VG_OK)
            return rc;
    }
    size_t total = vg_catalog_profile_count(cat);
    for (size_t i = 0; !n_ids && i < total; i++) {
        const vg_profile *p = vg_catalog_profile_at(cat, i);
        int rc = vg_catalog_profile_added(cat, p) ? add_profile(out, cap, n, p, err) : VG_OK;
        if (rc != VG_OK)
            return rc;
    }
    if (*n)
        return VG_OK;
    const vg_profile *p = vg_catalog_profile(cat, vg_catalog_default_profile());
    if (!p)
        return vg_error_set(err, VG_ENOTFOUND, NULL, 0, "default profile '%s' is not in the catalog",
                            vg_catalog_default_profile());
    return add_profile(out, cap, n, p, err);
}
