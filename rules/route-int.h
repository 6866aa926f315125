/* route-int.h - private to routing: the plan steps, trace spans and the
 * router's state that the plan (route-plan.c), the router (route.c), the
 * strategies (route-pick.c) and the results (route-result.c) share. */
#ifndef LR_ROUTE_INT_H
#define LR_ROUTE_INT_H

#include "rules/route.h"

/* A run of rules that the plan evaluates as one step. */
typedef struct {
	guint first, last; /* rule indices, inclusive */
	char *name;        /* indexed name, or NULL for a single rule */
	LrCondName *ref;   /* name compiled, or NULL */
	GHashTable *index; /* folded text -> GArray of guint rule indices */
} PlanStep;

/* Rules testing the same name this many times in a row get an index. */
#define PLAN_MIN_RUN 4

/* One span of the trace. */
typedef struct {
	const LrRuleSet *set;
	guint first, last;
	gboolean matched;
	gssize effect; /* matched rules only: where the effect starts in the
	                * result's effects (in the scratch's while routing); -1 */
} Span;

/* What one decision writes and forgets, kept per thread for the next
 * (route.c's scratch_take): texts and candidate lists (Cand). */
typedef struct {
	GString *reason, *effect, *escalation, *keys, *effects;
	GArray *all, *later, *ok; /* Cand */
	GArray *open;             /* guint, least-loaded */
} Scratch;

/* Where routing is, for one lead (route.c, route-pick.c). */
typedef struct {
	const LrConfig *cfg;
	const char *const *rejected;
	LrRouteState *state;
	LrRouteResult *res;
	LrCondCtx ctx;
	const LrUser *holder; /* NULL while in the global rules */
	Scratch *sc;
	GString *reason;
	GString *effect;      /* the current rule's */
	GString *escalation;  /* why it was escalated */
	GString *scratch;     /* rotation keys (cand_key) */
	const char *ix_value; /* the value ix_key was made from (index_key) */
	char *ix_key;
	LrTzMemo tz_memo;   /* time zone offsets at state->now */
	const LrUser *last; /* the last holder added (add_holder), or NULL */
} Router;

/* Candidate of a list route. */
typedef struct {
	const char *id;
	const LrUser *user; /* NULL: not a user ("server:ID") */
	double weight;
} Cand;

/* What a rule's route picked. */
typedef enum { PICK_NONE, PICK_ONE, PICK_BROADCAST, PICK_NOBODY } PickKind;

/* The texts are borrowed from the configuration. */
typedef struct {
	PickKind kind;
	const char *to;     /* PICK_ONE: user id or "server:ID" */
	const LrUser *user; /* PICK_ONE: `to` as a user, or NULL */
	gboolean final;     /* PICK_ONE: keeps it without reading their rules */
	const char *meant;  /* PICK_NOBODY: who it was meant for (a user) or NULL */
	GPtrArray *all;     /* PICK_BROADCAST: const char * ids */
} Pick;

/* route_put - append text to s (never inside s). */
void route_put(GString *s, const char *text);

/* route_append - append each text up to NULL to s. */
void route_append(GString *s, ...) G_GNUC_NULL_TERMINATED;

/* route_sep - "; " when s has text already, else "". */
const char *route_sep(const GString *s);

/* route_unavailable - why who (a user id or "server:ID"; u: who as a
 * user, or NULL) cannot take the lead now, or NULL when they can. */
const char *route_unavailable(Router *rt, const char *who, const LrUser *u);

/* route_pick - fill pick with what a matching rule's route names, and
 * say so in rt->effect. */
void route_pick(Router *rt, const LrRoute *route, Pick *pick);

/* route_result_new - an empty result (free with route_result_free). */
LrRouteResult *route_result_new(void);

/* route_attachment_free - destroy an attachment: one block of memory
 * with its texts and rows (route.c makes them so). */
void route_attachment_free(LrAttachment *a);

#endif
