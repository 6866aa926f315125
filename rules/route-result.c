/* route-result.c - routing results: their memory, the trace, and routing
 * state kept in memory (for `leadroute route` and tests); their JSON form
 * is route-json.c. */
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

/* ---- state in memory ---- */

typedef struct {
	GHashTable *rr;   /* key -> guint64 * */
	GHashTable *away; /* user -> gint64 * */
	GHashTable *open; /* user -> GUINT_TO_POINTER */
} MemState;

/* mem_key_hash - a hash of a rotation key ("rr:anna:all\tben") eight
 * bytes at a time: keys are long and looked up several times a decision. */
static guint mem_key_hash(gconstpointer key)
{
	const char *s = key;
	gsize n = strlen(s);
	guint64 h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (guint)(h ^ (h >> 29));
}

/* mem_rr_get - LrRouteState.rr_get over memory. */
static guint64 mem_rr_get(gpointer data, const char *key)
{
	guint64 *v = g_hash_table_lookup(((MemState *)data)->rr, key);

	return v ? *v : 0;
}

/* mem_rr_set - LrRouteState.rr_set over memory. */
static void mem_rr_set(gpointer data, const char *key, guint64 value)
{
	GHashTable *rr = ((MemState *)data)->rr;
	guint64 *v = g_hash_table_lookup(rr, key);

	if (v != NULL)
		*v = value;
	else
		g_hash_table_insert(rr, g_strdup(key), g_memdup2(&value, sizeof(value)));
}

/* mem_open - LrRouteState.open_leads over memory. */
static guint mem_open(gpointer data, const char *user)
{
	GHashTable *open = ((MemState *)data)->open;

	return g_hash_table_size(open) ? GPOINTER_TO_UINT(g_hash_table_lookup(open, user)) : 0;
}

/* mem_away - LrRouteState.away_until over memory. */
static gint64 mem_away(gpointer data, const char *user)
{
	GHashTable *away = ((MemState *)data)->away;
	gint64 *v = g_hash_table_size(away) ? g_hash_table_lookup(away, user) : NULL;

	return v ? *v : 0;
}

/* route_memory_state_new - an in-memory state. */
LrRouteState *route_memory_state_new(gint64 now)
{
	LrRouteState *st = g_new0(LrRouteState, 1);
	MemState *m = g_new0(MemState, 1);

	m->rr = g_hash_table_new_full(mem_key_hash, g_str_equal, g_free, g_free);
	m->away = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	*st = (LrRouteState){.rr_get = mem_rr_get,
	                     .rr_set = mem_rr_set,
	                     .open_leads = mem_open,
	                     .away_until = mem_away,
	                     .now = now,
	                     .data = m};
	return st;
}

/* route_memory_state_free - destroy an in-memory state. */
void route_memory_state_free(LrRouteState *state)
{
	MemState *m;

	if (state == NULL)
		return;
	m = state->data;
	g_hash_table_destroy(m->rr);
	g_hash_table_destroy(m->away);
	g_hash_table_destroy(m->open);
	g_free(m);
	g_free(state);
}

/* route_memory_state_set_away - mark a user away until a time. */
void route_memory_state_set_away(LrRouteState *state, const char *user_id, gint64 until)
{
	MemState *m = state->data;

	g_hash_table_replace(m->away, g_strdup(user_id), g_memdup2(&until, sizeof(until)));
}

/* route_memory_state_set_open - set a user's open-lead count. */
void route_memory_state_set_open(LrRouteState *state, const char *user_id, guint open)
{
	MemState *m = state->data;

	g_hash_table_replace(m->open, g_strdup(user_id), GUINT_TO_POINTER(open));
}
