/*
** SQL types and scalar values.
**
** Physical representation of each type, shared by vectors, tables and state:
**   BOOLEAN    uint8_t (0/1)
**   BIGINT     int64_t
**   DOUBLE     double
**   TEXT       Str (pointer + length, not NUL-terminated; owned by an arena)
**   TIMESTAMP  int64_t microseconds since 1970-01-01 00:00:00 UTC
**   INTERVAL   int64_t microseconds
** NULL is tracked beside the value (a validity byte in vectors, a flag here).
*/
#ifndef WEIR_TYPES_H
#define WEIR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum Type {
    TYPE_NULL = 0,   /* the type of a bare NULL literal before binding decides */
    TYPE_BOOL,
    TYPE_BIGINT,
    TYPE_DOUBLE,
    TYPE_TEXT,
    TYPE_TIMESTAMP,
    TYPE_INTERVAL,
    TYPE__COUNT
} Type;

typedef struct Str {
    const char *ptr;
    uint32_t len;
} Str;

typedef struct Value {
    Type type;
    bool null;
    union {
        uint8_t b;
        int64_t i;   /* BIGINT, TIMESTAMP, INTERVAL */
        double d;
        Str s;
    } u;
} Value;

#define USEC_PER_SEC 1000000LL
#define USEC_PER_MIN (60LL * USEC_PER_SEC)
#define USEC_PER_HOUR (60LL * USEC_PER_MIN)
#define USEC_PER_DAY (24LL * USEC_PER_HOUR)

const char *type_name(Type t);               /* "BIGINT", ... */
bool type_from_name(const char *name, size_t len, Type *out); /* accepts the aliases of CONTRACT §2 */
size_t type_width(Type t);                   /* bytes per value in a vector */
bool type_is_numeric(Type t);                /* BIGINT or DOUBLE */

static inline Str str_from(const char *p, size_t n) { Str s = {p, (uint32_t)n}; return s; }
Str str_dup(Arena *a, Str s);
int str_cmp(Str a, Str b);
static inline bool str_eq(Str a, Str b) {
    return a.len == b.len && (a.len == 0 || __builtin_memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Timestamps.  Parse accepts YYYY-MM-DD[ HH:MM:SS[.ffffff]], 'T' for the space, optional 'Z'. */
bool ts_parse(const char *s, size_t n, int64_t *out);
/* Writes YYYY-MM-DD HH:MM:SS[.ffffff] (fraction only when non-zero); buf >= 32 bytes. Returns length. */
int ts_format(int64_t micros, char *buf);
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Interval text like '10' with a unit, or '1 hour', '5 minutes'; returns false on bad input. */
bool interval_parse(const char *text, size_t n, const char *unit, int64_t *out);
int interval_format(int64_t micros, char *buf, size_t cap);

/* Numbers from text, strict (whole string, surrounding spaces allowed). */
bool parse_int64(const char *s, size_t n, int64_t *out);
bool parse_double(const char *s, size_t n, double *out);
bool parse_bool(const char *s, size_t n, uint8_t *out);

/* A named, typed column and a list of them: the schema of a table, source or plan node. */
typedef struct Column {
    const char *name;
    Type type;
    /* Plan schemas: the column carries event time (a SOURCE's WATERMARK column or a
       column the planner derived from one, e.g. window_end); see planner/event_time.c.
       Last, so {name, type} initializers keep compiling. */
    bool event_time;
} Column;

typedef struct Schema {
    int ncols;
    Column *cols;
} Schema;

/* Index of a column by case-insensitive name, -1 when absent. */
int schema_find(const Schema *s, const char *name);

/* Text form of a value as weir prints it (NULL -> "NULL"); doubles with up to 15 significant digits. */
char *value_to_text(Arena *a, const Value *v);
int double_format(double d, char *buf, size_t cap);

#endif
