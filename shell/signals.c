/*
** Signals for the weir command.
**
** A signal handler can reach nothing but globals, so this file keeps the
** pieces of process-wide state the shell needs (the session to interrupt,
** the last signal caught, what a signal should do); everything else in weir
** passes state explicitly.  The handler only stores to sig_atomic_t
** variables and calls weir_interrupt() and weir_stop(), which do the same:
** async-signal-safe.
*/
#include <string.h>

#include "shell.h"

static weir *volatile sig_session;            /* the session a signal interrupts */
static volatile sig_atomic_t sig_caught;      /* last signal number, 0 none */
static volatile sig_atomic_t sig_is_running;  /* a statement is running */
static volatile sig_atomic_t sig_stops_all;   /* script mode: continuous queries stop too */

static void on_signal(int signo) {
    sig_caught = signo;
    if (sig_is_running && sig_session) weir_interrupt(sig_session);
    if (sig_stops_all && sig_session) weir_stop(sig_session);
}

void signals_install(weir *w) {
    sig_session = w;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: blocking calls return EINTR so loops notice */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void signals_running(bool running) { sig_is_running = running; }

void signals_stop_queries(bool on) { sig_stops_all = on; }

int signals_take(void) {
    int s = sig_caught;
    sig_caught = 0;
    return s;
}

int signals_pending(void) { return sig_caught; }
