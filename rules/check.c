/* check.c - whole-configuration checks: targets, permissions, rules that
 * can never match, routing cycles. */
#include "config.h"

#include <string.h>

#include "rules/check.h"
#include "rules/check-servers.h"

/* One run of the checks. */
typedef struct {
	const LrConfig *cfg;
	CheckReportFunc report;
	gpointer data;
	GHashTable *state; /* user id -> 1 on the DFS stack, 2 done */
	GPtrArray *stack;  /* user ids of the DFS path */
} Checker;

/* say - report a formatted problem. */
static void say(Checker *ck, const char *file, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void say(Checker *ck, const char *file, int line, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ck->report(ck->data, file, line, msg);
}

/* rule_label - how a message names a rule. */
static char *rule_label(const LrRule *r)
{
	return r->name ? g_strdup_printf("rule '%s'", r->name) : g_strdup("this rule");
}

/* check_user_target - a route target that names a user. */
static void check_user_target(Checker *ck, const LrRuleSet *set, const LrRule *r, const char *to)
{
	if (lr_config_user(ck->cfg, to) == NULL) {
		say(ck, r->file, r->line, "route to unknown user '%s'", to);
		return;
	}
	if (set->owner != NULL && !lr_config_may_route(ck->cfg, set->owner->id, to))
		say(ck, r->file, r->line,
		    "user '%s' may not route to '%s' (only to themselves, the users they manage, "
		    "their manager and what may_route lists)",
		    set->owner->id, to);
}

/* check_target - one route target. */
static void check_target(Checker *ck, const LrRuleSet *set, const LrRule *r, const char *to)
{
	g_autoptr(GPtrArray) team = NULL;

	if (strcmp(to, "manager") == 0) {
		if (set->owner == NULL)
			say(ck, r->file, r->line,
			    "'manager' means the holder's manager; the global "
			    "rules have no holder");
		else if (set->owner->manager == NULL)
			say(ck, r->file, r->line, "route to 'manager': nobody manages '%s'",
			    set->owner->id);
	} else if (g_str_has_prefix(to, "server:")) {
		const LrServer *srv = lr_config_server(ck->cfg, to + 7);

		if (srv == NULL)
			say(ck, r->file, r->line, "route to unknown server '%s'", to + 7);
		else if (srv->deliver == NULL)
			say(ck, r->file, r->line,
			    "route to server '%s', which has no deliver (it "
			    "only sends leads to us)",
			    to + 7);
		else if (set->owner && !lr_config_may_route(ck->cfg, set->owner->id, to))
			say(ck, r->file, r->line,
			    "user '%s' may not route to '%s' (the admin must "
			    "list it in their may_route)",
			    set->owner->id, to);
	} else if (g_str_has_prefix(to, "team:")) {
		team = lr_config_team(ck->cfg, to + 5);
		if (team->len == 0)
			say(ck, r->file, r->line, "route to team '%s', which has no users", to + 5);
		else if (set->owner && !lr_config_may_route(ck->cfg, set->owner->id, to))
			say(ck, r->file, r->line,
			    "user '%s' may not route to '%s' (not every "
			    "member is theirs to route to)",
			    set->owner->id, to);
	} else {
		check_user_target(ck, set, r, to);
	}
}

/* check_unreachable - rules after one that always routes, and rules whose
 * condition is always false. */
static void check_unreachable(Checker *ck, const LrRuleSet *set)
{
	const LrRule *always = NULL;

	for (guint i = 0; i < set->rules->len; i++) {
		const LrRule *r = g_ptr_array_index(set->rules, i);
		g_autofree char *label = rule_label(r);
		gboolean value = TRUE, constant = r->when == NULL || cond_constant(r->when, &value);

		if (r->broken)
			continue;

		if (always != NULL) {
			g_autofree char *first = rule_label(always);
			say(ck, r->file, r->line,
			    "%s can never match: %s (line %d) always routes "
			    "first",
			    label, first, always->line);
		} else if (constant && !value) {
			say(ck, r->file, r->line,
			    "%s can never match: its condition is always "
			    "false",
			    label);
		} else if (constant && r->route != NULL) {
			always = r;
		}
	}
}

/* check_set - targets and reachability of one rule set. */
static void check_set(Checker *ck, const LrRuleSet *set)
{
	for (guint i = 0; i < set->rules->len; i++) {
		const LrRule *r = g_ptr_array_index(set->rules, i);

		for (guint t = 0; r->route && t < r->route->targets->len; t++)
			check_target(ck, set, r,
			             ((LrTarget *)g_ptr_array_index(r->route->targets, t))->to);
	}
	check_unreachable(ck, set);
}

/* check_may_route - every may_route entry names something that exists. */
static void check_may_route(Checker *ck, const LrUser *u)
{
	for (int i = 0; u->may_route && u->may_route[i]; i++) {
		const char *to = u->may_route[i];
		g_autoptr(GPtrArray) team =
		    g_str_has_prefix(to, "team:") ? lr_config_team(ck->cfg, to + 5) : NULL;
		gboolean ok = g_str_has_prefix(to, "server:")
		                  ? lr_config_server(ck->cfg, to + 7) != NULL
		              : team != NULL ? team->len > 0
		                             : lr_config_user(ck->cfg, to) != NULL;

		if (!ok)
			say(ck, u->file, u->line,
			    "user '%s': may_route names '%s', which does not "
			    "exist",
			    u->id, to);
	}
}

static void visit(Checker *ck, const LrUser *u);

/* report_cycle - the DFS path from next back to next. */
static void report_cycle(Checker *ck, const LrRule *r, const LrUser *next)
{
	g_autoptr(GString) path = g_string_new(NULL);
	gboolean on = FALSE;

	for (guint i = 0; i < ck->stack->len; i++) {
		const char *id = g_ptr_array_index(ck->stack, i);
		on = on || strcmp(id, next->id) == 0;
		if (on)
			g_string_append_printf(path, "%s -> ", id);
	}
	say(ck, r->file, r->line, "routing cycle: %s%s", path->str, next->id);
}

/* visit_target - follow an edge of the routing graph ("manager" is none:
 * the manager keeps what is handed up). */
static void visit_target(Checker *ck, const LrUser *from, const LrRule *r, const char *to)
{
	const LrUser *next = lr_config_user(ck->cfg, to);
	int state;

	if (next == NULL || next == from || next->rules == NULL)
		return;
	state = GPOINTER_TO_INT(g_hash_table_lookup(ck->state, next->id));
	if (state == 2)
		return;
	if (state == 0)
		visit(ck, next);
	else
		report_cycle(ck, r, next);
}

/* visit_rule_targets - the edges of one rule, teams expanded. */
static void visit_rule_targets(Checker *ck, const LrUser *u, const LrRule *r)
{
	for (guint t = 0; t < r->route->targets->len; t++) {
		const char *to = ((LrTarget *)g_ptr_array_index(r->route->targets, t))->to;
		g_autoptr(GPtrArray) team = NULL;

		if (!g_str_has_prefix(to, "team:")) {
			visit_target(ck, u, r, to);
			continue;
		}
		team = lr_config_team(ck->cfg, to + 5);
		for (guint i = 0; i < team->len; i++)
			visit_target(ck, u, r, ((LrUser *)g_ptr_array_index(team, i))->id);
	}
}

/* visit - depth-first search for cycles from u. */
static void visit(Checker *ck, const LrUser *u)
{
	g_hash_table_insert(ck->state, u->id, GINT_TO_POINTER(1));
	g_ptr_array_add(ck->stack, u->id);
	for (guint i = 0; i < u->rules->rules->len; i++) {
		const LrRule *r = g_ptr_array_index(u->rules->rules, i);
		if (r->route != NULL)
			visit_rule_targets(ck, u, r);
	}
	g_ptr_array_remove_index(ck->stack, ck->stack->len - 1);
	g_hash_table_insert(ck->state, u->id, GINT_TO_POINTER(2));
}

/* check_config - every whole-configuration check. */
void check_config(const LrConfig *cfg, CheckReportFunc report, gpointer data)
{
	Checker ck = {.cfg = cfg,
	              .report = report,
	              .data = data,
	              .state = g_hash_table_new(g_str_hash, g_str_equal),
	              .stack = g_ptr_array_new()};

	if (lr_config_admin(cfg) == NULL && cfg->users->len > 0)
		say(&ck, cfg->file, 0,
		    "no user has role = \"admin\" (leads nobody else can take "
		    "go to the admin)");
	if (cfg->rules != NULL)
		check_set(&ck, cfg->rules);
	for (guint i = 0; i < cfg->users->len; i++) {
		const LrUser *u = g_ptr_array_index(cfg->users, i);
		check_may_route(&ck, u);
		if (u->rules != NULL)
			check_set(&ck, u->rules);
	}
	for (guint i = 0; i < cfg->users->len; i++) {
		const LrUser *u = g_ptr_array_index(cfg->users, i);
		if (u->rules != NULL && !g_hash_table_contains(ck.state, u->id))
			visit(&ck, u);
	}
	check_servers(cfg, report, data);
	g_hash_table_destroy(ck.state);
	g_ptr_array_free(ck.stack, TRUE);
}
