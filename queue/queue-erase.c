/* queue-erase.c - erasing a person's data inside a transaction, and the
 * upgrade of a store written before indexes and summaries existed (1) or
 * with version-1 summary records (2). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lead/erase.h"
#include "lead/summary.h"
#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* Leads per transaction when building indexes for an older store. */
#define QUEUE_UPGRADE_BATCH 500

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
	guint64 next; /* the first lead id of the batch */
	gboolean finished;
	guint64 leads;           /* upgraded so far */
	gboolean summaries_only; /* a version-2 store: its indexes are there */
} Upgrade;

/* upgrade_one - index (unless only summaries are missing) and summarise
 * one lead read in txn. */
static gboolean upgrade_one(LrTxn *txn, GBytes *rec, gboolean summaries_only, GError **error)
{
	g_autoptr(LrLead) lead = lead_deserialize(rec, NULL);
	g_autoptr(GPtrArray) events = NULL;

	if (lead == NULL)
		return TRUE; /* unreadable: list and reports skip it too */
	if ((events = queue_events_in(txn->q, txn, lead->id, error)) == NULL)
		return FALSE;
	return (summaries_only || queue_index_update(txn, NULL, lead, error)) &&
	       queue_summary_put(txn, lead, events, error);
}

/* upgrade_batch - one transaction: the next QUEUE_UPGRADE_BATCH leads. */
static gboolean upgrade_batch(LrTxn *txn, gpointer data, GError **error)
{
	Upgrade *u = data;
	guint64 kbuf = be64(u->next);
	DBT key = {
	    .data = &kbuf, .ulen = sizeof(kbuf), .size = sizeof(kbuf), .flags = DB_DBT_USERMEM};
	DBT val = dbt_out();
	DBC *c = queue_cursor_open(txn->q->leads, txn, error);
	guint n = 0;
	int ret;

	if (c == NULL)
		return FALSE;
	u->finished = TRUE;
	for (ret = c->get(c, &key, &val, DB_SET_RANGE); ret == 0;
	     ret = c->get(c, &key, &val, DB_NEXT)) {
		g_autoptr(GBytes) rec = queue_dbt_bytes(&val);
		val = dbt_out();
		if (n++ == QUEUE_UPGRADE_BATCH) {
			u->next = GUINT64_FROM_BE(kbuf);
			u->finished = FALSE;
			break;
		}
		if (!upgrade_one(txn, rec, u->summaries_only, error))
			return c->close(c), FALSE;
		u->leads++;
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return queue_db_fail(error, ret, "leads");
	return u->finished ? queue_state_put(txn, QUEUE_STORE_VERSION_KEY, "3", error) : TRUE;
}

/* queue_store_upgrade - build what an older store lacks. */
gboolean queue_store_upgrade(LrQueue *q, GError **error)
{
	g_autofree char *version = NULL;
	Upgrade u = {1, FALSE, 0, FALSE};
	gint64 t0 = g_get_monotonic_time();

	queue_state_get(q, NULL, QUEUE_STORE_VERSION_KEY, &version, NULL);
	if (version != NULL && atoi(version) >= QUEUE_STORE_VERSION)
		return TRUE;
	/* Version 2: the summaries are all rebuilt, into a new summary.db
	 * with the larger pages of this version. */
	u.summaries_only = version != NULL && atoi(version) == 2;
	if (u.summaries_only && !queue_summaries_recreate(q, error))
		return FALSE;
	while (!u.finished) {
		guint64 from = u.next;
		if (!queue_run(q, upgrade_batch, &u, error))
			return FALSE;
		if (!u.finished && u.next <= from)
			break;
	}
	if (u.leads > 0)
		lr_log_info(
		    0, "store=%s leads=%" G_GUINT64_FORMAT " upgraded to version %d in %.1f s",
		    q->home, u.leads, QUEUE_STORE_VERSION, (g_get_monotonic_time() - t0) / 1e6);
	return TRUE;
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
