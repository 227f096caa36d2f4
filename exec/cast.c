/*
** Casts between SQL types, for vectors (EXPR_CAST, the implicit casts the
** binder inserts) and for single values (constant folding, INSERT).
**
** Which casts exist:
**
**   from \ to   BOOLEAN  BIGINT  DOUBLE  TEXT  TIMESTAMP  INTERVAL
**   BOOLEAN        =       yes     yes    yes      -          -
**   BIGINT        yes       =      yes    yes      -          -
**   DOUBLE        yes      yes      =     yes      -          -
**   TEXT          yes      yes     yes     =      yes        yes
**   TIMESTAMP      -        -       -     yes      =          -
**   INTERVAL       -        -       -     yes      -          =
**
** and NULL (the untyped literal) casts to everything.  As in PostgreSQL,
** numbers do not become timestamps by a cast: the error names the function
** that does it (to_timestamp, epoch_ms).  Conversions that can fail on a
** value (text that is not a number, a double beyond BIGINT) raise an error
** naming the value, e.g. `cannot cast TEXT 'abc' to BIGINT`; a cast never
** turns a value into NULL.
**
** Text formats are those of types.h: value_to_text's for output, ts_parse /
** interval_parse / parse_int64 / parse_double / parse_bool for input.
*/
#include <math.h>
#include <stdio.h>

#include "func_internal.h"

static const bool cast_table[TYPE__COUNT][TYPE__COUNT] = {
    /*               NULL   BOOL   BIGINT DOUBLE TEXT   TS     IV */
    [TYPE_NULL] = {true, true, true, true, true, true, true},
    [TYPE_BOOL] = {false, true, true, true, true, false, false},
    [TYPE_BIGINT] = {false, true, true, true, true, false, false},
    [TYPE_DOUBLE] = {false, true, true, true, true, false, false},
    [TYPE_TEXT] = {false, true, true, true, true, true, true},
    [TYPE_TIMESTAMP] = {false, false, false, false, true, true, false},
    [TYPE_INTERVAL] = {false, false, false, false, true, false, true},
};

bool cast_exists(Type from, Type to) {
    if ((unsigned)from >= TYPE__COUNT || (unsigned)to >= TYPE__COUNT) return false;
    return cast_table[from][to];
}

/*
** Record why CAST(from AS to) is refused; -1 when refused, 0 when the cast
** exists.  Where a function does the job, the message says which.
*/
int cast_check(Type from, Type to, Err *err, int pos) {
    if (cast_exists(from, to)) return 0;
    const char *hint = "";
    if (to == TYPE_TIMESTAMP && from == TYPE_BIGINT)
        hint = " (use to_timestamp(seconds) or epoch_ms(milliseconds))";
    else if (to == TYPE_TIMESTAMP && from == TYPE_DOUBLE)
        hint = " (use to_timestamp(seconds))";
    else if (from == TYPE_TIMESTAMP && type_is_numeric(to))
        hint = " (use epoch_ms(ts) or extract(epoch from ts))";
    else if (from == TYPE_INTERVAL && type_is_numeric(to))
        hint = " (use extract(epoch from interval))";
    return err_at(err, pos, "cannot cast %s to %s%s", type_name(from), type_name(to), hint);
}

/* `cannot cast TEXT 'abc' to BIGINT`, the value cut at 100 bytes. */
static int bad_text(FuncCtx *ctx, Str s, Type to, int pos) {
    int len = s.len > 100 ? 100 : (int)s.len;
    return err_at(ctx->err, pos, "cannot cast TEXT '%.*s%s' to %s", len, s.ptr, s.len > 100 ? "..." : "",
                  type_name(to));
}

/* Leading and trailing whitespace off, as every text input accepts. */
static Str strip(Str s) {
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\n' || s.ptr[0] == '\r')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' || s.ptr[s.len - 1] == '\n' ||
                     s.ptr[s.len - 1] == '\r'))
        s.len--;
    return s;
}

/* Text of row i of a non-TEXT vector, in ctx->arena. */
static Str to_text(FuncCtx *ctx, const Vec *in, uint32_t i) {
    char buf[64];
    int len;
    switch (in->type) {
    case TYPE_BOOL: return VEC_BOOL(in)[i] ? str_from("true", 4) : str_from("false", 5);
    case TYPE_BIGINT: len = snprintf(buf, sizeof buf, "%lld", (long long)VEC_I64(in)[i]); break;
    case TYPE_DOUBLE: len = double_format(VEC_F64(in)[i], buf, sizeof buf); break;
    case TYPE_TIMESTAMP: len = ts_format(VEC_I64(in)[i], buf); break;
    case TYPE_INTERVAL: len = interval_format(VEC_I64(in)[i], buf, sizeof buf); break;
    default: len = 0; break;
    }
    if (len < 0) len = 0;
    if ((size_t)len >= sizeof buf) len = sizeof buf - 1;
    return str_from(arena_memdup(ctx->arena, buf, (size_t)len), (size_t)len);
}

/* Row i of a TEXT vector parsed as `to`; -1 with the error set when it does not parse. */
static int from_text(FuncCtx *ctx, Str raw, Type to, Vec *out, uint32_t i, int pos) {
    Str s = strip(raw);
    bool ok;
    switch (to) {
    case TYPE_BOOL: ok = parse_bool(s.ptr, s.len, &VEC_BOOL(out)[i]); break;
    case TYPE_BIGINT: ok = parse_int64(s.ptr, s.len, &VEC_I64(out)[i]); break;
    case TYPE_DOUBLE: ok = parse_double(s.ptr, s.len, &VEC_F64(out)[i]); break;
    case TYPE_TIMESTAMP: ok = ts_parse(s.ptr, s.len, &VEC_I64(out)[i]); break;
    case TYPE_INTERVAL: ok = interval_parse(s.ptr, s.len, NULL, &VEC_I64(out)[i]); break;
    default: ok = false; break;
    }
    return ok ? 0 : bad_text(ctx, raw, to, pos);
}

/* DOUBLE -> BIGINT: round half away from zero; NaN and values beyond int64 are errors. */
static int double_to_bigint(FuncCtx *ctx, const Vec *in, const uint32_t *sel, uint32_t n, Vec *out, int pos) {
    const double *a = in->data;
    const uint8_t *nm = in->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        double r = round(a[i]);
        if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
            return err_at(ctx->err, pos, "bigint out of range");
        o[i] = (int64_t)r;
    });
    return 0;
}

/*
** Cast the selected rows of `in` to `to` into out.  A same-type cast hands
** back `in` itself; otherwise out is new (in ctx->arena) and shares in's
** null mask, since no cast turns a value into NULL.
*/
int cast_vec(FuncCtx *ctx, const Vec *in, Type to, uint32_t count, const uint32_t *sel, uint32_t n,
             Vec *out, int pos) {
    Type from = in->type;
    if (from == to) {
        *out = *in;
        return 0;
    }
    if (cast_check(from, to, ctx->err, pos) < 0) return -1;
    fn_alloc(ctx, out, to, count);
    if (from == TYPE_NULL) {
        out->nulls = arena_alloc(ctx->arena, count ? count : 1);
        memset(out->nulls, 1, count ? count : 1);
        return 0;
    }
    out->nulls = in->nulls;
    const uint8_t *nm = in->nulls;
    if (to == TYPE_TEXT) {
        Str *o = out->data;
        SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = to_text(ctx, in, i));
        return 0;
    }
    if (from == TYPE_TEXT) {
        const Str *a = in->data;
        SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i) && from_text(ctx, a[i], to, out, i, pos) < 0) return -1);
        return 0;
    }
    /* number <-> number, boolean <-> number: fixed-width loops */
    switch (from) {
    case TYPE_BOOL: {
        const uint8_t *a = in->data;
        if (to == TYPE_BIGINT) SEL_LOOP(sel, n, i, VEC_I64(out)[i] = a[i] != 0);
        else SEL_LOOP(sel, n, i, VEC_F64(out)[i] = a[i] != 0);
        return 0;
    }
    case TYPE_BIGINT: {
        const int64_t *a = in->data;
        if (to == TYPE_DOUBLE) SEL_LOOP(sel, n, i, VEC_F64(out)[i] = (double)a[i]);
        else SEL_LOOP(sel, n, i, VEC_BOOL(out)[i] = a[i] != 0);
        return 0;
    }
    case TYPE_DOUBLE: {
        const double *a = in->data;
        if (to == TYPE_BIGINT) return double_to_bigint(ctx, in, sel, n, out, pos);
        SEL_LOOP(sel, n, i, VEC_BOOL(out)[i] = a[i] != 0);
        return 0;
    }
    default:
        break;
    }
    return err_at(ctx->err, pos, "cannot cast %s to %s", type_name(from), type_name(to));
}

/*
** One value cast to `to`: a one-row vector through cast_vec, so single
** values and vectors can never disagree.  New text lives in `a`; a TEXT to
** TEXT cast returns the input's bytes.  Errors carry no position (-1).
*/
bool value_cast(const Value *in, Type to, Value *out, Arena *a, Err *err) {
    FuncCtx ctx = {a, 0, err};
    Value v = *in;
    Vec iv = {v.type, NULL, &v.u}, ov;
    if (v.null || v.type == TYPE_NULL) {
        if (!cast_exists(v.type, to) && cast_check(v.type, to, err, -1) < 0) return false;
        memset(out, 0, sizeof *out);
        out->type = to;
        out->null = true;
        return true;
    }
    if (cast_vec(&ctx, &iv, to, 1, NULL, 1, &ov, -1) < 0) return false;
    memset(out, 0, sizeof *out);
    out->type = to;
    switch (to) {
    case TYPE_BOOL: out->u.b = VEC_BOOL(&ov)[0] != 0; break;
    case TYPE_DOUBLE: out->u.d = VEC_F64(&ov)[0]; break;
    case TYPE_TEXT: out->u.s = VEC_STR(&ov)[0]; break;
    case TYPE_NULL: out->null = true; break;
    default: out->u.i = VEC_I64(&ov)[0]; break;
    }
    return true;
}
