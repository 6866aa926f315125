/* route-plan.c - the routing plan: runs of rules that test the same name
 * get an index, so that routing looks a value up instead of testing each. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lead/lr-error.h"
#include "rules/route-int.h"

/* ---- plan ---- */

/* plan_step_free - destroy a plan step. */
static void plan_step_free(PlanStep *s)
{
	g_free(s->name);
	cond_name_free(s->ref);
	if (s->index != NULL)
		g_hash_table_destroy(s->index);
	g_free(s);
}

/* plan_index_add - index rule i under each of keys. */
static void plan_index_add(PlanStep *s, GPtrArray *keys, guint i)
{
	for (guint k = 0; k < keys->len; k++) {
		const char *key = g_ptr_array_index(keys, k);
		GArray *list = g_hash_table_lookup(s->index, key);

		if (list == NULL) {
			list = g_array_new(FALSE, FALSE, sizeof(guint));
			g_hash_table_insert(s->index, g_strdup(key), list);
		}
		if (list->len == 0 || g_array_index(list, guint, list->len - 1) != i)
			g_array_append_val(list, i);
	}
}

/* plan_run - the length of the run of rules from i that test name. */
static guint plan_run(const LrRuleSet *set, guint i, const char **name)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	guint n = 0;

	*name = NULL;
	for (; i + n < set->rules->len; n++) {
		const LrRule *r = g_ptr_array_index(set->rules, i + n);
		const char *nm = NULL;

		g_ptr_array_set_size(keys, 0);
		if (r->when == NULL || !cond_index_key(r->when, &nm, keys))
			break;
		if (*name != NULL && strcmp(nm, *name) != 0)
			break;
		*name = nm;
	}
	return n;
}

/* plan_block - an indexed step over rules [first, first + n). */
static PlanStep *plan_block(const LrRuleSet *set, guint first, guint n, const char *name)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	PlanStep *s = g_new0(PlanStep, 1);
	const char *nm;

	s->first = first;
	s->last = first + n - 1;
	s->name = g_strdup(name);
	s->ref = cond_name_new(name);
	s->index =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	for (guint i = first; i <= s->last; i++) {
		g_ptr_array_set_size(keys, 0);
		cond_index_key(((LrRule *)g_ptr_array_index(set->rules, i))->when, &nm, keys);
		plan_index_add(s, keys, i);
	}
	return s;
}

/* route_effect - how the trace names a route: "round-robin a, b". */
static char *route_effect(const LrRoute *route)
{
	GString *s = g_string_new(route->strategy == LR_STRATEGY_SINGLE
	                              ? "route"
	                              : lr_config_strategies[route->strategy]);

	for (guint i = 0; i < route->targets->len; i++) {
		g_string_append(s, i ? ", " : " ");
		g_string_append(s, ((LrTarget *)g_ptr_array_index(route->targets, i))->to);
	}
	return g_string_free(s, FALSE);
}

/* plan_targets - resolve the users and teams that set's routes name, so
 * that a decision does not look them up by text, and write each route's
 * name in the trace once. */
static void plan_targets(const LrConfig *cfg, LrRuleSet *set)
{
	for (guint i = 0; i < set->rules->len; i++) {
		const LrRule *r = g_ptr_array_index(set->rules, i);

		if (r->route != NULL) {
			g_free(r->route->effect);
			r->route->effect = route_effect(r->route);
		}

		for (guint k = 0; r->route != NULL && k < r->route->targets->len; k++) {
			LrTarget *t = g_ptr_array_index(r->route->targets, k);

			t->user = lr_config_user(cfg, t->to);
			t->team = g_str_has_prefix(t->to, "team:")
			              ? g_hash_table_lookup(cfg->team_index, t->to + 5)
			              : NULL;
		}
	}
}

/* plan_set - build one rule set's plan. */
static void plan_set(const LrConfig *cfg, LrRuleSet *set)
{
	route_plan_free(set);
	plan_targets(cfg, set);
	set->steps = g_ptr_array_new_with_free_func((GDestroyNotify)plan_step_free);
	for (guint i = 0; i < set->rules->len;) {
		const char *name;
		guint n = plan_run(set, i, &name);
		PlanStep *s;

		if (n >= PLAN_MIN_RUN) {
			s = plan_block(set, i, n, name);
		} else {
			n = 1;
			s = g_new0(PlanStep, 1);
			s->first = s->last = i;
		}
		g_ptr_array_add(set->steps, s);
		i += n;
	}
}

/* route_plan_build - plans for every rule set. */
void route_plan_build(LrConfig *cfg)
{
	if (cfg->rules != NULL)
		plan_set(cfg, cfg->rules);
	for (guint i = 0; i < cfg->users->len; i++) {
		LrUser *u = g_ptr_array_index(cfg->users, i);
		if (u->rules != NULL)
			plan_set(cfg, u->rules);
	}
}

/* route_plan_free - drop a plan. */
void route_plan_free(LrRuleSet *set)
{
	g_clear_pointer(&set->steps, g_ptr_array_unref);
}
