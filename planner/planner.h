/*
** The planner: from AST to an optimized plan.
**
**   plan_query()        binder: names and types resolved, AST -> logical Plan
**   optimize()          Catalyst-style rule batches (optimizer.c) to a fixed point
**   plan_explain()      logical, optimized (with the rules that fired) and physical plans
**
** Errors name the column / function / type at fault and carry the source
** offset of the offending AST node.
*/
#ifndef WEIR_PLANNER_H
#define WEIR_PLANNER_H

#include "../exec/plan.h"
#include "../parser/ast.h"
#include "catalog.h"

typedef struct PlanCtx {
    Arena *arena;        /* statement arena: plans and expressions live here */
    Catalog *catalog;
    const char *text;    /* the statement text (views are re-parsed from their own text) */
    int64_t now_us;      /* statement timestamp */
    Err *err;
} PlanCtx;

/* Bind a query to a logical plan.  0 / -1 (err set with a position). */
int plan_query(PlanCtx *pc, const AstSelect *q, Plan **out);

/*
** Bind a scalar expression against a schema (INSERT VALUES rows use an empty schema).
** A bare NULL literal comes back as a TYPE_NULL constant: the caller knows the target type.
*/
int plan_scalar(PlanCtx *pc, const Ast *e, const Schema *scope, Expr **out);

/*
** Event time (event_time.c): Column.event_time marks, scan.watermark_out and
** agg.window_end_group.  plan_query() marks its plan; the optimizer keeps the
** marks; plan_verify() checks them with the derivations below.
*/
/* Set every mark of the tree under p, bottom-up (new schema arrays in a where marks change). */
void plan_mark_event_time(Arena *a, Plan *p);
/* The mark output column col of p must carry, derived from p's inputs. */
bool plan_col_event_time(const Plan *p, int col);
/* Is e over `input` an event-time column shifted by constant intervals or date_trunc'ed? */
bool plan_expr_event_time(const Expr *e, const Schema *input);
/* The output column of a streaming scan that holds its WATERMARK column, -1 when none. */
int plan_scan_watermark_out(const Plan *scan);
/* The group index agg.window_end_group must hold (-1: none). */
int plan_window_end_group(const Plan *agg);

/* A record of which rules fired, for EXPLAIN. */
typedef struct OptTrace {
    int n, cap;
    const char **fired;  /* "batch/rule" strings, in order, arena-allocated */
} OptTrace;

/* Rewrite the plan with every optimizer batch.  trace may be NULL. */
int optimize(PlanCtx *pc, Plan **plan, OptTrace *trace);

/* Print a plan tree, one node per line, indented; returns arena text. */
char *plan_to_text(Arena *a, const Plan *p, bool physical);
char *expr_to_text(Arena *a, const Expr *e, const Schema *input);

/*
** EXPLAIN (explain.c): the logical plan *plan as text, then optimize(*plan)
** in place, then the optimized plan, the rules that fired and the physical
** plan, under "== Logical Plan ==", "== Optimized Plan ==", "== Rules Fired ==",
** "== Physical Plan ==" headings.  *out: arena text.  0 / -1 (err set).
*/
int plan_explain(PlanCtx *pc, Plan **plan, char **out);

#endif
