/* source-int.h - what the mailbox fetchers share (intake/source.c,
 * imap.c, pop3.c, maildir.c, tls-verify.c); not a public header. */
#ifndef LR_INTAKE_SOURCE_INT_H
#define LR_INTAKE_SOURCE_INT_H

#include <gio/gio.h>
#include <libetpan/libetpan.h>

#include "intake/source.h"

/* One source's thread. */
typedef struct {
	LrQueue *q; /* NULL when probing */
	char *home; /* the store's folder (the source lock) */
	LrSource *src;
	gsize max_size;
	GMutex lock;
	GCond wake;
	gboolean stopping;
	LrSourceProbe *probe; /* set when probing: count, do not fetch */
	GThread *thread;
	GHashTable *suspects;  /* ukeys whose batch failed: fetched alone (the thread's own) */
	gboolean progress;     /* this round stored or counted something */
	gboolean plain_warned; /* the tls = "none" warning is logged */
	int fd;                /* the connection's socket, -1: none (under lock) */
	GCancellable *cancel;  /* cancelled on stop: ends a name lookup (source-net.c) */
	gboolean running;      /* the thread has not ended yet (under lock) */
} LrSourceCtx;

/* The running sources. */
struct LrSourceRunner {
	LrQueue *q;
	char *home;
	gsize max_size;
	GPtrArray *ctxs; /* LrSourceCtx *, each with its thread */
};

/* source_ctx_new - a context for src (a copy), no thread. */
LrSourceCtx *source_ctx_new(LrQueue *q, const char *home, const LrSource *src, gsize max_size);

/* source_ctx_start - a context for src with its thread started. */
LrSourceCtx *source_ctx_start(LrSourceRunner *r, const LrSource *src);

/* source_ctx_stop - tell the thread to stop after the message in hand;
 * a name lookup in progress ends at once. */
void source_ctx_stop(LrSourceCtx *ctx);

/* source_ctx_free - join the thread (when there is one) and free. */
void source_ctx_free(LrSourceCtx *ctx);

/* source_ctxs_stop - source_ctx_stop each of ctxs (LrSourceCtx *); a
 * thread that has not ended within 2 s (a server that does not answer)
 * has its connection shut down, so that source_ctx_free joins it at once
 * (intake/source-net.c). */
void source_ctxs_stop(GPtrArray *ctxs);

/* source_net_open - the TCP connection to the source's host and port
 * (each address in turn, timeout seconds each), registered as ctx's so
 * that source_ctxs_stop can shut it down, and a libetpan stream over it
 * (TLS when the source's tls is implicit, with SNI).  The name lookup
 * before it ends when source_ctx_stop cancels ctx->cancel.  NULL with
 * LR_ERROR_TEMP (a stop: "Operation canceled"), or when the source is
 * stopping.  Call
 * source_net_release before the stream is closed. */
mailstream *source_net_open(LrSourceCtx *ctx, int timeout, GError **error);

/* source_net_release - forget ctx's connection (its fd is closed next). */
void source_net_release(LrSourceCtx *ctx);

/* One fetched message. */
typedef struct {
	char *ukey; /* the server's name for it */
	GBytes *raw;
	gboolean refused; /* out: can never be stored (too big, not mail) */
	char *why;        /* out: why refused */
} LrFetched;

void source_fetched_free(LrFetched *f);

/* source_stopping - TRUE once the daemon stops. */
gboolean source_stopping(LrSourceCtx *ctx);

/* source_sleep - wait seconds or until stopping; FALSE when stopping. */
gboolean source_sleep(LrSourceCtx *ctx, gint64 seconds);

/* source_store - store the fetched messages (LrFetched *) as leads with
 * their ukeys, in one transaction; each refused one is marked (refused,
 * why) and left out.  FALSE with LR_ERROR_TEMP when the store cannot. */
gboolean source_store(LrSourceCtx *ctx, GPtrArray *fetched, GError **error);

/* source_seen - TRUE when ukey is stored already (store errors: FALSE). */
gboolean source_seen(LrSourceCtx *ctx, const char *ukey);

/* source_done - record the actions on ukeys done; a failure only means
 * they are done again later. */
void source_done(LrSourceCtx *ctx, const char *const *ukeys);

/* source_failed - count a failure of ukey (durably) and log it: TRUE when
 * it has now failed quarantine_after times and goes to quarantine. */
gboolean source_failed(LrSourceCtx *ctx, const char *ukey, const char *why);

/* How one message is to be taken in this round (source_plan). */
typedef enum {
	LR_TAKE_FRESH,   /* fetched with others in a batch */
	LR_TAKE_ALONE,   /* its batch failed: fetched alone, its try counted first */
	LR_TAKE_RETRY,   /* failed alone before: the same, after the LR_TAKE_ALONE ones */
	LR_TAKE_DUE,     /* failed quarantine_after times: quarantine, do not fetch */
	LR_TAKE_SKIPPED, /* quarantined (POP3: left on the server) and logged before */
	LR_TAKE_AGAIN,   /* stored already: only the action is left */
} LrTake;

/* source_plan - how ukey is to be taken (store errors: LR_TAKE_FRESH). */
LrTake source_plan(LrSourceCtx *ctx, const char *ukey);

/* source_suspect - the batch ukey was in failed: take it alone next. */
void source_suspect(LrSourceCtx *ctx, const char *ukey);

/* source_try - count a try of ukey taken alone before it is made (so that
 * a try that never returns counts as well); returns the number of this
 * try, 0 when the store cannot count it (then it is not tried). */
guint source_try(LrSourceCtx *ctx, const char *ukey);

/* source_try_failed - log that try n of ukey failed, and what follows. */
void source_try_failed(LrSourceCtx *ctx, const char *ukey, guint n, const char *why);

/* source_quarantined - ukey is out of the way (moved; POP3: skipped):
 * logged with why; count is what its record becomes (0: forgotten,
 * quarantine_after + 1: skipped from now on, logged once). */
void source_quarantined(LrSourceCtx *ctx, const char *ukey, const char *where, const char *why,
                        guint count);

/* tls_verify_stream - verify the server certificate of stream (after the
 * handshake, before any password): chain against ca_file or the system
 * CAs and the host name, or the pinned fingerprint.  FALSE with
 * LR_ERROR_TEMP and the reason.  Sets probe->cert_info when probing. */
gboolean tls_verify_stream(LrSourceCtx *ctx, mailstream *stream, GError **error);

/* source_plain_warn - log (once per thread) that tls = "none" is in use. */
void source_plain_warn(LrSourceCtx *ctx);

/* source_stream_guard - make end of file on stream (connected, after any
 * STARTTLS) a read error: libetpan would otherwise wait for the rest of a
 * FETCH literal on a closed connection for ever (intake/stream-guard.c). */
void source_stream_guard(mailstream *stream);

/* tls_sni_callback - libetpan's SSL context callback: sets the server
 * name (SNI) to data (the host). */
void tls_sni_callback(struct mailstream_ssl_context *ssl, void *data);

/* The fetchers: connect, verify, log in, store what waits, act on it,
 * and (IMAP IDLE) wait for more until stopping.  TRUE after a clean
 * round (the caller sleeps poll), FALSE with error on a failure (the
 * caller backs off). */
gboolean imap_run(LrSourceCtx *ctx, GError **error);
gboolean pop3_run(LrSourceCtx *ctx, GError **error);
gboolean maildir_run(LrSourceCtx *ctx, GError **error);

/* source_error - set error (LR_ERROR_TEMP) from a libetpan result r. */
gboolean source_error(GError **error, const LrSource *src, const char *what, int r);

#endif
