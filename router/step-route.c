/* step-route.c - the steps that reach federation (federate.h), above it:
 * an event, which the origin of a lead received from it may have to hear
 * of, and routing, which may offer the lead to a partner server. */
#include "config.h"

#include <string.h>

#include "router/federate.h"
#include "router/router-int.h"
#include "router/step.h"
#include "rules/route.h"

/* step_event - record an event on the step's lead (step_record) and
 * tell the lead's origin of it when it must hear of it (fed_report). */
gboolean step_event(Step *s, const char *type, const char *actor, const char *detail,
                    GError **error)
{
	return step_record(s, type, actor, detail, error) &&
	       fed_report(s, type, actor, detail, error);
}

/* attachments_meta - remember the files and table rows the rules chose. */
static void attachments_meta(LrLead *lead, const LrRouteResult *res)
{
	GString *files = g_string_new(NULL), *text = g_string_new(NULL);

	for (guint i = 0; i < res->attachments->len; i++) {
		const LrAttachment *a = res->attachments->pdata[i];
		if (a->file)
			g_string_append_printf(files, "%s%s", files->len ? "," : "", a->file);
		for (int c = 0; a->columns && a->columns[c] && a->values && a->values[c]; c++)
			g_string_append_printf(text, "%s%s: %s", c ? ", " : "", a->columns[c],
			                       a->values[c]);
		if (a->columns)
			g_string_append_printf(text, " (%s)\n", a->name ? a->name : "");
	}
	lead_meta_set(lead, META_ATTACH_FILES, files->len ? files->str : NULL);
	lead_meta_set(lead, META_ATTACH_TEXT, text->len ? text->str : NULL);
	g_string_free(files, TRUE);
	g_string_free(text, TRUE);
}

/* result_reason - why the assignee got it: the conditions that matched,
 * or, for a rule without conditions, the rule that routed it. */
static char *result_reason(const LrRouteResult *res)
{
	g_autoptr(GPtrArray) trace = NULL;
	const char *rule = NULL;

	if (res->reason && *res->reason)
		return g_strdup(res->reason);
	trace = route_result_trace(res);
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *st = trace->pdata[i];
		if (st->matched && g_str_has_prefix(st->effect, "route"))
			rule = st->name;
	}
	return rule ? g_strdup_printf("rule %s", rule) : g_strdup("the routing rules");
}

/* result_meta - keep the decision on the lead. */
static void result_meta(LrLead *lead, const LrRouteResult *res)
{
	g_autofree char *json = route_result_to_json(res);
	g_autofree char *withheld = NULL;
	g_autofree char *reason = NULL;

	g_ptr_array_add(res->withheld, NULL);
	withheld = g_strjoinv(",", (char **)res->withheld->pdata);
	g_ptr_array_remove_index(res->withheld, res->withheld->len - 1);
	lead->priority = res->priority;
	g_ptr_array_set_size(lead->holders, 0);
	for (guint i = 0; i < res->holders->len; i++)
		g_ptr_array_add(lead->holders, g_strdup(res->holders->pdata[i]));
	lead_meta_set(lead, META_WITHHELD, withheld);
	lead_meta_set(lead, META_BROADCAST, res->broadcast ? "1" : NULL);
	reason = result_reason(res);
	lead_meta_set(lead, META_REASON, reason);
	lead_meta_set(lead, META_ROUTE, json);
	attachments_meta(lead, res);
}

/* route_detail - the "routed" event's text. */
static char *route_detail(const LrRouteResult *res)
{
	GString *d = g_string_new("holders=");

	for (guint i = 0; i < res->holders->len; i++)
		g_string_append_printf(d, "%s%s", i ? "," : "", (char *)res->holders->pdata[i]);
	g_string_append(d, " assignees=");
	for (guint i = 0; i < res->assignees->len; i++)
		g_string_append_printf(d, "%s%s", i ? "," : "", (char *)res->assignees->pdata[i]);
	g_string_append_printf(d, " priority=%d%s%s reason=%s", res->priority,
	                       res->broadcast ? " broadcast" : "",
	                       res->escalated ? " escalated" : "", res->reason ? res->reason : "");
	return g_string_free(d, FALSE);
}

/* step_route - route the lead under the configuration and offer it. */
gboolean step_route(Step *s, GError **error)
{
	g_autoptr(LrRouteResult) res = step_decide(s, error);
	g_autofree char *detail = NULL;
	gboolean route_on = FALSE;
	const char *kind;

	if (res == NULL)
		return FALSE;
	result_meta(s->lead, res);
	detail = route_detail(res);
	if (!step_record(s, "routed", "router", detail, error))
		return FALSE;
	g_ptr_array_add(res->assignees, NULL);
	if (g_str_has_prefix(res->assignees->pdata[0], "server:"))
		return fed_send_lead(s, res->assignees->pdata[0], &route_on, error) &&
		       (!route_on || step_route(s, error));
	kind = res->escalated ? "escalation" : "new-lead";
	return step_assign(s, (const char *const *)res->assignees->pdata, kind, NULL, error);
}
