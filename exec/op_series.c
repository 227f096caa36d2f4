/*
** Series: generate_series(start, stop[, step]) as one BIGINT column, in
** chunks of at most WEIR_BATCH_SIZE rows.  Both bounds are inclusive; a
** negative step counts down; step 0 is an error.  The arithmetic is done in
** unsigned 64-bit so that series touching INT64_MIN/INT64_MAX neither
** overflow nor loop forever.
*/
#include "operator.h"

static int series_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    return op_emit(op, c);
}

static int series_produce(Operator *op) {
    int64_t start = op->plan->u.series.start, stop = op->plan->u.series.stop, step = op->plan->u.series.step;
    if (step == 0) return err_set(op->x->err, "step cannot be zero");
    if (step > 0 ? start > stop : start < stop) return 0;
    uint64_t span = step > 0 ? (uint64_t)stop - (uint64_t)start : (uint64_t)start - (uint64_t)stop;
    uint64_t ustep = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;
    uint64_t last = span / ustep;   /* index of the last value: count - 1, cannot overflow */
    uint64_t i = 0;
    for (;;) {
        if (!op_wants_input(op)) break;
        if (op_check_cancel(op)) return -1;
        arena_reset(&op->scratch);
        uint64_t left = last - i;   /* values after this one */
        uint32_t n = left >= WEIR_BATCH_SIZE - 1 ? WEIR_BATCH_SIZE : (uint32_t)left + 1;
        Chunk *c = chunk_new(1, &op->scratch);
        c->count = c->nsel = n;
        vec_alloc(&c->cols[0], TYPE_BIGINT, n, &op->scratch);
        int64_t *d = VEC_I64(&c->cols[0]);
        uint64_t v = (uint64_t)start + i * (uint64_t)step;
        for (uint32_t k = 0; k < n; k++, v += (uint64_t)step) d[k] = (int64_t)v;
        if (op_emit(op, c)) return -1;
        if (left < n) break;   /* this chunk held the last value */
        i += n;
    }
    return 0;
}

static const OperatorVT series_vt = {
    .name = "Series",
    .push = series_push,
    .produce = series_produce,
};

Operator *op_series_new(Executor *x, const Plan *p) {
    return op_alloc(x, p, &series_vt, sizeof(Operator), 1);
}
