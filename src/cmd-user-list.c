/* cmd-user-list.c - leadroute user list: one line per user of the
 * configuration with availability, open leads, capacity, away until and
 * last activity (the latest accept, contact, win or loss they made). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/summary.h"
#include "router/router.h"
#include "rules/lr-config.h"
#include "src/commands.h"

/* list_last_fold - QueueSummaryFunc: the latest time each person acted
 * (any stage but "offered", which happens to them) into a user -> µs
 * table. */
static gboolean list_last_fold(LrSummary *summary, gpointer data)
{
	GHashTable *last = data;

	for (guint i = 0; i < summary->stages->len; i++) {
		const LrTransition *t = &g_array_index(summary->stages, LrTransition, i);
		gint64 *at = t->actor ? g_hash_table_lookup(last, t->actor) : NULL;
		if (t->stage == SUMMARY_OFFERED || t->actor == NULL)
			continue;
		if (at == NULL) {
			at = g_new0(gint64, 1);
			g_hash_table_insert(last, g_strdup(t->actor), at);
		}
		*at = MAX(*at, t->at);
	}
	summary_free(summary);
	return TRUE;
}

/* list_open - the router's count of the user's open leads. */
static guint64 list_open(LrQueue *q, const char *user_id)
{
	g_autofree char *key = g_strconcat("open:", user_id, NULL);
	g_autofree char *value = NULL;

	if (!queue_state_get(q, NULL, key, &value, NULL) || value == NULL)
		return 0;
	return g_ascii_strtoull(value, NULL, 10);
}

/* list_capacity - the capacity that applies to u: the one they set by
 * mail (CAPACITY N), else the configured one; "-" for no limit.  *mail
 * says which. */
static char *list_capacity(LrQueue *q, const LrUser *u, gboolean *mail)
{
	int cap = router_user_capacity(q, u->id);

	*mail = cap >= 0;
	if (cap < 0)
		cap = u->capacity;
	return cap > 0 ? g_strdup_printf("%d", cap) : g_strdup("-");
}

/* list_line - one user's line. */
static void list_line(LrQueue *q, const LrUser *u, GHashTable *last, gint64 now)
{
	gint64 away = router_user_away(q, u->id);
	const gint64 *at = g_hash_table_lookup(last, u->id);
	g_autofree char *until = away > now ? lead_time_format(away) : g_strdup("-");
	g_autofree char *seen = at ? lead_time_format(*at) : g_strdup("-");
	gboolean mail;
	g_autofree char *cap = list_capacity(q, u, &mail);

	printf("%-16s %-9s %4" G_GUINT64_FORMAT " %8s  %-20s  %s\n", u->id,
	       away > now ? "away" : "available", list_open(q, u->id), cap, until, seen);
}

/* list_last - who acted last when (user -> µs, new table), or NULL with
 * the message printed. */
static GHashTable *list_last(LrQueue *q, const char *name)
{
	GHashTable *last = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GError) error = NULL;

	if (queue_summaries_foreach(q, 0, G_MAXINT64, list_last_fold, last, &error))
		return last;
	fprintf(stderr, "leadroute %s: %s\n", name, error->message);
	g_hash_table_destroy(last);
	return NULL;
}

/* user_list - one line per user of cfg with its state in q; the exit status. */
int user_list(const LrConfig *cfg, LrQueue *q);
/* user_detail - u's open leads, capacity and last activity; the exit status. */
int user_detail(const LrConfig *cfg, LrQueue *q, const LrUser *u);

/* user_detail - see cmd-user.c (user show). */
int user_detail(const LrConfig *cfg, LrQueue *q, const LrUser *u)
{
	g_autoptr(GHashTable) last = list_last(q, "user show");
	const gint64 *at = last ? g_hash_table_lookup(last, u->id) : NULL;
	g_autofree char *seen = at ? lead_time_format(*at) : g_strdup("-");
	gboolean mail;
	g_autofree char *cap = list_capacity(q, u, &mail);

	(void)cfg;
	if (last == NULL)
		return 75;
	printf("  open leads: %" G_GUINT64_FORMAT "\n", list_open(q, u->id));
	printf("  capacity: %s%s\n", strcmp(cap, "-") == 0 ? "no limit" : cap,
	       mail ? " (set by mail)" : "");
	printf("  last activity: %s\n", seen);
	return 0;
}

/* user_list - see cmd-user.c (user list). */
int user_list(const LrConfig *cfg, LrQueue *q)
{
	g_autoptr(GHashTable) last = list_last(q, "user list");
	gint64 now = g_get_real_time();

	if (last == NULL)
		return 75;
	printf("%-16s %-9s %4s %8s  %-20s  %s\n", "USER", "STATUS", "OPEN", "CAPACITY",
	       "AWAY UNTIL", "LAST ACTIVITY");
	for (guint i = 0; i < cfg->users->len; i++)
		list_line(q, cfg->users->pdata[i], last, now);
	return 0;
}
