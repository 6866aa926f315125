/* free-port.h - a loopback TCP port for a test's own server
 * (tests/free-port.c). */
#ifndef LR_TESTS_FREE_PORT_H
#define LR_TESTS_FREE_PORT_H

#include <glib.h>

/* test_free_port - a loopback TCP port nobody listens on right now. */
guint16 test_free_port(void);

#endif
