/* route-result.c - routing results: their memory and the trace; their JSON
 * form is route-json.c, the state kept in memory route-memory.c. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "rules/route-int.h"

/* ---- results ---- */

/* route_attachment_free - destroy an attachment (one block: see
 * attachment_new in route.c). */
void route_attachment_free(LrAttachment *a)
{
	g_free(a);
}

/* result_destroy - free a result and its lists. */
static void result_destroy(gpointer p)
{
	LrRouteResult *result = p;

	g_ptr_array_free(result->assignees, TRUE);
	g_ptr_array_free(result->holders, TRUE);
	g_ptr_array_free(result->attachments, TRUE);
	g_ptr_array_free(result->withheld, TRUE);
	g_array_free(result->spans, TRUE);
	g_free(result->reason);
	g_free(result->effects);
	g_free(result);
}

/* One freed result per thread, emptied, for the next decision to fill:
 * its lists are made once, not per decision. */
static GPrivate spare_result = G_PRIVATE_INIT(result_destroy);

/* route_result_new - an empty result (the thread's spare when it has one). */
LrRouteResult *route_result_new(void)
{
	LrRouteResult *r = g_private_get(&spare_result);

	if (r != NULL) {
		g_private_set(&spare_result, NULL);
		return r;
	}
	r = g_new0(LrRouteResult, 1);
	r->assignees = g_ptr_array_new_with_free_func(g_free);
	r->holders = g_ptr_array_new_with_free_func(g_free);
	r->attachments = g_ptr_array_new_with_free_func((GDestroyNotify)route_attachment_free);
	r->withheld = g_ptr_array_new_with_free_func(g_free);
	r->spans = g_array_sized_new(FALSE, TRUE, sizeof(Span), 32);
	return r;
}

/* route_result_free - destroy a result: emptied as route_result_new
 * makes one, it becomes the thread's spare (or is freed when there is one). */
void route_result_free(LrRouteResult *result)
{
	LrRouteResult lists;

	if (result == NULL)
		return;
	g_ptr_array_set_size(result->assignees, 0);
	g_ptr_array_set_size(result->holders, 0);
	g_ptr_array_set_size(result->attachments, 0);
	g_ptr_array_set_size(result->withheld, 0);
	g_array_set_size(result->spans, 0);
	g_clear_pointer(&result->reason, g_free);
	g_clear_pointer(&result->effects, g_free);
	lists = *result;
	*result = (LrRouteResult){.assignees = lists.assignees,
	                          .holders = lists.holders,
	                          .attachments = lists.attachments,
	                          .withheld = lists.withheld,
	                          .spans = lists.spans};
	if (g_private_get(&spare_result) == NULL)
		g_private_set(&spare_result, result);
	else
		result_destroy(result);
}

/* route_result_trace - the trace, one step per rule. */
GPtrArray *route_result_trace(const LrRouteResult *result)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < result->spans->len; i++) {
		const Span *s = &g_array_index(result->spans, Span, i);

		for (guint r = s->first; r <= s->last; r++) {
			const LrRule *rule = g_ptr_array_index(s->set->rules, r);
			LrTraceStep *t = g_new0(LrTraceStep, 1);

			*t = (LrTraceStep){.file = rule->file,
			                   .line = rule->line,
			                   .name = rule->name,
			                   .matched = s->matched,
			                   .effect = s->effect >= 0 ? result->effects + s->effect : ""};
			g_ptr_array_add(out, t);
		}
	}
	return out;
}
