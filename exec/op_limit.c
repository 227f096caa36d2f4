/*
** Limit: skips `offset` rows, then passes at most `limit` rows (limit < 0:
** no limit).  Rows are counted by weight, so a row of weight 3 counts three
** times and may be cut in part (its weight reduced).
**
** Insert-only input (a batch query, or a static part of a continuous query)
** streams through: rows are counted as they pass, and once the limit is
** reached in a batch query the operator is `done`, which lets the query stop
** its scans early (op_wants_input).
**
** A continuous query maintains the result instead (a top-N): a retraction
** of a row inside the limit lets the next row in, so the operator keeps every
** input row (a RowSet, consolidated by content, with the ORDER BY keys of
** the Sort below it when there is one) and, at the end of each round in which
** its input changed:
**
**     order the rows: the ORDER BY keys, then every column (a total order,
**         so the result does not depend on how the input was split into rounds)
**     walk them: skip `offset` row copies, take `limit` copies
**     emit, per row, (now taken) - (taken before): retractions first, then
**         the rows entering, in order
**
** That is O(rows) per changed round: meant for top-N over aggregates (a few
** thousand groups), not for LIMIT over a raw stream of millions of rows.
**
** State entries (continuous queries): key = the row's values (op_state.c),
** value = its multiplicity and the copies emitted; deleted when both are 0.
*/
#include <string.h>

#include "operator.h"

typedef struct LimitOp {
    Operator op;
    int64_t skipped;     /* insert-only: rows skipped so far (towards offset) */
    int64_t passed;      /* insert-only: rows passed so far (towards limit) */
    bool decided, maintained;
    int nin;             /* input columns */
    int nkeys;           /* ORDER BY keys of the Sort below (0: none) */
    const SortKey *keys;
    int *keycol;         /* set column of each key */
    RowSet set;          /* maintained: every input row with its multiplicity */
    int64_t *emitted;    /* per row: copies in the emitted result */
    uint32_t ecap;
    bool changed;        /* input changed since the last finish */
    StateBuf kb, vb;
} LimitOp;

/* ------------------------------------------------------------ insert-only */

static int limit_pass(Operator *op, const Chunk *c) {
    LimitOp *l = (LimitOp *)op;
    int64_t offset = op->plan->u.limit.offset > 0 ? op->plan->u.limit.offset : 0;
    int64_t limit = op->plan->u.limit.limit;
    uint32_t n = chunk_active(c);
    /* fast path: offset done, no limit reached in this chunk, all weights +1 */
    if (!c->weights && l->skipped >= offset && (limit < 0 || l->passed + n <= limit)) {
        l->passed += n;
        if (limit >= 0 && l->passed >= limit) op->done = op->x->batch;
        return op_emit(op, c);
    }
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (n ? n : 1));
    int64_t *w = arena_alloc(&op->scratch, sizeof(int64_t) * (c->count ? c->count : 1));
    uint32_t m = 0;
    bool reweighted = false;   /* some output weight differs from the input's */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        int64_t wt = chunk_weight(c, i);
        if (wt <= 0) {   /* insert-only input has none; pass them rather than drop them */
            sel[m++] = i;
            w[i] = wt;
            continue;
        }
        if (l->skipped < offset) {
            int64_t take = offset - l->skipped < wt ? offset - l->skipped : wt;
            l->skipped += take;
            wt -= take;
            if (wt == 0) continue;
        }
        if (limit >= 0 && l->passed >= limit) break;
        if (limit >= 0 && l->passed + wt > limit) wt = limit - l->passed;
        l->passed += wt;
        reweighted |= wt != chunk_weight(c, i);
        sel[m++] = i;
        w[i] = wt;
    }
    if (limit >= 0 && l->passed >= limit) op->done = op->x->batch;
    if (m == 0) return 0;
    Chunk out = *c;
    out.sel = sel;
    out.nsel = m;
    out.weights = reweighted ? w : c->weights;
    return op_emit(op, &out);
}

/* ------------------------------------------------------------ maintained */

/* Choose the mode (known once exec_run has or has not started): before the first row. */
static void decide(LimitOp *l) {
    if (l->decided) return;
    l->decided = true;
    l->maintained = !op_insert_only(&l->op);
}

/* Room in `emitted` for every stored row (new rows emitted nothing yet). */
static void reserve_emitted(LimitOp *l) {
    if (l->set.rows.n <= l->ecap) return;
    uint32_t cap = l->set.rows.cap;
    l->emitted = xrealloc(l->emitted, sizeof(int64_t) * cap);
    memset(l->emitted + l->ecap, 0, sizeof(int64_t) * (cap - l->ecap));
    l->ecap = cap;
}

static int limit_keep(Operator *op, const Chunk *c) {
    LimitOp *l = (LimitOp *)op;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    int ncols = l->set.rows.ncols;
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int k = 0; k < l->nin; k++) cols[k] = &c->cols[k];
    for (int k = 0; k < l->nkeys; k++) {
        if (l->keycol[k] < l->nin) continue;
        Vec *v = arena_alloc(&op->scratch, sizeof(Vec));
        if (op_eval(op, l->keys[k].expr, c, v)) return -1;
        cols[l->keycol[k]] = v;
    }
    uint64_t *h = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
    rowset_hash(&l->set, cols, c->sel, n, h);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        int64_t w = chunk_weight(c, i);
        if (w == 0) continue;
        bool created;
        rowset_add(&l->set, cols, i, h[k], w, &created);
        l->changed = true;
    }
    reserve_emitted(l);
    return 0;
}

/* Order of stored rows: the ORDER BY keys, then every input column (NULLs last). */
static int cmp_rows(const void *pa, const void *pb, void *ctx) {
    const LimitOp *l = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const RowStore *s = &l->set.rows;
    for (int k = 0; k < l->nkeys; k++) {
        int col = l->keycol[k];
        bool an = rows_null(s, col, a), bn = rows_null(s, col, b);
        if (an || bn) {
            if (an && bn) continue;
            int c = an ? -1 : 1;
            return l->keys[k].nulls_first ? c : -c;
        }
        int c = value_cmp_ptr(s->types[col], rows_ptr(s, col, a), rows_ptr(s, col, b));
        if (c) return l->keys[k].desc ? -c : c;
    }
    for (int col = 0; col < l->nin; col++) {
        bool an = rows_null(s, col, a), bn = rows_null(s, col, b);
        if (an || bn) {
            if (an && bn) continue;
            return an ? 1 : -1;
        }
        int c = value_cmp_ptr(s->types[col], rows_ptr(s, col, a), rows_ptr(s, col, b));
        if (c) return c;
    }
    return (a > b) - (a < b);   /* equal content cannot happen in a RowSet; stay total anyway */
}

/* Emit stored rows ids[0..n) with weights w[0..n), in chunks. */
static int emit_rows(LimitOp *l, const uint32_t *ids, const int64_t *w, uint32_t n) {
    Operator *op = &l->op;
    for (uint32_t base = 0; base < n; base += WEIR_BATCH_SIZE) {
        uint32_t m = n - base < WEIR_BATCH_SIZE ? n - base : WEIR_BATCH_SIZE;
        arena_reset(&op->scratch);
        Chunk *c = chunk_new(l->nin, &op->scratch);
        c->count = c->nsel = m;
        for (int k = 0; k < l->nin; k++) rows_gather(&l->set.rows, k, ids + base, m, &c->cols[k], &op->scratch);
        c->weights = arena_memdup(&op->scratch, w + base, sizeof(int64_t) * m);
        if (op_emit(op, c)) return -1;
    }
    return 0;
}

static int limit_refresh(LimitOp *l) {
    if (!l->changed) return 0;
    l->changed = false;
    uint32_t n = l->set.rows.n;
    if (n == 0) return 0;
    const int64_t *wt = l->set.rows.weights;
    int64_t offset = l->op.plan->u.limit.offset > 0 ? l->op.plan->u.limit.offset : 0;
    int64_t limit = l->op.plan->u.limit.limit;
    uint32_t *ids = xmalloc(sizeof(uint32_t) * n), nlive = 0;
    int64_t *now = xcalloc(n, sizeof(int64_t));
    for (uint32_t r = 0; r < n; r++)
        if (wt[r] > 0) ids[nlive++] = r;
    qsort_r(ids, nlive, sizeof(uint32_t), cmp_rows, l);
    int64_t skip = offset, left = limit;
    for (uint32_t k = 0; k < nlive && (limit < 0 || left > 0); k++) {
        uint32_t r = ids[k];
        int64_t w = wt[r], s = skip < w ? skip : w;
        skip -= s;
        w -= s;
        if (limit >= 0 && w > left) w = left;
        if (limit >= 0) left -= w;
        now[r] = w;
    }
    /* retractions (in row order), then the rows entering (in result order) */
    uint32_t *out = xmalloc(sizeof(uint32_t) * n), nout = 0;
    int64_t *ow = xmalloc(sizeof(int64_t) * n);
    for (uint32_t r = 0; r < n; r++)
        if (now[r] < l->emitted[r]) out[nout] = r, ow[nout++] = now[r] - l->emitted[r];
    for (uint32_t k = 0; k < nlive; k++) {
        uint32_t r = ids[k];
        if (now[r] > l->emitted[r]) out[nout] = r, ow[nout++] = now[r] - l->emitted[r];
    }
    for (uint32_t k = 0; k < nout; k++) {
        l->emitted[out[k]] = now[out[k]];
        rowset_touch(&l->set, out[k]);
    }
    int rc = emit_rows(l, out, ow, nout);
    free(ids);
    free(now);
    free(out);
    free(ow);
    return rc;
}

/* ------------------------------------------------------------ state persistence */

static int report_row(LimitOp *l, uint32_t r, bool fresh, StatePutFn put, void *ud) {
    int64_t w = l->set.rows.weights[r], e = l->emitted[r];
    if (w == 0 && e == 0 && fresh) return 0;
    sbuf_reset(&l->kb);
    sbuf_store_row(&l->kb, &l->set.rows, r, l->set.rows.ncols);
    if (w == 0 && e == 0) return put(ud, l->op.id, l->kb.p, l->kb.n, NULL, 0);
    sbuf_reset(&l->vb);
    sbuf_zigzag(&l->vb, w);
    sbuf_zigzag(&l->vb, e);
    return put(ud, l->op.id, l->kb.p, l->kb.n, l->vb.p, l->vb.n);
}

static int limit_state_changes(Operator *op, StatePutFn put, void *ud) {
    LimitOp *l = (LimitOp *)op;
    decide(l);
    if (!l->maintained) return 0;
    if (!put) {
        rowset_reported(&l->set);
        return 0;
    }
    uint32_t np = rowset_npending(&l->set);
    for (uint32_t k = 0; k < np; k++) {
        uint32_t r = rowset_pending_row(&l->set, k);
        if (report_row(l, r, r >= l->set.pbase, put, ud)) return -1;
    }
    return 0;
}

static int limit_state_load(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    LimitOp *l = (LimitOp *)op;
    decide(l);
    if (!l->maintained) return op_state_corrupt(op);
    arena_reset(&op->scratch);
    int ncols = l->set.rows.ncols;
    Vec v[ncols > 0 ? ncols : 1];
    StateRd r = {key, key + klen, false}, rv = {val, val + vlen, false};
    srd_row(&r, ncols, l->set.rows.types, v, &op->scratch);
    int64_t w = srd_zigzag(&rv), e = srd_zigzag(&rv);
    if (r.bad || r.p != r.end || rv.bad || rv.p != rv.end) return op_state_corrupt(op);
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int c = 0; c < ncols; c++) cols[c] = &v[c];
    uint64_t h;
    rowset_hash(&l->set, cols, NULL, 1, &h);
    bool created;
    uint32_t row = rowset_add(&l->set, cols, 0, h, w, &created);
    if (!created) return op_state_corrupt(op);   /* the same row twice */
    reserve_emitted(l);
    l->emitted[row] = e;
    rowset_reported(&l->set);
    return 0;
}

/* ------------------------------------------------------------ dispatch */

static int limit_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    LimitOp *l = (LimitOp *)op;
    decide(l);
    return l->maintained ? limit_keep(op, c) : limit_pass(op, c);
}

static int limit_finish(Operator *op) {
    LimitOp *l = (LimitOp *)op;
    decide(l);
    return l->maintained ? limit_refresh(l) : 0;
}

static int64_t limit_state_rows(const Operator *op) { return ((const LimitOp *)op)->set.rows.n; }

static void limit_destroy(Operator *op) {
    LimitOp *l = (LimitOp *)op;
    rowset_free(&l->set);
    free(l->emitted);
    sbuf_free(&l->kb);
    sbuf_free(&l->vb);
}

static const OperatorVT limit_vt = {
    .name = "Limit",
    .rowwise = true,   /* for op_wants_input: only batch queries stop early */
    .push = limit_push,
    .finish = limit_finish,
    .state_rows = limit_state_rows,
    .state_changes = limit_state_changes,
    .state_load = limit_state_load,
    .destroy = limit_destroy,
};

Operator *op_limit_new(Executor *x, const Plan *p) {
    if (!p->left) {
        err_set(x->err, "internal error: limit without an input");
        return NULL;
    }
    LimitOp *l = (LimitOp *)op_alloc(x, p, &limit_vt, sizeof(LimitOp), 1);
    l->nin = p->left->schema.ncols;
    if (p->left->kind == PLAN_SORT) {
        l->nkeys = p->left->u.sort.nkeys;
        l->keys = p->left->u.sort.keys;
    }
    l->keycol = ARENA_ARRAY(&l->op.state, int, l->nkeys > 0 ? l->nkeys : 1);
    Type types[l->nin + l->nkeys + 1];
    int ncols = l->nin;
    for (int k = 0; k < l->nin; k++) types[k] = p->left->schema.cols[k].type;
    for (int k = 0; k < l->nkeys; k++) {
        const Expr *e = l->keys[k].expr;
        if (!e) {
            err_set(x->err, "internal error: sort key %d missing", k);
            return NULL;
        }
        if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < l->nin) {
            l->keycol[k] = e->col;
        } else {
            types[ncols] = e->type;
            l->keycol[k] = ncols++;
        }
    }
    /* the set is set up even when unused: cheap, and destroy() stays simple */
    rowset_init(&l->set, ncols, types, &l->op.state);
    return &l->op;
}
