/* admin.h - what an admin does to one lead from the command line
 * (`leadroute lead reassign|close|note`): each a change of the lead, an
 * event with the admin as actor and the mail to the reps it concerns, all
 * in one store transaction (the daemon's sender sends the mail). */
#ifndef LR_ROUTER_ADMIN_H
#define LR_ROUTER_ADMIN_H

#include <glib.h>

#include "router/router.h"

/* router_admin_reassign - lead id (offered, accepted or unrouted) offered
 * to user_id alone: the assignees it had are told by a "revoked" mail
 * that it was taken away, user_id gets the "new-lead" offer with its
 * reply token and deadline; event "reassigned" (detail "from=A,B to=U")
 * by actor.  LR_ERROR_PERM when there is no such lead or user, the lead
 * is closed, not a lead or held by user_id alone already; LR_ERROR_TEMP
 * when the store failed.  Nothing changes on failure. */
gboolean router_admin_reassign(LrRouter *r, guint64 id, const char *user_id, const char *actor,
                               GError **error);

/* router_admin_close - lead id closed as stage "won" (arg: the amount or
 * NULL) or "lost" (arg: the reason or NULL): stage, status closed,
 * won_amount / lost_reason, the open-lead counts of its assignees; event
 * of type stage by actor with detail arg; each assignee told by a
 * "confirm" mail.  Errors as router_admin_reassign (a closed lead is
 * refused). */
gboolean router_admin_close(LrRouter *r, guint64 id, const char *stage, const char *arg,
                            const char *actor, GError **error);

/* router_admin_note - event "note" by actor with detail text on lead id
 * (in any status), the assignees told by a "confirm" mail.  LR_ERROR_PERM
 * when there is no such lead. */
gboolean router_admin_note(LrRouter *r, guint64 id, const char *text, const char *actor,
                           GError **error);

#endif
