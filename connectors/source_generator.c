/*
** The generator source: synthetic rows for tests and benchmarks, after
** Flink's datagen connector (CONTRACT §6).
**
** Options: rows_per_second (default 1000), rows (bounded when set), seed
** (default 0), pace ('true' default: offer only the rows due by the wall
** clock since the query started; 'false': as fast as possible), start (a
** timestamp text: where TIMESTAMP columns start; default the query's start
** time, kept in the offset so a restart continues the same timeline), the
** common source options, and per column fields.COL.KEY:
**   kind    sequence | random
**   start   sequence start (a timestamp text for TIMESTAMP columns)
**   end     sequence end, inclusive (BIGINT, TEXT, INTERVAL): the source
**           ends after the value `end` (as in Flink)
**   min/max random range, inclusive for BIGINT / TIMESTAMP / INTERVAL,
**           [min, max) for DOUBLE
**   length  random TEXT length
** Defaults per type: BIGINT counts start, start+1, ... (start 0); DOUBLE is
** random in [0, 1); TEXT is 10 random letters; BOOLEAN is random; TIMESTAMP
** starts at `start` and advances 1/rows_per_second per row (row n has
** start + floor(n * 1e6 / rows_per_second) microseconds), so event time is
** the same whether or not the source is paced; INTERVAL counts microseconds
** like BIGINT.  A random TIMESTAMP lies in [start, start + 1 day] unless
** min/max say otherwise.  A TEXT sequence is the decimal text of the count.
**
** Determinism: every value is a pure function of (seed, row number, column
** position in the declared schema): random values come from a counter-based
** hash (the splitmix64 finalizer of key(seed, column) + row * golden ratio),
** so a restart from an offset regenerates exactly the rows it would have
** produced, whatever the projection or batch boundaries.
**
** Offset: "rows=N;start=US" (rows emitted, the TIMESTAMP start).  Batches
** hold at most max_records_per_trigger rows (default 1,000,000 unpaced, no
** limit paced).  Speed: vectors are filled in tight loops over whole chunks,
** with no per-row allocation; only TEXT values need bytes, carved from one
** chunk-lifetime arena.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conn_impl.h"

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define UNPACED_BATCH 1000000
#define DEFAULT_TEXT_LENGTH 10
#define MAX_TEXT_LENGTH (1 << 20)

typedef struct GenCol {
    const char *name;
    Type type;
    bool random;     /* kind = random (else sequence) */
    bool ts_default; /* TIMESTAMP relative to the source's start (no fields.COL.start / min) */
    int64_t start;   /* sequence start (microseconds for TIMESTAMP) */
    bool has_end;
    int64_t end;  /* sequence end, inclusive */
    int64_t imin; /* random integers: imin + [0, irange), irange 0 = all 2^64 values */
    uint64_t irange;
    double dmin, dspan; /* random DOUBLE: dmin + [0, 1) * dspan */
    int64_t length;     /* random TEXT length */
    uint64_t key;       /* random stream of this column: from (seed, schema position) */
} GenCol;

typedef struct GenSource {
    Source base;
    Arena arena; /* source lifetime: column specs, vectors */
    Arena text;  /* chunk lifetime: TEXT bytes */
    const char *name;
    GenCol *cols; /* one per schema column */
    int *proj;
    int nproj;
    double rps;
    int64_t rps_int; /* rows_per_second when it is a whole number, else 0 */
    int64_t total;   /* rows (after sequence ends), -1 = unbounded */
    bool ends;       /* ended() may become true (bounded unless bounded = 'false') */
    bool pace;
    int64_t max_batch; /* rows per batch, 0 = no limit */
    bool start_fixed;  /* the `start` option was given (the offset cannot move it) */
    int64_t start_us;
    uint64_t seed;

    int64_t from, to; /* planned batch [from, to) */
    int64_t cur;      /* next row to hand out */
    bool clock_started;
    struct timespec t0; /* pacing: wall clock of the first plan_batch */
    int64_t rows_at_t0;

    Chunk chunk;
    Vec *vecs;
    char offset[96];
} GenSource;

/* The splitmix64 finalizer: a bijective 64-bit mix. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rand_at(uint64_t key, int64_t row) { return mix64(key + (uint64_t)row * GOLDEN); }

/* h scaled into [0, range) (range 0: h itself). */
static inline uint64_t scale(uint64_t h, uint64_t range) {
    return range ? (uint64_t)(((unsigned __int128)h * range) >> 64) : h;
}

/* Microseconds of event time from the start to row `row`: floor(row * 1e6 / rps). */
static int64_t ts_offset(const GenSource *g, int64_t row) {
    if (g->rps_int) return (int64_t)(((__int128)row * USEC_PER_SEC) / g->rps_int);
    return (int64_t)floor((double)row * (1e6 / g->rps));
}

/* ------------------------------------------------------------ filling */

/* Rows [row0, row0 + n) of column gc into v. */
static void fill(GenSource *g, const GenCol *gc, Vec *v, int64_t row0, uint32_t n) {
    v->nulls = NULL;
    switch (gc->type) {
    case TYPE_BIGINT:
    case TYPE_INTERVAL: {
        int64_t *out = VEC_I64(v);
        if (gc->random) {
            for (uint32_t i = 0; i < n; i++)
                out[i] = (int64_t)((uint64_t)gc->imin + scale(rand_at(gc->key, row0 + i), gc->irange));
        } else {
            int64_t base = gc->start + row0;
            for (uint32_t i = 0; i < n; i++) out[i] = base + (int64_t)i;
        }
        break;
    }
    case TYPE_TIMESTAMP: {
        int64_t *out = VEC_I64(v);
        if (gc->random) {
            uint64_t lo = (uint64_t)gc->imin + (gc->ts_default ? (uint64_t)g->start_us : 0);
            for (uint32_t i = 0; i < n; i++) out[i] = (int64_t)(lo + scale(rand_at(gc->key, row0 + i), gc->irange));
            break;
        }
        int64_t start = gc->ts_default ? g->start_us : gc->start;
        if (g->rps_int && USEC_PER_SEC % g->rps_int == 0) {
            /* whole microseconds per row: a plain multiply the compiler vectorizes */
            int64_t q = USEC_PER_SEC / g->rps_int, base = start + row0 * q;
            for (uint32_t i = 0; i < n; i++) out[i] = base + (int64_t)i * q;
        } else if (g->rps_int) {
            /* q whole microseconds per row plus r/rps: carry the fraction exactly */
            int64_t q = USEC_PER_SEC / g->rps_int, r = USEC_PER_SEC % g->rps_int;
            int64_t t = start + ts_offset(g, row0);
            int64_t acc = (int64_t)(((__int128)row0 * r) % g->rps_int);
            for (uint32_t i = 0; i < n; i++) {
                out[i] = t;
                t += q;
                acc += r;
                if (acc >= g->rps_int) {
                    acc -= g->rps_int;
                    t++;
                }
            }
        } else {
            for (uint32_t i = 0; i < n; i++) out[i] = start + ts_offset(g, row0 + i);
        }
        break;
    }
    case TYPE_DOUBLE: {
        double *out = VEC_F64(v);
        if (gc->random) {
            for (uint32_t i = 0; i < n; i++)
                out[i] = gc->dmin + (double)(rand_at(gc->key, row0 + i) >> 11) * 0x1.0p-53 * gc->dspan;
        } else {
            for (uint32_t i = 0; i < n; i++) out[i] = (double)(gc->start + row0 + (int64_t)i);
        }
        break;
    }
    case TYPE_BOOL: {
        uint8_t *out = VEC_BOOL(v);
        if (gc->random) {
            for (uint32_t i = 0; i < n; i++) out[i] = (uint8_t)(rand_at(gc->key, row0 + i) >> 63);
        } else {
            for (uint32_t i = 0; i < n; i++) out[i] = (uint8_t)((gc->start + row0 + (int64_t)i) & 1);
        }
        break;
    }
    case TYPE_TEXT: {
        Str *out = VEC_STR(v);
        if (gc->random) {
            size_t len = (size_t)gc->length;
            char *p = arena_alloc(&g->text, len * n + 1);
            for (uint32_t i = 0; i < n; i++) {
                char *s = p + (size_t)i * len;
                uint64_t rk = rand_at(gc->key, row0 + i);
                /* 8 letters per 64-bit hash; more hashes for longer strings */
                for (size_t k = 0; k < len; k++) {
                    uint64_t h = k < 8 ? rk : mix64(rk + (uint64_t)(k / 8) * GOLDEN);
                    unsigned byte = (unsigned)(h >> (8 * (k % 8))) & 0xFF;
                    s[k] = (char)('a' + ((byte * 26) >> 8));
                }
                out[i] = str_from(s, len);
            }
        } else {
            char *p = arena_alloc(&g->text, (size_t)n * 21 + 1);
            for (uint32_t i = 0; i < n; i++) {
                int k = snprintf(p, 21, "%" PRId64, gc->start + row0 + (int64_t)i);
                out[i] = str_from(p, (size_t)k);
                p += k;
            }
        }
        break;
    }
    default: memset(v->data, 0, type_width(gc->type) * n); break;
    }
}

static int gen_next(Source *s, Chunk **out, Err *err) {
    (void)err;
    GenSource *g = (GenSource *)s;
    if (g->cur >= g->to) return 0;
    int64_t left = g->to - g->cur;
    uint32_t n = left < WEIR_BATCH_SIZE ? (uint32_t)left : WEIR_BATCH_SIZE;
    arena_reset(&g->text);
    for (int j = 0; j < g->nproj; j++) fill(g, &g->cols[g->proj[j]], &g->vecs[j], g->cur, n);
    g->chunk.count = g->chunk.nsel = n;
    g->cur += n;
    *out = &g->chunk;
    return 1;
}

/* ------------------------------------------------------------ planning */

static int64_t elapsed_ns(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t0->tv_sec) * 1000000000LL + (now.tv_nsec - t0->tv_nsec);
}

/*
** The next batch: rows from the end of the previous one up to the limits
** (rows, max_records_per_trigger and, when paced, the rows due by now).
*/
static int gen_plan(Source *s, Err *err) {
    (void)err;
    GenSource *g = (GenSource *)s;
    g->from = g->cur = g->to > g->cur ? g->to : g->cur;
    int64_t to = INT64_MAX;
    if (g->total >= 0) to = g->total;
    if (g->max_batch > 0 && g->from <= INT64_MAX - g->max_batch && g->from + g->max_batch < to)
        to = g->from + g->max_batch;
    if (g->pace) {
        if (!g->clock_started) {
            g->clock_started = true;
            clock_gettime(CLOCK_MONOTONIC, &g->t0);
            g->rows_at_t0 = g->from;
        }
        double due = (double)elapsed_ns(&g->t0) * 1e-9 * g->rps;
        int64_t due_rows = due >= 9e18 ? INT64_MAX : g->rows_at_t0 + (int64_t)due;
        if (due_rows < to) to = due_rows;
    }
    if (to <= g->from) {
        g->to = g->from;
        return 0;
    }
    g->to = to;
    return 1;
}

static const char *gen_end_offset(Source *s) {
    GenSource *g = (GenSource *)s;
    int64_t rows = g->to > g->cur ? g->to : g->cur;
    snprintf(g->offset, sizeof g->offset, "rows=%" PRId64 ";start=%" PRId64, rows, g->start_us);
    return g->offset;
}

/* "rows=N;start=US" (either part may be missing; an empty offset is the beginning). */
static int gen_seek(Source *s, const char *offset, Err *err) {
    GenSource *g = (GenSource *)s;
    int64_t rows = 0, start = g->start_us;
    bool have_start = false;
    const char *p = offset ? offset : "";
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        bool ok = eq != NULL;
        if (ok && (size_t)(eq - p) == 4 && strncmp(p, "rows", 4) == 0)
            ok = parse_int64(eq + 1, n - 5, &rows) && rows >= 0;
        else if (ok && (size_t)(eq - p) == 5 && strncmp(p, "start", 5) == 0)
            ok = have_start = parse_int64(eq + 1, n - 6, &start);
        else
            ok = false;
        if (!ok) return err_set(err, "source \"%s\": bad offset \"%s\"", g->name, offset);
        p += n;
        if (*p == ';') p++;
    }
    g->from = g->to = g->cur = rows;
    g->clock_started = false;
    if (have_start && !g->start_fixed) g->start_us = start;
    return 0;
}

static bool gen_ended(Source *s) {
    GenSource *g = (GenSource *)s;
    return g->ends && g->total >= 0 && g->cur >= g->total;
}

static void gen_close(Source *s) {
    GenSource *g = (GenSource *)s;
    arena_free(&g->arena);
    arena_free(&g->text);
    free(g);
}

static const SourceVT gen_source_vt = {gen_plan, gen_next, gen_end_offset, gen_seek, gen_ended, gen_close};

/* ------------------------------------------------------------ options */

typedef struct GenOpts {
    double rps;
    int64_t rows; /* -1: not given */
    int64_t seed;
    bool pace;
    bool start_given;
    int64_t start_us;
    SourceCommon com;
    GenCol *cols; /* per schema column, in `arena` */
} GenOpts;

static int field_value_int(const ConnCtx *c, const char *key, const char *v, Type t, int64_t *out, Err *err) {
    size_t n = strlen(v);
    if (t == TYPE_TIMESTAMP) {
        if (!ts_parse(v, n, out))
            return conn_err(c, err, "option \"%s\" must be a timestamp 'YYYY-MM-DD HH:MM:SS', not \"%s\"", key, v);
        return 0;
    }
    if (!parse_int64(v, n, out)) return conn_err(c, err, "option \"%s\" must be an integer, not \"%s\"", key, v);
    return 0;
}

/*
** Apply fields.COL.KEY = value to the column specs.  Keys are checked
** against the column's type and kind: a key that would be ignored is an
** error, so a typo never passes silently.
*/
static int field_options(const ConnCtx *c, GenCol *cols, const Schema *schema, Err *err) {
    const ConnConfig *cfg = c->cfg;
    /* kinds first: the other keys are judged against them */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < cfg->noptions; i++) {
            const char *key = cfg->options[i].key, *v = cfg->options[i].value ? cfg->options[i].value : "";
            if (!key || strncasecmp(key, "fields.", 7) != 0) continue;
            const char *rest = key + 7, *dot = strrchr(rest, '.');
            if (!dot || dot == rest) return conn_err(c, err, "option \"%s\" must be fields.COLUMN.KEY", key);
            char col[256];
            size_t cl = (size_t)(dot - rest);
            if (cl >= sizeof col) cl = sizeof col - 1;
            memcpy(col, rest, cl);
            col[cl] = 0;
            int ci = schema_find(schema, col);
            if (ci < 0) return conn_err(c, err, "option \"%s\" names column \"%s\", which does not exist", key, col);
            GenCol *gc = &cols[ci];
            const char *k = dot + 1;
            bool is_kind = strcasecmp(k, "kind") == 0;
            if (pass == 0) {
                if (!is_kind) continue;
                if (strcasecmp(v, "random") == 0)
                    gc->random = true;
                else if (strcasecmp(v, "sequence") == 0)
                    gc->random = false;
                else
                    return conn_err(c, err, "option \"%s\" must be 'sequence' or 'random', not \"%s\"", key, v);
                continue;
            }
            if (is_kind) continue;
            Type t = gc->type;
            bool ok_start = !gc->random,
                 ok_end = !gc->random && (t == TYPE_BIGINT || t == TYPE_TEXT || t == TYPE_INTERVAL),
                 ok_minmax =
                     gc->random && (t == TYPE_BIGINT || t == TYPE_DOUBLE || t == TYPE_TIMESTAMP || t == TYPE_INTERVAL),
                 ok_length = gc->random && t == TYPE_TEXT;
            bool known = strcasecmp(k, "start") == 0 || strcasecmp(k, "end") == 0 || strcasecmp(k, "min") == 0 ||
                         strcasecmp(k, "max") == 0 || strcasecmp(k, "length") == 0;
            if (!known)
                return conn_err(c, err, "unknown option \"%s\" (per-column keys: kind, start, end, min, max, length)",
                                key);
            bool applies = strcasecmp(k, "start") == 0    ? ok_start
                           : strcasecmp(k, "end") == 0    ? ok_end
                           : strcasecmp(k, "length") == 0 ? ok_length
                                                          : ok_minmax;
            if (!applies)
                return conn_err(c, err, "option \"%s\" does not apply to a %s column of kind %s", key, type_name(t),
                                gc->random ? "random" : "sequence");
            if (strcasecmp(k, "length") == 0) {
                int64_t len;
                if (!parse_int64(v, strlen(v), &len) || len < 0 || len > MAX_TEXT_LENGTH)
                    return conn_err(c, err, "option \"%s\" must be an integer from 0 to %d, not \"%s\"", key,
                                    MAX_TEXT_LENGTH, v);
                gc->length = len;
            } else if (t == TYPE_DOUBLE) {
                double d;
                if (!parse_double(v, strlen(v), &d) || !isfinite(d))
                    return conn_err(c, err, "option \"%s\" must be a number, not \"%s\"", key, v);
                if (strcasecmp(k, "min") == 0)
                    gc->dmin = d;
                else
                    gc->dspan = d; /* max for now; the span is computed below */
            } else {
                int64_t x;
                if (field_value_int(c, key, v, t, &x, err)) return -1;
                if (strcasecmp(k, "start") == 0) {
                    gc->start = x;
                    gc->ts_default = false;
                } else if (strcasecmp(k, "end") == 0) {
                    gc->end = x;
                    gc->has_end = true;
                } else if (strcasecmp(k, "min") == 0) {
                    gc->imin = x;
                } else {
                    gc->end = x; /* max for now */
                    gc->has_end = true;
                }
            }
        }
    }
    return 0;
}

/*
** Parse and check every option into o (column specs in `a`).  Per-column
** defaults first, then fields.* on top, then the derived ranges.
*/
static int parse_options(const ConnConfig *cfg, GenOpts *o, Arena *a, Err *err) {
    static const char *const keys[] = {"rows_per_second",       "rows", "seed", "pace", "start",
                                       CONN_SOURCE_COMMON_KEYS, NULL};
    ConnCtx c = {cfg, "source"};
    memset(o, 0, sizeof *o);
    if (conn_check_keys(&c, keys, "fields.", err) || conn_get_rate(&c, "rows_per_second", 1000, &o->rps, err) ||
        conn_get_count(&c, "rows", -1, &o->rows, err) || conn_get_int(&c, "seed", 0, &o->seed, err) ||
        conn_get_bool(&c, "pace", true, &o->pace, err) || conn_source_common(&c, &o->com, err))
        return -1;
    const char *st = conn_option(cfg, "start");
    o->start_us = cfg->now_us;
    if (st) {
        if (!ts_parse(st, strlen(st), &o->start_us))
            return conn_err(&c, err, "option \"start\" must be a timestamp 'YYYY-MM-DD HH:MM:SS', not \"%s\"", st);
        o->start_given = true;
    }
    const Schema *sc = &cfg->schema;
    o->cols = ARENA_ARRAY(a, GenCol, sc->ncols > 0 ? sc->ncols : 1);
    for (int i = 0; i < sc->ncols; i++) {
        GenCol *gc = &o->cols[i];
        gc->name = sc->cols[i].name;
        gc->type = sc->cols[i].type;
        gc->random = gc->type == TYPE_DOUBLE || gc->type == TYPE_TEXT || gc->type == TYPE_BOOL;
        gc->ts_default = gc->type == TYPE_TIMESTAMP;
        gc->length = DEFAULT_TEXT_LENGTH;
        gc->key = mix64((uint64_t)o->seed ^ mix64(GOLDEN * (uint64_t)(i + 1)));
    }
    /* min/max arrive in imin/end and dmin/dspan; remember which were given */
    for (int i = 0; i < sc->ncols; i++) {
        o->cols[i].dmin = 0;
        o->cols[i].dspan = NAN;
    }
    if (field_options(&c, o->cols, sc, err)) return -1;
    for (int i = 0; i < sc->ncols; i++) {
        GenCol *gc = &o->cols[i];
        char kmin[300], kmax[300];
        snprintf(kmin, sizeof kmin, "fields.%s.min", gc->name);
        snprintf(kmax, sizeof kmax, "fields.%s.max", gc->name);
        bool has_min = conn_option(cfg, kmin) != NULL, has_max = conn_option(cfg, kmax) != NULL;
        if (gc->type == TYPE_DOUBLE && gc->random) {
            double max = isnan(gc->dspan) ? (has_min ? gc->dmin + 1 : 1) : gc->dspan;
            if (max < gc->dmin) return conn_err(&c, err, "option \"%s\" is below \"%s\"", kmax, kmin);
            gc->dspan = max - gc->dmin;
        } else if (gc->random && (gc->type == TYPE_BIGINT || gc->type == TYPE_INTERVAL || gc->type == TYPE_TIMESTAMP)) {
            int64_t min = gc->imin, max = gc->end;
            if (gc->type == TYPE_TIMESTAMP) {
                /* without min the range follows the source start, which an offset may restore */
                gc->ts_default = !has_min;
                if (!has_min) min = o->start_us;
                if (!has_max) max = min + USEC_PER_DAY;
            } else {
                if (!has_min) min = INT64_MIN;
                if (!has_max) max = INT64_MAX;
            }
            if (max < min) return conn_err(&c, err, "option \"%s\" is below \"%s\"", kmax, kmin);
            gc->imin = gc->ts_default ? 0 : min;
            gc->irange = (uint64_t)max - (uint64_t)min + 1; /* wraps to 0 for the full range */
            gc->has_end = false;
        } else if (!gc->random && gc->has_end) {
            if (gc->end < gc->start) {
                char ks[300];
                snprintf(ks, sizeof ks, "fields.%s.end", gc->name);
                return conn_err(&c, err, "option \"%s\" is below the sequence start %" PRId64, ks, gc->start);
            }
            /* a sequence that ends bounds the source (Flink's datagen does the same) */
            uint64_t span = (uint64_t)gc->end - (uint64_t)gc->start;
            int64_t n = span >= (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)span + 1;
            if (o->rows < 0 || n < o->rows) o->rows = n;
        }
    }
    if (o->com.bounded && o->rows < 0)
        return conn_err(&c, err, "option \"bounded\" = 'true' needs option \"rows\" (or a sequence with an end)");
    return 0;
}

int generator_source_check(const ConnConfig *cfg, Err *err) {
    Arena a;
    arena_init(&a, 0);
    GenOpts o;
    int rc = parse_options(cfg, &o, &a, err);
    arena_free(&a);
    return rc;
}

Source *generator_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err) {
    (void)rejects; /* generated rows are never bad */
    ConnCtx c = {cfg, "source"};
    if (conn_check_proj(&c, proj, nproj, err)) return NULL;
    GenSource *g = xcalloc(1, sizeof *g);
    arena_init(&g->arena, 0);
    arena_init(&g->text, 0);
    GenOpts o;
    if (parse_options(cfg, &o, &g->arena, err)) {
        gen_close(&g->base);
        return NULL;
    }
    g->base.vt = &gen_source_vt;
    g->name = arena_strdup(&g->arena, cfg->name ? cfg->name : "?");
    g->cols = o.cols;
    for (int i = 0; i < cfg->schema.ncols; i++) g->cols[i].name = arena_strdup(&g->arena, g->cols[i].name);
    g->nproj = nproj;
    g->proj = ARENA_ARRAY(&g->arena, int, nproj > 0 ? nproj : 1);
    if (nproj > 0) memcpy(g->proj, proj, sizeof *proj * (size_t)nproj);
    g->rps = o.rps;
    g->rps_int = o.rps == floor(o.rps) && o.rps <= 1e15 ? (int64_t)o.rps : 0;
    g->total = o.rows;
    g->ends = o.rows >= 0 && !(o.com.bounded_set && !o.com.bounded);
    g->pace = o.pace;
    g->max_batch = o.com.max_records > 0 ? o.com.max_records : o.pace ? 0 : UNPACED_BATCH;
    g->start_fixed = o.start_given;
    g->start_us = o.start_us;
    g->seed = (uint64_t)o.seed;
    g->vecs = ARENA_ARRAY(&g->arena, Vec, nproj > 0 ? nproj : 1);
    for (int j = 0; j < nproj; j++) vec_alloc(&g->vecs[j], cfg->schema.cols[proj[j]].type, WEIR_BATCH_SIZE, &g->arena);
    g->chunk.ncols = nproj;
    g->chunk.cols = g->vecs;
    return &g->base;
}
