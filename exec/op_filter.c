/*
** Filter: keeps the rows where the predicate is TRUE (not FALSE, not NULL).
** expr_select writes the surviving rows into a selection vector; the data
** vectors and weights pass through untouched, so filtering copies nothing.
*/
#include "operator.h"

static int filter_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (c->count ? c->count : 1));
    int n = op_select(op, op->plan->u.filter.pred, c, sel);
    if (n <= 0) return n;
    if (!c->sel && (uint32_t)n == c->count) return op_emit(op, c);
    Chunk out = *c;
    out.sel = sel;
    out.nsel = (uint32_t)n;
    return op_emit(op, &out);
}

static const OperatorVT filter_vt = {
    .name = "Filter",
    .rowwise = true,
    .push = filter_push,
};

Operator *op_filter_new(Executor *x, const Plan *p) {
    if (!p->u.filter.pred) {
        err_set(x->err, "internal error: filter without a predicate");
        return NULL;
    }
    return op_alloc(x, p, &filter_vt, sizeof(Operator), 1);
}
