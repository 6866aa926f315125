/* lmtp.c - the LMTP server: listeners, sessions, start and stop (the
 * command dialogue of a session is in lmtp-session.c). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "intake/lmtp-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

typedef struct {
	LrLmtpServer *server;
	char *name;      /* the listen string, for logs */
	char *unix_path; /* the socket file to remove at stop, or NULL */
	GSocket *socket;
	GThread *thread;
} LmtpListener;

static LrLmtpServer *server_new(const LrLmtpConfig *config);

/* ------------------------------------------------------------------ */
/* Sessions. */

/* session_new - a session for an accepted socket. */
static LmtpSession *session_new(LrLmtpServer *server, GSocket *socket, guint id)
{
	LmtpSession *s = g_new0(LmtpSession, 1);
	g_autoptr(GSocketAddress) addr = g_socket_get_remote_address(socket, NULL);

	s->server = server;
	s->socket = socket;
	s->id = id;
	s->in = g_malloc(LMTP_INBUF);
	s->out = g_string_sized_new(512);
	s->rcpts = g_ptr_array_new_null_terminated(4, g_free, TRUE);
	if (G_IS_INET_SOCKET_ADDRESS(addr)) {
		GInetAddress *ip = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr));
		g_autofree char *text = g_inet_address_to_string(ip);
		s->peer = g_strdup_printf(
		    "%s:%u", text, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
	} else {
		s->peer = g_strdup("local");
	}
	g_socket_set_blocking(socket, TRUE);
	g_socket_set_timeout(socket, server->timeout);
	return s;
}

/* session_free - close and free a session. */
static void session_free(LmtpSession *s)
{
	if (s->socket) {
		g_socket_close(s->socket, NULL);
		g_object_unref(s->socket);
	}
	g_free(s->in);
	g_string_free(s->out, TRUE);
	g_free(s->sender);
	g_ptr_array_unref(s->rcpts);
	g_free(s->peer);
	g_free(s);
}

/* session_run - one session from greeting to close (a pool task). */
static void session_run(gpointer data, gpointer user_data)
{
	LmtpSession *s = data;
	LrLmtpServer *server = user_data;

	lr_log_info(0, "lmtp session=%u connect peer=%s", s->id, s->peer);
	lmtp_session_dialogue(s);
	lmtp_session_flush(s);
	lr_log_info(0, "lmtp session=%u disconnect peer=%s messages=%u reason=%s", s->id, s->peer,
	            s->messages, s->end ? s->end : "unknown");
	g_mutex_lock(&server->lock);
	g_hash_table_remove(server->active, s);
	g_cond_broadcast(&server->drained);
	g_mutex_unlock(&server->lock);
	session_free(s);
}

/* lmtp_session_replay - one session over input bytes, without a socket. */
char *lmtp_session_replay(const LrLmtpConfig *config, const guint8 *input, gsize len)
{
	LrLmtpServer *server = server_new(config);
	LmtpSession *s = g_new0(LmtpSession, 1);
	char *transcript;

	s->server = server;
	s->replay = g_bytes_new(input, len);
	s->transcript = g_string_new(NULL);
	s->id = ++server->next_id;
	s->peer = g_strdup("replay");
	s->in = g_malloc(LMTP_INBUF);
	s->out = g_string_sized_new(512);
	s->rcpts = g_ptr_array_new_null_terminated(4, g_free, TRUE);
	lmtp_session_dialogue(s);
	lmtp_session_flush(s);
	transcript = g_string_free(g_steal_pointer(&s->transcript), FALSE);
	g_bytes_unref(s->replay);
	session_free(s);
	lmtp_server_stop(server);
	return transcript;
}

/* server_reject - turn a client away when every session is taken. */
static void server_reject(LrLmtpServer *server, GSocket *socket)
{
	g_autofree char *line =
	    g_strdup_printf("421 4.3.2 %s Error: too many sessions\r\n", server->hostname);

	g_socket_set_blocking(socket, FALSE);
	g_socket_send(socket, line, strlen(line), NULL, NULL);
	g_socket_close(socket, NULL);
	lr_log_warn(0, "lmtp reject reason=too-many-sessions limit=%u", server->max_sessions);
}

/* server_admit - start a session for socket, or turn it away. */
static void server_admit(LrLmtpServer *server, GSocket *socket)
{
	g_autoptr(GError) error = NULL;
	LmtpSession *s;
	guint id;

	g_mutex_lock(&server->lock);
	if (g_hash_table_size(server->active) >= server->max_sessions) {
		g_mutex_unlock(&server->lock);
		server_reject(server, socket);
		g_object_unref(socket);
		return;
	}
	id = ++server->next_id;
	s = session_new(server, socket, id);
	g_hash_table_add(server->active, s);
	g_mutex_unlock(&server->lock);
	if (!g_thread_pool_push(server->pool, s, &error)) {
		lr_log_error(0, "lmtp session=%u error=%s", id, error->message);
		g_mutex_lock(&server->lock);
		g_hash_table_remove(server->active, s);
		g_mutex_unlock(&server->lock);
		session_free(s);
	}
}

/* ------------------------------------------------------------------ */
/* Listeners. */

/* listener_run - accept connections until the server stops (a thread). */
static gpointer listener_run(gpointer data)
{
	LmtpListener *l = data;

	for (;;) {
		g_autoptr(GError) error = NULL;
		GSocket *socket = g_socket_accept(l->socket, l->server->accept_cancel, &error);

		if (socket) {
			server_admit(l->server, socket);
			continue;
		}
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			break;
		lr_log_warn(0, "lmtp listen=%s accept-error=%s", l->name, error->message);
		g_usleep(100 * 1000); /* out of descriptors: let sessions end */
	}
	return NULL;
}

/* listen_inet - the socket address of "HOST:PORT" / "[V6]:PORT" / "*:PORT". */
static GSocketAddress *listen_inet(const char *spec, GError **error)
{
	g_autofree char *host = NULL;
	g_autoptr(GInetAddress) ip = NULL;
	const char *colon = strrchr(spec, ':');
	guint64 port;

	if (colon == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "listen inet:%s: need HOST:PORT",
		            spec);
		return NULL;
	}
	host = g_strndup(spec, colon - spec);
	if (host[0] == '[' && colon > spec + 1 && colon[-1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (*host == '\0' || strcmp(host, "*") == 0)
		ip = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	else if ((ip = g_inet_address_new_from_string(host)) == NULL) {
		g_autoptr(GResolver) resolver = g_resolver_get_default();
		GList *all = g_resolver_lookup_by_name(resolver, host, NULL, NULL);
		if (all == NULL) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
			            "listen inet:%s: cannot resolve %s", spec, host);
			return NULL;
		}
		ip = g_object_ref(all->data);
		g_resolver_free_addresses(all);
	}
	return g_inet_socket_address_new(ip, port);
}

/* unix_clear - remove a stale socket file at path; FALSE if something
 * else is there, or a live server answers on it. */
static gboolean unix_clear(const char *path, GSocketAddress *addr, GError **error)
{
	g_autoptr(GSocket) probe = NULL;
	struct stat st;

	if (lstat(path, &st) < 0)
		return TRUE;
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "listen unix:%s: exists and is not a socket", path);
		return FALSE;
	}
	probe = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
	if (probe && g_socket_connect(probe, addr, NULL, NULL)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "listen unix:%s: another server is listening there", path);
		return FALSE;
	}
	g_unlink(path);
	return TRUE;
}

/* listener_bind - bind and listen on one socket address. */
static gboolean listener_bind(LmtpListener *l, GSocketAddress *addr, GError **error)
{
	g_autoptr(GError) local = NULL;

	l->socket =
	    g_socket_new(g_socket_address_get_family(addr), G_SOCKET_TYPE_STREAM, 0, &local);
	if (l->socket)
		g_socket_set_listen_backlog(l->socket, LMTP_BACKLOG);
	if (l->socket && g_socket_bind(l->socket, addr, TRUE, &local) &&
	    g_socket_listen(l->socket, &local))
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "listen %s: %s", l->name, local->message);
	return FALSE;
}

/* listener_open - parse, bind and listen on one listen string. */
static LmtpListener *listener_open(LrLmtpServer *server, const char *spec, GError **error)
{
	LmtpListener *l = g_new0(LmtpListener, 1);
	g_autoptr(GSocketAddress) addr = NULL;

	l->server = server;
	l->name = g_strdup(spec);
	g_ptr_array_add(server->listeners, l);
	if (g_str_has_prefix(spec, "unix:") && spec[5] != '\0') {
		addr = g_unix_socket_address_new(spec + 5);
		if (!unix_clear(spec + 5, addr, error))
			return NULL;
		if (!listener_bind(l, addr, error))
			return NULL;
		l->unix_path = g_strdup(spec + 5);
		g_chmod(l->unix_path, 0666);
		return l;
	}
	if (g_str_has_prefix(spec, "inet:")) {
		addr = listen_inet(spec + 5, error);
		return addr && listener_bind(l, addr, error) ? l : NULL;
	}
	g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
	            "listen %s: must be unix:PATH or inet:HOST:PORT", spec);
	return NULL;
}

/* listener_close - stop one listener's thread and free it. */
static void listener_close(LmtpListener *l)
{
	if (l->thread)
		g_thread_join(l->thread);
	if (l->socket) {
		g_socket_close(l->socket, NULL);
		g_object_unref(l->socket);
	}
	if (l->unix_path)
		g_unlink(l->unix_path);
	g_free(l->unix_path);
	g_free(l->name);
	g_free(l);
}

/* ------------------------------------------------------------------ */
/* The server. */

/* server_new - a server from config, nothing bound yet. */
static LrLmtpServer *server_new(const LrLmtpConfig *config)
{
	LrLmtpServer *server = g_new0(LrLmtpServer, 1);

	server->listen = g_strdupv((char **)config->listen);
	server->hostname = g_strdup(config->hostname ? config->hostname : g_get_host_name());
	server->max_size =
	    config->max_message_size ? config->max_message_size : LMTP_DEFAULT_MAX_SIZE;
	server->timeout = config->session_timeout ? config->session_timeout : LMTP_DEFAULT_TIMEOUT;
	server->min_rate = config->min_data_rate ? config->min_data_rate : LMTP_DEFAULT_MIN_RATE;
	server->max_sessions = config->max_sessions ? config->max_sessions : LMTP_DEFAULT_SESSIONS;
	server->store = config->store;
	server->store_data = config->store_data;
	server->listeners = g_ptr_array_new();
	server->accept_cancel = g_cancellable_new();
	server->idle_cancel = g_cancellable_new();
	server->active = g_hash_table_new(NULL, NULL);
	g_mutex_init(&server->lock);
	g_cond_init(&server->drained);
	return server;
}

/* server_drain - wait for sessions to end, at most LMTP_STOP_GRACE seconds,
 * then shut the sockets of those still open so that they end too. */
static void server_drain(LrLmtpServer *server)
{
	gint64 deadline = g_get_monotonic_time() + LMTP_STOP_GRACE * G_TIME_SPAN_SECOND;
	GHashTableIter iter;
	gpointer key;

	g_mutex_lock(&server->lock);
	while (g_hash_table_size(server->active) > 0)
		if (!g_cond_wait_until(&server->drained, &server->lock, deadline))
			break;
	g_hash_table_iter_init(&iter, server->active);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		LmtpSession *s = key;
		lr_log_warn(0, "lmtp session=%u stop=forced", s->id);
		g_socket_shutdown(s->socket, TRUE, TRUE, NULL);
	}
	g_mutex_unlock(&server->lock);
}

/* lmtp_server_stop - stop accepting, drain the sessions, free everything. */
void lmtp_server_stop(LrLmtpServer *server)
{
	if (server == NULL)
		return;
	g_cancellable_cancel(server->accept_cancel);
	for (guint i = 0; i < server->listeners->len; i++)
		listener_close(server->listeners->pdata[i]);
	g_ptr_array_set_size(server->listeners, 0);
	g_cancellable_cancel(server->idle_cancel);
	if (server->pool) {
		server_drain(server);
		g_thread_pool_free(server->pool, FALSE, TRUE);
	}
	g_ptr_array_unref(server->listeners);
	g_hash_table_unref(server->active);
	g_object_unref(server->accept_cancel);
	g_object_unref(server->idle_cancel);
	g_mutex_clear(&server->lock);
	g_cond_clear(&server->drained);
	g_strfreev(server->listen);
	g_free(server->hostname);
	g_free(server);
}

/* server_listen - bind every address and start the accept threads. */
static gboolean server_listen(LrLmtpServer *server, GError **error)
{
	for (char **spec = server->listen; *spec; spec++)
		if (!listener_open(server, *spec, error))
			return FALSE;
	server->pool = g_thread_pool_new(session_run, server, -1, FALSE, error);
	if (server->pool == NULL)
		return FALSE;
	for (guint i = 0; i < server->listeners->len; i++) {
		LmtpListener *l = server->listeners->pdata[i];
		l->thread = g_thread_try_new("lmtp-listen", listener_run, l, error);
		if (l->thread == NULL)
			return FALSE;
		lr_log_info(0, "lmtp listen=%s", l->name);
	}
	return TRUE;
}

/* lmtp_server_start - check config, bind, serve. */
LrLmtpServer *lmtp_server_start(const LrLmtpConfig *config, GError **error)
{
	LrLmtpServer *server;

	if (config->listen == NULL || config->listen[0] == NULL || config->store == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "lmtp: need at least one listen address and a store");
		return NULL;
	}
	server = server_new(config);
	if (!server_listen(server, error)) {
		lmtp_server_stop(server);
		return NULL;
	}
	return server;
}

/* lmtp_server_sessions - count the open sessions. */
guint lmtp_server_sessions(LrLmtpServer *server)
{
	guint n;

	g_mutex_lock(&server->lock);
	n = g_hash_table_size(server->active);
	g_mutex_unlock(&server->lock);
	return n;
}
