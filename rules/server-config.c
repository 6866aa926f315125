/* server-config.c - read the server group of leadroute.conf (libconfig). */
#include "config.h"

#include <libconfig.h>

#include "lead/lr-error.h"
#include "rules/server-config.h"

/* The largest server.min_data_rate: a gigabyte per second. */
#define SERVER_MAX_RATE 1000000000

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

/* path_under - an absolute path for value, relative to base. */
static char *path_under(const char *base, const char *value)
{
	if (value == NULL || *value == '\0')
		return NULL;
	if (g_path_is_absolute(value))
		return g_strdup(value);
	return g_build_filename(base, value, NULL);
}

/* get_str - a string member of group, or fallback. */
static char *get_str(config_setting_t *group, const char *name, const char *fallback)
{
	const char *value = NULL;

	if (group == NULL || !config_setting_lookup_string(group, name, &value))
		value = fallback;
	return g_strdup(value);
}

/* get_listen - the listen list (a string or a list of strings). */
static char **get_listen(config_setting_t *group)
{
	config_setting_t *s = group ? config_setting_get_member(group, "listen") : NULL;
	GPtrArray *out = g_ptr_array_new();

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING)
		g_ptr_array_add(out, g_strdup(config_setting_get_string(s)));
	for (int i = 0; s != NULL && i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);
		if (v != NULL)
			g_ptr_array_add(out, g_strdup(v));
	}
	if (out->len == 0)
		g_ptr_array_add(out, g_strdup("inet:127.0.0.1:2424"));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* get_folders - a list of folders (a string or a list of strings), each
 * absolute under base. */
static char **get_folders(config_setting_t *group, const char *name, const char *base)
{
	config_setting_t *s = group ? config_setting_get_member(group, name) : NULL;
	GPtrArray *out = g_ptr_array_new();

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING)
		g_ptr_array_add(out, path_under(base, config_setting_get_string(s)));
	for (int i = 0; s != NULL && i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);
		if (v != NULL && *v != '\0')
			g_ptr_array_add(out, path_under(base, v));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* get_uint - an integer member, or fallback. */
static long long get_uint(config_setting_t *group, const char *name, long long fallback)
{
	long long value;
	int small;

	if (group == NULL)
		return fallback;
	if (config_setting_lookup_int64(group, name, &value))
		return value;
	if (config_setting_lookup_int(group, name, &small))
		return small;
	return fallback;
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

/* default_templates - the installed templates; running uninstalled, the
 * ones beside the program, else the source tree's. */
static char *default_templates(void)
{
	char *beside;

	if (g_file_test(LR_DATADIR "/templates", G_FILE_TEST_IS_DIR))
		return g_strdup(LR_DATADIR "/templates");
	if ((beside = program_templates()) != NULL)
		return beside;
	return g_strdup(LR_SRCDIR "/templates");
}

/* fill - copy the server group into cfg. */
static void fill(LrServerConfig *cfg, config_t *conf, const char *base)
{
	config_setting_t *g = config_lookup(conf, "server");
	g_autofree char *home = get_str(g, "home", "/var/lib/leadroute");
	g_autofree char *secret = get_str(g, "secret_file", NULL);
	g_autofree char *templates = get_str(g, "templates", NULL);

	cfg->name = get_str(g, "name", g_get_host_name());
	cfg->domain = get_str(g, "domain", "localhost");
	cfg->listen = get_listen(g);
	cfg->home = path_under(base, home);
	cfg->smtp = get_str(g, "smtp", "smtp://127.0.0.1:25");
	cfg->smtp_user = get_str(g, "smtp_user", NULL);
	cfg->smtp_password = get_str(g, "smtp_password", NULL);
	cfg->from = get_str(g, "from", "leadroute <leads@localhost>");
	cfg->secret_file = path_under(base, secret);
	cfg->templates = templates ? path_under(base, templates) : default_templates();
	cfg->documents = get_folders(g, "documents", base);
	cfg->user = get_str(g, "user", "leadroute");
	cfg->max_message_size = (gsize)get_uint(g, "max_message_size", 10 * 1024 * 1024);
	cfg->session_timeout = (guint)get_uint(g, "session_timeout", 300);
	cfg->min_data_rate = (guint)get_uint(g, "min_data_rate", 500);
	cfg->max_sessions = (guint)get_uint(g, "max_sessions", 256);
	cfg->retry_first = (guint)get_uint(g, "retry_first", 60);
	cfg->retry_max = (guint)get_uint(g, "retry_max", 3600);
}

/* check_rate - server.min_data_rate, when set, is a whole number of bytes
 * per second from 1 to SERVER_MAX_RATE; else "file:line: ..." in error. */
static gboolean check_rate(config_t *conf, const char *file, GError **error)
{
	config_setting_t *s = config_lookup(conf, "server.min_data_rate");
	int type = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
	long long v = type == CONFIG_TYPE_INT64 ? config_setting_get_int64(s)
		      : type == CONFIG_TYPE_INT	  ? config_setting_get_int(s)
						  : 0;

	if (s == NULL || (v >= 1 && v <= SERVER_MAX_RATE))
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_CONFIG,
		    "%s:%d: server.min_data_rate must be a whole number of bytes per second "
		    "from 1 to %d",
		    file ? file : "(embedded default)", config_setting_source_line(s),
		    SERVER_MAX_RATE);
	return FALSE;
}

/* server_config_load - read the server group. */
LrServerConfig *server_config_load(const char *path, GError **error)
{
	const char *file = server_config_resolve(path);
	g_autofree char *abs = file ? g_canonicalize_filename(file, NULL) : NULL;
	g_autofree char *base = abs ? g_path_get_dirname(abs) : g_get_current_dir();
	LrServerConfig *cfg;
	config_t conf;
	int ok;

	config_init(&conf);
	ok = file ? config_read_file(&conf, file) : config_read_string(&conf, default_text);
	if (!ok) {
		g_set_error(error, LR_ERROR, LR_ERROR_CONFIG, "%s:%d: %s",
			    file ? file : "(embedded default)", config_error_line(&conf),
			    config_error_text(&conf));
		config_destroy(&conf);
		return NULL;
	}
	if (!check_rate(&conf, file, error)) {
		config_destroy(&conf);
		return NULL;
	}
	cfg = g_new0(LrServerConfig, 1);
	cfg->file = g_strdup(file ? file : "(embedded default)");
	fill(cfg, &conf, base);
	config_destroy(&conf);
	return cfg;
}
