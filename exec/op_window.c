/*
** Window: the TUMBLE / HOP / SESSION table functions.  Each appends two
** TIMESTAMP columns, window_start and window_end, to its input's columns.
** A row whose time column is NULL belongs to no window and is dropped.
**
** TUMBLE and HOP are row expansions, done chunk by chunk:
**   TUMBLE: start = floor(ts / size) * size, end = start + size.  The input
**           vectors pass through; only the two new columns are computed.
**   HOP:    every window [start, start + size) with start a multiple of
**           `slide` and start <= ts < start + size, in ascending order; rows
**           are gathered into new chunks (one output row per window).
** Window starts are aligned to the epoch.
**
** SESSION (per partition, windows of rows less than `gap` apart) needs to see
** rows in time order, so it keeps every row and assigns sessions at finish:
** sort by (partition, ts), then a row starts a new session when its
** partition differs from the previous row's or ts >= previous ts + gap.  A
** session is [first ts, last ts + gap).  This is batch semantics: it runs
** on insert-only input (a batch query, or a static part of a continuous
** query); SESSION over a stream is refused for now (exec_check_streaming).
*/
#include <string.h>

#include "operator.h"

typedef struct WindowOp {
    Operator op;
    int nin;
    RowStore rows;       /* SESSION: the rows of the round */
} WindowOp;

/* floor(a / b) for b > 0 */
static inline int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int range_error(Operator *op) { return err_set(op->x->err, "timestamp out of range"); }

/* --------------------------------------------------------------- TUMBLE */

static int tumble_push(Operator *op, const Chunk *c) {
    const Plan *p = op->plan;
    WindowOp *w = (WindowOp *)op;
    int64_t size = p->u.window.size_us;
    const Vec *tv = &c->cols[p->u.window.time_col];
    uint32_t n = chunk_active(c);
    Chunk *out = chunk_new(w->nin + 2, &op->scratch);
    *out = *c;
    out->ncols = w->nin + 2;
    out->cols = arena_alloc(&op->scratch, sizeof(Vec) * (size_t)out->ncols);
    memcpy(out->cols, c->cols, sizeof(Vec) * (size_t)w->nin);
    Vec *ws = &out->cols[w->nin], *we = &out->cols[w->nin + 1];
    vec_alloc(ws, TYPE_TIMESTAMP, c->count, &op->scratch);
    vec_alloc(we, TYPE_TIMESTAMP, c->count, &op->scratch);
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (n ? n : 1)), m = 0;
    bool ovf = false;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(tv, i)) continue;
        int64_t st = floor_div(VEC_I64(tv)[i], size) * size;
        ovf |= __builtin_add_overflow(st, size, &VEC_I64(we)[i]);
        VEC_I64(ws)[i] = st;
        sel[m++] = i;
    }
    if (ovf) return range_error(op);
    if (m < n || c->sel) {
        out->sel = sel;
        out->nsel = m;
    }
    return op_emit(op, out);
}

/* --------------------------------------------------------------- HOP */

typedef struct HopBuf {
    uint32_t *rows;
    int64_t *starts;
    uint32_t n;
} HopBuf;

static int hop_flush(Operator *op, const Chunk *c, HopBuf *b, Arena *a) {
    if (b->n == 0) return 0;
    WindowOp *w = (WindowOp *)op;
    int64_t size = op->plan->u.window.size_us;
    Chunk *out = chunk_new(w->nin + 2, a);
    out->count = out->nsel = b->n;
    for (int k = 0; k < w->nin; k++) vec_gather(&c->cols[k], b->rows, b->n, &out->cols[k], a);
    Vec *ws = &out->cols[w->nin], *we = &out->cols[w->nin + 1];
    vec_alloc(ws, TYPE_TIMESTAMP, b->n, a);
    vec_alloc(we, TYPE_TIMESTAMP, b->n, a);
    for (uint32_t k = 0; k < b->n; k++) {
        VEC_I64(ws)[k] = b->starts[k];
        VEC_I64(we)[k] = b->starts[k] + size;   /* checked when the start was made */
    }
    if (c->weights) {
        out->weights = arena_alloc(a, sizeof(int64_t) * b->n);
        for (uint32_t k = 0; k < b->n; k++) out->weights[k] = c->weights[b->rows[k]];
    }
    b->n = 0;
    int rc = op_emit(op, out);
    arena_reset(a);
    return rc;
}

static int hop_push(Operator *op, const Chunk *c) {
    const Plan *p = op->plan;
    int64_t size = p->u.window.size_us, slide = p->u.window.slide_us;
    const Vec *tv = &c->cols[p->u.window.time_col];
    uint32_t n = chunk_active(c);
    HopBuf b = {arena_alloc(&op->scratch, sizeof(uint32_t) * WEIR_BATCH_SIZE),
                arena_alloc(&op->scratch, sizeof(int64_t) * WEIR_BATCH_SIZE), 0};
    /* output chunks go to their own arena so that a long expansion reuses memory */
    Arena out;
    arena_init(&out, 1 << 20);
    int rc = 0;
    for (uint32_t k = 0; k < n && rc == 0; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(tv, i)) continue;
        int64_t ts = VEC_I64(tv)[i], low, first, end;
        /* the first start is the smallest multiple of slide above ts - size */
        if (__builtin_sub_overflow(ts, size, &low) || __builtin_add_overflow(ts, size, &end)) {
            rc = range_error(op);
            break;
        }
        first = floor_div(low, slide) * slide + slide;
        for (int64_t st = first; st <= ts; st += slide) {
            b.rows[b.n] = i;
            b.starts[b.n++] = st;
            if (b.n == WEIR_BATCH_SIZE && (rc = hop_flush(op, c, &b, &out))) break;
            if (st > INT64_MAX - slide) break;
        }
    }
    if (rc == 0) rc = hop_flush(op, c, &b, &out);
    arena_free(&out);
    return rc;
}

/* --------------------------------------------------------------- SESSION */

static int session_push(Operator *op, const Chunk *c) {
    WindowOp *w = (WindowOp *)op;
    if (!op_insert_only(op))   /* exec_check_streaming refuses this with a hint first */
        return err_set(op->x->err, "SESSION windows are not supported in continuous queries yet");
    uint32_t n = chunk_active(c);
    const Vec *cols[w->nin > 0 ? w->nin : 1];
    for (int k = 0; k < w->nin; k++) cols[k] = &c->cols[k];
    /* rows without a time belong to no session */
    const Vec *tv = &c->cols[op->plan->u.window.time_col];
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (n ? n : 1)), m = 0;
    for (uint32_t k = 0; k < n; k++)
        if (!vec_null_at(tv, chunk_row(c, k))) sel[m++] = chunk_row(c, k);
    rows_append(&w->rows, cols, sel, m, c->weights);
    return 0;
}

/* Order by partition columns (NULLs first), then time. */
static int session_cmp(const WindowOp *w, uint32_t a, uint32_t b) {
    const Plan *p = w->op.plan;
    for (int k = 0; k < p->u.window.npartition; k++) {
        int col = p->u.window.partition[k];
        bool an = rows_null(&w->rows, col, a), bn = rows_null(&w->rows, col, b);
        if (an || bn) {
            if (an && bn) continue;
            return an ? -1 : 1;
        }
        int c = value_cmp_ptr(w->rows.types[col], rows_ptr(&w->rows, col, a), rows_ptr(&w->rows, col, b));
        if (c) return c;
    }
    int tc = p->u.window.time_col;
    int64_t ta = *(const int64_t *)rows_ptr(&w->rows, tc, a), tb = *(const int64_t *)rows_ptr(&w->rows, tc, b);
    if (ta != tb) return ta < tb ? -1 : 1;
    return a < b ? -1 : a > b;   /* arrival order: stable */
}

static bool same_partition(const WindowOp *w, uint32_t a, uint32_t b) {
    const Plan *p = w->op.plan;
    for (int k = 0; k < p->u.window.npartition; k++) {
        int col = p->u.window.partition[k];
        bool an = rows_null(&w->rows, col, a), bn = rows_null(&w->rows, col, b);
        if (an || bn) {
            if (an && bn) continue;
            return false;
        }
        if (!value_eq_ptr(w->rows.types[col], rows_ptr(&w->rows, col, a), rows_ptr(&w->rows, col, b))) return false;
    }
    return true;
}

/* Merge sort of ids by session_cmp (a total order, so stability is free). */
static void session_sort(const WindowOp *w, uint32_t *ids, uint32_t *tmp, uint32_t n) {
    if (n < 2) return;
    uint32_t h = n / 2;
    session_sort(w, ids, tmp, h);
    session_sort(w, ids + h, tmp, n - h);
    uint32_t i = 0, j = h, o = 0;
    while (i < h && j < n) tmp[o++] = session_cmp(w, ids[j], ids[i]) < 0 ? ids[j++] : ids[i++];
    while (i < h) tmp[o++] = ids[i++];
    while (j < n) tmp[o++] = ids[j++];
    memcpy(ids, tmp, sizeof(uint32_t) * n);
}

static int session_finish(Operator *op) {
    WindowOp *w = (WindowOp *)op;
    uint32_t n = w->rows.n;
    if (n == 0) return 0;
    int64_t gap = op->plan->u.window.size_us;
    int tc = op->plan->u.window.time_col;
    uint32_t *ids = xmalloc(sizeof(uint32_t) * n), *tmp = xmalloc(sizeof(uint32_t) * n);
    int64_t *start = xmalloc(sizeof(int64_t) * n), *end = xmalloc(sizeof(int64_t) * n);
    for (uint32_t i = 0; i < n; i++) ids[i] = i;
    session_sort(w, ids, tmp, n);
    /* assign sessions: start[k], end[k] for the k-th row in sorted order */
    int rc = 0;
    uint32_t first = 0;
    for (uint32_t k = 0; k <= n && rc == 0; k++) {
        bool boundary = k == n;
        if (!boundary && k > first) {
            int64_t prev = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k - 1]);
            int64_t cur = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k]);
            int64_t limit;
            boundary = !same_partition(w, ids[k - 1], ids[k]) ||
                       (!__builtin_add_overflow(prev, gap, &limit) && cur >= limit);
        }
        if (!boundary) continue;
        if (k > first) {
            int64_t s = *(const int64_t *)rows_ptr(&w->rows, tc, ids[first]);
            int64_t last = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k - 1]), e;
            if (__builtin_add_overflow(last, gap, &e)) rc = range_error(op);
            for (uint32_t q = first; q < k; q++) start[q] = s, end[q] = e;
        }
        first = k;
    }
    bool unit = true;
    for (uint32_t i = 0; i < n && unit; i++) unit = w->rows.weights[i] == 1;
    for (uint32_t base = 0; base < n && rc == 0; base += WEIR_BATCH_SIZE) {
        uint32_t m = n - base < WEIR_BATCH_SIZE ? n - base : WEIR_BATCH_SIZE;
        arena_reset(&op->scratch);
        Chunk *c = chunk_new(w->nin + 2, &op->scratch);
        c->count = c->nsel = m;
        for (int k = 0; k < w->nin; k++) rows_gather(&w->rows, k, ids + base, m, &c->cols[k], &op->scratch);
        Vec *ws = &c->cols[w->nin], *we = &c->cols[w->nin + 1];
        vec_alloc(ws, TYPE_TIMESTAMP, m, &op->scratch);
        vec_alloc(we, TYPE_TIMESTAMP, m, &op->scratch);
        memcpy(ws->data, start + base, sizeof(int64_t) * m);
        memcpy(we->data, end + base, sizeof(int64_t) * m);
        if (!unit) {
            c->weights = arena_alloc(&op->scratch, sizeof(int64_t) * m);
            for (uint32_t i = 0; i < m; i++) c->weights[i] = w->rows.weights[ids[base + i]];
        }
        rc = op_emit(op, c);
    }
    free(ids);
    free(tmp);
    free(start);
    free(end);
    rows_clear(&w->rows);
    arena_reset(&op->state);
    return rc;
}

/* --------------------------------------------------------------- dispatch */

static int window_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    if (chunk_active(c) == 0) return 0;
    switch (op->plan->u.window.kind) {
    case WINDOW_TUMBLE: return tumble_push(op, c);
    case WINDOW_HOP: return hop_push(op, c);
    case WINDOW_SESSION: return session_push(op, c);
    }
    return 0;
}

static int window_finish(Operator *op) {
    if (op->plan->u.window.kind == WINDOW_SESSION) return session_finish(op);
    return 0;
}

static int64_t window_state_rows(const Operator *op) { return ((const WindowOp *)op)->rows.n; }

static void window_destroy(Operator *op) { rows_free(&((WindowOp *)op)->rows); }

static const OperatorVT window_vt = {
    .name = "Window",
    .rowwise = true,   /* TUMBLE/HOP; op_wants_input checks for SESSION itself */
    .push = window_push,
    .finish = window_finish,
    .state_rows = window_state_rows,
    .destroy = window_destroy,
};

Operator *op_window_new(Executor *x, const Plan *p) {
    if (!p->left) {
        err_set(x->err, "internal error: window without an input");
        return NULL;
    }
    int nin = p->left->schema.ncols;
    const char *what = p->u.window.kind == WINDOW_SESSION ? "session gap" : "window size";
    if (p->u.window.time_col < 0 || p->u.window.time_col >= nin) {
        err_set(x->err, "internal error: window time column %d out of range", p->u.window.time_col);
        return NULL;
    }
    if (p->left->schema.cols[p->u.window.time_col].type != TYPE_TIMESTAMP) {
        err_set(x->err, "window time column \"%s\" must be TIMESTAMP, not %s",
                p->left->schema.cols[p->u.window.time_col].name,
                type_name(p->left->schema.cols[p->u.window.time_col].type));
        return NULL;
    }
    if (p->u.window.size_us <= 0) {
        err_set(x->err, "%s must be positive", what);
        return NULL;
    }
    if (p->u.window.kind == WINDOW_HOP && p->u.window.slide_us <= 0) {
        err_set(x->err, "window slide must be positive");
        return NULL;
    }
    if (p->schema.ncols != nin + 2) {
        err_set(x->err, "internal error: window output has %d columns, input %d", p->schema.ncols, nin);
        return NULL;
    }
    for (int k = 0; k < p->u.window.npartition; k++)
        if (p->u.window.partition[k] < 0 || p->u.window.partition[k] >= nin) {
            err_set(x->err, "internal error: session partition column %d out of range", p->u.window.partition[k]);
            return NULL;
        }
    WindowOp *w = (WindowOp *)op_alloc(x, p, &window_vt, sizeof(WindowOp), 1);
    w->nin = nin;
    if (p->u.window.kind == WINDOW_SESSION) {
        Type types[nin > 0 ? nin : 1];
        for (int k = 0; k < nin; k++) types[k] = p->left->schema.cols[k].type;
        rows_init(&w->rows, nin, types, true, &w->op.state);
    }
    return &w->op;
}
