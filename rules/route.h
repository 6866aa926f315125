/* route.h - routing decisions: the chain of rule files from the global
 * rules to the holder who keeps the lead.
 *
 * The global rules are read in order.  Rules that match add priority,
 * attachments and withheld fields; the first matching rule with a route
 * names the next holder and ends that file.  When the new holder has a
 * rule file of their own it is read the same way, and so on until a holder
 * without rules, or whose rules do not route, keeps the lead.  A holder is
 * never visited twice, so no configuration can loop.  A secondary server
 * ("server:ID") or a broadcast ends the chain.
 *
 * Whoever keeps the lead must be available: inside their working hours,
 * not away, under their capacity (the one the state gives, else the
 * configured one), and not among those who already rejected
 * it; list strategies pick among the available only.  When nobody is, the
 * lead goes to the manager of the one it was meant for, and failing that to
 * the admin: never nowhere.
 *
 * Routing state (round-robin positions, away times, open-lead counts)
 * lives with the caller (the daemon keeps it in the queue's state store),
 * so that rotations are fair across restarts.  The callbacks return
 * values, not errors: one whose store fails keeps the error with its data
 * and returns 0, and the caller (router/step.c) then drops the result and
 * fails the routing with that error instead of routing on it. */
#ifndef LR_ROUTE_H
#define LR_ROUTE_H

#include <glib.h>

#include "lead/lead.h"
#include "rules/lr-config.h"

typedef struct {
	/* round-robin position for a rule/list key; get returns 0 when unset */
	guint64 (*rr_get)(gpointer data, const char *key);
	void (*rr_set)(gpointer data, const char *key, guint64 value);
	guint (*open_leads)(gpointer data, const char *user_id); /* for least-loaded and capacity */
	gint64 (*away_until)(gpointer data, const char *user_id); /* µs epoch; 0 = not away */
	/* the capacity the user set (0: no limit), or -1 for the configured
	 * one; NULL: the configured one for everybody */
	int (*capacity)(gpointer data, const char *user_id);
	gint64 now; /* µs epoch (tests set it) */
	gpointer data;
} LrRouteState;

/* One thing attached to the lead for its notification. */
typedef struct {
	char *kind; /* "table", "document", "product-sheet", ... as configured */
	char *name;
	char *file;     /* a document's path, or NULL */
	char *table;    /* a table row's table, or NULL */
	char **columns; /* the row: header and cells, NULL-terminated */
	char **values;
} LrAttachment;

/* One rule of the trace (see route_result_trace). */
typedef struct {
	const char *file; /* borrowed from the configuration */
	int line;
	const char *name; /* or NULL */
	gboolean matched;
	const char *effect; /* "" when not matched */
} LrTraceStep;

typedef struct {
	GPtrArray *assignees; /* char *: user ids or "server:ID" */
	GPtrArray *holders;   /* char *: the chain in order */
	int priority;
	gboolean broadcast;     /* every assignee is offered it; the first ACCEPT wins */
	gboolean escalated;     /* nobody meant for it was available */
	GPtrArray *attachments; /* LrAttachment * */
	GPtrArray *withheld;    /* char *: field names */
	gint64 accept_within;   /* seconds, from the workflow that applies */
	gint64 remind_after;
	int max_rejections;
	char *reason;  /* "country DE, product Pumps" */
	GArray *spans; /* the trace, compactly (route_result_trace) */
	char *effects; /* the trace's effect texts, one block (rules/ only) */
} LrRouteResult;

/* route_lead - route lead under cfg.  rejected_by (NULL-terminated, may be
 * NULL) lists user ids and "server:ID"s that rejected it already; state
 * gives and keeps rotation state (state->now is the time of the decision).
 * Returns a new result (never without an assignee), or NULL with
 * LR_ERROR_CONFIG when cfg has no admin.  The result's trace borrows from
 * cfg. */
LrRouteResult *route_lead(const LrConfig *cfg, const LrLead *lead, const char *const *rejected_by,
                          LrRouteState *state, GError **error);

/* route_result_trace - every rule read, in order, with what it did.
 * Returns a new array of LrTraceStep * (borrowing from the configuration
 * the result was made with, which must still be loaded). */
GPtrArray *route_result_trace(const LrRouteResult *result);

/* route_result_to_json - the result as DESIGN.md's `route --dry-run --json`
 * shows it: assignees, holders, priority, rules, attachments, withheld,
 * broadcast, escalated, reason, workflow, as one line (what the router
 * stores with the lead).  Returns a new string. */
char *route_result_to_json(const LrRouteResult *result);

/* route_result_to_json_pretty - the same object indented, as `route
 * --dry-run --json` prints it.  Returns a new string. */
char *route_result_to_json_pretty(const LrRouteResult *result);

void route_result_free(LrRouteResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrRouteResult, route_result_free)

/* route_memory_state_new - a state kept in memory only (dry runs, tests),
 * nobody away, no open leads, now = now.  Free with
 * route_memory_state_free(). */
LrRouteState *route_memory_state_new(gint64 now);
void route_memory_state_free(LrRouteState *state);

/* route_memory_state_set_away / _set_open - for dry runs and tests. */
void route_memory_state_set_away(LrRouteState *state, const char *user_id, gint64 until);
void route_memory_state_set_open(LrRouteState *state, const char *user_id, guint open);

/* ---- what-if (rules/route-replay.c, `leadroute replay`) ---- */

/* An earlier decision as it was stored (route_result_to_json's text). */
typedef struct {
	GPtrArray *holders;   /* char *: the chain in order */
	GPtrArray *assignees; /* char * */
	int priority;
	GPtrArray *rules;       /* char *: the rules that matched (route_rule_key) */
	GPtrArray *unavailable; /* char *: who the trace says was away or at capacity */
} LrRouteRecord;

/* route_record_from_json - the decision in text (as route_result_to_json
 * wrote it).  Returns a new record, or NULL with LR_ERROR_PERM when text
 * is no such object. */
LrRouteRecord *route_record_from_json(const char *text, GError **error);

/* route_record_from_result - the same record of a result (new). */
LrRouteRecord *route_record_from_result(const LrRouteResult *result);

void route_record_free(LrRouteRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LrRouteRecord, route_record_free)

/* route_rule_key - how a rule is named when decisions are compared: its
 * name, else "FILE:LINE" with the file's base name (new string). */
char *route_rule_key(const char *file, int line, const char *name);

/* route_replay_state_new - the state in which to make rec's decision
 * again at now (µs): whom rec's trace found away or at capacity is away,
 * nobody else is, nobody is at capacity, and a rotation (round-robin,
 * weighted, least-loaded) picks whom it picked then (one of rec's holders
 * or assignees) while they are among its candidates; no rotation moves.
 * So what differs is what the rules decide.  rec may be freed after;
 * free with route_replay_state_free. */
LrRouteState *route_replay_state_new(const LrRouteRecord *rec, gint64 now);
void route_replay_state_free(LrRouteState *state);

/* How a decision made again compares with the one recorded. */
typedef enum {
	ROUTE_SAME,          /* same holders, assignees and priority */
	ROUTE_REPRIORITISED, /* same people, another priority */
	ROUTE_MOVED          /* other holders or assignees */
} LrRouteChange;

/* route_record_compare - then against now; *rules (new array of char *)
 * the rules that matched only then ("-KEY") or only now ("+KEY"). */
LrRouteChange route_record_compare(const LrRouteRecord *then, const LrRouteRecord *now,
                                   GPtrArray **rules);

/* route_plan_build - prepare every rule set of cfg for fast evaluation
 * (runs of rules testing the same field against texts are indexed).
 * Called by lr_config_check(). */
void route_plan_build(LrConfig *cfg);

/* route_plan_free - drop a rule set's plan. */
void route_plan_free(LrRuleSet *set);

#endif
