/* test-router.c - the worker on a real store: what it logs when the store
 * makes it run a job again. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "intake/store.h"
#include "lead/log.h"
#include "queue/queue.h"
#include "router/router.h"
#include "rules/load.h"

/* A store, a configuration and a worker in a temporary folder. */
typedef struct {
	char *dir;
	LrQueue *q;
	LrRouter *router;
} Fixture;

/* write_file - a file of the fixture's folder. */
static void write_file(const char *dir, const char *name, const char *text, int mode)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

/* fixture_setup - one rep, one rule, the source tree's templates. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = NULL, *conf = NULL, *path = NULL;
	LrConfig *cfg;

	f->dir = g_dir_make_tmp("test-router-XXXXXX", &error);
	g_assert_no_error(error);
	home = g_build_filename(f->dir, "home", NULL);
	g_assert_cmpint(g_mkdir(home, 0700), ==, 0);
	write_file(f->dir, "secret", "0123456789abcdef0123456789abcdef\n", 0600);
	conf = g_strdup_printf(
		"server: { name = \"t\"; domain = \"leads.test\"; home = \"%s\";\n"
		"  secret_file = \"%s/secret\"; templates = \"%s/templates\";\n"
		"  from = \"Desk <desk@leads.test>\"; };\n"
		"users = ( { id = \"anna\"; name = \"Anna Rep\"; email = \"anna@reps.test\"; },\n"
		"  { id = \"dana\"; name = \"Dana\"; email = \"dana@reps.test\"; role = \"admin\"; } );\n"
		"rules = ( { name = \"all\"; route = \"anna\"; } );\n"
		"workflow: { accept_within = \"1h\"; };\n",
		home, f->dir, LR_SRCDIR);
	write_file(f->dir, "leadroute.conf", conf, 0600);
	path = g_build_filename(f->dir, "leadroute.conf", NULL);
	cfg = lr_config_load(path, &error);
	g_assert_no_error(error);
	f->q = queue_open(home, TRUE, &error);
	g_assert_no_error(error);
	f->router = router_new(f->q, cfg, &error);
	g_assert_no_error(error);
}

/* fixture_teardown - close and delete. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	router_free(f->router);
	queue_close(f->q);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
}

/* deliver - an inquiry into the store, as LMTP intake does. */
static guint64 deliver(Fixture *f, const char *name)
{
	g_autofree char *path = g_build_filename(LR_SRCDIR, "examples", "inquiries", name, NULL);
	g_autofree char *text = NULL;
	gsize len;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GError) error = NULL;
	const char *rcpts[] = {"leads+website@leads.test", NULL};
	guint64 id = 0;
	gboolean dup = FALSE;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	raw = g_bytes_new(text, len);
	g_assert_true(intake_store(f->q, raw, "form@inquiry.test", rcpts, 0, &id, &dup, &error));
	g_assert_no_error(error);
	return id;
}

/* run_logged - run every due job with the log on stderr going to a file;
 * returns what was logged. */
static char *run_logged(Fixture *f)
{
	g_autofree char *path = g_build_filename(f->dir, "log", NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	g_assert_cmpint(fd, >=, 0);
	fflush(stderr);
	g_assert_cmpint(dup2(fd, 2), ==, 2);
	while (router_run_once(f->router, &error))
		;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* count - how many lines of text contain needle. */
static guint count(const char *text, const char *needle)
{
	g_auto(GStrv) parts = g_strsplit(text, needle, -1);

	return g_strv_length(parts) - 1;
}

/* test_retry_logs_once - a job whose commit deadlocks runs again: its
 * parsed, routed and notified lines are written once, after the commit. */
static void test_retry_logs_once(Fixture *f, gconstpointer data)
{
	guint64 id = deliver(f, "contact-form.eml");
	g_autofree char *log = NULL;
	g_autoptr(GPtrArray) events = NULL;
	guint parsed = 0;

	queue_test_deadlocks(f->q, 2);
	log = run_logged(f);
	g_assert_cmpuint(count(log, "event=parsed"), ==, 1);
	g_assert_cmpuint(count(log, "event=routed"), ==, 1);
	g_assert_cmpuint(count(log, "event=notified"), ==, 1);
	events = queue_events(f->q, id, NULL);
	for (guint i = 0; i < events->len; i++)
		parsed += g_strcmp0(((LrEvent *)events->pdata[i])->type, "parsed") == 0;
	g_assert_cmpuint(parsed, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	lr_log_open("test-router", TRUE);
	g_test_add("/router/retry-logs-once", Fixture, NULL, fixture_setup, test_retry_logs_once,
		   fixture_teardown);
	return g_test_run();
}
