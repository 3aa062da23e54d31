/* C string literals from the build-time generators (catalog_compile.c,
 * logs_sigs_compile.c), which write compiled data as C source. */
#ifndef VG_C_LITERAL_H
#define VG_C_LITERAL_H

#include <stdio.h>

/* A C string literal for any bytes, or NULL: octal escapes are always three
 * digits, so a following digit is never taken into them; '?' is escaped
 * against trigraphs.  Long text is split after each newline for a readable
 * diff of the generated file. */
static void put_str(FILE *o, const char *s)
{
    if (!s) {
        fputs("NULL", o);
        return;
    }
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(o, "\\%c", *p);
        else if (*p == '\n')
            fputs(p[1] ? "\\n\"\n        \"" : "\\n", o);
        else if (*p >= 0x20 && *p < 0x7f)
            fputc(*p, o);
        else
            fprintf(o, "\\%03o", *p);
    }
    fputc('"', o);
}

#endif
