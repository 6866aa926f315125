/* queue-txn.c - transactions (group commit, deadlock retries) and the
 * lead records: leads, raw messages, events, duplicate keys, the intake
 * transaction, small named state. */
#include "config.h"

#include <string.h>
#include <sys/statvfs.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* queue_group_flush - make every commit that finished before this call durable.
 * Threads take tickets as their commits finish; one thread at a time calls
 * log_flush, which covers every ticket handed out before it started, and
 * the threads that arrived meanwhile wait for it and are covered by the
 * next flush together: one sync for many commits. */
int queue_group_flush(LrQueue *q)
{
	guint64 ticket;
	int ret = 0;

	g_mutex_lock(&q->flush_lock);
	ticket = ++q->committed;
	while (q->flushed < ticket) {
		if (q->flushing) {
			g_cond_wait(&q->flush_cond, &q->flush_lock);
			continue;
		}
		guint64 target = q->committed;
		q->flushing = TRUE;
		g_mutex_unlock(&q->flush_lock);
		ret = q->env->log_flush(q->env, NULL);
		g_mutex_lock(&q->flush_lock);
		q->flushing = FALSE;
		q->flush_error = ret;
		if (ret == 0)
			q->flushed = target;
		g_cond_broadcast(&q->flush_cond);
		if (ret != 0)
			break;
	}
	g_mutex_unlock(&q->flush_lock);
	return ret;
}

/* txn_commit_durable - commit without holding locks over the sync, then
 * flush the log with whoever else committed meanwhile: the commit is on
 * disk when this returns 0. */
static int txn_commit_durable(LrQueue *q, DB_TXN *txn, gboolean lazy)
{
	int ret = txn->commit(txn, DB_TXN_WRITE_NOSYNC);

	if (ret != 0 || lazy)
		return ret;
	return queue_group_flush(q);
}

/* injected_deadlock - TRUE when a test asked for this commit to fail as
 * a deadlock (see queue_test_deadlocks). */
static gboolean injected_deadlock(LrQueue *q)
{
	gint n;

	do {
		n = g_atomic_int_get(&q->deadlocks);
		if (n <= 0)
			return FALSE;
	} while (!g_atomic_int_compare_and_exchange(&q->deadlocks, n, n - 1));
	return TRUE;
}

/* queue_test_deadlocks - tests: the next n transactions fail as deadlocks. */
void queue_test_deadlocks(LrQueue *q, guint n)
{
	g_atomic_int_set(&q->deadlocks, (gint)n);
}

/* queue_test_lock_timeout - see queue.h. */
void queue_test_lock_timeout(LrQueue *q, guint32 usec)
{
	q->env->set_timeout(q->env, usec, DB_SET_LOCK_TIMEOUT);
}

/* queue_test_expire_locks - see queue.h. */
int queue_test_expire_locks(LrQueue *q)
{
	int rejected = 0;

	return q->env->lock_detect(q->env, 0, DB_LOCK_EXPIRE, &rejected) == 0 ? rejected : -1;
}

/* queue_test_cache_priority - see queue.h. */
int queue_test_cache_priority(LrQueue *q)
{
	DB **dbs[QUEUE_DB_SLOTS];
	guint n = queue_db_slots(q, dbs);
	DB_CACHE_PRIORITY first = 0, p;
	gboolean any = FALSE;

	for (guint i = 0; i < n; i++) {
		if (*dbs[i] == NULL)
			continue;
		if ((*dbs[i])->get_priority(*dbs[i], &p) != 0 || (any && p != first))
			return -1;
		first = p;
		any = TRUE;
	}
	return any ? (int)first : -1;
}

/* run_once - one attempt at fn; returns the DB error (0 or DB_LOCK_DEADLOCK
 * to retry), with *ok saying whether fn succeeded. */
static int run_once(LrQueue *q, QueueTxnFunc fn, gpointer data, gboolean lazy, gboolean *ok,
                    GError **error)
{
	LrTxn t = {q, NULL, NULL, NULL};
	g_autoptr(GError) local = NULL;
	int ret;

	*ok = FALSE;
	if ((ret = q->env->txn_begin(q->env, NULL, &t.txn, 0)) != 0)
		return ret;
	g_private_set(&queue_deadlock_seen, NULL);
	if (!fn(&t, data, &local) || !queue_summary_flush(&t, &local)) {
		g_clear_pointer(&t.dirty, g_hash_table_unref);
		queue_stored_clear(&t);
		t.txn->abort(t.txn);
		if (g_private_get(&queue_deadlock_seen) != NULL)
			return DB_LOCK_DEADLOCK;
		g_propagate_error(error, g_steal_pointer(&local));
		return 0;
	}
	if (injected_deadlock(q)) {
		g_clear_pointer(&t.dirty, g_hash_table_unref);
		queue_stored_clear(&t);
		t.txn->abort(t.txn);
		return DB_LOCK_DEADLOCK;
	}
	g_clear_pointer(&t.dirty, g_hash_table_unref);
	queue_stored_clear(&t);
	if ((ret = txn_commit_durable(q, t.txn, lazy)) == 0)
		*ok = TRUE;
	return ret;
}

/* run_retrying - run fn in a transaction, retrying deadlocks. */
static gboolean run_retrying(LrQueue *q, QueueTxnFunc fn, gpointer data, gboolean lazy,
                             GError **error)
{
	gboolean ok = FALSE;
	int ret = 0;

	for (int attempt = 0; attempt < QUEUE_DEADLOCK_RETRIES; attempt++) {
		ret = run_once(q, fn, data, lazy, &ok, error);
		if (ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED)
			break;
		g_usleep(g_random_int_range(100, 2000) * (attempt + 1));
	}
	if (ret != 0) {
		queue_db_error(error, ret, "transaction");
		if (error && *error)
			(*error)->code = LR_ERROR_TEMP;
		return FALSE;
	}
	return ok;
}

/* queue_run - run fn in a durable transaction. */
gboolean queue_run(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error)
{
	return run_retrying(q, fn, data, FALSE, error);
}

/* queue_run_lazy - run fn in a transaction that the next flush makes
 * durable. */
gboolean queue_run_lazy(LrQueue *q, QueueTxnFunc fn, gpointer data, GError **error)
{
	return run_retrying(q, fn, data, TRUE, error);
}

/* queue_txn_queue - the owner of a transaction. */
LrQueue *queue_txn_queue(LrTxn *txn)
{
	return txn->q;
}

/* queue_lead_put - write one lead, its index entries, and (at commit) its
 * summary. */
gboolean queue_lead_put(LrTxn *txn, const LrLead *lead, GError **error)
{
	guint64 k = be64(lead->id);
	g_autoptr(GBytes) bytes = lead_serialize(lead);
	g_autoptr(GBytes) before = NULL;
	g_autoptr(LrLead) old = NULL;
	const LrLead *stored = queue_stored_get(txn, lead->id);
	gsize len;
	const void *data = g_bytes_get_data(bytes, &len);

	/* The lead as in the store: known when txn read it, else read. */
	if (stored == NULL) {
		if (!queue_get_bytes(txn->q->leads, txn, &k, sizeof(k), DB_RMW, &before, error))
			return FALSE;
		if (before != NULL)
			stored = old = lead_deserialize(before, NULL);
	}
	if (!queue_index_update(txn, stored, lead, error))
		return FALSE;
	queue_summary_lead(txn, lead);
	if (!queue_put_bytes(txn->q->leads, txn, &k, sizeof(k), data, len, error))
		return FALSE;
	queue_stored_set(txn, lead);
	return TRUE;
}

/* queue_event_add - append an event (a duplicate under the lead's key). */
gboolean queue_event_add(LrTxn *txn, guint64 id, const LrEvent *event, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) bytes = lead_event_serialize(event);
	gsize len;
	const void *data = g_bytes_get_data(bytes, &len);

	queue_summary_event(txn, id, event);
	return queue_put_bytes(txn->q->events, txn, &k, sizeof(k), data, len, error);
}

/* queue_events - a lead's events in order. */
GPtrArray *queue_events(LrQueue *q, guint64 id, GError **error)
{
	return queue_events_in(q, NULL, id, error);
}

/* queue_raw_get - the raw message of a lead. */
GBytes *queue_raw_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	GBytes *bytes = NULL;

	queue_get_bytes(q->raw, txn, &k, sizeof(k), 0, &bytes, error);
	return bytes;
}

/* key_lookup - the id under a duplicate key, read inside txn (locked) or
 * outside. */
static gboolean key_lookup(LrQueue *q, LrTxn *txn, const char *key, guint64 *id, gboolean *found,
                           GError **error)
{
	g_autoptr(GBytes) bytes = NULL;

	*found = FALSE;
	if (!queue_get_bytes(q->keys, txn, key, strlen(key), txn ? DB_RMW : 0, &bytes, error))
		return FALSE;
	if (bytes != NULL && g_bytes_get_size(bytes) == sizeof(guint64)) {
		*id = GUINT64_FROM_BE(*(const guint64 *)g_bytes_get_data(bytes, NULL));
		*found = TRUE;
	}
	return TRUE;
}

/* queue_key_lookup - which lead a duplicate key belongs to. */
gboolean queue_key_lookup(LrQueue *q, const char *key, guint64 *id, GError **error)
{
	gboolean found;

	return key_lookup(q, NULL, key, id, &found, error) && found;
}

/* store_one - the intake work for one message inside txn; the lead id is
 * item->reserved when an earlier attempt of the same transaction took one,
 * so that a retried transaction leaves no gap in the ids (the sequence
 * itself is not undone by an abort). */
static gboolean store_one(LrTxn *txn, LrStoreItem *item, GError **error)
{
	LrLead *lead = item->seed;
	g_autoptr(LrEvent) event = NULL;
	g_autoptr(GPtrArray) events =
	    g_ptr_array_new_with_free_func((GDestroyNotify)lead_event_free);
	g_autofree char *detail = NULL;
	gsize len;
	const void *raw = g_bytes_get_data(item->raw, &len);
	guint64 k, kbe;

	if (!key_lookup(txn->q, txn, item->key, &item->lead_id, &item->duplicate, error))
		return FALSE;
	if (item->duplicate)
		return TRUE;
	if (item->reserved == 0 && !queue_seq_next(txn->q->lead_seq, &item->reserved, error))
		return FALSE;
	item->lead_id = item->reserved;
	/* The parse job first: the router takes jobs.db's first page and then
	 * the lead, so taking them in that order here too keeps the two from
	 * deadlocking (each holding what the other waits for). */
	if (!queue_job_add(txn, QUEUE_JOB_PARSE, item->lead_id, 0, NULL, error))
		return FALSE;
	lead->id = item->lead_id;
	lead->received = g_get_real_time();
	lead_set_str(&lead->status, LEAD_STATUS_NEW);
	lead_set_str(&lead->message_key, item->key);
	k = be64(item->lead_id);
	kbe = k;
	detail = g_strdup_printf("from=<%s> to=<%s> size=%zu", lead->sender ? lead->sender : "",
	                         lead->recipient ? lead->recipient : "", len);
	event = lead_event_new("received", "intake", detail);
	if (!queue_put_bytes(txn->q->raw, txn, &k, sizeof(k), raw, len, error) ||
	    !queue_lead_put(txn, lead, error) || !queue_event_add(txn, item->lead_id, event, error))
		return FALSE;
	/* The new lead's summary from what is in hand, not read back. */
	g_ptr_array_add(events, g_steal_pointer(&event));
	return queue_summary_put(txn, lead, events, error) &&
	       queue_put_bytes(txn->q->keys, txn, item->key, strlen(item->key), &kbe, sizeof(kbe),
	                       error);
}

typedef struct {
	LrStoreItem *items;
	guint n;
} StoreBatch;

/* store_txn - the intake transaction body: every item of the batch. */
static gboolean store_txn(LrTxn *txn, gpointer data, GError **error)
{
	StoreBatch *b = data;

	for (guint i = 0; i < b->n; i++) {
		b->items[i].lead_id = 0;
		b->items[i].duplicate = FALSE;
		if (!store_one(txn, &b->items[i], error))
			return FALSE;
	}
	return TRUE;
}

/* queue_store_item - the intake work for one message in a caller's txn. */
gboolean queue_store_item(LrTxn *txn, LrStoreItem *item, GError **error)
{
	item->lead_id = 0;
	item->duplicate = FALSE;
	return store_one(txn, item, error);
}

/* queue_avail - see queue-int.h. */
guint64 queue_avail(LrQueue *q)
{
	struct statvfs st;

	if (q->test_avail != 0)
		return q->test_avail;
	if (statvfs(q->home, &st) != 0)
		return G_MAXUINT64; /* cannot tell: let the write itself decide */
	return (guint64)st.f_bavail * st.f_frsize;
}

/* queue_test_set_avail - see queue.h. */
void queue_test_set_avail(LrQueue *q, guint64 bytes)
{
	q->test_avail = bytes;
}

/* queue_has_room - is there room for bytes more, with the margin? */
gboolean queue_has_room(LrQueue *q, guint64 bytes, GError **error)
{
	guint64 avail = queue_avail(q);

	if (avail >= bytes + QUEUE_MIN_FREE)
		return TRUE;
	g_atomic_int_set(&q->room_short, 1);
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
	            "the store is full (%" G_GUINT64_FORMAT " KB free in %s)", avail / 1024,
	            q->home);
	return FALSE;
}

/* queue_store_batch - store several messages in one durable transaction. */
gboolean queue_store_batch(LrQueue *q, LrStoreItem *items, guint n, GError **error)
{
	StoreBatch b = {items, n};
	guint64 bytes = 0;

	for (guint i = 0; i < n; i++)
		bytes += g_bytes_get_size(items[i].raw) * 2; /* raw + its log record */
	if (!queue_has_room(q, bytes, error))
		return FALSE;
	return queue_run(q, store_txn, &b, error);
}

/* queue_store_message - store one incoming message durably, once. */
gboolean queue_store_message(LrQueue *q, GBytes *raw, const char *key, LrLead *seed,
                             guint64 *lead_id, gboolean *duplicate, GError **error)
{
	LrStoreItem item = {.raw = raw, .key = key, .seed = seed};

	if (!queue_store_batch(q, &item, 1, error))
		return FALSE;
	*lead_id = item.lead_id;
	*duplicate = item.duplicate;
	return TRUE;
}

/* queue_leads_foreach - every lead in id order. */
gboolean queue_leads_foreach(LrQueue *q, QueueLeadFunc fn, gpointer data, GError **error)
{
	return queue_leads_foreach_txn(q, NULL, fn, data, error);
}

/* queue_leads_foreach_txn - every lead in id order, inside txn. */
gboolean queue_leads_foreach_txn(LrQueue *q, LrTxn *txn, QueueLeadFunc fn, gpointer data,
                                 GError **error)
{
	DBC *c = queue_cursor_open(q->leads, txn, error);
	DBT key = dbt_out(), val = dbt_out();
	int ret;
	gboolean go = TRUE;

	if (c == NULL)
		return FALSE;
	while (go && (ret = c->get(c, &key, &val, DB_NEXT)) == 0) {
		g_autoptr(GBytes) bytes = queue_dbt_bytes(&val);
		g_autoptr(LrLead) lead = lead_deserialize(bytes, NULL);
		free(key.data);
		key = dbt_out();
		val = dbt_out();
		if (lead != NULL)
			go = fn(lead, data);
	}
	c->close(c);
	if (go && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "leads");
	return TRUE;
}

/* queue_db_count - the number of records in db (walks the tree). */
guint64 queue_db_count(DB *db, GError **error)
{
	DB_BTREE_STAT *st = NULL;
	guint64 n;
	int ret = db->stat(db, NULL, &st, DB_READ_COMMITTED);

	if (ret != 0) {
		queue_db_fail(error, ret, "stat");
		return 0;
	}
	n = st->bt_nkeys;
	free(st);
	return n;
}

/* queue_lead_count - the number of leads. */
guint64 queue_lead_count(LrQueue *q, GError **error)
{
	return queue_db_count(q->leads, error);
}

/* queue_flush - everything committed so far, on disk. */
gboolean queue_flush(LrQueue *q, GError **error)
{
	int ret = queue_group_flush(q);

	return ret == 0 ? TRUE : queue_db_fail(error, ret, "log flush");
}

/* queue_state_get - a named value. */
gboolean queue_state_get(LrQueue *q, LrTxn *txn, const char *key, char **value, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	gsize len;
	const char *data;

	*value = NULL;
	if (!queue_get_bytes(q->state, txn, key, strlen(key), txn ? DB_RMW : 0, &bytes, error) ||
	    bytes == NULL)
		return FALSE;
	data = g_bytes_get_data(bytes, &len);
	*value = g_strndup(data, len);
	return TRUE;
}

/* queue_state_put - set or delete a named value. */
gboolean queue_state_put(LrTxn *txn, const char *key, const char *value, GError **error)
{
	DBT k = dbt_in(key, strlen(key));
	int ret;

	if (value != NULL)
		return queue_put_bytes(txn->q->state, txn, key, strlen(key), value, strlen(value),
		                       error);
	ret = txn->q->state->del(txn->q->state, txn->txn, &k, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : queue_db_fail(error, ret, "state delete");
}
