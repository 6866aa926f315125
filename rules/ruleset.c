/* ruleset.c - the rules of a configuration file: routes, priorities, attachments, conditions
 * compiled. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libconfig.h>

#include "lead/lr-error.h"
#include "rules/confine.h"
#include "rules/lr-config.h"
#include "rules/suggest.h"
#include "rules/lr-config-int.h"
#include "rules/lr-config-int.h"
#include "rules/lr-config-int.h"

static const char *const rule_keys[] = {"name",   "when",     "route", "priority",
                                        "attach", "withhold", NULL};

static const char *const route_keys[] = {"to", "strategy", "weights", NULL};

static const char *const priority_keys[] = {"base", "weights", "table", "column", "key", NULL};

static const char *const attach_keys[] = {"kind", "name", "file", "table", "key", "column", NULL};

const char *const lr_config_strategies[] = {
    "single", "round-robin", "least-loaded", "weighted", "broadcast", "first", NULL};

/* target_free - destroy a route target. */
static void target_free(LrTarget *t)
{
	g_free(t->to);
	g_free(t);
}

/* attach_free - destroy an attachment rule. */
static void attach_free(LrAttach *a)
{
	g_free(a->kind);
	g_free(a->name);
	g_free(a->file);
	cond_free(a->key);
	g_free(a);
}

/* rule_free - destroy a rule. */
static void rule_free(LrRule *r)
{
	g_free(r->name);
	cond_free(r->when);
	if (r->route != NULL) {
		g_ptr_array_free(r->route->targets, TRUE);
		g_free(r->route->key);
		g_free(r->route->effect);
		g_free(r->route);
	}
	if (r->priority != NULL) {
		g_array_free(r->priority->weights, TRUE);
		cond_free(r->priority->lookup);
		g_free(r->priority);
	}
	if (r->attach != NULL)
		g_ptr_array_free(r->attach, TRUE);
	g_strfreev(r->withhold);
	g_free(r);
}

/* ruleset_free - destroy a rule set. */
void ruleset_free(LrRuleSet *set)
{
	g_clear_pointer(&set->steps, g_ptr_array_unref);
	g_ptr_array_free(set->rules, TRUE);
	g_free(set);
}

/* compile - compile a condition or value expression found at setting m;
 * what prefixes the message ("" for a rule's when). */
static LrCond *compile(Loader *ld, const config_setting_t *m, const char *text, const char *what)
{
	g_autoptr(GError) error = NULL;
	LrCond *cond = cond_compile(text, cfg_table, ld->cfg, &error);

	if (cond == NULL)
		at(ld, m, "%s%s", what, error->message);
	return cond;
}

/* strategy_of - a strategy by name, or -1. */
static int strategy_of(const char *name)
{
	for (int i = 0; lr_config_strategies[i] != NULL; i++)
		if (strcmp(name, lr_config_strategies[i]) == 0)
			return i;
	return -1;
}

/* load_route_group - route = { to = [...]; strategy = "..."; weights = [...]; }. */
static void load_route_group(Loader *ld, const config_setting_t *m, LrRoute *rt, char ***to)
{
	const char *strategy = get_str(ld, m, "strategy");
	config_setting_t *w = config_setting_get_member(m, "weights");
	int n;

	check_keys(ld, m, route_keys, "a route");
	*to = get_strv(ld, m, "to");
	if (*to == NULL)
		at(ld, m, "a route group needs 'to': route = { to = [\"anna\", \"ben\"]; ... };");
	if (strategy != NULL && (n = strategy_of(strategy)) < 0)
		at(ld, m,
		   "unknown strategy '%s' (use round-robin, least-loaded, weighted, "
		   "broadcast, first or single)",
		   strategy);
	else if (strategy != NULL)
		rt->strategy = (LrStrategy)n;
	for (int i = 0; w && *to && i < config_setting_length(w); i++) {
		config_setting_t *e = config_setting_get_elem(w, i);
		double x = config_setting_is_number(e) ? config_setting_get_float(e) : 0;
		if (config_setting_type(e) != CONFIG_TYPE_FLOAT)
			x = (double)config_setting_get_int64(e);
		if (x <= 0 || (guint)i >= g_strv_length(*to))
			at(ld, e, "weights must be positive numbers, one per target");
		else
			g_array_append_val(ld->weights, x);
	}
}

/* route_check_shape - the strategy fits the targets. */
static void route_check_shape(Loader *ld, const config_setting_t *m, LrRoute *rt, guint nw)
{
	guint n = rt->targets->len;

	if (n == 0)
		at(ld, m, "the route names nobody");
	else if (rt->strategy == LR_STRATEGY_SINGLE && n > 1)
		at(ld, m, "strategy \"single\" takes one target, not %u", n);
	else if (rt->strategy == LR_STRATEGY_WEIGHTED && nw != n)
		at(ld, m, "strategy \"weighted\" needs weights = [...] with one number per target");
	else if (rt->strategy != LR_STRATEGY_WEIGHTED && nw > 0)
		at(ld, m, "weights apply only to strategy = \"weighted\"");
}

/* load_route - a rule's route. */
static LrRoute *load_route(Loader *ld, const config_setting_t *m, const LrRule *r,
                           const LrUser *owner)
{
	LrRoute *rt = g_new0(LrRoute, 1);
	g_auto(GStrv) to = NULL;

	rt->targets = g_ptr_array_new_with_free_func((GDestroyNotify)target_free);
	rt->strategy = LR_STRATEGY_ROUND_ROBIN;
	g_array_set_size(ld->weights, 0);
	if (config_setting_is_group(m))
		load_route_group(ld, m, rt, &to);
	else
		to = strv_of(ld, m, "route");
	if (config_setting_type(m) == CONFIG_TYPE_STRING &&
	    !g_str_has_prefix(config_setting_get_string(m), "team:"))
		rt->strategy = LR_STRATEGY_SINGLE;
	for (int i = 0; to && to[i]; i++) {
		LrTarget *t = g_new0(LrTarget, 1);
		t->to = g_strdup(to[i]);
		t->weight = (guint)i < ld->weights->len ? g_array_index(ld->weights, double, i) : 1;
		g_ptr_array_add(rt->targets, t);
	}
	route_check_shape(ld, m, rt, ld->weights->len);
	if (r->name != NULL)
		rt->key = g_strdup_printf("rr:%s:%s", owner ? owner->id : "global", r->name);
	else
		rt->key = g_strdup_printf("rr:%s:line %d", owner ? owner->id : "global", r->line);
	return rt;
}

/* load_priority_table - the table part of a priority group. */
static void load_priority_table(Loader *ld, const config_setting_t *m, LrPriority *p)
{
	const char *table = get_str(ld, m, "table"), *column = get_str(ld, m, "column");
	const char *key = get_str(ld, m, "key");
	const LrTable *t = table ? lr_config_table(ld->cfg, table) : NULL;
	g_autofree char *expr = NULL;

	if (table == NULL && column == NULL)
		return;
	if (table == NULL || column == NULL) {
		at(ld, m, "priority from a table needs both table and column");
		return;
	}
	if (t == NULL) {
		at(ld, m, "priority: no table called '%s'", table);
		return;
	}
	if (table_column(t, column) < 0) {
		at(ld, m, "priority: table '%s' has no column '%s'", table, column);
		return;
	}
	expr = g_strdup_printf("%s[%s].%s", table, key ? key : "email_domain", column);
	p->lookup = compile(ld, m, expr, "priority key: ");
}

/* weight_clear - free a weight's field name. */
static void weight_clear(gpointer p)
{
	g_free(((LrWeight *)p)->field);
}

/* load_priority - priority = POINTS or { base; weights; table; column; key; }. */
static LrPriority *load_priority(Loader *ld, const config_setting_t *m)
{
	LrPriority *p = g_new0(LrPriority, 1);
	config_setting_t *w;

	p->weights = g_array_new(FALSE, TRUE, sizeof(LrWeight));
	g_array_set_clear_func(p->weights, weight_clear);
	if (config_setting_is_number(m)) {
		p->points = config_setting_type(m) == CONFIG_TYPE_FLOAT
		                ? config_setting_get_float(m)
		                : (double)config_setting_get_int64(m);
		return p;
	}
	if (!config_setting_is_group(m)) {
		at(ld, m,
		   "priority must be a number of points or a group "
		   "{ base = ...; weights = { FIELD = ...; }; table = ...; column = ...; }");
		return p;
	}
	check_keys(ld, m, priority_keys, "priority");
	get_num(ld, m, "base", &p->base);
	w = get_group(ld, m, "weights");
	for (int i = 0; w && i < config_setting_length(w); i++) {
		LrWeight x = {g_strdup(config_setting_name(config_setting_get_elem(w, i))), 0};
		if (get_num(ld, w, x.field, &x.weight))
			g_array_append_val(p->weights, x);
		else
			g_free(x.field);
	}
	load_priority_table(ld, m, p);
	return p;
}

/* check_document - a document must be readable. */
static void check_document(Loader *ld, const config_setting_t *m, const char *path,
                           const char *what)
{
	if (g_access(path, R_OK) != 0)
		at(ld, m, "%s%s cannot be read: %s", what, path, g_strerror(errno));
}

/* load_attach_table - an attachment from a table (the row, or a document
 * the row names). */
static void load_attach_table(Loader *ld, const config_setting_t *m, LrAttach *a, const char *table)
{
	const char *column = get_str(ld, m, "column"), *key = get_str(ld, m, "key");
	g_autofree char *what = NULL;

	if ((a->table = lr_config_table(ld->cfg, table)) == NULL) {
		at(ld, m, "attach: no table called '%s'", table);
		return;
	}
	a->key = compile(ld, m, key ? key : "email_domain", "attach key: ");
	a->column = column ? table_column(a->table, column) : -1;
	if (column != NULL && a->column < 0) {
		at(ld, m, "attach: table '%s' has no column '%s'", table, column);
		return;
	}
	what = g_strdup_printf("attach: document in table '%s' column '%s': ", table, column);
	for (guint i = 0; a->column >= 0 && i < table_n_rows(a->table); i++) {
		const char *cell = table_row(a->table, i)[a->column];
		g_autofree char *path = *cell ? path_of(ld, cell) : NULL;
		if (path != NULL)
			check_document(ld, m, path, what);
	}
}

/* confine_document - in a user's rule file, *path (absolute) must lie in a
 * folder the admin names for documents (server.documents, the user's
 * documents); it becomes the resolved path, or a problem is noted. */
static void confine_document(Loader *ld, const config_setting_t *m, char **path,
                             const char *written)
{
	g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func(g_free);
	char **server = ld->cfg->server ? ld->cfg->server->documents : NULL;
	char *real;

	for (int i = 0; server && server[i]; i++)
		g_ptr_array_add(folders, g_strdup(server[i]));
	for (int i = 0; ld->owner->documents && ld->owner->documents[i]; i++)
		g_ptr_array_add(folders,
		                g_canonicalize_filename(ld->owner->documents[i], ld->cfg->dir));
	g_ptr_array_add(folders, NULL);
	real = confine_path(*path, (const char *const *)folders->pdata);
	if (real == NULL)
		at(ld, m,
		   "user '%s': attach: %s is not inside a folder the admin allows for "
		   "documents (server.documents or the user's documents)",
		   ld->owner->id, written);
	g_free(*path);
	*path = real;
}

/* load_attach_one - one attachment group. */
static LrAttach *load_attach_one(Loader *ld, const config_setting_t *m)
{
	const char *file = get_str(ld, m, "file"), *table = get_str(ld, m, "table");
	const char *kind = get_str(ld, m, "kind"), *name = get_str(ld, m, "name");
	LrAttach *a = g_new0(LrAttach, 1);

	a->column = -1;
	check_keys(ld, m, attach_keys, "attach");
	if ((file == NULL) == (table == NULL))
		at(ld, m, "attach needs either file = \"...\" or table = \"...\"");
	if (file != NULL) {
		g_autofree char *shown = path_of(ld, file);
		a->file = g_canonicalize_filename(file, ld->cfg->dir);
		check_document(ld, m, shown, "attach: ");
		if (ld->owner != NULL)
			confine_document(ld, m, &a->file, file);
	} else if (table != NULL) {
		load_attach_table(ld, m, a, table);
	}
	a->kind = g_strdup(kind ? kind : file ? "document" : a->column >= 0 ? "document" : "table");
	a->name = g_strdup(name ? name : file ? file : table ? table : "");
	return a;
}

/* load_attach - attach = { ... } or ( { ... }, { ... } ). */
static GPtrArray *load_attach(Loader *ld, const config_setting_t *m)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)attach_free);

	if (config_setting_is_group(m)) {
		g_ptr_array_add(out, load_attach_one(ld, m));
		return out;
	}
	for (int i = 0; config_setting_is_list(m) && i < config_setting_length(m); i++) {
		config_setting_t *e = config_setting_get_elem(m, i);
		if (config_setting_is_group(e))
			g_ptr_array_add(out, load_attach_one(ld, e));
		else
			at(ld, e,
			   "each attachment is a group: { file = ...; } or { table = ...; }");
	}
	if (!config_setting_is_list(m))
		at(ld, m, "attach must be a group { ... } or a list ( { ... }, { ... } )");
	return out;
}

/* load_rule - one rule. */
static LrRule *load_rule(Loader *ld, const config_setting_t *s, const LrUser *owner,
                         const char *file)
{
	LrRule *r = g_new0(LrRule, 1);
	config_setting_t *m;
	const char *when;

	check_keys(ld, s, rule_keys, "a rule");
	r->file = file;
	r->line = line_of(s);
	r->name = g_strdup(get_str(ld, s, "name"));
	if ((when = get_str(ld, s, "when")) != NULL)
		r->when = compile(ld, config_setting_get_member(s, "when"), when, "");
	r->broken = (when == NULL && config_setting_get_member(s, "when") != NULL) ||
	            (when != NULL && r->when == NULL);
	if ((m = config_setting_get_member(s, "route")) != NULL)
		r->route = load_route(ld, m, r, owner);
	if ((m = config_setting_get_member(s, "priority")) != NULL)
		r->priority = load_priority(ld, m);
	if ((m = config_setting_get_member(s, "attach")) != NULL)
		r->attach = load_attach(ld, m);
	r->withhold = get_strv(ld, s, "withhold");
	if (!r->route && !r->priority && !r->attach && !r->withhold)
		at(ld, s, "this rule does nothing: give it route, priority, attach or withhold");
	return r;
}

/* check_rule_name - rule names are unique within their file (names maps
 * name -> first rule). */
static void check_rule_name(Loader *ld, const config_setting_t *s, GHashTable *names,
                            const LrRule *r)
{
	const LrRule *o = r->name ? g_hash_table_lookup(names, r->name) : NULL;

	if (o != NULL)
		at(ld, s, "rule name '%s' is used twice in this file (first at line %d)", r->name,
		   o->line);
	else if (r->name != NULL)
		g_hash_table_insert(names, r->name, (gpointer)r);
}

/* load_ruleset - the rules list of a file (owner NULL: the global rules). */
LrRuleSet *load_ruleset(Loader *ld, const config_setting_t *root, const LrUser *owner,
                        const char *file)
{
	config_setting_t *l = get_list(ld, root, "rules");
	LrRuleSet *set = g_new0(LrRuleSet, 1);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	set->file = file;
	set->owner = owner;
	set->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rule_free);
	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		if (!config_setting_is_group(e)) {
			at(ld, e, "each rule is a group: { name = ...; when = ...; route = ...; }");
			continue;
		}
		g_ptr_array_add(set->rules, load_rule(ld, e, owner, file));
		check_rule_name(ld, e, names, g_ptr_array_index(set->rules, set->rules->len - 1));
	}
	return set;
}
