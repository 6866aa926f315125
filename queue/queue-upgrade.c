/* queue-upgrade.c - bring a store of an earlier layout up to this one:
 * index and summarise its leads (version 1), or rebuild summary.db with
 * this version's pages (version 2).  Called by queue_open under the open
 * lock, above the databases it rebuilds (queue-db.c) and below queue.c. */
#include "config.h"

#include <stdlib.h>

#include "lead/log.h"
#include "lead/lr-error.h"
#include "queue/queue-int.h"

/* Leads per transaction when building indexes for an older store. */
#define QUEUE_UPGRADE_BATCH 500

/* summaries_recreate - summary.db removed and created empty. */
static gboolean summaries_recreate(LrQueue *q, GError **error)
{
	int ret;

	q->summaries->close(q->summaries, 0);
	q->summaries = NULL;
	ret = q->env->dbremove(q->env, NULL, "summary.db", NULL, DB_AUTO_COMMIT);
	if (ret != 0 && ret != ENOENT) {
		queue_db_error(error, ret, "summary.db");
		return FALSE;
	}
	return queue_db_open_one(q, &q->summaries, "summary.db", QUEUE_SUMMARY_PAGE, 0, error);
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
	if (u.summaries_only && !summaries_recreate(q, error))
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
