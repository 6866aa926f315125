/* test-sender-lanes.c - sender_run_once against a real relay (Postfix's
 * smtp-sink): a full pass of the outbox goes over several connections at
 * once, each kept open from one message to the next and from one pass to
 * the next, and every message is sent once. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "mailer/sender.h"
#include "queue/queue.h"
#include "tests/free-port.h"

/* A relay: smtp-sink -v logging each connection to its log file. */
typedef struct {
	char *dir, *log;
	guint16 port;
	GPid pid;
} Relay;

/* sink_program - smtp-sink ($SMTP_SINK, or Postfix's). */
static const char *sink_program(void)
{
	const char *p = g_getenv("SMTP_SINK");

	return p && *p ? p : "/usr/sbin/smtp-sink";
}

/* relay_start - smtp-sink on a free port (as nobody when root: smtp-sink
 * will not run as root), up once it accepts a connection. */
static void relay_start(Relay *r)
{
	g_autofree char *cmd = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[] = {"/bin/sh", "-c", NULL, NULL};

	g_assert_true(g_file_test(sink_program(), G_FILE_TEST_IS_EXECUTABLE));
	r->dir = g_dir_make_tmp("test-sender-lanes-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(r->dir, 0777), ==, 0);
	r->log = g_build_filename(r->dir, "sink.log", NULL);
	r->port = test_free_port();
	cmd = g_strdup_printf("cd '%s' && exec '%s' %s -v 127.0.0.1:%u 64 >'%s' 2>&1", r->dir,
	                      sink_program(), getuid() == 0 ? "-u nobody" : "", r->port, r->log);
	argv[2] = cmd;
	g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
	                            NULL, &r->pid, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < 200; i++) {
		g_autoptr(GSocketClient) c = g_socket_client_new();
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(c, "127.0.0.1", r->port, NULL, NULL);
		if (conn != NULL)
			return;
		g_usleep(50 * 1000);
	}
	g_assert_not_reached();
}

/* relay_connects - connections the relay has taken so far, less the one
 * relay_start made to see it up. */
static guint relay_connects(const Relay *r)
{
	g_autofree char *text = NULL;
	guint n = 0;

	g_assert_true(g_file_get_contents(r->log, &text, NULL, NULL));
	for (const char *p = text; (p = strstr(p, ": connect ")) != NULL; p++)
		n++;
	g_assert_cmpuint(n, >=, 1);
	return n - 1;
}

/* relay_stop - stop the relay and remove its folder. */
static void relay_stop(Relay *r)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", r->dir);

	kill(r->pid, SIGTERM);
	waitpid(r->pid, NULL, 0);
	g_spawn_close_pid(r->pid);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(r->dir);
	g_free(r->log);
}

/* fill_txn - QueueTxnFunc: *n messages into the outbox. */
static gboolean fill_txn(LrTxn *txn, gpointer data, GError **error)
{
	const guint *n = data;
	const char *rcpts[] = {"anna@reps.test", NULL};

	for (guint i = 0; i < *n; i++) {
		g_autofree char *text = g_strdup_printf(
		    "From: desk@leads.test\r\nTo: anna@reps.test\r\nSubject: lead %u\r\n"
		    "Message-ID: <lanes-%u@leads.test>\r\n\r\nA lead.\r\n",
		    i, i);
		g_autoptr(GBytes) msg = g_bytes_new(text, strlen(text));

		if (!queue_outbox_add(txn, i + 1, "desk@leads.test", rcpts, msg, error))
			return FALSE;
	}
	return TRUE;
}

/* fill - n messages into the outbox of q. */
static void fill(LrQueue *q, guint n)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(queue_run(q, fill_txn, &n, &error));
	g_assert_no_error(error);
}

/* test_lanes - 40 due messages: all sent in one pass over more than one
 * connection (at most SENDER_LANES); 40 more: sent over the same
 * connections, none opened anew; the outbox is empty after each. */
static void test_lanes(void)
{
	Relay relay = {0};
	g_autofree char *home = g_dir_make_tmp("test-sender-lanes-home-XXXXXX", NULL);
	g_autofree char *url = NULL, *cmd = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSender) sender = NULL;
	LrQueue *q = queue_open(home, FALSE, &error);
	guint first;

	g_assert_no_error(error);
	relay_start(&relay);
	url = g_strdup_printf("smtp://127.0.0.1:%u", relay.port);
	sender = sender_new(url, NULL, NULL);
	fill(q, 40);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 40);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	first = relay_connects(&relay);
	g_assert_cmpuint(first, >, 1);
	g_assert_cmpuint(first, <=, SENDER_LANES);
	fill(q, 40);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 40);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	g_assert_cmpuint(relay_connects(&relay), ==, first);
	g_clear_pointer(&sender, sender_free);
	relay_stop(&relay);
	queue_close(q);
	cmd = g_strdup_printf("rm -rf '%s'", home);
	g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sender/lanes", test_lanes);
	return g_test_run();
}
