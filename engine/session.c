/*
** Sessions: the weir.h API.
**
** A session owns the results database and the catalog.  weir_exec() runs a
** text of statements in order: it parses one statement at a time
** (parse_next), gives it a fresh statement arena and Err, dispatches it to
** the runner of its family (engine.h), and stops at the first error, which
** it renders with positions counted from the start of the whole text, so a
** script's errors point at the right line of the file.
**
** Interrupts: weir_interrupt() only stores to a sig_atomic_t (it may be
** called from a signal handler); the executor polls it between chunks and
** weir_exec() between statements.
**
** Continuous queries (queries.c) belong to the session: weir_close() stops
** them gracefully (each commits its batch in flight) before the catalog and
** the database go.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "engine.h"

/*
** Open a session on the results database `db_path` (NULL: "weir.db").
** On failure *errmsg receives a malloc'ed "error: ..." text (free with weir_free).
*/
int weir_open(const char *db_path, weir **out, char **errmsg) {
    Err err;
    err_clear(&err);
    if (errmsg) *errmsg = NULL;
    *out = NULL;
    ResultDb *db = rdb_open(db_path ? db_path : "weir.db", &err);
    if (!db) {
        if (!err.set) err_set(&err, "cannot open results database \"%s\"", db_path ? db_path : "weir.db");
        if (errmsg) *errmsg = err_render(&err, NULL, NULL, 0);
        return -1;
    }
    /* the runtime's tables exist from the start, so they can be queried before any query ran */
    if (stream_init_db(rdb_handle(db), &err)) {
        if (errmsg) *errmsg = err_render(&err, NULL, NULL, 0);
        rdb_close(db);
        return -1;
    }
    /* continuous queries write from their own connections: wait for them rather than fail */
    sqlite3_busy_timeout(rdb_handle(db), 60000);
    weir *w = xcalloc(1, sizeof *w);
    w->db = db;
    w->db_path = xstrdup(db_path ? db_path : "weir.db");
    w->cat = catalog_new(db);
    w->cancel = 0;
    *out = w;
    return 0;
}

void weir_close(weir *w) {
    if (!w) return;
    eng_close_queries(w);
    catalog_free(w->cat);   /* entries may hold relations over the database: free them first */
    rdb_close(w->db);
    free(w->db_path);
    free(w);
}

void weir_interrupt(weir *w) {
    if (w) w->cancel = 1;
}

int weir_complete(const char *sql) { return sql && sql_complete(sql); }

void weir_free(void *p) { free(p); }

static int64_t wall_clock_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

/* Run one parsed statement.  0 / -1 (sc->err set). */
static int stmt_run(StmtCtx *sc) {
    switch (sc->st->kind) {
    case STMT_SELECT: return eng_select(sc);
    case STMT_EXPLAIN: return eng_explain(sc);
    case STMT_CREATE_VIEW: return eng_create_view(sc);
    case STMT_CREATE_MATVIEW: return eng_create_matview(sc);
    case STMT_CREATE_TABLE: return eng_create_table(sc);
    case STMT_CREATE_TABLE_AS: return eng_create_table_as(sc);
    case STMT_INSERT: return eng_insert(sc);
    case STMT_CREATE_SOURCE: return eng_create_source(sc);
    case STMT_CREATE_SINK: return eng_create_sink(sc);
    case STMT_SHOW: return eng_show(sc);
    case STMT_DESCRIBE: return eng_describe(sc);
    case STMT_DROP: return eng_drop(sc);
    }
    return err_at(sc->err, sc->st->pos, "unsupported statement");
}

/*
** Run every statement of `sql`; see weir.h.  Each statement is parsed, run
** and its arena freed before the next one is parsed, so a long script does
** not accumulate memory and a statement sees the catalog changes of the ones
** before it.
*/
int weir_exec(weir *w, const char *sql, const char *file, weir_result_fn cb, void *ud, char **errmsg) {
    if (errmsg) *errmsg = NULL;
    if (!w || !sql) {
        if (errmsg) *errmsg = xstrdup("error: no session or no statement text");
        return -1;
    }
    if (!file) file = "<input>";
    w->cancel = 0;
    int len = (int)strlen(sql);
    int pos = 0;
    while (pos < len) {
        Arena arena;
        Err err;
        arena_init(&arena, 0);
        err_clear(&err);
        AstStmt *st = NULL;
        int next = len;
        int rc = parse_next(sql, pos, &arena, &st, &next, &err);
        if (rc == 0 && st && w->cancel) {
            /* Interrupted between statements: name the first one that did not run. */
            rc = err_at(&err, st->pos, "interrupted");
        } else if (rc == 0 && st) {
            StmtCtx sc = {
                .w = w, .text = sql, .st = st, .arena = &arena, .err = &err,
                .now_us = wall_clock_us(), .cb = cb, .ud = ud,
            };
            rc = stmt_run(&sc);
            /* Errors found while running (division by zero, interrupted) have no
               source position: point at the statement, so a script says which one. */
            if (rc && err.offset < 0 && !err.location[0]) err.offset = st->pos;
        }
        if (rc) {
            if (!err.set) err_set(&err, "statement failed");
            if (errmsg) *errmsg = err_render(&err, file, sql, 0);
            arena_free(&arena);
            return -1;
        }
        arena_free(&arena);
        if (!st || next <= pos) break;   /* only whitespace / comments left */
        pos = next;
    }
    return 0;
}
