/*
** Vectorized expression evaluation: one Expr tree over one chunk.
**
** eval() walks the tree and produces a vector per node for the rows named by
** (sel, n); the other physical rows of a result hold garbage.  Column
** references hand back the chunk's own vector, constants broadcast, calls
** evaluate their arguments and run the function's kernel; a strict
** function's null mask is the union of its arguments' masks, computed here
** before the kernel runs.
**
** Laziness is part of the semantics, not an optimization: CASE evaluates
** each THEN only on the rows where its WHEN is TRUE (so `CASE WHEN x <> 0
** THEN 10 / x END` never divides by zero), and AND/OR evaluate each operand
** only on the rows the operands before it left undecided (`x <> 0 AND 10 / x
** > 1` is safe too).  This works by narrowing the selection vector handed
** to the sub-expression.
**
** expr_select() turns a predicate into a selection vector without a
** BOOLEAN vector in between where it can: a comparison with a constant
** (`v < 10`) or between two vectors runs a branch-free selection loop
** (func_compare.c) straight over the column, AND narrows the selection
** operand by operand, OR merges the selections of its operands.
**
** All scratch memory (vectors, selection arrays, strings) comes from
** ctx->arena, which the caller resets after each chunk.
*/
#include "expr.h"

#include "func_internal.h"

static int eval(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out);
static int select_rows(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n,
                       uint32_t *out_sel);

/* ------------------------------------------------------------ helpers */

/* out = a vector of `count` rows of type t, every row NULL. */
static void all_null(FuncCtx *ctx, Type t, uint32_t count, Vec *out) {
    fn_alloc(ctx, out, t, count);
    out->nulls = arena_alloc(ctx->arena, count ? count : 1);
    memset(out->nulls, 1, count ? count : 1);
    memset(out->data, 0, fn_width(t) * (count ? count : 1));
}

/* The rows (sel, n) as an explicit, writable array. */
static uint32_t *rows_copy(FuncCtx *ctx, const uint32_t *sel, uint32_t n) {
    uint32_t *r = arena_alloc(ctx->arena, sizeof(uint32_t) * (n ? n : 1));
    if (sel)
        memcpy(r, sel, sizeof(uint32_t) * n);
    else
        for (uint32_t k = 0; k < n; k++) r[k] = k;
    return r;
}

/*
** Is e a constant, and what is its value as type `want`?  Returns 1 with
** *v set (v->null for NULL), 0 when e is not a plain constant (or a cast of
** one), -1 on a cast error.  Lets comparisons use the value directly
** instead of broadcasting it.
*/
static int const_value(FuncCtx *ctx, const Expr *e, Type want, Value *v) {
    const Value *src;
    Type to = e->type;
    if (e->kind == EXPR_CONST)
        src = &e->value;
    else if (e->kind == EXPR_CAST && e->args[0]->kind == EXPR_CONST)
        src = &e->args[0]->value;
    else
        return 0;
    if (src->null || src->type == TYPE_NULL) {
        memset(v, 0, sizeof *v);
        v->type = want;
        v->null = true;
        return 1;
    }
    if (src->type == to) {
        *v = *src;
    } else if (!value_cast(src, to, v, ctx->arena, ctx->err)) {
        if (ctx->err->offset < 0) ctx->err->offset = e->pos;
        return -1;
    }
    return v->type == want ? 1 : 0;
}

/* Row i of vector v copied into row i of out (same type; NULL flags into on). */
static inline void take_row(Vec *out, uint8_t *on, const Vec *v, uint32_t i) {
    if (ROW_NULL(v->nulls, i) || v->type == TYPE_NULL) {
        on[i] = 1;
        return;
    }
    on[i] = 0;
    switch (out->type) {
    case TYPE_BOOL: VEC_BOOL(out)[i] = VEC_BOOL(v)[i]; break;
    case TYPE_TEXT: VEC_STR(out)[i] = VEC_STR(v)[i]; break;
    default: VEC_I64(out)[i] = VEC_I64(v)[i]; break;
    }
}

/* Kernel errors carry no position; give them the call's. */
static int at_pos(FuncCtx *ctx, const Expr *e) {
    if (ctx->err->offset < 0) ctx->err->offset = e->pos;
    return -1;
}

/* ---------------------------------------------------------- constants */

static int eval_const(FuncCtx *ctx, const Expr *e, uint32_t count, const uint32_t *sel, uint32_t n, Vec *out) {
    Value v;
    int r = const_value(ctx, e, e->type, &v);
    if (r < 0) return -1;
    if (r == 0 || v.null) {
        /* a NULL, or a constant whose type the binder left unresolved */
        all_null(ctx, e->type, count, out);
        return 0;
    }
    fn_alloc(ctx, out, e->type, count);
    switch (e->type) {
    case TYPE_BOOL: {
        uint8_t *o = out->data, b = v.u.b != 0;
        SEL_LOOP(sel, n, i, o[i] = b);
        break;
    }
    case TYPE_DOUBLE: {
        double *o = out->data, d = v.u.d;
        SEL_LOOP(sel, n, i, o[i] = d);
        break;
    }
    case TYPE_TEXT: {
        Str *o = out->data, s = v.u.s;
        SEL_LOOP(sel, n, i, o[i] = s);
        break;
    }
    default: {
        int64_t *o = out->data, x = v.u.i;
        SEL_LOOP(sel, n, i, o[i] = x);
        break;
    }
    }
    return 0;
}

/* -------------------------------------------------------------- calls */

/*
** A comparison with a constant on either side: no broadcast, one pass.
** Returns 1 when handled, 0 when the shape does not apply, -1 on error.
*/
static int eval_cmp_const(FuncCtx *ctx, const Expr *e, CmpOp op, const Chunk *in, const uint32_t *sel,
                          uint32_t n, Vec *out) {
    Type t = e->fn->args[0];
    Value c;
    int side = -1;
    for (int j = 1; j >= 0 && side < 0; j--) {
        int r = const_value(ctx, e->args[j], t, &c);
        if (r < 0) return -1;
        if (r) side = j;
    }
    if (side < 0) return 0;
    if (c.null) {
        all_null(ctx, TYPE_BOOL, in->count, out);
        return 1;
    }
    Vec v;
    if (eval(ctx, e->args[1 - side], in, sel, n, &v) < 0) return -1;
    if (v.type != t) return 0; /* unexpected shape: let the general path cope */
    fn_alloc(ctx, out, TYPE_BOOL, in->count);
    cmp_eval_const(side == 1 ? op : cmp_flip(op), &v, &c, sel, n, out);
    return 1;
}

/*
** Union of the argument masks over the selected rows, or NULL when no
** argument has NULLs.  Unselected bytes are zero or garbage.
*/
static uint8_t *strict_mask(FuncCtx *ctx, const Vec *args, int nargs, uint32_t count, const uint32_t *sel,
                            uint32_t n) {
    uint8_t *m = NULL;
    for (int j = 0; j < nargs; j++) {
        const uint8_t *a = args[j].nulls;
        if (!a) continue;
        if (!m) {
            if (!sel) {
                m = arena_alloc(ctx->arena, count ? count : 1);
                memcpy(m, a, n);
                continue;
            }
            m = arena_zalloc(ctx->arena, count ? count : 1);
        }
        SEL_LOOP(sel, n, i, m[i] |= a[i]);
    }
    return m;
}

static int eval_call(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out) {
    const FuncDef *fn = e->fn;
    uint32_t count = in->count;
    CmpOp op;
    if (e->nargs == 2 && func_cmp_op(fn, &op)) {
        int r = eval_cmp_const(ctx, e, op, in, sel, n, out);
        if (r) return r < 0 ? -1 : 0;
    }
    Vec *args = arena_alloc(ctx->arena, sizeof(Vec) * (size_t)(e->nargs ? e->nargs : 1));
    for (int j = 0; j < e->nargs; j++) {
        if (eval(ctx, e->args[j], in, sel, n, &args[j]) < 0) return -1;
        /* a strict function of an all-NULL constant is NULL: skip the rest */
        if ((fn->flags & FUNC_STRICT) && e->args[j]->kind == EXPR_CONST && e->args[j]->value.null) {
            all_null(ctx, fn->ret, count, out);
            return 0;
        }
    }
    fn_alloc(ctx, out, fn->ret, count);
    if (fn->flags & FUNC_STRICT) out->nulls = strict_mask(ctx, args, e->nargs, count, sel, n);
    if (fn->kernel(ctx, args, e->nargs, count, sel, n, out) < 0) return at_pos(ctx, e);
    return 0;
}

/* ------------------------------------------------------------ logic */

/*
** Three-valued AND (is_and) or OR over args, lazily: operand j runs only on
** the rows operands 0..j-1 left undecided.  AND: a FALSE decides; a NULL
** makes the result NULL unless a later FALSE decides.  OR mirrors it.
*/
static int eval_logic(FuncCtx *ctx, const Expr *e, bool is_and, const Chunk *in, const uint32_t *sel, uint32_t n,
                      Vec *out) {
    uint32_t count = in->count;
    fn_alloc(ctx, out, TYPE_BOOL, count);
    uint8_t *o = out->data, *on = NULL;
    SEL_LOOP(sel, n, i, o[i] = is_and);
    const uint32_t *cur = sel;
    uint32_t *rem = NULL, nrem = n;
    for (int j = 0; j < e->nargs && nrem; j++) {
        Vec v;
        if (eval(ctx, e->args[j], in, cur, nrem, &v) < 0) return -1;
        if (!rem) rem = arena_alloc(ctx->arena, sizeof(uint32_t) * (n ? n : 1));
        const uint8_t *b = v.data, *vn = v.nulls;
        uint32_t m = 0;
        for (uint32_t k = 0; k < nrem; k++) {
            uint32_t i = cur ? cur[k] : k;
            if (ROW_NULL(vn, i)) {
                if (!on) on = fn_nulls(ctx, out, count);
                on[i] = 1;
                rem[m++] = i;
            } else if ((b[i] != 0) != is_and) {
                o[i] = !is_and; /* decided: FALSE for AND, TRUE for OR */
                if (on) on[i] = 0;
            } else {
                rem[m++] = i;
            }
        }
        cur = rem; /* rem is written at m <= k, so reading cur == rem in place is safe */
        nrem = m;
    }
    return 0;
}

static int eval_not(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out) {
    Vec v;
    if (eval(ctx, e->args[0], in, sel, n, &v) < 0) return -1;
    fn_alloc(ctx, out, TYPE_BOOL, in->count);
    const uint8_t *b = v.data;
    uint8_t *o = out->data;
    SEL_LOOP(sel, n, i, o[i] = b[i] == 0);
    out->nulls = v.nulls;
    return 0;
}

static int eval_is_null(FuncCtx *ctx, const Expr *e, bool want_null, const Chunk *in, const uint32_t *sel,
                        uint32_t n, Vec *out) {
    Vec v;
    if (eval(ctx, e->args[0], in, sel, n, &v) < 0) return -1;
    fn_alloc(ctx, out, TYPE_BOOL, in->count);
    uint8_t *o = out->data;
    const uint8_t *vn = v.nulls;
    if (!vn)
        SEL_LOOP(sel, n, i, o[i] = !want_null);
    else
        SEL_LOOP(sel, n, i, o[i] = (vn[i] != 0) == want_null);
    return 0;
}

/* ------------------------------------------------------------- CASE */

/*
** Searched CASE.  The undecided rows start as the selection; each WHEN runs
** on them, its THEN only on those where the WHEN is TRUE, and those rows
** leave the undecided set.  ELSE (or NULL) takes what is left.
*/
static int eval_case(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out) {
    uint32_t count = in->count;
    int npairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
    fn_alloc(ctx, out, e->type, count);
    uint8_t *on = fn_nulls(ctx, out, count);
    const uint32_t *cur = sel;
    uint32_t nrem = n;
    uint32_t *rem = arena_alloc(ctx->arena, sizeof(uint32_t) * (n ? n : 1));
    uint32_t *taken = arena_alloc(ctx->arena, sizeof(uint32_t) * (n ? n : 1));
    for (int p = 0; p < npairs && nrem; p++) {
        Vec w;
        if (eval(ctx, e->args[2 * p], in, cur, nrem, &w) < 0) return -1;
        const uint8_t *b = w.data, *wn = w.nulls;
        uint32_t nt = 0, m = 0;
        for (uint32_t k = 0; k < nrem; k++) {
            uint32_t i = cur ? cur[k] : k;
            if (!ROW_NULL(wn, i) && b[i])
                taken[nt++] = i;
            else
                rem[m++] = i;
        }
        if (nt) {
            Vec t;
            if (eval(ctx, e->args[2 * p + 1], in, taken, nt, &t) < 0) return -1;
            for (uint32_t k = 0; k < nt; k++) take_row(out, on, &t, taken[k]);
        }
        cur = rem;
        nrem = m;
    }
    if (nrem) {
        if (e->has_else) {
            Vec t;
            if (eval(ctx, e->args[e->nargs - 1], in, cur, nrem, &t) < 0) return -1;
            for (uint32_t k = 0; k < nrem; k++) take_row(out, on, &t, cur ? cur[k] : k);
        } else {
            for (uint32_t k = 0; k < nrem; k++) on[cur ? cur[k] : k] = 1;
        }
    }
    /* no NULL among the selected rows: drop the mask, so consumers take their no-NULL paths */
    uint8_t any = 0;
    SEL_LOOP(sel, n, i, any |= on[i]);
    if (!any) out->nulls = NULL;
    return 0;
}

/* --------------------------------------------------------------- IN */

/* hit[i] |= (x[i] == c) over the selected non-NULL rows of x. */
static void in_match_const(const Vec *x, const Value *c, const uint32_t *sel, uint32_t n, uint8_t *hit) {
    const uint8_t *xn = x->nulls;
    switch (x->type) {
    case TYPE_BOOL: {
        const uint8_t *d = x->data;
        uint8_t cv = c->u.b != 0;
        SEL_LOOP(sel, n, i, hit[i] |= (d[i] != 0) == cv);
        break;
    }
    case TYPE_DOUBLE: {
        const double *d = x->data;
        double cv = c->u.d;
        SEL_LOOP(sel, n, i, hit[i] |= d[i] == cv);
        break;
    }
    case TYPE_TEXT: {
        const Str *d = x->data;
        Str cv = c->u.s;
        SEL_LOOP(sel, n, i, if (!ROW_NULL(xn, i)) hit[i] |= str_eq(d[i], cv));
        break;
    }
    default: {
        const int64_t *d = x->data;
        int64_t cv = c->u.i;
        SEL_LOOP(sel, n, i, hit[i] |= d[i] == cv);
        break;
    }
    }
}

/* hit[i] |= (x[i] == y[i]) where both are non-NULL; seen[i] = 1 where y is NULL. */
static void in_match_vec(const Vec *x, const Vec *y, const uint32_t *sel, uint32_t n, uint8_t *hit, uint8_t *seen) {
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(y->nulls, i)) {
            seen[i] = 1;
            continue;
        }
        if (ROW_NULL(x->nulls, i)) continue;
        bool eq;
        switch (x->type) {
        case TYPE_BOOL: eq = (VEC_BOOL(x)[i] != 0) == (VEC_BOOL(y)[i] != 0); break;
        case TYPE_DOUBLE: eq = VEC_F64(x)[i] == VEC_F64(y)[i]; break;
        case TYPE_TEXT: eq = str_eq(VEC_STR(x)[i], VEC_STR(y)[i]); break;
        default: eq = VEC_I64(x)[i] == VEC_I64(y)[i]; break;
        }
        hit[i] |= eq;
    });
}

/* Lists with at least this many constants are sorted and binary-searched. */
#define IN_SORTED_MIN 8

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
static int cmp_f64(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return fn_strcmp(*(const Str *)a, *(const Str *)b); }

/*
** hit[i] |= (x[i] is one of the nv constants in vals), by binary search in
** a sorted copy.  Returns false (nothing done) when the type or the values
** do not sort (BOOLEAN, NaN), so the caller falls back to one pass per item.
*/
static bool in_match_sorted(FuncCtx *ctx, const Vec *x, const Value *vals, int nv, const uint32_t *sel,
                            uint32_t n, uint8_t *hit) {
    const uint8_t *xn = x->nulls;
    switch (x->type) {
    case TYPE_BIGINT:
    case TYPE_TIMESTAMP:
    case TYPE_INTERVAL: {
        int64_t *k = arena_alloc(ctx->arena, sizeof(int64_t) * (size_t)nv);
        for (int j = 0; j < nv; j++) k[j] = vals[j].u.i;
        qsort(k, (size_t)nv, sizeof *k, cmp_i64);
        const int64_t *d = x->data;
        SEL_LOOP(sel, n, i, {
            int lo = 0, hi = nv; /* first key >= d[i] */
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (k[mid] < d[i]) lo = mid + 1;
                else hi = mid;
            }
            hit[i] |= lo < nv && k[lo] == d[i];
        });
        return true;
    }
    case TYPE_DOUBLE: {
        double *k = arena_alloc(ctx->arena, sizeof(double) * (size_t)nv);
        for (int j = 0; j < nv; j++) {
            k[j] = vals[j].u.d;
            if (k[j] != k[j]) return false;
        }
        qsort(k, (size_t)nv, sizeof *k, cmp_f64);
        const double *d = x->data;
        SEL_LOOP(sel, n, i, {
            int lo = 0, hi = nv;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (k[mid] < d[i]) lo = mid + 1;
                else hi = mid;
            }
            hit[i] |= lo < nv && k[lo] == d[i];
        });
        return true;
    }
    case TYPE_TEXT: {
        Str *k = arena_alloc(ctx->arena, sizeof(Str) * (size_t)nv);
        for (int j = 0; j < nv; j++) k[j] = vals[j].u.s;
        qsort(k, (size_t)nv, sizeof *k, cmp_str);
        const Str *d = x->data;
        SEL_LOOP(sel, n, i, {
            if (ROW_NULL(xn, i)) continue;
            int lo = 0, hi = nv;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (fn_strcmp(k[mid], d[i]) < 0) lo = mid + 1;
                else hi = mid;
            }
            hit[i] |= lo < nv && str_eq(k[lo], d[i]);
        });
        return true;
    }
    default:
        return false;
    }
}

/*
** x IN (a, b, ...): TRUE when x equals one of them; otherwise NULL when x
** or any of them is NULL; else FALSE (SQL's rules, as `x = a OR x = b ...`).
** Constant items are compared as values (sorted and searched when there
** are many); other items are evaluated as vectors.
*/
static int eval_in(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out) {
    uint32_t count = in->count;
    Vec x;
    if (eval(ctx, e->args[0], in, sel, n, &x) < 0) return -1;
    fn_alloc(ctx, out, TYPE_BOOL, count);
    uint8_t *hit = out->data, *seen = NULL;
    bool null_item = false;
    SEL_LOOP(sel, n, i, hit[i] = 0);
    Value *vals = arena_alloc(ctx->arena, sizeof(Value) * (size_t)e->nargs);
    int nv = 0;
    for (int j = 1; j < e->nargs; j++) {
        Value c;
        int r = const_value(ctx, e->args[j], x.type, &c);
        if (r < 0) return -1;
        if (r) {
            if (c.null)
                null_item = true;
            else
                vals[nv++] = c;
            continue;
        }
        Vec y;
        if (eval(ctx, e->args[j], in, sel, n, &y) < 0) return -1;
        if (!seen) seen = arena_zalloc(ctx->arena, count ? count : 1);
        in_match_vec(&x, &y, sel, n, hit, seen);
    }
    if (nv < IN_SORTED_MIN || !in_match_sorted(ctx, &x, vals, nv, sel, n, hit))
        for (int j = 0; j < nv; j++) in_match_const(&x, &vals[j], sel, n, hit);
    if (!x.nulls && !null_item && !seen) return 0;
    uint8_t *on = fn_nulls(ctx, out, count);
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(x.nulls, i)) {
            on[i] = 1;
            continue;
        }
        on[i] = !hit[i] && (null_item || (seen && seen[i]));
    });
    return 0;
}

/* ------------------------------------------------------------- eval */

static int eval(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n, Vec *out) {
    switch (e->kind) {
    case EXPR_COLUMN:
        if (e->col < 0 || e->col >= in->ncols)
            return err_at(ctx->err, e->pos, "column reference %d out of range (%d columns)", e->col, in->ncols);
        *out = in->cols[e->col]; /* the input's own vector: no copy */
        return 0;
    case EXPR_CONST: return eval_const(ctx, e, in->count, sel, n, out);
    case EXPR_CALL: return eval_call(ctx, e, in, sel, n, out);
    case EXPR_CAST: {
        Value c;
        int r = const_value(ctx, e, e->type, &c);
        if (r < 0) return -1;
        if (r) return eval_const(ctx, e, in->count, sel, n, out);
        Vec v;
        if (eval(ctx, e->args[0], in, sel, n, &v) < 0) return -1;
        return cast_vec(ctx, &v, e->type, in->count, sel, n, out, e->pos);
    }
    case EXPR_AND: return eval_logic(ctx, e, true, in, sel, n, out);
    case EXPR_OR: return eval_logic(ctx, e, false, in, sel, n, out);
    case EXPR_NOT: return eval_not(ctx, e, in, sel, n, out);
    case EXPR_IS_NULL: return eval_is_null(ctx, e, true, in, sel, n, out);
    case EXPR_IS_NOT_NULL: return eval_is_null(ctx, e, false, in, sel, n, out);
    case EXPR_CASE: return eval_case(ctx, e, in, sel, n, out);
    case EXPR_IN: return eval_in(ctx, e, in, sel, n, out);
    }
    return err_at(ctx->err, e->pos, "unknown expression kind %d", (int)e->kind);
}

/*
** Evaluate e over the active rows of `in` into out.  out may end up sharing
** storage with the chunk (column references) or with the expression
** (constant strings): treat it as read-only.  0 / -1 (ctx->err set).
*/
int expr_eval(FuncCtx *ctx, const Expr *e, const Chunk *in, Vec *out) {
    return eval(ctx, e, in, in->sel, chunk_active(in), out);
}

/* ------------------------------------------------------------ select */

/* Gather the rows where a BOOLEAN vector is TRUE (not NULL). */
static uint32_t gather_true(const Vec *v, const uint32_t *sel, uint32_t n, uint32_t *out_sel) {
    const uint8_t *b = v->data, *vn = v->nulls;
    uint32_t m = 0;
    if (!sel && !vn) {
        for (uint32_t i = 0; i < n; i++) {
            out_sel[m] = i;
            m += b[i] != 0;
        }
        return m;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        out_sel[m] = i;
        m += (b[i] != 0) & !ROW_NULL(vn, i);
    }
    return m;
}

/* A comparison as a selection; 1 + count when handled, 0 when not, -1 on error. */
static int64_t select_cmp(FuncCtx *ctx, const Expr *e, CmpOp op, const Chunk *in, const uint32_t *sel,
                          uint32_t n, uint32_t *out_sel) {
    Type t = e->fn->args[0];
    if (e->fn->args[1] != t) return 0;
    for (int side = 1; side >= 0; side--) {
        Value c;
        int r = const_value(ctx, e->args[side], t, &c);
        if (r < 0) return -1;
        if (!r) continue;
        if (c.null) return 1; /* x op NULL is never TRUE */
        Vec v;
        if (eval(ctx, e->args[1 - side], in, sel, n, &v) < 0) return -1;
        if (v.type != t) return 0;
        return 1 + (int64_t)cmp_select_const(side == 1 ? op : cmp_flip(op), &v, &c, sel, n, out_sel);
    }
    Vec a, b;
    if (eval(ctx, e->args[0], in, sel, n, &a) < 0 || eval(ctx, e->args[1], in, sel, n, &b) < 0) return -1;
    if (a.type != t || b.type != t) return 0;
    return 1 + (int64_t)cmp_select_vec(op, &a, &b, sel, n, out_sel);
}

/*
** OR as a selection: each operand selects among the rows no earlier operand
** selected; the pieces are merged back into row order.
*/
static int select_or(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n,
                     uint32_t *out_sel) {
    size_t bytes = sizeof(uint32_t) * (n ? n : 1);
    uint32_t *acc = arena_alloc(ctx->arena, bytes), nacc = 0;     /* selected so far, in order */
    uint32_t *rest = rows_copy(ctx, sel, n), nrest = n;            /* not selected yet */
    uint32_t *got = arena_alloc(ctx->arena, bytes), *merged = arena_alloc(ctx->arena, bytes);
    for (int j = 0; j < e->nargs && nrest; j++) {
        int ng = select_rows(ctx, e->args[j], in, rest, nrest, got);
        if (ng < 0) return -1;
        if (!ng) continue;
        /* rest -= got (both ordered); acc = merge(acc, got) */
        uint32_t a = 0, g = 0, m = 0, r = 0;
        for (uint32_t k = 0; k < nrest; k++) {
            if (g < (uint32_t)ng && rest[k] == got[g]) g++;
            else rest[r++] = rest[k];
        }
        g = 0;
        while (a < nacc || g < (uint32_t)ng)
            merged[m++] = (g >= (uint32_t)ng || (a < nacc && acc[a] < got[g])) ? acc[a++] : got[g++];
        uint32_t *t = acc;
        acc = merged;
        merged = t;
        nacc = m;
        nrest = r;
    }
    memcpy(out_sel, acc, sizeof(uint32_t) * nacc);
    return (int)nacc;
}

static int select_rows(FuncCtx *ctx, const Expr *e, const Chunk *in, const uint32_t *sel, uint32_t n,
                       uint32_t *out_sel) {
    if (n == 0) return 0;
    switch (e->kind) {
    case EXPR_CALL: {
        CmpOp op;
        if (e->nargs == 2 && func_cmp_op(e->fn, &op)) {
            int64_t r = select_cmp(ctx, e, op, in, sel, n, out_sel);
            if (r < 0) return -1;
            if (r > 0) return (int)(r - 1);
        }
        break;
    }
    case EXPR_AND: {
        /* narrow operand by operand; later operands only see surviving rows */
        int m = select_rows(ctx, e->args[0], in, sel, n, out_sel);
        for (int j = 1; j < e->nargs && m > 0; j++) m = select_rows(ctx, e->args[j], in, out_sel, (uint32_t)m, out_sel);
        return m;
    }
    case EXPR_OR: return select_or(ctx, e, in, sel, n, out_sel);
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        Vec v;
        if (eval(ctx, e->args[0], in, sel, n, &v) < 0) return -1;
        bool want = e->kind == EXPR_IS_NULL;
        uint32_t m = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = sel ? sel[k] : k;
            out_sel[m] = i;
            m += ROW_NULL(v.nulls, i) == want;
        }
        return (int)m;
    }
    default:
        break;
    }
    Vec v;
    if (eval(ctx, e, in, sel, n, &v) < 0) return -1;
    return (int)gather_true(&v, sel, n, out_sel);
}

/*
** The active rows of `in` where pred is TRUE, in order, into out_sel (room
** for chunk_active(in) entries; it may be in->sel itself).  Returns the
** count, or -1 with ctx->err set.
*/
int expr_select(FuncCtx *ctx, const Expr *pred, const Chunk *in, uint32_t *out_sel) {
    return select_rows(ctx, pred, in, in->sel, chunk_active(in), out_sel);
}

/* ------------------------------------------------------------ const */

static bool has_columns(const Expr *e) {
    if (e->kind == EXPR_COLUMN) return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_columns(e->args[i])) return true;
    return false;
}

/*
** Evaluate an expression without column references to one value (constant
** folding, INSERT VALUES).  Text in *out may point into ctx->arena or into
** the expression.  0 / -1.
*/
int expr_eval_const(FuncCtx *ctx, const Expr *e, Value *out) {
    if (has_columns(e)) return err_at(ctx->err, e->pos, "expression is not constant");
    Chunk c;
    memset(&c, 0, sizeof c);
    c.count = c.nsel = 1;
    Vec v;
    if (eval(ctx, e, &c, NULL, 1, &v) < 0) return -1;
    vec_get(&v, 0, out);
    out->type = e->type;
    if (out->null) memset(&out->u, 0, sizeof out->u);
    return 0;
}
