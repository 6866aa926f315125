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
#include "rules/check.h"
#include "rules/lr-config.h"
#include "rules/route.h"

/* One problem, sortable by file and line. */
typedef struct {
	int rank;	/* the file's order of first appearance */
	int line;
	char *text;
} Problem;

/* Everything one load needs besides the configuration itself. */
typedef struct {
	LrConfig *cfg;
	GPtrArray *problems;	/* Problem * */
	GHashTable *ranks;	/* file -> rank */
	char *base;		/* folder of the main file, "" for the current one */
	GArray *weights;	/* scratch: a route's weights */
} Loader;

static const char *const top_keys[] = {"server", "fields", "tables", "users", "servers",
				       "rules", "workflow", NULL};
static const char *const server_keys[] = {"name", "domain", "listen", "home", "smtp",
					  "smtp_user", "smtp_password", "from", "secret_file",
					  "templates", "max_message_size", "session_timeout",
					  "max_sessions", "retry_first", "retry_max", NULL};
static const char *const user_keys[] = {"id", "name", "email", "addresses", "role", "manages",
					"team", "territory", "capacity", "hours", "may_route",
					"rules", NULL};
static const char *const rule_keys[] = {"name", "when", "route", "priority", "attach",
					"withhold", NULL};
static const char *const route_keys[] = {"to", "strategy", "weights", NULL};
static const char *const priority_keys[] = {"base", "weights", "table", "column", "key", NULL};
static const char *const attach_keys[] = {"kind", "name", "file", "table", "key", "column",
					  NULL};
static const char *const workflow_keys[] = {"accept_within", "remind_after", "max_rejections",
					    "withhold", "contact_within", "digest", NULL};
static const char *const table_keys[] = {"name", "file", "key", NULL};
static const char *const server_entry_keys[] = {"id", "deliver", "format", "withhold", NULL};
static const char *const strategies[] = {"single", "round-robin", "least-loaded", "weighted",
					 "broadcast", "first", NULL};

/* ---- problems ---- */

/* file_rank - the order in which file first appeared. */
static int file_rank(Loader *ld, const char *file)
{
	gpointer rank;

	if (g_hash_table_lookup_extended(ld->ranks, file, NULL, &rank))
		return GPOINTER_TO_INT(rank);
	rank = GINT_TO_POINTER(g_hash_table_size(ld->ranks));
	g_hash_table_insert(ld->ranks, g_strdup(file), rank);
	return GPOINTER_TO_INT(rank);
}

/* note - record a problem at file:line (line 0: the file as a whole). */
static void note(Loader *ld, const char *file, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void note(Loader *ld, const char *file, int line, const char *fmt, ...)
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

/* note_report - check_config's report function. */
static void note_report(gpointer data, const char *file, int line, const char *message)
{
	note(data, file, line, "%s", message);
}

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

/* ---- reading settings ---- */

/* file_of - the file a setting came from (interned). */
static const char *file_of(Loader *ld, const config_setting_t *s, const char *fallback)
{
	const char *f = config_setting_source_file(s);

	return g_string_chunk_insert_const(ld->cfg->strings, f ? f : fallback);
}

/* line_of - the line of a setting. */
static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

/* at - note a problem at setting s. */
static void at(Loader *ld, const config_setting_t *s, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void at(Loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	note(ld, file_of(ld, s, "(embedded default)"), line_of(s), "%s", msg);
}

/* unknown_key - note member m as unknown in where, with a guess. */
static void unknown_key(Loader *ld, const config_setting_t *m, const char *const *known,
			const char *where)
{
	const char *name = config_setting_name(m);
	const char *guess = check_suggest(name, known);

	if (guess != NULL)
		at(ld, m, "unknown key '%s' in %s (did you mean '%s'?)", name, where, guess);
	else
		at(ld, m, "unknown key '%s' in %s", name, where);
}

/* check_keys - note every member of group s not in known[]; where says
 * what the group is ("a rule"). */
static void check_keys(Loader *ld, const config_setting_t *s, const char *const *known,
		       const char *where)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *m = config_setting_get_elem(s, i);
		const char *name = config_setting_name(m);

		if (name != NULL && !g_strv_contains(known, name))
			unknown_key(ld, m, known, where);
	}
}

/* get_group - member name of s, which must be a group; NULL when absent. */
static config_setting_t *get_group(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = s ? config_setting_get_member(s, name) : NULL;

	if (m != NULL && !config_setting_is_group(m)) {
		at(ld, m, "'%s' must be a group: %s = { ... };", name, name);
		return NULL;
	}
	return m;
}

/* get_list - member name of s, which must be a list ( ... ); NULL when absent. */
static config_setting_t *get_list(Loader *ld, const config_setting_t *s, const char *name)
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
static const char *get_str(Loader *ld, const config_setting_t *s, const char *name)
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
static gboolean get_num(Loader *ld, const config_setting_t *s, const char *name, double *out)
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
static char **strv_of(Loader *ld, const config_setting_t *m, const char *name)
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
static char **get_strv(Loader *ld, const config_setting_t *s, const char *name)
{
	config_setting_t *m = config_setting_get_member(s, name);

	return m ? strv_of(ld, m, name) : NULL;
}

/* ---- durations, hours ---- */

/* config_duration - "4h", "1h30m", or seconds. */
gint64 config_duration(const char *text)
{
	gint64 total = 0;
	const char *p = text;

	if (text == NULL || *text == '\0')
		return -1;
	while (*p) {
		char *end;
		guint64 n = g_ascii_strtoull(p, &end, 10);
		int unit;

		if (end == p || n > 1000000000)
			return -1;
		unit = *end == 's' || *end == '\0' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600
		       : *end == 'd' ? 86400 : *end == 'w' ? 604800 : 0;
		if (unit == 0 || (*end == '\0' && p != text))
			return -1;
		total += (gint64)n * unit;
		p = *end ? end + 1 : end;
	}
	return total;
}

/* day_of - 0 (Mon) .. 6 (Sun) for a day name, or -1. */
static int day_of(const char *s, gsize n)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

	for (int i = 0; i < 7; i++)
		if (n == 3 && g_ascii_strncasecmp(s, days[i], 3) == 0)
			return i;
	return -1;
}

/* parse_days - "Mon-Fri", "Mon,Wed,Fri", "Sat-Sun" as a day mask; 0 on error. */
static guint8 parse_days(const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	guint8 mask = 0;

	for (int i = 0; parts[i] != NULL; i++) {
		const char *dash = strchr(parts[i], '-');
		int a = day_of(parts[i], dash ? (gsize)(dash - parts[i]) : strlen(parts[i]));
		int b = dash ? day_of(dash + 1, strlen(dash + 1)) : a;

		if (a < 0 || b < 0)
			return 0;
		for (int d = a;; d = (d + 1) % 7) {
			mask |= 1u << d;
			if (d == b)
				break;
		}
	}
	return mask;
}

/* parse_span - "Mon-Fri 08:00-17:00 Europe/Berlin" into h.  Returns NULL,
 * or what is wrong. */
static const char *parse_span(const char *text, LrHours *h)
{
	g_autofree char *copy = g_strstrip(g_strdup(text));
	g_auto(GStrv) w = g_strsplit_set(copy, " \t", -1);
	int a, b, c, d, n = 0;
	char tail;

	for (char **p = w; *p; p++)
		if (**p)
			w[n++] = *p;
		else
			g_free(*p);
	w[n] = NULL;
	if (n < 2 || n > 3)
		return "expected DAYS HH:MM-HH:MM [TIME_ZONE]";
	if ((h->days = parse_days(w[0])) == 0)
		return "days must be like Mon-Fri or Mon,Wed,Fri";
	if (sscanf(w[1], "%d:%d-%d:%d%c", &a, &b, &c, &d, &tail) != 4 || a > 24 || c > 24 ||
	    b > 59 || d > 59 || a < 0 || b < 0 || c < 0 || d < 0)
		return "times must be like 08:00-17:00";
	h->from = a * 60 + b;
	h->to = c * 60 + d;
	h->tz = n == 3 ? g_time_zone_new_identifier(w[2]) : g_time_zone_new_local();
	return h->tz ? NULL : "unknown time zone";
}

/* load_hours - a user's hours (text or list of texts). */
static void load_hours(Loader *ld, LrUser *u, const config_setting_t *s)
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

/* tz_offset - tz's UTC offset at secs, from memo when it has it (a time
 * zone's look-up walks its whole list of transitions). */
static gint32 tz_offset(GTimeZone *tz, gint64 secs, LrTzMemo *memo)
{
	int interval;
	gint32 offset;

	if (memo->secs != secs)
		memo->secs = secs, memo->n = 0;
	for (guint i = 0; i < memo->n; i++)
		if (memo->tz[i] == tz)
			return memo->offset[i];
	interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, secs);
	offset = interval >= 0 ? g_time_zone_get_offset(tz, interval) : 0;
	if (memo->n < LR_TZ_MEMO_SIZE) {
		memo->tz[memo->n] = tz;
		memo->offset[memo->n++] = offset;
	}
	return offset;
}

/* local_minutes - day (0 Monday) and minute of day of now in tz. */
static void local_minutes(GTimeZone *tz, gint64 now, LrTzMemo *memo, int *day, int *min)
{
	gint64 secs = now / G_USEC_PER_SEC;
	gint64 local = secs + tz_offset(tz, secs, memo);
	gint64 days = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	*day = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	*min = (int)((local - days * 86400) / 60);
}

/* config_user_in_hours - whether user works at now. */
gboolean config_user_in_hours(const LrUser *user, gint64 now)
{
	LrTzMemo memo = LR_TZ_MEMO_INIT;

	return config_user_in_hours_memo(user, now, &memo);
}

/* config_user_in_hours_memo - whether user works at now, zones through memo. */
gboolean config_user_in_hours_memo(const LrUser *user, gint64 now, LrTzMemo *memo)
{
	for (guint i = 0; user->hours && i < user->hours->len; i++) {
		const LrHours *h = &g_array_index(user->hours, LrHours, i);
		int day, min, yesterday;

		local_minutes(h->tz, now, memo, &day, &min);
		yesterday = (day + 6) % 7;
		if (h->from < h->to && (h->days & (1u << day)) && min >= h->from && min < h->to)
			return TRUE;
		if (h->from >= h->to && (((h->days & (1u << day)) && min >= h->from) ||
					 ((h->days & (1u << yesterday)) && min < h->to)))
			return TRUE;
	}
	return user->hours == NULL || user->hours->len == 0;
}

/* ---- workflow ---- */

/* load_duration - a duration member into *out. */
static void load_duration(Loader *ld, const config_setting_t *g, const char *name, gint64 *out)
{
	config_setting_t *m = config_setting_get_member(g, name);

	if (m == NULL)
		return;
	if (config_setting_type(m) == CONFIG_TYPE_INT || config_setting_type(m) == CONFIG_TYPE_INT64)
		*out = config_setting_get_int64(m);
	else if (config_setting_type(m) == CONFIG_TYPE_STRING)
		*out = config_duration(config_setting_get_string(m));
	if (*out < 0)
		at(ld, m, "'%s' must be a duration such as \"90s\", \"30m\", \"4h\", \"2d\" or "
		   "\"1h30m\"", name);
}

/* load_workflow - a workflow group into wf (keys left unset stay -1). */
static void load_workflow(Loader *ld, const config_setting_t *parent, LrWorkflow *wf)
{
	config_setting_t *g = get_group(ld, parent, "workflow");
	double n;

	wf->accept_within = wf->remind_after = wf->contact_within = -1;
	wf->max_rejections = -1;
	if (g == NULL)
		return;
	check_keys(ld, g, workflow_keys, "workflow");
	load_duration(ld, g, "accept_within", &wf->accept_within);
	load_duration(ld, g, "remind_after", &wf->remind_after);
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

/* config_workflow - the workflow for a lead kept by user. */
LrWorkflow config_workflow(const LrConfig *cfg, const LrUser *user)
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

/* path_of - a file named in the configuration, as the admin would find it. */
static char *path_of(Loader *ld, const char *name)
{
	if (g_path_is_absolute(name) || *ld->base == '\0')
		return g_strdup(name);
	return g_build_filename(ld->base, name, NULL);
}

/* cfg_table - CondTableFunc over the loaded tables. */
static const LrTable *cfg_table(gpointer data, const char *name)
{
	return config_table(data, name);
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
	if (config_table(ld->cfg, name) != NULL) {
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

/* config_table - a table by name. */
const LrTable *config_table(const LrConfig *cfg, const char *name)
{
	for (guint i = 0; i < cfg->tables->len; i++)
		if (strcmp(table_name(g_ptr_array_index(cfg->tables, i)), name) == 0)
			return g_ptr_array_index(cfg->tables, i);
	return NULL;
}

/* read_conf - parse a libconfig file (NULL: the embedded default) into conf,
 * noting a syntax error.  Returns FALSE on one. */
static gboolean read_conf(Loader *ld, config_t *conf, const char *file)
{
	g_autofree char *dir = file ? g_path_get_dirname(file) : g_get_current_dir();
	const char *where;

	config_set_include_dir(conf, dir);
	if (file ? config_read_file(conf, file) : config_read_string(conf,
								    server_config_default_text()))
		return TRUE;
	where = config_error_file(conf) ? config_error_file(conf)
					: file ? file : "(embedded default)";
	if (config_error_type(conf) == CONFIG_ERR_FILE_IO)
		note(ld, where, 0, "cannot read: %s", g_strerror(errno));
	else
		note(ld, where, config_error_line(conf), "%s", config_error_text(conf));
	return FALSE;
}

/* ---- rules ---- */

/* target_free - destroy a route target. */
static void target_free(LrTarget *t)
{
	g_free(t->to);
	g_free(t);
}

/* attach_free - destroy an attachment rule. */
static void attach_free(LrAttach *a)
{
	g_free(a->kind);
	g_free(a->name);
	g_free(a->file);
	cond_free(a->key);
	g_free(a);
}

/* rule_free - destroy a rule. */
static void rule_free(LrRule *r)
{
	g_free(r->name);
	cond_free(r->when);
	if (r->route != NULL) {
		g_ptr_array_free(r->route->targets, TRUE);
		g_free(r->route->key);
		g_free(r->route);
	}
	if (r->priority != NULL) {
		g_array_free(r->priority->weights, TRUE);
		cond_free(r->priority->lookup);
		g_free(r->priority);
	}
	if (r->attach != NULL)
		g_ptr_array_free(r->attach, TRUE);
	g_strfreev(r->withhold);
	g_free(r);
}

/* ruleset_free - destroy a rule set. */
static void ruleset_free(LrRuleSet *set)
{
	route_plan_free(set);
	g_ptr_array_free(set->rules, TRUE);
	g_free(set);
}

/* compile - compile a condition or value expression found at setting m;
 * what prefixes the message ("" for a rule's when). */
static LrCond *compile(Loader *ld, const config_setting_t *m, const char *text,
		       const char *what)
{
	g_autoptr(GError) error = NULL;
	LrCond *cond = cond_compile(text, cfg_table, ld->cfg, &error);

	if (cond == NULL)
		at(ld, m, "%s%s", what, error->message);
	return cond;
}

/* strategy_of - a strategy by name, or -1. */
static int strategy_of(const char *name)
{
	for (int i = 0; strategies[i] != NULL; i++)
		if (strcmp(name, strategies[i]) == 0)
			return i;
	return -1;
}

/* load_route_group - route = { to = [...]; strategy = "..."; weights = [...]; }. */
static void load_route_group(Loader *ld, const config_setting_t *m, LrRoute *rt, char ***to)
{
	const char *strategy = get_str(ld, m, "strategy");
	config_setting_t *w = config_setting_get_member(m, "weights");
	int n;

	check_keys(ld, m, route_keys, "a route");
	*to = get_strv(ld, m, "to");
	if (*to == NULL)
		at(ld, m, "a route group needs 'to': route = { to = [\"anna\", \"ben\"]; ... };");
	if (strategy != NULL && (n = strategy_of(strategy)) < 0)
		at(ld, m, "unknown strategy '%s' (use round-robin, least-loaded, weighted, "
		   "broadcast, first or single)", strategy);
	else if (strategy != NULL)
		rt->strategy = (LrStrategy)n;
	for (int i = 0; w && *to && i < config_setting_length(w); i++) {
		config_setting_t *e = config_setting_get_elem(w, i);
		double x = config_setting_is_number(e) ? config_setting_get_float(e) : 0;
		if (config_setting_type(e) != CONFIG_TYPE_FLOAT)
			x = (double)config_setting_get_int64(e);
		if (x <= 0 || (guint)i >= g_strv_length(*to))
			at(ld, e, "weights must be positive numbers, one per target");
		else
			g_array_append_val(ld->weights, x);
	}
}

/* route_check_shape - the strategy fits the targets. */
static void route_check_shape(Loader *ld, const config_setting_t *m, LrRoute *rt, guint nw)
{
	guint n = rt->targets->len;

	if (n == 0)
		at(ld, m, "the route names nobody");
	else if (rt->strategy == LR_STRATEGY_SINGLE && n > 1)
		at(ld, m, "strategy \"single\" takes one target, not %u", n);
	else if (rt->strategy == LR_STRATEGY_WEIGHTED && nw != n)
		at(ld, m, "strategy \"weighted\" needs weights = [...] with one number per target");
	else if (rt->strategy != LR_STRATEGY_WEIGHTED && nw > 0)
		at(ld, m, "weights apply only to strategy = \"weighted\"");
}

/* load_route - a rule's route. */
static LrRoute *load_route(Loader *ld, const config_setting_t *m, const LrRule *r,
			   const LrUser *owner)
{
	LrRoute *rt = g_new0(LrRoute, 1);
	g_auto(GStrv) to = NULL;

	rt->targets = g_ptr_array_new_with_free_func((GDestroyNotify)target_free);
	rt->strategy = LR_STRATEGY_ROUND_ROBIN;
	g_array_set_size(ld->weights, 0);
	if (config_setting_is_group(m))
		load_route_group(ld, m, rt, &to);
	else
		to = strv_of(ld, m, "route");
	if (config_setting_type(m) == CONFIG_TYPE_STRING &&
	    !g_str_has_prefix(config_setting_get_string(m), "team:"))
		rt->strategy = LR_STRATEGY_SINGLE;
	for (int i = 0; to && to[i]; i++) {
		LrTarget *t = g_new0(LrTarget, 1);
		t->to = g_strdup(to[i]);
		t->weight = (guint)i < ld->weights->len ? g_array_index(ld->weights, double, i) : 1;
		g_ptr_array_add(rt->targets, t);
	}
	route_check_shape(ld, m, rt, ld->weights->len);
	if (r->name != NULL)
		rt->key = g_strdup_printf("rr:%s:%s", owner ? owner->id : "global", r->name);
	else
		rt->key = g_strdup_printf("rr:%s:line %d", owner ? owner->id : "global", r->line);
	return rt;
}

/* load_priority_table - the table part of a priority group. */
static void load_priority_table(Loader *ld, const config_setting_t *m, LrPriority *p)
{
	const char *table = get_str(ld, m, "table"), *column = get_str(ld, m, "column");
	const char *key = get_str(ld, m, "key");
	const LrTable *t = table ? config_table(ld->cfg, table) : NULL;
	g_autofree char *expr = NULL;

	if (table == NULL && column == NULL)
		return;
	if (table == NULL || column == NULL) {
		at(ld, m, "priority from a table needs both table and column");
		return;
	}
	if (t == NULL) {
		at(ld, m, "priority: no table called '%s'", table);
		return;
	}
	if (table_column(t, column) < 0) {
		at(ld, m, "priority: table '%s' has no column '%s'", table, column);
		return;
	}
	expr = g_strdup_printf("%s[%s].%s", table, key ? key : "email_domain", column);
	p->lookup = compile(ld, m, expr, "priority key: ");
}

/* weight_clear - free a weight's field name. */
static void weight_clear(gpointer p)
{
	g_free(((LrWeight *)p)->field);
}

/* load_priority - priority = POINTS or { base; weights; table; column; key; }. */
static LrPriority *load_priority(Loader *ld, const config_setting_t *m)
{
	LrPriority *p = g_new0(LrPriority, 1);
	config_setting_t *w;

	p->weights = g_array_new(FALSE, TRUE, sizeof(LrWeight));
	g_array_set_clear_func(p->weights, weight_clear);
	if (config_setting_is_number(m)) {
		p->points = config_setting_type(m) == CONFIG_TYPE_FLOAT
				    ? config_setting_get_float(m)
				    : (double)config_setting_get_int64(m);
		return p;
	}
	if (!config_setting_is_group(m)) {
		at(ld, m, "priority must be a number of points or a group "
		   "{ base = ...; weights = { FIELD = ...; }; table = ...; column = ...; }");
		return p;
	}
	check_keys(ld, m, priority_keys, "priority");
	get_num(ld, m, "base", &p->base);
	w = get_group(ld, m, "weights");
	for (int i = 0; w && i < config_setting_length(w); i++) {
		LrWeight x = {g_strdup(config_setting_name(config_setting_get_elem(w, i))), 0};
		if (get_num(ld, w, x.field, &x.weight))
			g_array_append_val(p->weights, x);
		else
			g_free(x.field);
	}
	load_priority_table(ld, m, p);
	return p;
}

/* check_document - a document must be readable. */
static void check_document(Loader *ld, const config_setting_t *m, const char *path,
			   const char *what)
{
	if (g_access(path, R_OK) != 0)
		at(ld, m, "%s%s cannot be read: %s", what, path, g_strerror(errno));
}

/* load_attach_table - an attachment from a table (the row, or a document
 * the row names). */
static void load_attach_table(Loader *ld, const config_setting_t *m, LrAttach *a,
			      const char *table)
{
	const char *column = get_str(ld, m, "column"), *key = get_str(ld, m, "key");
	g_autofree char *what = NULL;

	if ((a->table = config_table(ld->cfg, table)) == NULL) {
		at(ld, m, "attach: no table called '%s'", table);
		return;
	}
	a->key = compile(ld, m, key ? key : "email_domain", "attach key: ");
	a->column = column ? table_column(a->table, column) : -1;
	if (column != NULL && a->column < 0) {
		at(ld, m, "attach: table '%s' has no column '%s'", table, column);
		return;
	}
	what = g_strdup_printf("attach: document in table '%s' column '%s': ", table, column);
	for (guint i = 0; a->column >= 0 && i < table_n_rows(a->table); i++) {
		const char *cell = table_row(a->table, i)[a->column];
		g_autofree char *path = *cell ? path_of(ld, cell) : NULL;
		if (path != NULL)
			check_document(ld, m, path, what);
	}
}

/* load_attach_one - one attachment group. */
static LrAttach *load_attach_one(Loader *ld, const config_setting_t *m)
{
	const char *file = get_str(ld, m, "file"), *table = get_str(ld, m, "table");
	const char *kind = get_str(ld, m, "kind"), *name = get_str(ld, m, "name");
	LrAttach *a = g_new0(LrAttach, 1);

	a->column = -1;
	check_keys(ld, m, attach_keys, "attach");
	if ((file == NULL) == (table == NULL))
		at(ld, m, "attach needs either file = \"...\" or table = \"...\"");
	if (file != NULL) {
		g_autofree char *shown = path_of(ld, file);
		a->file = g_canonicalize_filename(file, ld->cfg->dir);
		check_document(ld, m, shown, "attach: ");
	} else if (table != NULL) {
		load_attach_table(ld, m, a, table);
	}
	a->kind = g_strdup(kind ? kind : file ? "document" : a->column >= 0 ? "document"
							 : "table");
	a->name = g_strdup(name ? name : file ? file : table ? table : "");
	return a;
}

/* load_attach - attach = { ... } or ( { ... }, { ... } ). */
static GPtrArray *load_attach(Loader *ld, const config_setting_t *m)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)attach_free);

	if (config_setting_is_group(m)) {
		g_ptr_array_add(out, load_attach_one(ld, m));
		return out;
	}
	for (int i = 0; config_setting_is_list(m) && i < config_setting_length(m); i++) {
		config_setting_t *e = config_setting_get_elem(m, i);
		if (config_setting_is_group(e))
			g_ptr_array_add(out, load_attach_one(ld, e));
		else
			at(ld, e, "each attachment is a group: { file = ...; } or { table = ...; }");
	}
	if (!config_setting_is_list(m))
		at(ld, m, "attach must be a group { ... } or a list ( { ... }, { ... } )");
	return out;
}

/* load_rule - one rule. */
static LrRule *load_rule(Loader *ld, const config_setting_t *s, const LrUser *owner,
			 const char *file)
{
	LrRule *r = g_new0(LrRule, 1);
	config_setting_t *m;
	const char *when;

	check_keys(ld, s, rule_keys, "a rule");
	r->file = file;
	r->line = line_of(s);
	r->name = g_strdup(get_str(ld, s, "name"));
	if ((when = get_str(ld, s, "when")) != NULL)
		r->when = compile(ld, config_setting_get_member(s, "when"), when, "");
	r->broken = (when == NULL && config_setting_get_member(s, "when") != NULL) ||
		    (when != NULL && r->when == NULL);
	if ((m = config_setting_get_member(s, "route")) != NULL)
		r->route = load_route(ld, m, r, owner);
	if ((m = config_setting_get_member(s, "priority")) != NULL)
		r->priority = load_priority(ld, m);
	if ((m = config_setting_get_member(s, "attach")) != NULL)
		r->attach = load_attach(ld, m);
	r->withhold = get_strv(ld, s, "withhold");
	if (!r->route && !r->priority && !r->attach && !r->withhold)
		at(ld, s, "this rule does nothing: give it route, priority, attach or withhold");
	return r;
}

/* check_rule_name - rule names are unique within their file (names maps
 * name -> first rule). */
static void check_rule_name(Loader *ld, const config_setting_t *s, GHashTable *names,
			    const LrRule *r)
{
	const LrRule *o = r->name ? g_hash_table_lookup(names, r->name) : NULL;

	if (o != NULL)
		at(ld, s, "rule name '%s' is used twice in this file (first at line %d)", r->name,
		   o->line);
	else if (r->name != NULL)
		g_hash_table_insert(names, r->name, (gpointer)r);
}

/* load_ruleset - the rules list of a file (owner NULL: the global rules). */
static LrRuleSet *load_ruleset(Loader *ld, const config_setting_t *root, const LrUser *owner,
			       const char *file)
{
	config_setting_t *l = get_list(ld, root, "rules");
	LrRuleSet *set = g_new0(LrRuleSet, 1);
	g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

	set->file = file;
	set->owner = owner;
	set->rules = g_ptr_array_new_with_free_func((GDestroyNotify)rule_free);
	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		if (!config_setting_is_group(e)) {
			at(ld, e, "each rule is a group: { name = ...; when = ...; route = ...; }");
			continue;
		}
		g_ptr_array_add(set->rules, load_rule(ld, e, owner, file));
		check_rule_name(ld, e, names, g_ptr_array_index(set->rules, set->rules->len - 1));
	}
	return set;
}

/* ---- users and servers ---- */

/* user_free - destroy a user. */
static void user_free(LrUser *u)
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
static void server_free(LrServer *s)
{
	g_free(s->id);
	g_free(s->deliver);
	g_free(s->format);
	g_strfreev(s->withhold);
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
		const char *guess = g_strv_contains(user_keys, name) ? NULL
								    : check_suggest(name, user_keys);

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
	u->workflow = (LrWorkflow){-1, -1, -1, NULL, -1};
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
	const char *pairs[][2] = {{"id", u->id}, {"name", u->name}, {"email", u->email},
				  {"role", u->role}, {"team", u->team},
				  {"territory", u->territory}, {"manager", u->manager},
				  {"capacity", cap}};

	g_hash_table_remove(u->attrs, "hours");
	g_hash_table_remove(u->attrs, "rules");
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++)
		if (pairs[i][1] != NULL)
			g_hash_table_replace(u->attrs, g_strdup(pairs[i][0]),
					     g_strdup(pairs[i][1]));
}

/* load_users - the users list. */
static void load_users(Loader *ld, const config_setting_t *root)
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
		GPtrArray *team = u->team ? g_hash_table_lookup(ld->cfg->team_index, u->team) : NULL;

		user_attrs_fill(u);
		if (u->team != NULL && team == NULL) {
			team = g_ptr_array_new();
			g_hash_table_insert(ld->cfg->team_index, u->team, team);
		}
		if (team != NULL)
			g_ptr_array_add(team, u);
	}
}

/* load_server_entry - one entry of the servers list. */
static void load_server_entry(Loader *ld, const config_setting_t *s)
{
	const char *id = get_str(ld, s, "id"), *deliver = get_str(ld, s, "deliver");
	const char *format = get_str(ld, s, "format");
	LrServer *srv;

	check_keys(ld, s, server_entry_keys, "a server");
	if (id == NULL || deliver == NULL) {
		at(ld, s, "a server needs id and deliver");
		return;
	}
	if (config_server(ld->cfg, id) != NULL)
		at(ld, s, "server '%s' is defined twice", id);
	if (!g_str_has_prefix(deliver, "mailto:") || strchr(deliver, '@') == NULL)
		at(ld, s, "server '%s': deliver must be \"mailto:ADDRESS\"", id);
	if (format != NULL && strcmp(format, "leadroute") != 0 && strcmp(format, "adf") != 0)
		at(ld, s, "server '%s': format must be \"leadroute\" or \"adf\"", id);
	srv = g_new0(LrServer, 1);
	srv->id = g_strdup(id);
	srv->deliver = g_strdup(deliver);
	srv->format = g_strdup(format ? format : "leadroute");
	srv->withhold = get_strv(ld, s, "withhold");
	srv->file = file_of(ld, s, "(embedded default)");
	srv->line = line_of(s);
	g_ptr_array_add(ld->cfg->servers, srv);
}

/* load_servers - the servers list. */
static void load_servers(Loader *ld, const config_setting_t *root)
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
			at(ld, m, "a user's rule file cannot set '%s' (only rules and workflow; "
			   "the rest belongs in leadroute.conf)", name);
		else
			unknown_key(ld, m, keys, "a user's rule file");
	}
}

/* load_user_file - read a user's own rule file. */
static void load_user_file(Loader *ld, LrUser *u, const config_setting_t *s)
{
	g_autofree char *path = path_of(ld, u->rules_file);
	config_t conf;

	file_rank(ld, path);
	if (g_access(path, R_OK) != 0) {
		at(ld, s, "user '%s': cannot read rules file %s: %s", u->id, path,
		   g_strerror(errno));
		return;
	}
	config_init(&conf);
	if (read_conf(ld, &conf, path)) {
		config_setting_t *root = config_root_setting(&conf);
		check_user_file_keys(ld, root);
		load_workflow(ld, root, &u->workflow);
		u->rules = load_ruleset(ld, root, u, g_string_chunk_insert_const(ld->cfg->strings,
										   path));
	}
	config_destroy(&conf);
}

/* ---- look-ups ---- */

/* config_user - a user by id. */
const LrUser *config_user(const LrConfig *cfg, const char *id)
{
	return id ? g_hash_table_lookup(cfg->user_index, id) : NULL;
}

/* config_user_by_address - a user by one of their addresses. */
const LrUser *config_user_by_address(const LrConfig *cfg, const char *addr)
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

/* config_user_manager - a user's manager. */
const LrUser *config_user_manager(const LrConfig *cfg, const char *id)
{
	const LrUser *u = config_user(cfg, id);

	return u ? config_user(cfg, u->manager) : NULL;
}

/* config_admin - the first admin. */
const LrUser *config_admin(const LrConfig *cfg)
{
	for (guint i = 0; i < cfg->users->len; i++) {
		const LrUser *u = g_ptr_array_index(cfg->users, i);
		if (g_strcmp0(u->role, "admin") == 0)
			return u;
	}
	return NULL;
}

/* config_server - a secondary server by id. */
const LrServer *config_server(const LrConfig *cfg, const char *id)
{
	for (guint i = 0; i < cfg->servers->len; i++)
		if (strcmp(((LrServer *)g_ptr_array_index(cfg->servers, i))->id, id) == 0)
			return g_ptr_array_index(cfg->servers, i);
	return NULL;
}

/* config_team - the members of a team. */
GPtrArray *config_team(const LrConfig *cfg, const char *name)
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
		user = config_user(cfg, user->manager);
	}
	return FALSE;
}

/* may_route_user - the permission test for one user target. */
static gboolean may_route_user(const LrConfig *cfg, const LrUser *from, const char *to)
{
	const LrUser *t = config_user(cfg, to);

	if (t == NULL)
		return FALSE;
	return strcmp(from->id, to) == 0 || g_strcmp0(from->manager, to) == 0 ||
	       (from->may_route && g_strv_contains((const char *const *)from->may_route, to)) ||
	       manages_below(cfg, from->id, t);
}

/* config_may_route - whether from_user may send a lead to `to`. */
gboolean config_may_route(const LrConfig *cfg, const char *from_user, const char *to)
{
	const LrUser *from = config_user(cfg, from_user);
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
	team = config_team(cfg, to + 5);
	for (guint i = 0; i < team->len; i++)
		if (!may_route_user(cfg, from, ((LrUser *)g_ptr_array_index(team, i))->id))
			return FALSE;
	return team->len > 0;
}

/* ---- the whole file ---- */

/* load_server - the server group, through server-config. */
static void load_server(Loader *ld, const char *file, const config_setting_t *root)
{
	config_setting_t *g = get_group(ld, root, "server");
	g_autoptr(GError) error = NULL;

	if (g != NULL)
		check_keys(ld, g, server_keys, "server");
	ld->cfg->server = server_config_load(file, &error);
	if (ld->cfg->server == NULL)
		note(ld, file ? file : "(embedded default)", 0, "%s", error->message);
}

/* load_main - everything in the main file. */
static void load_main(Loader *ld, const char *file, config_t *conf)
{
	config_setting_t *root = config_root_setting(conf);
	LrConfig *cfg = ld->cfg;

	check_keys(ld, root, top_keys, "the top level");
	load_server(ld, file, root);
	load_fields(ld, root);
	load_tables(ld, root);
	load_users(ld, root);
	load_servers(ld, root);
	load_workflow(ld, root, &cfg->workflow);
	if (cfg->workflow.accept_within < 0)
		cfg->workflow.accept_within = LR_DEFAULT_ACCEPT_WITHIN;
	if (cfg->workflow.remind_after < 0)
		cfg->workflow.remind_after = LR_DEFAULT_REMIND_AFTER;
	if (cfg->workflow.max_rejections < 0)
		cfg->workflow.max_rejections = LR_DEFAULT_MAX_REJECTIONS;
	cfg->rules = load_ruleset(ld, root, NULL, file_of(ld, root, "(embedded default)"));
}

/* config_new - an empty configuration. */
static LrConfig *config_new(const char *file)
{
	LrConfig *cfg = g_new0(LrConfig, 1);

	cfg->file = g_strdup(file ? file : "(embedded default)");
	cfg->strings = g_string_chunk_new(1024);
	cfg->aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cfg->tables = g_ptr_array_new_with_free_func((GDestroyNotify)table_free);
	cfg->users = g_ptr_array_new_with_free_func((GDestroyNotify)user_free);
	cfg->user_index = g_hash_table_new(g_str_hash, g_str_equal);
	cfg->addr_index = g_hash_table_new(g_str_hash, g_str_equal);
	cfg->team_index = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						(GDestroyNotify)g_ptr_array_unref);
	cfg->servers = g_ptr_array_new_with_free_func((GDestroyNotify)server_free);
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

/* config_check - read and check a configuration. */
GPtrArray *config_check(const char *path, LrConfig **out)
{
	const char *file = server_config_resolve(path);
	g_autofree char *dir = file ? g_path_get_dirname(file) : g_strdup(".");
	Loader ld = {0};
	config_t conf;
	GPtrArray *problems;

	ld.cfg = config_new(file);
	ld.problems = g_ptr_array_new_with_free_func((GDestroyNotify)problem_free);
	ld.ranks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ld.base = g_strdup(strcmp(dir, ".") == 0 ? "" : dir);
	ld.weights = g_array_new(FALSE, FALSE, sizeof(double));
	ld.cfg->dir = g_canonicalize_filename(dir, NULL);
	file_rank(&ld, ld.cfg->file);
	config_init(&conf);
	if (read_conf(&ld, &conf, file)) {
		load_main(&ld, file, &conf);
		check_config(ld.cfg, note_report, &ld);
		route_plan_build(ld.cfg);
	}
	config_destroy(&conf);
	problems = loader_finish(&ld);
	if (problems->len > 0)
		g_clear_pointer(&ld.cfg, config_free);
	if (out != NULL)
		*out = ld.cfg;
	else
		config_free(ld.cfg);
	return problems;
}

/* config_load - a configuration that checks clean. */
LrConfig *config_load(const char *path, GError **error)
{
	LrConfig *cfg = NULL;
	g_autoptr(GPtrArray) problems = config_check(path, &cfg);
	g_autoptr(GString) all = NULL;

	if (cfg != NULL)
		return cfg;
	all = g_string_new(NULL);
	for (guint i = 0; i < problems->len; i++)
		g_string_append_printf(all, "%s%s", i ? "\n" : "",
				       (char *)g_ptr_array_index(problems, i));
	g_set_error_literal(error, LR_ERROR, LR_ERROR_CONFIG, all->str);
	return NULL;
}

/* config_free - destroy a configuration. */
void config_free(LrConfig *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->rules != NULL)
		ruleset_free(cfg->rules);
	g_ptr_array_free(cfg->users, TRUE);
	g_ptr_array_free(cfg->servers, TRUE);
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

/* config_field_aliases - label -> field. */
GHashTable *config_field_aliases(const LrConfig *cfg)
{
	return cfg->aliases;
}
