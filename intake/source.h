/* source.h - leadrouted's mailbox intake: each configured source (IMAP,
 * POP3, Maildir; rules/sources.h) fetched in its own thread, every message
 * stored as a lead exactly once before anything changes on the server. */
#ifndef LR_INTAKE_SOURCE_H
#define LR_INTAKE_SOURCE_H

#include <glib.h>

#include "queue/queue.h"
#include "rules/sources.h"

typedef struct LrSourceRunner LrSourceRunner;

/* source_runner_start - one thread per source of sources (LrSource *,
 * copied), storing into q; home is the store's folder (for the source
 * locks); max_size the server's message limit (a source's own wins).
 * Returns a new runner (possibly with no sources). */
LrSourceRunner *source_runner_start(LrQueue *q, const char *home, const GPtrArray *sources,
                                    gsize max_size);

/* source_runner_reload - make the running sources those of sources: a
 * source whose id is gone, or whose settings changed, is stopped (after
 * the message in hand); a new or changed one is started; the others run
 * on undisturbed.  Logs what it did. */
void source_runner_reload(LrSourceRunner *r, const GPtrArray *sources);

/* source_runner_stop - finish the message in hand, stop and free. */
void source_runner_stop(LrSourceRunner *r);

/* What `leadroute sources` reports of one source. */
typedef struct {
	gboolean reachable;
	gboolean cert_ok; /* TLS verified (or no TLS / Maildir) */
	char *cert_info;  /* how it was verified, or why not */
	gint64 waiting;   /* messages waiting, -1 when unknown */
} LrSourceProbe;

/* source_probe - connect to src once, verify, log in and count; FALSE with
 * error (and what was found so far in *probe) when a step failed. */
gboolean source_probe(const LrSource *src, LrSourceProbe *probe, GError **error);

#endif
