/* confine.c - resolved paths inside allowed folders; @include lines of a
 * user's rule file. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rules/confine.h"

/* libconfig 1.5 follows at most this many nested includes. */
#define CONFINE_MAX_DEPTH 10

/* confine_real - realpath(3) as a GLib string, or NULL. */
static char *confine_real(const char *path)
{
	char *real = realpath(path, NULL);
	char *out = g_strdup(real);

	free(real);
	return out;
}

/* confine_under - TRUE when the resolved real lies below the resolved dir. */
static gboolean confine_under(const char *real, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return TRUE;
	return strncmp(real, dir, n) == 0 && real[n] == '/';
}

/* confine_path - resolve path and keep it only inside folders. */
char *confine_path(const char *path, const char *const *folders)
{
	g_autofree char *real = confine_real(path);

	for (guint i = 0; real && folders && folders[i]; i++) {
		g_autofree char *dir = confine_real(folders[i]);

		if (dir != NULL && confine_under(real, dir))
			return g_steal_pointer(&real);
	}
	return NULL;
}

/* confine_include_name - the file name of an "@include" line, or NULL when
 * line is not one; *bad is set when the name holds a backslash (an escape
 * this check would not read as libconfig does) or has no closing quote. */
static char *confine_include_name(const char *line, gboolean *bad)
{
	const char *p = line, *end;

	*bad = FALSE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "@include", 8) != 0)
		return NULL;
	for (p += 8; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '"' || (end = strchr(p + 1, '"')) == NULL || memchr(p, '\\', end - p)) {
		*bad = TRUE;
		return NULL;
	}
	return g_strndup(p + 1, end - p - 1);
}

/* confine_scan - check the includes of one file, recursively. */
static gboolean confine_scan(const char *path, const char *include_dir, const char *folder,
                             ConfineReportFunc report, gpointer data, int depth)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean ok = TRUE;

	if (depth > CONFINE_MAX_DEPTH || !g_file_get_contents(path, &text, NULL, NULL))
		return TRUE;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gboolean bad;
		g_autofree char *name = confine_include_name(lines[i], &bad);
		g_autofree char *full = NULL, *real = NULL;
		const char *const folders[] = {folder, NULL};

		if (name == NULL && !bad)
			continue;
		full = name == NULL || g_path_is_absolute(name)
		           ? g_strdup(name)
		           : g_build_filename(include_dir, name, NULL);
		real = full ? confine_path(full, folders) : NULL;
		if (real == NULL) {
			g_autofree char *msg = g_strdup_printf(
			    "a user's rule file may @include only files inside its own folder "
			    "%s (no \"..\", no link or absolute path out of it)",
			    include_dir);
			report(data, path, (int)i + 1, msg);
			ok = FALSE;
		} else if (!confine_scan(real, include_dir, folder, report, data, depth + 1)) {
			ok = FALSE;
		}
	}
	return ok;
}

/* confine_includes - every @include of path must stay inside folder. */
gboolean confine_includes(const char *path, const char *include_dir, const char *folder,
                          ConfineReportFunc report, gpointer data)
{
	return confine_scan(path, include_dir, folder, report, data, 0);
}
