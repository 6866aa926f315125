/* workflow.h - what moves a lead once it has been offered: replies
 * (ACCEPT, REJECT, FORWARD, ...), deadlines, reminders, bounces.  Each
 * runs inside the router's job transaction (a Step) and returns FALSE with
 * error set when the store or a mail step fails. */
#ifndef LR_WORKFLOW_H
#define LR_WORKFLOW_H

#include "router/step.h"

gboolean workflow_reply(Step *s, GBytes *raw, GError **error);
gboolean workflow_deadline(Step *s, GError **error);
gboolean workflow_remind(Step *s, GError **error);
gboolean workflow_undeliverable(Step *s, GError **error);
gboolean workflow_looks_like_reply(GBytes *raw, const char *recipient, const char *domain);

#endif
