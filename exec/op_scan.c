/*
** TableScan: reads a Relation and pushes its chunks upward.
**
** The plan names the relation columns to read (scan.proj: projection
** pushdown, so a CSV reader converts only those fields) and possibly a
** predicate pushed down by the optimizer (scan.filter).  The predicate runs
** right after each chunk is read and only narrows the chunk's selection
** vector: no row is copied.
**
** A streaming driver pushes source deltas into the scan instead of letting it
** produce (exec_push_leaf): those chunks must already have the scan's output
** columns (proj order); the filter applies to them the same way.
*/
#include "operator.h"

/* Apply the pushed-down filter to c and pass the surviving rows on. */
static int scan_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    const Expr *filter = op->plan->u.scan.filter;
    if (!filter) return op_emit(op, c);
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (c->count ? c->count : 1));
    int n = op_select(op, filter, c, sel);
    if (n < 0) return -1;
    if (n == 0) return 0;
    if (!c->sel && (uint32_t)n == c->count) return op_emit(op, c);   /* every row passed */
    Chunk out = *c;
    out.sel = sel;
    out.nsel = (uint32_t)n;
    return op_emit(op, &out);
}

/* Batch: read the relation to its end (or until a LIMIT above is satisfied). */
static int scan_produce(Operator *op) {
    const Plan *p = op->plan;
    const char *name = p->u.scan.table ? p->u.scan.table : "?";
    if (p->u.scan.streaming)   /* a SOURCE: its rows arrive through exec_push_leaf */
        return err_set(op->x->err, "source \"%s\" can only be read by a continuous query", name);
    if (!p->u.scan.rel) return err_set(op->x->err, "internal error: scan of %s has no relation", name);
    Scanner *s = relation_open(p->u.scan.rel, p->u.scan.proj, p->u.scan.nproj, op->x->err);
    if (!s) return -1;
    int rc = 0;
    Chunk *c = NULL;
    while (op_wants_input(op)) {
        rc = scanner_next(s, &c, op->x->err);
        if (rc <= 0) break;
        if (op_check_cancel(op) || op_push(op, 0, c)) {
            rc = -1;
            break;
        }
        rc = 0;
    }
    scanner_close(s);
    return rc < 0 ? -1 : 0;
}

static const OperatorVT scan_vt = {
    .name = "TableScan",
    .push = scan_push,
    .produce = scan_produce,
};

Operator *op_scan_new(Executor *x, const Plan *p) {
    if (p->u.scan.nproj != p->schema.ncols) {
        err_set(x->err, "internal error: scan of %s: %d projected columns for %d outputs",
                p->u.scan.table ? p->u.scan.table : "?", p->u.scan.nproj, p->schema.ncols);
        return NULL;
    }
    return op_alloc(x, p, &scan_vt, sizeof(Operator), 1);
}
