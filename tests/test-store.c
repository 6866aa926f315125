/* test-store.c - the store at scale: secondary indexes and queries,
 * summaries, the upgrade of a version-1 store, erasure, retention, hot
 * backup and restore while another thread writes, an index walk that is
 * a lock request's victim. */
#include "config.h"

#include <string.h>

#include <db.h>

#include "lead/erase.h"
#include "lead/lr-error.h"
#include "lead/rawmsg.h"
#include "lead/summary.h"
#include "queue/queue.h"
#include "report/leads.h"
#include "tests/summary-check.h"

typedef struct {
	char *home;
	LrQueue *q;
} Fixture;

/* remove_tree - delete a temporary folder. */
static void remove_tree(const char *path)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

	g_assert_cmpint(system(cmd), ==, 0);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)data;
	f->home = g_dir_make_tmp("lr-store-XXXXXX", &error);
	g_assert_no_error(error);
	f->q = queue_open(f->home, TRUE, &error);
	g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
	(void)data;
	queue_close(f->q);
	remove_tree(f->home);
	g_free(f->home);
}

/* store - a message through the intake transaction; its lead id. */
static guint64 store(LrQueue *q, const char *text)
{
	g_autoptr(GBytes) raw = g_bytes_new(text, strlen(text));
	g_autofree char *key = rawmsg_key(text, strlen(text));
	g_autoptr(LrLead) seed = lead_new();
	g_autoptr(GError) error = NULL;
	gboolean dup;
	guint64 id = 0;

	lead_set_str(&seed->sender, "person@example.org");
	lead_set_str(&seed->recipient, "leads+web@example.com");
	g_assert_true(queue_store_message(q, raw, key, seed, &id, &dup, &error));
	g_assert_no_error(error);
	return id;
}

/* What the test sets on a stored lead. */
typedef struct {
	guint64 id;
	const char *status, *user, *source;
	int priority;
	gint64 received;   /* 0: keep */
	const char *event; /* an event type to add, or NULL */
} Change;

/* change_txn - apply a Change. */
static gboolean change_txn(LrTxn *txn, gpointer data, GError **error)
{
	const Change *c = data;
	g_autoptr(LrLead) lead = queue_lead_get(queue_txn_queue(txn), txn, c->id, error);
	const char *users[] = {c->user, NULL};

	if (lead == NULL)
		return FALSE;
	lead_set_str(&lead->status, c->status);
	lead_set_str(&lead->source, c->source);
	lead_field_set(lead, "email", "person@example.org");
	lead_field_set(lead, "utm_campaign", "spring");
	lead->priority = c->priority;
	if (c->received)
		lead->received = c->received;
	lead_list_set(lead->assignees, c->user ? users : (const char *[]){NULL});
	if (c->event) {
		g_autoptr(LrEvent) ev = lead_event_new(c->event, c->user, "");
		if (!queue_event_add(txn, c->id, ev, error))
			return FALSE;
	}
	return queue_lead_put(txn, lead, error);
}

/* change - apply c, asserting success. */
static void change(LrQueue *q, Change c)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(queue_run(q, change_txn, &c, &error));
	g_assert_no_error(error);
}

/* collect - a QueueLeadFunc gathering ids, up to *limit. */
typedef struct {
	GArray *ids;
	guint limit;
} Ids;

static gboolean collect(const LrLead *lead, gpointer data)
{
	Ids *s = data;

	g_array_append_val(s->ids, lead->id);
	return s->limit == 0 || s->ids->len < s->limit;
}

/* query - the ids query yields, as "a,b,c". */
static char *query(LrQueue *q, QueueQuery w, guint limit)
{
	Ids s = {g_array_new(FALSE, FALSE, sizeof(guint64)), limit};
	GString *out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(queue_leads_query(q, &w, collect, &s, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < s.ids->len; i++)
		g_string_append_printf(out, "%s%" G_GUINT64_FORMAT, i ? "," : "",
		                       g_array_index(s.ids, guint64, i));
	g_array_unref(s.ids);
	return g_string_free(out, FALSE);
}

#define CHECK_QUERY(q, want, limit, ...)                                                           \
	do {                                                                                       \
		g_autofree char *got_ = query(q, (QueueQuery){__VA_ARGS__}, limit);                \
		g_assert_cmpstr(got_, ==, want);                                                   \
	} while (0)

/* fill - six leads: ids 1..6, alternating users and sources. */
static void fill(LrQueue *q)
{
	for (int i = 1; i <= 6; i++) {
		g_autofree char *text = g_strdup_printf("Message-ID: <m%d@x>\n\nhello %d\n", i, i);
		guint64 id = store(q, text);
		g_assert_cmpuint(id, ==, (guint64)i);
		change(q, (Change){id, i % 3 ? LEAD_STATUS_OFFERED : LEAD_STATUS_ACCEPTED,
		                   i % 2 ? "anna" : "erik", i <= 3 ? "web" : "fair", i * 10 % 35, 0,
		                   NULL});
	}
}

/* test_query_filters - each index alone and together, newest first. */
static void test_query_filters(Fixture *f, gconstpointer data)
{
	(void)data;
	fill(f->q);
	CHECK_QUERY(f->q, "6,5,4,3,2,1", 0, .status = NULL);
	CHECK_QUERY(f->q, "5,3,1", 0, .user = "anna");
	CHECK_QUERY(f->q, "6,4,2", 0, .user = "erik");
	CHECK_QUERY(f->q, "3,2,1", 0, .source = "web");
	CHECK_QUERY(f->q, "6,3", 0, .status = LEAD_STATUS_ACCEPTED);
	CHECK_QUERY(f->q, "3,1", 0, .user = "anna", .source = "web");
	CHECK_QUERY(f->q, "3", 0, .user = "anna", .status = LEAD_STATUS_ACCEPTED);
	CHECK_QUERY(f->q, "", 0, .user = "nobody");
	/* Priorities 10 20 30 5 15 25: highest first. */
	CHECK_QUERY(f->q, "3,6,2,5,1,4", 0, .by_priority = TRUE);
	CHECK_QUERY(f->q, "2,5,1,4", 0, .by_priority = TRUE, .status = LEAD_STATUS_OFFERED);
}

/* test_query_paging - limit and the --before cursor. */
static void test_query_paging(Fixture *f, gconstpointer data)
{
	(void)data;
	fill(f->q);
	CHECK_QUERY(f->q, "6,5", 2, .status = NULL);
	CHECK_QUERY(f->q, "6,5", 2, .limit = 3);
	/* The limit only says how far to read ahead: a caller taking more
	 * still gets every lead. */
	CHECK_QUERY(f->q, "6,5,4,3,2,1", 0, .limit = 2);
	CHECK_QUERY(f->q, "4,3", 2, .before = 5);
	CHECK_QUERY(f->q, "3,1", 0, .user = "anna", .before = 5);
	CHECK_QUERY(f->q, "5,1,4", 0, .by_priority = TRUE, .before = 2);
}

/* test_query_time - since/until by the received-time index. */
static void test_query_time(Fixture *f, gconstpointer data)
{
	gint64 day = 86400LL * G_USEC_PER_SEC, t0 = g_get_real_time() - 10 * day;

	(void)data;
	fill(f->q);
	for (int i = 1; i <= 6; i++)
		change(f->q,
		       (Change){i, LEAD_STATUS_OFFERED, "anna", "web", 0, t0 + i * day, NULL});
	CHECK_QUERY(f->q, "4,3", 0, .since = t0 + 3 * day, .until = t0 + 5 * day);
	CHECK_QUERY(f->q, "6,5", 0, .since = t0 + 5 * day);
	CHECK_QUERY(f->q, "4,3", 0, .user = "anna", .since = t0 + 3 * day, .until = t0 + 5 * day);
}

/* test_index_follows - a changed lead leaves its old index entries. */
static void test_index_follows(Fixture *f, gconstpointer data)
{
	(void)data;
	fill(f->q);
	change(f->q, (Change){5, LEAD_STATUS_CLOSED, "erik", "fair", 1, 0, "won"});
	CHECK_QUERY(f->q, "5", 0, .status = LEAD_STATUS_CLOSED);
	CHECK_QUERY(f->q, "3,1", 0, .user = "anna");
	CHECK_QUERY(f->q, "6,5,4,2", 0, .user = "erik");
	CHECK_QUERY(f->q, "2,1,4", 0, .by_priority = TRUE, .status = LEAD_STATUS_OFFERED);
}

/* test_summary_kept - the summary follows every write of the lead. */
static void test_summary_kept(Fixture *f, gconstpointer data)
{
	g_autoptr(LrSummary) before = NULL, after = NULL;
	guint64 id = store(f->q, "Message-ID: <s@x>\n\nhi\n");

	(void)data;
	before = queue_summary_get(f->q, id, NULL);
	g_assert_nonnull(before);
	g_assert_cmpuint(before->stages->len, ==, 1);
	g_assert_cmpstr(before->source, ==, "web"); /* the address extension */
	change(f->q, (Change){id, LEAD_STATUS_ACCEPTED, "anna", "web", 1, 0, "accepted"});
	after = queue_summary_get(f->q, id, NULL);
	g_assert_nonnull(after);
	g_assert_cmpint(after->accepted_at, >, 0);
	g_assert_cmpstr(after->assignee, ==, "anna");
	g_assert_cmpstr(after->campaign, ==, "spring");
	g_assert_cmpuint(check_summaries_folded(f->q), ==, 1);
}

/* downgrade - turn a store into what version 1 wrote: the same databases
 * without index.db and summary.db, and no layout version.  (Version 1 had
 * exactly the other databases, with the same records.) */
static void downgrade(const char *home)
{
	DB_ENV *env = NULL;
	DB *state = NULL;
	DBT key = {.data = "store.version", .size = strlen("store.version")};

	g_assert_cmpint(db_env_create(&env, 0), ==, 0);
	g_assert_cmpint(env->open(env, home,
	                          DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	                              DB_INIT_TXN | DB_RECOVER,
	                          0660),
	                ==, 0);
	g_assert_cmpint(env->dbremove(env, NULL, "index.db", NULL, DB_AUTO_COMMIT), ==, 0);
	g_assert_cmpint(env->dbremove(env, NULL, "summary.db", NULL, DB_AUTO_COMMIT), ==, 0);
	g_assert_cmpint(db_create(&state, env, 0), ==, 0);
	g_assert_cmpint(state->open(state, NULL, "state.db", NULL, DB_BTREE, DB_AUTO_COMMIT, 0), ==,
	                0);
	g_assert_cmpint(state->del(state, NULL, &key, DB_AUTO_COMMIT), ==, 0);
	state->close(state, 0);
	env->close(env, 0);
}

/* test_upgrade_v1 - a version-1 store opens, with indexes and summaries
 * built, and goes on taking leads. */
static void test_upgrade_v1(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *index = g_build_filename(f->home, "index.db", NULL);
	g_autoptr(LrSummary) s = NULL;

	(void)data;
	fill(f->q);
	queue_close(f->q);
	downgrade(f->home);
	g_assert_false(g_file_test(index, G_FILE_TEST_EXISTS));
	f->q = queue_open(f->home, FALSE, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_test(index, G_FILE_TEST_EXISTS));
	CHECK_QUERY(f->q, "5,3,1", 0, .user = "anna");
	CHECK_QUERY(f->q, "3,6,2,5,1,4", 0, .by_priority = TRUE);
	s = queue_summary_get(f->q, 4, NULL);
	g_assert_nonnull(s);
	g_assert_cmpstr(s->campaign, ==, "spring");
	g_assert_cmpuint(store(f->q, "Message-ID: <after@x>\n\nx\n"), ==, 7);
	CHECK_QUERY(f->q, "7,6", 2, .status = NULL);
}

static gboolean count_summary(LrSummary *s, gpointer data);

/* summaries_to_v1 - rewrite the summary records of the store at home as
 * the previous version wrote them (version-1 GVariant records), all of
 * them or only lead only's, and set the store version to version. */
static void summaries_to_v1(const char *home, guint64 only, const char *version)
{
	DB_ENV *env = NULL;
	DB *db = NULL, *state = NULL;
	DBC *c = NULL;
	DB_TXN *txn = NULL;
	DBT key = {.flags = DB_DBT_MALLOC}, val = {.flags = DB_DBT_MALLOC};
	DBT vkey = {.data = "store.version", .size = strlen("store.version")};
	DBT vval = {.data = (void *)version, .size = strlen(version)};

	g_assert_cmpint(db_env_create(&env, 0), ==, 0);
	g_assert_cmpint(env->open(env, home,
	                          DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	                              DB_INIT_TXN | DB_RECOVER,
	                          0660),
	                ==, 0);
	g_assert_cmpint(db_create(&db, env, 0), ==, 0);
	g_assert_cmpint(db->open(db, NULL, "summary.db", NULL, DB_BTREE, DB_AUTO_COMMIT, 0), ==, 0);
	g_assert_cmpint(env->txn_begin(env, NULL, &txn, 0), ==, 0);
	g_assert_cmpint(db->cursor(db, txn, &c, 0), ==, 0);
	while (c->get(c, &key, &val, DB_NEXT) == 0) {
		g_autoptr(GBytes) rec = g_bytes_new_take(val.data, val.size);
		g_autoptr(LrSummary) s = summary_deserialize(rec, NULL);
		g_autoptr(GBytes) old = NULL;
		DBT v1;
		g_assert_nonnull(s);
		old = summary_serialize_v1(s);
		v1 = (DBT){.data = (void *)g_bytes_get_data(old, NULL), .size = g_bytes_get_size(old)};
		if (only == 0 || s->id == only)
			g_assert_cmpint(c->put(c, &key, &v1, DB_CURRENT), ==, 0);
		free(key.data);
	}
	c->close(c);
	g_assert_cmpint(txn->commit(txn, 0), ==, 0);
	db->close(db, 0);
	g_assert_cmpint(db_create(&state, env, 0), ==, 0);
	g_assert_cmpint(state->open(state, NULL, "state.db", NULL, DB_BTREE, DB_AUTO_COMMIT, 0), ==,
	                0);
	g_assert_cmpint(state->put(state, NULL, &vkey, &vval, DB_AUTO_COMMIT), ==, 0);
	state->close(state, 0);
	env->close(env, 0);
}

/* test_upgrade_summary_v1 - a store whose summaries the previous version
 * wrote: its records are read, the upgrade rebuilds them as flat ones,
 * and a version-1 record met later is rebuilt when its lead changes. */
static void test_upgrade_summary_v1(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrSummary) old = NULL, now = NULL;
	guint n[3] = {0};

	(void)data;
	fill(f->q);
	change(f->q, (Change){5, LEAD_STATUS_CLOSED, "anna", "fair", 1, 0, "won"});
	queue_close(f->q);
	summaries_to_v1(f->home, 0, "2");
	f->q = queue_open(f->home, FALSE, &error);
	g_assert_no_error(error);
	now = queue_summary_get(f->q, 5, NULL);
	g_assert_nonnull(now);
	g_assert_cmpuint(now->format, ==, 2); /* rebuilt by the upgrade */
	g_assert_cmpuint(now->won_at, >, 0);
	g_assert_cmpstr(now->campaign, ==, "spring");
	g_assert_cmpuint(check_summaries_folded(f->q), ==, 6);
	/* A version-1 record in a version-3 store: read, then rebuilt. */
	queue_close(f->q);
	summaries_to_v1(f->home, 3, "3");
	f->q = queue_open(f->home, FALSE, &error);
	g_assert_no_error(error);
	old = queue_summary_get(f->q, 3, NULL);
	g_assert_nonnull(old);
	g_assert_cmpuint(old->format, ==, 1);
	g_assert_cmpstr(old->assignee, ==, NULL); /* fill's changes carry no events */
	g_assert_cmpstr(old->campaign, ==, "spring");
	g_assert_true(queue_summaries_foreach(f->q, 0, G_MAXINT64, count_summary, n, NULL));
	g_assert_cmpuint(n[0], ==, 6);
	change(f->q, (Change){3, LEAD_STATUS_ACCEPTED, "anna", "web", 30, 0, "accepted"});
	g_clear_pointer(&now, summary_free);
	now = queue_summary_get(f->q, 3, NULL);
	g_assert_cmpuint(now->format, ==, 2);
	g_assert_cmpstr(now->assignee, ==, "anna");
	g_assert_cmpuint(check_summaries_folded(f->q), ==, 6);
}

/* count_summary - a QueueSummaryFunc counting leads and won ones. */
static gboolean count_summary(LrSummary *s, gpointer data)
{
	guint *n = data;

	n[0]++;
	n[1] += s->won_at != 0;
	n[2] += s->erased;
	summary_free(s);
	return TRUE;
}

/* test_erase - a person's data goes, what reports count stays. */
static void test_erase(Fixture *f, gconstpointer data)
{
	g_autoptr(LrLead) lead = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) error = NULL;
	guint before[3] = {0}, after[3] = {0};

	(void)data;
	fill(f->q);
	change(f->q, (Change){5, LEAD_STATUS_CLOSED, "anna", "fair", 1, 0, "won"});
	g_assert_true(queue_summaries_foreach(f->q, 0, G_MAXINT64, count_summary, before, NULL));
	g_assert_cmpuint(before[0], ==, 6);
	g_assert_cmpuint(before[1], ==, 1);
	g_assert_true(queue_retention_erase(f->q, g_get_real_time() + 1, 100, &before[2], &error));
	g_assert_no_error(error);
	g_assert_cmpuint(before[2], ==, 1); /* lead 5 only: the others are open */
	lead = queue_lead_get(f->q, NULL, 5, NULL);
	g_assert_null(lead_field_get(lead, "email"));
	g_assert_cmpstr(lead_field_get(lead, "utm_campaign"), ==, "spring");
	g_assert_cmpstr(lead->sender, ==, "");
	g_assert_nonnull(lead_meta_get(lead, META_ERASED));
	g_assert_null(queue_raw_get(f->q, NULL, 5, NULL));
	{
		FILE *null = fopen("/dev/null", "w");
		g_autoptr(GError) raw_error = NULL;
		g_assert_false(report_show(f->q, 5, FALSE, TRUE, null, &raw_error));
		g_assert_error(raw_error, LR_ERROR, LR_ERROR_PERM);
		fclose(null);
	}
	events = queue_events(f->q, 5, NULL);
	g_assert_cmpstr(((LrEvent *)events->pdata[events->len - 1])->type, ==, "erased");
	g_assert_null(strstr(((LrEvent *)events->pdata[0])->detail, "person@"));
	g_assert_true(queue_summaries_foreach(f->q, 0, G_MAXINT64, count_summary, after, NULL));
	g_assert_cmpuint(after[0], ==, 6);
	g_assert_cmpuint(after[1], ==, 1);
	g_assert_cmpuint(after[2], ==, 1);
	/* Erased once: retention does not take it again. */
	g_assert_true(queue_retention_erase(f->q, g_get_real_time() + 1, 100, &after[2], NULL));
	g_assert_cmpuint(after[2], ==, 0);
	CHECK_QUERY(f->q, "5", 0, .status = LEAD_STATUS_CLOSED);
	g_assert_cmpuint(check_summaries_folded(f->q), ==, 6);
}

/* The writer of test_walk_victim: in its transaction it changes lead id
 * (write-locking the index page of its status entry), says so, and
 * commits only once let go. */
typedef struct {
	LrQueue *q;
	guint64 id;
	GMutex lock;
	GCond cond;
	gboolean held, release, ok;
} Holder;

static gboolean hold_txn(LrTxn *txn, gpointer data, GError **error)
{
	Holder *h = data;
	Change c = {.id = h->id, .status = LEAD_STATUS_ACCEPTED};

	if (!change_txn(txn, &c, error))
		return FALSE;
	g_mutex_lock(&h->lock);
	h->held = TRUE;
	g_cond_broadcast(&h->cond);
	while (!h->release)
		g_cond_wait(&h->cond, &h->lock);
	g_mutex_unlock(&h->lock);
	return TRUE;
}

static gpointer holder_thread(gpointer data)
{
	Holder *h = data;

	h->ok = queue_run(h->q, hold_txn, h, NULL);
	return NULL;
}

/* The reader of test_walk_victim: the new leads, by the status index. */
typedef struct {
	LrQueue *q;
	GArray *ids;
	GError *error;
	gboolean ok;
} Walker;

static gpointer walker_thread(gpointer data)
{
	Walker *w = data;
	Ids s = {w->ids, 0};
	QueueQuery query = {.status = LEAD_STATUS_NEW};

	w->ok = queue_leads_query(w->q, &query, collect, &s, &w->error);
	return NULL;
}

/* holder_set - set a flag of h under its lock. */
static void holder_set(Holder *h, gboolean *flag)
{
	g_mutex_lock(&h->lock);
	*flag = TRUE;
	g_cond_broadcast(&h->cond);
	g_mutex_unlock(&h->lock);
}

/* test_walk_victim - an index walk whose page lock request Berkeley DB's
 * lock detector rejects (DB_LOCK_NOTGRANTED, as a deadlock victim gets
 * DB_LOCK_DEADLOCK) while a writer holds the page tries that batch again
 * and yields every lead once, in order. */
static void test_walk_victim(Fixture *f, gconstpointer data)
{
	enum { N = 700, HELD = 100 };
	Holder h = {.q = f->q, .id = HELD};
	Walker w = {f->q, g_array_new(FALSE, FALSE, sizeof(guint64)), NULL, FALSE};
	GThread *holder, *walker;
	int rejected = 0;

	(void)data;
	for (guint i = 1; i <= N; i++) {
		g_autofree char *text = g_strdup_printf("Message-ID: <walk%u@example.org>\n\nHi\n", i);
		g_assert_cmpuint(store(f->q, text), ==, i);
	}
	queue_test_lock_timeout(f->q, 20000);
	holder = g_thread_new("holder", holder_thread, &h);
	g_mutex_lock(&h.lock);
	while (!h.held)
		g_cond_wait(&h.cond, &h.lock);
	g_mutex_unlock(&h.lock);
	walker = g_thread_new("walker", walker_thread, &w);
	/* The walker reaches the held page and waits there: reject it. */
	for (int i = 0; i < 200 && rejected == 0; i++) {
		g_usleep(50000);
		rejected = queue_test_expire_locks(f->q);
	}
	g_assert_cmpint(rejected, ==, 1);
	queue_test_lock_timeout(f->q, 0);
	holder_set(&h, &h.release);
	g_thread_join(holder);
	g_thread_join(walker);
	g_assert_true(h.ok);
	g_assert_no_error(w.error);
	g_assert_true(w.ok);
	g_assert_cmpuint(w.ids->len, ==, N - 1);
	for (guint i = 0, want = N; i < w.ids->len; i++, want--) {
		if (want == HELD)
			want--;
		g_assert_cmpuint(g_array_index(w.ids, guint64, i), ==, want);
	}
	g_array_unref(w.ids);
	g_mutex_clear(&h.lock);
	g_cond_clear(&h.cond);
}

/* test_ids_dense - an intake transaction retried after deadlocks keeps
 * the lead ids it took: no gaps. */
static void test_ids_dense(Fixture *f, gconstpointer data)
{
	LrStoreItem items[3];
	g_autoptr(GError) error = NULL;

	(void)data;
	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_autofree char *text = g_strdup_printf("Message-ID: <d%u@x>\n\nhi\n", i);
		items[i] = (LrStoreItem){.raw = g_bytes_new(text, strlen(text)),
		                         .key = rawmsg_key(text, strlen(text)),
		                         .seed = lead_new()};
	}
	queue_test_deadlocks(f->q, 3);
	g_assert_true(queue_store_batch(f->q, items, G_N_ELEMENTS(items), &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
		g_assert_cmpuint(items[i].lead_id, ==, i + 1);
		g_bytes_unref(items[i].raw);
		g_free((char *)items[i].key);
		lead_free(items[i].seed);
	}
	g_assert_cmpuint(store(f->q, "Message-ID: <after-retries@x>\n\nx\n"), ==, 4);
}

/* Writer thread state for the backup test. */
typedef struct {
	LrQueue *q;
	gint stop;
	gint stored;
} Writer;

static gpointer writer_main(gpointer data)
{
	Writer *w = data;

	for (int i = 0; !g_atomic_int_get(&w->stop); i++) {
		g_autofree char *text = g_strdup_printf("Message-ID: <w%d@x>\n\nbody %d\n", i, i);
		store(w->q, text);
		g_atomic_int_inc(&w->stored);
	}
	return NULL;
}

/* test_backup_restore - a hot backup while a thread stores leads holds
 * every lead stored before it began, each with its raw message; restore
 * makes a home of it. */
static void test_backup_restore(Fixture *f, gconstpointer data)
{
	Writer w = {f->q, 0, 0};
	g_autofree char *bak = g_build_filename(f->home, "bak", NULL);
	g_autofree char *home2 = g_build_filename(f->home, "restored", NULL);
	g_autoptr(GError) error = NULL;
	GThread *t;
	guint64 acked, n;
	LrQueue *r;

	(void)data;
	t = g_thread_new("writer", writer_main, &w);
	while (g_atomic_int_get(&w.stored) < 600)
		g_usleep(1000);
	acked = (guint64)g_atomic_int_get(&w.stored);
	g_assert_true(queue_backup(f->q, bak, &error));
	g_assert_no_error(error);
	g_atomic_int_set(&w.stop, 1);
	g_thread_join(t);
	g_assert_false(queue_backup(f->q, bak, &error)); /* never over a store */
	g_assert_error(error, LR_ERROR, LR_ERROR_PERM);
	g_clear_error(&error);
	g_assert_true(queue_restore(bak, home2, &error));
	g_assert_no_error(error);
	r = queue_open(home2, FALSE, &error);
	g_assert_no_error(error);
	n = queue_lead_count(r, NULL);
	g_assert_cmpuint(n, >=, acked);
	g_assert_cmpuint(n, >, 2 * 256); /* more than one batch of a walk */
	{
		g_autofree char *all = query(r, (QueueQuery){.user = NULL}, 0);
		g_auto(GStrv) ids = g_strsplit(all, ",", -1);
		guint counts[3] = {0};
		g_assert_cmpuint(g_strv_length(ids), ==, n);
		g_assert_true(
		    queue_summaries_foreach(r, 0, G_MAXINT64, count_summary, counts, NULL));
		g_assert_cmpuint(counts[0], ==, n);
	}
	for (guint64 id = 1; id <= n; id++) {
		g_autoptr(GBytes) raw = queue_raw_get(r, NULL, id, NULL);
		g_autoptr(LrSummary) s = queue_summary_get(r, id, NULL);
		g_assert_nonnull(raw);
		g_assert_nonnull(s);
	}
	queue_close(r);
}

/* test_cache_yield - the pages a command reads (`leadroute report` and
 * `list --json` read the whole store) go first when the shared cache needs
 * room, so that they neither push the daemon's pages out nor leave the
 * cache full of pages as recent as any: at 20,000 leads the next `show`
 * then looked through the whole cache (1 s, and 40 MB of it mapped).  The
 * daemon's own pages keep the default priority. */
static void test_cache_yield(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	(void)data;
	g_assert_cmpint(queue_test_cache_priority(f->q), ==, DB_PRIORITY_DEFAULT);
	queue_close(f->q);
	f->q = queue_open(f->home, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(queue_test_cache_priority(f->q), ==, DB_PRIORITY_VERY_LOW);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/store/query/filters", test_query_filters);
	ADD("/store/query/paging", test_query_paging);
	ADD("/store/query/time", test_query_time);
	ADD("/store/index/follows", test_index_follows);
	ADD("/store/summary/kept", test_summary_kept);
	ADD("/store/upgrade/v1", test_upgrade_v1);
	ADD("/store/upgrade/summary-v1", test_upgrade_summary_v1);
	ADD("/store/erase", test_erase);
	ADD("/store/ids-dense", test_ids_dense);
	ADD("/store/walk/victim", test_walk_victim);
	ADD("/store/backup-restore", test_backup_restore);
	ADD("/store/cache/yield", test_cache_yield);
	return g_test_run();
}
