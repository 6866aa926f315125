/* queue-db.c - the bottom of queue/: Berkeley DB errors and records read
 * and written byte for byte (leads, events), cursors and sequences.  Used
 * by every other file of queue/; calls none of them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* Set by queue_db_fail in the thread whose DB call was chosen as a deadlock
 * victim (DB_LOCK_DEADLOCK / DB_LOCK_NOTGRANTED): run_once retries by this
 * code, whatever fn made of the error's text. */
GPrivate queue_deadlock_seen;

/* queue_db_error - turn a Berkeley DB error into LR_ERROR: TEMP unless it is
 * proven permanent (DB_KEYEXIST: the record is there already).  EINVAL is
 * TEMP: Berkeley DB also says it for a handle or environment in a bad
 * state, which a restart and a retry cure; refusing the mail for good on
 * it would lose it. */
void queue_db_error(GError **error, int ret, const char *what)
{
	int code = LR_ERROR_TEMP;

	if (ret == DB_KEYEXIST)
		code = LR_ERROR_PERM;
	g_set_error(error, LR_ERROR, code, "%s: %s", what, db_strerror(ret));
}

/* queue_dbt_bytes - hand a malloc'd DBT's data over to a GBytes. */
GBytes *queue_dbt_bytes(DBT *d)
{
	return g_bytes_new_with_free_func(d->data, d->size, free, d->data);
}

/* queue_db_fail - report a failed DB call; a deadlock is noted (queue_deadlock_seen)
 * so that queue_run retries the transaction. */
gboolean queue_db_fail(GError **error, int ret, const char *what)
{
	if (ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED) {
		g_private_set(&queue_deadlock_seen, GINT_TO_POINTER(1));
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "%s: deadlock", what);
		return FALSE;
	}
	queue_db_error(error, ret, what);
	return FALSE;
}

/* queue_read_retrying - see queue-int.h. */
gboolean queue_read_retrying(QueueReadOnce once, gpointer data, const char *what, GError **error)
{
	for (guint attempt = 1;; attempt++) {
		int ret = once(data, error);

		if (ret == 0 || ret == DB_NOTFOUND)
			return TRUE;
		if (ret == -1)
			return FALSE;
		if ((ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED) ||
		    attempt == QUEUE_DEADLOCK_RETRIES)
			return queue_db_fail(error, ret, what);
		g_usleep(MIN(attempt, 10) * 2000);
	}
}

/* queue_get_bytes - read key from db: TRUE with *out, TRUE with *out NULL when
 * absent, FALSE on failure. */
gboolean queue_get_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, u_int32_t flags,
                         GBytes **out, GError **error)
{
	DBT key = dbt_in(k, klen), val = dbt_out();
	int ret;

	*out = NULL;
	if (txn == NULL)
		flags |= DB_READ_COMMITTED;
	ret = db->get(db, txn_of(txn), &key, &val, flags);
	if (ret == DB_NOTFOUND)
		return TRUE;
	if (ret != 0)
		return queue_db_fail(error, ret, "read");
	*out = queue_dbt_bytes(&val);
	return TRUE;
}

/* queue_put_bytes - write key -> value in db inside txn. */
gboolean queue_put_bytes(DB *db, LrTxn *txn, const void *k, gsize klen, const void *v, gsize vlen,
                         GError **error)
{
	DBT key = dbt_in(k, klen), val = dbt_in(v, vlen);
	int ret = db->put(db, txn->txn, &key, &val, 0);

	return ret == 0 ? TRUE : queue_db_fail(error, ret, "write");
}

/* queue_lead_get - read (and, in a transaction, lock) one lead. */
LrLead *queue_lead_get(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) bytes = NULL;
	const LrLead *stored = txn ? queue_stored_get(txn, id) : NULL;
	LrLead *lead;

	if (stored != NULL)
		return lead_copy(stored);
	if (!queue_get_bytes(q->leads, txn, &k, sizeof(k), txn ? DB_RMW : 0, &bytes, error) ||
	    bytes == NULL)
		return NULL;
	lead = lead_deserialize(bytes, error);
	if (lead != NULL && txn != NULL)
		queue_stored_set(txn, lead);
	return lead;
}

/* queue_cursor_open - a cursor on db, read-committed outside a transaction. */
DBC *queue_cursor_open(DB *db, LrTxn *txn, GError **error)
{
	DBC *c = NULL;
	int ret = db->cursor(db, txn_of(txn), &c, txn ? 0 : DB_READ_COMMITTED);

	if (ret != 0) {
		queue_db_fail(error, ret, "cursor");
		return NULL;
	}
	return c;
}

/* queue_events_in - a lead's events in order, inside txn or committed. */
GPtrArray *queue_events_in(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)lead_event_free);
	DBC *c = queue_cursor_open(q->events, txn, error);
	DBT key = dbt_in(&k, sizeof(k)), val = dbt_out();
	int ret;

	if (c == NULL)
		return g_ptr_array_unref(out), NULL;
	for (ret = c->get(c, &key, &val, DB_SET); ret == 0;
	     ret = c->get(c, &key, &val, DB_NEXT_DUP)) {
		g_autoptr(GBytes) bytes = queue_dbt_bytes(&val);
		LrEvent *event = lead_event_deserialize(bytes, NULL);
		if (event)
			g_ptr_array_add(out, event);
		val = dbt_out();
	}
	c->close(c);
	if (ret != DB_NOTFOUND) {
		queue_db_fail(error, ret, "events");
		return g_ptr_array_unref(out), NULL;
	}
	return out;
}

/* queue_seq_next - the next value of a sequence. */
gboolean queue_seq_next(DB_SEQUENCE *seq, guint64 *out, GError **error)
{
	db_seq_t v;
	int ret = seq->get(seq, NULL, 1, &v, DB_TXN_NOSYNC);

	if (ret != 0)
		return queue_db_fail(error, ret, "sequence");
	*out = (guint64)v;
	return TRUE;
}

/* queue_db_open_one - open (creating) one database of the environment. */
gboolean queue_db_open_one(LrQueue *q, DB **db, const char *name, u_int32_t pagesize,
                           u_int32_t dbflags, GError **error)
{
	int ret;

	if ((ret = db_create(db, q->env, 0)) != 0)
		goto fail;
	if (pagesize && (ret = (*db)->set_pagesize(*db, pagesize)) != 0)
		goto fail;
	if (dbflags && (ret = (*db)->set_flags(*db, dbflags)) != 0)
		goto fail;
	ret = (*db)->open(*db, NULL, name, NULL, DB_BTREE,
	                  DB_CREATE | DB_AUTO_COMMIT | DB_THREAD | DB_READ_UNCOMMITTED, 0660);
	if (ret == 0)
		return TRUE;
fail:
	queue_db_error(error, ret, name);
	return FALSE;
}
