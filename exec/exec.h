/*
** The executor: operator state built from a Plan, driven by pushing chunks.
**
** Push model (as in DuckDB's pipelines, and what streaming needs): leaves
** (scans, series, values) produce chunks and push them to their parent;
** every operator consumes a chunk and pushes zero or more chunks upward; the
** root pushes into a ChunkSink (a result set, a SQLite table, a console).
** Chunks are changelog batches (vector.h): every operator handles weights, so
** the same operators maintain results incrementally when a stream pushes
** deltas.  finish(port) says "no more input on this port for now" (the end of a
** batch query, or of a micro-batch): blocking operators (aggregate, sort)
** emit their changes then, and an operator forwards finish to its parent once
** every one of its ports has finished.
**
** A hash join's build side (right, port 1) is driven to finish before the probe
** side (left, port 0) starts; exec_run() orders the leaves so.
**
** Plan nodes are immutable; every operator keeps its mutable state in its own
** struct, allocated in arenas by lifetime: `state` for what lives across
** chunks (hash tables, sort buffers), `scratch` reset after every chunk.
*/
#ifndef WEIR_EXEC_H
#define WEIR_EXEC_H

#include <signal.h>

#include "../storage/relation.h"
#include "functions.h"
#include "plan.h"

typedef int (*ChunkSink)(void *ud, const Chunk *c);  /* 0 ok, -1 error (set the Err you own) */

typedef struct ExecOptions {
    int64_t now_us;                       /* statement timestamp for now() */
    volatile sig_atomic_t *cancel;        /* non-zero: stop at the next chunk with "interrupted" */
    bool append_only;                     /* EMIT APPEND continuous query: windowed aggregates emit a
                                             window once, when the watermark finalizes it */
} ExecOptions;

typedef struct Executor Executor;

/* Build operator state for `plan`; output goes to sink(ud, chunk).  NULL on error. */
Executor *exec_new(const Plan *plan, ChunkSink sink, void *ud, const ExecOptions *opt, Err *err);
/* Run to completion as a batch query: every leaf scanned once, all inputs finished.  0 / -1. */
int exec_run(Executor *x);
void exec_free(Executor *x);

/* ------------------------------------------------------------ streaming
**
** A continuous query keeps one Executor for its whole life.  Each
** micro-batch pushes the new rows of every streaming leaf (PLAN_SCAN with
** scan.streaming) and then ends the round; operators emit the changes of the
** batch to the sink.  Leaves that read static relations (tables) are driven
** by exec_run_static() once, before the first batch: a join whose other side
** is static keeps only the static side (stream-static join, no stream state).
*/
int exec_leaf_count(const Executor *x);
const Plan *exec_leaf_plan(const Executor *x, int i);
int exec_push_leaf(Executor *x, int i, const Chunk *c);   /* a Scan applies its filter first */
int exec_finish_leaf(Executor *x, int i);
int exec_finish_round(Executor *x);                       /* end of a micro-batch */
/* Drive every non-streaming leaf to its end (static tables of a continuous query). */
int exec_run_static(Executor *x);

/*
** Operator state persistence, incremental: every stateful operator has a
** stable id (its pre-order position in the plan).  exec_state_changes()
** reports each state entry changed since the previous call: put(ud, op, key,
** val) with val == NULL when the entry was deleted.  Keys and values are
** opaque bytes.  exec_state_load() feeds entries back into a new Executor for
** the same plan before its first batch (restart).  Static-side state is not
** persisted: it is rebuilt by exec_run_static().
*/
typedef int (*StatePutFn)(void *ud, int op, const void *key, size_t klen, const void *val, size_t vlen);
int exec_state_changes(Executor *x, StatePutFn put, void *ud);
int exec_state_load(Executor *x, int op, const void *key, size_t klen, const void *val, size_t vlen);

/*
** Refuse a plan a continuous query cannot maintain (a static table LEFT JOIN
** a stream), with the reason and a way out.
** Static parts of the plan (no SOURCE below) are not restricted.  0 / -1.
** exec_push_leaf and exec_run_static apply it too.
*/
int exec_check_streaming(const Plan *p, Err *err);

/*
** Event time (CONTRACT §4, Spark semantics).  Before pushing a micro-batch the
** runtime sets the watermark as it stood when the batch began
** (exec_set_watermark; INT64_MIN = none yet): a windowed aggregate
** (agg.window_end_group >= 0) drops a row from every window already final
** (window_end <= watermark) and keeps it for the open ones; other stateful
** operators drop rows whose event-time column is below it.  After the batch's
** rows and before exec_finish_round, exec_advance_watermark passes the new
** watermark (INT64_MAX once every input ended): windows it finalizes are
** emitted in this round (append_only) and their state is evicted, as is join
** state that can no longer match.  Dropped rows are counted.
*/
void exec_set_watermark(Executor *x, int64_t wm_us);
void exec_advance_watermark(Executor *x, int64_t wm_us);
int64_t exec_late_rows(const Executor *x);
/*
** With late = 'keep' the runtime records late rows: fn is called for each row
** dropped as late with the window it missed (INT64_MIN bounds when not windowed)
** and the row's text (columns of the operator's input, comma-separated).
*/
typedef void (*LateRowFn)(void *ud, int64_t window_start, int64_t window_end, const char *row);
void exec_set_late_sink(Executor *x, LateRowFn fn, void *ud);

/* Rows of operator state currently held (for progress / memory figures). */
int64_t exec_state_rows(const Executor *x);

/* The physical operator name for a plan node, as EXPLAIN shows it ("HashAggregate", ...). */
const char *exec_op_name(const Plan *p);

#endif
