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

/* The verbs of the subcommands that have them. */
typedef struct {
	const char *name;
	const CmdVerb *verbs;
	const gsize *n;
} VerbTable;

static const VerbTable verb_tables[] = {
    {"lead", cmd_lead_verbs, &cmd_lead_nverbs},
    {"user", cmd_user_verbs, &cmd_user_nverbs},
};

static const Command commands[] = {
    {"check", cmd_check, "check [-c FILE]"},
    {"parse", cmd_parse,
     "parse [-c FILE] [--json] [-r RECIPIENT] MSG...  (one JSON object per line)"},
    {"parse-reply", cmd_parse_reply, "parse-reply [--json] [-r RECIPIENT] MSG..."},
    {"route", cmd_route,
     "route --dry-run [-c FILE] [--json] [-r RCPT] [--at TIME] [--rejected-by ID]...\n"
     "       [--away USER]... MSG"},
    {"deliver", cmd_deliver, "deliver [-c FILE] [-r RECIPIENT] [-s SENDER]"},
    {"list", cmd_list,
     "list [-c FILE] [--json] [--status S] [--user U] [--source S] [--server ID]\n"
     "       [--since D] [--until D] [--by time|priority] [--limit N] [--before ID]"},
    {"show", cmd_show, "show [-c FILE] [--json] [--raw] ID"},
    {"report", cmd_report,
     "report [-c FILE] --by source|user [--since DATE] [--format text|csv|json]"},
    {"user", cmd_user, "user list|show|away|back ...  (leadroute user for each)"},
    {"peer-secret", cmd_peer_secret,
     "peer-secret [-o FILE]  (a new secret for a peer's secret_file)"},
    {"lead", cmd_lead, "lead status|reassign|close|note ...  (leadroute lead for each)"},
    /* store */
    {"backup", cmd_backup, "backup [-c FILE] DIR  (hot copy while the daemon runs)"},
    {"restore", cmd_restore, "restore [-c FILE] [--home DIR] BACKUP"},
    {"erase", cmd_erase, "erase [-c FILE] [--reason TEXT] ID"},
    {"sources", cmd_sources, "sources [-c FILE] [ID...]  (connect to each mailbox source once)"},
    /* what-if (issue 13) */
    {"replay", cmd_replay, "replay [-c NEW.conf] [--since D] [--until D] [--json]"},
};

/* verbs_of - the verbs of subcommand name (its first len bytes), or NULL. */
static const VerbTable *verbs_of(const char *name, gsize len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(verb_tables); i++)
		if (strlen(verb_tables[i].name) == len &&
		    strncmp(verb_tables[i].name, name, len) == 0)
			return &verb_tables[i];
	return NULL;
}

/* usage - print the subcommands (each verb of those with verbs) and
 * return the exit status for misuse. */
static int usage(FILE *out)
{
	fprintf(out, "usage: leadroute [-c FILE] SUBCOMMAND [OPTIONS]\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		const VerbTable *t = verbs_of(commands[i].name, strlen(commands[i].name));

		if (t == NULL)
			fprintf(out, "  leadroute %s\n", commands[i].usage);
		for (gsize k = 0; t != NULL && k < *t->n; k++)
			fprintf(out, "  leadroute %s %s\n", t->name, t->verbs[k].usage);
	}
	return out == stdout ? 0 : 64;
}

/* cmd_usage - see commands.h. */
const char *cmd_usage(const char *name)
{
	const char *sp = strchr(name, ' ');
	const VerbTable *t;

	if (sp != NULL) {
		t = verbs_of(name, (gsize)(sp - name));
		return t ? cmd_verb_find(t->verbs, *t->n, sp + 1) : NULL;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].usage;
	return NULL;
}

/* lift_config - `leadroute -c FILE SUB ...` (or --config FILE,
 * --config=FILE) as `leadroute SUB -c FILE ...`: argv rewritten in place
 * into a new vector (the strings stay argv's).  Returns the new argc, or -1
 * for an option other than -c before the subcommand. */
static int lift_config(int argc, char **argv, char ***out)
{
	const char *file = NULL;
	int i = 1, n = 0;
	char **v;

	if (strcmp(argv[1], "-c") == 0 || strcmp(argv[1], "--config") == 0) {
		if (argc < 4)
			return -1;
		file = argv[2];
		i = 3;
	} else if (g_str_has_prefix(argv[1], "--config=")) {
		file = argv[1] + strlen("--config=");
		i = 2;
	} else if (argv[1][0] == '-') {
		return -1;
	}
	v = g_new0(char *, argc + 3);
	v[n++] = argv[0];
	v[n++] = argv[i++];
	if (file) {
		v[n++] = (char *)"-c";
		v[n++] = (char *)file;
	}
	while (i < argc)
		v[n++] = argv[i++];
	*out = v;
	return n;
}

int main(int argc, char **argv)
{
	static char **args; /* reachable until exit */

	g_set_prgname("leadroute");
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("leadroute %s\n", PACKAGE_VERSION);
		return 0;
	}
	if ((argc = lift_config(argc, argv, &args)) < 0)
		return usage(stderr);
	argv = args;
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
