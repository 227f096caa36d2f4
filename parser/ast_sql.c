/*
** Printing the AST back as SQL (ast_to_sql, ast_select_to_sql).
**
** The text names unaliased result columns (`count(*)`, `sum(v)`, `a + 1`)
** and appears in EXPLAIN output, so it is tidy and stable: lower-case
** keywords, single spaces, parentheses only where the grammar's precedence
** needs them, names quoted only when they would not read back as the same
** name.  Printing is exact enough that the printed text parses back to the
** same tree; the fuzz target checks this on every query it parses.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser_int.h"

/* A growable text buffer (malloc'ed; copied into the arena when done). */
typedef struct Buf {
    char *s;
    size_t n, cap;
} Buf;

static void put_n(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void put(Buf *b, const char *s) { put_n(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void putf(Buf *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put_n(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *finish_buf(Arena *a, Buf *b) {
    char *out = arena_strdup(a, b->s ? b->s : "");
    free(b->s);
    return out;
}

/* ------------------------------------------------------------ names and literals */

/*
** Would `s`, written bare, read back as this same name?  Not when it has
** characters an unquoted identifier cannot have (upper case included), and
** not when it is a keyword the grammar treats as one where a name may stand:
** reserved words, and the non-reserved ones that also begin an expression
** (INTERVAL '...', TIMESTAMP '...', EXTRACT(...)) or a table-function
** argument (DESCRIPTOR(...)).
*/
static bool needs_quotes(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80)) return true;
    }
    if (n > 64) return false;
    int tk = tok_keyword_code(s, (int)n);
    if (tk == TK_ID) return false;
    if (!parser_keyword_is_nonreserved(tk)) return true;
    return tk == TK_INTERVAL || tk == TK_TIMESTAMP || tk == TK_EXTRACT || tk == TK_DESCRIPTOR;
}

static void put_quoted(Buf *b, const char *s, char q) {
    put_n(b, &q, 1);
    for (const char *c = s; *c; c++) {
        put_n(b, c, 1);
        if (*c == q) put_n(b, c, 1);
    }
    put_n(b, &q, 1);
}

static void put_name(Buf *b, const char *s) {
    if (!s) s = "?";
    if (needs_quotes(s))
        put_quoted(b, s, '"');
    else
        put(b, s);
}

/* An interval given only in microseconds, in the largest unit that divides it. */
static void put_interval_us(Buf *b, int64_t us) {
    static const struct {
        int64_t us;
        const char *unit;
    } units[] = {{USEC_PER_DAY, "day"}, {USEC_PER_HOUR, "hour"}, {USEC_PER_MIN, "minute"},
                 {USEC_PER_SEC, "second"}, {1000, "millisecond"}, {1, "microsecond"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (us % units[i].us == 0) {
            putf(b, "interval '%lld' %s", (long long)(us / units[i].us), units[i].unit);
            return;
        }
    }
}

/* ------------------------------------------------------------ expressions */

/* Binding strength, as declared in parse.y (higher binds tighter). */
enum { P_OR = 1, P_AND, P_NOT, P_IS, P_CMP, P_LIKE, P_ADD, P_MUL, P_UNARY, P_CAST, P_PRIMARY };

static int prec(const Ast *e) {
    switch (e->kind) {
    case AST_BINARY:
        switch (e->op) {
        case OP_OR: return P_OR;
        case OP_AND: return P_AND;
        case OP_ADD: case OP_SUB: case OP_CONCAT: return P_ADD;
        case OP_MUL: case OP_DIV: case OP_MOD: return P_MUL;
        default: return P_CMP;
        }
    case AST_UNARY: return e->op == OP_NOT ? P_NOT : P_UNARY;
    case AST_IS_NULL: return P_IS;
    case AST_CAST: return P_CAST;
    case AST_BETWEEN: case AST_IN: case AST_LIKE: return P_LIKE;
    case AST_INT: return e->ival < 0 ? P_UNARY : P_PRIMARY;   /* not from the parser, but be safe */
    case AST_FLOAT: return e->dval < 0 ? P_UNARY : P_PRIMARY;
    default: return P_PRIMARY;
    }
}

static void expr(Buf *b, const Ast *e);
static void select_sql(Buf *b, const AstSelect *q);

/* e, in parentheses when it binds less tightly than `min`. */
static void sub(Buf *b, const Ast *e, int min) {
    if (!e) {
        put(b, "?");
        return;
    }
    bool paren = prec(e) < min;
    if (paren) put(b, "(");
    expr(b, e);
    if (paren) put(b, ")");
}

static void list(Buf *b, const AstList *l) {
    for (int i = 0; l && i < l->n; i++) {
        if (i) put(b, ", ");
        sub(b, l->items[i], 0);
    }
}

static const char *op_text(AstOp op) {
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
    case OP_AND: return "and";
    case OP_OR: return "or";
    case OP_CONCAT: return "||";
    default: return "?";
    }
}

static void binary(Buf *b, const Ast *e) {
    int p = prec(e);
    /* Every binary level is left-associative: an equal left operand goes bare. */
    sub(b, e->left, p);
    put(b, " ");
    put(b, op_text(e->op));
    put(b, " ");
    sub(b, e->right, p + 1);
}

static void unary(Buf *b, const Ast *e) {
    if (e->op == OP_NOT) {
        put(b, "not ");
        sub(b, e->left, P_NOT);
        return;
    }
    /* `- -x` must not print as the comment `--x`; a blank keeps the tokens
    ** apart without the parentheses that would deepen the parser's stack. */
    const Ast *x = e->left;
    bool minus_next = x && ((x->kind == AST_UNARY && x->op == OP_NEG) || (x->kind != AST_UNARY && prec(x) == P_UNARY));
    put(b, e->op == OP_NEG ? (minus_next ? "- " : "-") : "+");
    sub(b, x, P_UNARY);
}

/* A double that reads back as the same double: 15 significant digits when
** they suffice (0.1 prints as 0.1), else 17; ".0" marks an integral value as
** a DOUBLE literal. */
static void put_double(Buf *b, double d) {
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
    if (!strpbrk(tmp, ".e")) strcat(tmp, ".0");
    put(b, tmp);
}

static void func(Buf *b, const Ast *e) {
    const AstList *args = e->list;
    const char *field = NULL;
    if (e->name && strcmp(e->name, "extract") == 0 && args && args->n == 2 && !e->distinct &&
        ((const Ast *)args->items[0])->kind == AST_STRING)
        field = ((const Ast *)args->items[0])->str;
    for (const char *c = field; c && *c; c++)
        if (*c >= 'A' && *c <= 'Z') field = NULL; /* not from EXTRACT(... FROM ...), which lower-cases */
    if (field) {
        put(b, "extract(");
        if (needs_quotes(field))
            put_quoted(b, field, '\'');
        else
            put(b, field);
        put(b, " from ");
        sub(b, args->items[1], 0);
        put(b, ")");
    } else {
        put_name(b, e->name);
        put(b, "(");
        if (e->star) {
            put(b, "*");
        } else {
            if (e->distinct) put(b, "distinct ");
            list(b, args);
        }
        put(b, ")");
    }
    if (e->over) {
        put(b, " over (");
        expr(b, e->over);
        put(b, ")");
    }
}

static void order_items(Buf *b, const AstList *l) {
    for (int i = 0; l && i < l->n; i++) {
        if (i) put(b, ", ");
        expr(b, l->items[i]);
    }
}

static bool is_window_function(const char *name) {
    return name && (strcmp(name, "tumble") == 0 || strcmp(name, "hop") == 0 || strcmp(name, "session") == 0);
}

/* A table-function argument: the window functions' source prints bare, any
** other table argument in Flink's `table src` form, so both read back alike. */
static void tf_arg(Buf *b, const Ast *tf, int i, const Ast *arg) {
    if (arg->kind == AST_TABLE) {
        if (!(i == 0 && is_window_function(tf->name))) put(b, "table ");
        put_name(b, arg->name);
    } else if (arg->kind == AST_DERIVED) {
        put(b, "(");
        select_sql(b, arg->select);
        put(b, ")");
    } else {
        sub(b, arg, 0);
    }
}

static void table_func(Buf *b, const Ast *e) {
    put_name(b, e->name);
    put(b, "(");
    const AstList *args = e->list;
    int n = args ? args->n : 0;
    if (e->partition && n >= 1) {
        /* SESSION(src PARTITION BY keys, ts, gap): the keys go before the last two arguments. */
        tf_arg(b, e, 0, args->items[0]);
        put(b, " partition by ");
        list(b, e->partition);
        for (int i = 1; i < n; i++) {
            put(b, ", ");
            tf_arg(b, e, i, args->items[i]);
        }
    } else {
        for (int i = 0; i < n; i++) {
            if (i) put(b, ", ");
            tf_arg(b, e, i, args->items[i]);
        }
    }
    put(b, ")");
}

/* A comma join (`a, b JOIN c ON ...`) cannot be printed as CROSS JOIN when its
** right side is itself a join, or when its left side is such a comma list:
** commas bind looser than JOIN. */
static bool is_comma_list(const Ast *e) {
    return e->kind == AST_JOIN && e->join_type == JOIN_CROSS && !e->on && e->right &&
           (e->right->kind == AST_JOIN || (e->left && is_comma_list(e->left)));
}

static void join(Buf *b, const Ast *e) {
    expr(b, e->left);
    if (is_comma_list(e)) {
        put(b, ", ");
        expr(b, e->right);
        return;
    }
    static const char *const kw[] = {
        [JOIN_INNER] = " join ", [JOIN_LEFT] = " left join ", [JOIN_RIGHT] = " right join ",
        [JOIN_FULL] = " full join ", [JOIN_CROSS] = " cross join ",
    };
    put(b, (unsigned)e->join_type <= JOIN_CROSS ? kw[e->join_type] : " join ");
    expr(b, e->right);
    if (e->on) {
        put(b, " on ");
        sub(b, e->on, 0);
    }
}

static void alias(Buf *b, const char *a) {
    if (!a) return;
    put(b, " as ");
    put_name(b, a);
}

/* Any node, printed without enclosing parentheses. */
static void expr(Buf *b, const Ast *e) {
    char tmp[48];
    if (!e) {
        put(b, "?");
        return;
    }
    switch (e->kind) {
    case AST_INT: putf(b, "%lld", (long long)e->ival); break;
    case AST_FLOAT: put_double(b, e->dval); break;
    case AST_STRING: put_quoted(b, e->str ? e->str : "", '\''); break;
    case AST_BOOL: put(b, e->ival ? "true" : "false"); break;
    case AST_NULL: put(b, "null"); break;
    case AST_INTERVAL:
        if (e->str) {
            put(b, "interval ");
            put(b, e->str);
        } else {
            put_interval_us(b, e->ival);
        }
        break;
    case AST_TIMESTAMP:
        ts_format(e->ival, tmp);
        put(b, "timestamp '");
        put(b, tmp);
        put(b, "'");
        break;
    case AST_COLUMN:
        if (e->qualifier) {
            put_name(b, e->qualifier);
            put(b, ".");
        }
        put_name(b, e->name);
        break;
    case AST_STAR:
        if (e->qualifier) {
            put_name(b, e->qualifier);
            put(b, ".");
        }
        put(b, "*");
        break;
    case AST_UNARY: unary(b, e); break;
    case AST_BINARY: binary(b, e); break;
    case AST_IS_NULL:
        sub(b, e->left, P_IS);
        put(b, e->negated ? " is not null" : " is null");
        break;
    case AST_BETWEEN:
        sub(b, e->left, P_LIKE);
        put(b, e->negated ? " not between " : " between ");
        sub(b, e->list && e->list->n > 0 ? e->list->items[0] : NULL, P_LIKE + 1);
        put(b, " and ");
        sub(b, e->list && e->list->n > 1 ? e->list->items[1] : NULL, P_LIKE + 1);
        break;
    case AST_IN:
        sub(b, e->left, P_LIKE);
        put(b, e->negated ? " not in " : " in ");
        if (e->list && e->list->n == 1 && ((const Ast *)e->list->items[0])->kind == AST_SUBQUERY) {
            expr(b, e->list->items[0]); /* prints its own parentheses */
        } else {
            put(b, "(");
            list(b, e->list);
            put(b, ")");
        }
        break;
    case AST_LIKE:
        sub(b, e->left, P_LIKE);
        put(b, e->negated ? " not like " : " like ");
        sub(b, e->right, P_LIKE + 1);
        break;
    case AST_CASE:
        put(b, "case");
        if (e->left) {
            put(b, " ");
            sub(b, e->left, 0);
        }
        for (int i = 0; e->list && i + 1 < e->list->n; i += 2) {
            put(b, " when ");
            sub(b, e->list->items[i], 0);
            put(b, " then ");
            sub(b, e->list->items[i + 1], 0);
        }
        if (e->right) {
            put(b, " else ");
            sub(b, e->right, 0);
        }
        put(b, " end");
        break;
    case AST_CAST: {
        /* x::type, PostgreSQL's display form; left-deep like the input. */
        char tname[16];
        snprintf(tname, sizeof tname, "%s", type_name(e->cast_type));
        for (char *c = tname; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        sub(b, e->left, P_CAST);
        put(b, "::");
        put(b, tname);
        break;
    }
    case AST_FUNC: func(b, e); break;
    case AST_SUBQUERY:
        put(b, "(");
        select_sql(b, e->select);
        put(b, ")");
        break;
    case AST_TABLE:
        put_name(b, e->name);
        alias(b, e->alias);
        break;
    case AST_DERIVED:
        put(b, "(");
        select_sql(b, e->select);
        put(b, ")");
        alias(b, e->alias);
        break;
    case AST_TABLE_FUNC:
        table_func(b, e);
        alias(b, e->alias);
        break;
    case AST_JOIN: join(b, e); break;
    case AST_SELECT_ITEM:
        sub(b, e->left, 0);
        alias(b, e->name);
        break;
    case AST_ORDER_ITEM:
        sub(b, e->left, 0);
        if (e->desc) put(b, " desc");
        if (e->nulls_first == 1) put(b, " nulls first");
        if (e->nulls_first == 0) put(b, " nulls last");
        break;
    case AST_WINDOW_SPEC:
        if (e->list && e->list->n) {
            put(b, "partition by ");
            list(b, e->list);
        }
        if (e->order && e->order->n) {
            if (e->list && e->list->n) put(b, " ");
            put(b, "order by ");
            order_items(b, e->order);
        }
        break;
    }
}

/* ------------------------------------------------------------ queries */

static void select_sql(Buf *b, const AstSelect *q) {
    if (!q) {
        put(b, "?");
        return;
    }
    put(b, q->distinct ? "select distinct " : "select ");
    order_items(b, q->items);
    if (q->from) {
        put(b, " from ");
        expr(b, q->from);
    }
    if (q->where) {
        put(b, " where ");
        sub(b, q->where, 0);
    }
    if (q->group_by) {
        put(b, " group by ");
        list(b, q->group_by);
    }
    if (q->having) {
        put(b, " having ");
        sub(b, q->having, 0);
    }
    if (q->order_by) {
        put(b, " order by ");
        order_items(b, q->order_by);
    }
    if (q->limit) {
        put(b, " limit ");
        sub(b, q->limit, 0);
    }
    if (q->offset) {
        put(b, " offset ");
        sub(b, q->offset, 0);
    }
    static const char *const emit[] = {"", " emit append", " emit update", " emit complete"};
    if ((unsigned)q->emit <= EMIT_COMPLETE) put(b, emit[q->emit]);
    switch (q->trigger) {
    case TRIGGER_INTERVAL:
        put(b, " trigger ");
        put_interval_us(b, q->trigger_interval_us);
        break;
    case TRIGGER_ONCE: put(b, " trigger once"); break;
    case TRIGGER_AVAILABLE_NOW: put(b, " trigger available now"); break;
    case TRIGGER_CONTINUOUS: put(b, " trigger continuous"); break;
    default: break;
    }
}

char *ast_to_sql(Arena *a, const Ast *e) {
    Buf b = {0};
    expr(&b, e);
    return finish_buf(a, &b);
}

char *ast_select_to_sql(Arena *a, const AstSelect *q) {
    Buf b = {0};
    select_sql(&b, q);
    return finish_buf(a, &b);
}
