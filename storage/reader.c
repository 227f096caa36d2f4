/*
** The record reader: state, chunk management, value conversion and bad-record
** reporting shared by the CSV and JSON-lines parsers (see reader.h for the
** contract, csv.c and json.c for the formats).
**
** Conversions follow CONTRACT §2: BIGINT and DOUBLE from decimal text (fast
** paths for plain digits; the strict parsers of common/types.c for the rest),
** BOOLEAN from true/false/t/f/1/0 (any case), TIMESTAMP from
** 'YYYY-MM-DD[ HH:MM:SS[.ffffff]]' (also with 'T' and 'Z') or from a number
** = epoch milliseconds, TEXT as is.  An empty value in a non-TEXT column is
** NULL (CSV writers often quote every field, "" included).
*/
#include "reader_impl.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

bool reader_format_from_name(const char *name, RecordFormat *out) {
    if (!name) return false;
    if (strcasecmp(name, "csv") == 0) *out = FORMAT_CSV;
    else if (strcasecmp(name, "json") == 0 || strcasecmp(name, "jsonl") == 0 || strcasecmp(name, "ndjson") == 0)
        *out = FORMAT_JSON;
    else return false;
    return true;
}

/*
** Build a reader.  Everything with the reader's lifetime (schema copy,
** projection maps, one set of column vectors reused for every chunk) lives in
** r->arena; chunk-lifetime strings in r->scratch.
*/
RecordReader *reader_new(const Schema *schema, const int *proj, int nproj, const ReaderOptions *opt, Err *err) {
    char delim = opt->delimiter ? opt->delimiter : ',';
    if (opt->format == FORMAT_CSV && (delim == '"' || delim == '\n' || delim == '\r')) {
        err_set(err, "invalid CSV delimiter '%s'", delim == '"' ? "\"" : delim == '\n' ? "\\n" : "\\r");
        return NULL;
    }
    if (nproj < 0) nproj = 0;
    for (int j = 0; j < nproj; j++) {
        if (proj[j] < 0 || proj[j] >= schema->ncols) {
            err_set(err, "column index %d out of range (the schema has %d columns)", proj[j], schema->ncols);
            return NULL;
        }
    }
    RecordReader *r = xcalloc(1, sizeof *r);
    arena_init(&r->arena, 0);
    arena_init(&r->scratch, 0);
    r->opt = *opt;
    r->delim = delim;
    r->schema.ncols = schema->ncols;
    r->schema.cols = ARENA_ARRAY(&r->arena, Column, schema->ncols > 0 ? schema->ncols : 1);
    for (int i = 0; i < schema->ncols; i++) {
        r->schema.cols[i].name = arena_strdup(&r->arena, schema->cols[i].name ? schema->cols[i].name : "?");
        r->schema.cols[i].type = schema->cols[i].type;
    }
    r->nproj = nproj;
    r->proj = ARENA_ARRAY(&r->arena, int, nproj > 0 ? nproj : 1);
    r->outof = ARENA_ARRAY(&r->arena, int, schema->ncols > 0 ? schema->ncols : 1);
    for (int i = 0; i < schema->ncols; i++) r->outof[i] = -1;
    r->vecs = ARENA_ARRAY(&r->arena, Vec, nproj > 0 ? nproj : 1);
    r->nullbuf = ARENA_ARRAY(&r->arena, uint8_t *, nproj > 0 ? nproj : 1);
    r->seen = ARENA_ARRAY(&r->arena, uint64_t, nproj > 0 ? nproj : 1);
    r->namelen = ARENA_ARRAY(&r->arena, uint32_t, nproj > 0 ? nproj : 1);
    for (int j = 0; j < nproj; j++) {
        r->proj[j] = proj[j];
        if (r->outof[proj[j]] < 0) r->outof[proj[j]] = j;
        r->namelen[j] = (uint32_t)strlen(r->schema.cols[proj[j]].name);
        vec_alloc(&r->vecs[j], schema->cols[proj[j]].type, WEIR_BATCH_SIZE, &r->arena);
        r->nullbuf[j] = arena_zalloc(&r->arena, WEIR_BATCH_SIZE);
    }
    r->chunk.ncols = nproj;
    r->chunk.cols = r->vecs;
    r->cap = WEIR_BATCH_SIZE;
    r->rowlines = ARENA_ARRAY(&r->arena, int64_t, WEIR_BATCH_SIZE);
    r->line = 1;
    r->header_pending = opt->header && opt->format == FORMAT_CSV;
    r->name = xstrdup("<input>");
    return r;
}

void reader_free(RecordReader *r) {
    if (!r) return;
    arena_free(&r->arena);
    arena_free(&r->scratch);
    free(r->name);
    free(r);
}

void reader_set_reject(RecordReader *r, RejectFn fn, void *ud) {
    r->on_reject = fn;
    r->ud = ud;
}

void reader_set_limit(RecordReader *r, uint32_t max_rows) {
    r->cap = max_rows == 0 || max_rows > WEIR_BATCH_SIZE ? WEIR_BATCH_SIZE : max_rows;
}

void reader_begin_input(RecordReader *r, const char *name) {
    free(r->name);
    r->name = xstrdup(name ? name : "<input>");
    r->line = 1;
    r->header_pending = r->opt.header && r->opt.format == FORMAT_CSV;
    r->bom_checked = false;
}

void reader_reset(RecordReader *r) {
    for (int j = 0; j < r->nproj; j++) {
        if (r->vecs[j].nulls) {
            memset(r->nullbuf[j], 0, r->chunk.count);
            r->vecs[j].nulls = NULL;
        }
    }
    r->chunk.count = r->chunk.nsel = 0;
    arena_reset(&r->scratch);
}

/*
** Skip a UTF-8 byte order mark at the start of an input, then hand the buffer
** to the format's parser.  A buffer too short to tell (not at eof) consumes
** nothing: the caller supplies more bytes.
*/
int64_t reader_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err) {
    size_t off = 0;
    if (!r->bom_checked) {
        static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
        if (len < 3 && !eof && memcmp(buf, bom, len) == 0) return 0;
        r->bom_checked = true;
        if (len >= 3 && memcmp(buf, bom, 3) == 0) off = 3;
    }
    int64_t n = r->opt.format == FORMAT_JSON ? json_parse(r, buf + off, len - off, eof, err)
                                             : csv_parse(r, buf + off, len - off, eof, err);
    return n < 0 ? -1 : n + (int64_t)off;
}

/* Output columns that repeat a schema column share the vectors of its first occurrence. */
Chunk *reader_chunk(RecordReader *r) {
    for (int j = 0; j < r->nproj; j++) {
        int first = r->outof[r->proj[j]];
        if (first != j) r->vecs[j] = r->vecs[first];
    }
    return &r->chunk;
}

uint32_t reader_rows(const RecordReader *r) { return r->chunk.count; }
bool reader_full(const RecordReader *r) { return r->chunk.count >= r->cap; }
int64_t reader_line(const RecordReader *r) { return r->line; }

const int64_t *reader_row_lines(const RecordReader *r) { return r->rowlines; }

const char *reader_input_name(const RecordReader *r) { return r->name; }
int64_t reader_rejects(const RecordReader *r) { return r->nrejects; }

bool rd_reject(RecordReader *r, int64_t line, const char *rec, size_t len, Err *err) {
    char loc[sizeof err->location];
    snprintf(loc, sizeof loc, "%s:%lld", r->name, (long long)line);
    if (r->on_reject && r->on_reject(r->ud, loc, str_from(rec, len), r->reason)) {
        r->nrejects++;
        return true;
    }
    if (!err->set) {
        err_set(err, "%s", r->reason);
        memcpy(err->location, loc, sizeof loc);
    }
    return false;
}

bool rd_bad_value(RecordReader *r, int j, const char *s, size_t n) {
    const Column *c = &r->schema.cols[r->proj[j]];
    if (n > 64)
        snprintf(r->reason, sizeof r->reason, "bad %s value \"%.64s...\" in column \"%s\"", type_name(c->type), s,
                 c->name);
    else
        snprintf(r->reason, sizeof r->reason, "bad %s value \"%.*s\" in column \"%s\"", type_name(c->type), (int)n, s,
                 c->name);
    return false;
}

/*
** Plain decimals ([-]digits[.digits], at most 15 significant digits) are
** exact as (mantissa / 10^k) with one correctly rounded division; anything
** else (exponents, long mantissas, inf, nan) goes to strtod via parse_double.
*/
static bool fast_f64(const char *s, size_t n, double *out) {
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (n && s[0] == '-') {
        neg = true;
        i = 1;
    }
    uint64_t m = 0;
    int nd = 0, frac = -1;
    for (; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d <= 9) {
            m = m * 10 + d;
            nd++;
            if (frac >= 0) frac++;
        } else if (s[i] == '.' && frac < 0) {
            frac = 0;
        } else {
            return false;
        }
    }
    if (nd == 0 || nd > 15 || frac == 0) return false;
    double v = (double)m;
    if (frac > 0) v /= p10[frac];
    *out = neg ? -v : v;
    return true;
}

static bool conv_bool(const char *s, size_t n, uint8_t *out) {
    if (n == 1) {
        switch (s[0]) {
        case '1': case 't': case 'T': *out = 1; return true;
        case '0': case 'f': case 'F': *out = 0; return true;
        default: break;
        }
    }
    return parse_bool(s, n, out);
}

/* Epoch milliseconds (integer or fractional) or timestamp text -> microseconds. */
static bool conv_timestamp(const char *s, size_t n, int64_t *out) {
    int64_t v;
    double d;
    bool is_int = rd_fast_i64(s, n, &v);
    if (!is_int) {
        if (ts_parse(s, n, out)) return true;
        is_int = parse_int64(s, n, &v);
    }
    if (is_int) {
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000) return false;
        *out = v * 1000;
        return true;
    }
    if (parse_double(s, n, &d) && isfinite(d) && fabs(d * 1000.0) < 9.2e18) {
        *out = llround(d * 1000.0);
        return true;
    }
    return false;
}

bool rd_put_text(RecordReader *r, int j, uint32_t row, const char *s, size_t n) {
    Vec *v = &r->vecs[j];
    if (v->type == TYPE_TEXT) {
        VEC_STR(v)[row] = str_from(s, n);
        return true;
    }
    if (n == 0 || v->type == TYPE_NULL) {
        rd_set_null(r, j, row);
        return true;
    }
    switch (v->type) {
    case TYPE_BIGINT:
        if (rd_fast_i64(s, n, &VEC_I64(v)[row]) || parse_int64(s, n, &VEC_I64(v)[row])) return true;
        break;
    case TYPE_DOUBLE:
        if (fast_f64(s, n, &VEC_F64(v)[row]) || parse_double(s, n, &VEC_F64(v)[row])) return true;
        break;
    case TYPE_BOOL:
        if (conv_bool(s, n, &VEC_BOOL(v)[row])) return true;
        break;
    case TYPE_TIMESTAMP:
        if (conv_timestamp(s, n, &VEC_I64(v)[row])) return true;
        break;
    case TYPE_INTERVAL:
        /* a number is microseconds; text like '1 hour' or '00:05:00' */
        if (rd_fast_i64(s, n, &VEC_I64(v)[row]) || parse_int64(s, n, &VEC_I64(v)[row]) ||
            interval_parse(s, n, NULL, &VEC_I64(v)[row]))
            return true;
        break;
    default: break;
    }
    return rd_bad_value(r, j, s, n);
}
