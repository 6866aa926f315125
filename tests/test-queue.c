/* test-queue.c - the Berkeley DB store: intake, duplicates, events, jobs,
 * outbox, state, reopen, concurrency, and a process killed holding locks. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <db.h>
#include <glib/gstdio.h>

#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "queue/queue.h"

typedef struct {
	char *home;
	LrQueue *q;
} Fixture;

/* fixture_setup - a fresh environment in a temporary folder. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->home = g_dir_make_tmp("lr-queue-XXXXXX", &error);
	g_assert_no_error(error);
	f->q = queue_open(f->home, TRUE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->q);
}

/* remove_tree - delete a temporary folder. */
static void remove_tree(const char *path)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

	g_assert_cmpint(system(cmd), ==, 0);
}

/* fixture_teardown - close and delete. */
static void fixture_teardown(Fixture *f, gconstpointer data)
{
	queue_close(f->q);
	remove_tree(f->home);
	g_free(f->home);
}

/* store - store a message text, asserting success. */
static guint64 store(LrQueue *q, const char *text, gboolean *dup)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	g_autofree char *key = rawmsg_key(text, strlen(text));
	g_autoptr(LrLead) seed = lead_new();
	g_autoptr(GError) error = NULL;
	guint64 id = 0;

	lead_set_str(&seed->sender, "a@b.example");
	g_assert_true(queue_store_message(q, raw, key, seed, &id, dup, &error));
	g_assert_no_error(error);
	return id;
}

/* test_store_dedup - the same Message-ID twice is one lead. */
static void test_store_dedup(Fixture *f, gconstpointer data)
{
	gboolean dup;
	guint64 a = store(f->q, "Message-ID: <x1@y>\nSubject: one\n\nhello\n", &dup);
	guint64 b;
	g_autoptr(LrLead) lead = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GPtrArray) events = NULL;

	g_assert_false(dup);
	b = store(f->q, "Message-ID: <x1@y>\nSubject: again\n\nhello\n", &dup);
	g_assert_true(dup);
	g_assert_cmpuint(a, ==, b);
	g_assert_cmpuint(queue_lead_count(f->q, NULL), ==, 1);
	lead = queue_lead_get(f->q, NULL, a, NULL);
	g_assert_nonnull(lead);
	g_assert_cmpstr(lead->status, ==, LEAD_STATUS_NEW);
	g_assert_cmpstr(lead->message_key, ==, "x1@y");
	raw = queue_raw_get(f->q, NULL, a, NULL);
	g_assert_nonnull(strstr(g_bytes_get_data(raw, NULL), "Subject: one"));
	events = queue_events(f->q, a, NULL);
	g_assert_cmpuint(events->len, ==, 1);
	g_assert_cmpstr(((LrEvent *)events->pdata[0])->type, ==, "received");
	g_assert_null(queue_lead_get(f->q, NULL, 999, NULL));
}

typedef struct {
	guint64 id;
	int n;
} EventsJob;

/* add_events_txn - append n events to a lead, in one transaction. */
static gboolean add_events_txn(LrTxn *txn, gpointer data, GError **error)
{
	EventsJob *job = data;

	for (int i = 0; i < job->n; i++) {
		g_autofree char *detail = g_strdup_printf("step %d", i);
		g_autoptr(LrEvent) ev = lead_event_new("note", "test", detail);
		if (!queue_event_add(txn, job->id, ev, error))
			return FALSE;
	}
	return TRUE;
}

/* fail_txn - a unit of work that fails after writing. */
static gboolean fail_txn(LrTxn *txn, gpointer data, GError **error)
{
	add_events_txn(txn, data, NULL);
	g_set_error(error, LR_ERROR, LR_ERROR_PERM, "refused");
	return FALSE;
}

/* test_events_order - events keep their order; a failed unit leaves none. */
static void test_events_order(Fixture *f, gconstpointer data)
{
	gboolean dup;
	guint64 id = store(f->q, "Message-ID: <e@y>\n\nx\n", &dup);
	EventsJob job = {id, 30};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events = NULL;

	g_assert_true(queue_run(f->q, add_events_txn, &job, NULL));
	g_assert_false(queue_run(f->q, fail_txn, &job, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	events = queue_events(f->q, id, NULL);
	g_assert_cmpuint(events->len, ==, 31);
	for (int i = 0; i < 30; i++) {
		g_autofree char *want = g_strdup_printf("step %d", i);
		g_assert_cmpstr(((LrEvent *)events->pdata[i + 1])->detail, ==, want);
	}
}

/* take_job_txn - take and delete the next due job. */
static gboolean take_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	LrJob **out = data;

	*out = queue_job_next(txn, g_get_real_time(), error);
	return *out == NULL ? TRUE : queue_job_delete(txn, *out, error);
}

/* add_job_txn - schedule a timer a minute ahead. */
static gboolean add_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	return queue_job_add(txn, "deadline", 7, g_get_real_time() + 60 * G_USEC_PER_SEC, "3",
	                     error);
}

/* test_jobs - intake makes a parse job; future timers wait. */
static void test_jobs(Fixture *f, gconstpointer data)
{
	gboolean dup;
	guint64 id = store(f->q, "Message-ID: <j@y>\n\nx\n", &dup);
	LrJob *job = NULL;

	g_assert_true(queue_run(f->q, add_job_txn, NULL, NULL));
	g_assert_true(queue_run(f->q, take_job_txn, &job, NULL));
	g_assert_nonnull(job);
	g_assert_cmpstr(job->kind, ==, QUEUE_JOB_PARSE);
	g_assert_cmpuint(job->lead_id, ==, id);
	queue_job_free(job);
	job = NULL;
	g_assert_true(queue_run(f->q, take_job_txn, &job, NULL));
	g_assert_null(job);
	g_assert_cmpint(queue_job_next_due(f->q), >, g_get_real_time());
}

typedef struct {
	LrJob *job;
	gboolean found;
} Postpone;

/* peek_job_txn - the next job due by the end of time, left in place. */
static gboolean peek_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	Postpone *p = data;

	p->job = queue_job_next(txn, G_MAXINT64, error);
	return p->job != NULL;
}

/* parse_job_txn - a parse job due now (key 0), as intake adds them. */
static gboolean parse_job_txn(LrTxn *txn, gpointer data, GError **error)
{
	return queue_job_add(txn, QUEUE_JOB_PARSE, 9, 0, NULL, error);
}

/* postpone_txn - set the job in hand aside for an hour. */
static gboolean postpone_txn(LrTxn *txn, gpointer data, GError **error)
{
	Postpone *p = data;

	return queue_job_postpone(txn, p->job, g_get_real_time() + 3600LL * G_USEC_PER_SEC,
	                          &p->found, error);
}

/* test_job_postpone - a job that failed is set aside, and only it: a
 * parse job that intake added meanwhile, earlier in the queue, stays due. */
static void test_job_postpone(Fixture *f, gconstpointer data)
{
	Postpone p = {NULL, FALSE};
	LrJob *next = NULL;

	g_assert_true(queue_run(f->q, add_job_txn, NULL, NULL));
	g_assert_true(queue_run(f->q, peek_job_txn, &p, NULL));
	g_assert_cmpstr(p.job->kind, ==, "deadline");
	g_assert_true(queue_run(f->q, parse_job_txn, NULL, NULL));
	g_assert_true(queue_run(f->q, postpone_txn, &p, NULL));
	g_assert_true(p.found);
	g_assert_true(queue_run(f->q, take_job_txn, &next, NULL));
	g_assert_nonnull(next);
	g_assert_cmpstr(next->kind, ==, QUEUE_JOB_PARSE);
	g_assert_cmpuint(next->lead_id, ==, 9);
	queue_job_free(next);
	next = NULL;
	/* The deadline moved an hour on (it was a minute ahead). */
	g_assert_cmpint(queue_job_next_due(f->q), >, g_get_real_time() + 3000LL * G_USEC_PER_SEC);
	/* Once gone, postponing it again changes nothing. */
	g_assert_true(queue_run(f->q, postpone_txn, &p, NULL));
	g_assert_false(p.found);
	queue_job_free(p.job);
}

/* outbox_add_txn - queue one mail. */
static gboolean outbox_add_txn(LrTxn *txn, gpointer data, GError **error)
{
	const char *rcpts[] = {"anna@acme.example", NULL};
	g_autoptr(GBytes) msg = g_bytes_new_static("Subject: hi\n\nbody\n", 18);

	return queue_outbox_add(txn, 5, "leads@acme.example", rcpts, msg, error);
}

/* test_outbox - add, defer, done. */
static void test_outbox(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) due = NULL;
	g_autoptr(GPtrArray) later = NULL;
	LrOutMail *m;

	g_assert_true(queue_run(f->q, outbox_add_txn, NULL, NULL));
	due = queue_outbox_due(f->q, g_get_real_time(), 10, NULL);
	g_assert_cmpuint(due->len, ==, 1);
	m = due->pdata[0];
	g_assert_cmpstr(m->rcpts[0], ==, "anna@acme.example");
	g_assert_cmpuint(g_bytes_get_size(m->message), ==, 18);
	g_assert_true(queue_outbox_defer(f->q, m->id, g_get_real_time() + 60000000, "down", NULL));
	later = queue_outbox_due(f->q, g_get_real_time(), 10, NULL);
	g_assert_cmpuint(later->len, ==, 0);
	g_clear_pointer(&later, g_ptr_array_unref);
	later = queue_outbox_due(f->q, G_MAXINT64, 10, NULL);
	g_assert_cmpuint(((LrOutMail *)later->pdata[0])->attempts, ==, 1);
	g_assert_cmpstr(((LrOutMail *)later->pdata[0])->last_error, ==, "down");
	g_assert_true(queue_outbox_done(f->q, m->id, NULL));
	g_assert_cmpuint(queue_outbox_count(f->q, NULL), ==, 0);
}

/* page_size - the page size of home's database name, read from its file. */
static guint32 page_size(const char *home, const char *name)
{
	g_autofree char *path = g_build_filename(home, name, NULL);
	DB *db = NULL;
	u_int32_t size = 0;

	g_assert_cmpint(db_create(&db, NULL, 0), ==, 0);
	g_assert_cmpint(db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY, 0), ==, 0);
	g_assert_cmpint(db->get_pagesize(db, &size), ==, 0);
	db->close(db, 0);
	return size;
}

/* big_add_txn - queue one 7 KB mail (a notification's size: it takes
 * overflow pages in a 16 KB page outbox, not in a 64 KB one). */
static gboolean big_add_txn(LrTxn *txn, gpointer data, GError **error)
{
	const char *rcpts[] = {"anna@acme.example", NULL};

	return queue_outbox_add(txn, 5, "leads@acme.example", rcpts, data, error);
}

/* outbox_round - queue the 7 KB mail, read it back whole, remove it. */
static void outbox_round(const char *home, GBytes *msg)
{
	g_autoptr(GError) error = NULL;
	LrQueue *q = queue_open(home, TRUE, &error);
	g_autoptr(GPtrArray) due = NULL;

	g_assert_no_error(error);
	g_assert_true(queue_run(q, big_add_txn, msg, NULL));
	due = queue_outbox_due(q, g_get_real_time(), 10, NULL);
	g_assert_cmpuint(due->len, ==, 1);
	g_assert_true(g_bytes_equal(((LrOutMail *)due->pdata[0])->message, msg));
	g_assert_true(queue_outbox_done(q, ((LrOutMail *)due->pdata[0])->id, NULL));
	g_assert_cmpuint(queue_outbox_count(q, NULL), ==, 0);
	queue_close(q);
}

/* test_outbox_pages - a new store's outbox has 16 KB pages (be1fe82: a 64
 * KB page split logs the whole page); an outbox made with 64 KB pages, as
 * every store before it, keeps them and works. */
static void test_outbox_pages(void)
{
	g_autofree char *fresh = g_dir_make_tmp("lr-queue-XXXXXX", NULL);
	g_autofree char *old = g_dir_make_tmp("lr-queue-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(old, "outbox.db", NULL);
	g_autoptr(GString) text = g_string_new("Subject: a notification\n\n");
	g_autoptr(GBytes) msg = NULL;
	DB *db = NULL;

	while (text->len < 7000)
		g_string_append(text, "A line of a notification's text, as long as most are.\n");
	msg = g_bytes_new(text->str, text->len);
	outbox_round(fresh, msg);
	g_assert_cmpuint(page_size(fresh, "outbox.db"), ==, 16384);
	/* the old one: created with 64 KB pages before the store opens it */
	g_assert_cmpint(db_create(&db, NULL, 0), ==, 0);
	g_assert_cmpint(db->set_pagesize(db, 65536), ==, 0);
	g_assert_cmpint(db->open(db, NULL, path, NULL, DB_BTREE, DB_CREATE, 0600), ==, 0);
	db->close(db, 0);
	outbox_round(old, msg);
	g_assert_cmpuint(page_size(old, "outbox.db"), ==, 65536);
	remove_tree(fresh);
	remove_tree(old);
}

/* outbox_mixed_txn - queue *n items, mail and https POSTs by turns. */
static gboolean outbox_mixed_txn(LrTxn *txn, gpointer data, GError **error)
{
	const char *mail[] = {"anna@acme.example", NULL}, *post[] = {"https://p.example/in", NULL};
	g_autoptr(GBytes) msg = g_bytes_new_static("Subject: hi\n\nbody\n", 18);

	for (guint i = 0; i < *(guint *)data; i++)
		if (!queue_outbox_add(txn, 5, i % 2 ? "" : "leads@acme.example", i % 2 ? post : mail,
		                      msg, error))
			return FALSE;
	return TRUE;
}

/* is_post - QueueOutboxWant: an https item. */
static gboolean is_post(const char *to, gpointer data)
{
	(void)data;
	return g_str_has_prefix(to, "https://");
}

/* test_outbox_where - a filtered read of the due items, past many that
 * it skips (the index is read 256 entries a visit): all of the kind, in
 * order, none twice; the others stay due. */
static void test_outbox_where(Fixture *f, gconstpointer data)
{
	guint n = 1200;
	g_autoptr(GPtrArray) posts = NULL;
	g_autoptr(GPtrArray) first = NULL;
	g_autoptr(GPtrArray) all = NULL;

	(void)data;
	g_assert_true(queue_run(f->q, outbox_mixed_txn, &n, NULL));
	posts = queue_outbox_due_where(f->q, g_get_real_time(), 10000, is_post, NULL, NULL);
	g_assert_cmpuint(posts->len, ==, n / 2);
	for (guint i = 1; i < posts->len; i++)
		g_assert_cmpuint(((LrOutMail *)posts->pdata[i - 1])->id, <,
		                 ((LrOutMail *)posts->pdata[i])->id);
	first = queue_outbox_due_where(f->q, g_get_real_time(), 300, is_post, NULL, NULL);
	g_assert_cmpuint(first->len, ==, 300);
	g_assert_cmpuint(((LrOutMail *)first->pdata[299])->id, ==,
	                 ((LrOutMail *)posts->pdata[299])->id);
	all = queue_outbox_due(f->q, g_get_real_time(), 10000, NULL);
	g_assert_cmpuint(all->len, ==, n);
}

/* Two threads on the outbox, as the daemon's sender and poster. */
typedef struct {
	LrQueue *q;
	gint64 until;
	gboolean ok;
} OutboxRace;

/* race_reader - read the due POSTs over and over. */
static gpointer race_reader(gpointer data)
{
	OutboxRace *r = data;

	while (g_get_monotonic_time() < r->until) {
		GPtrArray *due = queue_outbox_due_where(r->q, g_get_real_time(), 100, is_post, NULL, NULL);
		r->ok = r->ok && due != NULL;
		if (due)
			g_ptr_array_unref(due);
	}
	return NULL;
}

/* test_outbox_race - one thread reads the due POSTs while another adds
 * and sends mail: neither waits on the other for good.  (A reader that
 * kept its cursor on the due index while it read each item deadlocked
 * with the writer, beyond what Berkeley DB's detector sees.) */
static void test_outbox_race(Fixture *f, gconstpointer data)
{
	OutboxRace r = {f->q, g_get_monotonic_time() + 2 * G_USEC_PER_SEC, TRUE};
	guint n = 40, rounds = 0;
	GThread *reader;

	(void)data;
	alarm(60); /* a deadlock fails the test instead of hanging it */
	g_assert_true(queue_run(f->q, outbox_mixed_txn, &n, NULL));
	reader = g_thread_new("reader", race_reader, &r);
	while (g_get_monotonic_time() < r.until) {
		g_autoptr(GPtrArray) due = NULL;
		g_assert_true(queue_run(f->q, outbox_mixed_txn, &n, NULL));
		due = queue_outbox_due(f->q, g_get_real_time(), 1000, NULL);
		g_assert_nonnull(due);
		for (guint i = 0; i < due->len; i++)
			if (!is_post(((LrOutMail *)due->pdata[i])->rcpts[0], NULL))
				g_assert_true(queue_outbox_done(f->q, ((LrOutMail *)due->pdata[i])->id, NULL));
		rounds++;
	}
	g_thread_join(reader);
	alarm(0);
	g_assert_true(r.ok);
	g_test_message("%u rounds of 40 added and the mail sent", rounds);
	g_assert_cmpuint(rounds, >, 0);
}

/* state_put_txn - set one named value. */
static gboolean state_put_txn(LrTxn *txn, gpointer data, GError **error)
{
	return queue_state_put(txn, "rr:team", data, error);
}

/* test_state_reopen - state and leads survive a close and reopen. */
static void test_state_reopen(Fixture *f, gconstpointer data)
{
	gboolean dup;
	g_autofree char *v = NULL;
	guint64 id = store(f->q, "Message-ID: <r@y>\n\nx\n", &dup);

	g_assert_true(queue_run(f->q, state_put_txn, "41", NULL));
	queue_close(f->q);
	f->q = queue_open(f->home, FALSE, NULL);
	g_assert_nonnull(f->q);
	g_assert_true(queue_state_get(f->q, NULL, "rr:team", &v, NULL));
	g_assert_cmpstr(v, ==, "41");
	g_assert_cmpuint(store(f->q, "Message-ID: <r@y>\n\nx\n", &dup), ==, id);
	g_assert_true(dup);
	g_assert_true(queue_run(f->q, state_put_txn, NULL, NULL));
	g_clear_pointer(&v, g_free);
	g_assert_false(queue_state_get(f->q, NULL, "rr:team", &v, NULL));
}

/* store_thread - one of many concurrent writers. */
static gpointer store_thread(gpointer data)
{
	LrQueue *q = data;
	static gint counter;

	for (int i = 0; i < 200; i++) {
		int n = g_atomic_int_add(&counter, 1);
		g_autofree char *text =
		    g_strdup_printf("Message-ID: <t%d@y>\n\nbody %d\n", n % 1000, n);
		gboolean dup;
		store(q, text, &dup);
	}
	return NULL;
}

/* test_concurrent - 8 threads, 1,600 stores, 1,000 distinct ids. */
static void test_concurrent(Fixture *f, gconstpointer data)
{
	GThread *threads[8];

	for (int i = 0; i < 8; i++)
		threads[i] = g_thread_new("store", store_thread, f->q);
	for (int i = 0; i < 8; i++)
		g_thread_join(threads[i]);
	g_assert_cmpuint(queue_lead_count(f->q, NULL), ==, 1000);
}

/* hold_txn - take locks and never finish (the process is killed). */
static gboolean hold_txn(LrTxn *txn, gpointer data, GError **error)
{
	gboolean dup;

	(void)dup;
	queue_state_put(txn, "rr:team", "held", NULL);
	write(GPOINTER_TO_INT(data), "x", 1);
	for (;;)
		pause();
	return TRUE;
}

/* test_killed_holder - a process killed inside a transaction does not
 * wedge the others: failchk releases its locks and aborts its work. */
static void test_killed_holder(Fixture *f, gconstpointer data)
{
	int fds[2];
	pid_t pid;
	char c;
	g_autofree char *v = NULL;

	g_assert_true(queue_run(f->q, state_put_txn, "before", NULL));
	g_assert_cmpint(pipe(fds), ==, 0);
	pid = fork();
	if (pid == 0) {
		LrQueue *child = queue_open(f->home, FALSE, NULL);
		queue_run(child, hold_txn, GINT_TO_POINTER(fds[1]), NULL);
		_exit(0);
	}
	g_assert_cmpint(read(fds[0], &c, 1), ==, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	queue_failchk(f->q);
	g_assert_true(queue_run(f->q, state_put_txn, "after", NULL));
	g_assert_true(queue_state_get(f->q, NULL, "rr:team", &v, NULL));
	g_assert_cmpstr(v, ==, "after");
}

/* temp_text_txn - a temporary failure whose text ends in "deadlock"
 * (a relay's words, say) without any lock conflict. */
static gboolean temp_text_txn(LrTxn *txn, gpointer data, GError **error)
{
	(void)txn;
	(*(int *)data)++;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "relay said: deadlock");
	return FALSE;
}

/* test_deadlock_text - an error is a deadlock by its DB code, not by its
 * text: this one is handed back at once, not retried. */
static void test_deadlock_text(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	int calls = 0;

	(void)data;
	g_assert_false(queue_run(f->q, temp_text_txn, &calls, &error));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_cmpstr(error->message, ==, "relay said: deadlock");
	g_assert_cmpint(calls, ==, 1);
}

/* Two transactions that write two databases (state, jobs) in opposite
 * order: each holds a page lock the other needs. */
typedef struct {
	LrQueue *q;
	gboolean state_first;
	gint *ready; /* both hold their first lock */
	int attempts;
} Crossing;

/* crossing_put - write to the state database or to the jobs database. */
static gboolean crossing_put(LrTxn *txn, gboolean state, GError **error)
{
	if (state)
		return queue_state_put(txn, "x:crossing", "1", error);
	return queue_job_add(txn, "crossing", 1, G_MAXINT64 / 2, "", error);
}

/* crossing_txn - take the first lock, wait (on the first attempt) until
 * the other thread holds its first, then take the second; a failure is
 * reworded so that its text no longer says "deadlock". */
static gboolean crossing_txn(LrTxn *txn, gpointer data, GError **error)
{
	Crossing *c = data;
	g_autoptr(GError) local = NULL;

	if (!crossing_put(txn, c->state_first, error))
		return FALSE;
	if (c->attempts++ == 0) {
		g_atomic_int_inc(c->ready);
		for (int i = 0; i < 500 && g_atomic_int_get(c->ready) < 2; i++)
			g_usleep(10000);
	}
	if (crossing_put(txn, !c->state_first, &local))
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "second write (%s)", local->message);
	return FALSE;
}

/* crossing_thread - run one crossing transaction; its result. */
static gpointer crossing_thread(gpointer data)
{
	Crossing *c = data;
	g_autoptr(GError) error = NULL;
	gboolean ok = queue_run(c->q, crossing_txn, c, &error);

	if (!ok)
		g_printerr("crossing: %s\n", error->message);
	return GINT_TO_POINTER(ok);
}

/* test_deadlock_code - a real deadlock (DB_LOCK_DEADLOCK) is retried even
 * when the caller's error text hides the word: both transactions commit. */
static void test_deadlock_code(Fixture *f, gconstpointer data)
{
	gint ready = 0;
	Crossing a = {f->q, TRUE, &ready, 0}, b = {f->q, FALSE, &ready, 0};
	GThread *ta = g_thread_new("a", crossing_thread, &a);
	GThread *tb = g_thread_new("b", crossing_thread, &b);

	(void)data;
	g_assert_true(GPOINTER_TO_INT(g_thread_join(ta)));
	g_assert_true(GPOINTER_TO_INT(g_thread_join(tb)));
	g_assert_cmpint(a.attempts + b.attempts, >=, 3); /* one was retried */
}

/* test_einval_temp - Berkeley DB's EINVAL (here: a database file that is
 * not one, as a damaged or half-restored store shows) is LR_ERROR_TEMP,
 * not PERM: the mail waiting on it is deferred, never refused for good. */
static void test_einval_temp(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *keys = g_build_filename(f->home, "keys.db", NULL);
	g_autofree char *junk = g_strnfill(8192, 'x');
	LrQueue *q;

	queue_close(f->q);
	g_assert_true(g_file_set_contents(keys, junk, -1, NULL));
	q = queue_open(f->home, TRUE, &error);
	g_assert_null(q);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, g_strerror(EINVAL)));
	g_assert_error(error, LR_ERROR, LR_ERROR_TEMP);
	g_assert_true(lr_error_is_temp(error));
	g_assert_cmpint(g_unlink(keys), ==, 0);
	f->q = queue_open(f->home, TRUE, NULL);
	g_assert_nonnull(f->q);
}

/* log_files - how many log files the store holds. */
static guint log_files(const char *home)
{
	g_autoptr(GDir) dir = g_dir_open(home, 0, NULL);
	const char *name;
	guint n = 0;

	while (dir && (name = g_dir_read_name(dir)) != NULL)
		if (g_str_has_prefix(name, "log."))
			n++;
	return n;
}

/* fill_logs - store 100 KB messages until the store holds n log files. */
static void fill_logs(Fixture *f, guint n)
{
	g_autofree char *body = g_strnfill(100 * 1024, 'x');
	static guint serial;
	gboolean dup;

	while (log_files(f->home) < n) {
		g_autofree char *text =
		    g_strdup_printf("Message-ID: <fill-%u@t.example>\r\n\r\n%s", serial++, body);

		store(f->q, text, &dup);
		g_assert_false(dup);
	}
}

/* test_full_checkpoint - a store that refused writes for room checkpoints
 * within a second and lets its logs go, even below QUEUE_MIN_FREE (the
 * logs are what holds the room), but not without room for the pages a
 * checkpoint writes; and with room to spare it waits for its schedule. */
static void test_full_checkpoint(Fixture *f, gconstpointer data)
{
	guint logs;

	queue_set_checkpoint_every(f->q, 3600);
	g_assert_true(queue_failchk(f->q)); /* the first, on the schedule */
	fill_logs(f, 3);
	logs = log_files(f->home);
	/* Room to spare, nothing refused: not before the schedule. */
	g_usleep(1100 * 1000);
	g_assert_true(queue_failchk(f->q));
	g_assert_cmpuint(log_files(f->home), ==, logs);
	/* Refused, but no room for a checkpoint's pages: the logs stay. */
	queue_test_set_avail(f->q, 1024 * 1024);
	g_assert_false(queue_has_room(f->q, 0, NULL));
	g_assert_true(queue_failchk(f->q));
	g_assert_cmpuint(log_files(f->home), ==, logs);
	/* Refused, just under the margin: the checkpoint lets the logs go. */
	queue_test_set_avail(f->q, QUEUE_MIN_FREE - 1024 * 1024);
	g_assert_false(queue_has_room(f->q, 0, NULL));
	g_assert_true(queue_failchk(f->q));
	g_assert_cmpuint(log_files(f->home), <, logs);
	queue_test_set_avail(f->q, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/queue/store-dedup", test_store_dedup);
	ADD("/queue/events-order", test_events_order);
	ADD("/queue/jobs", test_jobs);
	ADD("/queue/job-postpone", test_job_postpone);
	ADD("/queue/outbox", test_outbox);
	ADD("/queue/outbox-where", test_outbox_where);
	g_test_add_func("/queue/outbox-pages", test_outbox_pages);
	ADD("/queue/outbox-race", test_outbox_race);
	ADD("/queue/state-reopen", test_state_reopen);
	ADD("/queue/concurrent", test_concurrent);
	ADD("/queue/killed-holder", test_killed_holder);
	ADD("/queue/deadlock-text", test_deadlock_text);
	ADD("/queue/deadlock-code", test_deadlock_code);
	ADD("/queue/einval-temp", test_einval_temp);
	ADD("/queue/full-checkpoint", test_full_checkpoint);
	return g_test_run();
}
