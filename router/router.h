/* router.h - the daemon's worker: takes jobs from the queue and moves
 * leads along (parse, route, notify, deadlines, reminders, replies).
 *
 * Each job is one transaction that writes the new lead state, its events,
 * the notifications it causes (outbox) and the timers it sets, and deletes
 * the job: a crash before the commit leaves the job to be done again, a
 * crash after leaves it done.  Replies are found among delivered messages:
 * mail to lead+TOKEN@domain is a reply, the rest are inquiries. */
#ifndef LR_ROUTER_H
#define LR_ROUTER_H

#include <glib.h>

#include "queue/queue.h"
#include "rules/lr-config.h"

typedef struct LrRouter LrRouter;

/* router_new - a worker over q with configuration cfg (the router takes
 * ownership of cfg, and frees it on failure too).  Loads the reply-token
 * secret (server.secret_file, or HOME/secret when that is unset; created
 * 0600 when missing, refused when group or others may read it).  NULL with
 * an error when the secret or the parser cannot be set up. */
LrRouter *router_new(LrQueue *q, LrConfig *cfg, GError **error);
void router_free(LrRouter *router);

/* router_set_config - use cfg (taken over) from the next job on: its rules,
 * users, workflow, templates, From, domain, name and field aliases (a new
 * parser); the old configuration is freed once no job uses it. */
void router_set_config(LrRouter *router, LrConfig *cfg);

/* router_run_once - do the next due job, if any.  Returns TRUE when a job
 * was done (or failed permanently and was set aside), FALSE when none was
 * due or the store failed (error set: LR_ERROR_TEMP, try again later). */
gboolean router_run_once(LrRouter *router, GError **error);

/* router_run_batch - do up to max due jobs (at least one) in one
 * transaction, so that a burst costs one commit per batch instead of one
 * per job.  Returns how many were done (a job that failed for good counts:
 * it is set aside, after the others of its batch were done one by one);
 * 0 when none was due or the store failed (error set: LR_ERROR_TEMP). */
guint router_run_batch(LrRouter *router, guint max, GError **error);

/* router_set_batch_time - how much of the routing thread's CPU time (µs)
 * one batch may take before it commits, judged by what recent jobs cost
 * it (0: the default, 5 ms); tests set it high on slow builds. */
void router_set_batch_time(LrRouter *router, gint64 us);

/* router_fix_time - use now (µs) instead of the clock: for tests. */
void router_fix_time(LrRouter *router, gint64 now);

/* router_shift_clock - run the router's clock offset by delta µs from the
 * real one (decisions, deadlines and timers alike): lets a test route as
 * on a given working day. */
void router_shift_clock(LrRouter *router, gint64 delta);

/* router_user_set_away - an admin's decision: user_id gets no leads until
 * until (µs since the epoch; 0 = back now), recorded as a "user-away" or
 * "user-back" event by actor on lead 0 (see router_user_events).  FALSE
 * with LR_ERROR_TEMP when the store failed. */
gboolean router_user_set_away(LrQueue *q, const char *user_id, gint64 until, const char *actor,
                              GError **error);

/* router_user_away - until when user_id is away (µs; 0 or past: available). */
gint64 router_user_away(LrQueue *q, const char *user_id);

/* The router's state key of the capacity a user set by mail (CAPACITY N,
 * router/selfservice.c): "capacity:ID" -> N. */
#define ROUTER_CAPACITY_PREFIX "capacity:"

/* The highest capacity CAPACITY N takes (open leads). */
#define ROUTER_CAPACITY_MAX 1000

/* router_user_capacity - the capacity user_id set by mail (0: no limit),
 * or -1 when they set none (the configuration's applies). */
int router_user_capacity(LrQueue *q, const char *user_id);

/* router_user_events - the admin's away/back events about user_id, oldest
 * first (new array), or NULL with an error. */
GPtrArray *router_user_events(LrQueue *q, const char *user_id, GError **error);

#endif
