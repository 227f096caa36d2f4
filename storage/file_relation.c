/*
** Bounded relations over CSV and JSON-lines files.
**
** The path names a file, a directory (every regular file in it whose name
** does not start with '.', in name order) or a glob pattern (glob(3); the
** matches in name order).  The file list is resolved again each time a
** scanner opens, so a directory that gained files is read in full.
**
** A scanner reads each file in large blocks into one buffer and lets a
** RecordReader (reader.h) parse the records with projection pushdown.  TEXT
** values point into that buffer, so the buffer is refilled (or the next file
** opened) only at the start of a next() call, after the previous chunk is
** dead; a chunk may therefore be short at a block or file boundary.  A record
** longer than the buffer grows it.
**
** A bad record ends the scan: next() returns -1 with err->location =
** "path:line" and the reason as message (there is no reject callback here:
** a batch table read either succeeds or names the record that stopped it).
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "relation.h"

#define BLOCK_SIZE (8u << 20)   /* initial read buffer; big blocks amortize read() and refills */

typedef struct FileRelation {
    Relation rel;
    Arena arena;          /* schema copy, path */
    const char *path;
    ReaderOptions ropt;
} FileRelation;

typedef struct FileList {
    char **names;         /* malloc'ed paths, name order */
    int n, cap;
} FileList;

typedef struct FileScanner {
    Scanner base;
    FileRelation *fr;
    RecordReader *rd;
    FileList files;
    int next_file;        /* index of the next file to open */
    int fd;               /* current file, -1 between files */
    char *buf;
    size_t cap, len, pos; /* buffer capacity, bytes held, bytes consumed */
    bool eof;             /* the current file has been read to its end */
    bool done;
} FileScanner;

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

static bool is_regular(const char *path, int64_t *size) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (size) *size += st.st_size;
    return true;
}

/*
** Resolve `path` into the files to read, in name order, adding their sizes
** to *bytes.  An existing path that is neither a file nor a directory, or a
** missing path without glob characters, is an error; a glob that matches
** nothing yields no files (the caller decides whether that is an error).
*/
static int resolve_files(const char *path, FileList *out, int64_t *bytes, bool *is_glob, Err *err) {
    struct stat st;
    *is_glob = false;
    if (stat(path, &st) == 0) {
        if (S_ISREG(st.st_mode)) {
            list_add(out, path);
            *bytes += st.st_size;
            return 0;
        }
        if (!S_ISDIR(st.st_mode)) return err_set(err, "\"%s\" is not a file or a directory", path);
        DIR *d = opendir(path);
        if (!d) return err_set(err, "cannot open directory \"%s\": %s", path, strerror(errno));
        size_t plen = strlen(path);
        const char *sep = plen && path[plen - 1] == '/' ? "" : "/";
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue; /* ., .., hidden and temporary files */
            size_t need = plen + strlen(de->d_name) + 2;
            char *full = xmalloc(need);
            snprintf(full, need, "%s%s%s", path, sep, de->d_name);
            if (is_regular(full, bytes)) list_add(out, full);
            free(full);
        }
        closedir(d);
    } else if (strpbrk(path, "*?[")) {
        *is_glob = true;
        glob_t g;
        int rc = glob(path, 0, NULL, &g);
        if (rc == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                if (is_regular(g.gl_pathv[i], bytes)) list_add(out, g.gl_pathv[i]);
        }
        if (rc != GLOB_NOMATCH) globfree(&g);
        if (rc != 0 && rc != GLOB_NOMATCH) return err_set(err, "cannot expand \"%s\"", path);
    } else {
        return err_set(err, "file \"%s\" does not exist", path);
    }
    if (out->n > 1) qsort(out->names, (size_t)out->n, sizeof *out->names, cmp_names);
    return 0;
}

/* ------------------------------------------------------------ scanning */

/* Open the next file; false when there is none (or on error, with err set and -1 in *rc). */
static bool open_next(FileScanner *fs, int *rc, Err *err) {
    *rc = 0;
    if (fs->next_file >= fs->files.n) return false;
    const char *name = fs->files.names[fs->next_file++];
    fs->fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fs->fd < 0) {
        *rc = err_set(err, "cannot open \"%s\": %s", name, strerror(errno));
        return false;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fs->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    reader_begin_input(fs->rd, name);
    fs->len = fs->pos = 0;
    fs->eof = false;
    return true;
}

/* Keep the unconsumed tail, grow the buffer if the tail fills it, and read more. */
static int refill(FileScanner *fs, Err *err) {
    size_t tail = fs->len - fs->pos;
    if (fs->pos) memmove(fs->buf, fs->buf + fs->pos, tail);
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
            return err_set(err, "cannot read \"%s\": %s", fs->files.names[fs->next_file - 1], strerror(errno));
        }
        if (n == 0) {
            fs->eof = true;
            break;
        }
        fs->len += (size_t)n;
    }
    return 0;
}

static void close_file(FileScanner *fs) {
    if (fs->fd >= 0) close(fs->fd);
    fs->fd = -1;
}

/*
** Produce the next chunk: parse what the buffer holds; when it runs dry,
** first hand out the rows parsed so far (they point into the buffer), then
** refill it or move on to the next file on the following call.
*/
static int file_next(Scanner *s, Chunk **out, Err *err) {
    FileScanner *fs = (FileScanner *)s;
    if (fs->done) return 0;
    reader_reset(fs->rd);
    for (;;) {
        if (fs->fd < 0) {
            if (reader_rows(fs->rd) > 0) break;
            int rc;
            if (!open_next(fs, &rc, err)) {
                if (rc < 0) return -1;
                fs->done = true;
                return 0;
            }
        }
        int64_t n = reader_parse(fs->rd, fs->buf + fs->pos, fs->len - fs->pos, fs->eof, err);
        if (n < 0) return -1;
        fs->pos += (size_t)n;
        if (reader_full(fs->rd)) break;
        if (fs->eof) {
            close_file(fs);
            continue;
        }
        if (reader_rows(fs->rd) > 0) break;
        if (refill(fs, err) < 0) return -1;
    }
    *out = reader_chunk(fs->rd);
    return 1;
}

static void file_close(Scanner *s) {
    FileScanner *fs = (FileScanner *)s;
    close_file(fs);
    reader_free(fs->rd);
    list_free(&fs->files);
    free(fs->buf);
    free(fs);
}

static const ScannerVT file_scanner_vt = {file_next, file_close};

static Scanner *file_open(Relation *r, const int *proj, int nproj, Err *err) {
    FileRelation *fr = (FileRelation *)r;
    FileScanner *fs = xcalloc(1, sizeof *fs);
    fs->base.vt = &file_scanner_vt;
    fs->fr = fr;
    fs->fd = -1;
    int64_t bytes = 0;
    bool is_glob;
    fs->rd = reader_new(&r->schema, proj, nproj, &fr->ropt, err);
    if (!fs->rd || resolve_files(fr->path, &fs->files, &bytes, &is_glob, err) < 0) {
        file_close(&fs->base);
        return NULL;
    }
    fs->cap = BLOCK_SIZE;
    fs->buf = xmalloc(fs->cap);
    return &fs->base;
}

static void file_destroy(Relation *r) {
    FileRelation *fr = (FileRelation *)r;
    arena_free(&fr->arena);
    free(fr);
}

static const RelationVT file_relation_vt = {file_open, file_destroy};

/*
** Check the options and that the path names something readable now (a glob
** must match at least one file), then build the relation.  The row estimate
** assumes ~40 bytes per record.
*/
Relation *file_relation_new(const Schema *schema, const FileOptions *opt, Err *err) {
    ReaderOptions ropt = {FORMAT_CSV, opt->header, opt->delimiter ? opt->delimiter : ','};
    if (!opt->path || !opt->path[0]) {
        err_set(err, "file connector needs a path");
        return NULL;
    }
    if (opt->format && !reader_format_from_name(opt->format, &ropt.format)) {
        err_set(err, "unknown format \"%s\" (expected csv or json)", opt->format);
        return NULL;
    }
    RecordReader *probe = reader_new(schema, NULL, 0, &ropt, err);
    if (!probe) return NULL;
    reader_free(probe);
    FileList files = {0};
    int64_t bytes = 0;
    bool is_glob;
    int rc = resolve_files(opt->path, &files, &bytes, &is_glob, err);
    int n = files.n;
    list_free(&files);
    if (rc < 0) return NULL;
    if (n == 0 && is_glob) {
        err_set(err, "no files match \"%s\"", opt->path);
        return NULL;
    }
    FileRelation *fr = xcalloc(1, sizeof *fr);
    arena_init(&fr->arena, 0);
    fr->rel.vt = &file_relation_vt;
    fr->rel.schema.ncols = schema->ncols;
    fr->rel.schema.cols = ARENA_ARRAY(&fr->arena, Column, schema->ncols > 0 ? schema->ncols : 1);
    for (int i = 0; i < schema->ncols; i++) {
        fr->rel.schema.cols[i].name = arena_strdup(&fr->arena, schema->cols[i].name ? schema->cols[i].name : "?");
        fr->rel.schema.cols[i].type = schema->cols[i].type;
    }
    fr->rel.est_rows = (bytes + 39) / 40;
    fr->path = arena_strdup(&fr->arena, opt->path);
    fr->ropt = ropt;
    return &fr->rel;
}
