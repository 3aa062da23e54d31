/*
 * libcurl is loaded when the first vSphere connection is made, not when
 * vmxguard starts.  Linking it pulls in some thirty libraries (TLS, GSSAPI,
 * LDAP, SSH, IDN...) whose loading and relocation cost ~3 ms on every run,
 * a third of a whole audit of a small folder, although only the vSphere
 * client uses them.  These definitions stand in for the nine libcurl calls
 * this module makes and forward to the real ones found with dlopen; the call
 * sites (and curl.h's type checks) stay as they are.  If libcurl cannot be
 * loaded, curl_global_init fails and curl_easy_init returns NULL, and
 * vg_vsphere_curl_error() says why.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "vsphere/vsphere_internal.h"

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;
static int loaded; /* 1 ok, -1 failed */
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    /* the soname Debian's libcurl4 (OpenSSL) and libcurl3-gnutls ship */
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};
    void *h = NULL;
    for (size_t i = 0; !h && i < sizeof names / sizeof names[0]; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load libcurl (package libcurl4): %s",
                 why ? why : "not found");
        loaded = -1;
        return;
    }
    struct {
        void **slot;
        const char *name;
    } syms[] = {
        {(void **)&api.global_init, "curl_global_init"},
        {(void **)&api.easy_init, "curl_easy_init"},
        {(void **)&api.easy_setopt, "curl_easy_setopt"},
        {(void **)&api.easy_perform, "curl_easy_perform"},
        {(void **)&api.easy_cleanup, "curl_easy_cleanup"},
        {(void **)&api.easy_getinfo, "curl_easy_getinfo"},
        {(void **)&api.easy_strerror, "curl_easy_strerror"},
        {(void **)&api.slist_append, "curl_slist_append"},
        {(void **)&api.slist_free_all, "curl_slist_free_all"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
            snprintf(load_error, sizeof load_error, "libcurl lacks %s", syms[i].name);
            loaded = -1;
            return; /* the handle stays open: harmless, and dlclose is not needed */
        }
    }
    loaded = 1;
}

static int ready(void)
{
    pthread_once(&load_once, load);
    return loaded == 1;
}

const char *vg_vsphere_curl_error(void)
{
    pthread_once(&load_once, load);
    return loaded == 1 ? NULL : load_error;
}

CURLcode curl_global_init(long flags)
{
    return ready() ? api.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
    return ready() ? api.easy_init() : NULL;
}

/* libcurl reads one argument whose type the option number says (curl.h:
 * CURLOPTTYPE_*): long below 10000, a pointer below 30000 (objects and
 * functions), curl_off_t below 40000, a pointer (blob) above. */
#undef curl_easy_setopt
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode rc;
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = api.easy_setopt(h, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void *v = va_arg(ap, void *);
        rc = api.easy_setopt(h, opt, v);
    } else if (opt < CURLOPTTYPE_BLOB) {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = api.easy_setopt(h, opt, v);
    } else {
        void *v = va_arg(ap, void *);
        rc = api.easy_setopt(h, opt, v);
    }
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
    return ready() ? api.easy_perform(h) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *h)
{
    if (ready())
        api.easy_cleanup(h);
}

/* Every CURLINFO takes one pointer to where the answer goes. */
#undef curl_easy_getinfo
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *p = va_arg(ap, void *);
    va_end(ap);
    return api.easy_getinfo(h, info, p);
}

const char *curl_easy_strerror(CURLcode cc)
{
    return ready() ? api.easy_strerror(cc) : load_error;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
    return ready() ? api.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (ready())
        api.slist_free_all(list);
}
