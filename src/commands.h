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
int cmd_sources(int argc, char **argv);

#endif
