/*
** Operators: the executor's internal interface (exec.c and exec/op_*.c).
**
** exec_new() walks the Plan and builds a parallel tree of Operators.  Each
** operator embeds `Operator` as its first member and a vtable of what it can
** do.  Data moves upward only:
**
**   leaf produce()  -> op_emit(leaf, chunk) -> op_push(parent, port, chunk)
**                   -> parent's vt->push()  -> op_emit(parent, ...) -> ... -> ChunkSink
**   op_finish(leaf, 0) -> op_finish(parent, port) once all of the parent's
**                         ports finished -> parent's vt->finish() emits its
**                         changes -> op_finish(grandparent, ...) -> ...
**
** A "round" is the span between two finishes: a batch query has exactly one
** round; a continuous query has one per micro-batch.  Stateful operators
** (aggregate, sort) emit at the end of each round only what changed in it.
**
** Leaves have one port too (port 0, the "external feed"): a batch query
** calls produce() to read the whole relation, a streaming driver instead
** pushes deltas with exec_push_leaf() (a Scan applies its pushed-down filter
** to them) and ends a micro-batch with exec_finish_round().
**
** Arenas: `state` lives as long as the operator (hash tables' strings, kept
** rows), `scratch` is reset by op_push()/op_finish() before the operator's
** own push()/finish() runs, so whatever an operator allocates while
** processing one chunk (evaluated vectors, output chunks) is dropped when the
** next one arrives.  Growable arrays of state (hash tables, per-group
** accumulators, row stores) use xrealloc and are freed by destroy(): they
** grow by doubling, which an arena cannot do without waste.
*/
#ifndef WEIR_OPERATOR_H
#define WEIR_OPERATOR_H

#include <stdlib.h>

#include "exec.h"
#include "expr.h"

typedef struct Operator Operator;

typedef struct OperatorVT {
    const char *name;       /* as EXPLAIN shows it */
    /* Output rows depend only on the current input chunk (Filter, Project, TUMBLE/HOP):
       a saturated LIMIT above may stop the leaves below early (batch only). */
    bool rowwise;
    /* Consume one chunk on `port` (valid only during the call).  0 / -1. */
    int (*push)(Operator *op, int port, const Chunk *c);
    /* Optional: `port` has no more input in this round (a join's build side is complete). */
    int (*port_done)(Operator *op, int port);
    /* Optional: every port finished this round; emit what changed.  0 / -1. */
    int (*finish)(Operator *op);
    /* Leaves only: produce the whole input as chunks (a batch query).  0 / -1. */
    int (*produce)(Operator *op);
    /* Optional: rows of state held (groups, kept rows). */
    int64_t (*state_rows)(const Operator *op);
    /*
    ** Optional, persisted operators only (op_persists): report every state
    ** entry changed since the last call through put(); with put == NULL,
    ** forget the changes instead (exec_state_changes calls that once every
    ** operator reported successfully, so a failed put loses nothing).
    */
    int (*state_changes)(Operator *op, StatePutFn put, void *ud);
    /* Optional: restore one entry reported by state_changes.  0 / -1. */
    int (*state_load)(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
    /* Optional: free what is not in the operator's arenas. */
    void (*destroy)(Operator *op);
    /*
    ** Optional: called by exec_new once the whole operator tree is built and
    ** numbered (children, parents and plans are all there), bottom-up.  An
    ** aggregate decides its event-time role here and may switch a HOP window
    ** below it to panes.  0 / -1.
    */
    int (*prepare)(Operator *op);
} OperatorVT;

struct Operator {
    const OperatorVT *vt;
    const Plan *plan;
    Executor *x;
    Operator *parent;       /* NULL: the root, whose output goes to the sink */
    int port;               /* which input of the parent we feed */
    int nports;             /* 1, or 2 for a join (0 = left/probe, 1 = right/build) */
    unsigned finished;      /* bit per port finished in the current round */
    int64_t rounds;         /* finishes completed so far */
    bool done;              /* wants no more input (a saturated LIMIT) */
    bool streaming;         /* a streaming leaf (PLAN_SCAN scan.streaming) feeds it */
    int id;                 /* pre-order position in the plan: the state id */
    Operator *child[2];     /* inputs (port 0, port 1), for plan walks */
    Arena state;            /* across chunks and rounds */
    Arena scratch;          /* reset before each push / finish */
    FuncCtx fctx;           /* expression context: arena = &scratch */
};

struct Executor {
    const Plan *plan;
    ChunkSink sink;
    void *ud;
    ExecOptions opt;
    Err *err;
    /* Set by exec_run before any input flows: every input is insert-only and
       arrives in one round, so operators may skip what retraction needs
       (MIN/MAX multisets, a join's probe-side store). */
    bool batch;
    bool started;           /* input has flowed (exec_run or exec_push_leaf) */
    /* The plan reads a SOURCE.  Its operators without a streaming input are
       then static: fed once by exec_run_static, insert-only, not persisted. */
    bool streaming;
    bool static_ran;        /* exec_run_static done */
    bool streamed;          /* a micro-batch pushed or finished: too late for exec_state_load */
    bool mid_round;         /* pushed since the last exec_finish_round */
    Operator *root;
    int nops, capops;
    Operator **ops;         /* every operator, in creation order */
    int nleaves, capleaves;
    Operator **leaves;      /* in drive order: every join's build side before its probe side */
    Operator **byid;        /* every operator by state id (pre-order) */
    bool checked;           /* exec_check_streaming passed */
    Arena arena;            /* operator structs */
    /*
    ** Event time (exec.h).  Rows pushed in a round are judged against
    ** max(wm_set, wm_done): what the runtime said the watermark was when the
    ** batch began, and what earlier rounds already finalized (so a watermark
    ** set lower than one already acted on cannot resurrect an evicted window).
    ** A round's finish finalizes up to max(that, wm_next), and once it is
    ** complete that becomes wm_done.  INT64_MIN: none yet.
    */
    int64_t wm_set, wm_done, wm_next;
    int64_t late_rows;      /* rows (row, window pairs for windows) dropped as late */
    LateRowFn late_fn;      /* exec_set_late_sink */
    void *late_ud;
};

/*
** Operator roles in a continuous query (a plan with a streaming leaf):
** static operators see only static relations, which exec_run_static feeds
** once, insert-only, before the first micro-batch; so they may run their
** batch algorithms (no MIN/MAX multisets, a join stores only its build side)
** and their state is rebuilt at restart rather than persisted.  In a plan
** without a streaming leaf (unit tests pushing into VALUES leaves) every
** operator maintains its result under retractions.
*/
static inline bool op_static(const Operator *op) { return op->x->streaming && !op->streaming; }
/* Input arrives once, insert-only: batch algorithms apply. */
static inline bool op_insert_only(const Operator *op) { return op->x->batch || op_static(op); }
/* Its state is reported by exec_state_changes and restored by exec_state_load. */
static inline bool op_persists(const Operator *op) { return !op_insert_only(op); }

/*
** Event time: the watermark late rows are judged against in this round
** (INT64_MIN: drop nothing), and the one this round's finish finalizes.
** Batch queries and static operators have no watermark.
*/
static inline int64_t op_watermark(const Operator *op) {
    const Executor *x = op->x;
    if (op_insert_only(op)) return INT64_MIN;
    return x->wm_set > x->wm_done ? x->wm_set : x->wm_done;
}
static inline int64_t op_final_watermark(const Operator *op) {
    int64_t w = op_watermark(op);
    if (op_insert_only(op)) return INT64_MIN;
    return op->x->wm_next > w ? op->x->wm_next : w;
}
/*
** Account for `n` late rows.  With a late sink, also report row i of c as
** late for window [ws, we) (INT64_MIN bounds: not windowed), leaving out
** columns skip1 / skip2 (-1: none): the window's own bounds, which the sink
** receives apart (and which a HOP in pane mode fills with its pane's).
*/
void op_late(Operator *op, int64_t n);
void op_late_row(Operator *op, const Chunk *c, uint32_t i, int64_t ws, int64_t we, int skip1, int skip2);

/* ------------------------------------------------------------ plumbing (exec.c) */

/*
** Allocate a zeroed operator struct of `size` bytes (Operator first), set it
** up and register it with x, so that exec_free destroys it even when its
** constructor then fails: destroy() must cope with a half-built operator.
*/
Operator *op_alloc(Executor *x, const Plan *p, const OperatorVT *vt, size_t size, int nports);
/* Deliver a chunk to op's push() on `port` (resets op's scratch first). */
int op_push(Operator *op, int port, const Chunk *c);
/* Mark `port` finished; once all ports are, run finish() and forward to the parent. */
int op_finish(Operator *op, int port);
/* Send an output chunk to the parent (or the sink).  Skips empty chunks; checks cancellation. */
int op_emit(Operator *op, const Chunk *c);
/* -1 with "interrupted" when the user asked to stop. */
int op_check_cancel(Operator *op);
/* Batch query: false when a LIMIT above (through row-wise operators only) needs no more rows. */
bool op_wants_input(const Operator *op);
/*
** Evaluate e over c into *out: column references alias the input vector,
** constants broadcast, the rest goes to expr_eval (in op's scratch arena).
*/
int op_eval(Operator *op, const Expr *e, const Chunk *c, Vec *out);
/* Rows of c where pred is TRUE into sel (room for c->count); the count, or -1. */
int op_select(Operator *op, const Expr *pred, const Chunk *c, uint32_t *sel);

/* --------------------------------------------------- operator constructors */

Operator *op_scan_new(Executor *x, const Plan *p);
Operator *op_values_new(Executor *x, const Plan *p);
Operator *op_series_new(Executor *x, const Plan *p);
Operator *op_filter_new(Executor *x, const Plan *p);
Operator *op_project_new(Executor *x, const Plan *p);
Operator *op_aggregate_new(Executor *x, const Plan *p);
Operator *op_join_new(Executor *x, const Plan *p);
Operator *op_sort_new(Executor *x, const Plan *p);
Operator *op_limit_new(Executor *x, const Plan *p);
Operator *op_window_new(Executor *x, const Plan *p);
/*
** Switch a HOP window to panes: each row is emitted once, with the bounds of
** its slide-sized pane [floor(ts / slide) * slide, + slide) as window_start /
** window_end, for an aggregate above that combines panes into windows
** (op_aggregate.c decides, in its prepare hook).
*/
void op_window_use_panes(Operator *w);
Operator *op_topn_new(Executor *x, const Plan *p);   /* op_topn.c: PLAN_ROWNUMBER and PLAN_TOPN */

/* The streaming driver API (exec_push_leaf, exec_finish_round, ...) is declared in exec.h. */

/* ---------------------------------------------- hashing and row storage (op_rows.c) */

#define HASH_NULL 0x7f4a7c159e3779b9ULL

static inline uint64_t hash_mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}
static inline uint64_t hash_combine(uint64_t h, uint64_t v) {
    return ((h << 31 | h >> 33) ^ v) * 0x9E3779B97F4A7C15ULL;
}
/* NULL check that also covers TYPE_NULL vectors (all NULL, data may be garbage). */
static inline bool vec_null_at(const Vec *v, uint32_t i) {
    return v->type == TYPE_NULL || (v->nulls && v->nulls[i]);
}

/* Hash of one non-NULL value of type t at p (grouping equality: -0 = 0, NaN = NaN). */
uint64_t hash_value_ptr(Type t, const void *p);
/* h[k] = hash (combine: mixed into h[k]) of the k-th active row of v; NULL hashes to HASH_NULL. */
void hash_vec(const Vec *v, const uint32_t *sel, uint32_t n, uint64_t *h, bool combine);

/* Bytes per value of a vector of type t (type_width, inlined for hot loops). */
static inline size_t vec_width(Type t) {
    return t == TYPE_BOOL ? 1 : t == TYPE_TEXT ? sizeof(Str) : 8;
}

/* Grouping equality of two non-NULL values of type t (NaN = NaN, -0 = 0). */
static inline bool value_eq_ptr(Type t, const void *a, const void *b) {
    switch (t) {
    case TYPE_BOOL: return *(const uint8_t *)a == *(const uint8_t *)b;
    case TYPE_DOUBLE: {
        double x = *(const double *)a, y = *(const double *)b;
        return x == y || (x != x && y != y);   /* NaN = NaN */
    }
    case TYPE_TEXT: return str_eq(*(const Str *)a, *(const Str *)b);
    case TYPE_NULL: return true;
    default: return *(const int64_t *)a == *(const int64_t *)b;
    }
}
/* Ordering of two non-NULL values of type t: <0, 0, >0 (NaN sorts above every number). */
int value_cmp_ptr(Type t, const void *a, const void *b);
/* Copy the active rows (by index list) of src into a dense vector out (n rows, in arena a). */
void vec_gather(const Vec *src, const uint32_t *rows, uint32_t n, Vec *out, Arena *a);
/* A vector of n NULLs of type t. */
void vec_all_null(Vec *out, Type t, uint32_t n, Arena *a);

/*
** RowStore: rows an operator keeps (a join's sides, a sort buffer, group
** keys), column by column in growable arrays, with an optional weight per
** row.  TEXT bytes are copied into `strings` (the owner's state arena), so
** stored strings stay valid while the owner lives.  Row ids are dense,
** 0..n-1, in append order.
*/
typedef struct RowStore {
    int ncols;
    Type *types;        /* per column */
    char **data;        /* per column: cap * width bytes */
    uint8_t **nulls;    /* per column: NULL until the column stores a NULL */
    int64_t *weights;   /* per row, when the store keeps weights (else NULL) */
    bool keep_weights;
    uint32_t n, cap;
    Arena *strings;
} RowStore;

void rows_init(RowStore *s, int ncols, const Type *types, bool keep_weights, Arena *strings);
void rows_free(RowStore *s);
/* Forget every row (keeps the arrays; the owner resets its string arena if it wants). */
void rows_clear(RowStore *s);
void rows_reserve(RowStore *s, uint32_t extra);
/* Append row i of cols[0..ncols) with weight w; returns the new row id. */
uint32_t rows_append_row(RowStore *s, const Vec *const *cols, uint32_t i, int64_t w);
/* Append the active rows of vectors cols (count rows, selection sel/n) with their weights. */
void rows_append(RowStore *s, const Vec *const *cols, const uint32_t *sel, uint32_t n,
                 const int64_t *weights);
/* Gather stored rows[0..n) of column c into a dense vector (strings point into the store). */
void rows_gather(const RowStore *s, int c, const uint32_t *rows, uint32_t n, Vec *out, Arena *a);
static inline bool rows_null(const RowStore *s, int c, uint32_t r) {
    return s->types[c] == TYPE_NULL || (s->nulls[c] && s->nulls[c][r]);
}
static inline const void *rows_ptr(const RowStore *s, int c, uint32_t r) {
    return s->data[c] + (size_t)r * vec_width(s->types[c]);
}
/* Row r of column c as a Value (strings point into the store). */
void rows_get(const RowStore *s, int c, uint32_t r, Value *out);
/* Overwrite row r (< n) with row i of cols (a reused row id; old strings stay in the arena). */
void rows_set_row(RowStore *s, const Vec *const *cols, uint32_t i, uint32_t r, int64_t w);
/* Grouping equality of stored (c, r) with row i of v (NULL = NULL). */
static inline bool rows_eq_vec(const RowStore *s, int c, uint32_t r, const Vec *v, uint32_t i) {
    bool sn = rows_null(s, c, r), vn = vec_null_at(v, i);
    if (sn || vn) return sn && vn;
    return value_eq_ptr(s->types[c], rows_ptr(s, c, r), (const char *)v->data + (size_t)i * vec_width(v->type));
}

/*
** RowSet: a multiset of rows, consolidated -- one stored row per distinct
** content, its weight the multiplicity -- with a hash index on the whole
** row.  A continuous join's sides and a maintained top-N keep their rows so:
** a retraction finds its row in O(1), and a row's content is a stable state
** key.  A weight that drops to 0 leaves a dead row (row ids never move);
** adding that content again revives it.  Rows changed since the last state
** report are tracked (`pending`, plus every row >= pbase).
*/
typedef struct RowSet {
    RowStore rows;          /* keep_weights: weight = multiplicity */
    uint64_t *rhash;        /* per row: hash of every column */
    uint8_t *pending;       /* per row: changed since the last report */
    uint32_t *plist, np, pcap;
    uint32_t pbase;         /* rows >= pbase are new since the last report */
    uint32_t acap;          /* capacity of rhash / pending */
    uint32_t *slots;        /* row + 1, open addressing on rhash; 0 = empty */
    uint32_t smask;
} RowSet;

void rowset_init(RowSet *s, int ncols, const Type *types, Arena *strings);
void rowset_free(RowSet *s);
/* h[k] = hash of the k-th row sel[k] (sel NULL: k) of cols (one vector per column). */
void rowset_hash(const RowSet *s, const Vec *const *cols, const uint32_t *sel, uint32_t n, uint64_t *h);
/*
** Add weight w to the row equal to row i of cols (hash h), creating it when
** absent.  *created: it was appended.  Marks it pending.  Returns its id.
*/
uint32_t rowset_add(RowSet *s, const Vec *const *cols, uint32_t i, uint64_t h, int64_t w, bool *created);
/* Mark row r changed since the last report. */
void rowset_touch(RowSet *s, uint32_t r);
/* Forget the pending marks (after a successful report). */
void rowset_reported(RowSet *s);
/* Pending row k of 0..rowset_npending(): the marked rows, then every row >= pbase. */
static inline uint32_t rowset_npending(const RowSet *s) { return s->np + (s->rows.n - s->pbase); }
static inline uint32_t rowset_pending_row(const RowSet *s, uint32_t k) {
    return k < s->np ? s->plist[k] : s->pbase + (k - s->np);
}

/* ---------------------------------------------- state encoding (op_state.c) */

/* A growable byte buffer for state keys and values (xrealloc; sbuf_free). */
typedef struct StateBuf {
    uint8_t *p;
    size_t n, cap;
} StateBuf;

void sbuf_reset(StateBuf *b);
void sbuf_free(StateBuf *b);
void sbuf_byte(StateBuf *b, uint8_t x);
void sbuf_bytes(StateBuf *b, const void *p, size_t n);
void sbuf_varint(StateBuf *b, uint64_t x);
void sbuf_zigzag(StateBuf *b, int64_t x);
void sbuf_f64(StateBuf *b, double d);
/* A value of type t at p (p NULL: SQL NULL). */
void sbuf_value(StateBuf *b, Type t, const void *p);
/* Columns 0..ncols) of stored row r. */
void sbuf_store_row(StateBuf *b, const RowStore *s, uint32_t r, int ncols);

/* A reader over state bytes; `bad` is set by any malformed or truncated input. */
typedef struct StateRd {
    const uint8_t *p, *end;
    bool bad;
} StateRd;

uint8_t srd_byte(StateRd *r);
uint64_t srd_varint(StateRd *r);
int64_t srd_zigzag(StateRd *r);
double srd_f64(StateRd *r);
/* Decode a value of type t into row `row` of v (count rows); TEXT points into the bytes. */
void srd_value(StateRd *r, Type t, Vec *v, uint32_t row, uint32_t count, Arena *a);
/* Decode ncols values into fresh one-row vectors out[0..ncols) (in a). */
void srd_row(StateRd *r, int ncols, const Type *types, Vec *out, Arena *a);
/* -1 with a "corrupt saved state" error naming the operator. */
int op_state_corrupt(Operator *op);

#endif
