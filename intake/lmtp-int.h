/* lmtp-int.h - private to the LMTP server: the server and session structs
 * shared by the server (lmtp.c: listeners, sessions, start and stop) and the
 * protocol (lmtp-session.c: the command dialogue of one session). */
#ifndef LR_LMTP_INT_H
#define LR_LMTP_INT_H

#include <gio/gio.h>

#include "intake/lmtp.h"

#define LMTP_MAX_LINE 1000     /* a command line, CRLF included (RFC 5321 text line) */
#define LMTP_INBUF (64 * 1024) /* input buffer of one session */
#define LMTP_MAX_RCPTS 1000    /* recipients in one transaction */
#define LMTP_MAX_ERRORS 20     /* bad commands before the server hangs up */
#define LMTP_MAX_ADDRESS 256   /* a path, RFC 5321 4.5.3.1.3 */
#define LMTP_BACKLOG 256
#define LMTP_PREALLOC (1024 * 1024) /* at most this much reserved on SIZE= */

struct LrLmtpServer {
	char **listen;
	char *hostname;
	gsize max_size;
	guint timeout;
	guint min_rate; /* bytes per second in DATA */
	guint max_sessions;
	LrLmtpStoreFunc store;
	gpointer store_data;
	GPtrArray *listeners; /* LmtpListener * */
	GThreadPool *pool;    /* runs one session per task */
	GCancellable *accept_cancel;
	GCancellable *idle_cancel; /* cancelled at stop: reads between transactions end */
	GMutex lock;
	GCond drained;
	GHashTable *active; /* LmtpSession * set, under lock */
	guint next_id;      /* under lock */
};

typedef struct {
	LrLmtpServer *server;
	GSocket *socket;     /* NULL: a replayed session (lmtp_session_replay) */
	GBytes *replay;      /* the input of a replayed session */
	gsize replay_at;     /* bytes of replay read so far */
	GString *transcript; /* the answers of a replayed session */
	gint64 deadline;     /* monotonic time the command or DATA must be in by */
	guint id;
	char *peer;
	guint8 *in;      /* input buffer, LMTP_INBUF bytes */
	gsize in_start;  /* first unread byte */
	gsize in_end;    /* one past the last byte read */
	GString *out;    /* replies not sent yet */
	gboolean broken; /* a write failed: stop talking */
	const char *end; /* why the session ended, for the log */
	gboolean lhlo;
	char *sender; /* NULL: no transaction */
	GPtrArray *rcpts;
	gsize size_hint;
	guint errors;
	guint messages;
} LmtpSession;

/* lmtp_session_dialogue - greet, then read and run commands until the end
 * of the session (s->end says why it ended). */
void lmtp_session_dialogue(LmtpSession *s);

/* lmtp_session_flush - send the replies queued so far; FALSE once a write
 * has failed (the session is then broken). */
gboolean lmtp_session_flush(LmtpSession *s);

#endif
