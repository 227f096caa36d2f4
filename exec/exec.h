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
} ExecOptions;

typedef struct Executor Executor;

/* Build operator state for `plan`; output goes to sink(ud, chunk).  NULL on error. */
Executor *exec_new(const Plan *plan, ChunkSink sink, void *ud, const ExecOptions *opt, Err *err);
/* Run to completion as a batch query: every leaf scanned once, all inputs finished.  0 / -1. */
int exec_run(Executor *x);
void exec_free(Executor *x);

/* Rows of operator state currently held (for progress / memory figures). */
int64_t exec_state_rows(const Executor *x);

/* The physical operator name for a plan node, as EXPLAIN shows it ("HashAggregate", ...). */
const char *exec_op_name(const Plan *p);

#endif
