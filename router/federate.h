/* federate.h - the router's federation steps (issue 10), each inside the
 * job's transaction: a lead handed to a partner server, the exchanges that
 * come back (status reports), recalls, and, at the partner, leads received
 * from an origin and the status reports it owes.  The documents and their
 * signatures are federation/'s; the mail around them is mailer/'s.
 * Internal to router/. */
#ifndef LR_ROUTER_FEDERATE_H
#define LR_ROUTER_FEDERATE_H

#include "router/step.h"

/* The timer that recalls a lead a partner did not accept in time. */
#define JOB_FED_RECALL "fed-recall"

/* fed_peers_load - the secrets of every server entry that has one, by id
 * (GPtrArray of GBytes, current first, NULL-terminated).  NULL with an
 * error (LR_ERROR_CONFIG) naming the file that cannot be used. */
GHashTable *fed_peers_load(const LrConfig *cfg, GError **error);

/* fed_send_lead - offer s->lead to partner server_id ("server:ID"): a new
 * assignment, the lead exchange (without the server's withheld fields) in
 * the outbox, the recall timer.  A server it has been at, or one that
 * cannot take it (no deliver, no secret, not format leadroute), is skipped
 * and *route_on set: the caller routes the lead on (step_route). */
gboolean fed_send_lead(Step *s, const char *server_id, gboolean *route_on, GError **error);

/* fed_is_exchange - does raw carry an exchange signature header?  (The
 * header alone decides that it is handled here; the signature decides
 * whether it is obeyed.) */
gboolean fed_is_exchange(GBytes *raw);

/* fed_receive - an exchange mail delivered as s->lead: verified, parsed
 * and obeyed, or refused (s->lead becomes not-a-lead with the reason;
 * nothing else changes). */
gboolean fed_receive(Step *s, GBytes *raw, GError **error);

/* fed_recall_due - the JOB_FED_RECALL timer: a partner that has not
 * accepted the offer in time gets a recall, and *route_on is set: the
 * caller routes the lead on (step_route). */
gboolean fed_recall_due(Step *s, gboolean *route_on, GError **error);

/* fed_report - at the partner: an event of type on a lead received from
 * an origin that the origin must hear of (accepted, forwarded, contacted,
 * won, lost) goes back as a status exchange; others are ignored. */
gboolean fed_report(Step *s, const char *type, const char *actor, const char *detail,
                    GError **error);

/* fed_report_received - at the partner: the lead from an origin arrived
 * and was routed here; the origin is told. */
gboolean fed_report_received(Step *s, GError **error);

/* fed_imported - was the lead received from an origin (and not given
 * back)? */
gboolean fed_imported(const LrLead *lead);

/* fed_give_back - at the partner: nobody here takes the lead (rejected,
 * no answer, away): "rejected" goes back to the origin with why and the
 * lead stops here. */
gboolean fed_give_back(Step *s, const char *why, GError **error);

#endif
