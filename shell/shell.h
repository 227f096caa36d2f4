/*
** The weir command's internal header.
**
**   main.c     arguments, script mode (-c, -f, files, piped stdin), exit codes
**   repl.c     the interactive shell (readline, history, Ctrl-C / Ctrl-D)
**   print.c    result sets as aligned tables
**   signals.c  SIGINT / SIGTERM: interrupt the running statement, stop continuous queries
*/
#ifndef WEIR_SHELL_H
#define WEIR_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "weir.h"

/* ------------------------------------------------------------ print.c */

/* Where results go; `printed` counts result sets so far (a blank line separates them). */
typedef struct Printer {
    FILE *out;
    int printed;
} Printer;

/* weir_result_fn: print `r` to ((Printer *)ud)->out as an aligned table with a row count. */
void print_result(void *ud, const weir_result *r);

/* Terminal columns taken by a UTF-8 string (wide East Asian characters count 2). */
int print_display_width(const char *s);

/* ------------------------------------------------------------ signals.c */

/*
** Catch SIGINT and SIGTERM for session `w`.  While a statement runs
** (signals_running(true)), a signal interrupts it (weir_interrupt); in every
** case it is remembered until signals_take() reads it.  No SA_RESTART, so a
** blocking read or select returns EINTR.
*/
void signals_install(weir *w);
void signals_running(bool running);
/*
** Script mode: a signal also stops the session's continuous queries
** gracefully (weir_stop: each commits its batch in flight).  Interactive
** mode leaves them running: Ctrl-C only interrupts the foreground statement.
*/
void signals_stop_queries(bool on);
/* The signal caught since the last call (0: none), and forget it. */
int signals_take(void);
/* Peek without forgetting. */
int signals_pending(void);

/* ------------------------------------------------------------ repl.c */

/* Run the interactive shell on the terminal until Ctrl-D or SIGTERM.  Returns the exit status. */
int repl_run(weir *w);

#endif
