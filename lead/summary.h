/* summary.h - the compact per-lead summary every report figure is computed
 * from.
 *
 * A summary holds what reports need of one lead and nothing else: when it
 * came, where from (source, medium, campaign), who had it (the users it was
 * offered to, with what each did), the stage transitions with their times
 * and actors, the amount won and the SLA facts.  It is computed from a lead
 * and its events in one pass (summary_new); the store keeps the same
 * record later, so that `report` reads summaries only.
 *
 * Stages, in order: new -> offered -> accepted -> contacted -> won | lost,
 * and beside them not-lead, federated (handed to a partner server) and
 * recalled (taken back from one).  Each transition is derived from one
 * event type: received (new), notified "new-lead to U" (offered, actor U),
 * accepted, contacted, won, lost, not-lead, federated (actor server:ID) and
 * recalled. */
#ifndef LR_LEAD_SUMMARY_H
#define LR_LEAD_SUMMARY_H

#include <glib.h>

#include "lead/lead.h"

typedef enum {
	SUMMARY_NEW,
	SUMMARY_OFFERED,
	SUMMARY_ACCEPTED,
	SUMMARY_CONTACTED,
	SUMMARY_WON,
	SUMMARY_LOST,
	SUMMARY_NOT_LEAD,
	SUMMARY_FEDERATED,
	SUMMARY_RECALLED,
	SUMMARY_N_STAGES
} LrStage;

/* One stage transition: the stage reached, when and by whom. */
typedef struct {
	LrStage stage;
	gint64 at;   /* µs since the epoch */
	char *actor; /* a user id, "server:ID", "intake", "parser" ... */
} LrTransition;

/* What one user did with the lead (for the per-user view). */
typedef struct {
	char *user;
	guint offered, accepted, rejected, forwarded, timeouts, contacted, won, lost;
	guint pending; /* offers since the last routing step: a timeout counts them */
} LrInvolvement;

typedef struct {
	guint64 id;
	gint64 received; /* µs */
	gboolean is_lead;
	gboolean erased;  /* the person's data was erased (meta "erased") */
	char *source;     /* utm_source, source field, address extension; "(none)" */
	char *medium;     /* utm_medium or "(none)" */
	char *campaign;   /* utm_campaign or campaign field, else "(none)" */
	char *assignee;   /* who accepted it, else the last user offered it, or NULL */
	char *team;       /* the assignee's team (filled by the caller), or NULL */
	char *server;     /* the partner server it was federated to, or NULL */
	GArray *stages;   /* LrTransition, in time order */
	GPtrArray *users; /* LrInvolvement *, in order of first offer */
	guint rejected, forwarded, timeouts, recalled;
	gint64 offered_at, accepted_at, contacted_at, won_at, lost_at; /* µs; 0 = never */
	double won_amount;
	gint64 deadline; /* the accept deadline the router set (µs), or 0 */
	guint format;    /* the record version it was read from (0: built here) */
} LrSummary;

/* summary_new - the summary of lead from its events (in order).  Returns a
 * new summary; free with summary_free().  The same as summary_set_lead and
 * summary_fold of each event on an empty summary (after a "new" stage at
 * lead->received when the first event is not "received"). */
LrSummary *summary_new(const LrLead *lead, const GPtrArray *events);

/* summary_set_lead - refresh what s takes from the lead record (id,
 * received, is_lead, erased, origin, deadline) after the lead changed. */
void summary_set_lead(LrSummary *s, const LrLead *lead);

/* summary_fold - fold one more event (the lead's next, in order) into s,
 * so that a stored summary follows the lead without its events being read
 * again.  Won, lost and contacted recorded by a person (a rep by mail, an
 * admin by `lead close`/`lead status`) count for the holder at that time,
 * the assignee, in the per-user figures; the stage keeps the actor. */
void summary_fold(LrSummary *s, const LrEvent *e);
void summary_free(LrSummary *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrSummary, summary_free)

/* summary_stage_name - "new", "offered", ... for a stage. */
const char *summary_stage_name(LrStage stage);

/* summary_stage - the latest stage the lead reached. */
LrStage summary_stage(const LrSummary *s);

/* Record format version written by summary_serialize(): 2 is the flat
 * record of lead/summary-flat.c; 1 was a GVariant (lead/summary-record.c),
 * still read, but it lacks the pending offers, so a summary read from it
 * cannot be folded (format 1: the store rebuilds it from the events). */
#define SUMMARY_FORMAT_VERSION 2

/* summary_serialize - the compact versioned record the store keeps beside
 * each lead (team is not kept: it comes from the configuration): the
 * version byte first, then fixed little-endian fields, then the strings
 * and lists.  Returns new bytes. */
GBytes *summary_serialize(const LrSummary *s);

/* summary_deserialize - read a record of version 1 or 2 (by its first
 * byte).  Returns a new summary with format set, or NULL with
 * LR_ERROR_PERM when the bytes are not one. */
LrSummary *summary_deserialize(GBytes *bytes, GError **error);

/* summary_read_into - summary_deserialize into s (emptied first), for a
 * reader that reuses one summary: FALSE with LR_ERROR_PERM when the bytes
 * are no record. */
gboolean summary_read_into(LrSummary *s, const void *data, gsize len, GError **error);

/* summary_clear - empty s for reuse (strings freed, lists emptied). */
void summary_clear(LrSummary *s);

/* summary_serialize_v1 / summary_deserialize_v1 - the version-1 GVariant
 * record (the store of the previous version wrote it; kept to read such a
 * store and for its test). */
GBytes *summary_serialize_v1(const LrSummary *s);
LrSummary *summary_deserialize_v1(GBytes *bytes, GError **error);

/* summary_equal - TRUE when a and b hold the same figures, stages and
 * users (format and team are not compared). */
gboolean summary_equal(const LrSummary *a, const LrSummary *b);

/* summary_empty - a summary with no stages or users (for the reader). */
LrSummary *summary_empty(void);

#endif
