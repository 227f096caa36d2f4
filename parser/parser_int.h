/*
** Internals of the parser, shared by its files and by nothing else:
**
**   tokenize.c   tok_scan(): one token from the text (character-class table,
**                keyword perfect hash from keywords.gperf)
**   parse.y      the Lemon grammar; its actions call the constructors below
**   ast.c        constructors, ast_to_sql(), the parse_next() driver
**
** Token codes (TK_*) come from parse.h, which Lemon generates from parse.y
** in the build directory.  A Token is only a source extent: text is decoded
** (identifiers lower-cased or unquoted, strings unescaped) by the
** constructors that need it, so the tokenizer never allocates.
*/
#ifndef WEIR_PARSER_INT_H
#define WEIR_PARSER_INT_H

#include <stddef.h>

#include "ast.h"

/* Longest chain of nested expression nodes a statement may hold (as SQLite's
** SQLITE_MAX_EXPR_DEPTH): every later phase recurses over the tree. */
#define AST_MAX_DEPTH 1000

/* A token: bytes [pos, pos + n) of the statement text.  n == 0 marks the end of input. */
typedef struct Token {
    int pos;
    int n;
} Token;

/* The parse context, Lemon's %extra_context: what every action may need. */
typedef struct Parse {
    const char *text;   /* the whole input; token and node positions index it */
    Arena *a;           /* the statement arena: every node lives here */
    Err *err;           /* first error */
    bool failed;        /* an error was recorded by this parse (err may have been set before) */
    int tok_pos;        /* offset of the token being fed, for stack-overflow errors */
    AstStmt *stmt;      /* the result, set by the start rule */
} Parse;

/* ------------------------------------------------------------ tokenize.c */

/* A keyword of keywords.gperf: its text and Lemon token code. */
struct Keyword {
    const char *name;
    int token;
};
const struct Keyword *keyword_lookup(const char *str, size_t len);

/*
** Scan the token at z (NUL-terminated).  Returns its length in bytes and
** sets *type to its TK_ code: TK_SPACE for blanks and comments, TK_ILLEGAL
** for an unterminated string, quoted identifier or comment, a number with
** trailing letters, or a character that starts no token (length >= 1, so a
** caller can always step over it).  At the terminating NUL returns 0 with
** *type = 0 (Lemon's end of input).
*/
int tok_scan(const char *z, int *type);

/* The TK_ code of a bare word: a keyword's token or TK_ID. */
int tok_keyword_code(const char *z, int n);

/*
** Describe an illegal token (one tok_scan() typed TK_ILLEGAL) as an error
** message: "unterminated quoted string", "unexpected character ...".
*/
void tok_illegal_message(const char *z, int n, char *buf, size_t cap);

/* ------------------------------------------------------------ parse.y (generated parse.c) */

size_t parser_engine_size(void);        /* sizeof the Lemon engine, for parse_next() to allocate */
bool parser_keyword_is_nonreserved(int tk);  /* listed in %fallback ID */
void WeirParserInit(void *engine, Parse *p);
void WeirParser(void *engine, int major, Token minor);
void WeirParserFinalize(void *engine);

/* ------------------------------------------------------------ ast.c: constructors for the grammar */

/* Accumulators for the parts of a statement the grammar collects piecewise. */
typedef struct TableElems {    /* CREATE SOURCE / TABLE (...) */
    AstList *cols;             /* AstColumnDef * */
    const char *wm_column;     /* WATERMARK FOR col AS expr */
    Ast *wm_expr;
    int wm_pos;                /* -1: none */
} TableElems;

typedef struct StreamOpts {    /* EMIT and TRIGGER clauses after a query */
    EmitMode emit;
    int emit_pos;
    TriggerKind trigger;
    int64_t interval_us;
    int trigger_pos;
} StreamOpts;

typedef struct LimitClause {
    Ast *limit;
    Ast *offset;
} LimitClause;

/* Small values for the grammar's empty productions. */
static inline Token token_none(void) { Token t = {0, 0}; return t; }
static inline LimitClause limit_clause(Ast *limit, Ast *offset) { LimitClause c = {limit, offset}; return c; }
static inline StreamOpts stream_none(void) { StreamOpts s = {EMIT_DEFAULT, -1, TRIGGER_DEFAULT, 0, -1}; return s; }

/* Report a syntax error at token t ("at end of input" when t.n == 0). */
void parse_syntax_error(Parse *p, Token t);
void parse_stack_overflow(Parse *p);
void parse_done(Parse *p, AstStmt *s);

/* Statements; kw is the statement's first token. */
AstStmt *stmt_select(Parse *p, AstSelect *q);
AstStmt *stmt_create_source(Parse *p, Token kw, bool ifne, Token name, TableElems *el, AstList *opts);
AstStmt *stmt_create_table(Parse *p, Token kw, bool ifne, Token name, TableElems *el, AstList *opts);
AstStmt *stmt_create_as(Parse *p, Token kw, StmtKind kind, bool ifne, Token name, AstList *opts, AstSelect *q);
AstStmt *stmt_insert_values(Parse *p, Token kw, Token name, AstList *cols, AstList *rows);
AstStmt *stmt_insert_select(Parse *p, Token kw, Token name, AstList *cols, AstSelect *q);
AstStmt *stmt_show(Parse *p, Token kw, ObjectKind what);
AstStmt *stmt_describe(Parse *p, Token kw, Token name);
AstStmt *stmt_explain(Parse *p, Token kw, AstSelect *q);
AstStmt *stmt_drop(Parse *p, Token kw, ObjectKind what, bool ifexists, Token name);

/* CREATE SOURCE / TABLE elements and WITH options. */
TableElems *elems_column(Parse *p, TableElems *el, Token name, Type type);
TableElems *elems_watermark(Parse *p, TableElems *el, Token kw, Token col, Ast *e);
Type type_resolve(Parse *p, Token name, Token modifier);   /* modifier.n == 0: none */
AstOption *option_key(Parse *p, Token key);                /* a name or a 'quoted.key' */
AstOption *option_key_append(Parse *p, AstOption *o, Token part);   /* a.b: key "a" + "." + "b" */
AstOption *option_value(Parse *p, AstOption *o, Token value, int value_token, bool negative);
AstList *option_list_add(Parse *p, AstList *l, AstOption *o);     /* refuses a repeated key */

/* Queries. */
AstSelect *select_new(Parse *p, Token kw, int distinct, AstList *items, Ast *from, Ast *where, AstList *group_by,
                      Ast *having, AstList *order_by, LimitClause limit, StreamOpts so);
StreamOpts stream_emit(Parse *p, StreamOpts so, Token kw, int mode_token);
StreamOpts stream_trigger(Parse *p, StreamOpts so, Token kw, TriggerKind kind, Ast *interval);
Ast *select_item(Parse *p, Ast *e, Token alias);
Ast *select_star(Parse *p, Token qualifier, Token star);     /* qualifier.n == 0: plain `*` */
Ast *order_item(Parse *p, Ast *e, int desc, int nulls_first);

/* FROM items. */
Ast *from_table(Parse *p, Token name, Token alias);
Ast *from_derived(Parse *p, Token lp, AstSelect *q, Token alias);
Ast *from_table_func(Parse *p, Token name, AstList *args, AstList *partition_tail);   /* tail: after PARTITION BY */
Ast *from_with_alias(Parse *p, Ast *item, Token alias);
Ast *from_join(Parse *p, Ast *l, int join_type, Ast *r, Ast *on);
Ast *tf_table_arg(Parse *p, Token kw, Token name);
Ast *tf_descriptor_arg(Parse *p, Token kw, Token name);

/* Expressions. */
Ast *expr_int(Parse *p, Token t);
Ast *expr_float(Parse *p, Token t);
Ast *expr_string(Parse *p, Token t);
Ast *expr_bool(Parse *p, Token t, bool v);
Ast *expr_null(Parse *p, Token t);
Ast *expr_interval(Parse *p, Token kw, Token str, Token unit);   /* unit.n == 0: none */
Ast *expr_timestamp(Parse *p, Token kw, Token str);
Ast *expr_column_ref(Parse *p, Token qualifier, Token name);          /* qualifier.n == 0: none */
Ast *expr_unary(Parse *p, Token op, int op_token, Ast *e);
Ast *expr_binary(Parse *p, Ast *l, int op_token, Ast *r);
Ast *expr_is_null(Parse *p, Ast *e, bool negated);
Ast *expr_between(Parse *p, Ast *e, bool negated, Ast *lo, Ast *hi);
Ast *expr_in(Parse *p, Ast *e, bool negated, AstList *list);
Ast *expr_in_select(Parse *p, Ast *e, bool negated, Token lp, AstSelect *q);
Ast *expr_like(Parse *p, Ast *e, bool negated, Ast *pattern);
Ast *expr_case(Parse *p, Token kw, Ast *operand, AstList *whens, Ast *else_);
AstList *case_when(Parse *p, AstList *l, Ast *when, Ast *then);
Ast *expr_cast(Parse *p, Token kw, Ast *e, Type t);        /* kw.n == 0: e::t, positioned at e */
Ast *expr_func(Parse *p, Token name, int distinct, AstList *args);
Ast *expr_func_star(Parse *p, Token name, Token star);
Ast *expr_over(Parse *p, Ast *func, Token kw, AstList *partition, AstList *order);
Ast *expr_extract(Parse *p, Token kw, Token field, Ast *e);
Ast *expr_subquery(Parse *p, Token lp, AstSelect *q);

/* Lists. */
AstList *list_add(Parse *p, AstList *l, void *item);
AstList *list_empty(Parse *p);

#endif
