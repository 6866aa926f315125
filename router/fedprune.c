/* fedprune.c - deleting replay keys that protect nothing any more. */
#include "config.h"

#include <string.h>

#include "federation/exchange.h"
#include "router/fedprune.h"

/* What one batch does, in its transaction. */
typedef struct {
	GPtrArray *items; /* key, value, key, value... */
	gint64 now;       /* seconds */
	guint pruned;
} Prune;

/* seen_at - when the exchange of a key's value was first seen (seconds),
 * or -1 when the value has no time. */
static gint64 seen_at(const char *value)
{
	const char *sp = strchr(value, ' ');
	char *end = NULL;
	gint64 t;

	if (sp == NULL)
		return -1;
	t = g_ascii_strtoll(sp + 1, &end, 10);
	return end != sp + 1 && *end == '\0' ? t : -1;
}

/* prune_txn - delete the batch's stale keys, stamp the old-style ones. */
static gboolean prune_txn(LrTxn *txn, gpointer data, GError **error)
{
	Prune *p = data;
	gint64 oldest = p->now - FED_MAX_AGE - FED_MAX_SKEW;

	p->pruned = 0;
	for (guint i = 0; i + 1 < p->items->len; i += 2) {
		const char *key = p->items->pdata[i], *value = p->items->pdata[i + 1];
		gint64 t = seen_at(value);
		g_autofree char *stamped = NULL;

		if (t >= 0 && t >= oldest)
			continue;
		if (t < 0)
			stamped = g_strdup_printf("%s %" G_GINT64_FORMAT, value, p->now);
		if (!queue_state_put(txn, key, stamped, error))
			return FALSE;
		p->pruned += t >= 0;
	}
	return TRUE;
}

/* fed_replay_prune - one batch. */
gboolean fed_replay_prune(LrQueue *q, gint64 now, guint max, char **cursor, guint *pruned,
                          GError **error)
{
	g_autoptr(GPtrArray) items =
	    queue_state_scan(q, FED_REPLAY_PREFIX, *cursor, MAX(max, 1), error);
	Prune p = {items, now / G_USEC_PER_SEC, 0};

	if (items == NULL)
		return FALSE;
	if (items->len > 0 && !queue_run_lazy(q, prune_txn, &p, error))
		return FALSE;
	g_free(*cursor);
	*cursor = items->len / 2 < MAX(max, 1) ? NULL : g_strdup(items->pdata[items->len - 2]);
	if (pruned != NULL)
		*pruned = p.pruned;
	return TRUE;
}
