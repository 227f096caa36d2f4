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
** Streaming drivers (and the unit tests) use the internal API of
** operator.h instead: exec_push_leaf() hands a delta chunk to a leaf and
** exec_finish_round() ends a micro-batch.
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
    default: err_set(x->err, "internal error: unknown plan node %d", (int)p->kind); return NULL;
    }
    if (!op) return NULL;
    op->parent = parent;
    op->port = port;
    bool leaf = p->kind == PLAN_SCAN || p->kind == PLAN_VALUES || p->kind == PLAN_SERIES;
    if (leaf) {
        add_leaf(x, op);
    } else if (p->kind == PLAN_JOIN) {
        if (!build(x, p->right, op, 1, depth + 1)) return NULL;
        if (!build(x, p->left, op, 0, depth + 1)) return NULL;
    } else {
        if (!build(x, p->left, op, 0, depth + 1)) return NULL;
    }
    return op;
}

Executor *exec_new(const Plan *plan, ChunkSink sink, void *ud, const ExecOptions *opt, Err *err) {
    Executor *x = xcalloc(1, sizeof *x);
    x->plan = plan;
    x->sink = sink;
    x->ud = ud;
    if (opt) x->opt = *opt;
    x->err = err;
    arena_init(&x->arena, 0);
    x->root = build(x, plan, NULL, 0, 0);
    if (!x->root) {
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

int exec_push_leaf(Executor *x, int i, const Chunk *c) {
    if (i < 0 || i >= x->nleaves) return err_set(x->err, "internal error: no leaf %d", i);
    if (x->batch) return err_set(x->err, "internal error: a batch executor takes no pushed input");
    x->started = true;
    if (op_check_cancel(x->leaves[i])) return -1;
    return op_push(x->leaves[i], 0, c);
}

int exec_finish_leaf(Executor *x, int i) {
    if (i < 0 || i >= x->nleaves) return err_set(x->err, "internal error: no leaf %d", i);
    if (x->batch) return err_set(x->err, "internal error: a batch executor takes no pushed input");
    x->started = true;
    return op_finish(x->leaves[i], 0);
}

int exec_finish_round(Executor *x) {
    for (int i = 0; i < x->nleaves; i++)
        if (exec_finish_leaf(x, i)) return -1;
    return 0;
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
    }
    return "?";
}
