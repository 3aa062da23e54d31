/*
 * Inside the results store: the small database interface both back ends
 * implement (store_sqlite.c, store_pg.c), so the schema, the run writer,
 * the replay and the diff are written once, in SQL both understand.
 * Every value crosses this interface as text (NULL for SQL NULL); the
 * columns' declared types convert it.  SQL uses '?' placeholders; the
 * PostgreSQL back end numbers them.
 */
#ifndef VG_STORE_INTERNAL_H
#define VG_STORE_INTERNAL_H

#include <stdint.h>

#include "util/buf.h"
#include "vmxguard/store.h"

typedef struct db_stmt db_stmt;

/* Tables written in bulk during a run (nothing reads them before commit):
 * SQLite inserts each row at once, PostgreSQL batches them with COPY. */
enum bulk_table {
    BULK_VMS_NEW = 0, /* VMs first seen in this run (before run_vms: its foreign key) */
    BULK_VMS_SEEN,    /* known VMs' latest identity, applied to vms at commit */
    BULK_RUN_VMS,
    BULK_RESULTS,
    BULK_LINTS,
    BULK_PROBLEMS,
    BULK_COUNT
};

struct store_ops {
    const char *name;
    /* One statement or several, no parameters, no rows. */
    int (*exec)(vg_store *s, const char *sql, vg_error *err);
    int (*prepare)(vg_store *s, const char *sql, db_stmt **out, vg_error *err);
    /* Run st with n text parameters; rows are then read with next. */
    int (*run)(db_stmt *st, const char *const *params, int n, vg_error *err);
    /* 1: a row is there (col reads it), 0: no more rows, <0 error. */
    int (*next)(db_stmt *st, vg_error *err);
    const char *(*col)(db_stmt *st, int i); /* NULL for SQL NULL */
    void (*finalize)(db_stmt *st);
    int (*bulk_add)(vg_store *s, enum bulk_table t, const char *const *vals, vg_error *err);
    int (*bulk_flush)(vg_store *s, vg_error *err);
    /* Start the run transaction, taking whatever lock makes VM identities
     * safe against another writer. */
    int (*begin_run)(vg_store *s, vg_error *err);
    void (*close)(vg_store *s);
    /* Dialect: the id column of a table, and the statements that make
     * creating or migrating the schema one process at a time. */
    const char *id_column;
    const char *schema_lock;
    const char *schema_unlock;
    /* One row (count) with ? = a table name: 1 when it exists. */
    const char *has_table;
    /* One row: the number of tables of any kind in the schema. */
    const char *count_tables;
    /* Rows of one column: fresh ids for new vms rows, or NULL when the run
     * may number them from max(id) (the writer holds the only write lock). */
    const char *new_vm_ids;
    /* The text as the back end stores it (PostgreSQL: invalid UTF-8
     * replaced), malloc'd; NULL member: stored as given. */
    char *(*stored_text)(const char *s);
};

struct vg_store {
    const struct store_ops *ops;
    void *db; /* sqlite3 * or PGconn * */
    void *priv;
    char where[512]; /* for messages: path, or the URI without its password */
    int readonly;
    int schema_version;
    int in_run;
};

/* Column lists of the bulk tables, in the order bulk_add gets values. */
struct bulk_desc {
    const char *table;
    const char *const *cols;
    int n_cols;
};
extern const struct bulk_desc vg_store_bulk[BULK_COUNT];

int vg_store_sqlite_open(const char *path, int flags, vg_store *s, vg_error *err);
int vg_store_pg_open(const char *uri, int flags, vg_store *s, vg_error *err);

/* Create or migrate the schema (store_schema.c); refuses newer ones. */
int vg_store_schema_check(vg_store *s, vg_error *err);

/* Helpers over ops. */
int vg_store_exec(vg_store *s, const char *sql, vg_error *err);
/* One statement with parameters, prepared, run and finalized. */
int vg_store_run_once(vg_store *s, const char *sql, const char *const *params, int n,
                      vg_error *err);
/* Prepare, run with params, return the first column of the first row as
 * an int64 in *out (found = 1), or found = 0 when no row. */
int vg_store_query_int(vg_store *s, const char *sql, const char *const *params, int n, int64_t *out,
                       int *found, vg_error *err);

/* Text parameters built from numbers without allocating. */
struct params {
    const char *v[32];
    char num[32][24];
    int n;
};
void vg_store_p_str(struct params *p, const char *s);
void vg_store_p_int(struct params *p, long long v);
void vg_store_p_real(struct params *p, double v);

long long vg_store_col_int(db_stmt *st, const struct store_ops *ops, int i);
char *vg_store_col_dup(db_stmt *st, const struct store_ops *ops, int i);

/* ---- replay (store_replay.c), shared by the store and the JSON reader ---- */
#define REPLAY_MAX_PROFILES 64
struct replay_profiles {
    const vg_catalog *cat;
    const vg_profile *p[REPLAY_MAX_PROFILES];
    size_t hint[REPLAY_MAX_PROFILES]; /* index after the last rule found */
    size_t n;
    vg_buf changed; /* ids whose version differs from the run's, ", " joined */
    const vg_replay_opts *opts;
    int skipping;         /* some profile of the run is skipped */
    vg_audit_summary sum; /* counted from what is replayed, when skipping */
};
/* Drop the results of skipped profiles from rep (freeing them), and count
 * rep into rp->sum. */
void vg_store_replay_filter(struct replay_profiles *rp, vg_vm_report *rep);
/* The totals to end with: stored ones, or recounted ones when skipping
 * (errors and warnings stay the stored ones). */
void vg_store_replay_summary(const struct replay_profiles *rp, vg_audit_summary *stored);
/* Look profile id up in the catalog and add it; where names the input. */
int vg_store_replay_profile(struct replay_profiles *rp, const char *id, const char *version,
                            const char *where, vg_error *err);
/* Point res->profile and res->prule at the catalog's entry. */
int vg_store_replay_rule(struct replay_profiles *rp, const char *profile_id, const char *rule_id,
                         vg_result *res, const char *where, vg_error *err);
int vg_store_status_parse(const char *name, vg_result_status *out);
vg_power_state vg_store_power_parse(const char *name);
vg_vm_origin vg_store_origin_parse(const char *name);
/* Recount vr->counts from its results. */
void vg_store_recount(vg_vm_report *vr);
/* A copy of s, or NULL for NULL; sets *oom when the copy fails. */
char *vg_store_dup(const char *s, int *oom);

/* One run's info (store_runs.c); release with vg_store_run_info_release. */
int vg_store_run_info_get(vg_store *s, int64_t id, vg_store_run_info *ri, vg_error *err);
void vg_store_run_info_release(vg_store_run_info *ri);

#endif
