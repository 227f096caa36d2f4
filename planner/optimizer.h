/*
** The optimizer's internal interface: what the driver (optimizer.c), the rule
** files (rules_*.c), the plan checker (plan_verify.c) and EXPLAIN (explain.c)
** share.  Nothing here is used outside planner/.
**
** A rule is a small pattern match on one plan node (and its children), in the
** manner of Spark Catalyst: the driver walks the tree top-down and calls
** apply() on every node whose kind is in the rule's mask, passing the slot
** that holds the node so the rule can replace it.  A rule says whether it
** changed anything through *changed; the driver never compares trees.
**
** Ownership conventions every rule follows (they make in-place rewriting safe
** even when the binder shares expression subtrees between nodes):
**   - an Expr is never modified once built: rewriting an expression builds new
**     nodes along the changed path and shares the unchanged subtrees;
**   - a Schema's column array is never modified in place either (nodes may
**     share one); a node that needs other names gets a new array;
**   - a plan node and its own arrays (project exprs, agg specs, sort keys,
**     scan proj) belong to that node alone and may be modified in place.
** Everything new is allocated in the statement arena (pc->arena).
*/
#ifndef WEIR_OPTIMIZER_H
#define WEIR_OPTIMIZER_H

#include <stddef.h>

#include "planner.h"

/* ------------------------------------------------------------------ rules */

/* Bit of a plan kind in a rule's mask. */
#define PLAN_MASK(k) (1u << (unsigned)(k))
#define PLAN_MASK_ALL ((1u << (PLAN_TOPN + 1)) - 1)
/* Mask bit: call apply() once, on the root slot, instead of on every node. */
#define RULE_ROOT_ONLY (1u << 31)

/* 0 ok (*changed set when the plan was rewritten), -1 error (pc->err set). */
typedef int (*RuleApply)(PlanCtx *pc, Plan **node, bool *changed);

typedef struct Rule {
    const char *name;    /* CamelCase, as EXPLAIN and WEIR_DISABLE_RULES spell it */
    unsigned mask;       /* PLAN_MASK() bits of the node kinds apply() looks at */
    RuleApply apply;
} Rule;

/* rules_expr.c: expression rewrites applied to every expression of a node */
int rule_constant_folding(PlanCtx *pc, Plan **node, bool *changed);
int rule_boolean_simplification(PlanCtx *pc, Plan **node, bool *changed);

/* rules_filter.c: filters that are trivially true, false, adjacent or above nothing */
int rule_simplify_filters(PlanCtx *pc, Plan **node, bool *changed);
int rule_combine_filters(PlanCtx *pc, Plan **node, bool *changed);
int rule_propagate_empty_relation(PlanCtx *pc, Plan **node, bool *changed);

/* rules_pushdown.c: predicates toward the scans, join keys out of ON conditions */
int rule_push_down_predicates(PlanCtx *pc, Plan **node, bool *changed);
int rule_extract_join_keys(PlanCtx *pc, Plan **node, bool *changed);

/* rules_prune.c: columns nobody reads, projections that do nothing */
int rule_column_pruning(PlanCtx *pc, Plan **node, bool *changed);
int rule_collapse_projections(PlanCtx *pc, Plan **node, bool *changed);
int rule_remove_trivial_projections(PlanCtx *pc, Plan **node, bool *changed);
int rule_merge_project_into_scan(PlanCtx *pc, Plan **node, bool *changed);

/* rules_agg.c: aggregate rewrites */
int rule_rewrite_avg(PlanCtx *pc, Plan **node, bool *changed);

/* rules_topn.c: a filter on a row number becomes a top-N */
int rule_row_number_to_topn(PlanCtx *pc, Plan **node, bool *changed);

/* ------------------------------------------------------------------ plan checker */

/*
** Check the invariants every plan must keep (plan_verify.c): child counts per
** kind, column references in range of the input and of the input's type,
** schemas consistent with what each node computes, predicates BOOLEAN,
** event-time marks, watermark columns and window_end groups as derived
** (event_time.c).
** Returns true when the plan is sound; otherwise false with a description
** of the first problem found in msg (cap bytes, NUL-terminated).
*/
bool plan_verify(const Plan *p, char *msg, size_t cap);

/* ------------------------------------------------------------------ helpers (rules_util.c) */

/* Constant tests on expressions (a NULL pointer is none of these). */
bool opt_is_const(const Expr *e);
bool opt_is_true(const Expr *e);
bool opt_is_false(const Expr *e);
bool opt_is_null(const Expr *e);            /* a NULL constant of any type */
Expr *opt_bool(Arena *a, bool b);
Expr *opt_null(Arena *a, Type t);

/* Same expression with result type t: itself, a retyped NULL constant or a CAST. */
Expr *opt_with_type(Arena *a, Expr *e, Type t);

/* No call of a FUNC_VOLATILE function anywhere in e. */
bool opt_deterministic(const Expr *e);
bool opt_has_columns(const Expr *e);
/* Mark used[col] for every column e references (cols >= n are ignored). */
void opt_columns(const Expr *e, bool *used, int n);
/* Which sides of a join (left columns < nleft) e references: bit 1 left, bit 2 right. */
int opt_sides(const Expr *e, int nleft);
/* Number of references to column `col` in e. */
int opt_count_refs(const Expr *e, int col);
/* A column reference or a constant: free to duplicate. */
bool opt_trivial(const Expr *e);

/* New expressions with column references rewritten (unchanged subtrees shared). */
Expr *opt_remap(Arena *a, Expr *e, const int *map);     /* col -> map[col] */
Expr *opt_shift(Arena *a, Expr *e, int delta);          /* col -> col + delta */
Expr *opt_substitute(Arena *a, Expr *e, Expr *const *exprs); /* col -> exprs[col] */

/* Split e into its AND-ed conjuncts (nested ANDs flattened); returns the count. */
int opt_conjuncts(Arena *a, Expr *e, Expr ***out);
/* AND of n conjuncts: NULL when n == 0, the conjunct itself when n == 1. */
Expr *opt_and(Arena *a, Expr **list, int n);
/* AND of two predicates, either of which may be NULL. */
Expr *opt_and2(Arena *a, Expr *x, Expr *y);
/* A call of operator `name` with the exact argument types given, or NULL when none exists. */
Expr *opt_call(Arena *a, const char *name, Expr **args, int nargs);

/*
** Rewrite every expression slot of one node with fn (scan filter, filter
** predicate, project list, groups and aggregate arguments, join keys and
** residual, sort keys).  fn returns the expression to store (the same
** pointer when nothing changed).  Returns true when a slot changed.
*/
typedef Expr *(*ExprRewrite)(PlanCtx *pc, Expr *e, void *ud);
bool opt_rewrite_node_exprs(PlanCtx *pc, Plan *p, ExprRewrite fn, void *ud);

/* Schema helpers: a copy of s, and the concatenation of two. */
Schema opt_schema_copy(Arena *a, const Schema *s);
Schema opt_schema_concat(Arena *a, const Schema *l, const Schema *r);

/* A new node of the given kind with the schema of `like` (shared array). */
Plan *opt_node(Arena *a, PlanKind kind, Plan *left, Plan *right, const Schema *schema);
/* A filter node over child with predicate pred (child's schema). */
Plan *opt_filter(Arena *a, Plan *child, Expr *pred);
/* An empty relation (PLAN_VALUES with no rows) with the given schema. */
Plan *opt_empty(Arena *a, const Schema *schema);
bool opt_is_empty(const Plan *p);
/*
** May the subtree be replaced by a constant (empty) relation?  Only for
** bounded inputs: a continuous query over a stream must keep reading it
** (offsets, watermarks, progress), which is why Spark's
** PropagateEmptyRelation skips streaming relations.  False when the subtree
** scans a SOURCE (scan.streaming).
*/
bool opt_replaceable(const Plan *p);

/* Aggregate display name: "sum(x)", "count(*)", "count(DISTINCT x)" with input names. */
const char *opt_agg_name(Arena *a, const AggSpec *s, const Schema *input);
const char *opt_agg_func_name(AggKind k);

/* explain.c: expression text with a column offset (join right keys in physical plans). */
char *explain_expr(Arena *a, const Expr *e, const Schema *input, int col_offset);

#endif
