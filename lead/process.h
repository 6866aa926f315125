/* process.h - what every leadroute program does first in main(), before
 * it starts a thread. */
#ifndef LR_PROCESS_H
#define LR_PROCESS_H

/* lr_process_init - makes the state GLib builds lazily on first use and
 * that is not safe to build from two threads at once.  Today that is the
 * "C" locale behind g_ascii_strtoull() and g_ascii_strtod(): GLib 2.74
 * makes it under g_once_init_enter(), and a thread that waits there can
 * come back with errno set to EAGAIN by the futex, which
 * g_ascii_string_to_unsigned() then reports as a valid number being
 * invalid ("listen inet:127.0.0.1:55835: need HOST:PORT").  Call it once,
 * first thing in main(). */
void lr_process_init(void);

#endif
