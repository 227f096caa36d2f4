/*
** The executor driver: builds the operator tree from a Plan and runs it.
**
** exec_new() mirrors the Plan into Operators (one op_*.c file each) and
** records the leaves in drive order: a depth-first walk that visits a
** join's right (build) input before its left (probe) input, so driving the
** leaves in that order completes every build side before its probe side
** starts.  exec_run() is the batch driver: each leaf produces everything,
** then finishes its port, which cascades finish() up the tree.
**
** Streaming drivers (and the unit tests) use the streaming API of exec.h
** instead: exec_run_static() reads every static leaf (tables, VALUES,
** generate_series) once; then each micro-batch, exec_push_leaf() hands delta
** chunks to the streaming leaves and exec_finish_round() ends it.  Static
** leaves are finished with every round too (they just have nothing more),
** so the per-port finish bookkeeping of joins stays in step.
**
** exec_new also derives what the operators need to know about streaming:
** which operators have a streaming leaf below them (Operator.streaming;
** the others are static, op_static) and every operator's state id, its
** position in a pre-order walk of the plan (node, left input, right input).
** exec_state_changes() / exec_state_load() pass state entries between the
** persisted operators and the runtime.
**
** Call outline:
**   exec_new -> build (recursive) -> op_*_new
**   exec_run -> for each leaf: vt->produce -> op_emit -> op_push(parent) ...
**                              op_finish(leaf, 0) -> ... -> vt->finish -> op_emit ...
**   exec_free -> vt->destroy for every operator
*/
#include <string.h>

#include "operator.h"

/* ------------------------------------------------------------- plumbing */

static void add_op(Executor *x, Operator *op) {
    if (x->nops == x->capops) {
        x->capops = x->capops ? 2 * x->capops : 16;
        x->ops = xrealloc(x->ops, sizeof(Operator *) * (size_t)x->capops);
    }
    x->ops[x->nops++] = op;
}

Operator *op_alloc(Executor *x, const Plan *p, const OperatorVT *vt, size_t size, int nports) {
    Operator *op = arena_zalloc(&x->arena, size);
    op->vt = vt;
    op->plan = p;
    op->x = x;
    op->nports = nports;
    arena_init(&op->state, 0);
    /* big enough that a chunk's vectors of 2048 rows stay in the first block,
       which arena_reset keeps: no malloc per chunk */
    arena_init(&op->scratch, 1 << 20);
    op->fctx.arena = &op->scratch;
    op->fctx.now_us = x->opt.now_us;
    op->fctx.err = x->err;
    add_op(x, op);   /* registered at once, so exec_free destroys it even if its constructor fails */
    return op;
}

int op_check_cancel(Operator *op) {
    if (op->x->opt.cancel && *op->x->opt.cancel) return err_set(op->x->err, "interrupted");
    return 0;
}

int op_push(Operator *op, int port, const Chunk *c) {
    if (op->done) return 0;
    arena_reset(&op->scratch);
    return op->vt->push(op, port, c);
}

int op_finish(Operator *op, int port) {
    unsigned bit = 1u << port;
    if (op->finished & bit) return 0;   /* already finished this round */
    op->finished |= bit;
    if (op->vt->port_done && op->vt->port_done(op, port)) return -1;
    if (op->finished != (1u << op->nports) - 1) return 0;
    op->finished = 0;
    if (op->vt->finish) {
        arena_reset(&op->scratch);
        if (op->vt->finish(op)) return -1;
    }
    op->rounds++;
    if (op->parent) return op_finish(op->parent, op->port);
    return 0;
}

int op_emit(Operator *op, const Chunk *c) {
    if (chunk_active(c) == 0) return 0;
    if (op_check_cancel(op)) return -1;
    if (op->parent) return op_push(op->parent, op->port, c);
    if (op->x->sink) return op->x->sink(op->x->ud, c);
    return 0;
}

bool op_wants_input(const Operator *op) {
    if (!op->x->batch) return true;
    for (const Operator *o = op; o; o = o->parent) {
        if (o->done) return false;
        const Operator *p = o->parent;
        if (!p) return true;
        /* rows flow through unchanged in number or order only through row-wise
           operators and a join's probe side; anything else needs all input */
        if (!p->vt->rowwise && !(p->plan->kind == PLAN_JOIN && o->port == 0)) return true;
        if (p->plan->kind == PLAN_WINDOW && p->plan->u.window.kind == WINDOW_SESSION) return true;
    }
    return true;
}

int op_eval(Operator *op, const Expr *e, const Chunk *c, Vec *out) {
    if (e->kind == EXPR_COLUMN) {
        if (e->col < 0 || e->col >= c->ncols)
            return err_set(op->x->err, "internal error: column %d out of range (%d columns)", e->col, c->ncols);
        *out = c->cols[e->col];
        return 0;
    }
    if (e->kind == EXPR_CONST) {
        Value v = e->value;
        if (v.type == TYPE_NULL || v.null) {
            vec_all_null(out, e->type == TYPE_NULL ? TYPE_NULL : e->type, c->count, &op->scratch);
            return 0;
        }
        out->type = e->type;
        vec_fill_const(out, &v, c->count, &op->scratch);
        return 0;
    }
    return expr_eval(&op->fctx, e, c, out);
}

int op_select(Operator *op, const Expr *pred, const Chunk *c, uint32_t *sel) {
    if (pred->kind == EXPR_CONST) {
        /* TRUE keeps every row, FALSE and NULL none */
        if (pred->value.null || pred->value.type != TYPE_BOOL || !pred->value.u.b) return 0;
        uint32_t n = chunk_active(c);
        for (uint32_t k = 0; k < n; k++) sel[k] = chunk_row(c, k);
        return (int)n;
    }
    if (pred->kind == EXPR_COLUMN && pred->col >= 0 && pred->col < c->ncols &&
        c->cols[pred->col].type == TYPE_BOOL) {
        const Vec *v = &c->cols[pred->col];
        uint32_t n = chunk_active(c), m = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = chunk_row(c, k);
            sel[m] = i;
            m += !vec_null_at(v, i) && VEC_BOOL(v)[i];
        }
        return (int)m;
    }
    return expr_select(&op->fctx, pred, c, sel);
}

/* ------------------------------------------------------------- building */

static void add_leaf(Executor *x, Operator *op) {
    if (x->nleaves == x->capleaves) {
        x->capleaves = x->capleaves ? 2 * x->capleaves : 8;
        x->leaves = xrealloc(x->leaves, sizeof(Operator *) * (size_t)x->capleaves);
    }
    x->leaves[x->nleaves++] = op;
}

/*
** Build the operator for p and, recursively, its inputs (right before left,
** so leaves land in drive order).  NULL on error (x->err set).
*/
static Operator *build(Executor *x, const Plan *p, Operator *parent, int port, int depth) {
    if (!p) {
        err_set(x->err, "internal error: missing plan input");
        return NULL;
    }
    if (depth > 10000) {
        err_set(x->err, "plan is too deep");
        return NULL;
    }
    Operator *op = NULL;
    switch (p->kind) {
    case PLAN_SCAN: op = op_scan_new(x, p); break;
    case PLAN_VALUES: op = op_values_new(x, p); break;
    case PLAN_SERIES: op = op_series_new(x, p); break;
    case PLAN_FILTER: op = op_filter_new(x, p); break;
    case PLAN_PROJECT: op = op_project_new(x, p); break;
    case PLAN_AGGREGATE: op = op_aggregate_new(x, p); break;
    case PLAN_JOIN: op = op_join_new(x, p); break;
    case PLAN_SORT: op = op_sort_new(x, p); break;
    case PLAN_LIMIT: op = op_limit_new(x, p); break;
    case PLAN_WINDOW: op = op_window_new(x, p); break;
    case PLAN_ROWNUMBER:
    case PLAN_TOPN: op = op_topn_new(x, p); break;
    default: err_set(x->err, "internal error: unknown plan node %d", (int)p->kind); return NULL;
    }
    if (!op) return NULL;
    op->parent = parent;
    op->port = port;
    bool leaf = p->kind == PLAN_SCAN || p->kind == PLAN_VALUES || p->kind == PLAN_SERIES;
    if (leaf) {
        add_leaf(x, op);
        op->streaming = p->kind == PLAN_SCAN && p->u.scan.streaming;
    } else if (p->kind == PLAN_JOIN) {
        if (!(op->child[1] = build(x, p->right, op, 1, depth + 1))) return NULL;
        if (!(op->child[0] = build(x, p->left, op, 0, depth + 1))) return NULL;
        op->streaming = op->child[0]->streaming || op->child[1]->streaming;
    } else {
        if (!(op->child[0] = build(x, p->left, op, 0, depth + 1))) return NULL;
        op->streaming = op->child[0]->streaming;
    }
    return op;
}

/* State ids: pre-order (node, left input, right input), the order of the plan's text. */
static void number(Executor *x, Operator *op, int *next) {
    op->id = (*next)++;
    x->byid[op->id] = op;
    for (int k = 0; k < 2; k++)
        if (op->child[k]) number(x, op->child[k], next);
}

/* Run every operator's prepare hook, inputs before the operators that read them. */
static int prepare(Operator *op) {
    for (int k = 0; k < 2; k++)
        if (op->child[k] && prepare(op->child[k])) return -1;
    return op->vt->prepare ? op->vt->prepare(op) : 0;
}

static bool is_streaming_leaf(const Operator *op) {
    return op->plan->kind == PLAN_SCAN && op->plan->u.scan.streaming;
}

Executor *exec_new(const Plan *plan, ChunkSink sink, void *ud, const ExecOptions *opt, Err *err) {
    Executor *x = xcalloc(1, sizeof *x);
    x->plan = plan;
    x->sink = sink;
    x->ud = ud;
    if (opt) x->opt = *opt;
    x->err = err;
    x->wm_set = x->wm_done = x->wm_next = INT64_MIN;
    arena_init(&x->arena, 0);
    x->root = build(x, plan, NULL, 0, 0);
    if (!x->root) {
        exec_free(x);
        return NULL;
    }
    x->streaming = x->root->streaming;
    x->byid = arena_alloc(&x->arena, sizeof(Operator *) * (size_t)x->nops);
    int next = 0;
    number(x, x->root, &next);
    if (prepare(x->root)) {
        exec_free(x);
        return NULL;
    }
    return x;
}

void exec_free(Executor *x) {
    if (!x) return;
    for (int i = 0; i < x->nops; i++) {
        Operator *op = x->ops[i];
        if (op->vt->destroy) op->vt->destroy(op);
        arena_free(&op->state);
        arena_free(&op->scratch);
    }
    free(x->ops);
    free(x->leaves);
    arena_free(&x->arena);
    free(x);
}

/* ------------------------------------------------------------- running */

int exec_run(Executor *x) {
    if (x->started) return err_set(x->err, "internal error: executor already ran");
    x->started = true;
    x->batch = true;
    for (int i = 0; i < x->nleaves; i++) {
        Operator *leaf = x->leaves[i];
        if (op_check_cancel(leaf)) return -1;
        if (leaf->vt->produce(leaf)) return -1;
        if (op_finish(leaf, 0)) return -1;
    }
    return 0;
}

int exec_leaf_count(const Executor *x) { return x->nleaves; }

const Plan *exec_leaf_plan(const Executor *x, int i) {
    return i >= 0 && i < x->nleaves ? x->leaves[i]->plan : NULL;
}

/* Common checks of the streaming entry points; leaf i must exist (i == -1: no leaf involved). */
static int stream_entry(Executor *x, int i) {
    if (i >= x->nleaves || i < -1) return err_set(x->err, "internal error: no leaf %d", i);
    if (x->batch) return err_set(x->err, "internal error: a batch executor takes no pushed input");
    if (!x->checked && x->streaming) {
        /* refuse what the operators cannot maintain before any row flows */
        if (exec_check_streaming(x->plan, x->err)) return -1;
        x->checked = true;
    }
    return 0;
}

int exec_push_leaf(Executor *x, int i, const Chunk *c) {
    if (i < 0) return err_set(x->err, "internal error: no leaf %d", i);
    if (stream_entry(x, i)) return -1;
    if (x->streaming && !is_streaming_leaf(x->leaves[i]))
        return err_set(x->err, "internal error: leaf %d reads a static relation, which exec_run_static reads", i);
    x->started = x->streamed = x->mid_round = true;
    if (op_check_cancel(x->leaves[i])) return -1;
    return op_push(x->leaves[i], 0, c);
}

int exec_finish_leaf(Executor *x, int i) {
    if (i < 0) return err_set(x->err, "internal error: no leaf %d", i);
    if (stream_entry(x, i)) return -1;
    x->started = x->streamed = x->mid_round = true;
    return op_finish(x->leaves[i], 0);
}

int exec_finish_round(Executor *x) {
    for (int i = 0; i < x->nleaves; i++)
        if (exec_finish_leaf(x, i)) return -1;
    x->mid_round = false;
    /* every operator finalized up to this watermark: later rounds drop rows behind it */
    int64_t w = x->wm_set > x->wm_done ? x->wm_set : x->wm_done;
    if (x->wm_next > w) w = x->wm_next;
    x->wm_done = w;
    return 0;
}

/*
** Read every static leaf to its end and finish it: static sides of joins
** are complete before the first micro-batch, static aggregates have
** emitted.  Leaves go in drive order, so a static join's build side is
** complete before its probe side starts.
*/
int exec_run_static(Executor *x) {
    if (stream_entry(x, -1)) return -1;
    if (x->static_ran) return err_set(x->err, "internal error: static inputs already read");
    if (x->streamed) return err_set(x->err, "internal error: static inputs must be read before the first micro-batch");
    x->static_ran = x->started = true;
    for (int i = 0; i < x->nleaves; i++) {
        Operator *leaf = x->leaves[i];
        if (is_streaming_leaf(leaf)) continue;
        if (op_check_cancel(leaf)) return -1;
        if (leaf->vt->produce(leaf)) return -1;
        if (op_finish(leaf, 0)) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- event time */

void exec_set_watermark(Executor *x, int64_t wm_us) { x->wm_set = wm_us; }

/* The next finish finalizes up to wm_us; a watermark never moves back. */
void exec_advance_watermark(Executor *x, int64_t wm_us) {
    if (wm_us > x->wm_next) x->wm_next = wm_us;
}

int64_t exec_late_rows(const Executor *x) { return x->late_rows; }

void exec_set_late_sink(Executor *x, LateRowFn fn, void *ud) {
    x->late_fn = fn;
    x->late_ud = ud;
}

void op_late(Operator *op, int64_t n) { op->x->late_rows += n; }

/*
** The row's text for the late sink: each column as weir prints values,
** comma-separated (the runtime stores it as the record that missed its
** window).  Built in a throwaway arena: late rows are rare, and the
** operator's scratch arena may hold the chunk being processed.
*/
void op_late_row(Operator *op, const Chunk *c, uint32_t i, int64_t ws, int64_t we, int skip1, int skip2) {
    Executor *x = op->x;
    if (!x->late_fn) return;
    Arena a;
    arena_init(&a, 4096);
    size_t len = 0, cap = 256;
    char *buf = arena_alloc(&a, cap);
    buf[0] = 0;
    bool first = true;
    for (int k = 0; k < c->ncols; k++) {
        if (k == skip1 || k == skip2) continue;
        Value v;
        vec_get(&c->cols[k], i, &v);
        if (c->cols[k].type == TYPE_NULL) v.null = true;
        const char *t = value_to_text(&a, &v);
        size_t tl = strlen(t);
        if (len + tl + 2 > cap) {
            while (len + tl + 2 > cap) cap *= 2;
            char *nb = arena_alloc(&a, cap);
            memcpy(nb, buf, len + 1);
            buf = nb;
        }
        if (!first) buf[len++] = ',';
        first = false;
        memcpy(buf + len, t, tl + 1);
        len += tl;
    }
    x->late_fn(x->late_ud, ws, we, buf);
    arena_free(&a);
}

/* ------------------------------------------------------------- state */

/*
** Report the state entries of every persisted operator changed since the
** previous call, in state-id order.  Only between micro-batches (a half-fed
** round has no consistent state).  The operators forget their change marks
** only after every put succeeded, so a failed report can be repeated.
*/
int exec_state_changes(Executor *x, StatePutFn put, void *ud) {
    if (!put) return err_set(x->err, "internal error: exec_state_changes without a callback");
    if (x->mid_round) return err_set(x->err, "internal error: operator state read in the middle of a micro-batch");
    for (int id = 0; id < x->nops; id++) {
        Operator *op = x->byid[id];
        if (op_persists(op) && op->vt->state_changes && op->vt->state_changes(op, put, ud)) return -1;
    }
    /* every entry reached the runtime: forget the marks */
    for (int id = 0; id < x->nops; id++) {
        Operator *op = x->byid[id];
        if (op_persists(op) && op->vt->state_changes) op->vt->state_changes(op, NULL, NULL);
    }
    return 0;
}

/*
** Restore one entry into operator `op` of a fresh executor (before any
** micro-batch; before or after exec_run_static).  Entries may come in any
** order.  Unknown operators and malformed bytes are errors, never crashes.
*/
int exec_state_load(Executor *x, int op, const void *key, size_t klen, const void *val, size_t vlen) {
    if (x->batch || x->streamed)
        return err_set(x->err, "internal error: operator state must be loaded before the first micro-batch");
    if (op < 0 || op >= x->nops) return err_set(x->err, "saved state names operator %d, which the plan lacks", op);
    Operator *o = x->byid[op];
    if (!op_persists(o) || !o->vt->state_load)
        return err_set(x->err, "saved state names operator %d (%s), which keeps no state", op, o->vt->name);
    if (!key || !val || vlen == 0) return op_state_corrupt(o);
    return o->vt->state_load(o, key, klen, val, vlen);
}

/* ------------------------------------------------------------- plan checks */

/*
** Walk p; *streaming receives whether a streaming leaf is below.  Records
** the first construct a continuous query cannot maintain.
*/
static int check_node(const Plan *p, Err *err, int depth, bool *streaming) {
    *streaming = false;
    if (!p) return 0;
    if (depth > 10000) return err_set(err, "plan is too deep");
    bool ls = false, rs = false;
    if (check_node(p->left, err, depth + 1, &ls) || check_node(p->right, err, depth + 1, &rs)) return -1;
    *streaming = ls || rs || (p->kind == PLAN_SCAN && p->u.scan.streaming);
    if (!*streaming) return 0;   /* static: read once, insert-only, anything goes */
    switch (p->kind) {
    case PLAN_JOIN:
        if (p->u.join.kind == PJOIN_LEFT && !ls && rs)
            return err_set(err, "LEFT JOIN with a stream on the right and a static table on the left is not "
                                "supported in continuous queries (every table row would wait for the whole stream); "
                                "put the stream on the left (stream LEFT JOIN table) or use an inner JOIN");
        break;
    default: break;
    }
    return 0;
}

int exec_check_streaming(const Plan *p, Err *err) {
    bool streaming;
    return check_node(p, err, 0, &streaming);
}

int64_t exec_state_rows(const Executor *x) {
    int64_t n = 0;
    for (int i = 0; i < x->nops; i++)
        if (x->ops[i]->vt->state_rows) n += x->ops[i]->vt->state_rows(x->ops[i]);
    return n;
}

const char *exec_op_name(const Plan *p) {
    switch (p->kind) {
    case PLAN_SCAN: return "TableScan";
    case PLAN_VALUES: return "Values";
    case PLAN_SERIES: return "Series";
    case PLAN_FILTER: return "Filter";
    case PLAN_PROJECT: return "Project";
    case PLAN_AGGREGATE: return "HashAggregate";
    case PLAN_JOIN: return "HashJoin";
    case PLAN_SORT: return "Sort";
    case PLAN_LIMIT: return "Limit";
    case PLAN_WINDOW: return "Window";
    case PLAN_ROWNUMBER: return "RowNumber";
    case PLAN_TOPN: return "TopN";
    }
    return "?";
}
