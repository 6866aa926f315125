/* fedprune.h - the federation's replay keys kept bounded: every exchange
 * obeyed leaves a state key "fedx:PEER:ID" so that the same exchange
 * delivered again is refused; once its signature would be refused as too
 * old (federation/exchange.h: FED_MAX_AGE, FED_MAX_SKEW) the key protects
 * nothing more, and the daemon's periodic job deletes it. */
#ifndef LR_ROUTER_FEDPRUNE_H
#define LR_ROUTER_FEDPRUNE_H

#include <glib.h>

#include "queue/queue.h"

/* The state keys of obeyed exchanges. */
#define FED_REPLAY_PREFIX "fedx:"

/* fed_replay_prune - one batch of up to max replay keys, from *cursor (a
 * key; NULL: the first): each first seen more than FED_MAX_AGE +
 * FED_MAX_SKEW before now (µs) is deleted; one without a time (written
 * before keys had one) is given now's, and so goes a window later.
 * *cursor becomes where the next batch starts (new string), or NULL once
 * the last key was read.  *pruned (may be NULL) gets how many went.  One
 * transaction per batch; FALSE with LR_ERROR_TEMP when the store failed
 * (nothing is deleted then, and *cursor is unchanged). */
gboolean fed_replay_prune(LrQueue *q, gint64 now, guint max, char **cursor, guint *pruned,
                          GError **error);

#endif
