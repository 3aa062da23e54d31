#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GROW_FIRST 8 /* the first allocation, in elements */

int vg_grow(void *pptr, size_t *cap, size_t len, size_t extra, size_t elem)
{
    if (extra > SIZE_MAX - len)
        return -1;
    size_t need = len + extra;
    if (need <= *cap)
        return 0;
    size_t max = elem ? SIZE_MAX / elem : SIZE_MAX;
    if (need > max)
        return -1;
    size_t ncap = *cap ? *cap : GROW_FIRST;
    while (ncap < need)
        ncap = ncap > max / 2 ? need : ncap * 2;
    if (ncap > max)
        ncap = need;
    /* pptr is the address of some T *: copy the pointer out and back rather
     * than access it through a void ** (another type) */
    void *p;
    memcpy(&p, pptr, sizeof p);
    size_t bytes = ncap * elem;
    void *np = realloc(p, bytes ? bytes : 1);
    if (!np)
        return -1;
    memcpy(pptr, &np, sizeof np);
    *cap = ncap;
    return 0;
}
