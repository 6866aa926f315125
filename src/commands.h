/* commands.h - the leadroute subcommands; each lives in src/cmd-NAME.c,
 * parses its own options and returns the process exit status. */
#ifndef LR_COMMANDS_H
#define LR_COMMANDS_H

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
int cmd_sources(int argc, char **argv);

#endif
