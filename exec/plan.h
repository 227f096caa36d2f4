/*
** Plans: what the planner hands the executor.
**
** A Plan is a tree of relational operators over bound, typed expressions.
** The binder builds it (logical plan), the optimizer rewrites it in place
** (same node types), and exec_build() turns the final tree into operator
** state (exec.h).  A Plan is immutable once planning is done: all mutable
** state lives in the executor's operator objects, so one plan can be run
** many times (a batch query) or kept for the life of a continuous query.
**
** Columns are referenced by position: EXPR_COLUMN `col` indexes the output
** columns of the node's input (for a join: left columns then right columns).
** All nodes and expressions live in the statement's arena (or a query arena
** for continuous queries).
*/
#ifndef WEIR_PLAN_H
#define WEIR_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/types.h"

struct FuncDef;
struct Relation;

/* ---------------------------------------------------------------- expressions */

typedef enum ExprKind {
    EXPR_CONST,        /* value */
    EXPR_COLUMN,       /* col: index into the input columns */
    EXPR_CALL,         /* fn(args): scalar functions and operators (+, =, like, lower, ...) */
    EXPR_CAST,         /* args[0] cast to `type` */
    EXPR_AND,          /* args[0..n): three-valued AND */
    EXPR_OR,           /* args[0..n): three-valued OR */
    EXPR_NOT,          /* args[0] */
    EXPR_IS_NULL,      /* args[0] IS NULL */
    EXPR_IS_NOT_NULL,  /* args[0] IS NOT NULL */
    EXPR_CASE,         /* args: when0, then0, when1, then1, ..., [else]; has_else */
    EXPR_IN,           /* args[0] IN (args[1..n)); all of one type; SQL NULL rules */
} ExprKind;

typedef struct Expr {
    ExprKind kind;
    Type type;                 /* result type */
    int pos;                   /* source offset for error messages, -1 if synthesized */
    int col;                   /* EXPR_COLUMN */
    Value value;               /* EXPR_CONST */
    const struct FuncDef *fn;  /* EXPR_CALL */
    bool has_else;             /* EXPR_CASE */
    int nargs;
    struct Expr **args;
    const char *name;          /* display name (column name, function name) for EXPLAIN */
} Expr;

/* ---------------------------------------------------------------- aggregates */

typedef enum AggKind {
    AGG_COUNT_STAR,    /* COUNT(*): BIGINT */
    AGG_COUNT,         /* COUNT(x): non-NULL values, BIGINT */
    AGG_SUM,           /* BIGINT -> BIGINT, DOUBLE -> DOUBLE; NULL when no non-NULL input */
    AGG_MIN,
    AGG_MAX,
    AGG_AVG,           /* DOUBLE; the optimizer rewrites it to SUM/COUNT, exec supports it too */
} AggKind;

typedef struct AggSpec {
    AggKind kind;
    bool distinct;     /* COUNT(DISTINCT x), SUM(DISTINCT x) ... */
    Expr *arg;         /* NULL for COUNT(*) */
    Type type;         /* result type */
    const char *name;  /* display name, e.g. "sum(v)" */
} AggSpec;

/* ---------------------------------------------------------------- plan nodes */

typedef enum PlanKind {
    PLAN_SCAN,        /* read a relation: proj columns, optional pushed filter */
    PLAN_VALUES,      /* literal rows (INSERT VALUES, SELECT without FROM) */
    PLAN_SERIES,      /* generate_series(start, stop, step): one BIGINT column */
    PLAN_FILTER,      /* rows where pred is TRUE */
    PLAN_PROJECT,     /* exprs over the input */
    PLAN_AGGREGATE,   /* group by groups; output = groups then aggs. DISTINCT is an aggregate with no aggs */
    PLAN_JOIN,        /* hash join on lkeys = rkeys, then residual; output = left cols then right cols */
    PLAN_SORT,        /* order by keys */
    PLAN_LIMIT,       /* limit/offset (limit < 0: none) */
    PLAN_WINDOW,      /* TUMBLE/HOP/SESSION: appends window_start, window_end */
    PLAN_ROWNUMBER,   /* ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..): appends a BIGINT (u.topn, limit -1) */
    PLAN_TOPN,        /* the rows of each partition numbered 1..limit only, same output (u.topn) */
} PlanKind;

typedef enum PlanJoinKind { PJOIN_INNER, PJOIN_LEFT } PlanJoinKind;

typedef enum WindowKind { WINDOW_TUMBLE, WINDOW_HOP, WINDOW_SESSION } WindowKind;

typedef struct SortKey {
    Expr *expr;
    bool desc;
    bool nulls_first;  /* resolved: default is NULLS LAST for ASC, NULLS FIRST for DESC (PostgreSQL) */
} SortKey;

typedef struct Plan Plan;

struct Plan {
    PlanKind kind;
    Schema schema;                 /* output columns (names as the user sees them) */
    Plan *left;                    /* input (the only one for unary nodes) */
    Plan *right;                   /* PLAN_JOIN build side */
    union {
        struct {
            struct Relation *rel;  /* storage relation to read */
            const char *table;     /* name, for EXPLAIN */
            int nproj;
            int *proj;             /* relation column index of each output column */
            Expr *filter;          /* pushed-down predicate over the output columns, or NULL */
            bool streaming;        /* reads a SOURCE (rel == NULL): a continuous query's input */
            /* SOURCE with WATERMARK FOR col: the relation column index of col and the
               declared delay; -1 / 0 otherwise.  The runtime computes the watermark from
               output column watermark_out (proj[watermark_out] == watermark_col), which the
               optimizer never prunes from a streaming scan; -1 when there is none. */
            int watermark_col;
            int64_t watermark_delay_us;
            int watermark_out;
        } scan;
        struct {
            int nrows;
            Value *rows;           /* nrows * schema.ncols values, row-major */
        } values;
        struct {
            int64_t start, stop, step;
        } series;
        struct {
            Expr *pred;
        } filter;
        struct {
            int n;                 /* == schema.ncols */
            Expr **exprs;
        } project;
        struct {
            int ngroups;
            Expr **groups;
            int naggs;
            AggSpec *aggs;
            /* Index of the group that is the window_end of an event-time window (else
               of the first event-time group column), -1 when none: the executor drops
               rows for final groups and emits / evicts them as the watermark passes. */
            int window_end_group;
        } agg;
        struct {
            PlanJoinKind kind;
            int nkeys;
            Expr **lkeys;          /* over left columns */
            Expr **rkeys;          /* over right columns */
            Expr *residual;        /* over left ++ right columns, or NULL */
        } join;
        struct {
            int nkeys;
            SortKey *keys;
        } sort;
        struct {
            int64_t limit;         /* -1: no limit */
            int64_t offset;
        } limit;
        struct {
            WindowKind kind;
            int time_col;          /* input column holding event time */
            int64_t size_us;       /* TUMBLE/HOP size, SESSION gap */
            int64_t slide_us;      /* HOP slide */
            int npartition;
            int *partition;        /* SESSION partition columns */
        } window;
        struct {
            int npartition;
            Expr **partition;      /* PARTITION BY expressions over the input */
            int nkeys;
            SortKey *keys;         /* ORDER BY within a partition; ties by arrival order */
            int64_t limit;         /* PLAN_TOPN: rows numbered 1..limit kept; PLAN_ROWNUMBER: -1 */
        } topn;                    /* PLAN_ROWNUMBER and PLAN_TOPN: output = input ++ row number */
    } u;
};

Plan *plan_new(Arena *a, PlanKind kind, Plan *left, Plan *right);
Expr *expr_new(Arena *a, ExprKind kind, Type type, int nargs);
Expr *expr_column(Arena *a, int col, Type type, const char *name);
Expr *expr_const(Arena *a, const Value *v);
Expr *expr_copy(Arena *a, const Expr *e);           /* deep copy */
bool expr_equal(const Expr *a, const Expr *b);      /* structural equality */
/* The node (and its column) producing output column col of p, through pass-through nodes. */
bool plan_col_origin(const Plan *p, int col, const Plan **node, int *ocol);

#endif
