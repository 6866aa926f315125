/* rules-fixture.c - what the rules tests share (rules-fixture.h). */
#include "config.h"

#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "tests/rules-fixture.h"

/* write_file - write text to dir/name (folders made as needed). */
void write_file(const char *dir, const char *name, const char *text)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *parent = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* remove_tree - delete a temporary folder. */
void remove_tree(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	g_assert_cmpint(system(cmd), ==, 0);
}

/* store_rr_get - rr_get over the store. */
guint64 store_rr_get(gpointer data, const char *key)
{
	guint64 *v = g_hash_table_lookup(((Store *)data)->rr, key);

	return v ? *v : 0;
}

/* store_rr_set - rr_set over the store. */
void store_rr_set(gpointer data, const char *key, guint64 value)
{
	g_hash_table_replace(((Store *)data)->rr, g_strdup(key), g_memdup2(&value, sizeof(value)));
}

/* store_open - open_leads over the store. */
guint store_open(gpointer data, const char *user)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(((Store *)data)->open, user));
}

/* store_away - away_until over the store. */
gint64 store_away(gpointer data, const char *user)
{
	gint64 *v = g_hash_table_lookup(((Store *)data)->away, user);

	return v ? *v : 0;
}
