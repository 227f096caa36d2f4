/*
** Event time in the runtime: each input's maximum event time, the query's
** watermark, the guard against clocks in the future, and late rows kept in
** weir_late (CONTRACT §4, §5; the executor's side is exec.h "Event time").
**
** Watermark (Spark semantics).  An input whose SOURCE declares WATERMARK FOR
** col AS col - delay tracks the largest non-NULL col it delivered
** (QSource.max_et), measured on the chunks the source produces, before
** pushing (so before any filter of the query).  After a micro-batch's rows:
**
**   every input ended for good (bounded, see sq_inputs_ended)  -> +infinity
**   otherwise: min over the watermarked inputs that have not ended of
**              (max event time - delay); an input that has delivered no
**              event time yet holds the watermark where it is (none, at first)
**
** and it never moves back.  INT64_MIN is "none", INT64_MAX "+infinity".  A
** query none of whose inputs has a WATERMARK has no watermark at all (its
** windows are never final).  An ended input does not hold the others back
** (Flink's end-of-input watermark); a ONCE / AVAILABLE NOW run reads a file
** source as bounded only to fix its input, which is not the input's end, so
** such a "snapshot" never counts as ended here.
**
** max_future.  A row whose event time is more than max_future ahead of the
** wall clock (when its chunk arrives) would push the watermark into the
** future and turn every later row into late data.  It is rejected like a
** bad record instead: weir_rejects gets the source, the location of the
** record as the source tells it (source_row_location: "path:line" for a
** file source), or else "SOURCE:batch N row K" (the K-th row the source
** delivered in micro-batch N), the row's columns as the query reads
** them (comma-separated, as weir prints values) and the reason; the row is
** left out of the chunk through its selection vector.  With on_error =
** 'fail' the batch fails instead, naming the row.
**
** late = 'keep'.  The executor reports each row it drops as late with the
** window it missed; the rows wait in the batch arena and are written to
** weir_late in the batch's transaction (batch.c).  The late sink is
** executor-wide, so one input with late = 'keep' keeps the late rows of the
** whole query.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "stream_int.h"

/* ------------------------------------------------------------ options */

bool stream_runtime_option(const char *key) {
    return key && (strcasecmp(key, "late") == 0 || strcasecmp(key, "max_future") == 0);
}

int stream_check_runtime_option(const char *key, const char *value, char *msg, size_t cap) {
    const char *v = value ? value : "";
    if (strcasecmp(key, "late") == 0) {
        if (strcasecmp(v, "keep") == 0 || strcasecmp(v, "drop") == 0) return 0;
        snprintf(msg, cap, "option \"late\" must be 'drop' or 'keep', not '%s'", v);
        return -1;
    }
    if (strcasecmp(key, "max_future") == 0) {
        int64_t us;
        if (interval_parse(v, strlen(v), NULL, &us) && us >= 0) return 0;
        snprintf(msg, cap, "option \"max_future\" must be an interval like '1 hour' or '30 minutes', not '%s'", v);
        return -1;
    }
    snprintf(msg, cap, "unknown option \"%s\"", key);
    return -1;
}

const char *stream_watermark_text(int64_t wm, char *buf) {
    if (wm == INT64_MIN) return NULL;
    if (wm == INT64_MAX) return STREAM_WATERMARK_END;
    ts_format(wm, buf);
    return buf;
}

int sq_event_source(StreamQuery *q, QSource *s, const Plan *scan, ConnConfig *cfg, Err *err) {
    s->wm_col = scan->u.scan.watermark_col >= 0 ? scan->u.scan.watermark_out : -1;
    s->delay_us = s->wm_col >= 0 && scan->u.scan.watermark_delay_us > 0 ? scan->u.scan.watermark_delay_us : 0;
    s->max_et = INT64_MIN;
    s->max_future_us = -1;
    if (scan->u.scan.watermark_col >= 0 && s->wm_col < 0)
        return err_set(err, "internal error: the plan of query \"%s\" does not read the event time of source \"%s\"",
                       q->name, s->name);
    /* a rejected row reads in the source's declared column order, whatever the projection */
    s->ncols = scan->u.scan.nproj;
    s->order = ARENA_ARRAY(q->arena, int, s->ncols + 1);
    for (int j = 0; j < s->ncols; j++) {
        int k = j;
        while (k > 0 && scan->u.scan.proj[s->order[k - 1]] > scan->u.scan.proj[j]) {
            s->order[k] = s->order[k - 1];
            k--;
        }
        s->order[k] = j;
    }
    /* the connector gets every option but the runtime's own */
    ConnOption *keep = ARENA_ARRAY(q->arena, ConnOption, cfg->noptions + 1);
    int n = 0;
    for (int i = 0; i < cfg->noptions; i++) {
        const ConnOption *o = &cfg->options[i];
        if (o->key && strcasecmp(o->key, "on_error") == 0 && o->value && strcasecmp(o->value, "fail") == 0)
            s->fail_on_error = true;
        if (!stream_runtime_option(o->key)) {
            keep[n++] = *o;
            continue;
        }
        char msg[ERR_MSG_MAX];
        if (stream_check_runtime_option(o->key, o->value, msg, sizeof msg))
            return err_set(err, "source \"%s\": %s", s->name, msg);
        if (strcasecmp(o->key, "late") == 0) {
            if (strcasecmp(o->value, "keep") == 0) q->late_keep = true;
        } else {
            if (s->wm_col < 0)
                return err_set(err, "source \"%s\": option \"max_future\" needs a WATERMARK: it bounds the event time",
                               s->name);
            interval_parse(o->value, strlen(o->value), NULL, &s->max_future_us);
        }
    }
    cfg->options = keep;
    cfg->noptions = n;
    if (s->wm_col >= 0) q->has_wm = true;
    return 0;
}

/* ------------------------------------------------------------ chunks */

/*
** Row r of c as text: its columns in declared order (s->order), as weir
** prints values, comma-separated (arena a).
*/
static char *row_text(const QSource *s, const Chunk *c, uint32_t r, Arena *a) {
    size_t len = 0, cap = 128;
    char *buf = arena_alloc(a, cap);
    buf[0] = 0;
    for (int i = 0; i < c->ncols; i++) {
        int j = i < s->ncols ? s->order[i] : i;
        Value v;
        vec_get(&c->cols[j], r, &v);
        if (c->cols[j].type == TYPE_NULL) v.null = true;
        const char *t = value_to_text(a, &v);
        size_t tl = strlen(t);
        if (len + tl + 2 > cap) {
            while (len + tl + 2 > cap) cap *= 2;
            char *nb = arena_alloc(a, cap);
            memcpy(nb, buf, len + 1);
            buf = nb;
        }
        if (i) buf[len++] = ',';
        memcpy(buf + len, t, tl + 1);
        len += tl;
    }
    return buf;
}

/*
** Reject the rows of c whose event time is beyond `limit`: *out is c, or a
** view of c in the batch arena without them.  0 / -1.
*/
static int reject_future(StreamQuery *q, QSource *s, const Chunk *c, int64_t limit, const Chunk **out, Err *err) {
    const Vec *et = &c->cols[s->wm_col];
    const int64_t *t = VEC_I64(et);
    uint32_t n = chunk_active(c);
    uint32_t k = 0;
    for (; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        if (!vec_is_null(et, r) && t[r] > limit) break;
    }
    if (k == n) return 0;   /* the usual case: nothing to reject, the chunk goes as it is */
    Chunk *v = ARENA_NEW(&q->batch, Chunk);
    *v = *c;
    v->sel = ARENA_ARRAY(&q->batch, uint32_t, n + 1);
    v->nsel = 0;
    for (uint32_t i = 0; i < k; i++) v->sel[v->nsel++] = chunk_row(c, i);
    for (; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        if (vec_is_null(et, r) || t[r] <= limit) {
            v->sel[v->nsel++] = r;
            continue;
        }
        char ts[40], iv[64];
        ts_format(t[r], ts);
        interval_format(s->max_future_us, iv, sizeof iv);
        char where[1024];
        const char *loc;
        if (source_row_location(s->src, c, r, where, sizeof where) == 0)
            loc = arena_printf(&q->batch, "%s", where);
        else
            loc = arena_printf(&q->batch, "%s:batch %lld row %lld", s->name, (long long)(q->batch_id + 1),
                               (long long)(s->batch_rows - n + k + 1));
        const char *reason =
            arena_printf(&q->batch, "event time %s is more than %s ahead of the clock", ts, iv);
        if (s->fail_on_error) {
            err_set(err, "source \"%s\": %s", s->name, reason);
            snprintf(err->location, sizeof err->location, "%s", loc);
            return -1;
        }
        const char *rec = row_text(s, c, r, &q->batch);
        sq_on_reject(q, s->name, loc, str_from(rec, strlen(rec)), reason);
    }
    *out = v;
    return 0;
}

int sq_event_chunk(StreamQuery *q, QSource *s, const Chunk *c, const Chunk **out, Err *err) {
    *out = c;
    s->batch_rows += chunk_active(c);
    if (s->wm_col < 0 || s->wm_col >= c->ncols) return 0;
    if (s->max_future_us >= 0) {
        int64_t now = sq_wall_us(), limit;
        if (__builtin_add_overflow(now, s->max_future_us, &limit)) limit = INT64_MAX;
        if (reject_future(q, s, c, limit, out, err)) return -1;
        c = *out;
    }
    /* the max over the rows pushed: a tight loop, it sees every row of the query */
    const Vec *et = &c->cols[s->wm_col];
    const int64_t *t = VEC_I64(et);
    int64_t mx = s->max_et;
    uint32_t n = chunk_active(c);
    if (!c->sel && !et->nulls) {
        for (uint32_t r = 0; r < n; r++) mx = t[r] > mx ? t[r] : mx;
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = chunk_row(c, k);
            if (!vec_is_null(et, r) && t[r] > mx) mx = t[r];
        }
    }
    s->max_et = mx;
    return 0;
}

/* ------------------------------------------------------------ the watermark */

static bool input_ended(const QSource *s) { return !s->snapshot && source_ended(s->src); }

bool sq_inputs_ended(const StreamQuery *q) {
    for (int i = 0; i < q->nsrc; i++)
        if (!input_ended(&q->src[i])) return false;
    return q->nsrc > 0;
}

bool sq_flush_pending(const StreamQuery *q) { return q->has_wm && q->wm != INT64_MAX && sq_inputs_ended(q); }

int64_t sq_next_watermark(const StreamQuery *q) {
    if (!q->has_wm) return q->wm;
    if (sq_inputs_ended(q)) return INT64_MAX;
    int64_t w = INT64_MAX;
    bool any = false;
    for (int i = 0; i < q->nsrc; i++) {
        const QSource *s = &q->src[i];
        if (s->wm_col < 0 || input_ended(s)) continue;
        if (s->max_et == INT64_MIN) return q->wm;   /* no event time from this input yet */
        int64_t c;
        if (__builtin_sub_overflow(s->max_et, s->delay_us, &c)) c = INT64_MIN;
        if (c < w) w = c;
        any = true;
    }
    /* every watermarked input ended while another input goes on: nothing moves it */
    if (!any) return q->wm;
    return w > q->wm ? w : q->wm;
}

/* ------------------------------------------------------------ late rows */

void sq_on_late(void *ud, int64_t window_start, int64_t window_end, const char *row) {
    StreamQuery *q = ud;
    if (!q->in_batch) return;
    QLate *l = ARENA_NEW(&q->batch, QLate);
    l->window_start = window_start;
    l->window_end = window_end;
    l->record = arena_strdup(&q->batch, row ? row : "");
    if (q->late_tail) q->late_tail->next = l;
    else q->late_head = l;
    q->late_tail = l;
}
