/*
** The engine's internal header: a session (struct weir) and what the
** statement files share.
**
** weir_exec() (session.c) parses the input one statement at a time and hands
** each to the runner of its family:
**
**   stmt_query.c    SELECT, EXPLAIN, CREATE VIEW, CREATE MATERIALIZED VIEW
**   stmt_table.c    CREATE TABLE [WITH connector | AS], INSERT
**   stmt_stream.c   CREATE SOURCE, CREATE SINK
**   stmt_catalog.c  SHOW, DESCRIBE, DROP
**
** run.c holds what they share: binding + optimizing a query, running a
** plan into a sink, collecting rows into a result set, finding the source a
** plan reads.  queries.c holds the session's continuous queries (stream/):
** starting them from statements, weir_wait / weir_stop / weir_step, SHOW
** QUERIES, the foreground streaming SELECT.
**
** Lifetimes: every statement gets its own arena (AST, plans, result cells);
** it dies when the statement is done, after its result was handed to the
** caller's callback.  Catalog entries own what outlives a statement.
*/
#ifndef WEIR_ENGINE_H
#define WEIR_ENGINE_H

#include <signal.h>

#include "../exec/exec.h"
#include "../exec/expr.h"
#include "../planner/planner.h"
#include "../stream/stream.h"
#include "weir.h"

struct weir {
    ResultDb *db;                    /* the results database (owned) */
    char *db_path;                   /* its path: every continuous query opens its own connection */
    Catalog *cat;                    /* sources, tables, views, ... (owned) */
    volatile sig_atomic_t cancel;    /* set by weir_interrupt(); ExecOptions.cancel points here */
    volatile sig_atomic_t stop_all;  /* set by weir_stop(): every continuous query stops */
    bool manual_triggers;            /* weir_set_option("manual_triggers") */
    StreamQuery **queries;           /* continuous queries started by this session (owned) */
    int nqueries, capqueries;
};

/* Everything a statement runner needs; lives on weir_exec()'s stack. */
typedef struct StmtCtx {
    weir *w;
    const char *text;        /* the whole input: AST offsets count from its start */
    const AstStmt *st;       /* the statement being run */
    Arena *arena;            /* statement arena */
    Err *err;                /* the statement's error */
    int64_t now_us;          /* wall clock at statement start (now()) */
    weir_result_fn cb;       /* result callback, may be NULL */
    void *ud;
} StmtCtx;

/* ------------------------------------------------------------ run.c */

/* A planner context for this statement. */
PlanCtx eng_plan_ctx(StmtCtx *sc);

/*
** Bind and optimize `q`.  *out is the optimized plan (statement arena).
** trace may be NULL.  0 / -1 (err set).
*/
int eng_plan(StmtCtx *sc, const AstSelect *q, Plan **out, OptTrace *trace);

/* Build an executor for `p` feeding sink(ud, chunk) and run it to completion. 0 / -1. */
int eng_run(StmtCtx *sc, const Plan *p, ChunkSink sink, void *ud);

/*
** The name of the first SOURCE a plan reads (a streaming scan), or NULL when
** it reads only bounded relations.  Continuous queries are the next
** milestone, so every runner that would execute a plan checks this first.
*/
const char *eng_plan_source(StmtCtx *sc, const Plan *p);

/* Offset of a FROM reference to `name` in the query (for error positions); q->pos if none. */
int eng_table_ref_pos(const AstSelect *q, const char *name);

/*
** If some output column has TYPE_NULL (SELECT NULL AS x), add a projection
** that gives it TEXT, so that it can be stored.  Returns p or the new root.
*/
Plan *eng_storable_plan(Arena *a, Plan *p);

/* Error `column "x" specified more than once` (at pos) if two columns share a name. */
int eng_check_unique_columns(StmtCtx *sc, const Schema *s, int pos);

/*
** A result set under construction: column names/types plus a growing array
** of text cells (NULL = SQL NULL).  Cell strings live in the statement arena;
** the pointer array is malloc'ed (it can be large) and freed by rs_free().
*/
typedef struct ResultSet {
    Arena *arena;
    int ncols;
    const char **names;
    const char **types;
    int64_t nrows;
    int64_t cap;             /* rows the cells array has room for */
    const char **cells;
} ResultSet;

void rs_init(ResultSet *rs, Arena *a, const Schema *schema);
/* A result with text columns named by a NULL-terminated list. */
void rs_init_text(ResultSet *rs, Arena *a, const char *const *names);
/* Append a row of ncols cells (the pointers are copied, not the strings). */
void rs_add_row(ResultSet *rs, const char *const *cells);
/* Hand the result to the statement's callback, then free it. */
void rs_deliver(StmtCtx *sc, ResultSet *rs);
void rs_free(ResultSet *rs);

/* ChunkSink collecting the rows of each chunk as text into a ResultSet (ud). */
int eng_result_sink(void *ud, const Chunk *c);

/*
** CONTRACT §4 on a bound (not yet optimized) query (stmt_query.c): EMIT APPEND
** over an aggregation needs an event-time window (over a source: on a column
** with a WATERMARK), and is refused for other constructs whose rows a stream
** retracts (LEFT JOIN with a stream on the right, ORDER BY ... LIMIT over a
** stream); EMIT COMPLETE needs an aggregation.  *mode receives the
** effective mode (default: APPEND where allowed, else UPDATE).  0 / -1.
*/
int eng_check_output_mode(StmtCtx *sc, const AstSelect *q, const Plan *logical, EmitMode *mode);

/* The statement's query text as the user wrote it (for SHOW and the catalog), in `a`. */
char *eng_query_text(StmtCtx *sc, const AstSelect *q, Arena *a);

/* ------------------------------------------------------------ queries.c */

/* What kind of continuous query a statement starts, and where its output goes. */
typedef struct ContinuousReq {
    const char *name;              /* view / sink name ("select" for a SELECT) */
    StreamKind kind;
    const char *table;             /* MATVIEW, sqlite sink: result table */
    const char *table_db;          /* sqlite sink into another database file */
    const char *sink_connector;    /* other sinks */
    int nsink_options;
    const ConnOption *sink_options;
    const StreamTap *tap;          /* SELECT */
} ContinuousReq;

/*
** Plan the statement's query again in a query arena, apply the output-mode
** rules and exec_check_streaming(), and create the continuous query (not yet
** started; a view or sink joins the session's list).  0 / -1 (sc->err set).
*/
int eng_start_continuous(StmtCtx *sc, const ContinuousReq *req, StreamQuery **out);
/* SELECT over a source: run it in the foreground, one result per batch. */
int eng_streaming_select(StmtCtx *sc);
StreamQuery *eng_find_query(weir *w, const char *name);
/* Stop and forget the session's query `name` (DROP); its checkpoint stays. */
void eng_drop_query(weir *w, const char *name);
/* Stop every query gracefully and free them (weir_close). */
void eng_close_queries(weir *w);
int eng_show_queries(StmtCtx *sc, ResultSet *rs);

/* ------------------------------------------------------------ statement runners */

int eng_select(StmtCtx *sc);
int eng_explain(StmtCtx *sc);
int eng_create_view(StmtCtx *sc);
int eng_create_matview(StmtCtx *sc);
int eng_create_table(StmtCtx *sc);
int eng_create_table_as(StmtCtx *sc);
int eng_insert(StmtCtx *sc);
int eng_create_source(StmtCtx *sc);
int eng_create_sink(StmtCtx *sc);
int eng_show(StmtCtx *sc);
int eng_describe(StmtCtx *sc);
int eng_drop(StmtCtx *sc);

/* ------------------------------------------------------------ shared by the table and stream statements */

/* What a WITH (...) clause configures: the connector's options differ per role. */
typedef enum ConnRole { ROLE_TABLE, ROLE_SOURCE, ROLE_SINK } ConnRole;

/*
** Validate the statement's WITH options for `role` (stmt_stream.c): a known
** connector that supports the role, known keys (each once), well-formed
** values, required keys present.  `schema` (may be NULL) checks per-column
** keys such as generator's fields.COL.kind.  0 / -1 (err names the option).
*/
int eng_check_options(StmtCtx *sc, ConnRole role, const Schema *schema);
/* The delimiter character an already validated `delimiter` option means ('\t' / 'tab': TAB). */
char eng_delimiter_char(const char *value);
/* The columns declared by CREATE TABLE / CREATE SOURCE (statement arena); duplicate names refused. */
int eng_declared_schema(StmtCtx *sc, Schema *out);
/* Copy WITH options into a catalog entry (its arena). */
void eng_copy_options(CatEntry *e, const AstStmt *st);
/* Kind of a catalog entry as users name it: "table", "source", "materialized view", ... */
const char *eng_kind_name(CatKind k);

#endif
