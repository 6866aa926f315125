/* cmd-lead-status.c - leadroute lead status ID contacted|won [AMOUNT]|lost
 * [REASON]: the outcome of a lead a one-way (ADF) partner holds, recorded
 * by hand with the admin as the actor. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "router/outcome.h"
#include "rules/load.h"
#include "src/commands.h"

/* status_args - the stage and its argument from argv (ID STAGE [ARG...]):
 * *arg a new string or NULL.  Returns FALSE with the reason in *why. */
static gboolean status_args(int argc, char **argv, char **arg, const char **why)
{
	*arg = NULL;
	if (strcmp(argv[2], "contacted") == 0)
		return argc == 3 || (*why = "contacted takes nothing more", FALSE);
	if (cmd_outcome_args(argc, argv, 2, arg, why))
		return TRUE;
	if (strcmp(argv[2], "won") != 0)
		*why = "give the lead's id and contacted, won [AMOUNT] or lost [REASON]";
	return FALSE;
}

/* status_record - record the outcome in the store; the exit status. */
static int status_record(const CmdLead *c, const char *stage, const char *arg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = lr_config_load(c->config, &error);
	LrQueue *q = cfg ? queue_open(cfg->server->home, FALSE, &error) : NULL;
	gboolean ok;

	if (q == NULL) {
		fprintf(stderr, "leadroute lead status: %s\n", error->message);
		return 1;
	}
	ok = router_outcome_record(q, cfg, c->id, stage, arg, c->actor, &error);
	queue_close(q);
	if (!ok) {
		fprintf(stderr, "leadroute lead status: %s\n", error->message);
		return 1;
	}
	printf("lead %" G_GUINT64_FORMAT ": %s%s%s (by %s)\n", c->id, stage, arg ? " " : "",
	       arg ? arg : "", c->actor);
	return 0;
}

int cmd_lead_status(int argc, char **argv)
{
	CmdLead c = {.verb = "status"};
	g_autofree char *arg = NULL;
	const char *why = NULL;
	int status;

	if ((status = cmd_lead_parse(&c, &argc, &argv, 1)) < 0)
		status = status_args(argc, argv, &arg, &why) ? status_record(&c, argv[2], arg)
		                                             : cmd_usage_error("lead status", why);
	cmd_lead_clear(&c);
	return status;
}
