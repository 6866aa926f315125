/* router-int.h - what router.c and workflow.c share; not a public header. */
#ifndef LR_ROUTER_INT_H
#define LR_ROUTER_INT_H

#include "mailer/compose.h"
#include "parser/parser.h"
#include "rules/route.h"
#include "rules/router.h"

struct LrRouter {
	LrQueue *q;
	LrConfig *cfg;
	LrConfig *pending;	/* set by router_set_config, taken at the next job */
	GMutex lock;
	LrParser *parser;
	GBytes *secret;
	LrMailerConfig mail;
	gint64 fixed_now;
	gint64 clock_shift;
};

/* One job in hand: everything hangs off it and dies with it. */
typedef struct {
	LrRouter *r;
	const LrConfig *cfg;
	LrTxn *txn;
	const LrJob *job;
	LrLead *lead;		/* the lead the job is about, locked */
	gint64 now;
	GPtrArray *logs;	/* StepLog lines, written once the job commits */
} Step;

/* A log line held back until the transaction that it tells of commits
 * (a deadlock runs the job again: its lines must not be written twice). */
typedef struct {
	guint64 lead_id;
	gboolean warn;
	char *text;
} StepLog;

/* Lead meta keys. */
#define META_ASSIGNMENT "assignment"	/* number of the current offer */
#define META_REJECTED "rejected_by"	/* comma list of user ids */
#define META_REJECTIONS "rejections"	/* count toward max_rejections */
#define META_WITHHELD "withheld"	/* comma list of field names */
#define META_BROADCAST "broadcast"	/* "1" when the first ACCEPT wins */
#define META_REASON "reason"		/* why the assignee got it */
#define META_ROUTE "route"		/* the routing trace, JSON */
#define META_MAILSEQ "mailseq"		/* notifications sent so far */
#define META_REPLY_TO "reply_to_lead"	/* on a reply's own record */

/* router.c */
void step_log(Step *s, gboolean warn, guint64 lead_id, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
gboolean step_event(Step *s, const char *type, const char *actor, const char *detail,
		    GError **error);
gboolean step_route(Step *s, GError **error);
gboolean step_assign(Step *s, const char *const *assignees, const char *kind,
		     const char *note, GError **error);
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

/* workflow.c */
gboolean workflow_reply(Step *s, GBytes *raw, GError **error);
gboolean workflow_deadline(Step *s, GError **error);
gboolean workflow_remind(Step *s, GError **error);
gboolean workflow_undeliverable(Step *s, GError **error);
gboolean workflow_looks_like_reply(GBytes *raw, const char *recipient, const char *domain);

#endif
