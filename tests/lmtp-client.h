/* lmtp-client.h - a raw LMTP client for the tests of the LMTP server:
 * connect, write, read lines and whole replies, expect a prefix.  Every
 * failure to connect is a test failure (g_assert). */
#ifndef LR_TESTS_LMTP_CLIENT_H
#define LR_TESTS_LMTP_CLIENT_H

#include <gio/gio.h>

typedef struct {
	GSocketConnection *conn;
	GDataInputStream *in; /* CRLF lines */
	GOutputStream *out;
} LmtpClient;

/* lmtp_client_unix, lmtp_client_inet - connect to a unix socket or to
 * 127.0.0.1:port (a 20 s timeout); the greeting is not read. */
LmtpClient *lmtp_client_unix(const char *path);
LmtpClient *lmtp_client_inet(guint16 port);

/* lmtp_client_close - drop the connection and free c. */
void lmtp_client_close(LmtpClient *c);

/* lmtp_client_write - write all of len bytes of text (-1: a string);
 * FALSE when the server is gone. */
gboolean lmtp_client_write(LmtpClient *c, const char *text, gssize len);

/* lmtp_client_line - the next line without its CRLF, or NULL at the end. */
char *lmtp_client_line(LmtpClient *c);

/* lmtp_client_reply - one whole (multi-line) reply, lines joined by "\n",
 * or NULL at the end of input. */
char *lmtp_client_reply(LmtpClient *c);

/* lmtp_client_expect - the next whole reply must start with prefix;
 * lmtp_client_expect_line - the next line must. */
void lmtp_client_expect(LmtpClient *c, const char *prefix);
void lmtp_client_expect_line(LmtpClient *c, const char *prefix);


#endif
