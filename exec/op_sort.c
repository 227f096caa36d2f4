/*
** Sort: ORDER BY over any number of keys (ASC/DESC, NULLS FIRST/LAST, every
** type).  Input rows are copied into a RowStore together with the evaluated
** sort keys (a key that is a plain column is not stored twice).  At finish
** the row ids are merge-sorted -- stable, so rows with equal keys keep their
** arrival order -- and the rows are emitted in chunks, gathered column by
** column.
**
** In a continuous query every round sorts and emits the rows that arrived in
** that round (the changes, in key order), then forgets them.
*/
#include <string.h>

#include "operator.h"

typedef struct SortOp {
    Operator op;
    int nin;             /* input columns */
    int nkeys;
    int *keycol;         /* store column of each key */
    RowStore rows;
    Arena strings;       /* TEXT bytes of the stored rows, dropped after each round */
} SortOp;

static int sort_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    SortOp *s = (SortOp *)op;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    const Vec *cols[s->rows.ncols > 0 ? s->rows.ncols : 1];
    for (int k = 0; k < s->nin; k++) cols[k] = &c->cols[k];
    for (int k = 0; k < s->nkeys; k++) {
        if (s->keycol[k] < s->nin) continue;
        Vec *v = arena_alloc(&op->scratch, sizeof(Vec));
        if (op_eval(op, op->plan->u.sort.keys[k].expr, c, v)) return -1;
        cols[s->keycol[k]] = v;
    }
    rows_append(&s->rows, cols, c->sel, n, c->weights);
    return 0;
}

/* Key order of stored rows a and b (0: equal keys). */
static int cmp_rows(const SortOp *s, uint32_t a, uint32_t b) {
    const SortKey *keys = s->op.plan->u.sort.keys;
    for (int k = 0; k < s->nkeys; k++) {
        int col = s->keycol[k];
        bool an = rows_null(&s->rows, col, a), bn = rows_null(&s->rows, col, b);
        int c;
        if (an || bn) {
            if (an && bn) continue;
            c = an ? -1 : 1;                 /* NULL first ... */
            return keys[k].nulls_first ? c : -c;   /* ... unless NULLS LAST */
        }
        c = value_cmp_ptr(s->rows.types[col], rows_ptr(&s->rows, col, a), rows_ptr(&s->rows, col, b));
        if (c) return keys[k].desc ? -c : c;
    }
    return 0;
}

/* Stable bottom-up merge sort of ids[0..n) (tmp has room for n). */
static void merge_sort(const SortOp *s, uint32_t *ids, uint32_t *tmp, uint32_t n) {
    uint32_t *src = ids, *dst = tmp;
    /* insertion-sort runs of 16 first: fewer passes, and cheap on short runs */
    const uint32_t run = 16;
    for (uint32_t lo = 0; lo < n; lo += run) {
        uint32_t hi = lo + run < n ? lo + run : n;
        for (uint32_t i = lo + 1; i < hi; i++) {
            uint32_t v = src[i], j = i;
            while (j > lo && cmp_rows(s, src[j - 1], v) > 0) {
                src[j] = src[j - 1];
                j--;
            }
            src[j] = v;
        }
    }
    for (uint32_t width = run; width < n; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = cmp_rows(s, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ids) memcpy(ids, src, sizeof(uint32_t) * n);
}

static int sort_finish(Operator *op) {
    SortOp *s = (SortOp *)op;
    uint32_t n = s->rows.n;
    int rc = 0;
    if (n > 0) {
        uint32_t *ids = xmalloc(sizeof(uint32_t) * n), *tmp = xmalloc(sizeof(uint32_t) * n);
        for (uint32_t i = 0; i < n; i++) ids[i] = i;
        merge_sort(s, ids, tmp, n);
        bool unit = true;
        for (uint32_t i = 0; i < n && unit; i++) unit = s->rows.weights[i] == 1;
        for (uint32_t base = 0; base < n && rc == 0; base += WEIR_BATCH_SIZE) {
            uint32_t m = n - base < WEIR_BATCH_SIZE ? n - base : WEIR_BATCH_SIZE;
            arena_reset(&op->scratch);
            Chunk *c = chunk_new(s->nin, &op->scratch);
            c->count = c->nsel = m;
            for (int k = 0; k < s->nin; k++) rows_gather(&s->rows, k, ids + base, m, &c->cols[k], &op->scratch);
            if (!unit) {
                c->weights = arena_alloc(&op->scratch, sizeof(int64_t) * m);
                for (uint32_t i = 0; i < m; i++) c->weights[i] = s->rows.weights[ids[base + i]];
            }
            rc = op_emit(op, c);
        }
        free(ids);
        free(tmp);
    }
    rows_clear(&s->rows);
    arena_reset(&s->strings);
    return rc;
}

static int64_t sort_state_rows(const Operator *op) { return ((const SortOp *)op)->rows.n; }

static void sort_destroy(Operator *op) {
    SortOp *s = (SortOp *)op;
    rows_free(&s->rows);
    arena_free(&s->strings);
}

static const OperatorVT sort_vt = {
    .name = "Sort",
    .push = sort_push,
    .finish = sort_finish,
    .state_rows = sort_state_rows,
    .destroy = sort_destroy,
};

Operator *op_sort_new(Executor *x, const Plan *p) {
    if (!p->left) {
        err_set(x->err, "internal error: sort without an input");
        return NULL;
    }
    SortOp *s = (SortOp *)op_alloc(x, p, &sort_vt, sizeof(SortOp), 1);
    arena_init(&s->strings, 0);
    s->nin = p->left->schema.ncols;
    s->nkeys = p->u.sort.nkeys;
    if (s->nin != p->schema.ncols) {
        err_set(x->err, "internal error: sort has %d input and %d output columns", s->nin, p->schema.ncols);
        return NULL;
    }
    s->keycol = ARENA_ARRAY(&s->op.state, int, s->nkeys > 0 ? s->nkeys : 1);
    Type types[s->nin + s->nkeys + 1];
    int ncols = s->nin;
    for (int k = 0; k < s->nin; k++) types[k] = p->left->schema.cols[k].type;
    for (int k = 0; k < s->nkeys; k++) {
        const Expr *e = p->u.sort.keys[k].expr;
        if (!e) {
            err_set(x->err, "internal error: sort key %d missing", k);
            return NULL;
        }
        if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < s->nin) {
            s->keycol[k] = e->col;
        } else {
            types[ncols] = e->type;
            s->keycol[k] = ncols++;
        }
    }
    rows_init(&s->rows, ncols, types, true, &s->strings);
    return &s->op;
}
