/*
 * Remediation through the API: one ReconfigVM_Task per VM carrying all its
 * extraConfig edits (an empty value removes a key), a bounded number of
 * tasks in flight, each polled to the end (RetrievePropertiesEx on
 * info.state; vcsim's WaitForUpdatesEx ignores its limits), then every VM
 * read back and each edit verified, since vSphere silently ignores
 * extraConfig keys that clash with ConfigSpec fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vsphere_internal.h"

#define TASK_WAIT_SECONDS 600

static int is_true(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* One typed property as its ConfigSpec element: "flags.enableLogging" is
 * <flags><enableLogging>v</enableLogging></flags>. */
static void add_typed(vg_buf *b, const vg_fix_typed_prop *t, const char *value)
{
    const char *seg[8];
    size_t len[8], n = 0;
    for (const char *p = t->spec; n < 8; n++) {
        seg[n] = p;
        len[n] = strcspn(p, ".");
        if (!p[len[n]]) {
            n++;
            break;
        }
        p += len[n] + 1;
    }
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(b, "<%.*s>", (int)len[i], seg[i]);
    if (t->is_bool)
        vg_buf_adds(b, is_true(value) ? "true" : "false");
    else
        vg_vs_xml_escape(b, value);
    while (n--)
        vg_buf_printf(b, "</%.*s>", (int)len[n], seg[n]);
}

/* The typed edits of ch that go before (or after) extraConfig, in the
 * table's order, which is the schema's. */
static void add_typed_edits(vg_buf *b, const vg_vsphere_change *ch, int before)
{
    size_t n_props;
    const vg_fix_typed_prop *props = vg_fix_typed_props(&n_props);
    for (size_t t = 0; t < n_props; t++) {
        if (props[t].before_extra_config != before)
            continue;
        for (size_t i = 0; i < ch->n_edits; i++) {
            const vg_vsphere_edit *e = &ch->edits[i];
            if (e->value && *e->value && strcmp(e->key, props[t].key) == 0)
                add_typed(b, &props[t], e->value);
        }
    }
}

static void build_spec(vg_buf *b, const vg_vsphere_change *ch)
{
    vg_buf_adds(b, "<ReconfigVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">");
    vg_vs_xml_escape(b, ch->moref);
    vg_buf_adds(b, "</_this><spec>");
    add_typed_edits(b, ch, 1);
    for (size_t i = 0; i < ch->n_edits; i++) {
        const vg_vsphere_edit *e = &ch->edits[i];
        if (vg_fix_typed_prop_find(e->key))
            continue;
        vg_buf_adds(b, "<extraConfig xsi:type=\"OptionValue\"><key>");
        vg_vs_xml_escape(b, e->key);
        vg_buf_adds(b, "</key><value xsi:type=\"xsd:string\">");
        vg_vs_xml_escape(b, e->value ? e->value : "");
        vg_buf_adds(b, "</value></extraConfig>");
    }
    add_typed_edits(b, ch, 0);
    vg_buf_adds(b, "</spec></ReconfigVM_Task>");
}

static void set_status(vg_vsphere_change *ch, int code, const char *msg)
{
    ch->status = code;
    snprintf(ch->message, sizeof ch->message, "%s", msg);
}

static int start_task(vs_conn *c, vg_vsphere_change *ch, char *task, size_t size)
{
    vg_buf b = VG_BUF_INIT;
    build_spec(&b, ch);
    vs_reply r;
    vg_error e;
    vg_error_clear(&e);
    int rc = b.oom || vg_vs_reply_init(&r, NULL, NULL)
                 ? vg_error_set(&e, VG_ENOMEM, NULL, 0, "out of memory")
                 : VG_OK;
    if (rc == VG_OK) {
        rc = vg_vs_call(c, "ReconfigVM_Task", b.data, &r, &e);
        snprintf(task, size, "%.*s", (int)size - 1, rc == 0 ? r.returnval : "");
        vg_vs_reply_release(&r);
    }
    vg_buf_release(&b);
    if (rc == VG_OK && !task[0])
        rc = vg_error_set(&e, VG_EINPUT, NULL, 0, "ReconfigVM_Task: reply has no task");
    if (rc)
        set_status(ch, rc, e.msg);
    return rc;
}

/* ------------------------------------------------------------ task wait */

typedef struct batch {
    const vs_conn *conn; /* whose credentials are redacted from task errors */
    vg_vsphere_change *changes;
    char (*tasks)[128];
    size_t n;
    size_t pending;
} batch;

static int on_task(vg_vm *vm, const char *obj_type, void *ctx)
{
    batch *b = ctx;
    const char *state = vg_vm_prop(vm, "info.state");
    for (size_t i = 0; i < b->n && vm->moref && state && strcmp(obj_type, "Task") == 0; i++) {
        if (strcmp(b->tasks[i], vm->moref) != 0)
            continue;
        if (strcmp(state, "success") == 0) {
            b->tasks[i][0] = '\0';
            b->pending--;
        } else if (strcmp(state, "error") == 0) {
            const char *why = vg_vm_prop(vm, "info.error");
            char msg[400];
            snprintf(msg, sizeof msg, "task %s failed: %s", vm->moref, why ? why : "no reason");
            vg_vs_redact(b->conn, msg, sizeof msg);
            set_status(&b->changes[i], VG_ERR, msg);
            b->tasks[i][0] = '\0';
            b->pending--;
        }
    }
    vg_vm_free(vm);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_tasks(vs_conn *c, batch *b, vg_error *err)
{
    static const char *const paths[] = {"info.state", "info.error"};
    long delay = 50;
    time_t deadline = time(NULL) + TASK_WAIT_SECONDS;
    while (b->pending && !vg_vs_interrupted) {
        const char *ids[64];
        size_t n = 0;
        for (size_t i = 0; i < b->n && n < 64; i++) {
            if (b->tasks[i][0])
                ids[n++] = b->tasks[i];
        }
        int rc = vg_vs_retrieve_objects(c, "Task", ids, n, paths, 2, on_task, b, err);
        if (rc)
            return rc;
        if (!b->pending)
            break;
        if (time(NULL) > deadline)
            return vg_error_set(err, VG_ERR, c->target.server, 0, "tasks still running after %d s",
                                TASK_WAIT_SECONDS);
        sleep_ms(delay);
        delay = delay < 1000 ? delay * 2 : 1000;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->tasks[i][0])
            set_status(&b->changes[i], VG_ERR, "interrupted while the task was running");
    }
    return VG_OK;
}

/* ------------------------------------------------------------ read back */

typedef struct readback {
    vg_vsphere_change *changes;
    size_t n;
} readback;

static int edit_shows(const vg_vm *vm, const vg_vsphere_edit *e)
{
    int removal = !e->value || !*e->value;
    const vg_fix_typed_prop *t = vg_fix_typed_prop_find(e->key);
    if (t) {
        const char *v = vg_vm_prop(vm, e->key);
        if (removal)
            return 1;
        return v && (t->is_bool ? is_true(v) == is_true(e->value) : strcmp(v, e->value) == 0);
    }
    const vg_vmx_entry *en = vm->settings ? vg_vmx_doc_find(vm->settings, e->key) : NULL;
    return removal ? en == NULL : en && strcmp(en->value, e->value) == 0;
}

static void verify(vg_vsphere_change *ch, vg_vm *vm)
{
    vg_buf missing = VG_BUF_INIT;
    for (size_t i = 0; i < ch->n_edits; i++) {
        if (!edit_shows(vm, &ch->edits[i]))
            vg_buf_printf(&missing, "%s%s", missing.len ? ", " : "", ch->edits[i].key);
    }
    ch->after = vm;
    if (missing.len) {
        char msg[512];
        snprintf(msg, sizeof msg, "the server accepted the task but ignored: %.400s", missing.data);
        set_status(ch, VG_ERR, msg);
    } else if (vm->power == VG_POWER_ON) {
        set_status(ch, VG_OK, "applied, takes effect after a cold start (the VM is powered on)");
    } else {
        set_status(ch, VG_OK, "applied");
    }
    vg_buf_release(&missing);
}

static int on_readback(vg_vm *vm, const char *obj_type, void *ctx)
{
    readback *rb = ctx;
    for (size_t i = 0; i < rb->n && vm->moref && strcmp(obj_type, "VirtualMachine") == 0; i++) {
        vg_vsphere_change *ch = &rb->changes[i];
        if (ch->status == 0 && !ch->after && strcmp(ch->moref, vm->moref) == 0) {
            verify(ch, vm);
            return 0;
        }
    }
    vg_vm_free(vm);
    return 0;
}

static int read_back(vs_conn *c, vg_vsphere_change *changes, size_t n, vg_error *err)
{
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    if (!ids)
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (changes[i].status == 0)
            ids[k++] = changes[i].moref;
    }
    size_t n_paths;
    const char *const *paths = vg_vs_vm_paths(0, &n_paths);
    readback rb = {changes, n};
    int rc = k ? vg_vs_retrieve_objects(c, "VirtualMachine", ids, k, paths, n_paths, on_readback,
                                        &rb, err)
               : VG_OK;
    free(ids);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (changes[i].status == 0 && !changes[i].after)
            set_status(&changes[i], VG_ENOTFOUND, "the VM was not found when read back");
    }
    return rc;
}

static int run_batches(vs_conn *c, vg_vsphere_change *changes, size_t n, size_t jobs, vg_error *err)
{
    char(*tasks)[128] = calloc(jobs, sizeof *tasks);
    if (!tasks)
        return vg_error_set(err, VG_ENOMEM, c->target.server, 0, "out of memory");
    int rc = VG_OK;
    for (size_t start = 0; start < n && rc == 0; start += jobs) {
        batch b = {c, changes + start, tasks, n - start < jobs ? n - start : jobs, 0};
        for (size_t i = 0; i < b.n; i++) {
            tasks[i][0] = '\0';
            if (start_task(c, &b.changes[i], tasks[i], sizeof tasks[i]) == 0)
                b.pending++;
        }
        rc = wait_tasks(c, &b, err);
    }
    free(tasks);
    return rc;
}

int vg_vsphere_reconfig(const char *url, const vg_vsphere_opts *opts, vg_vsphere_change *changes,
                        size_t n_changes, int jobs, vg_error *err)
{
    for (size_t i = 0; i < n_changes; i++) {
        changes[i].status = 0;
        changes[i].message[0] = '\0';
        changes[i].after = NULL;
    }
    vs_conn c;
    vg_interruptible_begin(!opts->keep_sigint);
    int rc = vg_vs_session_open(&c, url, opts, err);
    if (rc == 0)
        rc = run_batches(&c, changes, n_changes, jobs > 0 ? (size_t)jobs : 8, err);
    if (rc == 0)
        rc = read_back(&c, changes, n_changes, err);
    if (rc == 0 && vg_vs_interrupted)
        rc = vg_error_set(err, VG_ERR, c.target.server, 0, "interrupted");
    for (size_t i = 0; i < n_changes && rc; i++) {
        if (changes[i].status == 0 && !changes[i].after)
            set_status(&changes[i], rc, "not verified: the session failed");
    }
    vg_vs_conn_close(&c);
    vg_interruptible_end();
    return rc;
}
