/* spool-server.c - the hand-off socket in the daemon. */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "intake/spool-server.h"
#include "lead/log.h"
#include "lead/lr-error.h"

#define SPOOL_TIMEOUT 60 /* seconds a connection may be silent */
#define SPOOL_THREADS 64 /* connections served at once */
#define SPOOL_CHUNK (64 * 1024)

struct SpoolServer {
	char *path;
	gsize max_size;
	SpoolStoreFunc store;
	gpointer store_data;
	GSocket *socket;
	GCancellable *cancel;
	GThread *acceptor;
	GThreadPool *pool;
};

/* conn_fill - read more of the connection onto buf: the bytes read, 0 at
 * its end (or an error). */
static gsize conn_fill(GSocket *sock, GByteArray *buf)
{
	guint8 chunk[SPOOL_CHUNK];
	gssize n = g_socket_receive(sock, (char *)chunk, sizeof(chunk), NULL, NULL);

	if (n <= 0)
		return 0;
	g_byte_array_append(buf, chunk, (guint)n);
	return (gsize)n;
}

/* conn_read - the whole envelope (header and message) into buf; FALSE
 * when the client went away first.  A message over max is read to its
 * end and dropped (*too_big), so the client sees the answer. */
static gboolean conn_read(SpoolServer *server, GSocket *sock, GByteArray *buf, gboolean *too_big)
{
	gsize end, size, got, n;

	while ((end = spool_header_end(buf->data, buf->len)) == 0)
		if (conn_fill(sock, buf) == 0)
			return FALSE;
	size = spool_header_size(buf->data, end);
	if (size == G_MAXSIZE)
		return TRUE; /* no size: the parse refuses it */
	*too_big = server->max_size > 0 && size > server->max_size;
	got = buf->len - end;
	while (got < size) {
		if ((n = conn_fill(sock, buf)) == 0)
			return FALSE;
		got += n;
		if (*too_big)
			g_byte_array_set_size(buf, (guint)end);
	}
	return TRUE;
}

/* conn_store - the answer for the envelope in buf. */
static char *conn_store(SpoolServer *server, GByteArray *buf, gboolean too_big)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SpoolEnvelope) env = NULL;
	guint64 id = 0;
	gboolean dup = FALSE, ok = FALSE;

	if (too_big)
		g_set_error(&error, LR_ERROR, LR_ERROR_TOO_BIG, "message exceeds %zu bytes",
		            server->max_size);
	else if ((env = spool_envelope_parse(buf->data, buf->len, &error)) != NULL)
		ok = server->store(env, server->store_data, &id, &dup, &error);
	return spool_reply_line(ok, id, dup, error);
}

/* conn_run - one connection: envelope in, answer out (a pool task). */
static void conn_run(gpointer data, gpointer user_data)
{
	GSocket *sock = data;
	SpoolServer *server = user_data;
	g_autoptr(GByteArray) buf = g_byte_array_sized_new(SPOOL_CHUNK);
	gboolean too_big = FALSE;

	g_socket_set_blocking(sock, TRUE);
	g_socket_set_timeout(sock, SPOOL_TIMEOUT);
	if (conn_read(server, sock, buf, &too_big)) {
		g_autofree char *reply = conn_store(server, buf, too_big);
		g_socket_send(sock, reply, strlen(reply), NULL, NULL);
	}
	g_socket_close(sock, NULL);
	g_object_unref(sock);
}

/* acceptor_run - accept connections until stopped (a thread). */
static gpointer acceptor_run(gpointer data)
{
	SpoolServer *server = data;

	for (;;) {
		g_autoptr(GError) error = NULL;
		GSocket *sock = g_socket_accept(server->socket, server->cancel, &error);
		if (sock == NULL) {
			if (g_cancellable_is_cancelled(server->cancel))
				return NULL;
			lr_log_warn(0, "deliver socket: accept: %s", error->message);
			g_usleep(100 * 1000);
			continue;
		}
		g_thread_pool_push(server->pool, sock, NULL);
	}
}

/* server_bind - bind and listen on home's socket (a stale socket file
 * removed); a path too long for a socket address goes through the
 * folder's descriptor. */
static GSocket *server_bind(const char *home, const char *path, GError **error)
{
	int dirfd = strlen(path) >= 100 ? open(home, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	g_autofree char *short_path = dirfd >= 0 ? spool_fd_path(dirfd, SPOOL_SOCKET) : NULL;
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(short_path ? short_path : path);
	g_autoptr(GSocket) sock =
	    g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, error);
	gboolean ok;

	g_unlink(path);
	ok = sock && g_socket_bind(sock, addr, FALSE, error) && g_socket_listen(sock, error);
	if (dirfd >= 0)
		close(dirfd);
	if (!ok)
		return NULL;
	g_chmod(path, 0666);
	return g_steal_pointer(&sock);
}

/* spool_server_start - bind, then accept in a thread. */
SpoolServer *spool_server_start(const char *home, gsize max_size, SpoolStoreFunc store,
                                gpointer store_data, GError **error)
{
	g_autoptr(GError) local = NULL;
	SpoolServer *server = g_new0(SpoolServer, 1);

	server->path = g_build_filename(home, SPOOL_SOCKET, NULL);
	server->max_size = max_size;
	server->store = store;
	server->store_data = store_data;
	server->socket = server_bind(home, server->path, &local);
	if (server->socket == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "deliver socket %s: %s", server->path,
		            local->message);
		g_free(server->path);
		g_free(server);
		return NULL;
	}
	server->cancel = g_cancellable_new();
	server->pool = g_thread_pool_new(conn_run, server, SPOOL_THREADS, FALSE, NULL);
	server->acceptor = g_thread_new("deliver-accept", acceptor_run, server);
	return server;
}

/* spool_server_stop - no new connections; the ones in hand finish. */
void spool_server_stop(SpoolServer *server)
{
	if (server == NULL)
		return;
	g_cancellable_cancel(server->cancel);
	g_thread_join(server->acceptor);
	g_socket_close(server->socket, NULL);
	g_unlink(server->path);
	g_thread_pool_free(server->pool, FALSE, TRUE);
	g_object_unref(server->socket);
	g_object_unref(server->cancel);
	g_free(server->path);
	g_free(server);
}
