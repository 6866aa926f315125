/* store.h - the intake step shared by LMTP and the pipe deliverer: check a
 * delivered message and store it durably, once.
 *
 * Kept free of GMime and GIO so the slim pipe deliverer links only Berkeley
 * DB, libconfig and GLib; the daemon parses later (a parse job). */
#ifndef LR_INTAKE_STORE_H
#define LR_INTAKE_STORE_H

#include <glib.h>

#include "queue/queue.h"

/* intake_store - refuse what can never be used (LR_ERROR_PERM: no header,
 * binary junk), or over max_size (LR_ERROR_TOO_BIG), else store raw with
 * its envelope as a new lead with a parse job, unless the same message
 * (Message-ID, or content digest) was stored before (*duplicate, the
 * earlier *lead_id).  TRUE only once the store is durable; LR_ERROR_TEMP
 * when it cannot be now. */
gboolean intake_store(LrQueue *q, GBytes *raw, const char *sender, const char *const *recipients,
                      gsize max_size, guint64 *lead_id, gboolean *duplicate, GError **error);

/* A batcher lets many LMTP sessions share transactions: each session's
 * message waits in line, one writer thread stores everything waiting in
 * one transaction, and a flusher thread makes it durable with one log
 * flush and answers them all, while the writer stores the next batch.
 * Nothing is answered before its batch is durable. */
typedef struct LrIntakeBatcher LrIntakeBatcher;

/* intake_batcher_new - a writer for q; messages over max_size are refused
 * (0: no limit).  Returns a new batcher. */
LrIntakeBatcher *intake_batcher_new(LrQueue *q, gsize max_size);

/* The step a batcher runs for each batch: queue_store_batch's work
 * committed lazily (the flusher's queue_flush makes it durable), or in
 * tests a wrapper around queue_store_batch that injects failures. */
typedef gboolean (*LrIntakeBatchFunc)(LrQueue *q, LrStoreItem *items, guint n, GError **error);

/* intake_batcher_new_full - intake_batcher_new with the batch step given
 * (NULL: the lazy queue_store_batch). */
LrIntakeBatcher *intake_batcher_new_full(LrQueue *q, gsize max_size, LrIntakeBatchFunc batch);

/* intake_batcher_free - store what is waiting, stop the writer, free. */
void intake_batcher_free(LrIntakeBatcher *b);

/* intake_batcher_store - intake_store through the batcher: same checks,
 * same answers; blocks until the message's batch is durable.  May be
 * called from many threads at once. */
gboolean intake_batcher_store(LrIntakeBatcher *b, GBytes *raw, const char *sender,
                              const char *const *recipients, guint64 *lead_id, gboolean *duplicate,
                              GError **error);

/* intake_item_prepare - intake_store's checks for raw (same errors), for a
 * caller that stores it in its own transaction (queue_source_store): item
 * gets a reference to raw, its seed lead and its duplicate key, which
 * intake_item_clear frees. */
gboolean intake_item_prepare(LrStoreItem *item, GBytes *raw, const char *sender, const char *rcpt,
                             gsize max_size, GError **error);
void intake_item_clear(LrStoreItem *item);

/* intake_item_logged - the log line intake_store writes, for such an item. */
void intake_item_logged(const LrStoreItem *item, const char *sender, const char *rcpt);

#endif
