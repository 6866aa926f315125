/* replay.h - what-if: the stored leads decided again under a
 * configuration (the running one or a new one), reading the store only:
 * nothing is stored, routed or sent.  The decisions are rules/' own
 * (route_lead in a replay state, route_record_compare). */
#ifndef LR_REPLAY_H
#define LR_REPLAY_H

#include <glib.h>

#include "queue/queue.h"
#include "rules/lr-config.h"
#include "rules/route.h"

/* One stored lead, decided again.  Everything is borrowed for the call. */
typedef struct {
	const LrLead *lead;          /* as stored */
	gint64 decided;              /* when it was routed then (µs) */
	const LrRouteRecord *then;   /* its stored decision */
	const LrRouteRecord *now;    /* NULL when skipped */
	const LrRouteResult *result; /* the new decision, NULL when skipped */
	LrRouteChange change;
	const GPtrArray *rules; /* char *: rules that differ, "-KEY" then only, "+KEY" now only */
	const char *skipped;    /* why it was not decided again, or NULL */
} LrReplayItem;

/* LrReplayFunc - called per lead that was routed then; FALSE stops. */
typedef gboolean (*LrReplayFunc)(const LrReplayItem *item, gpointer data);

/* router_replay - every lead of q received in [since, until) (µs; 0:
 * unbounded) that was routed (has a stored decision), in id order: its
 * raw message parsed again with cfg's field aliases and routed under cfg
 * at the time of its last routing, with the rejections it had then, in
 * route_replay_state_new's state, and compared with the stored decision.
 * Leads that were never routed (replies, commands, not leads) are not
 * given to fn; those that cannot be decided again (raw message erased,
 * received from a partner, no lead now) are, with skipped set.  q may be
 * read-only (queue_open_readonly).  FALSE with error when the store or
 * the parser failed, or with LR_ERROR_TEMP "stopped" when fn stopped. */
gboolean router_replay(LrQueue *q, const LrConfig *cfg, gint64 since, gint64 until, LrReplayFunc fn,
                       gpointer data, GError **error);

#endif
