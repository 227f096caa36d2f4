/*
** The weir command (CONTRACT §1):
**
**   weir                      interactive shell on a terminal; a script when stdin is a pipe or file
**   weir FILE.sql ...         run the files in order (also -f FILE, repeatable)
**   weir -c 'SQL'             run inline statements (repeatable)
**   --db PATH                 results database (default weir.db)
**   --help, --version
**
** Inputs run in the order given, each as one weir_exec() call, so an error's
** line and column count from the start of its file.  A script stops at its
** first error: `weir: FILE:LINE:COL: error: ...` on stderr and exit status 1
** (statements before it have run and stay committed; continuous queries it
** started are stopped gracefully).  After the last input the command waits
** for the continuous queries the script started (weir_wait) until they end
** by themselves (bounded inputs, TRIGGER ONCE / AVAILABLE NOW); a query that
** failed makes the exit status 1.  SIGINT / SIGTERM interrupt the running
** statement and stop the continuous queries (each commits its batch in
** flight), then weir exits 0: stopping on request is not a failure.
*/
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

enum { EXIT_USAGE = 2 };

typedef enum InputKind { IN_FILE, IN_SQL, IN_STDIN } InputKind;

typedef struct Input {
    InputKind kind;
    const char *arg;   /* path or SQL text */
} Input;

static void usage(FILE *out) {
    fputs("usage: weir [OPTIONS] [FILE.sql ...]\n"
          "\n"
          "Runs SQL statements: from the files given, from -c, or from standard input\n"
          "(an interactive shell when it is a terminal).\n"
          "\n"
          "options:\n"
          "  -c SQL         run the statements in SQL (may be repeated)\n"
          "  -f FILE        run the statements in FILE; '-' reads standard input (may be repeated)\n"
          "  --db PATH      results database (SQLite), default weir.db\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the version\n"
          "\n"
          "Result tables of materialized views are kept in the results database:\n"
          "  sqlite3 weir.db 'SELECT * FROM my_view'\n",
          out);
}

/* Read a whole stream into a malloc'ed NUL-terminated string; NULL on a read error. */
static char *read_all(FILE *f) {
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                if (errno == EINTR) {   /* a signal: the caller looks at it */
                    clearerr(f);
                    break;
                }
                free(buf);
                return NULL;
            }
            break;
        }
    }
    buf[len] = 0;
    return buf;
}

/*
** Run one input as a script.  Returns 0 when every statement ran, 1 after
** an error (printed), and -1 when a signal asked us to stop.
*/
static int run_input(weir *w, const Input *in, Printer *pr) {
    char *text = NULL;
    const char *name;
    if (in->kind == IN_SQL) {
        name = "-c";
    } else if (in->kind == IN_STDIN || strcmp(in->arg, "-") == 0) {
        name = "<stdin>";
        text = read_all(stdin);
        if (!text) {
            fprintf(stderr, "weir: error: cannot read standard input: %s\n", strerror(errno));
            return 1;
        }
    } else {
        name = in->arg;
        FILE *f = fopen(in->arg, "rb");
        if (!f) {
            fprintf(stderr, "weir: error: cannot open \"%s\": %s\n", in->arg, strerror(errno));
            return 1;
        }
        text = read_all(f);
        int e = errno;
        fclose(f);
        if (!text) {
            fprintf(stderr, "weir: error: cannot read \"%s\": %s\n", in->arg, strerror(e));
            return 1;
        }
    }
    if (signals_pending()) {
        free(text);
        return -1;
    }
    char *err = NULL;
    int rc = weir_exec(w, text ? text : in->arg, name, print_result, pr, &err);
    free(text);
    if (signals_pending()) {   /* interrupted on request: a graceful stop, not an error */
        weir_free(err);
        return -1;
    }
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "weir: %s\n", err ? err : "error: statement failed");
        weir_free(err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"command", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    Input *inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0;
    if (!inputs) return 1;

    /* A leading '-' in optstring keeps files in their place among -c / -f (they come back as 1). */
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "-c:f:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 1:
        case 'f': inputs[ninputs++] = (Input){IN_FILE, optarg}; break;
        case 'c': inputs[ninputs++] = (Input){IN_SQL, optarg}; break;
        case 'd': db = optarg; break;
        case 'h':
            usage(stdout);
            free(inputs);
            return 0;
        case 'V':
            printf("weir %s\n", WEIR_VERSION);
            free(inputs);
            return 0;
        default:
            if (optopt == 'c' || optopt == 'f' || optopt == 'd')
                fprintf(stderr, "weir: error: option %s needs an argument\n", argv[optind - 1]);
            else
                fprintf(stderr, "weir: error: unknown option %s\n", argv[optind - 1]);
            fputs("try 'weir --help'\n", stderr);
            free(inputs);
            return EXIT_USAGE;
        }
    }

    weir *w;
    char *err = NULL;
    if (weir_open(db, &w, &err)) {
        fprintf(stderr, "weir: %s\n", err ? err : "error: cannot open the results database");
        weir_free(err);
        free(inputs);
        return 1;
    }
    signals_install(w);

    int status = 0;
    if (ninputs == 0 && isatty(STDIN_FILENO)) {
        status = repl_run(w);
    } else {
        if (ninputs == 0) inputs[ninputs++] = (Input){IN_STDIN, "-"};
        Printer pr = {.out = stdout, .printed = 0};
        signals_running(true);   /* from here on a signal interrupts whatever runs */
        signals_stop_queries(true);
        bool stopped = false;
        for (int i = 0; i < ninputs; i++) {
            int rc = run_input(w, &inputs[i], &pr);
            if (rc < 0) {   /* stopped by SIGINT / SIGTERM: exit 0 */
                stopped = true;
                break;
            }
            if (rc > 0) {
                status = 1;
                break;
            }
        }
        /* An error or a signal stops the queries; otherwise they run to their end. */
        if (status || stopped || signals_pending()) weir_stop(w);
        char *werr = NULL;
        if (weir_wait(w, &werr) != 0 && !stopped && !signals_pending()) {
            fflush(stdout);
            fprintf(stderr, "weir: %s\n", werr ? werr : "error: a continuous query failed");
            status = 1;
        }
        weir_free(werr);
        signals_running(false);
    }
    fflush(stdout);
    weir_close(w);
    free(inputs);
    return status;
}
