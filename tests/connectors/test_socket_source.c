/*
** The socket source against a loopback TCP server in the test: lines split
** across sends, partial lines held back, the record limit, rejects with
** "host:port:line" locations, JSON lines, the end when the server closes,
** and a bulk transfer from a server thread.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "conn_test.h"

static Column COLS[] = {{.name = "v", .type = TYPE_BIGINT}, {.name = "s", .type = TYPE_TEXT}};
static const int BOTH[] = {0, 1};

/* A listening socket on 127.0.0.1 with an OS-chosen port. */
static int listen_any(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static Source *open_sock(Arena *a, int port, Rejects *rj, RejectSink *sink, const char *extra, const int *proj,
                         int nproj) {
    (void)rj;
    const char *kv[5] = {"host=127.0.0.1", arena_printf(a, "port=%d", port), extra, NULL, NULL};
    ConnConfig cfg = make_cfg(a, "sock", COLS, 2, kv);
    Err err;
    err_clear(&err);
    Source *s = source_open("socket", &cfg, proj, nproj, sink, &err);
    if (!s) fprintf(stderr, "open: %s\n", err.msg);
    assert_non_null(s);
    return s;
}

static void send_all(int fd, const char *text) {
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t k = send(fd, text + off, n - off, MSG_NOSIGNAL);
        assert_true(k > 0);
        off += (size_t)k;
    }
}

static void nap_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* Batches until one has data (or ~5 s pass): that batch rendered into out; returns its plan answer. */
static int wait_batch(Source *s, int ncols, Buf *out, Err *err) {
    for (int i = 0; i < 1000; i++) {
        buf_clear(out);
        int rc = run_batch(s, ncols, out, err);
        if (rc != 0) return rc;
        nap_ms(5);
    }
    return 0;
}

static void test_lines(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    int port;
    int lfd = listen_any(&port);
    Rejects rj = {0};
    RejectSink sink = reject_sink(&rj);
    Source *s = open_sock(&a, port, &rj, &sink, NULL, BOTH, 2);
    int fd = accept(lfd, NULL, NULL);
    assert_true(fd >= 0);
    Err err;
    err_clear(&err);
    Buf out = {0};

    assert_int_equal(run_batch(s, 2, &out, &err), 0); /* nothing yet */
    assert_string_equal(source_end_offset(s), "0");
    send_all(fd, "1,a\n2,b\n3,c");
    assert_int_equal(wait_batch(s, 2, &out, &err), 1);
    assert_string_equal(buf_str(&out), "1|'a'\n2|'b'\n"); /* the partial line waits */
    assert_string_equal(source_end_offset(s), "2");
    send_all(fd, "x\nx,bad\n");
    assert_int_equal(wait_batch(s, 2, &out, &err), 1);
    assert_string_equal(buf_str(&out), "3|'cx'\n");
    assert_string_equal(source_end_offset(s), "4");
    char *want = arena_printf(&a, "sock|127.0.0.1:%d:4|x,bad|bad BIGINT value \"x\" in column \"v\"\n", port);
    assert_string_equal(buf_str(&rj.log), want);
    assert_int_equal(s->rejects, 1);
    assert_false(source_ended(s));

    /* the server closes: a last line without newline still counts, then the source ends */
    send_all(fd, "5,e\r\n6,f");
    close(fd);
    assert_int_equal(wait_batch(s, 2, &out, &err), 1);
    /* both lines may arrive in one batch or in two */
    if (strcmp(buf_str(&out), "5|'e'\n") == 0) {
        assert_int_equal(wait_batch(s, 2, &out, &err), 1);
        assert_string_equal(buf_str(&out), "6|'f'\n");
    } else {
        assert_string_equal(buf_str(&out), "5|'e'\n6|'f'\n");
    }
    assert_true(source_ended(s));
    assert_string_equal(source_end_offset(s), "6");
    assert_int_equal(run_batch(s, 2, &out, &err), 0);
    source_close(s);
    close(lfd);
    buf_free(&out);
    buf_free(&rj.log);
    arena_free(&a);
}

static void test_limit_json_fail(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    int port;
    int lfd = listen_any(&port);
    Rejects rj = {0};
    RejectSink sink = reject_sink(&rj);
    int proj[] = {1};
    Source *s = open_sock(&a, port, &rj, &sink, "max_records_per_trigger=2", proj, 1);
    int fd = accept(lfd, NULL, NULL);
    send_all(fd, "1,a\n2,b\n3,c\n");
    Err err;
    err_clear(&err);
    Buf out = {0};
    /* wait until all three lines are in, then take them two at a time */
    nap_ms(50);
    assert_int_equal(wait_batch(s, 1, &out, &err), 1);
    assert_string_equal(buf_str(&out), "'a'\n'b'\n");
    assert_int_equal(wait_batch(s, 1, &out, &err), 1);
    assert_string_equal(buf_str(&out), "'c'\n");
    assert_string_equal(source_end_offset(s), "3");
    close(fd);
    source_close(s);

    /* JSON lines, on_error = 'fail', and the line count restored by seek */
    const char *kv[] = {"host=127.0.0.1", arena_printf(&a, "port=%d", port), "format=json", "on_error=fail", NULL};
    ConnConfig cfg = make_cfg(&a, "sock", COLS, 2, kv);
    s = source_open("socket", &cfg, BOTH, 2, &sink, &err);
    assert_non_null(s);
    assert_int_equal(source_seek(s, "10", &err), 0);
    fd = accept(lfd, NULL, NULL);
    send_all(fd, "{\"v\": 7, \"s\": \"j\"}\n{\"v\": \"no\"}\n");
    assert_int_equal(wait_batch(s, 2, &out, &err), -1);
    assert_string_equal(err.msg, "source \"sock\": bad BIGINT value \"no\" in column \"v\"");
    assert_string_equal(err.location, arena_printf(&a, "127.0.0.1:%d:12", port));
    assert_int_equal(rj.n, 0);
    close(fd);
    source_close(s);
    close(lfd);

    /* nobody listening: a clear error */
    err_clear(&err);
    s = source_open("socket", &cfg, BOTH, 2, &sink, &err);
    assert_null(s);
    assert_string_equal(err.msg,
                        arena_printf(&a, "source \"sock\": cannot connect to 127.0.0.1:%d: Connection refused", port));
    buf_free(&out);
    arena_free(&a);
}

typedef struct Bulk {
    int lfd;
    int lines;
} Bulk;

/* The server thread: accept one client, send `lines` lines in uneven pieces, close. */
static void *serve(void *arg) {
    Bulk *b = arg;
    int fd = accept(b->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[65536];
    size_t n = 0;
    for (int i = 0; i < b->lines; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%d,line%d\n", i, i);
        if (n > sizeof buf - 64 || i % 997 == 0) {
            size_t off = 0;
            while (off < n) {
                ssize_t k = send(fd, buf + off, n - off, MSG_NOSIGNAL);
                if (k <= 0) {
                    close(fd);
                    return NULL;
                }
                off += (size_t)k;
            }
            n = 0;
        }
    }
    send(fd, buf, n, MSG_NOSIGNAL);
    close(fd);
    return NULL;
}

static void test_bulk(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    Bulk b = {0, 200000};
    int port;
    b.lfd = listen_any(&port);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, serve, &b), 0);
    Source *s = open_sock(&a, port, NULL, NULL, "max_records_per_trigger=30000", BOTH, 2);
    Err err;
    err_clear(&err);
    int64_t rows = 0, sum = 0, next = 0;
    bool ordered = true;
    for (int spins = 0; !source_ended(s) && spins < 100000; spins++) {
        int rc = source_plan_batch(s, &err);
        assert_true(rc >= 0);
        if (rc == 0) {
            nap_ms(1);
            continue;
        }
        Chunk *c;
        while ((rc = source_next(s, &c, &err)) == 1) {
            for (uint32_t k = 0; k < chunk_active(c); k++) {
                uint32_t r = chunk_row(c, k);
                int64_t v = VEC_I64(&c->cols[0])[r];
                ordered &= v == next++;
                sum += v;
                Str t = VEC_STR(&c->cols[1])[r];
                ordered &= t.len > 4 && memcmp(t.ptr, "line", 4) == 0;
            }
            rows += chunk_active(c);
        }
        assert_int_equal(rc, 0);
    }
    pthread_join(th, NULL);
    assert_true(source_ended(s));
    assert_true(ordered);
    assert_int_equal(rows, b.lines);
    assert_int_equal(sum, (int64_t)b.lines * (b.lines - 1) / 2);
    char want[32];
    snprintf(want, sizeof want, "%d", b.lines);
    assert_string_equal(source_end_offset(s), want);
    source_close(s);
    close(b.lfd);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_limit_json_fail),
        cmocka_unit_test(test_bulk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
