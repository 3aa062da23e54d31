/*
 * libcurl is loaded when the first vSphere connection is made, not when
 * vmxguard starts.  Linking it pulls in some thirty libraries (TLS, GSSAPI,
 * LDAP, SSH, IDN...) whose loading and relocation cost ~3 ms on every run,
 * a third of a whole audit of a small folder, although only the vSphere
 * client uses them.  vg_curl() returns a table of the nine libcurl calls
 * this module makes, found with dlopen; the library defines no curl_*
 * symbol of its own, so a program that links libcurl itself is not
 * disturbed.  If libcurl cannot be loaded the table's entries fail
 * (CURLE_FAILED_INIT, NULL handles) and vg_vsphere_curl_error() says why.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "vsphere/vsphere_internal.h"

static struct vg_curl_api api;
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

const char *vg_vsphere_curl_error(void)
{
    pthread_once(&load_once, load);
    return loaded == 1 ? NULL : load_error;
}

/* What the table holds when libcurl could not be loaded: every call fails
 * the way libcurl itself reports an unusable library. */
static CURLcode failed_global_init(long flags)
{
    (void)flags;
    return CURLE_FAILED_INIT;
}
static CURL *failed_easy_init(void)
{
    return NULL;
}
static CURLcode failed_easy_setopt(CURL *h, CURLoption opt, ...)
{
    (void)h, (void)opt;
    return CURLE_FAILED_INIT;
}
static CURLcode failed_easy_perform(CURL *h)
{
    (void)h;
    return CURLE_FAILED_INIT;
}
static void failed_easy_cleanup(CURL *h)
{
    (void)h;
}
static CURLcode failed_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    (void)h, (void)info;
    return CURLE_FAILED_INIT;
}
static const char *failed_easy_strerror(CURLcode cc)
{
    (void)cc;
    return load_error;
}
static struct curl_slist *failed_slist_append(struct curl_slist *list, const char *s)
{
    (void)list, (void)s;
    return NULL;
}
static void failed_slist_free_all(struct curl_slist *list)
{
    (void)list;
}

static const struct vg_curl_api failed = {
    failed_global_init,   failed_easy_init,    failed_easy_setopt,
    failed_easy_perform,  failed_easy_cleanup, failed_easy_getinfo,
    failed_easy_strerror, failed_slist_append, failed_slist_free_all,
};

const struct vg_curl_api *vg_curl(void)
{
    pthread_once(&load_once, load);
    return loaded == 1 ? &api : &failed;
}
