/* parser.c - the inquiry parser (work in progress). */
#include "config.h"

#include "parser/parser.h"

struct LrParser {
	GHashTable *aliases;
};

/* parser_new - a parser with the built-in aliases plus aliases. */
LrParser *
parser_new(GHashTable *aliases, GError **error)
{
	LrParser *parser = g_new0(LrParser, 1);

	(void)error;
	parser->aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (aliases != NULL) {
		GHashTableIter iter;
		gpointer key, value;

		g_hash_table_iter_init(&iter, aliases);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_hash_table_replace(parser->aliases, g_strdup(key), g_strdup(value));
	}
	return parser;
}

/* parser_free - release the parser. */
void
parser_free(LrParser *parser)
{
	if (parser == NULL)
		return;
	g_hash_table_unref(parser->aliases);
	g_free(parser);
}
