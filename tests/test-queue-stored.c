/* test-queue-stored.c - a lead read, changed and written back more than
 * once in one transaction (the router's batches): the transaction's copy
 * of it (queue/queue-stored.c) gives each read the lead as last written,
 * the index entries follow the last write only, and an attempt retried
 * after a deadlock starts again from the committed lead. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "intake/store.h"
#include "queue/queue.h"

/* The store and the lead of a test. */
typedef struct {
	LrQueue *q;
	guint64 id;
	guint attempts;
} Ctx;

/* change_twice - read, offer to anna, read again, give to ben. */
static gboolean change_twice(LrTxn *txn, gpointer data, GError **error)
{
	Ctx *c = data;
	const char *anna[] = {"anna", NULL}, *ben[] = {"ben", NULL};
	g_autoptr(LrLead) lead = queue_lead_get(c->q, txn, c->id, error);
	g_autoptr(LrLead) again = NULL;

	c->attempts++;
	g_assert_nonnull(lead);
	/* Each attempt starts from the committed lead. */
	g_assert_cmpstr(lead->status, ==, LEAD_STATUS_NEW);
	g_assert_cmpuint(lead->assignees->len, ==, 0);
	lead_set_str(&lead->status, LEAD_STATUS_OFFERED);
	lead_list_set(lead->assignees, anna);
	lead_meta_set(lead, "step", "1");
	if (!queue_lead_put(txn, lead, error))
		return FALSE;
	again = queue_lead_get(c->q, txn, c->id, error);
	g_assert_nonnull(again);
	g_assert_true(lead_equal(again, lead));
	g_assert_true(again != lead);
	lead_set_str(&again->status, LEAD_STATUS_ACCEPTED);
	lead_list_set(again->assignees, ben);
	lead_meta_set(again, "step", "2");
	return queue_lead_put(txn, again, error);
}

/* count_lead - QueueLeadFunc: count the leads of a query. */
static gboolean count_lead(const LrLead *lead, gpointer data)
{
	(*(guint *)data)++;
	return TRUE;
}

/* query_count - how many leads a query by status and user finds. */
static guint query_count(LrQueue *q, const char *status, const char *user)
{
	QueueQuery query = {.status = status, .user = user};
	g_autoptr(GError) error = NULL;
	guint n = 0;

	g_assert_true(queue_leads_query(q, &query, count_lead, &n, &error));
	g_assert_no_error(error);
	return n;
}

/* test_twice - two writes in one transaction, after a deadlock retry. */
static void test_twice(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-queue-stored-XXXXXX", &error);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	const char *text = "From: V <v@example.org>\nSubject: Hi\nMessage-ID: <s-1@test>\n\n"
	                   "Name: V\nEmail: v@example.org\n";
	g_autoptr(GBytes) raw = g_bytes_new_static(text, strlen(text));
	const char *rcpts[] = {"leads@leads.test", NULL};
	g_autoptr(LrLead) back = NULL;
	gboolean dup = FALSE;
	Ctx c = {0};

	g_assert_no_error(error);
	c.q = queue_open(dir, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(intake_store(c.q, raw, "v@example.org", rcpts, 0, &c.id, &dup, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(query_count(c.q, LEAD_STATUS_NEW, NULL), ==, 1);
	queue_test_deadlocks(c.q, 1);
	g_assert_true(queue_run(c.q, change_twice, &c, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(c.attempts, ==, 2);
	back = queue_lead_get(c.q, NULL, c.id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back->status, ==, LEAD_STATUS_ACCEPTED);
	g_assert_cmpstr(lead_meta_get(back, "step"), ==, "2");
	/* The index holds the last write only. */
	g_assert_cmpuint(query_count(c.q, LEAD_STATUS_NEW, NULL), ==, 0);
	g_assert_cmpuint(query_count(c.q, LEAD_STATUS_OFFERED, NULL), ==, 0);
	g_assert_cmpuint(query_count(c.q, LEAD_STATUS_ACCEPTED, NULL), ==, 1);
	g_assert_cmpuint(query_count(c.q, NULL, "anna"), ==, 0);
	g_assert_cmpuint(query_count(c.q, NULL, "ben"), ==, 1);
	queue_close(c.q);
	g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/queue/stored/twice", test_twice);
	return g_test_run();
}
