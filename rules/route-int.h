/* route-int.h - private to routing: the plan steps and trace spans that the
 * plan (route-plan.c), the router (route.c) and the results (route-result.c)
 * share. */
#ifndef LR_ROUTE_INT_H
#define LR_ROUTE_INT_H

#include "rules/route.h"

/* A run of rules that the plan evaluates as one step. */
typedef struct {
	guint first, last; /* rule indices, inclusive */
	char *name;        /* indexed name, or NULL for a single rule */
	GHashTable *index; /* folded text -> GArray of guint rule indices */
} PlanStep;

/* Rules testing the same name this many times in a row get an index. */
#define PLAN_MIN_RUN 4

/* One span of the trace. */
typedef struct {
	const LrRuleSet *set;
	guint first, last;
	gboolean matched;
	char *effect; /* matched rules only */
} Span;

/* route_result_new - an empty result (free with route_result_free). */
LrRouteResult *route_result_new(void);

/* route_attachment_free - destroy an attachment: one block of memory
 * with its texts and rows (route.c makes them so). */
void route_attachment_free(LrAttachment *a);

#endif
