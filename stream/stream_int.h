/*
** The runtime's internal header: the StreamQuery struct and what its files
** share.
**
**   query.c       lifecycle, the trigger loop, the thread
**   batch.c       one micro-batch: sources -> executor -> output, checkpoint, commit
**   output.c      result tables (APPEND / UPDATE / COMPLETE), sinks, taps
**   checkpoint.c  weir_queries, weir_offsets, weir_state, weir_progress, weir_rejects, weir_late
**   eventtime.c   event time: max event time per input, the watermark, max_future, late rows
**   rowbag.c      rows as bytes; bags of rows with weights (consolidation)
*/
#ifndef WEIR_STREAM_INT_H
#define WEIR_STREAM_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "stream.h"

/* ------------------------------------------------------------ rowbag.c */

/* A growable byte buffer (malloc'ed), reused for encoding rows. */
typedef struct RowBuf {
    uint8_t *data;
    size_t len, cap;
} RowBuf;

void rowbuf_free(RowBuf *b);
/* Encode row r of c into b (b->len = its size). */
void row_encode(RowBuf *b, const Chunk *c, uint32_t r);
/* Decode ncols values; TEXT values point into p.  0, or -1 on malformed bytes. */
int row_decode(const uint8_t *p, size_t len, int ncols, Value *out);

typedef struct BagEntry {
    uint64_t hash;
    size_t len;
    int64_t weight;           /* 0: a tombstone */
    const uint8_t *bytes;     /* in the bag's arena */
} BagEntry;

typedef struct RowBag {
    BagEntry *entries;        /* insertion order */
    size_t n, cap, live;
    uint32_t *slots;          /* entry index + 1, 0 = empty */
    size_t nslots;
    Arena arena;              /* entry bytes */
} RowBag;

void bag_init(RowBag *b);
void bag_free(RowBag *b);
void bag_clear(RowBag *b);
/* Add w to the weight of the row `bytes`; returns its new weight. */
int64_t bag_add(RowBag *b, const uint8_t *bytes, size_t len, int64_t w);
int64_t bag_get(const RowBag *b, const uint8_t *bytes, size_t len);
void bag_compact(RowBag *b);

/* ------------------------------------------------------------ checkpoint.c */

/* What weir_queries says about a query name. */
typedef struct CkptInfo {
    bool exists;
    const char *kind;
    const char *plan;
    const char *status;
    int64_t batches;
    int64_t watermark;         /* weir_queries.watermark_us; INT64_MIN when none */
} CkptInfo;

/* Prepared statements of one query's bookkeeping, on its own connection. */
typedef struct Ckpt {
    sqlite3 *db;
    const char *name;          /* as written: weir_progress, weir_rejects, weir_queries */
    char *key;                 /* lower-cased: weir_offsets, weir_state (sqlite3_malloc'ed) */
    sqlite3_stmt *put_state, *del_state, *put_offset, *progress, *reject, *late, *batches, *trim;
} Ckpt;

typedef struct ProgressRow {
    int64_t batch_id;
    int64_t at_us;
    int64_t input_rows;
    double rows_per_s;
    int64_t duration_ms;
    int64_t state_rows;
    int64_t late_rows;
    int64_t rejects;
    int64_t watermark;         /* after the batch; INT64_MIN none, INT64_MAX +infinity */
} ProgressRow;

int ckpt_init_tables(sqlite3 *db, Err *err);
int ckpt_lookup(sqlite3 *db, const char *name, Arena *a, CkptInfo *out, Err *err);
/* Insert or refresh the weir_queries row (status running).  In the caller's transaction. */
int ckpt_register(sqlite3 *db, const char *name, const char *kind, const char *plan, int64_t now_us, Err *err);
int ckpt_set_status(sqlite3 *db, const char *name, const char *status, const char *last_error, int64_t now_us,
                    Err *err);
/*
** Offsets of `name`: fn(ud, source, offset, max_event_time) per row, the
** input's max event time INT64_MIN when none was recorded.  0 / -1.
*/
int ckpt_load_offsets(sqlite3 *db, const char *name, int (*fn)(void *, const char *, const char *, int64_t),
                      void *ud, Err *err);
/* State rows of `name`: fn(ud, op, key, klen, val, vlen) per row.  0 / -1. */
int ckpt_load_state(sqlite3 *db, const char *name, StatePutFn fn, void *ud, Err *err);
int ckpt_prepare(Ckpt *c, sqlite3 *db, const char *name, Err *err);
void ckpt_finalize(Ckpt *c);
/* val == NULL deletes the entry. */
int ckpt_put_state(Ckpt *c, int op, const void *key, size_t klen, const void *val, size_t vlen, Err *err);
/* max_event_time: the input's max event time, INT64_MIN when none (stored as NULL). */
int ckpt_put_offset(Ckpt *c, const char *source, const char *offset, int64_t max_event_time, Err *err);
int ckpt_progress(Ckpt *c, const ProgressRow *p, Err *err);
int ckpt_reject(Ckpt *c, const char *source, const char *location, const char *record, size_t rlen,
                const char *error, int64_t at_us, Err *err);
/* A row dropped as late (late = 'keep'): window bounds INT64_MIN when it missed no window (NULL). */
int ckpt_late(Ckpt *c, int64_t window_start, int64_t window_end, const char *record, int64_t at_us, Err *err);
/* weir_queries: the last committed batch id and the watermark after it. */
int ckpt_set_batches(Ckpt *c, int64_t batches, int64_t watermark, int64_t now_us, Err *err);

/* ------------------------------------------------------------ output.c */

/* A result table in the results database (or an attached one) written in an EMIT mode. */
typedef struct TableWriter {
    sqlite3 *db;
    char *qname;              /* "schema"."table" or "table", quoted (sqlite3_malloc'ed) */
    const char *table;
    int ncols;
    EmitMode mode;
    int nkeys;
    int *keys;                /* UPDATE / COMPLETE: unique-index columns (query arena) */
    sqlite3_stmt *ins, *del;
} TableWriter;

/*
** Prepare writing `table` (in attached database `schema`, NULL: main).
** create: (re)create the table and its key index first.  0 / -1.
*/
int tw_open(TableWriter *tw, sqlite3 *db, const char *schema, const char *table, const Schema *cols, EmitMode mode,
            const int *keys, int nkeys, bool create, Arena *a, Err *err);
void tw_close(TableWriter *tw);
/* APPEND: insert the active rows (a weight w > 1 inserts w copies; a retraction is an error). */
int tw_append(TableWriter *tw, const Chunk *c, Err *err);
/* UPDATE / COMPLETE with keys: apply changes as they come (see output.c). */
int tw_change(TableWriter *tw, const Chunk *c, Err *err);
/* UPDATE / COMPLETE: apply consolidated changes: retractions first, then inserts. */
int tw_apply(TableWriter *tw, const RowBag *changes, Err *err);

/* Bind a value as CONTRACT §2 maps it (TIMESTAMP as text, BOOLEAN 0/1, INTERVAL microseconds). */
int stream_bind_value(sqlite3_stmt *st, int param, const Value *v);

/*
** Hand the entries of `bag` to fn as chunks of up to WEIR_BATCH_SIZE rows of
** `schema` (built in `scratch`, reset between chunks), a row of weight w as
** |w| rows of weight +1 or -1.  sign > 0: entries with a positive weight only,
** < 0: negative only, 0: all.  0 / -1.
*/
int bag_to_chunks(const RowBag *bag, const Schema *schema, int sign, Arena *scratch,
                  int (*fn)(void *ud, const Chunk *c), void *ud, Err *err);

/* ------------------------------------------------------------ query.c */

/* One streaming leaf and the source feeding it. */
typedef struct QSource {
    const char *name;          /* SOURCE name */
    const char *key;           /* its weir_offsets key: the name, or name#k when read twice */
    int leaf;                  /* executor leaf index */
    Source *src;
    bool planned;              /* plan_batch said it has rows for this round */
    const char *offset;        /* end offset after this batch's last round (batch arena), NULL: unchanged */
    /* event time (eventtime.c) */
    int wm_col;                /* chunk column holding event time (scan.watermark_out), -1: no WATERMARK */
    int64_t delay_us;          /* the WATERMARK's delay */
    int64_t max_et;            /* max event time seen (checkpointed); INT64_MIN: none yet */
    int64_t max_future_us;     /* option max_future; -1: not set */
    bool fail_on_error;        /* option on_error = 'fail': a max_future violation fails the batch */
    bool snapshot;             /* read as bounded for ONCE / AVAILABLE NOW: its end is not the input's end */
    int ncols;                 /* columns of its chunks (the scan's projection) */
    int *order;                /* chunk columns in declared order (rejected rows' text; query arena) */
    int64_t batch_rows;        /* rows it delivered in this batch (reject locations) */
} QSource;

/* A row an operator dropped as late, kept for weir_late (late = 'keep'; batch arena). */
typedef struct QLate {
    int64_t window_start, window_end;
    const char *record;
    struct QLate *next;
} QLate;

/* A record a source rejected during the batch (copied into the batch arena). */
typedef struct QReject {
    const char *source, *location, *error;
    const char *record;
    size_t rlen;
    struct QReject *next;
} QReject;

typedef enum OutKind { OUT_TABLE, OUT_SINK, OUT_TAP } OutKind;

struct StreamQuery {
    Arena *arena;              /* query arena: plan, names, options (owned) */
    const char *name;
    StreamKind kind;
    const char *kind_name;     /* "materialized view" / "sink" / "select" */
    Plan *plan;
    const char *plan_text;     /* physical plan + output line: the resume check */
    EmitMode mode;
    TriggerKind trigger;
    int64_t interval_us;
    bool manual, persistent;
    int64_t now_us;

    sqlite3 *db;               /* own connection to the results database */
    Ckpt ckpt;
    bool ckpt_ready;

    Executor *x;
    Err xerr;                  /* the executor's error (its address is kept by exec) */
    int nsrc;
    QSource *src;
    RejectSink rejects;

    OutKind out;
    TableWriter tw;
    Sink *sink;
    const StreamTap *out_tap;  /* OUT_TAP */
    bool direct;               /* changes go to the output as they come (APPEND, keyed tables) */
    RowBag result;             /* COMPLETE sink / tap: the whole result */
    bool keep_result;

    /* the batch in flight */
    Arena batch;               /* rejected records; reset after each batch */
    Arena scratch;             /* chunks built from bags; reset per chunk */
    RowBag changes;            /* consolidated changes (UPDATE / COMPLETE) */
    RowBuf rowbuf;
    const StreamTap *step_tap; /* stream_step's callback for this batch */
    bool in_batch;
    Err *batch_err;            /* where the sink callback reports */
    QReject *rej_head, *rej_tail;
    int64_t batch_rejects;
    QLate *late_head, *late_tail;
    int64_t batch_id;          /* last committed */

    /* event time (eventtime.c) */
    bool has_wm;               /* some input has a WATERMARK */
    bool late_keep;            /* some input has late = 'keep': weir_late */
    int64_t wm;                /* the committed watermark; INT64_MIN none, INT64_MAX every input ended */
    int64_t late_seen;         /* exec_late_rows when the last batch committed */

    /* control */
    volatile sig_atomic_t stop;
    volatile sig_atomic_t *session_stop;
    volatile sig_atomic_t *cancel;
    pthread_t thread;
    bool thread_started;

    pthread_mutex_t mu;        /* guards stats */
    StreamStats stats;
};

/* ------------------------------------------------------------ query.c */

int64_t sq_wall_us(void);
int64_t sq_mono_us(void);
int sq_db_exec(sqlite3 *db, const char *sql, Err *err);
void sq_db_rollback(sqlite3 *db);
/* A stop was asked: stream_stop, weir_stop, or Ctrl-C for a foreground SELECT. */
bool sq_stop_requested(const StreamQuery *q);

/* ------------------------------------------------------------ eventtime.c */

/*
** Event-time setup of source s read by streaming scan `scan`: its WATERMARK
** column and delay, and the runtime's options late / max_future taken out
** of *cfg (the connector never sees them), validated.  0 / -1.
*/
int sq_event_source(StreamQuery *q, QSource *s, const Plan *scan, ConnConfig *cfg, Err *err);
/*
** A chunk source s delivered, before it is pushed: rows whose event time is
** more than max_future ahead of the clock are rejected (weir_rejects) and
** left out of *out (a view of c with a narrower selection, batch arena);
** the max event time of the rows kept is tracked.  0 / -1 (on_error = 'fail').
*/
int sq_event_chunk(StreamQuery *q, QSource *s, const Chunk *c, const Chunk **out, Err *err);
/* Every input ended for good (bounded, not a ONCE / AVAILABLE NOW snapshot). */
bool sq_inputs_ended(const StreamQuery *q);
/* Every input ended but the watermark is not +infinity yet: a batch without rows must emit the rest. */
bool sq_flush_pending(const StreamQuery *q);
/* The watermark after this batch's rows: never behind q->wm (CONTRACT §4, §5). */
int64_t sq_next_watermark(const StreamQuery *q);
/* The executor's LateRowFn (ud: the query): keeps the row for weir_late. */
void sq_on_late(void *ud, int64_t window_start, int64_t window_end, const char *row);

/* ------------------------------------------------------------ batch.c */

/* The executor's ChunkSink (ud: the query). */
int sq_root_sink(void *ud, const Chunk *c);
/* The sources' RejectSink callback (ud: the query): the record waits for the batch's commit. */
int sq_on_reject(void *ud, const char *source, const char *location, Str record, const char *reason);
/*
** Run one micro-batch.  *rows: the input rows it read.  1: committed, 0: no
** source had new data (nothing happened), -1: error in err (rolled back).
*/
int sq_run_batch(StreamQuery *q, const StreamTap *tap, int64_t *rows, Err *err);

#endif
