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
} LrSummary;

/* summary_new - the summary of lead from its events (in order).  Returns a
 * new summary; free with summary_free(). */
LrSummary *summary_new(const LrLead *lead, const GPtrArray *events);
void summary_free(LrSummary *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrSummary, summary_free)

/* summary_stage_name - "new", "offered", ... for a stage. */
const char *summary_stage_name(LrStage stage);

/* summary_stage - the latest stage the lead reached. */
LrStage summary_stage(const LrSummary *s);

/* Record format version written by summary_serialize(). */
#define SUMMARY_FORMAT_VERSION 1

/* summary_serialize - the compact versioned record the store keeps beside
 * each lead (team is not kept: it comes from the configuration).  Returns
 * new bytes. */
GBytes *summary_serialize(const LrSummary *s);

/* summary_deserialize - read a record of a known version.  Returns a new
 * summary, or NULL with LR_ERROR_PERM when the bytes are not one. */
LrSummary *summary_deserialize(GBytes *bytes, GError **error);

/* summary_empty - a summary with no stages or users (for the reader). */
LrSummary *summary_empty(void);

#endif
