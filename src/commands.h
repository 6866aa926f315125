/* commands.h - the leadroute subcommands; each lives in src/cmd-NAME.c,
 * parses its own options and returns the process exit status. */
#ifndef LR_COMMANDS_H
#define LR_COMMANDS_H

#include <stdio.h>

#include <glib.h>

int cmd_check(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_parse_reply(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_deliver(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_user(int argc, char **argv);
/* Federation (issue 10): peer secrets, outcomes of one-way leads. */
int cmd_peer_secret(int argc, char **argv);
int cmd_lead(int argc, char **argv);
#define LEAD_STATUS_USAGE "status [-c FILE] [--actor NAME] ID contacted|won [AMOUNT]|lost [REASON]"
int cmd_lead_status(int argc, char **argv);
/* Admin commands on one lead (issue 13, src/cmd-lead-admin.c). */
#define LEAD_REASSIGN_USAGE "reassign [-c FILE] [--actor NAME] ID USER"
#define LEAD_CLOSE_USAGE "close [-c FILE] [--actor NAME] ID won [AMOUNT]|lost [REASON]"
#define LEAD_NOTE_USAGE "note [-c FILE] [--actor NAME] ID TEXT"
int cmd_lead_reassign(int argc, char **argv);
int cmd_lead_close(int argc, char **argv);
int cmd_lead_note(int argc, char **argv);
/* store: backup, restore, erase (src/cmd-backup.c) */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_erase(int argc, char **argv);

/* ---- the command line, the same for every subcommand (src/cmd-opts.c) ---- */

/* ---- the usage lines of every subcommand and verb (src/cmd-usage.c) ---- */

/* cmd_usage - the usage line of subcommand name ("show", or "lead close"
 * for a verb: the part after "lead "); NULL when there is none. */
const char *cmd_usage(const char *name);

/* cmd_usage_verbs - "PREFIXleadroute NAME VERB-USAGE" on out for each verb
 * of subcommand name; returns how many (0: it has no verbs). */
guint cmd_usage_verbs(FILE *out, const char *prefix, const char *name);

/* cmd_usage_all - the synopsis of the program: every subcommand, or each
 * of its verbs for those with verbs. */
void cmd_usage_all(FILE *out);

/* cmd_options - parse ctx's options (its main entries; --help is added)
 * out of argv for subcommand name.  Returns -1 when the command goes on,
 * else its exit status: 0 after --help (the usage and the options on
 * stdout), 64 after an unknown or bad option (why and the usage line on
 * stderr). */
int cmd_options(GOptionContext *ctx, const char *name, int *argc, char ***argv);

/* cmd_usage_error - "leadroute NAME: WHY" (why may be NULL) and the usage
 * line on stderr; returns 64, the exit status of misuse. */
int cmd_usage_error(const char *name, const char *why);

/* A verb of a subcommand with verbs (lead, user). */
typedef struct {
	const char *verb;
	int (*run)(int argc, char **argv); /* argv[0] is the verb */
} CmdVerb;                             /* its usage: cmd_usage("NAME VERB") */

/* cmd_verbs - run the verb that argv[1] names (argv[0] is NAME): --help
 * prints every verb's usage on stdout (0); a missing or unknown verb the
 * same on stderr (64).  `-c FILE` (--config) before the verb is moved
 * after it, so that `leadroute -c FILE lead close ...` works. */
int cmd_verbs(const char *name, const CmdVerb *verbs, gsize n, int argc, char **argv);


/* The verb tables (src/cmd-lead.c, src/cmd-user.c). */
extern const CmdVerb cmd_lead_verbs[];
extern const gsize cmd_lead_nverbs;
extern const CmdVerb cmd_user_verbs[];
extern const gsize cmd_user_nverbs;

/* cmd_lead_id - text as a lead id (a number from 1); FALSE when not. */
gboolean cmd_lead_id(const char *text, guint64 *id);

/* One `leadroute lead VERB` line after its options (src/cmd-lead.c). */
typedef struct {
	const char *verb; /* "close" */
	char *config;     /* -c, or NULL */
	char *actor;      /* --actor, else "admin:LOGIN" */
	guint64 id;       /* the lead, argv[1] after parsing */
} CmdLead;

/* cmd_lead_parse - the options of a lead verb (-c, --actor, --help) and
 * the lead's id; at least more arguments must follow the id.  Returns -1
 * when the command goes on (argv[1] the id, argv[2...] the rest), else
 * the exit status (0 after --help, 64 after misuse, with the usage).
 * Free c's strings with cmd_lead_clear whatever it returns. */
int cmd_lead_parse(CmdLead *c, int *argc, char ***argv, int more);
void cmd_lead_clear(CmdLead *c);

/* cmd_outcome_args - "won [AMOUNT]" or "lost [REASON...]" at argv[first]:
 * *arg the amount or the reason (new string) or NULL.  FALSE with the
 * reason in *why when it is neither, or won has no amount's form. */
gboolean cmd_outcome_args(int argc, char **argv, int first, char **arg, const char **why);

/* cmd_parse_when - a date (2026-11-01, UTC midnight), an ISO 8601 time, or
 * a duration before now ("30d", "12h") as µs; FALSE when it is none. */
gboolean cmd_parse_when(const char *text, gint64 now, gint64 *out);
int cmd_sources(int argc, char **argv);
/* leadroute replay (src/cmd-replay.c): stored leads under a configuration. */
int cmd_replay(int argc, char **argv);

#endif
