/*
** Values: literal rows (INSERT ... VALUES, SELECT without FROM), pushed in
** chunks of at most WEIR_BATCH_SIZE rows.  A value whose type differs from
** its column's (the binder normally casts) is converted here.  A Values node
** with no columns still has rows (`SELECT 1` reads one empty row).
*/
#include "operator.h"

/* Pushed deltas pass through unchanged. */
static int values_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    return op_emit(op, c);
}

static int values_produce(Operator *op) {
    const Plan *p = op->plan;
    int ncols = p->schema.ncols;
    int nrows = p->u.values.nrows;
    for (int base = 0; base < nrows; base += WEIR_BATCH_SIZE) {
        if (!op_wants_input(op)) break;
        if (op_check_cancel(op)) return -1;
        arena_reset(&op->scratch);
        uint32_t n = (uint32_t)(nrows - base < WEIR_BATCH_SIZE ? nrows - base : WEIR_BATCH_SIZE);
        Chunk *c = chunk_new(ncols, &op->scratch);
        c->count = c->nsel = n;
        for (int j = 0; j < ncols; j++) {
            Vec *v = &c->cols[j];
            Type t = p->schema.cols[j].type;
            vec_alloc(v, t, n, &op->scratch);
            for (uint32_t r = 0; r < n; r++) {
                const Value *val = &p->u.values.rows[(size_t)(base + (int)r) * (size_t)ncols + (size_t)j];
                Value conv;
                if (!val->null && val->type != TYPE_NULL && val->type != t && t != TYPE_NULL) {
                    if (!value_cast(val, t, &conv, &op->scratch, op->x->err)) return -1;
                    val = &conv;
                }
                vec_set(v, r, val, n, &op->scratch);
            }
        }
        if (op_emit(op, c)) return -1;
    }
    return 0;
}

static const OperatorVT values_vt = {
    .name = "Values",
    .push = values_push,
    .produce = values_produce,
};

Operator *op_values_new(Executor *x, const Plan *p) {
    if (p->u.values.nrows < 0 || (p->u.values.nrows > 0 && !p->u.values.rows && p->schema.ncols > 0)) {
        err_set(x->err, "internal error: malformed VALUES node");
        return NULL;
    }
    return op_alloc(x, p, &values_vt, sizeof(Operator), 1);
}
