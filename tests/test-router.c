/* test-router.c - the router over a real store: a reload takes effect at the next job (field
 * aliases included), a job that fails for good is set aside (that job, behind the others, also
 * when intake adds one meanwhile) while the next is done, a job whose commit deadlocks logs its
 * lines once, and a router that cannot start hands back a clean error. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "intake/store.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue.h"
#include "tests/summary-check.h"
#include "router/router.h"
#include "rules/load.h"

typedef struct {
	char *dir;
	char *conf;
	LrQueue *q;
} Fixture;

/* write_file - write text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* copy_templates - the source templates into dir/templates. */
static void copy_templates(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("mkdir -p '%s/templates' && cp '%s'/templates/*.txt "
	                                       "'%s'/templates/*.html '%s/templates/'",
	                                       dir, LR_SRCDIR, LR_SRCDIR, dir);

	g_assert_cmpint(system(cmd), ==, 0);
}

/* write_conf - leadroute.conf routing everything to the admin, with
 * extra text at the end (fields, ...). */
static void write_conf(Fixture *f, const char *extra)
{
	g_autofree char *text = g_strdup_printf(
	    "server: { home = \"home\"; templates = \"templates\"; secret_file = \"secret\";\n"
	    "  domain = \"leads.test\"; from = \"Desk <desk@leads.test>\"; };\n"
	    "users = ( { id = \"dana\"; name = \"Dana\"; email = \"dana@x.test\"; role = "
	    "\"admin\"; } );\n"
	    "rules = ( { name = \"all\"; route = \"dana\"; } );\n%s",
	    extra);

	write_file(f->dir, "leadroute.conf", text);
}

/* fixture_set_up - a store, templates and a 32-byte secret. */
static void fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = NULL;
	g_autofree char *secret = NULL;

	(void)data;
	f->dir = g_dir_make_tmp("test-router-XXXXXX", &error);
	g_assert_no_error(error);
	f->conf = g_build_filename(f->dir, "leadroute.conf", NULL);
	home = g_build_filename(f->dir, "home", NULL);
	secret = g_build_filename(f->dir, "secret", NULL);
	g_assert_cmpint(g_mkdir(home, 0700), ==, 0);
	g_assert_true(g_file_set_contents(secret, "0123456789abcdef0123456789abcdef", 32, NULL));
	g_assert_cmpint(g_chmod(secret, 0600), ==, 0);
	copy_templates(f->dir);
	write_conf(f, "");
	f->q = queue_open(home, TRUE, &error);
	g_assert_no_error(error);
}

/* fixture_tear_down - close and remove. */
static void fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	(void)data;
	check_summaries_folded(f->q); /* each lead's, folded event by event */
	queue_close(f->q);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
	g_free(f->conf);
}

/* store - one inquiry with Message-ID <key@test>; its lead id. */
static guint64 store(Fixture *f, const char *key, const char *body)
{
	g_autofree char *text = g_strdup_printf("From: C <c@example.org>\nTo: leads@leads.test\n"
	                                        "Subject: inquiry\nMessage-ID: <%s@test>\n\n%s\n",
	                                        key, body);
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	const char *rcpts[] = {"leads@leads.test", NULL};
	g_autoptr(GError) error = NULL;
	gboolean dup = FALSE;
	guint64 id = 0;

	g_assert_true(intake_store(f->q, raw, "c@example.org", rcpts, 0, &id, &dup, &error));
	g_assert_no_error(error);
	return id;
}

/* lead_get - a lead as stored now. */
static LrLead *lead_get(Fixture *f, guint64 id)
{
	g_autoptr(GError) error = NULL;
	LrLead *lead = queue_lead_get(f->q, NULL, id, &error);

	g_assert_no_error(error);
	g_assert_nonnull(lead);
	return lead;
}

/* run_all - run the router until no job is due (at most n jobs). */
static void run_all(LrRouter *r, int n)
{
	for (int i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;

		if (!router_run_once(r, &error)) {
			g_assert_no_error(error);
			return;
		}
	}
}

/* has_event - TRUE when lead id has an event of type. */
static gboolean has_event(Fixture *f, guint64 id, const char *type)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = queue_events(f->q, id, &error);

	g_assert_no_error(error);
	for (guint i = 0; i < events->len; i++)
		if (strcmp(((LrEvent *)g_ptr_array_index(events, i))->type, type) == 0)
			return TRUE;
	return FALSE;
}

/* test_reload - a new configuration (field aliases too) from the next job. */
static void test_reload(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	LrRouter *r = router_new(f->q, lr_config_load(f->conf, &error), &error);
	g_autoptr(LrLead) one = NULL;
	g_autoptr(LrLead) two = NULL;
	guint64 a, b;

	(void)data;
	g_assert_no_error(error);
	g_assert_nonnull(r);
	a = store(f, "reload-1", "Name: Ida Berg\nGeplantes Budget: 10k\n");
	run_all(r, 10);
	one = lead_get(f, a);
	g_assert_null(lead_field_get(one, "budget"));
	write_conf(f, "fields: { aliases = { budget = [\"Geplantes Budget\"]; }; };\n");
	router_set_config(r, lr_config_load(f->conf, &error));
	g_assert_no_error(error);
	b = store(f, "reload-2", "Name: Ida Berg\nGeplantes Budget: 10k\n");
	run_all(r, 10);
	two = lead_get(f, b);
	g_assert_cmpstr(lead_field_get(two, "budget"), ==, "10k");
	router_free(r);
}

/* test_set_aside - a job that fails for good (a template without its
 * Subject line) is set aside: that lead gets an "error" event and its job
 * waits 5 minutes; the next lead's job is done meanwhile. */
static void test_set_aside(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tpl = g_build_filename(f->dir, "templates", "new-lead.txt", NULL);
	g_autofree char *good = NULL;
	LrRouter *r = router_new(f->q, lr_config_load(f->conf, &error), &error);
	g_autoptr(LrLead) first = NULL;
	g_autoptr(LrLead) second = NULL;
	guint64 a, b;

	(void)data;
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(tpl, &good, NULL, NULL));
	g_assert_true(g_file_set_contents(tpl, "no subject line here\n", -1, NULL));
	a = store(f, "aside-1", "Name: Ida Berg\nPhone: +49 30 1234567\n");
	run_all(r, 2); /* parse and route a: fails for good, set aside */
	g_assert_true(has_event(f, a, "error"));
	g_assert_true(g_file_set_contents(tpl, good, -1, NULL));
	b = store(f, "aside-2", "Name: Ole Lund\nPhone: +47 22 123456\n");
	run_all(r, 10);
	second = lead_get(f, b);
	first = lead_get(f, a);
	g_assert_true(has_event(f, b, "notified"));
	/* a's job waits behind: not done within the 10 runs, but kept (not
	 * dropped): due in about 5 minutes, and done then. */
	g_assert_false(has_event(f, a, "notified"));
	g_assert_cmpint(queue_job_next_due(f->q), >, g_get_real_time() + 4 * 60 * G_USEC_PER_SEC);
	g_assert_cmpint(queue_job_next_due(f->q), <, g_get_real_time() + 6 * 60 * G_USEC_PER_SEC);
	router_shift_clock(r, 6 * 60 * G_USEC_PER_SEC);
	run_all(r, 10);
	g_assert_true(has_event(f, a, "notified"));
	router_free(r);
}

typedef struct {
	Fixture *f;
	LrRouter *r;
	guint64 lead_id;
} Concurrent;

/* run_one_thread - one router job, in a thread. */
static gpointer run_one_thread(gpointer data)
{
	Concurrent *c = data;
	g_autoptr(GError) error = NULL;

	router_run_once(c->r, &error);
	return NULL;
}

/* early_job_txn - an intake job (due 0: keyed before every timer). */
static gboolean early_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	Concurrent *c = data;

	return queue_job_add(txn, "parse", c->lead_id, 0, NULL, error);
}

/* add_early_thread - add that job, in a thread (it waits for the
 * router's transaction to let go of the jobs). */
static gpointer add_early_thread(gpointer data)
{
	Concurrent *c = data;
	g_autoptr(GError) error = NULL;

	g_assert_true(queue_run(c->f->q, early_job_txn, c, &error));
	g_assert_no_error(error);
	return NULL;
}

/* first_job_txn - the lead of the first job in the store. */
static gboolean first_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	g_autoptr(LrJob) job = queue_job_next(txn, G_MAXINT64, error);

	*(guint64 *)data = job ? job->lead_id : 0;
	return job != NULL;
}

/* test_set_aside_concurrent - the job set aside is the one that failed,
 * even when intake added a job keyed before it meanwhile (the old code
 * postponed whichever job was first by then, and retried the failing one
 * at once).  a's job fails once and waits as a timer (keyed by its time);
 * when it runs again its template is a FIFO, so the router waits inside
 * that job while intake adds a job (due now, keyed before any timer); then
 * the template turns out broken again. */
static void test_set_aside_concurrent(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tpl = g_build_filename(f->dir, "templates", "new-lead.txt", NULL);
	g_autofree char *good = NULL;
	LrRouter *r = router_new(f->q, lr_config_load(f->conf, &error), &error);
	Concurrent c = {f, r, 0};
	const char *broken = "no subject line here\n";
	GThread *router, *intake;
	guint64 a, first = 0;
	int fd;

	(void)data;
	g_assert_no_error(error);
	c.lead_id = store(f, "early-1", "Name: Ida Berg\nPhone: +49 30 1234567\n");
	run_all(r, 10);
	g_assert_true(has_event(f, c.lead_id, "notified"));
	g_assert_true(g_file_get_contents(tpl, &good, NULL, NULL));
	g_assert_true(g_file_set_contents(tpl, broken, -1, NULL));
	a = store(f, "late-1", "Name: Ole Lund\nPhone: +47 22 123456\n");
	run_all(r, 1); /* fails: a's job is now a timer, 5 minutes on */
	g_assert_true(has_event(f, a, "error"));
	g_assert_cmpint(g_unlink(tpl), ==, 0);
	g_assert_cmpint(mkfifo(tpl, 0600), ==, 0);
	router_shift_clock(r, 6 * 60 * G_USEC_PER_SEC);
	router = g_thread_new("router", run_one_thread, &c);
	fd = open(tpl, O_WRONLY); /* returns once the router reads the template */
	g_assert_cmpint(fd, >=, 0);
	intake = g_thread_new("intake", add_early_thread, &c);
	g_usleep(300 * 1000);
	g_assert_cmpint(write(fd, broken, strlen(broken)), ==, (gssize)strlen(broken));
	close(fd);
	g_thread_join(router);
	g_thread_join(intake);
	/* The intake job is first and due; a's timer was moved, not it. */
	g_assert_true(queue_run(f->q, first_job_txn, &first, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(first, ==, c.lead_id);
	g_assert_cmpint(g_unlink(tpl), ==, 0);
	g_assert_true(g_file_set_contents(tpl, good, -1, NULL));
	router_shift_clock(r, 0);
	run_all(r, 10);
	g_assert_false(has_event(f, a, "notified"));
	router_shift_clock(r, 6 * 60 * G_USEC_PER_SEC);
	run_all(r, 10);
	g_assert_true(has_event(f, a, "notified"));
	router_free(r);
}

/* run_logged - run every due job with the log on stderr going to a file;
 * returns what was logged. */
static char *run_logged(Fixture *f, LrRouter *r)
{
	g_autofree char *path = g_build_filename(f->dir, "log", NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	g_assert_cmpint(fd, >=, 0);
	fflush(stderr);
	g_assert_cmpint(dup2(fd, 2), ==, 2);
	while (router_run_once(r, &error))
		;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* count - how many times text contains needle. */
static guint count(const char *text, const char *needle)
{
	g_auto(GStrv) parts = g_strsplit(text, needle, -1);

	return g_strv_length(parts) - 1;
}

/* test_retry_logs_once - a job whose commit deadlocks runs again: its
 * parsed, routed and notified lines are written once, after the commit. */
static void test_retry_logs_once(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	LrRouter *r = router_new(f->q, lr_config_load(f->conf, &error), &error);
	guint64 id = store(f, "retry-1", "Name: Ida Berg\nPhone: +49 30 1234567\n");
	g_autofree char *log = NULL;
	g_autoptr(GPtrArray) events = NULL;
	guint parsed = 0;

	(void)data;
	g_assert_no_error(error);
	queue_test_deadlocks(f->q, 2);
	log = run_logged(f, r);
	g_assert_cmpuint(count(log, "event=parsed"), ==, 1);
	g_assert_cmpuint(count(log, "event=routed"), ==, 1);
	g_assert_cmpuint(count(log, "event=notified"), ==, 1);
	events = queue_events(f->q, id, NULL);
	for (guint i = 0; i < events->len; i++)
		parsed += g_strcmp0(((LrEvent *)events->pdata[i])->type, "parsed") == 0;
	g_assert_cmpuint(parsed, ==, 1);
	router_free(r);
}

/* test_new_fails - a 3-byte secret: NULL with LR_ERROR_CONFIG, the
 * configuration freed by router_new (the caller does not free it). */
static void test_new_fails(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *secret = g_build_filename(f->dir, "secret", NULL);
	LrConfig *cfg;
	LrRouter *r;

	(void)data;
	g_assert_true(g_file_set_contents(secret, "abc", 3, NULL));
	g_assert_cmpint(g_chmod(secret, 0600), ==, 0);
	cfg = lr_config_load(f->conf, &error);
	g_assert_no_error(error);
	r = router_new(f->q, cfg, &error);
	g_assert_null(r);
	g_assert_error(error, LR_ERROR, LR_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "3 bytes"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	lr_log_open("test-router", TRUE);
	g_test_add("/router/reload", Fixture, NULL, fixture_set_up, test_reload, fixture_tear_down);
	g_test_add("/router/set-aside", Fixture, NULL, fixture_set_up, test_set_aside,
	           fixture_tear_down);
	g_test_add("/router/set-aside-concurrent", Fixture, NULL, fixture_set_up,
	           test_set_aside_concurrent, fixture_tear_down);
	g_test_add("/router/retry-logs-once", Fixture, NULL, fixture_set_up, test_retry_logs_once,
	           fixture_tear_down);
	g_test_add("/router/new-fails", Fixture, NULL, fixture_set_up, test_new_fails,
	           fixture_tear_down);
	return g_test_run();
}
