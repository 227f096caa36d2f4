/*
** Internals shared by the function library (functions.c, func_*.c, cast.c)
** and the expression evaluator (expr_eval.c).  Nothing outside exec/'s
** expression code should include this header: operators go through
** expr.h and functions.h.
**
** What lives here:
**   - the row-loop macro every kernel uses (SEL_LOOP), which splits the
**     dense case (sel == NULL) from the selected one so that the dense loop
**     is a plain counted loop the compiler can vectorize;
**   - output-vector allocation helpers on a FuncCtx;
**   - the declarations of every kernel the function table points at;
**   - the comparison fast paths the evaluator uses for `column op constant`
**     (no broadcast of the constant, no boolean vector in expr_select);
**   - the vectorized cast used by EXPR_CAST.
**
** Kernel conventions (beyond functions.h): the evaluator hands every kernel
** an `out` whose `type` is set and whose `data` holds `count` rows.  For a
** FUNC_STRICT function out->nulls is the union of the arguments' masks (NULL
** when no row is NULL).  Argument slots of NULL rows may hold garbage (a
** TEXT slot may hold a wild pointer), so a kernel that dereferences strings,
** or that can fail (division by zero, overflow, bad input), must skip rows
** where out->nulls says NULL; pure arithmetic on fixed-width values may
** compute garbage for them instead, which keeps the dense loops branch-free.
*/
#ifndef WEIR_FUNC_INTERNAL_H
#define WEIR_FUNC_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "functions.h"
#include "plan.h"

/*
** Run the statements in ... once for every selected row, with `i` bound to
** the physical row index.  Two loops rather than one with `sel ? sel[k] : k`
** inside, so the dense loop vectorizes.  `continue` skips a row.
*/
#define SEL_LOOP(sel, n, i, ...)                                           \
    do {                                                                   \
        if (sel) {                                                         \
            for (uint32_t k_ = 0; k_ < (n); k_++) {                        \
                uint32_t i = (sel)[k_];                                    \
                __VA_ARGS__;                                               \
            }                                                              \
        } else {                                                           \
            for (uint32_t i = 0; i < (n); i++) {                           \
                __VA_ARGS__;                                               \
            }                                                              \
        }                                                                  \
    } while (0)

/* True when row i of a vector whose null mask is `nm` (may be NULL) is NULL. */
#define ROW_NULL(nm, i) ((nm) && (nm)[i])

/* Bytes per value in a vector (TYPE_NULL vectors get 8 so they are addressable). */
static inline size_t fn_width(Type t) {
    switch (t) {
    case TYPE_BOOL: return 1;
    case TYPE_TEXT: return sizeof(Str);
    default: return 8;
    }
}

/* Allocate out for `count` rows of type t in ctx->arena (no null mask). */
static inline void fn_alloc(FuncCtx *ctx, Vec *out, Type t, uint32_t count) {
    out->type = t;
    out->nulls = NULL;
    out->data = arena_alloc(ctx->arena, fn_width(t) * (count ? count : 1));
}

/* Give out a zeroed null mask if it has none; returns the mask. */
static inline uint8_t *fn_nulls(FuncCtx *ctx, Vec *out, uint32_t count) {
    if (!out->nulls) out->nulls = arena_zalloc(ctx->arena, count ? count : 1);
    return out->nulls;
}

/* Bytewise comparison of two strings (memcmp order, shorter first on a tie). */
static inline int fn_strcmp(Str a, Str b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c;
    return (a.len > b.len) - (a.len < b.len);
}

/* -------------------------------------------------------------- kernels */

#define KERNEL(name)                                                                   \
    int name(FuncCtx *ctx, Vec *args, int nargs, uint32_t count, const uint32_t *sel, \
             uint32_t n, Vec *out)

/* func_arith.c: + - * / % neg abs round floor ceil mod */
KERNEL(kern_add_i64); KERNEL(kern_sub_i64); KERNEL(kern_mul_i64); KERNEL(kern_div_i64);
KERNEL(kern_mod_i64); KERNEL(kern_neg_i64); KERNEL(kern_abs_i64);
KERNEL(kern_add_f64); KERNEL(kern_sub_f64); KERNEL(kern_mul_f64); KERNEL(kern_div_f64);
KERNEL(kern_mod_f64); KERNEL(kern_neg_f64); KERNEL(kern_abs_f64);
KERNEL(kern_round_f64); KERNEL(kern_round2_f64); KERNEL(kern_floor_f64); KERNEL(kern_ceil_f64);
KERNEL(kern_identity); KERNEL(kern_sqrt_f64); KERNEL(kern_power_f64); KERNEL(kern_ln_f64);
KERNEL(kern_exp_f64); KERNEL(kern_sign_i64); KERNEL(kern_sign_f64);

/* func_compare.c: = <> < <= > >= for every type, coalesce, nullif, greatest, least */
KERNEL(kern_eq_b);   KERNEL(kern_ne_b);   KERNEL(kern_lt_b);   KERNEL(kern_le_b);   KERNEL(kern_gt_b);   KERNEL(kern_ge_b);
KERNEL(kern_eq_i64); KERNEL(kern_ne_i64); KERNEL(kern_lt_i64); KERNEL(kern_le_i64); KERNEL(kern_gt_i64); KERNEL(kern_ge_i64);
KERNEL(kern_eq_f64); KERNEL(kern_ne_f64); KERNEL(kern_lt_f64); KERNEL(kern_le_f64); KERNEL(kern_gt_f64); KERNEL(kern_ge_f64);
KERNEL(kern_eq_str); KERNEL(kern_ne_str); KERNEL(kern_lt_str); KERNEL(kern_le_str); KERNEL(kern_gt_str); KERNEL(kern_ge_str);
KERNEL(kern_coalesce); KERNEL(kern_nullif); KERNEL(kern_greatest); KERNEL(kern_least);

/* func_string.c */
KERNEL(kern_concat_op); KERNEL(kern_concat); KERNEL(kern_like); KERNEL(kern_ilike);
KERNEL(kern_lower); KERNEL(kern_upper); KERNEL(kern_length); KERNEL(kern_octet_length);
KERNEL(kern_substr); KERNEL(kern_trim); KERNEL(kern_ltrim); KERNEL(kern_rtrim);
KERNEL(kern_trim_chars); KERNEL(kern_ltrim_chars); KERNEL(kern_rtrim_chars);
KERNEL(kern_replace); KERNEL(kern_starts_with); KERNEL(kern_strpos); KERNEL(kern_left);
KERNEL(kern_right); KERNEL(kern_reverse); KERNEL(kern_repeat);

/* func_datetime.c */
KERNEL(kern_ts_add_iv); KERNEL(kern_iv_add_ts); KERNEL(kern_ts_sub_iv); KERNEL(kern_ts_sub_ts);
KERNEL(kern_iv_add_iv); KERNEL(kern_iv_sub_iv); KERNEL(kern_iv_mul_i64); KERNEL(kern_i64_mul_iv);
KERNEL(kern_iv_mul_f64); KERNEL(kern_iv_div_i64); KERNEL(kern_iv_neg);
KERNEL(kern_date_trunc); KERNEL(kern_extract_ts_i64); KERNEL(kern_extract_ts_f64);
KERNEL(kern_extract_iv_i64); KERNEL(kern_extract_iv_f64); KERNEL(kern_now);
KERNEL(kern_to_timestamp); KERNEL(kern_epoch_ms); KERNEL(kern_epoch_ms_ts);

/* ------------------------------------------------------- comparisons */

typedef enum CmpOp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;

/* Is fn one of the comparison operators?  Sets *op. */
bool func_cmp_op(const struct FuncDef *fn, CmpOp *op);
/* The operator with its operands swapped: a < b  ==  b > a. */
CmpOp cmp_flip(CmpOp op);

/*
** `a op c` for the selected rows of a, c a non-NULL constant of a's
** physical type, into the BOOL vector out (allocated by the caller for
** count rows; out->nulls is set to a's mask).
*/
void cmp_eval_const(CmpOp op, const Vec *a, const Value *c, const uint32_t *sel, uint32_t n, Vec *out);

/*
** Write the selected rows (in order) where `a op c` is TRUE into out_sel and
** return how many.  out_sel may be the same array as sel (narrowing in place).
*/
uint32_t cmp_select_const(CmpOp op, const Vec *a, const Value *c, const uint32_t *sel, uint32_t n,
                          uint32_t *out_sel);
/* Same for two vectors of one physical type. */
uint32_t cmp_select_vec(CmpOp op, const Vec *a, const Vec *b, const uint32_t *sel, uint32_t n,
                        uint32_t *out_sel);

/* ------------------------------------------------------------- casts */

/*
** Cast the selected rows of `in` to type `to` into out (allocated here in
** ctx->arena).  NULL stays NULL.  Fails (-1, ctx->err set at `pos`) on a
** value that does not convert or a cast that does not exist.
*/
int cast_vec(FuncCtx *ctx, const Vec *in, Type to, uint32_t count, const uint32_t *sel, uint32_t n,
             Vec *out, int pos);

/* -------------------------------------------------------- date/time */

/*
** The extract() field named by s (case-insensitive, e.g. "year", "epoch"), or
** -1 when unknown; *is_double tells whether extract returns it as DOUBLE.
*/
int dt_extract_field(Str s, bool *is_double);

/* Floor division and modulo (the result of the modulo has the divisor's sign). */
static inline int64_t fn_floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t fn_floormod(int64_t a, int64_t b) { return a - fn_floordiv(a, b) * b; }

#endif
