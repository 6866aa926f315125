/* step.c - what one job does to its lead: events, the routing decision,
 * offers, notifications, timers (shared by the router, the workflow and
 * federation; step-route.c holds the steps above federation). */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/token.h"
#include "router/router-int.h"
#include "router/step.h"
#include "rules/route.h"

/* step_meta_uint - a numeric meta value (0 when unset). */
guint64 step_meta_uint(const LrLead *lead, const char *key)
{
	const char *v = lead_meta_get(lead, key);

	return v ? g_ascii_strtoull(v, NULL, 10) : 0;
}

/* step_meta_set_uint - store a numeric meta value. */
void step_meta_set_uint(LrLead *lead, const char *key, guint64 value)
{
	g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, value);

	lead_meta_set(lead, key, text);
}

/* step_is_assignee - is user_id among the lead's assignees? */
gboolean step_is_assignee(const LrLead *lead, const char *user_id)
{
	for (guint i = 0; i < lead->assignees->len; i++)
		if (g_strcmp0(lead->assignees->pdata[i], user_id) == 0)
			return TRUE;
	return FALSE;
}

/* step_list_add - append item to the comma list in meta key. */
void step_list_add(LrLead *lead, const char *key, const char *item)
{
	const char *old = lead_meta_get(lead, key);
	g_autofree char *next = old && *old ? g_strconcat(old, ",", item, NULL) : g_strdup(item);

	lead_meta_set(lead, key, next);
}

/* step_log_free - free a held-back log line. */
void step_log_free(gpointer data)
{
	StepLog *l = data;

	g_free(l->text);
	g_free(l);
}

/* step_log - hold a log line back until the job's transaction commits. */
void step_log(Step *s, gboolean warn, guint64 lead_id, const char *fmt, ...)
{
	StepLog *l = g_new0(StepLog, 1);
	va_list ap;

	va_start(ap, fmt);
	l->text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	l->lead_id = lead_id;
	l->warn = warn;
	g_ptr_array_add(s->logs, l);
}

/* step_logs_write - write the lines of a committed job. */
void step_logs_write(GPtrArray *logs)
{
	for (guint i = 0; i < logs->len; i++) {
		const StepLog *l = logs->pdata[i];

		if (l->warn)
			lr_log_warn(l->lead_id, "%s", l->text);
		else
			lr_log_info(l->lead_id, "%s", l->text);
	}
	g_ptr_array_set_size(logs, 0);
}

/* step_record - record an event on the step's lead. */
gboolean step_record(Step *s, const char *type, const char *actor, const char *detail,
                     GError **error)
{
	g_autoptr(LrEvent) ev = lead_event_new(type, actor, detail);

	ev->at = s->now;
	step_log(s, FALSE, s->lead->id, "event=%s actor=%s %s", type, actor, detail ? detail : "");
	return queue_event_add(s->txn, s->lead->id, ev, error);
}

/* state_key - "PREFIX:NAME". */
static char *state_key(const char *prefix, const char *name)
{
	return g_strconcat(prefix, ":", name, NULL);
}

/* state_uint - a numeric state value inside the step's transaction into
 * *out (0 when unset); FALSE when the store failed. */
static gboolean state_uint(Step *s, const char *prefix, const char *name, guint64 *out,
                           GError **error)
{
	g_autofree char *key = state_key(prefix, name);
	g_autofree char *value = NULL;
	GError *local = NULL;

	*out = 0;
	if (queue_state_get(s->r->q, s->txn, key, &value, &local)) {
		*out = g_ascii_strtoull(value, NULL, 10);
		return TRUE;
	}
	if (local == NULL)
		return TRUE; /* not set */
	g_propagate_error(error, local);
	return FALSE;
}

/* state_set_uint - set a numeric state value. */
static gboolean state_set_uint(Step *s, const char *prefix, const char *name, guint64 v,
                               GError **error)
{
	g_autofree char *key = state_key(prefix, name);
	g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, v);

	return queue_state_put(s->txn, key, value, error);
}

/* The data of the LrRouteState over the queue: the step, and the first
 * store failure of a callback (which cannot return one), for step_route
 * to hand on instead of routing on a value that was never read. */
typedef struct {
	Step *s;
	GError *error;
} RsData;

/* rs_get - a numeric state value for a callback, noting a failure. */
static guint64 rs_get(RsData *d, const char *prefix, const char *name)
{
	guint64 v = 0;

	if (d->error == NULL)
		state_uint(d->s, prefix, name, &v, &d->error);
	return v;
}

/* rs_rr_get / rs_rr_set / rs_open / rs_away - LrRouteState on the queue. */
static guint64 rs_rr_get(gpointer data, const char *key)
{
	return rs_get(data, "rr", key);
}

static void rs_rr_set(gpointer data, const char *key, guint64 value)
{
	RsData *d = data;

	if (d->error == NULL)
		state_set_uint(d->s, "rr", key, value, &d->error);
}

static guint rs_open(gpointer data, const char *user)
{
	return (guint)rs_get(data, "open", user);
}

static gint64 rs_away(gpointer data, const char *user)
{
	return (gint64)rs_get(data, "away", user);
}

/* step_open_adjust - count a user's open leads up or down. */
gboolean step_open_adjust(Step *s, const char *user_id, int delta, GError **error)
{
	guint64 n;

	if (g_str_has_prefix(user_id, "server:"))
		return TRUE;
	if (!state_uint(s, "open", user_id, &n, error))
		return FALSE;
	n = delta < 0 && n < (guint64)-delta ? 0 : n + delta;
	return state_set_uint(s, "open", user_id, n, error);
}

/* step_away - until when a user is away (0 or past: available). */
gint64 step_away(Step *s, const char *user_id)
{
	return rs_away(s, user_id);
}

/* step_set_away - mark a user unavailable until a time. */
gboolean step_set_away(Step *s, const char *user_id, gint64 until, GError **error)
{
	return state_set_uint(s, "away", user_id, (guint64)until, error);
}

/* mail_token - the reply token for user on the current assignment. */
static char *mail_token(Step *s, const char *user_id)
{
	gsize len;
	const char *secret = g_bytes_get_data(s->r->secret, &len);

	return token_make(secret, len, s->lead->id,
	                  (guint32)step_meta_uint(s->lead, META_ASSIGNMENT), user_id);
}

/* command_token - the command token of user_id (its footer address), or
 * NULL when there is no such user. */
static char *command_token(Step *s, const char *user_id)
{
	gsize len;
	const char *secret = g_bytes_get_data(s->r->secret, &len);

	return user_id ? token_user_make(secret, len, user_id) : NULL;
}

/* split_list - a comma list from meta as a NULL-terminated vector. */
static char **split_list(const LrLead *lead, const char *key)
{
	const char *v = lead_meta_get(lead, key);

	return v && *v ? g_strsplit(v, ",", -1) : g_new0(char *, 1);
}

/* outbox_add - queue a composed message to one address. */
static gboolean outbox_add(Step *s, const char *envelope, const char *address, GBytes *msg,
                           GError **error)
{
	const char *rcpts[] = {address, NULL};

	return queue_outbox_add(s->txn, s->lead->id, envelope, rcpts, msg, error);
}

/* next_seq - the notification number for Message-IDs (0 = the first). */
static guint next_seq(Step *s)
{
	guint64 seq = step_meta_uint(s->lead, META_MAILSEQ);

	step_meta_set_uint(s->lead, META_MAILSEQ, seq + 1);
	return (guint)seq;
}

/* deadline_text - the accept deadline for people. */
static char *deadline_text(Step *s)
{
	const char *v = lead_meta_get(s->lead, META_DEADLINE);

	return v ? lead_time_format(g_ascii_strtoll(v, NULL, 10)) : NULL;
}

/* step_notify - compose a notification of kind to a user (with a reply
 * token) and queue it in this transaction. */
gboolean step_notify(Step *s, const char *user_id, const char *kind, const char *note,
                     gboolean reveal, const char *in_reply_to, GError **error)
{
	const LrUser *user = lr_config_user(s->cfg, user_id);
	g_autofree char *token = mail_token(s, user_id);
	g_autofree char *ctoken = command_token(s, user_id);
	g_auto(GStrv) withheld = split_list(s->lead, META_WITHHELD);
	g_auto(GStrv) files = split_list(s->lead, META_ATTACH_FILES);
	g_autofree char *deadline = deadline_text(s);
	g_autofree char *envelope = g_strdup_printf("lead+%s@%s", token, s->r->mail.domain);
	LrNotice n = {0};
	g_autoptr(GBytes) msg = NULL;
	g_autofree char *detail = NULL;

	if (user == NULL)
		return TRUE; /* a user removed by a reload: nothing to send */
	n = (LrNotice){.kind = kind,
	               .to_name = user->name,
	               .to_address = user->email,
	               .token = token,
	               .reason = lead_meta_get(s->lead, META_REASON),
	               .deadline = deadline,
	               .note = note,
	               .withheld = (const char *const *)withheld,
	               .reveal = reveal,
	               .attachments = (const char *const *)files,
	               .attach_text = lead_meta_get(s->lead, META_ATTACH_TEXT),
	               .in_reply_to = in_reply_to,
	               .command_token = ctoken};
	msg = mailer_compose(&s->r->mail, s->lead, &n, next_seq(s), error);
	if (msg == NULL)
		return FALSE;
	detail = g_strdup_printf("%s to %s <%s>", kind, user_id, user->email);
	return outbox_add(s, envelope, user->email, msg, error) &&
	       step_record(s, "notified", "mailer", detail, error);
}

/* step_mail_to - a message that takes no reply (help, refused) to any
 * address. */
gboolean step_mail_to(Step *s, const char *address, const char *kind, const char *note,
                      const char *in_reply_to, GError **error)
{
	g_autofree char *envelope = mailer_envelope_from(&s->r->mail);
	const LrUser *user = lr_config_user_by_address(s->cfg, address);
	g_autofree char *ctoken = command_token(s, user ? user->id : NULL);
	LrNotice n = {.kind = kind,
	              .to_address = address,
	              .note = note,
	              .in_reply_to = in_reply_to,
	              .command_token = ctoken};
	g_autoptr(GBytes) msg = mailer_compose(&s->r->mail, s->lead, &n, next_seq(s), error);

	g_autofree char *detail = g_strdup_printf("%s to <%s>", kind, address);

	if (msg == NULL)
		return FALSE;
	return outbox_add(s, envelope ? envelope : "", address, msg, error) &&
	       step_record(s, "notified", "mailer", detail, error);
}

/* working_deadline - now + seconds, counting only user's working hours
 * when they have any (minute steps, at most 30 days ahead). */
static gint64 working_deadline(const LrUser *user, gint64 now, gint64 seconds)
{
	gint64 t = now, left = seconds * G_USEC_PER_SEC;
	const gint64 step = 60 * G_USEC_PER_SEC, limit = now + 30LL * 86400 * G_USEC_PER_SEC;

	if (user == NULL || user->hours == NULL || user->hours->len == 0)
		return now + left;
	while (left > 0 && t < limit) {
		gint64 d = MIN(step, left);
		if (lr_config_user_in_hours(user, t))
			left -= d;
		t += d;
	}
	return t;
}

/* schedule_timers - reminder and deadline of the current assignment. */
static gboolean schedule_timers(Step *s, const LrWorkflow *wf, const char *user_id, GError **error)
{
	const LrUser *user = user_id ? lr_config_user(s->cfg, user_id) : NULL;
	g_autofree char *arg = g_strdup(lead_meta_get(s->lead, META_ASSIGNMENT));
	gint64 deadline = working_deadline(user, s->now, wf->accept_within);
	g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, deadline);

	lead_meta_set(s->lead, META_DEADLINE, text);
	if (wf->remind_after > 0 && wf->remind_after < wf->accept_within &&
	    !queue_job_add(s->txn, JOB_REMIND, s->lead->id,
	                   working_deadline(user, s->now, wf->remind_after), arg, error))
		return FALSE;
	return wf->accept_within <= 0 ||
	       queue_job_add(s->txn, JOB_DEADLINE, s->lead->id, deadline, arg, error);
}

/* step_assign - offer the lead to assignees: a new assignment number,
 * open-lead counts, notifications of kind, timers. */
gboolean step_assign(Step *s, const char *const *assignees, const char *kind, const char *note,
                     GError **error)
{
	const LrUser *first = assignees[0] ? lr_config_user(s->cfg, assignees[0]) : NULL;
	LrWorkflow wf = lr_config_workflow(s->cfg, first);

	step_meta_set_uint(s->lead, META_ASSIGNMENT, step_meta_uint(s->lead, META_ASSIGNMENT) + 1);
	for (guint i = 0; i < s->lead->assignees->len; i++)
		if (!step_open_adjust(s, s->lead->assignees->pdata[i], -1, error))
			return FALSE;
	lead_list_set(s->lead->assignees, assignees);
	lead_set_str(&s->lead->status, LEAD_STATUS_OFFERED);
	if (!schedule_timers(s, &wf, assignees[0], error))
		return FALSE;
	for (int i = 0; assignees[i]; i++) {
		if (g_str_has_prefix(assignees[i], "server:"))
			continue;
		if (!step_open_adjust(s, assignees[i], +1, error) ||
		    !step_notify(s, assignees[i], kind, note, FALSE, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* step_decide - the routing decision on s->lead, with the routing state
 * (round robin, open leads, away) read and written in the job's
 * transaction. */
LrRouteResult *step_decide(Step *s, GError **error)
{
	RsData rs = {s, NULL};
	LrRouteState state = {.rr_get = rs_rr_get,
	                      .rr_set = rs_rr_set,
	                      .open_leads = rs_open,
	                      .away_until = rs_away,
	                      .now = s->now,
	                      .data = &rs};
	g_auto(GStrv) rejected = split_list(s->lead, META_REJECTED);
	LrRouteResult *res = route_lead(s->cfg, s->lead, (const char *const *)rejected, &state, error);

	if (rs.error != NULL) {
		/* A decision on state that could not be read or written: the
		 * transaction is retried (a deadlock) or the job set aside. */
		g_clear_pointer(&res, route_result_free);
		g_clear_error(error);
		g_propagate_prefixed_error(error, rs.error, "routing state: ");
		return NULL;
	}
	return res;
}
