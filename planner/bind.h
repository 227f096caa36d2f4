/*
** Internals of the binder (AST -> logical plan), shared by bind_query.c
** (FROM, joins, grouping, ordering: the shape of the plan) and bind_expr.c
** (names, types, functions, implicit casts, aggregate calls: expressions).
** Nothing outside planner/bind*.c includes this header; the entry points are
** plan_query() and plan_scalar() in planner.h.
**
** Names are resolved through a Scope: the columns of the plan node an
** expression is evaluated over, each with the table name or alias that
** qualifies it.  Scope column i is plan output column i, so a resolved name
** becomes EXPR_COLUMN i directly.
**
** Aggregation is bound in two modes (see bind_expr.c): "pre" binds over the
** input scope; "post" (ExprCtx.agg set) binds over the aggregate's output,
** where a subexpression is either a GROUP BY expression (a reference to
** group column g), an aggregate call (registered in the AggState and
** referenced as column ngroups + j), a constant, or built from those.
*/
#ifndef WEIR_BIND_H
#define WEIR_BIND_H

#include "planner.h"

/* Deeper view expansion than this is taken for a view that refers to itself. */
#define BIND_MAX_VIEW_DEPTH 32

typedef struct Binder {
    PlanCtx *pc;
    int depth;              /* views being expanded around the query now bound */
} Binder;

typedef struct ScopeCol {
    const char *qual;       /* table name or alias that qualifies it; NULL: none */
    const char *name;
    Type type;
} ScopeCol;

typedef struct Scope {
    int n;
    ScopeCol *cols;         /* cols[i] is output column i of the plan it describes */
} Scope;

/* What a grouped query has collected: its GROUP BY expressions and aggregate calls. */
typedef struct AggState {
    int ngroups;
    Expr **groups;          /* over the aggregate's input */
    const char **group_names;
    int naggs, cap;
    AggSpec *aggs;          /* arguments over the aggregate's input */
} AggState;

/*
** Window function calls (ROW_NUMBER() OVER (...)) of a select list.  Each
** distinct call becomes a PLAN_ROWNUMBER node below the select list's
** projection; while the select list is bound, the call is a reference to
** column BIND_WIN_COL + i (i: its index here), renumbered once the number of
** columns below the projection is known (bind_query.c).
*/
#define BIND_WIN_COL (1 << 28)

typedef struct WinCall {
    int npartition;
    Expr **partition;       /* over the projection's input (the aggregate's output when grouped) */
    int nkeys;
    SortKey *keys;
} WinCall;

typedef struct WinState {
    int n, cap;
    WinCall *calls;
} WinState;

typedef struct ExprCtx {
    Binder *b;
    const Scope *scope;     /* names resolve here (the aggregate's input in post mode) */
    AggState *agg;          /* non-NULL: post mode, bind over the aggregate's output */
    const char *no_agg;     /* pre mode: the error for an aggregate call found here */
    WinState *win;          /* non-NULL: window function calls are allowed (select list, ORDER BY) */
    const char *no_win;     /* the error for a window function call where none is allowed (NULL: derived) */
} ExprCtx;

/* ---- bind_expr.c ---- */

/* Bind one expression.  0 with *out set, or -1 with the error recorded at the node's position. */
int bind_expr(ExprCtx *x, const Ast *e, Expr **out);
/* Bind a condition: BOOLEAN (a NULL literal becomes one), else "argument of WHAT must be BOOLEAN". */
int bind_bool(ExprCtx *x, const Ast *e, const char *what, Expr **out);
/* e converted to type `to`: constants folded now (error at e->pos when the value does not convert). */
int bind_coerce(Binder *b, Expr *e, Type to, Expr **out);
/* A NULL literal's type is decided by context; where there is none it becomes `t`. */
Expr *bind_settle_null(Binder *b, Expr *e, Type t);
/* Index of a column by [qual.]name in s; -1 with the error recorded at pos. */
int bind_lookup(Binder *b, const Scope *s, const char *qual, const char *name, int pos);
/* Evaluate a column-free expression now (LIMIT, generate_series, window sizes). */
int bind_eval_const(Binder *b, const Expr *e, Value *out);
/* Does the expression contain a window function call (f(...) OVER (...))? */
bool bind_has_window(const Ast *e);
/* Is this a call of an aggregate function (count, sum, min, max, avg without OVER)? */
bool bind_is_agg_call(const Ast *e);
/* Does the expression contain an aggregate call (not looking into subqueries)? */
bool bind_has_agg(const Ast *e);
/* Group index of e in st (structural equality), -1 when e is not a GROUP BY expression. */
int bind_find_group(const AggState *st, const Expr *e);
/* `column "x" must appear in the GROUP BY clause ...` */
int bind_err_not_grouped(Binder *b, const char *qual, const char *name, int pos);

/* ---- bind_query.c ---- */

/* Bind a SELECT to a plan whose schema carries the output names. */
int bind_select(Binder *b, const AstSelect *q, Plan **out);

#endif
