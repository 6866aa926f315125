/* workflow.h - what moves a lead once it has been offered: replies
 * (ACCEPT, REJECT, FORWARD, ...), deadlines, reminders, bounces.  Each
 * runs inside the router's job transaction (a Step) and returns FALSE with
 * error set when the store or a mail step fails. */
#ifndef LR_WORKFLOW_H
#define LR_WORKFLOW_H

#include "parser/reply.h"
#include "router/step.h"

gboolean workflow_reply(Step *s, GBytes *raw, GError **error);
gboolean workflow_deadline(Step *s, GError **error);
gboolean workflow_remind(Step *s, GError **error);
gboolean workflow_undeliverable(Step *s, GError **error);
gboolean workflow_looks_like_reply(GBytes *raw, const char *recipient, const char *domain);

/* workflow_sender - the same sender checks as for a lead reply, before any
 * token: From names a user, and the envelope sender (NULL for <>, refused
 * unless an auto-reply) has a domain of that user.  The user (borrowed from
 * cfg), or NULL with *why set to a static reason. */
const LrUser *workflow_sender(const LrConfig *cfg, const LrReply *reply, const char *envelope,
                              const char **why);

/* workflow_give_back - user_id no longer holds the offered lead t->lead
 * (away): it goes on to the next holder, as after a timeout, without
 * counting as a rejection. */
gboolean workflow_give_back(Step *t, const char *user_id, GError **error);

/* workflow_reroute - user_id gave the offered lead t->lead back (reject,
 * timeout, away; counts: as a rejection): dropped from a broadcast, else
 * the lead goes back to its origin server, to the manager after too many
 * rejections, or is routed again (workflow-reroute.c). */
gboolean workflow_reroute(Step *t, const char *user_id, gboolean counts, GError **error);

#endif
