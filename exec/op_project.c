/*
** Project: computes the output columns from the input chunk.  A column
** reference passes the input vector through (zero-copy); other expressions
** are evaluated for the selected rows only.  The selection vector and the
** weights are kept, so a projection never compacts.
*/
#include "operator.h"

static int project_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    const Plan *p = op->plan;
    Chunk *out = chunk_new(p->u.project.n, &op->scratch);
    out->count = c->count;
    out->sel = c->sel;
    out->nsel = c->nsel;
    out->weights = c->weights;
    for (int j = 0; j < p->u.project.n; j++)
        if (op_eval(op, p->u.project.exprs[j], c, &out->cols[j])) return -1;
    return op_emit(op, out);
}

static const OperatorVT project_vt = {
    .name = "Project",
    .rowwise = true,
    .push = project_push,
};

Operator *op_project_new(Executor *x, const Plan *p) {
    for (int j = 0; j < p->u.project.n; j++)
        if (!p->u.project.exprs || !p->u.project.exprs[j]) {
            err_set(x->err, "internal error: projection %d has no expression", j);
            return NULL;
        }
    return op_alloc(x, p, &project_vt, sizeof(Operator), 1);
}
