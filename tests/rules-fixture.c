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
