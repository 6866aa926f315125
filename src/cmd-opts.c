/* cmd-opts.c - what every subcommand does with its command line the same
 * way: options (--help: the usage on stdout, exit 0; a bad option: the
 * usage on stderr, exit 64), verbs (lead, user), lead ids. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "src/commands.h"

/* Exit status of misuse (sysexits.h EX_USAGE). */
#define CMD_EX_USAGE 64

/* cmd_print_usage - "usage: leadroute USAGE" on out (for a verb, "lead
 * close ...": the verb's usage after the subcommand). */
static void cmd_print_usage(FILE *out, const char *name)
{
	const char *usage = cmd_usage(name), *sp = strchr(name, ' ');
	g_autofree char *head = sp ? g_strndup(name, sp - name + 1) : g_strdup("");

	fprintf(out, "usage: leadroute %s%s\n", head, usage ? usage : name);
}

/* cmd_usage_error - see commands.h. */
int cmd_usage_error(const char *name, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "leadroute %s: %s\n", name, why);
	cmd_print_usage(stderr, name);
	return CMD_EX_USAGE;
}

/* cmd_print_help - the usage line, then the options GOption describes
 * (its help text after its own "Usage:" paragraph). */
static void cmd_print_help(GOptionContext *ctx, const char *name)
{
	g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
	const char *options = help ? strstr(help, "\n\n") : NULL;

	cmd_print_usage(stdout, name);
	if (options != NULL)
		fputs(options + 1, stdout);
}

/* cmd_options - see commands.h. */
int cmd_options(GOptionContext *ctx, const char *name, int *argc, char ***argv)
{
	gboolean help = FALSE;
	GOptionEntry help_entry[] = {
	    {"help", 'h', 0, G_OPTION_ARG_NONE, &help, "print this help and exit", NULL}, {NULL}};
	g_autoptr(GError) error = NULL;

	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_add_main_entries(ctx, help_entry, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error))
		return cmd_usage_error(name, error->message);
	if (help) {
		cmd_print_help(ctx, name);
		return 0;
	}
	return -1;
}

/* cmd_verb_usage - every verb's usage on out. */
static void cmd_verb_usage(FILE *out, const char *name)
{
	cmd_usage_verbs(out, "usage: ", name);
}

/* cmd_verb_lift - `NAME -c FILE VERB ...` as `NAME VERB -c FILE ...`
 * (also --config FILE, --config=FILE): argv rearranged in place.  FALSE
 * when the line starts with another option. */
static gboolean cmd_verb_lift(int argc, char **argv)
{
	int take;
	char *opt[2];

	if (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0)
		take = 2;
	else if (g_str_has_prefix(argv[1], "--config="))
		take = 1;
	else
		return FALSE;
	if (argc < take + 2)
		return FALSE;
	opt[0] = argv[1];
	opt[1] = take == 2 ? argv[2] : NULL;
	argv[1] = argv[1 + take];
	argv[2] = opt[0];
	if (take == 2)
		argv[3] = opt[1];
	return TRUE;
}

/* cmd_verbs - see commands.h. */
int cmd_verbs(const char *name, const CmdVerb *verbs, gsize n, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_verb_usage(stdout, name);
		return 0;
	}
	if (argc >= 2 && argv[1][0] == '-' && !cmd_verb_lift(argc, argv)) {
		fprintf(stderr, "leadroute %s: '%s' before the verb\n", name, argv[1]);
		cmd_verb_usage(stderr, name);
		return CMD_EX_USAGE;
	}
	for (gsize i = 0; argc >= 2 && i < n; i++)
		if (strcmp(argv[1], verbs[i].verb) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	if (argc >= 2)
		fprintf(stderr, "leadroute %s: unknown verb '%s'\n", name, argv[1]);
	cmd_verb_usage(stderr, name);
	return CMD_EX_USAGE;
}

/* cmd_lead_id - see commands.h. */
gboolean cmd_lead_id(const char *text, guint64 *id)
{
	return text != NULL && g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT64, id, NULL);
}
