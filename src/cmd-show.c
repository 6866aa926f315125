/* cmd-show.c - leadroute show: one lead with its whole history. */
#include "config.h"

#include <stdio.h>

#include "lead/lr-error.h"
#include "report/leads.h"
#include "rules/server-config.h"
#include "src/commands.h"

int cmd_show(int argc, char **argv)
{
	g_autofree char *config = NULL;
	gboolean json = FALSE, raw = FALSE;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print a JSON object", NULL},
	    {"raw", 0, 0, G_OPTION_ARG_NONE, &raw, "print the message as received", NULL},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("ID - show one lead");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrServerConfig) cfg = NULL;
	guint64 id = 0;
	LrQueue *q;
	gboolean ok;

	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, "show", &argc, &argv)) >= 0)
		return rc;
	if (argc != 2 || !cmd_lead_id(argv[1], &id))
		return cmd_usage_error("show", "give one lead's id");
	if ((cfg = server_config_load(config, &error)) == NULL ||
	    (q = queue_open(cfg->home, FALSE, &error)) == NULL)
		goto fail;
	ok = report_show(q, id, json, raw, stdout, &error);
	queue_close(q);
	if (ok)
		return 0;
fail:
	fprintf(stderr, "leadroute show: %s\n", error->message);
	return 1;
}
