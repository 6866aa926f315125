/* aliases.c - the form-label aliases of a configuration file alone
 * (fields.aliases), for `leadroute parse -c FILE`: read by the one
 * configuration reader (lr_config_read_fields), without the other groups. */
#include "config.h"

#include "lead/lr-error.h"
#include "rules/aliases.h"
#include "rules/lr-config.h"

/* lr_config_read_aliases - fields.aliases of the libconfig file path (label ->
 * field), or NULL with LR_ERROR_CONFIG "file:line: text". */
GHashTable *lr_config_read_aliases(const char *path, GError **error)
{
	g_autoptr(LrConfig) cfg = NULL;
	g_autoptr(GPtrArray) problems = lr_config_read_fields(path, &cfg);
	GHashTable *aliases;
	GHashTableIter it;
	gpointer label, field;

	if (cfg == NULL) {
		g_autofree char *all = NULL;

		g_ptr_array_add(problems, NULL);
		all = g_strjoinv("\n", (char **)problems->pdata);
		g_set_error_literal(error, LR_ERROR, LR_ERROR_CONFIG, all);
		return NULL;
	}
	aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_iter_init(&it, lr_config_field_aliases(cfg));
	while (g_hash_table_iter_next(&it, &label, &field))
		g_hash_table_insert(aliases, g_strdup(label), g_strdup(field));
	return aliases;
}
