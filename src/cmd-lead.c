/* cmd-lead.c - leadroute lead VERB ...: what an admin does to one lead.
 * Each verb lives in its own file (src/cmd-lead-VERB.c) and is listed
 * here; the command line they share (options, the lead id, won/lost) is
 * read here too. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "src/commands.h"

const CmdVerb cmd_lead_verbs[] = {
    {"status", cmd_lead_status},
    {"reassign", cmd_lead_reassign},
    {"close", cmd_lead_close},
    {"note", cmd_lead_note},
};
const gsize cmd_lead_nverbs = G_N_ELEMENTS(cmd_lead_verbs);

int cmd_lead(int argc, char **argv)
{
	return cmd_verbs("lead", cmd_lead_verbs, cmd_lead_nverbs, argc, argv);
}

/* cmd_lead_parse - see commands.h. */
int cmd_lead_parse(CmdLead *c, int *argc, char ***argv, int more)
{
	GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config, "configuration file", "FILE"},
	    {"actor", 0, 0, G_OPTION_ARG_STRING, &c->actor, "who did it (default: admin:LOGIN)",
	     "NAME"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autofree char *name = g_strconcat("lead ", c->verb, NULL);
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if ((rc = cmd_options(ctx, name, argc, argv)) >= 0)
		return rc;
	if (*argc < 2 + more || !cmd_lead_id((*argv)[1], &c->id))
		return cmd_usage_error(name, "give the lead's id (a number) and what to do");
	if (c->actor == NULL)
		c->actor = g_strdup_printf("admin:%s", g_get_user_name());
	return -1;
}

/* cmd_lead_clear - free what cmd_lead_parse set. */
void cmd_lead_clear(CmdLead *c)
{
	g_clear_pointer(&c->config, g_free);
	g_clear_pointer(&c->actor, g_free);
}

/* cmd_amount - TRUE when text is an amount: digits with at most one
 * decimal point ("5000", "5000.50"). */
static gboolean cmd_amount(const char *text)
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

/* cmd_outcome_args - see commands.h. */
gboolean cmd_outcome_args(int argc, char **argv, int first, char **arg, const char **why)
{
	const char *stage = argv[first];

	*arg = NULL;
	if (strcmp(stage, "won") == 0) {
		if (argc > first + 2 || (argc == first + 2 && !cmd_amount(argv[first + 1])))
			return (*why = "won takes one amount, such as 5000 or 5000.50", FALSE);
		*arg = argc == first + 2 ? g_strdup(argv[first + 1]) : NULL;
		return TRUE;
	}
	if (strcmp(stage, "lost") == 0) {
		*arg = argc > first + 1 ? g_strjoinv(" ", argv + first + 1) : NULL;
		return TRUE;
	}
	*why = "close as won or lost";
	return FALSE;
}
