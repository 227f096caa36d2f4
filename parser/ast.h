/*
** The abstract syntax tree produced by the parser.
**
** Expressions are one small tagged node type (Ast), in the manner of
** SQLite's Expr: `kind` says which fields mean something.  Queries and
** statements have structs of their own (AstSelect, AstStmt).  Every node
** records `pos`, the byte offset of its first token in the statement text, so
** the binder can report `FILE:LINE:COL` for any error.  All nodes live in the
** statement arena handed to the parser; nothing is freed individually.
**
** Identifiers are stored lower-cased unless they were double-quoted.
** String literals are stored unescaped ('' -> ') and NUL-terminated.
*/
#ifndef WEIR_AST_H
#define WEIR_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/err.h"
#include "../common/types.h"

typedef struct Ast Ast;
typedef struct AstSelect AstSelect;

/* A growable array of node pointers (arena-allocated). */
typedef struct AstList {
    int n;
    int cap;
    void **items;
} AstList;

AstList *ast_list_new(Arena *a);
AstList *ast_list_add(Arena *a, AstList *l, void *item);   /* l may be NULL: creates it */

typedef enum AstKind {
    /* ---- literals ---- */
    AST_INT,          /* ival */
    AST_FLOAT,        /* dval */
    AST_STRING,       /* str */
    AST_BOOL,         /* ival: 0 or 1 */
    AST_NULL,
    AST_INTERVAL,     /* ival: microseconds; str: the literal after INTERVAL with the unit
                         lower-cased, e.g. "'10' second" */
    AST_TIMESTAMP,    /* TIMESTAMP '2024-01-01 00:00:00': ival = microseconds; str: the text */
    /* ---- references ---- */
    AST_COLUMN,       /* name, optional qualifier (table or alias) */
    AST_STAR,         /* `*` or `qualifier.*` in a select list; also COUNT(*)'s argument */
    /* ---- operators ---- */
    AST_UNARY,        /* op in {OP_NEG, OP_NOT, OP_PLUS}; left */
    AST_BINARY,       /* op: arithmetic, comparison, AND, OR, CONCAT; left, right */
    AST_IS_NULL,      /* left; negated for IS NOT NULL */
    AST_BETWEEN,      /* left BETWEEN list[0] AND list[1]; negated */
    AST_IN,           /* left IN (list); negated.  IN (SELECT ...): list holds one AST_SUBQUERY */
    AST_LIKE,         /* left LIKE right; negated; ESCAPE not supported */
    AST_CASE,         /* left: operand or NULL; list: WHEN,THEN,WHEN,THEN...; right: ELSE or NULL */
    AST_CAST,         /* CAST(left AS type) or left::type; cast_type */
    AST_FUNC,         /* name(list); distinct; star for COUNT(*) (list then holds one AST_STAR);
                         over: window spec or NULL.  list is never NULL (empty for f()).
                         EXTRACT(field FROM x) is extract('field', x), field lower-cased */
    AST_SUBQUERY,     /* (SELECT ...) used as an expression: not supported by the binder yet */
    /* ---- FROM items ---- */
    AST_TABLE,        /* name [AS alias] */
    AST_DERIVED,      /* (SELECT ...) [AS] alias: select */
    AST_TABLE_FUNC,   /* name(list) [AS alias]: TUMBLE, HOP, SESSION, generate_series.
                         For tumble/hop/session the first argument is an AST_TABLE (or an
                         AST_DERIVED for a parenthesized query), whichever spelling was used.
                         For SESSION, partition = PARTITION BY keys.  The Flink spelling
                         TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), size)) parses to the same node
                         (the `TABLE src` argument becomes an AST_TABLE, DESCRIPTOR(ts) an AST_COLUMN). */
    AST_JOIN,         /* left JOIN right ON on; join_type.  Left-deep; `a, b` is JOIN_CROSS */
    /* ---- pieces ---- */
    AST_SELECT_ITEM,  /* left AS name (name NULL when no alias) */
    AST_ORDER_ITEM,   /* left; desc; nulls_first: -1 default, 0 last, 1 first */
    AST_WINDOW_SPEC,  /* OVER (PARTITION BY list ORDER BY order): list = partition keys, order = order
                         items (AST_ORDER_ITEM); either NULL when absent */
} AstKind;

typedef enum AstOp {
    OP_NONE = 0,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR, OP_NOT, OP_NEG, OP_PLUS,
    OP_CONCAT,
} AstOp;

typedef enum JoinType { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_CROSS } JoinType;

struct Ast {
    AstKind kind;
    int pos;               /* byte offset of the first token, within the statement text's buffer */
    AstOp op;              /* AST_UNARY / AST_BINARY */
    bool negated;          /* NOT BETWEEN / NOT IN / NOT LIKE / IS NOT NULL */
    bool distinct;         /* AST_FUNC: agg(DISTINCT x) */
    bool star;             /* AST_FUNC: COUNT(*) */
    bool desc;             /* AST_ORDER_ITEM */
    int nulls_first;       /* AST_ORDER_ITEM: -1 default, 0 NULLS LAST, 1 NULLS FIRST */
    JoinType join_type;    /* AST_JOIN */
    Type cast_type;        /* AST_CAST */
    const char *name;      /* column / function / table name, select-item alias */
    const char *qualifier; /* AST_COLUMN, AST_STAR: table qualifier or NULL */
    const char *alias;     /* FROM items: alias or NULL */
    const char *str;       /* AST_STRING value; AST_INTERVAL original text */
    int64_t ival;          /* AST_INT, AST_BOOL, AST_INTERVAL, AST_TIMESTAMP */
    double dval;           /* AST_FLOAT */
    Ast *left;             /* first operand / joined left side / select-item expression */
    Ast *right;            /* second operand / joined right side / CASE ELSE */
    Ast *on;               /* AST_JOIN condition (NULL for CROSS JOIN / comma joins) */
    AstList *list;         /* arguments, IN list, BETWEEN bounds, CASE pairs, PARTITION BY keys */
    AstList *partition;    /* AST_TABLE_FUNC SESSION(... PARTITION BY keys ...) */
    AstList *order;        /* AST_WINDOW_SPEC ORDER BY items */
    Ast *over;             /* AST_FUNC with OVER (...): an AST_WINDOW_SPEC */
    AstSelect *select;     /* AST_DERIVED, AST_SUBQUERY */
    int height;            /* nodes on the longest downward path from here (1 for a leaf); the
                              parser refuses trees deeper than 1000, so recursion stays shallow */
};

typedef enum EmitMode { EMIT_DEFAULT = 0, EMIT_APPEND, EMIT_UPDATE, EMIT_COMPLETE } EmitMode;

typedef enum TriggerKind {
    TRIGGER_DEFAULT = 0,     /* next batch as soon as new data exist */
    TRIGGER_INTERVAL,        /* every interval_us */
    TRIGGER_ONCE,
    TRIGGER_AVAILABLE_NOW,
    TRIGGER_CONTINUOUS,
} TriggerKind;

struct AstSelect {
    int pos;
    bool distinct;
    AstList *items;        /* AST_SELECT_ITEM or AST_STAR */
    Ast *from;             /* AST_TABLE / AST_DERIVED / AST_TABLE_FUNC / AST_JOIN, or NULL */
    Ast *where;
    AstList *group_by;     /* expressions */
    Ast *having;
    AstList *order_by;     /* AST_ORDER_ITEM */
    Ast *limit;            /* expression or NULL */
    Ast *offset;
    EmitMode emit;
    int emit_pos;
    TriggerKind trigger;
    int64_t trigger_interval_us;
    int trigger_pos;
    int height;            /* the tallest node of its clauses (Ast.height), subqueries included */
};

typedef struct AstColumnDef {
    const char *name;
    Type type;
    int pos;
} AstColumnDef;

typedef struct AstOption {     /* key = 'value' in WITH (...) */
    const char *key;           /* lower-cased unless quoted; quoted keys like 'bootstrap.servers' kept as written */
    const char *value;         /* always the string value (numbers are kept as their text) */
    int pos;
} AstOption;

typedef enum StmtKind {
    STMT_SELECT,
    STMT_CREATE_SOURCE,
    STMT_CREATE_TABLE,         /* columns [+ options for connector tables] */
    STMT_CREATE_TABLE_AS,      /* query */
    STMT_CREATE_VIEW,
    STMT_CREATE_MATVIEW,
    STMT_CREATE_SINK,          /* options + query */
    STMT_INSERT,               /* name, insert_columns (optional), values rows or query */
    STMT_SHOW,
    STMT_DESCRIBE,
    STMT_EXPLAIN,              /* query */
    STMT_DROP,
} StmtKind;

typedef enum ObjectKind {      /* what SHOW lists and DROP drops */
    OBJ_SOURCE, OBJ_TABLE, OBJ_VIEW, OBJ_MATVIEW, OBJ_SINK, OBJ_QUERY
} ObjectKind;

typedef struct AstStmt {
    StmtKind kind;
    int pos;                   /* offset of the statement's first token */
    int end;                   /* offset just past its last token (before ';') */
    const char *name;          /* object created / dropped / described / inserted into */
    int name_pos;
    bool if_exists;            /* DROP ... IF EXISTS */
    bool if_not_exists;        /* CREATE ... IF NOT EXISTS */
    ObjectKind object;         /* SHOW / DROP target kind */
    int ncolumns;
    AstColumnDef *columns;     /* CREATE SOURCE / CREATE TABLE */
    const char *watermark_column;  /* WATERMARK FOR col AS expr */
    Ast *watermark_expr;
    int watermark_pos;
    int noptions;
    AstOption *options;        /* WITH (...) */
    AstSelect *query;          /* SELECT, CREATE ... AS, EXPLAIN, INSERT ... SELECT; its text, e.g. a
                                  view's definition, is bytes [query->pos, end) of the input */
    AstList *insert_columns;   /* INSERT INTO t (a, b): Ast AST_COLUMN nodes, or NULL */
    AstList *rows;             /* INSERT ... VALUES: list of AstList* (each a row of expressions) */
} AstStmt;

/*
** Parse the next statement of `text` starting at byte offset `start`.
** On success returns 0 and sets *out to the statement (NULL when only
** whitespace and comments remain) and *next to the offset after its ';'.
** On a syntax error returns -1 with `err` set (offset relative to `text`)
** and *next past the bad statement's ';' (or at the end), so a caller can
** report and go on with the following statement.
*/
int parse_next(const char *text, int start, Arena *a, AstStmt **out, int *next, Err *err);

/* True when `text` holds at least one complete statement: a ';' outside quotes and comments. */
bool sql_complete(const char *text);

/*
** Print a node back as SQL: lower-case keywords, single spaces, parentheses
** only where precedence needs them, identifiers double-quoted only when they
** would not read back as the same name (`count(*)`, `sum(v)`, `a + 1`, `t.a`,
** `"Total" * 2`).  The result parses back to the same tree; it is what the
** binder uses to name an unaliased result column (for a bare column reference
** prefer `name` itself, which is never quoted).  Allocated in `a`.
*/
char *ast_to_sql(Arena *a, const Ast *e);
/* The same for a whole query, including EMIT and TRIGGER. */
char *ast_select_to_sql(Arena *a, const AstSelect *s);

#endif
