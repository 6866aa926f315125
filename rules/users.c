/* users.c - the users and secondary servers of a configuration: loading them, and the look-ups over
 * them. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
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

static const char *const user_keys[] = {"id",        "name",  "email",     "addresses", "role",
                                        "manages",   "team",  "territory", "capacity",  "hours",
                                        "may_route", "rules", "documents", NULL};

static const char *const server_entry_keys[] = {"id",
                                                "deliver",
                                                "format",
                                                "withhold",
                                                "name",
                                                "secret_file",
                                                "previous_secret_file",
                                                "accept_within",
                                                "ca_file",
                                                NULL};

/* user_free - destroy a user. */
void user_free(LrUser *u)
{
	for (guint i = 0; u->hours && i < u->hours->len; i++)
		g_time_zone_unref(g_array_index(u->hours, LrHours, i).tz);
	if (u->hours)
		g_array_free(u->hours, TRUE);
	if (u->rules)
		ruleset_free(u->rules);
	if (u->attrs)
		g_hash_table_destroy(u->attrs);
	g_strfreev(u->addresses);
	g_strfreev(u->manages);
	g_strfreev(u->may_route);
	g_strfreev(u->documents);
	g_strfreev(u->workflow.withhold);
	g_free(u->id);
	g_free(u->name);
	g_free(u->email);
	g_free(u->role);
	g_free(u->manager);
	g_free(u->team);
	g_free(u->territory);
	g_free(u->rules_file);
	g_free(u);
}

/* server_free - destroy a server entry. */
void server_free(LrServer *s)
{
	g_free(s->id);
	g_free(s->deliver);
	g_free(s->format);
	g_strfreev(s->withhold);
	g_free(s->secret_file);
	g_free(s->previous_secret_file);
	g_free(s->name);
	g_free(s->ca_file);
	g_free(s);
}

/* scalar_text - a scalar or a list of scalars as text ("a, b"); NULL for
 * groups. */
static char *scalar_text(const config_setting_t *m)
{
	GString *out;

	switch (config_setting_type(m)) {
	case CONFIG_TYPE_STRING:
		return g_strdup(config_setting_get_string(m));
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return g_strdup_printf("%lld", config_setting_get_int64(m));
	case CONFIG_TYPE_FLOAT:
		return g_strdup_printf("%g", config_setting_get_float(m));
	case CONFIG_TYPE_BOOL:
		return g_strdup(config_setting_get_bool(m) ? "true" : "false");
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		out = g_string_new(NULL);
		for (int i = 0; i < config_setting_length(m); i++) {
			g_autofree char *e = scalar_text(config_setting_get_elem(m, i));
			g_string_append_printf(out, "%s%s", i ? ", " : "", e ? e : "");
		}
		return g_string_free(out, FALSE);
	}
	return NULL;
}

/* load_user_attrs - every member as an attribute; members that look like
 * a misspelt known key are problems. */
static void load_user_attrs(Loader *ld, LrUser *u, const config_setting_t *s)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);
		char *text = scalar_text(m);
		const char *guess =
		    g_strv_contains(user_keys, name) ? NULL : suggest_word(name, user_keys);

		if (guess != NULL)
			at(ld, m, "unknown key '%s' in a user (did you mean '%s'?)", name, guess);
		if (text == NULL)
			at(ld, m, "user attribute '%s' must be text, a number or a list", name);
		else
			g_hash_table_replace(u->attrs, g_strdup(name), text);
	}
}

/* load_user_addresses - email and addresses, lower case, indexed. */
static void load_user_addresses(Loader *ld, LrUser *u, const config_setting_t *s)
{
	g_auto(GStrv) more = get_strv(ld, s, "addresses");
	GPtrArray *all = g_ptr_array_new();

	if (u->email != NULL)
		g_ptr_array_add(all, g_ascii_strdown(u->email, -1));
	for (int i = 0; more && more[i]; i++)
		g_ptr_array_add(all, g_ascii_strdown(more[i], -1));
	g_ptr_array_add(all, NULL);
	u->addresses = (char **)g_ptr_array_free(all, FALSE);
	for (int i = 0; u->addresses[i] != NULL; i++) {
		LrUser *other = g_hash_table_lookup(ld->cfg->addr_index, u->addresses[i]);
		if (strchr(u->addresses[i], '@') == NULL)
			at(ld, s, "user '%s': '%s' is not an e-mail address", u->id,
			   u->addresses[i]);
		else if (other != NULL && other != u)
			at(ld, s, "user '%s': address %s already belongs to '%s'", u->id,
			   u->addresses[i], other->id);
		else
			g_hash_table_insert(ld->cfg->addr_index, u->addresses[i], u);
	}
}

static void load_user_file(Loader *ld, LrUser *u, const config_setting_t *s);

/* load_user_fields - the known keys of one user. */
static void load_user_fields(Loader *ld, LrUser *u, const config_setting_t *s)
{
	double cap = 0;

	u->name = g_strdup(get_str(ld, s, "name"));
	u->email = g_strdup(get_str(ld, s, "email"));
	u->role = g_strdup(get_str(ld, s, "role"));
	u->team = g_strdup(get_str(ld, s, "team"));
	u->territory = g_strdup(get_str(ld, s, "territory"));
	u->manages = get_strv(ld, s, "manages");
	u->may_route = get_strv(ld, s, "may_route");
	u->documents = get_strv(ld, s, "documents");
	u->rules_file = g_strdup(get_str(ld, s, "rules"));
	if (get_num(ld, s, "capacity", &cap) && (cap < 0 || cap != (int)cap))
		at(ld, config_setting_get_member(s, "capacity"),
		   "'capacity' must be a whole number of open leads (0: no limit)");
	u->capacity = cap > 0 ? (int)cap : 0;
	if (u->email == NULL)
		at(ld, s, "user '%s' needs an email", u->id);
	load_hours(ld, u, s);
	load_user_addresses(ld, u, s);
}

/* load_user - one entry of the users list. */
static void load_user(Loader *ld, const config_setting_t *s)
{
	const char *id = get_str(ld, s, "id");
	LrUser *u, *old;

	if (id == NULL || *id == '\0' || strchr(id, ':') || strchr(id, ' ')) {
		at(ld, s, "a user needs an id without spaces or ':': id = \"anna\";");
		return;
	}
	if ((old = g_hash_table_lookup(ld->cfg->user_index, id)) != NULL) {
		at(ld, s, "user id '%s' is used twice (first at line %d)", id, old->line);
		return;
	}
	u = g_new0(LrUser, 1);
	u->id = g_strdup(id);
	u->file = file_of(ld, s, "(embedded default)");
	u->line = line_of(s);
	u->hours = g_array_new(FALSE, TRUE, sizeof(LrHours));
	u->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	u->workflow = (LrWorkflow){.accept_within = -1,
	                           .remind_after = -1,
	                           .max_rejections = -1,
	                           .max_away = -1,
	                           .contact_within = -1};
	g_ptr_array_add(ld->cfg->users, u);
	g_hash_table_insert(ld->cfg->user_index, u->id, u);
	load_user_fields(ld, u, s);
	load_user_attrs(ld, u, s);
	if (u->rules_file != NULL)
		load_user_file(ld, u, config_setting_get_member(s, "rules"));
}

/* link_managers - derive each user's manager from `manages`. */
static void link_managers(Loader *ld, const config_setting_t *list)
{
	for (guint i = 0; i < ld->cfg->users->len; i++) {
		LrUser *m = g_ptr_array_index(ld->cfg->users, i);
		config_setting_t *s = config_setting_get_elem(list, i);

		for (int j = 0; m->manages && m->manages[j]; j++) {
			LrUser *u = g_hash_table_lookup(ld->cfg->user_index, m->manages[j]);
			config_setting_t *ms = config_setting_get_member(s, "manages");

			if (u == NULL)
				at(ld, ms, "user '%s' manages '%s', who is not a user", m->id,
				   m->manages[j]);
			else if (u == m)
				at(ld, ms, "user '%s' cannot manage themselves", m->id);
			else if (u->manager != NULL && strcmp(u->manager, m->id) != 0)
				at(ld, ms, "user '%s' is managed by both '%s' and '%s'", u->id,
				   u->manager, m->id);
			else
				u->manager = g_strdup(m->id);
		}
	}
}

/* user_attrs_fill - the built-in attributes, as user.<attr> sees them. */
static void user_attrs_fill(LrUser *u)
{
	g_autofree char *cap = g_strdup_printf("%d", u->capacity);
	const char *pairs[][2] = {{"id", u->id},           {"name", u->name},
	                          {"email", u->email},     {"role", u->role},
	                          {"team", u->team},       {"territory", u->territory},
	                          {"manager", u->manager}, {"capacity", cap}};

	g_hash_table_remove(u->attrs, "hours");
	g_hash_table_remove(u->attrs, "rules");
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++)
		if (pairs[i][1] != NULL)
			g_hash_table_replace(u->attrs, g_strdup(pairs[i][0]),
			                     g_strdup(pairs[i][1]));
}

/* load_users - the users list. */
void load_users(Loader *ld, const config_setting_t *root)
{
	config_setting_t *l = get_list(ld, root, "users");
	int n = 0;

	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		if (config_setting_is_group(e))
			load_user(ld, e), n++;
		else
			at(ld, e, "each user is a group: { id = ...; name = ...; email = ...; }");
	}
	if (l == NULL)
		note(ld, ld->cfg->file, 0, "no users: add users = ( { id = ...; ... } );");
	else if ((guint)n == ld->cfg->users->len)
		link_managers(ld, l);
	for (guint i = 0; i < ld->cfg->users->len; i++) {
		LrUser *u = g_ptr_array_index(ld->cfg->users, i);
		GPtrArray *team =
		    u->team ? g_hash_table_lookup(ld->cfg->team_index, u->team) : NULL;

		user_attrs_fill(u);
		if (u->team != NULL && team == NULL) {
			team = g_ptr_array_new();
			g_hash_table_insert(ld->cfg->team_index, u->team, team);
		}
		if (team != NULL)
			g_ptr_array_add(team, u);
	}
}

/* server_federation - a server entry's federation keys. */
static void server_federation(Loader *ld, const config_setting_t *s, LrServer *srv)
{
	const char *secret = get_str(ld, s, "secret_file");
	const char *previous = get_str(ld, s, "previous_secret_file");
	config_setting_t *m = config_setting_get_member(s, "accept_within");
	const char *within =
	    m && config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : NULL;

	srv->secret_file = secret ? path_of(ld, secret) : NULL;
	srv->previous_secret_file = previous ? path_of(ld, previous) : NULL;
	srv->name = g_strdup(get_str(ld, s, "name"));
	srv->accept_within = -1;
	if (m && (config_setting_type(m) == CONFIG_TYPE_INT ||
	          config_setting_type(m) == CONFIG_TYPE_INT64))
		srv->accept_within = config_setting_get_int64(m);
	else
		srv->accept_within = within ? lr_config_duration(within) : (m ? -2 : -1);
	if (m && srv->accept_within < 0)
		at(ld, m, "server '%s': accept_within must be a duration such as \"8h\"", srv->id);
	if (previous && secret == NULL)
		at(ld, s, "server '%s': previous_secret_file needs secret_file", srv->id);
}

/* server_ca_file - the CAs an https deliver is verified with. */
static void server_ca_file(Loader *ld, const config_setting_t *s, LrServer *srv)
{
	const char *ca = get_str(ld, s, "ca_file");

	if (ca == NULL)
		return;
	srv->ca_file = path_of(ld, ca);
	if (srv->deliver == NULL || !g_str_has_prefix(srv->deliver, "https://"))
		at(ld, s, "server '%s': ca_file is only used with an https:// deliver", srv->id);
	else if (!g_file_test(srv->ca_file, G_FILE_TEST_IS_REGULAR))
		at(ld, s, "server '%s': ca_file %s does not exist", srv->id, srv->ca_file);
}

/* load_server_entry - one entry of the servers list: where leads go
 * (deliver), or, for a peer that only sends us leads and status, its
 * secret alone. */
static void load_server_entry(Loader *ld, const config_setting_t *s)
{
	const char *id = get_str(ld, s, "id"), *deliver = get_str(ld, s, "deliver");
	const char *format = get_str(ld, s, "format");
	LrServer *srv;

	check_keys(ld, s, server_entry_keys, "a server");
	if (id == NULL || (deliver == NULL && get_str(ld, s, "secret_file") == NULL)) {
		at(ld, s,
		   "a server needs id and deliver (or, for a peer that only sends "
		   "to us, secret_file)");
		return;
	}
	if (lr_config_server(ld->cfg, id) != NULL)
		at(ld, s, "server '%s' is defined twice", id);
	if (format != NULL && strcmp(format, "leadroute") != 0 && strcmp(format, "adf") != 0)
		at(ld, s, "server '%s': format must be \"leadroute\" or \"adf\"", id);
	srv = g_new0(LrServer, 1);
	srv->id = g_strdup(id);
	srv->deliver = g_strdup(deliver);
	srv->format = g_strdup(format ? format : "leadroute");
	srv->withhold = get_strv(ld, s, "withhold");
	server_federation(ld, s, srv);
	server_ca_file(ld, s, srv);
	srv->file = file_of(ld, s, "(embedded default)");
	srv->line = line_of(s);
	g_ptr_array_add(ld->cfg->servers, srv);
}

/* load_servers - the servers list. */
void load_servers(Loader *ld, const config_setting_t *root)
{
	config_setting_t *l = get_list(ld, root, "servers");

	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		if (config_setting_is_group(e))
			load_server_entry(ld, e);
		else
			at(ld, e, "each server is a group: { id = ...; deliver = ...; }");
	}
}

/* check_user_file_keys - a user's file holds rules and workflow only. */
static void check_user_file_keys(Loader *ld, const config_setting_t *root)
{
	static const char *const keys[] = {"rules", "workflow", NULL};

	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *m = config_setting_get_elem(root, i);
		const char *name = config_setting_name(m);

		if (g_strv_contains(keys, name))
			continue;
		if (g_strv_contains(top_keys, name))
			at(ld, m,
			   "a user's rule file cannot set '%s' (only rules and workflow; "
			   "the rest belongs in leadroute.conf)",
			   name);
		else
			unknown_key(ld, m, keys, "a user's rule file");
	}
}

/* include_report - confine_includes' report: a problem at file:line. */
static void include_report(gpointer data, const char *file, int line, const char *message)
{
	note(data, file, line, "%s", message);
}

/* load_user_file - read a user's own rule file (its @includes only from
 * its own folder, its documents only from the admin's folders). */
static void load_user_file(Loader *ld, LrUser *u, const config_setting_t *s)
{
	g_autofree char *path = path_of(ld, u->rules_file);
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *real = NULL, *folder = NULL;
	config_t conf;

	file_rank(ld, path);
	if (g_access(path, R_OK) != 0 || (real = realpath(path, NULL)) == NULL) {
		at(ld, s, "user '%s': cannot read rules file %s: %s", u->id, path,
		   g_strerror(errno));
		return;
	}
	folder = g_path_get_dirname(real);
	if (!confine_includes(path, dir, folder, include_report, ld))
		return;
	config_init(&conf);
	ld->owner = u;
	if (read_conf(ld, &conf, path)) {
		config_setting_t *root = config_root_setting(&conf);
		check_user_file_keys(ld, root);
		load_workflow(ld, root, &u->workflow);
		u->rules =
		    load_ruleset(ld, root, u, g_string_chunk_insert_const(ld->cfg->strings, path));
	}
	ld->owner = NULL;
	config_destroy(&conf);
}

/* lr_config_user - a user by id. */
const LrUser *lr_config_user(const LrConfig *cfg, const char *id)
{
	return id ? g_hash_table_lookup(cfg->user_index, id) : NULL;
}

/* lr_config_user_by_address - a user by one of their addresses. */
const LrUser *lr_config_user_by_address(const LrConfig *cfg, const char *addr)
{
	const char *lt = addr ? strrchr(addr, '<') : NULL;
	g_autofree char *bare = g_strdup(lt ? lt + 1 : addr ? addr : "");
	char *gt = strchr(bare, '>');

	if (gt != NULL)
		*gt = '\0';
	g_strstrip(bare);
	for (char *c = bare; *c; c++)
		*c = g_ascii_tolower(*c);
	return g_hash_table_lookup(cfg->addr_index, bare);
}

/* lr_config_user_manager - a user's manager. */
const LrUser *lr_config_user_manager(const LrConfig *cfg, const char *id)
{
	const LrUser *u = lr_config_user(cfg, id);

	return u ? lr_config_user(cfg, u->manager) : NULL;
}

/* lr_config_admin - the first admin. */
const LrUser *lr_config_admin(const LrConfig *cfg)
{
	for (guint i = 0; i < cfg->users->len; i++) {
		const LrUser *u = g_ptr_array_index(cfg->users, i);
		if (g_strcmp0(u->role, "admin") == 0)
			return u;
	}
	return NULL;
}

/* lr_config_server - a secondary server by id. */
const LrServer *lr_config_server(const LrConfig *cfg, const char *id)
{
	for (guint i = 0; i < cfg->servers->len; i++)
		if (strcmp(((LrServer *)g_ptr_array_index(cfg->servers, i))->id, id) == 0)
			return g_ptr_array_index(cfg->servers, i);
	return NULL;
}

/* lr_config_team - the members of a team. */
GPtrArray *lr_config_team(const LrConfig *cfg, const char *name)
{
	GPtrArray *team = g_hash_table_lookup(cfg->team_index, name);

	return team ? g_ptr_array_copy(team, NULL, NULL) : g_ptr_array_new();
}

/* manages_below - TRUE when boss manages user, directly or through others. */
static gboolean manages_below(const LrConfig *cfg, const char *boss, const LrUser *user)
{
	for (guint hops = 0; user != NULL && hops < cfg->users->len; hops++) {
		if (g_strcmp0(user->manager, boss) == 0)
			return TRUE;
		user = lr_config_user(cfg, user->manager);
	}
	return FALSE;
}

/* may_route_user - the permission test for one user target. */
static gboolean may_route_user(const LrConfig *cfg, const LrUser *from, const char *to)
{
	const LrUser *t = lr_config_user(cfg, to);

	if (t == NULL)
		return FALSE;
	return strcmp(from->id, to) == 0 || g_strcmp0(from->manager, to) == 0 ||
	       (from->may_route && g_strv_contains((const char *const *)from->may_route, to)) ||
	       manages_below(cfg, from->id, t);
}

/* lr_config_may_route - whether from_user may send a lead to `to`. */
gboolean lr_config_may_route(const LrConfig *cfg, const char *from_user, const char *to)
{
	const LrUser *from = lr_config_user(cfg, from_user);
	g_autoptr(GPtrArray) team = NULL;

	if (from == NULL || to == NULL)
		return FALSE;
	if (g_strcmp0(from->role, "admin") == 0 || strcmp(to, "manager") == 0)
		return TRUE;
	if (from->may_route && g_strv_contains((const char *const *)from->may_route, to))
		return TRUE;
	if (g_str_has_prefix(to, "server:"))
		return FALSE;
	if (!g_str_has_prefix(to, "team:"))
		return may_route_user(cfg, from, to);
	team = lr_config_team(cfg, to + 5);
	for (guint i = 0; i < team->len; i++)
		if (!may_route_user(cfg, from, ((LrUser *)g_ptr_array_index(team, i))->id))
			return FALSE;
	return team->len > 0;
}
