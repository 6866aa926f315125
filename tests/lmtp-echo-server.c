/* lmtp-echo-server - the LMTP server with an in-memory counting store, for
 * end-to-end tests and benchmarks with Postfix's smtp-source and Postfix.
 *
 * Usage: lmtp-echo-server [--max-size BYTES] [--timeout S] [--sessions N] LISTEN...
 * Prints "ready" once listening; on SIGTERM or SIGINT stops the server and
 * prints "stored=N distinct=M refused=R deferred=D" (messages stored,
 * distinct duplicate keys among them, messages the store refused as not
 * mail, messages deferred), then exits 0.  A transaction with a recipient
 * that starts with "tempfail@" fails with LR_ERROR_TEMP (to see 451). */
#include "config.h"

#include <stdio.h>

#include <glib-unix.h>

#include "intake/lmtp.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"

typedef struct {
	GMutex lock;
	GHashTable *keys; /* duplicate keys seen */
	guint stored;
	guint refused;
	guint deferred;
} EchoStore;

/* echo_tempfail - TRUE when a recipient asks for a temporary failure. */
static gboolean echo_tempfail(const char *const *rcpts, GError **error)
{
	for (; *rcpts; rcpts++)
		if (g_str_has_prefix(*rcpts, "tempfail@")) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "test store: %s", *rcpts);
			return TRUE;
		}
	return FALSE;
}

/* echo_store - the store callback: refuse non-mail, count the rest. */
static gboolean echo_store(GBytes *message, const char *sender, const char *const *rcpts,
                           gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	EchoStore *st = data;
	gsize len;
	const char *raw = g_bytes_get_data(message, &len);
	gboolean temp = echo_tempfail(rcpts, error);
	gboolean ok = !temp && rawmsg_check(raw, len, error);
	char *key = ok ? rawmsg_key(raw, len) : NULL;

	g_mutex_lock(&st->lock);
	if (temp) {
		st->deferred++;
	} else if (ok) {
		g_hash_table_add(st->keys, key);
		st->stored++;
	} else {
		st->refused++;
	}
	g_mutex_unlock(&st->lock);
	return ok;
}

/* echo_quit - the signal handler: leave the main loop. */
static gboolean echo_quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	gint64 max_size = 0;
	gint timeout = 0, sessions = 0;
	g_auto(GStrv) listen = NULL;
	GOptionEntry entries[] = {
	    {"max-size", 0, 0, G_OPTION_ARG_INT64, &max_size, "message size limit", "BYTES"},
	    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "session timeout", "S"},
	    {"sessions", 0, 0, G_OPTION_ARG_INT, &sessions, "concurrent sessions", "N"},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen, NULL, "LISTEN..."},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("LISTEN...");
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	EchoStore st = {.keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
	LrLmtpConfig config = {.hostname = "echo.test",
	                       .max_message_size = max_size,
	                       .session_timeout = timeout,
	                       .max_sessions = sessions,
	                       .store = echo_store,
	                       .store_data = &st};
	LrLmtpServer *server;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || listen == NULL) {
		fprintf(stderr, "lmtp-echo-server: %s\n", error ? error->message : "no LISTEN");
		return 2;
	}
	lr_log_open("lmtp-echo-server", TRUE);
	config.listen = (const char *const *)listen;
	config.max_message_size = max_size;
	config.session_timeout = timeout;
	config.max_sessions = sessions;
	if ((server = lmtp_server_start(&config, &error)) == NULL) {
		fprintf(stderr, "lmtp-echo-server: %s\n", error->message);
		return 1;
	}
	g_unix_signal_add(SIGTERM, echo_quit, loop);
	g_unix_signal_add(SIGINT, echo_quit, loop);
	printf("ready\n");
	fflush(stdout);
	g_main_loop_run(loop);
	lmtp_server_stop(server);
	printf("stored=%u distinct=%u refused=%u deferred=%u\n", st.stored,
	       g_hash_table_size(st.keys), st.refused, st.deferred);
	g_hash_table_unref(st.keys);
	return 0;
}
