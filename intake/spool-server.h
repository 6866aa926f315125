/* spool-server.h - the daemon's side of the deliverer's hand-off socket
 * (see spool.h): one thread per connection, each reads one envelope,
 * stores it through the store step and answers one line once it is
 * durable (or refused). */
#ifndef LR_SPOOL_SERVER_H
#define LR_SPOOL_SERVER_H

#include <glib.h>

#include "intake/spool.h"

typedef struct SpoolServer SpoolServer;

/* spool_server_start - listen on home's SPOOL_SOCKET (a stale socket file
 * is replaced; mode 0666, home's own mode guards it) and serve in
 * background threads; messages over max_size (0: no limit) get 552.
 * store_data must outlive the server.  NULL with LR_ERROR_TEMP when the
 * socket cannot be made. */
SpoolServer *spool_server_start(const char *home, gsize max_size, SpoolStoreFunc store,
                                gpointer store_data, GError **error);

/* spool_server_stop - stop listening, remove the socket file, let the
 * connections in hand finish and free everything.  NULL is ignored. */
void spool_server_stop(SpoolServer *server);

#endif
