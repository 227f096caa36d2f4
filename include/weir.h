/*
** weir: a streaming SQL engine.  The embedding API.
**
**   weir *w;  char *err;
**   if (weir_open("weir.db", &w, &err)) { fprintf(stderr, "%s\n", err); weir_free(err); }
**   weir_exec(w, "SELECT 1;", "-c", print_result, NULL, &err);
**   weir_close(w);
**
** Results of statements that return rows (SELECT, SHOW, DESCRIBE, EXPLAIN)
** are delivered to the callback as text, one result set per statement.
*/
#ifndef WEIR_H
#define WEIR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEIR_VERSION "0.1.0"

typedef struct weir weir;

typedef struct weir_result {
    int ncols;
    const char *const *names;     /* column names */
    const char *const *types;     /* SQL type names ("BIGINT", "TEXT", ...) */
    int64_t nrows;
    const char *const *cells;     /* nrows * ncols, row-major; NULL pointer = SQL NULL */
} weir_result;

typedef void (*weir_result_fn)(void *ud, const weir_result *r);

/* Open a session whose results database is db_path (NULL: "weir.db"). 0 ok, -1 (*errmsg set). */
int weir_open(const char *db_path, weir **out, char **errmsg);
void weir_close(weir *w);

/*
** Run the statements of `sql` in order.  `file` names the text in error
** messages ("-c", "<stdin>", a path).  Stops at the first failing statement:
** returns -1 and sets *errmsg to "FILE:LINE:COL: error: MESSAGE" (plus a
** source line and caret for syntax errors).  Free *errmsg with weir_free.
*/
int weir_exec(weir *w, const char *sql, const char *file, weir_result_fn cb, void *ud, char **errmsg);

/*
** Continuous queries (CREATE MATERIALIZED VIEW / CREATE SINK over a source)
** run in background threads; weir_exec returns once they have started.
** weir_wait blocks until every query this session started has finished
** (bounded inputs ended, TRIGGER ONCE / AVAILABLE NOW done) or was stopped.
** weir_stop asks every query to stop gracefully: the batch in flight
** completes and commits (async-signal-safe).
*/
int weir_wait(weir *w, char **errmsg);
void weir_stop(weir *w);

/*
** Session options.  "manual_triggers" = "true": continuous queries started
** afterwards do not run by themselves; weir_step runs them one micro-batch at
** a time (used by the streaming SQL logic tests).
*/
int weir_set_option(weir *w, const char *key, const char *value, char **errmsg);

/*
** Run one micro-batch of continuous query `query` now.  The batch's changes
** are passed to cb (if not NULL) as one result whose columns are the query's
** output columns plus a last column "weight" (+1 insert, -1 retract).
** Returns the number of input rows the batch read (0: no new data), -1 on error.
*/
int64_t weir_step(weir *w, const char *query, weir_result_fn cb, void *ud, char **errmsg);

/* Ask the statement running in weir_exec to stop (async-signal-safe). */
void weir_interrupt(weir *w);

/* True when `sql` ends a statement (a ';' outside quotes and comments). */
int weir_complete(const char *sql);

void weir_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
