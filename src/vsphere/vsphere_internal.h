/*
 * Inside the vSphere source: the streaming SOAP reply parser (vsphere_xml.c),
 * the device-to-.vmx synthesis (vsphere_devices.c), the HTTP connection and
 * calls (vsphere_http.c, vsphere_soap.c).  Not part of the public API; the
 * fuzz target and the unit tests use it directly.
 */
#ifndef VG_VSPHERE_INTERNAL_H
#define VG_VSPHERE_INTERNAL_H

#include <curl/curl.h>
#include <libxml/parser.h>
#include <signal.h>

#include "source/interrupt.h"
#include "util/buf.h"
#include "vmxguard/vsphere.h"

/* Why libcurl could not be loaded (vsphere_curl_loader.c), NULL if it was. */
const char *vg_vsphere_curl_error(void);
/* The libcurl calls the client makes, loaded on first use; never NULL (when
 * libcurl is missing every entry fails, see vg_vsphere_curl_error).  The
 * entries are libcurl's own functions, so they take what libcurl's do:
 * easy_setopt's argument must have the type the option names (long,
 * pointer or curl_off_t), as curl.h's type checks would demand. */
struct vg_curl_api {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
};
const struct vg_curl_api *vg_curl(void);

#define VS_NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"
#define VS_NS_VIM "urn:vim25"
#define VS_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define VS_MAX_TEXT (4u * 1024u * 1024u) /* longest text of one element */
#define VS_MAX_DEPTH 64
#define VS_MAX_KV 128
#define VS_MAX_DEVICES 512
/* Largest decoded reply body: small calls (login, view, task) and property
 * pages (500 VMs with large extraConfig are a few MB; 10,000 VMs unpaged
 * are about 112 MB on vcsim).  Stops gigantic, endless and gzip-bomb replies. */
#define VS_MAX_SMALL_REPLY (16u * 1024u * 1024u)
#define VS_MAX_PAGE_REPLY (1024u * 1024u * 1024u)

/* One device of config.hardware.device, as far as the .vmx synthesis needs it. */
typedef struct vs_device {
    char type[64];          /* xsi:type, e.g. "VirtualCdrom" */
    char backing[64];       /* backing's xsi:type */
    char disk_mode[40];     /* backing.diskMode */
    int key, controller_key, unit, bus; /* -1 when absent */
    signed char start_connected, connected, ehci; /* -1 absent, 0, 1 */
} vs_device;

/* Called for every `objects` element of a RetrievePropertiesEx reply; takes
 * ownership of vm.  Return non-zero to stop the parse. */
typedef int (*vs_object_fn)(vg_vm *vm, const char *obj_type, void *ctx);

/* Called instead of keeping path/value pairs for every leaf under returnval
 * of a small reply (depth >= 4), when set (WaitForUpdatesEx, watch): the
 * reply's names[] and xtype[] up to depth are valid during the call.
 * Return non-zero to stop the parse. */
struct vs_reply;
typedef int (*vs_leaf_fn)(const struct vs_reply *r, int depth, const char *text, void *ctx);

/* Everything one SOAP reply can tell us.  Small replies keep their leaves as
 * path/value pairs relative to returnval; property replies stream objects. */
typedef struct vs_reply {
    /* fault */
    int is_fault;
    char fault_type[64];   /* "InvalidLogin", or faultcode when no detail */
    char fault_string[512];
    char fault_name[256];  /* InvalidProperty's <name> */
    /* small replies */
    char response[64];     /* local name of the Body child */
    int prop_response;     /* response is a (Continue)RetrievePropertiesEx one */
    const void *vim_uri;   /* the parser's interned urn:vim25, once seen */
    char returnval[512];   /* text of a leaf returnval (view or task moref) */
    size_t n_kv;
    char *kv_path[VS_MAX_KV];
    char *kv_value[VS_MAX_KV];
    /* property replies */
    char token[256];
    int session_lost;      /* missingSet carried NotAuthenticated */
    size_t n_objects;
    vs_object_fn on_object;
    void *object_ctx;
    vs_leaf_fn on_leaf;    /* set after vg_vs_reply_init; see vs_leaf_fn */
    void *leaf_ctx;
    /* parser state */
    xmlParserCtxtPtr xml;
    int depth;
    int bad;               /* parse stopped: error[] says why */
    char error[256];
    int stopped;           /* on_object asked to stop */
    vg_buf text;
    int text_on;           /* collecting text for the current element */
    char names[VS_MAX_DEPTH][48];
    char xtype[VS_MAX_DEPTH][64];
    /* the object being built */
    vg_vm *vm;
    char obj_type[64];
    char prop[128];
    int val_kind;
    char ov_key[1024];
    int ov_has_key;
    vg_buf ov_value;
    int ov_has_value;
    vs_device *dev;
    size_t n_dev;
    int saw_config; /* a config.* property came back for this object */
    char task_fault[64];
    char task_msg[256];
} vs_reply;

int vg_vs_reply_init(vs_reply *r, vs_object_fn on_object, void *ctx);
/* Feed bytes (may be called with any chunking); 0 or -1 when the reply is bad. */
int vg_vs_reply_feed(vs_reply *r, const char *data, size_t len);
int vg_vs_reply_finish(vs_reply *r);
void vg_vs_reply_release(vs_reply *r);
const char *vg_vs_reply_get(const vs_reply *r, const char *path); /* small replies */

/* Add .vmx-style keys for the devices to doc. */
int vg_vs_devices_to_vmx(const vs_device *dev, size_t n, vg_vmx_doc *doc, vg_error *err);

/* A logged-in (or about to be) connection to one endpoint. */
typedef struct vs_conn {
    CURL *curl;
    struct curl_slist *headers;
    vg_vsphere_target target;
    const vg_vsphere_opts *opts;
    char cookie[600];      /* "vmware_soap_session=<value as received>" */
    char curl_err[CURL_ERROR_SIZE];
    char pc[128], view_mgr[128], session_mgr[128], root[128];
    vg_vsphere_about about;
    char view[512];
    int logged_in;
    int cleanup;           /* logging out: ignore an interrupt, short timeout */
    long http_status;
    size_t body_bytes;     /* decoded bytes of the current reply */
    size_t body_limit;     /* VS_MAX_SMALL_REPLY or VS_MAX_PAGE_REPLY */
    vg_buf snippet;        /* start of a non-XML body, for messages */
    vs_reply *reply;       /* reply being parsed by the write callback */
    long timeout;          /* --timeout in seconds */
    /* stall check (vsphere_http.c on_progress): bytes moved by the start
     * of the current window of `timeout` seconds, and when it began */
    double window_t;
    long long window_bytes;
    int stalled;
    /* deadlines (vsphere_http.c): one per request, one for the session */
    double request_deadline, run_deadline;
    int deadline_hit;      /* 1 the request's, 2 the run's */
} vs_conn;

/* Per-request and per-run time limits, as multiples of --timeout. */
#define VS_REQUEST_TIMEOUTS 4
#define VS_RUN_TIMEOUTS 100
/* Paging limits: pages per query, empty pages in a row (vsphere_soap.c). */
#define VS_MAX_PAGES 100000
#define VS_MAX_EMPTY_PAGES 16

/* Replace the credentials (the password in its raw, XML-escaped and
 * URL-encoded forms, and the session cookie) in s with "***"; s is a
 * NUL-terminated string in a buffer of size bytes. */
void vg_vs_redact(const vs_conn *c, char *s, size_t size);

/* The transport (vsphere_http.c): open the handle, free it (no call). */
int vg_vs_conn_open(vs_conn *c, const char *url, const vg_vsphere_opts *opts, vg_error *err);
void vg_vs_conn_release(vs_conn *c);
/* The session (vsphere_session.c): end it (destroy the view, log out,
 * best effort) and release the transport. */
void vg_vs_conn_close(vs_conn *c);
void vg_vs_logout(vs_conn *c);
/* POST one envelope body (the method element) and parse the reply into r.
 * A SOAP fault becomes an error naming the method and fault type. */
int vg_vs_call(vs_conn *c, const char *method, const char *body, vs_reply *r, vg_error *err);

/* Open, read the service content and log in (vsphere_fetch.c). */
int vg_vs_session_open(vs_conn *c, const char *url, const vg_vsphere_opts *opts, vg_error *err);

/* The calls. */
int vg_vs_service_content(vs_conn *c, vg_error *err);
int vg_vs_login(vs_conn *c, const char *user, const char *password, vg_error *err);
int vg_vs_create_view(vs_conn *c, vg_error *err);
void vg_vs_destroy_view(vs_conn *c);
/* Page through all VMs of the view with the given property paths. */
int vg_vs_retrieve_vms(vs_conn *c, int summary_only, vs_object_fn fn, void *ctx, vg_error *err);
/* Only the VMs' morefs and names over the view (cheap: splits the fetch). */
int vg_vs_list_vms(vs_conn *c, vs_object_fn fn, void *ctx, vg_error *err);
/* The full audit properties of an explicit list of VMs, paged. */
int vg_vs_retrieve_vm_list(vs_conn *c, const char *const *morefs, size_t n, vs_object_fn fn,
                        void *ctx, vg_error *err);
/* Properties of an explicit list of objects (type "VirtualMachine" / "Task"). */
int vg_vs_retrieve_objects(vs_conn *c, const char *type, const char *const *morefs, size_t n,
                        const char *const *paths, size_t n_paths, vs_object_fn fn, void *ctx,
                        vg_error *err);
const char *const *vg_vs_vm_paths(int summary_only, size_t *n);

/* Events (vsphere_events.c) on an open session: the EventManager's moref,
 * and one VM's VmReconfiguredEvents between since and until (0 = open). */
int vg_vs_event_manager(vs_conn *c, char *out, size_t n, vg_error *err);
int vg_vs_vm_events(vs_conn *c, const char *em, const char *moref, time_t since, time_t until,
                    vg_vsphere_event_fn fn, void *ctx, int *stop, vg_error *err);
/* "2026-12-07T16:20:01.123456Z" (or with an offset) to seconds since the
 * epoch, fraction kept; 0 when it does not parse. */
double vg_vs_parse_time(const char *s);

/* Request bodies (vsphere_soap.c): XML text escaping, a moref element,
 * and running the call whose body is in b (b is wiped and released). */
void vg_vs_xml_escape(vg_buf *b, const char *s);
void vg_vs_add_moref(vg_buf *b, const char *elem, const char *type, const char *value);
int vg_vs_call_buf(vs_conn *c, const char *method, vg_buf *b, vs_reply *r, vg_error *err);
/* The same for a clean-up call whose outcome changes nothing (DestroyView,
 * Logout): best effort, errors dropped. */
void vg_vs_call_cleanup(vs_conn *c, const char *method, vg_buf *b);

/* Interruption: vg_interrupt() from the caller's signal handler stops
 * every connection (source/interrupt.h); the library installs no handler. */
#define vg_vs_interrupted vg_interrupted()

#endif
