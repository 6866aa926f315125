/* router.c - the job loop: parse, route, notify, timers. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/token.h"
#include "router/router-int.h"
#include "router/federate.h"
#include "router/pipeline.h"
#include "router/step.h"
#include "router/workflow.h"

/* mark_not_lead - keep the message, do not route it. */
static gboolean mark_not_lead(Step *s, const char *reason, GError **error)
{
	s->lead->is_lead = FALSE;
	lead_set_str(&s->lead->reason, reason); /* reason may be the old value */
	lead_set_str(&s->lead->status, LEAD_STATUS_NOT_LEAD);
	return step_event(s, "not-lead", "parser", s->lead->reason, error);
}

/* do_parse - a delivered message: a reply to a notification, or an
 * inquiry to parse and route. */
static gboolean do_parse(Step *s, GError **error)
{
	g_autoptr(GBytes) raw = s->parse ? g_bytes_ref(pipe_parse_raw(s->parse))
	                                 : queue_raw_get(s->r->q, s->txn, s->lead->id, error);
	g_autoptr(GError) perr = NULL;
	g_autofree char *detail = NULL;
	gboolean ok;

	if (raw == NULL)
		return error && *error ? FALSE : mark_not_lead(s, "raw message missing", error);
	if (fed_is_exchange(raw))
		return fed_receive(s, raw, error);
	if (workflow_looks_like_reply(raw, s->lead->recipient, s->r->mail.domain))
		return workflow_reply(s, raw, error);
	/* The parse started ahead on a worker holds when the lead is as it
	 * was then; else it is done here. */
	if (s->parse == NULL || !pipe_parse_take(s->parse, s->lead, &ok, &perr))
		ok = parser_parse_lead(s->r->parser, raw, s->lead, &perr);
	if (!ok)
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
	gboolean route_on = FALSE;

	if (g_strcmp0(kind, QUEUE_JOB_PARSE) == 0)
		return do_parse(s, error);
	if (g_strcmp0(kind, QUEUE_JOB_ROUTE) == 0)
		return step_route(s, error);
	if (g_strcmp0(kind, JOB_DEADLINE) == 0)
		return workflow_deadline(s, error);
	if (g_strcmp0(kind, JOB_REMIND) == 0)
		return workflow_remind(s, error);
	if (g_strcmp0(kind, JOB_FED_RECALL) == 0)
		return fed_recall_due(s, &route_on, error) && (!route_on || step_route(s, error));
	if (g_strcmp0(kind, QUEUE_JOB_UNDELIVERABLE) == 0)
		return workflow_undeliverable(s, error);
	step_log(s, TRUE, s->lead->id, "job=%s unknown: dropped", kind);
	return TRUE;
}

typedef struct {
	LrRouter *r;
	guint max;  /* jobs one transaction may do */
	guint done; /* jobs done (or dropped) in it */
	guint64 lead_id;
	gint64 job_due; /* key of the job in hand: set aside when it fails */
	guint64 job_id;
	char *failed_kind;
	GPtrArray *logs; /* of the transaction in hand (StepLog) */
} RunCtx;

/* A job taken for the batch, and its parse when started ahead. */
typedef struct {
	LrJob *job;
	PipeParse *parse;
} Taken;

/* taken_free - free a Taken (its parse belongs to the batch's group). */
static void taken_free(gpointer data)
{
	Taken *t = data;

	queue_job_free(t->job);
	g_free(t);
}

/* parse_ahead - start the parse of an inquiry's raw message on a worker:
 * not for exchanges and replies, which are no parse of a lead. */
static gboolean parse_ahead(LrTxn *txn, RunCtx *c, Taken *t, GError **error)
{
	g_autoptr(LrLead) lead = queue_lead_get(c->r->q, txn, t->job->lead_id, error);
	g_autoptr(GBytes) raw = NULL;

	if (lead == NULL)
		return error == NULL || *error == NULL;
	raw = queue_raw_get(c->r->q, txn, lead->id, error);
	if (raw == NULL)
		return error == NULL || *error == NULL;
	if (!fed_is_exchange(raw) &&
	    !workflow_looks_like_reply(raw, lead->recipient, c->r->mail.domain))
		t->parse = pipe_parse_start(c->r->pipe, c->r->parser, lead, raw);
	return TRUE;
}

/* take_jobs - take up to n due jobs (off the queue, inside txn) into
 * taken, in their order, and start the parse of the inquiries among them.
 * Stops before a second job of one lead: it must see what the first did. */
static gboolean take_jobs(LrTxn *txn, RunCtx *c, gint64 now, guint n, GPtrArray *taken,
                          GError **error)
{
	g_autoptr(GHashTable) leads = g_hash_table_new(g_int64_hash, g_int64_equal);

	while (taken->len < n) {
		LrJob *job = queue_job_next(txn, now, error);
		Taken *t;

		if (job == NULL)
			return error == NULL || *error == NULL;
		if (g_hash_table_contains(leads, &job->lead_id)) {
			queue_job_free(job);
			return TRUE;
		}
		t = g_new0(Taken, 1);
		t->job = job;
		g_ptr_array_add(taken, t);
		g_hash_table_add(leads, &job->lead_id);
		if (!queue_job_delete(txn, job, error))
			return FALSE;
		if (c->r->pipe && g_strcmp0(job->kind, QUEUE_JOB_PARSE) == 0 &&
		    !parse_ahead(txn, c, t, error))
			return FALSE;
	}
	return TRUE;
}

/* job_one - do a taken job inside txn (its lead read now: a job before it
 * in the batch may have changed it). */
static gboolean job_one(LrTxn *txn, RunCtx *c, gint64 now, const Taken *t, GError **error)
{
	g_autoptr(LrLead) lead = NULL;
	Step s = {.r = c->r,
	          .cfg = c->r->cfg,
	          .txn = txn,
	          .now = now,
	          .logs = c->logs,
	          .job = t->job,
	          .parse = t->parse};

	c->lead_id = t->job->lead_id;
	c->job_due = t->job->due;
	c->job_id = t->job->job_id;
	lead = queue_lead_get(c->r->q, txn, t->job->lead_id, error);
	if (lead == NULL)
		return error == NULL || *error == NULL;
	s.lead = lead;
	return dispatch(&s, error) && queue_lead_put(txn, lead, error);
}

/* outbox_queue - PipeQueueFunc: into the outbox of the transaction. */
static gboolean outbox_queue(gpointer data, guint64 lead_id, const char *envelope,
                             const char *const *rcpts, GBytes *message, GError **error)
{
	return queue_outbox_add(data, lead_id, envelope, rcpts, message, error);
}

/* How much of the routing thread's CPU time one transaction may take (µs):
 * its locks keep intake waiting, so a batch stays short however many jobs
 * are due. */
#define ROUTER_BATCH_TIME (5 * 1000)

/* thread_cpu_us - the CPU time the calling thread has used (µs): what a
 * job costs the routing thread, whatever else the machine runs (the time
 * it waits for the CPU or for its workers is not its cost). */
static gint64 thread_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return g_get_monotonic_time();
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* batch_size - how many jobs fit in the batch time, by what recent jobs
 * cost the routing thread (c->max until one batch was timed).  Wall time
 * would shrink the batches on a busy machine, down to one job a
 * transaction with no work on the workers, just when the router has the
 * least CPU to spare. */
static guint batch_size(const RunCtx *c)
{
	gint64 limit = c->r->batch_time ? c->r->batch_time : ROUTER_BATCH_TIME;

	if (c->r->job_cost <= 0)
		return c->max;
	return (guint)CLAMP(limit / c->r->job_cost, 1, (gint64)c->max);
}

/* run_jobs - the batch's work: take the jobs, do them one after the
 * other (round-robin and every other state a job reads is what the one
 * before it left), then queue the notifications composed meanwhile on the
 * workers, in the order the jobs gave them. */
static gboolean run_jobs(LrTxn *txn, RunCtx *c, gint64 now, guint n, GError **error)
{
	g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func(taken_free);

	if (!take_jobs(txn, c, now, n, taken, error))
		return FALSE;
	for (guint i = 0; i < taken->len; i++) {
		if (!job_one(txn, c, now, taken->pdata[i], error))
			return FALSE;
		c->done++;
	}
	return c->r->pipe == NULL || pipe_mails_queue(c->r->pipe, outbox_queue, txn, error);
}

/* Batches smaller than this do their work on the routing thread: handing
 * it to another costs more than it saves there. */
#define ROUTER_PIPE_MIN 4

/* job_txn - do up to c->max due jobs, all in one transaction (one commit
 * for the lot), sized to take about ROUTER_BATCH_TIME. */
static gboolean job_txn(LrTxn *txn, gpointer data, GError **error)
{
	RunCtx *c = data;
	LrRouter *r = c->r;
	gint64 now = r->fixed_now ? r->fixed_now : g_get_real_time() + r->clock_shift;
	gint64 start = thread_cpu_us();
	guint n = batch_size(c);
	gboolean ok;

	c->done = 0;
	g_ptr_array_set_size(c->logs, 0); /* a retry tells its story afresh */
	r->pipe = n >= ROUTER_PIPE_MIN ? pipe_group_new() : NULL;
	ok = run_jobs(txn, c, now, n, error);
	g_clear_pointer(&r->pipe, pipe_group_free);
	if (ok && c->done > 0) {
		gint64 cost = MAX((thread_cpu_us() - start) / c->done, 1);
		r->job_cost = r->job_cost ? (3 * r->job_cost + cost) / 4 : cost;
	}
	return ok;
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

/* take_parser - a parser with the new configuration's field aliases; the
 * old one stays when it cannot be made (the reason is logged). */
static void take_parser(LrRouter *r)
{
	g_autoptr(GError) error = NULL;
	LrParser *parser = parser_new(lr_config_field_aliases(r->cfg), &error);

	if (parser == NULL) {
		lr_log_error(0, "reload: keeping the old field aliases: %s", error->message);
		return;
	}
	parser_free(r->parser);
	r->parser = parser;
}

/* take_peers - the federation peers' secrets of the new configuration;
 * the old ones stay when one cannot be read (the reason is logged). */
static void take_peers(LrRouter *r)
{
	g_autoptr(GError) error = NULL;
	GHashTable *peers = fed_peers_load(r->cfg, &error);

	if (peers == NULL) {
		lr_log_error(0, "reload: keeping the old peer secrets: %s", error->message);
		return;
	}
	g_clear_pointer(&r->peers, g_hash_table_unref);
	r->peers = peers;
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
	lr_config_free(old);
	r->mail = (LrMailerConfig){r->cfg->server->templates, r->cfg->server->from,
	                           r->cfg->server->domain, r->cfg->server->name};
	take_parser(r);
	take_peers(r);
}

/* router_run_batch - do up to max due jobs in one transaction. */
guint router_run_batch(LrRouter *r, guint max, GError **error)
{
	g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func(step_log_free);
	RunCtx c = {.r = r, .max = MAX(max, 1), .logs = logs};
	g_autoptr(GError) local = NULL;

	take_config(r);
	/* No database writes on a nearly full file system: wait for room. */
	if (!queue_has_room(r->q, 0, error))
		return 0;
	/* Lazy: a job's only effect outside the store is mail, and the outbox
	 * is flushed to disk before anything is sent. */
	if (queue_run_lazy(r->q, job_txn, &c, &local)) {
		step_logs_write(logs);
		return c.done;
	}
	if (lr_error_is_temp(local)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return 0;
	}
	/* One job of the batch failed for good: find it by doing them one at
	 * a time (the first alone succeeds, or is the one set aside). */
	if (c.max > 1)
		return router_run_batch(r, 1, error);
	lr_log_error(c.lead_id, "job failed, retrying in 5 minutes: %s", local->message);
	c.failed_kind = local->message;
	if (!queue_run(r->q, set_aside_txn, &c, error))
		return 0;
	return 1;
}

/* router_run_once - do one due job. */
gboolean router_run_once(LrRouter *r, GError **error)
{
	return router_run_batch(r, 1, error) > 0;
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
	r->parser = r->secret ? parser_new(lr_config_field_aliases(cfg), error) : NULL;
	r->peers = r->parser ? fed_peers_load(cfg, error) : NULL;
	if (r->peers == NULL) {
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
		lr_config_free(router->pending);
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
		lr_config_free(router->cfg);
	if (router->pending)
		lr_config_free(router->pending);
	g_clear_pointer(&router->parser, parser_free);
	g_clear_pointer(&router->secret, g_bytes_unref);
	g_clear_pointer(&router->peers, g_hash_table_unref);
	g_mutex_clear(&router->lock);
	g_free(router);
}

/* router_set_batch_time - how long (µs) one batch may run; 0: the default. */
void router_set_batch_time(LrRouter *router, gint64 us)
{
	router->batch_time = us;
}
