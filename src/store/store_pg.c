/*
 * PostgreSQL back end (libpq), for `--store postgresql://...`: several
 * auditors, one store.  A run is one transaction; a run's writer takes a
 * transaction-scoped advisory lock first, so two runs written at once
 * resolve VM identities one after the other (the second waits for the
 * first's commit) and never both create the same VM.  Rows written in
 * bulk (VMs, results, lints) go in with COPY, a batch at a time.  Text
 * that is not valid UTF-8 (a .vmx may hold any bytes) has its bad bytes
 * replaced by U+FFFD, since a UTF-8 database refuses them.  libpq's notices
 * are swallowed: the library prints nothing.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Any 64-bit number the application chooses; "vmxg" in ASCII. */
#define RUN_LOCK_KEY "1987012711"
#define SCHEMA_LOCK_KEY "1987012712"
#define COPY_BATCH (4u << 20)

struct db_stmt {
    vg_store *s;
    char name[24];
    int n_params;
    PGresult *row; /* the current single-row result */
    int pending;   /* row holds a row not yet handed out */
    int active;    /* a query is under way on the connection */
};

struct pg_priv {
    db_stmt *active; /* the statement whose rows the connection is sending */
    unsigned next_id;
    vg_buf copy[BULK_COUNT];
    vg_buf clean; /* scratch for UTF-8 clean-up */
    char *cleaned[32];
};

static void no_notice(void *arg, const char *message)
{
    (void)arg, (void)message;
}

static int pg_fail(vg_store *s, vg_error *err, const char *what, const PGresult *res)
{
    const char *m = res ? PQresultErrorMessage(res) : "";
    if (!m || !*m)
        m = PQerrorMessage(s->db);
    char msg[400];
    snprintf(msg, sizeof msg, "%s", m && *m ? m : "unknown error");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    return vg_error_set(err, VG_EIO, s->where, 0, "%s: %s", what, msg);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

/* s with invalid bytes replaced by U+FFFD, appended to b. */
static void add_utf8(vg_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n) {
            vg_buf_add(b, p, n);
            p += n;
        } else {
            vg_buf_adds(b, "\xEF\xBF\xBD");
            p++;
        }
    }
}

/* Let the connection finish what the active statement was sending. */
static void drain(vg_store *s)
{
    struct pg_priv *p = s->priv;
    db_stmt *st = p->active;
    if (!st)
        return;
    PQclear(st->row);
    st->row = NULL;
    st->pending = 0;
    PGresult *r;
    while ((r = PQgetResult(s->db)))
        PQclear(r);
    st->active = 0;
    p->active = NULL;
}

static int pg_exec(vg_store *s, const char *sql, vg_error *err)
{
    drain(s);
    PGresult *r = PQexec(s->db, sql);
    ExecStatusType t = PQresultStatus(r);
    int rc =
        (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) ? VG_OK : pg_fail(s, err, "postgresql", r);
    PQclear(r);
    return rc;
}

static int pg_prepare(vg_store *s, const char *sql, db_stmt **out, vg_error *err)
{
    struct pg_priv *p = s->priv;
    drain(s);
    db_stmt *st = calloc(1, sizeof *st);
    vg_buf q = VG_BUF_INIT;
    if (!st)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    /* '?' -> $1, $2 ...; the SQL here has no '?' inside string literals */
    int quote = 0;
    for (const char *c = sql; *c; c++) {
        if (*c == '\'')
            quote = !quote;
        if (*c == '?' && !quote)
            vg_buf_printf(&q, "$%d", ++st->n_params);
        else
            vg_buf_addc(&q, *c);
    }
    st->s = s;
    snprintf(st->name, sizeof st->name, "vg%u", ++p->next_id);
    if (q.oom) {
        free(st);
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    }
    PGresult *r = PQprepare(s->db, st->name, q.data, 0, NULL);
    vg_buf_release(&q);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? VG_OK : pg_fail(s, err, "postgresql", r);
    PQclear(r);
    if (rc) {
        free(st);
        return rc;
    }
    *out = st;
    return VG_OK;
}

/* Fetch the next result of st's query: 1 row, 0 end, <0 error. */
static int fetch(db_stmt *st, vg_error *err)
{
    vg_store *s = st->s;
    PQclear(st->row);
    st->row = NULL;
    PGresult *r = PQgetResult(s->db);
    if (!r) {
        drain(s);
        return 0;
    }
    ExecStatusType t = PQresultStatus(r);
    if (t == PGRES_SINGLE_TUPLE) {
        st->row = r;
        return 1;
    }
    int rc = (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK) ? 0 : pg_fail(s, err, "postgresql", r);
    PQclear(r);
    drain(s);
    return rc;
}

static int pg_run(db_stmt *st, const char *const *params, int n, vg_error *err)
{
    vg_store *s = st->s;
    struct pg_priv *p = s->priv;
    drain(s);
    const char *vals[32];
    if (n > 32 || n != st->n_params)
        return vg_error_set(err, VG_EUSAGE, s->where, 0, "statement wants %d values, got %d",
                            st->n_params, n);
    vg_buf_reset(&p->clean);
    size_t offs[32];
    for (int i = 0; i < n; i++) {
        vals[i] = params[i];
        offs[i] = (size_t)-1;
        if (params[i] && !utf8_valid(params[i])) {
            offs[i] = p->clean.len;
            add_utf8(&p->clean, params[i]);
            vg_buf_addc(&p->clean, '\0');
        }
    }
    if (p->clean.oom)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    for (int i = 0; i < n; i++) {
        if (offs[i] != (size_t)-1)
            vals[i] = p->clean.data + offs[i];
    }
    if (!PQsendQueryPrepared(s->db, st->name, n, vals, NULL, NULL, 0))
        return pg_fail(s, err, "postgresql", NULL);
    PQsetSingleRowMode(s->db);
    st->active = 1;
    p->active = st;
    int rc = fetch(st, err);
    if (rc < 0)
        return rc;
    st->pending = rc;
    return VG_OK;
}

static int pg_next(db_stmt *st, vg_error *err)
{
    if (st->pending) {
        st->pending = 0;
        return 1;
    }
    if (!st->active)
        return 0;
    return fetch(st, err);
}

static const char *pg_col(db_stmt *st, int i)
{
    if (!st->row || i >= PQnfields(st->row) || PQgetisnull(st->row, 0, i))
        return NULL;
    return PQgetvalue(st->row, 0, i);
}

static void pg_finalize(db_stmt *st)
{
    if (!st)
        return;
    vg_store *s = st->s;
    struct pg_priv *p = s->priv;
    if (p->active == st)
        drain(s);
    PQclear(st->row);
    if (PQstatus(s->db) == CONNECTION_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        PQclear(PQexec(s->db, sql));
    }
    free(st);
}

/* COPY text format: backslash, tab, newline and CR escaped; \N is NULL. */
static void copy_value(vg_buf *b, const char *v)
{
    if (!v) {
        vg_buf_add(b, "\\N", 2);
        return;
    }
    const char *run = v;
    for (const char *c = v;; c++) {
        char e = 0;
        switch (*c) {
        case '\\':
            e = '\\';
            break;
        case '\t':
            e = 't';
            break;
        case '\n':
            e = 'n';
            break;
        case '\r':
            e = 'r';
            break;
        case '\0':
            break;
        default:
            continue;
        }
        vg_buf_add(b, run, (size_t)(c - run));
        if (!*c)
            break;
        vg_buf_addc(b, '\\');
        vg_buf_addc(b, e);
        run = c + 1;
    }
}

static int pg_bulk_flush(vg_store *s, vg_error *err)
{
    struct pg_priv *p = s->priv;
    drain(s);
    for (int t = 0; t < BULK_COUNT; t++) {
        vg_buf *b = &p->copy[t];
        if (b->oom)
            return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
        if (!b->len)
            continue;
        const struct bulk_desc *d = &vg_store_bulk[t];
        vg_buf sql = VG_BUF_INIT;
        vg_buf_printf(&sql, "COPY %s (", d->table);
        for (int i = 0; i < d->n_cols; i++)
            vg_buf_printf(&sql, "%s%s", i ? ", " : "", d->cols[i]);
        vg_buf_adds(&sql, ") FROM STDIN");
        PGresult *r = PQexec(s->db, sql.data);
        vg_buf_release(&sql);
        if (PQresultStatus(r) != PGRES_COPY_IN) {
            int rc = pg_fail(s, err, "postgresql copy", r);
            PQclear(r);
            return rc;
        }
        PQclear(r);
        int ok = PQputCopyData(s->db, b->data, (int)b->len) == 1 && PQputCopyEnd(s->db, NULL) == 1;
        r = PQgetResult(s->db);
        int rc = ok && PQresultStatus(r) == PGRES_COMMAND_OK
                     ? VG_OK
                     : pg_fail(s, err, "postgresql copy", r);
        PQclear(r);
        while ((r = PQgetResult(s->db)))
            PQclear(r);
        vg_buf_reset(b);
        if (rc)
            return rc;
    }
    return VG_OK;
}

static int pg_bulk_add(vg_store *s, enum bulk_table t, const char *const *vals, vg_error *err)
{
    struct pg_priv *p = s->priv;
    vg_buf *b = &p->copy[t];
    for (int i = 0; i < vg_store_bulk[t].n_cols; i++) {
        if (i)
            vg_buf_addc(b, '\t');
        if (vals[i] && !utf8_valid(vals[i])) {
            vg_buf_reset(&p->clean);
            add_utf8(&p->clean, vals[i]);
            copy_value(b, p->clean.data);
        } else {
            copy_value(b, vals[i]);
        }
    }
    vg_buf_addc(b, '\n');
    if (b->len >= COPY_BATCH)
        return pg_bulk_flush(s, err);
    return b->oom ? vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory") : VG_OK;
}

static char *pg_stored_text(const char *s)
{
    if (utf8_valid(s))
        return strdup(s);
    vg_buf b = VG_BUF_INIT;
    add_utf8(&b, s);
    return vg_buf_detach(&b);
}

static int pg_begin_run(vg_store *s, vg_error *err)
{
    return pg_exec(s, "BEGIN; SELECT pg_advisory_xact_lock(" RUN_LOCK_KEY ")", err);
}

static void pg_close(vg_store *s)
{
    struct pg_priv *p = s->priv;
    if (p) {
        for (int t = 0; t < BULK_COUNT; t++)
            vg_buf_release(&p->copy[t]);
        vg_buf_release(&p->clean);
        free(p);
    }
    PQfinish(s->db);
}

static const struct store_ops pg_ops = {
    .name = "postgresql",
    .exec = pg_exec,
    .prepare = pg_prepare,
    .run = pg_run,
    .next = pg_next,
    .col = pg_col,
    .finalize = pg_finalize,
    .bulk_add = pg_bulk_add,
    .bulk_flush = pg_bulk_flush,
    .begin_run = pg_begin_run,
    .close = pg_close,
    .id_column = "BIGSERIAL PRIMARY KEY",
    .schema_lock = "BEGIN; SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")",
    .schema_unlock = "COMMIT",
    .has_table = "SELECT count(*) FROM information_schema.tables "
                 "WHERE table_schema = current_schema() AND table_name = ?",
    .count_tables = "SELECT 0",
    .new_vm_ids = "SELECT nextval(pg_get_serial_sequence('vms', 'id')) "
                  "FROM generate_series(1, 1024)",
    .stored_text = pg_stored_text,
};

/* The URI for messages: user and host kept, a password dropped. */
static void redact(const char *uri, char *out, size_t outsz)
{
    const char *scheme_end = strstr(uri, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *colon = scheme_end ? strchr(scheme_end + 3, ':') : NULL;
    if (at && colon && colon < at)
        snprintf(out, outsz, "%.*s:***%s", (int)(colon - uri), uri, at);
    else
        snprintf(out, outsz, "%s", uri);
    char *pw = strstr(out, "password=");
    if (pw)
        snprintf(pw, outsz - (size_t)(pw - out), "password=***");
}

int vg_store_pg_open(const char *uri, int flags, vg_store *s, vg_error *err)
{
    redact(uri, s->where, sizeof s->where);
    PGconn *c = PQconnectdb(uri);
    if (!c)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    s->ops = &pg_ops;
    s->db = c;
    struct pg_priv *p = s->priv = calloc(1, sizeof(struct pg_priv));
    if (!p)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    vg_buf_init(&p->clean);
    for (int t = 0; t < BULK_COUNT; t++)
        vg_buf_init(&p->copy[t]);
    PQsetNoticeProcessor(c, no_notice, NULL);
    if (PQstatus(c) != CONNECTION_OK)
        return pg_fail(s, err, "cannot connect", NULL);
    int rc = pg_exec(s, "SET client_encoding = 'UTF8'; SET client_min_messages = warning", err);
    if (rc == VG_OK && (flags & VG_STORE_READONLY))
        rc = pg_exec(s, "SET default_transaction_read_only = on", err);
    return rc;
}
