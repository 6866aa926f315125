/* pipeline.c - parse and compose on worker threads for the router. */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lead/lr-error.h"
#include "router/pipeline.h"

/* One piece of work: run on a worker, then counted done in its group. */
typedef struct PipeWork PipeWork;
struct PipeWork {
	void (*run)(PipeWork *w);
	PipeGroup *group;
	int nice; /* the routing thread's priority: workers take it on */
	gboolean done;
};

struct PipeGroup {
	GMutex lock;
	GCond cond;
	guint running;    /* items handed out and not done */
	GPtrArray *parse; /* PipeParse *, owned */
	GPtrArray *mails; /* PipeMail *, owned, in queueing order */
};

struct PipeParse {
	PipeWork w;
	const LrParser *parser;
	GBytes *raw;
	LrLead *before; /* the lead when the parse started */
	LrLead *lead;   /* the parsed copy */
	gboolean ok;
	GError *error;
};

/* The notice's strings, owned (LrNotice holds borrowed pointers). */
enum { N_KIND, N_TO_NAME, N_TO_ADDRESS, N_TOKEN, N_REASON, N_DEADLINE, N_NOTE, N_ATTACH_TEXT,
       N_IN_REPLY_TO, N_COMMAND_TOKEN, N_STRINGS };

struct PipeMail {
	PipeWork w;
	const LrMailerConfig *config;
	LrLead *lead; /* snapshot, NULL for a message composed already */
	LrNotice notice;
	char *strings[N_STRINGS];
	char **withheld, **attachments;
	guint seq;
	guint64 lead_id;
	char *envelope;
	char **rcpts;
	GBytes *message;
	GError *error;
};

/* Items done by workers (pipe_items_run). */
static gint pipe_items;

/* The pool's user data: the worker was called by the pool, not inline. */
#define PIPE_ON_WORKER GINT_TO_POINTER(1)

/* pipe_thread_nice - run at the priority of the thread that gave the work
 * (a caller that runs its routing at a lower priority gets its workers
 * at that priority too). */
static void pipe_thread_nice(int nice)
{
	id_t tid = (id_t)syscall(SYS_gettid);

	errno = 0;
	if (getpriority(PRIO_PROCESS, tid) != nice || errno != 0)
		(void)setpriority(PRIO_PROCESS, tid, nice);
}

/* pipe_worker - GThreadPool function: one item (on_worker: see
 * PIPE_ON_WORKER). */
static void pipe_worker(gpointer data, gpointer on_worker)
{
	PipeWork *w = data;
	PipeGroup *g = w->group;

	if (on_worker == PIPE_ON_WORKER) {
		pipe_thread_nice(w->nice);
		g_atomic_int_inc(&pipe_items);
	}
	w->run(w);
	g_mutex_lock(&g->lock);
	w->done = TRUE;
	g->running--;
	g_cond_broadcast(&g->cond);
	g_mutex_unlock(&g->lock);
}

/* pipe_pool - the process's worker threads, made once, all at once, by
 * the first thread that gives work.  Exclusive, not shared: GLib gives the
 * threads of its shared pools the scheduler settings of whichever thread
 * made the first shared pool (the daemon's LMTP pool), and an
 * unprivileged process may not raise a niced caller's priority back
 * ("GLib-CRITICAL: Failed to set scheduler settings").  These threads
 * inherit the creator's nice; pipe_thread_nice sets each item's. */
static GThreadPool *pipe_pool(void)
{
	static GThreadPool *pool;
	static gsize done;

	if (g_once_init_enter(&done)) {
		gint n = (gint)CLAMP(g_get_num_processors(), 2, 8);
		pool = g_thread_pool_new(pipe_worker, PIPE_ON_WORKER, n, TRUE, NULL);
		g_once_init_leave(&done, 1);
	}
	return pool;
}

/* pipe_start - hand w to a worker (or do it here when none can start). */
static void pipe_start(PipeGroup *g, PipeWork *w)
{
	GThreadPool *pool = pipe_pool();

	errno = 0;
	w->group = g;
	w->nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	if (errno != 0)
		w->nice = 0;
	g_mutex_lock(&g->lock);
	g->running++;
	g_mutex_unlock(&g->lock);
	if (pool == NULL || !g_thread_pool_push(pool, w, NULL))
		pipe_worker(w, NULL);
}

/* pipe_wait - wait until w is done. */
static void pipe_wait(PipeWork *w)
{
	PipeGroup *g = w->group;

	g_mutex_lock(&g->lock);
	while (!w->done)
		g_cond_wait(&g->cond, &g->lock);
	g_mutex_unlock(&g->lock);
}

/* pipe_parse_free - free a parse item. */
static void pipe_parse_free(gpointer data)
{
	PipeParse *p = data;

	g_bytes_unref(p->raw);
	g_clear_pointer(&p->before, lead_free);
	g_clear_pointer(&p->lead, lead_free);
	g_clear_error(&p->error);
	g_free(p);
}

/* pipe_mail_free - free a mail item. */
static void pipe_mail_free(gpointer data)
{
	PipeMail *m = data;

	g_clear_pointer(&m->lead, lead_free);
	for (guint i = 0; i < N_STRINGS; i++)
		g_free(m->strings[i]);
	g_strfreev(m->withheld);
	g_strfreev(m->attachments);
	g_free(m->envelope);
	g_strfreev(m->rcpts);
	g_clear_pointer(&m->message, g_bytes_unref);
	g_clear_error(&m->error);
	g_free(m);
}

/* pipe_group_new - an empty group. */
PipeGroup *pipe_group_new(void)
{
	PipeGroup *g = g_new0(PipeGroup, 1);

	g_mutex_init(&g->lock);
	g_cond_init(&g->cond);
	g->parse = g_ptr_array_new_with_free_func(pipe_parse_free);
	g->mails = g_ptr_array_new_with_free_func(pipe_mail_free);
	return g;
}

/* pipe_group_free - wait for the workers, then free everything. */
void pipe_group_free(PipeGroup *g)
{
	if (g == NULL)
		return;
	g_mutex_lock(&g->lock);
	while (g->running > 0)
		g_cond_wait(&g->cond, &g->lock);
	g_mutex_unlock(&g->lock);
	g_ptr_array_free(g->parse, TRUE);
	g_ptr_array_free(g->mails, TRUE);
	g_mutex_clear(&g->lock);
	g_cond_clear(&g->cond);
	g_free(g);
}

/* pipe_parse_run - the worker's part: a copy of the lead, parsed. */
static void pipe_parse_run(PipeWork *w)
{
	PipeParse *p = (PipeParse *)w;

	p->lead = lead_copy(p->before);
	p->ok = parser_parse_lead(p->parser, p->raw, p->lead, &p->error);
}

/* pipe_parse_start - start parsing raw for lead. */
PipeParse *pipe_parse_start(PipeGroup *g, const LrParser *parser, const LrLead *lead, GBytes *raw)
{
	PipeParse *p = g_new0(PipeParse, 1);

	p->w.run = pipe_parse_run;
	p->parser = parser;
	p->raw = g_bytes_ref(raw);
	p->before = lead_copy(lead);
	g_ptr_array_add(g->parse, p);
	pipe_start(g, &p->w);
	return p;
}

/* pipe_parse_raw - the message parsed. */
GBytes *pipe_parse_raw(PipeParse *p)
{
	return p->raw;
}

/* pipe_parse_take - the parsed lead in place of lead, when lead is as it
 * was. */
gboolean pipe_parse_take(PipeParse *p, LrLead *lead, gboolean *ok, GError **error)
{
	LrLead swap;

	pipe_wait(&p->w);
	if (!lead_equal(lead, p->before))
		return FALSE;
	swap = *lead;
	*lead = *p->lead;
	*p->lead = swap;
	*ok = p->ok;
	if (!p->ok)
		g_propagate_error(error, g_steal_pointer(&p->error));
	return TRUE;
}

/* pipe_mail_run - the worker's part: the message. */
static void pipe_mail_run(PipeWork *w)
{
	PipeMail *m = (PipeMail *)w;

	m->message = mailer_compose(m->config, m->lead, &m->notice, m->seq, &m->error);
}

/* pipe_notice_copy - m's own copy of notice. */
static void pipe_notice_copy(PipeMail *m, const LrNotice *n)
{
	const char *in[N_STRINGS] = {n->kind,     n->to_name, n->to_address,  n->token,
	                             n->reason,   n->deadline, n->note,       n->attach_text,
	                             n->in_reply_to, n->command_token};

	for (guint i = 0; i < N_STRINGS; i++)
		m->strings[i] = g_strdup(in[i]);
	m->withheld = n->withheld ? g_strdupv((char **)n->withheld) : NULL;
	m->attachments = n->attachments ? g_strdupv((char **)n->attachments) : NULL;
	m->notice = (LrNotice){.kind = m->strings[N_KIND],
	                       .to_name = m->strings[N_TO_NAME],
	                       .to_address = m->strings[N_TO_ADDRESS],
	                       .token = m->strings[N_TOKEN],
	                       .reason = m->strings[N_REASON],
	                       .deadline = m->strings[N_DEADLINE],
	                       .note = m->strings[N_NOTE],
	                       .withheld = (const char *const *)m->withheld,
	                       .reveal = n->reveal,
	                       .attachments = (const char *const *)m->attachments,
	                       .attach_text = m->strings[N_ATTACH_TEXT],
	                       .in_reply_to = m->strings[N_IN_REPLY_TO],
	                       .command_token = m->strings[N_COMMAND_TOKEN]};
}

/* pipe_mail_compose - compose on a worker, queue in turn. */
void pipe_mail_compose(PipeGroup *g, const LrMailerConfig *config, const LrLead *lead,
                       const LrNotice *notice, guint seq, const char *envelope,
                       const char *address)
{
	PipeMail *m = g_new0(PipeMail, 1);
	const char *rcpts[] = {address, NULL};

	m->w.run = pipe_mail_run;
	m->config = config;
	m->lead = lead ? lead_copy(lead) : NULL;
	m->lead_id = lead ? lead->id : 0;
	pipe_notice_copy(m, notice);
	m->seq = seq;
	m->envelope = g_strdup(envelope);
	m->rcpts = g_strdupv((char **)rcpts);
	g_ptr_array_add(g->mails, m);
	pipe_start(g, &m->w);
}

/* pipe_mail_ready - a finished message, queued in its turn. */
void pipe_mail_ready(PipeGroup *g, guint64 lead_id, const char *envelope,
                     const char *const *rcpts, GBytes *message)
{
	PipeMail *m = g_new0(PipeMail, 1);

	m->lead_id = lead_id;
	m->envelope = g_strdup(envelope);
	m->rcpts = g_strdupv((char **)rcpts);
	m->message = g_bytes_ref(message);
	m->w.done = TRUE;
	m->w.group = g;
	g_ptr_array_add(g->mails, m);
}

/* pipe_mails_queue - queue the group's messages in order. */
gboolean pipe_mails_queue(PipeGroup *g, PipeQueueFunc fn, gpointer data, GError **error)
{
	gboolean ok = TRUE;

	for (guint i = 0; ok && i < g->mails->len; i++) {
		PipeMail *m = g->mails->pdata[i];

		pipe_wait(&m->w);
		if (m->message == NULL) {
			g_propagate_error(error, g_steal_pointer(&m->error));
			ok = FALSE;
		} else {
			ok = fn(data, m->lead_id, m->envelope, (const char *const *)m->rcpts,
			        m->message, error);
		}
	}
	/* Freeing waits for nothing: every item was waited for or is done. */
	for (guint i = 0; !ok && i < g->mails->len; i++)
		pipe_wait(&((PipeMail *)g->mails->pdata[i])->w);
	g_ptr_array_set_size(g->mails, 0);
	return ok;
}

/* pipe_mails_pending - messages in the group. */
guint pipe_mails_pending(const PipeGroup *g)
{
	return g->mails->len;
}

/* pipe_items_run - items done on workers so far. */
guint64 pipe_items_run(void)
{
	return (guint64)g_atomic_int_get(&pipe_items);
}
