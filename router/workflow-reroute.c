/* workflow-reroute.c - an offered lead given back (a rejection, a timeout,
 * an away user): on to the next holder, to the manager, or to its origin
 * server.  Used by workflow.c and selfservice.c. */
#include "config.h"

#include "router/federate.h"
#include "router/router-int.h"
#include "router/step.h"
#include "router/workflow.h"

/* escalate - after too many rejections: the manager of who rejected last,
 * else the admin. */
static gboolean escalate(Step *t, const char *last, GError **error)
{
	const LrUser *to = lr_config_user_manager(t->cfg, last);
	const char *one[2] = {NULL, NULL};

	if (to == NULL || g_strcmp0(to->id, last) == 0)
		to = lr_config_admin(t->cfg);
	if (to == NULL)
		return step_route(t, error);
	one[0] = to->id;
	if (!step_event(t, "escalated", "workflow", to->id, error))
		return FALSE;
	g_ptr_array_add(t->lead->holders, g_strdup(to->id));
	return step_assign(t, one, "escalation", "rejected too often", error);
}

/* remove_assignee - drop one user from the assignees. */
static void remove_assignee(LrLead *lead, const char *user_id)
{
	for (guint i = 0; i < lead->assignees->len; i++) {
		if (g_strcmp0(lead->assignees->pdata[i], user_id) == 0) {
			g_ptr_array_remove_index(lead->assignees, i);
			return;
		}
	}
}

/* workflow_reroute - the assignee gave the lead back (reject, timeout, away): drop
 * them from a broadcast, else route again or escalate. */
gboolean workflow_reroute(Step *t, const char *user_id, gboolean counts, GError **error)
{
	LrLead *lead = t->lead;
	guint64 n = step_meta_uint(lead, META_REJECTIONS) + (counts ? 1 : 0);
	LrWorkflow wf = lr_config_workflow(t->cfg, lr_config_user(t->cfg, user_id));

	step_list_add(lead, META_REJECTED, user_id);
	step_meta_set_uint(lead, META_REJECTIONS, n);
	if (lead_meta_get(lead, META_BROADCAST) && lead->assignees->len > 1) {
		remove_assignee(lead, user_id);
		return step_open_adjust(t, user_id, -1, error);
	}
	/* A lead from another server goes back there: its origin decides. */
	if (fed_imported(lead))
		return fed_give_back(t,
		                     lead_meta_get(lead, META_FED_WHY)
		                         ? lead_meta_get(lead, META_FED_WHY)
		                     : counts ? "not accepted in time"
		                              : "nobody available",
		                     error);
	if (counts && wf.max_rejections > 0 && n >= (guint64)wf.max_rejections)
		return escalate(t, user_id, error);
	return step_route(t, error);
}

/* workflow_give_back - see workflow.h. */
gboolean workflow_give_back(Step *t, const char *user_id, GError **error)
{
	return workflow_reroute(t, user_id, FALSE, error);
}
