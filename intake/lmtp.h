/* lmtp.h - the LMTP server (RFC 2033) that Postfix delivers leads to.
 *
 * One accept thread per listen address and one thread per session, with
 * blocking I/O bounded by deadlines: a whole command line within the
 * session timeout, a whole message within the timeout plus the time the
 * minimum data rate gives it.  Only CRLF ends a line; a bare CR or LF in a
 * command or a message is refused, never read as a line end.  The server speaks LHLO,
 * MAIL (SIZE=, BODY=, SMTPUTF8), RCPT, DATA, RSET, NOOP, VRFY and QUIT with
 * PIPELINING and enhanced status codes, and hands each message to the store
 * callback; it never keeps a message itself.  After DATA every accepted
 * recipient gets the one status that the store callback decided. */
#ifndef LR_LMTP_H
#define LR_LMTP_H

#include <glib.h>

#include "lead/limits.h"

typedef struct LrLmtpServer LrLmtpServer;

/* The store callback: called once per DATA with the message (dot-unstuffed,
 * CRLF kept as received; a Return-Path is NOT added), the envelope sender
 * ("" for the null sender) and the accepted recipients (NULL-terminated).
 * It returns TRUE when the message is durably stored (then every recipient
 * gets "250 2.0.0 <rcpt> stored as lead N", N from *lead_id, "already
 * stored" when *duplicate; *lead_id 0: "Ok: stored"), or FALSE with an LR_ERROR error:
 * LR_ERROR_TEMP -> 451 4.3.0 for every recipient, LR_ERROR_PERM -> 554 5.6.0, LR_ERROR_TOO_BIG ->
 * 552 5.3.4; anything else counts as temporary.  It may be called from
 * several threads at once.  All arguments are borrowed for the call only. */
typedef gboolean (*LrLmtpStoreFunc)(GBytes *message, const char *sender,
                                    const char *const *recipients, gpointer data, guint64 *lead_id,
                                    gboolean *duplicate, GError **error);

typedef struct {
	const char *const *listen; /* "unix:PATH" / "inet:HOST:PORT" (IPv6 "inet:[::1]:2424",
	                              any address "inet:*:2424") */
	const char *hostname;      /* for the greeting and LHLO reply; NULL: the host name */
	gsize max_message_size;    /* bytes; larger -> 552 5.3.4, and SIZE=n in MAIL FROM
	                              over it -> 552 at MAIL; 0: LMTP_DEFAULT_MAX_SIZE */
	guint session_timeout;     /* seconds a whole command line may take to come in,
	                              from the end of the previous one, and the longest
	                              silence in DATA; over it -> 421 4.4.2 and close
	                              (Postfix's smtpd_timeout as a per-request deadline);
	                              0: LMTP_DEFAULT_TIMEOUT */
	guint max_sessions;        /* concurrent sessions; over it -> 421 4.3.2 and close;
	                              0: LMTP_DEFAULT_SESSIONS */
	LrLmtpStoreFunc store;
	gpointer store_data;
	guint min_data_rate; /* bytes per second in DATA: the message must be in
	                        within session_timeout plus one second per
	                        min_data_rate bytes (421 4.4.2 otherwise);
	                        0: LMTP_DEFAULT_MIN_RATE */
} LrLmtpConfig;

/* The defaults are the configuration's (lead/limits.h), so that a server
 * started without a value means what leadroute.conf without the key means. */
#define LMTP_DEFAULT_MAX_SIZE LR_DEFAULT_MAX_MESSAGE_SIZE
#define LMTP_DEFAULT_TIMEOUT LR_DEFAULT_SESSION_TIMEOUT
#define LMTP_DEFAULT_SESSIONS LR_DEFAULT_MAX_SESSIONS
#define LMTP_DEFAULT_MIN_RATE LR_DEFAULT_MIN_DATA_RATE /* as Postfix's smtpd_min_data_rate */

/* lmtp_server_start - bind every listen address (unix sockets: a stale
 * socket file is removed first, a live one is left alone; mode 0666) and
 * serve in background threads.  The config is copied; store_data must
 * outlive the server.  Returns NULL with LR_ERROR_TEMP when an address
 * cannot be bound or resolved, LR_ERROR_CONFIG when a listen string is
 * malformed, there is none, or store is NULL. */
LrLmtpServer *lmtp_server_start(const LrLmtpConfig *config, GError **error);

/* lmtp_server_stop - stop listening (unix socket files are removed), let
 * sessions finish the transaction in hand (idle ones get 421 4.3.2 at
 * once; at most LMTP_STOP_GRACE seconds, then their sockets are shut),
 * wait for every session thread and free everything.  NULL is ignored. */
void lmtp_server_stop(LrLmtpServer *server);

#define LMTP_STOP_GRACE 10

/* lmtp_server_sessions - sessions open now (for tests and logs). */
guint lmtp_server_sessions(LrLmtpServer *server);

/* lmtp_session_replay - run one session over input without a socket, as if
 * a client had sent those bytes and then closed (no deadlines apply), and
 * return everything the server answered, greeting first (a new string).
 * config->listen is not used; config->store is called as for a client.
 * For tests and the fuzzer (tests/fuzz-lmtp.c). */
char *lmtp_session_replay(const LrLmtpConfig *config, const guint8 *input, gsize len);

#endif
