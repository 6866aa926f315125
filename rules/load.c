/* load.c - the configuration's one entry point: read (lr-config.c), check
 * (check.c) and build the routing plans (route.c). */
#include "config.h"

#include "lead/lr-error.h"
#include "rules/check.h"
#include "rules/load.h"
#include "rules/route.h"

/* load_pass - what follows a clean read: the whole-configuration checks
 * and the routing plans. */
static void load_pass(LrConfig *cfg, LrConfigReportFunc report, gpointer data)
{
	check_config(cfg, report, data);
	route_plan_build(cfg);
}

/* lr_config_check - read and check a configuration. */
GPtrArray *lr_config_check(const char *path, LrConfig **out)
{
	return lr_config_read(path, load_pass, out);
}

/* lr_config_check_server - read and check, keeping the server group. */
GPtrArray *lr_config_check_server(const char *path, LrConfig **out, LrServerConfig **server)
{
	return lr_config_read_full(path, load_pass, out, server);
}

/* lr_config_load - a configuration that checks clean. */
LrConfig *lr_config_load(const char *path, GError **error)
{
	LrConfig *cfg = NULL;
	g_autoptr(GPtrArray) problems = lr_config_check(path, &cfg);
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
