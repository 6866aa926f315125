/* country.c - country names to ISO 3166-1 alpha-2 codes, from the table
 * embedded in the library. */
#include "config.h"

#include <string.h>

#include "lead/lr-error.h"
#include "parser/country.h"
#include "parser/labels.h"
#include "parser/parser-resources.h"

#define COUNTRY_RESOURCE "/org/leadroute/parser/countries.tsv"

/* country_add_line - add one "CODE\tname" line; FALSE when malformed. */
static gboolean country_add_line(GHashTable *table, const char *line)
{
	const char *tab = strchr(line, '\t');
	g_autofree char *code = NULL;

	if (tab == NULL || tab - line != 2 || !g_ascii_isupper(line[0]) ||
	    !g_ascii_isupper(line[1]) || tab[1] == '\0')
		return FALSE;
	code = g_strndup(line, 2);
	g_hash_table_insert(table, labels_fold(tab + 1, 0), g_strdup(code));
	g_hash_table_insert(table, g_ascii_strdown(code, -1), g_strdup(code));
	return TRUE;
}

/* country_table_load - read the embedded table. */
GHashTable *country_table_load(GError **error)
{
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GHashTable) table = NULL;
	g_auto(GStrv) lines = NULL;
	gsize n = 0;

	data = g_resource_lookup_data(parser_res_get_resource(), COUNTRY_RESOURCE,
	                              G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	if (data == NULL) {
		g_set_error(error, LR_ERROR, LR_ERROR_PERM, "country table missing");
		return NULL;
	}
	table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	lines = g_strsplit(g_bytes_get_data(data, NULL), "\n", -1);
	for (char **l = lines; *l != NULL; l++, n++) {
		if (**l == '\0' || **l == '#')
			continue;
		if (!country_add_line(table, *l)) {
			g_set_error(error, LR_ERROR, LR_ERROR_PERM,
			            "countries.tsv:%zu: expected CODE<TAB>name", n + 1);
			return NULL;
		}
	}
	return g_steal_pointer(&table);
}

/* country_lookup - code for a written country. */
const char *country_lookup(GHashTable *table, const char *text)
{
	g_autofree char *key = NULL;

	if (text == NULL || strlen(text) > 200)
		return NULL;
	key = labels_fold(text, 0);
	if (g_str_has_prefix(key, "the") && g_hash_table_lookup(table, key) == NULL)
		return g_hash_table_lookup(table, key + 3);
	return g_hash_table_lookup(table, key);
}
