/* queue-erase.c - erasing a person's data inside a transaction (an
 * erasure request or the retention of closed leads). */
#include "config.h"

#include <string.h>

#include "lead/erase.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* events_rewrite - replace lead id's events by scrubbed copies. */
static gboolean events_rewrite(LrTxn *txn, guint64 id, GError **error)
{
	g_autoptr(GPtrArray) events = queue_events_in(txn->q, txn, id, error);
	guint64 k = be64(id);
	DBT key = dbt_in(&k, sizeof(k));
	int ret;

	if (events == NULL)
		return FALSE;
	queue_summary_rebuild(txn, id);
	ret = txn->q->events->del(txn->q->events, txn->txn, &key, 0);
	if (ret != 0 && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "events delete");
	for (guint i = 0; i < events->len; i++) {
		LrEvent *e = events->pdata[i];
		lead_event_scrub(e);
		if (!queue_event_add(txn, id, e, error))
			return FALSE;
	}
	return TRUE;
}

/* queue_lead_erase - erase lead id's personal data and raw message. */
gboolean queue_lead_erase(LrTxn *txn, guint64 id, const char *actor, const char *why,
                          gboolean *found, GError **error)
{
	g_autoptr(LrLead) lead = queue_lead_get(txn->q, txn, id, error);
	g_autoptr(LrEvent) event = NULL;
	guint64 k = be64(id);
	DBT key = dbt_in(&k, sizeof(k));
	int ret;

	*found = lead != NULL;
	if (lead == NULL)
		return error == NULL || *error == NULL;
	ret = txn->q->raw->del(txn->q->raw, txn->txn, &key, 0);
	if (ret != 0 && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "raw delete");
	lead_erase(lead, g_get_real_time());
	event = lead_event_new("erased", actor, why);
	return events_rewrite(txn, id, error) && queue_lead_put(txn, lead, error) &&
	       queue_event_add(txn, id, event, error);
}

typedef struct {
	GArray *ids;
	guint erased;
} Retention;

/* retention_txn - erase a batch of candidates (each checked again). */
static gboolean retention_txn(LrTxn *txn, gpointer data, GError **error)
{
	Retention *r = data;
	gboolean found;

	r->erased = 0;
	for (guint i = 0; i < r->ids->len; i++) {
		if (!queue_lead_erase(txn, g_array_index(r->ids, guint64, i), "retention",
		                      "closed_after", &found, error))
			return FALSE;
		r->erased += found;
	}
	return TRUE;
}

/* queue_retention_erase - erase closed leads received before cutoff. */
gboolean queue_retention_erase(LrQueue *q, gint64 cutoff, guint max, guint *erased, GError **error)
{
	Retention r = {NULL, 0};
	gboolean ok;

	*erased = 0;
	if ((r.ids = queue_retention_candidates(q, cutoff, max, error)) == NULL)
		return FALSE;
	ok = r.ids->len == 0 || queue_run_lazy(q, retention_txn, &r, error);
	if (ok)
		*erased = r.erased;
	g_array_unref(r.ids);
	return ok;
}
