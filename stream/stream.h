/*
** The continuous-query runtime: one StreamQuery per CREATE MATERIALIZED VIEW
** or CREATE SINK over a source (and per streaming SELECT, in the foreground).
**
** A StreamQuery owns everything a continuous query needs for its life:
**   - its query arena: the AST and the optimized Plan (bound in that arena by
**     the engine, so nothing points into a dead statement arena),
**   - one Executor, fed micro-batch by micro-batch (exec_push_leaf per
**     streaming leaf, then exec_finish_round),
**   - one Source per streaming leaf, opened with the scan's projection,
**   - its own connection to the results database (WAL, busy timeout),
**   - its watermark: event time per input, min over inputs, never back
**     (eventtime.c; exec.h "Event time"),
**   - the output: a results-database table in an EMIT mode, a Sink, or a tap
**     (a callback, for a streaming SELECT),
**   - a thread (unless triggers are manual: then stream_step runs batches).
**
** Each micro-batch commits in ONE SQLite transaction: the result-table
** changes, the sources' end offsets (weir_offsets), the operator state that
** changed (weir_state), the rejected records (weir_rejects) and a progress
** row (weir_progress).  A query created again with the same name and the same
** physical plan resumes from that checkpoint; see checkpoint.c.
**
** Call outline (engine side):
**   stream_create(spec)     caller's thread: executor, sources, checkpoint
**                           check/restore, static tables read, result table
**   stream_start()          background thread runs stream loop (not manual)
**   stream_step()           manual triggers: one micro-batch now
**   stream_run()            a foreground query (streaming SELECT)
**   stream_stop()           async-signal-safe request; the batch in flight commits
**   stream_join()/free()
*/
#ifndef WEIR_STREAM_H
#define WEIR_STREAM_H

#include <signal.h>

#include "../connectors/connector.h"
#include "../exec/exec.h"
#include "../parser/ast.h"

typedef enum StreamKind { STREAM_MATVIEW, STREAM_SINK, STREAM_SELECT } StreamKind;

typedef enum StreamStatus {
    STREAM_RUNNING,    /* created; batches run (or wait for data / weir_step) */
    STREAM_FINISHED,   /* every input ended, or TRIGGER ONCE / AVAILABLE NOW done */
    STREAM_STOPPED,    /* stopped on request (weir_stop, DROP, close) */
    STREAM_FAILED,     /* an error stopped it; last_error says which */
} StreamStatus;

/* A SOURCE a plan reads, as the catalog declared it (copied by stream_create). */
typedef struct StreamSourceDef {
    const char *name;
    const char *connector;
    int noptions;
    const ConnOption *options;
    Schema schema;
} StreamSourceDef;

/*
** Where a batch's changes go besides the query's own output: the rows of a
** streaming SELECT, or what weir_step hands to its callback.  begin/end
** bracket one batch; rows() receives chunks whose weights are +1/-1 (for
** EMIT COMPLETE outputs of a SELECT: the whole result, all +1).  Each
** callback returns 0, or -1 to fail the batch.  Any may be NULL.
*/
typedef struct StreamTap {
    int (*begin)(void *ud, int64_t batch_id);
    int (*rows)(void *ud, const Chunk *c);
    int (*end)(void *ud, int64_t batch_id);
    void *ud;
} StreamTap;

typedef struct StreamSpec {
    const char *name;              /* query name (the view or sink); "select" for a SELECT */
    StreamKind kind;
    Arena *arena;                  /* the query arena holding `plan`: ownership moves to the query */
    Plan *plan;                    /* optimized, allocated in `arena` */
    EmitMode mode;                 /* effective mode (never EMIT_DEFAULT) */
    TriggerKind trigger;
    int64_t interval_us;           /* TRIGGER INTERVAL */
    int nsources;
    const StreamSourceDef *sources;  /* every SOURCE the plan reads (by scan name) */
    /* output: exactly one of table (MATVIEW, sqlite sink), sink_connector, tap (SELECT) */
    const char *table;             /* result table */
    const char *table_db;          /* sqlite sink into another database file, else NULL */
    const char *sink_connector;    /* file, console, ... */
    int nsink_options;
    const ConnOption *sink_options;
    const StreamTap *tap;          /* SELECT: each batch's output */
    const char *db_path;           /* the results database */
    bool manual;                   /* manual triggers: stream_step runs batches */
    volatile sig_atomic_t *session_stop;   /* weir_stop(): every query of the session stops */
    volatile sig_atomic_t *cancel;         /* SELECT: Ctrl-C ends it (also mid-batch) */
    int64_t now_us;                /* statement time: now(), generator default start */
    /* Optional: opens each source instead of source_open() (tests inject their own sources). */
    Source *(*open_source)(void *ud, const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects,
                           Err *err);
    void *open_ud;
} StreamSpec;

typedef struct StreamStats {
    StreamStatus status;
    int64_t batches;               /* last committed batch id (continues across restarts) */
    int64_t input_rows;            /* rows read by this run */
    double rows_per_s;             /* of the last batch */
    int64_t last_batch_ms;
    int64_t state_rows;
    int64_t rejects;               /* rejected records of this run */
    int64_t late_rows;             /* rows dropped as late by this run (per window missed) */
    int64_t watermark;             /* INT64_MIN: none yet; INT64_MAX: every input ended */
    char last_error[ERR_MSG_MAX + 300];
} StreamStats;

typedef struct StreamQuery StreamQuery;

/*
** Create a continuous query from `spec` in the caller's thread: build the
** executor, open the sources and the results-database connection, check the
** checkpoint of a query of that name (same plan: restore state and offsets;
** different plan: refused), read static tables, create the result table.
** Takes ownership of spec->arena in every case (freed on failure).  NULL on
** error (err set; messages name the query, source or option at fault).
*/
StreamQuery *stream_create(const StreamSpec *spec, Err *err);

/* Start the background thread (no-op for manual triggers).  0 / -1. */
int stream_start(StreamQuery *q, Err *err);

/*
** Run one micro-batch now, in the caller's thread (manual triggers).  The
** batch's changes go to `tap` too (may be NULL).  Returns the input rows the
** batch read (0: no new data; then no batch ran, except the one that takes
** the watermark to +infinity once every input has ended, which writes the
** windows left), -1 on error (err set, query failed).
*/
int64_t stream_step(StreamQuery *q, const StreamTap *tap, Err *err);

/*
** Run the query in the caller's thread until it ends (inputs ended, ONCE /
** AVAILABLE NOW done), is stopped, or spec->cancel is set (a normal end for
** a foreground SELECT).  0 / -1 (err set).
*/
int stream_run(StreamQuery *q, Err *err);

/* Ask the query to stop after the batch in flight (async-signal-safe). */
void stream_stop(StreamQuery *q);
/* Wait for the background thread to exit (no-op when none runs). */
void stream_join(StreamQuery *q);
/* Stop, join, record the final status in weir_queries, free everything. */
void stream_free(StreamQuery *q);

const char *stream_name(const StreamQuery *q);
StreamKind stream_kind(const StreamQuery *q);
bool stream_manual(const StreamQuery *q);
/* The query's output columns. */
const Schema *stream_schema(const StreamQuery *q);
EmitMode stream_mode(const StreamQuery *q);
/* A consistent copy of the query's figures (thread-safe). */
void stream_stats(StreamQuery *q, StreamStats *out);
const char *stream_status_name(StreamStatus s);

/*
** Output columns of an EMIT UPDATE result that identify a row: the grouping
** columns of the top aggregation when every one of them is an output column
** (then the result table has a unique index on them).  *n = 0 when there is
** none: the table then holds a multiset of rows and a retraction deletes one
** equal row.  keys: room for plan->schema.ncols entries.
*/
void stream_update_keys(const Plan *plan, int *keys, int *n);

/* ------------------------------------------------------------ event time (eventtime.c) */

/*
** Source options the runtime handles itself, not the connector (so they are
** removed from what source_check / source_open see):
**   late = 'drop' | 'keep'     keep: rows dropped as late go to weir_late
**   max_future = INTERVAL text  rows whose event time is more than that ahead
**                               of the wall clock are rejected (weir_rejects)
*/
bool stream_runtime_option(const char *key);
/*
** Check the value of a runtime option; on error a message (without the
** source's name) is written to msg.  0 / -1.
*/
int stream_check_runtime_option(const char *key, const char *value, char *msg, size_t cap);
/*
** A watermark as weir_progress and SHOW QUERIES show it (TIMESTAMP text,
** CONTRACT §2): NULL when there is none yet; +infinity (every input ended)
** as STREAM_WATERMARK_END, the last microsecond weir prints.  buf: 40 bytes.
*/
#define STREAM_WATERMARK_END "9999-12-31 23:59:59.999999"
const char *stream_watermark_text(int64_t wm, char *buf);

/* ------------------------------------------------------------ checkpoints (checkpoint.c) */

/*
** Kind ("materialized view" / "sink") of the checkpointed query `name` in the
** results database, or NULL when there is none (arena text).
*/
const char *stream_checkpoint_kind(struct sqlite3 *db, const char *name, Arena *a);
/* Create the bookkeeping tables (weir_queries, weir_progress, ...) if missing.  0 / -1. */
int stream_init_db(struct sqlite3 *db, Err *err);
/* Forget query `name`: its rows in weir_queries, weir_offsets and weir_state.  0 / -1. */
int stream_forget(struct sqlite3 *db, const char *name, Err *err);

#endif
