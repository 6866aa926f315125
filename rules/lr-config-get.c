/* lr-config-get.c - the Loader's helpers that every part of the
 * configuration reader uses (lr-config.c, users.c, ruleset.c, sources.c,
 * digest-config.c): problems noted as "file:line: message", typed getters
 * of settings, hours and workflow groups, tables.  Calls none of them. */
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

const char *const top_keys[] = {"server", "fields",   "tables",  "users", "servers",
                                "rules",  "workflow", "sources", NULL};
static const char *const workflow_keys[] = {
    "accept_within", "remind_after",   "max_rejections", "withhold",
    "max_away",      "contact_within", "digest",         NULL};

/* file_rank - the order in which file first appeared. */
int file_rank(Loader *ld, const char *file)
{
	gpointer rank;

	if (g_hash_table_lookup_extended(ld->ranks, file, NULL, &rank))
		return GPOINTER_TO_INT(rank);
	rank = GINT_TO_POINTER(g_hash_table_size(ld->ranks));
	g_hash_table_insert(ld->ranks, g_strdup(file), rank);
	return GPOINTER_TO_INT(rank);
}

/* note - record a problem at file:line (line 0: the file as a whole). */
void note(Loader *ld, const char *file, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void note(Loader *ld, const char *file, int line, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	Problem *p = g_new0(Problem, 1);
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	p->rank = file_rank(ld, file);
	p->line = line;
	p->text = line > 0 ? g_strdup_printf("%s:%d: %s", file, line, msg)
	                   : g_strdup_printf("%s: %s", file, msg);
	g_ptr_array_add(ld->problems, p);
}

/* note_report - the report function handed to a configuration pass. */
void note_report(gpointer data, const char *file, int line, const char *message)
{
	note(data, file, line, "%s", message);
}

/* file_of - the file a setting came from (interned). */
const char *file_of(Loader *ld, const config_setting_t *s, const char *fallback)
{
	const char *f = config_setting_source_file(s);

	return g_string_chunk_insert_const(ld->cfg->strings, f ? f : fallback);
}

/* line_of - the line of a setting. */
int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

/* at - note a problem at setting s. */
void at(Loader *ld, const config_setting_t *s, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void at(Loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	note(ld, file_of(ld, s, "(embedded default)"), line_of(s), "%s", msg);
}

/* unknown_key - note member m as unknown in where, with a guess. */
void unknown_key(Loader *ld, const config_setting_t *m, const char *const *known, const char *where)
{
	const char *name = config_setting_name(m);
	const char *guess = suggest_word(name, known);

	if (guess != NULL)
		at(ld, m, "unknown key '%s' in %s (did you mean '%s'?)", name, where, guess);
	else
		at(ld, m, "unknown key '%s' in %s", name, where);
}

/* check_keys - note every member of group s not in known[]; where says
 * what the group is ("a rule"). */
void check_keys(Loader *ld, const config_setting_t *s, const char *const *known, const char *where)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);

		if (name != NULL && !g_strv_contains(known, name))
			unknown_key(ld, m, known, where);
	}
}

/* get_group - member name of s, which must be a group; NULL when absent. */
config_setting_t *get_group(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = s ? config_setting_get_member(s, name) : NULL;

	if (m != NULL && !config_setting_is_group(m)) {
		at(ld, m, "'%s' must be a group: %s = { ... };", name, name);
		return NULL;
	}
	return m;
}

/* get_list - member name of s, which must be a list ( ... ); NULL when absent. */
config_setting_t *get_list(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = s ? config_setting_get_member(s, name) : NULL;

	if (m != NULL && !config_setting_is_list(m)) {
		at(ld, m, "'%s' must be a list in parentheses: %s = ( { ... }, { ... } );", name,
		   name);
		return NULL;
	}
	return m;
}

/* get_str - string member name of s; NULL when absent or not a string. */
const char *get_str(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = config_setting_get_member(s, name);

	if (m == NULL)
		return NULL;
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		at(ld, m, "'%s' must be text in double quotes", name);
		return NULL;
	}
	return config_setting_get_string(m);
}

/* get_num - number member name of s into *out; FALSE when absent or not
 * a number. */
gboolean get_num(Loader *ld, const config_setting_t *s, const char *name, double *out)
{
	config_setting_t *m = config_setting_get_member(s, name);

	if (m == NULL)
		return FALSE;
	if (!config_setting_is_number(m)) {
		at(ld, m, "'%s' must be a number", name);
		return FALSE;
	}
	*out = config_setting_type(m) == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
	                                                   : (double)config_setting_get_int64(m);
	return TRUE;
}

/* strv_of - a setting holding text or a list of texts, as a string array. */
char **strv_of(Loader *ld, const config_setting_t *m, const char *name)
{
	GPtrArray *out = g_ptr_array_new();

	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		g_ptr_array_add(out, g_strdup(config_setting_get_string(m)));
	} else if (config_setting_is_aggregate(m) && !config_setting_is_group(m)) {
		for (int i = 0; i < config_setting_length(m); i++) {
			config_setting_t *e = config_setting_get_elem(m, i);
			if (config_setting_type(e) == CONFIG_TYPE_STRING)
				g_ptr_array_add(out, g_strdup(config_setting_get_string(e)));
			else
				at(ld, e, "'%s' must list texts in double quotes", name);
		}
	} else {
		at(ld, m, "'%s' must be text or a list of texts: %s = [\"a\", \"b\"];", name, name);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* get_strv - a text-or-list member; NULL when absent. */
char **get_strv(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = config_setting_get_member(s, name);

	return m ? strv_of(ld, m, name) : NULL;
}

/* load_hours - a user's hours (text or list of texts). */
void load_hours(Loader *ld, LrUser *u, const config_setting_t *s)
{
	config_setting_t *m = config_setting_get_member(s, "hours");
	g_auto(GStrv) spans = m ? strv_of(ld, m, "hours") : NULL;

	for (int i = 0; spans && spans[i]; i++) {
		LrHours h = {0};
		const char *why = parse_span(spans[i], &h);

		if (why != NULL)
			at(ld, m, "hours '%s': %s", spans[i], why);
		else
			g_array_append_val(u->hours, h);
	}
}

/* load_duration - a duration member into *out. */
static void load_duration(Loader *ld, const config_setting_t *g, const char *name, gint64 *out)
{
	config_setting_t *m = config_setting_get_member(g, name);

	if (m == NULL)
		return;
	if (config_setting_type(m) == CONFIG_TYPE_INT ||
	    config_setting_type(m) == CONFIG_TYPE_INT64)
		*out = config_setting_get_int64(m);
	else if (config_setting_type(m) == CONFIG_TYPE_STRING)
		*out = lr_config_duration(config_setting_get_string(m));
	if (*out < 0)
		at(ld, m,
		   "'%s' must be a duration such as \"90s\", \"30m\", \"4h\", \"2d\" or "
		   "\"1h30m\"",
		   name);
}

/* load_workflow - a workflow group into wf (keys left unset stay -1). */
void load_workflow(Loader *ld, const config_setting_t *parent, LrWorkflow *wf)
{
	config_setting_t *g = get_group(ld, parent, "workflow");
	double n;

	wf->accept_within = wf->remind_after = wf->max_away = wf->contact_within = -1;
	wf->max_rejections = -1;
	if (g == NULL)
		return;
	check_keys(ld, g, workflow_keys, "workflow");
	load_duration(ld, g, "accept_within", &wf->accept_within);
	load_duration(ld, g, "remind_after", &wf->remind_after);
	load_duration(ld, g, "max_away", &wf->max_away);
	if (wf->max_away == 0 || wf->max_away > LR_MAX_AWAY_LIMIT) {
		at(ld, config_setting_get_member(g, "max_away"),
		   "'max_away' must be a duration from 1s to 365d");
		wf->max_away = -1;
	}
	load_duration(ld, g, "contact_within", &wf->contact_within);
	if (get_num(ld, g, "max_rejections", &n)) {
		if (n < 0 || n > 1000 || n != (int)n)
			at(ld, config_setting_get_member(g, "max_rejections"),
			   "'max_rejections' must be a whole number from 0 to 1000");
		else
			wf->max_rejections = (int)n;
	}
	wf->withhold = get_strv(ld, g, "withhold");
}

/* path_of - a file named in the configuration, as the admin would find it. */
char *path_of(Loader *ld, const char *name)
{
	if (g_path_is_absolute(name) || *ld->base == '\0')
		return g_strdup(name);
	return g_build_filename(ld->base, name, NULL);
}

/* cfg_table - CondTableFunc over the loaded tables. */
const LrTable *cfg_table(gpointer data, const char *name)
{
	return lr_config_table(data, name);
}

/* lr_config_table - a table by name. */
const LrTable *lr_config_table(const LrConfig *cfg, const char *name)
{
	for (guint i = 0; i < cfg->tables->len; i++)
		if (strcmp(table_name(g_ptr_array_index(cfg->tables, i)), name) == 0)
			return g_ptr_array_index(cfg->tables, i);
	return NULL;
}

/* read_conf - parse a libconfig file (NULL: the embedded default) into conf,
 * noting a syntax error.  Returns FALSE on one. */
gboolean read_conf(Loader *ld, config_t *conf, const char *file)
{
	return lr_conf_read(conf, file, note_report, ld);
}
