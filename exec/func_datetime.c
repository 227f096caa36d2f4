/*
** Date and time kernels: TIMESTAMP/INTERVAL arithmetic, date_trunc,
** extract (date_part), now, to_timestamp, epoch_ms.
**
** A TIMESTAMP is int64 microseconds since 1970-01-01 00:00:00 UTC and an
** INTERVAL int64 microseconds (types.h), so arithmetic is integer
** arithmetic with overflow checks ("timestamp out of range", "interval out
** of range").  Calendar fields come from days_from_civil/civil_from_days
** (proleptic Gregorian, correct for negative timestamps because every
** division here floors).  Weeks start on Monday (date_trunc('week'), ISO
** week numbers); extract(dow) counts from Sunday = 0, as in PostgreSQL.
**
** Units and fields are text arguments, usually constants: the kernels parse
** one once and reuse it while the argument slot keeps the same bytes.
*/
#include <math.h>
#include <strings.h>

#include "func_internal.h"

/* --------------------------------------------------------- arithmetic */

enum { DT_ADD, DT_SUB, DT_MUL };

/*
** o = a op b over int64 operands, failing with `msg` when a non-NULL row
** overflows.  The first loop only accumulates overflow flags (no branch);
** the second runs only when one was raised, to skip NULL rows' garbage.
*/
static int checked(FuncCtx *ctx, const int64_t *a, const int64_t *b, const uint32_t *sel, uint32_t n, Vec *out,
                   int op, const char *msg) {
    int64_t *o = out->data;
    const uint8_t *nm = out->nulls;
    unsigned ovf = 0;
    switch (op) {
    case DT_ADD: SEL_LOOP(sel, n, i, ovf |= (unsigned)__builtin_add_overflow(a[i], b[i], &o[i])); break;
    case DT_SUB: SEL_LOOP(sel, n, i, ovf |= (unsigned)__builtin_sub_overflow(a[i], b[i], &o[i])); break;
    default: SEL_LOOP(sel, n, i, ovf |= (unsigned)__builtin_mul_overflow(a[i], b[i], &o[i])); break;
    }
    if (!ovf) return 0;
    SEL_LOOP(sel, n, i, {
        int64_t r;
        if (ROW_NULL(nm, i)) continue;
        bool f = op == DT_ADD   ? __builtin_add_overflow(a[i], b[i], &r)
                 : op == DT_SUB ? __builtin_sub_overflow(a[i], b[i], &r)
                                : __builtin_mul_overflow(a[i], b[i], &r);
        if (f) return err_set(ctx->err, "%s", msg);
    });
    return 0;
}

#define TS_RANGE "timestamp out of range"
#define IV_RANGE "interval out of range"
#define I64(k) ((const int64_t *)args[k].data)

KERNEL(kern_ts_add_iv) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_ADD, TS_RANGE); }
KERNEL(kern_iv_add_ts) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_ADD, TS_RANGE); }
KERNEL(kern_ts_sub_iv) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_SUB, TS_RANGE); }
KERNEL(kern_ts_sub_ts) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_SUB, IV_RANGE); }
KERNEL(kern_iv_add_iv) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_ADD, IV_RANGE); }
KERNEL(kern_iv_sub_iv) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_SUB, IV_RANGE); }
KERNEL(kern_iv_mul_i64) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_MUL, IV_RANGE); }
KERNEL(kern_i64_mul_iv) { (void)nargs, (void)count; return checked(ctx, I64(0), I64(1), sel, n, out, DT_MUL, IV_RANGE); }

/* interval * double, rounded to the microsecond. */
KERNEL(kern_iv_mul_f64) {
    (void)nargs, (void)count;
    const int64_t *a = I64(0);
    const double *b = args[1].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        double r = round((double)a[i] * b[i]);
        if (!(r >= -9.2e18 && r <= 9.2e18)) return err_set(ctx->err, IV_RANGE);
        o[i] = (int64_t)r;
    });
    return 0;
}

KERNEL(kern_iv_div_i64) {
    (void)nargs, (void)count;
    const int64_t *a = I64(0), *b = I64(1);
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (b[i] == 0) return err_set(ctx->err, "division by zero");
        if (b[i] == -1 && a[i] == INT64_MIN) return err_set(ctx->err, IV_RANGE);
        o[i] = a[i] / b[i];
    });
    return 0;
}

KERNEL(kern_iv_neg) {
    (void)nargs, (void)count;
    const int64_t *a = I64(0);
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (a[i] == INT64_MIN) return err_set(ctx->err, IV_RANGE);
        o[i] = -a[i];
    });
    return 0;
}

/* ----------------------------------------------------- units and fields */

enum {
    F_MICROSECOND, F_MILLISECOND, F_SECOND, F_MINUTE, F_HOUR, F_DAY, F_WEEK, F_MONTH, F_QUARTER,
    F_YEAR, F_DECADE, F_CENTURY, F_EPOCH, F_DOW, F_ISODOW, F_DOY,
};

static const struct {
    const char *name;
    int field;
} field_names[] = {
    {"microsecond", F_MICROSECOND}, {"microseconds", F_MICROSECOND}, {"millisecond", F_MILLISECOND},
    {"milliseconds", F_MILLISECOND}, {"second", F_SECOND}, {"seconds", F_SECOND},
    {"minute", F_MINUTE}, {"minutes", F_MINUTE}, {"hour", F_HOUR}, {"hours", F_HOUR},
    {"day", F_DAY}, {"days", F_DAY}, {"week", F_WEEK}, {"weeks", F_WEEK},
    {"month", F_MONTH}, {"months", F_MONTH}, {"quarter", F_QUARTER}, {"year", F_YEAR},
    {"years", F_YEAR}, {"decade", F_DECADE}, {"century", F_CENTURY}, {"epoch", F_EPOCH},
    {"dow", F_DOW}, {"isodow", F_ISODOW}, {"doy", F_DOY},
};

static int field_lookup(Str s) {
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (strlen(field_names[i].name) == s.len && strncasecmp(field_names[i].name, s.ptr, s.len) == 0)
            return field_names[i].field;
    return -1;
}

/*
** The field named by s for extract(), or -1; *is_double says whether
** extract() returns it as DOUBLE (second and millisecond with their
** fraction, epoch) rather than BIGINT.
*/
int dt_extract_field(Str s, bool *is_double) {
    int f = field_lookup(s);
    *is_double = f == F_SECOND || f == F_MILLISECOND || f == F_EPOCH;
    return f;
}

/* Quote a unit for an error message, cut short if absurdly long. */
#define UNIT_FMT "\"%.*s\""
#define UNIT_ARG(s) (int)((s).len > 64 ? 64 : (s).len), (s).ptr

/* ------------------------------------------------------------ date_trunc */

/* ts truncated to `unit`; false when the result is out of range. */
static bool trunc_ts(int unit, int64_t ts, int64_t *out) {
    int64_t step;
    switch (unit) {
    case F_MICROSECOND: *out = ts; return true;
    case F_MILLISECOND: step = 1000; break;
    case F_SECOND: step = USEC_PER_SEC; break;
    case F_MINUTE: step = USEC_PER_MIN; break;
    case F_HOUR: step = USEC_PER_HOUR; break;
    case F_DAY: step = USEC_PER_DAY; break;
    case F_WEEK: {
        int64_t days = fn_floordiv(ts, USEC_PER_DAY);
        days -= fn_floormod(days + 3, 7); /* 1970-01-01 was a Thursday: +3 makes Monday 0 */
        return !__builtin_mul_overflow(days, USEC_PER_DAY, out);
    }
    default: {
        int64_t y;
        unsigned m, d;
        civil_from_days(fn_floordiv(ts, USEC_PER_DAY), &y, &m, &d);
        if (unit == F_MONTH) d = 1;
        else if (unit == F_QUARTER) m = (m - 1) / 3 * 3 + 1, d = 1;
        else if (unit == F_YEAR) m = 1, d = 1;
        else if (unit == F_DECADE) y = y - fn_floormod(y, 10), m = 1, d = 1;
        else if (unit == F_CENTURY) y = fn_floordiv(y - 1, 100) * 100 + 1, m = 1, d = 1; /* 2001-01-01 starts the 21st */
        else return false;
        return !__builtin_mul_overflow(days_from_civil(y, m, d), USEC_PER_DAY, out);
    }
    }
    int64_t q = fn_floordiv(ts, step);
    return !__builtin_mul_overflow(q, step, out);
}

KERNEL(kern_date_trunc) {
    (void)nargs, (void)count;
    const Str *u = args[0].data;
    const int64_t *ts = I64(1);
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    Str last = {NULL, UINT32_MAX};
    int unit = -1;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (u[i].ptr != last.ptr || u[i].len != last.len) {
            last = u[i];
            unit = field_lookup(u[i]);
            if (unit < 0 || unit > F_CENTURY)
                return err_set(ctx->err, "unit " UNIT_FMT " not recognized for date_trunc", UNIT_ARG(u[i]));
        }
        if (!trunc_ts(unit, ts[i], &o[i])) return err_set(ctx->err, TS_RANGE);
    });
    return 0;
}

/* -------------------------------------------------------------- extract */

/*
** Field `f` of timestamp ts, exactly as a double (for the DOUBLE overload)
** and as an integer (the BIGINT overload; second/millisecond/epoch floor).
*/
static void extract_ts(int f, int64_t ts, int64_t *iv, double *dv) {
    int64_t days = fn_floordiv(ts, USEC_PER_DAY), tod = ts - days * USEC_PER_DAY;
    int64_t y;
    unsigned m, d;
    int64_t r = 0;
    switch (f) {
    case F_MICROSECOND: r = fn_floormod(ts, USEC_PER_MIN); break;
    case F_MILLISECOND:
        *dv = (double)fn_floormod(ts, USEC_PER_MIN) / 1000.0;
        *iv = fn_floormod(ts, USEC_PER_MIN) / 1000;
        return;
    case F_SECOND:
        *dv = (double)fn_floormod(ts, USEC_PER_MIN) / 1e6;
        *iv = fn_floormod(ts, USEC_PER_MIN) / USEC_PER_SEC;
        return;
    case F_EPOCH:
        *dv = (double)ts / 1e6;
        *iv = fn_floordiv(ts, USEC_PER_SEC);
        return;
    case F_MINUTE: r = tod / USEC_PER_MIN % 60; break;
    case F_HOUR: r = tod / USEC_PER_HOUR; break;
    case F_DOW: r = fn_floormod(days + 4, 7); break;          /* Sunday = 0 */
    case F_ISODOW: r = fn_floormod(days + 3, 7) + 1; break;   /* Monday = 1 .. Sunday = 7 */
    default:
        civil_from_days(days, &y, &m, &d);
        switch (f) {
        case F_DAY: r = d; break;
        case F_MONTH: r = m; break;
        case F_QUARTER: r = (m - 1) / 3 + 1; break;
        case F_YEAR: r = y; break;
        case F_DECADE: r = fn_floordiv(y, 10); break;
        case F_CENTURY: r = fn_floordiv(y + 99, 100); break;
        case F_DOY: r = days - days_from_civil(y, 1, 1) + 1; break;
        case F_WEEK: {
            /* ISO 8601: the week with the year's first Thursday is week 1 */
            int64_t thursday = days - fn_floormod(days + 3, 7) + 3;
            int64_t ty;
            unsigned tm, td;
            civil_from_days(thursday, &ty, &tm, &td);
            r = (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
            break;
        }
        default: break;
        }
    }
    *iv = r;
    *dv = (double)r;
}

/* Field f of an interval; false when the field makes no sense for intervals. */
static bool extract_iv(int f, int64_t us, int64_t *iv, double *dv) {
    int64_t r;
    switch (f) {
    case F_EPOCH: *dv = (double)us / 1e6; *iv = us / USEC_PER_SEC; return true;
    case F_SECOND: *dv = (double)(us % USEC_PER_MIN) / 1e6; *iv = us % USEC_PER_MIN / USEC_PER_SEC; return true;
    case F_MILLISECOND: *dv = (double)(us % USEC_PER_MIN) / 1e3; *iv = us % USEC_PER_MIN / 1000; return true;
    case F_MICROSECOND: r = us % USEC_PER_MIN; break;
    case F_MINUTE: r = us % USEC_PER_HOUR / USEC_PER_MIN; break;
    case F_HOUR: r = us % USEC_PER_DAY / USEC_PER_HOUR; break;
    case F_DAY: r = us / USEC_PER_DAY; break;
    default: return false;
    }
    *iv = r;
    *dv = (double)r;
    return true;
}

static int extract_kernel(FuncCtx *ctx, Vec *args, const uint32_t *sel, uint32_t n, Vec *out, bool interval) {
    const Str *fs = args[0].data;
    const int64_t *x = I64(1);
    const uint8_t *nm = out->nulls;
    bool dbl = out->type == TYPE_DOUBLE;
    Str last = {NULL, UINT32_MAX};
    int field = -1;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (fs[i].ptr != last.ptr || fs[i].len != last.len) {
            last = fs[i];
            field = field_lookup(fs[i]);
            if (field < 0)
                return err_set(ctx->err, "extract field " UNIT_FMT " not recognized", UNIT_ARG(fs[i]));
        }
        int64_t iv = 0;
        double dv = 0;
        if (!interval)
            extract_ts(field, x[i], &iv, &dv);
        else if (!extract_iv(field, x[i], &iv, &dv))
            return err_set(ctx->err, "extract field " UNIT_FMT " not supported for INTERVAL", UNIT_ARG(fs[i]));
        if (dbl)
            VEC_F64(out)[i] = dv;
        else
            VEC_I64(out)[i] = iv;
    });
    return 0;
}

KERNEL(kern_extract_ts_i64) { (void)nargs, (void)count; return extract_kernel(ctx, args, sel, n, out, false); }
KERNEL(kern_extract_ts_f64) { (void)nargs, (void)count; return extract_kernel(ctx, args, sel, n, out, false); }
KERNEL(kern_extract_iv_i64) { (void)nargs, (void)count; return extract_kernel(ctx, args, sel, n, out, true); }
KERNEL(kern_extract_iv_f64) { (void)nargs, (void)count; return extract_kernel(ctx, args, sel, n, out, true); }

/* ---------------------------------------------------------------- misc */

/* now(): the statement's timestamp, the same for every row and chunk. */
KERNEL(kern_now) {
    (void)args, (void)nargs, (void)count;
    int64_t *o = out->data, t = ctx->now_us;
    SEL_LOOP(sel, n, i, o[i] = t);
    return 0;
}

/* to_timestamp(seconds since the epoch), rounded to the microsecond. */
KERNEL(kern_to_timestamp) {
    (void)nargs, (void)count;
    const double *a = args[0].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        double us = round(a[i] * 1e6);
        if (!(us >= -9.2e18 && us <= 9.2e18)) return err_set(ctx->err, TS_RANGE);
        o[i] = (int64_t)us;
    });
    return 0;
}

/* epoch_ms(ts): milliseconds since the epoch (floored). */
KERNEL(kern_epoch_ms) {
    (void)ctx, (void)nargs, (void)count;
    const int64_t *a = I64(0);
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, o[i] = fn_floordiv(a[i], 1000));
    return 0;
}

/* epoch_ms(ms): the timestamp `ms` milliseconds after the epoch. */
KERNEL(kern_epoch_ms_ts) {
    (void)nargs, (void)count;
    static const int64_t thousand = 1000;
    const int64_t *a = I64(0);
    int64_t *o = out->data;
    const uint8_t *nm = out->nulls;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (__builtin_mul_overflow(a[i], thousand, &o[i])) return err_set(ctx->err, TS_RANGE);
    });
    return 0;
}
