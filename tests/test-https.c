/* test-https.c - mailer_https_post against a real HTTPS server on
 * 127.0.0.1 (tests/lib/https-sink.py, Python's http.server with ssl) and a
 * certificate this test makes with openssl: 2xx is done and the server
 * got the exact body and the signature header; 4xx and 3xx are
 * permanent; 5xx, a refused connection and an unverifiable certificate
 * are temporary; a plain http URL is refused without a connection; an
 * outbox item (mailer_https_request) is POSTed as it was built. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "lead/lr-error.h"
#include "mailer/https.h"

typedef struct {
	char *dir; /* the certificate, the key, the stored requests */
	char *ca;  /* the self-signed certificate, as the CA file */
	GPid pid;
	int port;
} Sink;

static Sink sink;

/* make_certificate - make a self-signed certificate for 127.0.0.1. */
static void make_certificate(void)
{
	g_autofree char *key = g_build_filename(sink.dir, "key.pem", NULL);
	const char *argv[] = {"openssl",  "req",           "-x509",   "-newkey",
	                      "rsa:2048", "-nodes",        "-keyout", key,
	                      "-out",     sink.ca,         "-days",   "1",
	                      "-subj",    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
	                      NULL};
	g_autoptr(GError) error = NULL;
	int wait = -1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
	                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
	                               G_SPAWN_STDERR_TO_DEV_NULL,
	                           NULL, NULL, NULL, NULL, &wait, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(wait, NULL));
}

/* sink_child - in the server's process: end with this test, even when
 * an assertion aborts it. */
static void sink_child(gpointer data)
{
	(void)data;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* sink_start - the HTTPS server; its port read from its first line. */
static void sink_start(void)
{
	g_autofree char *script =
	    g_build_filename(LR_SRCDIR, "tests", "lib", "https-sink.py", NULL);
	g_autofree char *key = g_build_filename(sink.dir, "key.pem", NULL);
	const char *argv[] = {"python3", script, sink.ca, key, sink.dir, NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOChannel) out = NULL;
	g_autofree char *line = NULL;
	int fd = -1;

	g_assert_true(g_spawn_async_with_pipes(
	    NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, sink_child,
	    NULL, &sink.pid, NULL, &fd, NULL, &error));
	g_assert_no_error(error);
	out = g_io_channel_unix_new(fd);
	g_io_channel_set_close_on_unref(out, TRUE);
	g_assert_cmpint(g_io_channel_read_line(out, &line, NULL, NULL, &error), ==,
	                G_IO_STATUS_NORMAL);
	sink.port = atoi(line);
	g_assert_cmpint(sink.port, >, 0);
}

/* url - https://127.0.0.1:PORT/path (new string). */
static char *url(const char *path)
{
	return g_strdup_printf("https://127.0.0.1:%d%s", sink.port, path);
}

/* post - POST "<doc/>" to path with the CA (or ca), its error code or -1. */
static int post(const char *path, const char *ca, long *status)
{
	static const char *const headers[] = {"X-Leadroute-Signature: t=1; peer=hq; mac=ab12",
	                                      NULL};
	g_autofree char *u = url(path);
	LrHttpsPost p = {u, ca, "application/vnd.leadroute+xml", headers, 5, 10, NULL};
	static const char doc[] = "<doc>caf\xc3\xa9</doc>\n";
	g_autoptr(GBytes) body = g_bytes_new_static(doc, sizeof doc - 1);
	g_autoptr(GError) error = NULL;
	gboolean ok = mailer_https_post(&p, body, status, &error);

	g_assert_true(ok == (error == NULL));
	if (error != NULL)
		g_test_message("%s", error->message);
	return ok ? -1 : error->code;
}

/* request - the text of the server's stored request n, or NULL. */
static char *request(int n)
{
	g_autofree char *name = g_strdup_printf("%d.req", n);
	g_autofree char *path = g_build_filename(sink.dir, name, NULL);
	char *text = NULL;

	return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* test_ok - 200: done; the server got the body and the headers. */
static void test_ok(void)
{
	long status = 0;
	g_autofree char *req = NULL;

	g_assert_cmpint(post("/ok", sink.ca, &status), ==, -1);
	g_assert_cmpint(status, ==, 200);
	req = request(1);
	g_assert_nonnull(req);
	g_assert_true(g_str_has_prefix(req, "POST /ok HTTP/1.1\r\n"));
	g_assert_nonnull(strstr(req, "X-Leadroute-Signature: t=1; peer=hq; mac=ab12\r\n"));
	g_assert_nonnull(strstr(req, "Content-Type: application/vnd.leadroute+xml\r\n"));
	g_assert_true(g_str_has_suffix(req, "\r\n\r\n<doc>caf\xc3\xa9</doc>\n"));
	g_assert_cmpint(post("/created", sink.ca, &status), ==, -1);
	g_assert_cmpint(status, ==, 201);
}

/* test_refused - 4xx and 3xx: permanent; 5xx: temporary. */
static void test_refused(void)
{
	long status = 0;

	g_assert_cmpint(post("/reject", sink.ca, &status), ==, LR_ERROR_PERM);
	g_assert_cmpint(status, ==, 400);
	g_assert_cmpint(post("/gone", sink.ca, &status), ==, LR_ERROR_PERM);
	g_assert_cmpint(post("/moved", sink.ca, &status), ==, LR_ERROR_PERM);
	g_assert_cmpint(status, ==, 302);
	g_assert_cmpint(post("/busy", sink.ca, &status), ==, LR_ERROR_TEMP);
	g_assert_cmpint(status, ==, 503);
}

/* test_unverified - without our CA the certificate does not verify:
 * temporary, and the server stored nothing more. */
static void test_unverified(void)
{
	long status = -1;
	g_autofree char *next = NULL;
	int before = 0;

	while ((next = request(before + 1)) != NULL) {
		g_clear_pointer(&next, g_free);
		before++;
	}
	g_assert_cmpint(post("/ok", "/etc/ssl/certs/ca-certificates.crt", &status), ==,
	                LR_ERROR_TEMP);
	g_assert_cmpint(status, ==, 0);
	next = request(before + 1);
	g_assert_null(next);
}

/* test_no_server - a closed port is temporary; http:// is never sent. */
static void test_no_server(void)
{
	g_autofree char *closed = g_strdup_printf("https://127.0.0.1:%d/ok", 1);
	g_autofree char *plain = g_strdup_printf("http://127.0.0.1:%d/ok", sink.port);
	g_autoptr(GBytes) body = g_bytes_new_static("x", 1);
	LrHttpsPost p = {closed, sink.ca, "application/xml", NULL, 5, 10, NULL};
	g_autoptr(GError) error = NULL;

	g_assert_false(mailer_https_post(&p, body, NULL, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_clear_error(&error);
	p.url = plain;
	g_assert_false(mailer_https_post(&p, body, NULL, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
}

/* last_request - the newest stored request (new), or NULL. */
static char *last_request(void)
{
	char *last = NULL, *next;

	for (int n = 1; (next = request(n)) != NULL; n++) {
		g_free(last);
		last = next;
	}
	return last;
}

/* test_outbox_item - an outbox item (mailer_https_request) POSTed by
 * mailer_https_send: the headers and the exact body arrive, the CA file
 * verifies and is not sent; a header with a line end, and bytes that are
 * not an item, are refused for good. */
static void test_outbox_item(void)
{
	static const char *const headers[] = {"X-Leadroute-Exchange: lead lead.hq.1.1",
	                                      "X-Leadroute-Signature: t=2; peer=hq; v1=cd", NULL};
	static const char *const bad[] = {"X-Evil: a\r\nHost: b", NULL};
	g_autofree char *u = url("/ok");
	LrHttpsPost p = {NULL, sink.ca, "application/vnd.leadroute+xml", headers, 0, 0, NULL};
	g_autoptr(GBytes) body = g_bytes_new_static("<doc>\n\n</doc>", sizeof "<doc>\n\n</doc>" - 1);
	g_autoptr(GBytes) item = NULL, junk = g_bytes_new_static("<doc/>", 6);
	g_autoptr(GError) error = NULL;
	g_autofree char *req = NULL;
	long status = 0;

	item = mailer_https_request(&p, body, &error);
	g_assert_no_error(error);
	g_assert_true(mailer_https_is_url(u));
	g_assert_false(mailer_https_is_url("fed@north.test"));
	g_assert_true(mailer_https_send(u, item, 5, 10, NULL, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(status, ==, 200);
	req = last_request();
	g_assert_true(g_str_has_prefix(req, "POST /ok HTTP/1.1\r\n"));
	g_assert_nonnull(strstr(req, "\r\nX-Leadroute-Exchange: lead lead.hq.1.1\r\n"));
	g_assert_nonnull(strstr(req, "\r\nX-Leadroute-Signature: t=2; peer=hq; v1=cd\r\n"));
	g_assert_nonnull(strstr(req, "\r\nContent-Type: application/vnd.leadroute+xml\r\n"));
	g_assert_null(strstr(req, "CA-File"));
	g_assert_true(g_str_has_suffix(req, "\r\n\r\n<doc>\n\n</doc>"));
	g_assert_false(mailer_https_send(u, junk, 5, 10, NULL, &status, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	p.headers = bad;
	g_assert_null(mailer_https_request(&p, body, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
}

int main(int argc, char **argv)
{
	int rc, wait = 0;

	g_test_init(&argc, &argv, NULL);
	sink.dir = g_dir_make_tmp("test-https-XXXXXX", NULL);
	g_assert_nonnull(sink.dir);
	sink.ca = g_build_filename(sink.dir, "cert.pem", NULL);
	make_certificate();
	sink_start();
	g_test_add_func("/https/ok", test_ok);
	g_test_add_func("/https/refused", test_refused);
	g_test_add_func("/https/unverified", test_unverified);
	g_test_add_func("/https/no-server", test_no_server);
	g_test_add_func("/https/outbox-item", test_outbox_item);
	rc = g_test_run();
	kill(sink.pid, SIGTERM);
	waitpid(sink.pid, &wait, 0);
	g_spawn_close_pid(sink.pid);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", sink.dir);

		(void)!system(cmd);
	}
	return rc;
}
