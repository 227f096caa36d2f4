/*
** Binding expressions: AST expression nodes -> typed Expr trees.
**
** Every name is resolved against a Scope (bind.h) into a column position,
** every operator and function call is resolved by name and argument types
** against the function table (func_resolve_args), and the implicit casts
** that resolution asks for are inserted as EXPR_CAST nodes, or folded at
** once when the argument is a constant.  SQL sugar is lowered here, so the
** optimizer and executor see a small language:
**
**   x BETWEEN a AND b      ->  x >= a AND x <= b
**   x NOT LIKE p           ->  NOT (x LIKE p)
**   CASE x WHEN v THEN ...  ->  CASE WHEN x = v THEN ...
**   a AND (b AND c)         ->  one n-ary AND
**
** Literal typing follows PostgreSQL where the contract is silent: a NULL
** literal takes the type its context wants (the other operand, the function
** parameter, the other CASE branches), and a TEXT literal meeting a value
** of another type where no TEXT overload fits takes that type, parsed now:
** `ts > '2024-01-01'` is a timestamp comparison, `ts + '1 hour'` adds an
** INTERVAL, `id = '5'` compares BIGINTs, and a literal that does not parse
** is an error at its position.
**
** Aggregates.  In post mode (ExprCtx.agg set, a grouped query) bind_expr()
** first asks of each subexpression: is it an aggregate call?  Then it is
** bound over the aggregate's input and registered in the AggState.  Does it
** contain no aggregate?  Then it is bound over the input and must either be
** one of the GROUP BY expressions or have no column in it; a bare column
** that is neither is the classic GROUP BY error.  Otherwise the node is
** bound structurally and its children go through the same questions.
** Re-binding subtrees this way is quadratic in the expression depth, which
** SQL written by people keeps small.
**
** Window functions.  ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..) is
** allowed where the caller passes a WinState (select list, ORDER BY): its
** window specification is bound over the same scope (post mode in a grouped
** query) and the call becomes a placeholder column that bind_query.c points
** at the PLAN_ROWNUMBER node it adds.  Elsewhere the error names the clause.
*/
#include "bind.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../exec/expr.h"
#include "../exec/functions.h"

static Arena *A(const Binder *b) { return b->pc->arena; }

static bool is_text_literal(const Expr *e) {
    return e->kind == EXPR_CONST && e->type == TYPE_TEXT && !e->value.null;
}

/* ------------------------------------------------------------------ names */

static bool name_eq(const char *a, const char *b) { return a && b && strcasecmp(a, b) == 0; }

/*
** Resolve [qual.]name in scope s.  A qualifier must name a table of the
** scope; a name must match exactly one of the columns it may mean.
*/
int bind_lookup(Binder *b, const Scope *s, const char *qual, const char *name, int pos) {
    Err *err = b->pc->err;
    if (!name) return err_at(err, pos, "missing column name");
    if (qual) {
        bool table_seen = false;
        for (int i = 0; i < s->n; i++)
            if (name_eq(s->cols[i].qual, qual)) table_seen = true;
        if (!table_seen) return err_at(err, pos, "missing FROM-clause entry for table \"%s\"", qual);
    }
    int found = -1;
    for (int i = 0; i < s->n; i++) {
        if (qual && !name_eq(s->cols[i].qual, qual)) continue;
        if (!name_eq(s->cols[i].name, name)) continue;
        if (found >= 0) {
            if (qual) return err_at(err, pos, "column reference \"%s.%s\" is ambiguous", qual, name);
            return err_at(err, pos, "column reference \"%s\" is ambiguous", name);
        }
        found = i;
    }
    if (found < 0) {
        if (qual) return err_at(err, pos, "column \"%s.%s\" does not exist", qual, name);
        return err_at(err, pos, "column \"%s\" does not exist", name);
    }
    return found;
}

int bind_err_not_grouped(Binder *b, const char *qual, const char *name, int pos) {
    if (qual)
        return err_at(b->pc->err, pos,
                      "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                      qual, name);
    return err_at(b->pc->err, pos,
                  "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name);
}

/* ------------------------------------------------------------------ casts */

Expr *bind_settle_null(Binder *b, Expr *e, Type t) {
    if (e->type != TYPE_NULL) return e;
    Value v = {.type = t, .null = true};
    Expr *c = expr_const(A(b), &v);
    c->pos = e->pos;
    return c;
}

/*
** e as type `to`.  A constant is converted now with value_cast (so the plan
** holds the converted value and a bad literal fails here, at its position);
** anything else gets an EXPR_CAST node.  Whether the cast is allowed is the
** caller's question (implicit rules or cast_check).
*/
int bind_coerce(Binder *b, Expr *e, Type to, Expr **out) {
    if (e->type == to) {
        *out = e;
        return 0;
    }
    if (e->kind == EXPR_CONST) {
        if (e->value.null || e->type == TYPE_NULL) {
            *out = bind_settle_null(b, e, to);
            if ((*out)->type != to) {
                Value v = {.type = to, .null = true};
                *out = expr_const(A(b), &v);
                (*out)->pos = e->pos;
            }
            return 0;
        }
        Err local;
        err_clear(&local);
        Value v;
        if (!value_cast(&e->value, to, &v, A(b), &local)) {
            if (local.set) return err_at(b->pc->err, e->pos, "%s", local.msg);
            return err_at(b->pc->err, e->pos, "cannot cast %s to %s", type_name(e->type), type_name(to));
        }
        v.type = to;
        Expr *c = expr_const(A(b), &v);
        c->pos = e->pos;
        *out = c;
        return 0;
    }
    Expr *c = expr_new(A(b), EXPR_CAST, to, 1);
    c->args[0] = e;
    c->pos = e->pos;
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------ calls */

/* "lower(BIGINT, TEXT)": a call's signature as error messages show it. */
static const char *signature(Binder *b, const char *name, Expr **args, int nargs) {
    size_t cap = strlen(name) + 3 + (size_t)nargs * 12;
    char *s = arena_alloc(A(b), cap);
    size_t n = (size_t)snprintf(s, cap, "%s(", name);
    for (int i = 0; i < nargs && n < cap; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s%s", i ? ", " : "", type_name(args[i]->type));
    if (n < cap) snprintf(s + n, cap - n, ")");
    return s;
}

/*
** Second chance for a call that found no overload: TEXT literals among the
** arguments take the type of the other arguments, as PostgreSQL types an
** unknown literal.  The candidate types are those of the non-literal
** arguments in order, with INTERVAL tried after TIMESTAMP (`ts - '...'` is
** TIMESTAMP - TIMESTAMP, `ts + '1 hour'` TIMESTAMP + INTERVAL); with no
** other argument each literal is read as whatever it parses as (TIMESTAMP,
** INTERVAL).  Returns 1 when the call now resolves (args[] replaced by the
** converted constants), 0 when it still does not, -1 when the only fitting
** overload needs a literal that does not convert (error recorded at the
** literal).
*/
static int retry_literals(Binder *b, const char *fname, Expr **args, int nargs, const FuncDef **fn,
                          Type *casts) {
    bool lit = false;
    Type cands[TYPE__COUNT + 1];
    int nc = 0;
    for (int i = 0; i < nargs; i++) {
        if (is_text_literal(args[i])) {
            lit = true;
            continue;
        }
        Type t = args[i]->type;
        if (t == TYPE_NULL || t == TYPE_TEXT) continue;
        bool seen = false;
        for (int k = 0; k < nc; k++) seen |= cands[k] == t;
        if (!seen) cands[nc++] = t;
        if (!seen && t == TYPE_TIMESTAMP) {
            bool iv = false;
            for (int k = 0; k < nargs; k++) iv |= args[k]->type == TYPE_INTERVAL;
            if (!iv) cands[nc++] = TYPE_INTERVAL;
        }
    }
    if (!lit) return 0;
    bool guess = nc == 0;
    if (guess) nc = 1;

    Type *argt = ARENA_ARRAY(A(b), Type, nargs);
    Expr **conv = ARENA_ARRAY(A(b), Expr *, nargs);
    Err first;
    err_clear(&first);
    for (int c = 0; c < nc; c++) {
        bool changed = false;
        for (int i = 0; i < nargs; i++) {
            argt[i] = args[i]->type;
            if (!is_text_literal(args[i])) continue;
            Type to = TYPE_TEXT;
            if (!guess) {
                to = cands[c];
            } else {
                int64_t us;
                Str s = args[i]->value.u.s;
                if (ts_parse(s.ptr, s.len, &us)) to = TYPE_TIMESTAMP;
                else if (interval_parse(s.ptr, s.len, NULL, &us)) to = TYPE_INTERVAL;
            }
            if (to != TYPE_TEXT) changed = true;
            argt[i] = to;
        }
        if (!changed) continue;
        const FuncDef *f;
        if (func_resolve(fname, nargs, argt, &f, NULL) != FUNC_OK) continue;
        bool ok = true;
        for (int i = 0; i < nargs && ok; i++) {
            conv[i] = args[i];
            if (argt[i] == args[i]->type) continue;
            Err local;
            err_clear(&local);
            Value v;
            if (!value_cast(&args[i]->value, argt[i], &v, A(b), &local)) {
                if (!first.set) {
                    if (local.set) err_at(&first, args[i]->pos, "%s", local.msg);
                    else
                        err_at(&first, args[i]->pos, "cannot cast TEXT '%.*s' to %s", (int)args[i]->value.u.s.len,
                               args[i]->value.u.s.ptr, type_name(argt[i]));
                }
                ok = false;
                break;
            }
            v.type = argt[i];
            conv[i] = expr_const(A(b), &v);
            conv[i]->pos = args[i]->pos;
        }
        if (!ok) continue;
        if (func_resolve_args(fname, nargs, conv, fn, casts) != FUNC_OK) continue;
        memcpy(args, conv, sizeof(Expr *) * (size_t)nargs);
        return 1;
    }
    if (first.set) return err_at(b->pc->err, first.offset, "%s", first.msg);
    return 0;
}

typedef enum CallForm { CALL_FUNC, CALL_BINOP, CALL_UNOP } CallForm;

/*
** Resolve fname(args) to a function row and build the EXPR_CALL, inserting
** the casts the row needs.  `shown` is how the user wrote the name (an
** operator symbol, LIKE, or the function name), for the error message.
*/
static int make_call(Binder *b, const char *fname, const char *shown, CallForm form, Expr **args, int nargs,
                     int pos, Expr **out) {
    const FuncDef *fn = NULL;
    Type *casts = ARENA_ARRAY(A(b), Type, nargs > 0 ? nargs : 1);
    FuncResolve r = func_resolve_args(fname, nargs, args, &fn, casts);
    if (r == FUNC_NO_SIGNATURE) {
        /* keep the original types for the message */
        Expr **orig = ARENA_ARRAY(A(b), Expr *, nargs > 0 ? nargs : 1);
        if (nargs) memcpy(orig, args, sizeof(Expr *) * (size_t)nargs);
        int rr = retry_literals(b, fname, args, nargs, &fn, casts);
        if (rr < 0) return -1;
        if (rr > 0) r = FUNC_OK;
        else args = orig;
    }
    if (r != FUNC_OK) {
        Err *err = b->pc->err;
        if (form == CALL_BINOP)
            return err_at(err, pos, "operator does not exist: %s %s %s", type_name(args[0]->type), shown,
                          type_name(args[1]->type));
        if (form == CALL_UNOP)
            return err_at(err, pos, "operator does not exist: %s %s", shown, type_name(args[0]->type));
        return err_at(err, pos, "function %s does not exist", signature(b, shown, args, nargs));
    }
    Expr *c = expr_new(A(b), EXPR_CALL, fn->ret, nargs);
    c->fn = fn;
    c->name = fn->name;
    c->pos = pos;
    for (int i = 0; i < nargs; i++) {
        Type to = casts[i];
        Expr *a = args[i];
        if (to != a->type && bind_coerce(b, a, to, &a)) return -1;
        c->args[i] = a;
    }
    *out = c;
    return 0;
}

/* Bind l OP r where OP is the function `fname` (shown to users as `shown`). */
static int bind_binop(ExprCtx *x, const char *fname, const char *shown, const Ast *l, const Ast *r, int pos,
                      Expr **out) {
    Expr *args[2];
    if (bind_expr(x, l, &args[0]) || bind_expr(x, r, &args[1])) return -1;
    return make_call(x->b, fname, shown, CALL_BINOP, args, 2, pos, out);
}

static Expr *make_not(Binder *b, Expr *e, int pos) {
    Expr *n = expr_new(A(b), EXPR_NOT, TYPE_BOOL, 1);
    n->args[0] = e;
    n->pos = pos;
    return n;
}

/* An n-ary AND/OR of a and c, splicing operands that are already the same connective. */
static Expr *make_junction(Binder *b, ExprKind kind, Expr *a, Expr *c, int pos) {
    int na = a->kind == kind ? a->nargs : 1, nc = c->kind == kind ? c->nargs : 1;
    Expr *j = expr_new(A(b), kind, TYPE_BOOL, na + nc);
    j->pos = pos;
    int k = 0;
    if (a->kind == kind)
        for (int i = 0; i < a->nargs; i++) j->args[k++] = a->args[i];
    else
        j->args[k++] = a;
    if (c->kind == kind)
        for (int i = 0; i < c->nargs; i++) j->args[k++] = c->args[i];
    else
        j->args[k++] = c;
    return j;
}

int bind_bool(ExprCtx *x, const Ast *e, const char *what, Expr **out) {
    Expr *r;
    if (bind_expr(x, e, &r)) return -1;
    r = bind_settle_null(x->b, r, TYPE_BOOL);
    if (r->type != TYPE_BOOL)
        return err_at(x->b->pc->err, e->pos, "argument of %s must be BOOLEAN, not %s", what, type_name(r->type));
    *out = r;
    return 0;
}

/*
** One type for a set of values that meet (CASE branches, IN lists): NULL
** literals take it, BIGINT widens to DOUBLE, TEXT literals take the others'
** type (parsed now: `ts IN ('2024-01-01', ...)`); anything else must agree.
** Every item is converted in place.  `what` names the construct ("CASE").
*/
static int unify(Binder *b, Expr **items, int n, const char *what, Type *out) {
    Type strong = TYPE_NULL;
    for (int i = 0; i < n; i++) {
        Type t = items[i]->type;
        if (t == TYPE_NULL || is_text_literal(items[i])) continue;
        if (strong == TYPE_NULL || strong == t) {
            strong = t;
        } else if (type_is_numeric(strong) && type_is_numeric(t)) {
            strong = TYPE_DOUBLE;
        } else {
            return err_at(b->pc->err, items[i]->pos, "%s types %s and %s cannot be matched", what,
                          type_name(strong), type_name(t));
        }
    }
    if (strong == TYPE_NULL) strong = TYPE_TEXT;   /* only NULLs and TEXT literals */
    /* literals convert now; one that does not parse is an error at its position */
    for (int i = 0; i < n; i++)
        if (bind_coerce(b, items[i], strong, &items[i])) return -1;
    *out = strong;
    return 0;
}

/* ------------------------------------------------------------------ aggregates */

static const struct {
    const char *name;
    AggKind kind;
} agg_names[] = {
    {"count", AGG_COUNT}, {"sum", AGG_SUM}, {"min", AGG_MIN}, {"max", AGG_MAX}, {"avg", AGG_AVG},
};

static int agg_kind(const char *name, AggKind *k) {
    if (!name) return -1;
    for (size_t i = 0; i < sizeof agg_names / sizeof agg_names[0]; i++)
        if (strcasecmp(agg_names[i].name, name) == 0) {
            *k = agg_names[i].kind;
            return 0;
        }
    return -1;
}

bool bind_is_agg_call(const Ast *e) {
    AggKind k;
    return e && e->kind == AST_FUNC && !e->over && agg_kind(e->name, &k) == 0;
}

/* An aggregate inside a window specification counts: it makes the query grouped. */
bool bind_has_agg(const Ast *e) {
    if (!e) return false;
    if (bind_is_agg_call(e)) return true;
    if (e->kind == AST_SUBQUERY || e->kind == AST_DERIVED) return false;
    if (bind_has_agg(e->left) || bind_has_agg(e->right) || bind_has_agg(e->over)) return true;
    if (e->list)
        for (int i = 0; i < e->list->n; i++)
            if (bind_has_agg(e->list->items[i])) return true;
    if (e->order)
        for (int i = 0; i < e->order->n; i++)
            if (bind_has_agg(e->order->items[i])) return true;
    return false;
}

bool bind_has_window(const Ast *e) {
    if (!e) return false;
    if (e->kind == AST_FUNC && e->over) return true;
    if (e->kind == AST_SUBQUERY || e->kind == AST_DERIVED) return false;
    if (bind_has_window(e->left) || bind_has_window(e->right)) return true;
    if (e->list)
        for (int i = 0; i < e->list->n; i++)
            if (bind_has_window(e->list->items[i])) return true;
    return false;
}

int bind_find_group(const AggState *st, const Expr *e) {
    for (int g = 0; g < st->ngroups; g++)
        if (expr_equal(st->groups[g], e)) return g;
    return -1;
}

static bool has_column(const Expr *e) {
    if (e->kind == EXPR_COLUMN) return true;
    for (int i = 0; i < e->nargs; i++)
        if (has_column(e->args[i])) return true;
    return false;
}

/* COUNT(*), however the parser spells it: the star flag, or a lone `*` argument. */
static bool is_count_star(const Ast *e) {
    if (e->star) return true;
    return e->list && e->list->n == 1 && ((Ast *)e->list->items[0])->kind == AST_STAR;
}

/*
** An aggregate call in post mode: bind its argument over the aggregate's
** input (where another aggregate is an error), check the argument type,
** register it (an identical call is registered once) and return the
** reference to its output column.
*/
static int bind_agg_call(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    Err *err = b->pc->err;
    AggState *st = x->agg;
    AggSpec spec = {0};
    if (agg_kind(e->name, &spec.kind)) return err_at(err, e->pos, "unknown aggregate %s", e->name);
    spec.distinct = e->distinct;
    int nargs = e->list ? e->list->n : 0;
    if (is_count_star(e)) {
        if (spec.kind != AGG_COUNT) return err_at(err, e->pos, "function %s(*) does not exist", e->name);
        if (e->distinct) return err_at(err, e->pos, "count(DISTINCT *) is not supported; name a column");
        spec.kind = AGG_COUNT_STAR;
        spec.distinct = false;
        spec.type = TYPE_BIGINT;
    } else {
        ExprCtx in = {b, x->scope, NULL, "aggregate function calls cannot be nested"};
        Expr **args = ARENA_ARRAY(A(b), Expr *, nargs > 0 ? nargs : 1);
        for (int i = 0; i < nargs; i++)
            if (bind_expr(&in, e->list->items[i], &args[i])) return -1;
        if (nargs != 1) return err_at(err, e->pos, "function %s does not exist", signature(b, e->name, args, nargs));
        Expr *a = args[0];
        switch (spec.kind) {
        case AGG_COUNT:
            a = bind_settle_null(b, a, TYPE_TEXT);
            spec.type = TYPE_BIGINT;
            break;
        case AGG_SUM:
            a = bind_settle_null(b, a, TYPE_BIGINT);
            if (!type_is_numeric(a->type))
                return err_at(err, e->pos, "function %s does not exist", signature(b, e->name, &a, 1));
            spec.type = a->type;
            break;
        case AGG_AVG:
            a = bind_settle_null(b, a, TYPE_DOUBLE);
            if (!type_is_numeric(a->type))
                return err_at(err, e->pos, "function %s does not exist", signature(b, e->name, &a, 1));
            spec.type = TYPE_DOUBLE;
            break;
        default: /* MIN, MAX: any ordered type */
            a = bind_settle_null(b, a, TYPE_TEXT);
            spec.type = a->type;
            break;
        }
        spec.arg = a;
    }
    spec.name = ast_to_sql(A(b), e);
    int j;
    for (j = 0; j < st->naggs; j++) {
        AggSpec *s = &st->aggs[j];
        if (s->kind == spec.kind && s->distinct == spec.distinct && expr_equal(s->arg, spec.arg)) break;
    }
    if (j == st->naggs) {
        if (st->naggs == st->cap) {
            int cap = st->cap ? st->cap * 2 : 8;
            AggSpec *n = ARENA_ARRAY(A(b), AggSpec, cap);
            if (st->naggs) memcpy(n, st->aggs, sizeof(AggSpec) * (size_t)st->naggs);
            st->aggs = n;
            st->cap = cap;
        }
        st->aggs[st->naggs++] = spec;
    }
    Expr *c = expr_column(A(b), st->ngroups + j, st->aggs[j].type, st->aggs[j].name);
    c->pos = e->pos;
    *out = c;
    return 0;
}

/*
** Post mode, a subtree without aggregates: it must be a GROUP BY expression,
** or hold no column at all, or be built from such parts (then 1 is returned
** and the caller binds the node structurally).
*/
static int bind_grouped(ExprCtx *x, const Ast *e, Expr **out) {
    ExprCtx pre = {x->b, x->scope, NULL, "aggregate function calls cannot be nested"};
    Expr *r;
    if (bind_expr(&pre, e, &r)) return -1;
    int g = bind_find_group(x->agg, r);
    if (g >= 0) {
        Expr *c = expr_column(A(x->b), g, x->agg->groups[g]->type, x->agg->group_names[g]);
        c->pos = e->pos;
        *out = c;
        return 0;
    }
    if (!has_column(r)) {
        *out = r;
        return 0;
    }
    if (e->kind == AST_COLUMN) return bind_err_not_grouped(x->b, e->qualifier, e->name, e->pos);
    return 1;
}

/* ------------------------------------------------------------------ nodes */

static const char *binop_func(AstOp op) {
    switch (op) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "%";
    case OP_EQ: return "=";
    case OP_NE: return "<>";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_CONCAT: return "||";
    default: return NULL;
    }
}

static int bind_literal(Binder *b, const Ast *e, Expr **out) {
    Value v = {0};
    switch (e->kind) {
    case AST_INT: v.type = TYPE_BIGINT; v.u.i = e->ival; break;
    case AST_FLOAT: v.type = TYPE_DOUBLE; v.u.d = e->dval; break;
    case AST_STRING: {
        const char *s = e->str ? e->str : "";
        v.type = TYPE_TEXT;
        v.u.s = str_from(s, strlen(s));
        break;
    }
    case AST_BOOL: v.type = TYPE_BOOL; v.u.b = e->ival != 0; break;
    case AST_NULL: v.type = TYPE_NULL; v.null = true; break;
    case AST_INTERVAL: v.type = TYPE_INTERVAL; v.u.i = e->ival; break;
    default: v.type = TYPE_TIMESTAMP; v.u.i = e->ival; break;
    }
    Expr *c = expr_const(A(b), &v);
    c->pos = e->pos;
    *out = c;
    return 0;
}

static int bind_unary(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    if (!e->left) return err_at(b->pc->err, e->pos, "operator without an operand");
    if (e->op == OP_NOT) {
        Expr *a;
        if (bind_bool(x, e->left, "NOT", &a)) return -1;
        *out = make_not(b, a, e->pos);
        return 0;
    }
    const Ast *l = e->left;
    if (e->op == OP_NEG && (l->kind == AST_INT || l->kind == AST_FLOAT || l->kind == AST_INTERVAL)) {
        /* fold -literal now: plans and EXPLAIN read better, LIMIT -1 says so */
        if (l->kind == AST_INT && l->ival == INT64_MIN) return err_at(b->pc->err, e->pos, "bigint out of range");
        if (bind_literal(b, l, out)) return -1;
        if (l->kind == AST_FLOAT) (*out)->value.u.d = -(*out)->value.u.d;
        else (*out)->value.u.i = -(*out)->value.u.i;
        (*out)->pos = e->pos;
        return 0;
    }
    Expr *a;
    if (bind_expr(x, l, &a)) return -1;
    if (e->op == OP_PLUS) {
        a = bind_settle_null(b, a, TYPE_BIGINT);
        if (!type_is_numeric(a->type) && a->type != TYPE_INTERVAL)
            return err_at(b->pc->err, e->pos, "operator does not exist: + %s", type_name(a->type));
        *out = a;
        return 0;
    }
    if (e->op != OP_NEG) return err_at(b->pc->err, e->pos, "unknown unary operator");
    return make_call(b, "neg", "-", CALL_UNOP, &a, 1, e->pos, out);
}

static int bind_binary(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    if (!e->left || !e->right) return err_at(b->pc->err, e->pos, "operator without an operand");
    if (e->op == OP_AND || e->op == OP_OR) {
        const char *w = e->op == OP_AND ? "AND" : "OR";
        Expr *l, *r;
        if (bind_bool(x, e->left, w, &l) || bind_bool(x, e->right, w, &r)) return -1;
        *out = make_junction(b, e->op == OP_AND ? EXPR_AND : EXPR_OR, l, r, e->pos);
        return 0;
    }
    const char *f = binop_func(e->op);
    if (!f) return err_at(b->pc->err, e->pos, "unknown binary operator");
    return bind_binop(x, f, f, e->left, e->right, e->pos, out);
}

static int bind_between(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    if (!e->left || !e->list || e->list->n != 2)
        return err_at(b->pc->err, e->pos, "BETWEEN needs two bounds");
    Expr *lo, *hi;
    if (bind_binop(x, ">=", ">=", e->left, e->list->items[0], e->pos, &lo) ||
        bind_binop(x, "<=", "<=", e->left, e->list->items[1], e->pos, &hi))
        return -1;
    Expr *r = make_junction(b, EXPR_AND, lo, hi, e->pos);
    *out = e->negated ? make_not(b, r, e->pos) : r;
    return 0;
}

static int bind_in(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    int n = e->list ? e->list->n : 0;
    if (e->select) return err_at(b->pc->err, e->pos, "subqueries in expressions are not supported yet");
    if (!e->left || n == 0) return err_at(b->pc->err, e->pos, "IN needs a list of values");
    Expr *in = expr_new(A(b), EXPR_IN, TYPE_BOOL, n + 1);
    in->pos = e->pos;
    if (bind_expr(x, e->left, &in->args[0])) return -1;
    for (int i = 0; i < n; i++)
        if (bind_expr(x, e->list->items[i], &in->args[i + 1])) return -1;
    Type t;
    if (unify(b, in->args, n + 1, "IN", &t)) return -1;
    *out = e->negated ? make_not(b, in, e->pos) : in;
    return 0;
}

static int bind_case(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    int n = e->list ? e->list->n : 0;
    if (n == 0 || n % 2) return err_at(b->pc->err, e->pos, "CASE needs WHEN ... THEN ... pairs");
    int npairs = n / 2;
    bool has_else = e->right != NULL;
    Expr *c = expr_new(A(b), EXPR_CASE, TYPE_NULL, n + (has_else ? 1 : 0));
    c->has_else = has_else;
    c->pos = e->pos;
    Expr **results = ARENA_ARRAY(A(b), Expr *, npairs + 1);
    for (int i = 0; i < npairs; i++) {
        const Ast *w = e->list->items[2 * i];
        Expr *cond;
        if (e->left) {
            if (bind_binop(x, "=", "=", e->left, w, w->pos, &cond)) return -1;
        } else if (bind_bool(x, w, "CASE/WHEN", &cond)) {
            return -1;
        }
        c->args[2 * i] = cond;
        if (bind_expr(x, e->list->items[2 * i + 1], &results[i])) return -1;
    }
    int nres = npairs;
    if (has_else && bind_expr(x, e->right, &results[nres++])) return -1;
    Type t;
    if (unify(b, results, nres, "CASE", &t)) return -1;
    for (int i = 0; i < npairs; i++) c->args[2 * i + 1] = results[i];
    if (has_else) c->args[n] = results[npairs];
    c->type = t;
    *out = c;
    return 0;
}

static int bind_cast(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    if (!e->left) return err_at(b->pc->err, e->pos, "CAST without an operand");
    Expr *a;
    if (bind_expr(x, e->left, &a)) return -1;
    Type to = e->cast_type;
    if (to == TYPE_NULL || to >= TYPE__COUNT) return err_at(b->pc->err, e->pos, "cannot cast to an unknown type");
    if (a->type == to) {
        *out = a;
        return 0;
    }
    if (a->type != TYPE_NULL && cast_check(a->type, to, b->pc->err, e->pos)) return -1;
    if (a->kind == EXPR_CONST) {
        /* fold now so that a bad literal is reported at the CAST */
        int save = a->pos;
        a->pos = e->pos;
        int rc = bind_coerce(b, a, to, out);
        a->pos = save;
        return rc;
    }
    Expr *c = expr_new(A(b), EXPR_CAST, to, 1);
    c->args[0] = a;
    c->pos = e->pos;
    *out = c;
    return 0;
}

static int bind_func(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    Err *err = b->pc->err;
    const char *name = e->name ? e->name : "?";
    if (is_count_star(e)) return err_at(err, e->pos, "function %s(*) does not exist", name);
    AggKind k;
    if (agg_kind(name, &k) == 0)   /* only reached when aggregates are not allowed here */
        return err_at(err, e->pos, "%s", x->no_agg ? x->no_agg : "aggregate functions are not allowed here");
    if (e->distinct)
        return err_at(err, e->pos, "DISTINCT specified, but %s is not an aggregate function", name);
    int nargs = e->list ? e->list->n : 0;
    Expr **args = ARENA_ARRAY(A(b), Expr *, nargs > 0 ? nargs : 1);
    for (int i = 0; i < nargs; i++)
        if (bind_expr(x, e->list->items[i], &args[i])) return -1;
    return make_call(b, name, name, CALL_FUNC, args, nargs, e->pos, out);
}

/* Bind one node by its kind; children go back through bind_expr(). */
static int bind_node(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    switch (e->kind) {
    case AST_INT:
    case AST_FLOAT:
    case AST_STRING:
    case AST_BOOL:
    case AST_NULL:
    case AST_INTERVAL:
    case AST_TIMESTAMP:
        return bind_literal(b, e, out);
    case AST_COLUMN: {
        int i = bind_lookup(b, x->scope, e->qualifier, e->name, e->pos);
        if (i < 0) return -1;
        Expr *c = expr_column(A(b), i, x->scope->cols[i].type, x->scope->cols[i].name);
        c->pos = e->pos;
        *out = c;
        return 0;
    }
    case AST_STAR:
        return err_at(b->pc->err, e->pos, "\"*\" is only allowed in a select list or in COUNT(*)");
    case AST_UNARY:
        return bind_unary(x, e, out);
    case AST_BINARY:
        return bind_binary(x, e, out);
    case AST_IS_NULL: {
        Expr *a;
        if (!e->left) return err_at(b->pc->err, e->pos, "IS NULL without an operand");
        if (bind_expr(x, e->left, &a)) return -1;
        Expr *r = expr_new(A(b), e->negated ? EXPR_IS_NOT_NULL : EXPR_IS_NULL, TYPE_BOOL, 1);
        r->args[0] = bind_settle_null(b, a, TYPE_TEXT);
        r->pos = e->pos;
        *out = r;
        return 0;
    }
    case AST_BETWEEN:
        return bind_between(x, e, out);
    case AST_IN:
        return bind_in(x, e, out);
    case AST_LIKE: {
        Expr *r;
        if (!e->left || !e->right) return err_at(b->pc->err, e->pos, "LIKE without an operand");
        if (bind_binop(x, "like", "LIKE", e->left, e->right, e->pos, &r)) return -1;
        *out = e->negated ? make_not(b, r, e->pos) : r;
        return 0;
    }
    case AST_CASE:
        return bind_case(x, e, out);
    case AST_CAST:
        return bind_cast(x, e, out);
    case AST_FUNC:
        return bind_func(x, e, out);
    case AST_SUBQUERY:
        return err_at(b->pc->err, e->pos, "subqueries in expressions are not supported yet");
    default:
        return err_at(b->pc->err, e->pos, "this is not an expression");
    }
}

/* ------------------------------------------------------------------ window functions */

/*
** Where no window function is allowed, the error says where we are; the
** aggregate error of the same context names the clause.
*/
static int err_no_window(ExprCtx *x, const Ast *e) {
    static const char agg_in[] = "aggregate functions are not allowed in ";
    Err *err = x->b->pc->err;
    if (x->no_win) return err_at(err, e->pos, "%s", x->no_win);
    const char *na = x->no_agg ? x->no_agg : "";
    if (strncmp(na, agg_in, sizeof agg_in - 1) == 0)
        return err_at(err, e->pos, "window functions are not allowed in %s", na + sizeof agg_in - 1);
    if (strcmp(na, "aggregate function calls cannot be nested") == 0)
        return err_at(err, e->pos, "aggregate function calls cannot contain window function calls");
    return err_at(err, e->pos, "window functions are not allowed here");
}

static bool same_call(const WinCall *a, const WinCall *c) {
    if (a->npartition != c->npartition || a->nkeys != c->nkeys) return false;
    for (int i = 0; i < a->npartition; i++)
        if (!expr_equal(a->partition[i], c->partition[i])) return false;
    for (int i = 0; i < a->nkeys; i++)
        if (a->keys[i].desc != c->keys[i].desc || a->keys[i].nulls_first != c->keys[i].nulls_first ||
            !expr_equal(a->keys[i].expr, c->keys[i].expr))
            return false;
    return true;
}

/*
** ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) in a select list or
** ORDER BY: its PARTITION BY and ORDER BY expressions are bound over the
** same scope as the select list (post mode in a grouped query, so
** `ORDER BY count(*) DESC` ranks groups), the call is registered in x->win
** (an identical call once) and becomes a reference to placeholder column
** BIND_WIN_COL + i.  Only ROW_NUMBER exists so far.
*/
static int bind_window_call(ExprCtx *x, const Ast *e, Expr **out) {
    Binder *b = x->b;
    Err *err = b->pc->err;
    const char *name = e->name ? e->name : "?";
    if (strcasecmp(name, "row_number") != 0)
        return err_at(err, e->pos, "window function \"%s\" is not supported yet", name);
    if (!x->win) return err_no_window(x, e);
    if (e->distinct || e->star || (e->list && e->list->n > 0))
        return err_at(err, e->pos, "row_number() takes no arguments");
    const Ast *spec = e->over;
    WinCall call = {0};
    ExprCtx in = {b, x->scope, x->agg, "aggregate functions are not allowed in window definitions", NULL,
                  "window function calls cannot be nested"};
    int np = spec->list ? spec->list->n : 0, nk = spec->order ? spec->order->n : 0;
    call.partition = ARENA_ARRAY(A(b), Expr *, np > 0 ? np : 1);
    call.keys = ARENA_ARRAY(A(b), SortKey, nk > 0 ? nk : 1);
    for (int i = 0; i < np; i++) {
        Expr *p;
        if (bind_expr(&in, spec->list->items[i], &p)) return -1;
        call.partition[call.npartition++] = bind_settle_null(b, p, TYPE_TEXT);
    }
    for (int i = 0; i < nk; i++) {
        const Ast *o = spec->order->items[i];
        const Ast *k = o->kind == AST_ORDER_ITEM ? o->left : o;
        if (!k) return err_at(err, o->pos, "missing ORDER BY expression");
        Expr *r;
        if (bind_expr(&in, k, &r)) return -1;
        SortKey *sk = &call.keys[call.nkeys++];
        sk->expr = bind_settle_null(b, r, TYPE_TEXT);
        sk->desc = o->kind == AST_ORDER_ITEM && o->desc;
        int nf = o->kind == AST_ORDER_ITEM ? o->nulls_first : -1;
        sk->nulls_first = nf < 0 ? sk->desc : nf == 1;
    }
    WinState *ws = x->win;
    int j;
    for (j = 0; j < ws->n; j++)
        if (same_call(&ws->calls[j], &call)) break;
    if (j == ws->n) {
        if (ws->n == ws->cap) {
            int cap = ws->cap ? ws->cap * 2 : 4;
            WinCall *n = ARENA_ARRAY(A(b), WinCall, cap);
            if (ws->n) memcpy(n, ws->calls, sizeof(WinCall) * (size_t)ws->n);
            ws->calls = n;
            ws->cap = cap;
        }
        ws->calls[ws->n++] = call;
    }
    Expr *c = expr_column(A(b), BIND_WIN_COL + j, TYPE_BIGINT, "row_number");
    c->pos = e->pos;
    *out = c;
    return 0;
}

/*
** The one entry for expressions.  Window function calls are taken first
** (allowed only where x->win is set).  In post mode aggregate calls and
** aggregate-free subtrees are intercepted here (see the file comment); a
** subtree holding a window call is bound structurally, so the call is met
** in post mode.  In pre mode an aggregate call is an error whose text the
** context chose.
*/
int bind_expr(ExprCtx *x, const Ast *e, Expr **out) {
    if (!e) return err_at(x->b->pc->err, -1, "missing expression");
    if (e->kind == AST_FUNC && e->over) return bind_window_call(x, e, out);
    if (x->agg) {
        if (bind_is_agg_call(e)) return bind_agg_call(x, e, out);
        if (!bind_has_agg(e) && !bind_has_window(e)) {
            int rc = bind_grouped(x, e, out);
            if (rc <= 0) return rc;
        }
    } else if (bind_is_agg_call(e)) {
        return err_at(x->b->pc->err, e->pos, "%s",
                      x->no_agg ? x->no_agg : "aggregate functions are not allowed here");
    }
    return bind_node(x, e, out);
}

int bind_eval_const(Binder *b, const Expr *e, Value *out) {
    FuncCtx fc = {.arena = A(b), .now_us = b->pc->now_us, .err = b->pc->err};
    if (expr_eval_const(&fc, e, out)) {
        if (!b->pc->err->set) err_at(b->pc->err, e->pos, "cannot evaluate a constant expression");
        return -1;
    }
    return 0;
}

/*
** Bind a scalar expression over a schema (its columns unqualified).  Used
** for INSERT ... VALUES rows (empty schema) and WATERMARK expressions.  A
** bare NULL literal comes back as TYPE_NULL: the caller knows the column
** type it goes to.
*/
int plan_scalar(PlanCtx *pc, const Ast *e, const Schema *scope, Expr **out) {
    Binder b = {pc, 0};
    Scope s = {0, NULL};
    if (scope && scope->ncols > 0) {
        s.n = scope->ncols;
        s.cols = ARENA_ARRAY(pc->arena, ScopeCol, s.n);
        for (int i = 0; i < s.n; i++) {
            s.cols[i].name = scope->cols[i].name;
            s.cols[i].type = scope->cols[i].type;
        }
    }
    ExprCtx x = {&b, &s, NULL, "aggregate functions are not allowed here"};
    return bind_expr(&x, e, out);
}
