/*
** One micro-batch of a continuous query (sq_run_batch):
**
**   plan_batch on every source          which rows this batch covers
**   nothing new?  -> no batch            (the loop waits per trigger, or ends)
**   BEGIN IMMEDIATE                      on the query's own connection
**     exec_set_watermark(old)            the watermark the batch's rows are judged by
**     next() chunks -> exec_push_leaf    every planned source, into its leaf (max_future
**                                        rejects left out, max event time tracked)
**     exec_advance_watermark(new)        from the inputs' max event times (eventtime.c)
**     exec_finish_round                  stateful operators emit their changes; windows
**                                        the new watermark finalizes are emitted
**     output                             APPEND rows and the changes of a keyed
**                                        table go out as they come; other
**                                        outputs get consolidated changes
**     exec_state_changes -> weir_state   operator state the batch changed
**     end offsets -> weir_offsets
**     rejected records -> weir_rejects, late rows -> weir_late (late = 'keep'),
**     a weir_progress row, weir_queries.batches and .watermark_us
**     sink commit                        (a file sink names files by batch id)
**   COMMIT
**
** When every input has ended for good, the batch advances the watermark to
** +infinity, so every remaining window is emitted; if the inputs are found
** ended only when no source has new data, one more batch without input rows
** does that (queries with a WATERMARK only), and then the query finishes.
**
** So the result rows, the offsets they came from and the state they built
** commit together: a query killed at any instant and created again resumes
** from its last commit, with neither loss nor duplicates in its table.  A
** failed batch rolls back and stops the query (its executor state is then
** ahead of the database; a new run resumes from the commit).
*/
#include <string.h>

#include "stream_int.h"

#define ONCE_MAX_US (10 * USEC_PER_SEC)   /* TRIGGER ONCE stops gathering an endless source */

/* ------------------------------------------------------------ the executor's output */

static int tap_rows(void *ud, const Chunk *c) {
    const StreamTap *t = ud;
    return t->rows ? t->rows(t->ud, c) : 0;
}

static int sink_rows(void *ud, const Chunk *c) {
    StreamQuery *q = ud;
    return q->sink->vt->write(q->sink, c, q->batch_err);
}

/* Add the active rows of c to the batch's consolidated changes. */
static void collect(StreamQuery *q, const Chunk *c) {
    uint32_t n = chunk_active(c);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        int64_t w = chunk_weight(c, r);
        if (w == 0) continue;
        row_encode(&q->rowbuf, c, r);
        bag_add(&q->changes, q->rowbuf.data, q->rowbuf.len, w);
    }
}

/*
** The executor's ChunkSink.  APPEND rows, and the changes of a result table
** with a key, go straight to the output (no buffering: a big batch streams
** into SQLite); other outputs consolidate the batch's changes first
** (finish_output).  Rows emitted outside a batch (static inputs read at
** creation) wait in the bag for the first batch.  Errors go to the
** executor's own Err, so exec reports them.
*/
int sq_root_sink(void *ud, const Chunk *c) {
    StreamQuery *q = ud;
    if (!q->in_batch || !q->direct) {
        collect(q, c);
        return 0;
    }
    int rc = 0;
    if (q->mode == EMIT_APPEND) {
        uint32_t n = chunk_active(c);
        for (uint32_t k = 0; k < n; k++)
            if (chunk_weight(c, chunk_row(c, k)) < 0)
                return err_set(&q->xerr,
                               "internal error: EMIT APPEND query \"%s\" produced a retraction (APPEND rows are final)",
                               q->name);
        switch (q->out) {
        case OUT_TABLE: rc = tw_append(&q->tw, c, &q->xerr); break;
        case OUT_SINK: rc = q->sink->vt->write(q->sink, c, &q->xerr); break;
        case OUT_TAP: rc = tap_rows((void *)q->out_tap, c); break;
        }
    } else {
        rc = tw_change(&q->tw, c, &q->xerr);
    }
    if (rc) {
        if (!q->xerr.set) err_set(&q->xerr, "writing the output of \"%s\" failed", q->name);
        return -1;
    }
    if (q->step_tap && tap_rows((void *)q->step_tap, c)) {
        if (!q->xerr.set) err_set(&q->xerr, "the step callback failed");
        return -1;
    }
    return 0;
}

/* bag_to_chunks consumers */
static int table_rows(void *ud, const Chunk *c) {
    StreamQuery *q = ud;
    return tw_append(&q->tw, c, q->batch_err);
}

static int output_rows(void *ud, const Chunk *c) {
    StreamQuery *q = ud;
    switch (q->out) {
    case OUT_TABLE: return table_rows(q, c);
    case OUT_SINK: return sink_rows(q, c);
    case OUT_TAP: return tap_rows((void *)q->out_tap, c);
    }
    return 0;
}

/* Changes of `bag` as chunks to fn: retractions first, then inserts. */
static int changes_to(StreamQuery *q, const RowBag *bag, int (*fn)(void *, const Chunk *), void *ud, Err *err) {
    const Schema *s = &q->plan->schema;
    if (bag_to_chunks(bag, s, -1, &q->scratch, fn, ud, err)) return -1;
    return bag_to_chunks(bag, s, 1, &q->scratch, fn, ud, err);
}

/*
** Apply the batch's consolidated changes: all of a batch's changes for the
** outputs that consolidate (multiset tables, sinks and taps in UPDATE /
** COMPLETE mode); for direct outputs only rows the executor emitted outside
** a batch (rare: static parts of a plan).  A COMPLETE output that is not a
** table gets the whole result, kept in q->result (and checkpointed as
** weir_state op -1).
*/
static int finish_output(StreamQuery *q, Err *err) {
    q->batch_err = err;
    const Schema *s = &q->plan->schema;
    if (q->mode == EMIT_APPEND) {
        for (size_t i = 0; i < q->changes.n; i++)
            if (q->changes.entries[i].weight < 0)
                return err_set(err, "internal error: EMIT APPEND query \"%s\" produced a retraction", q->name);
    }
    if (q->keep_result) {
        for (size_t i = 0; i < q->changes.n; i++) {
            const BagEntry *e = &q->changes.entries[i];
            if (e->weight == 0) continue;
            int64_t w = bag_add(&q->result, e->bytes, e->len, e->weight);
            if (w < 0) return err_set(err, "internal error: query \"%s\" retracted a row it never produced", q->name);
            if (q->persistent &&
                ckpt_put_state(&q->ckpt, -1, e->bytes, e->len, w ? &w : NULL, w ? sizeof w : 0, err))
                return -1;
        }
    }
    if (q->mode == EMIT_COMPLETE && q->out != OUT_TABLE) {
        if (bag_to_chunks(&q->result, s, 1, &q->scratch, output_rows, q, err)) return -1;
    } else if (q->changes.live > 0) {
        if (q->out == OUT_TABLE && q->mode != EMIT_APPEND) {
            if (tw_apply(&q->tw, &q->changes, err)) return -1;
        } else if (changes_to(q, &q->changes, output_rows, q, err)) {
            return -1;
        }
    }
    if (q->step_tap && q->changes.live > 0 && changes_to(q, &q->changes, tap_rows, (void *)q->step_tap, err))
        return -1;
    if (q->keep_result) bag_compact(&q->result);
    return 0;
}

static int put_state(void *ud, int op, const void *key, size_t klen, const void *val, size_t vlen) {
    StreamQuery *q = ud;
    return ckpt_put_state(&q->ckpt, op, key, klen, val, vlen, q->batch_err);
}

/* RejectSink: keep the record for the batch's transaction (weir_rejects). */
int sq_on_reject(void *ud, const char *source, const char *location, Str record, const char *reason) {
    StreamQuery *q = ud;
    QReject *r = ARENA_NEW(&q->batch, QReject);
    r->source = arena_strdup(&q->batch, source ? source : "?");
    r->location = arena_strdup(&q->batch, location ? location : "");
    r->error = arena_strdup(&q->batch, reason ? reason : "");
    r->record = record.len ? arena_strndup(&q->batch, record.ptr, record.len) : "";
    r->rlen = record.len;
    if (q->rej_tail) q->rej_tail->next = r;
    else q->rej_head = r;
    q->rej_tail = r;
    q->batch_rejects++;
    return 0;
}

/* ------------------------------------------------------------ one micro-batch */

static int tap_begin(const StreamTap *t, int64_t id) { return t && t->begin ? t->begin(t->ud, id) : 0; }
static int tap_end(const StreamTap *t, int64_t id) { return t && t->end ? t->end(t->ud, id) : 0; }

/* Roll back a failed batch; the executor is now ahead of the database, so the query stops. */
static int abort_batch(StreamQuery *q, Err *err) {
    if (q->db) sq_db_rollback(q->db);
    q->in_batch = false;
    q->step_tap = NULL;
    q->late_head = q->late_tail = NULL;
    bag_clear(&q->changes);
    if (!err->set) err_set(err, "micro-batch of \"%s\" failed", q->name);
    return -1;
}

/* plan_batch on every source: 1 some source has rows, 0 none, -1 error. */
static int plan_sources(StreamQuery *q, Err *err) {
    bool any = false;
    for (int i = 0; i < q->nsrc; i++) {
        int r = source_plan_batch(q->src[i].src, err);
        if (r < 0) {
            if (!err->set) err_set(err, "source \"%s\" failed", q->src[i].name);
            return -1;
        }
        q->src[i].planned = r > 0;
        any |= r > 0;
    }
    return any;
}

/*
** Push the planned rows of every source into its leaf; remember where each
** stopped.  Each chunk goes through the event-time checks first (max_future
** rejects, the input's max event time).
*/
static int push_sources(StreamQuery *q, int64_t *rows, Err *err) {
    for (int i = 0; i < q->nsrc; i++) {
        QSource *s = &q->src[i];
        if (!s->planned) continue;
        Chunk *c;
        int r;
        while ((r = source_next(s->src, &c, err)) > 0) {
            *rows += chunk_active(c);
            const Chunk *in;
            if (sq_event_chunk(q, s, c, &in, err)) return -1;
            if (chunk_active(in) == 0) continue;
            if (exec_push_leaf(q->x, s->leaf, in)) {
                *err = q->xerr;
                return -1;
            }
        }
        if (r < 0) return -1;
        /* the end of a batch is known once next() said so */
        s->offset = arena_strdup(&q->batch, source_end_offset(s->src));
    }
    return 0;
}

/*
** Run one micro-batch (see the top of the file).  *rows receives the input
** rows it read.  1: a batch ran and committed, 0: no source had new data
** (nothing happened), -1: error in err (rolled back).
**
** TRIGGER ONCE gathers: its one batch takes what the sources have in as many
** plan_batch rounds as their per-trigger limits need, and finishes the round
** once.  An endless source (an unpaced unbounded generator) always has more,
** so gathering stops after ONCE_MAX_US.
*/
int sq_run_batch(StreamQuery *q, const StreamTap *tap, int64_t *rows, Err *err) {
    *rows = 0;
    err_clear(&q->xerr);
    int64_t t0 = sq_mono_us();
    int any = plan_sources(q, err);
    if (any < 0) return -1;
    /* every input ended, the watermark is not +infinity yet: one more batch emits what is left */
    if (!any && !q->rej_head && q->changes.live == 0 && !sq_flush_pending(q)) return 0;

    int64_t id = q->batch_id + 1;
    if (q->db && sq_db_exec(q->db, "BEGIN IMMEDIATE", err)) return -1;
    q->in_batch = true;
    q->step_tap = tap;
    q->batch_err = err;
    for (int i = 0; i < q->nsrc; i++) {
        q->src[i].offset = NULL;
        q->src[i].batch_rows = 0;
    }
    exec_set_watermark(q->x, q->wm);
    if (tap_begin(tap, id) || tap_begin(q->out == OUT_TAP ? q->out_tap : NULL, id)) {
        if (!err->set) err_set(err, "the output callback failed");
        return abort_batch(q, err);
    }
    if (q->sink && q->sink->vt->begin(q->sink, id, err)) return abort_batch(q, err);

    for (;;) {
        if (push_sources(q, rows, err)) return abort_batch(q, err);
        if (q->trigger != TRIGGER_ONCE || sq_mono_us() - t0 > ONCE_MAX_US || sq_stop_requested(q)) break;
        any = plan_sources(q, err);
        if (any < 0) return abort_batch(q, err);
        if (!any) break;
    }
    int64_t wm = sq_next_watermark(q);
    exec_advance_watermark(q->x, wm);   /* also when unchanged: after a restart the executor learns it here */
    if (exec_finish_round(q->x)) {
        *err = q->xerr;
        return abort_batch(q, err);
    }
    if (finish_output(q, err)) return abort_batch(q, err);

    int64_t state_rows = exec_state_rows(q->x);
    int64_t now = sq_wall_us();
    if (q->persistent) {
        if (exec_state_changes(q->x, put_state, q)) {
            if (!err->set) *err = q->xerr;
            return abort_batch(q, err);
        }
        for (int i = 0; i < q->nsrc; i++) {
            QSource *s = &q->src[i];
            if (s->offset && ckpt_put_offset(&q->ckpt, s->key, s->offset, s->max_et, err)) return abort_batch(q, err);
        }
    }
    for (QReject *r = q->rej_head; r && q->ckpt_ready; r = r->next)
        if (ckpt_reject(&q->ckpt, r->source, r->location, r->record, r->rlen, r->error, now, err))
            return abort_batch(q, err);
    for (QLate *l = q->late_head; l && q->ckpt_ready; l = l->next)
        if (ckpt_late(&q->ckpt, l->window_start, l->window_end, l->record, now, err)) return abort_batch(q, err);
    int64_t late_total = exec_late_rows(q->x);
    int64_t dur = sq_mono_us() - t0;
    ProgressRow pr = {
        .batch_id = id,
        .at_us = now,
        .input_rows = *rows,
        .rows_per_s = dur > 0 ? (double)*rows * 1e6 / (double)dur : (double)*rows * 1e6,
        .duration_ms = dur / 1000,
        .state_rows = state_rows,
        .late_rows = late_total - q->late_seen,
        .rejects = q->batch_rejects,
        .watermark = wm,
    };
    if (q->persistent && (ckpt_progress(&q->ckpt, &pr, err) || ckpt_set_batches(&q->ckpt, id, wm, now, err)))
        return abort_batch(q, err);
    if (q->sink && q->sink->vt->commit(q->sink, id, err)) return abort_batch(q, err);
    if (q->db && sq_db_exec(q->db, "COMMIT", err)) return abort_batch(q, err);

    q->batch_id = id;
    q->wm = wm;
    q->late_seen = late_total;
    q->late_head = q->late_tail = NULL;
    q->in_batch = false;
    q->step_tap = NULL;
    bag_clear(&q->changes);
    arena_reset(&q->batch);
    int64_t nrej = q->batch_rejects;
    q->rej_head = q->rej_tail = NULL;
    q->batch_rejects = 0;
    for (int i = 0; i < q->nsrc; i++) q->src[i].offset = NULL;

    pthread_mutex_lock(&q->mu);
    q->stats.batches = id;
    q->stats.input_rows += *rows;
    q->stats.rows_per_s = pr.rows_per_s;
    q->stats.last_batch_ms = pr.duration_ms;
    q->stats.state_rows = state_rows;
    q->stats.rejects += nrej;
    q->stats.late_rows += pr.late_rows;
    q->stats.watermark = wm;
    pthread_mutex_unlock(&q->mu);

    /* The output tap's end comes after the commit: what it shows is durable. */
    if (tap_end(q->out == OUT_TAP ? q->out_tap : NULL, id) || tap_end(tap, id))
        return err_set(err, "the output callback failed");
    return 1;
}

