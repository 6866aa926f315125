/* lmtp-client.c - a raw LMTP client for the tests of the LMTP server. */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>

#include "tests/lmtp-client.h"

/* client_connect - connect to addr and set up CRLF line reading. */
static LmtpClient *client_connect(GSocketAddress *addr)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GError) error = NULL;
	LmtpClient *c = g_new0(LmtpClient, 1);

	g_socket_client_set_timeout(sc, 20);
	c->conn = g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(addr), NULL, &error);
	g_assert_no_error(error);
	c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(c->conn)));
	g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
	c->out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));
	return c;
}

/* lmtp_client_unix - connect to a unix socket. */
LmtpClient *lmtp_client_unix(const char *path)
{
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

	return client_connect(addr);
}

/* lmtp_client_inet - connect to 127.0.0.1:port. */
LmtpClient *lmtp_client_inet(guint16 port)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);

	return client_connect(addr);
}

/* lmtp_client_close - drop the connection. */
void lmtp_client_close(LmtpClient *c)
{
	g_object_unref(c->in);
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_object_unref(c->conn);
	g_free(c);
}

/* lmtp_client_write - write all of the text. */
gboolean lmtp_client_write(LmtpClient *c, const char *text, gssize len)
{
	return g_output_stream_write_all(c->out, text, len < 0 ? strlen(text) : (gsize)len, NULL,
	                                 NULL, NULL);
}

/* lmtp_client_line - the next line. */
char *lmtp_client_line(LmtpClient *c)
{
	return g_data_input_stream_read_line(c->in, NULL, NULL, NULL);
}

/* lmtp_client_reply - the next whole reply: lines up to one whose fourth
 * character is not '-'. */
char *lmtp_client_reply(LmtpClient *c)
{
	g_autoptr(GString) reply = g_string_new(NULL);

	for (;;) {
		g_autofree char *line = lmtp_client_line(c);
		if (line == NULL)
			return reply->len ? g_string_free(g_steal_pointer(&reply), FALSE) : NULL;
		if (reply->len)
			g_string_append_c(reply, '\n');
		g_string_append(reply, line);
		if (strlen(line) < 4 || line[3] != '-')
			return g_string_free(g_steal_pointer(&reply), FALSE);
	}
}

/* expect - text must start with prefix, or the test fails. */
static void expect(const char *text, const char *prefix)
{
	if (text == NULL || !g_str_has_prefix(text, prefix))
		g_error("expected \"%s\", got \"%s\"", prefix, text ? text : "(end of input)");
}

/* lmtp_client_expect - the next reply starts with prefix. */
void lmtp_client_expect(LmtpClient *c, const char *prefix)
{
	g_autofree char *reply = lmtp_client_reply(c);

	expect(reply, prefix);
}

/* lmtp_client_expect_line - the next line starts with prefix. */
void lmtp_client_expect_line(LmtpClient *c, const char *prefix)
{
	g_autofree char *line = lmtp_client_line(c);

	expect(line, prefix);
}

