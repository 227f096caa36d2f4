/*
** Arithmetic kernels: + - * / % and unary minus for BIGINT and DOUBLE, and
** the numeric functions abs, round, floor, ceil, mod, sign, sqrt, power,
** ln, exp.
**
** SQL semantics as in PostgreSQL: BIGINT overflow is an error ("bigint out
** of range"), integer division truncates toward zero, a zero divisor is an
** error ("division by zero") for BIGINT and DOUBLE alike, the sign of a
** remainder follows the dividend.
**
** The hot kernels compute every selected row branch-free (wrapping
** arithmetic through uint64_t, overflow flags OR-ed into one accumulator) and
** only when the accumulator says something overflowed do they look again,
** row by row, skipping NULL rows whose slots hold garbage.  That keeps the
** common case a straight loop the compiler vectorizes.
*/
#include <math.h>

#include "func_internal.h"

static int out_of_range(FuncCtx *ctx) { return err_set(ctx->err, "bigint out of range"); }
static int div_zero(FuncCtx *ctx) { return err_set(ctx->err, "division by zero"); }

enum { OP_ADD, OP_SUB, OP_MUL };

/*
** The slow second look after a fast loop flagged an overflow: is there a
** non-NULL selected row whose result really overflows?  Returns -1 with the
** error set if so, 0 if the flag came from NULL rows only.
*/
static int recheck_overflow(FuncCtx *ctx, const uint8_t *nm, const int64_t *a, const int64_t *b,
                            const uint32_t *sel, uint32_t n, int op) {
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t r;
        bool f = op == OP_ADD   ? __builtin_add_overflow(a[i], b[i], &r)
                 : op == OP_SUB ? __builtin_sub_overflow(a[i], b[i], &r)
                                : __builtin_mul_overflow(a[i], b[i], &r);
        if (f) return out_of_range(ctx);
    });
    return 0;
}

KERNEL(kern_add_i64) {
    (void)nargs, (void)count;
    const int64_t *a = args[0].data, *b = args[1].data;
    int64_t *o = out->data;
    uint64_t ovf = 0;
    /* signed overflow happened iff both operands differ in sign from the result */
    SEL_LOOP(sel, n, i, {
        int64_t r = (int64_t)((uint64_t)a[i] + (uint64_t)b[i]);
        ovf |= (uint64_t)((a[i] ^ r) & (b[i] ^ r));
        o[i] = r;
    });
    if ((int64_t)ovf < 0) return recheck_overflow(ctx, out->nulls, a, b, sel, n, OP_ADD);
    return 0;
}

KERNEL(kern_sub_i64) {
    (void)nargs, (void)count;
    const int64_t *a = args[0].data, *b = args[1].data;
    int64_t *o = out->data;
    uint64_t ovf = 0;
    /* a - b overflows iff a and b differ in sign and the result's sign differs from a's */
    SEL_LOOP(sel, n, i, {
        int64_t r = (int64_t)((uint64_t)a[i] - (uint64_t)b[i]);
        ovf |= (uint64_t)((a[i] ^ b[i]) & (a[i] ^ r));
        o[i] = r;
    });
    if ((int64_t)ovf < 0) return recheck_overflow(ctx, out->nulls, a, b, sel, n, OP_SUB);
    return 0;
}

KERNEL(kern_mul_i64) {
    (void)nargs, (void)count;
    const int64_t *a = args[0].data, *b = args[1].data;
    int64_t *o = out->data;
    unsigned ovf = 0;
    SEL_LOOP(sel, n, i, ovf |= (unsigned)__builtin_mul_overflow(a[i], b[i], &o[i]));
    if (ovf) return recheck_overflow(ctx, out->nulls, a, b, sel, n, OP_MUL);
    return 0;
}

KERNEL(kern_div_i64) {
    (void)nargs, (void)count;
    const int64_t *a = args[0].data, *b = args[1].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t d = b[i];
        if (d == 0) return div_zero(ctx);
        if (d == -1) {
            if (a[i] == INT64_MIN) return out_of_range(ctx);
            o[i] = -a[i];
        } else {
            o[i] = a[i] / d;
        }
    });
    return 0;
}

KERNEL(kern_mod_i64) {
    (void)nargs, (void)count;
    const int64_t *a = args[0].data, *b = args[1].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t d = b[i];
        if (d == 0) return div_zero(ctx);
        o[i] = d == -1 ? 0 : a[i] % d; /* INT64_MIN % -1 traps on x86 */
    });
    return 0;
}

/* Unary minus and abs share the one overflow: -INT64_MIN. */
static int neg_abs(FuncCtx *ctx, Vec *args, const uint32_t *sel, uint32_t n, Vec *out, bool abs_only) {
    const int64_t *a = args[0].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    unsigned bad = 0;
    if (abs_only)
        SEL_LOOP(sel, n, i, {
            bad |= a[i] == INT64_MIN;
            o[i] = a[i] < 0 ? (int64_t)(0 - (uint64_t)a[i]) : a[i];
        });
    else
        SEL_LOOP(sel, n, i, {
            bad |= a[i] == INT64_MIN;
            o[i] = (int64_t)(0 - (uint64_t)a[i]);
        });
    if (bad) SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i) && a[i] == INT64_MIN) return out_of_range(ctx));
    return 0;
}

KERNEL(kern_neg_i64) {
    (void)nargs, (void)count;
    return neg_abs(ctx, args, sel, n, out, false);
}

KERNEL(kern_abs_i64) {
    (void)nargs, (void)count;
    return neg_abs(ctx, args, sel, n, out, true);
}

KERNEL(kern_sign_i64) {
    (void)ctx, (void)nargs, (void)count;
    const int64_t *a = args[0].data;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, o[i] = (a[i] > 0) - (a[i] < 0));
    return 0;
}

/* Copies the argument: round/floor/ceil of a BIGINT. */
KERNEL(kern_identity) {
    (void)ctx, (void)nargs;
    size_t w = fn_width(out->type);
    if (!sel) {
        memcpy(out->data, args[0].data, w * (n ? n : 0));
        (void)count;
        return 0;
    }
    const char *a = args[0].data;
    char *o = out->data;
    for (uint32_t k = 0; k < n; k++) memcpy(o + (size_t)sel[k] * w, a + (size_t)sel[k] * w, w);
    return 0;
}

/* ---------------------------------------------------------------- DOUBLE */

/* Element-wise DOUBLE kernels that cannot fail: one line each. */
#define F64_BINARY(name, EXPR)                                   \
    KERNEL(name) {                                               \
        (void)ctx, (void)nargs, (void)count;                     \
        const double *a = args[0].data, *b = args[1].data;       \
        double *o = out->data;                                   \
        SEL_LOOP(sel, n, i, o[i] = (EXPR));                      \
        return 0;                                                \
    }
#define F64_UNARY(name, EXPR)                                    \
    KERNEL(name) {                                               \
        (void)ctx, (void)nargs, (void)count;                     \
        const double *a = args[0].data;                          \
        double *o = out->data;                                   \
        SEL_LOOP(sel, n, i, o[i] = (EXPR));                      \
        return 0;                                                \
    }

F64_BINARY(kern_add_f64, a[i] + b[i])
F64_BINARY(kern_sub_f64, a[i] - b[i])
F64_BINARY(kern_mul_f64, a[i] * b[i])
F64_UNARY(kern_neg_f64, -a[i])
F64_UNARY(kern_abs_f64, fabs(a[i]))
F64_UNARY(kern_floor_f64, floor(a[i]))
F64_UNARY(kern_ceil_f64, ceil(a[i]))
F64_UNARY(kern_round_f64, round(a[i])) /* half away from zero, as users expect of round() */
F64_UNARY(kern_exp_f64, exp(a[i]))

/* Any zero divisor among the selected non-NULL rows? */
static bool zero_divisor(const double *b, const uint8_t *nm, const uint32_t *sel, uint32_t n) {
    unsigned z = 0;
    SEL_LOOP(sel, n, i, z |= b[i] == 0.0);
    if (!z) return false;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i) && b[i] == 0.0) return true);
    return false;
}

KERNEL(kern_div_f64) {
    (void)nargs, (void)count;
    const double *a = args[0].data, *b = args[1].data;
    double *o = out->data;
    if (zero_divisor(b, out->nulls, sel, n)) return div_zero(ctx);
    SEL_LOOP(sel, n, i, o[i] = a[i] / b[i]);
    return 0;
}

KERNEL(kern_mod_f64) {
    (void)nargs, (void)count;
    const double *a = args[0].data, *b = args[1].data;
    double *o = out->data;
    if (zero_divisor(b, out->nulls, sel, n)) return div_zero(ctx);
    SEL_LOOP(sel, n, i, o[i] = fmod(a[i], b[i]));
    return 0;
}

KERNEL(kern_sign_f64) {
    (void)ctx, (void)nargs, (void)count;
    const double *a = args[0].data;
    double *o = out->data;
    SEL_LOOP(sel, n, i, o[i] = isnan(a[i]) ? a[i] : (double)((a[i] > 0) - (a[i] < 0)));
    return 0;
}

/*
** round(x, digits): x rounded half away from zero to `digits` decimal places
** (negative digits round to tens, hundreds, ...).  Digits beyond what a
** double can hold leave x as it is.
*/
KERNEL(kern_round2_f64) {
    (void)ctx, (void)nargs, (void)count;
    const double *a = args[0].data;
    const int64_t *d = args[1].data;
    double *o = out->data;
    SEL_LOOP(sel, n, i, {
        double x = a[i];
        int64_t dg = d[i];
        if (dg > 330 || !isfinite(x)) {
            o[i] = x;
        } else if (dg >= 0) {
            double p = pow(10.0, (double)dg), y = x * p;
            o[i] = isfinite(y) ? round(y) / p : x;
        } else {
            double p = pow(10.0, (double)(dg < -330 ? 330 : -dg));
            o[i] = round(x / p) * p;
        }
    });
    return 0;
}

KERNEL(kern_sqrt_f64) {
    (void)nargs, (void)count;
    const double *a = args[0].data;
    const uint8_t *nm = out->nulls;
    double *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (a[i] < 0) return err_set(ctx->err, "cannot take square root of a negative number");
        o[i] = sqrt(a[i]);
    });
    return 0;
}

KERNEL(kern_ln_f64) {
    (void)nargs, (void)count;
    const double *a = args[0].data;
    const uint8_t *nm = out->nulls;
    double *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (a[i] == 0) return err_set(ctx->err, "cannot take logarithm of zero");
        if (a[i] < 0) return err_set(ctx->err, "cannot take logarithm of a negative number");
        o[i] = log(a[i]);
    });
    return 0;
}

KERNEL(kern_power_f64) {
    (void)nargs, (void)count;
    const double *a = args[0].data, *b = args[1].data;
    const uint8_t *nm = out->nulls;
    double *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (a[i] == 0 && b[i] < 0) return err_set(ctx->err, "zero raised to a negative power is undefined");
        if (a[i] < 0 && floor(b[i]) != b[i])
            return err_set(ctx->err, "a negative number raised to a non-integer power yields a complex result");
        o[i] = pow(a[i], b[i]);
    });
    return 0;
}
