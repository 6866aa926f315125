/* aliases.c - the form-label aliases of a configuration file alone
 * (fields.aliases), for `leadroute parse -c FILE`. */
#include "config.h"

#include <libconfig.h>

#include "lead/lr-error.h"
#include "rules/aliases.h"

/* alias_add - the labels of one fields.aliases member. */
static void alias_add(GHashTable *aliases, config_setting_t *member)
{
	const char *field = config_setting_name(member);

	if (config_setting_type(member) == CONFIG_TYPE_STRING) {
		g_hash_table_replace(aliases, g_strdup(config_setting_get_string(member)),
		                     g_strdup(field));
		return;
	}
	for (int i = 0; i < config_setting_length(member); i++) {
		const char *label = config_setting_get_string_elem(member, i);

		if (label != NULL)
			g_hash_table_replace(aliases, g_strdup(label), g_strdup(field));
	}
}

/* lr_config_read_aliases - fields.aliases of the libconfig file path (label ->
 * field), or NULL with LR_ERROR_CONFIG "file:line: text". */
GHashTable *lr_config_read_aliases(const char *path, GError **error)
{
	config_t config;
	config_setting_t *group;
	GHashTable *aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	config_init(&config);
	if (!config_read_file(&config, path)) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "%s:%d: %s",
		            config_error_file(&config) ? config_error_file(&config) : path,
		            config_error_line(&config), config_error_text(&config));
		config_destroy(&config);
		g_hash_table_unref(aliases);
		return NULL;
	}
	group = config_lookup(&config, "fields.aliases");
	for (int i = 0;
	     group != NULL && config_setting_is_group(group) && i < config_setting_length(group);
	     i++)
		alias_add(aliases, config_setting_get_elem(group, i));
	config_destroy(&config);
	return aliases;
}
