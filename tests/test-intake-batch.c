/* test-intake-batch.c - the intake batcher (intake/store.c) on a real
 * store: a group commit acknowledges every message in it, a batch that
 * fails for good is retried item by item (only the bad one is refused),
 * and a temporary failure is answered to all without a retry.  Failures
 * are injected by a batch step that wraps queue_store_batch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "intake/store.h"
#include "lead/lr-error.h"

typedef struct {
	char *home;
	LrQueue *q;
} Fixture;

/* What the batch step saw, for the assertions. */
static GMutex seen_lock;
static guint seen_batches, seen_items, seen_max;
static gint slow_first; /* 1: the next batch waits, so that others queue up */
static GThread *seen_thread; /* the thread of the last batch */

/* fixture_setup - a fresh store in a temporary folder. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->home = g_dir_make_tmp("lr-batch-XXXXXX", &error);
	g_assert_no_error(error);
	f->q = queue_open(f->home, TRUE, &error);
	g_assert_no_error(error);
	seen_batches = seen_items = seen_max = 0;
	g_atomic_int_set(&slow_first, 0);
}

/* fixture_teardown - close and delete. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->home);

	queue_close(f->q);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->home);
}

/* has_text - does item's message contain text? */
static gboolean has_text(const LrStoreItem *item, const char *text)
{
	gsize len;
	const char *raw = g_bytes_get_data(item->raw, &len);

	return g_strstr_len(raw, (gssize)len, text) != NULL;
}

/* faulty_batch - queue_store_batch, except that a batch holding a POISON
 * message fails for good and one holding a BUSY message fails for now. */
static gboolean faulty_batch(LrQueue *q, LrStoreItem *items, guint n, GError **error)
{
	g_mutex_lock(&seen_lock);
	seen_batches++;
	seen_items += n;
	seen_max = MAX(seen_max, n);
	seen_thread = g_thread_self();
	g_mutex_unlock(&seen_lock);
	if (g_atomic_int_compare_and_exchange(&slow_first, 1, 0))
		g_usleep(300 * 1000);
	for (guint i = 0; i < n; i++) {
		if (has_text(&items[i], "POISON")) {
			g_set_error(error, LR_ERROR, LR_ERROR_PERM, "poisoned batch");
			return FALSE;
		}
		if (has_text(&items[i], "BUSY")) {
			g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "busy batch");
			return FALSE;
		}
	}
	return queue_store_batch(q, items, n, error);
}

/* One sender of a message through the batcher. */
typedef struct {
	LrIntakeBatcher *b;
	char *text;
	gboolean ok;
	guint64 id;
	gboolean dup;
	GError *error;
} Sender;

/* sender_run - store the sender's message (a thread). */
static gpointer sender_run(gpointer data)
{
	Sender *s = data;
	g_autoptr(GBytes) raw = g_bytes_new(s->text, strlen(s->text));
	const char *rcpts[] = {"leads@leads.test", NULL};

	s->ok = intake_batcher_store(s->b, raw, "a@example.org", rcpts, &s->id, &s->dup, &s->error);
	return NULL;
}

/* message - an inquiry with Message-ID <id@batch.test> and body text. */
static char *message(const char *id, const char *body)
{
	return g_strdup_printf("From: A <a@example.org>\nSubject: %s\nMessage-ID: <%s@batch.test>\n"
	                       "\n%s\n",
	                       id, id, body);
}

/* run_senders - store every text at once: the first alone in a slow
 * batch, the others queue up meanwhile and go in the next batches. */
static Sender *run_senders(LrIntakeBatcher *b, char **texts, guint n)
{
	Sender *s = g_new0(Sender, n);
	GThread **threads = g_new0(GThread *, n);

	g_atomic_int_set(&slow_first, 1);
	for (guint i = 0; i < n; i++) {
		s[i] = (Sender){.b = b, .text = texts[i]};
		threads[i] = g_thread_new("sender", sender_run, &s[i]);
		if (i == 0)
			g_usleep(50 * 1000); /* the first is in its batch now */
	}
	for (guint i = 0; i < n; i++)
		g_thread_join(threads[i]);
	g_free(threads);
	return s;
}

/* free_senders - their errors and texts. */
static void free_senders(Sender *s, guint n)
{
	for (guint i = 0; i < n; i++) {
		g_clear_error(&s[i].error);
		g_free(s[i].text);
	}
	g_free(s);
}

/* test_group_commit - 40 messages (one of them sent 8 times) while a batch
 * is slow: all acknowledged, in fewer batches than messages, one lead per
 * Message-ID, each acknowledged lead in the store. */
static void test_group_commit(Fixture *f, gconstpointer data)
{
	LrIntakeBatcher *b = intake_batcher_new_full(f->q, 0, faulty_batch);
	enum { N = 40 };
	char *texts[N];
	g_autoptr(GHashTable) ids = g_hash_table_new(g_int64_hash, g_int64_equal);
	Sender *s;
	guint dups = 0;

	for (guint i = 0; i < N; i++) {
		g_autofree char *id = g_strdup_printf("m%u", i < 8 ? 0 : i);
		texts[i] = message(id, "Please call.");
	}
	s = run_senders(b, texts, N);
	for (guint i = 0; i < N; i++) {
		g_autoptr(LrLead) lead = NULL;
		g_assert_no_error(s[i].error);
		g_assert_true(s[i].ok);
		g_assert_cmpuint(s[i].id, >, 0);
		g_hash_table_add(ids, &s[i].id);
		dups += s[i].dup;
		lead = queue_lead_get(f->q, NULL, s[i].id, NULL);
		g_assert_nonnull(lead);
	}
	g_assert_cmpuint(g_hash_table_size(ids), ==, N - 7);
	g_assert_cmpuint(dups, ==, 7);
	g_assert_cmpuint(seen_batches, <, N / 2);
	g_assert_cmpuint(seen_max, >, 1);
	intake_batcher_free(b);
	free_senders(s, N);
}

/* test_perm_retry - a batch that fails for good is retried one by one:
 * the good messages of it are stored, only the bad one is refused PERM. */
static void test_perm_retry(Fixture *f, gconstpointer data)
{
	LrIntakeBatcher *b = intake_batcher_new_full(f->q, 0, faulty_batch);
	char *texts[] = {message("first", "Please call."), message("good1", "Please call."),
	                 message("bad", "POISON"), message("good2", "Please call.")};
	Sender *s = run_senders(b, texts, G_N_ELEMENTS(texts));

	g_assert_cmpuint(seen_max, >, 1); /* the three went in one batch */
	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(LrLead) lead = NULL;
		if (i == 2) {
			g_assert_false(s[i].ok);
			g_assert_error(s[i].error, LR_ERROR, LR_ERROR_PERM);
			continue;
		}
		g_assert_no_error(s[i].error);
		g_assert_true(s[i].ok);
		lead = queue_lead_get(f->q, NULL, s[i].id, NULL);
		g_assert_nonnull(lead);
	}
	intake_batcher_free(b);
	free_senders(s, G_N_ELEMENTS(texts));
}

/* test_temp_all - a temporary failure goes to every message of the batch
 * (each is retried by its client), and no item is stored on its own. */
static void test_temp_all(Fixture *f, gconstpointer data)
{
	LrIntakeBatcher *b = intake_batcher_new_full(f->q, 0, faulty_batch);
	char *texts[] = {message("first", "Please call."), message("t1", "Please call."),
	                 message("t2", "BUSY"), message("t3", "Please call.")};
	Sender *s = run_senders(b, texts, G_N_ELEMENTS(texts));

	g_assert_true(s[0].ok);
	g_assert_cmpuint(seen_batches, ==, 2);
	for (guint i = 1; i < G_N_ELEMENTS(texts); i++) {
		g_assert_false(s[i].ok);
		g_assert_error(s[i].error, LR_ERROR, LR_ERROR_TEMP);
	}
	intake_batcher_free(b);
	free_senders(s, G_N_ELEMENTS(texts));
}

/* test_alone - a message with nothing else waiting is stored, flushed and
 * answered in its sender's thread (no hand-off to the writer and the
 * flusher), and is in the store; the next ones, sent while a slow lone
 * one is being stored, queue and go to the writer in one batch. */
static void test_alone(Fixture *f, gconstpointer data)
{
	LrIntakeBatcher *b = intake_batcher_new_full(f->q, 0, faulty_batch);
	g_autoptr(GBytes) raw = NULL;
	g_autofree char *text = message("lone", "Please call.");
	const char *rcpts[] = {"leads@leads.test", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(LrLead) lead = NULL;
	char *texts[] = {message("slow", "Please call."), message("q1", "Please call."),
	                 message("q2", "Please call."), message("q3", "Please call.")};
	guint64 id = 0;
	gboolean dup = TRUE;
	Sender *s;

	raw = g_bytes_new(text, strlen(text));
	g_assert_true(intake_batcher_store(b, raw, "a@example.org", rcpts, &id, &dup, &error));
	g_assert_no_error(error);
	g_assert_false(dup);
	g_assert_true(seen_thread == g_thread_self());
	g_assert_cmpuint(seen_batches, ==, 1);
	lead = queue_lead_get(f->q, NULL, id, NULL);
	g_assert_nonnull(lead);

	s = run_senders(b, texts, G_N_ELEMENTS(texts));
	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_assert_no_error(s[i].error);
		g_assert_true(s[i].ok);
	}
	g_assert_cmpuint(seen_batches, ==, 3); /* lone, slow (alone), the three queued */
	g_assert_cmpuint(seen_max, ==, 3);
	intake_batcher_free(b);
	free_senders(s, G_N_ELEMENTS(texts));
}

/* test_ids_dense - the daemon's own batch step (a lazy commit, retried
 * by the queue after a deadlock) keeps the lead ids an attempt took: a
 * message stored after three deadlocks is lead 1, the next lead 2. */
static void test_ids_dense(Fixture *f, gconstpointer data)
{
	LrIntakeBatcher *b = intake_batcher_new(f->q, 0);
	const char *rcpts[] = {"leads@leads.test", NULL};

	queue_test_deadlocks(f->q, 3);
	for (guint i = 1; i <= 2; i++) {
		g_autofree char *text = message(i == 1 ? "dense1" : "dense2", "Please call.");
		g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
		g_autoptr(GError) error = NULL;
		guint64 id = 0;
		gboolean dup = TRUE;

		g_assert_true(intake_batcher_store(b, raw, "a@example.org", rcpts, &id, &dup, &error));
		g_assert_no_error(error);
		g_assert_false(dup);
		g_assert_cmpuint(id, ==, i);
	}
	intake_batcher_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/intake/batch/group-commit", Fixture, NULL, fixture_setup, test_group_commit,
	           fixture_teardown);
	g_test_add("/intake/batch/perm-retry", Fixture, NULL, fixture_setup, test_perm_retry,
	           fixture_teardown);
	g_test_add("/intake/batch/temp-all", Fixture, NULL, fixture_setup, test_temp_all,
	           fixture_teardown);
	g_test_add("/intake/batch/ids-dense", Fixture, NULL, fixture_setup, test_ids_dense,
	           fixture_teardown);
	g_test_add("/intake/batch/alone", Fixture, NULL, fixture_setup, test_alone, fixture_teardown);
	return g_test_run();
}
