/* fedstatus.c - what a partner's status report or an origin's recall does
 * to the lead it names. */
#include "config.h"

#include <string.h>

#include "router/federate.h"
#include "router/fedstatus.h"

/* was_sent - was offer assignment of this lead sent to peer? */
static gboolean was_sent(const LrLead *lead, const char *peer, guint32 assignment)
{
	g_autofree char *item = g_strdup_printf("%s:%u", peer, assignment);
	const char *sent = lead_meta_get(lead, META_FED_SENT);
	g_auto(GStrv) items = g_strsplit(sent ? sent : "", ",", -1);

	return g_strv_contains((const char *const *)items, item);
}

/* is_current - is that offer the lead's current one, still with peer? */
static gboolean is_current(const LrLead *lead, const char *peer, guint32 assignment)
{
	return g_strcmp0(lead_meta_get(lead, META_FED_SERVER), peer) == 0 &&
	       step_meta_uint(lead, META_ASSIGNMENT) == assignment;
}

/* close_lead - won or lost at the partner. */
static void close_lead(LrLead *lead, const char *stage, const char *key, const char *value)
{
	lead_set_str(&lead->stage, stage);
	lead_set_str(&lead->status, LEAD_STATUS_CLOSED);
	if (value && *value)
		lead_meta_set(lead, key, value);
}

/* partner_rejected - the partner gives it back: route on without it. */
static gboolean partner_rejected(Step *t, const char *actor, const char *why, GError **error)
{
	step_list_add(t->lead, META_REJECTED, actor);
	step_meta_set_uint(t->lead, META_REJECTIONS, step_meta_uint(t->lead, META_REJECTIONS) + 1);
	lead_meta_set(t->lead, META_FED_SERVER, NULL);
	return step_event(t, "rejected", actor, why, error) && step_route(t, error);
}

/* apply - a current report moves the lead. */
static gboolean apply(Step *t, const FedExchange *x, const char *actor, GError **error)
{
	LrLead *lead = t->lead;
	const char *e = x->event;

	if (strcmp(e, "rejected") == 0)
		return partner_rejected(t, actor, x->reason, error);
	if (strcmp(e, "accepted") == 0) {
		lead_set_str(&lead->status, LEAD_STATUS_ACCEPTED);
		lead_meta_set(lead, META_FED_BY, x->by);
		lead_meta_set(lead, META_DEADLINE, NULL);
		return step_event(t, "accepted", actor, x->by, error);
	}
	if (strcmp(e, "contacted") == 0)
		lead_set_str(&lead->stage, LEAD_STAGE_CONTACTED);
	else if (strcmp(e, "won") == 0)
		close_lead(lead, LEAD_STAGE_WON, "won_amount", x->amount);
	else if (strcmp(e, "lost") == 0)
		close_lead(lead, LEAD_STAGE_LOST, "lost_reason", x->reason);
	if (strcmp(e, "won") == 0)
		return step_event(t, e, actor, x->amount, error);
	if (strcmp(e, "received") == 0)
		return step_event(t, "partner-received", actor, NULL, error);
	return step_event(t, e, actor, x->reason ? x->reason : x->by, error);
}

/* fedrecv_status - a partner's report at the origin. */
gboolean fedrecv_status(Step *t, const FedExchange *x, const char *peer, char **why, GError **error)
{
	g_autofree char *actor = g_strconcat("server:", peer, NULL);
	g_autofree char *detail = NULL;

	if (!was_sent(t->lead, peer, x->assignment)) {
		*why = g_strdup_printf("status for an offer never sent to %s", peer);
		return TRUE;
	}
	if (is_current(t->lead, peer, x->assignment))
		return apply(t, x, actor, error);
	detail = g_strdup_printf("%s%s%s (offer %u, no longer current: nothing changed)", x->event,
	                         x->by ? " by " : "", x->by ? x->by : "", x->assignment);
	step_log(t, TRUE, t->lead->id, "federation late status from %s: %s", actor, detail);
	return step_event(t, "status-late", actor, detail, error);
}

/* fedrecv_recall - the origin takes its lead back. */
gboolean fedrecv_recall(Step *t, const FedExchange *x, const char *peer, GError **error)
{
	LrLead *lead = t->lead;
	g_autofree char *actor = g_strconcat("server:", peer, NULL);
	g_autoptr(GPtrArray) told = g_ptr_array_new_with_free_func(g_free);

	if (!fed_imported(lead))
		return step_event(t, "status-late", actor, "recall of a lead no longer here",
		                  error);
	for (guint i = 0; i < lead->assignees->len; i++)
		g_ptr_array_add(told, g_strdup(lead->assignees->pdata[i]));
	lead_meta_set(lead, META_FED_DONE, "1");
	lead_meta_set(lead, META_DEADLINE, NULL);
	g_ptr_array_set_size(lead->assignees, 0);
	lead_set_str(&lead->status, LEAD_STATUS_CLOSED);
	if (!step_event(t, "recalled", actor, x->reason, error))
		return FALSE;
	for (guint i = 0; i < told->len; i++)
		if (!step_open_adjust(t, told->pdata[i], -1, error) ||
		    !step_notify(t, told->pdata[i], "revoked",
		                 "withdrawn by the server that sent it", FALSE, NULL, error))
			return FALSE;
	return TRUE;
}
