/*
** weir's SQL grammar, for the Lemon parser generator.
**
** The build runs `lemon -T/usr/share/lemon/lempar.c parse.y` (see
** parser/meson.build) and compiles the generated parse.c; parse.h gives the
** TK_* token codes shared with the tokenizer and the keyword hash.
**
** Read top to bottom: engine settings, error handling, tokens and
** precedence, then the grammar in sections (statements, queries, FROM,
** expressions).  Every action is one call to a constructor in ast.c; the
** grammar holds no logic.  The driver, parse_next() in tokenize.c, feeds one
** statement's tokens (without its ';') and then the end-of-input token 0.
**
** Non-reserved keywords (streaming clauses, units, statement words) fall
** back to identifiers where a keyword makes no sense, so columns named
** source, day, first, trigger ... work unquoted.
*/

/************** Engine settings ******************************************/
%name WeirParser
%token_prefix TK_
%token_type {Token}
%default_type {Ast *}
%extra_context {Parse *p}
/* A fixed stack: deep nesting is an error ("statement is too deeply
** nested"), not unbounded memory.  A parenthesis level costs one entry, a
** function call or subquery level about three. */
%stack_size 1000

%include {
#include <stdbool.h>
#include <stddef.h>

#include "parser_int.h"
}

/************** Errors ***************************************************/
%syntax_error {
    (void)yymajor;
    parse_syntax_error(p, TOKEN);
}
%stack_overflow {
    parse_stack_overflow(p);
}

/************** Tokens and precedence ************************************/
/* Tokens the tokenizer produces besides keywords (keywords.gperf). SPACE and
** ILLEGAL never reach the parser; SEMI ends a statement in the driver. */
%token SPACE ILLEGAL SEMI ID STRING INTEGER FLOAT.

/* Lowest first.  NOT_LA is NOT followed by BETWEEN, IN or LIKE (the driver
** looks one token ahead, as PostgreSQL's lexer does), so `a = b NOT LIKE c`
** groups like `a = b LIKE c`.  Comparisons are %left, not %nonassoc: Lemon's
** %nonassoc only stops the shift and then reduces, so it would quietly mean
** %left anyway; `a = b = c` is `(a = b) = c`, as in SQLite. */
%left OR.
%left AND.
%right NOT.
%left IS.
%left EQ NE LT LE GT GE.
%left BETWEEN IN LIKE NOT_LA.
%left PLUS MINUS CONCAT.
%left STAR SLASH REM.
%right UMINUS.
%left COLONCOLON.

%fallback ID
  APPEND AVAILABLE COMPLETE CONTINUOUS DESCRIBE DESCRIPTOR DROP EMIT END EXISTS
  EXPLAIN EXTRACT FIRST IF INSERT INTERVAL LAST MATERIALIZED NOW NULLS ONCE
  OVER PARTITION QUERIES SHOW SINK SINKS SOURCE SOURCES TABLES TIMESTAMP
  TRIGGER UPDATE VIEW VIEWS WATERMARK
  MICROSECOND MICROSECONDS MILLISECOND MILLISECONDS SECOND SECONDS
  MINUTE MINUTES HOUR HOURS DAY DAYS WEEK WEEKS.

/************** Types of nonterminals ************************************/
/* Every node is owned by the statement arena (Parse.a) and dies with it, so
** the destructors below, which Lemon runs when it pops a value during error
** recovery or teardown, have nothing to free. */
%type cmd {AstStmt *}
%destructor cmd {(void)p; (void)$$;}
%type select {AstSelect *}
%destructor select {(void)p; (void)$$;}
%type expr {Ast *}
%destructor expr {(void)p; (void)$$;}
%type interval {Ast *}
%destructor interval {(void)p; (void)$$;}
%type func {Ast *}
%destructor func {(void)p; (void)$$;}
%type case_operand {Ast *}
%destructor case_operand {(void)p; (void)$$;}
%type case_else {Ast *}
%destructor case_else {(void)p; (void)$$;}
%type case_whens {AstList *}
%destructor case_whens {(void)p; (void)$$;}
%type exprlist {AstList *}
%destructor exprlist {(void)p; (void)$$;}
%type selcollist {AstList *}
%destructor selcollist {(void)p; (void)$$;}
%type selitem {Ast *}
%destructor selitem {(void)p; (void)$$;}
%type from {Ast *}
%destructor from {(void)p; (void)$$;}
%type fromlist {Ast *}
%destructor fromlist {(void)p; (void)$$;}
%type seltable {Ast *}
%destructor seltable {(void)p; (void)$$;}
%type fromitem {Ast *}
%destructor fromitem {(void)p; (void)$$;}
%type tablefunc {Ast *}
%destructor tablefunc {(void)p; (void)$$;}
%type tfargs {AstList *}
%destructor tfargs {(void)p; (void)$$;}
%type tfarg {Ast *}
%destructor tfarg {(void)p; (void)$$;}
%type where_opt {Ast *}
%destructor where_opt {(void)p; (void)$$;}
%type groupby_opt {AstList *}
%destructor groupby_opt {(void)p; (void)$$;}
%type having_opt {Ast *}
%destructor having_opt {(void)p; (void)$$;}
%type orderby_opt {AstList *}
%destructor orderby_opt {(void)p; (void)$$;}
%type sortlist {AstList *}
%destructor sortlist {(void)p; (void)$$;}
%type sortitem {Ast *}
%destructor sortitem {(void)p; (void)$$;}
%type winpart {AstList *}
%destructor winpart {(void)p; (void)$$;}
%type winorder {AstList *}
%destructor winorder {(void)p; (void)$$;}
%type limit_opt {LimitClause}
%destructor limit_opt {(void)p; (void)$$;}
%type tableelems {TableElems *}
%destructor tableelems {(void)p; (void)$$;}
%type withopts {AstList *}
%destructor withopts {(void)p; (void)$$;}
%type options {AstList *}
%destructor options {(void)p; (void)$$;}
%type option {AstOption *}
%destructor option {(void)p; (void)$$;}
%type optkey {AstOption *}
%destructor optkey {(void)p; (void)$$;}
%type inscols {AstList *}
%destructor inscols {(void)p; (void)$$;}
%type collist {AstList *}
%destructor collist {(void)p; (void)$$;}
%type rows {AstList *}
%destructor rows {(void)p; (void)$$;}

/* Plain values: tokens, flags, enums. */
%type nm {Token}
%type optword {Token}
%type alias_opt {Token}
%type unit {Token}
%type typename {Type}
%type streamopts {StreamOpts}
%type distinct {int}
%type jointype {int}
%type sortorder {int}
%type nullsorder {int}
%type ifnotexists {int}
%type ifexists {int}
%type objtype {int}
%type in_op {int}
%type like_op {int}
%type between_op {int}

/************** Statements ***********************************************/
input ::= cmd(C).                                            { parse_done(p, C); }

cmd(A) ::= select(S).                                        { A = stmt_select(p, S); }
cmd(A) ::= CREATE(K) SOURCE ifnotexists(E) nm(N) LP tableelems(L) RP withopts(W).
                                                             { A = stmt_create_source(p, K, E, N, L, W); }
cmd(A) ::= CREATE(K) TABLE ifnotexists(E) nm(N) LP tableelems(L) RP withopts(W).
                                                             { A = stmt_create_table(p, K, E, N, L, W); }
cmd(A) ::= CREATE(K) TABLE ifnotexists(E) nm(N) AS select(S).
                                                             { A = stmt_create_as(p, K, STMT_CREATE_TABLE_AS, E, N, 0, S); }
cmd(A) ::= CREATE(K) VIEW ifnotexists(E) nm(N) AS select(S). { A = stmt_create_as(p, K, STMT_CREATE_VIEW, E, N, 0, S); }
cmd(A) ::= CREATE(K) MATERIALIZED VIEW ifnotexists(E) nm(N) AS select(S).
                                                             { A = stmt_create_as(p, K, STMT_CREATE_MATVIEW, E, N, 0, S); }
cmd(A) ::= CREATE(K) SINK ifnotexists(E) nm(N) withopts(W) AS select(S).
                                                             { A = stmt_create_as(p, K, STMT_CREATE_SINK, E, N, W, S); }
cmd(A) ::= INSERT(K) INTO nm(N) inscols(C) VALUES rows(R).   { A = stmt_insert_values(p, K, N, C, R); }
cmd(A) ::= INSERT(K) INTO nm(N) inscols(C) select(S).        { A = stmt_insert_select(p, K, N, C, S); }
cmd(A) ::= SHOW(K) SOURCES.                                  { A = stmt_show(p, K, OBJ_SOURCE); }
cmd(A) ::= SHOW(K) TABLES.                                   { A = stmt_show(p, K, OBJ_TABLE); }
cmd(A) ::= SHOW(K) VIEWS.                                    { A = stmt_show(p, K, OBJ_VIEW); }
cmd(A) ::= SHOW(K) MATERIALIZED VIEWS.                       { A = stmt_show(p, K, OBJ_MATVIEW); }
cmd(A) ::= SHOW(K) SINKS.                                    { A = stmt_show(p, K, OBJ_SINK); }
cmd(A) ::= SHOW(K) QUERIES.                                  { A = stmt_show(p, K, OBJ_QUERY); }
cmd(A) ::= DESCRIBE(K) nm(N).                                { A = stmt_describe(p, K, N); }
cmd(A) ::= DESC(K) nm(N).                                    { A = stmt_describe(p, K, N); }
cmd(A) ::= EXPLAIN(K) select(S).                             { A = stmt_explain(p, K, S); }
cmd(A) ::= DROP(K) objtype(T) ifexists(E) nm(N).             { A = stmt_drop(p, K, (ObjectKind)T, E, N); }

ifnotexists(A) ::= .                                         { A = 0; }
ifnotexists(A) ::= IF NOT EXISTS.                            { A = 1; }
ifexists(A) ::= .                                            { A = 0; }
ifexists(A) ::= IF EXISTS.                                   { A = 1; }

objtype(A) ::= SOURCE.                                       { A = OBJ_SOURCE; }
objtype(A) ::= TABLE.                                        { A = OBJ_TABLE; }
objtype(A) ::= VIEW.                                         { A = OBJ_VIEW; }
objtype(A) ::= MATERIALIZED VIEW.                            { A = OBJ_MATVIEW; }
objtype(A) ::= SINK.                                         { A = OBJ_SINK; }

/* Column definitions and the watermark of CREATE SOURCE / CREATE TABLE. */
tableelems(A) ::= nm(N) typename(T).                         { A = elems_column(p, 0, N, T); }
tableelems(A) ::= WATERMARK(K) FOR nm(C) AS expr(E).         { A = elems_watermark(p, 0, K, C, E); }
tableelems(A) ::= tableelems(L) COMMA nm(N) typename(T).     { A = elems_column(p, L, N, T); }
tableelems(A) ::= tableelems(L) COMMA WATERMARK(K) FOR nm(C) AS expr(E).
                                                             { A = elems_watermark(p, L, K, C, E); }

/* Type names are identifiers checked against CONTRACT §2 (type_from_name). */
typename(A) ::= nm(N).                                       { A = type_resolve(p, N, token_none()); }
typename(A) ::= nm(N) LP INTEGER(M) RP.                      { A = type_resolve(p, N, M); }

/* WITH (key = 'value', 'dotted.key' = 'value', a.b = 1, ...) */
withopts(A) ::= .                                            { A = 0; }
withopts(A) ::= WITH LP options(L) RP.                       { A = L; }
options(A) ::= option(O).                                    { A = option_list_add(p, 0, O); }
options(A) ::= options(L) COMMA option(O).                   { A = option_list_add(p, L, O); }
option(A) ::= optkey(K) EQ STRING|INTEGER|FLOAT|ID|TRUE|FALSE(V).
                                                             { A = option_value(p, K, V, @V, false); }
option(A) ::= optkey(K) EQ MINUS INTEGER|FLOAT(V).           { A = option_value(p, K, V, @V, true); }
optkey(A) ::= optword(N).                                    { A = option_key(p, N); }
optkey(A) ::= STRING(S).                                     { A = option_key(p, S); }
optkey(A) ::= optkey(K) DOT optword(N).                      { A = option_key_append(p, K, N); }
/* Option keys are free words: `table = 'x'` (CONTRACT §6), `kafka.group.id = 'g'`. */
optword(A) ::= nm(N).                                        { A = N; }
optword(A) ::= ALL|AND|AS|ASC|BETWEEN|BY|CASE|CAST|CREATE|CROSS|DESC|DISTINCT|ELSE|FOR|FROM|FULL|GROUP|HAVING|IN|INNER|INTO|IS|JOIN|LEFT|LIKE|LIMIT|NOT|OFFSET|ON|OR|ORDER|OUTER|RIGHT|SELECT|TABLE|THEN|VALUES|WHEN|WHERE|WITH(X).
                                                             { A = X; }

/* INSERT INTO t [(a, b)] VALUES (...), (...) */
inscols(A) ::= .                                             { A = 0; }
inscols(A) ::= LP collist(L) RP.                             { A = L; }
collist(A) ::= nm(N).                                        { A = list_add(p, 0, expr_column_ref(p, token_none(), N)); }
collist(A) ::= collist(L) COMMA nm(N).                       { A = list_add(p, L, expr_column_ref(p, token_none(), N)); }
rows(A) ::= LP exprlist(L) RP.                               { A = list_add(p, 0, L); }
rows(A) ::= rows(R) COMMA LP exprlist(L) RP.                 { A = list_add(p, R, L); }

/************** Queries **************************************************/
select(A) ::= SELECT(K) distinct(D) selcollist(L) from(F) where_opt(W) groupby_opt(G) having_opt(H)
              orderby_opt(O) limit_opt(LI) streamopts(SO).   { A = select_new(p, K, D, L, F, W, G, H, O, LI, SO); }

distinct(A) ::= .                                            { A = 0; }
distinct(A) ::= ALL.                                         { A = 0; }
distinct(A) ::= DISTINCT.                                    { A = 1; }

selcollist(A) ::= selitem(X).                                { A = list_add(p, 0, X); }
selcollist(A) ::= selcollist(L) COMMA selitem(X).            { A = list_add(p, L, X); }
selitem(A) ::= expr(E) alias_opt(N).                         { A = select_item(p, E, N); }
selitem(A) ::= STAR(S).                                      { A = select_star(p, token_none(), S); }
selitem(A) ::= nm(Q) DOT STAR(S).                            { A = select_star(p, Q, S); }

alias_opt(A) ::= .                                           { A = token_none(); }
alias_opt(A) ::= AS nm(N).                                   { A = N; }
alias_opt(A) ::= nm(N).                                      { A = N; }

nm(A) ::= ID(X).                                             { A = X; }

where_opt(A) ::= .                                           { A = 0; }
where_opt(A) ::= WHERE expr(E).                              { A = E; }
groupby_opt(A) ::= .                                         { A = 0; }
groupby_opt(A) ::= GROUP BY exprlist(L).                     { A = L; }
having_opt(A) ::= .                                          { A = 0; }
having_opt(A) ::= HAVING expr(E).                            { A = E; }
orderby_opt(A) ::= .                                         { A = 0; }
orderby_opt(A) ::= ORDER BY sortlist(L).                     { A = L; }

sortlist(A) ::= sortitem(X).                                 { A = list_add(p, 0, X); }
sortlist(A) ::= sortlist(L) COMMA sortitem(X).               { A = list_add(p, L, X); }
sortitem(A) ::= expr(E) sortorder(D) nullsorder(N).          { A = order_item(p, E, D, N); }
sortorder(A) ::= .                                           { A = 0; }
sortorder(A) ::= ASC.                                        { A = 0; }
sortorder(A) ::= DESC.                                       { A = 1; }
nullsorder(A) ::= .                                          { A = -1; }
nullsorder(A) ::= NULLS FIRST.                               { A = 1; }
nullsorder(A) ::= NULLS LAST.                                { A = 0; }

limit_opt(A) ::= .                                           { A = limit_clause(0, 0); }
limit_opt(A) ::= LIMIT expr(X).                              { A = limit_clause(X, 0); }
limit_opt(A) ::= LIMIT expr(X) OFFSET expr(Y).               { A = limit_clause(X, Y); }
limit_opt(A) ::= OFFSET expr(Y).                             { A = limit_clause(0, Y); }

/* EMIT and TRIGGER, in either order (stream_* refuse duplicates). */
streamopts(A) ::= .                                          { A = stream_none(); }
streamopts(A) ::= streamopts(S) EMIT(K) APPEND|UPDATE|COMPLETE(M).
                                                             { A = stream_emit(p, S, K, @M); }
streamopts(A) ::= streamopts(S) TRIGGER(K) interval(I).      { A = stream_trigger(p, S, K, TRIGGER_INTERVAL, I); }
streamopts(A) ::= streamopts(S) TRIGGER(K) ONCE.             { A = stream_trigger(p, S, K, TRIGGER_ONCE, 0); }
streamopts(A) ::= streamopts(S) TRIGGER(K) AVAILABLE NOW.    { A = stream_trigger(p, S, K, TRIGGER_AVAILABLE_NOW, 0); }
streamopts(A) ::= streamopts(S) TRIGGER(K) CONTINUOUS.       { A = stream_trigger(p, S, K, TRIGGER_CONTINUOUS, 0); }

/************** FROM *****************************************************/
/* Commas bind looser than JOIN: `a, b JOIN c ON ...` is a × (b ⋈ c). */
from(A) ::= .                                                { A = 0; }
from(A) ::= FROM fromlist(X).                                { A = X; }
fromlist(A) ::= seltable(X).                                 { A = X; }
fromlist(A) ::= fromlist(L) COMMA seltable(R).               { A = from_join(p, L, JOIN_CROSS, R, 0); }
seltable(A) ::= fromitem(X).                                 { A = X; }
seltable(A) ::= seltable(L) jointype(J) JOIN fromitem(R) ON expr(E).
                                                             { A = from_join(p, L, J, R, E); }
seltable(A) ::= seltable(L) CROSS JOIN fromitem(R).          { A = from_join(p, L, JOIN_CROSS, R, 0); }

jointype(A) ::= .                                            { A = JOIN_INNER; }
jointype(A) ::= INNER.                                       { A = JOIN_INNER; }
jointype(A) ::= LEFT.                                        { A = JOIN_LEFT; }
jointype(A) ::= LEFT OUTER.                                  { A = JOIN_LEFT; }
jointype(A) ::= RIGHT.                                       { A = JOIN_RIGHT; }
jointype(A) ::= RIGHT OUTER.                                 { A = JOIN_RIGHT; }
jointype(A) ::= FULL.                                        { A = JOIN_FULL; }
jointype(A) ::= FULL OUTER.                                  { A = JOIN_FULL; }

fromitem(A) ::= nm(N) alias_opt(X).                          { A = from_table(p, N, X); }
fromitem(A) ::= LP(L) select(S) RP alias_opt(X).             { A = from_derived(p, L, S, X); }
fromitem(A) ::= tablefunc(T) alias_opt(X).                   { A = from_with_alias(p, T, X); }
fromitem(A) ::= TABLE LP tablefunc(T) RP alias_opt(X).       { A = from_with_alias(p, T, X); }

/* TUMBLE(src, ts, size), HOP(...), SESSION(src PARTITION BY k, ts, gap),
** generate_series(a, b), and the Flink arguments TABLE src, DESCRIPTOR(ts). */
tablefunc(A) ::= nm(N) LP RP.                                { A = from_table_func(p, N, list_empty(p), 0); }
tablefunc(A) ::= nm(N) LP tfargs(L) RP.                      { A = from_table_func(p, N, L, 0); }
tablefunc(A) ::= nm(N) LP tfarg(X) PARTITION BY tfargs(L) RP.
                                                             { A = from_table_func(p, N, list_add(p, 0, X), L); }
tfargs(A) ::= tfarg(X).                                      { A = list_add(p, 0, X); }
tfargs(A) ::= tfargs(L) COMMA tfarg(X).                      { A = list_add(p, L, X); }
tfarg(A) ::= expr(E).                                        { A = E; }
tfarg(A) ::= TABLE(K) nm(N).                                 { A = tf_table_arg(p, K, N); }
tfarg(A) ::= DESCRIPTOR(K) LP nm(N) RP.                      { A = tf_descriptor_arg(p, K, N); }

/************** Expressions **********************************************/
expr(A) ::= INTEGER(T).                                      { A = expr_int(p, T); }
expr(A) ::= FLOAT(T).                                        { A = expr_float(p, T); }
expr(A) ::= STRING(T).                                       { A = expr_string(p, T); }
expr(A) ::= TRUE(T).                                         { A = expr_bool(p, T, true); }
expr(A) ::= FALSE(T).                                        { A = expr_bool(p, T, false); }
expr(A) ::= NULL(T).                                         { A = expr_null(p, T); }
expr(A) ::= interval(I).                                     { A = I; }
expr(A) ::= TIMESTAMP(K) STRING(S).                          { A = expr_timestamp(p, K, S); }

interval(A) ::= INTERVAL(K) STRING(S).                       { A = expr_interval(p, K, S, token_none()); }
interval(A) ::= INTERVAL(K) STRING(S) unit(U).               { A = expr_interval(p, K, S, U); }
unit(A) ::= MICROSECOND|MICROSECONDS|MILLISECOND|MILLISECONDS|SECOND|SECONDS|MINUTE|MINUTES(U).
                                                             { A = U; }
unit(A) ::= HOUR|HOURS|DAY|DAYS|WEEK|WEEKS(U).               { A = U; }

expr(A) ::= nm(N).                                           { A = expr_column_ref(p, token_none(), N); }
expr(A) ::= nm(Q) DOT nm(N).                                 { A = expr_column_ref(p, Q, N); }
expr(A) ::= LP expr(E) RP.                                   { A = E; }
expr(A) ::= LP(L) select(S) RP.                              { A = expr_subquery(p, L, S); }

expr(A) ::= MINUS(O) expr(E). [UMINUS]                       { A = expr_unary(p, O, @O, E); }
expr(A) ::= PLUS(O) expr(E). [UMINUS]                        { A = expr_unary(p, O, @O, E); }
expr(A) ::= NOT(O) expr(E).                                  { A = expr_unary(p, O, @O, E); }
expr(A) ::= expr(X) OR(O) expr(Y).                           { A = expr_binary(p, X, @O, Y); }
expr(A) ::= expr(X) AND(O) expr(Y).                          { A = expr_binary(p, X, @O, Y); }
expr(A) ::= expr(X) EQ|NE|LT|LE|GT|GE(O) expr(Y).            { A = expr_binary(p, X, @O, Y); }
expr(A) ::= expr(X) PLUS|MINUS|CONCAT(O) expr(Y).            { A = expr_binary(p, X, @O, Y); }
expr(A) ::= expr(X) STAR|SLASH|REM(O) expr(Y).               { A = expr_binary(p, X, @O, Y); }

expr(A) ::= expr(E) IS NULL.                                 { A = expr_is_null(p, E, false); }
expr(A) ::= expr(E) IS NOT NULL.                             { A = expr_is_null(p, E, true); }

between_op(A) ::= BETWEEN.                                   { A = 0; }
between_op(A) ::= NOT_LA BETWEEN.                            { A = 1; }
expr(A) ::= expr(E) between_op(N) expr(X) AND expr(Y). [BETWEEN]
                                                             { A = expr_between(p, E, N, X, Y); }
in_op(A) ::= IN.                                             { A = 0; }
in_op(A) ::= NOT_LA IN.                                      { A = 1; }
expr(A) ::= expr(E) in_op(N) LP exprlist(L) RP. [IN]         { A = expr_in(p, E, N, L); }
expr(A) ::= expr(E) in_op(N) LP(L) select(S) RP. [IN]        { A = expr_in_select(p, E, N, L, S); }
like_op(A) ::= LIKE.                                         { A = 0; }
like_op(A) ::= NOT_LA LIKE.                                  { A = 1; }
expr(A) ::= expr(E) like_op(N) expr(X). [LIKE]               { A = expr_like(p, E, N, X); }

expr(A) ::= CASE(K) case_operand(X) case_whens(L) case_else(Y) END.
                                                             { A = expr_case(p, K, X, L, Y); }
case_operand(A) ::= .                                        { A = 0; }
case_operand(A) ::= expr(E).                                 { A = E; }
case_whens(A) ::= WHEN expr(W) THEN expr(T).                 { A = case_when(p, 0, W, T); }
case_whens(A) ::= case_whens(L) WHEN expr(W) THEN expr(T).   { A = case_when(p, L, W, T); }
case_else(A) ::= .                                           { A = 0; }
case_else(A) ::= ELSE expr(E).                               { A = E; }

expr(A) ::= CAST(K) LP expr(E) AS typename(T) RP.            { A = expr_cast(p, K, E, T); }
expr(A) ::= expr(E) COLONCOLON typename(T).                  { A = expr_cast(p, token_none(), E, T); }

expr(A) ::= EXTRACT(K) LP nm(F) FROM expr(E) RP.             { A = expr_extract(p, K, F, E); }
expr(A) ::= EXTRACT(K) LP STRING(F) FROM expr(E) RP.         { A = expr_extract(p, K, F, E); }

/* Function calls, aggregates and window functions. */
expr(A) ::= func(F).                                         { A = F; }
expr(A) ::= func(F) OVER(K) LP winpart(P) winorder(O) RP.    { A = expr_over(p, F, K, P, O); }
func(A) ::= nm(N) LP RP.                                     { A = expr_func(p, N, 0, list_empty(p)); }
func(A) ::= nm(N) LP STAR(S) RP.                             { A = expr_func_star(p, N, S); }
func(A) ::= nm(N) LP distinct(D) exprlist(L) RP.             { A = expr_func(p, N, D, L); }
winpart(A) ::= .                                             { A = 0; }
winpart(A) ::= PARTITION BY exprlist(L).                     { A = L; }
winorder(A) ::= .                                            { A = 0; }
winorder(A) ::= ORDER BY sortlist(L).                        { A = L; }

exprlist(A) ::= expr(E).                                     { A = list_add(p, 0, E); }
exprlist(A) ::= exprlist(L) COMMA expr(E).                   { A = list_add(p, L, E); }

/************** Helpers for the driver and ast_to_sql ********************/
%code {

/* The engine's size, for parse_next() to allocate it. */
size_t parser_engine_size(void) { return sizeof(yyParser); }

/* Is keyword token `tk` in the %fallback ID list (usable as a name)? */
bool parser_keyword_is_nonreserved(int tk) {
    return tk > 0 && tk < (int)(sizeof yyFallback / sizeof yyFallback[0]) && yyFallback[tk] == TK_ID;
}

}
