/* leadroute - the command-line program: one subcommand per run. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "lead/log.h"
#include "lead/process.h"
#include "src/commands.h"

/* A subcommand: its usage line is in src/cmd-usage.c. */
typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
} Command;

static const Command commands[] = {
    {"check", cmd_check},
    {"parse", cmd_parse},
    {"parse-reply", cmd_parse_reply},
    {"route", cmd_route},
    {"deliver", cmd_deliver},
    {"list", cmd_list},
    {"show", cmd_show},
    {"report", cmd_report},
    {"user", cmd_user},
    {"peer-secret", cmd_peer_secret},
    {"lead", cmd_lead},
    /* store */
    {"backup", cmd_backup},
    {"restore", cmd_restore},
    {"erase", cmd_erase},
    {"sources", cmd_sources},
    /* what-if (issue 13) */
    {"replay", cmd_replay},
};

/* usage - print every subcommand (each verb of those with verbs) and
 * return the exit status: 0 on stdout (asked for), 64 for misuse. */
static int usage(FILE *out)
{
	cmd_usage_all(out);
	return out == stdout ? 0 : 64;
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

	lr_process_init();
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
