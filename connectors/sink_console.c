/*
** The console sink: prints each micro-batch to standard output as
**   -- batch N
** followed by its rows, tab-separated, values as weir prints them (NULL as
** NULL).  In update mode each row starts with "+\t" (entered the result) or
** "-\t" (left it); append and complete print the rows alone (complete: the
** whole result each batch).  format = 'csv' or 'json' prints the rows as CSV
** or JSON lines instead (with a trailing op column / key in update mode).
**
** A batch is buffered and written with one fwrite() at commit, so batches of
** queries running in parallel do not interleave and a batch that fails
** before its commit prints nothing.  A replayed batch prints again: the
** console is at-least-once.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_impl.h"

typedef struct ConsoleSink {
    Sink base;
    Arena arena;
    const char *name;
    TextFormat fmt;
    SinkMode mode;
    Schema schema;
    bool open;
    int64_t batch;
    TextBuf out;
} ConsoleSink;

static int csink_begin(Sink *k, int64_t batch_id, Err *err) {
    (void)err;
    ConsoleSink *cs = (ConsoleSink *)k;
    cs->out.len = 0;
    cs->open = true;
    cs->batch = batch_id;
    char line[64];
    int n = snprintf(line, sizeof line, "-- batch %" PRId64 "\n", batch_id);
    textbuf_add(&cs->out, line, (size_t)n);
    return 0;
}

static int csink_write(Sink *k, const Chunk *c, Err *err) {
    ConsoleSink *cs = (ConsoleSink *)k;
    if (!cs->open) return err_set(err, "sink \"%s\": write outside a batch", cs->name);
    if (c->ncols != cs->schema.ncols)
        return err_set(err, "sink \"%s\": a chunk of %d columns for %d", cs->name, c->ncols, cs->schema.ncols);
    uint32_t n = chunk_active(c);
    for (uint32_t kk = 0; kk < n; kk++) {
        uint32_t r = chunk_row(c, kk);
        int64_t w = chunk_weight(c, r);
        int64_t times = cs->mode == SINK_UPDATE ? (w < 0 ? -w : w) : w;
        for (int64_t i = 0; i < times; i++) {
            if (cs->mode == SINK_UPDATE && cs->fmt == TEXT_TSV) {
                textbuf_putc(&cs->out, w < 0 ? '-' : '+');
                textbuf_putc(&cs->out, '\t');
            }
            const char *op = cs->mode == SINK_UPDATE && cs->fmt != TEXT_TSV ? (w < 0 ? "-" : "+") : NULL;
            rowtext_row(&cs->out, cs->fmt, ',', &cs->schema, c->cols, r, op);
        }
    }
    return 0;
}

static int csink_commit(Sink *k, int64_t batch_id, Err *err) {
    ConsoleSink *cs = (ConsoleSink *)k;
    if (!cs->open || batch_id != cs->batch)
        return err_set(err, "sink \"%s\": commit of batch %" PRId64 " that was not begun", cs->name, batch_id);
    cs->open = false;
    if (fwrite(cs->out.p, 1, cs->out.len, stdout) != cs->out.len || fflush(stdout) != 0)
        return err_set(err, "sink \"%s\": cannot write to standard output", cs->name);
    cs->out.len = 0;
    return 0;
}

static void csink_close(Sink *k) {
    ConsoleSink *cs = (ConsoleSink *)k;
    textbuf_free(&cs->out);
    arena_free(&cs->arena);
    free(cs);
}

static const SinkVT console_sink_vt = {csink_begin, csink_write, csink_commit, csink_close};

static int parse_options(const ConnConfig *cfg, TextFormat *fmt, Err *err) {
    static const char *const keys[] = {"format", NULL};
    ConnCtx c = {cfg, "sink"};
    if (conn_check_keys(&c, keys, NULL, err)) return -1;
    *fmt = TEXT_TSV;
    if (conn_option(cfg, "format")) {
        RecordFormat rf;
        if (conn_get_format(&c, "format", FORMAT_CSV, &rf, err)) return -1;
        *fmt = rf == FORMAT_JSON ? TEXT_JSON : TEXT_CSV;
    }
    return 0;
}

int console_sink_check(const ConnConfig *cfg, Err *err) {
    TextFormat fmt;
    return parse_options(cfg, &fmt, err);
}

Sink *console_sink_open(const ConnConfig *cfg, const char *mode, Err *err) {
    ConnCtx c = {cfg, "sink"};
    TextFormat fmt;
    SinkMode m;
    if (parse_options(cfg, &fmt, err) || conn_sink_mode(&c, mode, &m, err)) return NULL;
    ConsoleSink *cs = xcalloc(1, sizeof *cs);
    arena_init(&cs->arena, 0);
    cs->base.vt = &console_sink_vt;
    cs->name = arena_strdup(&cs->arena, cfg->name ? cfg->name : "?");
    cs->fmt = fmt;
    cs->mode = m;
    conn_schema_copy(&cs->schema, &cfg->schema, &cs->arena);
    return &cs->base;
}
