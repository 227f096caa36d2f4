/*
** The interactive shell.
**
** Input is read with readline's callback interface rather than readline():
** the loop waits in pselect() with SIGINT unblocked only there, so Ctrl-C
** while typing wakes the loop at once, and the loop (not a signal handler)
** throws the typed input away and draws a fresh prompt.  Lines accumulate
** until weir_complete() says a statement ended with ';'; complete statements
** run, anything typed after the last ';' stays for the next line.  While a
** statement runs, SIGINT is unblocked and the handler calls weir_interrupt(),
** so Ctrl-C stops the query and the shell returns to the prompt.  Ctrl-D on
** an empty line quits.  History lives in ~/.weir_history (appended per
** statement, one line each, so a crash loses nothing).
*/
#include <errno.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "shell.h"

#define PROMPT "weir> "
#define PROMPT_CONT "  ...> "
#define HISTORY_MAX 2000

/*
** readline's line callback takes no user pointer, so the shell's state is
** reachable from it only through this one file-level variable (set for the
** duration of repl_run()).
*/
typedef struct Repl {
    weir *w;
    char *buf;             /* statement text typed so far */
    size_t len, cap;
    char *history_path;    /* NULL: no history file */
    sigset_t run_mask;     /* mask while a statement runs or we wait for input: signals open */
    sigset_t edit_mask;    /* mask while readline edits: SIGINT / SIGTERM held back */
    bool quit;
    bool installed;        /* the readline line handler is installed */
} Repl;

static Repl *repl;

static void buf_append(Repl *r, const char *s) {
    size_t n = strlen(s);
    if (r->len + n + 2 > r->cap) {
        r->cap = (r->len + n + 2) * 2;
        char *nb = realloc(r->buf, r->cap);
        if (!nb) {
            fputs("weir: out of memory\n", stderr);
            exit(1);
        }
        r->buf = nb;
    }
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    r->buf[r->len++] = '\n';
    r->buf[r->len] = 0;
}

static void buf_clear(Repl *r) {
    r->len = 0;
    if (r->buf) r->buf[0] = 0;
}

/*
** Scan SQL text the way the tokenizer splits statements: quotes ('...',
** "...") and comments (-- ..., / * ... * /) hide semicolons.  Returns the
** offset just past the last top-level ';' (0 when there is none), and sets
** *blank_tail when only whitespace and comments follow it.
*/
static size_t last_statement_end(const char *s, bool *blank_tail) {
    size_t end = 0;
    bool blank = true;
    size_t i = 0, n = strlen(s);
    while (i < n) {
        char c = s[i];
        if (c == '\'' || c == '"') {
            blank = false;
            i++;
            while (i < n && s[i] != c) i++;
            if (i < n) i++;
        } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
            while (i < n && s[i] != '\n') i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) i++;
            i = i + 1 < n ? i + 2 : n;
        } else if (c == ';') {
            end = ++i;
            blank = true;
        } else {
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
            i++;
        }
    }
    *blank_tail = blank;
    return end;
}

/*
** Remember a statement.  The history file holds one entry per line, so the
** lines of a multi-line statement are joined with spaces.
*/
static void add_history_entry(Repl *r, const char *text) {
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ')) n--;
    if (n == 0) return;
    char *entry = strndup(text, n);
    if (!entry) return;
    for (char *c = entry; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    add_history(entry);
    if (r->history_path) append_history(1, r->history_path);
    free(entry);
}

/* Run complete statements; Ctrl-C meanwhile interrupts them (signals open). */
static void run_text(Repl *r, const char *text) {
    Printer pr = {.out = stdout, .printed = 0};
    char *err = NULL;
    signals_take();
    sigprocmask(SIG_SETMASK, &r->run_mask, NULL);
    signals_running(true);
    int rc = weir_exec(r->w, text, "<stdin>", print_result, &pr, &err);
    signals_running(false);
    sigprocmask(SIG_SETMASK, &r->edit_mask, NULL);
    /* A SIGINT now was the statement's interrupt, not a request to clear the next input. */
    int sig = signals_take();
    if (sig == SIGTERM) r->quit = true;
    if (rc) {
        if (sig == SIGINT) {
            fputc('\n', stdout);   /* the terminal echoed ^C without a line break */
            fflush(stdout);
        }
        fprintf(stderr, "weir: %s\n", err ? err : "error: statement failed");
        fflush(stderr);
    }
    weir_free(err);
}

/* readline callback: one line typed (NULL at Ctrl-D on an empty line). */
static void on_line(char *line) {
    Repl *r = repl;
    if (!line) {
        /* Removing the handler here keeps readline from drawing one more prompt. */
        r->quit = true;
        rl_callback_handler_remove();
        r->installed = false;
        return;
    }
    buf_append(r, line);
    free(line);
    bool blank_tail;
    size_t end = last_statement_end(r->buf, &blank_tail);
    if (end > 0 && weir_complete(r->buf)) {
        char *run = strndup(r->buf, end);
        char *rest = blank_tail ? NULL : strdup(r->buf + end);
        buf_clear(r);
        if (run) {
            add_history_entry(r, run);
            run_text(r, run);
            free(run);
        }
        if (rest) {
            /* Text after the last ';' starts the next statement. */
            char *t = rest + strspn(rest, " \t");
            size_t n = strlen(t);
            while (n > 0 && t[n - 1] == '\n') t[--n] = 0;
            buf_append(r, t);
            free(rest);
        }
    } else if (end == 0 && blank_tail) {
        buf_clear(r);   /* empty lines and comments do not open a statement */
    }
    rl_set_prompt(r->len > 0 ? PROMPT_CONT : PROMPT);
}

/* Ctrl-C while typing: drop the statement typed so far and show a fresh prompt. */
static void discard_input(Repl *r) {
    buf_clear(r);
    rl_callback_sigcleanup();
    rl_free_line_state();
    rl_point = rl_end;
    rl_redisplay();
    fputs("^C\n", stdout);
    fflush(stdout);
    rl_replace_line("", 0);
    rl_point = rl_end = rl_mark = 0;
    rl_set_prompt(PROMPT);
    rl_on_new_line();
    rl_redisplay();
}

static char *history_file(void) {
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    size_t n = strlen(home) + sizeof "/.weir_history";
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/.weir_history", home);
    return p;
}

int repl_run(weir *w) {
    Repl r;
    memset(&r, 0, sizeof r);
    r.w = w;
    repl = &r;

    /* Readline must not install its own handlers: the loop below owns SIGINT. */
    rl_catch_signals = 0;
    rl_readline_name = "weir";
    using_history();
    r.history_path = history_file();
    if (r.history_path && read_history(r.history_path) != 0) write_history(r.history_path);

    sigprocmask(SIG_SETMASK, NULL, &r.run_mask);
    sigdelset(&r.run_mask, SIGINT);
    sigdelset(&r.run_mask, SIGTERM);
    r.edit_mask = r.run_mask;
    sigaddset(&r.edit_mask, SIGINT);
    sigaddset(&r.edit_mask, SIGTERM);
    sigprocmask(SIG_SETMASK, &r.edit_mask, NULL);

    printf("weir %s: SQL statements end with ';'. Ctrl-C cancels, Ctrl-D quits.\n", WEIR_VERSION);
    fflush(stdout);
    rl_callback_handler_install(PROMPT, on_line);
    r.installed = true;
    while (!r.quit) {
        int fd = fileno(rl_instream ? rl_instream : stdin);
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        /* Signals are deliverable only inside pselect: none is lost between a check and the wait. */
        int n = pselect(fd + 1, &fds, NULL, NULL, NULL, &r.run_mask);
        int sig = signals_take();
        if (sig == SIGTERM) break;
        if (sig == SIGINT) {
            discard_input(&r);
            continue;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n > 0) rl_callback_read_char();
    }
    if (r.installed) rl_callback_handler_remove();
    if (r.history_path) history_truncate_file(r.history_path, HISTORY_MAX);
    free(r.history_path);
    free(r.buf);
    repl = NULL;
    sigprocmask(SIG_SETMASK, &r.run_mask, NULL);
    return 0;
}
