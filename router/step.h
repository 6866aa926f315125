/* step.h - one job in hand and what it can do to its lead (events,
 * routing, offers, notifications, timers), all in the job's transaction.
 * Used by router.c (the job loop), workflow.c (replies, deadlines) and
 * the federation steps; step.c is below federate.c, step-route.c above. */
#ifndef LR_STEP_H
#define LR_STEP_H

#include "lead/lead.h"
#include "queue/queue.h"
#include "router/router-int.h"
#include "rules/lr-config.h"
#include "rules/route.h"

/* Timer job kinds the steps set and the router dispatches. */
#define JOB_DEADLINE "deadline"
#define JOB_REMIND "remind"

/* One job in hand: everything hangs off it and dies with it. */
typedef struct {
	LrRouter *r;
	const LrConfig *cfg;
	LrTxn *txn;
	const LrJob *job;
	LrLead *lead; /* the lead the job is about, locked */
	gint64 now;
	GPtrArray *logs; /* StepLog lines, written once the job commits */
} Step;

/* A log line held back until the transaction that it tells of commits
 * (a deadlock runs the job again: its lines must not be written twice). */
typedef struct {
	guint64 lead_id;
	gboolean warn;
	char *text;
} StepLog;

/* step_log - hold a log line back until the job commits (StepLog in
 * s->logs); step_logs_write writes and empties such an array (of
 * step_log_free elements) once it has. */
void step_log(Step *s, gboolean warn, guint64 lead_id, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void step_logs_write(GPtrArray *logs);
void step_log_free(gpointer data);

/* step_record - record an event on the step's lead; step_event
 * (step-route.c) records it and tells the lead's origin of it when it must
 * hear of it (fed_report).  step_record is for the router's own events
 * (routed, notified, federation), which no origin hears of. */
gboolean step_record(Step *s, const char *type, const char *actor, const char *detail,
                     GError **error);
gboolean step_event(Step *s, const char *type, const char *actor, const char *detail,
                    GError **error);

/* step_decide - the routing decision on s->lead (without the assignees of
 * META_REJECTED), the routing state read and written in the job's
 * transaction; NULL with an error when the rules or the state failed.
 * step_route (step-route.c) acts on it: meta, the "routed" event, the offer
 * to users or to a partner server (routing on when that server is skipped). */
LrRouteResult *step_decide(Step *s, GError **error);
gboolean step_route(Step *s, GError **error);
gboolean step_assign(Step *s, const char *const *assignees, const char *kind, const char *note,
                     GError **error);
gboolean step_notify(Step *s, const char *user_id, const char *kind, const char *note,
                     gboolean reveal, const char *in_reply_to, GError **error);
gboolean step_mail_to(Step *s, const char *address, const char *kind, const char *note,
                      const char *in_reply_to, GError **error);
gboolean step_open_adjust(Step *s, const char *user_id, int delta, GError **error);
gint64 step_away(Step *s, const char *user_id);
gboolean step_set_away(Step *s, const char *user_id, gint64 until, GError **error);
guint64 step_meta_uint(const LrLead *lead, const char *key);
void step_meta_set_uint(LrLead *lead, const char *key, guint64 value);
gboolean step_is_assignee(const LrLead *lead, const char *user_id);
void step_list_add(LrLead *lead, const char *key, const char *item);

#endif
