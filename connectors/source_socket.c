/*
** The socket source: lines of text from a TCP server, like Spark's socket
** source.  weir connects as a client to host:port when the query starts and
** reads without blocking; each line is one CSV record (no header) or one
** JSON object (format = 'json').
**
** plan_batch() drains what the kernel has received and takes the complete
** lines so far (at most max_records_per_trigger of them); next() parses them
** with the record reader (storage/reader.h), projection pushed down.  Bad
** lines go to the RejectSink with location "host:port:line".
**
** The offset is the number of lines consumed.  A socket cannot be replayed:
** after a restart the source reads whatever the server sends on the new
** connection, so delivery is at-most-once across restarts (as in Spark),
** and the offset only keeps line numbers counting on.  The source ends when
** the server closes the connection and every line received was delivered
** (a last line without a newline counts as a line).
*/
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_impl.h"

#define RECV_CHUNK (256u << 10)
#define MAX_BUFFERED (64u << 20) /* stop draining the socket beyond this: back-pressure via TCP */
#define CONNECT_TIMEOUT_MS 10000

typedef struct SockSource {
    Source base;
    Arena arena;
    const char *name;
    const char *where; /* "host:port", for messages and locations */
    int fd;
    RecordReader *rd;
    RejectBridge rb;
    SourceCommon com;
    char *buf; /* received bytes not yet dropped: buf[0..len) */
    size_t cap, len;
    size_t bend;   /* the planned batch is buf[0..bend) */
    size_t bpos;   /* bytes of the batch parsed so far */
    int64_t lines; /* lines consumed before the planned batch */
    int64_t batch_lines;
    bool closed; /* the server closed the connection */
    char offset[32];
} SockSource;

/* ------------------------------------------------------------ receiving */

/* Read what is available without blocking, up to MAX_BUFFERED bytes held. */
static int drain(SockSource *ss, Err *err) {
    while (!ss->closed && ss->len < MAX_BUFFERED) {
        if (ss->cap - ss->len < RECV_CHUNK) {
            ss->cap = ss->cap ? ss->cap * 2 : 2 * RECV_CHUNK;
            ss->buf = xrealloc(ss->buf, ss->cap);
        }
        ssize_t n = recv(ss->fd, ss->buf + ss->len, ss->cap - ss->len, MSG_DONTWAIT);
        if (n > 0) {
            ss->len += (size_t)n;
            continue;
        }
        if (n == 0) {
            ss->closed = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == ECONNRESET) { /* the server went away: treat like a close */
            ss->closed = true;
            break;
        }
        return err_set(err, "source \"%s\": cannot read from %s: %s", ss->name, ss->where, strerror(errno));
    }
    return 0;
}

/*
** Drop the previous batch's bytes (its chunks are dead by now), receive
** more, and fix the next batch: the complete lines, up to the record limit.
** After the server closed, a last unterminated line is taken too.
*/
static int sock_plan(Source *s, Err *err) {
    SockSource *ss = (SockSource *)s;
    if (ss->bend) {
        memmove(ss->buf, ss->buf + ss->bend, ss->len - ss->bend);
        ss->len -= ss->bend;
    }
    ss->lines += ss->batch_lines;
    ss->bend = ss->bpos = 0;
    ss->batch_lines = 0;
    if (drain(ss, err) < 0) return -1;
    int64_t limit = ss->com.max_records > 0 ? ss->com.max_records : INT64_MAX;
    size_t at = 0;
    int64_t n = 0;
    while (n < limit && at < ss->len) {
        const char *nl = memchr(ss->buf + at, '\n', ss->len - at);
        if (!nl) {
            if (ss->closed) { /* the final line, without its newline */
                at = ss->len;
                n++;
            }
            break;
        }
        at = (size_t)(nl - ss->buf) + 1;
        n++;
    }
    if (n == 0 && ss->len >= MAX_BUFFERED)
        return err_set(err, "source \"%s\": a line from %s is longer than %u MiB", ss->name, ss->where,
                       MAX_BUFFERED >> 20);
    ss->bend = at;
    ss->batch_lines = n;
    return n > 0;
}

static int sock_next(Source *s, Chunk **out, Err *err) {
    SockSource *ss = (SockSource *)s;
    reader_reset(ss->rd);
    while (ss->bpos < ss->bend) {
        /* the batch ends at a line end (or at the end of the stream): eof is exact */
        int64_t n = reader_parse(ss->rd, ss->buf + ss->bpos, ss->bend - ss->bpos, true, err);
        if (n < 0) {
            conn_reader_error(ss->name, err);
            return -1;
        }
        ss->bpos += (size_t)n;
        if (reader_rows(ss->rd) > 0) {
            *out = reader_chunk(ss->rd);
            return 1;
        }
        if (n == 0) break; /* cannot happen with eof; never spin */
    }
    ss->bpos = ss->bend;
    return 0;
}

static const char *sock_end_offset(Source *s) {
    SockSource *ss = (SockSource *)s;
    snprintf(ss->offset, sizeof ss->offset, "%" PRId64, ss->lines + ss->batch_lines);
    return ss->offset;
}

/* The line count only: a socket cannot go back (at-most-once after a restart). */
static int sock_seek(Source *s, const char *offset, Err *err) {
    SockSource *ss = (SockSource *)s;
    int64_t n = 0;
    if (offset && offset[0] && (!parse_int64(offset, strlen(offset), &n) || n < 0))
        return err_set(err, "source \"%s\": bad offset \"%s\"", ss->name, offset);
    ss->lines = n;
    ss->batch_lines = 0;
    /* keep locations "host:port:line" counting from where the last run stopped */
    reader_begin_input(ss->rd, ss->where);
    char nl[4096];
    memset(nl, '\n', sizeof nl);
    Err scratch;
    err_clear(&scratch);
    for (int64_t at = 0; at < n;) {
        size_t k = n - at < (int64_t)sizeof nl ? (size_t)(n - at) : sizeof nl;
        reader_parse(ss->rd, nl, k, false, &scratch);
        at += (int64_t)k;
    }
    reader_reset(ss->rd);
    return 0;
}

static bool sock_ended(Source *s) {
    SockSource *ss = (SockSource *)s;
    return ss->closed && ss->bpos >= ss->bend && ss->bend == ss->len;
}

static void sock_close(Source *s) {
    SockSource *ss = (SockSource *)s;
    if (ss->fd >= 0) close(ss->fd);
    reader_free(ss->rd);
    free(ss->buf);
    arena_free(&ss->arena);
    free(ss);
}

static const SourceVT sock_source_vt = {sock_plan, sock_next, sock_end_offset, sock_seek, sock_ended, sock_close};

/* ------------------------------------------------------------ connecting */

/* Connect to one address with a timeout; the socket is left non-blocking.  fd or -1 (errno set). */
static int connect_one(const struct addrinfo *ai) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    struct pollfd p = {fd, POLLOUT, 0};
    int rc;
    do rc = poll(&p, 1, CONNECT_TIMEOUT_MS);
    while (rc < 0 && errno == EINTR);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (rc == 0)
        soerr = ETIMEDOUT;
    else if (rc < 0)
        soerr = errno;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        soerr = errno;
    if (soerr) {
        close(fd);
        errno = soerr;
        return -1;
    }
    return fd;
}

static int parse_options(const ConnConfig *cfg, const char **host, const char **port, ReaderOptions *ropt,
                         SourceCommon *com, Err *err) {
    static const char *const keys[] = {"host", "port", "format", "delimiter", CONN_SOURCE_COMMON_KEYS, NULL};
    ConnCtx c = {cfg, "source"};
    memset(ropt, 0, sizeof *ropt);
    if (conn_check_keys(&c, keys, NULL, err) || conn_require(&c, "host", host, err) ||
        conn_get_port(&c, "port", port, err) || conn_get_format(&c, "format", FORMAT_CSV, &ropt->format, err) ||
        conn_get_delimiter(&c, "delimiter", &ropt->delimiter, err) || conn_source_common(&c, com, err))
        return -1;
    return 0;
}

int socket_source_check(const ConnConfig *cfg, Err *err) {
    const char *host, *port;
    ReaderOptions ropt;
    SourceCommon com;
    return parse_options(cfg, &host, &port, &ropt, &com, err);
}

Source *socket_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err) {
    ConnCtx c = {cfg, "source"};
    const char *host, *port;
    ReaderOptions ropt;
    SourceCommon com;
    if (parse_options(cfg, &host, &port, &ropt, &com, err) || conn_check_proj(&c, proj, nproj, err)) return NULL;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        conn_err(&c, err, "cannot resolve \"%s\": %s", host, gai_strerror(gai));
        return NULL;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai);
        if (fd < 0) e = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        conn_err(&c, err, "cannot connect to %s:%s: %s", host, port, strerror(e));
        return NULL;
    }
    RecordReader *rd = reader_new(&cfg->schema, proj, nproj, &ropt, err);
    if (!rd) {
        close(fd);
        conn_reader_error(cfg->name, err);
        return NULL;
    }
    SockSource *ss = xcalloc(1, sizeof *ss);
    arena_init(&ss->arena, 0);
    ss->base.vt = &sock_source_vt;
    ss->name = arena_strdup(&ss->arena, cfg->name ? cfg->name : "?");
    ss->where = arena_printf(&ss->arena, "%s:%s", host, port);
    ss->fd = fd;
    ss->rd = rd;
    ss->com = com;
    ss->rb = (RejectBridge){&ss->base, ss->name, rejects, com.fail_on_error};
    reader_set_reject(rd, conn_reader_reject, &ss->rb);
    reader_begin_input(rd, ss->where);
    return &ss->base;
}
