// SPDX-License-Identifier: GPL-2.0-only
/*
 * The terminal for console and top: raw (console) or keys-without-echo
 * (top) mode on standard input, restored on every way out (term_restore
 * from the verb, atexit, and SIGTERM/SIGHUP/SIGINT/SIGQUIT, which set
 * term_stop_signal so the verb's loop ends and restores it).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "mica.h"

volatile sig_atomic_t term_stop_signal;
static struct termios saved_tio;
static bool tio_saved;

void term_restore(void)
{
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
        tio_saved = false;
    }
}

static void on_signal(int sig)
{
    term_stop_signal = sig;
}

void term_catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART: poll returns */
    int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };

    sigemptyset(&sa.sa_mask);
    for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* raw: everything passes (console); else only echo and line editing off (top). */
int term_enter(bool raw)
{
    static bool registered;
    struct termios t;

    if (!isatty(STDIN_FILENO))
        return 0;
    if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
        return -errno;
    t = saved_tio;
    if (raw) {
        cfmakeraw(&t);
    } else {
        t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
    }
    tio_saved = true;
    if (!registered && atexit(term_restore) == 0)
        registered = true;
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0) {
        int rc = -errno;

        term_restore();
        return rc;
    }
    return 0;
}
