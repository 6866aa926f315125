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

/* status_amount - TRUE when text is an amount: digits with at most one
 * decimal point ("12000", "12000.50"). */
static gboolean status_amount(const char *text)
{
	gboolean digit = FALSE, point = FALSE;

	for (const char *p = text; *p; p++) {
		if (g_ascii_isdigit(*p))
			digit = TRUE;
		else if (*p == '.' && !point)
			point = TRUE;
		else
			return FALSE;
	}
	return digit;
}

/* status_args - the stage and its argument from argv (ID STAGE [ARG...]):
 * *arg a new string or NULL.  Returns FALSE with the reason in *why. */
static gboolean status_args(int argc, char **argv, guint64 *id, char **arg, const char **why)
{
	const char *stage = argc >= 3 ? argv[2] : "";

	*arg = NULL;
	*why = "give the lead's id and contacted, won [AMOUNT] or lost [REASON]";
	if (argc < 3 || !g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXUINT64, id, NULL))
		return FALSE;
	if (strcmp(stage, "contacted") == 0)
		return argc == 3 || (*why = "contacted takes nothing more", FALSE);
	if (strcmp(stage, "won") == 0) {
		if (argc > 4 || (argc == 4 && !status_amount(argv[3])))
			return (*why = "won takes one amount, such as 12000 or 12000.50", FALSE);
		*arg = argc == 4 ? g_strdup(argv[3]) : NULL;
		return TRUE;
	}
	if (strcmp(stage, "lost") == 0) {
		*arg = argc > 3 ? g_strjoinv(" ", argv + 3) : NULL;
		return TRUE;
	}
	return FALSE;
}

int cmd_lead_status(int argc, char **argv)
{
	g_autofree char *config = NULL, *actor = NULL, *arg = NULL;
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE"},
	    {"actor", 0, 0, G_OPTION_ARG_STRING, &actor, "who recorded it (default: admin:LOGIN)",
	     "NAME"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx =
	    g_option_context_new("ID contacted|won [AMOUNT]|lost [REASON]");
	g_autoptr(GError) error = NULL;
	g_autoptr(LrConfig) cfg = NULL;
	const char *why = NULL;
	guint64 id = 0;
	LrQueue *q;
	gboolean ok;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		goto fail;
	if (!status_args(argc, argv, &id, &arg, &why)) {
		fprintf(stderr, "leadroute lead status: %s\nusage: leadroute lead %s\n", why,
		        LEAD_STATUS_USAGE);
		return 64;
	}
	if (actor == NULL)
		actor = g_strdup_printf("admin:%s", g_get_user_name());
	if ((cfg = lr_config_load(config, &error)) == NULL ||
	    (q = queue_open(cfg->server->home, FALSE, &error)) == NULL)
		goto fail;
	ok = router_outcome_record(q, cfg, id, argv[2], arg, actor, &error);
	queue_close(q);
	if (!ok)
		goto fail;
	printf("lead %" G_GUINT64_FORMAT ": %s%s%s (by %s)\n", id, argv[2], arg ? " " : "",
	       arg ? arg : "", actor);
	return 0;
fail:
	fprintf(stderr, "leadroute lead status: %s\n", error->message);
	return 1;
}
