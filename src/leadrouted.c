/* leadrouted - the daemon: LMTP intake, the router, the outbox sender and
 * the timers over one Berkeley DB environment.
 *
 * SIGHUP reloads the configuration whole (a file that does not check
 * keeps the running one, and the log says why); SIGTERM stops taking mail,
 * finishes the transactions in hand and exits. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "intake/lmtp.h"
#include "intake/spool-server.h"
#include "intake/source.h"
#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "lead/process.h"
#include "mailer/compose.h"
#include "mailer/sender.h"
#include "mailer/token.h"
#include "queue/queue.h"
#include "report/digest.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "router/fedprune.h"
#include "router/router.h"

/* A thread that sends one kind of the outbox (mail, or the POSTs to
 * partners' https endpoints), with its own sender. */
typedef struct {
	gpointer daemon;
	const char *name;
	SenderKinds kinds;
	LrSender *sender;
	LrSender *next; /* made by a reload, taken by the thread (kick_lock) */
	GThread *thread;
} Outlet;

typedef struct {
	char *config_path;
	LrQueue *q;
	LrRouter *router;
	Outlet outlets[2];
	LrLmtpServer *lmtp;
	LrIntakeBatcher *batcher;
	LrSourceRunner *sources; /* the mailbox sources' threads */
	GMainLoop *loop;
	GThread *worker;
	gint stopping;
	GMutex kick_lock;
	GCond kick;
	guint64 kicks;
	LrServerConfig *started; /* the server group the daemon started with */
	LrServerConfig *applied; /* the one the last reload applied */
	gboolean ready;          /* the store is open: intake may store (under kick_lock) */
	gboolean quitting;       /* it never will: stop waiting (under kick_lock) */
	GCond ready_cond;
	LrConfig *digest_cfg; /* the digest's own copy (the router owns its one) */
	LrDigest *digest;     /* workflow.digest, or NULL */
	SpoolServer *handoff; /* leadroute-deliver's socket */
	GThread *spooler;     /* takes the spool in */
	char *home;
	char *prune_cursor; /* where the next batch of replay keys starts */
} Daemon;

/* How long a message that arrives while the daemon starts waits for the
 * store (started as root, the sockets listen before the store is open). */
#define DAEMON_READY_WAIT (60 * G_USEC_PER_SEC)

/* Seconds between retention runs (server.retention). */
#ifndef LR_RETENTION_EVERY
#define LR_RETENTION_EVERY 60
#endif

/* daemon_wait_ready - TRUE once the store is open (waits a while). */
static gboolean daemon_wait_ready(Daemon *d)
{
	gint64 until = g_get_monotonic_time() + DAEMON_READY_WAIT;
	gboolean ready;

	g_mutex_lock(&d->kick_lock);
	while (!d->ready && !d->quitting && g_cond_wait_until(&d->ready_cond, &d->kick_lock, until))
		;
	ready = d->ready;
	g_mutex_unlock(&d->kick_lock);
	return ready;
}

/* daemon_set_ready - the store is open: let intake in. */
static void daemon_set_ready(Daemon *d)
{
	g_mutex_lock(&d->kick_lock);
	d->ready = TRUE;
	g_cond_broadcast(&d->ready_cond);
	g_mutex_unlock(&d->kick_lock);
}

/* store_message - the LMTP store callback: durable, once. */
static gboolean store_message(GBytes *message, const char *sender, const char *const *recipients,
                              gpointer data, guint64 *lead_id, gboolean *duplicate, GError **error)
{
	Daemon *d = data;

	if (!daemon_wait_ready(d)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "still starting");
		return FALSE;
	}
	return intake_batcher_store(d->batcher, message, sender, recipients, lead_id, duplicate,
	                            error);
}

/* spool_store - the store step of the deliverer's socket and spool. */
static gboolean spool_store(const SpoolEnvelope *env, gpointer data, guint64 *lead_id,
                            gboolean *duplicate, GError **error)
{
	Daemon *d = data;

	return intake_batcher_store(d->batcher, env->raw, env->sender,
	                            (const char *const *)env->rcpts->pdata, lead_id, duplicate,
	                            error);
}

/* How often the spool is looked at while the daemon runs (microseconds). */
#define DAEMON_SPOOL_EVERY (200 * 1000)

/* spooler_main - take in what leadroute-deliver spooled, at start and
 * then every DAEMON_SPOOL_EVERY until stopped. */
static gpointer spooler_main(gpointer data)
{
	Daemon *d = data;

	while (!g_atomic_int_get(&d->stopping)) {
		guint n = spool_take_in(d->home, spool_store, d);
		if (n > 0)
			lr_log_info(0, "spool: %u message(s) taken in", n);
		else
			g_usleep(DAEMON_SPOOL_EVERY);
	}
	return NULL;
}

/* start_spool - the deliverer's socket and the spool taker; without the
 * socket deliverers spool, so that is a warning, not a failure. */
static void start_spool(Daemon *d, const LrServerConfig *srv)
{
	g_autoptr(GError) error = NULL;

	d->home = g_strdup(srv->home);
	d->handoff = spool_server_start(srv->home, srv->max_message_size, spool_store, d, &error);
	if (d->handoff == NULL)
		lr_log_warn(0, "%s (leadroute-deliver spools instead)", error->message);
	d->spooler = g_thread_new("spool", spooler_main, d);
}

/* stop_spool - close the socket and stop the taker (before the batcher). */
static void stop_spool(Daemon *d)
{
	g_clear_pointer(&d->handoff, spool_server_stop);
	if (d->spooler) {
		g_atomic_int_set(&d->stopping, 1);
		g_thread_join(d->spooler);
		d->spooler = NULL;
	}
	g_clear_pointer(&d->home, g_free);
}

/* kick_mailer - wake the sender: a job may have queued mail. */
static void kick_mailer(Daemon *d)
{
	g_mutex_lock(&d->kick_lock);
	d->kicks++;
	g_cond_broadcast(&d->kick);
	g_mutex_unlock(&d->kick_lock);
}

/* Jobs the router does in one transaction: under a burst one commit (and
 * one wake of the sender) serves this many leads. */
#define DAEMON_JOB_BATCH 32

/* worker_main - do due jobs; sleep until the next is due or a job is
 * added (jobs added by other processes are found within 200 ms). */
static gpointer worker_main(gpointer data)
{
	Daemon *d = data;

	while (!g_atomic_int_get(&d->stopping)) {
		g_autoptr(GError) error = NULL;
		gint64 wait;
		if (router_run_batch(d->router, DAEMON_JOB_BATCH, &error) > 0) {
			kick_mailer(d);
			continue;
		}
		if (error)
			lr_log_warn(0, "router: %s (retrying)", error->message);
		wait = queue_job_next_due(d->q) - g_get_real_time();
		queue_jobs_wait(d->q, CLAMP(wait, 1000, 200 * 1000));
	}
	return NULL;
}

/* mailer_main - deliver the outlet's kinds of the outbox; wake on a kick
 * or every second. */
static gpointer mailer_main(gpointer data)
{
	Outlet *o = data;
	Daemon *d = o->daemon;

	while (!g_atomic_int_get(&d->stopping)) {
		g_autoptr(GError) error = NULL;
		guint64 seen;
		LrSender *next;

		g_mutex_lock(&d->kick_lock);
		seen = d->kicks;
		next = g_steal_pointer(&o->next);
		g_mutex_unlock(&d->kick_lock);
		if (next != NULL) {
			sender_free(o->sender);
			o->sender = next;
		}
		sender_run_kinds(o->sender, d->q, o->kinds, &error);
		if (error)
			lr_log_warn(0, "outbox: %s", error->message);
		g_mutex_lock(&d->kick_lock);
		if (d->kicks == seen && !g_atomic_int_get(&d->stopping))
			g_cond_wait_until(&d->kick, &d->kick_lock,
			                  g_get_monotonic_time() + G_USEC_PER_SEC);
		g_mutex_unlock(&d->kick_lock);
	}
	return NULL;
}

/* on_failchk - release what dead processes left (once a second). */
static gboolean on_failchk(gpointer data)
{
	Daemon *d = data;

	if (queue_failchk(d->q))
		return G_SOURCE_CONTINUE;
	/* Threads may be blocked on a mutex the dead process held: do not
	 * wait for them.  Nothing acknowledged is lost (it is in the log) and
	 * nothing unacknowledged either (clients retry); the restart that the
	 * service manager makes recovers the store. */
	lr_log_error(0, "exiting so that a restart recovers the store");
	_exit(EX_TEMPFAIL);
}

/* on_retention - erase what server.retention says is kept too long, a
 * batch a minute (store). */
static gboolean on_retention(gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;
	gint64 keep = d->applied ? d->applied->retention_closed_after : 0;
	guint erased = 0;

	if (keep <= 0 || d->q == NULL)
		return G_SOURCE_CONTINUE;
	if (!queue_retention_erase(d->q, g_get_real_time() - keep * G_USEC_PER_SEC, 1000, &erased,
	                           &error))
		lr_log_warn(0, "retention: %s (retrying)", error->message);
	else if (erased > 0)
		lr_log_info(0, "retention: erased=%u closed_after=%" G_GINT64_FORMAT "s", erased,
		            keep);
	return G_SOURCE_CONTINUE;
}

/* Replay keys (router/fedprune.h) looked at per batch, a batch every
 * LR_PRUNE_EVERY seconds: bounded work, a pass over a million keys in
 * about two hours. */
#define LR_PRUNE_BATCH 1000
#define LR_PRUNE_EVERY 10

/* on_replay_prune - delete a batch of replay keys too old to matter. */
static gboolean on_replay_prune(gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;
	guint pruned = 0;

	if (d->q == NULL)
		return G_SOURCE_CONTINUE;
	if (!fed_replay_prune(d->q, g_get_real_time(), LR_PRUNE_BATCH, &d->prune_cursor, &pruned,
	                      &error))
		lr_log_warn(0, "replay keys: %s (retrying)", error->message);
	else if (pruned > 0)
		lr_log_info(0, "replay keys: pruned=%u", pruned);
	return G_SOURCE_CONTINUE;
}

/* load_config - the configuration and its templates, whole or not at all. */
static LrConfig *load_config(const char *path, GError **error)
{
	LrConfig *cfg = lr_config_load(path, error);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *text = NULL;

	if (cfg == NULL || mailer_templates_check(cfg->server->templates, problems))
		return cfg;
	g_ptr_array_add(problems, NULL);
	text = g_strjoinv("\n", (char **)problems->pdata);
	g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "%s", text);
	lr_config_free(cfg);
	return NULL;
}

/* new_sender - a sender for the relay, credentials and retry settings of srv. */
static LrSender *new_sender(Daemon *d, const LrServerConfig *srv)
{
	LrSender *sender = sender_new(srv->smtp, srv->smtp_user, srv->smtp_password);

	/* A stop ends a try under way (the item stays in the outbox). */
	sender_set_cancel(sender, &d->stopping);

	sender_set_backoff(sender, (gint64)srv->retry_first * G_USEC_PER_SEC,
	                   (gint64)srv->retry_max * G_USEC_PER_SEC);
	return sender;
}

/* apply_server - what a reload can apply of the server group: a new
 * sender for the mailer thread (relay, credentials, retries); the router
 * takes name, domain, from and templates with the configuration.  Logs
 * by name what changed and what needs a restart. */
static void apply_server(Daemon *d, const LrServerConfig *srv)
{
	g_auto(GStrv) restart = server_config_changed(d->started, srv, TRUE);
	g_auto(GStrv) live = server_config_changed(d->applied, srv, FALSE);
	g_autofree char *restart_text = g_strjoinv(", ", restart);
	g_autofree char *live_text = g_strjoinv(", ", live);
	for (guint i = 0; i < G_N_ELEMENTS(d->outlets); i++) {
		Outlet *o = &d->outlets[i];
		LrSender *old;
		g_mutex_lock(&d->kick_lock);
		old = o->next;
		o->next = new_sender(d, srv);
		g_mutex_unlock(&d->kick_lock);
		sender_free(old);
	}
	kick_mailer(d);
	server_config_free(d->applied);
	d->applied = server_config_copy(srv);
	if (restart[0] != NULL)
		lr_log_warn(0,
		            "reload: server %s changed and needs a restart (the running "
		            "values stay until then)",
		            restart_text);
	lr_log_info(0, "reload: server settings applied: %s", live[0] ? live_text : "none changed");
}

/* digest_load_all - the digest settings and their copy of the
 * configuration; a wrong digest is logged and left off. */
static void digest_load_all(Daemon *d)
{
	g_autoptr(GError) error = NULL;
	LrConfig *cfg = lr_config_load(d->config_path, &error);
	LrDigest *digest = cfg ? digest_load(cfg, &error) : NULL;

	if (error != NULL)
		lr_log_error(0, "digest off: %s", error->message);
	g_clear_pointer(&d->digest, digest_free);
	g_clear_pointer(&d->digest_cfg, lr_config_free);
	d->digest = digest;
	d->digest_cfg = digest ? cfg : NULL;
	if (digest == NULL && cfg != NULL)
		lr_config_free(cfg);
}

/* on_digest - queue the digests that are due (every second). */
static gboolean on_digest(gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;
	guint sent = 0;

	if (d->digest == NULL)
		return G_SOURCE_CONTINUE;
	if (!digest_run(d->q, d->digest_cfg, d->digest, g_get_real_time(), &sent, &error))
		lr_log_warn(0, "digest: %s (retrying)", error ? error->message : "failed");
	if (sent > 0) {
		lr_log_info(0, "digest: %u report(s) queued", sent);
		kick_mailer(d);
	}
	return G_SOURCE_CONTINUE;
}

/* on_hup - reload the configuration whole, or keep the running one. */
static gboolean on_hup(gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;
	LrConfig *cfg = load_config(d->config_path, &error);

	if (cfg == NULL) {
		lr_log_error(0, "reload refused, keeping the running configuration: %s",
		             error->message);
		return G_SOURCE_CONTINUE;
	}
	apply_server(d, cfg->server);
	if (d->sources != NULL)
		source_runner_reload(d->sources, cfg->sources);
	router_set_config(d->router, cfg);
	digest_load_all(d);
	lr_log_info(0,
	            "configuration reloaded from %s (rules, users, workflow, field aliases, "
	            "templates, sources)",
	            cfg->file ? cfg->file : "default");
	return G_SOURCE_CONTINUE;
}

/* on_term - stop the main loop. */
static gboolean on_term(gpointer data)
{
	Daemon *d = data;

	lr_log_info(0, "stopping");
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

/* start_lmtp - listen on every server.listen address (messages wait
 * until daemon_set_ready). */
static gboolean start_lmtp(Daemon *d, const LrServerConfig *srv, GError **error)
{
	LrLmtpConfig lc = {.listen = (const char *const *)srv->listen,
	                   .hostname = srv->name,
	                   .max_message_size = srv->max_message_size,
	                   .session_timeout = srv->session_timeout,
	                   .max_sessions = srv->max_sessions,
	                   .store = store_message,
	                   .store_data = d,
	                   .min_data_rate = srv->min_data_rate};

	d->lmtp = lmtp_server_start(&lc, error);
	return d->lmtp != NULL;
}

/* privs_secret - as root, make a missing secret file now (its folder may
 * be root's) and give it to the account the daemon becomes. */
static gboolean privs_secret(const LrServerConfig *srv, const struct passwd *pw, GError **error)
{
	g_autofree char *fallback = g_build_filename(srv->home, "secret", NULL);
	const char *path = srv->secret_file ? srv->secret_file : fallback;
	g_autoptr(GBytes) secret = NULL;

	if (srv->secret_file == NULL || g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	if ((secret = token_secret_load(path, NULL, error)) == NULL)
		return FALSE;
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "chown %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* privs_drop - started as root: become server.user (its group only, no
 * supplementary groups) and check that root cannot be had back.  Any
 * other account runs as it is. */
static gboolean privs_drop(const LrServerConfig *srv, GError **error)
{
	const char *user = srv->user;
	struct passwd *pw;

	if (geteuid() != 0 && getuid() != 0)
		return TRUE;
	if (user == NULL || (pw = getpwnam(user)) == NULL || pw->pw_uid == 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "started as root, and server.user \"%s\" is %s: leadrouted does not "
		            "run as root (create the account: useradd --system --home-dir %s "
		            "--shell /usr/sbin/nologin %s)",
		            user ? user : "", user && getpwnam(user) ? "root" : "no account",
		            srv->home, user ? user : "leadroute");
		return FALSE;
	}
	if (!privs_secret(srv, pw, error))
		return FALSE;
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "cannot become %s: %s", user,
		            g_strerror(errno));
		return FALSE;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		            "could become root again after "
		            "dropping to %s: refusing to run",
		            user);
		return FALSE;
	}
	lr_log_info(0, "user=%s uid=%u gid=%u status=dropped-root", user, (unsigned)pw->pw_uid,
	            (unsigned)pw->pw_gid);
	return TRUE;
}

/* shift_clock - tests: LEADROUTED_TEST_TIME=ISO-8601 makes the router
 * decide as if the daemon had started then (the clock runs on from there),
 * so that working hours give the same routes on any day CI runs. */
static void shift_clock(Daemon *d)
{
	const char *at = g_getenv("LEADROUTED_TEST_TIME");
	g_autoptr(GDateTime) t = at ? g_date_time_new_from_iso8601(at, NULL) : NULL;

	if (t == NULL)
		return;
	router_shift_clock(d->router, g_date_time_to_unix(t) * G_USEC_PER_SEC - g_get_real_time());
	lr_log_warn(0, "test clock: routing as at %s", at);
}

/* checkpoint_pace - tests: LEADROUTED_TEST_CHECKPOINT_SECONDS=N makes the
 * daemon checkpoint (and remove logs) every N seconds instead of 30. */
static void checkpoint_pace(LrQueue *q)
{
	const char *secs = g_getenv("LEADROUTED_TEST_CHECKPOINT_SECONDS");

	if (secs != NULL && atoi(secs) > 0)
		queue_set_checkpoint_every(q, (guint)atoi(secs));
}

/* daemon_start - as root, bind the sockets and drop to server.user; open
 * the store, start the router, sender and LMTP. */
static gboolean daemon_start(Daemon *d, LrConfig *cfg, GError **error)
{
	const LrServerConfig *srv = cfg->server;
	gboolean root = geteuid() == 0 || getuid() == 0;

	if (root && (!start_lmtp(d, srv, error) || !privs_drop(srv, error))) {
		lr_config_free(cfg);
		return FALSE;
	}
	d->q = queue_open(srv->home, TRUE, error);
	if (d->q == NULL) {
		lr_config_free(cfg);
		return FALSE;
	}
	checkpoint_pace(d->q);
	g_autoptr(GPtrArray) sources = g_ptr_array_ref(cfg->sources);
	d->outlets[0] = (Outlet){d, "sender", SENDER_MAIL, new_sender(d, srv), NULL, NULL};
	d->outlets[1] = (Outlet){d, "poster", SENDER_POSTS, new_sender(d, srv), NULL, NULL};
	d->started = server_config_copy(srv);
	d->applied = server_config_copy(srv);
	/* router_new owns cfg from here on, also when it fails. */
	d->router = router_new(d->q, cfg, error);
	if (d->router == NULL)
		return FALSE;
	shift_clock(d);
	d->batcher = intake_batcher_new(d->q, srv->max_message_size);
	daemon_set_ready(d);
	start_spool(d, srv);
	if (!root && !start_lmtp(d, srv, error))
		return FALSE;
	d->sources =
	    source_runner_start(d->q, d->started->home, sources, d->started->max_message_size);
	d->worker = g_thread_new("router", worker_main, d);
	for (guint i = 0; i < G_N_ELEMENTS(d->outlets); i++)
		d->outlets[i].thread = g_thread_new(d->outlets[i].name, mailer_main, &d->outlets[i]);
	return TRUE;
}

/* daemon_stop - finish what is in hand, then close the store. */
static void daemon_stop(Daemon *d)
{
	g_mutex_lock(&d->kick_lock);
	d->quitting = TRUE;
	g_cond_broadcast(&d->ready_cond);
	g_mutex_unlock(&d->kick_lock);
	g_clear_pointer(&d->lmtp, lmtp_server_stop);
	stop_spool(d);
	g_clear_pointer(&d->sources, source_runner_stop);
	g_clear_pointer(&d->batcher, intake_batcher_free);
	g_atomic_int_set(&d->stopping, 1);
	kick_mailer(d);
	if (d->worker)
		g_thread_join(d->worker);
	for (guint i = 0; i < G_N_ELEMENTS(d->outlets); i++) {
		Outlet *o = &d->outlets[i];
		if (o->thread)
			g_thread_join(o->thread);
		g_clear_pointer(&o->sender, sender_free);
		g_clear_pointer(&o->next, sender_free);
	}
	g_clear_pointer(&d->router, router_free);
	g_clear_pointer(&d->started, server_config_free);
	g_clear_pointer(&d->applied, server_config_free);
	g_clear_pointer(&d->q, queue_close);
	g_clear_pointer(&d->digest, digest_free);
	g_clear_pointer(&d->digest_cfg, lr_config_free);
}

/* daemon_run - serve until SIGTERM. */
static int daemon_run(Daemon *d, LrConfig *cfg)
{
	g_autoptr(GError) error = NULL;

	d->loop = g_main_loop_new(NULL, FALSE);
	if (!daemon_start(d, cfg, &error)) {
		lr_log_error(0, "cannot start: %s", error->message);
		daemon_stop(d);
		g_main_loop_unref(d->loop);
		return lr_error_is_temp(error) ? EX_TEMPFAIL : EX_CONFIG;
	}
	g_unix_signal_add(SIGHUP, on_hup, d);
	g_unix_signal_add(SIGTERM, on_term, d);
	g_unix_signal_add(SIGINT, on_term, d);
	g_timeout_add_seconds(1, on_failchk, d);
	digest_load_all(d);
	g_timeout_add_seconds(1, on_digest, d);
	g_timeout_add_seconds(LR_RETENTION_EVERY, on_retention, d);
	g_timeout_add_seconds(LR_PRUNE_EVERY, on_replay_prune, d);
	lr_log_info(0, "started config=%s home=%s", d->config_path ? d->config_path : "default",
	            cfg->server->home);
	g_main_loop_run(d->loop);
	daemon_stop(d);
	g_main_loop_unref(d->loop);
	g_clear_pointer(&d->prune_cursor, g_free);
	lr_log_info(0, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	Daemon d = {0};
	gboolean foreground = FALSE, verbose = FALSE;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &d.config_path, "configuration file", "FILE"},
	    {"foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
	     "stay in the foreground and log to stderr", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "log debug lines", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the leadroute daemon");
	g_autoptr(GError) error = NULL;
	LrConfig *cfg;
	int rc;

	lr_process_init();
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "leadrouted: %s\n", error->message);
		return EX_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((cfg = load_config(d.config_path, &error)) == NULL) {
		fprintf(stderr, "leadrouted: %s\n", error->message);
		return EX_CONFIG;
	}
	if (!foreground && daemon(1, 0) != 0) {
		perror("leadrouted: daemon");
		return EX_OSERR;
	}
	lr_log_open("leadrouted", foreground);
	lr_log_set_verbose(verbose);
	g_mutex_init(&d.kick_lock);
	g_cond_init(&d.kick);
	g_cond_init(&d.ready_cond);
	rc = daemon_run(&d, cfg);
	g_free(d.config_path);
	return rc;
}
