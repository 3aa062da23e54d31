/*
 * HTTP transport for the vSphere source: one curl handle per connection,
 * TLS 1.2+ verified by default, no redirects (a redirect would carry the
 * session cookie or credentials elsewhere), timeouts on connect and on
 * stalls, and replies streamed straight into the SAX parser.  Messages name
 * the server, never the credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "vsphere_internal.h"

#define SOAP_ENVELOPE_HEAD                                                                         \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "                                              \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
#define SOAP_ENVELOPE_TAIL "</soapenv:Body></soapenv:Envelope>"

/* ----------------------------------------------------------------- URL */

static const struct {
    const char *scheme;
    const char *http;
    const char *default_path;
} schemes[] = {
    {"vsphere://", "https://", "/sdk"},
    {"https://", "https://", "/sdk"},
    {"http://", "http://", "/sdk"},
};

int vg_vsphere_parse_url(const char *url, vg_vsphere_target *out, vg_error *err)
{
    memset(out, 0, sizeof *out);
    size_t si = sizeof schemes / sizeof schemes[0];
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strncasecmp(url, schemes[i].scheme, strlen(schemes[i].scheme)) == 0)
            si = i;
    }
    if (si == sizeof schemes / sizeof schemes[0])
        return vg_error_set(err, VG_EUSAGE, NULL, 0,
                            "target must start with vsphere://, https:// or http://");
    const char *rest = url + strlen(schemes[si].scheme);
    const char *slash = strchr(rest, '/');
    size_t auth_len = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *at = memchr(rest, '@', auth_len);
    const char *host = rest;
    if (at) {
        size_t ulen = (size_t)(at - rest);
        if (memchr(rest, ':', ulen))
            return vg_error_set(err, VG_EUSAGE, NULL, 0,
                                "a password in the target URL is refused (it would show in the "
                                "process list)");
        if (ulen == 0 || ulen >= sizeof out->user)
            return vg_error_set(err, VG_EUSAGE, NULL, 0, "bad user name in target URL");
        memcpy(out->user, rest, ulen);
        host = at + 1;
    }
    size_t hlen = (size_t)(rest + auth_len - host);
    if (hlen == 0 || hlen >= sizeof out->server || strcspn(host, " \t\r\n?#") < hlen)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "target URL has no valid host name");
    memcpy(out->server, host, hlen);
    const char *path = slash && slash[1] ? slash : schemes[si].default_path;
    if (strcspn(path, " \t\r\n") != strlen(path))
        return vg_error_set(err, VG_EUSAGE, out->server, 0, "bad path in target URL");
    int n = snprintf(out->endpoint, sizeof out->endpoint, "%s%s%s", schemes[si].http, out->server,
                     path);
    if (n < 0 || (size_t)n >= sizeof out->endpoint)
        return vg_error_set(err, VG_EUSAGE, out->server, 0, "target URL too long");
    return VG_OK;
}

/* ------------------------------------------------------------ callbacks */

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    vs_conn *c = ctx;
    size_t len = size * n;
    static const char name[] = "set-cookie:";
    static const char cookie[] = "vmware_soap_session=";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        /* echo the value back verbatim: real hosts quote it, vcsim does not */
        const char *p = data + sizeof name - 1;
        const char *end = data + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) > sizeof cookie - 1 && memcmp(p, cookie, sizeof cookie - 1) == 0) {
            size_t vlen = 0;
            while (p + vlen < end && p[vlen] != ';' && p[vlen] != '\r' && p[vlen] != '\n')
                vlen++;
            if (vlen < sizeof c->cookie) {
                memcpy(c->cookie, p, vlen);
                c->cookie[vlen] = '\0';
            }
        }
    }
    return len;
}

static int stop_requested(const vs_conn *c)
{
    return vg_vs_interrupted && !c->cleanup;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    vs_conn *c = ctx;
    size_t len = size * n;
    c->body_bytes += len;
    if (c->body_bytes > c->body_limit)
        return 0; /* vg_vs_call reports the limit */
    if (!c->http_status)
        vg_curl()->easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->http_status);
    if (c->http_status != 200 && c->http_status != 500) {
        if (c->snippet.len < 200)
            vg_buf_add(&c->snippet, data, len < 200 ? len : 200);
        return len;
    }
    if (stop_requested(c) || vg_vs_reply_feed(c->reply, data, len) < 0)
        return 0; /* curl stops the transfer; vg_vs_call says why */
    return len;
}

/* Stalled: fewer than STALL_RATE bytes per second moved, up or down, in a
 * window of --timeout seconds.  libcurl's own low-speed check averages over
 * its last five seconds, so a trickling reply after a quick start was cut
 * only after 7 to 20 s with --timeout 3; this check cuts it within two
 * windows whatever came before. */
#define STALL_RATE 100

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)un;
    vs_conn *c = ctx;
    if (stop_requested(c))
        return 1;
    double t = now_s();
    /* A reply that drips just fast enough never stalls: the deadlines cut
     * it.  Logging out (cleanup) has its own short CURLOPT_TIMEOUT. */
    if (!c->cleanup && (t > c->request_deadline || t > c->run_deadline)) {
        c->deadline_hit = t > c->run_deadline ? 2 : 1;
        return 1;
    }
    long long moved = (long long)dn + (long long)ut;
    if (t - c->window_t >= (double)c->timeout) {
        if (moved - c->window_bytes < (long long)STALL_RATE * c->timeout) {
            c->stalled = 1;
            return 1;
        }
        c->window_t = t;
        c->window_bytes = moved;
    }
    return 0;
}

/* ------------------------------------------------------------ connection */

static int set_tls(vs_conn *c, const vg_vsphere_opts *o, vg_error *err)
{
    CURL *h = c->curl;
    int rc = vg_curl()->easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->insecure) {
        rc |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        rc |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        rc |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        rc |= vg_curl()->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (o->cacert)
            rc |= vg_curl()->easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    }
    if (rc)
        return vg_error_set(err, VG_ERR, c->target.server, 0, "cannot set up TLS options");
    return VG_OK;
}

int vg_vs_conn_open(vs_conn *c, const char *url, const vg_vsphere_opts *opts, vg_error *err)
{
    memset(c, 0, sizeof *c);
    vg_buf_init(&c->snippet);
    c->opts = opts;
    int rc = vg_vsphere_parse_url(url, &c->target, err);
    if (rc)
        return rc;
    c->curl = vg_curl()->easy_init();
    if (!c->curl && vg_vsphere_curl_error())
        return vg_error_set(err, VG_ERR, c->target.server, 0, "%s", vg_vsphere_curl_error());
    if (!c->curl)
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "cannot create an HTTP handle");
    long timeout = opts->timeout > 0 ? opts->timeout : 60;
    c->timeout = timeout;
    c->run_deadline = now_s() + (double)timeout * VS_RUN_TIMEOUTS;
    CURL *h = c->curl;
    int bad = 0;
    bad |= vg_curl()->easy_setopt(h, CURLOPT_URL, c->target.endpoint);
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= vg_curl()->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    bad |= vg_curl()->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
    /* libcurl's check stays as a second guard; on_progress cuts stalls */
    bad |= vg_curl()->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)STALL_RATE);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, timeout);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_HEADERDATA, c);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_WRITEDATA, c);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_XFERINFODATA, c);
    bad |= vg_curl()->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    bad |= vg_curl()->easy_setopt(h, CURLOPT_USERAGENT, "vmxguard/" VG_VERSION);
    c->headers = vg_curl()->slist_append(NULL, "Content-Type: text/xml; charset=\"utf-8\"");
    if (c->headers)
        c->headers = vg_curl()->slist_append(c->headers, "SOAPAction: \"urn:vim25/6.5\"");
    /* no "Expect: 100-continue" round trip before each larger request body */
    if (c->headers)
        c->headers = vg_curl()->slist_append(c->headers, "Expect:");
    if (!c->headers || bad)
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "cannot set up HTTP options");
    vg_curl()->easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    return set_tls(c, opts, err);
}

void vg_vs_conn_release(vs_conn *c)
{
    if (c->curl)
        vg_curl()->easy_cleanup(c->curl);
    vg_curl()->slist_free_all(c->headers);
    vg_buf_release(&c->snippet);
    /* the cookie is a credential for as long as the session lives */
    memset(c->cookie, 0, sizeof c->cookie);
    c->curl = NULL;
    c->headers = NULL;
}

/* --------------------------------------------------------------- faults */

static const struct {
    const char *type;
    const char *text;
} fault_texts[] = {
    {"InvalidLogin", "login failed: wrong user name or password"},
    {"NotAuthenticated", "the session is not logged in or has expired"},
    {"NoPermission", "permission denied for this user"},
    {"ManagedObjectNotFound", "the object is gone (session expired or object deleted)"},
    {"InvalidArgument", "the server rejected an argument"},
    {"InvalidRequest", "the server could not parse the request"},
    {"MethodNotFound", "the server does not support this call"},
    {"InvalidProperty", "the server does not know a requested property"},
    {"RequestCanceled", "the request was canceled"},
    {"InvalidState", "the object is in a state that does not allow this"},
    {"TaskInProgress", "another task is running on the object"},
    {"InvalidPowerState", "not possible in the VM's power state"},
    {"HostConnectFault", "the host is not reachable from vCenter"},
    {"RestrictedVersion", "this ESXi license does not allow API writes"},
    {"ConcurrentAccess", "the object was changed by someone else meanwhile"},
};

static int fault_error(vs_conn *c, const char *method, const vs_reply *r, vg_error *err)
{
    const char *text = "server fault";
    for (size_t i = 0; i < sizeof fault_texts / sizeof fault_texts[0]; i++) {
        if (strcmp(fault_texts[i].type, r->fault_type) == 0)
            text = fault_texts[i].text;
    }
    int code = strcmp(r->fault_type, "InvalidLogin") == 0 ? VG_EUSAGE : VG_ERR;
    return vg_error_set(err, code, c->target.server, 0, "%s: %s%s%.200s%s%.100s (%s)", method,
                        text, r->fault_string[0] ? ": " : "", r->fault_string,
                        r->fault_name[0] ? ": " : "", r->fault_name,
                        r->fault_type[0] ? r->fault_type : "?");
}

static int transfer_error(vs_conn *c, const char *method, CURLcode cc, vs_reply *r, vg_error *err)
{
    if (stop_requested(c))
        return vg_error_set(err, VG_ERR, c->target.server, 0, "%s: interrupted", method);
    if (cc == CURLE_ABORTED_BY_CALLBACK && c->stalled)
        return vg_error_set(err, VG_EIO, c->target.server, 0,
                            "%s: timed out: under %d bytes/s for %ld s (the timeout)", method,
                            STALL_RATE, c->timeout);
    if (cc == CURLE_ABORTED_BY_CALLBACK && c->deadline_hit == 1)
        return vg_error_set(err, VG_EIO, c->target.server, 0,
                            "%s: timed out: no complete reply within %ld s "
                            "(%d x the timeout per request)",
                            method, c->timeout * VS_REQUEST_TIMEOUTS, VS_REQUEST_TIMEOUTS);
    if (cc == CURLE_ABORTED_BY_CALLBACK && c->deadline_hit == 2)
        return vg_error_set(err, VG_EIO, c->target.server, 0,
                            "%s: timed out: the session ran past its %ld s "
                            "limit (%d x the timeout per run)",
                            method, c->timeout * VS_RUN_TIMEOUTS, VS_RUN_TIMEOUTS);
    if (cc == CURLE_WRITE_ERROR && r->stopped)
        return vg_error_set(err, VG_ERR, c->target.server, 0, "%s: stopped", method);
    if (cc == CURLE_WRITE_ERROR && r->bad)
        return vg_error_set(err, VG_EINPUT, c->target.server, 0, "%s: bad reply: %s", method,
                            r->error);
    static const struct {
        CURLcode code;
        const char *what;
        const char *hint;
    } known[] = {
        {CURLE_PEER_FAILED_VERIFICATION, "TLS certificate not accepted: ",
         " (the server's CA is not trusted: vg_vsphere_opts.cacert names one to trust)"},
        {CURLE_SSL_CACERT_BADFILE, "cannot read the CA file: ", ""},
        {CURLE_COULDNT_RESOLVE_HOST, "unknown host: ", ""},
        {CURLE_COULDNT_CONNECT, "cannot connect: ", ""},
        {CURLE_OPERATION_TIMEDOUT, "timed out: ", " (the timeout)"},
        {CURLE_PARTIAL_FILE, "connection lost in the middle of the reply: ", ""},
        {CURLE_RECV_ERROR, "connection lost in the middle of the reply: ", ""},
        {CURLE_GOT_NOTHING, "the server closed the connection without a reply: ", ""},
        {CURLE_SSL_CONNECT_ERROR, "TLS handshake failed: ", ""},
    };
    const char *what = "", *hint = "";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (known[i].code == cc) {
            what = known[i].what;
            hint = known[i].hint;
        }
    }
    const char *detail = c->curl_err[0] ? c->curl_err : vg_curl()->easy_strerror(cc);
    return vg_error_set(err, VG_EIO, c->target.server, 0, "%s: %s%.300s%s", method, what, detail,
                        hint);
}

static int status_error(vs_conn *c, const char *method, vg_error *err)
{
    char *loc = NULL;
    if (c->http_status >= 300 && c->http_status < 400 &&
        vg_curl()->easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
        char where[1024];
        snprintf(where, sizeof where, "%s", loc);
        vg_vs_redact(c, where, sizeof where);
        return vg_error_set(err, VG_EIO, c->target.server, 0,
                            "%s: HTTP %ld redirect to %.200s not followed (give that URL as the "
                            "target if you trust it)",
                            method, c->http_status, where);
    }
    return vg_error_set(err, VG_EIO, c->target.server, 0, "%s: HTTP %ld from %s", method,
                        c->http_status, c->target.endpoint);
}

/* ------------------------------------------------------------ redaction */

static void url_encode(vg_buf *b, const char *s, const char *digits)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            vg_buf_addc(b, (char)*p);
        } else {
            char e[3] = {'%', digits[*p >> 4], digits[*p & 15]};
            vg_buf_add(b, e, 3);
        }
    }
}

/* s with only the characters in which XML-escaped ("&<>\"'": all of them,
 * as vg_vs_xml_escape sends the password). */
static void xml_escape_some(vg_buf *b, const char *s, const char *which)
{
    static const char set[] = "&<>\"'";
    static const char *const names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (; *s; s++) {
        const char *k = strchr(set, *s);
        if (k && strchr(which, *s))
            vg_buf_adds(b, names[k - set]);
        else
            vg_buf_addc(b, *s);
    }
}

/* Every occurrence of needle in s (of size bytes) becomes "***". */
static void replace_in(char *s, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    if (!n || !strstr(s, needle))
        return;
    vg_buf b = VG_BUF_INIT;
    for (const char *p = s, *hit; *p; p = hit + n) {
        hit = strstr(p, needle);
        if (!hit) {
            vg_buf_adds(&b, p);
            break;
        }
        vg_buf_add(&b, p, (size_t)(hit - p));
        vg_buf_adds(&b, "***");
    }
    snprintf(s, size, "%s", b.oom ? "(message withheld: it held a credential)" : b.data);
    memset(b.data, 0, b.cap);
    vg_buf_release(&b);
}

void vg_vs_redact(const vs_conn *c, char *s, size_t size)
{
    const char *pw = c->opts ? c->opts->password : NULL;
    if (pw && *pw) {
        enum { N_FORMS = 6 };
        vg_buf forms[N_FORMS];
        for (int i = 0; i < N_FORMS; i++)
            vg_buf_init(&forms[i]);
        /* XML-escaped as we send it, and as others do (quotes, '>' kept) */
        xml_escape_some(&forms[0], pw, "&<>\"'");
        xml_escape_some(&forms[1], pw, "&<>");
        xml_escape_some(&forms[2], pw, "&<");
        url_encode(&forms[3], pw, "0123456789ABCDEF");
        url_encode(&forms[4], pw, "0123456789abcdef");
        for (const char *p = pw; *p; p++) /* form encoding: a space as '+' */
            vg_buf_addc(&forms[5], *p == ' ' ? '+' : *p);
        /* encoded forms first, so none is left half-replaced by the raw one */
        for (int i = 0; i < N_FORMS; i++) {
            if (strcmp(forms[i].data, pw) != 0)
                replace_in(s, size, forms[i].data);
        }
        replace_in(s, size, pw);
        for (int i = 0; i < N_FORMS; i++) {
            memset(forms[i].data, 0, forms[i].cap);
            vg_buf_release(&forms[i]);
        }
    }
    /* the session cookie's value is a credential too, quoted or not */
    const char *eq = strchr(c->cookie, '=');
    if (eq && eq[1]) {
        char v[sizeof c->cookie];
        snprintf(v, sizeof v, "%s", eq + 1);
        size_t n = strlen(v);
        if (n > 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            replace_in(s, size, v + 1);
        } else {
            replace_in(s, size, v);
        }
    }
}

static int call_once(vs_conn *c, const char *method, const char *body, vs_reply *r,
                     vg_error *err);

/* Server text (fault strings, a redirect's location, parser messages) can
 * echo what we sent: every message is cleaned of the credentials. */
int vg_vs_call(vs_conn *c, const char *method, const char *body, vs_reply *r, vg_error *err)
{
    int rc = call_once(c, method, body, r, err);
    if (rc && err)
        vg_vs_redact(c, err->msg, sizeof err->msg);
    return rc;
}

static int call_once(vs_conn *c, const char *method, const char *body, vs_reply *r, vg_error *err)
{
    if (stop_requested(c))
        return vg_error_set(err, VG_ERR, c->target.server, 0, "%s: interrupted", method);
    vg_buf req = VG_BUF_INIT;
    /* One allocation of the final size: a realloc while copying the body
     * would leave a freed copy of a Login password behind (core files). */
    vg_buf_grow(&req, sizeof SOAP_ENVELOPE_HEAD + strlen(body) + sizeof SOAP_ENVELOPE_TAIL);
    vg_buf_adds(&req, SOAP_ENVELOPE_HEAD);
    vg_buf_adds(&req, body);
    vg_buf_adds(&req, SOAP_ENVELOPE_TAIL);
    if (req.oom) {
        vg_buf_release(&req);
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "%s: out of memory", method);
    }
    c->http_status = 0;
    c->curl_err[0] = '\0';
    vg_buf_reset(&c->snippet);
    c->reply = r;
    c->body_bytes = 0;
    c->body_limit = r->on_object || r->on_leaf ? VS_MAX_PAGE_REPLY : VS_MAX_SMALL_REPLY;
    c->stalled = 0;
    c->window_t = now_s();
    c->window_bytes = 0;
    c->deadline_hit = 0;
    c->request_deadline = c->window_t + (double)c->timeout * VS_REQUEST_TIMEOUTS;
    if (!c->cleanup) {
        /* libcurl's own whole-transfer limit as a second guard */
        double left = (c->request_deadline < c->run_deadline ? c->request_deadline
                                                              : c->run_deadline) -
                      c->window_t;
        vg_curl()->easy_setopt(c->curl, CURLOPT_TIMEOUT, left > 1 ? (long)left + 1 : 1L);
    }
    vg_curl()->easy_setopt(c->curl, CURLOPT_POSTFIELDS, req.data);
    vg_curl()->easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)req.len);
    vg_curl()->easy_setopt(c->curl, CURLOPT_COOKIE, c->cookie[0] ? c->cookie : NULL);
    CURLcode cc = vg_curl()->easy_perform(c->curl);
    c->reply = NULL;
    vg_vs_redact(c, r->fault_string, sizeof r->fault_string);
    vg_vs_redact(c, r->fault_name, sizeof r->fault_name);
    vg_vs_redact(c, r->error, sizeof r->error);
    vg_vs_redact(c, c->curl_err, sizeof c->curl_err);
    /* the Login body holds the password: wipe it before it is freed */
    memset(req.data, 0, req.len);
    vg_buf_release(&req);
    vg_curl()->easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
    if (c->body_bytes > c->body_limit)
        return vg_error_set(err, VG_EINPUT, c->target.server, 0,
                            "%s: reply too large (over the %zu MiB limit; not a vSphere server?)",
                            method, c->body_limit / (1024u * 1024u));
    if (cc != CURLE_OK)
        return transfer_error(c, method, cc, r, err);
    if (!c->http_status)
        vg_curl()->easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->http_status);
    if (c->http_status != 200 && c->http_status != 500)
        return status_error(c, method, err);
    if (vg_vs_reply_finish(r) < 0) {
        if (r->stopped)
            return vg_error_set(err, VG_ERR, c->target.server, 0, "%s: stopped", method);
        return vg_error_set(err, VG_EINPUT, c->target.server, 0, "%s: bad reply (HTTP %ld): %s",
                            method, c->http_status, r->error);
    }
    if (r->is_fault)
        return fault_error(c, method, r, err);
    if (c->http_status != 200)
        return vg_error_set(err, VG_EINPUT, c->target.server, 0,
                            "%s: HTTP %ld without a SOAP fault", method, c->http_status);
    return VG_OK;
}
