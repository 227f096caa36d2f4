/*
** The scalar function library: every operator and function an expression
** can call (arithmetic, comparison, LIKE, ||, lower, date_trunc, ...) is a
** FuncDef row in one table.  The binder resolves a call by name and argument
** types (func_resolve), inserting implicit casts; the evaluator runs the
** kernel over a vector of rows.
**
** Kernel contract: args are evaluated argument vectors of `count` physical
** rows; the kernel writes out[i] for every i in the selection (sel[k], or
** k when sel is NULL, for k < n).  For FUNC_STRICT functions the evaluator
** has already computed the output null mask (NULL in any argument) and the
** kernel may compute garbage for those rows; other functions set
** out->nulls themselves (vec_nulls()).  Text results are allocated in
** ctx->arena (lives as long as the chunk).
*/
#ifndef WEIR_FUNCTIONS_H
#define WEIR_FUNCTIONS_H

#include "../common/err.h"
#include "../common/vector.h"

typedef struct FuncCtx {
    Arena *arena;      /* for result strings and scratch */
    int64_t now_us;    /* statement time for now() */
    Err *err;          /* a kernel may fail (e.g. bad cast under strict rules) */
} FuncCtx;

typedef int (*ScalarKernel)(FuncCtx *ctx, Vec *args, int nargs, uint32_t count,
                            const uint32_t *sel, uint32_t n, Vec *out);

enum {
    FUNC_STRICT = 1,    /* NULL in any argument -> NULL out, handled by the evaluator */
    FUNC_VOLATILE = 2,  /* not constant-foldable (now()) */
    FUNC_VARIADIC = 4,  /* nargs is the minimum; every extra argument has type args[last] */
    FUNC_TEXT_ARGS = 8, /* arguments of any type, each cast to TEXT (concat, ||) */
};

typedef struct FuncDef {
    const char *name;   /* lower-case SQL name, or operator symbol: "+", "=", "||", "like" */
    int nargs;
    Type args[4];
    Type ret;
    unsigned flags;
    ScalarKernel kernel;
} FuncDef;

typedef enum FuncResolve { FUNC_OK, FUNC_NO_SUCH_NAME, FUNC_NO_SIGNATURE } FuncResolve;

/*
** Find the overload of `name` for arguments of types argt[0..nargs).  An
** exact match wins; otherwise the first candidate every argument converts to
** by an implicit cast (NULL -> any, BIGINT -> DOUBLE, TEXT -> TIMESTAMP/INTERVAL
** for literals is the binder's business).  *casts receives the type each
** argument must be cast to (== argt[i] when none is needed).
*/
FuncResolve func_resolve(const char *name, int nargs, const Type *argt, const FuncDef **out, Type *casts);
bool func_exists(const char *name);
bool type_implicit_cast(Type from, Type to);

struct Expr;
/*
** func_resolve() for bound argument expressions: a constant argument may pick
** the overload, as extract('second', ts) -> DOUBLE vs extract('year', ts) ->
** BIGINT.  Binders should prefer this one.
*/
FuncResolve func_resolve_args(const char *name, int nargs, struct Expr *const *args, const FuncDef **out,
                              Type *casts);
/* Row i of the function table (NULL past the end): for tests and docs. */
const FuncDef *func_at(int i);

/*
** Does CAST(from AS to) exist?  cast_check() records the error when not,
** e.g. "cannot cast BIGINT to TIMESTAMP (use to_timestamp(seconds) or
** epoch_ms(milliseconds))" at `pos`, and returns -1 (0 when the cast exists).
*/
bool cast_exists(Type from, Type to);
int cast_check(Type from, Type to, Err *err, int pos);

/* Evaluate a cast of one value; false with err set when the text cannot be converted. */
bool value_cast(const Value *in, Type to, Value *out, Arena *a, Err *err);

#endif
