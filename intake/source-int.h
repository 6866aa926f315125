/* source-int.h - what the mailbox fetchers share (intake/source.c,
 * imap.c, pop3.c, maildir.c, tls-verify.c); not a public header. */
#ifndef LR_INTAKE_SOURCE_INT_H
#define LR_INTAKE_SOURCE_INT_H

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
} LrSourceCtx;

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

/* source_failed - count a failure of ukey: TRUE when it has now failed
 * max_tries times and goes to quarantine. */
gboolean source_failed(LrSourceCtx *ctx, const char *ukey, const char *why);

/* tls_verify_stream - verify the server certificate of stream (after the
 * handshake, before any password): chain against ca_file or the system
 * CAs and the host name, or the pinned fingerprint.  FALSE with
 * LR_ERROR_TEMP and the reason.  Sets probe->cert_info when probing. */
gboolean tls_verify_stream(LrSourceCtx *ctx, mailstream *stream, GError **error);

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
