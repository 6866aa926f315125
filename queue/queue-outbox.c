/* queue-outbox.c - the outbox: outgoing mail records and their due-time
 * index (outdue). */
#include "config.h"

#include <string.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* outmail_serialize - an outbox record. */
static GBytes *outmail_serialize(const LrOutMail *m)
{
	GVariant *msg = g_variant_new_from_bytes(G_VARIANT_TYPE("ay"), m->message, TRUE);
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new(
	    "(utsu^asxs@ay)", (guint32)QUEUE_RECORD_VERSION, m->lead_id, m->from, m->attempts,
	    m->rcpts, m->next_try, m->last_error ? m->last_error : "", msg));

	return g_variant_get_data_as_bytes(v);
}

/* outmail_deserialize - read an outbox record. */
static LrOutMail *outmail_deserialize(guint64 id, GBytes *rec)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(
	    g_variant_new_from_bytes(G_VARIANT_TYPE("(utsuasxsay)"), rec, FALSE));
	g_autoptr(GVariant) msg = NULL;
	LrOutMail *m = g_new0(LrOutMail, 1);
	guint32 version;

	m->id = id;
	g_variant_get(v, "(utsu^asxs@ay)", &version, &m->lead_id, &m->from, &m->attempts, &m->rcpts,
	              &m->next_try, &m->last_error, &msg);
	m->message = g_variant_get_data_as_bytes(msg);
	return m;
}

/* due_key - the outdue key of a message. */
static void due_key(guint64 key[2], gint64 next_try, guint64 id)
{
	key[0] = be64((guint64)MAX(next_try, 0));
	key[1] = be64(id);
}

/* outdue_del - drop a message's entry from the due index. */
static gboolean outdue_del(LrTxn *txn, gint64 next_try, guint64 id, GError **error)
{
	guint64 k[2];
	DBT key;
	int ret;

	due_key(k, next_try, id);
	key = dbt_in(k, sizeof(k));
	ret = txn->q->outdue->del(txn->q->outdue, txn->txn, &key, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : queue_db_fail(error, ret, "outbox index");
}

/* outbox_put - write an outbox record and its due-index entry. */
static gboolean outbox_put(LrTxn *txn, const LrOutMail *m, GError **error)
{
	guint64 dk[2];

	const char *to = m->rcpts && m->rcpts[0] ? m->rcpts[0] : "";

	/* The entry holds the first recipient: readers that want one kind
	 * (mail, or a POST's URL) skip the others without reading them. */
	due_key(dk, m->next_try, m->id);
	if (!queue_put_bytes(txn->q->outdue, txn, dk, sizeof(dk), to, strlen(to), error))
		return FALSE;
	guint64 k = be64(m->id);
	g_autoptr(GBytes) rec = outmail_serialize(m);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	return queue_put_bytes(txn->q->outbox, txn, &k, sizeof(k), data, len, error);
}

/* queue_outbox_add - queue a message to send now. */
gboolean queue_outbox_add(LrTxn *txn, guint64 lead_id, const char *from, const char *const *rcpts,
                          GBytes *message, GError **error)
{
	LrOutMail m = {0};

	if (!queue_seq_next(txn->q->out_seq, &m.id, error))
		return FALSE;
	m.lead_id = lead_id;
	m.from = (char *)from;
	m.rcpts = (char **)rcpts;
	m.message = message;
	m.next_try = 0;
	return outbox_put(txn, &m, error);
}

/* outmail_read - one outbox message by id, or NULL. */
static LrOutMail *outmail_read(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) rec = NULL;

	if (!queue_get_bytes(q->outbox, txn, &k, sizeof(k), txn ? DB_RMW : 0, &rec, error) ||
	    rec == NULL)
		return NULL;
	return outmail_deserialize(id, rec);
}

/* queue_outbox_due - see queue.h. */
GPtrArray *queue_outbox_due(LrQueue *q, gint64 now, guint max, GError **error)
{
	return queue_outbox_due_where(q, now, max, NULL, NULL, error);
}

/* Entries of the due index read per cursor visit. */
#define DUE_VISIT 256

/* A due entry: the item's id, and its first recipient when the entry
 * holds it (entries written before it did hold nothing). */
typedef struct {
	guint64 id;
	char *to;
} DueEntry;

/* due_entry_clear - GArray clear function. */
static void due_entry_clear(gpointer data)
{
	g_free(((DueEntry *)data)->to);
}

/* due_entries - up to DUE_VISIT entries due at now after *from (the whole
 * key of the last one read, updated; zero: from the start), into out.
 * The cursor is closed before any item is read: a thread must not hold a
 * lock through a cursor while it waits for another through a second
 * handle, which Berkeley DB's detector cannot see as a cycle (the sender
 * and the poster then deadlocked, each deleting what the other read).
 * Returns FALSE once the index holds no more due at now. */
static gboolean due_entries(LrQueue *q, gint64 now, guint64 from[2], GArray *out)
{
	DBC *c = queue_cursor_open(q->outdue, NULL, NULL);
	guint64 k[2] = {from[0], from[1]};
	gboolean resume = from[0] != 0 || from[1] != 0;
	DBT key = dbt_in(k, sizeof(k)), val = dbt_out();
	int ret;

	if (c == NULL)
		return FALSE;
	key.flags = DB_DBT_USERMEM;
	key.ulen = sizeof(k);
	ret = c->get(c, &key, &val, resume ? DB_SET_RANGE : DB_FIRST);
	if (ret == 0 && resume && memcmp(k, from, sizeof(k)) == 0) {
		free(val.data);
		val = dbt_out();
		ret = c->get(c, &key, &val, DB_NEXT);
	}
	while (ret == 0 && (gint64)GUINT64_FROM_BE(k[0]) <= now) {
		DueEntry e = {GUINT64_FROM_BE(k[1]), NULL};
		if (val.size > 0)
			e.to = g_strndup(val.data, val.size);
		g_array_append_val(out, e);
		memcpy(from, k, sizeof(k));
		free(val.data);
		val = dbt_out();
		if (out->len == DUE_VISIT)
			break;
		ret = c->get(c, &key, &val, DB_NEXT);
	}
	free(val.data);
	c->close(c);
	return ret == 0 && out->len == DUE_VISIT;
}

/* queue_outbox_due_where - messages whose next try is due, in due order:
 * the due index is read only as far as now. */
GPtrArray *queue_outbox_due_where(LrQueue *q, gint64 now, guint max, QueueOutboxWant want,
                                  gpointer data, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)queue_outmail_free);
	g_autoptr(GArray) due = g_array_new(FALSE, FALSE, sizeof(DueEntry));
	guint64 from[2] = {0, 0};
	gboolean more = TRUE;

	g_array_set_clear_func(due, due_entry_clear);
	while (more && out->len < max) {
		g_array_set_size(due, 0);
		more = due_entries(q, now, from, due);
		for (guint i = 0; i < due->len && out->len < max; i++) {
			const DueEntry *e = &g_array_index(due, DueEntry, i);
			LrOutMail *m;
			if (want != NULL && e->to != NULL && !want(e->to, data))
				continue;
			if ((m = outmail_read(q, NULL, e->id, NULL)) == NULL)
				continue;
			if (want == NULL || want(m->rcpts && m->rcpts[0] ? m->rcpts[0] : "", data))
				g_ptr_array_add(out, m);
			else
				queue_outmail_free(m);
		}
	}
	/* Nothing leaves whose cause a crash could still undo. */
	if (out->len > 0 && !queue_flush(q, error))
		return g_ptr_array_unref(out), NULL;
	return out;
}

typedef struct {
	guint64 id;
	gint64 next_try;
	const char *why;
} OutboxUpdate;

/* outbox_done_txn - delete a sent message and its index entry. */
static gboolean outbox_done_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);
	guint64 k = be64(u->id);
	DBT key = dbt_in(&k, sizeof(k));
	int ret;

	if (m == NULL)
		return error == NULL || *error == NULL;
	if (!outdue_del(txn, m->next_try, m->id, error))
		return FALSE;
	ret = txn->q->outbox->del(txn->q->outbox, txn->txn, &key, 0);
	return ret == 0 || ret == DB_NOTFOUND ? TRUE : queue_db_fail(error, ret, "outbox delete");
}

/* outbox_defer_txn - record a failed try and move it in the due index. */
static gboolean outbox_defer_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);

	if (m == NULL)
		return error == NULL || *error == NULL;
	if (!outdue_del(txn, m->next_try, m->id, error))
		return FALSE;
	m->attempts++;
	m->next_try = u->next_try;
	lead_set_str(&m->last_error, u->why);
	return outbox_put(txn, m, error);
}

/* outbox_fail_txn - delete a refused message and tell the workflow. */
static gboolean outbox_fail_txn(LrTxn *txn, gpointer data, GError **error)
{
	OutboxUpdate *u = data;
	g_autoptr(LrOutMail) m = outmail_read(txn->q, txn, u->id, error);
	g_autofree char *arg = NULL;

	if (m == NULL)
		return error == NULL || *error == NULL;
	arg = g_strdup_printf("%s %s", m->rcpts && m->rcpts[0] ? m->rcpts[0] : "", u->why);
	return outbox_done_txn(txn, data, error) &&
	       (m->lead_id == 0 ||
	        queue_job_add(txn, QUEUE_JOB_UNDELIVERABLE, m->lead_id, 0, arg, error));
}

/* queue_outbox_fail - a message refused for good. */
gboolean queue_outbox_fail(LrQueue *q, guint64 id, const char *why, GError **error)
{
	OutboxUpdate u = {id, 0, why};

	return queue_run_lazy(q, outbox_fail_txn, &u, error);
}

/* queue_outbox_done - a message left: forget it. */
gboolean queue_outbox_done(LrQueue *q, guint64 id, GError **error)
{
	OutboxUpdate u = {id, 0, NULL};

	return queue_run_lazy(q, outbox_done_txn, &u, error);
}

/* queue_outbox_defer - a try failed: count it and schedule the next. */
gboolean queue_outbox_defer(LrQueue *q, guint64 id, gint64 next_try, const char *why,
                            GError **error)
{
	OutboxUpdate u = {id, next_try, why};

	return queue_run_lazy(q, outbox_defer_txn, &u, error);
}

/* queue_outbox_count - messages waiting. */
guint64 queue_outbox_count(LrQueue *q, GError **error)
{
	return queue_db_count(q->outbox, error);
}

/* queue_outmail_free - destroy an outbox message. */
void queue_outmail_free(LrOutMail *mail)
{
	if (mail == NULL)
		return;
	g_free(mail->from);
	g_strfreev(mail->rcpts);
	g_bytes_unref(mail->message);
	g_free(mail->last_error);
	g_free(mail);
}
