/* outcome.h - the sales outcome of a one-way lead recorded by hand
 * (`leadroute lead status`): a lead sent to a server of format "adf" gets
 * no status back, so an admin records contacted, won or lost for it. */
#ifndef LR_ROUTER_OUTCOME_H
#define LR_ROUTER_OUTCOME_H

#include <glib.h>

#include "queue/queue.h"
#include "rules/lr-config.h"

/* router_outcome_record - in one store transaction: lead id's stage set
 * to stage ("contacted", "won" or "lost"); won and lost also close it
 * (status closed) and keep arg as won_amount / lost_reason; an event of
 * type stage by actor with detail arg (NULL allowed: no amount or
 * reason).  The lead must be held by a server of cfg whose format is "adf"
 * (status federated); a lead already won or lost is refused.  Returns
 * FALSE with LR_ERROR_PERM saying why when the lead does not exist or
 * cannot take the outcome, LR_ERROR_TEMP when the store failed; nothing
 * changes then. */
gboolean router_outcome_record(LrQueue *q, const LrConfig *cfg, guint64 id, const char *stage,
                               const char *arg, const char *actor, GError **error);

#endif
