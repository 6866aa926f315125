/* away.c - an admin marks a user away or back (leadroute user), in the
 * store the router reads availability from. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "router/router.h"

/* The router's state key of a user's return time ("away:ID"). */
#define AWAY_PREFIX "away:"

/* Lead 0 holds the events that are about users, not about one lead. */
#define AWAY_EVENT_LEAD 0

typedef struct {
	const char *user_id;
	gint64 until;
	const char *actor;
} AwayChange;

/* away_txn - write the return time and its event. */
static gboolean away_txn(LrTxn *txn, gpointer data, GError **error)
{
	const AwayChange *c = data;
	g_autofree char *key = g_strconcat(AWAY_PREFIX, c->user_id, NULL);
	g_autofree char *value = g_strdup_printf("%" G_GINT64_FORMAT, c->until);
	g_autofree char *detail = c->until > 0
	                              ? g_strdup_printf("user=%s until %" G_GINT64_FORMAT,
	                                                c->user_id, c->until / G_USEC_PER_SEC)
	                              : g_strdup_printf("user=%s", c->user_id);
	g_autoptr(LrEvent) ev =
	    lead_event_new(c->until > 0 ? "user-away" : "user-back", c->actor, detail);

	ev->at = g_get_real_time();
	return queue_state_put(txn, key, value, error) &&
	       queue_event_add(txn, AWAY_EVENT_LEAD, ev, error);
}

/* router_user_set_away - see router.h. */
gboolean router_user_set_away(LrQueue *q, const char *user_id, gint64 until, const char *actor,
                              GError **error)
{
	AwayChange c = {user_id, MAX(until, 0), actor};

	return queue_run(q, away_txn, &c, error);
}

/* router_user_away - see router.h. */
gint64 router_user_away(LrQueue *q, const char *user_id)
{
	g_autofree char *key = g_strconcat(AWAY_PREFIX, user_id, NULL);
	g_autofree char *value = NULL;

	if (!queue_state_get(q, NULL, key, &value, NULL) || value == NULL)
		return 0;
	return g_ascii_strtoll(value, NULL, 10);
}

/* router_user_capacity - see router.h. */
int router_user_capacity(LrQueue *q, const char *user_id)
{
	g_autofree char *key = g_strconcat(ROUTER_CAPACITY_PREFIX, user_id, NULL);
	g_autofree char *value = NULL;
	guint64 n;

	if (!queue_state_get(q, NULL, key, &value, NULL) || value == NULL ||
	    !g_ascii_string_to_unsigned(value, 10, 0, ROUTER_CAPACITY_MAX, &n, NULL))
		return -1;
	return (int)n;
}

/* router_user_events - see router.h. */
GPtrArray *router_user_events(LrQueue *q, const char *user_id, GError **error)
{
	g_autoptr(GPtrArray) all = queue_events(q, AWAY_EVENT_LEAD, error);
	g_autofree char *tag = g_strdup_printf("user=%s", user_id);
	GPtrArray *mine;

	if (all == NULL)
		return NULL;
	mine = g_ptr_array_new_with_free_func((GDestroyNotify)lead_event_free);
	for (guint i = 0; i < all->len; i++) {
		LrEvent *ev = all->pdata[i];
		const char *d = ev->detail ? ev->detail : "";
		if (g_str_has_prefix(d, tag) && (d[strlen(tag)] == '\0' || d[strlen(tag)] == ' '))
			g_ptr_array_add(mine, g_ptr_array_steal_index(all, i--));
	}
	return mine;
}
