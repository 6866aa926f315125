/* test-router-batch.c - router_run_batch on a real store: several jobs in
 * one transaction give the same decisions as one job at a time (the
 * round-robin turn included), and leave nothing undone. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "intake/store.h"
#include "queue/queue.h"
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/router/batch/same-decisions", NULL, test_batch_same_decisions);
	return g_test_run();
}
