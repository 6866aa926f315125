/* selfservice.h - mail to a user's own command address lead+u-TOKEN@domain:
 * STATUS, STATUS TEAM, AWAY [until DATE] [note], AWAY USER [until DATE]
 * [note], BACK, CAPACITY N|DEFAULT, RULES, HELP.  A sibling of workflow.c, run inside the
 * router's job transaction like a reply. */
#ifndef LR_SELFSERVICE_H
#define LR_SELFSERVICE_H

#include "parser/reply.h"
#include "router/step.h"

/* selfservice_mail - obey the command in reply, mailed to a command address
 * (reply->token has the "u-" prefix; s->lead is the mail's own record).
 * Obeyed only when the sender passes the lead-reply checks (From names a
 * user, the envelope sender's domain is theirs) and the token is that
 * user's; otherwise logged and answered only to a user's own address, as
 * an unverified reply is.  Auto-replies and bounces are never commands.
 * Each command is an event in the user's history (lead 0, "user=ID ...")
 * and is answered with a "command" mail through the outbox.  FALSE with
 * error set when the store or composing failed. */
gboolean selfservice_mail(Step *s, LrReply *reply, const char *envelope, const char *message_id,
                          GError **error);

#endif
