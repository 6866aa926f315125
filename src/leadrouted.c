/* leadrouted - the daemon: LMTP intake, the router, the outbox sender and
 * the timers over one Berkeley DB environment.
 *
 * SIGHUP reloads the configuration whole (a file that does not check
 * keeps the running one, and the log says why); SIGTERM stops taking mail,
 * finishes the transactions in hand and exits. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "intake/lmtp.h"
#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "mailer/compose.h"
#include "mailer/sender.h"
#include "queue/queue.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "router/router.h"

typedef struct {
	char *config_path;
	LrQueue *q;
	LrRouter *router;
	LrSender *sender;
	LrLmtpServer *lmtp;
	LrIntakeBatcher *batcher;
	GMainLoop *loop;
	GThread *worker, *mailer;
	gint stopping;
	GMutex kick_lock;
	GCond kick;
	guint64 kicks;
} Daemon;

/* store_message - the LMTP store callback: durable, once. */
static gboolean store_message(GBytes *message, const char *sender,
			      const char *const *recipients, gpointer data, guint64 *lead_id,
			      gboolean *duplicate, GError **error)
{
	Daemon *d = data;

	return intake_batcher_store(d->batcher, message, sender, recipients, lead_id, duplicate,
				    error);
}

/* kick_mailer - wake the sender: a job may have queued mail. */
static void kick_mailer(Daemon *d)
{
	g_mutex_lock(&d->kick_lock);
	d->kicks++;
	g_cond_signal(&d->kick);
	g_mutex_unlock(&d->kick_lock);
}

/* background_priority - routing and sending yield the CPU to intake:
 * Postfix waits for our 250, while a lead is routed a moment later. */
static void background_priority(void)
{
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
		lr_log_debug(0, "setpriority: %s", g_strerror(errno));
}

/* worker_main - do due jobs; sleep until the next is due or a job is
 * added (jobs added by other processes are found within 200 ms). */
static gpointer worker_main(gpointer data)
{
	Daemon *d = data;

	background_priority();
	while (!g_atomic_int_get(&d->stopping)) {
		g_autoptr(GError) error = NULL;
		gint64 wait;
		if (router_run_once(d->router, &error)) {
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

/* mailer_main - deliver the outbox; wake on a kick or every second. */
static gpointer mailer_main(gpointer data)
{
	Daemon *d = data;

	background_priority();
	while (!g_atomic_int_get(&d->stopping)) {
		g_autoptr(GError) error = NULL;
		guint64 seen;
		g_mutex_lock(&d->kick_lock);
		seen = d->kicks;
		g_mutex_unlock(&d->kick_lock);
		sender_run_once(d->sender, d->q, &error);
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
	router_set_config(d->router, cfg);
	lr_log_info(0, "configuration reloaded from %s", cfg->file ? cfg->file : "default");
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

/* start_lmtp - listen on every server.listen address. */
static gboolean start_lmtp(Daemon *d, const LrServerConfig *srv, GError **error)
{
	LrLmtpConfig lc = {(const char *const *)srv->listen, srv->name, srv->max_message_size,
			   srv->session_timeout, srv->max_sessions, store_message, d};

	d->batcher = intake_batcher_new(d->q, srv->max_message_size);
	d->lmtp = lmtp_server_start(&lc, error);
	return d->lmtp != NULL;
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

/* daemon_start - open the store, start the router, sender and LMTP. */
static gboolean daemon_start(Daemon *d, LrConfig *cfg, GError **error)
{
	const LrServerConfig *srv = cfg->server;

	d->q = queue_open(srv->home, TRUE, error);
	if (d->q == NULL) {
		lr_config_free(cfg);
		return FALSE;
	}
	d->sender = sender_new(srv->smtp, srv->smtp_user, srv->smtp_password);
	sender_set_backoff(d->sender, (gint64)srv->retry_first * G_USEC_PER_SEC,
			   (gint64)srv->retry_max * G_USEC_PER_SEC);
	d->router = router_new(d->q, cfg, error);
	if (d->router == NULL) {
		lr_config_free(cfg);
		return FALSE;
	}
	shift_clock(d);
	if (!start_lmtp(d, srv, error))
		return FALSE;
	d->worker = g_thread_new("router", worker_main, d);
	d->mailer = g_thread_new("sender", mailer_main, d);
	return TRUE;
}

/* daemon_stop - finish what is in hand, then close the store. */
static void daemon_stop(Daemon *d)
{
	g_clear_pointer(&d->lmtp, lmtp_server_stop);
	g_clear_pointer(&d->batcher, intake_batcher_free);
	g_atomic_int_set(&d->stopping, 1);
	kick_mailer(d);
	if (d->worker)
		g_thread_join(d->worker);
	if (d->mailer)
		g_thread_join(d->mailer);
	g_clear_pointer(&d->router, router_free);
	g_clear_pointer(&d->sender, sender_free);
	g_clear_pointer(&d->q, queue_close);
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
	lr_log_info(0, "started config=%s home=%s", d->config_path ? d->config_path : "default",
		    cfg->server->home);
	g_main_loop_run(d->loop);
	daemon_stop(d);
	g_main_loop_unref(d->loop);
	lr_log_info(0, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	Daemon d = {0};
	gboolean foreground = FALSE, verbose = FALSE;
	GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &d.config_path, "configuration file",
		 "FILE"},
		{"foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		 "stay in the foreground and log to stderr", NULL},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "log debug lines", NULL},
		{NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the leadroute daemon");
	g_autoptr(GError) error = NULL;
	LrConfig *cfg;
	int rc;

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
	rc = daemon_run(&d, cfg);
	g_free(d.config_path);
	return rc;
}
