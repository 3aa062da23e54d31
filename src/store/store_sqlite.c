/*
 * SQLite back end: one file, WAL journal (readers never block the writer,
 * and a killed writer leaves only an uncommitted tail the next open
 * discards), synchronous=NORMAL (durable against a killed process; the
 * last commit may be lost on power loss, never the file).  A file that is
 * not an SQLite database, or is damaged, is reported and left as it is:
 * nothing here ever deletes or recreates the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

struct db_stmt {
    sqlite3_stmt *st;
    vg_store *s;
    int started; /* run was called: the first step is still to be taken */
    int row;     /* the first step gave a row already */
};

struct sqlite_priv {
    db_stmt *bulk[BULK_COUNT];
};

static int sqlite_fail(vg_store *s, vg_error *err, const char *what)
{
    sqlite3 *db = s->db;
    int code = sqlite3_extended_errcode(db) & 0xff;
    int vc = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? VG_EINPUT : VG_EIO;
    return vg_error_set(err, vc, s->where, 0, "%s: %s%s", what, sqlite3_errmsg(db),
                        vc == VG_EINPUT ? " (the file is left untouched)" : "");
}

static int sq_exec(vg_store *s, const char *sql, vg_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlite_fail(s, err, "sqlite");
    return VG_OK;
}

static int sq_prepare(vg_store *s, const char *sql, db_stmt **out, vg_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory");
    (*out)->s = s;
    if (sqlite3_prepare_v2(s->db, sql, -1, &(*out)->st, NULL) != SQLITE_OK) {
        free(*out);
        *out = NULL;
        return sqlite_fail(s, err, "sqlite prepare");
    }
    return VG_OK;
}

static int sq_step(db_stmt *st, vg_error *err)
{
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return sqlite_fail(st->s, err, "sqlite");
}

static int sq_run(db_stmt *st, const char *const *params, int n, vg_error *err)
{
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
    for (int i = 0; i < n; i++) {
        int rc = params[i] ? sqlite3_bind_text(st->st, i + 1, params[i], -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st->st, i + 1);
        if (rc != SQLITE_OK)
            return sqlite_fail(st->s, err, "sqlite bind");
    }
    /* take the first step now, so statements without rows are done here */
    int rc = sq_step(st, err);
    if (rc < 0)
        return rc;
    st->started = 1;
    st->row = rc;
    return VG_OK;
}

static int sq_next(db_stmt *st, vg_error *err)
{
    if (st->started) {
        st->started = 0;
        return st->row;
    }
    if (!st->row)
        return 0;
    st->row = sq_step(st, err);
    return st->row;
}

static const char *sq_col(db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st->st, i);
}

static void sq_finalize(db_stmt *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->st);
    free(st);
}

static int sq_bulk_add(vg_store *s, enum bulk_table t, const char *const *vals, vg_error *err)
{
    struct sqlite_priv *p = s->priv;
    if (!p->bulk[t]) {
        const struct bulk_desc *d = &vg_store_bulk[t];
        vg_buf sql = VG_BUF_INIT;
        vg_buf_printf(&sql, "INSERT INTO %s (", d->table);
        for (int i = 0; i < d->n_cols; i++)
            vg_buf_printf(&sql, "%s%s", i ? ", " : "", d->cols[i]);
        vg_buf_adds(&sql, ") VALUES (");
        for (int i = 0; i < d->n_cols; i++)
            vg_buf_adds(&sql, i ? ", ?" : "?");
        vg_buf_adds(&sql, ")");
        int rc = sql.oom ? vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory")
                         : sq_prepare(s, sql.data, &p->bulk[t], err);
        vg_buf_release(&sql);
        if (rc)
            return rc;
    }
    return sq_run(p->bulk[t], vals, vg_store_bulk[t].n_cols, err);
}

static int sq_bulk_flush(vg_store *s, vg_error *err)
{
    (void)s, (void)err;
    return VG_OK;
}

static int sq_begin_run(vg_store *s, vg_error *err)
{
    /* IMMEDIATE: take the write lock now, so a second writer waits (busy
     * timeout) instead of failing at its first insert */
    return sq_exec(s, "BEGIN IMMEDIATE", err);
}

static void sq_close(vg_store *s)
{
    struct sqlite_priv *p = s->priv;
    for (int i = 0; p && i < BULK_COUNT; i++)
        sq_finalize(p->bulk[i]);
    free(p);
    sqlite3_close(s->db);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .exec = sq_exec,
    .prepare = sq_prepare,
    .run = sq_run,
    .next = sq_next,
    .col = sq_col,
    .finalize = sq_finalize,
    .bulk_add = sq_bulk_add,
    .bulk_flush = sq_bulk_flush,
    .begin_run = sq_begin_run,
    .close = sq_close,
    .id_column = "INTEGER PRIMARY KEY",
    .schema_lock = "BEGIN IMMEDIATE",
    .schema_unlock = "COMMIT",
    .has_table = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    .count_tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
};

/* A non-empty file must start with SQLite's magic; say so before SQLite
 * says "file is not a database" at some later statement. */
static int check_magic(const char *path, vg_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return vg_error_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO, path, 0,
                            "cannot open the store: %s", strerror(errno));
    struct stat st;
    char magic[16];
    ssize_t n = 0;
    int rc = VG_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = vg_error_set(err, VG_EINPUT, path, 0, "the store is not a regular file");
    else if (st.st_size > 0 && ((n = read(fd, magic, sizeof magic)) != (ssize_t)sizeof magic ||
                                memcmp(magic, "SQLite format 3", 16) != 0))
        rc = vg_error_set(err, VG_EINPUT, path, 0,
                          "not an SQLite database (corrupt or another kind of file); "
                          "the file is left untouched");
    close(fd);
    return rc;
}

int vg_store_sqlite_open(const char *path, int flags, vg_store *s, vg_error *err)
{
    snprintf(s->where, sizeof s->where, "%s", path);
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (!exists && !(flags & VG_STORE_CREATE))
        return vg_error_set(err, VG_ENOTFOUND, path, 0, "no such store");
    if (exists) {
        int rc = check_magic(path, err);
        if (rc)
            return rc;
    }
    int oflags = (flags & VG_STORE_READONLY) ? SQLITE_OPEN_READONLY
                                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        int rc = vg_error_set(err, VG_EIO, path, 0, "cannot open the store: %s",
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    if (!exists)
        chmod(path, 0600); /* results name every VM and its weaknesses */
    s->ops = &sqlite_ops;
    s->db = db;
    s->priv = calloc(1, sizeof(struct sqlite_priv));
    if (!s->priv)
        return vg_error_set(err, VG_ENOMEM, path, 0, "out of memory");
    sqlite3_busy_timeout(db, 30000);
    int rc = VG_OK;
    if (!(flags & VG_STORE_READONLY))
        rc = sq_exec(s,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA cache_size=-32768",
                     err);
    if (rc == VG_OK)
        rc = sq_exec(s, "PRAGMA foreign_keys=ON", err);
    return rc;
}
