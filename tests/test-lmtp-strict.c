/* test-lmtp-strict.c - the LMTP server's line ends and deadlines, against
 * raw clients over a unix socket: only CRLF "." CRLF ends a message (no
 * SMTP smuggling), a bare CR or LF in a command or message is refused, a
 * command that trickles in is cut off at the session timeout, and DATA
 * below the minimum data rate is cut off while a client at the rate is
 * served.  Also lmtp_session_replay, the socketless session the fuzzer uses. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "intake/lmtp.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "tests/lmtp-client.h"

typedef struct {
	GMutex lock;
	guint calls;
	GPtrArray *messages; /* GBytes * stored */
	LrLmtpServer *server;
	char *dir;
	char *path;
} Fixture;

/* A client that sends chunk every interval_ms, count times, in a thread. */
typedef struct {
	LmtpClient *client;
	char *chunk;
	guint interval_ms;
	guint count;
	gint stop;
	GThread *thread;
} Drip;

/* ------------------------------------------------------------------ */
/* The store, the server and the client. */

/* test_store - keep every message. */
static gboolean test_store(GBytes *message, const char *sender, const char *const *rcpts,
                           gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	Fixture *f = data;
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&f->lock);

	f->calls++;
	g_ptr_array_add(f->messages, g_bytes_ref(message));
	*lead_id = f->messages->len;
	return TRUE;
}

/* stored - how many messages were stored. */
static guint stored(Fixture *f)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&f->lock);

	return f->messages->len;
}

/* fixture_start - a server on a unix socket with the given deadlines. */
static void fixture_start(Fixture *f, guint timeout, guint min_rate)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *spec = NULL;
	const char *listen[2] = {NULL, NULL};
	LrLmtpConfig config = {0};

	g_mutex_init(&f->lock);
	f->messages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	f->dir = g_dir_make_tmp("test-lmtp-strict-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "lmtp", NULL);
	spec = g_strdup_printf("unix:%s", f->path);
	listen[0] = spec;
	config.listen = listen;
	config.hostname = "strict.test";
	config.session_timeout = timeout;
	config.min_data_rate = min_rate;
	config.store = test_store;
	config.store_data = f;
	f->server = lmtp_server_start(&config, &error);
	g_assert_no_error(error);
}

/* setup_default - a 30 s timeout and the default data rate. */
static void setup_default(Fixture *f, gconstpointer data)
{
	fixture_start(f, 30, 0);
}

/* setup_slow - a 2 s timeout and 1000 bytes per second in DATA. */
static void setup_slow(Fixture *f, gconstpointer data)
{
	fixture_start(f, 2, 1000);
}

/* fixture_teardown - stop the server and free everything. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	lmtp_server_stop(f->server);
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->path);
	g_ptr_array_unref(f->messages);
	g_mutex_clear(&f->lock);
}

/* client_open - connect and read the greeting. */
static LmtpClient *client_open(Fixture *f)
{
	LmtpClient *c = lmtp_client_unix(f->path);

	lmtp_client_expect_line(c, "220 strict.test ");
	return c;
}

/* client_send - write all of text; FALSE when the server is gone. */
static gboolean client_send(LmtpClient *c, const char *text)
{
	return lmtp_client_write(c, text, -1);
}

/* client_envelope - LHLO, MAIL, one RCPT and DATA, with their replies. */
static void client_envelope(LmtpClient *c)
{
	g_assert_true(client_send(c, "LHLO client.test\r\nMAIL FROM:<a@b.example>\r\n"
	                             "RCPT TO:<leads@x.example>\r\nDATA\r\n"));
	for (guint i = 0; i < 6; i++)
		lmtp_client_expect_line(c, "250");
	lmtp_client_expect_line(c, "250 2.1.0");
	lmtp_client_expect_line(c, "250 2.1.5");
	lmtp_client_expect_line(c, "354 ");
}

/* drip_run - the dripping client's thread. */
static gpointer drip_run(gpointer data)
{
	Drip *d = data;

	for (guint i = 0; i < d->count && !g_atomic_int_get(&d->stop); i++) {
		if (!client_send(d->client, d->chunk))
			break;
		g_usleep(d->interval_ms * 1000);
	}
	return NULL;
}

/* drip_start - send chunk every interval_ms, count times, from a thread. */
static Drip *drip_start(LmtpClient *c, const char *chunk, guint interval_ms, guint count)
{
	Drip *d = g_new0(Drip, 1);

	d->client = c;
	d->chunk = g_strdup(chunk);
	d->interval_ms = interval_ms;
	d->count = count;
	d->thread = g_thread_new("drip", drip_run, d);
	return d;
}

/* drip_stop - stop the thread and free it. */
static void drip_stop(Drip *d)
{
	g_atomic_int_set(&d->stop, 1);
	g_thread_join(d->thread);
	g_free(d->chunk);
	g_free(d);
}

/* ------------------------------------------------------------------ */
/* Line ends. */

/* run_smuggle - a message with a "." line after bare line ends, then a
 * smuggled transaction, then the real end: one 554 5.6.0, the smuggled
 * commands are message text (never run), nothing is stored. */
static void run_smuggle(Fixture *f, const char *eol)
{
	LmtpClient *c = client_open(f);
	g_autofree char *msg = g_strdup_printf(
	    "From: <a@b.example>\r\nSubject: smuggle\r\n\r\nline%s.%sMAIL FROM:<evil@x.example>\r\n"
	    "RCPT TO:<leads@x.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n",
	    eol, eol);

	client_envelope(c);
	g_assert_true(client_send(c, msg));
	g_assert_true(client_send(c, "NOOP\r\n"));
	lmtp_client_expect_line(c, "554 5.6.0 <leads@x.example> Message refused: bare <CR> or <LF>");
	lmtp_client_expect_line(c, "250 2.0.0 Ok");
	g_assert_true(client_send(c, "QUIT\r\n"));
	lmtp_client_expect_line(c, "221 ");
	lmtp_client_close(c);
	g_assert_cmpuint(f->calls, ==, 0);
}

/* test_smuggle_lf - "\n.\n" does not end DATA. */
static void test_smuggle_lf(Fixture *f, gconstpointer data)
{
	run_smuggle(f, "\n");
}

/* test_smuggle_cr - "\r.\r" does not end DATA. */
static void test_smuggle_cr(Fixture *f, gconstpointer data)
{
	run_smuggle(f, "\r");
}

/* test_smuggle_mixed - "\n.\r\n" and "\r\n.\n" do not end DATA either. */
static void test_smuggle_mixed(Fixture *f, gconstpointer data)
{
	run_smuggle(f, "\n.\r\n");
	run_smuggle(f, "\r\n.\n");
}

/* test_bare_command - a command with a bare LF or CR is refused whole: the
 * text after it is not run as a second command. */
static void test_bare_command(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f);

	g_assert_true(client_send(c, "LHLO client.test\r\n"));
	for (guint i = 0; i < 6; i++)
		lmtp_client_expect_line(c, "250");
	g_assert_true(client_send(c, "NOOP\nMAIL FROM:<evil@x.example>\r\n"));
	lmtp_client_expect_line(c, "500 5.5.2 Error: bare <CR> or <LF> in command");
	g_assert_true(client_send(c, "RSET\rMAIL FROM:<evil@x.example>\r\n"));
	lmtp_client_expect_line(c, "500 5.5.2 Error: bare <CR> or <LF> in command");
	/* No transaction was opened by either. */
	g_assert_true(client_send(c, "RCPT TO:<leads@x.example>\r\nQUIT\r\n"));
	lmtp_client_expect_line(c, "503 5.5.1 Error: need MAIL command");
	lmtp_client_expect_line(c, "221 ");
	lmtp_client_close(c);
}

/* test_split_end - CRLF "." CRLF split over writes (a CR last in one) still
 * ends the message, and CRLF pairs split so are not bare. */
static void test_split_end(Fixture *f, gconstpointer data)
{
	const char *parts[] = {"From: <a@b.example>\r", "\nSubject: split\r\n\r\nbody\r", "\n.",
	                       "\r", "\n"};
	const char *expect = "From: <a@b.example>\r\nSubject: split\r\n\r\nbody\r\n";
	LmtpClient *c = client_open(f);

	client_envelope(c);
	for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
		g_assert_true(client_send(c, parts[i]));
		g_usleep(100 * 1000);
	}
	lmtp_client_expect_line(c, "250 2.0.0 <leads@x.example> stored as lead 1");
	lmtp_client_close(c);
	g_assert_cmpuint(stored(f), ==, 1);
	g_assert_cmpmem(g_bytes_get_data(f->messages->pdata[0], NULL),
	                g_bytes_get_size(f->messages->pdata[0]), expect, strlen(expect));
}

/* replay_store - count the replayed session's messages. */
static gboolean replay_store(GBytes *message, const char *sender, const char *const *rcpts,
                             gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	(*(guint *)data)++;
	return TRUE;
}

/* test_replay - lmtp_session_replay answers as a socket session would. */
static void test_replay(void)
{
	const char *in =
	    "LHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
	    "Subject: x\r\n\r\nline\n.\nMAIL FROM:<x@y>\r\n.\r\n"
	    "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: y\r\n\r\n..ok\r\n.\r\n"
	    "QUIT\r\n";
	guint stores = 0;
	LrLmtpConfig config = {0};
	g_autofree char *out = NULL;

	config.hostname = "replay.test";
	config.store = replay_store;
	config.store_data = &stores;
	out = lmtp_session_replay(&config, (const guint8 *)in, strlen(in));
	g_assert_true(g_str_has_prefix(out, "220 replay.test "));
	g_assert_nonnull(
	    strstr(out, "\r\n354 End data with <CR><LF>.<CR><LF>\r\n554 5.6.0 <c@d> "));
	g_assert_nonnull(strstr(out, "\r\n250 2.0.0 <c@d> "));
	g_assert_true(g_str_has_suffix(out, "\r\n221 2.0.0 Bye\r\n"));
	g_assert_cmpuint(stores, ==, 1);
}

/* test_replay_empty - no input at all: the greeting, then the end (the
 * fuzzer's first input once passed NULL to memcpy). */
static void test_replay_empty(void)
{
	LrLmtpConfig config = {0};
	g_autofree char *out = NULL;

	config.hostname = "replay.test";
	config.store = replay_store;
	out = lmtp_session_replay(&config, NULL, 0);
	g_assert_cmpstr(out, ==, "220 replay.test LMTP leadroute ready\r\n");
}

/* ------------------------------------------------------------------ */
/* Deadlines (session_timeout 2 s, min_data_rate 1000 bytes/s). */

/* expect_cut - the server says 421 4.4.2 and closes, within [lo, hi) s of
 * start. */
static void expect_cut(LmtpClient *c, gint64 start, double lo, double hi)
{
	g_autofree char *line = lmtp_client_line(c);
	g_autofree char *after = lmtp_client_line(c);
	double took = (g_get_monotonic_time() - start) / (double)G_TIME_SPAN_SECOND;

	g_assert_nonnull(line);
	g_assert_true(g_str_has_prefix(line, "421 4.4.2 "));
	g_assert_null(after);
	if (took < lo || took >= hi)
		g_error("cut off after %.1f s, want %.1f to %.1f s", took, lo, hi);
}

/* test_slow_command - a command line sent a byte every 0.7 s (every read
 * well within the 2 s timeout) is cut off at about 2 s, while a normal
 * client at the same time is served. */
static void test_slow_command(Fixture *f, gconstpointer data)
{
	LmtpClient *slow = client_open(f);
	LmtpClient *fast = NULL;
	gint64 start = g_get_monotonic_time();
	Drip *drip = drip_start(slow, "x", 700, 30);

	fast = client_open(f);
	client_envelope(fast);
	g_assert_true(client_send(fast, "Subject: served\r\n\r\nok\r\n.\r\nQUIT\r\n"));
	lmtp_client_expect_line(fast, "250 2.0.0");
	lmtp_client_expect_line(fast, "221 ");
	lmtp_client_close(fast);
	expect_cut(slow, start, 1.5, 4.5);
	drip_stop(drip);
	lmtp_client_close(slow);
	g_assert_cmpuint(stored(f), ==, 1);
}

/* test_slow_data - DATA at 200 bytes/s (below 1000) is cut off at about
 * 2 s plus a second per 1000 bytes sent; nothing is stored. */
static void test_slow_data(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f);
	g_autofree char *chunk = g_strnfill(99, 'y');
	gint64 start;
	Drip *drip;

	client_envelope(c);
	g_assert_true(client_send(c, "Subject: slow\r\n\r\n"));
	start = g_get_monotonic_time();
	drip = drip_start(c, chunk, 500, 40);
	expect_cut(c, start, 1.5, 5.5);
	drip_stop(drip);
	lmtp_client_close(c);
	g_assert_cmpuint(f->calls, ==, 0);
}

/* test_steady_data - DATA at 8000 bytes/s for 5 s (longer than the 2 s
 * timeout, above the rate) is served. */
static void test_steady_data(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f);
	g_autofree char *line = g_strnfill(998, 'z');
	g_autofree char *chunk =
	    g_strdup_printf("%s\r\n%s\r\n%s\r\n%s\r\n", line, line, line, line);

	client_envelope(c);
	g_assert_true(client_send(c, "Subject: steady\r\n\r\n"));
	for (guint i = 0; i < 10; i++) {
		g_assert_true(client_send(c, chunk));
		g_usleep(500 * 1000);
	}
	g_assert_true(client_send(c, ".\r\n"));
	lmtp_client_expect_line(c, "250 2.0.0");
	lmtp_client_close(c);
	g_assert_cmpuint(stored(f), ==, 1);
	g_assert_cmpuint(g_bytes_get_size(f->messages->pdata[0]), ==,
	                 strlen("Subject: steady\r\n\r\n") + 10 * strlen(chunk));
}

#define ADD(name, setup, func) g_test_add(name, Fixture, NULL, setup, func, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	lr_log_open("test-lmtp-strict", TRUE);
	ADD("/lmtp-strict/smuggle-lf", setup_default, test_smuggle_lf);
	ADD("/lmtp-strict/smuggle-cr", setup_default, test_smuggle_cr);
	ADD("/lmtp-strict/smuggle-mixed", setup_default, test_smuggle_mixed);
	ADD("/lmtp-strict/bare-command", setup_default, test_bare_command);
	ADD("/lmtp-strict/split-end", setup_default, test_split_end);
	g_test_add_func("/lmtp-strict/replay", test_replay);
	g_test_add_func("/lmtp-strict/replay-empty", test_replay_empty);
	ADD("/lmtp-strict/slow-command", setup_slow, test_slow_command);
	ADD("/lmtp-strict/slow-data", setup_slow, test_slow_data);
	ADD("/lmtp-strict/steady-data", setup_slow, test_steady_data);
	return g_test_run();
}
