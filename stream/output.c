/*
** Result tables: how a continuous query's changes land in SQLite (CONTRACT §4).
**
**   APPEND    every +1 row is INSERTed as it arrives; a -1 cannot be stored
**             (the creation rules allow APPEND only where rows are final),
**             so one is an internal error.
**   UPDATE    with key columns (the grouping columns of the top aggregation,
**             all in the output) the table has a UNIQUE index on them and
**             changes apply as they come (tw_change): a retraction deletes the
**             row if it is still the one retracted (every column compared with
**             IS, found through the key index), an insert is INSERT OR REPLACE.
**             An aggregation emits at most one retraction and one insert per
**             group and batch, so the order between them does not matter: the
**             new row replaces the old one, or the old one goes first.
**             Without keys the table is a multiset and the batch's changes are
**             consolidated first (rowbag.c), then applied by tw_apply:
**             retractions delete one equal row each, then inserts insert.
**             Either way rows that disappear from the result are deleted.
**   COMPLETE  the same deltas as UPDATE: applied in the batch's transaction,
**             they leave the table holding the whole result after each commit.
**
** All writes run on the query's own connection inside the batch transaction.
** Declared column types are the ones rdb_create_table uses (INTEGER, REAL,
** BOOLEAN, TIMESTAMP, INTERVAL, TEXT), so weir reads the table back typed.
*/
#include <string.h>

#include "stream_int.h"

static int sql_error(sqlite3 *db, Err *err, const char *what, const char *table) {
    return err_set(err, "results database: %s \"%s\": %s", what, table, sqlite3_errmsg(db));
}

/* The declared SQLite type of a column (as storage/resultdb.c declares it). */
static const char *decl_type(Type t) {
    switch (t) {
    case TYPE_BIGINT: return "INTEGER";
    case TYPE_DOUBLE: return "REAL";
    case TYPE_BOOL: return "BOOLEAN";
    case TYPE_TIMESTAMP: return "TIMESTAMP";
    case TYPE_INTERVAL: return "INTERVAL";
    default: return "TEXT";
    }
}

int stream_bind_value(sqlite3_stmt *st, int p, const Value *v) {
    if (v->null || v->type == TYPE_NULL) return sqlite3_bind_null(st, p);
    switch (v->type) {
    case TYPE_BOOL: return sqlite3_bind_int(st, p, v->u.b != 0);
    case TYPE_DOUBLE: return sqlite3_bind_double(st, p, v->u.d);
    case TYPE_TEXT: return sqlite3_bind_text(st, p, v->u.s.len ? v->u.s.ptr : "", (int)v->u.s.len, SQLITE_STATIC);
    case TYPE_TIMESTAMP: {
        char buf[40];
        int n = ts_format(v->u.i, buf);
        return sqlite3_bind_text(st, p, buf, n, SQLITE_TRANSIENT);
    }
    default: return sqlite3_bind_int64(st, p, v->u.i);
    }
}

static int exec_sql(sqlite3 *db, const char *sql, Err *err, const char *table) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "results database: table \"%s\": %s", table, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* DROP + CREATE the table (and its key index) in the caller's transaction. */
static int create_table(TableWriter *tw, const char *schema, const Schema *cols, Err *err) {
    sqlite3_str *s = sqlite3_str_new(tw->db);
    sqlite3_str_appendf(s, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (", tw->qname, tw->qname);
    for (int i = 0; i < cols->ncols; i++)
        sqlite3_str_appendf(s, "%s\"%w\" %s", i ? ", " : "", cols->cols[i].name, decl_type(cols->cols[i].type));
    sqlite3_str_appendall(s, ");");
    if (tw->nkeys > 0) {
        if (schema) sqlite3_str_appendf(s, "CREATE UNIQUE INDEX \"%w\".\"weir_key_%w\" ON \"%w\" (", schema,
                                        tw->table, tw->table);
        else sqlite3_str_appendf(s, "CREATE UNIQUE INDEX \"weir_key_%w\" ON \"%w\" (", tw->table, tw->table);
        for (int k = 0; k < tw->nkeys; k++)
            sqlite3_str_appendf(s, "%s\"%w\"", k ? ", " : "", cols->cols[tw->keys[k]].name);
        sqlite3_str_appendall(s, ");");
    }
    char *sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    int rc = exec_sql(tw->db, sql, err, tw->table);
    sqlite3_free(sql);
    return rc;
}

int tw_open(TableWriter *tw, sqlite3 *db, const char *schema, const char *table, const Schema *cols, EmitMode mode,
            const int *keys, int nkeys, bool create, Arena *a, Err *err) {
    memset(tw, 0, sizeof *tw);
    tw->db = db;
    tw->table = arena_strdup(a, table);
    tw->ncols = cols->ncols;
    tw->mode = mode;
    tw->nkeys = mode == EMIT_APPEND ? 0 : nkeys;
    tw->keys = ARENA_ARRAY(a, int, tw->nkeys + 1);
    for (int k = 0; k < tw->nkeys; k++) tw->keys[k] = keys[k];
    tw->qname = schema ? sqlite3_mprintf("\"%w\".\"%w\"", schema, table) : sqlite3_mprintf("\"%w\"", table);
    if (!tw->qname) weir_oom();
    if (create && create_table(tw, schema, cols, err)) return -1;

    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendf(s, "INSERT %sINTO %s VALUES (", tw->nkeys ? "OR REPLACE " : "", tw->qname);
    for (int i = 0; i < cols->ncols; i++) sqlite3_str_appendall(s, i ? ", ?" : "?");
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &tw->ins, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return sql_error(db, err, "cannot write table", table);
    if (mode == EMIT_APPEND) return 0;

    /* Retractions: the row itself (found through the key index when there is one), once. */
    s = sqlite3_str_new(db);
    if (tw->nkeys) {
        sqlite3_str_appendf(s, "DELETE FROM %s WHERE ", tw->qname);
        for (int i = 0; i < cols->ncols; i++)
            sqlite3_str_appendf(s, "%s\"%w\" IS ?%d", i ? " AND " : "", cols->cols[i].name, i + 1);
    } else {
        sqlite3_str_appendf(s, "DELETE FROM %s WHERE rowid = (SELECT rowid FROM %s WHERE ", tw->qname, tw->qname);
        for (int i = 0; i < cols->ncols; i++)
            sqlite3_str_appendf(s, "%s\"%w\" IS ?%d", i ? " AND " : "", cols->cols[i].name, i + 1);
        if (cols->ncols == 0) sqlite3_str_appendall(s, "1");
        sqlite3_str_appendall(s, " LIMIT 1)");
    }
    sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &tw->del, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return sql_error(db, err, "cannot write table", table);
    return 0;
}

void tw_close(TableWriter *tw) {
    sqlite3_finalize(tw->ins);
    sqlite3_finalize(tw->del);
    sqlite3_free(tw->qname);
    memset(tw, 0, sizeof *tw);
}

static int step(TableWriter *tw, sqlite3_stmt *st, Err *err) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return sql_error(tw->db, err, "cannot write table", tw->table);
    return 0;
}

int tw_append(TableWriter *tw, const Chunk *c, Err *err) {
    uint32_t n = chunk_active(c);
    if (c->ncols != tw->ncols)
        return err_set(err, "internal error: %d columns for table \"%s\" of %d", c->ncols, tw->table, tw->ncols);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        int64_t w = chunk_weight(c, r);
        if (w < 0)
            return err_set(err,
                           "internal error: EMIT APPEND query retracted a row of \"%s\" (an APPEND result is final)",
                           tw->table);
        if (w == 0) continue;
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], r, &v);
            stream_bind_value(tw->ins, j + 1, &v);
        }
        for (int64_t i = 0; i < w; i++)
            if (step(tw, tw->ins, err)) return -1;
    }
    sqlite3_clear_bindings(tw->ins);
    return 0;
}

int tw_change(TableWriter *tw, const Chunk *c, Err *err) {
    uint32_t n = chunk_active(c);
    if (c->ncols != tw->ncols)
        return err_set(err, "internal error: %d columns for table \"%s\" of %d", c->ncols, tw->table, tw->ncols);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        int64_t w = chunk_weight(c, r);
        if (w == 0) continue;
        sqlite3_stmt *st = w < 0 ? tw->del : tw->ins;
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], r, &v);
            stream_bind_value(st, j + 1, &v);
        }
        if (step(tw, st, err)) return -1;
    }
    sqlite3_clear_bindings(tw->ins);
    sqlite3_clear_bindings(tw->del);
    return 0;
}

int tw_apply(TableWriter *tw, const RowBag *changes, Err *err) {
    Value vals[tw->ncols > 0 ? tw->ncols : 1];
    /* Retractions first: an updated group's old row goes before its new row arrives. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < changes->n; i++) {
            const BagEntry *e = &changes->entries[i];
            if (pass == 0 ? e->weight >= 0 : e->weight <= 0) continue;
            if (row_decode(e->bytes, e->len, tw->ncols, vals))
                return err_set(err, "internal error: malformed row for table \"%s\"", tw->table);
            if (pass == 0) {
                for (int j = 0; j < tw->ncols; j++) stream_bind_value(tw->del, j + 1, &vals[j]);
                int64_t copies = tw->nkeys ? 1 : -e->weight;
                for (int64_t w = 0; w < copies; w++)
                    if (step(tw, tw->del, err)) return -1;
            } else {
                for (int j = 0; j < tw->ncols; j++) stream_bind_value(tw->ins, j + 1, &vals[j]);
                /* with a key, a row exists once: a weight above 1 is the same row again */
                int64_t copies = tw->nkeys ? 1 : e->weight;
                for (int64_t w = 0; w < copies; w++)
                    if (step(tw, tw->ins, err)) return -1;
            }
        }
    }
    sqlite3_clear_bindings(tw->ins);
    if (tw->del) sqlite3_clear_bindings(tw->del);
    return 0;
}

/* ------------------------------------------------------------ bags as chunks */

int bag_to_chunks(const RowBag *bag, const Schema *schema, int sign, Arena *scratch,
                  int (*fn)(void *ud, const Chunk *c), void *ud, Err *err) {
    int nc = schema->ncols;
    Value vals[nc > 0 ? nc : 1];
    Chunk *c = NULL;
    uint32_t n = 0;
    for (size_t i = 0; i < bag->n; i++) {
        const BagEntry *e = &bag->entries[i];
        if (e->weight == 0 || (sign > 0 && e->weight < 0) || (sign < 0 && e->weight > 0)) continue;
        if (row_decode(e->bytes, e->len, nc, vals)) return err_set(err, "internal error: malformed result row");
        int64_t copies = e->weight > 0 ? e->weight : -e->weight;
        for (int64_t k = 0; k < copies; k++) {
            if (!c) {
                arena_reset(scratch);
                c = chunk_new(nc, scratch);
                for (int j = 0; j < nc; j++) {
                    Type t = schema->cols[j].type == TYPE_NULL ? TYPE_TEXT : schema->cols[j].type;
                    vec_alloc(&c->cols[j], t, WEIR_BATCH_SIZE, scratch);
                }
                c->weights = ARENA_ARRAY(scratch, int64_t, WEIR_BATCH_SIZE);
                n = 0;
            }
            for (int j = 0; j < nc; j++) {
                if (!vals[j].null && vals[j].type != c->cols[j].type)
                    return err_set(err, "internal error: result column %d changed type", j + 1);
                vec_set(&c->cols[j], n, &vals[j], WEIR_BATCH_SIZE, scratch);
            }
            c->weights[n++] = e->weight > 0 ? 1 : -1;
            if (n == WEIR_BATCH_SIZE) {
                c->count = c->nsel = n;
                if (fn(ud, c)) return -1;
                c = NULL;
            }
        }
    }
    if (c && n > 0) {
        c->count = c->nsel = n;
        if (fn(ud, c)) return -1;
    }
    return 0;
}
