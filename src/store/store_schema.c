/*
 * The store's one schema (docs/store.md describes it for SQL users), its
 * migrations, and opening a store.  vg_meta holds schema_version; each
 * migration brings a store from version N-1 to N inside one transaction,
 * so a store is always at one version.  A store at a newer version than
 * this build knows is refused untouched: an old vmxguard must not write
 * rows a newer one would misread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* %ID% becomes the back end's id column type. */
static const char schema_v1[] =
    "CREATE TABLE vg_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE runs (\n"
    "  id %ID%,\n"
    "  started BIGINT NOT NULL,\n"
    "  finished BIGINT,\n"
    "  tool_version TEXT NOT NULL,\n"
    "  hostname TEXT,\n"
    "  vms BIGINT NOT NULL DEFAULT 0, vms_failing BIGINT NOT NULL DEFAULT 0,\n"
    "  results BIGINT NOT NULL DEFAULT 0,\n"
    "  pass BIGINT NOT NULL DEFAULT 0, fail BIGINT NOT NULL DEFAULT 0,\n"
    "  not_applicable BIGINT NOT NULL DEFAULT 0, manual BIGINT NOT NULL DEFAULT 0,\n"
    "  error BIGINT NOT NULL DEFAULT 0, waived BIGINT NOT NULL DEFAULT 0,\n"
    "  raw_pass BIGINT NOT NULL DEFAULT 0, raw_fail BIGINT NOT NULL DEFAULT 0,\n"
    "  raw_not_applicable BIGINT NOT NULL DEFAULT 0, raw_manual BIGINT NOT NULL DEFAULT 0,\n"
    "  raw_error BIGINT NOT NULL DEFAULT 0, raw_waived BIGINT NOT NULL DEFAULT 0,\n"
    "  fail_info BIGINT NOT NULL DEFAULT 0, fail_low BIGINT NOT NULL DEFAULT 0,\n"
    "  fail_medium BIGINT NOT NULL DEFAULT 0, fail_high BIGINT NOT NULL DEFAULT 0,\n"
    "  errors BIGINT NOT NULL DEFAULT 0, warnings BIGINT NOT NULL DEFAULT 0,\n"
    "  score DOUBLE PRECISION\n"
    ");\n"
    "CREATE TABLE run_targets (\n"
    "  run_id BIGINT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, target TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, seq));\n"
    "CREATE TABLE run_profiles (\n"
    "  run_id BIGINT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,\n"
    "  profile_id TEXT NOT NULL, version TEXT, release TEXT, title TEXT,\n"
    "  PRIMARY KEY (run_id, seq));\n"
    "CREATE TABLE vms (\n"
    "  id %ID%,\n"
    "  instance_uuid TEXT, uuid TEXT, server TEXT, path TEXT, name TEXT,\n"
    "  first_run BIGINT, last_run BIGINT);\n"
    "CREATE INDEX vms_by_instance_uuid ON vms (instance_uuid);\n"
    "CREATE INDEX vms_by_uuid ON vms (uuid);\n"
    "CREATE INDEX vms_by_path ON vms (path);\n"
    "CREATE TABLE run_vms (\n"
    "  run_id BIGINT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,\n"
    "  vm_id BIGINT NOT NULL REFERENCES vms(id),\n"
    "  name TEXT, path TEXT, moref TEXT, uuid TEXT, instance_uuid TEXT, server TEXT, host TEXT,\n"
    "  hw_version TEXT, guest_os TEXT, managed_by TEXT, origin TEXT NOT NULL, power TEXT,\n"
    "  locked INTEGER NOT NULL, template INTEGER NOT NULL, vmx_mtime BIGINT,\n"
    "  fails INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, seq));\n"
    "CREATE INDEX run_vms_by_vm ON run_vms (vm_id, run_id);\n"
    "CREATE TABLE results (\n"
    "  run_id BIGINT NOT NULL, vm_seq INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
    "  profile_id TEXT NOT NULL, rule_id TEXT NOT NULL, status TEXT NOT NULL,\n"
    "  raw_status TEXT NOT NULL, severity TEXT NOT NULL, key TEXT, actual TEXT,\n"
    "  expected TEXT, evidence TEXT, fix TEXT, file TEXT, line INTEGER,\n"
    "  waiver_reason TEXT, waiver_approver TEXT, waiver_expires TEXT,\n"
    "  waiver_expired INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, vm_seq, seq));\n"
    "CREATE TABLE lints (\n"
    "  run_id BIGINT NOT NULL, vm_seq INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
    "  key TEXT, line INTEGER, message TEXT, suggest TEXT,\n"
    "  PRIMARY KEY (run_id, vm_seq, seq));\n"
    "CREATE TABLE problems (\n"
    "  run_id BIGINT NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL,\n"
    "  after_vm INTEGER NOT NULL, code INTEGER NOT NULL, file TEXT, line INTEGER,\n"
    "  message TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, seq));\n"
    "CREATE TABLE events (\n"
    "  id %ID%,\n"
    "  at BIGINT NOT NULL, vm_id BIGINT REFERENCES vms(id),\n"
    "  server TEXT, vm_name TEXT, vm_path TEXT, moref TEXT, uuid TEXT, instance_uuid TEXT,\n"
    "  profile_id TEXT, rule_id TEXT, old_status TEXT, new_status TEXT,\n"
    "  user_name TEXT, detail TEXT);\n"
    "CREATE INDEX events_by_time ON events (at);\n";

/* v2: the pending status (a vSphere setting not in effect until a power
 * cycle) gets its run totals; rows of older runs read 0. */
static const char schema_v2[] =
    "ALTER TABLE runs ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;\n"
    "ALTER TABLE runs ADD COLUMN raw_pending BIGINT NOT NULL DEFAULT 0;\n";

/* migrations[i] brings the schema from version i to i + 1. */
static const char *const migrations[] = {schema_v1, schema_v2};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

static const char *const run_vm_cols[] = {
    "run_id",        "seq",    "vm_id",    "name",       "path",     "moref",      "uuid",
    "instance_uuid", "server", "host",     "hw_version", "guest_os", "managed_by", "origin",
    "power",         "locked", "template", "vmx_mtime",  "fails"};
static const char *const result_cols[] = {
    "run_id",        "vm_seq",   "seq",  "profile_id",    "rule_id",         "status",
    "raw_status",    "severity", "key",  "actual",        "expected",        "evidence",
    "fix",           "file",     "line", "waiver_reason", "waiver_approver", "waiver_expires",
    "waiver_expired"};
static const char *const lint_cols[] = {"run_id", "vm_seq",  "seq",    "key",
                                        "line",   "message", "suggest"};
static const char *const problem_cols[] = {"run_id", "seq",  "after_vm", "code",
                                           "file",   "line", "message"};
static const char *const vm_new_cols[] = {"id",   "instance_uuid", "uuid",      "server",
                                          "path", "name",          "first_run", "last_run"};
static const char *const vm_seen_cols[] = {"id", "instance_uuid", "uuid", "server", "path", "name"};
#define COLS(a) a, (int)(sizeof a / sizeof a[0])
const struct bulk_desc vg_store_bulk[BULK_COUNT] = {
    [BULK_VMS_NEW] = {"vms", COLS(vm_new_cols)},
    [BULK_VMS_SEEN] = {"vg_seen", COLS(vm_seen_cols)},
    [BULK_RUN_VMS] = {"run_vms", COLS(run_vm_cols)},
    [BULK_RESULTS] = {"results", COLS(result_cols)},
    [BULK_LINTS] = {"lints", COLS(lint_cols)},
    [BULK_PROBLEMS] = {"problems", COLS(problem_cols)},
};

void vg_store_p_str(struct params *p, const char *s)
{
    if (p->n < 32)
        p->v[p->n++] = s;
}

void vg_store_p_int(struct params *p, long long v)
{
    if (p->n < 32) {
        snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", v);
        p->v[p->n] = p->num[p->n];
        p->n++;
    }
}

void vg_store_p_real(struct params *p, double v)
{
    if (p->n < 32) {
        snprintf(p->num[p->n], sizeof p->num[p->n], "%.17g", v);
        p->v[p->n] = p->num[p->n];
        p->n++;
    }
}

long long vg_store_col_int(db_stmt *st, const struct store_ops *ops, int i)
{
    const char *v = ops->col(st, i);
    return v ? strtoll(v, NULL, 10) : 0;
}

char *vg_store_col_dup(db_stmt *st, const struct store_ops *ops, int i)
{
    const char *v = ops->col(st, i);
    return v ? strdup(v) : NULL;
}

int vg_store_exec(vg_store *s, const char *sql, vg_error *err)
{
    return s->ops->exec(s, sql, err);
}

int vg_store_run_once(vg_store *s, const char *sql, const char *const *params, int n, vg_error *err)
{
    db_stmt *st = NULL;
    int rc = s->ops->prepare(s, sql, &st, err);
    if (rc == VG_OK)
        rc = s->ops->run(st, params, n, err);
    s->ops->finalize(st);
    return rc;
}

int vg_store_query_int(vg_store *s, const char *sql, const char *const *params, int n, int64_t *out,
                       int *found, vg_error *err)
{
    db_stmt *st = NULL;
    int rc = s->ops->prepare(s, sql, &st, err);
    if (rc)
        return rc;
    *found = 0;
    rc = s->ops->run(st, params, n, err);
    if (rc == VG_OK) {
        rc = s->ops->next(st, err);
        if (rc == 1) {
            const char *v = s->ops->col(st, 0);
            *found = v != NULL;
            *out = v ? strtoll(v, NULL, 10) : 0;
            rc = VG_OK;
        }
    }
    s->ops->finalize(st);
    return rc < 0 ? rc : VG_OK;
}

static int apply_migration(vg_store *s, size_t i, vg_error *err)
{
    vg_buf sql = VG_BUF_INIT;
    for (const char *c = migrations[i]; *c;) {
        if (strncmp(c, "%ID%", 4) == 0) {
            vg_buf_adds(&sql, s->ops->id_column);
            c += 4;
        } else {
            vg_buf_addc(&sql, *c++);
        }
    }
    char ver[24];
    snprintf(ver, sizeof ver, "%zu", i + 1);
    int rc = sql.oom ? vg_error_set(err, VG_ENOMEM, s->where, 0, "out of memory")
                     : vg_store_exec(s, sql.data, err);
    vg_buf_release(&sql);
    if (rc)
        return rc;
    db_stmt *st = NULL;
    rc = s->ops->prepare(s,
                         i == 0 ? "INSERT INTO vg_meta (key, value) VALUES ('schema_version', ?)"
                                : "UPDATE vg_meta SET value = ? WHERE key = 'schema_version'",
                         &st, err);
    const char *p[1] = {ver};
    if (rc == VG_OK)
        rc = s->ops->run(st, p, 1, err);
    s->ops->finalize(st);
    return rc;
}

/* Version in vg_meta, 0 for a store without the table (new or foreign). */
static int read_version(vg_store *s, int *version, vg_error *err)
{
    const char *name[1] = {"vg_meta"};
    int64_t n = 0;
    int found = 0;
    int rc = vg_store_query_int(s, s->ops->has_table, name, 1, &n, &found, err);
    if (rc)
        return rc;
    if (!n) {
        int64_t tables = 0;
        rc = vg_store_query_int(s, s->ops->count_tables, NULL, 0, &tables, &found, err);
        if (rc)
            return rc;
        if (tables)
            return vg_error_set(err, VG_EINPUT, s->where, 0,
                                "not a vmxguard store (it has other tables); left untouched");
        *version = 0;
        return VG_OK;
    }
    int64_t v = 0;
    rc = vg_store_query_int(s, "SELECT value FROM vg_meta WHERE key = 'schema_version'", NULL, 0,
                            &v, &found, err);
    if (rc)
        return rc;
    if (!found || v < 1)
        return vg_error_set(err, VG_EINPUT, s->where, 0,
                            "not a vmxguard store (no schema version); left untouched");
    *version = (int)v;
    return VG_OK;
}

int vg_store_schema_check(vg_store *s, vg_error *err)
{
    int rc = s->readonly ? VG_OK : vg_store_exec(s, s->ops->schema_lock, err);
    if (rc)
        return rc;
    int version = 0;
    rc = read_version(s, &version, err);
    if (rc == VG_OK && version > VG_STORE_SCHEMA_VERSION)
        rc = vg_error_set(err, VG_EINPUT, s->where, 0,
                          "the store has schema version %d, newer than this vmxguard "
                          "knows (%d): use a newer vmxguard; the store is left untouched",
                          version, VG_STORE_SCHEMA_VERSION);
    if (rc == VG_OK && version == 0 && s->readonly)
        rc = vg_error_set(err, VG_EINPUT, s->where, 0, "empty store: no run was recorded in it");
    else if (rc == VG_OK && version < VG_STORE_SCHEMA_VERSION && s->readonly)
        rc = vg_error_set(err, VG_EINPUT, s->where, 0,
                          "the store has the older schema version %d: write a run to it once "
                          "to migrate it",
                          version);
    for (size_t i = (size_t)version; rc == VG_OK && i < N_MIGRATIONS; i++)
        rc = apply_migration(s, i, err);
    if (rc == VG_OK)
        s->schema_version = version > VG_STORE_SCHEMA_VERSION ? version : VG_STORE_SCHEMA_VERSION;
    if (!s->readonly) {
        vg_error e2;
        if (rc == VG_OK)
            rc = vg_store_exec(s, s->ops->schema_unlock, err);
        else
            vg_store_exec(s, "ROLLBACK", &e2);
    }
    return rc;
}

static int is_pg_uri(const char *where)
{
    return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

int vg_store_open(const char *where, int flags, vg_store **out, vg_error *err)
{
    *out = NULL;
    if (!where || !*where)
        return vg_error_set(err, VG_EUSAGE, NULL, 0, "no store named");
    vg_store *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ENOMEM, where, 0, "out of memory");
    s->readonly = (flags & VG_STORE_READONLY) != 0;
    int rc = is_pg_uri(where) ? vg_store_pg_open(where, flags, s, err)
                              : vg_store_sqlite_open(where, flags, s, err);
    if (rc == VG_OK)
        rc = vg_store_schema_check(s, err);
    if (rc) {
        vg_store_close(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

void vg_store_close(vg_store *s)
{
    if (!s)
        return;
    if (s->ops)
        s->ops->close(s);
    free(s);
}

const char *vg_store_backend(const vg_store *s)
{
    return s && s->ops ? s->ops->name : NULL;
}

int vg_store_schema_version(const vg_store *s)
{
    return s ? s->schema_version : 0;
}
