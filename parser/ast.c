/*
** AST construction: the functions the grammar's actions call, one per
** construct, plus the arena-backed node lists.
**
** Each constructor decodes the tokens it is given (identifiers lower-cased
** or unquoted, strings unescaped, numbers, intervals, type names), fills a
** node allocated in the statement arena and checks what can be checked
** without a catalog (duplicate columns or options, repeated EMIT/TRIGGER,
** the shape of SESSION's arguments, tree depth).  A failed check records the
** first error in Parse.err, sets Parse.failed, and still returns a usable
** node, so later actions in the same parser step never see NULL where they
** expect a node; the driver stops feeding tokens once `failed` is set.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "parser_int.h"

/* ------------------------------------------------------------ lists */

AstList *ast_list_new(Arena *a) { return ARENA_NEW(a, AstList); }

/* Append; the items array doubles in the arena (the old one is abandoned to it). */
AstList *ast_list_add(Arena *a, AstList *l, void *item) {
    if (!l) l = ast_list_new(a);
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        void **items = ARENA_ARRAY(a, void *, cap);
        if (l->n) memcpy(items, l->items, sizeof(void *) * (size_t)l->n);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = item;
    return l;
}

AstList *list_add(Parse *p, AstList *l, void *item) { return ast_list_add(p->a, l, item); }
AstList *list_empty(Parse *p) { return ast_list_new(p->a); }

/* ------------------------------------------------------------ errors */

/* Record an error at a byte offset; every constructor error goes through here. */
__attribute__((format(printf, 3, 4))) static void fail(Parse *p, int pos, const char *fmt, ...) {
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_at(p->err, pos, "%s", msg);
    p->failed = true;
}

void parse_syntax_error(Parse *p, Token t) {
    if (t.n == 0)
        err_syntax(p->err, t.pos, "syntax error at end of input");
    else
        err_syntax(p->err, t.pos, "syntax error at or near \"%.*s\"", t.n, p->text + t.pos);
    p->failed = true;
}

void parse_stack_overflow(Parse *p) {
    err_syntax(p->err, p->tok_pos, "statement is too deeply nested");
    p->failed = true;
}

void parse_done(Parse *p, AstStmt *s) { p->stmt = s; }

/* ------------------------------------------------------------ token text */

/* An identifier token as a name: quoted ("x" or `x`) kept as written with the
** doubled quote undone, otherwise lower-cased (ASCII letters only, so UTF-8
** names pass through). */
static char *ident(Parse *p, Token t) {
    const char *z = p->text + t.pos;
    if (z[0] == '"' || z[0] == '`') {
        char q = z[0];
        char *out = arena_alloc(p->a, (size_t)t.n);
        int j = 0;
        for (int i = 1; i < t.n - 1; i++) {
            out[j++] = z[i];
            if (z[i] == q) i++;
        }
        out[j] = 0;
        if (j == 0) fail(p, t.pos, "zero-length quoted identifier");
        return out;
    }
    char *out = arena_strndup(p->a, z, (size_t)t.n);
    for (int i = 0; i < t.n; i++)
        if (out[i] >= 'A' && out[i] <= 'Z') out[i] = (char)(out[i] - 'A' + 'a');
    return out;
}

/* A string literal token's value: quotes removed, '' -> '. */
static char *string_value(Parse *p, Token t) {
    const char *z = p->text + t.pos;
    char *out = arena_alloc(p->a, (size_t)t.n);
    int j = 0;
    for (int i = 1; i < t.n - 1; i++) {
        out[j++] = z[i];
        if (z[i] == '\'') i++;
    }
    out[j] = 0;
    return out;
}

/* A token that may be either a string or a name (EXTRACT's field, option keys). */
static char *string_or_ident(Parse *p, Token t) {
    return p->text[t.pos] == '\'' ? string_value(p, t) : ident(p, t);
}

static char *lower_copy(Arena *a, const char *s) {
    char *out = arena_strdup(a, s);
    for (char *c = out; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    return out;
}

/* ------------------------------------------------------------ nodes */

static Ast *node(Parse *p, AstKind kind, int pos) {
    Ast *e = ARENA_NEW(p->a, Ast);
    e->kind = kind;
    e->pos = pos;
    e->nulls_first = -1;
    e->height = 1;
    return e;
}

static int height_of(const Ast *e) { return e ? e->height : 0; }

static int list_height(const AstList *l) {
    int h = 0;
    for (int i = 0; l && i < l->n; i++)
        if (height_of(l->items[i]) > h) h = height_of(l->items[i]);
    return h;
}

/*
** Set e->height from its children (a subquery's from its query) and refuse
** trees deeper than AST_MAX_DEPTH.  Left-recursive rules (a + b + c ...,
** t1 JOIN t2 JOIN ...) build deep trees without deepening Lemon's stack, and
** subqueries stack such trees, so this is the only bound on how far the
** binder, the optimizer and ast_to_sql() recurse.
*/
static Ast *finish(Parse *p, Ast *e) {
    int h = height_of(e->left);
    if (height_of(e->right) > h) h = height_of(e->right);
    if (height_of(e->on) > h) h = height_of(e->on);
    if (height_of(e->over) > h) h = height_of(e->over);
    if (list_height(e->list) > h) h = list_height(e->list);
    if (list_height(e->partition) > h) h = list_height(e->partition);
    if (list_height(e->order) > h) h = list_height(e->order);
    if (e->select && e->select->height > h) h = e->select->height;
    e->height = h + 1;
    if (e->height > AST_MAX_DEPTH) {
        fail(p, e->pos, "expression is too deeply nested (more than %d levels)", AST_MAX_DEPTH);
        e->height = AST_MAX_DEPTH; /* report once, not at every enclosing node */
    }
    return e;
}

/* EMIT and TRIGGER belong to the outermost query only. */
static void check_not_streaming(Parse *p, const AstSelect *q) {
    if (q->emit != EMIT_DEFAULT) fail(p, q->emit_pos, "EMIT is only allowed on the outermost query");
    if (q->trigger != TRIGGER_DEFAULT) fail(p, q->trigger_pos, "TRIGGER is only allowed on the outermost query");
}

/* ------------------------------------------------------------ literals */

/* An integer that does not fit 64 bits becomes a DOUBLE, as in PostgreSQL
** (there: NUMERIC). */
Ast *expr_int(Parse *p, Token t) {
    int64_t v;
    if (parse_int64(p->text + t.pos, (size_t)t.n, &v)) {
        Ast *e = node(p, AST_INT, t.pos);
        e->ival = v;
        return e;
    }
    return expr_float(p, t);
}

Ast *expr_float(Parse *p, Token t) {
    Ast *e = node(p, AST_FLOAT, t.pos);
    if (!parse_double(p->text + t.pos, (size_t)t.n, &e->dval))
        fail(p, t.pos, "number \"%.*s\" is out of range", t.n, p->text + t.pos);
    return e;
}

Ast *expr_string(Parse *p, Token t) {
    Ast *e = node(p, AST_STRING, t.pos);
    e->str = string_value(p, t);
    return e;
}

Ast *expr_bool(Parse *p, Token t, bool v) {
    Ast *e = node(p, AST_BOOL, t.pos);
    e->ival = v;
    return e;
}

Ast *expr_null(Parse *p, Token t) { return node(p, AST_NULL, t.pos); }

/* INTERVAL '10' SECOND, INTERVAL '1 hour': the value in microseconds, and the
** literal normalized as `'10' second` for ast_to_sql(). */
Ast *expr_interval(Parse *p, Token kw, Token str, Token unit) {
    Ast *e = node(p, AST_INTERVAL, kw.pos);
    const char *text = string_value(p, str);
    const char *u = unit.n ? ident(p, unit) : NULL;
    if (!interval_parse(text, strlen(text), u, &e->ival))
        fail(p, str.pos, "invalid interval \"%s%s%s\"", text, u ? " " : "", u ? u : "");
    e->str = arena_printf(p->a, "%.*s%s%s", str.n, p->text + str.pos, u ? " " : "", u ? u : "");
    return e;
}

Ast *expr_timestamp(Parse *p, Token kw, Token str) {
    Ast *e = node(p, AST_TIMESTAMP, kw.pos);
    e->str = string_value(p, str);
    if (!ts_parse(e->str, strlen(e->str), &e->ival)) fail(p, str.pos, "invalid timestamp \"%s\"", e->str);
    return e;
}

/* ------------------------------------------------------------ names */

Ast *expr_column_ref(Parse *p, Token qualifier, Token name) {
    Ast *e = node(p, AST_COLUMN, qualifier.n ? qualifier.pos : name.pos);
    e->qualifier = qualifier.n ? ident(p, qualifier) : NULL;
    e->name = ident(p, name);
    return e;
}

Ast *expr_subquery(Parse *p, Token lp, AstSelect *q) {
    Ast *e = node(p, AST_SUBQUERY, lp.pos);
    e->select = q;
    check_not_streaming(p, q);
    return finish(p, e);
}

/* ------------------------------------------------------------ operators */

static AstOp op_of_token(int tk) {
    switch (tk) {
    case TK_PLUS: return OP_ADD;
    case TK_MINUS: return OP_SUB;
    case TK_STAR: return OP_MUL;
    case TK_SLASH: return OP_DIV;
    case TK_REM: return OP_MOD;
    case TK_EQ: return OP_EQ;
    case TK_NE: return OP_NE;
    case TK_LT: return OP_LT;
    case TK_LE: return OP_LE;
    case TK_GT: return OP_GT;
    case TK_GE: return OP_GE;
    case TK_AND: return OP_AND;
    case TK_OR: return OP_OR;
    case TK_CONCAT: return OP_CONCAT;
    default: return OP_NONE;
    }
}

Ast *expr_unary(Parse *p, Token op, int op_token, Ast *x) {
    Ast *e = node(p, AST_UNARY, op.pos);
    e->op = op_token == TK_MINUS ? OP_NEG : op_token == TK_PLUS ? OP_PLUS : OP_NOT;
    e->left = x;
    return finish(p, e);
}

Ast *expr_binary(Parse *p, Ast *l, int op_token, Ast *r) {
    Ast *e = node(p, AST_BINARY, l->pos);
    e->op = op_of_token(op_token);
    e->left = l;
    e->right = r;
    return finish(p, e);
}

Ast *expr_is_null(Parse *p, Ast *x, bool negated) {
    Ast *e = node(p, AST_IS_NULL, x->pos);
    e->left = x;
    e->negated = negated;
    return finish(p, e);
}

Ast *expr_between(Parse *p, Ast *x, bool negated, Ast *lo, Ast *hi) {
    Ast *e = node(p, AST_BETWEEN, x->pos);
    e->left = x;
    e->negated = negated;
    e->list = list_add(p, list_add(p, NULL, lo), hi);
    return finish(p, e);
}

Ast *expr_in(Parse *p, Ast *x, bool negated, AstList *list) {
    Ast *e = node(p, AST_IN, x->pos);
    e->left = x;
    e->negated = negated;
    e->list = list;
    return finish(p, e);
}

/* x IN (SELECT ...): the list holds the one AST_SUBQUERY. */
Ast *expr_in_select(Parse *p, Ast *x, bool negated, Token lp, AstSelect *q) {
    return expr_in(p, x, negated, list_add(p, NULL, expr_subquery(p, lp, q)));
}

Ast *expr_like(Parse *p, Ast *x, bool negated, Ast *pattern) {
    Ast *e = node(p, AST_LIKE, x->pos);
    e->left = x;
    e->negated = negated;
    e->right = pattern;
    return finish(p, e);
}

Ast *expr_case(Parse *p, Token kw, Ast *operand, AstList *whens, Ast *else_) {
    Ast *e = node(p, AST_CASE, kw.pos);
    e->left = operand;
    e->list = whens;
    e->right = else_;
    return finish(p, e);
}

AstList *case_when(Parse *p, AstList *l, Ast *when, Ast *then) { return list_add(p, list_add(p, l, when), then); }

Ast *expr_cast(Parse *p, Token kw, Ast *x, Type t) {
    Ast *e = node(p, AST_CAST, kw.n ? kw.pos : x->pos);
    e->left = x;
    e->cast_type = t;
    return finish(p, e);
}

/*
** A type name of CONTRACT §2, optionally with a modifier: VARCHAR(n) and
** TIMESTAMP(p) (Flink's spelling) are accepted and the modifier ignored.
** An unknown name records `type "foo" does not exist` and gives TYPE_NULL.
*/
Type type_resolve(Parse *p, Token name, Token modifier) {
    Type t;
    const char *s = ident(p, name);
    if (!type_from_name(s, strlen(s), &t)) {
        fail(p, name.pos, "type \"%s\" does not exist", s);
        return TYPE_NULL;
    }
    if (modifier.n && t != TYPE_TEXT && t != TYPE_TIMESTAMP) {
        fail(p, modifier.pos, "type modifier is not allowed for type \"%s\"", s);
        return t;
    }
    return t;
}

/* ------------------------------------------------------------ functions */

Ast *expr_func(Parse *p, Token name, int distinct, AstList *args) {
    Ast *e = node(p, AST_FUNC, name.pos);
    e->name = ident(p, name);
    e->distinct = distinct != 0;
    e->list = args;
    return finish(p, e);
}

/* COUNT(*): star set, and the argument list holds one AST_STAR. */
Ast *expr_func_star(Parse *p, Token name, Token star) {
    Ast *e = node(p, AST_FUNC, name.pos);
    e->name = ident(p, name);
    e->star = true;
    e->list = list_add(p, NULL, node(p, AST_STAR, star.pos));
    return finish(p, e);
}

Ast *expr_over(Parse *p, Ast *func, Token kw, AstList *partition, AstList *order) {
    Ast *w = node(p, AST_WINDOW_SPEC, kw.pos);
    w->list = partition;
    w->order = order;
    func->over = finish(p, w);
    return finish(p, func);
}

/* EXTRACT(field FROM x) is the function extract('field', x), field lower-cased. */
Ast *expr_extract(Parse *p, Token kw, Token field, Ast *x) {
    Ast *f = node(p, AST_STRING, field.pos);
    f->str = lower_copy(p->a, string_or_ident(p, field));
    Ast *e = node(p, AST_FUNC, kw.pos);
    e->name = "extract";
    e->list = list_add(p, list_add(p, NULL, f), x);
    return finish(p, e);
}

/* ------------------------------------------------------------ select */

Ast *select_item(Parse *p, Ast *x, Token alias) {
    Ast *e = node(p, AST_SELECT_ITEM, x->pos);
    e->left = x;
    e->name = alias.n ? ident(p, alias) : NULL;
    return finish(p, e);
}

Ast *select_star(Parse *p, Token qualifier, Token star) {
    Ast *e = node(p, AST_STAR, qualifier.n ? qualifier.pos : star.pos);
    e->qualifier = qualifier.n ? ident(p, qualifier) : NULL;
    return e;
}

Ast *order_item(Parse *p, Ast *x, int desc, int nulls_first) {
    Ast *e = node(p, AST_ORDER_ITEM, x->pos);
    e->left = x;
    e->desc = desc != 0;
    e->nulls_first = nulls_first;
    return finish(p, e);
}

AstSelect *select_new(Parse *p, Token kw, int distinct, AstList *items, Ast *from, Ast *where, AstList *group_by,
                      Ast *having, AstList *order_by, LimitClause limit, StreamOpts so) {
    AstSelect *q = ARENA_NEW(p->a, AstSelect);
    q->pos = kw.pos;
    q->distinct = distinct != 0;
    q->items = items;
    q->from = from;
    q->where = where;
    q->group_by = group_by;
    q->having = having;
    q->order_by = order_by;
    q->limit = limit.limit;
    q->offset = limit.offset;
    q->emit = so.emit;
    q->emit_pos = so.emit_pos;
    q->trigger = so.trigger;
    q->trigger_interval_us = so.interval_us;
    q->trigger_pos = so.trigger_pos;
    int h = list_height(items);
    if (height_of(from) > h) h = height_of(from);
    if (height_of(where) > h) h = height_of(where);
    if (list_height(group_by) > h) h = list_height(group_by);
    if (height_of(having) > h) h = height_of(having);
    if (list_height(order_by) > h) h = list_height(order_by);
    if (height_of(limit.limit) > h) h = height_of(limit.limit);
    if (height_of(limit.offset) > h) h = height_of(limit.offset);
    q->height = h;
    return q;
}

StreamOpts stream_emit(Parse *p, StreamOpts so, Token kw, int mode_token) {
    if (so.emit != EMIT_DEFAULT) fail(p, kw.pos, "EMIT specified more than once");
    so.emit = mode_token == TK_APPEND ? EMIT_APPEND : mode_token == TK_UPDATE ? EMIT_UPDATE : EMIT_COMPLETE;
    so.emit_pos = kw.pos;
    return so;
}

StreamOpts stream_trigger(Parse *p, StreamOpts so, Token kw, TriggerKind kind, Ast *interval) {
    if (so.trigger != TRIGGER_DEFAULT) fail(p, kw.pos, "TRIGGER specified more than once");
    so.trigger = kind;
    so.trigger_pos = kw.pos;
    so.interval_us = interval ? interval->ival : 0;
    if (interval && interval->ival <= 0) fail(p, interval->pos, "trigger interval must be positive");
    return so;
}

/* ------------------------------------------------------------ FROM */

Ast *from_table(Parse *p, Token name, Token alias) {
    Ast *e = node(p, AST_TABLE, name.pos);
    e->name = ident(p, name);
    e->alias = alias.n ? ident(p, alias) : NULL;
    return e;
}

Ast *from_derived(Parse *p, Token lp, AstSelect *q, Token alias) {
    Ast *e = node(p, AST_DERIVED, lp.pos);
    e->select = q;
    e->alias = alias.n ? ident(p, alias) : NULL;
    check_not_streaming(p, q);
    return finish(p, e);
}

Ast *from_with_alias(Parse *p, Ast *item, Token alias) {
    if (alias.n) item->alias = ident(p, alias);
    return item;
}

static bool is_window_function(const char *name) {
    return strcmp(name, "tumble") == 0 || strcmp(name, "hop") == 0 || strcmp(name, "session") == 0;
}

/*
** A table function in FROM.  Both spellings of the window functions give one
** tree: the source argument becomes an AST_TABLE (written `src` or
** `TABLE src`) or an AST_DERIVED (a parenthesized query), the time column an
** AST_COLUMN (written `ts` or `DESCRIPTOR(ts)`).  With PARTITION BY (SESSION),
** `tail` holds what follows it: the keys, then the time column and the gap,
** which the grammar cannot tell apart; the last two go back to the arguments.
*/
Ast *from_table_func(Parse *p, Token name, AstList *args, AstList *tail) {
    Ast *e = node(p, AST_TABLE_FUNC, name.pos);
    e->name = ident(p, name);
    e->list = args;
    if (tail) {
        if (tail->n < 3) {
            fail(p, name.pos, "%s(source PARTITION BY keys, time_column, gap) needs at least one key", e->name);
        } else {
            e->partition = ast_list_new(p->a);
            for (int i = 0; i < tail->n - 2; i++) list_add(p, e->partition, tail->items[i]);
            list_add(p, args, tail->items[tail->n - 2]);
            list_add(p, args, tail->items[tail->n - 1]);
        }
    }
    if (is_window_function(e->name) && args->n > 0) {
        Ast *src = args->items[0];
        if (src->kind == AST_COLUMN && !src->qualifier) {
            src->kind = AST_TABLE;
        } else if (src->kind == AST_SUBQUERY) {
            src->kind = AST_DERIVED;
        }
    }
    return finish(p, e);
}

/* Flink's `TABLE src` argument. */
Ast *tf_table_arg(Parse *p, Token kw, Token name) {
    Ast *e = node(p, AST_TABLE, kw.pos);
    e->name = ident(p, name);
    return e;
}

/* Flink's `DESCRIPTOR(ts)` argument: the column, positioned at its name. */
Ast *tf_descriptor_arg(Parse *p, Token kw, Token name) {
    (void)kw;
    return expr_column_ref(p, token_none(), name);
}

Ast *from_join(Parse *p, Ast *l, int join_type, Ast *r, Ast *on) {
    Ast *e = node(p, AST_JOIN, l->pos);
    e->join_type = (JoinType)join_type;
    e->left = l;
    e->right = r;
    e->on = on;
    return finish(p, e);
}

/* ------------------------------------------------------------ CREATE SOURCE / TABLE */

static TableElems *elems_new(Parse *p) {
    TableElems *el = ARENA_NEW(p->a, TableElems);
    el->cols = ast_list_new(p->a);
    el->wm_pos = -1;
    return el;
}

/* PostgreSQL's limit; it also keeps the duplicate checks below cheap. */
#define MAX_COLUMNS 1600
#define MAX_OPTIONS 1000

TableElems *elems_column(Parse *p, TableElems *el, Token name, Type type) {
    if (!el) el = elems_new(p);
    if (el->cols->n >= MAX_COLUMNS) {
        fail(p, name.pos, "tables can have at most %d columns", MAX_COLUMNS);
        return el;
    }
    AstColumnDef *c = ARENA_NEW(p->a, AstColumnDef);
    c->name = ident(p, name);
    c->type = type;
    c->pos = name.pos;
    for (int i = 0; i < el->cols->n; i++) {
        const AstColumnDef *o = el->cols->items[i];
        if (strcmp(o->name, c->name) == 0) fail(p, name.pos, "column \"%s\" specified more than once", c->name);
    }
    list_add(p, el->cols, c);
    return el;
}

TableElems *elems_watermark(Parse *p, TableElems *el, Token kw, Token col, Ast *e) {
    if (!el) el = elems_new(p);
    if (el->wm_pos >= 0) fail(p, kw.pos, "WATERMARK specified more than once");
    el->wm_column = ident(p, col);
    el->wm_expr = e;
    el->wm_pos = kw.pos;
    return el;
}

/* Copy the accumulated columns and watermark into the statement; the
** watermark must name a TIMESTAMP column declared in the same statement. */
static void stmt_set_elems(Parse *p, AstStmt *s, TableElems *el) {
    s->ncolumns = el->cols->n;
    s->columns = ARENA_ARRAY(p->a, AstColumnDef, el->cols->n);
    for (int i = 0; i < el->cols->n; i++) s->columns[i] = *(AstColumnDef *)el->cols->items[i];
    s->watermark_column = el->wm_column;
    s->watermark_expr = el->wm_expr;
    s->watermark_pos = el->wm_pos;
    if (el->wm_pos < 0) return;
    for (int i = 0; i < s->ncolumns; i++) {
        if (strcmp(s->columns[i].name, el->wm_column) == 0) {
            if (s->columns[i].type != TYPE_TIMESTAMP)
                fail(p, el->wm_pos, "WATERMARK column \"%s\" must be TIMESTAMP, not %s", el->wm_column,
                     type_name(s->columns[i].type));
            return;
        }
    }
    fail(p, el->wm_pos, "WATERMARK column \"%s\" is not a column of \"%s\"", el->wm_column, s->name);
}

/* ------------------------------------------------------------ WITH options */

AstOption *option_key(Parse *p, Token key) {
    AstOption *o = ARENA_NEW(p->a, AstOption);
    o->key = string_or_ident(p, key);
    o->pos = key.pos;
    return o;
}

AstOption *option_key_append(Parse *p, AstOption *o, Token part) {
    o->key = arena_printf(p->a, "%s.%s", o->key, ident(p, part));
    return o;
}

/* Option values are strings: 'text' unescaped, numbers as written (with a
** leading '-' when negative), bare words and TRUE/FALSE lower-cased. */
AstOption *option_value(Parse *p, AstOption *o, Token value, int value_token, bool negative) {
    if (value_token == TK_STRING)
        o->value = string_value(p, value);
    else if (value_token == TK_INTEGER || value_token == TK_FLOAT)
        o->value = arena_printf(p->a, "%s%.*s", negative ? "-" : "", value.n, p->text + value.pos);
    else
        o->value = ident(p, value);
    return o;
}

AstList *option_list_add(Parse *p, AstList *l, AstOption *o) {
    if (l && l->n >= MAX_OPTIONS) {
        fail(p, o->pos, "too many options (at most %d)", MAX_OPTIONS);
        return l;
    }
    for (int i = 0; l && i < l->n; i++) {
        const AstOption *x = l->items[i];
        if (strcmp(x->key, o->key) == 0) fail(p, o->pos, "option \"%s\" specified more than once", o->key);
    }
    return list_add(p, l, o);
}

static void stmt_set_options(Parse *p, AstStmt *s, AstList *opts) {
    if (!opts) return;
    s->noptions = opts->n;
    s->options = ARENA_ARRAY(p->a, AstOption, opts->n);
    for (int i = 0; i < opts->n; i++) s->options[i] = *(AstOption *)opts->items[i];
}

/* ------------------------------------------------------------ statements */

static AstStmt *stmt_new(Parse *p, StmtKind kind, Token kw) {
    AstStmt *s = ARENA_NEW(p->a, AstStmt);
    s->kind = kind;
    s->pos = kw.pos;
    s->watermark_pos = -1;
    return s;
}

static void stmt_set_name(Parse *p, AstStmt *s, Token name) {
    s->name = ident(p, name);
    s->name_pos = name.pos;
}

AstStmt *stmt_select(Parse *p, AstSelect *q) {
    Token kw = {q->pos, 0};
    AstStmt *s = stmt_new(p, STMT_SELECT, kw);
    s->query = q;
    return s;
}

AstStmt *stmt_create_source(Parse *p, Token kw, bool ifne, Token name, TableElems *el, AstList *opts) {
    AstStmt *s = stmt_new(p, STMT_CREATE_SOURCE, kw);
    s->if_not_exists = ifne;
    stmt_set_name(p, s, name);
    stmt_set_elems(p, s, el);
    stmt_set_options(p, s, opts);
    return s;
}

AstStmt *stmt_create_table(Parse *p, Token kw, bool ifne, Token name, TableElems *el, AstList *opts) {
    AstStmt *s = stmt_new(p, STMT_CREATE_TABLE, kw);
    s->if_not_exists = ifne;
    stmt_set_name(p, s, name);
    if (el->wm_pos >= 0) fail(p, el->wm_pos, "WATERMARK is only allowed in CREATE SOURCE");
    stmt_set_elems(p, s, el);
    stmt_set_options(p, s, opts);
    return s;
}

/* CREATE TABLE ... AS, CREATE [MATERIALIZED] VIEW, CREATE SINK ... WITH (...) AS. */
AstStmt *stmt_create_as(Parse *p, Token kw, StmtKind kind, bool ifne, Token name, AstList *opts, AstSelect *q) {
    AstStmt *s = stmt_new(p, kind, kw);
    s->if_not_exists = ifne;
    stmt_set_name(p, s, name);
    stmt_set_options(p, s, opts);
    s->query = q;
    return s;
}

/* Every VALUES row must have as many expressions as the first. */
AstStmt *stmt_insert_values(Parse *p, Token kw, Token name, AstList *cols, AstList *rows) {
    AstStmt *s = stmt_new(p, STMT_INSERT, kw);
    stmt_set_name(p, s, name);
    s->insert_columns = cols;
    s->rows = rows;
    const AstList *first = rows->items[0];
    for (int i = 1; i < rows->n; i++) {
        const AstList *row = rows->items[i];
        if (row->n != first->n) {
            fail(p, ((const Ast *)row->items[0])->pos, "VALUES lists must all be the same length");
            break;
        }
    }
    return s;
}

AstStmt *stmt_insert_select(Parse *p, Token kw, Token name, AstList *cols, AstSelect *q) {
    AstStmt *s = stmt_new(p, STMT_INSERT, kw);
    stmt_set_name(p, s, name);
    s->insert_columns = cols;
    s->query = q;
    return s;
}

AstStmt *stmt_show(Parse *p, Token kw, ObjectKind what) {
    AstStmt *s = stmt_new(p, STMT_SHOW, kw);
    s->object = what;
    return s;
}

AstStmt *stmt_describe(Parse *p, Token kw, Token name) {
    AstStmt *s = stmt_new(p, STMT_DESCRIBE, kw);
    stmt_set_name(p, s, name);
    return s;
}

AstStmt *stmt_explain(Parse *p, Token kw, AstSelect *q) {
    AstStmt *s = stmt_new(p, STMT_EXPLAIN, kw);
    s->query = q;
    return s;
}

AstStmt *stmt_drop(Parse *p, Token kw, ObjectKind what, bool ifexists, Token name) {
    AstStmt *s = stmt_new(p, STMT_DROP, kw);
    s->object = what;
    s->if_exists = ifexists;
    stmt_set_name(p, s, name);
    return s;
}
