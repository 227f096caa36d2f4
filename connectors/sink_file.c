/*
** The file sink: one file per micro-batch in a directory.
**
** Options: path (a directory, created if missing), format (csv | json,
** default csv), header (CSV: a header line in each file), delimiter.
**
** Batch N is written to ".part-<N>.<ext>.tmp" (N zero padded to 12 digits;
** the leading '.' hides it from weir's file source and most tools) and
** renamed to "part-<N>.<ext>" at commit, after fsync.  A replayed batch
** (the runtime re-runs a batch whose commit it did not record) writes the
** same name again and the rename replaces the earlier file: the output is
** idempotent per batch, so the directory holds each batch's rows once.
**
** What a file holds depends on the output mode:
**   append    the inserted rows, as they are (a row of weight w > 1 is
**             written w times; retractions cannot occur in append mode and
**             are not written);
**   update    the changes: each row with a trailing column "op" that is
**             '+' (the row entered the result) or '-' (it left); an updated
**             row is a '-' of its old version and a '+' of its new one;
**   complete  the whole result table as of that batch (every row once),
**             so the newest file is the current result.
** Values are written in the contract's text format (timestamps
** 'YYYY-MM-DD HH:MM:SS[.ffffff]'); in CSV a NULL is an empty unquoted field
** and the empty string is "", in JSON NULL is null.  Empty batches still
** produce their (empty, or header-only) file: one file per micro-batch.
*/
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn_impl.h"

#define FLUSH_AT (1u << 20)

typedef struct FileSink {
    Sink base;
    Arena arena;
    const char *name;
    const char *dir;
    TextFormat fmt;
    const char *ext;
    bool header;
    char delim;
    SinkMode mode;
    Schema schema;
    int fd; /* the batch's temporary file, -1 outside begin..commit */
    int64_t batch;
    char tmp[4096];   /* its path */
    char final[4096]; /* the name it gets at commit */
    TextBuf out;
} FileSink;

static int sink_errno(FileSink *fk, Err *err, const char *what, const char *path) {
    return err_set(err, "sink \"%s\": cannot %s \"%s\": %s", fk->name, what, path, strerror(errno));
}

/* mkdir -p */
static int make_dirs(FileSink *fk, const char *path, Err *err) {
    char *p = xstrdup(path);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        char save = p[i];
        p[i] = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int rc = sink_errno(fk, err, "create directory", p);
            free(p);
            return rc;
        }
        p[i] = save;
    }
    free(p);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(err, "sink \"%s\": \"%s\" is not a directory", fk->name, path);
    return 0;
}

static int flush_out(FileSink *fk, Err *err) {
    size_t off = 0;
    while (off < fk->out.len) {
        ssize_t n = write(fk->fd, fk->out.p + off, fk->out.len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sink_errno(fk, err, "write", fk->tmp);
        }
        off += (size_t)n;
    }
    fk->out.len = 0;
    return 0;
}

static void discard(FileSink *fk) {
    if (fk->fd < 0) return;
    close(fk->fd);
    fk->fd = -1;
    unlink(fk->tmp);
    fk->out.len = 0;
}

/* The batch's temporary and final paths into fk->tmp / fk->final; -1 when too long. */
static int part_names(FileSink *fk, int64_t batch_id, Err *err) {
    int a = snprintf(fk->tmp, sizeof fk->tmp, "%s/.part-%012" PRId64 ".%s.tmp", fk->dir, batch_id, fk->ext);
    int b = snprintf(fk->final, sizeof fk->final, "%s/part-%012" PRId64 ".%s", fk->dir, batch_id, fk->ext);
    if (a < 0 || b < 0 || (size_t)a >= sizeof fk->tmp || (size_t)b >= sizeof fk->final)
        return err_set(err, "sink \"%s\": path \"%s\" is too long", fk->name, fk->dir);
    return 0;
}

static int fsink_begin(Sink *k, int64_t batch_id, Err *err) {
    FileSink *fk = (FileSink *)k;
    discard(fk); /* a batch begun and never committed is abandoned */
    if (batch_id < 0) return err_set(err, "sink \"%s\": bad batch id %" PRId64, fk->name, batch_id);
    fk->batch = batch_id;
    if (part_names(fk, batch_id, err) < 0) return -1;
    fk->fd = open(fk->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fk->fd < 0) return sink_errno(fk, err, "create", fk->tmp);
    if (fk->fmt == TEXT_CSV && fk->header) rowtext_header(&fk->out, fk->delim, &fk->schema, fk->mode == SINK_UPDATE);
    return 0;
}

static int fsink_write(Sink *k, const Chunk *c, Err *err) {
    FileSink *fk = (FileSink *)k;
    if (fk->fd < 0) return err_set(err, "sink \"%s\": write outside a batch", fk->name);
    if (c->ncols != fk->schema.ncols)
        return err_set(err, "sink \"%s\": a chunk of %d columns for %d", fk->name, c->ncols, fk->schema.ncols);
    uint32_t n = chunk_active(c);
    for (uint32_t kk = 0; kk < n; kk++) {
        uint32_t r = chunk_row(c, kk);
        int64_t w = chunk_weight(c, r);
        if (fk->mode == SINK_UPDATE) {
            for (int64_t i = 0; i < (w < 0 ? -w : w); i++)
                rowtext_row(&fk->out, fk->fmt, fk->delim, &fk->schema, c->cols, r, w < 0 ? "-" : "+");
        } else {
            for (int64_t i = 0; i < w; i++) rowtext_row(&fk->out, fk->fmt, fk->delim, &fk->schema, c->cols, r, NULL);
        }
        if (fk->out.len >= FLUSH_AT && flush_out(fk, err) < 0) return -1;
    }
    return 0;
}

/* Make the file durable, give it its final name, and make the rename durable. */
static int fsink_commit(Sink *k, int64_t batch_id, Err *err) {
    FileSink *fk = (FileSink *)k;
    if (fk->fd < 0 || batch_id != fk->batch)
        return err_set(err, "sink \"%s\": commit of batch %" PRId64 " that was not begun", fk->name, batch_id);
    if (flush_out(fk, err) < 0) return -1;
    if (fsync(fk->fd) != 0) return sink_errno(fk, err, "sync", fk->tmp);
    if (close(fk->fd) != 0) {
        fk->fd = -1;
        return sink_errno(fk, err, "close", fk->tmp);
    }
    fk->fd = -1;
    if (rename(fk->tmp, fk->final) != 0) return sink_errno(fk, err, "rename to", fk->final);
    int dfd = open(fk->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static void fsink_close(Sink *k) {
    FileSink *fk = (FileSink *)k;
    discard(fk);
    textbuf_free(&fk->out);
    arena_free(&fk->arena);
    free(fk);
}

static const SinkVT file_sink_vt = {fsink_begin, fsink_write, fsink_commit, fsink_close};

static int parse_options(const ConnConfig *cfg, const char **path, RecordFormat *fmt, bool *header, char *delim,
                         Err *err) {
    static const char *const keys[] = {"path", "format", "header", "delimiter", NULL};
    ConnCtx c = {cfg, "sink"};
    if (conn_check_keys(&c, keys, NULL, err) || conn_require(&c, "path", path, err) ||
        conn_get_format(&c, "format", FORMAT_CSV, fmt, err) || conn_get_bool(&c, "header", false, header, err) ||
        conn_get_delimiter(&c, "delimiter", delim, err))
        return -1;
    return 0;
}

int file_sink_check(const ConnConfig *cfg, Err *err) {
    const char *path;
    RecordFormat fmt;
    bool header;
    char delim;
    return parse_options(cfg, &path, &fmt, &header, &delim, err);
}

Sink *file_sink_open(const ConnConfig *cfg, const char *mode, Err *err) {
    ConnCtx c = {cfg, "sink"};
    const char *path;
    RecordFormat fmt;
    bool header;
    char delim;
    SinkMode m;
    if (parse_options(cfg, &path, &fmt, &header, &delim, err) || conn_sink_mode(&c, mode, &m, err)) return NULL;
    FileSink *fk = xcalloc(1, sizeof *fk);
    arena_init(&fk->arena, 0);
    fk->base.vt = &file_sink_vt;
    fk->name = arena_strdup(&fk->arena, cfg->name ? cfg->name : "?");
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    fk->dir = arena_strndup(&fk->arena, path, n);
    fk->fmt = fmt == FORMAT_JSON ? TEXT_JSON : TEXT_CSV;
    fk->ext = fmt == FORMAT_JSON ? "json" : "csv";
    fk->header = header;
    fk->delim = delim;
    fk->mode = m;
    fk->fd = -1;
    conn_schema_copy(&fk->schema, &cfg->schema, &fk->arena);
    if (make_dirs(fk, fk->dir, err) < 0) {
        fsink_close(&fk->base);
        return NULL;
    }
    return &fk->base;
}
