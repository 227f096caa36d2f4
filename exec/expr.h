/*
** Vectorized expression evaluation over chunks.
**
** expr_eval() computes `e` for the active rows of `in` into `out` (count
** physical rows; only selected slots written).  Column references return the
** input vector itself (no copy); constants broadcast.  Intermediate vectors
** and strings go to ctx->arena, which the caller resets per chunk.
**
** expr_select() evaluates a predicate and narrows a selection: it writes the
** rows of `in` (in order) where the predicate is TRUE into out_sel and
** returns how many.  That is how filters run without copying data.
*/
#ifndef WEIR_EXPR_H
#define WEIR_EXPR_H

#include "functions.h"
#include "plan.h"

int expr_eval(FuncCtx *ctx, const Expr *e, const Chunk *in, Vec *out);
/* Returns the number of selected rows, or -1 on error (ctx->err set). */
int expr_select(FuncCtx *ctx, const Expr *pred, const Chunk *in, uint32_t *out_sel);
/* Evaluate an expression with no column references (constant folding). */
int expr_eval_const(FuncCtx *ctx, const Expr *e, Value *out);

#endif
