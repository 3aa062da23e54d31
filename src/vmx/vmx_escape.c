/*
 * The |XX codec of VMware's dictionary files (open-vm-tools lib/misc/escape.c).
 *
 * Decoding follows Escape_Undo's state machine: after '|' up to two bytes
 * are read; if both are hex digits (either case) they become one byte,
 * otherwise the '|' and the bytes read so far are copied as they are and
 * not scanned again.  Single pass, so "|7C22" decodes to "|22".
 * Encoding escapes what VMware escapes on write: bytes 0x00-0x1F except
 * TAB, '"', '|' and 0x7F, with upper-case hex.  Bytes >= 0x80 are left
 * alone so text in the file's .encoding stays as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "vmx/vmx_internal.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void vg_vmx_unescape_into(const char *raw, size_t len, char *out, size_t *outlen)
{
    size_t o = 0, i = 0;
    while (i < len) {
        const char *bar = memchr(raw + i, '|', len - i);
        size_t plain = bar ? (size_t)(bar - raw) - i : len - i;
        memcpy(out + o, raw + i, plain);
        o += plain;
        i += plain;
        if (!bar)
            break;
        /* raw[i] == '|': look at up to two following bytes */
        int hi = i + 1 < len ? hexval((unsigned char)raw[i + 1]) : -1;
        int lo = hi >= 0 && i + 2 < len ? hexval((unsigned char)raw[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 3;
            continue;
        }
        /* failed sequence: copy '|' and the bytes consumed, including the breaker */
        size_t take = 1 + (i + 1 < len) + (hi >= 0 && i + 2 < len);
        memcpy(out + o, raw + i, take);
        o += take;
        i += take;
    }
    out[o] = '\0';
    *outlen = o;
}

char *vg_vmx_unescape(const char *raw, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n;
    vg_vmx_unescape_into(raw, len, out, &n);
    return out;
}

static int needs_escape(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == '"' || c == '|' || c == 0x7F;
}

char *vg_vmx_escape(const char *value, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += needs_escape((unsigned char)value[i]) ? 3 : 1;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (needs_escape(c)) {
            *o++ = '|';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}
