/* queue-summary.c - the per-lead summaries reports read (summary.db: id
 * -> summary record), kept in the same transaction as the lead and its
 * events; erasure of a person's data; the upgrade of an older store. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "lead/summary.h"
#include "queue/queue-int.h"

/* queue_summary_mark - note a lead whose summary is to be rewritten. */
void queue_summary_mark(LrTxn *txn, guint64 id)
{
	if (txn->dirty == NULL)
		txn->dirty = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_hash_table_add(txn->dirty, g_memdup2(&id, sizeof(id)));
}

/* queue_summary_put - write the summary of lead and events. */
gboolean queue_summary_put(LrTxn *txn, const LrLead *lead, const GPtrArray *events, GError **error)
{
	g_autoptr(LrSummary) s = summary_new(lead, events);
	g_autoptr(GBytes) rec = summary_serialize(s);
	guint64 k = be64(lead->id);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	if (txn->dirty)
		g_hash_table_remove(txn->dirty, &lead->id);
	return queue_put_bytes(txn->q->summaries, txn, &k, sizeof(k), data, len, error);
}

/* summary_rewrite - read lead id and its events in txn, write the summary
 * (nothing for ids without a lead, like the away events' 0). */
static gboolean summary_rewrite(LrTxn *txn, guint64 id, GError **error)
{
	g_autoptr(LrLead) lead = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) local = NULL;

	if ((lead = queue_lead_get(txn->q, txn, id, &local)) == NULL) {
		if (local == NULL || local->code == LR_ERROR_PERM)
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if ((events = queue_events_in(txn->q, txn, id, error)) == NULL)
		return FALSE;
	return queue_summary_put(txn, lead, events, error);
}

/* queue_summary_flush - rewrite every marked summary. */
gboolean queue_summary_flush(LrTxn *txn, GError **error)
{
	g_autoptr(GList) ids = NULL;

	if (txn->dirty == NULL || g_hash_table_size(txn->dirty) == 0)
		return TRUE;
	ids = g_hash_table_get_keys(txn->dirty);
	for (GList *l = ids; l != NULL; l = l->next) {
		guint64 id = *(guint64 *)l->data;
		if (g_hash_table_contains(txn->dirty, &id) && !summary_rewrite(txn, id, error))
			return FALSE;
	}
	return TRUE;
}

/* queue_summary_get - one lead's summary, or NULL. */
LrSummary *queue_summary_get(LrQueue *q, guint64 id, GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) rec = NULL;

	if (!queue_get_bytes(q->summaries, NULL, &k, sizeof(k), 0, &rec, error) || rec == NULL)
		return NULL;
	return summary_deserialize(rec, error);
}

/* Walk state: the 'T' entries of [from, until), each summary to fn. */
typedef struct {
	LrQueue *q;
	gint64 until;
	QueueSummaryFunc fn;
	gpointer data;
	GError *error;
} Walk;

/* walk_entry - one 'T' entry (key without its 'T'): FALSE past until or
 * when fn says stop. */
static gboolean walk_entry(Walk *w, const guint8 *tail)
{
	guint64 at, id;
	LrSummary *s;

	memcpy(&at, tail, 8);
	memcpy(&id, tail + 8, 8);
	if ((gint64)GUINT64_FROM_BE(at) >= w->until)
		return FALSE;
	s = queue_summary_get(w->q, GUINT64_FROM_BE(id), &w->error);
	if (s == NULL)
		return w->error == NULL;
	return w->fn(s, w->data);
}

/* Entries per cursor visit (see queue-index.c: no cursor stays open
 * while other records are read or handed on). */
#define SUMMARY_WALK_BATCH 256

/* time_batch - up to SUMMARY_WALK_BATCH 'T' entries from *from on (the
 * key after 'T': received, id), into tails; *from becomes the key after
 * the last. */
static gboolean time_batch(LrQueue *q, guint8 from[16], GByteArray *tails, GError **error)
{
	guint8 kbuf[32];
	DBT key = {.data = kbuf, .ulen = sizeof(kbuf), .size = 17, .flags = DB_DBT_USERMEM};
	DBT val = {.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL};
	DBC *c = queue_cursor_open(q->index, NULL, error);
	int ret;

	if (c == NULL)
		return FALSE;
	kbuf[0] = 'T';
	memcpy(kbuf + 1, from, 16);
	for (ret = c->get(c, &key, &val, DB_SET_RANGE);
	     ret == 0 && tails->len < 16 * SUMMARY_WALK_BATCH;
	     ret = c->get(c, &key, &val, DB_NEXT)) {
		if (key.size != 17 || kbuf[0] != 'T')
			break;
		g_byte_array_append(tails, kbuf + 1, 16);
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "index");
	if (tails->len > 0) {
		guint64 id, next;
		memcpy(from, tails->data + tails->len - 16, 16);
		memcpy(&id, from + 8, 8);
		next = GUINT64_FROM_BE(id) + 1;
		id = GUINT64_TO_BE(next);
		memcpy(from + 8, &id, 8);
	}
	return TRUE;
}

/* queue_summaries_foreach - summaries of leads received in [from, until),
 * in arrival order, by the received-time index. */
gboolean queue_summaries_foreach(LrQueue *q, gint64 from, gint64 until, QueueSummaryFunc fn,
                                 gpointer data, GError **error)
{
	Walk w = {q, until, fn, data, NULL};
	guint8 pos[16] = {0};
	guint64 at = GUINT64_TO_BE((guint64)MAX(from, 0));
	gboolean go = TRUE;

	memcpy(pos, &at, 8);
	while (go) {
		g_autoptr(GByteArray) tails = g_byte_array_new();
		if (!time_batch(q, pos, tails, error))
			return FALSE;
		for (guint i = 0; go && i < tails->len; i += 16)
			go = walk_entry(&w, tails->data + i);
		go = go && tails->len == 16 * SUMMARY_WALK_BATCH;
	}
	if (w.error != NULL) {
		g_propagate_error(error, w.error);
		return FALSE;
	}
	return TRUE;
}
