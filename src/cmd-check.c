/* cmd-check.c - leadroute check: validate the whole configuration. */
#include "config.h"

#include <stdio.h>

#include <glib.h>

#include "mailer/compose.h"
#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/server-config.h"
#include "src/commands.h"

/* cmd_check - print every problem as file:line: message (exit 1), or
 * "configuration OK" (exit 0). */
int cmd_check(int argc, char **argv)
{
	g_autofree char *file = NULL;
	GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &file, "configuration file", "FILE"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- check the configuration");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) problems = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1) {
		fprintf(stderr, "leadroute check: %s\nusage: leadroute check [-c FILE]\n",
			error ? error->message : "unexpected argument");
		return 64;
	}
	problems = lr_config_check(file, NULL);
	/* The notification templates are part of the configuration too. */
	g_autoptr(LrServerConfig) srv = server_config_load(file, NULL);
	if (srv != NULL)
		mailer_templates_check(srv->templates, problems);
	for (guint i = 0; i < problems->len; i++)
		printf("%s\n", (char *)g_ptr_array_index(problems, i));
	if (problems->len > 0)
		return 1;
	printf("configuration OK\n");
	return 0;
}
