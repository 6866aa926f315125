/* router.c - the job loop: parse, route, notify, timers. */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/token.h"
#include "rules/router-int.h"

#define JOB_DEADLINE "deadline"
#define JOB_REMIND "remind"

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
static void step_log_free(gpointer data)
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

/* logs_write - write the lines of a committed job. */
static void logs_write(GPtrArray *logs)
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

/* step_event - record an event on the step's lead. */
gboolean step_event(Step *s, const char *type, const char *actor, const char *detail,
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

/* state_uint - a numeric state value inside the step's transaction. */
static guint64 state_uint(Step *s, const char *prefix, const char *name)
{
	g_autofree char *key = state_key(prefix, name);
	g_autofree char *value = NULL;

	if (!queue_state_get(s->r->q, s->txn, key, &value, NULL))
		return 0;
	return g_ascii_strtoull(value, NULL, 10);
}

/* state_set_uint - set a numeric state value (errors surface at commit). */
static gboolean state_set_uint(Step *s, const char *prefix, const char *name, guint64 v,
			       GError **error)
{
	g_autofree char *key = state_key(prefix, name);
	g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, v);

	return queue_state_put(s->txn, key, value, error);
}

/* rs_rr_get / rs_rr_set / rs_open / rs_away - LrRouteState on the queue. */
static guint64 rs_rr_get(gpointer data, const char *key)
{
	return state_uint(data, "rr", key);
}

static void rs_rr_set(gpointer data, const char *key, guint64 value)
{
	state_set_uint(data, "rr", key, value, NULL);
}

static guint rs_open(gpointer data, const char *user)
{
	return (guint)state_uint(data, "open", user);
}

static gint64 rs_away(gpointer data, const char *user)
{
	return (gint64)state_uint(data, "away", user);
}

/* step_open_adjust - count a user's open leads up or down. */
gboolean step_open_adjust(Step *s, const char *user_id, int delta, GError **error)
{
	guint64 n = state_uint(s, "open", user_id);

	if (g_str_has_prefix(user_id, "server:"))
		return TRUE;
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
	const char *v = lead_meta_get(s->lead, "deadline");

	return v ? lead_time_format(g_ascii_strtoll(v, NULL, 10)) : NULL;
}

/* step_notify - compose a notification of kind to a user (with a reply
 * token) and queue it in this transaction. */
gboolean step_notify(Step *s, const char *user_id, const char *kind, const char *note,
		     gboolean reveal, const char *in_reply_to, GError **error)
{
	const LrUser *user = config_user(s->cfg, user_id);
	g_autofree char *token = mail_token(s, user_id);
	g_auto(GStrv) withheld = split_list(s->lead, META_WITHHELD);
	g_auto(GStrv) files = split_list(s->lead, "attach_files");
	g_autofree char *deadline = deadline_text(s);
	g_autofree char *envelope = g_strdup_printf("lead+%s@%s", token, s->r->mail.domain);
	LrNotice n = {0};
	g_autoptr(GBytes) msg = NULL;
	g_autofree char *detail = NULL;

	if (user == NULL)
		return TRUE;	/* a user removed by a reload: nothing to send */
	n = (LrNotice){.kind = kind, .to_name = user->name, .to_address = user->email,
		       .token = token, .reason = lead_meta_get(s->lead, META_REASON),
		       .deadline = deadline, .note = note,
		       .withheld = (const char *const *)withheld, .reveal = reveal,
		       .attachments = (const char *const *)files,
		       .attach_text = lead_meta_get(s->lead, "attach_text"),
		       .in_reply_to = in_reply_to};
	msg = mailer_compose(&s->r->mail, s->lead, &n, next_seq(s), error);
	if (msg == NULL)
		return FALSE;
	detail = g_strdup_printf("%s to %s <%s>", kind, user_id, user->email);
	return outbox_add(s, envelope, user->email, msg, error) &&
	       step_event(s, "notified", "mailer", detail, error);
}

/* step_mail_to - a message that takes no reply (help, refused) to any
 * address. */
gboolean step_mail_to(Step *s, const char *address, const char *kind, const char *note,
		      const char *in_reply_to, GError **error)
{
	g_autofree char *envelope = mailer_envelope_from(&s->r->mail);
	LrNotice n = {.kind = kind, .to_address = address, .note = note,
		      .in_reply_to = in_reply_to};
	g_autoptr(GBytes) msg = mailer_compose(&s->r->mail, s->lead, &n, next_seq(s), error);

	g_autofree char *detail = g_strdup_printf("%s to <%s>", kind, address);

	if (msg == NULL)
		return FALSE;
	return outbox_add(s, envelope ? envelope : "", address, msg, error) &&
	       step_event(s, "notified", "mailer", detail, error);
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
		if (config_user_in_hours(user, t))
			left -= d;
		t += d;
	}
	return t;
}

/* schedule_timers - reminder and deadline of the current assignment. */
static gboolean schedule_timers(Step *s, const LrWorkflow *wf, const char *user_id,
				GError **error)
{
	const LrUser *user = user_id ? config_user(s->cfg, user_id) : NULL;
	g_autofree char *arg = g_strdup(lead_meta_get(s->lead, META_ASSIGNMENT));
	gint64 deadline = working_deadline(user, s->now, wf->accept_within);
	g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, deadline);

	lead_meta_set(s->lead, "deadline", text);
	if (wf->remind_after > 0 && wf->remind_after < wf->accept_within &&
	    !queue_job_add(s->txn, JOB_REMIND, s->lead->id,
			   working_deadline(user, s->now, wf->remind_after), arg, error))
		return FALSE;
	return wf->accept_within <= 0 ||
	       queue_job_add(s->txn, JOB_DEADLINE, s->lead->id, deadline, arg, error);
}

/* step_assign - offer the lead to assignees: a new assignment number,
 * open-lead counts, notifications of kind, timers. */
gboolean step_assign(Step *s, const char *const *assignees, const char *kind,
		     const char *note, GError **error)
{
	const LrUser *first = assignees[0] ? config_user(s->cfg, assignees[0]) : NULL;
	LrWorkflow wf = config_workflow(s->cfg, first);

	step_meta_set_uint(s->lead, META_ASSIGNMENT,
			   step_meta_uint(s->lead, META_ASSIGNMENT) + 1);
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

/* attachments_meta - remember the files and table rows the rules chose. */
static void attachments_meta(LrLead *lead, const LrRouteResult *res)
{
	GString *files = g_string_new(NULL), *text = g_string_new(NULL);

	for (guint i = 0; i < res->attachments->len; i++) {
		const LrAttachment *a = res->attachments->pdata[i];
		if (a->file)
			g_string_append_printf(files, "%s%s", files->len ? "," : "", a->file);
		for (int c = 0; a->columns && a->columns[c] && a->values && a->values[c]; c++)
			g_string_append_printf(text, "%s%s: %s", c ? ", " : "",
					       a->columns[c], a->values[c]);
		if (a->columns)
			g_string_append_printf(text, " (%s)\n", a->name ? a->name : "");
	}
	lead_meta_set(lead, "attach_files", files->len ? files->str : NULL);
	lead_meta_set(lead, "attach_text", text->len ? text->str : NULL);
	g_string_free(files, TRUE);
	g_string_free(text, TRUE);
}

/* result_reason - why the assignee got it: the conditions that matched,
 * or, for a rule without conditions, the rule that routed it. */
static char *result_reason(const LrRouteResult *res)
{
	g_autoptr(GPtrArray) trace = NULL;
	const char *rule = NULL;

	if (res->reason && *res->reason)
		return g_strdup(res->reason);
	trace = route_result_trace(res);
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *st = trace->pdata[i];
		if (st->matched && g_str_has_prefix(st->effect, "route"))
			rule = st->name;
	}
	return rule ? g_strdup_printf("rule %s", rule) : g_strdup("the routing rules");
}

/* result_meta - keep the decision on the lead. */
static void result_meta(LrLead *lead, const LrRouteResult *res)
{
	g_autofree char *json = route_result_to_json(res);
	g_autofree char *withheld = NULL;
	g_autofree char *reason = NULL;

	g_ptr_array_add(res->withheld, NULL);
	withheld = g_strjoinv(",", (char **)res->withheld->pdata);
	g_ptr_array_remove_index(res->withheld, res->withheld->len - 1);
	lead->priority = res->priority;
	g_ptr_array_set_size(lead->holders, 0);
	for (guint i = 0; i < res->holders->len; i++)
		g_ptr_array_add(lead->holders, g_strdup(res->holders->pdata[i]));
	lead_meta_set(lead, META_WITHHELD, withheld);
	lead_meta_set(lead, META_BROADCAST, res->broadcast ? "1" : NULL);
	reason = result_reason(res);
	lead_meta_set(lead, META_REASON, reason);
	lead_meta_set(lead, META_ROUTE, json);
	attachments_meta(lead, res);
}

/* route_detail - the "routed" event's text. */
static char *route_detail(const LrRouteResult *res)
{
	GString *d = g_string_new("holders=");

	for (guint i = 0; i < res->holders->len; i++)
		g_string_append_printf(d, "%s%s", i ? "," : "", (char *)res->holders->pdata[i]);
	g_string_append(d, " assignees=");
	for (guint i = 0; i < res->assignees->len; i++)
		g_string_append_printf(d, "%s%s", i ? "," : "", (char *)res->assignees->pdata[i]);
	g_string_append_printf(d, " priority=%d%s%s reason=%s", res->priority,
			       res->broadcast ? " broadcast" : "",
			       res->escalated ? " escalated" : "", res->reason ? res->reason : "");
	return g_string_free(d, FALSE);
}

/* federate - a secondary server holds the lead (the exchange itself is
 * the federation module's; the decision is recorded now). */
static gboolean federate(Step *s, const char *server, GError **error)
{
	const char *one[] = {server, NULL};

	lead_list_set(s->lead->assignees, one);
	lead_set_str(&s->lead->status, LEAD_STATUS_FEDERATED);
	return step_event(s, "federated", "router", server, error);
}

/* step_route - route the lead under the configuration and offer it. */
gboolean step_route(Step *s, GError **error)
{
	LrRouteState state = {rs_rr_get, rs_rr_set, rs_open, rs_away, s->now, s};
	g_auto(GStrv) rejected = split_list(s->lead, META_REJECTED);
	g_autoptr(LrRouteResult) res = NULL;
	g_autofree char *detail = NULL;
	const char *kind;

	res = route_lead(s->cfg, s->lead, (const char *const *)rejected, &state, error);
	if (res == NULL)
		return FALSE;
	result_meta(s->lead, res);
	detail = route_detail(res);
	if (!step_event(s, "routed", "router", detail, error))
		return FALSE;
	g_ptr_array_add(res->assignees, NULL);
	if (g_str_has_prefix(res->assignees->pdata[0], "server:"))
		return federate(s, res->assignees->pdata[0], error);
	kind = res->escalated ? "escalation" : "new-lead";
	return step_assign(s, (const char *const *)res->assignees->pdata, kind, NULL, error);
}

/* mark_not_lead - keep the message, do not route it. */
static gboolean mark_not_lead(Step *s, const char *reason, GError **error)
{
	s->lead->is_lead = FALSE;
	lead_set_str(&s->lead->reason, reason);	/* reason may be the old value */
	lead_set_str(&s->lead->status, LEAD_STATUS_NOT_LEAD);
	return step_event(s, "not-lead", "parser", s->lead->reason, error);
}

/* do_parse - a delivered message: a reply to a notification, or an
 * inquiry to parse and route. */
static gboolean do_parse(Step *s, GError **error)
{
	g_autoptr(GBytes) raw = queue_raw_get(s->r->q, s->txn, s->lead->id, error);
	g_autoptr(GError) perr = NULL;
	g_autofree char *detail = NULL;

	if (raw == NULL)
		return error && *error ? FALSE : mark_not_lead(s, "raw message missing", error);
	if (workflow_looks_like_reply(raw, s->lead->recipient, s->r->mail.domain))
		return workflow_reply(s, raw, error);
	if (!parser_parse_lead(s->r->parser, raw, s->lead, &perr))
		return mark_not_lead(s, perr->message, error);
	if (!s->lead->is_lead)
		return mark_not_lead(s, s->lead->reason ? s->lead->reason : "not a lead", error);
	detail = g_strdup_printf("format=%s fields=%u source=%s", s->lead->format,
				 s->lead->fields->len, s->lead->source ? s->lead->source : "");
	return step_event(s, "parsed", "parser", detail, error) && step_route(s, error);
}

/* dispatch - run the job's kind. */
static gboolean dispatch(Step *s, GError **error)
{
	const char *kind = s->job->kind;

	if (g_strcmp0(kind, QUEUE_JOB_PARSE) == 0)
		return do_parse(s, error);
	if (g_strcmp0(kind, QUEUE_JOB_ROUTE) == 0)
		return step_route(s, error);
	if (g_strcmp0(kind, JOB_DEADLINE) == 0)
		return workflow_deadline(s, error);
	if (g_strcmp0(kind, JOB_REMIND) == 0)
		return workflow_remind(s, error);
	if (g_strcmp0(kind, QUEUE_JOB_UNDELIVERABLE) == 0)
		return workflow_undeliverable(s, error);
	step_log(s, TRUE, s->lead->id, "job=%s unknown: dropped", kind);
	return TRUE;
}

typedef struct {
	LrRouter *r;
	gboolean did;
	guint64 lead_id;
	gint64 job_due;		/* key of the job in hand: set aside when it fails */
	guint64 job_id;
	char *failed_kind;
	GPtrArray *logs;	/* of the job in hand (StepLog) */
} RunCtx;

/* job_txn - take the next job and do it, all in one transaction. */
static gboolean job_txn(LrTxn *txn, gpointer data, GError **error)
{
	RunCtx *c = data;
	gint64 now = c->r->fixed_now ? c->r->fixed_now : g_get_real_time() + c->r->clock_shift;
	g_autoptr(LrJob) job = queue_job_next(txn, now, error);
	g_autoptr(LrLead) lead = NULL;
	Step s = {c->r, c->r->cfg, txn, NULL, NULL, now, c->logs};

	c->did = FALSE;
	g_ptr_array_set_size(c->logs, 0);	/* a retry tells its story afresh */
	if (job == NULL)
		return error == NULL || *error == NULL;
	c->lead_id = job->lead_id;
	c->job_due = job->due;
	c->job_id = job->job_id;
	s.job = job;
	lead = queue_lead_get(c->r->q, txn, job->lead_id, error);
	if (lead == NULL && error && *error)
		return FALSE;
	c->did = TRUE;
	if (lead == NULL)
		return queue_job_delete(txn, job, error);
	s.lead = lead;
	if (!dispatch(&s, error))
		return FALSE;
	return queue_lead_put(txn, lead, error) && queue_job_delete(txn, job, error);
}

/* set_aside_txn - a job that failed for good (a broken template, a bad
 * record): record the error and try it again later, behind the other
 * jobs, so that it blocks nothing and is done once the cause is fixed. */
static gboolean set_aside_txn(LrTxn *txn, gpointer data, GError **error)
{
	RunCtx *c = data;
	LrJob failed = {.job_id = c->job_id, .due = c->job_due};
	g_autoptr(LrEvent) ev = lead_event_new("error", "router", c->failed_kind);
	gint64 later = g_get_real_time() + 5 * 60 * G_USEC_PER_SEC;
	gboolean found;

	return queue_job_postpone(txn, &failed, later, &found, error) &&
	       (!found || queue_event_add(txn, c->lead_id, ev, error));
}

/* take_config - switch to a configuration set by router_set_config. */
static void take_config(LrRouter *r)
{
	LrConfig *old = NULL;

	g_mutex_lock(&r->lock);
	if (r->pending) {
		old = r->cfg;
		r->cfg = r->pending;
		r->pending = NULL;
	}
	g_mutex_unlock(&r->lock);
	if (old == NULL)
		return;
	config_free(old);
	r->mail = (LrMailerConfig){r->cfg->server->templates, r->cfg->server->from,
				   r->cfg->server->domain, r->cfg->server->name};
}

/* router_run_once - do one due job. */
gboolean router_run_once(LrRouter *r, GError **error)
{
	g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func(step_log_free);
	RunCtx c = {r, FALSE, 0, 0, 0, NULL, logs};
	g_autoptr(GError) local = NULL;

	take_config(r);
	/* No database writes on a nearly full file system: wait for room. */
	if (!queue_has_room(r->q, 0, error))
		return FALSE;
	/* Lazy: a job's only effect outside the store is mail, and the outbox
	 * is flushed to disk before anything is sent. */
	if (queue_run_lazy(r->q, job_txn, &c, &local)) {
		logs_write(logs);
		return c.did;
	}
	if (lr_error_is_temp(local)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	lr_log_error(c.lead_id, "job failed, retrying in 5 minutes: %s", local->message);
	c.failed_kind = local->message;
	if (!queue_run(r->q, set_aside_txn, &c, error))
		return FALSE;
	return TRUE;
}

/* router_new - set up the worker. */
LrRouter *router_new(LrQueue *q, LrConfig *cfg, GError **error)
{
	LrRouter *r = g_new0(LrRouter, 1);
	g_autofree char *fallback = g_build_filename(cfg->server->home, "secret", NULL);

	r->q = q;
	r->cfg = cfg;
	g_mutex_init(&r->lock);
	r->secret = token_secret_load(cfg->server->secret_file, fallback, error);
	r->parser = r->secret ? parser_new(config_field_aliases(cfg), error) : NULL;
	if (r->parser == NULL) {
		router_free(r);
		return NULL;
	}
	r->mail = (LrMailerConfig){cfg->server->templates, cfg->server->from, cfg->server->domain,
				   cfg->server->name};
	return r;
}

/* router_set_config - switch configuration at the next job. */
void router_set_config(LrRouter *router, LrConfig *cfg)
{
	g_mutex_lock(&router->lock);
	if (router->pending)
		config_free(router->pending);
	router->pending = cfg;
	g_mutex_unlock(&router->lock);
}

/* router_fix_time - tests set the clock. */
void router_fix_time(LrRouter *router, gint64 now)
{
	router->fixed_now = now;
}

/* router_shift_clock - tests route as on another day. */
void router_shift_clock(LrRouter *router, gint64 delta)
{
	router->clock_shift = delta;
}

/* router_free - destroy the worker and its configuration. */
void router_free(LrRouter *router)
{
	if (router == NULL)
		return;
	if (router->cfg)
		config_free(router->cfg);
	if (router->pending)
		config_free(router->pending);
	g_clear_pointer(&router->parser, parser_free);
	g_clear_pointer(&router->secret, g_bytes_unref);
	g_mutex_clear(&router->lock);
	g_free(router);
}
