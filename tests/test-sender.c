/* test-sender.c - the sender (mailer/sender.c) against a real Postfix
 * smtp-sink on loopback, with and without the outbox. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "lead/lead.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/compose.h"
#include "mailer/mimetype.h"
#include "mailer/sender.h"
#include "mailer/token.h"
#include "queue/queue.h"
#include "tests/free-port.h"
#include "tests/mailer-fixture.h"

/* ---- Sending: Postfix's smtp-sink on loopback ---- */

typedef struct {
	GPid pid;
	guint16 port;
	char *dir; /* where smtp-sink dumps each message */
} Sink;

/* sink_program - smtp-sink, or NULL (the sender tests then fail). */
static const char *sink_program(void)
{
	const char *p = g_getenv("SMTP_SINK");

	if (p && *p)
		return p;
	return g_file_test("/usr/sbin/smtp-sink", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/sbin/smtp-sink"
	                                                                     : NULL;
}

/* sink_missing - TRUE, and the test failed, when smtp-sink is not there
 * (scripts/deps.sh installs Postfix: a sender test must not pass by not
 * running). */
static gboolean sink_missing(void)
{
	if (sink_program() != NULL)
		return FALSE;
	g_test_message("smtp-sink not found (set SMTP_SINK or install postfix)");
	g_test_fail();
	return TRUE;
}

/* sink_wait - wait (at most 5 s) until the sink accepts connections. */
static void sink_wait(guint16 port)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();

	for (int i = 0; i < 100; i++) {
		g_autoptr(GSocketConnection) conn =
		    g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);

		if (conn != NULL)
			return;
		g_usleep(50000);
	}
	g_error("smtp-sink did not start on port %u", port);
}

/* sink_start - run smtp-sink on port (0: a free one) with extra options
 * (NULL-terminated), dumping messages into a new folder. */
static void sink_start(Sink *sink, guint16 port, const char *const *extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *timeout = g_find_program_in_path("timeout");
	g_autoptr(GError) error = NULL;

	sink->port = port ? port : test_free_port();
	if (sink->dir == NULL) {
		sink->dir = g_dir_make_tmp("lr-sink-XXXXXX", NULL);
		g_chmod(sink->dir, 0777); /* smtp-sink writes as nobody */
	}
	/* Under timeout(1), so a sink outlives a failed test by a minute at most. */
	if (timeout != NULL) {
		g_ptr_array_add(argv, g_strdup(timeout));
		g_ptr_array_add(argv, g_strdup("60"));
	}
	g_ptr_array_add(argv, g_strdup(sink_program()));
	if (geteuid() == 0) {
		g_ptr_array_add(argv, g_strdup("-u"));
		g_ptr_array_add(argv, g_strdup("nobody"));
	}
	g_ptr_array_add(argv, g_strdup("-d"));
	g_ptr_array_add(argv, g_strdup_printf("%s/%%M.", sink->dir));
	for (guint i = 0; extra && extra[i]; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, g_strdup_printf("127.0.0.1:%u", sink->port));
	g_ptr_array_add(argv, g_strdup("100"));
	g_ptr_array_add(argv, NULL);
	g_spawn_async(NULL, (char **)argv->pdata, NULL,
	              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
	              &sink->pid, &error);
	g_assert_no_error(error);
	sink_wait(sink->port);
}

/* sink_stop - stop smtp-sink (its dumps are complete then). */
static void sink_stop(Sink *sink)
{
	int status;

	if (sink->pid == 0)
		return;
	kill(sink->pid, SIGTERM);
	waitpid(sink->pid, &status, 0);
	g_spawn_close_pid(sink->pid);
	sink->pid = 0;
}

/* sink_messages - the dumped messages (char *), in name order. */
static GPtrArray *sink_messages(const Sink *sink)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) d = g_dir_open(sink->dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(sink->dir, name, NULL);
		char *text = NULL;

		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		g_ptr_array_add(out, text);
	}
	return out;
}

/* sink_clear - stop the sink and remove its folder. */
static void sink_clear(Sink *sink)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	sink_stop(sink);
	d = g_dir_open(sink->dir, 0, NULL);
	while (d && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(sink->dir, name, NULL);

		g_unlink(path);
	}
	g_rmdir(sink->dir);
	g_clear_pointer(&sink->dir, g_free);
}

/* has_ci - TRUE when text contains needle, ignoring ASCII case. */
static gboolean has_ci(const char *text, const char *needle)
{
	g_autofree char *t = g_ascii_strdown(text, -1);
	g_autofree char *n = g_ascii_strdown(needle, -1);

	return strstr(t, n) != NULL;
}

/* relay_url - the smtp:// URL of a loopback port. */
static char *relay_url(guint16 port)
{
	return g_strdup_printf("smtp://127.0.0.1:%u", port);
}

/* sample_message - a composed notification with Message-ID lead-ID.KIND.SEQ. */
static GBytes *sample_message(guint64 id, guint seq)
{
	g_autoptr(LrLead) lead = sample_lead();
	LrNotice notice = {.kind = "new-lead",
	                   .to_name = "Anna",
	                   .to_address = "anna@acme.example",
	                   .token = "abc"};

	lead->id = id;
	return compose_ok(lead, &notice, seq);
}

/* send_with - sender_send one sample message through a sink started with
 * extra; returns whether it was sent, *error and the sink's dumps. */
static gboolean send_with(const char *const *extra, GError **error, GPtrArray **dumps)
{
	static const char *const rcpts[] = {"anna@acme.example", "ben@acme.example", NULL};
	Sink sink = {0};
	g_autoptr(GBytes) msg = sample_message(7, 1);
	g_autofree char *url = NULL;
	g_autoptr(LrSender) sender = NULL;
	gboolean ok;

	sink_start(&sink, 0, extra);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	ok = sender_send(sender, "leads@acme.example", rcpts, msg, error);
	sink_stop(&sink);
	*dumps = sink_messages(&sink);
	sink_clear(&sink);
	return ok;
}

/* test_send_ok - one message, both recipients, as composed. */
static void test_send_ok(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) dumps = NULL;

	if (sink_missing())
		return;
	g_assert_true(send_with(NULL, &error, &dumps));
	g_assert_no_error(error);
	g_assert_cmpuint(dumps->len, ==, 1);
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Mail-Args: <leads@acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Rcpt-Args: <anna@acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "X-Rcpt-Args: <ben@acme.example>"));
	g_assert_true(
	    has_ci(dumps->pdata[0], "Message-ID: <lead-7.new-lead.1@leads.acme.example>"));
	g_assert_nonnull(strstr(dumps->pdata[0], "Reply with one word"));
}

/* test_send_failures - how each refusal of the relay is classified. */
static void test_send_failures(void)
{
	static const struct {
		const char *opt, *cmd;
		int code;
	} cases[] = {
	    {"-r", "RCPT", LR_ERROR_TEMP},      {"-f", "RCPT", LR_ERROR_PERM},
	    {"-r", "MAIL", LR_ERROR_TEMP},      {"-f", "MAIL", LR_ERROR_TEMP},
	    {"-f", "DATA", LR_ERROR_PERM},      {"-f", ".", LR_ERROR_PERM},
	    {"-r", ".", LR_ERROR_TEMP},         {"-Q", "RCPT", LR_ERROR_TEMP},
	    {"-f", "EHLO,HELO", LR_ERROR_TEMP}, {"-Q", "CONNECT", LR_ERROR_TEMP},
	};

	if (sink_missing())
		return;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *extra[] = {cases[i].opt, cases[i].cmd, NULL};
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) dumps = NULL;

		g_test_message("smtp-sink %s %s", cases[i].opt, cases[i].cmd);
		g_assert_false(send_with(extra, &error, &dumps));
		g_assert_error(error, LR_ERROR, cases[i].code);
	}
}

/* test_send_down - nothing listening: TEMP at once; bad addresses: PERM
 * without a connection; a non-SMTP URL: TEMP. */
static void test_send_down(void)
{
	static const char *const rcpts[] = {"anna@acme.example", NULL};
	static const char *const evil[] = {"anna@acme.example>\r\nRCPT TO:<x@y", NULL};
	g_autoptr(GBytes) msg = sample_message(7, 1);
	g_autofree char *url = relay_url(test_free_port());
	g_autoptr(LrSender) sender = sender_new(url, NULL, NULL);
	g_autoptr(LrSender) file = sender_new("file:///tmp/lr-mailer-never", NULL, NULL);
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	g_assert_false(sender_send(sender, "leads@acme.example", rcpts, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_clear_error(&error);
	g_assert_false(sender_send(sender, "leads@acme.example", evil, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	g_assert_false(sender_send(file, "leads@acme.example", rcpts, msg, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_false(g_file_test("/tmp/lr-mailer-never", G_FILE_TEST_EXISTS));
}

/* ---- The outbox ---- */

typedef struct {
	guint n; /* messages to add, lead ids 1..n */
} OutboxFill;

/* outbox_fill_txn - queue n sample notifications in one transaction. */
static gboolean outbox_fill_txn(LrTxn *txn, gpointer data, GError **error)
{
	const OutboxFill *fill = data;
	static const char *const rcpts[] = {"anna@acme.example", NULL};

	for (guint i = 1; i <= fill->n; i++) {
		g_autoptr(GBytes) msg = sample_message(i, 0);

		if (!queue_outbox_add(txn, i, "leads@acme.example", rcpts, msg, error))
			return FALSE;
	}
	return TRUE;
}

/* outbox_open - a queue in a new folder with n messages in its outbox. */
static LrQueue *outbox_open(char **home, guint n)
{
	g_autoptr(GError) error = NULL;
	OutboxFill fill = {n};
	LrQueue *q;

	*home = g_dir_make_tmp("lr-mailer-home-XXXXXX", NULL);
	q = queue_open(*home, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(queue_run(q, outbox_fill_txn, &fill, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, n);
	return q;
}

/* outbox_close - close the queue and remove its folder. */
static void outbox_close(LrQueue *q, char *home)
{
	g_autofree char *cmd = NULL;

	queue_close(q);
	cmd = g_strdup_printf("rm -rf '%s'", home);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(home);
}

/* assert_each_once - n dumps, one with Message-ID <lead-i@...> for each i
 * in 1..n. */
static void assert_each_once(GPtrArray *dumps, guint n)
{
	g_assert_cmpuint(dumps->len, ==, n);
	for (guint i = 1; i <= n; i++) {
		g_autofree char *id =
		    g_strdup_printf("Message-ID: <lead-%u@leads.acme.example>", i);
		guint seen = 0;

		for (guint j = 0; j < dumps->len; j++)
			seen += has_ci(dumps->pdata[j], id);
		g_assert_cmpuint(seen, ==, 1);
	}
}

/* test_outbox_send - every due message once, then nothing. */
static void test_outbox_send(void)
{
	char *home;
	LrQueue *q;
	Sink sink = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSender) sender = NULL;
	g_autoptr(GPtrArray) dumps = NULL;
	g_autofree char *url = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 5);
	sink_start(&sink, 0, NULL);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 5);
	g_assert_no_error(error);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	assert_each_once(dumps, 5);
	sink_clear(&sink);
	outbox_close(q, home);
}

/* test_outbox_relay_down - nothing listening: all deferred, not due again
 * at once; after the back-off with the relay up: each delivered once. */
static void test_outbox_relay_down(void)
{
	char *home;
	LrQueue *q;
	Sink sink = {0};
	guint16 port = test_free_port();
	g_autofree char *url = relay_url(port);
	g_autoptr(LrSender) sender = sender_new(url, NULL, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) due = NULL, dumps = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 3);
	sender_set_backoff(sender, 300000, 1200000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 3);
	due = queue_outbox_due(q, g_get_real_time(), 10, NULL);
	g_assert_cmpuint(due->len, ==, 0);
	g_clear_pointer(&due, g_ptr_array_unref);
	due = queue_outbox_due(q, g_get_real_time() + 350000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 3);
	g_assert_cmpuint(((LrOutMail *)due->pdata[0])->attempts, ==, 1);
	g_assert_cmpstr(((LrOutMail *)due->pdata[0])->last_error, !=, "");
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0); /* not due yet */
	sink_start(&sink, port, NULL);
	g_usleep(350000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 3);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	assert_each_once(dumps, 3);
	sink_clear(&sink);
	outbox_close(q, home);
}

/* test_outbox_refusals - 4xx: deferred with a growing delay; 5xx:
 * dropped (logged), nothing delivered. */
static void test_outbox_refusals(void)
{
	static const char *const soft[] = {"-r", "RCPT", NULL};
	static const char *const hard[] = {"-f", "RCPT", NULL};
	char *home;
	LrQueue *q;
	Sink sink = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSender) sender = NULL;
	g_autoptr(GPtrArray) due = NULL, dumps = NULL;
	g_autofree char *url = NULL;

	if (sink_missing())
		return;
	q = outbox_open(&home, 2);
	sink_start(&sink, 0, soft);
	url = relay_url(sink.port);
	sender = sender_new(url, NULL, NULL);
	/* Delays of 1 s, then 2 s: the checks below leave the test 1 s between
	 * the second try and the first look (with 100 ms and 200 ms, 50 ms of
	 * scheduling delay on a loaded machine failed it). */
	sender_set_backoff(sender, 1000000, 10000000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 2);
	g_usleep(1100000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0); /* second try: 2 s */
	due = queue_outbox_due(q, g_get_real_time() + 1000000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 0);
	g_clear_pointer(&due, g_ptr_array_unref);
	due = queue_outbox_due(q, g_get_real_time() + 2100000, 10, NULL);
	g_assert_cmpuint(due->len, ==, 2);
	g_assert_cmpuint(((LrOutMail *)due->pdata[0])->attempts, ==, 2);
	sink_clear(&sink);
	sink_start(&sink, 0, hard);
	g_free(url);
	url = relay_url(sink.port);
	sender_free(sender);
	sender = sender_new(url, NULL, NULL);
	g_usleep(2100000);
	g_assert_cmpuint(sender_run_once(sender, q, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	sink_stop(&sink);
	dumps = sink_messages(&sink);
	g_assert_cmpuint(dumps->len, ==, 0);
	sink_clear(&sink);
	outbox_close(q, home);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_mime_init();
	lr_log_open("test-sender", TRUE);
	g_test_add_func("/sender/ok", test_send_ok);
	g_test_add_func("/sender/failures", test_send_failures);
	g_test_add_func("/sender/down", test_send_down);
	g_test_add_func("/sender/outbox", test_outbox_send);
	g_test_add_func("/sender/outbox-relay-down", test_outbox_relay_down);
	g_test_add_func("/sender/outbox-refusals", test_outbox_refusals);
	return g_test_run();
}
