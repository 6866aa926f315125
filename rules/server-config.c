/* server-config.c - the server group of leadroute.conf (libconfig): one key
 * table, one way to open the file, used by the full reader and the slim
 * pipe deliverer alike. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "lead/limits.h"
#include "lead/lr-error.h"
#include "rules/server-config-int.h"

/* The embedded default: a demo deployment under ./leadroute-data. */
static const char default_text[] =
    "# leadroute embedded default: one admin takes every lead.\n"
    "server: {\n"
    "  name = \"demo\";\n"
    "  domain = \"leads.localhost\";\n"
    "  listen = [\"inet:127.0.0.1:2424\"];\n"
    "  home = \"leadroute-data\";\n"
    "  smtp = \"smtp://127.0.0.1:2525\";\n"
    "  from = \"Lead Desk <leads@localhost>\";\n"
    "};\n"
    "users = ( { id = \"admin\"; name = \"Admin\"; email = \"admin@localhost\";"
    " role = \"admin\"; } );\n"
    "rules = ( { name = \"everyone\"; route = \"admin\"; } );\n";

#define DAY (24 * 3600)

/* Every key of the server group.  name's default is the host name and
 * templates' the installed (or source tree's) folder: both computed.
 * .restart says which keys a SIGHUP cannot apply (the sockets, the
 * store, the secret and the LMTP limits are set up once at start). */
static const LrServerKey keys[] = {
    {.name = "name",
     .type = LR_KEY_TEXT,
     .text_default = NULL,
     .offset = offsetof(LrServerConfig, name),
     .restart = FALSE},
    {.name = "domain",
     .type = LR_KEY_TEXT,
     .text_default = "localhost",
     .offset = offsetof(LrServerConfig, domain),
     .restart = FALSE},
    {.name = "listen",
     .type = LR_KEY_LIST,
     .text_default = "inet:127.0.0.1:2424",
     .offset = offsetof(LrServerConfig, listen),
     .restart = TRUE},
    {.name = "home",
     .type = LR_KEY_PATH,
     .text_default = "/var/lib/leadroute",
     .offset = offsetof(LrServerConfig, home),
     .restart = TRUE},
    {.name = "smtp",
     .type = LR_KEY_TEXT,
     .text_default = "smtp://127.0.0.1:25",
     .offset = offsetof(LrServerConfig, smtp),
     .restart = FALSE},
    {.name = "smtp_user",
     .type = LR_KEY_TEXT,
     .text_default = NULL,
     .offset = offsetof(LrServerConfig, smtp_user),
     .restart = FALSE},
    {.name = "smtp_password",
     .type = LR_KEY_TEXT,
     .text_default = NULL,
     .offset = offsetof(LrServerConfig, smtp_password),
     .restart = FALSE},
    {.name = "from",
     .type = LR_KEY_TEXT,
     .text_default = "leadroute <leads@localhost>",
     .offset = offsetof(LrServerConfig, from),
     .restart = FALSE},
    {.name = "secret_file",
     .type = LR_KEY_PATH,
     .text_default = NULL,
     .offset = offsetof(LrServerConfig, secret_file),
     .restart = TRUE},
    {.name = "templates",
     .type = LR_KEY_PATH,
     .text_default = NULL,
     .offset = offsetof(LrServerConfig, templates),
     .restart = FALSE},
    {.name = "documents",
     .type = LR_KEY_FOLDERS,
     .offset = offsetof(LrServerConfig, documents),
     .restart = FALSE},
    {.name = "user",
     .type = LR_KEY_TEXT,
     .text_default = "leadroute",
     .offset = offsetof(LrServerConfig, user),
     .restart = TRUE},
    {.name = "max_message_size",
     .type = LR_KEY_BYTES,
     .min = 1024,
     .max = G_GINT64_CONSTANT(1) << 32,
     .number_default = LR_DEFAULT_MAX_MESSAGE_SIZE,
     .offset = offsetof(LrServerConfig, max_message_size),
     .restart = TRUE},
    {.name = "session_timeout",
     .type = LR_KEY_NUMBER,
     .min = 1,
     .max = DAY,
     .number_default = LR_DEFAULT_SESSION_TIMEOUT,
     .offset = offsetof(LrServerConfig, session_timeout),
     .restart = TRUE},
    {.name = "min_data_rate",
     .type = LR_KEY_NUMBER,
     .min = 1,
     .max = 1000000000,
     .number_default = LR_DEFAULT_MIN_DATA_RATE,
     .offset = offsetof(LrServerConfig, min_data_rate),
     .restart = TRUE},
    {.name = "max_sessions",
     .type = LR_KEY_NUMBER,
     .min = 1,
     .max = 100000,
     .number_default = LR_DEFAULT_MAX_SESSIONS,
     .offset = offsetof(LrServerConfig, max_sessions),
     .restart = TRUE},
    {.name = "retry_first",
     .type = LR_KEY_NUMBER,
     .min = 1,
     .max = 7 * DAY,
     .number_default = LR_DEFAULT_RETRY_FIRST,
     .offset = offsetof(LrServerConfig, retry_first),
     .restart = FALSE},
    {.name = "retry_max",
     .type = LR_KEY_NUMBER,
     .min = 1,
     .max = 7 * DAY,
     .number_default = LR_DEFAULT_RETRY_MAX,
     .offset = offsetof(LrServerConfig, retry_max),
     .restart = FALSE},
    {.name = NULL},
};

/* server_config_keys - the key table. */
const LrServerKey *server_config_keys(void)
{
	return keys;
}

/* server_config_key_names - the table's names. */
const char *const *server_config_key_names(void)
{
	static const char *names[G_N_ELEMENTS(keys) + 1];
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		gsize i;
		for (i = 0; keys[i].name != NULL; i++)
			names[i] = keys[i].name;
		names[i] = "retention"; /* a group: set_retention */
		g_once_init_leave(&done, 1);
	}
	return names;
}

/* server_config_default_text - the embedded default. */
const char *server_config_default_text(void)
{
	return default_text;
}

/* server_config_resolve - which file to read. */
const char *server_config_resolve(const char *path)
{
	if (path != NULL)
		return path;
	if (g_file_test(LR_DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
		return LR_DEFAULT_CONFIG;
	return NULL;
}

/* server_config_free - destroy a server config. */
void server_config_free(LrServerConfig *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->file);
	g_free(cfg->name);
	g_free(cfg->domain);
	g_strfreev(cfg->listen);
	g_free(cfg->home);
	g_free(cfg->smtp);
	g_free(cfg->smtp_user);
	g_free(cfg->smtp_password);
	g_free(cfg->from);
	g_free(cfg->secret_file);
	g_free(cfg->templates);
	g_strfreev(cfg->documents);
	g_free(cfg->user);
	g_free(cfg);
}

/* key_equal - key k holds the same value in a and b. */
static gboolean key_equal(const LrServerKey *k, const LrServerConfig *a, const LrServerConfig *b)
{
	const char *x = (const char *)a + k->offset, *y = (const char *)b + k->offset;

	switch (k->type) {
	case LR_KEY_LIST:
	case LR_KEY_FOLDERS:
		return g_strv_equal(*(const char *const *const *)x, *(const char *const *const *)y);
	case LR_KEY_BYTES:
		return *(const gsize *)x == *(const gsize *)y;
	case LR_KEY_NUMBER:
		return *(const guint *)x == *(const guint *)y;
	default:
		return g_strcmp0(*(char *const *)x, *(char *const *)y) == 0;
	}
}

/* server_config_changed - the keys that differ. */
char **server_config_changed(const LrServerConfig *a, const LrServerConfig *b, gboolean restart)
{
	GPtrArray *out = g_ptr_array_new();

	for (const LrServerKey *k = keys; k->name != NULL; k++)
		if (k->restart == restart && !key_equal(k, a, b))
			g_ptr_array_add(out, g_strdup(k->name));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* server_config_copy - a deep copy, key by key. */
LrServerConfig *server_config_copy(const LrServerConfig *cfg)
{
	LrServerConfig *out = g_memdup2(cfg, sizeof *cfg);

	out->file = g_strdup(cfg->file);
	for (const LrServerKey *k = keys; k->name != NULL; k++) {
		char *slot = (char *)out + k->offset;

		if (k->type == LR_KEY_LIST || k->type == LR_KEY_FOLDERS)
			*(char ***)slot = g_strdupv(*(char ***)slot);
		else if (k->type == LR_KEY_TEXT || k->type == LR_KEY_PATH)
			*(char **)slot = g_strdup(*(char **)slot);
	}
	return out;
}

/* lr_conf_read - parse a file with its own folder as include folder. */
gboolean lr_conf_read(config_t *conf, const char *file, LrServerReportFunc report, gpointer data)
{
	g_autofree char *abs = file ? g_canonicalize_filename(file, NULL) : NULL;
	g_autofree char *dir = abs ? g_path_get_dirname(abs) : g_get_current_dir();
	const char *where;

	config_set_include_dir(conf, dir);
	if (file ? config_read_file(conf, file) : config_read_string(conf, default_text))
		return TRUE;
	where = config_error_file(conf) ? config_error_file(conf)
	        : file                  ? file
	                                : "(embedded default)";
	if (config_error_type(conf) == CONFIG_ERR_FILE_IO) {
		g_autofree char *msg = g_strdup_printf("cannot read: %s", g_strerror(errno));
		report(data, where, 0, msg);
	} else {
		report(data, where, config_error_line(conf), config_error_text(conf));
	}
	return FALSE;
}

/* Where one fill reports, and the folder relative paths start from. */
typedef struct {
	const char *file;
	const char *base;
	LrServerReportFunc report;
	gpointer data;
} Filler;

/* key_at - report a problem with setting s. */
static void key_at(const Filler *f, const config_setting_t *s, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void key_at(const Filler *f, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = config_setting_source_file(s);
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	f->report(f->data,
	          file      ? file
	          : f->file ? f->file
	                    : "(embedded default)",
	          (int)config_setting_source_line(s), msg);
}

/* path_under - an absolute path for value, relative to base. */
static char *path_under(const char *base, const char *value)
{
	if (value == NULL || *value == '\0')
		return NULL;
	if (g_path_is_absolute(value))
		return g_strdup(value);
	return g_build_filename(base, value, NULL);
}

/* program_templates - PROGRAM_DIR/../templates of the running program (a
 * build tree, or a copy of one that an unprivileged account can read), or
 * NULL when there is none. */
static char *program_templates(void)
{
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = NULL;
	char *templates;

	if (exe == NULL)
		return NULL;
	dir = g_path_get_dirname(exe);
	templates = g_build_filename(dir, "..", "templates", NULL);
	if (g_file_test(templates, G_FILE_TEST_IS_DIR))
		return templates;
	g_free(templates);
	return NULL;
}

/* staged_templates - the templates of a staged install (make install
 * DESTDIR=ROOT, a package being built): for a program running from
 * ROOT/BINDIR or ROOT/SBINDIR, ROOT/DATADIR/templates; else NULL. */
static char *staged_templates(void)
{
	static const char *const dirs[] = {LR_BINDIR, LR_SBINDIR};
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;

	for (gsize i = 0; dir != NULL && i < G_N_ELEMENTS(dirs); i++) {
		gsize n = strlen(dir), k = strlen(dirs[i]);
		g_autofree char *root = NULL;
		char *templates;

		if (n <= k || strcmp(dir + n - k, dirs[i]) != 0)
			continue;
		root = g_strndup(dir, n - k);
		templates = g_build_filename(root, LR_DATADIR, "templates", NULL);
		if (g_file_test(templates, G_FILE_TEST_IS_DIR))
			return templates;
		g_free(templates);
	}
	return NULL;
}

/* default_templates - the templates installed with the running program
 * (staged under a DESTDIR, else in DATADIR); running uninstalled, the ones
 * beside the program, else the source tree's. */
static char *default_templates(void)
{
	char *beside;

	if ((beside = staged_templates()) != NULL)
		return beside;
	if (g_file_test(LR_DATADIR "/templates", G_FILE_TEST_IS_DIR))
		return g_strdup(LR_DATADIR "/templates");
	if ((beside = program_templates()) != NULL)
		return beside;
	return g_strdup(LR_SRCDIR "/templates");
}

/* set_text - a text or path key from its value (NULL: the default). */
static void set_text(const Filler *f, const LrServerKey *k, char **slot, const char *value)
{
	if (value == NULL)
		value = k->text_default;
	if (value == NULL && strcmp(k->name, "name") == 0)
		value = g_get_host_name();
	*slot = k->type == LR_KEY_PATH ? path_under(f->base, value) : g_strdup(value);
	if (*slot == NULL && strcmp(k->name, "templates") == 0)
		*slot = default_templates();
}

/* list_item - one text of a list key (a folder: absolute under base). */
static char *list_item(const Filler *f, const LrServerKey *k, const char *v)
{
	return k->type == LR_KEY_FOLDERS ? path_under(f->base, v) : g_strdup(v);
}

/* set_list - a list key: "text" or ["text", ...], else the default. */
static void set_list(const Filler *f, const LrServerKey *k, char ***slot, const config_setting_t *s)
{
	GPtrArray *out = g_ptr_array_new();

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING)
		g_ptr_array_add(out, list_item(f, k, config_setting_get_string(s)));
	else if (s != NULL && (config_setting_is_array(s) || config_setting_is_list(s)))
		for (int i = 0; i < config_setting_length(s); i++) {
			const char *v = config_setting_get_string_elem(s, i);

			if (v != NULL && *v != '\0')
				g_ptr_array_add(out, list_item(f, k, v));
			else
				key_at(f, s, "'%s' must list non-empty texts in double quotes",
				       k->name);
		}
	else if (s != NULL)
		key_at(f, s, "'%s' must be text or a list of texts: %s = [\"a\", \"b\"];", k->name,
		       k->name);
	if (k->type == LR_KEY_LIST && out->len == 0 && s != NULL && config_setting_is_aggregate(s))
		key_at(f, s, "'%s' must name at least one address", k->name);
	if (out->len == 0 && k->text_default != NULL)
		g_ptr_array_add(out, g_strdup(k->text_default));
	g_ptr_array_add(out, NULL);
	*slot = (char **)g_ptr_array_free(out, FALSE);
}

/* get_number - a whole-number key in its range into *out; FALSE (and
 * reported) when it is not one. */
static gboolean get_number(const Filler *f, const LrServerKey *k, const config_setting_t *s,
                           gint64 *out)
{
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		key_at(f, s,
		       "'%s' must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
		       k->name, k->min, k->max);
		return FALSE;
	}
	*out = config_setting_get_int64(s);
	if (*out < k->min || *out > k->max) {
		key_at(f, s,
		       "'%s' is %" G_GINT64_FORMAT ": it must be from %" G_GINT64_FORMAT
		       " to %" G_GINT64_FORMAT,
		       k->name, *out, k->min, k->max);
		return FALSE;
	}
	return TRUE;
}

/* set_key - one key of the table from group g (NULL: no server group). */
static void set_key(const Filler *f, const LrServerKey *k, LrServerConfig *cfg,
                    const config_setting_t *g)
{
	config_setting_t *s = g ? config_setting_get_member(g, k->name) : NULL;
	char *slot = (char *)cfg + k->offset;
	gint64 n = k->number_default;

	if (k->type == LR_KEY_LIST || k->type == LR_KEY_FOLDERS) {
		set_list(f, k, (char ***)slot, s);
		return;
	}
	if (k->type == LR_KEY_TEXT || k->type == LR_KEY_PATH) {
		const char *v = NULL;

		if (s != NULL && (config_setting_type(s) != CONFIG_TYPE_STRING ||
		                  *(v = config_setting_get_string(s)) == '\0')) {
			key_at(f, s, "'%s' must be non-empty text in double quotes", k->name);
			v = NULL;
		}
		set_text(f, k, (char **)slot, v);
		return;
	}
	if (s != NULL && !get_number(f, k, s, &n))
		n = k->number_default;
	if (k->type == LR_KEY_BYTES)
		*(gsize *)slot = (gsize)n;
	else
		*(guint *)slot = (guint)n;
}

/* retention_secs - "730d", "12h", "30m" or "90s" (a unit is required: a
 * bare "730" is more likely days than seconds); -1 when text is none. */
static gint64 retention_secs(const char *text)
{
	char *end = NULL;
	gint64 n = g_ascii_strtoll(text, &end, 10);
	const char *units = "smhd";
	const gint64 mult[] = {1, 60, 3600, 86400};
	const char *u;

	if (end == text || n < 0)
		return -1;
	if (*end == '\0' || end[1] != '\0' || (u = strchr(units, *end)) == NULL)
		return -1;
	return n * mult[u - units];
}

/* set_retention - the retention group: closed_after, a duration. */
static void set_retention(const Filler *f, LrServerConfig *cfg, const config_setting_t *g)
{
	config_setting_t *r = g ? config_setting_get_member(g, "retention") : NULL;
	config_setting_t *m;
	const char *v;

	cfg->retention_closed_after = 0;
	if (r == NULL)
		return;
	if (!config_setting_is_group(r)) {
		key_at(f, r,
		       "'retention' must be a group: retention = { closed_after = \"730d\"; };");
		return;
	}
	for (int i = 0; i < config_setting_length(r); i++) {
		m = config_setting_get_elem(r, (unsigned)i);
		if (strcmp(config_setting_name(m), "closed_after") != 0)
			key_at(f, m, "unknown key '%s' in server.retention",
			       config_setting_name(m));
	}
	if ((m = config_setting_get_member(r, "closed_after")) == NULL)
		return;
	v = config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
	cfg->retention_closed_after = retention_secs(v);
	if (cfg->retention_closed_after <= 0) {
		key_at(f, m, "'closed_after' must be a duration with a unit: \"730d\", \"12h\"");
		cfg->retention_closed_after = 0;
	}
}

/* fill_table - every key of the table into cfg. */
static void fill_table(const Filler *f, LrServerConfig *cfg, const config_setting_t *g)
{
	for (const LrServerKey *k = keys; k->name != NULL; k++)
		set_key(f, k, cfg, g);
	set_retention(f, cfg, g);
	if (g != NULL && cfg->retry_max < cfg->retry_first)
		key_at(f,
		       config_setting_get_member(g, "retry_max")
		           ? config_setting_get_member(g, "retry_max")
		           : g,
		       "'retry_max' (%u) must be at least 'retry_first' (%u)", cfg->retry_max,
		       cfg->retry_first);
}

/* report_none - a report function that drops what it is given. */
static void report_none(gpointer data, const char *file, int line, const char *message)
{
	(void)data, (void)file, (void)line, (void)message;
}

/* server_config_defaults - every default. */
LrServerConfig *server_config_defaults(const char *base)
{
	Filler f = {NULL, base, report_none, NULL};
	LrServerConfig *cfg = g_new0(LrServerConfig, 1);

	cfg->file = g_strdup("(defaults)");
	fill_table(&f, cfg, NULL);
	return cfg;
}

/* server_config_fill - the server group of a parsed file. */
LrServerConfig *server_config_fill(const config_t *conf, const char *file,
                                   LrServerReportFunc report, gpointer data)
{
	g_autofree char *abs = file ? g_canonicalize_filename(file, NULL) : NULL;
	g_autofree char *base = abs ? g_path_get_dirname(abs) : g_get_current_dir();
	config_setting_t *g = config_lookup(conf, "server");
	Filler f = {file, base, report, data};
	LrServerConfig *cfg = g_new0(LrServerConfig, 1);

	cfg->file = g_strdup(file ? file : "(embedded default)");
	if (g != NULL && !config_setting_is_group(g)) {
		key_at(&f, g, "'server' must be a group: server = { ... };");
		g = NULL;
	}
	fill_table(&f, cfg, g);
	return cfg;
}

/* collect - a report function gathering "file:line: message" lines. */
static void collect(gpointer data, const char *file, int line, const char *message)
{
	GString *all = data;

	if (all->len > 0)
		g_string_append_c(all, '\n');
	if (line > 0)
		g_string_append_printf(all, "%s:%d: %s", file, line, message);
	else
		g_string_append_printf(all, "%s: %s", file, message);
}

/* server_config_load - read the server group alone. */
LrServerConfig *server_config_load(const char *path, GError **error)
{
	const char *file = server_config_resolve(path);
	g_autoptr(GString) problems = g_string_new(NULL);
	LrServerConfig *cfg = NULL;
	config_t conf;

	config_init(&conf);
	if (lr_conf_read(&conf, file, collect, problems))
		cfg = server_config_fill(&conf, file, collect, problems);
	config_destroy(&conf);
	if (problems->len == 0)
		return cfg;
	server_config_free(cfg);
	g_set_error_literal(error, LR_ERROR, LR_ERROR_CONFIG, problems->str);
	return NULL;
}
