/* queue-summary.c - the per-lead summaries reports read (summary.db: id
 * -> summary record), kept in the same transaction as the lead and its
 * events; erasure of a person's data; the upgrade of an older store. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "lead/summary.h"
#include "queue/queue-int.h"

/* What one transaction did to a lead, for its summary at commit: the
 * lead as last written, the events added in order, or rebuild.  Copies,
 * not the records: folding them in needs no decoding. */
typedef struct {
	LrLead *lead;       /* a copy of the lead written, or NULL when not written */
	GPtrArray *events;  /* LrEvent copies */
	gboolean rebuild;   /* read everything again (the events were rewritten) */
} SummaryWork;

/* work_free - destroy one lead's work. */
static void work_free(gpointer p)
{
	SummaryWork *w = p;

	g_clear_pointer(&w->lead, lead_free);
	g_ptr_array_unref(w->events);
	g_free(w);
}

/* work_of - the work of lead id in txn, created on first use. */
static SummaryWork *work_of(LrTxn *txn, guint64 id)
{
	SummaryWork *w;

	if (txn->dirty == NULL)
		txn->dirty = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, work_free);
	if ((w = g_hash_table_lookup(txn->dirty, &id)) == NULL) {
		w = g_new0(SummaryWork, 1);
		w->events = g_ptr_array_new_with_free_func((GDestroyNotify)lead_event_free);
		g_hash_table_insert(txn->dirty, g_memdup2(&id, sizeof(id)), w);
	}
	return w;
}

/* queue_summary_lead - the lead was written. */
void queue_summary_lead(LrTxn *txn, const LrLead *lead)
{
	SummaryWork *w = work_of(txn, lead->id);

	g_clear_pointer(&w->lead, lead_free);
	w->lead = lead_copy(lead);
}

/* queue_summary_event - an event was added to lead id. */
void queue_summary_event(LrTxn *txn, guint64 id, const LrEvent *event)
{
	LrEvent *e = lead_event_new(event->type, event->actor, event->detail);

	e->at = event->at;
	g_ptr_array_add(work_of(txn, id)->events, e);
}

/* queue_summary_rebuild - lead id's summary is to be read again whole. */
void queue_summary_rebuild(LrTxn *txn, guint64 id)
{
	work_of(txn, id)->rebuild = TRUE;
}

/* summary_write - store s under its id. */
static gboolean summary_write(LrTxn *txn, const LrSummary *s, GError **error)
{
	g_autoptr(GBytes) rec = summary_serialize(s);
	guint64 k = be64(s->id);
	gsize len;
	const void *data = g_bytes_get_data(rec, &len);

	return queue_put_bytes(txn->q->summaries, txn, &k, sizeof(k), data, len, error);
}

/* queue_summary_put - write the summary of lead and events. */
gboolean queue_summary_put(LrTxn *txn, const LrLead *lead, const GPtrArray *events, GError **error)
{
	g_autoptr(LrSummary) s = summary_new(lead, events);

	if (txn->dirty)
		g_hash_table_remove(txn->dirty, &lead->id);
	return summary_write(txn, s, error);
}

/* summary_build - lead id's summary from its record and events read in
 * txn (NULL: committed); NULL without error when there is no such lead. */
static LrSummary *summary_build(LrQueue *q, LrTxn *txn, guint64 id, GError **error)
{
	g_autoptr(LrLead) lead = NULL;
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) local = NULL;

	if ((lead = queue_lead_get(q, txn, id, &local)) == NULL) {
		if (local != NULL && local->code != LR_ERROR_PERM)
			g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if ((events = queue_events_in(q, txn, id, error)) == NULL)
		return NULL;
	return summary_new(lead, events);
}

/* queue_summary_rebuilt - lead id's summary from its lead and all its
 * events, as committed. */
LrSummary *queue_summary_rebuilt(LrQueue *q, guint64 id, GError **error)
{
	return summary_build(q, NULL, id, error);
}

/* summary_fold_work - apply w to the stored summary of id: TRUE with *done
 * when it could (a version-2 record was there), else *done FALSE. */
static gboolean summary_fold_work(LrTxn *txn, guint64 id, SummaryWork *w, gboolean *done,
                                  GError **error)
{
	guint64 k = be64(id);
	g_autoptr(GBytes) rec = NULL;
	g_autoptr(LrSummary) s = NULL;

	*done = FALSE;
	if (!queue_get_bytes(txn->q->summaries, txn, &k, sizeof(k), DB_RMW, &rec, error))
		return FALSE;
	if (rec == NULL || (s = summary_deserialize(rec, NULL)) == NULL || s->format != 2)
		return TRUE;
	if (w->lead != NULL)
		summary_set_lead(s, w->lead);
	for (guint i = 0; i < w->events->len; i++)
		summary_fold(s, w->events->pdata[i]);
	*done = TRUE;
	return summary_write(txn, s, error);
}

/* queue_summary_rebuild_in - build and write lead id's summary in txn. */
gboolean queue_summary_rebuild_in(LrTxn *txn, guint64 id, GError **error)
{
	g_autoptr(LrSummary) s = NULL;
	g_autoptr(GError) local = NULL;

	if ((s = summary_build(txn->q, txn, id, &local)) == NULL) {
		if (local == NULL)
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return summary_write(txn, s, error);
}

/* summary_update - fold what txn did to lead id into its summary, or
 * rebuild it from the lead and its events (nothing for ids without a
 * lead, like the away events' 0). */
static gboolean summary_update(LrTxn *txn, guint64 id, SummaryWork *w, GError **error)
{
	gboolean done = FALSE;

	if (!w->rebuild && !summary_fold_work(txn, id, w, &done, error))
		return FALSE;
	return done || queue_summary_rebuild_in(txn, id, error);
}

/* queue_summary_flush - update every summary the transaction touched. */
gboolean queue_summary_flush(LrTxn *txn, GError **error)
{
	GHashTableIter it;
	gpointer k, v;

	if (txn->dirty == NULL || g_hash_table_size(txn->dirty) == 0)
		return TRUE;
	g_hash_table_iter_init(&it, txn->dirty);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!summary_update(txn, *(guint64 *)k, v, error))
			return FALSE;
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
