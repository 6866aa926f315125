/* cmd-list.c - leadroute list: leads by status, user or source. */
#include "config.h"

#include <stdio.h>

#include "lead/lr-error.h"
#include "report/leads.h"
#include "rules/server-config.h"
#include "src/commands.h"

int cmd_list(int argc, char **argv)
{
	g_autofree char *config = NULL, *status = NULL, *user = NULL, *source = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &json, "print a JSON array", NULL},
		{"status", 0, 0, G_OPTION_ARG_STRING, &status, "only this status", "S"},
		{"user", 0, 0, G_OPTION_ARG_STRING, &user, "only leads this user holds", "U"},
		{"source", 0, 0, G_OPTION_ARG_STRING, &source, "only this source", "S"},
		{NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list leads");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) cfg = NULL;
	LrListOptions opt;
	LrQueue *q;
	gboolean ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) ||
	    (cfg = server_config_load(config, &error)) == NULL ||
	    (q = queue_open(cfg->home, FALSE, &error)) == NULL) {
		fprintf(stderr, "leadroute list: %s\n", error->message);
		return 1;
	}
	opt = (LrListOptions){status, user, source, json};
	ok = report_list(q, &opt, stdout, &error);
	queue_close(q);
	if (!ok)
		fprintf(stderr, "leadroute list: %s\n", error->message);
	return ok ? 0 : 1;
}
