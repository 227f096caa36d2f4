/*
** Unit tests for the expression evaluator, the function library and casts
** (exec/expr_eval.c, exec/functions.c, exec/func_*.c, exec/cast.c, exec/plan.c).
**
** Expressions are built with a tiny binder (F() resolves a function and
** inserts the implicit casts, as the planner does).  Scalar behaviour is
** checked through expr_eval_const, rendered with value_to_text, so each
** case reads like SQL: ev(F("+", I(1), I(2))) == "3".  Vector behaviour is
** checked differentially: every expression of a list is evaluated over a
** table split into chunks of 1, 2, 3 and 2048 rows, with and without
** selection vectors, and each active row must equal the scalar evaluation of
** the same expression with that row's values substituted as constants.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../exec/expr.h"

static Arena *A;
static Err err;
static FuncCtx ctx;

static int setup(void **state) {
    (void)state;
    A = arena_new(0);
    err_clear(&err);
    ctx.arena = A;
    ctx.err = &err;
    ctx.now_us = 1700000000LL * USEC_PER_SEC;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    arena_delete(A);
    return 0;
}

/* ------------------------------------------------------------ builders */

static Expr *cval(Type t, bool null) {
    Value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    v.null = null;
    Expr *e = expr_const(A, &v);
    e->type = t;
    return e;
}
static Expr *I(int64_t x) {
    Expr *e = cval(TYPE_BIGINT, false);
    e->value.u.i = x;
    return e;
}
static Expr *D(double x) {
    Expr *e = cval(TYPE_DOUBLE, false);
    e->value.u.d = x;
    return e;
}
static Expr *S(const char *s) {
    Expr *e = cval(TYPE_TEXT, false);
    e->value.u.s = str_from(arena_strdup(A, s), strlen(s));
    return e;
}
static Expr *Bo(bool b) {
    Expr *e = cval(TYPE_BOOL, false);
    e->value.u.b = b;
    return e;
}
static Expr *N(Type t) { return cval(t, true); }
static Expr *TSv(const char *text) {
    Expr *e = cval(TYPE_TIMESTAMP, false);
    assert_true(ts_parse(text, strlen(text), &e->value.u.i));
    return e;
}
static Expr *IVv(int64_t us) {
    Expr *e = cval(TYPE_INTERVAL, false);
    e->value.u.i = us;
    return e;
}
static Expr *C(int col, Type t) { return expr_column(A, col, t, "c"); }

static Expr *CAST(Expr *x, Type t) {
    Expr *e = expr_new(A, EXPR_CAST, t, 1);
    e->args[0] = x;
    return e;
}

/* Resolve name(args) like the binder: implicit casts become EXPR_CAST nodes. */
static Expr *Fv(const char *name, int n, Expr **args) {
    const FuncDef *fn;
    Type casts[16];
    FuncResolve r = func_resolve_args(name, n, args, &fn, casts);
    if (r != FUNC_OK) fail_msg("cannot resolve %s/%d", name, n);
    Expr *e = expr_new(A, EXPR_CALL, fn->ret, n);
    e->fn = fn;
    e->name = name;
    for (int i = 0; i < n; i++) e->args[i] = casts[i] != args[i]->type ? CAST(args[i], casts[i]) : args[i];
    return e;
}
#define NARGS(...) (int)(sizeof((Expr *[]){__VA_ARGS__}) / sizeof(Expr *))
#define F(name, ...) Fv(name, NARGS(__VA_ARGS__), (Expr *[]){__VA_ARGS__})
#define F0(name) Fv(name, 0, NULL)

static Expr *node(ExprKind k, Type t, int n, Expr **args) {
    Expr *e = expr_new(A, k, t, n);
    for (int i = 0; i < n; i++) e->args[i] = args[i];
    return e;
}
#define AND(...) node(EXPR_AND, TYPE_BOOL, NARGS(__VA_ARGS__), (Expr *[]){__VA_ARGS__})
#define OR(...) node(EXPR_OR, TYPE_BOOL, NARGS(__VA_ARGS__), (Expr *[]){__VA_ARGS__})
#define NOT(x) node(EXPR_NOT, TYPE_BOOL, 1, (Expr *[]){x})
#define ISNULL(x) node(EXPR_IS_NULL, TYPE_BOOL, 1, (Expr *[]){x})
#define ISNOTNULL(x) node(EXPR_IS_NOT_NULL, TYPE_BOOL, 1, (Expr *[]){x})
#define IN(...) node(EXPR_IN, TYPE_BOOL, NARGS(__VA_ARGS__), (Expr *[]){__VA_ARGS__})
/* CASE(type, has_else, when, then, ..., [else]) */
static Expr *CASEv(Type t, bool has_else, int n, Expr **args) {
    Expr *e = node(EXPR_CASE, t, n, args);
    e->has_else = has_else;
    return e;
}
#define CASE(t, has_else, ...) CASEv(t, has_else, NARGS(__VA_ARGS__), (Expr *[]){__VA_ARGS__})

/* ------------------------------------------------------------ scalar eval */

/* The value of a constant expression as weir prints it, or "error: MSG". */
static const char *ev(Expr *e) {
    Value v;
    err_clear(&err);
    if (expr_eval_const(&ctx, e, &v) < 0) {
        assert_true(err.set);
        return arena_printf(A, "error: %s", err.msg);
    }
    assert_false(err.set);
    return value_to_text(A, &v);
}

#define EQ(e, text) assert_string_equal(ev(e), text)

/* ------------------------------------------------------------ plan.c */

static void test_plan_exprs(void **state) {
    (void)state;
    Expr *a = F("+", C(0, TYPE_BIGINT), I(1));
    Expr *b = expr_copy(A, a);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(a->args[0], b->args[0]);
    assert_true(expr_equal(a, b));
    b->args[1]->value.u.i = 2;
    assert_false(expr_equal(a, b));
    b->args[1]->value.u.i = 1;
    b->args[0]->col = 1;
    assert_false(expr_equal(a, b));
    /* display names and positions do not matter */
    Expr *c = expr_copy(A, a);
    c->pos = 17;
    c->args[0]->name = "other";
    assert_true(expr_equal(a, c));
    /* text constants are deep-copied */
    Expr *s = S("hello"), *s2 = expr_copy(A, s);
    assert_ptr_not_equal(s->value.u.s.ptr, s2->value.u.s.ptr);
    assert_true(expr_equal(s, s2));
    assert_false(expr_equal(S("a"), S("b")));
    assert_true(expr_equal(N(TYPE_BIGINT), N(TYPE_BIGINT)));
    assert_false(expr_equal(N(TYPE_BIGINT), I(0)));
    assert_false(expr_equal(F("+", I(1), I(2)), F("-", I(1), I(2))));
    Expr *cs1 = CASE(TYPE_BIGINT, true, Bo(true), I(1), I(2));
    Expr *cs2 = expr_copy(A, cs1);
    assert_true(expr_equal(cs1, cs2));
    cs2->has_else = false;
    assert_false(expr_equal(cs1, cs2));
    assert_true(expr_equal(NULL, NULL));
    assert_false(expr_equal(a, NULL));

    Plan *p = plan_new(A, PLAN_FILTER, NULL, NULL);
    assert_int_equal(p->kind, PLAN_FILTER);
    assert_null(p->left);
    Plan *l = plan_new(A, PLAN_LIMIT, p, NULL);
    assert_ptr_equal(l->left, p);
    assert_int_equal(l->u.limit.limit, -1);
    Expr *e = expr_new(A, EXPR_AND, TYPE_BOOL, 3);
    assert_int_equal(e->nargs, 3);
    assert_null(e->args[2]);
    assert_int_equal(e->pos, -1);
}

/* ------------------------------------------------------------ resolution */

static void test_resolve(void **state) {
    (void)state;
    const FuncDef *fn;
    Type casts[4];
    Type ii[] = {TYPE_BIGINT, TYPE_BIGINT}, id[] = {TYPE_BIGINT, TYPE_DOUBLE}, in[] = {TYPE_BIGINT, TYPE_NULL};
    assert_int_equal(func_resolve("+", 2, ii, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_BIGINT);
    assert_int_equal(func_resolve("+", 2, id, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_DOUBLE);
    assert_int_equal(casts[0], TYPE_DOUBLE);
    assert_int_equal(casts[1], TYPE_DOUBLE);
    assert_int_equal(func_resolve("+", 2, in, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_BIGINT);
    assert_int_equal(casts[1], TYPE_BIGINT);
    Type t1[] = {TYPE_BIGINT};
    assert_int_equal(func_resolve("lower", 1, t1, &fn, casts), FUNC_NO_SIGNATURE);
    assert_int_equal(func_resolve("nosuch", 1, t1, &fn, casts), FUNC_NO_SUCH_NAME);
    assert_int_equal(func_resolve("LOWER", 1, (Type[]){TYPE_TEXT}, &fn, casts), FUNC_OK);
    assert_int_equal(func_resolve("substr", 1, (Type[]){TYPE_TEXT}, &fn, casts), FUNC_NO_SIGNATURE);
    /* aliases */
    assert_int_equal(func_resolve("substring", 3, (Type[]){TYPE_TEXT, TYPE_BIGINT, TYPE_BIGINT}, &fn, casts),
                     FUNC_OK);
    assert_string_equal(fn->name, "substr");
    assert_int_equal(func_resolve("!=", 2, ii, &fn, casts), FUNC_OK);
    assert_string_equal(fn->name, "<>");
    assert_true(func_exists("ceiling"));
    assert_true(func_exists("date_trunc"));
    assert_false(func_exists("sum"));
    /* timestamps and intervals */
    Type tsiv[] = {TYPE_TIMESTAMP, TYPE_INTERVAL}, tsts[] = {TYPE_TIMESTAMP, TYPE_TIMESTAMP};
    assert_int_equal(func_resolve("+", 2, tsiv, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_TIMESTAMP);
    assert_int_equal(func_resolve("-", 2, tsts, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_INTERVAL);
    assert_int_equal(func_resolve("+", 2, tsts, &fn, casts), FUNC_NO_SIGNATURE);
    /* concat and || take anything, cast to TEXT */
    Type mix[] = {TYPE_TEXT, TYPE_BIGINT, TYPE_DOUBLE, TYPE_NULL};
    assert_int_equal(func_resolve("concat", 4, mix, &fn, casts), FUNC_OK);
    for (int i = 0; i < 4; i++) assert_int_equal(casts[i], TYPE_TEXT);
    assert_int_equal(func_resolve("concat", 0, mix, &fn, casts), FUNC_NO_SIGNATURE);
    /* coalesce: one type for all, widest wins */
    assert_int_equal(func_resolve("coalesce", 3, (Type[]){TYPE_NULL, TYPE_BIGINT, TYPE_DOUBLE}, &fn, casts), FUNC_OK);
    assert_int_equal(fn->ret, TYPE_DOUBLE);
    assert_int_equal(func_resolve("coalesce", 2, (Type[]){TYPE_TEXT, TYPE_BIGINT}, &fn, casts), FUNC_NO_SIGNATURE);
    /* now() is volatile, + is strict */
    assert_int_equal(func_resolve("now", 0, NULL, &fn, casts), FUNC_OK);
    assert_true(fn->flags & FUNC_VOLATILE);
    assert_int_equal(fn->ret, TYPE_TIMESTAMP);
    /* extract's type depends on the field */
    assert_int_equal(F("extract", S("year"), TSv("2024-01-01"))->type, TYPE_BIGINT);
    assert_int_equal(F("extract", S("second"), TSv("2024-01-01"))->type, TYPE_DOUBLE);
    assert_int_equal(F("extract", S("EPOCH"), TSv("2024-01-01"))->type, TYPE_DOUBLE);
    assert_int_equal(F("date_part", S("epoch"), IVv(1))->type, TYPE_DOUBLE);
    assert_int_equal(F("extract", S("day"), IVv(1))->type, TYPE_BIGINT);
    /* implicit casts */
    assert_true(type_implicit_cast(TYPE_BIGINT, TYPE_DOUBLE));
    assert_true(type_implicit_cast(TYPE_NULL, TYPE_TIMESTAMP));
    assert_false(type_implicit_cast(TYPE_DOUBLE, TYPE_BIGINT));
    assert_false(type_implicit_cast(TYPE_TEXT, TYPE_BIGINT));
    /* every row of the table has a kernel and a sane arity */
    int rows = 0;
    for (const FuncDef *f; (f = func_at(rows)) != NULL; rows++) {
        assert_non_null(f->kernel);
        assert_true(f->nargs >= 0 && f->nargs <= 4);
    }
    assert_true(rows > 100);
}

/* ------------------------------------------------------------ arithmetic */

static void test_arith(void **state) {
    (void)state;
    EQ(F("+", I(1), I(2)), "3");
    EQ(F("-", I(1), I(2)), "-1");
    EQ(F("*", I(6), I(7)), "42");
    EQ(F("/", I(7), I(2)), "3");
    EQ(F("/", I(-7), I(2)), "-3");
    EQ(F("%", I(7), I(3)), "1");
    EQ(F("%", I(-7), I(3)), "-1");
    EQ(F("%", I(7), I(-3)), "1");
    EQ(F("/", I(INT64_MIN), I(1)), "-9223372036854775808");
    EQ(F("%", I(INT64_MIN), I(-1)), "0");
    EQ(F("neg", I(5)), "-5");
    EQ(F("+", I(1), D(0.5)), "1.5");
    EQ(F("/", D(1), D(4)), "0.25");
    EQ(F("/", I(1), D(4)), "0.25");
    EQ(F("*", D(1.5), D(2)), "3.0");
    EQ(F("-", D(1), I(3)), "-2.0");
    EQ(F("neg", D(2.5)), "-2.5");
    EQ(F("%", D(7.5), D(2)), "1.5");
    /* errors */
    EQ(F("+", I(INT64_MAX), I(1)), "error: bigint out of range");
    EQ(F("-", I(INT64_MIN), I(1)), "error: bigint out of range");
    EQ(F("*", I(INT64_MAX / 2 + 1), I(2)), "error: bigint out of range");
    EQ(F("/", I(INT64_MIN), I(-1)), "error: bigint out of range");
    EQ(F("neg", I(INT64_MIN)), "error: bigint out of range");
    EQ(F("abs", I(INT64_MIN)), "error: bigint out of range");
    EQ(F("/", I(1), I(0)), "error: division by zero");
    EQ(F("%", I(1), I(0)), "error: division by zero");
    EQ(F("/", D(1), D(0)), "error: division by zero");
    EQ(F("%", D(1), D(0)), "error: division by zero");
    EQ(F("mod", I(1), I(0)), "error: division by zero");
    /* NULL propagation, including NULL as the divisor */
    EQ(F("+", I(1), N(TYPE_BIGINT)), "NULL");
    EQ(F("/", I(1), N(TYPE_BIGINT)), "NULL");
    EQ(F("/", N(TYPE_NULL), I(0)), "NULL");
    EQ(F("*", N(TYPE_DOUBLE), D(2)), "NULL");
    EQ(F("neg", N(TYPE_BIGINT)), "NULL");
    /* error positions come from the call */
    Expr *e = F("/", I(1), I(0));
    e->pos = 42;
    err_clear(&err);
    Value v;
    assert_int_equal(expr_eval_const(&ctx, e, &v), -1);
    assert_int_equal(err.offset, 42);
}

static void test_numeric_funcs(void **state) {
    (void)state;
    EQ(F("abs", I(-3)), "3");
    EQ(F("abs", D(-2.5)), "2.5");
    EQ(F("round", D(2.5)), "3.0");
    EQ(F("round", D(-2.5)), "-3.0");
    EQ(F("round", D(2.4)), "2.0");
    EQ(F("round", I(7)), "7");
    EQ(F("round", D(3.14159), I(2)), "3.14");
    EQ(F("round", D(-3.145), I(1)), "-3.1");
    EQ(F("round", D(1234.5), I(-2)), "1200.0");
    EQ(F("round", I(1234), I(-2)), "1200.0");
    EQ(F("round", D(1.5), I(400)), "1.5");
    EQ(F("floor", D(-1.5)), "-2.0");
    EQ(F("floor", I(4)), "4");
    EQ(F("ceil", D(-1.5)), "-1.0");
    EQ(F("ceiling", D(1.2)), "2.0");
    EQ(F("ceil", I(-4)), "-4");
    EQ(F("mod", I(10), I(3)), "1");
    EQ(F("mod", D(10), I(4)), "2.0");
    EQ(F("sign", I(-9)), "-1");
    EQ(F("sign", D(0)), "0.0");
    EQ(F("sqrt", D(16)), "4.0");
    EQ(F("sqrt", I(-1)), "error: cannot take square root of a negative number");
    EQ(F("power", I(2), I(10)), "1024.0");
    EQ(F("power", D(0), D(-1)), "error: zero raised to a negative power is undefined");
    EQ(F("ln", D(0)), "error: cannot take logarithm of zero");
    EQ(F("exp", D(0)), "1.0");
    EQ(F("abs", N(TYPE_BIGINT)), "NULL");
    EQ(F("round", N(TYPE_DOUBLE), I(1)), "NULL");
}

/* ------------------------------------------------------------ comparison */

static void test_compare(void **state) {
    (void)state;
    static const char *ops[] = {"=", "<>", "<", "<=", ">", ">="};
    /* a < b for each type: = false, <> true, < true, <= true, > false, >= false */
    static const char *lt[] = {"false", "true", "true", "true", "false", "false"};
    static const char *eq[] = {"true", "false", "false", "true", "false", "true"};
    Expr *small[] = {Bo(false), I(-5), D(-0.5), S("ab"), TSv("2024-01-01"), IVv(10)};
    Expr *big[] = {Bo(true), I(3), D(2.25), S("abc"), TSv("2024-01-01 00:00:01"), IVv(11)};
    for (int t = 0; t < 6; t++) {
        for (int o = 0; o < 6; o++) {
            EQ(F(ops[o], small[t], big[t]), lt[o]);
            EQ(F(ops[o], big[t], big[t]), eq[o]);
            EQ(F(ops[o], small[t], N(TYPE_NULL)), "NULL");
            EQ(F(ops[o], N(TYPE_NULL), big[t]), "NULL");
        }
    }
    /* mixed BIGINT/DOUBLE compares as DOUBLE */
    EQ(F("=", I(2), D(2.0)), "true");
    EQ(F("<", I(2), D(2.5)), "true");
    /* TEXT is bytewise: 'B' < 'a', '' < 'a', UTF-8 after ASCII */
    EQ(F("<", S("B"), S("a")), "true");
    EQ(F("<", S(""), S("a")), "true");
    EQ(F(">", S("\xc3\xa9"), S("z")), "true");
    EQ(F("=", S(""), S("")), "true");
}

/* ------------------------------------------------------------ logic */

static void test_logic_tables(void **state) {
    (void)state;
    Expr *v[3] = {Bo(true), Bo(false), N(TYPE_BOOL)};
    static const char *names[3] = {"true", "false", "NULL"};
    /* rows a, columns b */
    static const int and_t[3][3] = {{0, 1, 2}, {1, 1, 1}, {2, 1, 2}};
    static const int or_t[3][3] = {{0, 0, 0}, {0, 1, 2}, {0, 2, 2}};
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            EQ(AND(v[a], v[b]), names[and_t[a][b]]);
            EQ(OR(v[a], v[b]), names[or_t[a][b]]);
        }
        EQ(NOT(v[a]), names[a == 2 ? 2 : 1 - a]);
        EQ(ISNULL(v[a]), a == 2 ? "true" : "false");
        EQ(ISNOTNULL(v[a]), a == 2 ? "false" : "true");
    }
    EQ(AND(Bo(true), Bo(true), N(TYPE_BOOL)), "NULL");
    EQ(AND(N(TYPE_BOOL), Bo(true), Bo(false)), "false");
    EQ(OR(N(TYPE_BOOL), Bo(false), Bo(true)), "true");
    EQ(OR(Bo(false), Bo(false), Bo(false)), "false");
    EQ(ISNULL(I(1)), "false");
    EQ(ISNULL(N(TYPE_TEXT)), "true");
    EQ(ISNULL(F("+", I(1), N(TYPE_BIGINT))), "true");

    /* the same tables over vectors: a 3x3 grid in one chunk */
    Chunk *c = chunk_new(2, A);
    c->count = c->nsel = 9;
    for (int j = 0; j < 2; j++) {
        vec_alloc(&c->cols[j], TYPE_BOOL, 9, A);
        vec_nulls(&c->cols[j], 9, A);
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            int r = a * 3 + b;
            VEC_BOOL(&c->cols[0])[r] = a == 0;
            c->cols[0].nulls[r] = a == 2;
            VEC_BOOL(&c->cols[1])[r] = b == 0;
            c->cols[1].nulls[r] = b == 2;
        }
    Expr *ca = C(0, TYPE_BOOL), *cb = C(1, TYPE_BOOL);
    Vec out;
    assert_int_equal(expr_eval(&ctx, AND(ca, cb), c, &out), 0);
    for (int r = 0; r < 9; r++) {
        int want = and_t[r / 3][r % 3];
        assert_int_equal(vec_is_null(&out, r), want == 2);
        if (want != 2) assert_int_equal(VEC_BOOL(&out)[r], want == 0);
    }
    assert_int_equal(expr_eval(&ctx, OR(ca, cb), c, &out), 0);
    for (int r = 0; r < 9; r++) {
        int want = or_t[r / 3][r % 3];
        assert_int_equal(vec_is_null(&out, r), want == 2);
        if (want != 2) assert_int_equal(VEC_BOOL(&out)[r], want == 0);
    }
    /* selections: AND selects only (true, true); OR five rows */
    uint32_t sel[9];
    assert_int_equal(expr_select(&ctx, AND(ca, cb), c, sel), 1);
    assert_int_equal(sel[0], 0);
    assert_int_equal(expr_select(&ctx, OR(ca, cb), c, sel), 5);
    static const uint32_t or_rows[] = {0, 1, 2, 3, 6};
    for (int k = 0; k < 5; k++) assert_int_equal(sel[k], or_rows[k]);
    assert_int_equal(expr_select(&ctx, NOT(ca), c, sel), 3);
    assert_int_equal(sel[0], 3);
    assert_int_equal(expr_select(&ctx, ISNULL(ca), c, sel), 3);
    assert_int_equal(sel[0], 6);
    assert_int_equal(expr_select(&ctx, ISNOTNULL(cb), c, sel), 6);
}

/* ------------------------------------------------------------ CASE, IN */

/* A one-column BIGINT chunk; nullrow < 0 for none. */
static Chunk *int_chunk(const int64_t *vals, uint32_t n, int nullrow) {
    Chunk *c = chunk_new(1, A);
    c->count = c->nsel = n;
    vec_alloc(&c->cols[0], TYPE_BIGINT, n, A);
    memcpy(c->cols[0].data, vals, sizeof(int64_t) * n);
    if (nullrow >= 0) {
        vec_nulls(&c->cols[0], n, A)[nullrow] = 1;
        VEC_I64(&c->cols[0])[nullrow] = 0; /* garbage that would divide by zero */
    }
    return c;
}

static void test_case_lazy(void **state) {
    (void)state;
    int64_t xs[] = {0, 2, 5, 0, 7};
    Chunk *c = int_chunk(xs, 5, 4);
    Expr *x = C(0, TYPE_BIGINT);
    /* CASE WHEN x <> 0 THEN 10 / x ELSE -1 END */
    Expr *e = CASE(TYPE_BIGINT, true, F("<>", x, I(0)), F("/", I(10), x), I(-1));
    Vec out;
    err_clear(&err);
    assert_int_equal(expr_eval(&ctx, e, c, &out), 0);
    assert_false(err.set);
    int64_t want[] = {-1, 5, 2, -1, -1};
    for (int i = 0; i < 5; i++) {
        assert_false(vec_is_null(&out, i));
        assert_int_equal(VEC_I64(&out)[i], want[i]);
    }
    /* without ELSE: NULL where no WHEN holds */
    e = CASE(TYPE_BIGINT, false, F("<>", x, I(0)), F("/", I(10), x));
    assert_int_equal(expr_eval(&ctx, e, c, &out), 0);
    assert_true(vec_is_null(&out, 0));
    assert_int_equal(VEC_I64(&out)[1], 5);
    assert_true(vec_is_null(&out, 4));
    /* first true WHEN wins; NULL WHEN is not true */
    e = CASE(TYPE_TEXT, true, F(">", x, I(4)), S("big"), F(">", x, I(1)), S("mid"), S("small"));
    assert_int_equal(expr_eval(&ctx, e, c, &out), 0);
    static const char *w[] = {"small", "mid", "big", "small", "small"};
    for (int i = 0; i < 5; i++) {
        Str s = VEC_STR(&out)[i];
        assert_int_equal(s.len, strlen(w[i]));
        assert_memory_equal(s.ptr, w[i], s.len);
    }
    /* a selection vector over the zero rows only: nothing to divide */
    uint32_t sel[] = {0, 3};
    c->sel = sel;
    c->nsel = 2;
    e = CASE(TYPE_BIGINT, true, F("<>", x, I(0)), F("/", I(10), x), I(-1));
    assert_int_equal(expr_eval(&ctx, e, c, &out), 0);
    assert_int_equal(VEC_I64(&out)[0], -1);
    assert_int_equal(VEC_I64(&out)[3], -1);
    /* ... but dividing unconditionally does fail, and only for selected rows */
    assert_int_equal(expr_eval(&ctx, F("/", I(10), x), c, &out), -1);
    assert_string_equal(err.msg, "division by zero");
    uint32_t sel2[] = {1, 2, 4};
    c->sel = sel2;
    c->nsel = 3;
    err_clear(&err);
    assert_int_equal(expr_eval(&ctx, F("/", I(10), x), c, &out), 0);
    assert_int_equal(VEC_I64(&out)[1], 5);
    assert_true(vec_is_null(&out, 4));
    /* AND evaluates its right side only where the left is not FALSE */
    c->sel = NULL;
    c->nsel = 5;
    e = AND(F("<>", x, I(0)), F(">", F("/", I(10), x), I(2)));
    err_clear(&err);
    assert_int_equal(expr_eval(&ctx, e, c, &out), 0);
    assert_int_equal(VEC_BOOL(&out)[0], 0);
    assert_int_equal(VEC_BOOL(&out)[1], 1);
    assert_int_equal(VEC_BOOL(&out)[2], 0);
    assert_true(vec_is_null(&out, 4));
    uint32_t osel[5];
    assert_int_equal(expr_select(&ctx, e, c, osel), 1);
    assert_int_equal(osel[0], 1);
    /* OR likewise where the left is not TRUE */
    e = OR(F("=", x, I(0)), F(">", F("/", I(10), x), I(2)));
    assert_int_equal(expr_select(&ctx, e, c, osel), 3);
    assert_int_equal(osel[0], 0);
    assert_int_equal(osel[1], 1);
    assert_int_equal(osel[2], 3);
    /* scalar CASE */
    EQ(CASE(TYPE_BIGINT, true, Bo(false), I(1), N(TYPE_BOOL), I(2), I(3)), "3");
    EQ(CASE(TYPE_BIGINT, false, Bo(false), I(1)), "NULL");
    EQ(CASE(TYPE_BIGINT, true, Bo(true), N(TYPE_BIGINT), I(3)), "NULL");
    EQ(CASE(TYPE_BIGINT, true, Bo(false), F("/", I(1), I(0)), I(3)), "3");
}

static void test_in(void **state) {
    (void)state;
    EQ(IN(I(1), I(1), I(2)), "true");
    EQ(IN(I(3), I(1), I(2)), "false");
    EQ(IN(I(1), I(1), N(TYPE_BIGINT)), "true");
    EQ(IN(I(3), I(1), N(TYPE_BIGINT)), "NULL");
    EQ(IN(N(TYPE_BIGINT), I(1), I(2)), "NULL");
    EQ(NOT(IN(I(3), I(1), N(TYPE_BIGINT))), "NULL");
    EQ(IN(S("b"), S("a"), S("b")), "true");
    EQ(IN(D(1.5), D(1.5)), "true");
    EQ(IN(Bo(false), Bo(true)), "false");
    EQ(IN(TSv("2024-01-01"), TSv("2024-01-01")), "true");
    /* many constants: sorted lookup, same NULL rules */
    EQ(IN(I(5), I(9), I(8), I(7), I(6), I(5), I(4), I(3), I(2), I(1)), "true");
    EQ(IN(I(0), I(9), I(8), I(7), I(6), I(5), I(4), I(3), I(2), I(1)), "false");
    EQ(IN(I(0), I(9), I(8), I(7), I(6), I(5), I(4), I(3), I(2), N(TYPE_BIGINT)), "NULL");
    EQ(IN(I(10), I(9), I(8), I(7), I(6), I(5), I(4), I(3), I(2), I(1)), "false");
    EQ(IN(S("d"), S("h"), S("g"), S("f"), S("e"), S("d"), S("c"), S("b"), S("a")), "true");
    EQ(IN(S("dd"), S("h"), S("g"), S("f"), S("e"), S("d"), S("c"), S("b"), S("a")), "false");
    EQ(IN(D(0.0 / 0.0), D(1), D(2), D(3), D(4), D(5), D(6), D(7), D(0.0 / 0.0)), "false");
    /* non-constant list items */
    int64_t xs[] = {1, 2, 3, 4};
    Chunk *c = int_chunk(xs, 4, 3);
    Expr *x = C(0, TYPE_BIGINT);
    Vec out;
    assert_int_equal(expr_eval(&ctx, IN(I(2), x, F("+", x, I(10))), c, &out), 0);
    assert_int_equal(VEC_BOOL(&out)[0], 0);
    assert_int_equal(VEC_BOOL(&out)[1], 1);
    assert_false(vec_is_null(&out, 2));
    assert_true(vec_is_null(&out, 3)); /* 2 IN (NULL, NULL) */
    assert_int_equal(expr_eval(&ctx, IN(x, I(3), I(1)), c, &out), 0);
    assert_int_equal(VEC_BOOL(&out)[0], 1);
    assert_int_equal(VEC_BOOL(&out)[1], 0);
    assert_int_equal(VEC_BOOL(&out)[2], 1);
    assert_true(vec_is_null(&out, 3));
    uint32_t sel[4];
    assert_int_equal(expr_select(&ctx, IN(x, I(3), I(1), N(TYPE_BIGINT)), c, sel), 2);
    assert_int_equal(sel[1], 2);
}

/* ------------------------------------------------------------ conditional */

static void test_conditional(void **state) {
    (void)state;
    EQ(F("coalesce", N(TYPE_NULL), I(2), I(3)), "2");
    EQ(F("coalesce", N(TYPE_BIGINT), N(TYPE_BIGINT)), "NULL");
    EQ(F("coalesce", N(TYPE_NULL), D(1.5), I(1)), "1.5");
    EQ(F("coalesce", S("a")), "a");
    EQ(F("nullif", I(1), I(1)), "NULL");
    EQ(F("nullif", I(1), I(2)), "1");
    EQ(F("nullif", N(TYPE_BIGINT), I(2)), "NULL");
    EQ(F("nullif", I(1), N(TYPE_BIGINT)), "1");
    EQ(F("nullif", S("x"), S("x")), "NULL");
    EQ(F("greatest", I(1), N(TYPE_BIGINT), I(7), I(3)), "7");
    EQ(F("least", S("b"), S("a"), S("c")), "a");
    EQ(F("least", N(TYPE_DOUBLE), N(TYPE_DOUBLE)), "NULL");
    /* coalesce over a vector with NULLs */
    int64_t xs[] = {1, 2, 3};
    Chunk *c = int_chunk(xs, 3, 1);
    Vec out;
    assert_int_equal(expr_eval(&ctx, F("coalesce", C(0, TYPE_BIGINT), I(-1)), c, &out), 0);
    assert_int_equal(VEC_I64(&out)[0], 1);
    assert_int_equal(VEC_I64(&out)[1], -1);
    assert_false(vec_is_null(&out, 1));
}

/* ------------------------------------------------------------ text */

static void test_strings(void **state) {
    (void)state;
    EQ(F("lower", S("HeLLo 123")), "hello 123");
    EQ(F("upper", S("straße")), "STRAßE");
    EQ(F("length", S("h\xc3\xa9llo")), "5");
    EQ(F("octet_length", S("h\xc3\xa9llo")), "6");
    EQ(F("length", S("")), "0");
    EQ(F("substr", S("hello"), I(2)), "ello");
    EQ(F("substr", S("hello"), I(2), I(3)), "ell");
    EQ(F("substr", S("hello"), I(0), I(3)), "he");
    EQ(F("substr", S("hello"), I(-5), I(3)), "");
    EQ(F("substr", S("hello"), I(4), I(100)), "lo");
    EQ(F("substr", S("hello"), I(10)), "");
    EQ(F("substr", S("hello"), I(-1)), "hello");
    EQ(F("substr", S("h\xc3\xa9llo"), I(2), I(2)), "\xc3\xa9l");
    EQ(F("substr", S("hello"), I(2), I(-1)), "error: negative substring length not allowed");
    EQ(F("substring", S("hello"), I(INT64_MAX), I(INT64_MAX)), "");
    EQ(F("substr", S("hello"), I(INT64_MIN), I(INT64_MAX)), "");
    EQ(F("trim", S("  a b  ")), "a b");
    EQ(F("ltrim", S("  a b  ")), "a b  ");
    EQ(F("rtrim", S("  a b  ")), "  a b");
    EQ(F("trim", S("   ")), "");
    EQ(F("trim", S("xxaxyx"), S("xy")), "a");
    EQ(F("ltrim", S("xxaxyx"), S("x")), "axyx");
    EQ(F("rtrim", S("\xc3\xa9" "a\xc3\xa9\xc3\xa9"), S("\xc3\xa9")), "\xc3\xa9" "a");
    EQ(F("replace", S("abcabc"), S("b"), S("XY")), "aXYcaXYc");
    EQ(F("replace", S("aaa"), S("aa"), S("b")), "ba");
    EQ(F("replace", S("abc"), S(""), S("x")), "abc");
    EQ(F("replace", S("abc"), S("abc"), S("")), "");
    EQ(F("concat", S("a"), N(TYPE_TEXT), S("b")), "ab");
    EQ(F("concat", N(TYPE_TEXT)), "");
    EQ(F("concat", S("n="), I(5), S(" d="), D(2.0), S(" "), Bo(true)), "n=5 d=2.0 true");
    EQ(F("||", S("a"), S("b")), "ab");
    EQ(F("||", S("a"), N(TYPE_TEXT)), "NULL");
    EQ(F("||", S("id-"), I(7)), "id-7");
    EQ(F("starts_with", S("hello"), S("he")), "true");
    EQ(F("starts_with", S("hello"), S("lo")), "false");
    EQ(F("starts_with", S("hello"), S("")), "true");
    EQ(F("strpos", S("h\xc3\xa9llo"), S("llo")), "3");
    EQ(F("strpos", S("hello"), S("z")), "0");
    EQ(F("strpos", S("hello"), S("")), "1");
    EQ(F("left", S("hello"), I(2)), "he");
    EQ(F("left", S("hello"), I(-2)), "hel");
    EQ(F("left", S("hello"), I(-9)), "");
    EQ(F("right", S("hello"), I(2)), "lo");
    EQ(F("right", S("hello"), I(-2)), "llo");
    EQ(F("right", S("hello"), I(99)), "hello");
    EQ(F("reverse", S("h\xc3\xa9llo")), "oll\xc3\xa9h");
    EQ(F("repeat", S("ab"), I(3)), "ababab");
    EQ(F("repeat", S("ab"), I(-1)), "");
    EQ(F("repeat", S("ab"), I(INT64_MAX)), "error: requested length too large");
    EQ(F("lower", N(TYPE_TEXT)), "NULL");
    EQ(F("substr", S("abc"), N(TYPE_BIGINT)), "NULL");
}

/* Reference LIKE: plain recursion over characters (bytes here; tests are ASCII). */
static bool like_ref(const char *s, const char *p) {
    if (!*p) return !*s;
    if (*p == '%') return like_ref(s, p + 1) || (*s && like_ref(s + 1, p));
    if (!*s) return false;
    if (*p == '\\' && p[1]) return *s == p[1] && like_ref(s + 1, p + 2);
    if (*p == '_' || *p == *s) return like_ref(s + 1, p + 1);
    return false;
}

static void test_like(void **state) {
    (void)state;
    static const char *pats[] = {
        "", "%", "%%", "abc", "abc%", "%abc", "%abc%", "a%c", "a%b%c", "%a%b%c%", "a_c", "_", "__%",
        "%_", "a%", "%c", "%b%", "ab%ab", "%ab%ab%", "a\\%c", "a\\_c", "%\\%", "_b_", "a%%c", "%a_%",
        "abcabc", "%ca%", "c%a", "%x%",
    };
    static const char *strs[] = {
        "", "a", "b", "c", "ab", "abc", "abcc", "aXc", "a%c", "a_c", "abab", "ababab", "ab_ab",
        "cba", "abcabc", "xyz", "acb", "aabbcc", "%", "caba",
    };
    for (size_t p = 0; p < sizeof pats / sizeof *pats; p++) {
        for (size_t s = 0; s < sizeof strs / sizeof *strs; s++) {
            const char *want = like_ref(strs[s], pats[p]) ? "true" : "false";
            const char *got = ev(F("like", S(strs[s]), S(pats[p])));
            if (strcmp(want, got) != 0) fail_msg("'%s' LIKE '%s': want %s, got %s", strs[s], pats[p], want, got);
        }
    }
    EQ(F("like", S("ABC"), S("abc")), "false");
    EQ(F("ilike", S("ABC"), S("a%c")), "true");
    EQ(F("like", S("h\xc3\xa9llo"), S("h_llo")), "true");
    EQ(F("like", S("h\xc3\xa9llo"), S("h__llo")), "false");
    EQ(F("like", N(TYPE_TEXT), S("%")), "NULL");
    EQ(F("like", S("a"), N(TYPE_TEXT)), "NULL");
    /* a column pattern: compiled per distinct pattern */
    Chunk *c = chunk_new(2, A);
    c->count = c->nsel = 4;
    static const char *ss[] = {"abc", "abc", "xbc", "abd"}, *ps[] = {"a%", "%c", "a%", "%d%"};
    for (int j = 0; j < 2; j++) vec_alloc(&c->cols[j], TYPE_TEXT, 4, A);
    for (int i = 0; i < 4; i++) {
        VEC_STR(&c->cols[0])[i] = str_from(ss[i], strlen(ss[i]));
        VEC_STR(&c->cols[1])[i] = str_from(ps[i], strlen(ps[i]));
    }
    Vec out;
    assert_int_equal(expr_eval(&ctx, F("like", C(0, TYPE_TEXT), C(1, TYPE_TEXT)), c, &out), 0);
    assert_int_equal(VEC_BOOL(&out)[0], 1);
    assert_int_equal(VEC_BOOL(&out)[1], 1);
    assert_int_equal(VEC_BOOL(&out)[2], 0);
    assert_int_equal(VEC_BOOL(&out)[3], 1);
}

/* ------------------------------------------------------------ date/time */

static void test_datetime(void **state) {
    (void)state;
    Expr *ts = TSv("2024-03-15 13:45:30.250000");
    EQ(F("+", ts, IVv(USEC_PER_DAY)), "2024-03-16 13:45:30.250000");
    EQ(F("+", IVv(USEC_PER_HOUR), ts), "2024-03-15 14:45:30.250000");
    EQ(F("-", ts, IVv(30 * USEC_PER_SEC)), "2024-03-15 13:45:00.250000");
    EQ(F("-", TSv("2024-01-02"), TSv("2024-01-01 12:00:00")), "12:00:00");
    EQ(F("-", TSv("2024-01-01"), TSv("2024-01-03")), "-2 days 00:00:00");
    EQ(F("+", IVv(USEC_PER_MIN), IVv(USEC_PER_SEC)), "00:01:01");
    EQ(F("-", IVv(USEC_PER_MIN), IVv(USEC_PER_SEC)), "00:00:59");
    EQ(F("*", IVv(USEC_PER_MIN), I(3)), "00:03:00");
    EQ(F("*", I(2), IVv(USEC_PER_HOUR)), "02:00:00");
    EQ(F("*", IVv(USEC_PER_MIN), D(1.5)), "00:01:30");
    EQ(F("/", IVv(USEC_PER_MIN), I(4)), "00:00:15");
    EQ(F("neg", IVv(USEC_PER_MIN)), "-00:01:00");
    EQ(F("+", TSv("2024-01-01"), IVv(INT64_MAX)), "error: timestamp out of range");
    EQ(F("*", IVv(INT64_MAX / 2), I(3)), "error: interval out of range");
    EQ(F("+", ts, N(TYPE_INTERVAL)), "NULL");

    EQ(F("date_trunc", S("second"), ts), "2024-03-15 13:45:30");
    EQ(F("date_trunc", S("minute"), ts), "2024-03-15 13:45:00");
    EQ(F("date_trunc", S("HOUR"), ts), "2024-03-15 13:00:00");
    EQ(F("date_trunc", S("day"), ts), "2024-03-15 00:00:00");
    EQ(F("date_trunc", S("week"), ts), "2024-03-11 00:00:00"); /* a Monday */
    EQ(F("date_trunc", S("month"), ts), "2024-03-01 00:00:00");
    EQ(F("date_trunc", S("quarter"), TSv("2024-08-15")), "2024-07-01 00:00:00");
    EQ(F("date_trunc", S("year"), ts), "2024-01-01 00:00:00");
    EQ(F("date_trunc", S("milliseconds"), TSv("2024-01-01 00:00:00.123456")), "2024-01-01 00:00:00.123000");
    EQ(F("date_trunc", S("decade"), ts), "2020-01-01 00:00:00");
    EQ(F("date_trunc", S("century"), ts), "2001-01-01 00:00:00");
    EQ(F("date_trunc", S("fortnight"), ts), "error: unit \"fortnight\" not recognized for date_trunc");
    /* before 1970: truncation floors */
    EQ(F("date_trunc", S("hour"), TSv("1969-12-31 23:59:59.5")), "1969-12-31 23:00:00");
    EQ(F("date_trunc", S("week"), TSv("1969-12-31 10:00:00")), "1969-12-29 00:00:00");
    EQ(F("date_trunc", S("month"), TSv("1900-02-28 10:00:00")), "1900-02-01 00:00:00");

    EQ(F("extract", S("year"), ts), "2024");
    EQ(F("extract", S("month"), ts), "3");
    EQ(F("extract", S("day"), ts), "15");
    EQ(F("extract", S("hour"), ts), "13");
    EQ(F("extract", S("minute"), ts), "45");
    EQ(F("extract", S("second"), ts), "30.25");
    EQ(F("extract", S("millisecond"), ts), "30250.0");
    EQ(F("extract", S("epoch"), TSv("1970-01-02")), "86400.0");
    EQ(F("extract", S("epoch"), ts), "1710510330.25");
    EQ(F("extract", S("dow"), ts), "5");      /* Friday */
    EQ(F("extract", S("dow"), TSv("2024-03-17")), "0"); /* Sunday */
    EQ(F("extract", S("isodow"), TSv("2024-03-17")), "7");
    EQ(F("extract", S("doy"), ts), "75");
    EQ(F("extract", S("doy"), TSv("2023-12-31")), "365");
    EQ(F("extract", S("quarter"), ts), "1");
    EQ(F("extract", S("week"), TSv("2024-01-01")), "1");
    EQ(F("extract", S("week"), TSv("2021-01-03")), "53");
    EQ(F("extract", S("century"), TSv("2000-06-01")), "20");
    EQ(F("extract", S("year"), TSv("1969-12-31 23:59:59")), "1969");
    EQ(F("extract", S("second"), TSv("1969-12-31 23:59:58.5")), "58.5");
    EQ(F("extract", S("epoch"), IVv(90 * USEC_PER_SEC)), "90.0");
    EQ(F("extract", S("minute"), IVv(90 * USEC_PER_SEC)), "1");
    EQ(F("extract", S("day"), IVv(50 * USEC_PER_HOUR)), "2");
    EQ(F("extract", S("month"), IVv(1)), "error: extract field \"month\" not supported for INTERVAL");
    EQ(F("extract", S("bogus"), ts), "error: extract field \"bogus\" not recognized");
    EQ(F("date_part", S("year"), ts), "2024");
    EQ(F("extract", S("year"), N(TYPE_TIMESTAMP)), "NULL");

    EQ(F0("now"), "2023-11-14 22:13:20");
    EQ(F("to_timestamp", I(0)), "1970-01-01 00:00:00");
    EQ(F("to_timestamp", D(1.5)), "1970-01-01 00:00:01.500000");
    EQ(F("to_timestamp", D(1e300)), "error: timestamp out of range");
    EQ(F("epoch_ms", ts), "1710510330250");
    EQ(F("epoch_ms", TSv("1969-12-31 23:59:59.9995")), "-1");
    EQ(F("epoch_ms", I(1500)), "1970-01-01 00:00:01.500000");
    EQ(F("<", F("-", F0("now"), IVv(USEC_PER_HOUR)), F0("now")), "true");
}

/* ------------------------------------------------------------ casts */

static void test_casts(void **state) {
    (void)state;
    EQ(CAST(I(3), TYPE_DOUBLE), "3.0");
    EQ(CAST(D(2.5), TYPE_BIGINT), "3");
    EQ(CAST(D(-2.5), TYPE_BIGINT), "-3");
    EQ(CAST(D(2.4999), TYPE_BIGINT), "2");
    EQ(CAST(D(1e19), TYPE_BIGINT), "error: bigint out of range");
    EQ(CAST(D(-9.3e18), TYPE_BIGINT), "error: bigint out of range");
    EQ(CAST(I(42), TYPE_TEXT), "42");
    EQ(CAST(I(INT64_MIN), TYPE_TEXT), "-9223372036854775808");
    EQ(CAST(D(0.1), TYPE_TEXT), "0.1");
    EQ(CAST(D(2), TYPE_TEXT), "2.0");
    EQ(CAST(S(" 17 "), TYPE_BIGINT), "17");
    EQ(CAST(S("-9223372036854775808"), TYPE_BIGINT), "-9223372036854775808");
    EQ(CAST(S("9223372036854775808"), TYPE_BIGINT), "error: cannot cast TEXT '9223372036854775808' to BIGINT");
    EQ(CAST(S("abc"), TYPE_BIGINT), "error: cannot cast TEXT 'abc' to BIGINT");
    EQ(CAST(S("1.5"), TYPE_BIGINT), "error: cannot cast TEXT '1.5' to BIGINT");
    EQ(CAST(S(""), TYPE_BIGINT), "error: cannot cast TEXT '' to BIGINT");
    EQ(CAST(S("1.5e3"), TYPE_DOUBLE), "1500.0");
    EQ(CAST(S("x1"), TYPE_DOUBLE), "error: cannot cast TEXT 'x1' to DOUBLE");
    static const char *yes[] = {"true", "TRUE", "t", "1", "yes", "Yes", " true "};
    static const char *no[] = {"false", "F", "0", "no", "NO"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) EQ(CAST(S(yes[i]), TYPE_BOOL), "true");
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) EQ(CAST(S(no[i]), TYPE_BOOL), "false");
    EQ(CAST(S("maybe"), TYPE_BOOL), "error: cannot cast TEXT 'maybe' to BOOLEAN");
    EQ(CAST(Bo(true), TYPE_BIGINT), "1");
    EQ(CAST(Bo(false), TYPE_DOUBLE), "0.0");
    EQ(CAST(I(0), TYPE_BOOL), "false");
    EQ(CAST(I(-3), TYPE_BOOL), "true");
    EQ(CAST(Bo(true), TYPE_TEXT), "true");
    EQ(CAST(S("2024-01-02 03:04:05"), TYPE_TIMESTAMP), "2024-01-02 03:04:05");
    EQ(CAST(S("2024-01-02T03:04:05.5Z"), TYPE_TIMESTAMP), "2024-01-02 03:04:05.500000");
    EQ(CAST(S("2024-01-02"), TYPE_TIMESTAMP), "2024-01-02 00:00:00");
    EQ(CAST(S("2024-13-02"), TYPE_TIMESTAMP), "error: cannot cast TEXT '2024-13-02' to TIMESTAMP");
    EQ(CAST(TSv("2024-01-02 03:04:05.000001"), TYPE_TEXT), "2024-01-02 03:04:05.000001");
    EQ(CAST(S("1 hour"), TYPE_INTERVAL), "01:00:00");
    EQ(CAST(S("2 days 30 minutes"), TYPE_INTERVAL), "2 days 00:30:00");
    EQ(CAST(S("soon"), TYPE_INTERVAL), "error: cannot cast TEXT 'soon' to INTERVAL");
    EQ(CAST(IVv(90 * USEC_PER_SEC), TYPE_TEXT), "00:01:30");
    EQ(CAST(N(TYPE_NULL), TYPE_TIMESTAMP), "NULL");
    EQ(CAST(N(TYPE_TEXT), TYPE_BIGINT), "NULL");
    EQ(CAST(I(5), TYPE_BIGINT), "5");
    EQ(CAST(I(5), TYPE_TIMESTAMP),
       "error: cannot cast BIGINT to TIMESTAMP (use to_timestamp(seconds) or epoch_ms(milliseconds))");
    EQ(CAST(TSv("2024-01-01"), TYPE_BIGINT),
       "error: cannot cast TIMESTAMP to BIGINT (use epoch_ms(ts) or extract(epoch from ts))");
    EQ(CAST(TSv("2024-01-01"), TYPE_INTERVAL), "error: cannot cast TIMESTAMP to INTERVAL");
    EQ(CAST(Bo(true), TYPE_TIMESTAMP), "error: cannot cast BOOLEAN to TIMESTAMP");
    /* a long value is cut short in the message */
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    const char *m = ev(CAST(S(big), TYPE_BIGINT));
    assert_true(strlen(m) < 200);
    assert_non_null(strstr(m, "...' to BIGINT"));

    /* the cast matrix and cast_check */
    assert_true(cast_exists(TYPE_TEXT, TYPE_INTERVAL));
    assert_true(cast_exists(TYPE_NULL, TYPE_BOOL));
    assert_false(cast_exists(TYPE_INTERVAL, TYPE_BIGINT));
    assert_false(cast_exists(TYPE_BIGINT, TYPE_TIMESTAMP));
    err_clear(&err);
    assert_int_equal(cast_check(TYPE_BIGINT, TYPE_TEXT, &err, 3), 0);
    assert_false(err.set);
    assert_int_equal(cast_check(TYPE_DOUBLE, TYPE_TIMESTAMP, &err, 3), -1);
    assert_int_equal(err.offset, 3);
    assert_string_equal(err.msg, "cannot cast DOUBLE to TIMESTAMP (use to_timestamp(seconds))");

    /* value_cast */
    Value in = {.type = TYPE_TEXT}, out;
    in.u.s = str_from("12", 2);
    err_clear(&err);
    assert_true(value_cast(&in, TYPE_BIGINT, &out, A, &err));
    assert_int_equal(out.type, TYPE_BIGINT);
    assert_int_equal(out.u.i, 12);
    in.u.s = str_from("x", 1);
    assert_false(value_cast(&in, TYPE_DOUBLE, &out, A, &err));
    assert_string_equal(err.msg, "cannot cast TEXT 'x' to DOUBLE");
    Value nv = {.type = TYPE_NULL, .null = true};
    err_clear(&err);
    assert_true(value_cast(&nv, TYPE_TEXT, &out, A, &err));
    assert_true(out.null);
    assert_int_equal(out.type, TYPE_TEXT);
    Value dv = {.type = TYPE_DOUBLE};
    dv.u.d = 0.5;
    assert_true(value_cast(&dv, TYPE_TEXT, &out, A, &err));
    assert_int_equal(out.u.s.len, 3);
    assert_memory_equal(out.u.s.ptr, "0.5", 3);
    Value tv = {.type = TYPE_TIMESTAMP};
    tv.u.i = 0;
    assert_false(value_cast(&tv, TYPE_DOUBLE, &out, A, &err));
}

/* ------------------------------------------------------------ differential */

/*
** The test table: NROWS rows of BIGINT a (NULL every 7th row), DOUBLE b,
** TEXT s (NULL every 5th), TIMESTAMP t, BOOLEAN f (NULL every 11th),
** BIGINT z (zero every 3rd row).
*/
#define NROWS 4100
enum { CA, CB, CS, CT, CF, CZ, NCOLS };
static const Type col_types[NCOLS] = {TYPE_BIGINT, TYPE_DOUBLE, TYPE_TEXT, TYPE_TIMESTAMP, TYPE_BOOL, TYPE_BIGINT};
static Value table[NROWS][NCOLS];

static void make_table(void) {
    static const char *words[] = {"apple", "banana", "cherry", "Apple", "", "b%c", "date fruit", "élan", "xyzzy"};
    uint64_t seed = 12345;
    for (int r = 0; r < NROWS; r++) {
        for (int c = 0; c < NCOLS; c++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t x = seed >> 33;
            Value *v = &table[r][c];
            memset(v, 0, sizeof *v);
            v->type = col_types[c];
            switch (c) {
            case CA: v->null = r % 7 == 3; v->u.i = (int64_t)(x % 41) - 20; break;
            case CB: v->u.d = (double)(int64_t)(x % 2001 - 1000) / 8.0; break;
            case CS:
                v->null = r % 5 == 2;
                v->u.s = str_from(words[x % 9], strlen(words[x % 9]));
                break;
            case CT: v->u.i = (int64_t)(x % 4000000000ULL) * 1000000LL - 2000000000LL * 1000000LL + (int64_t)(x % 1000); break;
            case CF: v->null = r % 11 == 4; v->u.b = x & 1; break;
            case CZ: v->u.i = r % 3 == 0 ? 0 : (int64_t)(x % 9) + 1; break;
            }
        }
    }
}

/* e with every column reference replaced by row r's value. */
static Expr *subst(Expr *e, int r) {
    if (e->kind == EXPR_COLUMN) {
        Expr *c = expr_const(A, &table[r][e->col]);
        c->type = e->type;
        return c;
    }
    Expr *c = expr_new(A, e->kind, e->type, e->nargs);
    Expr **args = c->args;
    *c = *e;
    c->args = args;
    for (int i = 0; i < e->nargs; i++) c->args[i] = subst(e->args[i], r);
    return c;
}

/* Chunk of rows [r0, r0 + n) of the table. */
static Chunk *table_chunk(int r0, uint32_t n) {
    Chunk *c = chunk_new(NCOLS, A);
    c->count = c->nsel = n;
    for (int j = 0; j < NCOLS; j++) {
        vec_alloc(&c->cols[j], col_types[j], n, A);
        bool any_null = false;
        for (uint32_t i = 0; i < n; i++) any_null |= table[r0 + i][j].null;
        if (any_null) vec_nulls(&c->cols[j], n, A);
        for (uint32_t i = 0; i < n; i++) {
            vec_set(&c->cols[j], i, &table[r0 + i][j], n, A);
            /* NULL slots hold garbage, as they may in real chunks */
            if (table[r0 + i][j].null) {
                if (col_types[j] == TYPE_TEXT)
                    VEC_STR(&c->cols[j])[i] = str_from((const char *)(uintptr_t)0x10, 0xFFFFFF);
                else if (col_types[j] == TYPE_BOOL)
                    VEC_BOOL(&c->cols[j])[i] = 1;
                else
                    VEC_I64(&c->cols[j])[i] = 0;
            }
        }
    }
    return c;
}

static bool same_value(const Vec *v, uint32_t i, const Value *want) {
    Value got;
    vec_get(v, i, &got);
    if (got.null || want->null) return got.null == want->null;
    switch (want->type) {
    case TYPE_BOOL: return (got.u.b != 0) == (want->u.b != 0);
    case TYPE_DOUBLE: return got.u.d == want->u.d || (got.u.d != got.u.d && want->u.d != want->u.d);
    case TYPE_TEXT: return str_eq(got.u.s, want->u.s);
    default: return got.u.i == want->u.i;
    }
}

static const char *vec_text(const Vec *v, uint32_t i) {
    Value g;
    vec_get(v, i, &g);
    return value_to_text(A, &g);
}

/*
** Evaluate e over the table in chunks of `size` rows, with selection mode
** `mode` (0: none, 1: every other row, 2: pseudo-random third, 3: empty),
** and compare every active row with the scalar evaluation.  For BOOLEAN
** expressions also check expr_select against the same truth.
*/
static void differential(Expr *e, uint32_t size, int mode) {
    uint32_t sel[NROWS], osel[NROWS];
    for (int r0 = 0; r0 < NROWS; r0 += (int)size) {
        arena_reset(A);
        uint32_t n = (uint32_t)(NROWS - r0) < size ? (uint32_t)(NROWS - r0) : size;
        Chunk *c = table_chunk(r0, n);
        if (mode) {
            uint32_t m = 0;
            for (uint32_t i = 0; i < n; i++)
                if ((mode == 1 && (r0 + i) % 2 == 1) || (mode == 2 && ((r0 + i) * 2654435761u) % 3 == 0)) sel[m++] = i;
            c->sel = sel;
            c->nsel = m;
        }
        Vec out;
        err_clear(&err);
        if (expr_eval(&ctx, e, c, &out) < 0) fail_msg("eval failed: %s", err.msg);
        for (uint32_t k = 0; k < chunk_active(c); k++) {
            uint32_t i = chunk_row(c, k);
            Value want;
            err_clear(&err);
            if (expr_eval_const(&ctx, subst((Expr *)e, r0 + (int)i), &want) < 0)
                fail_msg("scalar eval failed on row %d: %s", r0 + (int)i, err.msg);
            if (!same_value(&out, i, &want))
                fail_msg("row %d (chunk size %u, mode %d): vector %s, scalar %s", r0 + (int)i, size, mode,
                         vec_text(&out, i), value_to_text(A, &want));
        }
        if (e->type != TYPE_BOOL) continue;
        /* expr_select: the rows whose scalar value is TRUE, in order */
        uint32_t expect[NROWS], ne = 0;
        for (uint32_t k = 0; k < chunk_active(c); k++) {
            uint32_t i = chunk_row(c, k);
            Value want;
            assert_int_equal(expr_eval_const(&ctx, subst((Expr *)e, r0 + (int)i), &want), 0);
            if (!want.null && want.u.b) expect[ne++] = i;
        }
        for (int inplace = 0; inplace < 2; inplace++) {
            /* in place: the output array is the chunk's own selection */
            if (inplace && c->sel) {
                memcpy(osel, sel, sizeof(uint32_t) * c->nsel);
                c->sel = osel;
            }
            err_clear(&err);
            int m = expr_select(&ctx, e, c, osel);
            if (m < 0) fail_msg("select failed: %s", err.msg);
            if ((uint32_t)m != ne) fail_msg("select: %d rows, want %u (size %u mode %d)", m, ne, size, mode);
            for (uint32_t k = 0; k < ne; k++)
                if (osel[k] != expect[k]) fail_msg("select row %u differs (size %u mode %d)", k, size, mode);
            if (c->sel) c->sel = sel;
        }
    }
}

static Expr **diff_exprs(int *n) {
    Expr *a = C(CA, TYPE_BIGINT), *b = C(CB, TYPE_DOUBLE), *s = C(CS, TYPE_TEXT), *t = C(CT, TYPE_TIMESTAMP),
         *f = C(CF, TYPE_BOOL), *z = C(CZ, TYPE_BIGINT);
    Expr *list[] = {
        a, I(7), N(TYPE_BIGINT), S("k"),
        F("+", a, I(1)), F("-", a, z), F("*", a, b), F("/", b, D(3)), F("neg", a), F("abs", b),
        F("+", a, N(TYPE_BIGINT)), F("round", b), F("round", b, I(1)), F("floor", b), F("ceil", b),
        F("<", a, I(10)), F("<", I(10), a), F(">=", a, z), F("=", s, S("apple")), F("<>", s, S("apple")),
        F("<", s, S("b")), F(">", S("b"), s), F("<=", b, a), F("=", f, Bo(true)), F("<>", f, Bo(false)),
        F("<", t, TSv("2000-01-01")), F(">=", t, t), F("=", a, N(TYPE_BIGINT)), F("<", s, s), F("=", f, f),
        F("<", a, CAST(S("3"), TYPE_BIGINT)), F(">", b, I(2)),
        AND(F("<", a, I(10)), F(">", a, I(-5))), OR(f, F("<", a, I(0)), ISNULL(s)), NOT(f),
        AND(f, F("<>", z, I(0)), F(">", F("/", I(100), z), I(20))),
        OR(F("=", z, I(0)), F("<", F("%", a, z), I(2))),
        ISNULL(a), ISNOTNULL(F("||", s, S("!"))),
        CASE(TYPE_BIGINT, true, F("<>", z, I(0)), F("/", a, z), I(-1)),
        CASE(TYPE_TEXT, false, f, s, F("<", a, I(0)), S("neg")),
        CASE(TYPE_DOUBLE, true, ISNULL(a), b, F("*", b, I(2))),
        IN(a, I(1), I(2), I(3)), IN(a, I(1), N(TYPE_BIGINT)), IN(s, S("apple"), S("élan")), IN(z, a, I(5)),
        /* long lists take the sorted path */
        IN(a, I(19), I(-20), I(7), I(3), I(-1), I(0), I(12), I(5), I(8), I(-13)),
        IN(a, I(19), I(-20), I(7), I(3), N(TYPE_BIGINT), I(0), I(12), I(5), I(8), I(-13), z),
        IN(b, D(0.5), D(-1), D(2.25), D(100), D(-0.125), D(3), D(4), D(5), D(6)),
        IN(s, S("x"), S("banana"), S("a"), S(""), S("b%c"), S("y"), S("Apple"), S("zz"), S("q")),
        IN(t, TSv("2000-01-01"), TSv("1990-01-01"), TSv("1980-01-01"), TSv("1970-01-01"), TSv("2010-01-01"),
           TSv("2020-01-01"), TSv("2030-01-01"), TSv("2040-01-01"), t),
        F("coalesce", a, z), F("coalesce", s, S("none")), F("nullif", a, I(0)), F("greatest", a, z, I(3)),
        F("lower", s), F("upper", s), F("length", s), F("substr", s, I(2), I(3)), F("trim", s),
        F("replace", s, S("a"), S("AA")), F("concat", s, a, S("|")), F("||", s, a),
        F("like", s, S("%an%")), F("like", s, S("a%")), F("like", s, S("_pple")), F("ilike", s, S("a%")),
        F("starts_with", s, S("b")), F("strpos", s, S("an")),
        F("date_trunc", S("day"), t), F("date_trunc", S("month"), t), F("date_trunc", S("week"), t),
        F("extract", S("year"), t), F("extract", S("dow"), t), F("extract", S("epoch"), t),
        F("extract", S("second"), t), F("+", t, IVv(USEC_PER_HOUR)), F("-", t, TSv("2000-01-01")),
        F("epoch_ms", t),
        CAST(a, TYPE_TEXT), CAST(b, TYPE_BIGINT), CAST(b, TYPE_TEXT), CAST(t, TYPE_TEXT), CAST(f, TYPE_BIGINT),
        CAST(CAST(a, TYPE_TEXT), TYPE_BIGINT), CAST(CAST(t, TYPE_TEXT), TYPE_TIMESTAMP),
        F("=", CAST(CAST(b, TYPE_TEXT), TYPE_DOUBLE), b), F0("now"),
    };
    *n = (int)(sizeof list / sizeof list[0]);
    Expr **out = xmalloc(sizeof list);
    memcpy(out, list, sizeof list);
    return out;
}

static void test_differential(void **state) {
    (void)state;
    make_table();
    /* build expressions in their own arena: the differential loop resets A */
    Arena *keep = A;
    A = arena_new(0);
    int n;
    Expr **es = diff_exprs(&n);
    Arena *exprs = A;
    A = keep;
    ctx.arena = A;
    static const uint32_t sizes[] = {1, 2, 3, 2048};
    for (int i = 0; i < n; i++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (int mode = 0; mode < 3; mode++) {
                if (sizes[s] < 3 && mode == 2 && i % 4) continue; /* keep the run short */
                differential(es[i], sizes[s], mode);
            }
    free(es);
    arena_delete(exprs);
}

/* ------------------------------------------------------------ selections */

static void test_select_shapes(void **state) {
    (void)state;
    enum { N2 = 2048 };
    Chunk *c = chunk_new(2, A);
    c->count = c->nsel = N2;
    vec_alloc(&c->cols[0], TYPE_BIGINT, N2, A);
    vec_alloc(&c->cols[1], TYPE_DOUBLE, N2, A);
    for (int i = 0; i < N2; i++) {
        VEC_I64(&c->cols[0])[i] = i % 100;
        VEC_F64(&c->cols[1])[i] = (i % 50) / 2.0;
    }
    uint32_t *sel = arena_alloc(A, sizeof(uint32_t) * N2);
    Expr *v = C(0, TYPE_BIGINT), *d = C(1, TYPE_DOUBLE);
    assert_int_equal(expr_select(&ctx, F("<", v, I(10)), c, sel), N2 / 100 * 10 + 10);
    assert_int_equal(sel[10], 100);
    assert_int_equal(expr_select(&ctx, F(">", I(10), v), c, sel), N2 / 100 * 10 + 10);
    assert_int_equal(expr_select(&ctx, F("=", v, I(99)), c, sel), 20);
    assert_int_equal(sel[0], 99);
    /* BIGINT column against a DOUBLE constant: the binder casts the column */
    assert_int_equal(expr_select(&ctx, F("<", v, D(9.5)), c, sel), N2 / 100 * 10 + 10);
    assert_int_equal(expr_select(&ctx, F("<", d, I(1)), c, sel), N2 / 50 * 2 + 2);
    assert_int_equal(expr_select(&ctx, F("=", v, N(TYPE_BIGINT)), c, sel), 0);
    assert_int_equal(expr_select(&ctx, Bo(true), c, sel), N2);
    assert_int_equal(expr_select(&ctx, Bo(false), c, sel), 0);
    assert_int_equal(expr_select(&ctx, N(TYPE_BOOL), c, sel), 0);
    /* narrowing in place: select over a selection written into itself */
    uint32_t m = (uint32_t)expr_select(&ctx, F("<", v, I(50)), c, sel);
    c->sel = sel;
    c->nsel = m;
    int m2 = expr_select(&ctx, F(">=", v, I(40)), c, sel);
    assert_int_equal(m2, N2 / 100 * 10 + 8);
    for (int k = 0; k < m2; k++) assert_true(sel[k] % 100 >= 40 && sel[k] % 100 < 50);
    /* an evaluation error inside a selection propagates */
    c->sel = NULL;
    c->nsel = N2;
    err_clear(&err);
    assert_int_equal(expr_select(&ctx, F("<", F("/", I(1), v), I(1)), c, sel), -1);
    assert_string_equal(err.msg, "division by zero");
    /* an empty chunk */
    c->count = c->nsel = 0;
    assert_int_equal(expr_select(&ctx, F("<", v, I(10)), c, sel), 0);
    Vec out;
    assert_int_equal(expr_eval(&ctx, F("+", v, I(1)), c, &out), 0);
    /* a bad column reference is an error, not a crash */
    err_clear(&err);
    assert_int_equal(expr_eval(&ctx, C(5, TYPE_BIGINT), c, &out), -1);
    err_clear(&err);
    Value val;
    assert_int_equal(expr_eval_const(&ctx, F("+", v, I(1)), &val), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_exprs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arith, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numeric_funcs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logic_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_lazy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_like, setup, teardown),
        cmocka_unit_test_setup_teardown(test_datetime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_casts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_differential, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
