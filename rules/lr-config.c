/* lr-config.c - read leadroute.conf and the users' rule files (libconfig)
 * into typed structs, noting every problem as "file:line: message". */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <libconfig.h>

#include "lead/lr-error.h"
#include "rules/lr-config.h"
#include "rules/suggest.h"
#include "rules/lr-config-int.h"
#include "rules/server-config-int.h"

static const char *const table_keys[] = {"name", "file", "key", NULL};

/* ---- problems ---- */

/* problem_free - destroy a problem. */
static void problem_free(Problem *p)
{
	g_free(p->text);
	g_free(p);
}

/* problem_order - sort by file, then line. */
static gint problem_order(gconstpointer a, gconstpointer b)
{
	const Problem *x = *(Problem *const *)a, *y = *(Problem *const *)b;

	return x->rank != y->rank ? x->rank - y->rank : x->line - y->line;
}

/* ---- workflow ---- */

/* lr_config_workflow - the workflow for a lead kept by user. */
LrWorkflow lr_config_workflow(const LrConfig *cfg, const LrUser *user)
{
	LrWorkflow wf = cfg->workflow;

	if (user == NULL)
		return wf;
	if (user->workflow.accept_within >= 0)
		wf.accept_within = user->workflow.accept_within;
	if (user->workflow.remind_after >= 0)
		wf.remind_after = user->workflow.remind_after;
	if (user->workflow.contact_within >= 0)
		wf.contact_within = user->workflow.contact_within;
	if (user->workflow.max_rejections >= 0)
		wf.max_rejections = user->workflow.max_rejections;
	if (user->workflow.max_away > 0)
		wf.max_away = user->workflow.max_away;
	if (user->workflow.withhold != NULL)
		wf.withhold = user->workflow.withhold;
	return wf;
}

/* ---- fields, tables ---- */

/* load_fields - the fields group: label aliases. */
static void load_fields(Loader *ld, const config_setting_t *root)
{
	config_setting_t *g = get_group(ld, root, "fields");
	config_setting_t *aliases = get_group(ld, g, "aliases");
	static const char *const keys[] = {"aliases", NULL};

	if (g != NULL)
		check_keys(ld, g, keys, "fields");
	for (int i = 0; aliases && i < config_setting_length(aliases); i++) {
		config_setting_t *m = config_setting_get_elem(aliases, i);
		const char *field = config_setting_name(m);
		g_auto(GStrv) labels = strv_of(ld, m, field);

		for (int j = 0; labels[j] != NULL; j++) {
			char *label = g_utf8_strdown(labels[j], -1);
			const char *old = g_hash_table_lookup(ld->cfg->aliases, label);

			if (old != NULL && strcmp(old, field) != 0)
				at(ld, m, "label '%s' is already an alias of '%s'", labels[j], old);
			g_hash_table_replace(ld->cfg->aliases, label, g_strdup(field));
		}
	}
}

/* load_table - one entry of the tables list. */
static void load_table(Loader *ld, const config_setting_t *s)
{
	const char *name = get_str(ld, s, "name"), *file = get_str(ld, s, "file");
	const char *key = get_str(ld, s, "key");
	g_autoptr(GPtrArray) why = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *path = NULL;
	LrTable *t;

	check_keys(ld, s, table_keys, "a table");
	if (name == NULL || file == NULL || key == NULL) {
		at(ld, s, "a table needs name, file and key");
		return;
	}
	if (lr_config_table(ld->cfg, name) != NULL) {
		at(ld, s, "table '%s' is defined twice", name);
		return;
	}
	path = path_of(ld, file);
	file_rank(ld, path);
	if ((t = table_load(name, path, key, why)) == NULL) {
		at(ld, s, "table '%s': %s", name, (char *)g_ptr_array_index(why, 0));
		return;
	}
	for (guint i = 0; i < why->len; i++) {
		char *msg = (char *)g_ptr_array_index(why, i) + strlen(path) + 1;
		int line = (int)g_ascii_strtoll(msg, &msg, 10);
		note(ld, path, line, "%s", msg + 2);
	}
	g_ptr_array_add(ld->cfg->tables, t);
}

/* load_tables - the tables list. */
static void load_tables(Loader *ld, const config_setting_t *root)
{
	config_setting_t *l = get_list(ld, root, "tables");

	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		if (config_setting_is_group(e))
			load_table(ld, e);
		else
			at(ld, e, "each table is a group: { name = ...; file = ...; key = ...; }");
	}
}

/* ---- the whole file ---- */

/* load_server - the server group, through server-config's key table. */
static void load_server(Loader *ld, const char *file, const config_t *conf,
                        const config_setting_t *root)
{
	config_setting_t *g = config_setting_get_member(root, "server");

	if (g != NULL && config_setting_is_group(g))
		check_keys(ld, g, server_config_key_names(), "server");
	ld->cfg->server = server_config_fill(conf, file, note_report, ld);
}

/* merge_withhold - a user's workflow.withhold adds to the admin's, never
 * lifts it: the user's list becomes the admin's and the user's together. */
static void merge_withhold(LrConfig *cfg)
{
	for (guint i = 0; i < cfg->users->len; i++) {
		LrUser *u = g_ptr_array_index(cfg->users, i);
		GPtrArray *all;

		if (u->workflow.withhold == NULL)
			continue;
		all = g_ptr_array_new();
		for (int k = 0; cfg->workflow.withhold && cfg->workflow.withhold[k]; k++)
			g_ptr_array_add(all, g_strdup(cfg->workflow.withhold[k]));
		for (int k = 0; u->workflow.withhold[k]; k++)
			if (!g_ptr_array_find_with_equal_func(all, u->workflow.withhold[k],
			                                      g_str_equal, NULL))
				g_ptr_array_add(all, g_strdup(u->workflow.withhold[k]));
		g_ptr_array_add(all, NULL);
		g_strfreev(u->workflow.withhold);
		u->workflow.withhold = (char **)g_ptr_array_free(all, FALSE);
	}
}

/* load_main - everything in the main file. */
static void load_main(Loader *ld, const char *file, config_t *conf)
{
	config_setting_t *root = config_root_setting(conf);
	LrConfig *cfg = ld->cfg;

	check_keys(ld, root, top_keys, "the top level");
	load_server(ld, file, conf, root);
	load_fields(ld, root);
	load_tables(ld, root);
	load_users(ld, root);
	load_servers(ld, root);
	load_sources(ld, root);
	load_workflow(ld, root, &cfg->workflow);
	load_digest(ld, root);
	if (cfg->workflow.accept_within < 0)
		cfg->workflow.accept_within = LR_DEFAULT_ACCEPT_WITHIN;
	if (cfg->workflow.remind_after < 0)
		cfg->workflow.remind_after = LR_DEFAULT_REMIND_AFTER;
	if (cfg->workflow.max_rejections < 0)
		cfg->workflow.max_rejections = LR_DEFAULT_MAX_REJECTIONS;
	merge_withhold(cfg);
	if (cfg->workflow.max_away < 0)
		cfg->workflow.max_away = LR_DEFAULT_MAX_AWAY;
	cfg->rules = load_ruleset(ld, root, NULL, file_of(ld, root, "(embedded default)"));
}

/* lr_config_new - an empty configuration. */
static LrConfig *lr_config_new(const char *file)
{
	LrConfig *cfg = g_new0(LrConfig, 1);

	cfg->file = g_strdup(file ? file : "(embedded default)");
	cfg->strings = g_string_chunk_new(1024);
	cfg->aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cfg->tables = g_ptr_array_new_with_free_func((GDestroyNotify)table_free);
	cfg->users = g_ptr_array_new_with_free_func((GDestroyNotify)user_free);
	cfg->user_index = g_hash_table_new(g_str_hash, g_str_equal);
	cfg->addr_index = g_hash_table_new(g_str_hash, g_str_equal);
	cfg->team_index =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
	cfg->servers = g_ptr_array_new_with_free_func((GDestroyNotify)server_free);
	cfg->sources = g_ptr_array_new_with_free_func((GDestroyNotify)lr_source_free);
	return cfg;
}

/* loader_finish - sort the problems and hand back their texts. */
static GPtrArray *loader_finish(Loader *ld)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_sort(ld->problems, problem_order);
	for (guint i = 0; i < ld->problems->len; i++) {
		Problem *p = g_ptr_array_index(ld->problems, i);
		g_ptr_array_add(out, g_steal_pointer(&p->text));
	}
	g_ptr_array_free(ld->problems, TRUE);
	g_hash_table_destroy(ld->ranks);
	g_array_free(ld->weights, TRUE);
	g_free(ld->base);
	return out;
}

/* read_main - read the main file (only its fields group when fields_only)
 * and run pass over it; as lr_config_read_full. */
static GPtrArray *read_main(const char *path, LrConfigPassFunc pass, LrConfig **out,
                            LrServerConfig **server, gboolean fields_only)
{
	const char *file = server_config_resolve(path);
	g_autofree char *dir = file ? g_path_get_dirname(file) : g_strdup(".");
	Loader ld = {0};
	config_t conf;
	GPtrArray *problems;

	ld.cfg = lr_config_new(file);
	ld.problems = g_ptr_array_new_with_free_func((GDestroyNotify)problem_free);
	ld.ranks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ld.base = g_strdup(strcmp(dir, ".") == 0 ? "" : dir);
	ld.weights = g_array_new(FALSE, FALSE, sizeof(double));
	ld.cfg->dir = g_canonicalize_filename(dir, NULL);
	file_rank(&ld, ld.cfg->file);
	config_init(&conf);
	if (read_conf(&ld, &conf, file)) {
		if (fields_only)
			load_fields(&ld, config_root_setting(&conf));
		else
			load_main(&ld, file, &conf);
		if (pass != NULL)
			pass(ld.cfg, note_report, &ld);
	}
	config_destroy(&conf);
	problems = loader_finish(&ld);
	if (server != NULL)
		*server = problems->len > 0 ? g_steal_pointer(&ld.cfg->server) : NULL;
	if (problems->len > 0)
		g_clear_pointer(&ld.cfg, lr_config_free);
	if (out != NULL)
		*out = ld.cfg;
	else
		lr_config_free(ld.cfg);
	return problems;
}

/* lr_config_read - read a configuration and run pass over it. */
GPtrArray *lr_config_read(const char *path, LrConfigPassFunc pass, LrConfig **out)
{
	return lr_config_read_full(path, pass, out, NULL);
}

/* lr_config_read_full - lr_config_read, also handing back the server group. */
GPtrArray *lr_config_read_full(const char *path, LrConfigPassFunc pass, LrConfig **out,
                               LrServerConfig **server)
{
	return read_main(path, pass, out, server, FALSE);
}

/* lr_config_read_fields - the fields group alone. */
GPtrArray *lr_config_read_fields(const char *path, LrConfig **out)
{
	return read_main(path, NULL, out, NULL, TRUE);
}

/* lr_config_free - destroy a configuration. */
void lr_config_free(LrConfig *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->rules != NULL)
		ruleset_free(cfg->rules);
	g_clear_pointer(&cfg->digest, digest_config_free);
	g_ptr_array_free(cfg->users, TRUE);
	g_ptr_array_free(cfg->servers, TRUE);
	if (cfg->sources != NULL)
		g_ptr_array_free(cfg->sources, TRUE);
	g_ptr_array_free(cfg->tables, TRUE);
	g_hash_table_destroy(cfg->user_index);
	g_hash_table_destroy(cfg->addr_index);
	g_hash_table_destroy(cfg->team_index);
	g_hash_table_destroy(cfg->aliases);
	g_strfreev(cfg->workflow.withhold);
	g_string_chunk_free(cfg->strings);
	server_config_free(cfg->server);
	g_free(cfg->file);
	g_free(cfg->dir);
	g_free(cfg);
}

/* lr_config_field_aliases - label -> field. */
GHashTable *lr_config_field_aliases(const LrConfig *cfg)
{
	return cfg->aliases;
}
