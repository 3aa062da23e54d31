/*
 * `.encoding`: values are bytes in the host charset that wrote the file.
 * This file turns such bytes into UTF-8 for display and JSON, through the
 * C library's iconv.  Files are never transcoded on write.
 *
 * VMware names charsets as Windows does; a few differ from iconv's names or
 * mean a Microsoft superset (VMware's "Shift_JIS" on a Windows host is code
 * page 932, where 0x5C is a backslash, not glibc SHIFT_JIS's yen sign, so
 * Windows paths stay readable).  Unknown names fall back to UTF-8 with
 * U+FFFD for every invalid byte, and the parser reports them.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmx/vmx_internal.h"

static const struct {
    const char *vmware;
    const char *iconv; /* NULL: UTF-8, decoded here */
} charset_names[] = {
    {"UTF-8", NULL},
    {"UTF8", NULL},
    {"US-ASCII", NULL},
    {"ASCII", NULL},
    {"Shift_JIS", "CP932"},
    {"windows-31j", "CP932"},
    {"windows-932", "CP932"},
    {"SJIS", "CP932"},
    {"windows-936", "CP936"},
    {"GB2312", "CP936"},
    {"windows-949-2000", "CP949"},
    {"windows-949", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"Big5", "CP950"},
    {"windows-950", "CP950"},
    /* names iconv knows as they are: listed so parsing needs no iconv_open */
    {"windows-1250", "windows-1250"},
    {"windows-1251", "windows-1251"},
    {"windows-1252", "windows-1252"},
    {"windows-1253", "windows-1253"},
    {"windows-1254", "windows-1254"},
    {"windows-1255", "windows-1255"},
    {"windows-1256", "windows-1256"},
    {"windows-1257", "windows-1257"},
    {"windows-1258", "windows-1258"},
    {"windows-874", "CP874"},
    {"GBK", "GBK"},
    {"GB18030", "GB18030"},
    {"ISO-8859-1", "ISO-8859-1"},
    {"ISO-8859-15", "ISO-8859-15"},
    {"EUC-JP", "EUC-JP"},
    {"EUC-KR", "EUC-KR"},
    {"KOI8-R", "KOI8-R"},
};
#define KNOWN_NAMES (sizeof charset_names / sizeof charset_names[0])

/* Index in charset_names, or -1. */
static int known_charset(const char *name)
{
    for (size_t i = 0; i < KNOWN_NAMES; i++)
        if (strcasecmp(name, charset_names[i].vmware) == 0)
            return (int)i;
    return -1;
}

const char *vg_vmx_iconv_name(const char *name)
{
    int i = known_charset(name);
    return i < 0 ? name : charset_names[i].iconv;
}

/* Returns an iconv descriptor to UTF-8, or (iconv_t)-1 when none is needed or known. */
static iconv_t open_converter(const char *encoding, int *unknown)
{
    *unknown = 0;
    if (!encoding)
        return (iconv_t)-1;
    const char *name = vg_vmx_iconv_name(encoding);
    if (!name)
        return (iconv_t)-1;
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        *unknown = 1;
    return cd;
}

void vg_vmx_check_encoding(vg_vmx_doc *doc, vg_buf *diag_text)
{
    const vg_vmx_entry *e = vg_vmx_doc_find(doc, ".encoding");
    if (!e)
        return;
    if (known_charset(e->value) >= 0)
        return;
    int unknown;
    iconv_t cd = open_converter(e->value, &unknown);
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    if (unknown)
        vg_vmx_diag_add(doc, diag_text, VG_DIAG_WARNING, e->line, "unknown-encoding",
                     "unknown .encoding '%.100s'; values are shown as UTF-8", e->value);
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* overlong 3/4-byte forms, surrogates, beyond U+10FFFF */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

static const char replacement[] = "\xEF\xBF\xBD";

static char *utf8_clean(const char *bytes, size_t n)
{
    vg_buf b = VG_BUF_INIT;
    const unsigned char *s = (const unsigned char *)bytes;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k) {
            vg_buf_add(&b, s + i, k);
            i += k;
        } else {
            vg_buf_add(&b, replacement, 3);
            i++;
        }
    }
    return vg_buf_detach(&b);
}

static char *convert(iconv_t cd, const char *bytes, size_t n)
{
    vg_buf b = VG_BUF_INIT;
    char *in = (char *)bytes;
    size_t left = n;
    char chunk[1024];
    while (left > 0) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &o, &room);
        vg_buf_add(&b, chunk, (size_t)(o - chunk));
        if (r == (size_t)-1 && errno != E2BIG) {
            /* EILSEQ or a truncated sequence at the end: one U+FFFD per byte */
            vg_buf_add(&b, replacement, 3);
            in++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
        if (b.oom)
            break;
    }
    return vg_buf_detach(&b);
}

static int is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

char *vg_vmx_doc_to_utf8(const vg_vmx_doc *doc, const char *bytes)
{
    if (!bytes)
        bytes = "";
    size_t n = strlen(bytes);
    const char *enc = vg_vmx_doc_encoding(doc);
    /* every charset of the table keeps ASCII as it is: skip iconv_open for plain text */
    if (enc && known_charset(enc) >= 0 && is_ascii(bytes, n)) {
        char *s = malloc(n + 1);
        if (s)
            memcpy(s, bytes, n + 1);
        return s;
    }
    int unknown;
    iconv_t cd = open_converter(enc, &unknown);
    if (cd == (iconv_t)-1)
        return utf8_clean(bytes, n);
    char *s = convert(cd, bytes, n);
    iconv_close(cd);
    return s;
}

static int from_utf8_iconv(iconv_t cd, const vg_vmx_doc *doc, const char *utf8, char **out,
                           vg_error *err)
{
    vg_buf b = VG_BUF_INIT;
    char *in = (char *)utf8;
    size_t left = strlen(utf8);
    char chunk[1024];
    while (left > 0) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &o, &room);
        vg_buf_add(&b, chunk, (size_t)(o - chunk));
        if (r == (size_t)-1 && errno != E2BIG) {
            vg_buf_release(&b);
            return vg_error_set(err, VG_EINPUT, doc->name, 0,
                                "'%.100s' cannot be written in the file's encoding %s", utf8,
                                vg_vmx_doc_encoding(doc));
        }
    }
    char *s = vg_buf_detach(&b);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, doc->name, 0, "out of memory");
    *out = s;
    return 0;
}

int vg_vmx_doc_from_utf8(const vg_vmx_doc *doc, const char *utf8, char **out, vg_error *err)
{
    *out = NULL;
    iconv_t cd = (iconv_t)-1;
    const char *enc = vg_vmx_doc_encoding(doc);
    const char *name = enc ? vg_vmx_iconv_name(enc) : NULL;
    if (name)
        cd = iconv_open(name, "UTF-8");
    if (cd == (iconv_t)-1) {
        size_t n = strlen(utf8);
        for (size_t i = 0; i < n;) {
            size_t k = utf8_seq((const unsigned char *)utf8 + i, n - i);
            if (!k)
                return vg_error_set(err, VG_EINPUT, doc->name, 0,
                                    "value is not valid UTF-8 (byte %zu)", i);
            i += k;
        }
        *out = strdup(utf8);
        return *out ? 0 : vg_error_set(err, VG_ENOMEM, doc->name, 0, "out of memory");
    }
    int rc = from_utf8_iconv(cd, doc, utf8, out, err);
    iconv_close(cd);
    return rc;
}
