/* check-servers.h - `leadroute check` of the servers entries (secondary
 * lead servers): their secret files, where leads go, what they withhold.
 * Part of check_config (rules/check.c). */
#ifndef LR_CHECK_SERVERS_H
#define LR_CHECK_SERVERS_H

#include "rules/lr-config.h"

/* The least bytes a peer secret file holds (as mailer/token.h's
 * TOKEN_SECRET_MIN; `leadroute peer-secret` writes 65). */
#define CHECK_PEER_SECRET_MIN 16

/* check_servers - report, at each entry's file:line: a secret_file or
 * previous_secret_file that is missing, not a regular file, unreadable,
 * readable or writable by group or others, or shorter than
 * CHECK_PEER_SECRET_MIN bytes; a deliver that is neither "mailto:" with
 * one valid address nor an "https://HOST[:PORT][/PATH]" URL (no user or
 * password in it); a withheld field no lead can have (not a field name the
 * parser gives nor a target of fields.aliases). */
void check_servers(const LrConfig *cfg, LrConfigReportFunc report, gpointer data);

/* check_server_deliver - NULL when deliver (not NULL) is well-formed, else
 * why not (static text). */
const char *check_server_deliver(const char *deliver);

#endif
