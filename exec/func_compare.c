/*
** Comparison kernels (= <> < <= > >= for every type) and the conditional
** functions built on comparing values: coalesce, nullif, greatest, least.
**
** Physical types decide the code: BOOLEAN compares as 0 < 1, BIGINT,
** TIMESTAMP and INTERVAL as int64_t, DOUBLE as C doubles, TEXT bytewise
** (memcmp order; a prefix sorts first).
**
** Besides the table kernels (vector op vector, producing a BOOLEAN vector),
** this file holds the fast paths the evaluator uses for predicates:
**   cmp_eval_const    vector op constant -> BOOLEAN vector (no broadcast)
**   cmp_select_const  vector op constant -> selection vector directly
**   cmp_select_vec    vector op vector   -> selection vector directly
** The selection loops are branch-free: they always write the candidate row
** and advance the output cursor by the comparison's 0/1 result, which is
** what makes `WHERE v < 10` run at memory speed.
*/
#include "func_internal.h"

/* ------------------------------------------------------ table kernels */

/* Fixed-width vector-vector comparisons; garbage in NULL rows is harmless. */
#define CMP_FIXED(name, CT, OP)                                      \
    KERNEL(name) {                                                   \
        (void)ctx, (void)nargs, (void)count;                         \
        const CT *a = args[0].data, *b = args[1].data;               \
        uint8_t *o = out->data;                                      \
        SEL_LOOP(sel, n, i, o[i] = a[i] OP b[i]);                    \
        return 0;                                                    \
    }
/* BOOLEAN: normalize to 0/1 first, so any non-zero byte means true. */
#define CMP_BOOL(name, OP)                                           \
    KERNEL(name) {                                                   \
        (void)ctx, (void)nargs, (void)count;                         \
        const uint8_t *a = args[0].data, *b = args[1].data;          \
        uint8_t *o = out->data;                                      \
        SEL_LOOP(sel, n, i, o[i] = (a[i] != 0) OP (b[i] != 0));      \
        return 0;                                                    \
    }
/* TEXT: NULL rows may hold wild pointers, so they are skipped. */
#define CMP_STR(name, EXPR)                                          \
    KERNEL(name) {                                                   \
        (void)ctx, (void)nargs, (void)count;                         \
        const Str *a = args[0].data, *b = args[1].data;              \
        const uint8_t *nm = out->nulls;                              \
        uint8_t *o = out->data;                                      \
        SEL_LOOP(sel, n, i, {                                        \
            if (ROW_NULL(nm, i)) continue;                           \
            o[i] = (EXPR);                                           \
        });                                                          \
        return 0;                                                    \
    }

CMP_FIXED(kern_eq_i64, int64_t, ==) CMP_FIXED(kern_ne_i64, int64_t, !=)
CMP_FIXED(kern_lt_i64, int64_t, <)  CMP_FIXED(kern_le_i64, int64_t, <=)
CMP_FIXED(kern_gt_i64, int64_t, >)  CMP_FIXED(kern_ge_i64, int64_t, >=)
CMP_FIXED(kern_eq_f64, double, ==)  CMP_FIXED(kern_ne_f64, double, !=)
CMP_FIXED(kern_lt_f64, double, <)   CMP_FIXED(kern_le_f64, double, <=)
CMP_FIXED(kern_gt_f64, double, >)   CMP_FIXED(kern_ge_f64, double, >=)
CMP_BOOL(kern_eq_b, ==) CMP_BOOL(kern_ne_b, !=) CMP_BOOL(kern_lt_b, <)
CMP_BOOL(kern_le_b, <=) CMP_BOOL(kern_gt_b, >)  CMP_BOOL(kern_ge_b, >=)
CMP_STR(kern_eq_str, str_eq(a[i], b[i]))
CMP_STR(kern_ne_str, !str_eq(a[i], b[i]))
CMP_STR(kern_lt_str, fn_strcmp(a[i], b[i]) < 0)
CMP_STR(kern_le_str, fn_strcmp(a[i], b[i]) <= 0)
CMP_STR(kern_gt_str, fn_strcmp(a[i], b[i]) > 0)
CMP_STR(kern_ge_str, fn_strcmp(a[i], b[i]) >= 0)

/* --------------------------------------------- vector op constant -> BOOL */

#define EVAL_OPS(LOOP)                      \
    switch (op) {                           \
    case CMP_EQ: LOOP(==); break;           \
    case CMP_NE: LOOP(!=); break;           \
    case CMP_LT: LOOP(<); break;            \
    case CMP_LE: LOOP(<=); break;           \
    case CMP_GT: LOOP(>); break;            \
    case CMP_GE: LOOP(>=); break;           \
    }

/*
** `a op c` into out->data for the selected rows; out->nulls becomes a's mask
** (shared, read-only).  c must be non-NULL and of a's physical type.
*/
void cmp_eval_const(CmpOp op, const Vec *a, const Value *c, const uint32_t *sel, uint32_t n, Vec *out) {
    uint8_t *o = out->data;
    const uint8_t *nm = a->nulls;
    out->nulls = a->nulls;
    switch (a->type) {
    case TYPE_BOOL: {
        const uint8_t *d = a->data;
        uint8_t cv = c->u.b != 0;
#define L(OP) SEL_LOOP(sel, n, i, o[i] = (d[i] != 0) OP cv)
        EVAL_OPS(L);
#undef L
        break;
    }
    case TYPE_DOUBLE: {
        const double *d = a->data;
        double cv = c->u.d;
#define L(OP) SEL_LOOP(sel, n, i, o[i] = d[i] OP cv)
        EVAL_OPS(L);
#undef L
        break;
    }
    case TYPE_TEXT: {
        const Str *d = a->data;
        Str cv = c->u.s;
#define L(OP) SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = fn_strcmp(d[i], cv) OP 0)
        if (op == CMP_EQ)
            SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = str_eq(d[i], cv));
        else if (op == CMP_NE)
            SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = !str_eq(d[i], cv));
        else
            EVAL_OPS(L);
#undef L
        break;
    }
    default: {
        const int64_t *d = a->data;
        int64_t cv = c->u.i;
#define L(OP) SEL_LOOP(sel, n, i, o[i] = d[i] OP cv)
        EVAL_OPS(L);
#undef L
        break;
    }
    }
}

/* ------------------------------------------ predicates -> selection vectors */

/*
** The four shapes of a selection loop (dense or selected, with or without
** NULLs), each writing row i unconditionally and advancing m by COND.  COND
** must be 0 or 1 and safe to evaluate on NULL rows (fixed-width types).
*/
#define SELECT_FIXED(COND)                                                     \
    do {                                                                       \
        uint32_t m = 0;                                                        \
        if (!sel) {                                                            \
            if (!nm)                                                           \
                for (uint32_t i = 0; i < n; i++) {                             \
                    out_sel[m] = i;                                            \
                    m += (COND);                                               \
                }                                                              \
            else                                                               \
                for (uint32_t i = 0; i < n; i++) {                             \
                    out_sel[m] = i;                                            \
                    m += (COND) & !nm[i];                                      \
                }                                                              \
        } else {                                                               \
            if (!nm)                                                           \
                for (uint32_t k = 0; k < n; k++) {                             \
                    uint32_t i = sel[k];                                       \
                    out_sel[m] = i;                                            \
                    m += (COND);                                               \
                }                                                              \
            else                                                               \
                for (uint32_t k = 0; k < n; k++) {                             \
                    uint32_t i = sel[k];                                       \
                    out_sel[m] = i;                                            \
                    m += (COND) & !nm[i];                                      \
                }                                                              \
        }                                                                      \
        return m;                                                              \
    } while (0)

/* Variant for TEXT: COND dereferences pointers, so NULL rows are tested first. */
#define SELECT_PTR(COND)                                                       \
    do {                                                                       \
        uint32_t m = 0;                                                        \
        for (uint32_t k = 0; k < n; k++) {                                     \
            uint32_t i = sel ? sel[k] : k;                                     \
            out_sel[m] = i;                                                    \
            m += !ROW_NULL(nm, i) && (COND);                                   \
        }                                                                      \
        return m;                                                              \
    } while (0)

#define SELECT_OPS(SELECT, LHS, RHS)                           \
    switch (op) {                                              \
    case CMP_EQ: SELECT((LHS) == (RHS));                       \
    case CMP_NE: SELECT((LHS) != (RHS));                       \
    case CMP_LT: SELECT((LHS) < (RHS));                        \
    case CMP_LE: SELECT((LHS) <= (RHS));                       \
    case CMP_GT: SELECT((LHS) > (RHS));                        \
    case CMP_GE: SELECT((LHS) >= (RHS));                       \
    }

/*
** The selected rows of a where `a op c` is TRUE (NULL rows never are), in
** order, into out_sel; returns how many.  out_sel may alias sel: row k is
** read before slot m <= k is written.
*/
uint32_t cmp_select_const(CmpOp op, const Vec *a, const Value *c, const uint32_t *sel, uint32_t n,
                          uint32_t *out_sel) {
    const uint8_t *nm = a->nulls;
    switch (a->type) {
    case TYPE_BOOL: {
        const uint8_t *d = a->data;
        uint8_t cv = c->u.b != 0;
        SELECT_OPS(SELECT_FIXED, d[i] != 0, cv);
        break;
    }
    case TYPE_DOUBLE: {
        const double *d = a->data;
        double cv = c->u.d;
        SELECT_OPS(SELECT_FIXED, d[i], cv);
        break;
    }
    case TYPE_TEXT: {
        const Str *d = a->data;
        Str cv = c->u.s;
        if (op == CMP_EQ) SELECT_PTR(str_eq(d[i], cv));
        if (op == CMP_NE) SELECT_PTR(!str_eq(d[i], cv));
        SELECT_OPS(SELECT_PTR, fn_strcmp(d[i], cv), 0);
        break;
    }
    default: {
        const int64_t *d = a->data;
        int64_t cv = c->u.i;
        SELECT_OPS(SELECT_FIXED, d[i], cv);
        break;
    }
    }
    return 0;
}

/* Vector-vector selection loops per physical type; nm is the union of both masks. */
static uint32_t select_vv_bool(CmpOp op, const uint8_t *x, const uint8_t *y, const uint8_t *nm,
                               const uint32_t *sel, uint32_t n, uint32_t *out_sel) {
    SELECT_OPS(SELECT_FIXED, x[i] != 0, y[i] != 0);
    return 0;
}
static uint32_t select_vv_i64(CmpOp op, const int64_t *x, const int64_t *y, const uint8_t *nm,
                              const uint32_t *sel, uint32_t n, uint32_t *out_sel) {
    SELECT_OPS(SELECT_FIXED, x[i], y[i]);
    return 0;
}
static uint32_t select_vv_f64(CmpOp op, const double *x, const double *y, const uint8_t *nm,
                              const uint32_t *sel, uint32_t n, uint32_t *out_sel) {
    SELECT_OPS(SELECT_FIXED, x[i], y[i]);
    return 0;
}
static uint32_t select_vv_str(CmpOp op, const Str *x, const Str *y, const uint8_t *nm,
                              const uint32_t *sel, uint32_t n, uint32_t *out_sel) {
    if (op == CMP_EQ) SELECT_PTR(str_eq(x[i], y[i]));
    if (op == CMP_NE) SELECT_PTR(!str_eq(x[i], y[i]));
    SELECT_OPS(SELECT_PTR, fn_strcmp(x[i], y[i]), 0);
    return 0;
}

/* Same as cmp_select_const with a second vector of the same type in place of c. */
uint32_t cmp_select_vec(CmpOp op, const Vec *a, const Vec *b, const uint32_t *sel, uint32_t n,
                        uint32_t *out_sel) {
    const uint8_t *nm = a->nulls ? a->nulls : b->nulls;
    uint8_t stackmask[4096], *both = NULL;
    if (a->nulls && b->nulls) {
        /* NULLs on both sides: fold them into one mask over the selected rows */
        uint32_t hi = 0;
        SEL_LOOP(sel, n, i, hi = i >= hi ? i + 1 : hi);
        both = hi <= sizeof stackmask ? stackmask : xmalloc(hi);
        SEL_LOOP(sel, n, i, both[i] = a->nulls[i] | b->nulls[i]);
        nm = both;
    }
    uint32_t m;
    switch (a->type) {
    case TYPE_BOOL: m = select_vv_bool(op, a->data, b->data, nm, sel, n, out_sel); break;
    case TYPE_DOUBLE: m = select_vv_f64(op, a->data, b->data, nm, sel, n, out_sel); break;
    case TYPE_TEXT: m = select_vv_str(op, a->data, b->data, nm, sel, n, out_sel); break;
    default: m = select_vv_i64(op, a->data, b->data, nm, sel, n, out_sel); break;
    }
    if (both && both != stackmask) free(both);
    return m;
}

/* ------------------------------------------------------- conditional */

/* Copy row i of src into row i of dst (same type). */
static inline void copy_row(Vec *dst, const Vec *src, uint32_t i) {
    switch (dst->type) {
    case TYPE_BOOL: VEC_BOOL(dst)[i] = VEC_BOOL(src)[i]; break;
    case TYPE_TEXT: VEC_STR(dst)[i] = VEC_STR(src)[i]; break;
    default: VEC_I64(dst)[i] = VEC_I64(src)[i]; break; /* 8 bytes: int64 or double */
    }
}

/* Three-way comparison of row i of a and row j of b (both non-NULL, same type). */
static int cmp_rows(const Vec *a, uint32_t i, const Vec *b, uint32_t j) {
    switch (a->type) {
    case TYPE_BOOL: return (VEC_BOOL(a)[i] != 0) - (VEC_BOOL(b)[j] != 0);
    case TYPE_DOUBLE: {
        double x = VEC_F64(a)[i], y = VEC_F64(b)[j];
        return (x > y) - (x < y);
    }
    case TYPE_TEXT: return fn_strcmp(VEC_STR(a)[i], VEC_STR(b)[j]);
    default: {
        int64_t x = VEC_I64(a)[i], y = VEC_I64(b)[j];
        return (x > y) - (x < y);
    }
    }
}

/*
** coalesce(a, b, ...): the first non-NULL argument, NULL when all are.
** Non-strict: sets out->nulls itself.  When the first argument has no NULLs
** it is the answer for every row.
*/
KERNEL(kern_coalesce) {
    if (!args[0].nulls) {
        SEL_LOOP(sel, n, i, copy_row(out, &args[0], i));
        return 0;
    }
    uint8_t *on = NULL;
    SEL_LOOP(sel, n, i, {
        int j = 0;
        while (j < nargs && ROW_NULL(args[j].nulls, i)) j++;
        if (j == nargs) {
            if (!on) on = fn_nulls(ctx, out, count);
            on[i] = 1;
        } else {
            copy_row(out, &args[j], i);
        }
    });
    return 0;
}

/* nullif(a, b): NULL when a = b, else a. */
KERNEL(kern_nullif) {
    (void)nargs;
    const Vec *a = &args[0], *b = &args[1];
    uint8_t *on = fn_nulls(ctx, out, count);
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(a->nulls, i) || (!ROW_NULL(b->nulls, i) && cmp_rows(a, i, b, i) == 0)) {
            on[i] = 1;
        } else {
            on[i] = 0;
            copy_row(out, a, i);
        }
    });
    return 0;
}

/* greatest/least: the extreme non-NULL argument (NULLs ignored, as in PostgreSQL). */
static int extreme(FuncCtx *ctx, Vec *args, int nargs, uint32_t count, const uint32_t *sel, uint32_t n,
                   Vec *out, int want) {
    uint8_t *on = fn_nulls(ctx, out, count);
    SEL_LOOP(sel, n, i, {
        int best = -1;
        for (int j = 0; j < nargs; j++) {
            if (ROW_NULL(args[j].nulls, i)) continue;
            if (best < 0 || cmp_rows(&args[j], i, &args[best], i) * want > 0) best = j;
        }
        on[i] = best < 0;
        if (best >= 0) copy_row(out, &args[best], i);
    });
    return 0;
}

KERNEL(kern_greatest) { return extreme(ctx, args, nargs, count, sel, n, out, 1); }
KERNEL(kern_least) { return extreme(ctx, args, nargs, count, sel, n, out, -1); }
