/*
 * The analysis of one VM's logs: every line goes through the signatures
 * once; matches become findings keyed by (signature, device, opcode) with
 * count, first and last occurrence and per-minute rates.  State is fixed
 * size (at most VG_LOG_MAX_FINDINGS distinct findings, then folded), so a
 * 2 GiB log costs the same memory as a 2 KB one.
 */
#include <stdlib.h>
#include <string.h>

#include "logs/logs_internal.h"

#define EXAMPLE_MAX 300
#define HITS_MAX 16 /* occurrences of a byte kept per line for the quick reject */

typedef struct minute_count {
    long long minute; /* clock minute being counted, -1 none */
    size_t count;     /* occurrences in it */
    size_t peak;
} minute_count;

typedef struct finding_state {
    size_t sig;
    long long first_ms, last_ms;
    minute_count per_min;
} finding_state;

typedef struct analysis_priv {
    /* Findings and their state grow together, doubling: most VMs have a
     * handful, and clearing room for the maximum cost more than the rest
     * of a small log's analysis. */
    finding_state *st;
    size_t cap;
    /* (signature, device, opcode) -> finding index + 1, 0 empty; a power
     * of two above 2 * cap, grown with it (a fixed table for the maximum
     * was most of a small log's fixed cost to clear) */
    int *slot;
    size_t n_slots;
    size_t n_hashed; /* findings from signatures: the first n_hashed */
    int in_config;   /* inside the "DICT --- CONFIGURATION" dump */
    /* guest traffic over all guest signatures, for the flood check */
    minute_count guest;
    vg_log_where guest_min_first, guest_last, flood_first, flood_last;
    size_t flood_minutes, flood_msgs, flood_peak;
    int finished;
} analysis_priv;

static analysis_priv *P(const vg_log_analysis *a)
{
    return a->priv;
}

vg_log_analysis *vg_log_analysis_new(const vg_log_sigs *sigs, const vg_log_opts *opts)
{
    vg_log_analysis *a = calloc(1, sizeof *a);
    analysis_priv *p = calloc(1, sizeof *p);
    if (!a || !p) {
        free(a);
        free(p);
        return NULL;
    }
    a->priv = p;
    a->sigs = sigs;
    a->rotate_size = a->keep_old = -1;
    a->flood_rate = opts && opts->flood_rate > 0 ? opts->flood_rate : sigs->flood_rate;
    p->guest.minute = -1;
    return a;
}

void vg_log_analysis_free(vg_log_analysis *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < vg_logs_n_fact_names; i++)
        free(*vg_logs_fact_slot(&a->facts, (int)i));
    for (size_t i = 0; i < a->n_files; i++)
        free(a->files[i].path);
    free(a->files);
    for (size_t i = 0; i < a->n_findings; i++) {
        free(a->findings[i].device);
        free(a->findings[i].opcode);
        free(a->findings[i].detail);
    }
    free(a->findings);
    free(a->vmx);
    if (a->priv) {
        free(P(a)->st);
        free(P(a)->slot);
    }
    free(a->priv);
    free(a);
}

void vg_logs_where_set(vg_log_where *w, const char *file, unsigned line, const char *ts,
                       size_t ts_len)
{
    if (ts_len >= sizeof w->ts)
        ts_len = sizeof w->ts - 1;
    memcpy(w->ts, ts ? ts : "", ts ? ts_len : 0);
    w->ts[ts ? ts_len : 0] = '\0';
    w->file = file;
    w->line = line;
}

/* Count one occurrence at ms; returns 1 when a minute closed with `closed` in it. */
static int minute_add(minute_count *m, long long ms, size_t *closed)
{
    if (ms < 0)
        return 0;
    long long minute = ms / 60000;
    int rc = 0;
    if (minute != m->minute) {
        if (m->minute >= 0) {
            *closed = m->count;
            rc = 1;
        }
        m->minute = minute;
        m->count = 0;
    }
    if (++m->count > m->peak)
        m->peak = m->count;
    return rc;
}

static void flood_minute_closed(vg_log_analysis *a, size_t count)
{
    analysis_priv *p = P(a);
    if ((double)count <= a->flood_rate)
        return;
    if (!p->flood_minutes++)
        p->flood_first = p->guest_min_first;
    p->flood_last = p->guest_last;
    p->flood_msgs += count;
    if (count > p->flood_peak)
        p->flood_peak = count;
}

static void guest_seen(vg_log_analysis *a, const vg_log_where *w, long long ms)
{
    analysis_priv *p = P(a);
    size_t closed = 0;
    if (minute_add(&p->guest, ms, &closed))
        flood_minute_closed(a, closed);
    if (p->guest.count == 1)
        p->guest_min_first = *w;
    p->guest_last = *w;
}

static unsigned hash(size_t sig, const char *dev, const char *op)
{
    unsigned h = 2166136261u ^ (unsigned)sig;
    for (const char *s = dev; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (const char *s = op; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b) == 0;
}

/* The hash table at a size above 2 * cap, refilled from the findings. */
static int grow_slots(vg_log_analysis *a, size_t cap)
{
    analysis_priv *p = P(a);
    size_t n = 16;
    while (n < 2 * cap)
        n *= 2;
    if (n <= p->n_slots)
        return 1;
    int *slot = calloc(n, sizeof *slot);
    if (!slot)
        return 0;
    for (size_t i = 0; i < p->n_hashed; i++) {
        const vg_log_finding *f = &a->findings[i];
        unsigned h = hash(p->st[i].sig, f->device ? f->device : "", f->opcode ? f->opcode : "");
        while (slot[h & (n - 1)])
            h++;
        slot[h & (n - 1)] = (int)i + 1;
    }
    free(p->slot);
    p->slot = slot;
    p->n_slots = n;
    return 1;
}

/* Room for one more finding (and its state); 0 when out of memory.
 * Pointers into a->findings are not kept across this call. */
static int room_for_one(vg_log_analysis *a)
{
    analysis_priv *p = P(a);
    if (a->n_findings < p->cap)
        return 1;
    size_t cap = p->cap ? p->cap * 2 : 4;
    if (cap > VG_LOG_MAX_FINDINGS + 8)
        cap = VG_LOG_MAX_FINDINGS + 8;
    vg_log_finding *f = realloc(a->findings, cap * sizeof *f);
    if (!f)
        return 0;
    a->findings = f;
    finding_state *st = realloc(p->st, cap * sizeof *st);
    if (!st)
        return 0;
    p->st = st;
    p->cap = cap;
    return grow_slots(a, cap);
}

/* The finding for (sig, dev, op), created on first sight; NULL when full. */
static vg_log_finding *finding_for(vg_log_analysis *a, size_t sig, const char *dev, const char *op,
                                   const vg_log_line *l, long long ms, int *fresh)
{
    analysis_priv *p = P(a);
    if (!p->n_slots && !room_for_one(a))
        return NULL;
    size_t mask = p->n_slots - 1;
    unsigned h = hash(sig, dev, op);
    for (;; h++) {
        int k = p->slot[h & mask];
        if (!k)
            break;
        vg_log_finding *f = &a->findings[k - 1];
        if (p->st[k - 1].sig == sig && same(f->device, dev) && same(f->opcode, op))
            return f;
    }
    if (a->n_findings == VG_LOG_MAX_FINDINGS)
        return NULL;
    if (a->n_findings == p->cap) {
        if (!room_for_one(a))
            return NULL;
        for (mask = p->n_slots - 1, h = hash(sig, dev, op); p->slot[h & mask]; h++)
            ; /* the table was refilled: find the free slot again */
    }
    const log_sig *s = &a->sigs->sigs[sig];
    vg_log_finding *f = &a->findings[a->n_findings];
    memset(f, 0, sizeof *f);
    f->category = s->category;
    f->id = s->id;
    f->title = s->title;
    f->fix = s->fix;
    f->rule_id = s->rule_id;
    f->severity = s->severity;
    f->device = *dev ? strdup(dev) : NULL;
    f->opcode = *op ? strdup(op) : NULL;
    f->detail = strndup(l->msg, l->msg_len < EXAMPLE_MAX ? l->msg_len : EXAMPLE_MAX);
    finding_state *st = &p->st[a->n_findings];
    memset(st, 0, sizeof *st);
    st->sig = sig;
    st->first_ms = ms;
    st->per_min.minute = -1;
    p->slot[h & mask] = (int)++a->n_findings;
    p->n_hashed = a->n_findings;
    *fresh = 1;
    return f;
}

static void on_finding(vg_log_analysis *a, size_t sig, const sig_caps *caps, const vg_log_line *l,
                       const vg_log_where *w)
{
    const log_sig *s = &a->sigs->sigs[sig];
    char dev[128], op[192]; /* only the terminator: clearing them was a third of a match */
    dev[0] = op[0] = '\0';
    if (s->device_tpl)
        vg_logs_sig_expand(s, s->device_tpl, caps, dev, sizeof dev);
    if (s->opcode_tpl)
        vg_logs_sig_expand(s, s->opcode_tpl, caps, op, sizeof op);
    int fresh = 0;
    long long ms = vg_log_line_ms(l);
    vg_log_finding *f = finding_for(a, sig, dev, op, l, ms, &fresh);
    if (!f) {
        a->folded++;
        return;
    }
    finding_state *st = &P(a)->st[f - a->findings];
    if (fresh)
        f->first = *w;
    f->last = *w;
    f->count++;
    if (ms >= 0)
        st->last_ms = ms;
    if (st->first_ms < 0)
        st->first_ms = ms;
    size_t closed;
    minute_add(&st->per_min, ms, &closed);
    if (s->category == VG_LOG_CAT_GUEST)
        guest_seen(a, w, ms);
}

static void on_fact(vg_log_analysis *a, const log_sig *s, const sig_caps *caps)
{
    if (s->enter_section)
        P(a)->in_config = strcmp(s->enter_section, "CONFIGURATION") == 0;
    for (size_t i = 0; i < s->n_caps; i++) {
        char **slot = vg_logs_fact_slot(&a->facts, s->fact_field[i]);
        char *v = strndup(caps->p[i], caps->n[i]);
        if (v) {
            free(*slot);
            *slot = v;
        }
    }
}

/* Where one byte occurs in a message, found once per line for the
 * signatures that start with a capture: their first literal may sit
 * anywhere, and they are tried on every line. */
typedef struct byte_hits {
    int byte; /* -1 before the first look */
    size_t n; /* HITS_MAX + 1: too many kept, no quick reject */
    size_t at[HITS_MAX];
} byte_hits;

/* 0 when the literal after s's leading capture occurs nowhere in msg (so s
 * cannot match); 1 when it may. */
static int anchor_seen(byte_hits *h, const log_sig *s, const char *msg, size_t len)
{
    const sig_tok *k = &s->toks[1];
    if (s->n_toks < 2 || k->lit[0] == ' ')
        return 1;
    unsigned char c = (unsigned char)k->lit[0];
    if (h->byte != c) {
        h->byte = c;
        h->n = 0;
        for (const char *p = memchr(msg, c, len); p;
             p = memchr(p + 1, c, len - (size_t)(p - msg) - 1)) {
            if (h->n == HITS_MAX) {
                h->n = HITS_MAX + 1;
                break;
            }
            h->at[h->n++] = (size_t)(p - msg);
        }
    }
    if (h->n > HITS_MAX)
        return 1;
    for (size_t i = 0; i < h->n; i++) {
        if ((sig_word(msg + h->at[i], len - h->at[i]) & k->head_mask) == k->head)
            return 1;
    }
    return 0;
}

/* Try the signatures that can match this message; the first match wins. */
static void match_line(vg_log_analysis *a, const vg_log_line *l, vg_log_file *file, unsigned lineno)
{
    const vg_log_sigs *S = a->sigs;
    unsigned char b = l->msg_len ? (unsigned char)l->msg[0] : 0;
    uint64_t head = sig_word(l->msg, l->msg_len);
    byte_hits hits;
    hits.byte = -1;
    hits.n = 0;
    for (size_t k = 0; k < S->n_by_byte[b]; k++) {
        size_t i = S->by_byte[b][k];
        const log_sig *s = &S->sigs[i];
        if ((head & s->head_mask) != s->head) /* quick reject on the first bytes */
            continue;
        if (s->blank_at && (s->blank_at >= l->msg_len ||
                            (l->msg[s->blank_at] != ' ' && l->msg[s->blank_at] != '\t')))
            continue;
        if (!s->toks[0].lit && !anchor_seen(&hits, s, l->msg, l->msg_len))
            continue;
        if (s->section && !P(a)->in_config)
            continue;
        sig_caps caps;
        if (!vg_logs_sig_match(s, l->msg, l->msg_len, &caps))
            continue;
        if (s->session_end)
            file->session_end = 1;
        if (s->kind == SIG_FACT) {
            on_fact(a, s, &caps);
        } else {
            vg_log_where w;
            vg_logs_where_set(&w, file->path, lineno, l->ts, l->ts_len);
            on_finding(a, i, &caps, l, &w);
        }
        return;
    }
}

static vg_log_file *new_file(vg_log_analysis *a, const char *name, vg_error *err)
{
    vg_log_file *grown = realloc(a->files, (a->n_files + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    a->files = grown;
    vg_log_file *f = &a->files[a->n_files];
    memset(f, 0, sizeof *f);
    f->path = strdup(name);
    if (!f->path) {
        vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
        return NULL;
    }
    a->n_files++;
    return f;
}

/* Classify and match every line of one reader. */
static int read_all(vg_log_analysis *a, vg_log_reader *r, vg_log_file *f, vg_error *err)
{
    vg_log_line l;
    unsigned lineno = 0;
    int have_entry = 0, rc;
    P(a)->in_config = 0;
    while ((rc = vg_log_reader_next(r, &l, &lineno, err)) == 1) {
        f->lines = lineno;
        if (l.format == VG_LOG_FMT_UNKNOWN) {
            /* A raw line inside an entry (a message with a newline in it) is
             * text, not a message of its own: never matched, so a guest
             * cannot forge a VMX line by writing a newline. */
            if (have_entry) {
                f->continuations++;
            } else if (!f->unknown++) {
                f->first_unknown = lineno;
            }
            continue;
        }
        have_entry = 1;
        f->by_format[l.format]++;
        if (l.continuation)
            f->continuations++;
        match_line(a, &l, f, lineno);
    }
    f->truncated = vg_log_reader_truncated(r);
    return rc < 0 ? rc : VG_OK;
}

int vg_log_analysis_add_file(vg_log_analysis *a, const char *path, vg_error *err)
{
    vg_log_reader *r = NULL;
    int rc = vg_log_reader_open(path, &r, err);
    if (rc != VG_OK)
        return rc;
    vg_log_file *f = new_file(a, path, err);
    if (!f) {
        vg_log_reader_free(r);
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    }
    rc = read_all(a, r, f, err);
    f->bytes = vg_log_reader_bytes(r);
    a->total_bytes += f->bytes;
    vg_log_reader_free(r);
    return rc;
}

int vg_log_analysis_add_mem(vg_log_analysis *a, const char *data, size_t len, const char *name,
                            vg_error *err)
{
    vg_log_reader *r = NULL;
    int rc = vg_log_reader_mem(data, len, name, &r, err);
    if (rc != VG_OK)
        return rc;
    vg_log_file *f = new_file(a, name ? name : "<memory>", err);
    if (!f) {
        vg_log_reader_free(r);
        return vg_error_set(err, VG_ENOMEM, name, 0, "out of memory");
    }
    rc = read_all(a, r, f, err);
    f->bytes = len;
    a->total_bytes += len;
    vg_log_reader_free(r);
    return rc;
}

/* ---- closing the run ------------------------------------------------------ */

vg_log_finding *vg_logs_add_check(vg_log_analysis *a, const log_check *c, vg_error *err)
{
    /* checks have their own room beyond the signature findings */
    if (a->n_findings >= VG_LOG_MAX_FINDINGS + 8) {
        vg_error_set(err, VG_ERR, NULL, 0, "too many checks");
        return NULL;
    }
    if (!room_for_one(a)) {
        vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    memset(&P(a)->st[a->n_findings], 0, sizeof P(a)->st[0]);
    vg_log_finding *f = &a->findings[a->n_findings++];
    memset(f, 0, sizeof *f);
    f->category = c->category;
    f->id = c->id;
    f->title = c->title;
    f->fix = c->fix;
    f->rule_id = c->rule_id;
    f->severity = c->severity;
    return f;
}

static void close_rates(vg_log_analysis *a, size_t n_sig_findings)
{
    analysis_priv *p = P(a);
    for (size_t i = 0; i < n_sig_findings; i++) {
        vg_log_finding *f = &a->findings[i];
        finding_state *st = &p->st[i];
        f->peak_per_min = st->per_min.peak;
        if (st->first_ms >= 0 && st->last_ms >= st->first_ms) {
            double minutes = (double)(st->last_ms - st->first_ms) / 60000.0;
            f->rate_per_min = (double)f->count / (minutes < 1.0 ? 1.0 : minutes);
        }
        /* a boot-time probe is info; counted or polled beyond what boots do, it
         * is what the signature escalates to (docs/logs.md has the numbers) */
        const log_sig *s = &a->sigs->sigs[st->sig];
        if (s->escalates && (f->count > s->esc_count || f->peak_per_min > s->esc_peak_per_min))
            f->severity = s->esc_severity;
    }
}

static int flood_check(vg_log_analysis *a, vg_error *err)
{
    analysis_priv *p = P(a);
    if (p->guest.minute >= 0)
        flood_minute_closed(a, p->guest.count);
    if (!p->flood_minutes)
        return VG_OK;
    vg_log_finding *f = vg_logs_add_check(a, vg_logs_check(a->sigs, "backdoor-flood"), err);
    if (!f)
        return err ? err->code : VG_ENOMEM;
    f->count = p->flood_msgs;
    f->first = p->flood_first;
    f->last = p->flood_last;
    f->peak_per_min = p->flood_peak;
    f->rate_per_min = (double)p->flood_msgs / (double)p->flood_minutes;
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%zu guest messages in %zu minute(s) above %.0f/min; busiest minute %zu",
                  p->flood_msgs, p->flood_minutes, a->flood_rate, p->flood_peak);
    f->detail = vg_buf_detach(&b);
    return f->detail ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
}

/* A rotated log is a finished session: without the VMX's closing line the
 * process died (crash, kill, host failure).  The current vmware.log may
 * belong to a running VM, so it is not judged here. */
static int ended_check(vg_log_analysis *a, vg_error *err)
{
    size_t n = 0;
    const vg_log_file *first = NULL, *last = NULL;
    for (size_t i = 0; i < a->n_files; i++) {
        const vg_log_file *f = &a->files[i];
        if (f->session_end || !f->lines || !vg_logs_is_rotated(f->path))
            continue;
        if (!n++)
            first = f;
        last = f;
    }
    if (!n)
        return VG_OK;
    vg_log_finding *f = vg_logs_add_check(a, vg_logs_check(a->sigs, "session-ended-abruptly"), err);
    if (!f)
        return err ? err->code : VG_ENOMEM;
    f->count = n;
    vg_logs_where_set(&f->first, first->path, first->lines, NULL, 0);
    vg_logs_where_set(&f->last, last->path, last->lines, NULL, 0);
    vg_buf b = VG_BUF_INIT;
    vg_buf_printf(&b, "%zu rotated log(s) end without the VMX's exit line", n);
    f->detail = vg_buf_detach(&b);
    return f->detail ? VG_OK : vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
}

static int cmp_str(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "");
}

static int cmp_finding(const void *x, const void *y)
{
    const vg_log_finding *a = x, *b = y;
    if (a->category != b->category)
        return a->category < b->category ? -1 : 1;
    int c = strcmp(a->id, b->id);
    if (!c)
        c = cmp_str(a->device, b->device);
    if (!c)
        c = cmp_str(a->opcode, b->opcode);
    return c;
}

static int add_rotation(vg_log_analysis *a, const char *id, size_t count, const vg_log_file *first,
                        const vg_log_file *last, char *detail, vg_error *err)
{
    if (!detail)
        return vg_error_set(err, VG_ENOMEM, NULL, 0, "out of memory");
    vg_log_finding *f = vg_logs_add_check(a, vg_logs_check(a->sigs, id), err);
    if (!f) {
        free(detail);
        return err ? err->code : VG_ENOMEM;
    }
    f->count = count;
    f->detail = detail;
    vg_logs_where_set(&f->first, first->path, 0, NULL, 0);
    vg_logs_where_set(&f->last, last->path, 0, NULL, 0);
    return VG_OK;
}

/* The rotation arithmetic's verdicts (logs_rotation.c) as findings, in order. */
static int rotation_check(vg_log_analysis *a, vg_error *err)
{
    vg_logs_rotation_verdict v[VG_LOGS_ROTATION_VERDICTS];
    size_t n = vg_logs_rotation_judge(a, v);
    int rc = VG_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == VG_OK)
            rc = add_rotation(a, v[i].check, v[i].count, v[i].first, v[i].last, v[i].detail, err);
        else
            free(v[i].detail);
    }
    return rc;
}

int vg_log_analysis_finish(vg_log_analysis *a, vg_error *err)
{
    analysis_priv *p = P(a);
    if (p->finished)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "analysis already finished");
    p->finished = 1;
    size_t n_sig = a->n_findings;
    close_rates(a, n_sig);
    int rc = flood_check(a, err);
    if (rc == VG_OK)
        rc = ended_check(a, err);
    if (rc == VG_OK)
        rc = rotation_check(a, err);
    if (a->n_findings > 1)
        qsort(a->findings, a->n_findings, sizeof *a->findings, cmp_finding);
    return rc;
}
