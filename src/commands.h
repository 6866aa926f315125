/* commands.h - the leadroute subcommands; each lives in src/cmd-NAME.c,
 * parses its own options and returns the process exit status. */
#ifndef LR_COMMANDS_H
#define LR_COMMANDS_H

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

/* cmd_parse_when - a date (2026-11-01, UTC midnight), an ISO 8601 time, or
 * a duration before now ("30d", "12h") as µs; FALSE when it is none. */
gboolean cmd_parse_when(const char *text, gint64 now, gint64 *out);
int cmd_sources(int argc, char **argv);

#endif
