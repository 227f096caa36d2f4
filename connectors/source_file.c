/*
** The file source: CSV or JSON-lines files appearing in a directory (or
** matching a glob), read in name order, each once.
**
** Options: path (a directory: every regular file in it; a glob pattern; or
** one file), format (csv | json, default csv), header, delimiter,
** max_files_per_trigger, plus the common source options (on_error, bounded,
** max_records_per_trigger).
**
** Progress is a position in name order.  plan_batch() lists the files whose
** names sort after the last file consumed and takes up to
** max_files_per_trigger of them; next() reads them through the record reader
** (storage/reader.h) in large blocks with projection pushdown.  The offset is
** the name (as listed: the directory path joined with the file name, or the
** glob match) of the last file of the batch, so:
**   - files are expected to appear complete (write to a temporary name, then
**     rename).  Names starting with '.' are skipped, which covers writers'
**     temporary files (and this connector's own file sink);
**   - a file arriving with a name that sorts before one already consumed is
**     never read (use names that grow: timestamps, sequence numbers).
** With max_records_per_trigger a batch may end inside a file: the offset is
** then "NAME\tBYTE\tLINE" (bytes consumed, line of the next record), and the
** end of the batch is only known once next() has returned 0.
**
** bounded = 'true' fixes the input at the first plan_batch(): the files
** present then (up to the greatest name) are read and the source ends;
** files with greater names that arrive later are ignored by this run.
**
** Bad records go to the RejectSink with location "path:line"; with
** on_error = 'fail' (or no RejectSink) next() fails naming the record.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn_impl.h"

#define BLOCK_SIZE (8u << 20) /* read buffer; big blocks amortize read() and parser restarts */

typedef enum PathKind { PATH_DIR, PATH_GLOB, PATH_FILE } PathKind;

typedef struct FileList {
    char **names; /* malloc'ed, name order */
    int n, cap;
} FileList;

/* A position in the input: after `file` entirely (byte < 0) or inside it. */
typedef struct FilePos {
    char *file;   /* malloc'ed; NULL = before every file */
    int64_t byte; /* bytes of `file` consumed, -1 when all of it */
    int64_t line; /* line where the next record of `file` starts */
} FilePos;

typedef struct FileSource {
    Source base;
    Arena arena; /* source lifetime: names, schema copy */
    const char *name;
    const char *path;
    PathKind kind;
    ReaderOptions ropt;
    SourceCommon com;
    int64_t max_files; /* 0 = no limit */
    RecordReader *rd;
    RejectBridge rb;

    FilePos start; /* where the planned batch starts */
    FilePos end;   /* where it ends (final once next() returned 0) */
    char *offset;  /* end_offset() text, malloc'ed */

    FileList batch;    /* files of the planned batch */
    int bnext;         /* next batch file to open */
    bool in_batch;     /* planned and not yet fully delivered */
    bool planned;      /* plan_batch() ran at least once */
    bool more;         /* files beyond the planned batch existed at plan time */
    int64_t rows_left; /* rows the batch may still deliver, -1 = no limit */
    char *bound;       /* bounded: greatest name at the first plan (malloc'ed), NULL = none */
    bool snapshot;     /* bounded: the input set is fixed */

    int fd;          /* file being read, -1 between files */
    char *open_name; /* its name (malloc'ed) */
    char *buf;
    size_t cap, len, pos; /* buffer capacity, bytes held, bytes consumed */
    int64_t foff;         /* file offset of buf[0] */
    bool eof;             /* the open file has been read to its end */
} FileSource;

/* ------------------------------------------------------------ file lists */

static void list_add(FileList *l, const char *name) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->names = xrealloc(l->names, sizeof *l->names * (size_t)l->cap);
    }
    l->names[l->n++] = xstrdup(name);
}

static void list_free(FileList *l) {
    for (int i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool is_regular(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Every readable input file now, in name order ('.'-prefixed names skipped). */
static int list_files(FileSource *fs, FileList *out, Err *err) {
    if (fs->kind == PATH_FILE) {
        if (is_regular(fs->path)) list_add(out, fs->path);
    } else if (fs->kind == PATH_DIR) {
        DIR *d = opendir(fs->path);
        if (!d)
            return err_set(err, "source \"%s\": cannot open directory \"%s\": %s", fs->name, fs->path, strerror(errno));
        size_t plen = strlen(fs->path);
        const char *sep = plen && fs->path[plen - 1] == '/' ? "" : "/";
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue; /* ., .., hidden and temporary files */
            if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK) continue;
            size_t need = plen + strlen(de->d_name) + 2;
            char *full = xmalloc(need);
            snprintf(full, need, "%s%s%s", fs->path, sep, de->d_name);
            if (de->d_type == DT_REG || is_regular(full)) list_add(out, full);
            free(full);
        }
        closedir(d);
    } else {
        glob_t g;
        int rc = glob(fs->path, 0, NULL, &g);
        if (rc == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                if (base_name(g.gl_pathv[i])[0] != '.' && is_regular(g.gl_pathv[i])) list_add(out, g.gl_pathv[i]);
        if (rc != GLOB_NOMATCH) globfree(&g);
        if (rc != 0 && rc != GLOB_NOMATCH)
            return err_set(err, "source \"%s\": cannot expand \"%s\"", fs->name, fs->path);
    }
    if (out->n > 1) qsort(out->names, (size_t)out->n, sizeof *out->names, cmp_names);
    return 0;
}

/* ------------------------------------------------------------ positions */

static void pos_set(FilePos *p, const char *file, int64_t byte, int64_t line) {
    char *copy = file ? xstrdup(file) : NULL;
    free(p->file);
    p->file = copy;
    p->byte = byte;
    p->line = line;
}

static void pos_copy(FilePos *dst, const FilePos *src) { pos_set(dst, src->file, src->byte, src->line); }

/* ------------------------------------------------------------ reading */

static void close_file(FileSource *fs) {
    if (fs->fd >= 0) close(fs->fd);
    fs->fd = -1;
    fs->len = fs->pos = 0;
    fs->eof = false;
}

/*
** Restart the reader in the middle of a file: line numbers continue at
** `line` and the header is not expected again.  The reader has no call for
** that, so it is fed what it skips without producing rows: a stand-in
** header record (when there is a header) and then blank lines, each of
** which only advances its line count.
*/
static void reader_resume(RecordReader *rd, bool header, int64_t line) {
    static const char hdr[] = "h\n";
    char nl[4096];
    Err scratch;
    err_clear(&scratch);
    int64_t at = 1;
    if (header) {
        reader_parse(rd, hdr, 2, false, &scratch);
        at = 2;
    }
    memset(nl, '\n', sizeof nl);
    while (at < line) {
        size_t k = line - at < (int64_t)sizeof nl ? (size_t)(line - at) : sizeof nl;
        reader_parse(rd, nl, k, false, &scratch);
        at += (int64_t)k;
    }
    reader_reset(rd);
}

/* Open the next file of the batch: 1 opened, 0 none left, -1 error. */
static int open_next(FileSource *fs, Err *err) {
    if (fs->bnext >= fs->batch.n) return 0;
    const char *name = fs->batch.names[fs->bnext++];
    close_file(fs);
    fs->fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fs->fd < 0) return err_set(err, "source \"%s\": cannot open \"%s\": %s", fs->name, name, strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fs->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    free(fs->open_name);
    fs->open_name = xstrdup(name);
    reader_begin_input(fs->rd, name);
    fs->foff = 0;
    if (fs->start.file && fs->start.byte > 0 && strcmp(fs->start.file, name) == 0) {
        /* resuming inside a file cut by max_records_per_trigger */
        if (lseek(fs->fd, fs->start.byte, SEEK_SET) < 0)
            return err_set(err, "source \"%s\": cannot seek in \"%s\": %s", fs->name, name, strerror(errno));
        fs->foff = fs->start.byte;
        reader_resume(fs->rd, fs->ropt.header, fs->start.line);
    }
    if (!fs->buf) {
        fs->cap = BLOCK_SIZE;
        fs->buf = xmalloc(fs->cap);
    }
    return 1;
}

/* Keep the unconsumed tail, grow the buffer if the tail fills it, and read more. */
static int refill(FileSource *fs, Err *err) {
    size_t tail = fs->len - fs->pos;
    if (fs->pos) memmove(fs->buf, fs->buf + fs->pos, tail);
    fs->foff += (int64_t)fs->pos;
    fs->len = tail;
    fs->pos = 0;
    if (fs->len == fs->cap) {
        fs->cap *= 2;
        fs->buf = xrealloc(fs->buf, fs->cap);
    }
    while (fs->len < fs->cap) {
        ssize_t n = read(fs->fd, fs->buf + fs->len, fs->cap - fs->len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return err_set(err, "source \"%s\": cannot read \"%s\": %s", fs->name, fs->open_name, strerror(errno));
        }
        if (n == 0) {
            fs->eof = true;
            break;
        }
        fs->len += (size_t)n;
    }
    return 0;
}

/* The record limit was reached: the batch ends at the current position. */
static void cut_batch(FileSource *fs) {
    if (fs->fd < 0) {
        /* the file ended with the last row: fs->end already says "all of it" */
    } else if (fs->eof && fs->pos == fs->len) {
        pos_set(&fs->end, fs->open_name, -1, 0);
        close_file(fs);
    } else {
        pos_set(&fs->end, fs->open_name, fs->foff + (int64_t)fs->pos, reader_line(fs->rd));
    }
    if (fs->bnext < fs->batch.n) fs->more = true;
    for (int i = fs->bnext; i < fs->batch.n; i++) free(fs->batch.names[i]);
    fs->batch.n = fs->bnext;
}

/*
** Hand out the next chunk of the planned batch.  TEXT values point into the
** read buffer, so the buffer is refilled (or the next file opened) only when
** the chunk handed out before is dead, at the start of this call; a chunk may
** therefore be short at a block or file boundary.
*/
static int file_next(Source *s, Chunk **out, Err *err) {
    FileSource *fs = (FileSource *)s;
    if (!fs->in_batch) return 0;
    if (fs->rows_left == 0) {
        fs->in_batch = false;
        return 0;
    }
    reader_reset(fs->rd);
    reader_set_limit(fs->rd, fs->rows_left > 0 && fs->rows_left < WEIR_BATCH_SIZE ? (uint32_t)fs->rows_left : 0);
    for (;;) {
        if (fs->fd < 0) {
            if (reader_rows(fs->rd) > 0) break;
            int rc = open_next(fs, err);
            if (rc < 0) return -1;
            if (rc == 0) {
                fs->in_batch = false;
                return 0;
            }
        }
        int64_t n = reader_parse(fs->rd, fs->buf + fs->pos, fs->len - fs->pos, fs->eof, err);
        if (n < 0) {
            conn_reader_error(fs->name, err);
            return -1;
        }
        fs->pos += (size_t)n;
        if (reader_full(fs->rd)) break;
        if (fs->eof) {
            pos_set(&fs->end, fs->open_name, -1, 0);
            close_file(fs);
            continue;
        }
        if (reader_rows(fs->rd) > 0) break;
        if (refill(fs, err) < 0) return -1;
    }
    if (fs->rows_left > 0) {
        fs->rows_left -= reader_rows(fs->rd);
        if (fs->rows_left <= 0) {
            fs->rows_left = 0;
            cut_batch(fs);
        }
    }
    *out = reader_chunk(fs->rd);
    return 1;
}

/* ------------------------------------------------------------ planning */

/* Does `name` come after position p (or is it the file p stopped inside)? */
static bool after(const FilePos *p, const char *name) {
    if (!p->file) return true;
    int c = strcmp(name, p->file);
    return c > 0 || (c == 0 && p->byte >= 0);
}

/*
** Fix the next batch: the files after the end of the previous one (first the
** file it stopped inside, if any), at most max_files_per_trigger of them.
** A bounded source fixes its input set the first time.
*/
static int file_plan(Source *s, Err *err) {
    FileSource *fs = (FileSource *)s;
    fs->in_batch = false;
    pos_copy(&fs->start, &fs->end);
    for (int i = 0; i < fs->batch.n; i++) free(fs->batch.names[i]);
    fs->batch.n = 0;
    fs->bnext = 0;

    FileList all = {0};
    if (list_files(fs, &all, err) < 0) {
        list_free(&all);
        return -1;
    }
    if (fs->com.bounded && !fs->snapshot) {
        fs->snapshot = true;
        fs->bound = all.n ? xstrdup(all.names[all.n - 1]) : NULL;
    }
    int taken = 0, beyond = 0;
    for (int i = 0; i < all.n; i++) {
        const char *name = all.names[i];
        if (!after(&fs->start, name)) continue;
        if (fs->snapshot && (!fs->bound || strcmp(name, fs->bound) > 0)) continue;
        if (fs->max_files > 0 && taken >= fs->max_files) {
            beyond++;
            continue;
        }
        list_add(&fs->batch, name);
        taken++;
    }
    list_free(&all);
    fs->planned = true;
    fs->more = beyond > 0;
    if (taken == 0) {
        close_file(fs);
        return 0;
    }
    /* A file cut by the record limit and still open continues where it stopped. */
    if (fs->fd >= 0 && fs->open_name && fs->start.byte >= 0 && fs->start.file &&
        strcmp(fs->open_name, fs->batch.names[0]) == 0 && strcmp(fs->start.file, fs->open_name) == 0 &&
        fs->foff + (int64_t)fs->pos == fs->start.byte)
        fs->bnext = 1;
    else
        close_file(fs);
    pos_set(&fs->end, fs->batch.names[taken - 1], -1, 0);
    fs->rows_left = fs->com.max_records > 0 ? fs->com.max_records : -1;
    fs->in_batch = true;
    return 1;
}

/* ------------------------------------------------------------ offsets */

static const char *file_end_offset(Source *s) {
    FileSource *fs = (FileSource *)s;
    free(fs->offset);
    if (!fs->end.file)
        fs->offset = xstrdup("");
    else if (fs->end.byte < 0)
        fs->offset = xstrdup(fs->end.file);
    else {
        size_t n = strlen(fs->end.file) + 64;
        fs->offset = xmalloc(n);
        snprintf(fs->offset, n, "%s\t%" PRId64 "\t%" PRId64, fs->end.file, fs->end.byte, fs->end.line);
    }
    return fs->offset;
}

/* "NAME" or "NAME\tBYTE\tLINE" (split at the last two tabs: a name could hold one). */
static int file_seek(Source *s, const char *offset, Err *err) {
    FileSource *fs = (FileSource *)s;
    close_file(fs);
    fs->in_batch = false;
    if (!offset || !offset[0]) {
        pos_set(&fs->end, NULL, -1, 0);
        return 0;
    }
    const char *t2 = strrchr(offset, '\t');
    if (!t2) {
        pos_set(&fs->end, offset, -1, 0);
        return 0;
    }
    const char *t1 = t2 > offset ? memrchr(offset, '\t', (size_t)(t2 - offset)) : NULL;
    int64_t byte, line;
    if (!t1 || t1 == offset || !parse_int64(t1 + 1, (size_t)(t2 - t1 - 1), &byte) || byte < 0 ||
        !parse_int64(t2 + 1, strlen(t2 + 1), &line) || line < 1)
        return err_set(err, "source \"%s\": bad offset \"%s\"", fs->name, offset);
    size_t n = (size_t)(t1 - offset);
    char *file = xmalloc(n + 1);
    memcpy(file, offset, n);
    file[n] = 0;
    pos_set(&fs->end, file, byte, line);
    free(file);
    return 0;
}

static bool file_ended(Source *s) {
    FileSource *fs = (FileSource *)s;
    return fs->com.bounded && fs->planned && !fs->in_batch && !fs->more && fs->end.byte < 0;
}

static void file_close(Source *s) {
    FileSource *fs = (FileSource *)s;
    close_file(fs);
    reader_free(fs->rd);
    list_free(&fs->batch);
    free(fs->start.file);
    free(fs->end.file);
    free(fs->offset);
    free(fs->bound);
    free(fs->open_name);
    free(fs->buf);
    arena_free(&fs->arena);
    free(fs);
}

/* "path:line" of a row of the chunk handed out last (a chunk never spans files). */
static int file_row_location(Source *s, const Chunk *c, uint32_t row, char *buf, size_t cap) {
    FileSource *fs = (FileSource *)s;
    if (!fs->rd || c != reader_chunk(fs->rd) || row >= reader_rows(fs->rd) || cap == 0) return -1;
    snprintf(buf, cap, "%s:%lld", reader_input_name(fs->rd), (long long)reader_row_lines(fs->rd)[row]);
    return 0;
}

static const SourceVT file_source_vt = {file_plan, file_next, file_end_offset, file_seek, file_ended, file_close,
                                        file_row_location};

/* ------------------------------------------------------------ options */

typedef struct FileOpts {
    const char *path;
    PathKind kind;
    ReaderOptions ropt;
    SourceCommon com;
    int64_t max_files;
} FileOpts;

static int parse_options(const ConnConfig *cfg, FileOpts *o, bool check_path, Err *err) {
    static const char *const keys[] = {
        "path", "format", "header", "delimiter", "max_files_per_trigger", CONN_SOURCE_COMMON_KEYS, NULL};
    ConnCtx c = {cfg, "source"};
    memset(o, 0, sizeof *o);
    if (conn_check_keys(&c, keys, NULL, err) || conn_require(&c, "path", &o->path, err) ||
        conn_get_format(&c, "format", FORMAT_CSV, &o->ropt.format, err) ||
        conn_get_bool(&c, "header", false, &o->ropt.header, err) ||
        conn_get_delimiter(&c, "delimiter", &o->ropt.delimiter, err) ||
        conn_get_posint(&c, "max_files_per_trigger", 0, &o->max_files, err) || conn_source_common(&c, &o->com, err))
        return -1;
    if (!check_path) return 0;
    struct stat st;
    if (stat(o->path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            o->kind = PATH_DIR;
        else if (S_ISREG(st.st_mode))
            o->kind = PATH_FILE;
        else
            return conn_err(&c, err, "\"%s\" is not a file or a directory", o->path);
    } else if (strpbrk(o->path, "*?[")) {
        o->kind = PATH_GLOB;
    } else {
        return conn_err(&c, err, "directory \"%s\" does not exist", o->path);
    }
    return 0;
}

int file_source_check(const ConnConfig *cfg, Err *err) {
    FileOpts o;
    return parse_options(cfg, &o, false, err);
}

Source *file_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err) {
    ConnCtx c = {cfg, "source"};
    FileOpts o;
    if (parse_options(cfg, &o, true, err) || conn_check_proj(&c, proj, nproj, err)) return NULL;
    RecordReader *rd = reader_new(&cfg->schema, proj, nproj, &o.ropt, err);
    if (!rd) {
        conn_reader_error(cfg->name, err);
        return NULL;
    }
    FileSource *fs = xcalloc(1, sizeof *fs);
    arena_init(&fs->arena, 0);
    fs->base.vt = &file_source_vt;
    fs->name = arena_strdup(&fs->arena, cfg->name ? cfg->name : "?");
    fs->path = arena_strdup(&fs->arena, o.path);
    fs->kind = o.kind;
    fs->ropt = o.ropt;
    fs->com = o.com;
    fs->max_files = o.max_files;
    fs->rd = rd;
    fs->rb = (RejectBridge){&fs->base, fs->name, rejects, o.com.fail_on_error};
    reader_set_reject(rd, conn_reader_reject, &fs->rb);
    fs->end.byte = fs->start.byte = -1;
    fs->fd = -1;
    fs->rows_left = -1;
    return &fs->base;
}
