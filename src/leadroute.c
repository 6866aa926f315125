/* leadroute - the command-line program: one subcommand per run. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/log.h"
#include "src/commands.h"

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} Command;

static const Command commands[] = {
	{"check", cmd_check, "check [-c FILE]"},
	{"parse", cmd_parse, "parse [-c FILE] [--json] [-r RECIPIENT] MSG...  (one JSON object per line)"},
	{"parse-reply", cmd_parse_reply, "parse-reply [--json] [-r RECIPIENT] MSG..."},
	{"route", cmd_route, "route --dry-run [-c FILE] [--json] [--at TIME] MSG"},
	{"deliver", cmd_deliver, "deliver [-c FILE] [-r RECIPIENT] [-s SENDER]"},
	{"list", cmd_list, "list [-c FILE] [--json] [--status S] [--user U] [--source S]"},
	{"show", cmd_show, "show [-c FILE] [--json] [--raw] ID"},
	{"report", cmd_report,
	 "report [-c FILE] --by source|user [--since DATE] [--format text|csv|json]"},
	{"user", cmd_user, "user away|back|show [-c FILE] [--until DATE] ID"},
	{"peer-secret", cmd_peer_secret, "peer-secret [-o FILE]  (a new secret for a peer's secret_file)"},
	{"lead", cmd_lead, "lead " LEAD_STATUS_USAGE},
	{"sources", cmd_sources, "sources [-c FILE] [ID...]  (connect to each mailbox source once)"},
};

/* usage - print the subcommands and return the exit status for misuse. */
static int usage(FILE *out)
{
	fprintf(out, "usage: leadroute SUBCOMMAND [OPTIONS]\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  leadroute %s\n", commands[i].usage);
	return out == stdout ? 0 : 64;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	/* A closed pipe (leadroute list | head) must not kill us inside a
	 * database call: writes fail instead. */
	signal(SIGPIPE, SIG_IGN);
	lr_log_open("leadroute", TRUE);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "leadroute: unknown subcommand '%s'\n", argv[1]);
	return usage(stderr);
}
