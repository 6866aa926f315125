/* cmd-usage.c - the usage line of every subcommand and verb, in one table:
 * what `leadroute`, `leadroute --help`, a subcommand's --help and a bad
 * option print.  Data only: it names no command function, so the option
 * handling (cmd-opts.c) can read it without depending on the commands. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "src/commands.h"

/* A subcommand ("show") or a verb ("lead close": the usage after "lead "). */
typedef struct {
	const char *name, *usage;
} CmdUsage;

/* clang-format off */
static const CmdUsage usages[] = {
    {"check", "check [-c FILE]"},
    {"parse", "parse [-c FILE] [--json] [-r RECIPIENT] MSG...  (one JSON object per line)"},
    {"parse-reply", "parse-reply [--json] [-r RECIPIENT] MSG..."},
    {"route",
     "route --dry-run [-c FILE] [--json] [-r RCPT] [--at TIME] [--rejected-by ID]...\n"
     "       [--away USER]... MSG"},
    {"deliver", "deliver [-c FILE] [-r RECIPIENT] [-s SENDER]"},
    {"list",
     "list [-c FILE] [--json] [--status S] [--user U] [--source S] [--server ID]\n"
     "       [--since D] [--until D] [--by time|priority] [--limit N] [--before ID]"},
    {"show", "show [-c FILE] [--json] [--raw] ID"},
    {"report",
     "report [-c FILE] --by source|campaign|user|team|server|day|week [--since D]\n"
     "       [--until D] [--team TEAM] [--format text|csv|json|html] [-o FILE] [--now TIME]"},
    {"user", "user list|show|away|back ...  (leadroute user for each)"},
    {"user list", "list [-c FILE]"},
    {"user show", "show [-c FILE] ID"},
    {"user away", "away [-c FILE] [--until DATE] ID"},
    {"user back", "back [-c FILE] ID"},
    {"peer-secret", "peer-secret [-o FILE]  (a new secret for a peer's secret_file)"},
    {"lead", "lead status|reassign|close|note ...  (leadroute lead for each)"},
    {"lead status", LEAD_STATUS_USAGE},
    {"lead reassign", LEAD_REASSIGN_USAGE},
    {"lead close", LEAD_CLOSE_USAGE},
    {"lead note", LEAD_NOTE_USAGE},
    {"backup", "backup [-c FILE] DIR  (hot copy while the daemon runs)"},
    {"restore", "restore [-c FILE] [--home DIR] BACKUP"},
    {"erase", "erase [-c FILE] [--reason TEXT] ID"},
    {"sources", "sources [-c FILE] [ID...]  (connect to each mailbox source once)"},
    {"replay", "replay [-c NEW.conf] [--since D] [--until D] [--json]"},
};
/* clang-format on */

/* cmd_usage - see commands.h. */
const char *cmd_usage(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(usages); i++)
		if (strcmp(usages[i].name, name) == 0)
			return usages[i].usage;
	return NULL;
}

/* is_verb_of - is entry u a verb of subcommand name? */
static gboolean is_verb_of(const CmdUsage *u, const char *name)
{
	gsize len = strlen(name);

	return strncmp(u->name, name, len) == 0 && u->name[len] == ' ';
}

/* cmd_usage_verbs - see commands.h. */
guint cmd_usage_verbs(FILE *out, const char *prefix, const char *name)
{
	guint n = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(usages); i++)
		if (is_verb_of(&usages[i], name) && ++n)
			fprintf(out, "%sleadroute %s %s\n", prefix, name, usages[i].usage);
	return n;
}

/* cmd_usage_all - see commands.h. */
void cmd_usage_all(FILE *out)
{
	fprintf(out, "usage: leadroute [-c FILE] SUBCOMMAND [OPTIONS]\n");
	for (gsize i = 0; i < G_N_ELEMENTS(usages); i++)
		if (strchr(usages[i].name, ' ') == NULL &&
		    cmd_usage_verbs(out, "  ", usages[i].name) == 0)
			fprintf(out, "  leadroute %s\n", usages[i].usage);
}
