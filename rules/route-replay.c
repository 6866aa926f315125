/* route-replay.c - what-if decisions: an earlier decision read back from
 * the JSON it was stored as, the routing state to make it again as then,
 * and what differs between then and now.  Decisions only: the caller
 * (router/replay.c) reads the store. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "rules/route-int.h"

/* route_record_free - destroy a record (NULL allowed). */
void route_record_free(LrRouteRecord *rec)
{
	if (rec == NULL)
		return;
	g_ptr_array_unref(rec->holders);
	g_ptr_array_unref(rec->assignees);
	g_ptr_array_unref(rec->rules);
	g_ptr_array_unref(rec->unavailable);
	g_free(rec);
}

/* record_new - an empty record. */
static LrRouteRecord *record_new(void)
{
	LrRouteRecord *rec = g_new0(LrRouteRecord, 1);

	rec->holders = g_ptr_array_new_with_free_func(g_free);
	rec->assignees = g_ptr_array_new_with_free_func(g_free);
	rec->rules = g_ptr_array_new_with_free_func(g_free);
	rec->unavailable = g_ptr_array_new_with_free_func(g_free);
	return rec;
}

/* route_rule_key - see route.h. */
char *route_rule_key(const char *file, int line, const char *name)
{
	g_autofree char *base = NULL;

	if (name != NULL && *name)
		return g_strdup(name);
	base = g_path_get_basename(file ? file : "?");
	return g_strdup_printf("%s:%d", base, line);
}

/* record_unavailable - note who the text says was away or at capacity:
 * "[ID: away]" in a rule's effect, "ID away, escalated" in the reason. */
static void record_unavailable(LrRouteRecord *rec, const char *text)
{
	static GRegex *re;
	g_autoptr(GMatchInfo) m = NULL;

	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("(?:\\[|^|; )([^\\s:\\[\\];]+):? (?:away|at capacity)[],]",
		                        G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&re, r);
	}
	if (text == NULL)
		return;
	g_regex_match(re, text, 0, &m);
	for (; g_match_info_matches(m); g_match_info_next(m, NULL)) {
		g_autofree char *who = g_match_info_fetch(m, 1);

		if (!g_ptr_array_find_with_equal_func(rec->unavailable, who, g_str_equal, NULL))
			g_ptr_array_add(rec->unavailable, g_steal_pointer(&who));
	}
}

/* json_string_list - the strings of array member name of o into list;
 * FALSE when it is not an array of strings. */
static gboolean json_string_list(JsonObject *o, const char *name, GPtrArray *list)
{
	JsonNode *n = json_object_get_member(o, name);
	JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);
		if (json_node_get_value_type(e) != G_TYPE_STRING)
			return FALSE;
		g_ptr_array_add(list, g_strdup(json_node_get_string(e)));
	}
	return a != NULL;
}

/* record_rules - the rules that matched, from the "rules" member. */
static void record_rules(LrRouteRecord *rec, JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "rules");
	JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		JsonObject *r = json_array_get_object_element(a, i);
		if (r == NULL || !json_object_get_boolean_member_with_default(r, "matched", FALSE))
			continue;
		g_ptr_array_add(
		    rec->rules,
		    route_rule_key(json_object_get_string_member_with_default(r, "file", NULL),
		                   (int)json_object_get_int_member_with_default(r, "line", 0),
		                   json_object_get_string_member_with_default(r, "name", NULL)));
		record_unavailable(rec,
		                   json_object_get_string_member_with_default(r, "effect", ""));
	}
}

/* route_record_from_json - see route.h. */
LrRouteRecord *route_record_from_json(const char *text, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(LrRouteRecord) rec = record_new();
	JsonNode *root;
	JsonObject *o;

	if (text == NULL || !json_parser_load_from_data(parser, text, -1, NULL) ||
	    (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
	    !json_string_list(o = json_node_get_object(root), "holders", rec->holders) ||
	    !json_string_list(o, "assignees", rec->assignees)) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "the stored decision is unreadable");
		return NULL;
	}
	rec->priority = (int)json_object_get_int_member_with_default(o, "priority", 0);
	record_rules(rec, o);
	record_unavailable(rec, json_object_get_string_member_with_default(o, "reason", NULL));
	return g_steal_pointer(&rec);
}

/* route_record_from_result - see route.h. */
LrRouteRecord *route_record_from_result(const LrRouteResult *res)
{
	LrRouteRecord *rec = record_new();
	g_autoptr(GPtrArray) trace = route_result_trace(res);

	for (guint i = 0; i < res->holders->len; i++)
		g_ptr_array_add(rec->holders, g_strdup(res->holders->pdata[i]));
	for (guint i = 0; i < res->assignees->len; i++)
		g_ptr_array_add(rec->assignees, g_strdup(res->assignees->pdata[i]));
	rec->priority = res->priority;
	for (guint i = 0; i < trace->len; i++) {
		const LrTraceStep *t = trace->pdata[i];
		if (t->matched)
			g_ptr_array_add(rec->rules, route_rule_key(t->file, t->line, t->name));
	}
	return rec;
}

/* ---- the state of a replay ---- */

/* Who was unavailable then, and whom a rotation picked. */
typedef struct {
	GHashTable *away;   /* user ids */
	GHashTable *picked; /* user ids and "server:ID"s */
} ReplayState;

/* replay_rr_get - a rotation's pass: 0 for whom it picked then, 1 for the
 * others, so that it picks the same one while they are a candidate. */
static guint64 replay_rr_get(gpointer data, const char *key)
{
	const ReplayState *r = data;
	const char *tab = strchr(key, '\t');

	return tab != NULL && !g_hash_table_contains(r->picked, tab + 1) ? 1 : 0;
}

/* replay_rr_set - rotations move nothing in a replay. */
static void replay_rr_set(gpointer data, const char *key, guint64 value)
{
	(void)data, (void)key, (void)value;
}

/* replay_away - away (for ever) when the trace said so then. */
static gint64 replay_away(gpointer data, const char *user_id)
{
	return g_hash_table_contains(((ReplayState *)data)->away, user_id) ? G_MAXINT64 : 0;
}

/* set_of - a set of copies of list's strings. */
static GHashTable *set_of(const GPtrArray *list, GHashTable *set)
{
	for (guint i = 0; i < list->len; i++)
		g_hash_table_add(set, g_strdup(list->pdata[i]));
	return set;
}

/* route_replay_state_new - see route.h. */
LrRouteState *route_replay_state_new(const LrRouteRecord *rec, gint64 now)
{
	LrRouteState *st = g_new0(LrRouteState, 1);
	ReplayState *r = g_new0(ReplayState, 1);

	r->away =
	    set_of(rec->unavailable, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
	r->picked = set_of(
	    rec->assignees,
	    set_of(rec->holders, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)));
	*st = (LrRouteState){.rr_get = replay_rr_get,
	                     .rr_set = replay_rr_set,
	                     .away_until = replay_away,
	                     .now = now,
	                     .data = r};
	return st;
}

/* route_replay_state_free - destroy a replay state (NULL allowed). */
void route_replay_state_free(LrRouteState *state)
{
	ReplayState *r;

	if (state == NULL)
		return;
	r = state->data;
	g_hash_table_destroy(r->away);
	g_hash_table_destroy(r->picked);
	g_free(r);
	g_free(state);
}

/* ---- then and now ---- */

/* same_list - the same strings in the same order. */
static gboolean same_list(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], b->pdata[i]) != 0)
			return FALSE;
	return TRUE;
}

/* rules_only - add prefix+rule for each rule of a that b lacks. */
static void rules_only(const GPtrArray *a, const GPtrArray *b, const char *prefix, GPtrArray *out)
{
	for (guint i = 0; i < a->len; i++)
		if (!g_ptr_array_find_with_equal_func((GPtrArray *)b, a->pdata[i], g_str_equal,
		                                      NULL))
			g_ptr_array_add(out, g_strconcat(prefix, a->pdata[i], NULL));
}

/* route_record_compare - see route.h. */
LrRouteChange route_record_compare(const LrRouteRecord *then, const LrRouteRecord *now,
                                   GPtrArray **rules)
{
	*rules = g_ptr_array_new_with_free_func(g_free);
	rules_only(then->rules, now->rules, "-", *rules);
	rules_only(now->rules, then->rules, "+", *rules);
	if (!same_list(then->holders, now->holders) || !same_list(then->assignees, now->assignees))
		return ROUTE_MOVED;
	return then->priority != now->priority ? ROUTE_REPRIORITISED : ROUTE_SAME;
}
