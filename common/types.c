/*
** SQL types, scalar values and their text forms: type names and aliases,
** timestamp and interval parsing/formatting (CONTRACT §2), strict number
** parsing, and the canonical text of a value as weir prints it.
*/
#include "types.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[TYPE__COUNT] = {
    [TYPE_NULL] = "NULL",     [TYPE_BOOL] = "BOOLEAN",        [TYPE_BIGINT] = "BIGINT",
    [TYPE_DOUBLE] = "DOUBLE", [TYPE_TEXT] = "TEXT",           [TYPE_TIMESTAMP] = "TIMESTAMP",
    [TYPE_INTERVAL] = "INTERVAL",
};

const char *type_name(Type t) { return (unsigned)t < TYPE__COUNT ? type_names[t] : "?"; }

/* Every spelling CONTRACT §2 accepts, mapped to its type. */
static const struct {
    const char *name;
    Type type;
} type_aliases[] = {
    {"bigint", TYPE_BIGINT},   {"int", TYPE_BIGINT},       {"integer", TYPE_BIGINT},
    {"smallint", TYPE_BIGINT}, {"int8", TYPE_BIGINT},      {"int4", TYPE_BIGINT},
    {"double", TYPE_DOUBLE},   {"float", TYPE_DOUBLE},     {"real", TYPE_DOUBLE},
    {"float8", TYPE_DOUBLE},   {"text", TYPE_TEXT},        {"varchar", TYPE_TEXT},
    {"string", TYPE_TEXT},     {"char", TYPE_TEXT},        {"boolean", TYPE_BOOL},
    {"bool", TYPE_BOOL},       {"timestamp", TYPE_TIMESTAMP}, {"interval", TYPE_INTERVAL},
};

bool type_from_name(const char *name, size_t len, Type *out) {
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++) {
        if (strlen(type_aliases[i].name) == len && strncasecmp(type_aliases[i].name, name, len) == 0) {
            *out = type_aliases[i].type;
            return true;
        }
    }
    return false;
}

size_t type_width(Type t) {
    switch (t) {
    case TYPE_BOOL: return 1;
    case TYPE_TEXT: return sizeof(Str);
    case TYPE_DOUBLE: return sizeof(double);
    default: return sizeof(int64_t);
    }
}

bool type_is_numeric(Type t) { return t == TYPE_BIGINT || t == TYPE_DOUBLE; }

Str str_dup(Arena *a, Str s) {
    Str r = {s.len ? arena_memdup(a, s.ptr, s.len) : "", s.len};
    return r;
}

int str_cmp(Str a, Str b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

int schema_find(const Schema *s, const char *name) {
    for (int i = 0; i < s->ncols; i++)
        if (strcasecmp(s->cols[i].name, name) == 0) return i;
    return -1;
}

/* ------------------------------------------------------------------ calendar */

/* Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, size_t at, int count, int *out) {
    int v = 0;
    if (at + (size_t)count > n) return false;
    for (int i = 0; i < count; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int64_t y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* YYYY-MM-DD[( |T)HH:MM[:SS[.f{1,6}]]][Z]; surrounding blanks allowed. */
bool ts_parse(const char *s, size_t n, int64_t *out) {
    while (n && isspace((unsigned char)s[n - 1])) n--;
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    s += i;
    n -= i;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d))
        return false;
    size_t p = 10;
    if (p < n && (s[p] == ' ' || s[p] == 'T' || s[p] == 't')) {
        p++;
        if (!digits(s, n, p, 2, &h) || p + 2 >= n || s[p + 2] != ':' || !digits(s, n, p + 3, 2, &mi))
            return false;
        p += 5;
        if (p < n && s[p] == ':') {
            if (!digits(s, n, p + 1, 2, &sec)) return false;
            p += 3;
            if (p < n && s[p] == '.') {
                p++;
                int nd = 0;
                while (p < n && s[p] >= '0' && s[p] <= '9') {
                    if (nd < 6) frac = frac * 10 + (s[p] - '0');
                    nd++;
                    p++;
                }
                if (nd == 0) return false;
                for (; nd < 6; nd++) frac *= 10;
            }
        }
    }
    if (p < n && (s[p] == 'Z' || s[p] == 'z')) p++;
    if (p != n) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59) return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = days * USEC_PER_DAY + h * USEC_PER_HOUR + mi * USEC_PER_MIN + sec * USEC_PER_SEC + frac;
    return true;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

int ts_format(int64_t us, char *buf) {
    int64_t days = floor_div(us, USEC_PER_DAY);
    int64_t rem = us - days * USEC_PER_DAY;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(rem / USEC_PER_HOUR);
    int mi = (int)(rem / USEC_PER_MIN % 60);
    int s = (int)(rem / USEC_PER_SEC % 60);
    int f = (int)(rem % USEC_PER_SEC);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999; /* out of the printable range: clamp */
    int n = snprintf(buf, 32, "%04d-%02u-%02u %02d:%02d:%02d", (int)y, m, d, h, mi, s);
    if (f) n += snprintf(buf + n, 32 - (size_t)n, ".%06d", f);
    return n;
}

/* ------------------------------------------------------------------ intervals */

static bool unit_micros(const char *u, size_t n, int64_t *out) {
    static const struct {
        const char *name;
        int64_t us;
    } units[] = {
        {"microsecond", 1},          {"microseconds", 1},          {"us", 1},
        {"millisecond", 1000},       {"milliseconds", 1000},       {"ms", 1000},
        {"second", USEC_PER_SEC},    {"seconds", USEC_PER_SEC},    {"sec", USEC_PER_SEC},
        {"secs", USEC_PER_SEC},      {"s", USEC_PER_SEC},          {"minute", USEC_PER_MIN},
        {"minutes", USEC_PER_MIN},   {"min", USEC_PER_MIN},        {"mins", USEC_PER_MIN},
        {"m", USEC_PER_MIN},         {"hour", USEC_PER_HOUR},      {"hours", USEC_PER_HOUR},
        {"h", USEC_PER_HOUR},        {"day", USEC_PER_DAY},        {"days", USEC_PER_DAY},
        {"d", USEC_PER_DAY},         {"week", 7 * USEC_PER_DAY},   {"weeks", 7 * USEC_PER_DAY},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i].name) == n && strncasecmp(units[i].name, u, n) == 0) {
            *out = units[i].us;
            return true;
        }
    }
    return false;
}

/*
** `text` is the quoted part of an interval literal; `unit` the keyword after
** it (NULL when absent).  Accepted: '10' SECOND, '1.5' MINUTES, '1 hour',
** '2 hours 30 minutes', '00:05:00' (HH:MM:SS).
*/
bool interval_parse(const char *text, size_t n, const char *unit, int64_t *out) {
    char buf[128];
    if (n >= sizeof buf) return false;
    memcpy(buf, text, n);
    buf[n] = 0;
    char *p = buf;
    int64_t total = 0;
    bool any = false;
    int sign = 1;
    while (*p == ' ') p++;
    if (*p == '-') {
        sign = -1;
        p++;
    }
    if (!unit) {
        int hh, mm, ss;
        char extra;
        if (sscanf(p, "%d:%d:%d%c", &hh, &mm, &ss, &extra) == 3 && hh >= 0 && mm >= 0 && ss >= 0) {
            *out = sign * (hh * USEC_PER_HOUR + mm * USEC_PER_MIN + ss * USEC_PER_SEC);
            return true;
        }
    }
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v)) return false;
        p = end;
        while (*p == ' ') p++;
        const char *u = p;
        while (*p && isalpha((unsigned char)*p)) p++;
        int64_t mul;
        if (p == u) {
            if (!unit || any) return false;
            if (!unit_micros(unit, strlen(unit), &mul)) return false;
        } else if (!unit_micros(u, (size_t)(p - u), &mul)) {
            return false;
        }
        double us = v * (double)mul;
        if (fabs(us) > 9.2e18) return false;
        total += (int64_t)llround(us);
        any = true;
    }
    if (!any) return false;
    *out = sign * total;
    return true;
}

int interval_format(int64_t us, char *buf, size_t cap) {
    const char *neg = "";
    uint64_t u = (uint64_t)us;
    if (us < 0) {
        neg = "-";
        u = (uint64_t)0 - (uint64_t)us;
    }
    uint64_t days = u / (uint64_t)USEC_PER_DAY;
    uint64_t rem = u % (uint64_t)USEC_PER_DAY;
    unsigned h = (unsigned)(rem / USEC_PER_HOUR), m = (unsigned)(rem / USEC_PER_MIN % 60),
             s = (unsigned)(rem / USEC_PER_SEC % 60);
    unsigned f = (unsigned)(rem % USEC_PER_SEC);
    int n;
    if (days)
        n = snprintf(buf, cap, "%s%llu day%s %02u:%02u:%02u", neg, (unsigned long long)days, days == 1 ? "" : "s", h,
                     m, s);
    else
        n = snprintf(buf, cap, "%s%02u:%02u:%02u", neg, h, m, s);
    if (f && n > 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, ".%06u", f);
    return n;
}

/* ------------------------------------------------------------------ numbers */

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

bool parse_int64(const char *s, size_t n, int64_t *out) {
    trim(&s, &n);
    if (!n) return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
        if (n == 1) return false;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return false;
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

bool parse_double(const char *s, size_t n, double *out) {
    trim(&s, &n);
    if (!n || n >= 128) return false;
    char buf[128];
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n) return false;
    if (errno == ERANGE && isinf(v)) return false;
    *out = v;
    return true;
}

bool parse_bool(const char *s, size_t n, uint8_t *out) {
    trim(&s, &n);
    static const struct {
        const char *t;
        uint8_t v;
    } names[] = {{"true", 1}, {"t", 1}, {"1", 1}, {"yes", 1}, {"y", 1}, {"on", 1},
                 {"false", 0}, {"f", 0}, {"0", 0}, {"no", 0}, {"n", 0}, {"off", 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].t) == n && strncasecmp(names[i].t, s, n) == 0) {
            *out = names[i].v;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ text */

int double_format(double d, char *buf, size_t cap) {
    if (isnan(d)) return snprintf(buf, cap, "NaN");
    if (isinf(d)) return snprintf(buf, cap, d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) d = 0; /* no "-0" */
    int n = snprintf(buf, cap, "%.15g", d);
    if (n > 0 && (size_t)n + 2 < cap && !strpbrk(buf, ".e")) {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = 0;
    }
    return n;
}

char *value_to_text(Arena *a, const Value *v) {
    char buf[64];
    if (v->null || v->type == TYPE_NULL) return arena_strdup(a, "NULL");
    switch (v->type) {
    case TYPE_BOOL: return arena_strdup(a, v->u.b ? "true" : "false");
    case TYPE_BIGINT: snprintf(buf, sizeof buf, "%lld", (long long)v->u.i); break;
    case TYPE_DOUBLE: double_format(v->u.d, buf, sizeof buf); break;
    case TYPE_TEXT: return arena_strndup(a, v->u.s.ptr, v->u.s.len);
    case TYPE_TIMESTAMP: ts_format(v->u.i, buf); break;
    case TYPE_INTERVAL: interval_format(v->u.i, buf, sizeof buf); break;
    default: return arena_strdup(a, "?");
    }
    return arena_strdup(a, buf);
}
