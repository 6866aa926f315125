/* cmd-lead.c - leadroute lead VERB ...: what an admin does to one lead.
 * Each verb lives in its own file (src/cmd-lead-VERB.c) and is listed
 * here. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "src/commands.h"

typedef struct {
	const char *verb;
	int (*run)(int argc, char **argv);
	const char *usage;
} LeadVerb;

static const LeadVerb lead_verbs[] = {
    {"status", cmd_lead_status, LEAD_STATUS_USAGE},
    {"reassign", cmd_lead_reassign, LEAD_REASSIGN_USAGE},
    {"close", cmd_lead_close, LEAD_CLOSE_USAGE},
    {"note", cmd_lead_note, LEAD_NOTE_USAGE},
};

/* lead_usage - every verb's usage on stderr; the exit status of misuse. */
static int lead_usage(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(lead_verbs); i++)
		fprintf(stderr, "usage: leadroute lead %s\n", lead_verbs[i].usage);
	return 64;
}

int cmd_lead(int argc, char **argv)
{
	if (argc < 2)
		return lead_usage();
	for (gsize i = 0; i < G_N_ELEMENTS(lead_verbs); i++)
		if (strcmp(argv[1], lead_verbs[i].verb) == 0)
			return lead_verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "leadroute lead: unknown verb '%s'\n", argv[1]);
	return lead_usage();
}
