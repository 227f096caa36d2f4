/*
** Limit: skips `offset` rows, then passes at most `limit` rows (limit < 0:
** no limit).  Rows are counted by weight, so a row of weight 3 counts three
** times and may be cut in part (its weight reduced).  Rows of weight <= 0
** (retractions, which only continuous queries produce) pass through
** uncounted: a LIMIT over a changing input is not maintained incrementally
** yet.  Once the limit is reached in a batch query the operator is `done`,
** which lets the query stop its scans early (op_wants_input); a continuous
** query keeps passing retractions.
*/
#include "operator.h"

typedef struct LimitOp {
    Operator op;
    int64_t skipped;   /* rows skipped so far (towards offset) */
    int64_t passed;    /* rows passed so far (towards limit) */
} LimitOp;

static int limit_push(Operator *op, int port, const Chunk *c) {
    (void)port;
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
        if (wt <= 0) {
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

static const OperatorVT limit_vt = {
    .name = "Limit",
    .rowwise = true,
    .push = limit_push,
};

Operator *op_limit_new(Executor *x, const Plan *p) {
    return op_alloc(x, p, &limit_vt, sizeof(LimitOp), 1);
}
