/* replay.c - what-if: stored leads decided again under a configuration,
 * reading the store only (see replay.h). */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "parser/parser.h"
#include "router/replay.h"

/* The decision of a lead whose stored one cannot be read. */
#define REPLAY_NOBODY "{\"holders\": [], \"assignees\": []}"

/* One replay in hand. */
typedef struct {
	LrQueue *q;
	const LrConfig *cfg;
	LrParser *parser;
	LrReplayFunc fn;
	gpointer data;
} Replay;

/* replay_collect - QueueLeadFunc: the ids of the leads routed then. */
static gboolean replay_collect(const LrLead *lead, gpointer data)
{
	if (lead_meta_get(lead, META_ROUTE) != NULL)
		g_array_append_val((GArray *)data, lead->id);
	return TRUE;
}

/* replay_ids - the ids of the routed leads received in [since, until),
 * oldest first (new array), or NULL with error. */
static GArray *replay_ids(LrQueue *q, gint64 since, gint64 until, GError **error)
{
	QueueQuery query = {.since = since, .until = until};
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));

	if (!queue_leads_query(q, &query, replay_collect, ids, error)) {
		g_array_unref(ids);
		return NULL;
	}
	/* The query gives the newest first. */
	for (guint i = 0, j = ids->len; i + 1 < j; i++, j--) {
		guint64 t = g_array_index(ids, guint64, i);
		g_array_index(ids, guint64, i) = g_array_index(ids, guint64, j - 1);
		g_array_index(ids, guint64, j - 1) = t;
	}
	return ids;
}

/* replay_decided - when the lead was last routed (its last "routed"
 * event), else when it arrived. */
static gint64 replay_decided(LrQueue *q, const LrLead *lead, GError **error)
{
	g_autoptr(GPtrArray) events = queue_events(q, lead->id, error);
	gint64 at = lead->received;

	if (events == NULL)
		return -1;
	for (guint i = 0; i < events->len; i++) {
		const LrEvent *ev = events->pdata[i];
		if (g_strcmp0(ev->type, "routed") == 0)
			at = ev->at;
	}
	return at;
}

/* replay_parse - the lead as the parser reads its raw message now (the
 * envelope as stored); NULL with *skipped, or with error. */
static LrLead *replay_parse(Replay *rp, const LrLead *stored, const char **skipped, GError **error)
{
	g_autoptr(GBytes) raw = queue_raw_get(rp->q, NULL, stored->id, error);
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) perr = NULL;

	if (raw == NULL) {
		*skipped = error && *error ? NULL : "its raw message was erased";
		return NULL;
	}
	lead->id = stored->id;
	lead->received = stored->received;
	lead_set_str(&lead->sender, stored->sender);
	lead_set_str(&lead->recipient, stored->recipient);
	lead_set_str(&lead->message_key, stored->message_key);
	if (!parser_parse_lead(rp->parser, raw, lead, &perr) || !lead->is_lead) {
		*skipped = "it is no lead to the parser now";
		return NULL;
	}
	if (stored->source != NULL && lead->source == NULL)
		lead_set_str(&lead->source, stored->source);
	return g_steal_pointer(&lead);
}

/* replay_decide - route lead again as then; fills item's now side. */
static gboolean replay_decide(Replay *rp, const LrLead *lead, LrReplayItem *item,
                              LrRouteResult **res, LrRouteRecord **now, GPtrArray **rules,
                              GError **error)
{
	const char *rej = lead_meta_get(item->lead, META_REJECTED);
	g_auto(GStrv) rejected = rej && *rej ? g_strsplit(rej, ",", -1) : NULL;
	LrRouteState *st = route_replay_state_new(item->then, item->decided);

	*res = route_lead(rp->cfg, lead, (const char *const *)rejected, st, error);
	route_replay_state_free(st);
	if (*res == NULL)
		return FALSE;
	*now = route_record_from_result(*res);
	item->result = *res;
	item->now = *now;
	item->change = route_record_compare(item->then, *now, rules);
	item->rules = *rules;
	return TRUE;
}

/* replay_one - decide one stored lead again and hand it to fn. */
static gboolean replay_one(Replay *rp, guint64 id, GError **error)
{
	g_autoptr(LrLead) stored = queue_lead_get(rp->q, NULL, id, error);
	g_autoptr(LrRouteRecord) then = NULL, now = NULL;
	g_autoptr(LrRouteResult) res = NULL;
	g_autoptr(GPtrArray) rules = NULL;
	g_autoptr(LrLead) lead = NULL;
	LrReplayItem item = {0};

	if (stored == NULL)
		return error == NULL || *error == NULL; /* erased meanwhile */
	if ((item.decided = replay_decided(rp->q, stored, error)) < 0)
		return FALSE;
	item.lead = stored;
	then = route_record_from_json(lead_meta_get(stored, META_ROUTE), NULL);
	if (then == NULL) {
		then = route_record_from_json(REPLAY_NOBODY, NULL);
		item.skipped = "its stored decision is unreadable";
	}
	item.then = then;
	if (item.skipped == NULL && lead_meta_get(stored, META_FED_ORIGIN) != NULL)
		item.skipped = "it came from a partner server";
	if (item.skipped == NULL &&
	    (lead = replay_parse(rp, stored, &item.skipped, error)) == NULL && item.skipped == NULL)
		return FALSE;
	if (lead != NULL && !replay_decide(rp, lead, &item, &res, &now, &rules, error))
		return FALSE;
	if (!rp->fn(&item, rp->data)) {
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "stopped");
		return FALSE;
	}
	return TRUE;
}

/* router_replay - see replay.h. */
gboolean router_replay(LrQueue *q, const LrConfig *cfg, gint64 since, gint64 until, LrReplayFunc fn,
                       gpointer data, GError **error)
{
	g_autoptr(LrParser) parser = parser_new(lr_config_field_aliases(cfg), error);
	g_autoptr(GArray) ids = parser ? replay_ids(q, since, until, error) : NULL;
	Replay rp = {q, cfg, parser, fn, data};

	if (ids == NULL)
		return FALSE;
	for (guint i = 0; i < ids->len; i++)
		if (!replay_one(&rp, g_array_index(ids, guint64, i), error))
			return FALSE;
	return TRUE;
}
