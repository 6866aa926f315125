/* test-lmtp.c - the LMTP server against a real client over loopback.
 *
 * Each test starts a server on a unix socket and on 127.0.0.1 with an
 * in-memory store (counts per duplicate key, can be told to fail) and talks
 * to it with raw GSocketClient conversations. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "intake/lmtp.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "tests/free-port.h"
#include "tests/lmtp-client.h"

typedef enum { STORE_OK, STORE_TEMP, STORE_PERM } StoreMode;

typedef struct {
	GMutex lock;
	GHashTable *counts; /* duplicate key -> stores */
	guint stored;
	guint calls;
	StoreMode mode;
	GBytes *last;
	char *last_sender;
	char **last_rcpts;
} TestStore;

typedef struct {
	TestStore store;
	LrLmtpServer *server;
	char *dir;
	char *unix_path;
	guint16 port;
} Fixture;

/* ------------------------------------------------------------------ */
/* The store and the server. */

/* test_store - the store callback: refuse non-mail, count by key. */
static gboolean test_store(GBytes *message, const char *sender, const char *const *rcpts,
                           gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	TestStore *st = data;
	gsize len;
	const char *raw = g_bytes_get_data(message, &len);
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->lock);

	st->calls++;
	g_clear_pointer(&st->last, g_bytes_unref);
	st->last = g_bytes_ref(message);
	g_free(st->last_sender);
	st->last_sender = g_strdup(sender);
	g_strfreev(st->last_rcpts);
	st->last_rcpts = g_strdupv((char **)rcpts);
	if (st->mode == STORE_TEMP) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "store busy");
		return FALSE;
	}
	if (st->mode == STORE_PERM || !rawmsg_check(raw, len, error)) {
		if (error && *error == NULL)
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "not mail");
		return FALSE;
	}
	{
		char *key = rawmsg_key(raw, len);
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(st->counts, key));
		g_hash_table_replace(st->counts, key, GUINT_TO_POINTER(n + 1));
		*duplicate = n > 0;
	}
	st->stored++;
	*lead_id = st->stored;
	return TRUE;
}

/* store_count - how many messages were stored. */
static guint store_count(Fixture *f)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&f->store.lock);

	return f->store.stored;
}

/* fixture_start - a server with the given limits on a unix socket and TCP. */
static void fixture_start(Fixture *f, gsize max_size, guint timeout, guint max_sessions)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *unix_spec = NULL;
	g_autofree char *inet_spec = NULL;
	const char *listen[3];
	LrLmtpConfig config = {.listen = listen,
	                       .hostname = "lmtp.test",
	                       .max_message_size = max_size,
	                       .session_timeout = timeout,
	                       .max_sessions = max_sessions,
	                       .store = test_store,
	                       .store_data = &f->store};

	g_mutex_init(&f->store.lock);
	f->store.counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->dir = g_dir_make_tmp("test-lmtp-XXXXXX", &error);
	g_assert_no_error(error);
	f->unix_path = g_build_filename(f->dir, "lmtp", NULL);
	f->port = test_free_port();
	unix_spec = g_strdup_printf("unix:%s", f->unix_path);
	inet_spec = g_strdup_printf("inet:127.0.0.1:%u", f->port);
	listen[0] = unix_spec;
	listen[1] = inet_spec;
	listen[2] = NULL;
	f->server = lmtp_server_start(&config, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->server);
}

/* fixture_setup - the default server: 1 MiB + 64 KiB, 30 s, 100 sessions. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	fixture_start(f, 1024 * 1024 + 64 * 1024, 30, 100);
}

/* fixture_teardown - stop the server, check the socket file went. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	lmtp_server_stop(f->server);
	g_assert_false(g_file_test(f->unix_path, G_FILE_TEST_EXISTS));
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->unix_path);
	g_hash_table_unref(f->store.counts);
	g_clear_pointer(&f->store.last, g_bytes_unref);
	g_free(f->store.last_sender);
	g_strfreev(f->store.last_rcpts);
	g_mutex_clear(&f->store.lock);
}

/* ------------------------------------------------------------------ */
/* The client. */

/* client_open - connect over the unix socket or TCP (the greeting is read
 * by the test). */
static LmtpClient *client_open(Fixture *f, gboolean inet)
{
	return inet ? lmtp_client_inet(f->port) : lmtp_client_unix(f->unix_path);
}

/* client_send - write all of len bytes of text (-1: a string). */
static void client_send(LmtpClient *c, const char *text, gssize len)
{
	g_assert_true(lmtp_client_write(c, text, len));
}

/* client_expect_eof - the server closed the connection. */
static void client_expect_eof(LmtpClient *c)
{
	g_autofree char *reply = lmtp_client_reply(c);

	g_assert_null(reply);
}

/* client_hello - LHLO (greeting and LHLO reply read). */
static void client_hello(LmtpClient *c)
{
	lmtp_client_expect(c, "220 lmtp.test ");
	client_send(c, "LHLO client.test\r\n", -1);
	lmtp_client_expect(c, "250-lmtp.test");
}

/* wait_sessions - wait up to 5 s for the open session count to be n. */
static void wait_sessions(Fixture *f, guint n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;

	while (lmtp_server_sessions(f->server) != n && g_get_monotonic_time() < end)
		g_usleep(10 * 1000);
	g_assert_cmpuint(lmtp_server_sessions(f->server), ==, n);
}

/* message_new - a small mail with Message-ID <id@test>. */
static char *message_new(const char *id, const char *body)
{
	return g_strdup_printf("From: <a@b.example>\r\nTo: <leads@x.example>\r\n"
	                       "Subject: test %s\r\nMessage-ID: <%s@test>\r\n\r\n%s",
	                       id, id, body);
}

/* envelope - send MAIL, n RCPTs and DATA pipelined; expect their replies. */
static void envelope(LmtpClient *c, guint nrcpt)
{
	g_autoptr(GString) cmds = g_string_new("MAIL FROM:<a@b.example>\r\n");

	for (guint i = 0; i < nrcpt; i++)
		g_string_append_printf(cmds, "RCPT TO:<leads+%u@x.example>\r\n", i);
	g_string_append(cmds, "DATA\r\n");
	client_send(c, cmds->str, cmds->len);
	lmtp_client_expect(c, "250 2.1.0");
	for (guint i = 0; i < nrcpt; i++)
		lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "354 ");
}

/* ------------------------------------------------------------------ */
/* Tests. */

/* run_dialogue - the whole dialogue pipelined in two writes. */
static void run_dialogue(Fixture *f, gboolean inet)
{
	LmtpClient *c = client_open(f, inet);
	g_autofree char *lhlo = NULL;
	const char *msg = "From: <a@b.example>\r\nMessage-ID: <dlg@test>\r\nSubject: hi\r\n\r\n"
	                  "..a stuffed dot\r\nline\r\n.\r\n";
	const char *expect = "From: <a@b.example>\r\nMessage-ID: <dlg@test>\r\nSubject: hi\r\n\r\n"
	                     ".a stuffed dot\r\nline\r\n";

	lmtp_client_expect(c, "220 lmtp.test ");
	client_send(c,
	            "LHLO client.test\r\nMAIL FROM:<a@b.example> SIZE=120 BODY=8BITMIME\r\n"
	            "RCPT TO:<leads@x.example>\r\nDATA\r\n",
	            -1);
	lhlo = lmtp_client_reply(c);
	g_assert_nonnull(strstr(lhlo, "250-PIPELINING\n"));
	g_assert_nonnull(strstr(lhlo, "250-ENHANCEDSTATUSCODES\n"));
	g_assert_nonnull(strstr(lhlo, "250-SIZE 1114112\n"));
	lmtp_client_expect(c, "250 2.1.0");
	lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "354 ");
	client_send(c, msg, -1);
	client_send(c, "QUIT\r\n", -1);
	lmtp_client_expect(c, "250 2.0.0 <leads@x.example> stored as lead 1");
	lmtp_client_expect(c, "221 2.0.0");
	client_expect_eof(c);
	lmtp_client_close(c);
	g_assert_cmpuint(store_count(f), ==, 1);
	g_assert_cmpmem(g_bytes_get_data(f->store.last, NULL), g_bytes_get_size(f->store.last),
	                expect, strlen(expect));
	g_assert_cmpstr(f->store.last_sender, ==, "a@b.example");
	g_assert_cmpstr(f->store.last_rcpts[0], ==, "leads@x.example");
	g_assert_null(f->store.last_rcpts[1]);
	wait_sessions(f, 0);
}

/* test_dialogue_unix - the dialogue over the unix socket. */
static void test_dialogue_unix(Fixture *f, gconstpointer data)
{
	run_dialogue(f, FALSE);
}

/* test_dialogue_inet - the dialogue over TCP. */
static void test_dialogue_inet(Fixture *f, gconstpointer data)
{
	run_dialogue(f, TRUE);
}

/* test_multi_rcpt - one reply per accepted recipient after DATA. */
static void test_multi_rcpt(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, FALSE);
	g_autofree char *msg = message_new("multi", "hello\r\n.\r\n");

	client_hello(c);
	client_send(c,
	            "MAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<bad address>\r\n"
	            "RCPT TO:<Postmaster>\r\nRCPT TO:<c@x> NOTIFY=NEVER\r\nRCPT TO:<d@x>\r\n"
	            "DATA\r\n",
	            -1);
	lmtp_client_expect(c, "250 2.1.0");
	lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "555 5.5.4");
	lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "354 ");
	client_send(c, msg, -1);
	lmtp_client_expect(c, "250 2.0.0 <a@x> stored as lead 1");
	lmtp_client_expect(c, "250 2.0.0 <Postmaster> stored as lead 1");
	lmtp_client_expect(c, "250 2.0.0 <d@x> stored as lead 1");
	client_send(c, "NOOP\r\n", -1);
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_close(c);
	g_assert_cmpstr(f->store.last_sender, ==, "");
	g_assert_cmpuint(g_strv_length(f->store.last_rcpts), ==, 3);
	g_assert_cmpuint(store_count(f), ==, 1);
}

/* test_rset - RSET drops the transaction; a new one can start. */
static void test_rset(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, TRUE);

	client_hello(c);
	client_send(c,
	            "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\nDATA\r\nRCPT TO:<c@d>\r\n"
	            "MAIL FROM:<e@f>\r\nMAIL FROM:<e@f>\r\nRSET x\r\nQUIT\r\n",
	            -1);
	lmtp_client_expect(c, "250 2.1.0");
	lmtp_client_expect(c, "250 2.1.5");
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_expect(c, "503 5.5.1");
	lmtp_client_expect(c, "503 5.5.1");
	lmtp_client_expect(c, "250 2.1.0");
	lmtp_client_expect(c, "503 5.5.1");
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "221 ");
	lmtp_client_close(c);
	g_assert_cmpuint(f->store.calls, ==, 0);
}

/* test_commands - LMTP only, sequence, syntax, unknown, long lines. */
static void test_commands(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, FALSE);
	g_autofree char *longline = g_strnfill(1200, 'x');

	lmtp_client_expect(c, "220 ");
	client_send(c, "HELO x\r\nEHLO x\r\nMAIL FROM:<a@b>\r\nLHLO\r\nLHLO c\r\n", -1);
	lmtp_client_expect(c, "500 5.5.1");
	lmtp_client_expect(c, "500 5.5.1");
	lmtp_client_expect(c, "503 5.5.1");
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "250-");
	client_send(c,
	            "MAIL FROM:a@b\r\nMAIL TO:<a@b>\r\nMAIL FROM:<a@b> FOO=1\r\n"
	            "MAIL FROM:<a@b> SIZE=x\r\nFROB\r\n\r\nVRFY a@b\r\nnoop\r\n",
	            -1);
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "555 5.5.4");
	lmtp_client_expect(c, "501 5.5.4");
	lmtp_client_expect(c, "500 5.5.2");
	lmtp_client_expect(c, "500 5.5.2");
	lmtp_client_expect(c, "252 2.5.2");
	lmtp_client_expect(c, "250 2.0.0");
	client_send(c, longline, -1);
	client_send(c, "\r\nNOOP\r\nNO\0OP\r\n", 15);
	lmtp_client_expect(c, "500 5.5.2 Error: line too long");
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_expect(c, "500 5.5.2");
	lmtp_client_close(c);
}

/* test_size - over the limit at MAIL SIZE= and at the end of DATA. */
static void test_size(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, TRUE);
	g_autofree char *big = g_strnfill(1200 * 1024, 'y');
	g_autofree char *msg = message_new("big", "");

	client_hello(c);
	client_send(c, "MAIL FROM:<a@b> SIZE=2000000\r\n", -1);
	lmtp_client_expect(c, "552 5.3.4");
	envelope(c, 2);
	client_send(c, msg, -1);
	client_send(c, big, -1);
	client_send(c, "\r\n.\r\nNOOP\r\n", -1);
	lmtp_client_expect(c, "552 5.3.4 <leads+0@x.example>");
	lmtp_client_expect(c, "552 5.3.4 <leads+1@x.example>");
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_close(c);
	g_assert_cmpuint(f->store.calls, ==, 0);
}

/* test_many_headers - 10,000 header lines in one message. */
static void test_many_headers(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, FALSE);
	g_autoptr(GString) msg = g_string_new("Message-ID: <headers@test>\r\n");
	gsize expect;

	for (guint i = 0; i < 10000; i++)
		g_string_append_printf(msg, "X-Header-%u: value %u\r\n", i, i);
	g_string_append(msg, "\r\nbody\r\n");
	expect = msg->len;
	g_string_append(msg, ".\r\n");
	client_hello(c);
	envelope(c, 1);
	client_send(c, msg->str, msg->len);
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_close(c);
	g_assert_cmpuint(g_bytes_get_size(f->store.last), ==, expect);
	g_assert_cmpuint(store_count(f), ==, 1);
}

/* test_long_line - a 1 MB line in the body is kept whole. */
static void test_long_line(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, TRUE);
	g_autofree char *line = g_strnfill(1024 * 1024, 'z');
	g_autofree char *msg = message_new("longline", "");
	gsize len;
	const char *got;

	line[0] = '.'; /* stuffed below, unstuffed by the server */
	client_hello(c);
	envelope(c, 1);
	client_send(c, msg, -1);
	client_send(c, ".", -1);
	client_send(c, line, -1);
	client_send(c, "\r\n.\r\n", -1);
	lmtp_client_expect(c, "250 2.0.0");
	lmtp_client_close(c);
	got = g_bytes_get_data(f->store.last, &len);
	g_assert_cmpuint(len, ==, strlen(msg) + strlen(line) + 2);
	g_assert_cmpmem(got + strlen(msg), strlen(line), line, strlen(line));
}

/* test_empty_body - headers without body are stored; nothing at all is not. */
static void test_empty_body(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, FALSE);

	client_hello(c);
	envelope(c, 1);
	client_send(c, "Message-ID: <empty@test>\r\n\r\n.\r\n", -1);
	lmtp_client_expect(c, "250 2.0.0");
	envelope(c, 1);
	client_send(c, ".\r\n", -1);
	lmtp_client_expect(c, "554 5.6.0");
	lmtp_client_close(c);
	g_assert_cmpuint(store_count(f), ==, 1);
	g_assert_cmpuint(f->store.calls, ==, 2);
	g_assert_cmpuint(g_bytes_get_size(f->store.last), ==, 0);
}

/* junk_new - len pseudo-random bytes, NULs and CR/LF among them. */
static guint8 *junk_new(gsize len, guint32 seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	guint8 *junk = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		junk[i] = g_rand_int_range(rand, 0, 256);
	return junk;
}

/* junk_crlf - make every LF of junk part of a CRLF pair and drop the CRs
 * that are not (only CRLF ends a line for the server). */
static void junk_crlf(guint8 *junk, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (junk[i] == '\n' && (i == 0 || junk[i - 1] == '\n'))
			junk[i] = 'x';
		else if (junk[i] == '\n')
			junk[i - 1] = '\r';
	for (gsize i = 0; i < len; i++)
		if (junk[i] == '\r' && (i + 1 == len || junk[i + 1] != '\n'))
			junk[i] = 'x';
}

/* test_junk - binary junk as commands and as a message. */
static void test_junk(Fixture *f, gconstpointer data)
{
	g_autofree guint8 *junk = junk_new(256 * 1024, 42);
	g_autofree guint8 *lines = g_memdup2(junk, 64 * 1024);
	LmtpClient *c = client_open(f, TRUE);
	g_autofree char *reply = NULL;

	lmtp_client_expect(c, "220 ");
	junk_crlf(lines, 64 * 1024);
	g_output_stream_write_all(c->out, lines, 64 * 1024, NULL, NULL, NULL);
	while ((reply = lmtp_client_reply(c)) != NULL && !g_str_has_prefix(reply, "421 ")) {
		g_assert_true(reply[0] == '5');
		g_clear_pointer(&reply, g_free);
	}
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "421 4.7.0"));
	lmtp_client_close(c);

	/* Junk with bare CRs and LFs: the server refuses it itself. */
	c = client_open(f, FALSE);
	client_hello(c);
	envelope(c, 1);
	client_send(c, (const char *)junk, 256 * 1024);
	client_send(c, "\r\n.\r\n", -1);
	lmtp_client_expect(c, "554 5.6.0");
	g_assert_cmpuint(f->store.calls, ==, 0);
	/* Junk in CRLF lines reaches the store, which finds it is not mail. */
	junk_crlf(junk, 256 * 1024);
	envelope(c, 1);
	for (gsize i = 0; i + 1 < 256 * 1024; i++)
		if (junk[i] == '\n' && junk[i + 1] == '.')
			junk[i + 1] = 'x';
	junk[0] = 0;
	client_send(c, (const char *)junk, 256 * 1024);
	client_send(c, "\r\n.\r\n", -1);
	lmtp_client_expect(c, "554 5.6.0");
	lmtp_client_close(c);
	g_assert_cmpuint(store_count(f), ==, 0);
	g_assert_cmpuint(g_bytes_get_size(f->store.last), ==, 256 * 1024 + 2);
	wait_sessions(f, 0);
}

/* test_abort_in_data - a client gone mid-DATA stores nothing. */
static void test_abort_in_data(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, TRUE);
	g_autofree char *msg = message_new("abort", "half a line");

	client_hello(c);
	envelope(c, 1);
	client_send(c, msg, -1);
	wait_sessions(f, 1);
	lmtp_client_close(c);
	wait_sessions(f, 0);
	g_assert_cmpuint(f->store.calls, ==, 0);
}

/* test_idle_timeout - a silent client is told 421 4.4.2 and dropped. */
static void test_idle_timeout(Fixture *f, gconstpointer data)
{
	LmtpClient *c = client_open(f, FALSE);
	LmtpClient *d = client_open(f, TRUE);
	g_autofree char *msg = message_new("slow", "");
	gint64 start = g_get_monotonic_time();

	lmtp_client_expect(c, "220 ");
	client_hello(d);
	envelope(d, 1);
	client_send(d, msg, -1);
	wait_sessions(f, 2);
	lmtp_client_expect(c, "421 4.4.2");
	client_expect_eof(c);
	lmtp_client_expect(d, "421 4.4.2");
	client_expect_eof(d);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 4 * G_TIME_SPAN_SECOND);
	wait_sessions(f, 0);
	lmtp_client_close(c);
	lmtp_client_close(d);
	g_assert_cmpuint(f->store.calls, ==, 0);
}

/* run_store_failure - the store refuses in mode: every recipient gets code. */
static void run_store_failure(Fixture *f, StoreMode mode, const char *code)
{
	LmtpClient *c = client_open(f, FALSE);
	g_autofree char *msg = message_new("fail", "body\r\n.\r\n");

	f->store.mode = mode;
	client_hello(c);
	envelope(c, 2);
	client_send(c, msg, -1);
	lmtp_client_expect(c, code);
	lmtp_client_expect(c, code);
	client_send(c, "QUIT\r\n", -1);
	lmtp_client_expect(c, "221 ");
	lmtp_client_close(c);
	g_assert_cmpuint(f->store.calls, ==, 1);
	g_assert_cmpuint(store_count(f), ==, 0);
}

/* test_store_temp - LR_ERROR_TEMP -> 451 4.3.0. */
static void test_store_temp(Fixture *f, gconstpointer data)
{
	run_store_failure(f, STORE_TEMP, "451 4.3.0");
}

/* test_store_perm - LR_ERROR_PERM -> 554 5.6.0. */
static void test_store_perm(Fixture *f, gconstpointer data)
{
	run_store_failure(f, STORE_PERM, "554 5.6.0");
}

/* test_concurrent - 80 sessions open at once, each delivers one message. */
static void test_concurrent(Fixture *f, gconstpointer data)
{
	LmtpClient *clients[80];

	for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
		clients[i] = client_open(f, i % 2);
		client_hello(clients[i]);
	}
	g_assert_cmpuint(lmtp_server_sessions(f->server), ==, G_N_ELEMENTS(clients));
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
		g_autofree char *id = g_strdup_printf("conc%u", i);
		g_autofree char *msg = message_new(id, ".\r\n");
		envelope(clients[i], 1);
		client_send(clients[i], msg, -1);
	}
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
		lmtp_client_expect(clients[i], "250 2.0.0");
		lmtp_client_close(clients[i]);
	}
	g_assert_cmpuint(store_count(f), ==, G_N_ELEMENTS(clients));
	g_assert_cmpuint(g_hash_table_size(f->store.counts), ==, G_N_ELEMENTS(clients));
	wait_sessions(f, 0);
}

/* setup_small - a server for 2 sessions with a 1 s timeout. */
static void setup_small(Fixture *f, gconstpointer data)
{
	fixture_start(f, 64 * 1024, 1, 2);
}

/* test_max_sessions - the session over the limit gets 421 4.3.2. */
static void test_max_sessions(Fixture *f, gconstpointer data)
{
	LmtpClient *a = client_open(f, FALSE);
	LmtpClient *b = client_open(f, TRUE);
	LmtpClient *c;

	lmtp_client_expect(a, "220 ");
	lmtp_client_expect(b, "220 ");
	c = client_open(f, FALSE);
	lmtp_client_expect(c, "421 4.3.2");
	client_expect_eof(c);
	lmtp_client_close(c);
	lmtp_client_close(a);
	lmtp_client_close(b);
	wait_sessions(f, 0);
	c = client_open(f, TRUE);
	client_hello(c);
	lmtp_client_close(c);
}

/* stop_thread - stop the server from another thread. */
static gpointer stop_thread(gpointer data)
{
	Fixture *f = data;

	lmtp_server_stop(f->server);
	return NULL;
}

/* test_stop - stop lets the transaction in hand finish, drops idle ones. */
static void test_stop(Fixture *f, gconstpointer data)
{
	LmtpClient *busy = client_open(f, TRUE);
	LmtpClient *idle = client_open(f, FALSE);
	g_autofree char *msg = message_new("stop", "first half\r\n");
	GThread *stopper;

	client_hello(busy);
	client_hello(idle);
	envelope(busy, 1);
	client_send(busy, msg, -1);
	wait_sessions(f, 2);
	stopper = g_thread_new("stopper", stop_thread, f);
	lmtp_client_expect(idle, "421 4.3.2");
	client_expect_eof(idle);
	client_send(busy, "second half\r\n.\r\n", -1);
	lmtp_client_expect(busy, "250 2.0.0");
	lmtp_client_expect(busy, "421 4.3.2");
	client_expect_eof(busy);
	g_thread_join(stopper);
	f->server = NULL;
	lmtp_client_close(busy);
	lmtp_client_close(idle);
	g_assert_cmpuint(store_count(f), ==, 1);
	g_assert_nonnull(g_strstr_len(g_bytes_get_data(f->store.last, NULL),
	                              g_bytes_get_size(f->store.last), "second half\r\n"));
}

/* test_bind_errors - bad strings, unbindable and taken addresses. */
static void test_bind_errors(Fixture *f, gconstpointer data)
{
	g_autofree char *taken_unix = g_strdup_printf("unix:%s", f->unix_path);
	g_autofree char *taken_inet = g_strdup_printf("inet:127.0.0.1:%u", f->port);
	struct {
		const char *listen;
		int code;
	} cases[] = {
	    {"tcp:1.2.3.4:25", LR_ERROR_CONFIG},
	    {"inet:127.0.0.1", LR_ERROR_CONFIG},
	    {"inet:127.0.0.1:99999", LR_ERROR_CONFIG},
	    {"unix:/nonexistent/dir/sock", LR_ERROR_TEMP},
	    {taken_unix, LR_ERROR_TEMP},
	    {taken_inet, LR_ERROR_TEMP},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		const char *listen[] = {cases[i].listen, NULL};
		LrLmtpConfig config = {
		    .listen = listen, .store = test_store, .store_data = &f->store};
		LrLmtpServer *server = lmtp_server_start(&config, &error);

		g_assert_null(server);
		g_assert_error(error, LR_ERROR, cases[i].code);
	}
	/* The first server still answers on both addresses. */
	lmtp_client_close(client_open(f, FALSE));
	lmtp_client_close(client_open(f, TRUE));
}

/* test_ipv6 - "inet:[::1]:PORT" when the machine has IPv6 loopback. */
static void test_ipv6(void)
{
	g_autoptr(GError) error = NULL;
	guint16 port = test_free_port();
	g_autofree char *spec = g_strdup_printf("inet:[::1]:%u", port);
	const char *listen[] = {spec, NULL};
	LrLmtpConfig config = {
	    .listen = listen, .hostname = "v6.test", .session_timeout = 5, .store = test_store};
	LrLmtpServer *server = lmtp_server_start(&config, &error);
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autofree char *greeting = NULL;

	if (server == NULL) {
		g_test_skip(error->message);
		return;
	}
	conn = g_socket_client_connect_to_host(sc, "[::1]", port, NULL, &error);
	g_assert_no_error(error);
	in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	greeting = g_data_input_stream_read_line(in, NULL, NULL, NULL);
	g_assert_true(g_str_has_prefix(greeting, "220 v6.test "));
	g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
	lmtp_server_stop(server);
}

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	lr_log_open("test-lmtp", TRUE);
	ADD("/lmtp/dialogue-unix", test_dialogue_unix);
	ADD("/lmtp/dialogue-inet", test_dialogue_inet);
	ADD("/lmtp/multi-rcpt", test_multi_rcpt);
	ADD("/lmtp/rset", test_rset);
	ADD("/lmtp/commands", test_commands);
	ADD("/lmtp/size", test_size);
	ADD("/lmtp/many-headers", test_many_headers);
	ADD("/lmtp/long-line", test_long_line);
	ADD("/lmtp/empty-body", test_empty_body);
	ADD("/lmtp/junk", test_junk);
	ADD("/lmtp/abort-in-data", test_abort_in_data);
	ADD("/lmtp/store-temp", test_store_temp);
	ADD("/lmtp/store-perm", test_store_perm);
	ADD("/lmtp/concurrent", test_concurrent);
	ADD("/lmtp/stop", test_stop);
	ADD("/lmtp/bind-errors", test_bind_errors);
	g_test_add("/lmtp/idle-timeout", Fixture, NULL, setup_small, test_idle_timeout,
	           fixture_teardown);
	g_test_add("/lmtp/max-sessions", Fixture, NULL, setup_small, test_max_sessions,
	           fixture_teardown);
	g_test_add_func("/lmtp/ipv6", test_ipv6);
	return g_test_run();
}
