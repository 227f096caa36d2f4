/*
** Checkpoints: the runtime's bookkeeping tables in the results database.
**
**   weir_queries (name PK, kind, plan, status, created, updated, batches, last_error,
**                 watermark_us)
**   weir_offsets (query, source, offset, max_event_time_us; PK query, source)
**                                                            where each source stopped
**   weir_state   (query, op, key BLOB, value BLOB; PK query, op, key)   operator state
**   weir_progress(query, batch_id, at, input_rows, rows_per_s, duration_ms, watermark,
**                 state_rows, late_rows, rejects)            one row per micro-batch
**   weir_rejects (query, source, location, record, error, at)   CONTRACT §7
**   weir_late    (query, window_start, window_end, record, at)  rows dropped as late
**                                                            (late = 'keep')
**
** Event time: weir_queries.watermark_us is the query's watermark after its
** last committed batch and weir_offsets.max_event_time_us each input's max
** event time then (microseconds since the epoch; NULL: none yet; the
** watermark INT64_MAX: every input ended), so a resumed query's watermark
** goes on from where it was and never moves back.  Both columns came with
** event time: ckpt_init_tables adds them to tables an older weir created.
** weir_progress.watermark is the same watermark as TIMESTAMP text
** (stream_watermark_text).
**
** Everything a micro-batch writes here goes into the batch's own transaction
** together with its result rows, so after a crash the tables describe
** exactly the last committed batch: a query created again with the same name
** and plan reloads weir_state into its executor, seeks its sources to
** weir_offsets and continues the batch ids.  op = -1 in weir_state is the
** runtime's own entry: the whole result of a COMPLETE query whose output is
** not a table (key: the encoded row, value: its weight).
**
** weir_progress keeps the last PROGRESS_KEEP batches of each query.
**
** Query names are case-insensitive.  weir_queries, weir_progress and
** weir_rejects keep the name as written (weir_queries compares it with
** NOCASE); weir_offsets and weir_state, which a batch touches once per
** changed state entry, key on the lower-cased name with plain binary
** comparison, which keeps their B-tree seeks cheap.
*/
#include <string.h>

#include "stream_int.h"

#define PROGRESS_KEEP 10000

static int sql_error(sqlite3 *db, Err *err, const char *what) {
    return err_set(err, "results database: %s: %s", what, sqlite3_errmsg(db));
}

static int exec_sql(sqlite3 *db, const char *sql, Err *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "results database: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The lower-cased name that keys weir_offsets and weir_state (sqlite3_malloc'ed). */
static char *state_key(const char *name) {
    char *k = sqlite3_mprintf("%s", name ? name : "");
    if (!k) weir_oom();
    for (char *p = k; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return k;
}

static const char *ts_text(int64_t us, char *buf) {
    ts_format(us, buf);
    return buf;
}

/* Does `table` have column `col`?  (PRAGMA table_info) */
static bool has_column(sqlite3 *db, const char *table, const char *col) {
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q", table, col);
    if (!sql) weir_oom();
    sqlite3_stmt *st = NULL;
    bool found = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return found;
}

/* Add INTEGER column `col` to a bookkeeping table of an older results database.  0 / -1. */
static int add_column(sqlite3 *db, const char *table, const char *col, Err *err) {
    if (has_column(db, table, col)) return 0;
    char *sql = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" INTEGER", table, col);
    if (!sql) weir_oom();
    int rc = exec_sql(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int ckpt_init_tables(sqlite3 *db, Err *err) {
    return exec_sql(db,
                    "CREATE TABLE IF NOT EXISTS weir_queries (name TEXT PRIMARY KEY COLLATE NOCASE, kind TEXT, plan TEXT, "
                    "status TEXT, created TEXT, updated TEXT, batches INTEGER, last_error TEXT);"
                    "CREATE TABLE IF NOT EXISTS weir_offsets (query TEXT, source TEXT, \"offset\" TEXT, "
                    "PRIMARY KEY (query, source));"
                    "CREATE TABLE IF NOT EXISTS weir_state (query TEXT, op INTEGER, key BLOB, value BLOB, "
                    "PRIMARY KEY (query, op, key)) WITHOUT ROWID;"
                    "CREATE TABLE IF NOT EXISTS weir_progress (query TEXT COLLATE NOCASE, batch_id INTEGER, at TEXT, "
                    "input_rows INTEGER, rows_per_s REAL, duration_ms INTEGER, watermark TIMESTAMP, "
                    "state_rows INTEGER, late_rows INTEGER, rejects INTEGER);"
                    "CREATE INDEX IF NOT EXISTS weir_progress_query ON weir_progress (query, batch_id);"
                    "CREATE TABLE IF NOT EXISTS weir_rejects (query TEXT, source TEXT, location TEXT, record TEXT, "
                    "error TEXT, at TEXT);"
                    "CREATE TABLE IF NOT EXISTS weir_late (query TEXT, window_start TEXT, window_end TEXT, "
                    "record TEXT, at TEXT);",
                    err) ||
           add_column(db, "weir_queries", "watermark_us", err) ||
           add_column(db, "weir_offsets", "max_event_time_us", err);
}

static bool table_exists(sqlite3 *db, const char *name) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static const char *col_text(sqlite3_stmt *st, int i, Arena *a) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

int ckpt_lookup(sqlite3 *db, const char *name, Arena *a, CkptInfo *out, Err *err) {
    memset(out, 0, sizeof *out);
    if (!table_exists(db, "weir_queries")) return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT kind, plan, status, batches, watermark_us FROM weir_queries WHERE name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(db, err, "cannot read weir_queries");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    out->watermark = INT64_MIN;
    if (rc == SQLITE_ROW) {
        out->exists = true;
        if (sqlite3_column_type(st, 4) == SQLITE_INTEGER) out->watermark = sqlite3_column_int64(st, 4);
        out->kind = col_text(st, 0, a);
        out->plan = col_text(st, 1, a);
        out->status = col_text(st, 2, a);
        out->batches = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error(db, err, "cannot read weir_queries");
    return 0;
}

int ckpt_register(sqlite3 *db, const char *name, const char *kind, const char *plan, int64_t now_us, Err *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO weir_queries (name, kind, plan, status, created, updated, batches, last_error) "
                           "VALUES (?1, ?2, ?3, 'running', ?4, ?4, 0, NULL) "
                           "ON CONFLICT (name) DO UPDATE SET status = 'running', updated = ?4, last_error = NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(db, err, "cannot register the query");
    char buf[40];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, plan, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ts_text(now_us, buf), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_error(db, err, "cannot register the query");
}

int ckpt_set_status(sqlite3 *db, const char *name, const char *status, const char *last_error, int64_t now_us,
                    Err *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "UPDATE weir_queries SET status = ?2, last_error = ?3, updated = ?4 WHERE name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_error(db, err, "cannot record the query's status");
    char buf[40];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    if (last_error) sqlite3_bind_text(st, 3, last_error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ts_text(now_us, buf), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_error(db, err, "cannot record the query's status");
}

int ckpt_load_offsets(sqlite3 *db, const char *name, int (*fn)(void *, const char *, const char *, int64_t),
                      void *ud, Err *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT source, \"offset\", max_event_time_us FROM weir_offsets WHERE query = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return sql_error(db, err, "cannot read weir_offsets");
    sqlite3_bind_text(st, 1, state_key(name), -1, sqlite3_free);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(st, 0);
        const char *off = (const char *)sqlite3_column_text(st, 1);
        int64_t et = sqlite3_column_type(st, 2) == SQLITE_INTEGER ? sqlite3_column_int64(st, 2) : INT64_MIN;
        if (fn(ud, src ? src : "", off ? off : "", et)) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_error(db, err, "cannot read weir_offsets");
}

int ckpt_load_state(sqlite3 *db, const char *name, StatePutFn fn, void *ud, Err *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT op, key, value FROM weir_state WHERE query = ?1 ORDER BY op, key", -1, &st,
                           NULL) != SQLITE_OK)
        return sql_error(db, err, "cannot read weir_state");
    sqlite3_bind_text(st, 1, state_key(name), -1, sqlite3_free);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int op = sqlite3_column_int(st, 0);
        const void *k = sqlite3_column_blob(st, 1);
        size_t kl = (size_t)sqlite3_column_bytes(st, 1);
        const void *v = sqlite3_column_blob(st, 2);
        size_t vl = (size_t)sqlite3_column_bytes(st, 2);
        if (fn(ud, op, k ? k : "", kl, v ? v : "", vl)) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_error(db, err, "cannot read weir_state");
}

static int prep(Ckpt *c, sqlite3_stmt **st, const char *sql, Err *err) {
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return sql_error(c->db, err, "cannot prepare the checkpoint statements");
    return 0;
}

int ckpt_prepare(Ckpt *c, sqlite3 *db, const char *name, Err *err) {
    memset(c, 0, sizeof *c);
    c->db = db;
    c->name = name;
    c->key = state_key(name);
    /* an upsert updates the entry in place (OR REPLACE would delete and insert it) */
    if (prep(c, &c->put_state,
             "INSERT INTO weir_state (query, op, key, value) VALUES (?1, ?2, ?3, ?4) "
             "ON CONFLICT (query, op, key) DO UPDATE SET value = excluded.value",
             err) ||
        prep(c, &c->del_state, "DELETE FROM weir_state WHERE query = ?1 AND op = ?2 AND key = ?3", err) ||
        prep(c, &c->put_offset,
             "INSERT OR REPLACE INTO weir_offsets (query, source, \"offset\", max_event_time_us) "
             "VALUES (?1, ?2, ?3, ?4)",
             err) ||
        prep(c, &c->progress,
             "INSERT INTO weir_progress (query, batch_id, at, input_rows, rows_per_s, duration_ms, watermark, "
             "state_rows, late_rows, rejects) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?10, ?7, ?8, ?9)",
             err) ||
        prep(c, &c->reject,
             "INSERT INTO weir_rejects (query, source, location, record, error, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
             err) ||
        prep(c, &c->late,
             "INSERT INTO weir_late (query, window_start, window_end, record, at) VALUES (?1, ?2, ?3, ?4, ?5)", err) ||
        prep(c, &c->batches, "UPDATE weir_queries SET batches = ?2, updated = ?3, watermark_us = ?4 WHERE name = ?1",
             err) ||
        prep(c, &c->trim, "DELETE FROM weir_progress WHERE query = ?1 AND batch_id <= ?2", err)) {
        ckpt_finalize(c);
        return -1;
    }
    return 0;
}

void ckpt_finalize(Ckpt *c) {
    sqlite3_finalize(c->put_state);
    sqlite3_finalize(c->del_state);
    sqlite3_finalize(c->put_offset);
    sqlite3_finalize(c->progress);
    sqlite3_finalize(c->reject);
    sqlite3_finalize(c->late);
    sqlite3_finalize(c->batches);
    sqlite3_finalize(c->trim);
    sqlite3_free(c->key);
    memset(c, 0, sizeof *c);
}

/*
** Step a prepared statement once and reset it for the next use.  Every use
** binds all its parameters again, so bindings are not cleared (that costs
** per state entry); the one statement binding batch-arena text clears its own.
*/
static int run(Ckpt *c, sqlite3_stmt *st, Err *err, const char *what) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_error(c->db, err, what);
}

int ckpt_put_state(Ckpt *c, int op, const void *key, size_t klen, const void *val, size_t vlen, Err *err) {
    sqlite3_stmt *st = val ? c->put_state : c->del_state;
    sqlite3_bind_text(st, 1, c->key, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, op);
    sqlite3_bind_blob64(st, 3, klen ? key : "", klen, SQLITE_STATIC);
    if (val) sqlite3_bind_blob64(st, 4, vlen ? val : "", vlen, SQLITE_STATIC);
    return run(c, st, err, "cannot write weir_state");
}

/* An INT64_MIN ("none") as NULL. */
static void bind_i64_or_null(sqlite3_stmt *st, int p, int64_t v) {
    if (v == INT64_MIN) sqlite3_bind_null(st, p);
    else sqlite3_bind_int64(st, p, v);
}

int ckpt_put_offset(Ckpt *c, const char *source, const char *offset, int64_t max_event_time, Err *err) {
    sqlite3_bind_text(c->put_offset, 1, c->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->put_offset, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->put_offset, 3, offset ? offset : "", -1, SQLITE_STATIC);
    bind_i64_or_null(c->put_offset, 4, max_event_time);
    return run(c, c->put_offset, err, "cannot write weir_offsets");
}

int ckpt_progress(Ckpt *c, const ProgressRow *p, Err *err) {
    char buf[40];
    sqlite3_stmt *st = c->progress;
    sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, p->batch_id);
    sqlite3_bind_text(st, 3, ts_text(p->at_us, buf), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, p->input_rows);
    sqlite3_bind_double(st, 5, p->rows_per_s);
    sqlite3_bind_int64(st, 6, p->duration_ms);
    sqlite3_bind_int64(st, 7, p->state_rows);
    sqlite3_bind_int64(st, 8, p->late_rows);
    sqlite3_bind_int64(st, 9, p->rejects);
    char wbuf[40];
    const char *wm = stream_watermark_text(p->watermark, wbuf);
    if (wm) sqlite3_bind_text(st, 10, wm, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 10);
    if (run(c, st, err, "cannot write weir_progress")) return -1;
    if (p->batch_id % 1000 == 0 && p->batch_id > PROGRESS_KEEP) {
        sqlite3_bind_text(c->trim, 1, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(c->trim, 2, p->batch_id - PROGRESS_KEEP);
        if (run(c, c->trim, err, "cannot trim weir_progress")) return -1;
    }
    return 0;
}

int ckpt_reject(Ckpt *c, const char *source, const char *location, const char *record, size_t rlen,
                const char *error, int64_t at_us, Err *err) {
    char buf[40];
    sqlite3_stmt *st = c->reject;
    sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, location, -1, SQLITE_STATIC);
    sqlite3_bind_text64(st, 4, rlen ? record : "", rlen, SQLITE_STATIC, SQLITE_UTF8);
    sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ts_text(at_us, buf), -1, SQLITE_TRANSIENT);
    int rc = run(c, st, err, "cannot write weir_rejects");
    sqlite3_clear_bindings(st);   /* the record's text dies with the batch */
    return rc;
}

int ckpt_late(Ckpt *c, int64_t window_start, int64_t window_end, const char *record, int64_t at_us, Err *err) {
    char ws[40], we[40], at[40];
    sqlite3_stmt *st = c->late;
    sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
    if (window_start == INT64_MIN) sqlite3_bind_null(st, 2);
    else sqlite3_bind_text(st, 2, ts_text(window_start, ws), -1, SQLITE_TRANSIENT);
    if (window_end == INT64_MIN) sqlite3_bind_null(st, 3);
    else sqlite3_bind_text(st, 3, ts_text(window_end, we), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, record ? record : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ts_text(at_us, at), -1, SQLITE_TRANSIENT);
    int rc = run(c, st, err, "cannot write weir_late");
    sqlite3_clear_bindings(st);   /* the record's text dies with the batch */
    return rc;
}

int ckpt_set_batches(Ckpt *c, int64_t batches, int64_t watermark, int64_t now_us, Err *err) {
    char buf[40];
    sqlite3_bind_text(c->batches, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->batches, 2, batches);
    sqlite3_bind_text(c->batches, 3, ts_text(now_us, buf), -1, SQLITE_TRANSIENT);
    bind_i64_or_null(c->batches, 4, watermark);
    return run(c, c->batches, err, "cannot update weir_queries");
}

/* ------------------------------------------------------------ engine side */

int stream_init_db(sqlite3 *db, Err *err) { return ckpt_init_tables(db, err); }

const char *stream_checkpoint_kind(sqlite3 *db, const char *name, Arena *a) {
    CkptInfo info;
    Err scratch;
    err_clear(&scratch);
    if (ckpt_lookup(db, name, a, &info, &scratch) || !info.exists) return NULL;
    return info.kind ? info.kind : "query";
}

int stream_forget(sqlite3 *db, const char *name, Err *err) {
    if (!table_exists(db, "weir_queries")) return 0;
    static const char *const stmts[] = {
        "DELETE FROM weir_queries WHERE name = ?1",
        "DELETE FROM weir_offsets WHERE query = ?2",
        "DELETE FROM weir_state WHERE query = ?2",
        "DELETE FROM weir_progress WHERE query = ?1",
    };
    char *key = state_key(name);
    bool own_tx = sqlite3_get_autocommit(db) != 0;
    if (own_tx && exec_sql(db, "BEGIN IMMEDIATE", err)) return -1;
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, stmts[i], -1, &st, NULL) != SQLITE_OK) {
            sql_error(db, err, "cannot forget the query");
            goto fail;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            sql_error(db, err, "cannot forget the query");
            goto fail;
        }
    }
    sqlite3_free(key);
    if (own_tx && exec_sql(db, "COMMIT", err)) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
fail:
    sqlite3_free(key);
    if (own_tx) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}
