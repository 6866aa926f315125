/* test-router-batch.c - router_run_batch on a real store: several jobs in
 * one transaction give the same decisions as one job at a time (the
 * round-robin turn included), and leave nothing undone; a batch parses
 * and composes on worker threads and queues the very same outbox; the
 * size of a batch follows the routing thread's CPU time, not the time it
 * waits for the CPU on a busy machine. */
#define _GNU_SOURCE /* sched_setaffinity */
#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "intake/store.h"
#include "queue/queue.h"
#include "router/pipeline.h"
#include "router/router.h"
#include "rules/load.h"

/* A store, a configuration and a worker in a temporary folder. */
typedef struct {
	char *dir;
	LrQueue *q;
	LrRouter *router;
} Fixture;

/* fixture_setup - three reps in a round-robin team. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *home = NULL, *conf = NULL, *path = NULL, *secret = NULL;
	LrConfig *cfg;

	f->dir = g_dir_make_tmp("test-router-batch-XXXXXX", &error);
	g_assert_no_error(error);
	home = g_build_filename(f->dir, "home", NULL);
	g_assert_cmpint(g_mkdir(home, 0700), ==, 0);
	secret = g_build_filename(f->dir, "secret", NULL);
	g_assert_true(g_file_set_contents(secret, "0123456789abcdef0123456789abcdef\n", -1, NULL));
	g_assert_cmpint(g_chmod(secret, 0600), ==, 0);
	conf = g_strdup_printf(
	    "server: { name = \"t\"; domain = \"leads.test\"; home = \"%s\";\n"
	    "  secret_file = \"%s\"; templates = \"%s/templates\";\n"
	    "  from = \"Desk <desk@leads.test>\"; };\n"
	    "users = ( { id = \"anna\"; name = \"Anna\"; email = \"anna@reps.test\"; team = \"t\"; "
	    "},\n"
	    "  { id = \"ben\"; name = \"Ben\"; email = \"ben@reps.test\"; team = \"t\"; },\n"
	    "  { id = \"cleo\"; name = \"Cleo\"; email = \"cleo@reps.test\"; team = \"t\"; },\n"
	    "  { id = \"dana\"; name = \"Dana\"; email = \"dana@reps.test\"; role = \"admin\"; } "
	    ");\n"
	    "rules = ( { name = \"all\"; route = { to = \"team:t\"; strategy = \"round-robin\"; }; "
	    "} );\n",
	    home, secret, LR_SRCDIR);
	path = g_build_filename(f->dir, "leadroute.conf", NULL);
	g_assert_true(g_file_set_contents(path, conf, -1, NULL));
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

/* deliver_n - n distinct inquiries into the store; their ids in order. */
static GArray *deliver_n(Fixture *f, guint n)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	const char *rcpts[] = {"leads+website@leads.test", NULL};

	for (guint i = 0; i < n; i++) {
		g_autofree char *text =
		    g_strdup_printf("From: Visitor %u <v%u@example.org>\nTo: leads@leads.test\n"
		                    "Subject: Inquiry %u\nMessage-ID: <batch-%u@test>\n\n"
		                    "Name: Visitor %u\nCompany: Firm %u\nEmail: v%u@example.org\n"
		                    "Message: please call us about a quote.\n",
		                    i, i, i, i, i, i, i);
		g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
		g_autoptr(GError) error = NULL;
		guint64 id = 0;
		gboolean dup = FALSE;

		g_assert_true(
		    intake_store(f->q, raw, "v@example.org", rcpts, 0, &id, &dup, &error));
		g_assert_no_error(error);
		g_array_append_val(ids, id);
	}
	return ids;
}

/* assignees - "lead:assignee" of each lead in ids, joined by spaces. */
static char *assignees(Fixture *f, GArray *ids)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < ids->len; i++) {
		guint64 id = g_array_index(ids, guint64, i);
		g_autoptr(LrLead) lead = queue_lead_get(f->q, NULL, id, NULL);
		g_assert_nonnull(lead);
		g_assert_cmpuint(lead->assignees->len, ==, 1);
		g_string_append_printf(out, "%s%" G_GUINT64_FORMAT ":%s", i ? " " : "", id,
		                       (const char *)g_ptr_array_index(lead->assignees, 0));
	}
	return g_string_free(out, FALSE);
}

/* route_all - run the router in batches of max until nothing is due;
 * returns the largest batch done. */
static guint route_all(Fixture *f, guint max)
{
	guint biggest = 0, n;
	g_autoptr(GError) error = NULL;

	while ((n = router_run_batch(f->router, max, &error)) > 0)
		biggest = MAX(biggest, n);
	g_assert_no_error(error);
	return biggest;
}

/* test_batch_same_decisions - 12 leads routed one at a time and in
 * batches of 32 on two stores: the same rep for every lead, in turn. */
static void test_batch_same_decisions(gconstpointer data)
{
	Fixture one = {0}, many = {0};
	g_autoptr(GArray) ids_one = NULL, ids_many = NULL;
	g_autofree char *got_one = NULL, *got_many = NULL;

	fixture_setup(&one, NULL);
	fixture_setup(&many, NULL);
	router_set_batch_time(many.router, 60 * G_USEC_PER_SEC); /* batches by count, not by time */
	ids_one = deliver_n(&one, 12);
	ids_many = deliver_n(&many, 12);
	g_assert_cmpuint(route_all(&one, 1), ==, 1);
	g_assert_cmpuint(route_all(&many, 32), >, 1);
	got_one = assignees(&one, ids_one);
	got_many = assignees(&many, ids_many);
	g_assert_cmpstr(got_many, ==, got_one);
	/* The turn goes round: each of the three reps got four. */
	for (guint i = 0; i < 3; i++) {
		const char *rep[] = {":anna", ":ben", ":cleo"};
		g_auto(GStrv) parts = g_strsplit(got_one, rep[i], -1);
		g_assert_cmpuint(g_strv_length(parts), ==, 5);
	}
	fixture_teardown(&one, NULL);
	fixture_teardown(&many, NULL);
}

/* normalised - a message without what differs from one composition to
 * the next: the Date header and the MIME boundaries. */
static char *normalised(GBytes *message)
{
	g_autofree char *text =
	    g_strndup(g_bytes_get_data(message, NULL), g_bytes_get_size(message));
	g_autoptr(GRegex) date = g_regex_new("^Date: .*\r?\n", G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GRegex) bound = g_regex_new("boundary=\"([^\"]+)\"", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *nodate = g_regex_replace_literal(date, text, -1, 0, "", 0, NULL);
	char *out = g_strdup(nodate);

	/* The boundaries first: the match reads nodate, which stays. */
	g_regex_match(bound, nodate, 0, &m);
	while (g_match_info_matches(m)) {
		g_ptr_array_add(found, g_match_info_fetch(m, 1));
		g_match_info_next(m, NULL);
	}
	for (guint i = 0; i < found->len; i++) {
		g_auto(GStrv) parts = g_strsplit(out, found->pdata[i], -1);
		g_free(out);
		out = g_strjoinv("BOUNDARY", parts);
	}
	return out;
}

/* outbox_text - every outbox message in order: lead, envelope and the
 * normalised message; *n gets their number. */
static char *outbox_text(Fixture *f, guint *n)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) due = queue_outbox_due(f->q, G_MAXINT64, 1000, &error);
	GString *out = g_string_new(NULL);

	g_assert_no_error(error);
	for (guint i = 0; i < due->len; i++) {
		const LrOutMail *m = due->pdata[i];
		g_autofree char *rcpts = g_strjoinv(",", m->rcpts);
		g_autofree char *text = normalised(m->message);
		g_string_append_printf(out, "%" G_GUINT64_FORMAT " %s -> %s\n%s\n", m->lead_id,
		                       m->from, rcpts, text);
	}
	*n = due->len;
	return g_string_free(out, FALSE);
}

/* fields_text - each lead's parsed subject, format, source and fields. */
static char *fields_text(Fixture *f, GArray *ids)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(LrLead) lead =
		    queue_lead_get(f->q, NULL, g_array_index(ids, guint64, i), NULL);
		g_assert_nonnull(lead);
		g_string_append_printf(out, "%s|%s|%s|%s|%d", lead->subject, lead->format,
		                       lead->source, lead->status, lead->is_lead);
		for (guint k = 0; k < lead->fields->len; k++) {
			const LrField *fd = lead->fields->pdata[k];
			g_string_append_printf(out, "|%s=%s", fd->name, fd->value);
		}
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

/* test_batch_same_outbox - 40 inquiries routed one at a time (all work on
 * the routing thread) and in batches of 32 (parse and composition on
 * workers): the same parsed leads and, in the same order, the same
 * notifications in the outbox; only the batches used the workers. */
static void test_batch_same_outbox(gconstpointer data)
{
	Fixture one = {0}, many = {0};
	g_autoptr(GArray) ids_one = NULL, ids_many = NULL;
	g_autofree char *out_one = NULL, *out_many = NULL, *f_one = NULL, *f_many = NULL;
	guint n_one = 0, n_many = 0;
	guint64 before;
	gint64 now;

	fixture_setup(&one, NULL);
	fixture_setup(&many, NULL);
	router_set_batch_time(many.router, 60 * G_USEC_PER_SEC);
	/* One clock for both: the deadline in the text is routing time. */
	now = g_get_real_time();
	router_fix_time(one.router, now);
	router_fix_time(many.router, now);
	ids_one = deliver_n(&one, 40);
	ids_many = deliver_n(&many, 40);
	before = pipe_items_run();
	g_assert_cmpuint(route_all(&one, 1), ==, 1);
	g_assert_cmpuint(pipe_items_run(), ==, before);
	g_assert_cmpuint(route_all(&many, 32), ==, 32);
	/* A parse and a notification for each of the 40 went to workers. */
	g_assert_cmpuint(pipe_items_run() - before, >=, 80);
	f_one = fields_text(&one, ids_one);
	f_many = fields_text(&many, ids_many);
	g_assert_cmpstr(f_many, ==, f_one);
	out_one = outbox_text(&one, &n_one);
	out_many = outbox_text(&many, &n_many);
	g_assert_cmpuint(n_one, ==, 40);
	g_assert_cmpuint(n_many, ==, n_one);
	g_assert_cmpstr(out_many, ==, out_one);
	fixture_teardown(&one, NULL);
	fixture_teardown(&many, NULL);
}

/* cpu_us - the calling thread's CPU time (µs). */
static gint64 cpu_us(void)
{
	struct timespec ts;

	g_assert_cmpint(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), ==, 0);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* spin - a thread that keeps the CPU busy until *data is set. */
static gpointer spin(gpointer data)
{
	volatile guint64 n = 0;

	while (!g_atomic_int_get((gint *)data))
		n++;
	return NULL;
}

/* What the routing thread of test_batch_cpu_time does and finds. */
typedef struct {
	Fixture *f;
	gint64 cost;    /* the least CPU time one job took (µs) */
	guint sizes[4]; /* the jobs of each batch */
} LowRun;

/* route_low - at the lowest priority: jobs one at a time (what one costs
 * this thread, and the router's measure of it), then batches of up to 32
 * in a batch time of 16 such jobs. */
static gpointer route_low(gpointer data)
{
	LowRun *run = data;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19), ==, 0);
	run->cost = G_MAXINT64;
	for (guint i = 0; i < 8; i++) {
		gint64 start = cpu_us();
		g_assert_cmpuint(router_run_batch(run->f->router, 1, &error), ==, 1);
		g_assert_no_error(error);
		run->cost = MIN(run->cost, cpu_us() - start);
	}
	router_set_batch_time(run->f->router, 16 * run->cost);
	for (guint i = 0; i < G_N_ELEMENTS(run->sizes); i++) {
		run->sizes[i] = router_run_batch(run->f->router, 32, &error);
		g_assert_no_error(error);
	}
	return NULL;
}

/* test_batch_cpu_time - the routing thread at the lowest priority on a
 * CPU it shares with a busy thread (it gets a few per cent of it): a
 * batch time of 16 single jobs' CPU time still gives batches of at least
 * 8 jobs (about 16).  Timed by the wall clock they were one or two jobs
 * each, without the workers, just when the router had the least CPU to
 * spare. */
static void test_batch_cpu_time(gconstpointer data)
{
	Fixture f = {0};
	g_autoptr(GArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	LowRun run = {&f, 0, {0}};
	cpu_set_t one, all;
	gint stop = 0;
	GThread *spinner, *low;
	fixture_setup(&f, NULL);
	ids = deliver_n(&f, 120);
	/* The first jobs load the templates: done before the measure. */
	for (guint i = 0; i < 4; i++)
		g_assert_cmpuint(router_run_batch(f.router, 1, &error), ==, 1);
	g_assert_no_error(error);
	g_assert_cmpint(sched_getaffinity(0, sizeof(all), &all), ==, 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	g_assert_cmpint(sched_setaffinity(0, sizeof(one), &one), ==, 0);
	spinner = g_thread_new("spin", spin, &stop);
	low = g_thread_new("route-low", route_low, &run);
	g_thread_join(low);
	g_atomic_int_set(&stop, 1);
	g_thread_join(spinner);
	g_assert_cmpint(sched_setaffinity(0, sizeof(all), &all), ==, 0);
	g_test_message("one job: %" G_GINT64_FORMAT " us CPU; batches of %u %u %u %u", run.cost,
	               run.sizes[0], run.sizes[1], run.sizes[2], run.sizes[3]);
	/* The first batch is sized by single jobs, which the scheduler may
	 * have let run unpreempted: the ones after it by batches. */
	for (guint i = 1; i < G_N_ELEMENTS(run.sizes); i++)
		g_assert_cmpuint(run.sizes[i], >=, 8);
	fixture_teardown(&f, NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/router/batch/same-decisions", NULL, test_batch_same_decisions);
	g_test_add_data_func("/router/batch/same-outbox", NULL, test_batch_same_outbox);
	g_test_add_data_func("/router/batch/cpu-time", NULL, test_batch_cpu_time);
	return g_test_run();
}
